"""The gang graph and the hard facts, from the case's tables in memory (the method:
:mod:`casegraph.queries.communities`; in Neo4j: :mod:`casegraph.queries.neo4j.gangs`).

>>> evidence = gang_evidence(case)             # both, sharing what they share  # doctest: +SKIP
>>> edges = gang_edges(case)                                                   # doctest: +SKIP
>>> bindings = hard_bindings(case)                                             # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.graphs.model import RELATIONSHIPS, login_actors
from casegraph.loaders.case import Case
from casegraph.loaders.columnar import arrow_text, text_series
from casegraph.loaders.read import local_day_numbers, split_ids

from ..columnar import duckdb_connection, is_in, sql_columns
from ..communities import (
    CLIENT_MONEY,
    DATED_ROLE_COLUMNS,
    SWEPT_MONEY,
    counted_weights,
    entity_nodes,
    forwarding_accounts,
    graph_of_edges,
    handed_over,
    holder_bindings,
    identifier_links,
    left_for_splinters,
    login_uses,
    moved_platforms,
    staff_account_bindings,
    summed_edges,
    swept_accounts,
    transfer_counts,
)
from ..engine import GangEvidence
from ..rules import WEIGHTS
from ..units import member_units, split_member_units, unit_agents
from .figures import known_gang_platforms, path_sums, platformless_gang_persons


@dataclass(frozen=True)
class Edge:
    kind: str
    left: pd.Series
    right: pd.Series
    weight: pd.Series | np.ndarray


def _node(label: str, ids: pd.Series) -> pd.Series:
    return label + ":" + ids.astype("string")


def client_side(case: Case, paying: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Persons who are only clients and the accounts of clients: the victims' side (ids).

    A client's account is one accounts.csv gives a client, one a client person holds, or one
    of ``paying`` (:func:`client_paying_accounts`: a client's deposit came from it, a
    withdrawal went to it, or it acts as a client's card) that no staff member holds and no
    platform owns: statements name the cards clients pay from, often with no holder anyone has
    identified."""
    clients = case["clients"]["person_id"].dropna()
    staff = pd.concat([case["agents"]["person_id"], case["memberships"]["person_id"]]).dropna()
    client_persons = clients[~is_in(clients, staff)].drop_duplicates()
    accounts = case["accounts"]
    holder = accounts["holder_person_id"]
    paid_by_a_client = (is_in(accounts["account_id"], paying) & ~is_in(holder, staff)
                        & accounts["platform_id"].isna().to_numpy())
    client_accounts = accounts["client_id"].notna().to_numpy() | is_in(holder, client_persons) | paid_by_a_client
    return client_persons, accounts.loc[client_accounts, "account_id"]


def client_paying_accounts(ledger: pd.DataFrame, transfers: pd.DataFrame, *,
                           connect=duckdb_connection) -> pd.Series:
    """The accounts client money came from or went back to (sorted ids): the payer of each
    deposit and the payee of each withdrawal whose ``bank_txn_id`` names a bank transfer, and
    each account that acts as a client's card: every transfer it made paid an account that
    took such a deposit, and every transfer it received came from one that paid such a
    withdrawal. Ledgers leave links out (a tenth of the rows in some cases), and a card whose
    rows all lack one would otherwise be tied to the gang by its deposits alone."""
    connection = connect(ledger=ledger[["kind", "bank_txn_id"]],
                         transfers=transfers[["txn_id", "from_account", "to_account"]])
    # LEFT JOINs and min() over flags, not IN-subqueries or bool_and: Spark SQL runs this too.
    return connection.sql("""
        WITH linked AS (
          SELECT l.kind, t.from_account, t.to_account
          FROM ledger AS l JOIN transfers AS t ON l.bank_txn_id = t.txn_id
          WHERE l.kind IN ('deposit', 'withdrawal')),
        collecting AS (SELECT DISTINCT to_account AS account_id FROM linked WHERE kind = 'deposit'),
        paying_out AS (SELECT DISTINCT from_account AS account_id FROM linked WHERE kind = 'withdrawal'),
        sides AS (
          SELECT t.from_account AS account_id, CASE WHEN c.account_id IS NULL THEN 0 ELSE 1 END AS as_client
          FROM transfers AS t LEFT JOIN collecting AS c ON t.to_account = c.account_id
          UNION ALL
          SELECT t.to_account, CASE WHEN p.account_id IS NULL THEN 0 ELSE 1 END
          FROM transfers AS t LEFT JOIN paying_out AS p ON t.from_account = p.account_id),
        paid AS (
          SELECT CASE WHEN kind = 'deposit' THEN from_account ELSE to_account END AS account_id FROM linked
          UNION
          SELECT account_id FROM sides GROUP BY account_id HAVING min(as_client) = 1)
        SELECT account_id FROM paid WHERE account_id IS NOT NULL ORDER BY account_id""").df()["account_id"]


def excluded_nodes(case: Case, ledger: pd.DataFrame, *, connect=duckdb_connection) -> pd.Series:
    """Gang-graph nodes of the victims' side (:func:`client_side`; ``ledger`` with ``kind``
    and ``bank_txn_id``, ``connect`` as :func:`client_paying_accounts` takes them) and the
    vendor's accounts: money ties them to every gang, so they are neither in the gang graph nor
    bound by a hard fact. Each node's name once, built a column at a time (the victims are most
    of a case's persons)."""
    paying = client_paying_accounts(ledger, case["bank_transfers"], connect=connect)
    client_persons, client_accounts = client_side(case, paying)
    vendor_accounts = split_ids(case["vendors"]["bank_account_ids"])
    nodes = pd.concat([_node("Person", client_persons),
                       _node("Account", pd.concat([client_accounts, vendor_accounts]))])
    # Arrow's unique keeps the first of each, as drop_duplicates does, in a fifth of its time.
    return text_series(pc.unique(arrow_text(nodes)))


@dataclass(frozen=True)
class ClientMoney:
    """What the gang graph's edges and bindings both start from: the ledger in CNY, the
    :func:`excluded_nodes`, every agent's top-level agent (:func:`agent_subtrees`) and the
    client money per top-level agent's subtree (:func:`subtree_money`), per platform too
    (``accounts``, as :func:`client_money_accounts` gives it), from one pass over the ledger."""

    ledger: pd.DataFrame
    excluded: pd.Series
    subtrees: pd.DataFrame
    by_subtree: pd.DataFrame
    accounts: pd.DataFrame


def _client_money_sides(case: Case, ledger: pd.DataFrame | None, *, connect) -> ClientMoney:
    """:class:`ClientMoney` of the case, on the ledger given, else the case's."""
    from casegraph.loaders.fx import ledger_in_cny

    ledger = ledger_in_cny(case) if ledger is None else ledger
    subtrees = agent_subtrees(case["agents"])
    roots = case["clients"][["client_id", "agent_id"]].merge(subtrees[["agent_id", "root_agent_id"]], on="agent_id")
    by_subtree = subtree_money(ledger, case["bank_transfers"], roots=roots[["client_id", "root_agent_id"]],
                               connect=connect)
    return ClientMoney(ledger=ledger, excluded=excluded_nodes(case, ledger, connect=connect), subtrees=subtrees,
                       by_subtree=by_subtree, accounts=_per_platform(by_subtree))


def gang_evidence(case: Case, ledger: pd.DataFrame | None = None, *, connect=duckdb_connection,
                  logins=None) -> GangEvidence:
    """:func:`gang_edges` and :func:`hard_bindings` of the case, the excluded nodes and the
    client money's accounts (ledger -> bank transfers) found once for both; ``connect``: the
    connection the SQL runs on (as in :func:`.figures.client_figures`); ``logins``: the case's
    :func:`gang_login_frame`, if made already (e.g. by Spark)."""
    money = _client_money_sides(case, ledger, connect=connect)
    bindings, units, listed = _hard_bindings(case, money, connect=connect)
    transfers = transfer_counts(case["bank_transfers"], connect=connect)
    return GangEvidence(edges=_gang_edges(case, money.ledger, excluded=money.excluded, client_money=money.accounts,
                                          transfers=transfers, connect=connect, logins=logins),
                        bindings=bindings, platform_ids=case["platforms"]["platform_id"].tolist(),
                        transfers=transfers, units=units, listed=listed)


def gang_edges(case: Case, ledger: pd.DataFrame | None = None, *, connect=duckdb_connection) -> pd.DataFrame:
    """The weighted, undirected gang graph as edges ``u``, ``v``, ``weight``: one row per pair
    of nodes (``Label:id``, ``u < v``), the weights of every fact joining them summed, sorted;
    ``connect``: the connection the money edges' SQL runs on (as in :func:`.figures.client_figures`)."""
    money = _client_money_sides(case, ledger, connect=connect)
    return _gang_edges(case, money.ledger, excluded=money.excluded, client_money=money.accounts,
                       transfers=transfer_counts(case["bank_transfers"], connect=connect), connect=connect, logins=None)


def _gang_edges(case: Case, ledger: pd.DataFrame, *, excluded: pd.Series, client_money: pd.DataFrame,
                transfers: pd.DataFrame, connect, logins) -> pd.DataFrame:
    """:func:`gang_edges`, given the :func:`excluded_nodes`, :func:`client_money_accounts` and
    :func:`.communities.transfer_counts`."""
    edges = (list(_structural_edges(case)) + list(_money_edges(case, ledger, client_money, transfers, connect))
             + list(_login_edges(case, logins, connect)))
    left, right = _arrow_text([e.left for e in edges]), _arrow_text([e.right for e in edges])
    weight = np.concatenate([np.asarray(e.weight, dtype="float64") for e in edges])
    summed = summed_edges(left, right, weight, excluded=excluded)
    # Arrow's allocator keeps what the rows' arrays freed (a tenth of the process at 3x scale);
    # given back, the later steps' peaks do not grow on top of it.
    pa.default_memory_pool().release_unused()
    return summed


def _arrow_text(parts: list[pd.Series]) -> pa.ChunkedArray:
    """Series of text (node names) as one Arrow column, without a Python object per value: a
    Series held in several Arrow chunks comes as a chunked array, which ``pa.chunked_array``
    would read value by value (0.2 s at seed scale), so its chunks are taken as they are."""
    return pa.chunked_array([chunk for part in parts for chunk in arrow_text(part).chunks], type=pa.large_string())


def gang_graph(case: Case, ledger: pd.DataFrame | None = None) -> nx.Graph:
    """The weighted, undirected gang graph (nodes ``Label:id``, attribute ``label``)."""
    return graph_of_edges(gang_edges(case, ledger))


def hard_bindings(case: Case, ledger: pd.DataFrame | None = None, *, connect=duckdb_connection) -> pd.DataFrame:
    """What the records state: ``node`` (``Label:id``) bound to ``platform_id`` by ``fact``,
    with ``weight`` = how many records say so. See the module's step 1. ``connect``: as in
    :func:`gang_edges`."""
    return _hard_bindings(case, _client_money_sides(case, ledger, connect=connect), connect=connect)[0]


def _hard_bindings(case: Case, money: ClientMoney, *, connect) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`hard_bindings`, given the case's :class:`ClientMoney`, with the member units' records bound to the units
    (:mod:`casegraph.queries.units`); the units' agents; the persons gangs.csv's gangs without a platform name
    (:func:`.figures.platformless_gang_persons`).
    ``connect``: where the SQL of :func:`.communities.swept_accounts`,
    :func:`.communities.forwarding_accounts` and :func:`.units.member_units` runs."""
    excluded, client_money = money.excluded, money.accounts
    swept = swept_accounts(case["bank_transfers"], client_money, connect=connect)
    gang_platforms, licenses = _handover(case)
    agents, accounts = case["agents"], case["accounts"]
    memberships = case["memberships"]
    in_gang = memberships.merge(gang_platforms[["gang_id", "platform_id"]], left_on="org_id", right_on="gang_id")
    in_platform = memberships[memberships["org_id"].isin(case["platforms"]["platform_id"])]
    leaders = case["gangs"][["gang_id", "leader_person_id"]].merge(gang_platforms, on="gang_id")
    # A membership as a known gang's leader states what gangs.csv's leader column does.
    led = in_gang[in_gang["role"].eq("leader").fillna(False).to_numpy(dtype=bool)]
    acting = agents.dropna(subset=["person_id"])
    stated = accounts[accounts["kind"].isin(["mother", "sub", "bank", "payment"])].dropna(subset=["platform_id"])
    linked = client_money
    buyers = license_buyers(case, licences=licenses)
    parts = [
        ("Agent", agents["agent_id"], agents["platform_id"], "agent_platform"),
        ("Person", acting["person_id"], acting["platform_id"], "acts_as_agent"),
        ("License", licenses["license_id"], licenses["platform_id"], "license_platform"),
        ("Account", licenses["paid_from_account"], licenses["platform_id"], "paid_for_license"),
        ("Person", buyers["person_id"], buyers["platform_id"], "bought_license"),
        ("Account", linked["account_id"], linked["platform_id"], CLIENT_MONEY, linked["n"]),
        ("Account", swept["account_id"], swept["platform_id"], SWEPT_MONEY, swept["n"]),
        ("Person", in_platform["person_id"], in_platform["org_id"], "role_in_platform"),
        ("Person", in_gang["person_id"], in_gang["platform_id"], "role_in_gang"),
        ("Person", leaders["leader_person_id"], leaders["platform_id"], "gang_leader"),
        ("Person", led["person_id"], led["platform_id"], "gang_leader"),
        ("Account", stated["account_id"], stated["platform_id"], "account_platform"),
    ]
    # Each part's rows are records, one each, but the client and swept money come counted per account.
    frames = [pd.DataFrame({"node": _node(label, ids).reset_index(drop=True),
                            "platform_id": platform.astype("str").reset_index(drop=True), "fact": fact,
                            "n": records[0].to_numpy() if records else 1})
              for label, ids, platform, fact, *records in parts]
    table = pd.concat(frames, ignore_index=True).dropna(subset=["node", "platform_id"])
    table = table[~is_in(table["node"], excluded)]
    counted = table.groupby(["node", "platform_id", "fact"])["n"].sum().rename("weight").reset_index()
    payment = accounts.loc[accounts["kind"].eq("payment").fillna(False).to_numpy(dtype=bool), "account_id"]
    units = member_units(money.by_subtree, case["bank_transfers"], platform_ids=case["platforms"]["platform_id"],
                         channels=payment, connect=connect)
    in_units, named = unit_agents(money.subtrees, units), platformless_gang_persons(case)
    counted = split_member_units(counted.astype({"weight": "int64"}), in_units, money.by_subtree, units, named=named)
    counted = left_for_splinters(counted, _dated_roles(acting, in_gang, in_platform))
    held = accounts[["account_id", "holder_person_id"]].rename(columns={"holder_person_id": "person_id"})
    channels = forwarding_accounts(case["bank_transfers"], client_money, connect=connect)
    derived = pd.concat([holder_bindings(counted, held, channels=channels),
                         staff_account_bindings(counted, held, gang_platforms)])
    counted = pd.concat([counted.astype({"weight": "int64"}), derived[~is_in(derived["node"], excluded)]])
    return counted.sort_values(["node", "platform_id", "fact"], ignore_index=True), in_units, named


def _dated_roles(acting: pd.DataFrame, in_gang: pd.DataFrame, in_platform: pd.DataFrame) -> pd.DataFrame:
    """Each person's roles on platforms with their periods (:data:`.communities.DATED_ROLE_COLUMNS`):
    the agents' (role ``agent``, ``joined_on`` to ``left_on``), the memberships in a gang on
    each of its platforms and those in a platform."""
    agents = acting[["person_id", "platform_id", "joined_on", "left_on"]].rename(
        columns={"joined_on": "start", "left_on": "end"}).assign(role="agent")
    return pd.concat([agents, in_gang[DATED_ROLE_COLUMNS],
                      in_platform.assign(platform_id=in_platform["org_id"])[DATED_ROLE_COLUMNS]], ignore_index=True)


def agent_subtrees(agents: pd.DataFrame) -> pd.DataFrame:
    """Every agent with the top-level agent above it (itself at the top): agent_id,
    platform_id, person_id, root_agent_id.

    >>> agents = pd.DataFrame({"agent_id": ["A", "B", "C"], "platform_id": "P", "person_id": None,
    ...                        "parent_agent_id": [None, "A", "B"]})
    >>> agent_subtrees(agents)["root_agent_id"].tolist()
    ['A', 'A', 'A']
    """
    agent_ids = pd.Index(agents["agent_id"])
    parent = agent_ids.get_indexer(agents["parent_agent_id"])
    # Summed from the agent up, the positions of the top-level agents alone give each one's top.
    top = path_sums(parent, np.where(parent < 0, np.arange(len(parent)), 0))
    return pd.DataFrame({"agent_id": agents["agent_id"].to_numpy(), "platform_id": agents["platform_id"].to_numpy(),
                         "person_id": agents["person_id"].to_numpy(), "root_agent_id": agent_ids.to_numpy()[top]})


def subtree_money(ledger: pd.DataFrame, transfers: pd.DataFrame, *, roots: pd.DataFrame | None,
                  connect=duckdb_connection) -> pd.DataFrame:
    """Through which account the client money of each top-level agent's subtree went:
    (platform_id, root_agent_id, account_id, n ledger entries, of them ``deposits``), from the
    ledger entries whose ``bank_txn_id`` names a bank transfer; ``roots``: client_id,
    root_agent_id (:func:`agent_subtrees`), the clients no agent referred in none (their
    root_agent_id empty); None: whole platforms, every root_agent_id empty. Deposits land in the
    platform's collection account; everything else leaves its accounts."""
    frames = {"ledger": ledger[["platform_id", "kind", "bank_txn_id", *(["client_id"] if roots is not None else [])]],
              "transfers": transfers[["txn_id", "from_account", "to_account"]]}
    if roots is not None:
        frames["roots"] = roots[["client_id", "root_agent_id"]]
    root, join = (("r.root_agent_id", "LEFT JOIN roots AS r ON l.client_id = r.client_id") if roots is not None
                  else ("NULL", ""))
    return connect(**frames).sql(f"""
        SELECT l.platform_id, {root} AS root_agent_id,
               CASE WHEN l.kind = 'deposit' THEN t.to_account ELSE t.from_account END AS account_id,
               count(*) AS n, count(*) FILTER (WHERE l.kind = 'deposit') AS deposits
        FROM ledger AS l JOIN transfers AS t ON l.bank_txn_id = t.txn_id {join}
        GROUP BY ALL""").df()


def _per_platform(by_subtree: pd.DataFrame) -> pd.DataFrame:
    """:func:`subtree_money` summed over each platform's subtrees (the cash side's empty
    account included): :func:`client_money_accounts`."""
    return by_subtree.groupby(["platform_id", "account_id"], dropna=False, sort=False)[
        ["n", "deposits"]].sum().reset_index()


def license_buyers(case: Case, *, licences: pd.DataFrame | None = None) -> pd.DataFrame:
    """(platform_id, person_id): the person who bought each platform's licence, where the
    buyer's phone in the vendor's records names exactly one person of that name, or of any name
    when the record gives none (a phone is registered to its holder's name; a name alone, of
    which many people share the common ones, names no one). A record without a phone names the
    holder of the account that paid for the licence, when the holder has the buyer's name or the
    record names nobody: the bank names who paid (76 such licences with the buyer's name and 11
    with none, in 27 and 35 cases of the five independent generators, each bought by a member of
    its platform's gang; a leader's licences paid so tie the platforms he bought to his gang:
    :func:`.communities.leader_bought_platforms`). ``licences``: those of licenses.csv's rows
    to read (default: every one)."""
    persons = case["persons"][["person_id", "name", "phone"]]
    licences = (case["licenses"] if licences is None else licences)[
        ["license_id", "platform_id", "buyer_name", "buyer_phone", "paid_from_account"]]
    matched = licences.merge(persons.dropna(subset=["phone"]), left_on="buyer_phone", right_on="phone")
    named = matched["buyer_name"].isna() | matched["buyer_name"].eq(matched["name"]).fillna(False)
    matched = matched[named.to_numpy(dtype=bool)]
    unique = ~matched.duplicated("license_id", keep=False)
    phoneless = licences[licences["buyer_phone"].isna().to_numpy()]
    holders = case["accounts"][["account_id", "holder_person_id"]].dropna()
    paying = phoneless.merge(holders, left_on="paid_from_account", right_on="account_id").merge(
        persons, left_on="holder_person_id", right_on="person_id")
    paying = paying[(paying["buyer_name"].isna() | paying["buyer_name"].eq(paying["name"])).to_numpy(dtype=bool)]
    return pd.concat([matched.loc[unique, ["platform_id", "person_id"]], paying[["platform_id", "person_id"]]],
                     ignore_index=True)


def operated_platforms(case: Case) -> pd.DataFrame:
    """(gang_id, platform_id, province): gangs.csv's gangs and their platforms as they run them
    at the end, a platform handed over to another known gang moved to it
    (:func:`.communities.handed_over`): what gang discovery reads of gangs.csv. The figures read
    gangs.csv's list as it is (:func:`.figures.known_gang_platforms`)."""
    return _handover(case)[0]


def _handover(case: Case) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(:func:`operated_platforms`, the licences in force): licenses.csv's rows but those of a
    platform handed over to another gang before its latest, the seller's records of the
    platform, its first licence and renewals bought and paid by the seller's staff and cards,
    which bind neither to the buyer's gang (the fourth independent generator's seed 32: 16 of
    the seller's 30 members joined the buyer's gang through them and the cards that took the
    platform's deposits before the sale)."""
    licences, memberships = case["licenses"], case["memberships"]
    # Each platform's latest licence: the latest sold_on, then the largest id.
    latest = licences.sort_values(["platform_id", "sold_on", "license_id"], na_position="first").drop_duplicates(
        "platform_id", keep="last")
    named = case["gangs"][["gang_id", "leader_person_id"]].rename(columns={"leader_person_id": "person_id"})
    leads = memberships["role"].eq("leader").fillna(False).to_numpy(dtype=bool)
    leading = memberships.loc[leads, ["org_id", "person_id"]]
    leaders = pd.concat([named, leading.rename(columns={"org_id": "gang_id"})], ignore_index=True)
    listed = known_gang_platforms(case)
    operated = handed_over(listed, license_buyers(case, licences=latest), leaders)
    sold = moved_platforms(listed, operated)
    superseded = is_in(licences["platform_id"], sold) & ~is_in(licences["license_id"], latest["license_id"])
    return operated, licences[~superseded]


def handed_over_platforms(case: Case) -> pd.Series:
    """The platforms handed over to another known gang (:func:`operated_platforms`): each is
    judged a front on its trades from its first fake one on (:func:`casegraph.queries.rules.finish_fraud`)."""
    return moved_platforms(known_gang_platforms(case), operated_platforms(case))


def client_money_accounts(ledger: pd.DataFrame, transfers: pd.DataFrame, *,
                          connect=duckdb_connection) -> pd.DataFrame:
    """Through which account each platform's client money went: (platform_id, account_id, n
    ledger entries, of them ``deposits``): :func:`subtree_money` over whole platforms."""
    return _per_platform(subtree_money(ledger, transfers, roots=None, connect=connect))


# Relationships of the case graph (graphs/model.py) that are gang-graph edges as they are.
STRUCTURAL = ("ACTS_AS", "ON_PLATFORM", "REPORTS_TO", "HOLDS", "SUB_OF", "ACCOUNT_ON", "CREATED", "PAID_FROM")


def _structural_edges(case: Case):
    gang_platforms, in_force = _handover(case)
    for spec in RELATIONSHIPS:
        if spec.type in STRUCTURAL:
            frame = in_force if spec.table == "licenses" else case[spec.table]
            yield Edge(spec.type, _node(spec.start[0], frame[spec.start[1]]), _node(spec.end[0], frame[spec.end[1]]),
                       pd.Series(WEIGHTS[spec.type], index=frame.index))
    memberships = case["memberships"]
    # A membership of a gang ties the person to each platform the gang runs.
    via_gang = memberships.merge(gang_platforms, left_on="org_id", right_on="gang_id")
    direct = memberships[memberships["org_id"].isin(case["platforms"]["platform_id"])]
    members = pd.concat([via_gang[["person_id", "platform_id"]],
                         direct.rename(columns={"org_id": "platform_id"})[["person_id", "platform_id"]]],
                        ignore_index=True)
    yield Edge("MEMBER_OF", _node("Person", members["person_id"]), _node("Platform", members["platform_id"]),
               pd.Series(WEIGHTS["MEMBER_OF"], index=members.index))
    led = case["gangs"][["gang_id", "leader_person_id"]].merge(gang_platforms, on="gang_id")
    yield Edge("LED_BY", _node("Person", led["leader_person_id"]), _node("Platform", led["platform_id"]),
               pd.Series(WEIGHTS["MEMBER_OF"], index=led.index))


def _money_edges(case: Case, ledger: pd.DataFrame, client_money: pd.DataFrame, transfers: pd.DataFrame, connect):
    # Each edge is one pair of nodes with its records counted (a pair with a missing end is no
    # edge); the order of the rows does not matter, gang_edges sums and sorts them.
    # Which accounts a platform's client money and payouts went through (ledger -> bank txn).
    counts = client_money.dropna()
    yield Edge("CLIENT_MONEY", _node("Platform", counts["platform_id"]), _node("Account", counts["account_id"]),
               counted_weights(WEIGHTS["CLIENT_MONEY"], counts["n"]))
    connection = connect(
        ledger=ledger[["kind", "beneficiary_agent_id", "bank_txn_id"]],
        transfers=case["bank_transfers"][["txn_id", "from_account", "to_account"]],
        # Names of their own: on Spark a view is the session's, and the account groups' ``fills`` differ.
        trades=case["trades"][["account_id", "broker_ref"]],
        routed_fills=case["broker_fills"][["broker_ref", "account_id"]],
        accounts=case["accounts"][["account_id", "platform_id"]])
    # Rebates and commissions reach the agent person's own account.
    payee = connection.sql("""
        SELECT l.beneficiary_agent_id AS agent, t.to_account AS account, count(*) AS n
        FROM ledger AS l JOIN transfers AS t ON l.bank_txn_id = t.txn_id
        WHERE l.kind IN ('rebate', 'commission') AND l.beneficiary_agent_id IS NOT NULL AND t.to_account IS NOT NULL
        GROUP BY ALL""").df()
    yield Edge("CLIENT_MONEY", _node("Agent", payee["agent"]), _node("Account", payee["account"]),
               counted_weights(WEIGHTS["CLIENT_MONEY"], payee["n"]))
    # Broker accounts that filled the platform's orders (the only link of a sub-account).
    routes = connection.sql("""
        SELECT a.platform_id AS platform, f.account_id AS broker_account, count(*) AS n
        FROM trades AS t JOIN accounts AS a ON t.account_id = a.account_id
        JOIN routed_fills AS f ON t.broker_ref = f.broker_ref
        WHERE a.platform_id IS NOT NULL AND f.account_id IS NOT NULL
        GROUP BY ALL""").df()
    yield Edge("ROUTED", _node("Platform", routes["platform"]), _node("Account", routes["broker_account"]),
               counted_weights(WEIGHTS["ROUTED"], routes["n"]))
    yield Edge("TRANSFER", _node("Account", transfers["from_account"]), _node("Account", transfers["to_account"]),
               counted_weights(WEIGHTS["TRANSFER"], transfers["n"]))


def gang_login_frame(case: Case) -> pd.DataFrame:
    """The logins as the gang graph counts them: ``who`` (the node key of who logged in, a
    login naming an account and an actor once for each: :func:`casegraph.graphs.model.login_actors`),
    ``device_id``, ``ip`` and ``day`` (the local day, as days since 1970)."""
    logins = login_actors(case.tables)
    return pd.DataFrame({"who": logins["who"], "device_id": logins["device_id"], "ip": logins["ip"],
                         "day": local_day_numbers(logins["ts"], case.config.timezone)})


def _login_edges(case: Case, logins, connect):
    links = identifier_links(*login_uses(gang_login_frame(case) if logins is None else logins, connect=connect))
    for kind, label in (("DEVICE", "Device"), ("IP", "IP")):
        used = links[links["kind"] == kind]
        yield Edge(kind, used["who"], _node(label, used["identifier"]), used["weight"])


def account_entity_type(kind: pd.Series) -> pd.Series:
    """communities.csv's entity types for accounts: bank and payment accounts are
    ``bank_account``; trading, mother and sub accounts ``trading_account``."""
    return kind.map({"bank": "bank_account", "payment": "bank_account"}).fillna("trading_account")


def entities(case: Case) -> pd.DataFrame:
    """Every entity communities.csv reports on: node key, entity_id, entity_type."""
    accounts = case["accounts"]
    frames = [
        pd.DataFrame({"entity_id": case["persons"]["person_id"], "entity_type": "person"}),
        pd.DataFrame({"entity_id": accounts["account_id"], "entity_type": account_entity_type(accounts["kind"])}),
        pd.DataFrame({"entity_id": case["platforms"]["platform_id"], "entity_type": "platform"}),
        pd.DataFrame({"entity_id": case["agents"]["agent_id"], "entity_type": "agent"}),
    ]
    table = pd.concat(frames, ignore_index=True)
    table.insert(0, "node", entity_nodes(table["entity_type"], table["entity_id"]))
    return table


def province_votes(case: Case, *, connect=duckdb_connection) -> pd.DataFrame:
    """(entity_id, province, source): each person's home province, and each distinct
    (who logged in, IP province) — who being the actor, else the account — counted where
    ``connect`` runs the SQL (as in :func:`.figures.client_figures`)."""
    persons = case["persons"]
    connection = connect(logins=sql_columns(case["logins"], ["actor_id", "account_id", "ip_province"]))
    seen = connection.sql("""
        SELECT DISTINCT coalesce(actor_id, account_id) AS entity_id, ip_province AS province FROM logins
        WHERE coalesce(actor_id, account_id) IS NOT NULL AND ip_province IS NOT NULL
        ORDER BY entity_id, province""").df()
    return pd.concat([
        pd.DataFrame({"entity_id": persons["person_id"], "province": persons["province"], "source": "persons"}),
        seen.assign(source="logins"),
    ], ignore_index=True).dropna(subset=["province"])
