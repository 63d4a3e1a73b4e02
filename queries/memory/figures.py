"""The money at every node (contract.md "Figures"), computed with vectorised pandas.

All amounts are integer fen in CNY. Each function answers one question and returns a
DataFrame indexed by the node's id, so that analysts can join them freely:

>>> from casegraph.loaders.case import load_case          # doctest: +SKIP
>>> case = load_case("mycase")                             # doctest: +SKIP
>>> client_figures(case).loc["C1", "net_deposit"]          # doctest: +SKIP
25706086
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from casegraph.loaders.case import Case
from casegraph.loaders.fx import ledger_in_cny, licenses_in_cny, with_amount_cny
from casegraph.loaders.read import split_ids
from casegraph.money import convert_fen

from ..columnar import duckdb_connection, positions
from ..rules import CLIENT_FIGURES, KIND_FIGURES


def fresh_money(ledger: pd.DataFrame, by: list[str] | None = None) -> pd.Series:
    """Per client (or per group of the ``by`` columns, e.g. a period and a client), the
    largest running sum of deposits − withdrawals in time order, floored at 0.

    Entries are ordered by ``ts`` and then ``entry_id``; recycled money (withdrawn and put
    in again) is counted once.

    >>> ts = pd.to_datetime(["2021-01-01", "2021-01-02", "2021-01-03"])
    >>> ledger = pd.DataFrame({"client_id": ["C", "C", "C"], "ts": ts, "entry_id": ["1", "2", "3"],
    ...                        "kind": ["deposit", "withdrawal", "deposit"], "amount_cny": [100, 80, 50]})
    >>> int(fresh_money(ledger)["C"])
    100
    """
    by = ["client_id"] if by is None else by
    connection = duckdb_connection(ledger=ledger[[*by, "ts", "entry_id", "kind", "amount_cny"]])
    fresh = connection.sql(_fresh_money_sql(by)).df().dropna(subset=by)  # entries without a key belong to no group
    return fresh.set_index(by)["fresh_money"].sort_index()


def _fresh_money_sql(by: list[str]) -> str:
    """The query of :func:`fresh_money` over the table (or view) ``ledger``: the ``by`` columns
    and ``fresh_money``."""
    keys = ", ".join(f'"{column}"' for column in by)
    return f"""
        SELECT {keys}, greatest(max(running), 0)::BIGINT AS fresh_money FROM (
            SELECT {keys}, sum(CASE WHEN kind = 'deposit' THEN amount_cny ELSE -amount_cny END) OVER (
                PARTITION BY {keys} ORDER BY ts, entry_id ROWS UNBOUNDED PRECEDING) AS running
            FROM ledger WHERE kind IN ('deposit', 'withdrawal'))
        GROUP BY ALL"""


def client_figures(case: Case, ledger: pd.DataFrame | None = None, trades: pd.DataFrame | None = None, *,
                   connect=duckdb_connection) -> pd.DataFrame:
    """Every client's figures (contract.md), zeros for clients without entries.

    ``ledger`` (with ``amount_cny``) and ``trades`` default to the whole case; pass parts of
    them (e.g. one period) to get the figures of those entries only. ``connect`` makes the
    connection the SQL runs on (the Spark engine's: :class:`casegraph.queries.spark.runner.SparkSQL`).
    """
    ledger = ledger_in_cny(case) if ledger is None else ledger
    clients = case["clients"].set_index("client_id")
    trades = case["trades"] if trades is None else trades
    connection = connect(ledger=ledger[["client_id", "ts", "entry_id", "kind", "amount_cny"]],
                         account_trades=trades[["account_id", "notional"]],
                         accounts=case["accounts"][["account_id", "client_id"]])
    # A trade is its account's client's (client_of_account), joined in SQL rather than looked up per trade.
    connection.execute("""CREATE TEMP VIEW trades AS SELECT a.client_id, t.notional
                          FROM account_trades AS t JOIN accounts AS a ON t.account_id = a.account_id""")
    figures = _figures_in(connection, clients.index)
    figures.insert(0, "platform_id", clients["platform_id"])
    figures.insert(1, "agent_id", clients["agent_id"])
    return figures


def figures_by(index: pd.Index, ledger: pd.DataFrame, trades: pd.DataFrame, *,
               connect=duckdb_connection) -> pd.DataFrame:
    """The :data:`CLIENT_FIGURES` of each group in ``index`` (a client, or e.g. a period and a
    client), from the entries and trades that carry the index's key columns; zeros for groups
    without any. ``client_losses`` is taken per group, so sums of groups never let one
    client's gain offset another's loss.

    >>> ledger = pd.DataFrame({"client_id": ["C", "C"], "ts": pd.to_datetime(["2021-01-01", "2021-01-02"]),
    ...                        "entry_id": ["1", "2"], "kind": ["deposit", "fee"], "amount_cny": [100, 7]})
    >>> trades = pd.DataFrame({"client_id": ["C"], "notional": [500]})
    >>> figures = figures_by(pd.Index(["C", "D"], name="client_id"), ledger, trades)
    >>> figures[["deposits", "client_loss", "fresh_money", "turnover"]].values.tolist()
    [[100, 7, 100, 500], [0, 0, 0, 0]]
    """
    keys = list(index.names)
    return _figures_in(connect(ledger=ledger[[*keys, "ts", "entry_id", "kind", "amount_cny"]],
                               trades=trades[[*keys, "notional"]]), index)


def _figures_in(connection: duckdb.DuckDBPyConnection, index: pd.Index) -> pd.DataFrame:
    """:func:`figures_by` of the connection's tables (or views) ``ledger`` and ``trades``.

    The groups of ``index`` are handed to the SQL with their position and its sums come back
    in that order, numbers only: no lookup of the (text) keys in pandas."""
    keys = list(index.names)
    columns = ", ".join(f'"{column}"' for column in keys)
    connection.register("figure_keys", index.to_frame(index=False).assign(figure_position=np.arange(len(index))))
    per_kind = ", ".join(f"coalesce(sum(amount_cny) FILTER (WHERE kind = '{kind}'), 0)::BIGINT AS {figure}"
                         for kind, figure in KIND_FIGURES.items())

    def matches(table: str) -> str:
        return " AND ".join(f'k."{column}" = {table}."{column}"' for column in keys)

    found = ", ".join(f"coalesce(s.{figure}, 0) AS {figure}" for figure in KIND_FIGURES.values())
    sums = connection.sql(f"""
        WITH sums AS (SELECT {columns}, {per_kind} FROM ledger GROUP BY ALL),
             fresh AS ({_fresh_money_sql(keys)}),
             turnover AS (SELECT {columns}, sum(notional)::BIGINT AS turnover FROM trades GROUP BY ALL)
        SELECT {found}, coalesce(f.fresh_money, 0) AS fresh_money, coalesce(t.turnover, 0) AS turnover
        FROM figure_keys AS k LEFT JOIN sums AS s ON {matches("s")} LEFT JOIN fresh AS f ON {matches("f")}
             LEFT JOIN turnover AS t ON {matches("t")}
        ORDER BY k.figure_position""").df()
    figures = sums.astype("int64").set_axis(index)
    figures["trading_pnl"] = figures.pop("pnl") + figures.pop("adjustment")
    figures["net_deposit"] = figures["deposits"] - figures["withdrawals"]
    figures["client_loss"] = figures["fees"] + figures["overnight_fees"] - figures["trading_pnl"]
    figures["client_losses"] = figures["client_loss"].clip(lower=0)
    return figures[list(CLIENT_FIGURES)]


def client_of_account(case: Case) -> pd.Series:
    """account_id -> client_id for the clients' trading accounts."""
    return case["accounts"].dropna(subset=["client_id"]).set_index("account_id")["client_id"]


@dataclass(frozen=True)
class AgentForest:
    """The agent forest laid out so that sums over subtrees need no (agent, ancestor) pairs.

    The clients are put in one order: platform by platform, down each agent tree depth
    first (an agent's own clients, then its children's subtrees), the platform's direct
    clients last. The clients below any agent, and those of any platform, are then one
    range of that order, ``[start, stop)``, and a sum over them is the difference of two
    prefix sums. Arrays are aligned with ``agent_ids`` (agents.csv order).

    >>> agents = pd.DataFrame({"agent_id": ["A", "B", "C"], "platform_id": "P", "parent_agent_id": [None, "A", "A"]})
    >>> clients = pd.DataFrame({"client_id": ["C1", "C2", "C3"], "platform_id": "P", "agent_id": ["C", "A", "B"]})
    >>> forest = agent_forest(agents, clients)
    >>> forest.depth.tolist(), forest.subtree_n.tolist()
    ([1, 2, 2], [3, 1, 1])
    >>> sorted(forest.client_ids[forest.start[2]:forest.stop[2]])
    ['C1']
    """
    agent_ids: pd.Index
    parent: np.ndarray  # position of the parent agent, -1 at the top
    depth: np.ndarray  # 1 at the top
    own_n: np.ndarray  # clients the agent referred itself
    subtree_n: np.ndarray  # clients at or below the agent
    start: np.ndarray  # the first position of the agent's subtree in client_ids
    client_ids: pd.Index  # the clients in the order described above
    platforms: pd.DataFrame  # per platform_id: start, stop

    @property
    def stop(self) -> np.ndarray:
        return self.start + self.subtree_n

    def ranges(self, agent_ids: pd.Series) -> pd.DataFrame:
        """``start`` and ``stop`` of the subtrees of the given agents, aligned with them."""
        at = self.agent_ids.get_indexer(agent_ids)
        return pd.DataFrame({"start": self.start[at], "stop": self.stop[at]}, index=agent_ids.index)

    def subtree_sums(self, values: pd.DataFrame) -> pd.DataFrame:
        """Per agent, the sums of ``values`` (integer columns indexed by client_id) over its
        subtree's clients."""
        sums = range_sums(self.prefix_sums(values), self.start, self.stop)
        return pd.DataFrame(sums, index=self.agent_ids, columns=values.columns)

    def prefix_sums(self, values: pd.DataFrame) -> np.ndarray:
        """Running sums of ``values`` in client order, a row of zeros first: the sum over the
        clients in [start, stop) is ``prefix[stop] - prefix[start]``."""
        ordered = self.in_order(values)
        return np.vstack([np.zeros((1, ordered.shape[1]), dtype=np.int64), np.cumsum(ordered, axis=0)])

    def in_order(self, values: pd.DataFrame) -> np.ndarray:
        """``values`` (integer columns indexed by client_id) in the forest's client order, zeros
        for the clients ``values`` lacks."""
        at = positions(self.client_ids, values.index)
        found = at >= 0
        ordered = np.zeros((len(at), values.shape[1]), dtype=np.int64)
        ordered[found] = values.to_numpy(dtype=np.int64)[at[found]]
        return ordered


def range_sums(prefix: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Row sums over [start, stop) of the values whose running sums are ``prefix``."""
    return prefix[stop] - prefix[start]


def path_sums(parent: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per agent, the sum of ``values`` over the agent and all its ancestors (``parent``: the
    position of each agent's parent, -1 at the top), by pointer jumping: each round doubles
    the hop of every agent towards its root, so a chain of n agents takes log2(n)
    vectorised rounds, not n. Ones give the depth (1 at the top).

    >>> path_sums(np.array([-1, 0, 1, 1]), np.ones(4, dtype=np.int64)).tolist()
    [1, 2, 3, 3]
    """
    up = parent.copy()
    total = values.astype(np.int64)  # over the path from each agent up to `up`, excluded
    # Validation guarantees a forest; the bound only keeps a cycle from looping forever.
    for _ in range(len(parent).bit_length() + 1):
        climbing = np.flatnonzero(up >= 0)
        if not len(climbing):
            break
        above = up[climbing]
        total[climbing] += total[above]
        up[climbing] = up[above]
    return total


def _offsets_within(groups: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Exclusive running sums of ``sizes``, restarting where ``groups`` (sorted) changes."""
    before = np.cumsum(sizes) - sizes
    first = np.ones(len(groups), dtype=bool)
    first[1:] = groups[1:] != groups[:-1]
    return before - np.maximum.accumulate(np.where(first, before, 0))


def _positions(start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Every position of the ranges [start, stop), range after range."""
    lengths = stop - start
    firsts = np.cumsum(lengths) - lengths
    return np.repeat(start - firsts, lengths) + np.arange(lengths.sum())


def agent_forest(agents: pd.DataFrame, clients: pd.DataFrame) -> AgentForest:
    """Lay out the agent forest and the clients (columns client_id, platform_id, agent_id)
    for subtree sums: see :class:`AgentForest`.

    Subtree sizes take one vectorised step per level of the forest, from the deepest up,
    each agent's size added into its parent. Each agent's range then starts where its
    parent's does, after the parent's own clients and the subtrees of its elder siblings:
    summed down the path from the top (:func:`path_sums`), with no step per level.
    """
    agent_ids = pd.Index(agents["agent_id"], name="agent_id")
    parent = agent_ids.get_indexer(agents["parent_agent_id"])
    depth = path_sums(parent, np.ones(len(parent), dtype=np.int64))
    platform_ids = pd.Index(pd.unique(pd.concat([clients["platform_id"], agents["platform_id"]], ignore_index=True)),
                            name="platform_id")
    agent_platform = platform_ids.get_indexer(agents["platform_id"])
    client_platform = platform_ids.get_indexer(clients["platform_id"])
    client_agent = agent_ids.get_indexer(clients["agent_id"])
    referred = client_agent >= 0
    own_n = np.bincount(client_agent[referred], minlength=len(agent_ids)).astype(np.int64)

    subtree_n = own_n.copy()
    deepest_first = np.argsort(-depth, kind="stable")
    bounds = np.flatnonzero(np.diff(depth[deepest_first])) + 1
    for level in np.split(deepest_first, bounds)[:-1]:  # the top level has no parent to add to
        np.add.at(subtree_n, parent[level], subtree_n[level])

    platform_n = np.bincount(client_platform, minlength=len(platform_ids)).astype(np.int64)
    platform_start = np.cumsum(platform_n) - platform_n
    # Where each agent's range starts relative to its parent's start (for a top-level agent:
    # to the start of the whole order): siblings are grouped by parent, top-level agents by
    # platform, each group's members one after another.
    group = np.where(parent >= 0, parent, len(agent_ids) + agent_platform)
    by_group = np.argsort(group, kind="stable")
    relative = np.empty(len(agent_ids), dtype=np.int64)
    relative[by_group] = _offsets_within(group[by_group], subtree_n[by_group])
    relative += np.where(parent >= 0, own_n[parent], platform_start[agent_platform])
    start = path_sums(parent, relative)

    # The platform's direct clients come after all its trees.
    roots = np.flatnonzero(parent < 0)
    direct_start = platform_start.copy()
    np.add.at(direct_start, agent_platform[roots], subtree_n[roots])
    group = np.where(referred, client_agent, len(agent_ids) + client_platform)
    rank = pd.Series(group).groupby(group).cumcount().to_numpy()
    first = np.where(referred, start[np.where(referred, client_agent, 0)], direct_start[client_platform])
    order = np.empty(len(clients), dtype=np.int64)
    order[first + rank] = np.arange(len(clients))
    return AgentForest(
        agent_ids=agent_ids, parent=parent, depth=depth, own_n=own_n, subtree_n=subtree_n, start=start,
        client_ids=pd.Index(clients["client_id"].to_numpy()[order], name="client_id"),
        platforms=pd.DataFrame({"start": platform_start, "stop": platform_start + platform_n}, index=platform_ids))


def _sum_figures(figures: pd.DataFrame, by: pd.Series | str, prefix: str = "") -> pd.DataFrame:
    grouped = figures.groupby(by)
    sums = grouped[list(CLIENT_FIGURES)].sum()
    sums.insert(0, "n_clients", grouped.size())
    return sums.add_prefix(prefix)


def _counted(figures: pd.DataFrame) -> pd.DataFrame:
    """Client figures with ``n_clients`` = 1 in front, ready to be summed over ranges."""
    return figures[list(CLIENT_FIGURES)].assign(n_clients=1)[["n_clients", *CLIENT_FIGURES]]


# The rebates and commissions received (ledger rows with ``kind`` and ``amount_cny``), summed
# per group of the query.
RECEIVED_SUMS = """coalesce(sum(amount_cny) FILTER (WHERE kind = 'rebate'), 0)::BIGINT AS rebate_received,
                   coalesce(sum(amount_cny) FILTER (WHERE kind = 'commission'), 0)::BIGINT AS commission_received"""


def agent_subtree_totals(case: Case, clients: pd.DataFrame, ledger: pd.DataFrame, *,
                         connect=duckdb_connection) -> pd.DataFrame:
    """Per agent: own_* over its direct clients, subtree_* over every client below it, and
    the rebates and commissions it actually received (by ``beneficiary_agent_id``, summed on
    the connection ``connect`` makes)."""
    agents = case["agents"]
    forest = agent_forest(agents, case["clients"])
    index = forest.agent_ids
    counted = _counted(clients)
    prefix = forest.prefix_sums(counted)
    # An agent's own clients open its range in the forest's order.
    own = pd.DataFrame(range_sums(prefix, forest.start, forest.start + forest.own_n), columns=counted.columns,
                       index=index).add_prefix("own_")
    subtree = pd.DataFrame(range_sums(prefix, forest.start, forest.stop), columns=counted.columns,
                           index=index).add_prefix("subtree_")
    totals = pd.concat([own, subtree], axis=1)
    received = connect(ledger=ledger[["beneficiary_agent_id", "kind", "amount_cny"]]).sql(f"""
        SELECT beneficiary_agent_id, {RECEIVED_SUMS} FROM ledger WHERE kind IN ('rebate', 'commission')
        GROUP BY ALL""").df().set_index("beneficiary_agent_id")
    totals = totals.join(received.reindex(index, fill_value=0).astype("int64"))
    totals["rebate_due"] = rebate_due_from(agents, clients, forest=forest).reindex(index, fill_value=0).astype("int64")
    totals["rebate_mismatch"] = totals["rebate_received"] - totals["rebate_due"]
    totals.insert(0, "platform_id", agents.set_index("agent_id")["platform_id"])
    totals.insert(1, "depth", pd.Series(forest.depth, index=index))
    return totals


def rebate_due(case: Case, clients: pd.DataFrame) -> pd.Series:
    """Per agent, the rebates its rate entitles it to: for every client below it, the client's
    ``fees`` times (its ``rebate_rate`` − the rate of its child on the path to the client; 0
    for the client's own agent), rounded half away from zero per client and agent. A missing
    rate counts as 0.

    >>> agents = pd.DataFrame({"agent_id": ["TOP", "MID"], "platform_id": "P", "parent_agent_id": [None, "TOP"],
    ...                        "rebate_rate": [600_000, 400_000]})   # 0.6 and 0.4
    >>> clients = pd.DataFrame({"platform_id": "P", "agent_id": ["MID"], "fees": [100_000]}, index=["C1"])
    >>> rebate_due_from(agents, clients).to_dict()
    {'TOP': 20000, 'MID': 40000}
    """
    return rebate_due_from(case["agents"], clients)


# Client positions handled at once when summing rebates due edge by edge (bounds memory).
REBATE_CHUNK = 1 << 22


def rebate_due_from(agents: pd.DataFrame, clients: pd.DataFrame, *, forest: AgentForest | None = None) -> pd.Series:
    """:func:`rebate_due` on plain frames (agents with ``rebate_rate`` in millionths; clients
    indexed by client_id with platform_id, agent_id and fees).

    The due is the client's own agent's rate on each client, plus, for every agent below a
    parent, the parent's differential (its rate − the child's) on every client in the
    child's subtree. Rounding is per client, so the latter costs the clients in the subtree:
    a differential shared by many agents is instead rounded once per client and summed by
    prefix sums, whichever is cheaper.
    """
    forest = agent_forest(agents, clients.rename_axis("client_id").reset_index()) if forest is None else forest
    rate = agents.set_index("agent_id")["rebate_rate"].astype("Int64").fillna(0).astype("int64").reindex(
        forest.agent_ids).to_numpy()
    fees = forest.in_order(clients[["fees"]])[:, 0]
    due = np.zeros(len(forest.agent_ids), dtype=np.int64)
    own_agent = positions(clients["agent_id"], forest.agent_ids)
    referred = own_agent >= 0
    np.add.at(due, own_agent[referred], convert_fen(clients["fees"].to_numpy(dtype=np.int64)[referred],
                                                    rate[own_agent[referred]]))

    child = np.flatnonzero((forest.parent >= 0) & (forest.subtree_n > 0))
    edges = pd.DataFrame({"parent": forest.parent[child], "start": forest.start[child], "stop": forest.stop[child]})
    edges["differential"] = rate[edges["parent"]] - rate[child]
    edges = edges[edges["differential"] != 0]
    cost = (edges["stop"] - edges["start"]).groupby(edges["differential"]).transform("sum")
    shared = cost > len(fees)
    for differential, group in edges[shared].groupby("differential"):
        prefix = np.r_[0, np.cumsum(convert_fen(fees, differential))]
        np.add.at(due, group["parent"].to_numpy(), range_sums(prefix, group["start"].to_numpy(),
                                                              group["stop"].to_numpy()))
    single = edges[~shared]
    lengths = (single["stop"] - single["start"]).to_numpy()
    chunk = (np.cumsum(lengths) - lengths) // REBATE_CHUNK
    for _, part in single.groupby(chunk):
        start, stop = part["start"].to_numpy(), part["stop"].to_numpy()
        owed = convert_fen(fees[_positions(start, stop)], np.repeat(part["differential"].to_numpy(), stop - start))
        np.add.at(due, part["parent"].to_numpy(), np.add.reduceat(owed, np.cumsum(stop - start) - (stop - start)))
    return pd.Series(due, index=forest.agent_ids, name="rebate_due")


def platform_totals(case: Case, clients: pd.DataFrame) -> pd.DataFrame:
    """Per platform: the sums over its clients, its number of agents and the tree's depth."""
    index = pd.Index(case["platforms"]["platform_id"], name="platform_id")
    totals = _sum_figures(clients, "platform_id").reindex(index).fillna(0).astype("int64")
    agents = case["agents"]
    parent = pd.Index(agents["agent_id"]).get_indexer(agents["parent_agent_id"])
    depth = path_sums(parent, np.ones(len(parent), dtype=np.int64))
    per_platform = agents.assign(depth=depth).groupby("platform_id")
    totals.insert(1, "n_agents", per_platform.size().reindex(index, fill_value=0).astype("int64"))
    totals.insert(2, "agent_depth", per_platform["depth"].max().reindex(index, fill_value=0).astype("int64"))
    return totals


def known_gang_platforms(case: Case) -> pd.DataFrame:
    """(gang_id, platform_id, province) for the gangs already identified in gangs.csv."""
    gangs = case["gangs"]
    platforms = split_ids(gangs["platform_ids"].set_axis(gangs["gang_id"]))
    province = gangs.set_index("gang_id")["province"]
    return pd.DataFrame({"gang_id": platforms.index, "platform_id": platforms.to_numpy(),
                         "province": platforms.index.map(province)})


def vendor_of_account(vendors: pd.DataFrame) -> pd.Series:
    """account_id -> vendor_id for the vendors' own bank accounts (vendors.csv ``bank_account_ids``)."""
    own_accounts = split_ids(vendors["bank_account_ids"].set_axis(vendors["vendor_id"]))
    return pd.Series(own_accounts.index, index=own_accounts.to_numpy())


def vendor_payments(case: Case) -> pd.DataFrame:
    """The bank transfers into the vendors' own accounts (:func:`vendor_of_account`), with
    ``amount_cny`` (integer fen): a few rows, asked of wherever the transfers are held
    (:meth:`casegraph.loaders.case.Case.rows_where`)."""
    into_vendor = case.rows_where("bank_transfers", "to_account", vendor_of_account(case["vendors"]).index)
    return with_amount_cny(case, into_vendor)


def vendor_totals(case: Case, gang_accounts: pd.Index) -> pd.DataFrame:
    """Per vendor: ``license_income`` = Σ licence prices (in CNY) and ``license_income_bank`` =
    Σ bank transfers into the vendor's own accounts from accounts attributed to gangs."""
    vendors = case["vendors"]
    index = pd.Index(vendors["vendor_id"], name="vendor_id")
    licenses = licenses_in_cny(case)
    income = licenses["price_cny"].groupby(licenses["vendor_id"]).sum().reindex(index, fill_value=0)
    payments = vendor_payments(case)
    from_gangs = payments[payments["from_account"].isin(gang_accounts)]
    bank = from_gangs["amount_cny"].groupby(from_gangs["to_account"].map(vendor_of_account(vendors))).sum()
    return pd.DataFrame({"license_income": income.astype("int64"),
                         "license_income_bank": bank.reindex(index, fill_value=0).astype("int64")})


def role_platforms(case: Case) -> pd.DataFrame:
    """(person_id, role, start, end, platform_id): the platforms whose clients each role in
    memberships.csv answers for — a platform role its platform, a role in a known gang the
    gang's platforms (gangs.csv). Roles in a vendor answer for no clients, and the role
    ``agent`` answers through the agents the person is (agents.csv), not here."""
    memberships = case["memberships"]
    roles = memberships[memberships["role"] != "agent"][["person_id", "role", "start", "end", "org_id"]]
    platform_ids = pd.Index(case["platforms"]["platform_id"])
    on_platform = roles[platform_ids.get_indexer(roles["org_id"]) >= 0].assign(platform_id=lambda r: r["org_id"])
    gangs = known_gang_platforms(case)[["gang_id", "platform_id"]]
    on_gang = roles.merge(gangs, left_on="org_id", right_on="gang_id")
    columns = ["person_id", "role", "start", "end", "platform_id"]
    return pd.concat([on_platform[columns], on_gang[columns]], ignore_index=True)


def platformless_gang_persons(case: Case) -> pd.DataFrame:
    """The persons gangs.csv's gangs without a platform name, as :func:`.units.known_units`
    reads them: gang_id, person_id, fact (``gang_leader`` for the leader gangs.csv or a
    membership names, ``role_in_gang`` for every membership), province."""
    gangs = case["gangs"]
    gangs = gangs[gangs["platform_ids"].isna().to_numpy()]
    roles = case["memberships"].merge(gangs[["gang_id", "province"]], left_on="org_id", right_on="gang_id")
    led = roles[roles["role"].eq("leader").fillna(False).to_numpy(dtype=bool)]
    parts = [(gangs, "leader_person_id", "gang_leader"), (roles, "person_id", "role_in_gang"),
             (led, "person_id", "gang_leader")]
    return pd.concat([pd.DataFrame({"gang_id": frame["gang_id"].to_numpy(), "person_id": frame[column].to_numpy(),
                                    "fact": fact, "province": frame["province"].to_numpy()})
                      for frame, column, fact in parts], ignore_index=True).dropna(subset=["person_id"])


def role_subtrees(case: Case) -> pd.DataFrame:
    """(person_id, role, start, end, agent_id): the subtrees whose clients each role in a gang
    gangs.csv lists without a platform answers for — those of the top-level agents its leader is
    (:func:`platformless_gang_persons`): such a gang is a member unit working that agent's
    subtree on another gang's platform (:mod:`casegraph.queries.units`)."""
    named = platformless_gang_persons(case)
    leaders = named.loc[named["fact"].eq("gang_leader").to_numpy(), ["gang_id", "person_id"]]
    agents = case["agents"]
    tops = agents[agents["parent_agent_id"].isna().to_numpy()][["agent_id", "person_id"]].dropna()
    led = leaders.merge(tops, on="person_id")[["gang_id", "agent_id"]].drop_duplicates()
    memberships = case["memberships"]
    roles = memberships[memberships["role"] != "agent"][["person_id", "role", "start", "end", "org_id"]]
    return roles.merge(led, left_on="org_id", right_on="gang_id")[["person_id", "role", "start", "end", "agent_id"]]


def merge_ranges(ranges: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per ``key``, the union of its ranges [start, stop) as disjoint non-empty ranges, so that
    each position (client) inside counts once.

    >>> ranges = pd.DataFrame({"person_id": ["X", "X", "X"], "start": [0, 2, 7], "stop": [5, 4, 9]})
    >>> merge_ranges(ranges, "person_id").values.tolist()
    [['X', 0, 5], ['X', 7, 9]]
    """
    ranges = ranges[ranges["stop"] > ranges["start"]].sort_values([key, "start"], kind="stable")
    reach = ranges.groupby(key)["stop"].cummax()
    earlier = reach.groupby(ranges[key]).shift()
    opens = earlier.isna() | (ranges["start"] > earlier)
    merged = ranges.groupby(opens.cumsum().to_numpy()).agg(
        **{key: (key, "first"), "start": ("start", "min"), "stop": ("stop", "max")})
    return merged.reset_index(drop=True).astype({"start": "int64", "stop": "int64"})


def _agent_ranges(case: Case, forest: AgentForest) -> pd.DataFrame:
    """(person_id, start, stop): the subtree of every agent a person is."""
    acting = case["agents"].dropna(subset=["person_id"])
    return forest.ranges(acting["agent_id"]).assign(person_id=acting["person_id"]).reset_index(drop=True)


def person_client_ranges(case: Case, forest: AgentForest) -> pd.DataFrame:
    """(person_id, start, stop), disjoint, in ``forest``'s client order: the clients every
    person answers for — those below any agent the person is, those of every platform or
    known gang they hold a role in (:func:`role_platforms`) and the subtree of the member unit
    they hold a role in (:func:`role_subtrees`) — each once."""
    roles = role_platforms(case)[["person_id", "platform_id"]].join(forest.platforms, on="platform_id", how="inner")
    in_units = role_subtrees(case)
    units = forest.ranges(in_units["agent_id"]).assign(person_id=in_units["person_id"])
    ranges = pd.concat([_agent_ranges(case, forest), roles[["person_id", "start", "stop"]],
                        units[["person_id", "start", "stop"]]], ignore_index=True)
    return merge_ranges(ranges, "person_id")


# The ledger's columns the person and period queries read (as the table ``case_ledger``).
PERSON_LEDGER_COLUMNS = ["client_id", "account_id", "beneficiary_agent_id", "ts", "entry_id", "kind", "amount_cny"]


def _person_money(case: Case, ledger: pd.DataFrame, *, connect=duckdb_connection,
                  **frames: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    """A connection (with ``frames`` too) holding the ledger as ``case_ledger`` and two views
    of a person's own money: ``person_paid`` (person_id, ts, kind, amount_cny), the rebates and
    commissions paid to the agents the person is, and ``person_own_flows`` (person_id, ts,
    signed: + = withdrawn), the deposits and withdrawals on the trading accounts the person holds."""
    agents, accounts = case["agents"], case["accounts"]
    held = accounts[(accounts["kind"] == "trading") & accounts["holder_person_id"].notna()]
    connection = connect(case_ledger=ledger[PERSON_LEDGER_COLUMNS],
                         acting=agents.dropna(subset=["person_id"])[["agent_id", "person_id"]],
                         held=held[["account_id", "holder_person_id"]], **frames)
    connection.execute("""CREATE TEMP VIEW person_paid AS SELECT a.person_id, l.ts, l.kind, l.amount_cny
                          FROM case_ledger AS l JOIN acting AS a ON l.beneficiary_agent_id = a.agent_id
                          WHERE l.kind IN ('rebate', 'commission')""")
    connection.execute("""CREATE TEMP VIEW person_own_flows AS SELECT h.holder_person_id AS person_id, l.ts,
                              CASE WHEN l.kind = 'withdrawal' THEN l.amount_cny ELSE -l.amount_cny END AS signed
                          FROM case_ledger AS l JOIN held AS h ON l.account_id = h.account_id
                          WHERE l.kind IN ('deposit', 'withdrawal')""")
    return connection


def received_by_person(case: Case, money) -> pd.DataFrame:
    """Rebates and commissions paid to the agents each person is (every acting person listed);
    ``money``: the case's :func:`_person_money` connection."""
    sums = money.sql(f"SELECT person_id, {RECEIVED_SUMS} FROM person_paid GROUP BY ALL").df()
    acting = case["agents"]["person_id"].dropna()
    return sums.set_index("person_id").reindex(pd.Index(acting.unique(), name="person_id"), fill_value=0)


def own_net_withdrawal(money) -> pd.Series:
    """Per person, withdrawals − deposits on the trading accounts they hold; ``money``: the
    case's :func:`_person_money` connection."""
    sums = money.sql("""
        SELECT person_id, sum(signed)::BIGINT AS own_net_withdrawal FROM person_own_flows GROUP BY ALL""").df()
    return sums.set_index("person_id")["own_net_withdrawal"]


def person_totals(case: Case, clients: pd.DataFrame, ledger: pd.DataFrame, *,
                  connect=duckdb_connection) -> pd.DataFrame:
    """Per person: the figures of the clients they answer for (:func:`person_client_ranges`:
    below the agents they are and of the organisations they hold a role in, each client
    once), what their agents received, and ``own_net_withdrawal`` (the two sums over the
    ledger on the connection ``connect`` makes)."""
    forest = agent_forest(case["agents"], case["clients"])
    ranges = person_client_ranges(case, forest)
    counted = _counted(clients)
    sums = range_sums(forest.prefix_sums(counted), ranges["start"].to_numpy(), ranges["stop"].to_numpy())
    totals = pd.DataFrame(sums, columns=counted.columns).groupby(ranges["person_id"].to_numpy()).sum()
    money = _person_money(case, ledger, connect=connect)  # one connection for both sums
    totals = totals.add_prefix("subtree_").join(received_by_person(case, money), how="outer")
    totals = totals.join(own_net_withdrawal(money), how="outer")
    totals.index.name = "person_id"
    return totals.fillna(0).astype("int64").sort_index()


def suspect_persons(case: Case) -> pd.Index:
    """Persons who act as agents or hold a known role: the persons income.csv reports on
    (clients who are only clients are the victims)."""
    acting = case["agents"]["person_id"].dropna()
    members = case["memberships"]["person_id"].dropna()
    return pd.Index(sorted(set(acting) | set(members)), name="person_id")


def membership_windows(case: Case) -> pd.DataFrame:
    """Memberships with a period, as UTC bounds: from the start date's midnight to the end of
    the end date, in the case timezone (an open end stays open)."""
    memberships = case["memberships"]
    windows = memberships.dropna(subset=["start", "end"], how="all")[["person_id", "org_id", "role", "start", "end"]]
    timezone = case.config.timezone
    windows = windows.assign(
        since=windows["start"].dt.tz_localize(timezone).dt.tz_convert("UTC"),
        until=(windows["end"] + pd.Timedelta(days=1)).dt.tz_localize(timezone).dt.tz_convert("UTC"))
    return windows.reset_index(drop=True)


def person_window_totals(case: Case, ledger: pd.DataFrame, *, connect=duckdb_connection) -> pd.DataFrame:
    """:func:`person_totals` per membership period, counting only entries and trades inside it
    ("during tenure"); one row per person_id, window_start, window_end.

    A period is a person's (start, end): its clients are those below the agents the person
    is and those of the organisations (and member units, :func:`role_subtrees`) the person
    holds a role in over exactly that period,
    so two roles over one period are one period of figures. All periods are computed at
    once: (period, client) pairs joined with the entries and trades on the client, kept
    where ``ts`` is inside the period, summed per (period, client) and then per period.
    """
    memberships = membership_windows(case)
    if memberships.empty:
        return pd.DataFrame(columns=["person_id", "window_start", "window_end"])
    periods = memberships.drop_duplicates(["person_id", "start", "end"])[
        ["person_id", "start", "end", "since", "until"]]
    periods = periods.reset_index(drop=True).rename_axis("period").reset_index()
    bounds = periods[["period", "person_id", "since", "until"]]

    forest = agent_forest(case["agents"], case["clients"])
    by_agent = periods[["period", "person_id"]].merge(_agent_ranges(case, forest), on="person_id")
    by_role = periods.merge(role_platforms(case), on=["person_id", "start", "end"])[["period", "platform_id"]].join(
        forest.platforms, on="platform_id", how="inner")
    in_units = periods.merge(role_subtrees(case), on=["person_id", "start", "end"])
    by_unit = forest.ranges(in_units["agent_id"]).assign(period=in_units["period"])
    ranges = merge_ranges(pd.concat([by_agent, by_role, by_unit])[["period", "start", "stop"]], "period")
    # Clients by their position in the forest's order: integer keys join and group fast.
    lengths = (ranges["stop"] - ranges["start"]).to_numpy()
    pairs = pd.DataFrame({"period": np.repeat(ranges["period"].to_numpy(), lengths),
                          "client": _positions(ranges["start"].to_numpy(), ranges["stop"].to_numpy())})
    pairs = pairs.merge(bounds.drop(columns="person_id"), on="period")
    connection = _person_money(
        case, ledger, connect=connect, pairs=pairs[["period", "client", "since", "until"]], bounds=bounds,
        client_positions=pd.DataFrame({"client_id": forest.client_ids, "client": np.arange(len(forest.client_ids))}),
        account_trades=case["trades"][["account_id", "ts", "notional"]],
        accounts=case["accounts"][["account_id", "client_id"]])
    # The entries and trades of each client at its position (a trade is its account's client's).
    connection.execute("""CREATE TEMP VIEW entries AS SELECT c.client, l.ts, l.entry_id, l.kind, l.amount_cny
                          FROM case_ledger AS l JOIN client_positions AS c ON l.client_id = c.client_id""")
    connection.execute("""CREATE TEMP VIEW client_trades AS SELECT c.client, t.ts, t.notional
                          FROM account_trades AS t JOIN accounts AS a ON t.account_id = a.account_id
                          JOIN client_positions AS c ON a.client_id = c.client_id""")
    # One interval join: each (period, client) pair with the client's entries and trades inside
    # the period (a missing bound is open).
    inside = "(p.since IS NULL OR x.ts >= p.since) AND (p.until IS NULL OR x.ts < p.until)"
    connection.execute(f"""CREATE TEMP VIEW ledger AS SELECT p.period, p.client, x.ts, x.entry_id, x.kind, x.amount_cny
                           FROM pairs AS p JOIN entries AS x ON x.client = p.client WHERE {inside}""")
    connection.execute(f"""CREATE TEMP VIEW trades AS SELECT p.period, p.client, x.notional
                           FROM pairs AS p JOIN client_trades AS x ON x.client = p.client WHERE {inside}""")
    figures = _figures_in(connection, pd.MultiIndex.from_frame(pairs[["period", "client"]]))
    sums = _counted(figures).groupby(level="period").sum().add_prefix("subtree_")

    inside = "(b.since IS NULL OR x.ts >= b.since) AND (b.until IS NULL OR x.ts < b.until)"
    received = connection.sql(f"""
        SELECT b.period, {RECEIVED_SUMS}
        FROM bounds AS b JOIN person_paid AS x ON x.person_id = b.person_id WHERE {inside} GROUP BY ALL""").df()
    own = connection.sql(f"""
        SELECT b.period, sum(x.signed)::BIGINT AS own_net_withdrawal
        FROM bounds AS b JOIN person_own_flows AS x ON x.person_id = b.person_id WHERE {inside} GROUP BY ALL""").df()
    received, own = received.set_index("period"), own.set_index("period")

    totals = pd.concat([sums, received, own], axis=1).reindex(periods["period"]).fillna(0).astype("int64")
    columns = ["subtree_n_clients", *(f"subtree_{name}" for name in CLIENT_FIGURES), "rebate_received",
               "commission_received", "own_net_withdrawal"]
    totals = periods[["person_id", "start", "end"]].join(totals[columns])
    return totals.rename(columns={"start": "window_start", "end": "window_end"})
