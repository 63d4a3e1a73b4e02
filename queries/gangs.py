"""Find the operator gangs: the entity graph, community detection, gangs and provinces.

The police know a few gangs; the rest must be found in the vendor's records, the bank flows
and the access logs. The method, step by step (README "How the gangs were found"):

1. The *gang graph* (:func:`gang_graph`): platforms, licences, agents, persons, bank /
   payment / broker accounts, devices and IPs, joined by what ties them to one operator —
   who holds which account, who acts as which agent, agent trees, which account a licence
   was paid from, which accounts the platform's client money and rebates went through (the
   ledger's ``bank_txn_id``), which broker sub-accounts filled the platform's orders
   (``broker_ref``), shared devices and IPs, fund flows between accounts, known roles.
   Clients (the victims) and the vendor are left out: money ties them to every gang.
   Devices and IPs that many unrelated actors used (public proxies) are dropped.
2. Louvain on the weighted graph (standard modularity): communities never cross connected
   components, and inside a component the few noise links between gangs (a transfer, an
   agent working for two gangs) are cut.
3. A community with one or more platforms is a gang; communities without a platform are
   not gangs. A gang keeps the id that ``gangs.csv`` gives one of its platforms, else it is
   named after its first platform (``G?P012``).
4. Its province: the most common province among its persons and the IP provinces of their
   logins, with the counts kept as evidence.

>>> graph = gang_graph(case)                              # doctest: +SKIP
>>> communities = detect_communities(graph, seed=0)       # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from casegraph.graphs.model import RELATIONSHIPS, login_actors
from casegraph.loaders.case import Case
from casegraph.loaders.read import split_ids

from .figures import known_gang_platforms

# A device or IP seen with more distinct actors than this is a shared public one (a VPN
# exit, an internet café) and says nothing about who works together.
MAX_SHARED_IDENTIFIER_USERS = 25
# Above this many edges Louvain runs in igraph/leidenalg (compiled) instead of networkx.
COMPILED_LOUVAIN_EDGES = 200_000

# Edge weights: how strongly each kind of fact says "the same operator".
WEIGHTS = {
    "ACTS_AS": 5.0, "HOLDS": 5.0, "SUB_OF": 5.0, "ACCOUNT_ON": 5.0, "CREATED": 5.0, "PAID_FROM": 5.0,
    "MEMBER_OF": 5.0, "REPORTS_TO": 3.0, "ON_PLATFORM": 1.0,
    "CLIENT_MONEY": 2.0,  # × log(1 + entries): the platform's money went through the account
    "ROUTED": 2.0,  # × log(1 + fills): the broker account filled the platform's orders
    "DEVICE": 3.0, "IP": 1.0,  # per shared identifier, × log(1 + logins)
    "TRANSFER": 1.0,  # × log(1 + transfers) between two accounts
}

ENTITY_TYPES = {"Person": "person", "Agent": "agent", "Platform": "platform"}


@dataclass(frozen=True)
class Edge:
    kind: str
    left: pd.Series
    right: pd.Series
    weight: pd.Series


def _node(label: str, ids: pd.Series) -> pd.Series:
    return label + ":" + ids.astype("string")


def client_side(case: Case) -> tuple[set[str], set[str]]:
    """Persons who are only clients and the accounts of clients: the victims' side."""
    clients = set(case["clients"]["person_id"].dropna())
    staff = set(case["agents"]["person_id"].dropna()) | set(case["memberships"]["person_id"].dropna())
    client_persons = clients - staff
    accounts = case["accounts"]
    client_accounts = accounts["client_id"].notna() | accounts["holder_person_id"].isin(client_persons)
    return client_persons, set(accounts.loc[client_accounts, "account_id"])


def gang_graph(case: Case, ledger: pd.DataFrame | None = None) -> nx.Graph:
    """The weighted, undirected gang graph (nodes ``Label:id``, attribute ``label``)."""
    from casegraph.loaders.fx import ledger_in_cny

    ledger = ledger_in_cny(case) if ledger is None else ledger
    client_persons, client_accounts = client_side(case)
    vendor_accounts = set(split_ids(case["vendors"]["bank_account_ids"]))
    excluded = {f"Person:{p}" for p in client_persons} | {f"Account:{a}" for a in client_accounts | vendor_accounts}
    edges = list(_structural_edges(case)) + list(_money_edges(case, ledger)) + list(_login_edges(case))

    frames = [pd.DataFrame({"u": e.left.to_numpy(), "v": e.right.to_numpy(), "w": e.weight.to_numpy(),
                            "kind": e.kind}) for e in edges]
    table = pd.concat(frames, ignore_index=True).dropna(subset=["u", "v"])
    table = table[(table["u"] != table["v"]) & ~table["u"].isin(excluded) & ~table["v"].isin(excluded)]
    # Undirected: one weight per pair, summed over every fact that joins them.
    pair = np.where(table["u"] < table["v"], table["u"] + "|" + table["v"], table["v"] + "|" + table["u"])
    summed = table.groupby(pair)["w"].sum().sort_index()
    graph = nx.Graph()
    nodes = sorted(set(table["u"]) | set(table["v"]))  # sorted: the input's row order cannot matter
    graph.add_nodes_from((n, {"label": n.split(":", 1)[0]}) for n in nodes)
    ends = summed.index.str.split("|", n=1)
    graph.add_weighted_edges_from((a, b, float(w)) for (a, b), w in zip(ends, summed.to_numpy()))
    return graph


# Relationships of the case graph (graphs/model.py) that are gang-graph edges as they are.
STRUCTURAL = ("ACTS_AS", "ON_PLATFORM", "REPORTS_TO", "HOLDS", "SUB_OF", "ACCOUNT_ON", "CREATED", "PAID_FROM")


def _structural_edges(case: Case):
    for spec in RELATIONSHIPS:
        if spec.type in STRUCTURAL:
            frame = case[spec.table]
            yield Edge(spec.type, _node(spec.start[0], frame[spec.start[1]]), _node(spec.end[0], frame[spec.end[1]]),
                       pd.Series(WEIGHTS[spec.type], index=frame.index))
    memberships = case["memberships"]
    gang_platforms = known_gang_platforms(case)
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


def _money_edges(case: Case, ledger: pd.DataFrame):
    transfers = case["bank_transfers"]
    # Which accounts a platform's client money and payouts went through (ledger -> bank txn).
    linked = ledger.dropna(subset=["bank_txn_id"]).merge(
        transfers[["txn_id", "from_account", "to_account"]], left_on="bank_txn_id", right_on="txn_id")
    # Deposits land in the platform's collection account; everything else leaves its accounts.
    platform_account = linked["to_account"].where(linked["kind"] == "deposit", linked["from_account"])
    counts = pd.DataFrame({"platform": linked["platform_id"], "account": platform_account}).value_counts()
    counts = counts.reset_index()
    yield Edge("CLIENT_MONEY", _node("Platform", counts["platform"]), _node("Account", counts["account"]),
               WEIGHTS["CLIENT_MONEY"] * np.log1p(counts["count"]))
    # Rebates and commissions reach the agent person's own account.
    paid = linked[linked["kind"].isin(["rebate", "commission"])]
    payee = pd.DataFrame({"agent": paid["beneficiary_agent_id"], "account": paid["to_account"]}).value_counts()
    payee = payee.reset_index()
    yield Edge("CLIENT_MONEY", _node("Agent", payee["agent"]), _node("Account", payee["account"]),
               WEIGHTS["CLIENT_MONEY"] * np.log1p(payee["count"]))
    # Broker accounts that filled the platform's orders (the only link of a sub-account).
    trades, fills = case["trades"].dropna(subset=["broker_ref"]), case["broker_fills"]
    platform_of_account = case["accounts"].dropna(subset=["platform_id"]).set_index("account_id")["platform_id"]
    routed = trades.assign(platform=trades["account_id"].map(platform_of_account)).merge(
        fills[["broker_ref", "account_id"]].rename(columns={"account_id": "broker_account"}), on="broker_ref")
    routes = routed[["platform", "broker_account"]].value_counts().reset_index()
    yield Edge("ROUTED", _node("Platform", routes["platform"]), _node("Account", routes["broker_account"]),
               WEIGHTS["ROUTED"] * np.log1p(routes["count"]))
    flows = transfers[["from_account", "to_account"]].value_counts().reset_index()
    yield Edge("TRANSFER", _node("Account", flows["from_account"]), _node("Account", flows["to_account"]),
               WEIGHTS["TRANSFER"] * np.log1p(flows["count"]))


def _login_edges(case: Case):
    base = login_actors(case.tables)
    for column, label, kind in (("device_id", "Device", "DEVICE"), ("ip", "IP", "IP")):
        used = base.dropna(subset=[column]).groupby([column, "who"]).size().rename("n").reset_index()
        users = used.groupby(column)["who"].transform("size")
        # One user alone tells nothing either: the identifier only matters when shared.
        used = used[(users >= 2) & (users <= MAX_SHARED_IDENTIFIER_USERS)]
        yield Edge(kind, used["who"], _node(label, used[column]), WEIGHTS[kind] * np.log1p(used["n"]))


def detect_communities(graph: nx.Graph, seed: int = 0) -> dict[str, int]:
    """Node -> community: Louvain (standard modularity) on the whole weighted graph, in
    networkx, or in leidenalg's compiled optimiser when the graph is large.

    Louvain runs on the whole graph, not per connected component: the modularity null model
    then weighs each gang against the whole case, which keeps a tree-shaped gang whole
    (per component, modularity cuts it into agent subtrees). It is also how GDS runs it, so
    both engines answer the same question. Communities never span two components.
    Communities are numbered by their smallest node, whatever the algorithm's numbering.
    """
    if graph.number_of_edges() > COMPILED_LOUVAIN_EDGES:
        parts = _leiden(graph, seed)
    else:
        parts = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    ordered = sorted(parts, key=min)
    return {node: number for number, part in enumerate(ordered) for node in part}


def _leiden(graph: nx.Graph, seed: int) -> list[set[str]]:
    """Modularity communities in leidenalg (compiled), for graphs networkx is slow on."""
    import igraph as ig
    import leidenalg

    nodes = sorted(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    edges = [(index[a], index[b]) for a, b in graph.edges]
    weights = [graph.edges[a, b]["weight"] for a, b in graph.edges]
    g = ig.Graph(n=len(nodes), edges=edges)
    partition = leidenalg.find_partition(g, leidenalg.ModularityVertexPartition, weights=weights, seed=seed)
    return [{nodes[i] for i in members} for members in partition]


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
    label = table["entity_type"].map({"person": "Person", "platform": "Platform", "agent": "Agent"}).fillna("Account")
    table.insert(0, "node", label + ":" + table["entity_id"])
    return table


def province_votes(case: Case) -> pd.DataFrame:
    """(entity_id, province, source): each person's home province, and each distinct
    (who logged in, IP province) — who being the actor, else the account."""
    persons = case["persons"]
    logins = case["logins"]
    seen = pd.DataFrame({"entity_id": logins["actor_id"].fillna(logins["account_id"]),
                         "province": logins["ip_province"]}).dropna().drop_duplicates()
    return pd.concat([
        pd.DataFrame({"entity_id": persons["person_id"], "province": persons["province"], "source": "persons"}),
        seen.assign(source="logins"),
    ], ignore_index=True).dropna(subset=["province"])


def gang_of_communities(known: pd.DataFrame, communities: dict[str, int]) -> dict[int, str]:
    """Community -> gang id, for the communities that hold a platform: the id gangs.csv gives
    one of its platforms (the smallest, if several), else ``G?`` + its first platform.
    ``known``: (gang_id, platform_id) of the gangs already identified."""
    known = known.sort_values("gang_id").drop_duplicates("platform_id").set_index("platform_id")["gang_id"]
    platforms: dict[int, list[str]] = {}
    for node, community in communities.items():
        if node.startswith("Platform:"):
            platforms.setdefault(community, []).append(node.split(":", 1)[1])
    names = {}
    for community, ids in platforms.items():
        named = sorted(known[p] for p in ids if p in known.index)
        names[community] = named[0] if named else f"G?{min(ids)}"
    return names


def assign_gangs(entity_table: pd.DataFrame, known: pd.DataFrame, communities: dict[str, int],
                 algorithm: str) -> pd.DataFrame:
    """communities.csv: entity_id, entity_type, community_id, gang_id, algorithm. Clients, the
    vendor's accounts and parties in no platform's community keep an empty gang_id."""
    table = entity_table.sort_values(["entity_type", "entity_id"], ignore_index=True)
    community = table["node"].map(communities)
    table["community_id"] = community.astype("Int64")
    table["gang_id"] = community.map(gang_of_communities(known, communities)).astype("string")
    table["algorithm"] = algorithm
    return table.drop(columns="node")


def gang_provinces(votes: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Per gang, the province with the most votes among its members' (``votes``: see
    :func:`province_votes`), ties to the first by name; the counts are kept as evidence."""
    gang_of = members.drop_duplicates("entity_id").set_index("entity_id")["gang_id"]
    votes = votes.assign(gang_id=votes["entity_id"].map(gang_of)).dropna(subset=["gang_id"])
    counts = votes.groupby(["gang_id", "province"]).size().rename("votes").reset_index()
    winner = counts.sort_values(["gang_id", "votes", "province"], ascending=[True, False, True]).drop_duplicates("gang_id")
    by_source = votes.groupby(["gang_id", "source", "province"]).size()
    evidence = {
        gang: "; ".join(f"{source} " + " ".join(f"{p}:{n}" for p, n in rows.droplevel([0, 1]).sort_values(
            ascending=False, kind="stable").items()) for source, rows in group.groupby(level=1))
        for gang, group in by_source.groupby(level=0)}
    result = winner.set_index("gang_id")[["province"]]
    result["province_evidence"] = result.index.map(evidence)
    return result


def gang_table(communities: pd.DataFrame, platforms: pd.DataFrame, known: pd.DataFrame,
               votes: pd.DataFrame) -> pd.DataFrame:
    """gangs.csv: one row per gang found, its known id, province (a known gang keeps the one
    gangs.csv gives it: ``known`` has gang_id, platform_id, province), platforms, member counts
    and the sums over its platforms' clients (``platforms``: per-platform totals)."""
    members = communities.dropna(subset=["gang_id"])
    platform_rows = members[members["entity_type"] == "platform"]
    gang_platforms = platform_rows[["gang_id", "entity_id"]].rename(columns={"entity_id": "platform_id"})
    counts = members.groupby(["gang_id", "entity_type"]).size().unstack(fill_value=0)
    table = pd.DataFrame(index=pd.Index(sorted(gang_platforms["gang_id"].unique()), name="gang_id"))
    known_province = known.dropna(subset=["province"]).drop_duplicates("gang_id").set_index("gang_id")["province"]
    table["known_gang_id"] = [g if g in set(known["gang_id"]) else pd.NA for g in table.index]
    table = table.join(gang_provinces(votes, members))
    table["province"] = table["province"].where(~table.index.isin(known_province.index),
                                                table.index.map(known_province))
    table["platform_ids"] = gang_platforms.sort_values("platform_id").groupby("gang_id")["platform_id"].agg(";".join)
    # Members found by the communities; agents and clients are those of the gang's platforms.
    for column, entity_type in (("n_persons", "person"), ("n_bank_accounts", "bank_account")):
        table[column] = (counts[entity_type] if entity_type in counts else 0)
    sums = gang_platforms.merge(platforms.reset_index(), on="platform_id").groupby("gang_id")[
        [c for c in platforms.columns if c != "agent_depth"]].sum()
    table = table.join(sums)
    return table.fillna({c: 0 for c in sums.columns}).astype({c: "int64" for c in sums.columns})
