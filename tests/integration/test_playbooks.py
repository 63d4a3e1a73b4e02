"""Every playbook on the seed-scale case in a real Neo4j, against figures computed another way:
the analysis tables (held equal to truth/ and between engines elsewhere) or pandas over the
case's own rows. Injection strings are shown to be plain values. The two engines' files on
the seed-scale case are compared here too: loading and analysing it in Neo4j takes minutes,
and clearing it again as long, so it is done once for both."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from casegraph.api import Investigation
from casegraph.cli import main
from casegraph.generator import generate_case
from casegraph.loaders.case import load_case
from casegraph.loaders.fx import ledger_in_cny, transfers_in_cny
from casegraph.outputs import write_csv
from casegraph.queries.columnar import is_in
from casegraph.queries.income import highest_severity
from casegraph.queries.neo4j.findings import write_findings
from casegraph.queries.neo4j.runner import CypherRunner
from casegraph.queries.playbooks import library, run
from casegraph.queries.quality import quality_table
from integration.test_engines_agree import assert_same_files

pytestmark = pytest.mark.slow
INJECTIONS = ["x' OR 1=1 //", "}) DETACH DELETE n //", "' }) MATCH (n) DETACH DELETE n //", "$agent_id"]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory, neo4j_driver):
    """The seed-scale case loaded, analysed in Neo4j and its findings written back, as
    ``casegraph analyze --engine neo4j`` does: (case, tables, a folder holding the memory
    engine's files in ``memory/`` and Neo4j's output tables, written alike, in ``neo4j/``)."""
    folder = tmp_path_factory.mktemp("seed")
    generate_case(folder / "case", scale="seed", seed=7)
    case = load_case(folder / "case")
    tables = Investigation(case).analyze("neo4j", driver=neo4j_driver, replace=True)  # the CLI's own call
    quality = quality_table(case.path, tables["communities"], tables["gangs"].set_index("gang_id"),
                            tables.get("account_groups"))
    for name, frame in {**tables, "quality": quality}.items():
        write_csv(frame, folder / "neo4j" / f"{name}.csv")
    with pytest.raises(SystemExit) as done:
        main(["-q", "analyze", str(case.path), "--out", str(folder / "memory")])
    assert done.value.code == 0
    return case, tables, folder


@pytest.fixture(scope="module")
def seed(analysed):
    """(case, tables) of :func:`analysed`."""
    return analysed[:2]


def test_engines_agree_on_the_seed_scale_case(analysed):
    assert_same_files(analysed[2])


def play(driver, name, **params) -> pd.DataFrame:
    return run(driver, name, params)


def totals_of(tables, node_type: str) -> pd.DataFrame:
    totals = tables["totals"]
    return totals[totals["node_type"] == node_type].set_index("node_id")


def graph_size(driver) -> tuple[int, int]:
    record = driver.execute_query("MATCH (n) WITH count(n) AS nodes MATCH ()-[r]->() RETURN nodes, count(r) AS rels"
                                  ).records[0]
    return record["nodes"], record["rels"]


def test_vendor_chain_covers_every_licence_with_its_gang(seed, neo4j_driver):
    case, tables = seed
    chain = tables["chain"].set_index("license_id")
    vendor = case["vendors"]["vendor_id"].iloc[0]
    rows = play(neo4j_driver, "vendor_chain", vendor_id=vendor).set_index("license_id")
    expected = chain[chain["vendor_id"] == vendor]
    assert len(expected) >= 34 and sorted(rows.index) == sorted(expected.index)
    assert (rows["platform_id"] == expected["platform_id"]).all()
    assert (rows["found_gang_id"] == expected["gang_id"]).all()
    assert (rows["province"] == expected["province"]).all()
    for column in ("n_agents", "n_clients"):
        assert (rows[column] == expected[column]).all(), column
    for column in ("deposits", "net_deposit"):
        assert (rows[f"{column}_fen"] == expected[column]).all(), column
    known = case["gangs"].set_index("gang_id")["platform_ids"].str.split(";").explode()
    assert dict(rows.dropna(subset=["known_gang_id"]).set_index("platform_id")["known_gang_id"]) == \
        {platform: gang for gang, platform in known.items()}


def test_agent_tree_figures_equal_the_agent_totals(seed, neo4j_driver):
    case, tables = seed
    agents = totals_of(tables, "agent")
    roots = case["agents"][case["agents"]["parent_agent_id"].isna()]["agent_id"]
    root = agents.loc[roots, "subtree_n_clients"].idxmax()  # the biggest tree
    rows = play(neo4j_driver, "agent_tree", agent_id=root).set_index("agent_id")
    parent = case["agents"].set_index("agent_id")["parent_agent_id"]
    below = {root}
    while True:  # the downline, walked in pandas
        grown = below | set(parent[parent.isin(below)].index)
        if grown == below:
            break
        below = grown
    assert set(rows.index) == below and len(below) > 5
    assert rows.loc[root, "depth"] == 0 and rows["depth"].max() >= 2
    expected = agents.loc[rows.index]
    for scope in ("own", "subtree"):
        assert (rows[f"{scope}_n_clients"] == expected[f"{scope}_n_clients"]).all()
        for figure in ("deposits", "withdrawals", "net_deposit"):
            assert (rows[f"{scope}_{figure}_fen"] == expected[f"{scope}_{figure}"]).all(), (scope, figure)
        fees = expected[f"{scope}_fees"] + expected[f"{scope}_overnight_fees"]
        assert (rows[f"{scope}_fees_fen"] == fees).all(), scope


def test_person_profile_ties_roles_accounts_money_and_devices(seed, neo4j_driver):
    case, tables = seed
    gang = case["gangs"].iloc[0]
    person = gang["leader_person_id"]
    rows = play(neo4j_driver, "person_profile", person_id=person)
    ties = {tie: frame for tie, frame in rows.groupby("tie")}
    assert (ties["leads_gang"]["target_id"] == gang["gang_id"]).all()
    memberships = case["memberships"][case["memberships"]["person_id"] == person]
    assert sorted(zip(ties["member_of"]["target_id"], ties["member_of"]["detail"])) == \
        sorted(zip(memberships["org_id"], memberships["role"]))
    members = tables["communities"].set_index("entity_id")
    assert list(ties["in_found_gang"]["target_id"]) == [members.loc[person, "gang_id"]]

    held = case["accounts"][case["accounts"]["holder_person_id"] == person]["account_id"]
    accounts = ties["holds_account"].set_index("target_id")
    assert sorted(accounts.index) == sorted(held) and len(held) > 0
    transfers = transfers_in_cny(case)
    money_in = transfers.groupby("to_account")["amount_cny"].sum().reindex(held, fill_value=0)
    money_out = transfers.groupby("from_account")["amount_cny"].sum().reindex(held, fill_value=0)
    assert list(accounts.loc[held, "money_in_fen"]) == list(money_in)
    assert list(accounts.loc[held, "money_out_fen"]) == list(money_out)

    logins = case["logins"]
    mine = logins[(logins["actor_id"] == person) | is_in(logins["account_id"], held)]
    assert set(ties["used_device"]["target_id"]) == set(mine["device_id"].dropna())
    assert set(ties["used_ip"]["target_id"]) == set(mine["ip"].dropna())
    assert ties["used_device"]["n"].sum() == mine["device_id"].notna().sum()


def test_accounts_sharing_a_device_or_ip(seed, neo4j_driver):
    case, tables = seed
    account = tables["account_groups"]["account_id"].iloc[0]
    rows = play(neo4j_driver, "accounts_sharing_device_or_ip", account_id=account)
    logins = case["logins"].dropna(subset=["account_id"])
    expected = set()
    for via, column in (("device", "device_id"), ("ip", "ip")):
        used = set(logins.loc[logins["account_id"] == account, column].dropna())
        others = logins[is_in(logins[column], used) & (logins["account_id"] != account)]
        expected |= {(via, identifier, other) for identifier, other in zip(others[column], others["account_id"])}
    assert set(zip(rows["via"], rows["identifier"], rows["other_account_id"])) == expected
    group = tables["account_groups"]
    mates = set(group[group["group_id"] == group.set_index("account_id").loc[account, "group_id"]]["account_id"])
    assert mates - {account} <= set(rows["other_account_id"])  # the group shares its devices


def earliest_arrival_hops(transfers: pd.DataFrame, sources: set, targets: set, max_hops: int) -> int | None:
    """The fewest transfers of a time-respecting chain from sources to targets (None: none
    within max_hops): the earliest arrival at each account with ≤ k transfers dominates."""
    best = pd.Series(pd.Timestamp.min.tz_localize("UTC"), index=sorted(sources))
    for hops in range(1, max_hops + 1):
        step = transfers.merge(best.rename("arrived"), left_on="from_account", right_index=True)
        step = step[step["ts"] > step["arrived"]]
        if step["to_account"].isin(targets).any():
            return hops
        reached = step.groupby("to_account")["ts"].min()
        best = pd.concat([best, reached]).groupby(level=0).min()
    return None


def check_paths(rows: pd.DataFrame, sources: set, targets: set, transfers: pd.DataFrame) -> None:
    by_id = transfers.set_index("txn_id")
    for row in rows.itertuples():
        assert row.accounts[0] in sources and row.accounts[-1] in targets
        assert row.hops == len(row.txn_ids) == len(row.accounts) - 1
        legs = by_id.loc[row.txn_ids]
        assert list(legs["from_account"]) == row.accounts[:-1] and list(legs["to_account"]) == row.accounts[1:]
        assert legs["ts"].is_monotonic_increasing and legs["ts"].is_unique
        assert list(legs["amount_cny"]) == row.amounts_fen and row.bottleneck_fen == min(row.amounts_fen)


def test_fund_flow_paths_are_shortest_and_respect_time(seed, neo4j_driver):
    case, _ = seed
    transfers = transfers_in_cny(case)
    transfers["ts"] = transfers["ts"].dt.tz_convert("UTC")
    ledger = case["ledger"]
    deposits = transfers[is_in(transfers["txn_id"], ledger.loc[ledger["kind"] == "deposit", "bank_txn_id"].dropna())]
    first = deposits.sort_values("ts").iloc[len(deposits) // 2]  # a client's deposit, midway through the case
    source, collection = first["from_account"], first["to_account"]
    onward = transfers[(transfers["from_account"] == collection) & (transfers["ts"] > first["ts"])
                       & (transfers["to_account"] != source)]
    # Two transfers link these accounts, but only against time order: money that left b
    # before it arrived from a cannot be a's money.
    legs = transfers[["from_account", "to_account", "ts"]]
    two = legs.merge(legs, left_on="to_account", right_on="from_account", suffixes=("_1", "_2"))
    two = two[two["from_account_1"] != two["to_account_2"]]
    in_order = (two["ts_1"] < two["ts_2"]).groupby([two["from_account_1"], two["to_account_2"]]).any()
    backwards = next(pair for pair in sorted(in_order[~in_order].index)
                     if earliest_arrival_hops(transfers, {pair[0]}, {pair[1]}, 2) is None)
    pairs = [(source, onward["to_account"].iloc[-1]), backwards]
    hops_found = []
    for source, target in pairs:
        rows = play(neo4j_driver, "fund_flow_paths", from_id=source, to_id=target, max_hops=3)
        expected = earliest_arrival_hops(transfers, {source}, {target}, 3)
        hops_found.append(expected)
        if expected is None:
            assert rows.empty, (source, target)
        else:
            assert set(rows["hops"]) == {expected}, (source, target)
            check_paths(rows, {source}, {target}, transfers)
    assert hops_found[0] == 2 and hops_found[1] != 2  # the second pair needs time order
    # Persons as ends: any account they hold.
    holder = case["accounts"].set_index("account_id")["holder_person_id"]
    person = holder[pairs[0][0]]
    rows = play(neo4j_driver, "fund_flow_paths", from_id=person, to_id=pairs[0][1], max_hops=2, max_paths=3)
    held = set(holder[holder == person].index)
    expected = earliest_arrival_hops(transfers, held, {pairs[0][1]}, 2)
    assert expected is not None and set(rows["hops"]) == {expected} and 0 < len(rows) <= 3
    check_paths(rows, held, {pairs[0][1]}, transfers)


def test_platform_money_flow_follows_deposits_to_the_gang(seed, neo4j_driver):
    case, tables = seed
    gang = case["gangs"].iloc[0]
    platform = gang["platform_ids"].split(";")[0]
    rows = play(neo4j_driver, "platform_money_flow", platform_id=platform)
    transfers = transfers_in_cny(case)
    ledger = ledger_in_cny(case)
    clients = set(case["clients"].loc[case["clients"]["platform_id"] == platform, "client_id"])
    deposits = ledger[(ledger["kind"] == "deposit") & is_in(ledger["client_id"], clients)]
    stage1 = transfers[is_in(transfers["txn_id"], deposits["bank_txn_id"].dropna())]
    payers, collection = set(stage1["from_account"]), set(stage1["to_account"])
    expected1 = stage1.groupby("to_account")["amount_cny"].agg(["size", "sum"])
    got1 = rows[rows["stage"] == 1].set_index("to_account")
    assert sorted(got1.index) == sorted(expected1.index)
    assert list(got1.loc[expected1.index, "amount_fen"]) == list(expected1["sum"])
    assert list(got1.loc[expected1.index, "n_transfers"]) == list(expected1["size"])

    def onward(sources: set, seen: set) -> pd.DataFrame:
        out = transfers[is_in(transfers["from_account"], sources)]
        return out[~is_in(out["to_account"], seen)]

    stage2 = onward(collection, payers | collection)
    stage3 = onward(set(stage2["to_account"]), payers | collection | set(stage2["to_account"]))
    for number, frame in ((2, stage2), (3, stage3)):
        expected = frame.groupby(["from_account", "to_account"])["amount_cny"].sum()
        got = rows[rows["stage"] == number].set_index(["from_account", "to_account"])["amount_fen"]
        assert got.sort_index().to_dict() == expected.sort_index().to_dict(), number
    # The money ends with the gang: stage 3 reaches accounts the truth puts in this gang.
    truth = pd.read_csv(case.path / "truth" / "gangs.csv", dtype=str).set_index("entity_id")["gang_id"]
    reached = rows[rows["stage"] == 3]["holder_person_id"].dropna()
    assert (reached.map(truth) == gang["gang_id"]).any()


def test_account_group_self_trades_match_the_group_figures(seed, neo4j_driver):
    _, tables = seed
    groups = tables["account_groups"].drop_duplicates("group_id")
    checked = groups.sort_values("self_trade_count", ascending=False).head(3)
    assert (checked["self_trade_count"] > 0).all()
    for group in checked.itertuples():
        rows = play(neo4j_driver, "account_group_self_trades", group_id=group.group_id)
        assert len(rows) == group.self_trade_count
        assert rows["matched_qty"].sum() == pytest.approx(group.self_trade_qty)
        members = set(tables["account_groups"].query("group_id == @group.group_id")["account_id"])
        assert set(rows["accounts"].explode()) <= members
        assert (rows["controller_id"] == group.controller_id).all()


def test_agent_clients_over_net_deposit(seed, neo4j_driver):
    case, tables = seed
    clients = totals_of(tables, "client").join(case["clients"].set_index("client_id")["agent_id"])
    agent = clients["agent_id"].value_counts().idxmax()
    own = clients[clients["agent_id"] == agent]
    threshold = int(own["net_deposit"].median())
    rows = play(neo4j_driver, "agent_clients_over_net_deposit", agent_id=agent, min_net_deposit_fen=threshold)
    expected = own[own["net_deposit"] > threshold]
    assert 0 < len(rows) < len(own)
    assert dict(zip(rows["client_id"], rows["net_deposit_fen"])) == dict(expected["net_deposit"])
    assert rows["net_deposit_fen"].is_monotonic_decreasing

    root = case["agents"].query("parent_agent_id.isna()")["agent_id"]
    top = totals_of(tables, "agent").loc[root, "subtree_n_clients"].idxmax()
    everyone = play(neo4j_driver, "agent_clients_over_net_deposit", agent_id=top, min_net_deposit_fen=-10**15,
                    include_downline=True)
    assert len(everyone) == totals_of(tables, "agent").loc[top, "subtree_n_clients"]


def test_gangs_by_province_with_severity(seed, neo4j_driver):
    _, tables = seed
    gangs = tables["gangs"].set_index("gang_id")
    rows = play(neo4j_driver, "gangs_by_province")
    assert sorted(rows["gang_id"]) == sorted(gangs.index) and len(rows) >= 30
    severity = highest_severity(tables["income"], "gang")
    by_gang = rows.set_index("gang_id").loc[gangs.index]
    assert (by_gang["severity_level"] == severity.loc[gangs.index, "severity_level"]).all()
    assert (by_gang["province"].fillna("") == gangs["province"].fillna("")).all()
    levels = {"especially_serious": 2, "prosecution": 1, "below": 0}
    for _, frame in rows.groupby("province"):
        assert list(frame["rank"]) == list(range(1, len(frame) + 1))
        keys = list(zip(-frame["severity_level"].map(levels), -frame["net_deposit_fen"]))
        assert keys == sorted(keys)
    province = gangs["province"].value_counts().idxmax()
    one = play(neo4j_driver, "gangs_by_province", province=province)
    assert set(one["gang_id"]) == set(gangs.index[gangs["province"] == province]) and len(one) >= 2


def test_agents_rebate_mismatch_equals_the_agent_totals(seed, neo4j_driver):
    _, tables = seed
    agents = totals_of(tables, "agent")
    rows = play(neo4j_driver, "agents_rebate_mismatch")
    expected = agents[agents["rebate_mismatch"] != 0]
    assert len(expected) > 0
    assert dict(zip(rows["agent_id"], rows["difference_fen"])) == dict(expected["rebate_mismatch"])
    assert dict(zip(rows["agent_id"], rows["rebate_due_fen"])) == dict(expected["rebate_due"])
    platform = rows["platform_id"].iloc[0]
    big = int(rows["difference_fen"].abs().median())
    some = play(neo4j_driver, "agents_rebate_mismatch", platform_id=platform, min_difference_fen=big)
    assert set(some["agent_id"]) == set(rows[(rows["platform_id"] == platform)
                                             & (rows["difference_fen"].abs() > big)]["agent_id"])


def browser_parameters(query: str, driver) -> dict:
    """The ``:param name => literal`` hints of a playbook, evaluated by the server as Browser
    would (the literals are the playbook's own text, not input)."""
    values = {}
    for name, literal in re.findall(r"^// Browser: :param (\w+) => (.+)$", query, flags=re.M):
        values[name] = driver.execute_query(f"RETURN {literal} AS v").records[0]["v"]
    return values


@pytest.mark.parametrize("book", library(), ids=lambda b: b.name)
def test_playbook_runs_as_pasted_into_browser(seed, neo4j_driver, book):
    """The file's whole text, with the parameters Browser's :param hints set, runs and returns
    the header's columns."""
    values = browser_parameters(book.query, neo4j_driver)
    assert set(values) == set(book.header.params)
    records, _, keys = neo4j_driver.execute_query(book.query, values)
    assert list(keys) == book.header.columns


@pytest.mark.parametrize("book", [b for b in library() if any(p.type == "string" for p in b.header.params.values())],
                         ids=lambda b: b.name)
def test_injection_strings_are_only_values(seed, neo4j_driver, book):
    before = graph_size(neo4j_driver)
    examples = {name: p.example for name, p in book.header.params.items()}
    for name, param in book.header.params.items():
        if param.type != "string":
            continue
        for text in INJECTIONS:
            rows = run(neo4j_driver, book.name, {**examples, name: text})
            if name != "province":  # no id is an injection string; an unknown id finds nothing
                assert rows.empty, (name, text)
    assert graph_size(neo4j_driver) == before


def test_cli_runs_a_playbook_and_binds_injection(seed, neo4j_driver, capsys):
    before = graph_size(neo4j_driver)
    with pytest.raises(SystemExit) as done:
        main(["playbook", "run", "vendor_chain", "-p", "vendor_id=}) DETACH DELETE n //", "--format", "json"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == "[]"
    assert graph_size(neo4j_driver) == before
    case, tables = seed
    agent = totals_of(tables, "agent")["subtree_n_clients"].idxmax()
    with pytest.raises(SystemExit) as done:
        main(["playbook", "run", "agent_tree", "-p", f"agent_id={agent}", "--format", "csv"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    frame = pd.read_csv(pd.io.common.StringIO(out), dtype=str)
    # Money as CNY with two decimals, under the name without _fen.
    root = frame[frame["agent_id"] == agent].iloc[0]
    from casegraph.money import format_fen
    assert root["subtree_deposits"] == format_fen(int(totals_of(tables, "agent").loc[agent, "subtree_deposits"]))


def test_findings_are_replaced_not_duplicated(seed, neo4j_driver):
    _, tables = seed
    count = ("MATCH (g:FoundGang) OPTIONAL MATCH (g)<-[m:IN_GANG]-() "
             "RETURN count(DISTINCT g) AS gangs, count(m) AS members")
    before = neo4j_driver.execute_query(count).records[0]
    write_findings(CypherRunner(neo4j_driver), tables)
    after = neo4j_driver.execute_query(count).records[0]
    assert before == after and after["gangs"] == len(tables["gangs"])
    assert after["members"] == tables["communities"]["gang_id"].notna().sum()
