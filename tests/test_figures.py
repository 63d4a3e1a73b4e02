"""Per-node figures of the memory engine on hand-written cases, checked against hand sums."""

from __future__ import annotations

import pandas as pd
import pytest
from casebuilder import minimal_case, write_case
from hypothesis import given, settings
from hypothesis import strategies as st

from casegraph.loaders.case import load_case
from casegraph.queries.memory import figures
from casegraph.queries.memory.engine import analyze_case


def analyse(tmp_path, rows):
    return analyze_case(load_case(write_case(tmp_path / "case", rows)))


def row_of(totals: pd.DataFrame, node_id: str) -> pd.Series:
    return totals.set_index("node_id").loc[node_id]


@pytest.fixture(scope="module")
def minimal_tables(tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The minimal case analysed once for the tests that only read it."""
    return analyse(tmp_path_factory.mktemp("minimal"), minimal_case())


def test_net_deposit_of_the_zhejiang_case(minimal_tables):
    """(2017)浙10刑终926: 474,954 − 217,893.14 = 257,060.86."""
    client = row_of(minimal_tables["totals"], "C1")
    assert (client["deposits"], client["withdrawals"], client["net_deposit"]) == (47495400, 21789314, 25706086)


def test_client_figures_by_hand(minimal_tables):
    client = row_of(minimal_tables["totals"], "C1")
    assert client["fees"] == 100000 and client["trading_pnl"] == -500050
    assert client["client_loss"] == 100000 + 0 + 500050
    assert client["rebates_paid"] == 60000  # both rebates came from C1's fees
    assert client["fresh_money"] == 47495400
    assert client["turnover"] == 140000000


def test_fresh_money_does_not_count_recycled_deposits(tmp_path):
    rows = minimal_case()
    # C2: deposit 10,000; withdraw 8,000; deposit 5,000 again. Fresh money 10,000, not 15,000.
    base = {"platform_id": "P1", "client_id": "C2", "account_id": "T2"}
    rows["ledger"] += [
        {**base, "entry_id": "E20", "ts": "2019-06-01T10:00:00", "kind": "withdrawal", "amount": "8000"},
        {**base, "entry_id": "E21", "ts": "2019-06-02T10:00:00", "kind": "deposit", "amount": "5000"},
    ]
    client = row_of(analyse(tmp_path, rows)["totals"], "C2")
    assert client["deposits"] == 1500000 and client["fresh_money"] == 1000000


def test_fresh_money_orders_ties_by_entry_id(tmp_path):
    rows = minimal_case()
    base = {"platform_id": "P1", "client_id": "C2", "account_id": "T2", "ts": "2019-06-01T10:00:00"}
    # Same second: E30 (withdrawal 10,000) sorts before E31 (deposit 7,000), so the peak stays
    # at the earlier 10,000 and the later running sum 7,000 never exceeds it.
    rows["ledger"] += [{**base, "entry_id": "E30", "kind": "withdrawal", "amount": "10000"},
                       {**base, "entry_id": "E31", "kind": "deposit", "amount": "7000"}]
    assert row_of(analyse(tmp_path, rows)["totals"], "C2")["fresh_money"] == 1000000


def test_agent_own_and_subtree(minimal_tables):
    totals = minimal_tables["totals"]
    top, salesman = row_of(totals, "A1"), row_of(totals, "A2")
    assert top["own_deposits"] == 1000000 and top["subtree_deposits"] == 48495400
    assert salesman["own_deposits"] == salesman["subtree_deposits"] == 47495400
    assert (top["rebate_received"], salesman["rebate_received"]) == (20000, 40000)
    assert top["depth"] == 1 and salesman["depth"] == 2


def test_platform_gang_vendor_chain(minimal_tables):
    tables = minimal_tables
    totals = tables["totals"]
    assert row_of(totals, "P1")["deposits"] == row_of(totals, "G1")["deposits"] == 48495400
    vendor = row_of(totals, "V1")
    assert (vendor["license_income"], vendor["license_income_bank"]) == (80000000, 80000000)
    chain = tables["chain"].iloc[0]
    assert (chain["license_id"], chain["gang_id"], chain["province"], chain["n_agents"], chain["agent_depth"]) == (
        "L1", "G1", "上海市", 2, 2)


def test_person_own_net_withdrawal(minimal_tables):
    """(2020)粤01刑终873: withdrawals − deposits on the person's own trading accounts."""
    totals = minimal_tables["totals"]
    assert row_of(totals, "PER3")["own_net_withdrawal"] == 21789314 - 47495400


def test_foreign_currency_converted_at_the_entry_date(tmp_path):
    rows = minimal_case()
    rows["ledger"][7]["currency"] = "USD"  # C2 deposits 10,000 USD on 2019-05-02
    rows["fx_rates"] = [{"date": "2019-05-01", "currency": "USD", "cny_per_unit": "6.7335"},
                        {"date": "2019-05-03", "currency": "USD", "cny_per_unit": "7.0000"}]
    client = row_of(analyse(tmp_path, rows)["totals"], "C2")
    assert client["deposits"] == 6733500  # the latest earlier rate, 6.7335


def test_totals_csv_money_has_two_decimals(minimal_tables, tmp_path):
    from casegraph.outputs import write_csv

    path = write_csv(minimal_tables["totals"], tmp_path / "totals.csv")
    text = path.read_text(encoding="utf-8")
    assert "C1,client,,,,,474954.00,217893.14,1000.00,0.00,600.00,0.00,-5000.50,257060.86" in text


@st.composite
def forests(draw):
    """A random agent forest with clients and their deposits."""
    n_agents = draw(st.integers(1, 25))
    parents = [None]
    for i in range(1, n_agents):
        parents.append(draw(st.one_of(st.none(), st.integers(0, i - 1))))
    n_clients = draw(st.integers(0, 40))
    agent_of = draw(st.lists(st.integers(0, n_agents - 1), min_size=n_clients, max_size=n_clients))
    deposits = draw(st.lists(st.integers(1, 10**9), min_size=n_clients, max_size=n_clients))
    return parents, agent_of, deposits


@settings(max_examples=60, deadline=None)
@given(forests())
def test_subtree_is_own_plus_children(forest):
    """For every agent: subtree sum = own sum + Σ children's subtree sums."""
    parents, agent_of, deposits = forest
    agents = pd.DataFrame({"agent_id": [f"A{i}" for i in range(len(parents))], "platform_id": "P",
                           "parent_agent_id": [None if p is None else f"A{p}" for p in parents]})
    clients = pd.DataFrame({"client_id": [f"C{i}" for i in range(len(agent_of))], "platform_id": "P",
                            "agent_id": pd.Series([f"A{a}" for a in agent_of], dtype="string"),
                            "deposits": pd.Series(deposits, dtype="int64")})
    subtree = figures.agent_forest(agents, clients).subtree_sums(clients.set_index("client_id")[["deposits"]])
    subtree = subtree["deposits"]
    own = clients.groupby("agent_id")["deposits"].sum().reindex(agents["agent_id"], fill_value=0)
    parent_of = agents.set_index("agent_id")["parent_agent_id"]
    children = subtree.groupby(parent_of.reindex(subtree.index)).sum().reindex(agents["agent_id"], fill_value=0)
    assert (subtree == own + children).all()
    assert subtree[[f"A{i}" for i, p in enumerate(parents) if p is None]].sum() == sum(deposits)


def walk_up(parents: list[int | None], agent: int) -> list[int]:
    """The agent and its ancestors, nearest first, by following parents one at a time."""
    path = [agent]
    while parents[path[-1]] is not None:
        path.append(parents[path[-1]])
    return path


@settings(max_examples=60, deadline=None)
@given(forests(), st.lists(st.integers(0, 1_000_000), min_size=25, max_size=25), st.integers(1, 3))
def test_forest_sums_and_rebates_match_a_walk_up_the_parents(forest, rates, platforms):
    """Depth, subtree sums and rebate_due from the forest layout equal those of walking each
    client's path to the top, on forests spread over several platforms."""
    parents, agent_of, fees = forest
    root_of = [walk_up(parents, a)[-1] for a in range(len(parents))]
    agents = pd.DataFrame({"agent_id": [f"A{i}" for i in range(len(parents))],
                           "platform_id": [f"P{root_of[i] % platforms}" for i in range(len(parents))],
                           "parent_agent_id": [None if p is None else f"A{p}" for p in parents],
                           "rebate_rate": rates[:len(parents)]})
    # a direct client (no agent) on every platform, between the referred ones
    clients = pd.DataFrame({"client_id": [f"C{i}" for i in range(len(agent_of))] + ["D0", "D1", "D2"],
                            "platform_id": [f"P{root_of[a] % platforms}" for a in agent_of] + ["P0", "P1", "P2"],
                            "agent_id": [f"A{a}" for a in agent_of] + [None] * 3,
                            "fees": fees + [7, 8, 9]}).set_index("client_id")
    forest_layout = figures.agent_forest(agents, clients.reset_index())
    subtree = forest_layout.subtree_sums(clients[["fees"]])["fees"]
    due = figures.rebate_due_from(agents, clients)
    expected_subtree, expected_due = [0] * len(parents), [0] * len(parents)
    for fee, agent in zip(fees, agent_of):
        below = 0
        for ancestor in walk_up(parents, agent):
            expected_subtree[ancestor] += fee
            product = fee * (rates[ancestor] - below)
            expected_due[ancestor] += (1 if product >= 0 else -1) * ((abs(product) + 500_000) // 1_000_000)
            below = rates[ancestor]
    assert forest_layout.depth.tolist() == [len(walk_up(parents, a)) for a in range(len(parents))]
    assert subtree.tolist() == expected_subtree
    assert due.tolist() == expected_due
    for platform, (start, stop) in forest_layout.platforms.iterrows():
        on_platform = set(clients.index[clients["platform_id"] == platform])
        assert set(forest_layout.client_ids[start:stop]) == on_platform
