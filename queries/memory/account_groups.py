"""Account groups from the case's tables in memory: the evidence counted with pandas, judged
by :mod:`casegraph.queries.evidence` (where the rules are), grouped by networkx (in Neo4j:
:mod:`casegraph.queries.neo4j.account_groups`).

>>> from casegraph.loaders.case import load_case                    # doctest: +SKIP
>>> groups = account_groups(load_case("mycase"))                   # doctest: +SKIP
"""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.loaders.case import Case
from casegraph.loaders.fx import transfers_in_cny
from casegraph.loaders.read import local_dates, utc_micros

from ..columnar import is_in
from ..evidence import evidence_text, identifier_links, links_frame, sync_links
from ..rules import (
    BROKER_SIDE_KINDS,
    DAY_US,
    FLOAT_COLUMNS,
    IDENTIFIER_USE_COLUMNS,
    MAX_FUNDED_ACCOUNTS,
    SYNC_WINDOW_MS,
    finish_groups,
)

IDENTIFIERS = (("device_id", "shared_device"), ("ip", "shared_ip"))


# -- the accounts and the evidence ---------------------------------------------------------------
def broker_side_accounts(case: Case) -> pd.DataFrame:
    """Trading, sub and mother accounts: the candidates, indexed by account_id."""
    accounts = case["accounts"].set_index("account_id")
    kind = accounts["kind"].astype(object)
    return accounts[kind.isin(BROKER_SIDE_KINDS).to_numpy()][["kind", "holder_person_id", "parent_account_id"]]


def identifier_users(logins: pd.DataFrame, column: str) -> pd.Series:
    """Per device (or IP): its distinct users, the accounts accessed and actors logging in
    from it.

    >>> logins = pd.DataFrame({"ip": ["1.1.1.1"] * 3, "account_id": ["A", "A", None],
    ...                        "actor_id": [None, "P1", "P2"]})
    >>> identifier_users(logins, "ip").to_dict()
    {'1.1.1.1': 3}
    """
    key_codes, keys = pd.factorize(logins[column], sort=True)
    users = _distinct_users(key_codes, pd.factorize(logins["account_id"])[0], pd.factorize(logins["actor_id"])[0])
    return pd.Series(users.to_numpy(), index=keys.take(users.index.to_numpy()), dtype="int64")


def _distinct_users(key_codes: np.ndarray, account_codes: np.ndarray, actor_codes: np.ndarray) -> pd.Series:
    """Per key code (of keys that have users): its distinct accounts plus its distinct actors
    (codes of ``pd.factorize``, -1 for a missing value). An account and an actor are never
    one user, whatever their ids."""
    users = pd.concat([pd.DataFrame({"key": key_codes, "user": account_codes, "actor": False}),
                       pd.DataFrame({"key": key_codes, "user": actor_codes, "actor": True})])
    users = users[((users["key"] >= 0) & (users["user"] >= 0)).to_numpy()].drop_duplicates()
    return users.groupby("key").size()


def login_users(logins: pd.DataFrame) -> int:
    """Distinct users in the logins: accounts accessed and actors logging in.

    >>> login_users(pd.DataFrame({"account_id": ["A", "A", None], "actor_id": [None, "P1", "A"]}))
    3
    """
    accounts = logins["account_id"].dropna().unique()
    actors = logins["actor_id"].dropna().unique()
    return len(accounts) + len(actors)


def identifier_use(case: Case, accounts: pd.DataFrame) -> pd.DataFrame:
    """Per device (IP) and broker-side account on it, where two or more such accounts used it:
    (evidence, key, users, account_id, days, login_days) — the identifier's distinct users,
    the account's local days on it, and its local days of logins on any device (IP)."""
    logins = case["logins"]
    broker_side = is_in(logins["account_id"], accounts.index)
    # Ids and days as integer codes, the ids' in sorted order (grouping by the codes orders
    # rows as grouping by the ids would): duplicates and groups are found on integers, not on
    # text again and again.
    account_codes, account_ids = pd.factorize(logins["account_id"], sort=True)
    day_codes = pd.factorize(local_dates(logins["ts"], case.config.timezone))[0]
    actor_codes = pd.factorize(logins["actor_id"])[0]
    used = []
    for column, evidence in IDENTIFIERS:
        key_codes, keys = pd.factorize(logins[column], sort=True)
        kept = broker_side & (key_codes >= 0)
        rows = pd.DataFrame({"key": key_codes[kept], "account": account_codes[kept], "day": day_codes[kept]})
        rows = rows.drop_duplicates()
        days = rows.groupby(["key", "account"]).size().rename("days").reset_index()
        days = days[(days.groupby("key")["account"].transform("size") >= 2).to_numpy()]
        login_days = rows.drop_duplicates(["account", "day"]).groupby("account").size()
        users = _distinct_users(key_codes, account_codes, actor_codes)
        used.append(pd.DataFrame({
            "evidence": evidence, "key": keys.take(days["key"].to_numpy()).array,
            "users": days["key"].map(users).to_numpy(),
            "account_id": account_ids.take(days["account"].to_numpy()).array,
            "days": days["days"].to_numpy(), "login_days": days["account"].map(login_days).to_numpy()}))
    frame = pd.concat(used, ignore_index=True)[list(IDENTIFIER_USE_COLUMNS)]
    return frame.astype({"users": "int64", "days": "int64", "login_days": "int64"})


def funding_transfers(case: Case, accounts: pd.DataFrame) -> pd.DataFrame:
    """Transfers into broker-side accounts from another account: (source, account_id, amount_cny)."""
    transfers = transfers_in_cny(case)
    into = is_in(transfers["to_account"], accounts.index) & (
        transfers["from_account"] != transfers["to_account"]).to_numpy(dtype=bool, na_value=False)
    return pd.DataFrame({"source": transfers["from_account"], "account_id": transfers["to_account"],
                         "amount_cny": transfers["amount_cny"]})[into]


def funding_links(funding: pd.DataFrame, max_funded: int = MAX_FUNDED_ACCOUNTS) -> pd.DataFrame:
    """(account_id, 'common_funding', source, detail) for payers of 2..``max_funded``
    broker-side accounts; detail: ``(funds <n> accounts)``.

    >>> funding = pd.DataFrame({"source": ["BC9", "BC9", "BC1"], "account_id": ["SA", "SB", "SA"]})
    >>> funding_links(funding)[["account_id", "key", "detail"]].values.tolist()
    [['SA', 'BC9', '(funds 2 accounts)'], ['SB', 'BC9', '(funds 2 accounts)']]
    """
    pairs = funding[["source", "account_id"]].drop_duplicates()
    funded = pairs.groupby("source")["account_id"].transform("size")
    common = pairs[((funded >= 2) & (funded <= max_funded)).to_numpy()]
    detail = "(funds " + funded[common.index].astype(str) + " accounts)"
    return links_frame(common.rename(columns={"source": "key"}).assign(evidence="common_funding", detail=detail))


def broker_fills(case: Case, accounts: pd.DataFrame) -> pd.DataFrame:
    """Fills on broker-side accounts with ``t_us``: the time in whole microseconds since the
    epoch (what Neo4j's datetime keeps)."""
    fills = case["broker_fills"]
    fills = fills[is_in(fills["account_id"], accounts.index)]
    columns = ["fill_id", "account_id", "instrument", "side", "qty", "price", "broker_ref",
               "counterparty_account_id"]
    out = fills[columns].astype({c: object for c in columns if c not in ("qty", "price")})
    out["t_us"] = utc_micros(fills["ts"])
    return out.reset_index(drop=True)


def sync_fill_pairs(fills: pd.DataFrame, window_ms: int = SYNC_WINDOW_MS) -> pd.DataFrame:
    """Every pair of fills of one instrument within ``window_ms`` of each other, on different
    accounts and of different broker orders, once: (fill_a, fill_b, account_a, account_b).

    >>> fills = pd.DataFrame({"fill_id": ["F1", "F2", "F3"], "account_id": ["A", "B", "C"],
    ...                       "instrument": ["HSI"] * 3, "broker_ref": ["R1", "R2", "R3"],
    ...                       "t_us": [0, 60_000, 200_000]})
    >>> sync_fill_pairs(fills)[["fill_a", "fill_b"]].values.tolist()
    [['F1', 'F2']]
    """
    window = window_ms * 1000
    # Ordered by instrument, time and fill_id in Arrow (C++ sorts; ids compared as integer codes).
    keys = pa.table({column: pa.array(fills[column], from_pandas=True) for column in ("instrument", "t_us", "fill_id")})
    order = pc.sort_indices(keys, sort_keys=[(column, "ascending") for column in keys.column_names]).to_numpy()
    t = fills["t_us"].to_numpy()[order]
    instrument = _codes(fills["instrument"])[order]
    # Rows [start, stop) of each instrument; within it, each fill pairs with the later ones
    # up to `window` after it (equal times: the later fill_id is the later one).
    starts = np.flatnonzero(np.r_[True, instrument[1:] != instrument[:-1]]) if len(t) else np.zeros(0, dtype=np.int64)
    stops = np.r_[starts[1:], len(t)]
    end = np.empty(len(t), dtype=np.int64)
    for start, stop in zip(starts, stops):
        end[start:stop] = start + np.searchsorted(t[start:stop], t[start:stop] + window, side="right")
    counts = end - np.arange(len(t)) - 1
    left = np.repeat(np.arange(len(t)), counts)
    # right = left + 1, left + 2, …: the position within each run of the same left
    run_start = np.repeat(np.cumsum(counts) - counts, counts)
    right = left + 1 + (np.arange(len(left)) - run_start)
    account, order_ref = _codes(fills["account_id"])[order], _codes(fills["broker_ref"])[order]
    keep = (account[left] != account[right]) & (order_ref[left] != order_ref[right])
    # Only the kept pairs' ids are taken: pairs outnumber fills.
    left, right = order[left[keep]], order[right[keep]]
    fill_ids, account_ids = fills["fill_id"].to_numpy(), fills["account_id"].to_numpy()
    return pd.DataFrame({"fill_a": fill_ids[left], "fill_b": fill_ids[right],
                         "account_a": account_ids[left], "account_b": account_ids[right]})


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes of the values, equal where the values are (-1 for a missing one): pandas'
    hash table, which takes the Python objects of :func:`broker_fills`' columns as they are."""
    return pd.factorize(values)[0].astype(np.int64)


def counted_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Synchronised fill pairs counted per pair of accounts (account_a < account_b): pairs."""
    low = np.minimum(pairs["account_a"].to_numpy(), pairs["account_b"].to_numpy())
    high = np.maximum(pairs["account_a"].to_numpy(), pairs["account_b"].to_numpy())
    return pd.DataFrame({"account_a": low, "account_b": high}).groupby(
        ["account_a", "account_b"]).size().rename("pairs").reset_index()


def fill_activity(fills: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per account, instrument and UTC day, its fills (``n``); per instrument and day, the
    ``span_us`` between the first and the last fill of every broker-side account."""
    day = fills["t_us"] // DAY_US
    activity = fills.assign(day=day).groupby(["account_id", "instrument", "day"]).size().rename("n").reset_index()
    times = fills.assign(day=day).groupby(["instrument", "day"])["t_us"]
    spans = (times.max() - times.min()).rename("span_us").reset_index()
    return activity, spans


# -- the groups ------------------------------------------------------------------------------------
def component_labels(edges: pd.DataFrame) -> pd.Series:
    """Node -> the smallest node of its connected component, of the graph ``edges`` (``u``, ``v``).

    >>> component_labels(pd.DataFrame({"u": ["b", "c", "x"], "v": ["a", "b", "y"]})).to_dict()
    {'a': 'a', 'b': 'a', 'c': 'a', 'x': 'x', 'y': 'x'}
    """
    graph = nx.Graph()
    graph.add_edges_from(zip(edges["u"], edges["v"]))
    labels = {node: min(component) for component in nx.connected_components(graph) for node in component}
    return pd.Series(labels, dtype=object).sort_index()


def group_membership(links: pd.DataFrame, synced: pd.DataFrame, *, components=component_labels) -> pd.DataFrame:
    """(account_id, group_id): connected components of ≥ 2 accounts of the evidence graph, with
    ``group_id`` = ``AG-`` + the smallest account_id. ``components``: what finds them
    (:func:`component_labels`; the Spark engine's runs on Spark).

    >>> links = pd.DataFrame({"account_id": ["B", "C"], "evidence": "shared_device", "key": "D1"})
    >>> synced = pd.DataFrame({"account_a": ["E"], "account_b": ["F"], "pairs": [9]})
    >>> group_membership(links, synced).values.tolist()
    [['B', 'AG-B'], ['C', 'AG-B'], ['E', 'AG-E'], ['F', 'AG-E']]
    """
    # Accounts sharing one device, IP or payer form a clique; a star joins them the same way.
    first = links.groupby(["evidence", "key"])["account_id"].transform("min")
    star = pd.DataFrame({"u": first.to_numpy(), "v": links["account_id"].to_numpy()})
    edges = pd.concat([star[star["u"] != star["v"]],
                       pd.DataFrame({"u": synced["account_a"].to_numpy(), "v": synced["account_b"].to_numpy()})],
                      ignore_index=True).astype(object)
    # Every node of the graph is in an edge: each component holds two accounts or more.
    labels = components(edges)
    members = pd.DataFrame({"account_id": labels.index.to_numpy(dtype=object),
                            "group_id": ("AG-" + labels.astype(object)).to_numpy(dtype=object)})
    return members.sort_values(["group_id", "account_id"], ignore_index=True)


def group_controllers(case: Case, members: pd.DataFrame, links: pd.DataFrame, funding: pd.DataFrame,
                      accounts: pd.DataFrame) -> pd.Series:
    """Per group_id, the controller person by the rules of the module's docstring."""
    holder = case["accounts"].set_index("account_id")["holder_person_id"].dropna()
    group_of = members.set_index("account_id")["group_id"]
    by_funding = funding_controllers(group_of, links, funding, holder)
    by_login = login_controllers(case, group_of, links, holder)
    by_mother = mother_controllers(group_of, accounts, holder)
    groups = pd.Index(members["group_id"].unique(), name="group_id")
    return (by_funding.reindex(groups).fillna(by_login.reindex(groups)).fillna(by_mother.reindex(groups))
            .rename("controller_id"))


def _first_by(frame: pd.DataFrame, keys: list[str], ascending: list[bool], value: str) -> pd.Series:
    """Per group_id, ``value`` of the first row in the given order."""
    first = frame.sort_values(["group_id", *keys], ascending=[True, *ascending]).drop_duplicates("group_id")
    return first.set_index("group_id")[value]


def funding_controllers(group_of: pd.Series, links: pd.DataFrame, funding: pd.DataFrame,
                        holder: pd.Series) -> pd.Series:
    """Rule 1: the holder of the payer of the most group accounts (then most money, smallest id)."""
    common = links[links["evidence"] == "common_funding"]
    paid = funding.merge(common.rename(columns={"key": "source"})[["source", "account_id"]],
                         on=["source", "account_id"])
    paid = paid.assign(group_id=paid["account_id"].map(group_of), holder=paid["source"].map(holder)).dropna(
        subset=["group_id", "holder"])
    per_source = paid.groupby(["group_id", "source", "holder"]).agg(
        n_accounts=("account_id", "nunique"), amount=("amount_cny", "sum")).reset_index()
    return _first_by(per_source, ["n_accounts", "amount", "source"], [False, False, True], "holder")


def login_controllers(case: Case, group_of: pd.Series, links: pd.DataFrame, holder: pd.Series) -> pd.Series:
    """Rule 2: the person who most often used the group's shared devices and IPs other than
    through the group's own accounts: actors who are persons, holders of other accounts."""
    logins = case["logins"]
    used = []
    for column, evidence in IDENTIFIERS:
        shared = links[links["evidence"] == evidence].assign(group_id=lambda f: f["account_id"].map(group_of))
        group_of_key = shared.drop_duplicates(["key", "group_id"])[["key", "group_id"]]
        on_key = logins[["account_id", "actor_id"]].assign(key=logins[column]).merge(group_of_key, on="key")
        used.append(on_key)
    on_shared = pd.concat(used, ignore_index=True)
    own = (on_shared["account_id"].map(group_of) == on_shared["group_id"]).to_numpy(dtype=bool, na_value=False)
    others = on_shared[~own]
    actor = others["actor_id"].where(is_in(others["actor_id"], case["persons"]["person_id"]))
    person = pd.concat([actor, others["account_id"].map(holder)], keys=["actor", "holder"])
    group = pd.concat([others["group_id"], others["group_id"]], keys=["actor", "holder"])
    uses = pd.DataFrame({"group_id": group, "person": person}).dropna()
    counted = uses.groupby(["group_id", "person"]).size().rename("n").reset_index()
    return _first_by(counted, ["n", "person"], [False, True], "person")


def mother_controllers(group_of: pd.Series, accounts: pd.DataFrame, holder: pd.Series) -> pd.Series:
    """Rule 3: the holder of the mother account most group accounts are split off."""
    parent = accounts["parent_account_id"].reindex(group_of.index)
    split = pd.DataFrame({"group_id": group_of.to_numpy(), "mother": parent.to_numpy()}).dropna()
    counted = split.groupby(["group_id", "mother"]).size().rename("n").reset_index()
    counted = counted.assign(holder=counted["mother"].map(holder)).dropna(subset=["holder"])
    return _first_by(counted, ["n", "mother"], [False, True], "holder")


# -- group figures ---------------------------------------------------------------------------------
def self_trades(fills: pd.DataFrame, group_of: pd.Series) -> pd.DataFrame:
    """Per group_id: ``self_trade_count``, ``self_trade_qty``, ``self_trade_notional_points``
    (see the module's docstring: one per broker order with both sides inside the group)."""
    mine = fills.assign(group_id=fills["account_id"].map(group_of)).dropna(subset=["group_id"])
    counterparty_group = mine["counterparty_account_id"].map(group_of)
    names_other = ((counterparty_group == mine["group_id"])
                   & (mine["counterparty_account_id"] != mine["account_id"])).to_numpy(dtype=bool, na_value=False)
    mine = mine.assign(buy=mine["qty"].where(mine["side"] == "B", 0.0),
                       sell=mine["qty"].where(mine["side"] == "S", 0.0),
                       value=mine["qty"] * mine["price"], names_other=names_other)
    orders = mine.groupby(["group_id", "broker_ref"]).agg(
        buy=("buy", "sum"), sell=("sell", "sum"), qty=("qty", "sum"), value=("value", "sum"),
        names_other=("names_other", "any")).reset_index()
    both_sides = (orders["buy"] > 0) & (orders["sell"] > 0)
    orders = orders[(both_sides | orders["names_other"]).to_numpy()]
    matched = np.where(both_sides[orders.index], np.minimum(orders["buy"], orders["sell"]),
                       orders["buy"] + orders["sell"])
    orders = orders.assign(matched=matched, points=matched * orders["value"] / orders["qty"])
    return orders.groupby("group_id").agg(self_trade_count=("broker_ref", "size"),
                                          self_trade_qty=("matched", "sum"),
                                          self_trade_notional_points=("points", "sum"))


def order_timing(fills: pd.DataFrame, pairs: pd.DataFrame, group_of: pd.Series) -> pd.DataFrame:
    """Per group_id: ``sync_order_pairs`` (pairs of synchronised fills on two of its accounts)
    and ``orders_within_100ms_share`` (the share of its fills in such a pair)."""
    group_a, group_b = pairs["account_a"].map(group_of), pairs["account_b"].map(group_of)
    inside = pairs.assign(group_id=group_a)[(group_a == group_b).to_numpy(dtype=bool, na_value=False)]
    n_pairs = inside.groupby("group_id").size()
    timed = pd.concat([inside[["group_id", "fill_a"]].set_axis(["group_id", "fill"], axis=1),
                       inside[["group_id", "fill_b"]].set_axis(["group_id", "fill"], axis=1)]).drop_duplicates()
    n_fills = fills["account_id"].map(group_of).value_counts()
    share = (timed.groupby("group_id").size() / n_fills).reindex(n_fills.index)
    return pd.DataFrame({"sync_order_pairs": n_pairs, "orders_within_100ms_share": share})


def volume_shares(fills: pd.DataFrame, group_of: pd.Series) -> pd.Series:
    """Per group_id: its filled lots / all filled lots on the instruments it trades."""
    per_instrument = fills.groupby("instrument")["qty"].sum()
    mine = fills.assign(group_id=fills["account_id"].map(group_of)).dropna(subset=["group_id"])
    group_qty = mine.groupby("group_id")["qty"].sum()
    instruments = mine[["group_id", "instrument"]].drop_duplicates()
    market_qty = instruments["instrument"].map(per_instrument).groupby(instruments["group_id"]).sum()
    return (group_qty / market_qty).rename("volume_share")


def evidence_links(case: Case, accounts: pd.DataFrame, funding: pd.DataFrame, fills: pd.DataFrame,
                   pairs: pd.DataFrame, *, max_funded: int = MAX_FUNDED_ACCOUNTS,
                   window_ms: int = SYNC_WINDOW_MS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The evidence kept against chance: (links, synced) — shared identifiers and common
    funding as (account_id, evidence, key, detail), synchronised orders as (account_a,
    account_b, pairs, expected). Frames: :func:`broker_side_accounts`, :func:`funding_transfers`,
    :func:`broker_fills`, :func:`sync_fill_pairs`."""
    logins = case["logins"]
    logged_in = logins["account_id"][is_in(logins["account_id"], accounts.index)].nunique()
    links = pd.concat([identifier_links(identifier_use(case, accounts), n_users=login_users(logins),
                                        n_candidates=logged_in),
                       funding_links(funding, max_funded)],
                      ignore_index=True)
    activity, spans = fill_activity(fills)
    synced = sync_links(counted_pairs(pairs), activity, spans, n_candidates=fills["account_id"].nunique(),
                        window_ms=window_ms)
    return links, synced


def account_groups(case: Case, *, max_funded: int = MAX_FUNDED_ACCOUNTS,
                   window_ms: int = SYNC_WINDOW_MS, components=component_labels) -> pd.DataFrame:
    """account_groups.csv: one row per account of every group, with the group's evidence,
    controller and figures (see the module's docstring for every rule); ``components``: as in
    :func:`group_membership`."""
    accounts = broker_side_accounts(case)
    funding = funding_transfers(case, accounts)
    fills = broker_fills(case, accounts)
    pairs = sync_fill_pairs(fills, window_ms)
    links, synced = evidence_links(case, accounts, funding, fills, pairs, max_funded=max_funded, window_ms=window_ms)
    members = group_membership(links, synced, components=components)
    if members.empty:
        return finish_groups(pd.DataFrame())
    group_of = members.set_index("account_id")["group_id"]
    rows = members.assign(holder_person_id=members["account_id"].map(accounts["holder_person_id"]),
                          evidence=evidence_text(members, links, synced))
    rows["controller_id"] = rows["group_id"].map(group_controllers(case, members, links, funding, accounts))
    figures = pd.concat([self_trades(fills, group_of), order_timing(fills, pairs, group_of),
                         volume_shares(fills, group_of)], axis=1)
    rows = rows.join(figures, on="group_id")
    rows[["self_trade_count", "sync_order_pairs"]] = rows[["self_trade_count", "sync_order_pairs"]].fillna(0)
    rows[list(FLOAT_COLUMNS)] = rows[list(FLOAT_COLUMNS)].fillna(0.0)
    return finish_groups(rows)
