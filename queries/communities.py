"""Find the operator gangs: hard facts first, community detection for what they leave open.

The police know a few gangs; the rest must be found in the vendor's records, the bank flows
and the access logs. The method, step by step (README "How the gangs were found"):

1. *Hard facts* (:func:`hard_bindings`): what a record states binds an entity to a platform,
   whatever an algorithm says — an agent's ``platform_id`` (and the person who is that agent),
   a licence's platform, the account that paid for it and its buyer (the person with the
   buyer's phone and name), the accounts that received or paid
   out a platform's client money (ledger ``bank_txn_id`` -> bank statement), a role in a
   platform or a known gang (``memberships.csv``, a gang's leader), a broker account's stated
   platform, and a known gang's ``platform_ids``.
2. The *gang graph* (:func:`gang_edges`): platforms, licences, agents, persons, bank /
   payment / broker accounts, devices and IPs, joined by what ties them to one operator —
   who holds which account, agent trees, which broker sub-accounts filled the platform's
   orders (``broker_ref``), shared devices and IPs, fund flows between accounts, and the hard
   facts again. Clients (the victims) and the vendor are left out: money ties them to every
   gang. Devices and IPs that many unrelated actors used (public proxies) are dropped.
3. Louvain (standard modularity) decides what the records leave open: which platforms are
   one gang, and where persons and accounts tied only by evidence belong
   (:func:`detect_communities`). It runs per connected component (:func:`component_communities`),
   in sorted order, at the resolution that makes each run optimise its share of the one global
   modularity: a component's result never depends on the order or the rows of components it
   does not touch (so Spark runs the components in parallel, :mod:`casegraph.queries.spark.graph`).
4. :func:`resolve_gangs` puts both together: a platform's gang is its known gang, else the
   one its community names, and platforms the records show one operator runs
   (:func:`one_operator_platforms`) are one gang; a bound entity joins its platform's gang
   (a money service, :func:`money_services`, none); an entity tied only by evidence joins the
   gang of its community's bound members, unless it hangs on the gang by one event
   (:func:`loosely_held`) or by a staff member's own card that pays it (:func:`personal_contacts`:
   his landlord, his family), or by the money of one member alone (:func:`money_pendants`); a
   community with none is attached to the gang its strongest ties point to, and one tied to no
   gang is reported as unattached, never dropped.
5. Its province: the most common province among its persons and the IP provinces of their
   logins, with the counts kept as evidence.

>>> edges = gang_edges(case)        # casegraph.queries.memory.gangs        # doctest: +SKIP
>>> communities = detect_communities(graph_of_edges(edges), seed=0)            # doctest: +SKIP
>>> resolved = resolve_gangs(communities, hard_bindings(case), edges, operated_platforms(case))  # doctest: +SKIP
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.loaders.columnar import arrow_text

from .chance import address_use_chance
from .columnar import duckdb_connection, is_in, join_runs, lookup, positions, run_starts, sorted_codes, str_series
from .rules import IDENTIFIER_SIGNIFICANCE, MAX_SHARED_IDENTIFIER_USERS, WEIGHTS, names_no_device

# A component with more edges than this runs in igraph/leidenalg (compiled) instead of
# networkx, whose pure-Python Louvain takes minutes on a chain of 50,000 agents.
COMPILED_LOUVAIN_EDGES = 20_000


def graph_of_edges(edges: pd.DataFrame) -> nx.Graph:
    """The networkx graph of :func:`gang_edges` (attribute ``label`` on nodes), its nodes and
    edges added in sorted order so that the input's row order cannot matter."""
    graph = nx.Graph()
    # As Python lists first: iterating Arrow-backed text goes through pandas value by value.
    u, v = edges["u"].tolist(), edges["v"].tolist()
    nodes = sorted(set(u) | set(v))
    graph.add_nodes_from((n, {"label": n.split(":", 1)[0]}) for n in nodes)
    graph.add_weighted_edges_from(zip(u, v, rounded_weights(edges["weight"]).tolist()))
    return graph


def counted_weights(factor, counts) -> np.ndarray:
    """The weight of a fact seen ``counts`` times: ``factor`` × log(1 + ``counts``), the same
    float on every engine and machine. Each distinct count's logarithm comes from Python's
    ``math.log1p`` once: numpy's vectorised log1p and the JVM's log may differ from it in the
    last bit, and the engines' edge weights are compared exactly.

    >>> counted_weights(2.0, [1, 3, 1]).round(6).tolist()
    [1.386294, 2.772589, 1.386294]
    """
    counts = np.asarray(counts, dtype=np.float64)
    distinct, where = np.unique(counts, return_inverse=True)
    logs = np.array([math.log1p(count) for count in distinct], dtype=np.float64)
    return np.asarray(factor, dtype=np.float64) * logs[where.reshape(counts.shape)]


def summed_edges(left: pa.ChunkedArray, right: pa.ChunkedArray, weight: np.ndarray, *,
                 excluded: pd.Series | None = None) -> pd.DataFrame:
    """The gang graph's edges from its facts (one row each: the nodes ``left`` and ``right``,
    the fact's ``weight``): one row per pair of nodes (``u < v``), the weights summed, sorted.
    A fact from a node to itself, with a missing end or touching an ``excluded`` node is no
    edge. Each pair's weights are added smallest first, so the sum is the same float in
    whatever order an engine found the facts.

    >>> text = lambda *values: pa.chunked_array([list(values)], type=pa.large_string())
    >>> summed_edges(text("b", "a", "a", "c"), text("a", "b", "a", None), np.array([1.0, 2.0, 4.0, 8.0]))
       u  v  weight
    0  a  b     3.0
    """
    joins = pc.and_(pc.not_equal(left, right), pc.and_(pc.is_valid(left), pc.is_valid(right))).fill_null(False)
    left, right, weight = left.filter(joins), right.filter(joins), weight[joins.to_numpy(zero_copy_only=False)]
    # The nodes numbered in sorted order, each name hashed once: each pair is then one integer.
    low, high = pc.min_element_wise(left, right), pc.max_element_wise(left, right)
    codes, nodes = sorted_codes(pa.chunked_array(low.chunks + high.chunks, type=pa.large_string()))
    low_code, high_code = codes[:len(low)], codes[len(low):]
    keep = np.ones(len(nodes), dtype=bool) if excluded is None else ~is_in(nodes, excluded)
    keep = keep[low_code] & keep[high_code]
    pair, weight = low_code[keep] * len(nodes) + high_code[keep], weight[keep]
    order = np.lexsort((weight, pair))
    summed = pd.Series(weight[order]).groupby(pair[order]).sum()
    pairs = summed.index.to_numpy()
    return pd.DataFrame({"u": str_series(nodes.take(pairs // len(nodes))),
                         "v": str_series(nodes.take(pairs % len(nodes))), "weight": summed.to_numpy()})


def rounded_weights(weights: pd.Series) -> pd.Series:
    """The gang graph's weights as community detection sees them: rounded to 9 decimals, so that
    the last bits of a float sum (which another order of adding would change) cannot steer Louvain."""
    return weights.astype(float).round(9)


# Each identifier's uses, per user: logins and distinct days; and each user's distinct days.
LOGIN_USES = """
SELECT * FROM (
    SELECT 0 AS is_ip, device_id AS identifier, who, count(*) AS n, count(DISTINCT day) AS days
    FROM logins WHERE device_id IS NOT NULL AND who IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 1 AS is_ip, ip AS identifier, who, count(*) AS n, count(DISTINCT day) AS days
    FROM logins WHERE ip IS NOT NULL AND who IS NOT NULL GROUP BY ALL)
ORDER BY is_ip, identifier, who"""
LOGIN_DAYS = """
SELECT who, count(DISTINCT day) AS login_days FROM logins WHERE who IS NOT NULL GROUP BY who ORDER BY who"""


def login_uses(logins, *, connect=duckdb_connection) -> tuple[pd.DataFrame, pd.Series]:
    """From logins with ``who`` (the node key of who logged in), ``day`` (the local day, as a
    date or a number), ``device_id`` and ``ip``: the uses of each identifier (``kind`` DEVICE
    or IP, ``identifier``, ``who``, ``n`` logins, ``days`` distinct days) and each user's
    ``login_days`` (distinct days with any login). Both engines score these the same way.

    A pandas frame's text is counted as numbers (:func:`.columnar.sorted_codes`: each value's
    place in sorted order, so that the numbers sort as the text does), in DuckDB: its distinct
    counts on the text of 158 k logins took 0.35 s at seed scale. A Spark DataFrame is counted
    where ``connect`` runs the SQL, as it is.
    """
    if not isinstance(logins, pd.DataFrame):
        connection = connect(logins=logins)
        uses, login_days = connection.sql(LOGIN_USES).df(), connection.sql(LOGIN_DAYS).df()
        is_ip = uses["is_ip"].to_numpy(dtype=np.int64).astype(bool)
        identifier, who, users = (arrow_text(frame[column]) for frame, column in
                                  ((uses, "identifier"), (uses, "who"), (login_days, "who")))
    else:
        # Each column as (codes, the distinct values they number); a missing value has no code.
        coded = {column: sorted_codes(arrow_text(logins[column]) if column != "day" else logins[column])
                 for column in ("who", "device_id", "ip", "day")}
        connection = duckdb_connection(logins=pa.table({column: pa.array(codes, mask=codes < 0)
                                                        for column, (codes, _) in coded.items()}))
        uses, login_days = ({name: np.asarray(values, dtype=np.int64) for name, values in
                             connection.sql(query).fetchnumpy().items()} for query in (LOGIN_USES, LOGIN_DAYS))
        is_ip = uses["is_ip"].astype(bool)
        # Each use's identifier: a device's number among the devices, an IP's among the IPs.
        identifier = pa.chunked_array([coded["device_id"][1].take(uses["identifier"][~is_ip]),
                                       coded["ip"][1].take(uses["identifier"][is_ip])])
        who, users = coded["who"][1].take(uses["who"]), coded["who"][1].take(login_days["who"])
    return (pd.DataFrame({"kind": str_series(pa.array(np.where(is_ip, "IP", "DEVICE"), pa.large_string())),
                          "identifier": str_series(identifier), "who": str_series(who),
                          "n": np.asarray(uses["n"], dtype=np.int64),
                          "days": np.asarray(uses["days"], dtype=np.int64)}),
            pd.Series(np.asarray(login_days["login_days"], dtype=np.int64), name="login_days",
                      index=pd.Index(str_series(users), name="who")))


def identifier_links(uses: pd.DataFrame, login_days: pd.Series) -> pd.DataFrame:
    """The uses of shared devices and IPs that chance does not explain, with their edge
    ``weight``, ``expected`` and ``p``.

    A stranger lands on an identifier that U of the case's N login users ever used on about
    (U − 1) / N of his login-days (:func:`.chance.expected_visits`); a use is evidence only
    when its distinct days are beyond that (:func:`.chance.poisson_upper_tail` below
    ``IDENTIFIER_SIGNIFICANCE``):
    two persons on one address for weeks is strong, a public address a passer-by used twice is
    not, at any volume. Devices are not tested (nobody lands on another's phone by chance). An
    identifier only matters when shared, and one with more than
    ``MAX_SHARED_IDENTIFIER_USERS`` users is public whatever its days.

    >>> uses = pd.DataFrame({"kind": ["DEVICE", "DEVICE", "IP", "IP"], "identifier": ["D1", "D1", "I9", "I9"],
    ...                      "who": ["Person:a", "Person:b", "Person:a", "Person:c"],
    ...                      "n": [12, 9, 1, 1], "days": [10, 8, 1, 1]})
    >>> days = pd.Series({"Person:a": 40, "Person:b": 30, "Person:c": 5} | {f"Person:x{i}": 3 for i in range(997)})
    >>> identifier_links(uses, days)["identifier"].tolist()
    ['D1', 'D1']
    """
    n_users = len(login_days)
    uses = uses[~names_no_device((uses["kind"] == "IP").to_numpy(), uses["identifier"])]
    users = uses.groupby(["kind", "identifier"])["who"].transform("size")
    expected, p = address_use_chance(lookup(uses["who"], login_days).fillna(0).to_numpy(), uses["days"].to_numpy(),
                                     users.to_numpy(), n_users=n_users)
    # A device is hardware in someone's hand: strangers do not land on it by chance as they do
    # on an address (a carrier's NAT, a café's router), so only addresses are tested.
    by_chance = (uses["kind"] == "IP").to_numpy() & (p >= IDENTIFIER_SIGNIFICANCE)
    keep = (users >= 2) & (users <= MAX_SHARED_IDENTIFIER_USERS) & ~by_chance
    links = uses.assign(expected=expected, p=p)[keep.to_numpy()]
    weight = counted_weights(links["kind"].map(WEIGHTS).astype("float64"), links["n"])
    return links.assign(weight=weight).reset_index(drop=True)


def detect_communities(graph: nx.Graph, seed: int = 0, resolution: float = 1.0) -> dict[str, int]:
    """Node -> community: Louvain (modularity) per connected component
    (:func:`component_communities`), communities numbered by their smallest node, whatever the
    algorithm's numbering.

    >>> g = nx.Graph([("a", "b", {"weight": 1.0}), ("b", "c", {"weight": 1.0}), ("x", "y", {"weight": 1.0})])
    >>> detect_communities(g)
    {'a': 0, 'b': 0, 'c': 0, 'x': 1, 'y': 1}
    """
    total = summed_weight(weight for _, _, weight in graph.edges(data="weight"))
    parts: list[set[str]] = []
    for component in nx.connected_components(graph):
        parts.extend(component_communities(graph.edges(sorted(component), data="weight"), total_weight=total,
                                           seed=seed, resolution=resolution))
    ordered = sorted(parts, key=min)
    return {node: number for number, part in enumerate(ordered) for node in sorted(part)}


def summed_weight(weights) -> float:
    """The gang graph's total edge weight, summed exactly (``math.fsum``): the same float
    whatever order the engine holds the edges in, so that every engine scales each component's
    resolution (:func:`component_communities`) by the same number."""
    return math.fsum(weights)


def component_communities(edges, *, total_weight: float, seed: int = 0, resolution: float = 1.0) -> list[set[str]]:
    """The Louvain communities of one connected component of the gang graph, from its edges
    ``(u, v, weight)`` in any order (weights as :func:`graph_of_edges` rounds them); in
    networkx, or in leidenalg's compiled optimiser for more than ``COMPILED_LOUVAIN_EDGES`` edges.
    ``total_weight``: the whole graph's (:func:`summed_weight`). The memory engine calls it per
    component in turn (:func:`detect_communities`), the Spark engine on its executors, one
    component per group (:mod:`casegraph.queries.spark.graph`); both give the same answer.

    Why per component: modularity sums over communities, and a community never spans two
    components, so the global optimum is each component's optimum at the resolution
    ``resolution`` × (the component's weight / the graph's weight): each run optimises its share
    of the one global modularity (the null model weighs each gang against the whole case, which
    keeps a tree-shaped gang whole), while the order and rows of other components cannot change
    it. The component's nodes and edges are taken in sorted order with the same ``seed``.

    >>> [sorted(part) for part in component_communities([("b", "c", 1.0), ("a", "b", 1.0)], total_weight=3.0)]
    [['a', 'b', 'c']]
    """
    ordered = sorted((a, b, w) if a < b else (b, a, w) for a, b, w in edges)
    nodes = sorted({a for a, _, _ in ordered} | {b for _, b, _ in ordered})
    if len(nodes) <= 2:  # one edge at most: merging always gains, nothing to decide
        return [set(nodes)]
    sub = nx.Graph()
    sub.add_nodes_from(nodes)
    sub.add_weighted_edges_from(ordered)
    scaled = resolution * sub.size(weight="weight") / total_weight
    if sub.number_of_edges() > COMPILED_LOUVAIN_EDGES:
        return _leiden(sub, seed, scaled)
    return nx.community.louvain_communities(sub, weight="weight", resolution=scaled, seed=seed)


def _leiden(graph: nx.Graph, seed: int, resolution: float) -> list[set[str]]:
    """Modularity communities in leidenalg (compiled), for graphs networkx is slow on."""
    import igraph as ig
    import leidenalg

    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    edges = [(index[a], index[b]) for a, b in graph.edges]
    weights = [graph.edges[a, b]["weight"] for a, b in graph.edges]
    g = ig.Graph(n=len(nodes), edges=edges)
    partition = leidenalg.find_partition(g, leidenalg.RBConfigurationVertexPartition, weights=weights,
                                         resolution_parameter=resolution, seed=seed)
    return [{nodes[i] for i in members} for members in partition]


def known_gang_of_platform(known: pd.DataFrame) -> pd.Series:
    """platform_id -> gang_id of the gangs already identified (``known``: gang_id,
    platform_id), the smallest gang id where two gangs list one platform.

    >>> known_gang_of_platform(pd.DataFrame({"gang_id": ["G2", "G1"], "platform_id": ["P1", "P1"]})).to_dict()
    {'P1': 'G1'}
    """
    return known.sort_values("gang_id").drop_duplicates("platform_id").set_index("platform_id")["gang_id"]


def community_names(known: pd.DataFrame, communities: pd.Series) -> dict[int, str]:
    """Community -> gang id, for the communities that hold a platform: the id gangs.csv gives
    one of its platforms (the smallest, if several), else ``G?`` + its first platform.
    ``known``: (gang_id, platform_id) of the gangs already identified; ``communities``: node ->
    community."""
    known = known_gang_of_platform(known)
    platforms = communities[communities.index.str.startswith("Platform:")]
    ids = platforms.index.str.slice(len("Platform:"))
    frame = pd.DataFrame({"community": platforms.to_numpy(), "platform_id": ids,
                          "known": ids.map(known)})
    named = frame.dropna(subset=["known"]).groupby("community")["known"].min()
    first = frame.groupby("community")["platform_id"].min()
    # An empty `named` is float64: made text before the fill, as pandas 4 will insist.
    return named.reindex(first.index).astype(first.dtype).fillna("G?" + first).to_dict()


# The accounts a platform's collected money was emptied into (:func:`swept_accounts`): the
# gang's layer of nominees, shared by all its platforms. They bind nobody to a gang (a payee of
# a collection account may be a landlord), and make no broker (:func:`broker_nodes`): they are
# what ties a gang's platforms.
SWEPT_MONEY = "swept_money"
# The platform's client money went through the account (ledger -> bank transfer).
CLIENT_MONEY = "client_money"
# Facts that make an account the operator's: the platform's money goes through it, it paid for
# the platform, the records state it is the platform's, or its collected money went into it.
# Its holder is on the operator's side (:func:`holder_bindings`), a witness that platforms are
# one operator's (:func:`one_operator_platforms`).
OPERATOR_FACTS = ("paid_for_license", CLIENT_MONEY, "account_platform", SWEPT_MONEY)
# The persons on the operator's side of a platform: who holds its operator accounts (often the
# nominal holder of a borrowed account, bound to no gang by that alone) and who bought its
# licence (the vendor's records name the buyer, matched to a person by phone and name).
HOLDS_OPERATOR_ACCOUNT = "holds_operator_account"
OPERATOR_PERSON_FACTS = (HOLDS_OPERATOR_ACCOUNT, "bought_license")
# Facts that state a person's own part on a platform's side: its agent, its licence's buyer, a
# role in memberships.csv, a known gang's leader. What such a person holds is the gang's
# (:func:`staff_account_bindings`).
STAFF_FACTS = ("acts_as_agent", "bought_license", "role_in_platform", "role_in_gang", "gang_leader")
HELD_BY_STAFF = "held_by_staff"
# The facts that leave an account a money service (:func:`money_services`): the client money it
# took, and who holds it: a payment company's account may stand in the name of a buyer of one
# gang's licence (generator variant shared_payment_accounts).
MONEY_SERVICE_FACTS = (CLIENT_MONEY, HELD_BY_STAFF)
# Facts that witness who runs a platform but bind nobody to its gang.
WITNESS_FACTS = (HOLDS_OPERATOR_ACCOUNT, SWEPT_MONEY)
# Two platforms whose operator sides share this many different persons are one operator's: a
# gang running several platforms under other buyers' names pays its client money to one pool of
# nominees, while a nominee who also lends one card to another gang is one person, once, and a
# payment company whose accounts collect for several gangs is one holder however many accounts
# it lends (one account alone made nine gangs one: generator variant shared_payment_accounts).
MIN_SHARED_OPERATOR_PERSONS = 2
# Two platforms whose staff (:data:`STAFF_FACTS`) share this many persons are one gang's: a gang
# that rebuilds its site copies its agent tree onto the new one, while the staff who moved to
# another gang were one or two in every case of the three generators.
MIN_SHARED_STAFF = 3
# A node serving this many staffs the records keep apart is a service (serving_separate_staffs).
MIN_SEPARATE_STAFFS = 3


def swept_accounts(transfers: pd.DataFrame, client_money: pd.DataFrame, *, connect=duckdb_connection) -> pd.DataFrame:
    """Where each platform's collected money went on: (platform_id, account_id, n transfers) of
    the accounts that took money from an account that received the client deposits of that
    platform alone, other than the platform's own money accounts (``client_money``: platform_id,
    account_id, ``deposits`` as :func:`.memory.gangs.client_money_accounts` gives them: which
    took deposits). A gang's collection accounts are emptied into its layer of nominees,
    whatever platform they collect for; what a payout account pays (withdrawals, agents'
    rebates) is no such layer, and a payment company's account that collects for several
    platforms says nothing of whose layer is whose. Both engines run it: the memory engine on
    the case's transfers (``connect``: where the SQL runs, as in :func:`login_uses`), the Neo4j
    engine on those it reads from the graph."""
    connection = connect(transfers=transfers[["from_account", "to_account"]],
                         client_money=client_money[["platform_id", "account_id", "deposits"]])
    return connection.sql("""
        WITH alone AS (SELECT account_id, min(platform_id) AS platform_id FROM client_money
                       WHERE deposits > 0 AND account_id IS NOT NULL
                       GROUP BY account_id HAVING count(DISTINCT platform_id) = 1)
        SELECT a.platform_id, t.to_account AS account_id, count(*) AS n
        FROM transfers AS t JOIN alone AS a ON t.from_account = a.account_id
        LEFT JOIN client_money AS own ON own.platform_id = a.platform_id AND own.account_id = t.to_account
        WHERE t.to_account IS NOT NULL AND own.account_id IS NULL
        GROUP BY ALL""").df()


# The deposit accounts of this many platforms an account must pay into to be a channel that
# passes clients' money on to gangs (forwarding_accounts).
MIN_FORWARDED_PLATFORMS = 2


def forwarding_accounts(transfers: pd.DataFrame, client_money: pd.DataFrame, *,
                        connect=duckdb_connection) -> list[str]:
    """The accounts that took a platform's client deposits and paid money on into other
    accounts that took deposits, of :data:`MIN_FORWARDED_PLATFORMS` or more platforms
    (``transfers``: from_account, to_account; ``client_money`` as :func:`swept_accounts` takes
    it): runner cards (跑分), which take deposits for whichever gangs hire them and pass each
    gang's on to its collection card the same night, and payment companies that settle to
    them. A gang's own card empties into its layer of nominees, not into other platforms'
    deposit accounts: in the cases of the four generators written independently of casegraph,
    every such account was in no gang, and none was in our generator's. Their holders are
    no operator's persons (:func:`holder_bindings`): in a fourth case (its seed 22), the
    eighteen holders of runner cards that took the deposits of two gangs' platforms, and
    passed them on to other gangs' collection cards too, made those two gangs one operator's.
    ``connect``: where the SQL runs (as in :func:`swept_accounts`). Sorted.

    >>> money = pd.DataFrame({"platform_id": ["P1", "P2", "P3", "P1", "P2"], "account_id": ["C1", "C2", "C3", "R", "R"],
    ...                       "deposits": [5, 5, 5, 2, 2]})
    >>> moved = pd.DataFrame({"from_account": ["R", "R", "R", "C1"], "to_account": ["C1", "C2", "C3", "F"]})
    >>> forwarding_accounts(moved, money)
    ['R']
    """
    connection = connect(transfers=transfers[["from_account", "to_account"]],
                         client_money=client_money[["platform_id", "account_id", "deposits"]])
    return connection.sql(f"""
        WITH took AS (SELECT DISTINCT platform_id, account_id FROM client_money
                      WHERE deposits > 0 AND account_id IS NOT NULL)
        SELECT t.from_account AS account_id FROM transfers AS t
        JOIN (SELECT DISTINCT account_id FROM took) AS source ON source.account_id = t.from_account
        JOIN took AS into_deposits ON into_deposits.account_id = t.to_account
        WHERE t.to_account <> t.from_account
        GROUP BY t.from_account HAVING count(DISTINCT into_deposits.platform_id) >= {MIN_FORWARDED_PLATFORMS}
        ORDER BY account_id""").df()["account_id"].tolist()


def holder_bindings(bindings: pd.DataFrame, holders: pd.DataFrame, *, channels=()) -> pd.DataFrame:
    """The persons who hold the operator's accounts, bound as the accounts are: one row
    (``Person:id``, platform_id, ``holds_operator_account``, weight summed) per person and
    platform, from ``bindings`` (node, platform_id, fact, weight) and ``holders``
    (account_id, person_id: who holds which account), but for the accounts of ``channels``
    (ids: :func:`forwarding_accounts`), which pass clients' money on to gangs and are no
    operator's.

    >>> bound = pd.DataFrame({"node": ["Account:A1", "Account:A2"], "platform_id": ["P1", "P2"],
    ...                       "fact": ["client_money", "client_money"], "weight": [3, 2]})
    >>> holder_bindings(bound, pd.DataFrame({"account_id": ["A1", "A2"], "person_id": ["X", "X"]}))
           node platform_id                    fact  weight
    0  Person:X          P1  holds_operator_account       3
    1  Person:X          P2  holds_operator_account       2
    """
    accounts = bindings[bindings["fact"].isin(OPERATOR_FACTS) & bindings["node"].str.startswith("Account:")
                        & ~is_in(bindings["node"], [f"Account:{account}" for account in channels])]
    return _carried_over(accounts, holders, ("Account", "account_id"), ("Person", "person_id"),
                         fact=HOLDS_OPERATOR_ACCOUNT)


def staff_account_bindings(bindings: pd.DataFrame, holders: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """The accounts the staff hold, bound as their holders are: one row (``Account:id``,
    platform_id, ``held_by_staff``, weight summed) per account and platform, from the
    :data:`STAFF_FACTS` of ``bindings`` (node, platform_id, fact, weight) and ``holders``
    (account_id, person_id), where those facts name one gang: one platform, platforms of one
    known gang (``known``: gang_id, platform_id), or platforms the records show one operator
    runs (:func:`one_operator_platforms`). A leader's own card is his gang's whoever else it
    deals with: in a case written independently of casegraph, the cards leaders took their
    money back on from a shared underground bank, and paid their families from, sat with that
    bank in one community, away from their gangs. Every case's truth we hold puts an account a
    gang's member holds in that member's gang; a person who is an agent of two gangs says
    nothing of which his card serves. An agent of a gang's three successive sites is one gang's
    (a third independently written case: 87 agents' cards, paid nothing but a day job's wages
    where the gang's statements were missing, were with the payroll company, in no gang).

    >>> bound = pd.DataFrame({"node": ["Person:X", "Person:X", "Person:Y", "Person:Y", "Account:A"],
    ...                       "platform_id": ["P1", "P2", "P1", "P3", "P1"],
    ...                       "fact": ["gang_leader", "role_in_gang", "acts_as_agent", "acts_as_agent", "client_money"],
    ...                       "weight": [1, 2, 1, 1, 9]})
    >>> held = pd.DataFrame({"account_id": ["C", "D"], "person_id": ["X", "Y"]})
    >>> staff_account_bindings(bound, held, pd.DataFrame({"gang_id": ["G1", "G1"], "platform_id": ["P1", "P2"]}))
            node platform_id           fact  weight
    0  Account:C          P1  held_by_staff       1
    1  Account:C          P2  held_by_staff       2
    """
    persons = bindings[bindings["fact"].isin(STAFF_FACTS) & bindings["node"].str.startswith("Person:")]
    known_of = known_gang_of_platform(known)
    operator_of = pd.Series({platform: min(platforms) for platforms in one_operator_platforms(bindings, known_of)
                             for platform in platforms}, dtype=object)
    gang = lookup(persons["platform_id"], operator_of).fillna(lookup(persons["platform_id"], known_of)).fillna(
        persons["platform_id"])
    persons = persons[(gang.groupby(persons["node"].to_numpy()).transform("nunique") == 1).to_numpy()]
    return _carried_over(persons, holders, ("Person", "person_id"), ("Account", "account_id"), fact=HELD_BY_STAFF)


DATED_ROLE_COLUMNS = ["person_id", "platform_id", "role", "start", "end"]


def left_for_splinters(bindings: pd.DataFrame, roles: pd.DataFrame) -> pd.DataFrame:
    """``bindings`` (node, platform_id, fact, weight) without the staff facts
    (:data:`STAFF_FACTS`) that bind a person to the platforms he left for a splinter: a
    platform led by someone from the day after his role on another gang's platform ended, other
    than its leader: a leader who leads a new platform once he stopped leading the old one moved
    his gang's operation (a rebuilt site).
    ``roles``: person_id, platform_id, role, start, end (:data:`DATED_ROLE_COLUMNS`): each
    person's roles with their periods, memberships.csv's (a gang's on each of its platforms)
    and agents.csv's (role ``agent``, ``joined_on`` to ``left_on``). Those who left with him,
    their role on the old platform ended before their role on his began, are his gang's: a
    manager who sets up on his own takes agents and clients along, and the records that still
    bind them to the gang they left made the two one gang (a fourth case written independently
    of casegraph; in 35 cases of the five generators 7 such platforms, each of a gang of its
    own, in the fourth's, and none elsewhere).

    >>> roles = pd.DataFrame({"person_id": ["M", "M", "A", "A", "B"], "platform_id": ["P1", "P2", "P1", "P2", "P1"],
    ...                       "role": ["manager", "leader", "agent", "agent", "agent"],
    ...                       "start": ["2020-01-01", "2021-02-01", "2020-03-01", "2021-03-01", "2020-03-01"],
    ...                       "end": ["2021-01-31", None, "2021-02-10", None, None]})
    >>> bound = pd.DataFrame({"node": ["Person:M", "Person:M", "Person:A", "Person:A", "Person:B", "Account:C"],
    ...                       "platform_id": ["P1", "P2", "P1", "P2", "P1", "P1"],
    ...                       "fact": ["role_in_gang", "role_in_platform", "acts_as_agent", "acts_as_agent",
    ...                                "acts_as_agent", "client_money"], "weight": 1})
    >>> left_for_splinters(bound, roles)[["node", "platform_id"]].values.tolist()
    [['Person:M', 'P2'], ['Person:A', 'P2'], ['Person:B', 'P1'], ['Account:C', 'P1']]
    >>> len(left_for_splinters(bound, roles.assign(role=roles["role"].replace("manager", "leader"))))
    6
    """
    roles = roles.assign(start=pd.to_datetime(roles["start"]), end=pd.to_datetime(roles["end"]))
    ended = roles[roles["end"].notna().to_numpy()]
    led = roles[roles["role"].eq("leader").to_numpy(dtype=bool) & roles["start"].notna().to_numpy()]
    splinters = ended.merge(led, on="person_id", suffixes=("_left", ""))
    splinters = splinters.loc[(splinters["platform_id_left"] != splinters["platform_id"]).to_numpy()
                              & (splinters["start"] >= splinters["end_left"]).to_numpy()
                              & splinters["role_left"].ne("leader").to_numpy(dtype=bool),
                              ["platform_id_left", "platform_id"]].drop_duplicates()
    if splinters.empty:
        return bindings
    moves = ended.rename(columns={"platform_id": "platform_id_left"}).merge(splinters, on="platform_id_left").merge(
        roles[["person_id", "platform_id", "start"]], on=["person_id", "platform_id"], suffixes=("_left", ""))
    moves = moves[(moves["start"] >= moves["end"]).to_numpy()]
    left = pd.MultiIndex.from_arrays(["Person:" + moves["person_id"].astype("string"), moves["platform_id_left"]])
    dropped = (bindings["fact"].isin(STAFF_FACTS).to_numpy(dtype=bool)
               & pd.MultiIndex.from_frame(bindings[["node", "platform_id"]]).isin(left))
    return bindings[~dropped]


def _carried_over(bound: pd.DataFrame, holders: pd.DataFrame, source: tuple[str, str], target: tuple[str, str], *,
                  fact: str) -> pd.DataFrame:
    """Bindings ``bound`` (node, platform_id, fact, weight) of ``source`` nodes (label, the
    column of ``holders`` their ids are in) carried over ``holders`` (account_id, person_id) to
    the ``target`` nodes each is paired with, as ``fact``: one row per target node and platform,
    the weights summed."""
    (source_label, source_key), (target_label, target_key) = source, target
    held = bound.assign(**{source_key: bound["node"].str.slice(len(source_label) + 1)}).merge(
        holders.dropna(subset=[target_key]), on=source_key)
    held = held.assign(node=f"{target_label}:" + held[target_key], fact=fact)
    summed = held.groupby(["node", "platform_id", "fact"])["weight"].sum().reset_index()
    return summed[["node", "platform_id", "fact", "weight"]].astype({"weight": "int64"})


def one_operator_platforms(bindings: pd.DataFrame, known_of: pd.Series, *, brokers=()) -> list[list[str]]:
    """The sets of two or more platforms that one operator runs, by the records: platforms whose
    operator sides share :data:`MIN_SHARED_OPERATOR_PERSONS` different persons
    (:data:`OPERATOR_PERSON_FACTS`: who holds the accounts their money went through, that paid
    for them or that the records give them, and who bought their licences), or whose staff share
    :data:`MIN_SHARED_STAFF` persons. One shared account or person is no such witness: a
    payment company serves many operators, and a node serving separate staffs
    (:func:`serving_separate_staffs`) or one of ``brokers`` (:func:`broker_nodes`) is none at
    all. A person serving platforms of two different known gangs (``known_of``: platform_id ->
    gang_id) links none of them. Each set sorted, the sets sorted.

    >>> bound = pd.DataFrame({"node": ["Person:X", "Person:X", "Person:Y", "Person:Y", "Person:Z", "Person:Z"],
    ...                       "platform_id": ["P1", "P2", "P1", "P2", "P3", "P4"],
    ...                       "fact": ["bought_license", HOLDS_OPERATOR_ACCOUNT] + [HOLDS_OPERATOR_ACCOUNT] * 4,
    ...                       "weight": 1})
    >>> one_operator_platforms(bound, pd.Series(dtype=str))
    [['P1', 'P2']]
    """
    witnesses = bindings[~is_in(bindings["node"], [*serving_separate_staffs(bindings), *brokers])]
    operator = _shared_persons(witnesses, OPERATOR_PERSON_FACTS, known_of)
    operator = operator[(operator["shared"] >= MIN_SHARED_OPERATOR_PERSONS).to_numpy()]
    staff = _shared_persons(bindings, STAFF_FACTS, known_of)
    staff = staff[(staff["shared"] >= MIN_SHARED_STAFF).to_numpy()]
    graph = nx.Graph()
    for linked in (operator, staff):
        graph.add_edges_from(zip(linked["platform_id_x"], linked["platform_id_y"]))
    return sorted(sorted(component) for component in nx.connected_components(graph))


def _shared_persons(bindings: pd.DataFrame, facts: tuple[str, ...], known_of: pd.Series) -> pd.DataFrame:
    """(platform_id_x, platform_id_y, shared): each pair of platforms (x < y) and how many nodes
    ``bindings`` bind to both by ``facts``, leaving out those serving two known gangs."""
    serving = bindings.loc[bindings["fact"].isin(facts), ["node", "platform_id"]].drop_duplicates()
    crossing = serving["platform_id"].map(known_of).groupby(serving["node"]).nunique()
    serving = serving[~serving["node"].map(crossing).gt(1).to_numpy()]
    joined = serving.merge(serving, on="node")
    joined = joined[joined["platform_id_x"] < joined["platform_id_y"]]
    return joined.groupby(["platform_id_x", "platform_id_y"])["node"].nunique().rename("shared").reset_index()


def serving_separate_staffs(bindings: pd.DataFrame) -> list[str]:
    """The nodes ``bindings`` (node, platform_id, fact, …) bind to platforms of
    :data:`MIN_SEPARATE_STAFFS` or more staffs the records keep apart: platforms that have staff
    (nodes of :data:`STAFF_FACTS`), no chain of persons serving two of them joining them. A
    gang's platforms share their leader, licence buyer or agents, or keep one layer of accounts
    for two staffs; a payment company or a laundering firm serves the gangs that pay it, whose
    staff have nobody in common (a case written independently of casegraph: tiny gangs whose
    one agent is their leader swept their money to the same firms, and eleven were two). Staff
    who moved to another gang join its platforms' staff too, so only those serving several
    staffs nobody of any side ever joined count. Sorted.

    >>> bound = pd.DataFrame({"node": ["Person:A", "Person:A", "Person:B", "Person:C", "Account:F", "Account:F",
    ...                                "Account:F", "Account:L", "Account:L"],
    ...                       "platform_id": ["P1", "P2", "P3", "P4", "P1", "P3", "P4", "P1", "P3"],
    ...                       "fact": ["acts_as_agent"] * 4 + [SWEPT_MONEY] * 5, "weight": 1})
    >>> serving_separate_staffs(bound)
    ['Account:F']
    """
    staff = bindings[bindings["fact"].isin(STAFF_FACTS).to_numpy(dtype=bool)]
    # Persons and platforms one graph: its components are the staffs no person joins.
    graph = nx.Graph()
    graph.add_edges_from(zip(staff["node"], "Platform:" + staff["platform_id"].astype("string")))
    part = pd.Series({node[len("Platform:"):]: number for number, component in enumerate(nx.connected_components(graph))
                      for node in component if node.startswith("Platform:")}, dtype="int64")
    # A node that is staff itself, or that staff hold, is the operator's own (a gang that buys
    # each platform's licence under another buyer's name: those buyers hold its layer's cards).
    own = bindings.loc[bindings["fact"].isin([*STAFF_FACTS, HELD_BY_STAFF]).to_numpy(dtype=bool), "node"]
    served = bindings.loc[~is_in(bindings["node"], own), ["node", "platform_id"]].drop_duplicates()
    staffs = lookup(served["platform_id"], part).groupby(served["node"].to_numpy()).nunique()
    return sorted(staffs.index[(staffs >= MIN_SEPARATE_STAFFS).to_numpy()])


def broker_nodes(edges: pd.DataFrame, bindings: pd.DataFrame, known: pd.DataFrame) -> list[str]:
    """The nodes of the gang graph that tie platforms the rest of the records do not: nodes
    that hard facts bind to two or more platforms (``bindings``: node, platform_id, fact, …;
    the accounts of :data:`SWEPT_MONEY` are what ties a gang's platforms, and none of these)
    whose platforms lie in two or more parts of the graph (``edges``: u, v, weight) once every
    such node is taken out, the platforms of each gang already identified (``known``: gang_id,
    platform_id) a part of their own whatever path joins them. A payment company that
    collects for several gangs, through accounts of one holder or of many, or a person who is
    an agent in two gangs, ties those gangs only through such nodes, and their ties would let
    community detection make them one (nine gangs one, on the generator's variant
    shared_payment_accounts). A nominee who lends cards to two platforms of one gang is none:
    the gang's own staff, accounts and money tie its platforms too. Two known gangs stay two
    parts though a cash desk they both pay out to joins them by a path (the independently
    written case: two gangs one through a payment company, before). Sorted.

    >>> edges = pd.DataFrame({"u": ["Account:A1", "Account:A2", "Account:A1", "Account:A2", "Account:N", "Account:N",
    ...                             "Account:PAY", "Account:PAY", "Account:PAY", "Account:PAY", "Account:L2"],
    ...                       "v": ["Account:L1", "Account:L2", "Platform:P1", "Platform:P2", "Platform:P2",
    ...                             "Platform:P3", "Account:A1", "Account:A2", "Platform:P1", "Platform:P2",
    ...                             "Platform:P3"], "weight": 1.0})
    >>> bound = pd.DataFrame({"node": ["Account:PAY", "Account:PAY", "Account:N", "Account:N"],
    ...                       "platform_id": ["P1", "P2", "P2", "P3"], "fact": "client_money", "weight": 1})
    >>> broker_nodes(edges, bound, pd.DataFrame({"gang_id": [], "platform_id": []}))  # N's platforms: also tied by L2
    ['Account:PAY']
    """
    binding = ~bindings["node"].str.startswith("Platform:").to_numpy(dtype=bool) & bindings["fact"].ne(SWEPT_MONEY)
    bound = bindings.loc[binding, ["node", "platform_id"]].drop_duplicates()
    breadth = bound["node"].value_counts()
    candidates = breadth.index[breadth.to_numpy() >= 2]
    if not len(candidates):
        return []
    kept = ~(is_in(edges["u"], candidates) | is_in(edges["v"], candidates))
    rest = nx.Graph()
    rest.add_edges_from(zip(edges["u"][kept], edges["v"][kept]))
    # Where the platforms' collected money went ties them, whoever else the account serves.
    swept = bindings[bindings["fact"].eq(SWEPT_MONEY).to_numpy(dtype=bool)]
    rest.add_edges_from(zip(swept["node"], "Platform:" + swept["platform_id"].astype("string")))
    part_of = {node: number for number, part in enumerate(nx.connected_components(rest)) for node in part}
    served = bound[is_in(bound["node"], candidates)]
    platforms = "Platform:" + served["platform_id"].astype("string")
    # A known gang's platforms are one part, and no other's; a platform the rest of the graph
    # does not hold is a part of its own.
    known_of = known_gang_of_platform(known)
    parts = ("gang:" + lookup(served["platform_id"], known_of).astype("string")).fillna(
        platforms.map(part_of).astype("string")).fillna(platforms)
    spans = parts.groupby(served["node"].to_numpy()).nunique()
    return sorted(spans.index[spans.to_numpy() >= 2])


def without_nodes(edges: pd.DataFrame, nodes) -> pd.DataFrame:
    """The rows of ``edges`` (u, v, ...) that touch none of ``nodes``, renumbered.

    >>> without_nodes(pd.DataFrame({"u": ["a", "b"], "v": ["b", "c"]}), ["a"]).to_dict("list")
    {'u': ['b'], 'v': ['c']}
    """
    nodes = list(nodes)
    if not nodes:
        return edges
    return edges[~(is_in(edges["u"], nodes) | is_in(edges["v"], nodes))].reset_index(drop=True)


def both_ways(edges: pd.DataFrame) -> pd.DataFrame:
    """Each edge (u, v, weight) once from each end.

    >>> both_ways(pd.DataFrame({"u": ["a"], "v": ["b"], "weight": [2.0]})).values.tolist()
    [['a', 'b', 2.0], ['b', 'a', 2.0]]
    """
    columns = ["u", "v", "weight"]
    return pd.concat([edges[columns], edges.rename(columns={"u": "v", "v": "u"})[columns]], ignore_index=True)


# Facts that bind a node to several platforms without saying one operator runs them: the client
# money a payment company's account takes for whichever gangs pay it, and holding such an account.
NOT_JOINING_FACTS = (CLIENT_MONEY, HOLDS_OPERATOR_ACCOUNT)


def platforms_apart(communities: dict[str, int], bindings: pd.DataFrame, edges: pd.DataFrame,
                    known: pd.DataFrame) -> dict[str, int]:
    """``communities`` (node -> community) with each community split where no record joins its
    platforms: platforms are joined by a known gang (``known``: gang_id, platform_id; with the
    platforms its leader bought, :func:`leader_bought_platforms`), by one operator
    (:func:`one_operator_platforms`), or by a node ``bindings`` (node, platform_id, fact,
    weight) bind to both by a fact other than :data:`NOT_JOINING_FACTS` (a staff member, the
    card their money is swept to). A community whose platforms fall in two or more such parts
    becomes one community per part: each platform and each node bound to one part's platforms
    goes with that part, then each other node with the part its ties (``edges``: u, v, weight)
    weigh most towards, round by round; a node tied to no part stays with the first.

    Why: small gangs several shops, landlords or a card dealer serve are one community to
    modularity (its resolution limit: a case written independently of casegraph had five
    gangs of one platform each, 12-20 entities, as one community at 60,000 clients, and seven
    as two without its logins), though nothing but those suppliers ties them. In 13 cases of
    three generators, each gang of several platforms has its platforms joined so; in one more
    (ours without the ledger's bank_txn_id), one gang's two platforms are joined by no record,
    and :func:`_cohesive` keeps them one.

    >>> communities = {"Platform:P1": 0, "Platform:P2": 0, "Account:A1": 0, "Account:A2": 0, "Account:SHOP": 0,
    ...                "Person:L2": 0}
    >>> bound = pd.DataFrame({"node": ["Account:A1", "Account:A2"], "platform_id": ["P1", "P2"],
    ...                       "fact": "client_money", "weight": 1})
    >>> edges = pd.DataFrame({"u": ["Account:A1", "Account:A2", "Account:A1", "Account:A2", "Account:A2"],
    ...                       "v": ["Platform:P1", "Platform:P2", "Account:SHOP", "Account:SHOP", "Person:L2"],
    ...                       "weight": [3.0, 3.0, 1.0, 1.0, 2.0]})
    >>> platforms_apart(communities, bound, edges, pd.DataFrame({"gang_id": [], "platform_id": []}))
    {'Platform:P1': 0, 'Platform:P2': 1, 'Account:A1': 0, 'Account:A2': 1, 'Account:SHOP': 0, 'Person:L2': 1}
    """
    nodes = pd.Series(communities, index=pd.Index(list(communities), dtype=object), dtype="int64")
    platforms = nodes[nodes.index.str.startswith("Platform:")]
    shared = platforms.groupby(platforms.to_numpy()).size()
    shared = shared.index[shared >= 2]
    if not len(shared):
        return communities
    part_of = _platform_parts(bindings, known)
    ids = platforms.index.str.slice(len("Platform:")).to_series()
    parts = pd.DataFrame({"community": platforms.to_numpy(),
                          "part": ids.map(part_of).astype("string").fillna(ids).to_numpy()})
    counts = parts.drop_duplicates().groupby("community").size()
    split = counts.index[counts >= 2]
    if not len(split):
        return communities
    inside = nodes[is_in(nodes, split)]
    # Each split community's parts numbered: the part of its smallest platform keeps the
    # community's number, the others take new ones.
    labels = parts.set_axis(platforms.index)[is_in(platforms, split)].sort_index()
    first = labels.drop_duplicates("community")
    others = labels.drop_duplicates(["community", "part"])
    others = others[~is_in(others.index, first.index)]
    number = {**{(c, p): c for c, p in zip(first["community"], first["part"])},
              **{(c, p): int(nodes.max()) + 1 + i for i, (c, p) in enumerate(zip(others["community"], others["part"]))}}
    placed = pd.Series({node: number[(c, p)] for node, c, p in zip(labels.index, labels["community"], labels["part"])},
                       dtype="int64")
    # The nodes bound to the platforms of one part only go with that part.
    bound = bindings[is_in(bindings["node"], inside.index) & ~is_in(bindings["node"], placed.index)]
    bound = bound.assign(placed=lookup("Platform:" + bound["platform_id"], placed)).dropna(subset=["placed"])
    one_part = bound.groupby("node")["placed"].agg(["first", "nunique"])
    placed = pd.concat([placed, one_part.loc[one_part["nunique"].eq(1).to_numpy(), "first"].astype("int64")])
    # The rest, round by round, with the part their ties weigh most towards (ties: the smallest).
    ties = both_ways(edges)
    ties = ties[is_in(ties["u"], inside.index) & is_in(ties["v"], inside.index)]
    placed = pd.concat([placed, pd.Series(_placed_by_ties(ties, placed.to_dict()), dtype="int64")])
    refined = nodes.copy()
    refined[placed.index] = _cohesive(placed, ties).reindex(placed.index).to_numpy()
    return refined.to_dict()


def _cohesive(placed: pd.Series, ties: pd.DataFrame) -> pd.Series:
    """``placed`` (node -> part) with parts tied to each other at least as much as the lesser of
    them is tied within itself made one (numbered as the smallest): such a part is no gang apart
    from the other, though no record joins their platforms (the generator's two platforms of
    one gang whose staff share devices, without the ledger's bank_txn_id: 1.8 times; gangs that
    share a city's shops or their logins' addresses: 0.02 to 0.7). ``ties``: u, v, weight, each
    edge from both ends."""
    ties = ties.assign(a=lookup(ties["u"], placed), b=lookup(ties["v"], placed)).dropna(subset=["a", "b"])
    within = ties[ties["a"] == ties["b"]].groupby("a")["weight"].sum() / 2
    across = ties[ties["a"] < ties["b"]].groupby(["a", "b"])["weight"].sum().reset_index()
    lesser = np.minimum(*(lookup(across[end], within).fillna(0.0).to_numpy() for end in ("a", "b")))
    one = across[across["weight"].to_numpy() >= lesser]
    graph = nx.Graph()
    graph.add_nodes_from(placed.unique().tolist())
    graph.add_edges_from(zip(one["a"], one["b"]))
    merged = {part: min(together) for together in nx.connected_components(graph) for part in together}
    return placed.map(merged).astype("int64")


def _platform_parts(bindings: pd.DataFrame, known: pd.DataFrame) -> dict[str, str]:
    """platform_id -> the smallest platform of its part: the platforms the records join, as
    :func:`platforms_apart` says (only the platforms some join names)."""
    known_of = known_gang_of_platform(known)
    of_gang = pd.concat([known_of, leader_bought_platforms(bindings, known_of)])
    joining = bindings[~bindings["fact"].isin(NOT_JOINING_FACTS).to_numpy(dtype=bool)
                       & ~is_in(bindings["node"], serving_separate_staffs(bindings))]
    graph = nx.Graph()
    for group in [*of_gang.groupby(of_gang.to_numpy()).groups.values(), *one_operator_platforms(bindings, known_of)]:
        group = sorted(set(group))
        graph.add_edges_from((group[0], other) for other in group[1:])
    # Each node's platforms joined as a star from its smallest, in columns: nodes bound to a
    # platform are tens of thousands, a group per node went group by group in Python.
    bound = joining[["node", "platform_id"]].drop_duplicates().sort_values(["node", "platform_id"])
    smallest = lookup(bound["node"], bound.drop_duplicates("node").set_index("node")["platform_id"])
    star = (smallest != bound["platform_id"]).to_numpy(dtype=bool)
    graph.add_edges_from(zip(smallest[star], bound["platform_id"][star]))
    return {platform: min(part) for part in nx.connected_components(graph) for platform in part}


def placed_brokers(edges: pd.DataFrame, brokers: list[str], communities: dict[str, int]) -> dict[str, int]:
    """Each broker's community: the one of ``communities`` (found without the brokers' ties)
    its ties to other nodes weigh most towards (a person who is an agent in two gangs stays
    with the gang he works with most), ties to the smallest community; a broker tied to
    brokers alone follows them, once they are placed; a broker tied to no community gets one of
    its own, numbered after the others in the brokers' order.

    >>> edges = pd.DataFrame({"u": ["B", "B", "B", "C"], "v": ["x", "y", "z", "B"], "weight": [1.0, 2.0, 2.0, 9.0]})
    >>> placed_brokers(edges, ["B", "C", "D"], {"x": 0, "y": 1, "z": 1})
    {'B': 1, 'C': 1, 'D': 2}
    """
    from_broker = is_in(edges["u"], brokers)
    columns = ["u", "v", "weight"]
    outward = pd.concat([edges.loc[from_broker, columns],
                         edges.loc[is_in(edges["v"], brokers), ["v", "u", "weight"]].set_axis(columns, axis=1)])
    # Round by round: a broker tied only to brokers (a nominee who holds a payment company's
    # card) follows those placed before it.
    placed = _placed_by_ties(outward, communities)
    unplaced = [broker for broker in brokers if broker not in placed]
    first = max(communities.values(), default=-1) + 1
    return {**placed, **{broker: first + number for number, broker in enumerate(unplaced)}}


def _placed_by_ties(outward: pd.DataFrame, communities: dict[str, int]) -> dict[str, int]:
    """Each node ``u`` of ``outward`` (u, v, weight: its ties) that ``communities`` (node ->
    community) does not hold, with the community its ties to placed nodes weigh most towards
    (ties: the smallest), round by round, so that a node tied only to others placed this way
    follows them. Nodes tied to no placed node are left out."""
    placed: dict[str, int] = {}
    while True:
        known = {**communities, **placed}
        ties = outward[~is_in(outward["u"], list(known))]
        ties = ties.assign(community=ties["v"].map(known)).dropna(subset=["community"])
        if ties.empty:
            return placed
        weights = ties.groupby(["u", "community"])["weight"].sum().reset_index()
        strongest = weights.sort_values(["u", "weight", "community"], ascending=[True, False, True],
                                        kind="stable").drop_duplicates("u")
        placed.update(zip(strongest["u"], strongest["community"].astype("int64").tolist()))


def _first_by_weight(frame: pd.DataFrame, key: str, weight: str) -> pd.DataFrame:
    """Per ``key``, the row with the largest ``weight``, ties to the smallest gang_id."""
    ordered = frame.sort_values([key, weight, "gang_id"], ascending=[True, False, True], kind="stable")
    return ordered.drop_duplicates(key)


def leader_bought_platforms(bindings: pd.DataFrame, known_of: pd.Series) -> pd.Series:
    """platform_id -> gang_id: the platforms no known gang lists whose licence a known gang's
    leader bought (``bindings``' ``bought_license`` and ``gang_leader`` facts, the latter from
    gangs.csv's leader or a ``leader`` membership of the gang; ``known_of``: platform_id ->
    gang_id of the known gangs). The police name the leader, the vendor's
    records the buyer: the platform is his gang's, however the rest of its records lie (a case
    written independently of casegraph: a known gang's list named three of its six platforms,
    and the other three, tied to it by the leader and four nominees who serve all six, were
    three gangs). A leader of two known gangs names neither.

    >>> bound = pd.DataFrame({"node": ["Person:L", "Person:L", "Person:L"], "platform_id": ["P1", "P1", "P9"],
    ...                       "fact": ["gang_leader", "bought_license", "bought_license"], "weight": 1})
    >>> leader_bought_platforms(bound, pd.Series({"P1": "G1"})).to_dict()
    {'P9': 'G1'}
    """
    led = bindings.loc[bindings["fact"].eq("gang_leader").to_numpy(dtype=bool), ["node", "platform_id"]]
    led = led.assign(gang_id=lookup(led["platform_id"], known_of)).dropna(subset=["gang_id"])
    gangs = led.groupby("node")["gang_id"].agg(["first", "nunique"])
    leader_of = gangs.loc[gangs["nunique"].eq(1).to_numpy(), "first"]
    bought = bindings[bindings["fact"].eq("bought_license").to_numpy(dtype=bool)
                      & ~is_in(bindings["platform_id"], known_of.index)]
    gang = lookup(bought["node"], leader_of)
    return pd.Series(gang.to_numpy(), index=bought["platform_id"].to_numpy(), dtype=object).dropna().sort_index()


def handed_over(listed: pd.DataFrame, latest_buyers: pd.DataFrame, leaders: pd.DataFrame) -> pd.DataFrame:
    """gangs.csv's platforms ``listed`` (gang_id, platform_id, province) as the gangs run them
    at the end: a platform whose latest licence the leader of another known gang bought is that
    gang's, with its province. ``latest_buyers``: platform_id, person_id, who bought each
    platform's latest licence (as the vendor's records name a buyer); ``leaders``: gang_id,
    person_id, gangs.csv's leaders and the gangs' ``leader`` memberships.

    gangs.csv is the police's list of one day; the vendor renews a licence for whoever runs the
    platform then. A gang that bought a running platform renews it under its own leader (a case
    written independently of casegraph: the seller still listed with the platform, whose agents,
    accounts and fake trades were the buyer's; in 32 cases of the five generators written so
    and our seed-scale case, six such platforms, each that generator's sold one, and no other).
    Not moved: a platform gangs.csv lists under the buyer's gang too, or whose latest licence
    names buyers of two gangs; a buyer who leads two known gangs names neither.

    >>> listed = pd.DataFrame({"gang_id": ["D", "D", "C"], "platform_id": ["P1", "P2", "P3"],
    ...                        "province": ["浙江", "浙江", "江苏"]})
    >>> buyers = pd.DataFrame({"platform_id": ["P1", "P3"], "person_id": ["LC", "LC"]})
    >>> leaders = pd.DataFrame({"gang_id": ["C", "D"], "person_id": ["LC", "LD"]})
    >>> handed_over(listed, buyers, leaders).values.tolist()
    [['C', 'P1', '江苏'], ['D', 'P2', '浙江'], ['C', 'P3', '江苏']]
    """
    known = leaders.dropna().drop_duplicates()
    known = known[is_in(known["gang_id"], listed["gang_id"])]
    gangs = known.groupby("person_id")["gang_id"].agg(["first", "nunique"])
    leader_of = gangs.loc[gangs["nunique"].eq(1).to_numpy(), "first"]
    bought = latest_buyers.assign(gang_id=lookup(latest_buyers["person_id"], leader_of)).dropna(subset=["gang_id"])
    buyer_gangs = bought.groupby("platform_id")["gang_id"].agg(["first", "nunique"])
    buyer_gang = buyer_gangs.loc[buyer_gangs["nunique"].eq(1).to_numpy(), "first"]
    platforms = listed["platform_id"].astype(object)
    pairs = pd.MultiIndex.from_arrays([listed["gang_id"].astype(object), platforms])
    new_gang = lookup(listed["platform_id"], buyer_gang).astype(object)
    moved = new_gang.notna().to_numpy() & ~pd.MultiIndex.from_arrays([new_gang, platforms]).isin(pairs)
    if not moved.any():
        return listed
    province = listed.drop_duplicates("gang_id").set_index("gang_id")["province"]
    gang = listed["gang_id"].astype(object).where(~moved, new_gang.astype(object))
    return listed.assign(gang_id=gang, province=lookup(gang, province).where(moved, listed["province"]))


def moved_platforms(listed: pd.DataFrame, operated: pd.DataFrame) -> pd.Series:
    """The platforms :func:`handed_over` moved: those whose gang in ``operated`` (its answer)
    is not their gang in ``listed`` (what it was given), row for row.

    >>> listed = pd.DataFrame({"gang_id": ["D", "D"], "platform_id": ["P1", "P2"]})
    >>> moved_platforms(listed, listed.assign(gang_id=["C", "D"])).tolist()
    ['P1']
    """
    moved = listed["gang_id"].ne(operated["gang_id"]).to_numpy(dtype=bool)
    return operated.loc[moved, "platform_id"].reset_index(drop=True)


def _join_one_operator(gang_of_platform: pd.Series, sets: list[list[str]], known_of: pd.Series) -> list[str]:
    """Give each set of one operator's platforms one gang, in place: the known gang among them,
    else the gang most of them have (ties to the smallest id); a set that holds platforms of two
    known gangs is left to the communities. Returns the platforms whose gang changed."""
    changed = []
    for platforms in sets:
        present = [p for p in platforms if p in gang_of_platform.index]
        known = set(known_of.reindex(present).dropna())
        if len(known) > 1 or not present:
            continue
        counts = gang_of_platform[present].value_counts()
        gang = known.pop() if known else min(counts.index[counts.eq(counts.max())])
        changed += [p for p in present if gang_of_platform[p] != gang]
        gang_of_platform[present] = gang
    return changed


# The share of a community's ties to others that must point to one gang for a community no
# record binds to be taken into it: the shop a gang's staff buy from, the landlord they pay
# rent to, the dealer several gangs sell their takings to, trade with others as much or more,
# and are no more the gang's than its staff's other acquaintances (contract.md: unrelated
# parties stay out "even when money links them to a gang").
TIES_SHARE = 0.5
# A community fewer than this share of whose gang members a record binds is held together by
# ties alone (_peel_weak_members): a gang's own communities are 0.45-0.95 bound in every case
# of the three generators, and the gang's groups of lenders, barely bound, are held by their
# trading accounts; communities of ordinary people around a payroll company and shops that a
# few staff also pay were 0.00-0.09.
SPARSE_BOUND_SHARE = 0.25
# One transfer between two accounts, or one login shared on an address, weighs this much
# (WEIGHTS × log 2): what chance contact looks like — the staff pay a shop once, a neighbour's
# card takes one payment. Ties no heavier than this take nobody into a gang by themselves
# (:func:`loosely_held`, and the ties of communities no record binds).
ONE_EVENT = WEIGHTS["TRANSFER"] * math.log(2)
# Edge weights are sums of floats: equal weights may differ in their last bits.
WEIGHT_TOLERANCE = 1e-9


def resolve_gangs(communities: dict[str, int], bindings: pd.DataFrame, edges: pd.DataFrame,
                  known: pd.DataFrame, *, platform_ids=(), brokers=(), trading_accounts=(), hubs=(),
                  transfers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every node's gang, hard facts first: ``node``, ``community_id``, ``gang_id``, ``basis``,
    and ``contact_of``: for a member's personal contact (:func:`personal_contacts`,
    :func:`money_pendants`), in no gang, the gang whose member pays it — its home province
    votes for that gang's (:func:`province_voters`).

    - A platform's gang is the known gang that lists it, else the one its community names
      (:func:`community_names`); platforms the records show one operator runs
      (:func:`one_operator_platforms`) are one gang (``basis`` ``fact:platform;one_operator``
      where that joined a platform to another community's gang). Community detection decides
      which other platforms are one gang.
    - A node bound by hard facts (``bindings``: node, platform_id, fact, weight) joins its
      platform's gang (``basis`` = the facts); bound to several gangs, the one its community
      names, else the one most records state; a money service (:func:`money_services`), or an
      account that paid several gangs' client money on to members of each
      (:func:`settling_accounts`, read in ``transfers``), none.
    - Other nodes join the gang most of their community's bound nodes are in (``community``),
      unless their part of the gang hangs on it by one event (:func:`loosely_held`, its
      ``trading_accounts``), or by the payments of one staff member's own card
      (:func:`personal_contacts`) or of one member's alone (:func:`money_pendants`), both
      read in ``transfers``, or most of their ties point elsewhere: then each is a community
      of its own.
    - A community with no bound node is attached to the gang its edges weigh most towards,
      when those edges weigh more than :data:`ONE_EVENT` (or it holds a trading account) and
      at least :data:`TIES_SHARE` of all its edges to nodes outside it, repeated until nothing
      changes (``ties``); any other stays without a gang (``unattached``). The nodes of
      ``hubs`` (:func:`shared_hubs`) are communities of their own, without a gang.
    Platforms of ``platform_ids`` the graph does not hold get a community of their own. The
    nodes of ``brokers`` (:func:`broker_nodes`) witness no operator by the accounts they hold, and
    community detection ran without their ties (``edges`` has them: they hold parts of gangs,
    :func:`loosely_held`). Rows are sorted by node.
    """
    nodes = pd.Series(communities, dtype="int64").rename_axis("node").sort_index()
    missing = sorted({f"Platform:{p}" for p in platform_ids} - set(nodes.index))
    start = int(nodes.max()) + 1 if len(nodes) else 0
    nodes = pd.concat([nodes, pd.Series(range(start, start + len(missing)), index=pd.Index(missing, name="node"),
                                        dtype="int64")]).sort_index()
    names = community_names(known, nodes)
    known_of = known_gang_of_platform(known)
    platforms = nodes[nodes.index.str.startswith("Platform:")]
    in_graph = platforms.index.str.slice(len("Platform:"))
    named = pd.Series(platforms.map(names).to_numpy(), index=in_graph)
    gang_of_platform = pd.Series(in_graph.map(known_of), index=in_graph).astype(named.dtype).fillna(named)
    bought = leader_bought_platforms(bindings, known_of).reindex(in_graph).dropna()
    bought = bought[gang_of_platform[bought.index] != bought]
    gang_of_platform = bought.combine_first(gang_of_platform) if len(bought) else gang_of_platform
    one_operator = _join_one_operator(gang_of_platform, one_operator_platforms(bindings, known_of, brokers=brokers),
                                      known_of)

    table = pd.DataFrame({"node": nodes.index, "community_id": nodes.to_numpy()})
    table["gang_id"] = pd.Series(pd.NA, index=table.index, dtype="string")
    table["basis"] = pd.Series(pd.NA, index=table.index, dtype="string")
    is_platform = table["node"].str.startswith("Platform:")
    table.loc[is_platform, "gang_id"] = table.loc[is_platform, "node"].str.slice(len("Platform:")).map(
        gang_of_platform).to_numpy()
    table.loc[is_platform, "basis"] = "fact:platform"
    joined = is_in(table["node"], ["Platform:" + p for p in one_operator])
    table.loc[joined, "basis"] = "fact:platform;one_operator"
    table.loc[is_in(table["node"], "Platform:" + bought.index), "basis"] = "fact:platform;bought_by_leader"

    binding = bindings[~bindings["fact"].isin(WITNESS_FACTS)]
    bound = binding.assign(gang_id=binding["platform_id"].map(gang_of_platform)).dropna(subset=["gang_id"])
    bound = bound[is_in(bound["node"], nodes.index) & ~bound["node"].str.startswith("Platform:").to_numpy(dtype=bool)]
    if not bound.empty:
        # Per (node, gang): the records' weight summed and its distinct facts joined in sorted
        # order, by runs of sorted rows (a Python set per group took 0.1 s at seed scale).
        ordered = bound.sort_values(["node", "gang_id", "fact"], kind="stable")
        starts = run_starts(ordered[["node", "gang_id"]])
        distinct = ordered.iloc[run_starts(ordered[["node", "gang_id", "fact"]])]
        facts = ordered.iloc[starts][["node", "gang_id"]].reset_index(drop=True).assign(
            weight=np.add.reduceat(ordered["weight"].to_numpy(dtype=np.int64), starts),
            facts=join_runs(distinct["fact"], run_starts(distinct[["node", "gang_id"]]), ";").to_pylist())
        facts["named"] = facts["node"].map(nodes).map(names) == facts["gang_id"]
        services = money_services(facts)
        per_gang = facts  # every gang each node is bound to, for settling_accounts below
        facts = facts.sort_values(["node", "named", "weight", "gang_id"], ascending=[True, False, False, True],
                                  kind="stable").drop_duplicates("node").set_index("node")
        at = is_in(table["node"], facts.index)
        table.loc[at, "gang_id"] = table.loc[at, "node"].map(facts["gang_id"]).to_numpy()
        table.loc[at, "basis"] = ("fact:" + table.loc[at, "node"].map(facts["facts"])).to_numpy()
        _set_apart(table, is_in(table["node"], services))

    # Nodes tied only by evidence follow their community's bound nodes, but for the accounts
    # bound only as staff hold them: a staff member's card is his gang's, not whom it deals with
    # (an agent's card his day job pays sits with the payroll company's payees).
    open_rows = _follow_communities(table)
    settling = []
    if transfers is not None and not bound.empty:
        # Accounts that settled several gangs' money to members of each are a payment channel's:
        # apart, and the communities follow their bound nodes again without them, nor their
        # ties, as a hub's (what a channel's community holds besides, the shops its payees buy
        # from, is no gang's for it).
        settling = settling_accounts(per_gang, table.dropna(subset=["gang_id"]).set_index("node")["gang_id"],
                                     transfers)
        if settling:
            table.loc[open_rows, ["gang_id", "basis"]] = pd.NA
            _set_apart(table, is_in(table["node"], settling))
            _follow_communities(table)
    # What holds a part of a gang to it, the brokers' ties included (a nominee holding cards of
    # two gangs holds them); the members' own ties below, those community detection weighed.
    _set_apart(table, is_in(table["node"], loosely_held(table, edges, trading_accounts=trading_accounts)))
    contacts = np.zeros(len(table), dtype=bool)
    if transfers is not None:
        contacts = is_in(table["node"], [*personal_contacts(table, edges, transfers=transfers,
                                                            trading_accounts=trading_accounts),
                                         *money_pendants(table, edges, transfers=transfers,
                                                         trading_accounts=trading_accounts)])
    contact_of = table.loc[contacts].set_index("node")["gang_id"].astype("string")  # the gang they leave
    _set_apart(table, contacts)
    _set_apart(table, is_in(table["node"], hubs))
    detected = without_nodes(edges, [*brokers, *hubs, *settling])
    both = both_ways(detected)
    _peel_weak_members(table, both, trading_accounts=trading_accounts)

    # Communities with no bound node: attached through their strongest ties, round by round,
    # where those ties are most of what ties the community to anyone outside it; an employer's
    # wages to a member tie it to no gang.
    both["community_id"] = both["u"].map(nodes)
    both = both[both["community_id"] != both["v"].map(nodes)]
    outside = both.groupby("community_id")["weight"].sum()
    if transfers is not None:
        paid_wages = wages(transfers)
        both = both[~pd.MultiIndex.from_arrays([both["u"], both["v"]]).isin(paid_wages)]
    trading_communities = table.loc[is_in(table["node"], trading_accounts), "community_id"].unique()
    while True:
        pending = set(table.loc[table["gang_id"].isna(), "community_id"])
        if not pending:
            break
        both["gang_id"] = both["v"].map(table.dropna(subset=["gang_id"]).set_index("node")["gang_id"])
        ties = both[both["community_id"].isin(pending)].dropna(subset=["gang_id"])
        if transfers is not None:
            contacts_of_staff = _contacts_of_staff(ties[~ties["community_id"].isin(trading_communities)], table,
                                                   transfers, payroll=paid_wages.get_level_values(0))
            ties = ties[~ties["community_id"].isin(contacts_of_staff)]
        strongest = _first_by_weight(ties.groupby(["community_id", "gang_id"])["weight"].sum().reset_index(),
                                     "community_id", "weight").set_index("community_id")
        strongest = strongest[(strongest["weight"] >= TIES_SHARE * outside.reindex(strongest.index))
                              & ((strongest["weight"] > ONE_EVENT + WEIGHT_TOLERANCE)
                                 | strongest.index.isin(trading_communities))]
        if strongest.empty:
            break
        rows = table["community_id"].isin(strongest.index) & table["gang_id"].isna()
        table.loc[rows, "gang_id"] = table.loc[rows, "community_id"].map(strongest["gang_id"]).to_numpy()
        weight = table.loc[rows, "community_id"].map(strongest["weight"])
        table.loc[rows, "basis"] = ("ties:" + weight.round(2).astype(str)).to_numpy()
    table.loc[table["gang_id"].isna(), "basis"] = "unattached"
    table["contact_of"] = lookup(table["node"], contact_of).where(table["gang_id"].isna().to_numpy())
    return table


# A gang's card lent to another gang takes the money of two; a payment channel takes the money
# of whichever gangs pay it (money_services).
MIN_SERVED_GANGS = 3
# A payment channel settles each gang's money to that gang: an account that took client money
# for several gangs and paid on to members of this many of them is one, whatever the shares
# (settling_accounts).
MIN_SETTLED_GANGS = 2


def _money_only(facts: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``facts`` (as :func:`money_services` takes them) of the accounts bound by
    client money alone, whoever holds them."""
    money = facts[facts["node"].str.startswith("Account:").to_numpy(dtype=bool)]
    each = money[["node"]].assign(fact=money["facts"].str.split(";")).explode("fact")
    only_money = (each["fact"].isin(MONEY_SERVICE_FACTS).groupby(each["node"]).all()
                  & each["fact"].eq(CLIENT_MONEY).groupby(each["node"]).any())
    return money[is_in(money["node"], only_money.index[only_money.to_numpy()])]


def money_services(facts: pd.DataFrame) -> list[str]:
    """The accounts bound by client money alone, whoever holds them (``facts``: node, gang_id,
    weight, facts — per node and gang, the records binding it and their facts joined by ``;``)
    that took it for several gangs, none of which has :data:`TIES_SHARE` of their records, or for
    :data:`MIN_SERVED_GANGS` or more: a payment company's collection accounts, which take
    deposits for whichever gangs pay it, the largest gang's half among them (contract.md:
    unrelated parties stay out "even when money links them to a gang"). A gang's card a second
    gang once borrowed stays with the gang most of its money is (unless it settles to both:
    :func:`settling_accounts`).

    >>> money_services(pd.DataFrame({"node": ["Account:PAY"] * 3 + ["Account:BIG"] * 3 + ["Account:C"] * 2,
    ...                              "gang_id": ["G1", "G2", "G3", "G1", "G2", "G3", "G1", "G2"],
    ...                              "weight": [4, 3, 3, 60, 20, 20, 9, 1], "facts": "client_money"}))
    ['Account:BIG', 'Account:PAY']
    """
    money = _money_only(facts)
    shares = _gang_shares(money["node"], money["gang_id"], money["weight"])
    spread = ((shares["gangs"] >= 2) & (shares["top"] < TIES_SHARE * shares["total"])) | (
        shares["gangs"] >= MIN_SERVED_GANGS)
    return sorted(spread.index[spread.to_numpy()])


def settling_accounts(facts: pd.DataFrame, gang_of: pd.Series, transfers: pd.DataFrame) -> list[str]:
    """The accounts bound by client money alone (``facts`` as :func:`money_services` takes
    them) that took it for several gangs and paid money on to members of
    :data:`MIN_SETTLED_GANGS` or more of those gangs (``gang_of``: node -> gang, as resolved so
    far; ``transfers``: from_account, to_account, as :func:`transfer_counts` gives them): a
    payment company settles each gang's deposits to that gang, whatever share of its business
    one gang is, where a gang's card another gang once borrowed empties into its own gang's
    accounts. (A third independently written case: two payment companies took 88 % and 61 % of
    their deposits for one gang each and settled to two gangs' cards. In the cases of the four
    generators written independently of casegraph and in our generator's, no account that took
    two gangs' deposits and paid on to both was a gang's.) Sorted.

    >>> facts = pd.DataFrame({"node": ["Account:S", "Account:S", "Account:C", "Account:C"],
    ...                       "gang_id": ["G1", "G2", "G1", "G2"], "weight": [9, 1, 9, 1], "facts": "client_money"})
    >>> gang_of = pd.Series({"Account:L1": "G1", "Account:L2": "G2"})
    >>> paid = pd.DataFrame({"from_account": ["S", "S", "C"], "to_account": ["L1", "L2", "L1"]})
    >>> settling_accounts(facts, gang_of, paid)
    ['Account:S']
    """
    money = _money_only(facts)[["node", "gang_id"]]
    gangs = money.groupby("node")["gang_id"].nunique()
    several = money[is_in(money["node"], gangs.index[gangs.to_numpy() >= 2])]
    payer = "Account:" + transfers["from_account"].astype("string")
    at = is_in(payer, several["node"])
    paid = pd.DataFrame({"node": payer[at],
                         "gang_id": lookup("Account:" + transfers.loc[at, "to_account"].astype("string"), gang_of)})
    settled = paid.dropna().drop_duplicates().merge(several, on=["node", "gang_id"]).groupby("node").size()
    return sorted(settled.index[settled.to_numpy() >= MIN_SETTLED_GANGS])


def _gang_shares(nodes: pd.Series, gangs: pd.Series, weights: pd.Series) -> pd.DataFrame:
    """Per node, of its rows (node, gang, weight): how many gangs, the largest weight one gang
    has (``top``) and the weight of all (``total``)."""
    per_gang = weights.groupby([nodes.to_numpy(), gangs.to_numpy()]).sum()
    by_node = per_gang.groupby(level=0)
    return pd.DataFrame({"gangs": by_node.size(), "top": by_node.max(), "total": by_node.sum()})


def shared_hubs(resolved: pd.DataFrame, edges: pd.DataFrame) -> list[str]:
    """The nodes no record binds whose ties reach members of two or more gangs, none of which
    holds :data:`TIES_SHARE` of them (``resolved``: :func:`resolve_gangs`' table; ``edges``:
    u, v, weight): a cash desk every gang pays out to, a USDT dealer several sell their takings
    to, a landlord several gangs pay rent. In a large case their ties make small gangs one
    community with a part of another (modularity's resolution limit: a gang of one fake
    platform was taken into the largest gang of the independently written case at 60,000
    clients; tiny gangs of the second were one through their landlord), so community detection
    runs again without them (:func:`casegraph.queries.engine.find_gangs`). A node tied to the
    hub alone (its holder) witnesses no gang: it is in whichever gang the hub's community is.
    Sorted.

    >>> resolved = pd.DataFrame({"node": ["Account:L1", "Account:L2", "Account:L3", "Account:CASH", "Account:SHOP"],
    ...                          "gang_id": ["G1", "G2", "G3", "G1", "G1"], "basis": "community"})
    >>> edges = pd.DataFrame({"u": ["Account:CASH"] * 3 + ["Account:SHOP"] * 2 + ["Person:S3"],
    ...                       "v": ["Account:L1", "Account:L2", "Account:L3", "Account:L1", "Account:L2", "Account:L3"],
    ...                       "weight": [3.0, 3.0, 3.0, 5.0, 1.0, 5.0]})
    >>> shared_hubs(resolved, edges)
    ['Account:CASH']
    """
    gang_of = resolved.dropna(subset=["gang_id"]).set_index("node")["gang_id"]
    both = both_ways(edges)
    # A node tied to this one alone (its holder) is in whichever gang it is: no witness of one.
    degree = both["u"].value_counts()
    both = both[~is_in(both["u"], resolved.loc[_bound(resolved), "node"]) & (lookup(both["v"], degree) > 1).to_numpy()]
    both = both.assign(gang=lookup(both["v"], gang_of)).dropna(subset=["gang"])
    # Of the ties that reach gangs: a controller's card that funds twenty lenders no gang holds
    # yet, once each, and takes its money from his gang, is his gang's (an independently
    # written case: such cards were set apart as hubs, and their groups with them). Weighed
    # twice: over every member, and over the members a record binds, as a payroll company
    # that pays staff of four gangs and 850 others is a hub though its community, those others
    # with it, was taken into the gang of most of the staff it pays (a third independently
    # written case: 400 employees and their cards in one gang).
    bound = both[is_in(both["v"], resolved.loc[_bound(resolved), "node"])]
    hubs = [shares.index[((shares["gangs"] >= 2) & (shares["top"] < TIES_SHARE * shares["total"])).to_numpy()]
            for shares in (_gang_shares(ties["u"], ties["gang"], ties["weight"]) for ties in (both, bound))]
    return sorted(set(hubs[0]) | set(hubs[1]))


def _bound(table: pd.DataFrame) -> np.ndarray:
    """Which rows of ``table`` (:func:`resolve_gangs`') a record binds to their gang: ``basis``
    ``fact:…``."""
    return table["basis"].str.startswith("fact:").fillna(False).to_numpy(dtype=bool)


def _follow_communities(table: pd.DataFrame) -> np.ndarray:
    """Give each node of no gang yet (of ``table``, :func:`resolve_gangs`') the gang most of
    its community's bound nodes are in (``basis`` ``community``), in place, but for the
    accounts bound only as staff hold them, which vote for none; which rows it gave one."""
    resolved = table.dropna(subset=["gang_id"])
    resolved = resolved[~resolved["basis"].eq(f"fact:{HELD_BY_STAFF}").to_numpy(dtype=bool)]
    votes = resolved.groupby(["community_id", "gang_id"]).size().rename("n").reset_index()
    community_gang = _first_by_weight(votes, "community_id", "n").set_index("community_id")["gang_id"]
    open_rows = (table["gang_id"].isna() & table["community_id"].isin(community_gang.index)).to_numpy()
    table.loc[open_rows, "gang_id"] = table.loc[open_rows, "community_id"].map(community_gang).to_numpy()
    table.loc[open_rows, "basis"] = "community"
    return open_rows


def _set_apart(table: pd.DataFrame, rows) -> None:
    """Make each of ``rows`` a community of its own with no gang, in place: the communities'
    ties below weigh the communities Louvain found, not these, so they stay unattached."""
    if not np.any(rows):
        return
    first = int(table["community_id"].max()) + 1
    table.loc[rows, "community_id"] = np.arange(first, first + int(np.count_nonzero(rows)))
    table.loc[rows, "gang_id"] = pd.NA
    table.loc[rows, "basis"] = pd.NA


def _ties_within_gangs(table: pd.DataFrame, edges: pd.DataFrame):
    """(members, u, v, within): the rows of ``table`` (node, gang_id, as :func:`resolve_gangs`
    makes it) with a gang, renumbered from 0; the positions among them of the two ends of each
    edge (``edges``: u, v) that joins two members of one gang; and which edges those are."""
    members = table[table["gang_id"].notna().to_numpy(dtype=bool)].reset_index(drop=True)
    nodes = pd.Index(members["node"])
    gang = members["gang_id"].to_numpy(dtype=object)
    u, v = positions(edges["u"], nodes), positions(edges["v"], nodes)
    within = (u >= 0) & (v >= 0)
    within[within] = gang[u[within]] == gang[v[within]]
    return members, u[within], v[within], within


def loosely_held(table: pd.DataFrame, edges: pd.DataFrame, *, trading_accounts=()) -> list[str]:
    """The nodes that joined a gang with their community alone (``table``: node, gang_id,
    basis, as :func:`resolve_gangs` makes it) and hang on it by chance contact: split each gang
    into parts by its ties heavier than :data:`ONE_EVENT` (``edges``: u, v, weight); a part is
    held when it holds a node a record binds (basis ``fact:``) or a trading account (of
    ``trading_accounts``: the futures trade's instruments, which no shop or neighbour holds), or
    when its ties to held parts weigh more than one event, round by round. The community nodes
    of the parts not held, sorted: a shop the staff paid once, with its other customers, tied to
    each other by their cards and to the gang by that one payment.

    >>> table = pd.DataFrame({"node": ["Person:L", "Account:L", "Account:SHOP", "Person:S", "Account:N"],
    ...                       "gang_id": "G1", "basis": ["fact:role_in_gang", "community", "community", "community",
    ...                                                  "community"]})
    >>> edges = pd.DataFrame({"u": ["Account:L", "Account:L", "Account:SHOP", "Account:L"],
    ...                       "v": ["Person:L", "Account:SHOP", "Person:S", "Account:N"],
    ...                       "weight": [5.0, math.log(2), 5.0, 2 * math.log(2)]})
    >>> loosely_held(table, edges)
    ['Account:SHOP', 'Person:S']
    """
    members, u, v, within = _ties_within_gangs(table, edges)
    nodes = pd.Index(members["node"])
    weight = edges["weight"].to_numpy(dtype="float64")[within]
    strong = weight > ONE_EVENT + WEIGHT_TOLERANCE
    graph = nx.Graph()
    graph.add_nodes_from(range(len(nodes)))
    graph.add_edges_from(zip(u[strong].tolist(), v[strong].tolist()))
    part = np.empty(len(nodes), dtype=np.int64)
    for number, component in enumerate(nx.connected_components(graph)):
        part[list(component)] = number
    bound = _bound(members) | is_in(members["node"], trading_accounts)
    held = np.zeros(part.max() + 1 if len(part) else 0, dtype=bool)
    held[part[bound]] = True
    # The weak ties between parts, each way.
    crossing = np.tile(part[u] != part[v], 2)
    ties = pd.DataFrame({"part": np.concatenate([part[u], part[v]])[crossing],
                         "other": np.concatenate([part[v], part[u]])[crossing],
                         "weight": np.tile(weight, 2)[crossing]})
    while True:
        towards = ties[held[ties["other"].to_numpy()] & ~held[ties["part"].to_numpy()]]
        summed = towards.groupby("part")["weight"].sum()
        passing = summed.index[summed.to_numpy() > ONE_EVENT + WEIGHT_TOLERANCE]
        if not len(passing):
            break
        held[passing] = True
    loose = ~held[part] & members["basis"].eq("community").fillna(False).to_numpy(dtype=bool)
    return sorted(members.loc[loose, "node"])


def transfer_counts(transfers: pd.DataFrame, *, connect=duckdb_connection) -> pd.DataFrame:
    """(from_account, to_account, n): the bank transfers (``transfers``: from_account,
    to_account) between two known accounts, counted per direction and pair — the gang graph's
    money ties (``TRANSFER``), and which way the money went on them (:func:`personal_contacts`,
    :func:`money_pendants`). ``connect``: where the SQL runs (as in :func:`swept_accounts`).
    Sorted.

    >>> transfers = pd.DataFrame({"from_account": ["S", "S", "C", None], "to_account": ["L", "L", "S", "S"]})
    >>> transfer_counts(transfers).values.tolist()
    [['C', 'S', 1], ['S', 'L', 2]]
    """
    connection = connect(transfers=transfers[["from_account", "to_account"]])
    frame = connection.sql("""
        SELECT from_account, to_account, count(*) AS n FROM transfers
        WHERE from_account IS NOT NULL AND to_account IS NOT NULL
        GROUP BY ALL ORDER BY from_account, to_account""").df()
    return frame.astype({"from_account": object, "to_account": object, "n": "int64"})


def _parts_and_ties_out(selected: np.ndarray, u: np.ndarray, v: np.ndarray):
    """(part, inner, outer): the connected parts of the ``selected`` nodes (a boolean per node)
    by the ties (``u``, ``v``: positions) among them, a number per node (-1 where not
    selected); and each tie from a selected node to one not selected, as its two ends."""
    graph = nx.Graph()
    graph.add_nodes_from(np.flatnonzero(selected).tolist())
    both = selected[u] & selected[v]
    graph.add_edges_from(zip(u[both].tolist(), v[both].tolist()))
    part = np.full(len(selected), -1, dtype=np.int64)
    for number, component in enumerate(nx.connected_components(graph)):
        part[list(component)] = number
    leaving = selected[u] != selected[v]
    return part, np.where(selected[u], u, v)[leaving], np.where(selected[u], v, u)[leaving]


def personal_contacts(table: pd.DataFrame, edges: pd.DataFrame, *, transfers: pd.DataFrame,
                      trading_accounts=()) -> list[str]:
    """The nodes that joined a gang with their community alone (``table``: node, gang_id,
    basis, as :func:`resolve_gangs` makes it) whose every tie into the gang (``edges``: u, v,
    weight) goes to one account a staff member holds (basis ``held_by_staff``), which paid
    their accounts at least as often as they paid it (``transfers``: from_account,
    to_account, n, as :func:`transfer_counts` counts them): with the other such nodes they are
    tied to, a part of the gang its staff member's own card alone holds — his landlord, his
    family, his friends, paid month after month (a fourth case written independently of
    casegraph: 170 such parts of 1-2 nodes, 400 outsiders in gangs). Money that goes into the
    staff member's card is the gang's own, collected and swept (our generator's cases without
    the ledger's bank references: the collection cards hang on the finance officer's card
    alone). A part holding a trading account stays (:func:`loosely_held`), and so do the parts
    a staff member's card pays as a gang's payroll (:func:`_on_payroll`: a finance officer's
    card paying its agents' rebates, in a fifth case). Sorted.

    >>> table = pd.DataFrame({"node": ["Account:STAFF", "Person:LANDLORD", "Account:RENT", "Person:N", "Account:N",
    ...                                "Account:COLLECT", "Person:NOMINEE"],
    ...                       "gang_id": "G1", "basis": ["fact:held_by_staff"] + ["community"] * 6})
    >>> edges = pd.DataFrame({"u": ["Account:RENT", "Account:RENT", "Account:N", "Account:N", "Account:COLLECT",
    ...                             "Account:COLLECT"],
    ...                       "v": ["Account:STAFF", "Person:LANDLORD", "Person:N", "Account:STAFF", "Account:STAFF",
    ...                             "Person:NOMINEE"], "weight": [2.5, 5.0, 5.0, 1.0, 3.0, 5.0]})
    >>> paid = pd.DataFrame({"from_account": ["STAFF", "N", "STAFF", "COLLECT"],
    ...                      "to_account": ["RENT", "STAFF", "N", "STAFF"], "n": [12, 2, 2, 30]})
    >>> personal_contacts(table, edges, transfers=paid)
    ['Account:N', 'Account:RENT', 'Person:LANDLORD', 'Person:N']
    """
    members, u, v, _ = _ties_within_gangs(table, edges)
    nodes = pd.Index(members["node"])
    joined = members["basis"].eq("community").fillna(False).to_numpy(dtype=bool)
    # Parts: the joined nodes, as their ties among themselves connect them; and each part's ties
    # out of it, to the gang's other nodes.
    part, inner, outer = _parts_and_ties_out(joined, u, v)
    contacts = pd.DataFrame({"part": part[inner], "contact": outer}).drop_duplicates()
    counted = contacts.groupby("part")["contact"].agg(["size", "first"])
    single = counted[counted["size"] == 1]
    own_card = members["basis"].str.contains(HELD_BY_STAFF, regex=False).fillna(False).to_numpy(dtype=bool)
    single = single[own_card[single["first"].to_numpy()]]
    # Which way the money went between each part's accounts and its one contact.
    contact_of = pd.Series(nodes[single["first"].to_numpy()], index=single.index)
    is_account = nodes.str.startswith("Account:")
    received, sent = _contact_payments(transfers, pd.Series(part[is_account], index=nodes[is_account]), contact_of)
    personal = single.index[((received > 0) & (received >= sent)).to_numpy()]
    personal = np.setdiff1d(personal, _on_payroll(contact_of.to_numpy(), single.index.to_numpy(), received.to_numpy()))
    trading = np.unique(part[is_in(members["node"], trading_accounts) & joined])
    chosen = np.isin(part, personal[~np.isin(personal, trading)]) & joined
    return sorted(members.loc[chosen, "node"])


def money_pendants(table: pd.DataFrame, edges: pd.DataFrame, *, transfers: pd.DataFrame,
                   trading_accounts=()) -> list[str]:
    """The nodes that joined a gang with their community alone (``table``: node, gang_id,
    basis, as :func:`resolve_gangs` makes it) and hang on it as a tree by one member's money:
    outside the 2-core of the gang's own ties (``edges``: u, v, weight), each tree tied to the
    rest by one tie, between one of its bank accounts and a member's, which paid it
    (``transfers``: from_account, to_account, n, as :func:`transfer_counts` counts them); no
    node of it bound by a record, nor a trading account. Money a member paid, and no one else
    of his gang, is what anyone he deals with has — his landlord, his family, the friends he
    lends to: a fourth case written independently of casegraph had 170 outsiders in gangs,
    most on members whom only evidence joined too, whose payments :func:`personal_contacts`
    does not read (68 left; of the nodes in such trees, 3-7 % were members there, 1 of 261 in
    a third generator's case, none in the others'). A tree that only ever paid the member
    stays: the gang may collect through it (our generator's collection cards, in a case
    without the logins and the ledger's bank references); so does one a gang's card pays as
    one of its staff (:func:`_on_payroll`). Sorted.

    >>> table = pd.DataFrame({"node": ["Person:B", "Account:B", "Account:M", "Person:M", "Account:RENT",
    ...                                "Person:LANDLORD", "Account:COLLECT"],
    ...                       "gang_id": "G1",
    ...                       "basis": ["fact:role_in_gang", "fact:held_by_staff"] + ["community"] * 5})
    >>> edges = pd.DataFrame({"u": ["Account:B", "Account:B", "Account:M", "Account:M", "Account:M",
    ...                             "Account:RENT", "Account:COLLECT"],
    ...                       "v": ["Person:B", "Account:M", "Person:B", "Person:M", "Account:RENT",
    ...                             "Person:LANDLORD", "Account:M"], "weight": [5.0, 2.0, 3.0, 5.0, 2.5, 5.0, 2.5]})
    >>> paid = pd.DataFrame({"from_account": ["M", "COLLECT"], "to_account": ["RENT", "M"], "n": [12, 30]})
    >>> money_pendants(table, edges, transfers=paid)
    ['Account:RENT', 'Person:LANDLORD']
    """
    members, u, v, _ = _ties_within_gangs(table, edges)
    nodes = pd.Index(members["node"])
    # The 2-core: leaves taken off round by round (a round per level of the deepest tree).
    degree = np.bincount(u, minlength=len(nodes)) + np.bincount(v, minlength=len(nodes))
    peeled = np.zeros(len(nodes), dtype=bool)
    standing = np.ones(len(u), dtype=bool)
    while True:
        leaves = ~peeled & (degree <= 1)
        if not leaves.any():
            break
        peeled |= leaves
        gone = standing & (leaves[u] | leaves[v])
        standing &= ~gone
        degree -= np.bincount(u[gone], minlength=len(nodes)) + np.bincount(v[gone], minlength=len(nodes))
    # Each tree off the core, and the one tie that holds it to the core (a tree with none is a
    # whole part of the gang, not hanging on it).
    tree, leaf_end, core_end = _parts_and_ties_out(peeled, u, v)
    # The transfers into the trees' holding ends only: the others are most of the case's.
    into_trees = transfers[is_in(transfers["to_account"], nodes[leaf_end].str.slice(len("Account:")))]
    into_trees = into_trees[into_trees["n"].to_numpy() > 0]
    paid = pd.Series(into_trees["n"].to_numpy(), index=pd.MultiIndex.from_arrays(
        [("Account:" + into_trees["from_account"].astype(object)).to_numpy(dtype=object),
         ("Account:" + into_trees["to_account"].astype(object)).to_numpy(dtype=object)]))
    ties = pd.MultiIndex.from_arrays([nodes[core_end], nodes[leaf_end]])
    by_payment = ties.isin(paid.index)
    trading = is_in(nodes, trading_accounts)
    free = members["basis"].eq("community").fillna(False).to_numpy(dtype=bool) & ~trading
    all_free = pd.Series(free[peeled], index=tree[peeled]).groupby(level=0).all()
    hanging = np.intersect1d(tree[leaf_end][by_payment & ~trading[core_end]], all_free.index[all_free.to_numpy()])
    staff = _on_payroll(nodes[core_end], tree[leaf_end], paid.reindex(ties).fillna(0).to_numpy())
    return sorted(nodes[np.isin(tree, np.setdiff1d(hanging, staff)) & peeled])


# A gang's card that paid this many trees hanging on it, each this many times at least, pays
# its staff: its agents' rebates and wages, month after month (a fifth case written
# independently of casegraph: the agents of a platform exported without their persons. In 19
# cases of the five independent generators, 249 of the 255 trees paid so were members, the
# other 6 paid by those payroll cards too; other payers paid at most 7 trees so; a payment
# company's card in a third case paid 68 trees 3 times each).
MIN_PAYROLL_PAYEES = 9
MIN_PAYROLL_TRANSFERS = 6


def _contacts_of_staff(ties: pd.DataFrame, table: pd.DataFrame, transfers: pd.DataFrame, *, payroll) -> np.ndarray:
    """The communities no record binds (``ties``: u in the community, v in a gang, with their
    ``community_id``) whose every tie into a gang goes to one account a staff member holds, and
    that no other record binds (his own card, not the gang's client-money or swept accounts),
    which paid the community's accounts at least as often as they paid it, and pays no payroll
    (``payroll``: :func:`wages`' payers): his landlord and whoever the landlord deals with, as
    :func:`personal_contacts` finds them inside a gang's community (a fourth case at a seed
    nobody had looked at: a staff member's rent took 222 people and their cards, the landlord's
    community, into his gang). A gang's payroll card paying a community's member wages ties
    it (the second generator's staff, paid month after month), and so does a card funding a
    community's trading accounts (``ties`` holds no community with one). ``table``: node,
    community_id, basis (:func:`resolve_gangs`)."""
    contact = ties.groupby("community_id")["v"].agg(["nunique", "first"])
    contact = contact.loc[contact["nunique"].eq(1).to_numpy(), "first"]
    own = table["basis"].eq(f"fact:{HELD_BY_STAFF}").fillna(False).to_numpy(dtype=bool)
    contact = contact[is_in(contact, table.loc[own, "node"]) & ~is_in(contact, pd.Series(payroll, dtype=object))]
    if contact.empty:
        return np.array([], dtype="int64")
    paid, received = _contact_payments(transfers, table.set_index("node")["community_id"], contact)
    return contact.index[((paid > 0) & (paid >= received)).to_numpy()].to_numpy()


def _contact_payments(transfers: pd.DataFrame, group_of: pd.Series,
                      contact_of: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per group of nodes (``group_of``: node -> group; ``contact_of``: group -> the one
    account node it is tied to), the transfers (``transfers``: from_account, to_account, n) its
    contact made into the group's accounts, and those the group's accounts made to the contact;
    each indexed as ``contact_of``, zero where none. Which way the money went between a part of
    a gang and its one contact (:func:`personal_contacts`, :func:`_contacts_of_staff`)."""
    flows = transfers.assign(into=lookup("Account:" + transfers["to_account"].astype(object), group_of),
                             outof=lookup("Account:" + transfers["from_account"].astype(object), group_of))
    paid = flows[flows["into"].map(contact_of).eq("Account:" + flows["from_account"].astype(object)).fillna(False)]
    paying = flows[flows["outof"].map(contact_of).eq("Account:" + flows["to_account"].astype(object)).fillna(False)]
    return (paid.groupby("into")["n"].sum().reindex(contact_of.index, fill_value=0),
            paying.groupby("outof")["n"].sum().reindex(contact_of.index, fill_value=0))


def wages(transfers: pd.DataFrame) -> pd.MultiIndex:
    """(payer, payee) nodes of the transfers of every account that pays a payroll:
    :data:`MIN_PAYROLL_PAYEES` accounts or more, :data:`MIN_PAYROLL_TRANSFERS` times each or
    more (``transfers``: from_account, to_account, n, as :func:`transfer_counts` counts them).
    A payroll company's community (the company and its payees, in the fifth independent
    generator's cases) was taken into the gang of one payee: 32 communities of 18 to 108 people
    and cards in 10 cases, none of them members.

    >>> paid = pd.DataFrame({"from_account": ["PAY"] * 9 + ["M"], "to_account": [*"ABCDEFGHI", "Z"], "n": 6})
    >>> wages(paid)[:2].tolist()
    [('Account:PAY', 'Account:A'), ('Account:PAY', 'Account:B')]
    """
    regular = transfers[transfers["n"].to_numpy() >= MIN_PAYROLL_TRANSFERS]
    payees = regular.groupby("from_account")["to_account"].nunique()
    paying = transfers[is_in(transfers["from_account"], payees.index[payees.to_numpy() >= MIN_PAYROLL_PAYEES])]
    return pd.MultiIndex.from_arrays([("Account:" + paying["from_account"].astype(object)).to_numpy(dtype=object),
                                      ("Account:" + paying["to_account"].astype(object)).to_numpy(dtype=object)])


def _on_payroll(payers, trees: np.ndarray, paid: np.ndarray) -> np.ndarray:
    """The trees a member's card paid as its staff (:data:`MIN_PAYROLL_PAYEES`,
    :data:`MIN_PAYROLL_TRANSFERS`), given for each tie of a tree to a member's card its
    ``payers`` (the card's node), ``trees`` (the tree's) and ``paid`` (the transfers the card
    made into the tree over the tie)."""
    payers = np.asarray(payers, dtype=object)
    regular = np.asarray(paid) >= MIN_PAYROLL_TRANSFERS
    payees = pd.Series(trees[regular]).groupby(payers[regular]).nunique()
    staffed = is_in(pd.Series(payers), payees.index[payees.to_numpy() >= MIN_PAYROLL_PAYEES]) & regular
    return np.unique(trees[staffed])


def _peel_weak_members(table: pd.DataFrame, both: pd.DataFrame, *, trading_accounts) -> None:
    """Take out of their gang, in place, the nodes that joined it with their community alone
    (``basis`` community) and whose ties into the gang weigh less than :data:`TIES_SHARE` of
    all their ties (``both``: every edge in both directions), round by round: a shop the
    gang's staff buy from that modularity put with the gang, then its other customers, tied
    only to the shop. Each leaves as a community of its own and stays without a gang
    (``unattached``): the ties below weigh the communities Louvain found, not these. Ties to a
    community no gang holds yet that holds ``trading_accounts`` count as the gang's: money
    that funds trading is no shop's (a controller's card paying twenty lenders once each, who
    pass it on to the broker accounts of his group, left his gang with the group, before, in
    an independently written case).

    In a community records barely bind (fewer than :data:`SPARSE_BOUND_SHARE` of its members
    in a gang), a tie counts into the gang only where it reaches an anchored node: one a record
    binds, one tied to such a node, a trading account or one tied to a trading account. There
    the members hold each other up: a third independently written case had communities of
    200-500 ordinary people and their cards, a payroll company's payees and the shops they
    and a few of the gang's staff pay, in gangs."""
    total = both.groupby("u")["weight"].sum()
    community = table["basis"].eq("community").fillna(False).to_numpy(dtype=bool)
    gang_of_all = table.dropna(subset=["gang_id"]).set_index("node")["gang_id"]
    in_gang = table.dropna(subset=["gang_id"])
    bound_share = (~in_gang["basis"].eq("community").fillna(False)).groupby(in_gang["community_id"]).mean()
    sparse = table.loc[table["community_id"].isin(bound_share.index[bound_share < SPARSE_BOUND_SHARE]), "node"]
    held = gang_of_all[~is_in(gang_of_all.index, table.loc[community, "node"])]
    trading = list(trading_accounts)
    near = both[(lookup(both["v"], held) == lookup(both["u"], gang_of_all)).fillna(False).to_numpy(dtype=bool)
                | is_in(both["v"], trading)]
    anchored = pd.Index([*held.index, *near["u"], *trading]).unique()
    while True:
        joined = table.loc[table["basis"].eq("community").fillna(False).to_numpy(dtype=bool), "node"]
        ties = both[is_in(both["u"], joined)]
        gang_of = table.dropna(subset=["gang_id"]).set_index("node")["gang_id"]
        other_gang = ties["v"].map(gang_of)
        trading_communities = table.loc[is_in(table["node"], trading), "community_id"].unique()
        open_trading = other_gang.isna() & ties["v"].map(table.set_index("node")["community_id"]).isin(
            trading_communities)
        same = (ties["u"].map(gang_of) == other_gang).fillna(False).to_numpy(dtype=bool)
        same &= ~is_in(ties["u"], sparse) | is_in(ties["v"], anchored)
        inside = ties[same | open_trading.to_numpy(dtype=bool)]
        share = inside.groupby("u")["weight"].sum().reindex(joined).fillna(0.0) / total.reindex(joined)
        weak = joined[(share < TIES_SHARE).to_numpy()]
        if not len(weak):
            return
        _set_apart(table, is_in(table["node"], weak))


def assign_gangs(entity_table: pd.DataFrame, resolved: pd.DataFrame, algorithm: str) -> pd.DataFrame:
    """communities.csv: entity_id, entity_type, community_id, gang_id, basis, algorithm, from
    :func:`resolve_gangs`. Clients, the vendor's accounts and parties in no gang keep an empty
    gang_id; entities outside the gang graph an empty community_id."""
    table = entity_table.sort_values(["entity_type", "entity_id"], ignore_index=True)
    at = positions(table["node"], resolved["node"])  # each entity's row of resolved, looked up once
    for column, dtype in (("community_id", "Int64"), ("gang_id", "string"), ("basis", "string")):
        table[column] = pd.Series(resolved[column].array.take(at, allow_fill=True), index=table.index).astype(dtype)
    table["algorithm"] = algorithm
    return table.drop(columns="node")


def unattached_table(members: pd.DataFrame) -> pd.DataFrame:
    """unattached.csv: the communities tied to no gang, one row each — community_id,
    n_entities, entity_ids (``;``) — so that nothing found is silently dropped."""
    rows = members[members["basis"] == "unattached"].sort_values(["community_id", "entity_id"])
    grouped = rows.groupby("community_id")
    return pd.DataFrame({"n_entities": grouped.size(),
                         "entity_types": grouped["entity_type"].agg(lambda t: ";".join(sorted(set(t)))),
                         "entity_ids": grouped["entity_id"].agg(";".join)}).reset_index()


def entity_nodes(entity_type: pd.Series, entity_id: pd.Series) -> pd.Series:
    """The gang-graph node key (``Label:id``) of communities.csv entities.

    >>> entity_nodes(pd.Series(["agent", "bank_account"]), pd.Series(["A1", "B1"])).tolist()
    ['Agent:A1', 'Account:B1']
    """
    labels = pd.Series(["Person", "Platform", "Agent"], index=["person", "platform", "agent"])
    label = lookup(entity_type, labels).fillna("Account")
    return label + ":" + entity_id


def province_voters(members: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
    """``members`` (communities.csv) with the gang each entity's province votes for: its own,
    or, for a staff member's personal contact (``resolved``'s ``contact_of``), the gang whose
    staff pays it — the landlord and family of a small gang's staff live where the staff live,
    and in a case written independently of casegraph five gangs of one platform each had no
    other vote for their province.

    >>> members = pd.DataFrame({"entity_id": ["P1", "P2"], "entity_type": "person", "gang_id": ["G1", None]})
    >>> resolved = pd.DataFrame({"node": ["Person:P1", "Person:P2"], "contact_of": [None, "G1"]})
    >>> province_voters(members, resolved)["gang_id"].tolist()
    ['G1', 'G1']
    """
    contact_of = lookup(entity_nodes(members["entity_type"], members["entity_id"]),
                        resolved.set_index("node")["contact_of"])
    return members.assign(gang_id=members["gang_id"].fillna(contact_of))


def gang_provinces(votes: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Per gang, the province most of its members' logins come from (``votes``: see
    :func:`province_votes`), of the provinces someone in the case lives in, then the one with
    the most votes of all, home provinces included, then the first by name; the counts are
    kept as evidence. Where a gang works is where it is referred (the place of the crime comes
    before the residence): tiny gangs of an independently written case, whose two members live
    in one province and log in from it and from the province where the gang's card is used
    too, went to the home (three logins against two and two homes: 2 of 26 gangs on one seed,
    1 of 34 on another). Logins from a place nobody lives in are VPN exits or cloud servers
    abroad or in Hong Kong (several independent cases): they only count among all the votes."""
    gang_of = members.drop_duplicates("entity_id").set_index("entity_id")["gang_id"]
    homes = votes.loc[votes["source"].eq("persons").to_numpy(dtype=bool), "province"].unique()
    votes = votes.assign(gang_id=lookup(votes["entity_id"], gang_of).to_numpy()).dropna(subset=["gang_id"])
    votes = votes.assign(login=(votes["source"].eq("logins") & votes["province"].isin(homes)).astype("int64"))
    counts = votes.groupby(["gang_id", "province"]).agg(votes=("login", "size"), logins=("login", "sum")).reset_index()
    winner = counts.sort_values(["gang_id", "logins", "votes", "province"],
                                ascending=[True, False, False, True]).drop_duplicates("gang_id")
    # Evidence: per source (by name), its provinces by votes (ties by name), e.g.
    # "logins 浙江:5 江苏:1; persons 浙江:3".
    by_source = votes.groupby(["gang_id", "source", "province"]).size().rename("n").reset_index()
    by_source = by_source.sort_values(["gang_id", "source", "n"], ascending=[True, True, False], kind="stable")
    items = (by_source["province"] + ":" + by_source["n"].astype(str)).groupby(
        [by_source["gang_id"], by_source["source"]]).agg(" ".join)
    evidence = (items.index.get_level_values("source") + " " + items).groupby(level="gang_id").agg("; ".join)
    result = winner.set_index("gang_id")[["province"]]
    result["province_evidence"] = result.index.map(evidence)
    return result


def gang_table(communities: pd.DataFrame, parts: pd.DataFrame, part_figures: pd.DataFrame, known: pd.DataFrame,
               votes: pd.DataFrame, *, voters: pd.DataFrame) -> pd.DataFrame:
    """gangs.csv: one row per gang found, its known id, province (a known gang keeps the one
    gangs.csv gives it: ``known`` has gang_id, platform_id, province; the others the one the
    ``votes`` of ``voters``, :func:`province_voters`, give), platforms, member counts and the
    sums over the clients of the parts it runs (``parts``: gang_id, part_id, platform_id, a
    platform or a member unit, :func:`.assembly.gang_parts`; ``part_figures``: per part_id,
    :func:`.assembly.part_figures`). A member unit's gang runs no platform of its own."""
    members = communities.dropna(subset=["gang_id"])
    counts = members.groupby(["gang_id", "entity_type"]).size().unstack(fill_value=0)
    table = pd.DataFrame(index=pd.Index(sorted(parts["gang_id"].unique()), name="gang_id"))
    known_province = known.dropna(subset=["province"]).drop_duplicates("gang_id").set_index("gang_id")["province"]
    table["known_gang_id"] = [g if g in set(known["gang_id"]) else pd.NA for g in table.index]
    table = table.join(gang_provinces(votes, voters.dropna(subset=["gang_id"])))
    table["province"] = table["province"].where(~table.index.isin(known_province.index),
                                                table.index.map(known_province))
    platforms = parts[parts["part_id"] == parts["platform_id"]]
    table["platform_ids"] = platforms.sort_values("platform_id").groupby("gang_id")["platform_id"].agg(";".join)
    # Members found by the communities; agents and clients are those of the gang's parts.
    for column, entity_type in (("n_persons", "person"), ("n_bank_accounts", "bank_account")):
        table[column] = counts.get(entity_type, 0)
    sums = parts.merge(part_figures, left_on="part_id", right_index=True).groupby("gang_id")[
        list(part_figures.columns)].sum()
    table = table.join(sums)
    return table.fillna({c: 0 for c in sums.columns}).astype({c: "int64" for c in sums.columns})
