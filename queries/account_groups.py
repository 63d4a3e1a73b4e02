"""Account groups (账户组, domain.md §3): broker-side accounts held in other people's names but
run by one controller, as in the 伊世顿 case, found from the case's own records.

Which accounts: ``trading``, ``sub`` and ``mother`` accounts (the broker side; bank and
payment accounts move the money and are evidence, not members).

Evidence that two accounts are run together, each kept only when chance is an unlikely
explanation at the case's own volume (:mod:`.chance`: a Poisson upper tail below the level
``FAMILY_ERROR_RATE`` (1 %) / the number of candidate pairs — Bonferroni, so the chance that
even one link of the case is chance's doing stays below 1 % however large the case). Each
becomes an item of ``evidence``, with the numbers an investigator needs to defend it:

``shared_device:<device_id> (<u> users, <d> days)`` / ``shared_ip:<ip> (…)``
    The account was logged into from a device (or IP address) that another broker-side
    account also used, on ``d`` local days (case timezone): more than chance explains. A
    stranger lands on an identifier with ``u`` distinct users (accounts accessed and actors
    logging in, over all logins) among the case's N login users on at most a share
    (u − 1) / N of his login-days; the account's ``d`` days there must be improbable under
    that (candidates: the broker-side accounts that logged in). A public address with
    thousands of users is weak evidence, a device of 2 holders used on 10 days strong; a
    one-off visit is never enough. Two or more accounts must pass on the same identifier.
``common_funding:<account_id> (funds <n> accounts)``
    One account paid money (``bank_transfers``) into ``n`` broker-side accounts, this one
    among them: a controller funds the margin of the accounts he borrowed. A payment is one
    act, not a count that chance inflates with volume, so it is judged by the payer's reach:
    a payer of more than ``MAX_FUNDED_ACCOUNTS`` (50) broker-side accounts is a payment or
    clearing hub (or a payroll), not one controller, and is ignored — 50 is well above the
    largest group on record (伊世顿: 31 borrowed accounts and its own).
``sync_orders:<n> (expected <e>)``
    Synchronised orders: fills of the same instrument on two accounts within
    ``SYNC_WINDOW_MS`` (100 ms) of each other, of different broker orders, more often than
    chance explains. Two unrelated accounts with n_a and n_b fills of an instrument on a
    (UTC) day whose fills span S (first to last fill of every broker-side account) meet
    n_a × n_b × 2·100 ms / S times by chance; summed over their common instrument-days that
    is the pair's expectation. Fills bunch (the open, news, whole seconds), so chance is
    allowed ``CLUSTERING_ALLOWANCE`` (10) times that; the observed pairs must still be
    improbable (candidates: the accounts with fills). ``n`` is the account's synchronised
    pairs with the accounts it is linked to this way, ``e`` their chance expectation.
    Busy unrelated accounts may meet hundreds of times and stay unlinked; a controller's
    accounts meet thousands of times more often than chance.

The evidence makes a graph among accounts (all accounts sharing one device, IP or payer are
linked; two accounts with repeated synchronised orders are linked); every connected component
of two or more accounts (networkx) is a group, ``group_id`` = ``AG-`` + its smallest
account_id, the same in every engine and under any row order.

The controller, first rule that names a person:

1. the holder of the group's common funding account (the payer of the most group accounts;
   ties: the larger amount in CNY, then the smaller account id);
2. the person who most often used the group's shared devices and IPs *other than* through
   the group's accounts: actors logging in, and holders of other accounts accessed from them
   (ties: the smaller person id);
3. the holder of the mother account most of the group's accounts are split off (ties: the
   smaller account id);
4. otherwise unknown (empty).

Group figures, the same on every row of the group:

- ``self_trade_count``: broker orders (``broker_ref``) with both sides inside the group — a
  buy and a sell fill on the group's accounts, or a fill on one of them whose
  ``counterparty_account_id`` is another group account — each order counted once;
  ``self_trade_qty``: Σ their matched quantity (the smaller of the order's bought and sold
  lots inside the group; the one side's lots when the other side is only named as
  counterparty); ``self_trade_notional_points``: Σ matched lots × the order's average fill
  price, in the instruments' price points — **not CNY**: broker statements carry no
  contract multiplier or currency, so compare it only within one instrument.
- ``sync_order_pairs``: pairs of fills of the same instrument on two different group accounts
  within 100 ms, of different broker orders; ``orders_within_100ms_share``: the share of
  the group's fills that are in such a pair.
- ``volume_share``: the group's filled lots / all filled lots (every broker-side account) on
  the instruments the group trades.

No column is money (fills carry no CNY value); counts are int64, lots, points and shares
float64 rounded to 6 decimals.

>>> from casegraph.loaders.case import load_case                    # doctest: +SKIP
>>> groups = account_groups(load_case("mycase"))                   # doctest: +SKIP
>>> groups[["group_id", "account_id", "controller_id"]]             # doctest: +SKIP
  group_id account_id controller_id
0    AG-SA         SA          PER9
1    AG-SA         SB          PER9
2    AG-SA         SC          PER9
>>> groups.loc[1, "evidence"]                                      # doctest: +SKIP
'common_funding:BC9 (funds 2 accounts);sync_orders:5 (expected 0.0011)'
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.loaders.case import Case
from casegraph.loaders.fx import transfers_in_cny
from casegraph.loaders.read import local_dates

from .chance import CLUSTERING_ALLOWANCE, beyond_chance, expected_coincidences, expected_visits

BROKER_SIDE_KINDS = ("trading", "mother", "sub")
MAX_FUNDED_ACCOUNTS = 50
SYNC_WINDOW_MS = 100
DAY_US = 86_400_000_000

IDENTIFIERS = (("device_id", "shared_device"), ("ip", "shared_ip"))
EVIDENCE_ORDER = ("shared_device", "shared_ip", "common_funding", "sync_orders")

GROUP_COLUMNS = ("group_id", "account_id", "holder_person_id", "controller_id", "evidence", "self_trade_count",
                 "self_trade_qty", "volume_share", "self_trade_notional_points", "sync_order_pairs",
                 "orders_within_100ms_share")
TEXT_COLUMNS = ("group_id", "account_id", "holder_person_id", "controller_id", "evidence")
COUNT_COLUMNS = ("self_trade_count", "sync_order_pairs")
FLOAT_COLUMNS = ("self_trade_qty", "volume_share", "self_trade_notional_points", "orders_within_100ms_share")
LINK_COLUMNS = ("account_id", "evidence", "key", "detail")
SYNC_COLUMNS = ("account_a", "account_b", "pairs", "expected")
IDENTIFIER_USE_COLUMNS = ("evidence", "key", "users", "account_id", "days", "login_days")


# -- the accounts and the evidence ---------------------------------------------------------------
def broker_side_accounts(case: Case) -> pd.DataFrame:
    """Trading, sub and mother accounts: the candidates, indexed by account_id."""
    accounts = case["accounts"].set_index("account_id")
    kind = accounts["kind"].astype(object)
    return accounts[kind.isin(BROKER_SIDE_KINDS).to_numpy()][["kind", "holder_person_id", "parent_account_id"]]


def is_in(values, ids) -> np.ndarray:
    """A boolean array: is each value one of ``ids``? (Arrow's ``is_in``: pandas' ``isin`` on
    Arrow strings builds the lookup set value by value in Python, 10x slower at seed scale.)

    >>> is_in(pd.Series(["A", None, "C"]), ["C", None]).tolist()
    [False, False, True]
    """
    values = pa.array(values, from_pandas=True)
    if pa.types.is_null(values.type):  # nothing but missing values
        return np.zeros(len(values), dtype=bool)
    value_set = pc.unique(pc.drop_null(pa.array(ids, from_pandas=True)))
    if values.type != value_set.type:
        value_set = value_set.cast(values.type)
    return pc.is_in(values, value_set=value_set).to_numpy(zero_copy_only=False)


def lookup(values, mapping: pd.Series) -> pd.Series:
    """``values.map(mapping)`` (a mapping with a unique index) by Arrow's ``index_in``: pandas'
    map of Arrow strings looks the keys up several times slower.

    >>> lookup(pd.Series(["B", "X", None]), pd.Series([1, 2], index=["A", "B"])).tolist()
    [2.0, nan, nan]
    """
    values_arrow = pa.array(values, from_pandas=True)
    if pa.types.is_null(values_arrow.type) or not len(mapping):
        positions = np.full(len(values_arrow), -1)
    else:
        keys = pa.array(mapping.index, from_pandas=True)
        if keys.type != values_arrow.type:
            keys = keys.cast(values_arrow.type)
        positions = pc.index_in(values_arrow, value_set=keys).fill_null(-1).to_numpy(zero_copy_only=False)
    taken = mapping.array.take(positions, allow_fill=True)
    return pd.Series(taken, index=values.index if isinstance(values, pd.Series) else None,
                     name=values.name if isinstance(values, pd.Series) else None)


def identifier_users(logins: pd.DataFrame, column: str) -> pd.Series:
    """Per device (or IP): its distinct users, the accounts accessed and actors logging in
    from it.

    >>> logins = pd.DataFrame({"ip": ["1.1.1.1"] * 3, "account_id": ["A", "A", None],
    ...                        "actor_id": [None, "P1", "P2"]})
    >>> identifier_users(logins, "ip").to_dict()
    {'1.1.1.1': 3}
    """
    users = pd.concat([
        pd.DataFrame({"key": logins[column], "user": "account:" + logins["account_id"].astype("string")}),
        pd.DataFrame({"key": logins[column], "user": "actor:" + logins["actor_id"].astype("string")}),
    ]).dropna().drop_duplicates()
    return users.groupby("key").size().astype("int64")


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
    day = local_dates(logins["ts"], case.config.timezone)
    broker_side = is_in(logins["account_id"], accounts.index)
    used = []
    for column, evidence in IDENTIFIERS:
        rows = pd.DataFrame({"key": logins[column], "account_id": logins["account_id"], "day": day})[
            broker_side & logins[column].notna().to_numpy()].drop_duplicates()
        days = rows.groupby(["key", "account_id"]).size().rename("days").reset_index()
        days = days[(days.groupby("key")["account_id"].transform("size") >= 2).to_numpy()]
        login_days = rows.drop_duplicates(["account_id", "day"]).groupby("account_id").size()
        users = identifier_users(logins[is_in(logins[column], days["key"])], column)
        used.append(days.assign(evidence=evidence, users=days["key"].map(users),
                                login_days=days["account_id"].map(login_days)))
    frame = pd.concat(used, ignore_index=True)[list(IDENTIFIER_USE_COLUMNS)]
    return frame.astype({"users": "int64", "days": "int64", "login_days": "int64"})


def identifier_links(use: pd.DataFrame, *, n_users: int, n_candidates: int) -> pd.DataFrame:
    """(account_id, evidence, key, detail) for devices and IPs that two or more broker-side
    accounts used on more days than chance explains: an account's days on an identifier beyond
    :func:`.chance.expected_visits` (its login-days × the identifier's reach among ``n_users``),
    at the level of ``n_candidates`` accounts. ``use``: :func:`identifier_use`'s frame (either
    engine's). detail: ``(<users> users, <days> days)``, the account's days on it.

    >>> use = pd.DataFrame({"evidence": "shared_device", "key": "D1", "users": 2, "account_id": ["A", "B"],
    ...                     "days": [9, 12], "login_days": [10, 15]})
    >>> identifier_links(use, n_users=1_000, n_candidates=1_000)["detail"].tolist()
    ['(2 users, 9 days)', '(2 users, 12 days)']
    """
    expected = expected_visits(use["login_days"], use["users"], n_users=n_users)
    habitual = use[beyond_chance(use["days"], expected, n_candidates=n_candidates)]
    shared = habitual[(habitual.groupby(["evidence", "key"])["account_id"].transform("size") >= 2).to_numpy()]
    detail = "(" + shared["users"].astype(str) + " users, " + shared["days"].astype(str) + " days)"
    return _links_frame(shared.assign(detail=detail))


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
    return _links_frame(common.rename(columns={"source": "key"}).assign(evidence="common_funding", detail=detail))


def _links_frame(links: pd.DataFrame) -> pd.DataFrame:
    return links[list(LINK_COLUMNS)].astype(object).sort_values(list(LINK_COLUMNS), ignore_index=True)


def broker_fills(case: Case, accounts: pd.DataFrame) -> pd.DataFrame:
    """Fills on broker-side accounts with ``t_us``: the time in whole microseconds since the
    epoch (what Neo4j's datetime keeps)."""
    fills = case["broker_fills"]
    fills = fills[is_in(fills["account_id"], accounts.index)]
    columns = ["fill_id", "account_id", "instrument", "side", "qty", "price", "broker_ref",
               "counterparty_account_id"]
    out = fills[columns].astype({c: object for c in columns if c not in ("qty", "price")})
    out["t_us"] = fills["ts"].dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]").astype("int64")
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
    """Integer codes of the values, equal where the values are (-1 for a missing one)."""
    encoded = pa.array(values, from_pandas=True).dictionary_encode()
    return encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


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


def sync_links(counted: pd.DataFrame, activity: pd.DataFrame, spans: pd.DataFrame, *, n_candidates: int,
               window_ms: int = SYNC_WINDOW_MS) -> pd.DataFrame:
    """Pairs of accounts (account_a, account_b, pairs, expected) whose synchronised fills are
    beyond chance: more ``pairs`` than :func:`.chance.expected_coincidences` summed over their
    common instrument-days (``expected``) makes likely, with ``CLUSTERING_ALLOWANCE``, at the
    level of ``n_candidates`` accounts (those with fills). Frames: :func:`counted_pairs`,
    :func:`fill_activity` (either engine's).

    >>> counted = pd.DataFrame({"account_a": ["A", "C"], "account_b": ["B", "D"], "pairs": [6, 6]})
    >>> activity = pd.DataFrame({"account_id": ["A", "B", "C", "D"], "instrument": "HSI", "day": 1,
    ...                          "n": [6, 6, 900, 900]})
    >>> spans = pd.DataFrame({"instrument": ["HSI"], "day": [1], "span_us": [25_200_000_000]})
    >>> sync_links(counted, activity, spans, n_candidates=200).round(6).values.tolist()
    [['A', 'B', 6, 0.000286]]
    """
    expected = pair_expectations(counted, activity, spans, window_ms=window_ms)
    linked = counted.assign(expected=expected)[
        beyond_chance(counted["pairs"], expected, n_candidates=n_candidates, allowance=CLUSTERING_ALLOWANCE)]
    return linked[list(SYNC_COLUMNS)].astype({"pairs": "int64"}).reset_index(drop=True)


def pair_expectations(counted: pd.DataFrame, activity: pd.DataFrame, spans: pd.DataFrame, *,
                      window_ms: int = SYNC_WINDOW_MS) -> np.ndarray:
    """Per row of ``counted``, the chance coincidences of its two accounts: Σ over
    instrument-days of n_a × n_b × 2·window / span, as one product of account × instrument-day
    matrices over the accounts in ``counted`` (a few hundred; instrument-days a few thousand)."""
    if counted.empty:
        return np.zeros(0)
    # Sorted rows and columns: the same sums in the same order, whichever engine fetched the frames.
    accounts = pd.Index(sorted(set(counted["account_a"]) | set(counted["account_b"])))
    spans = spans.sort_values(["instrument", "day"])
    mine = activity[is_in(activity["account_id"], accounts)]
    columns = pd.MultiIndex.from_frame(spans[["instrument", "day"]])
    matrix = np.zeros((len(accounts), len(columns)))
    where = columns.get_indexer(pd.MultiIndex.from_frame(mine[["instrument", "day"]]))
    matrix[accounts.get_indexer(mine["account_id"]), where] = mine["n"].to_numpy(dtype=np.float64)
    weight = expected_coincidences(1, 1, span_us=spans["span_us"].to_numpy(), window_us=window_ms * 1000)
    per_pair = (matrix * weight) @ matrix.T
    return per_pair[accounts.get_indexer(counted["account_a"]), accounts.get_indexer(counted["account_b"])]


# -- the groups ------------------------------------------------------------------------------------
def group_membership(links: pd.DataFrame, synced: pd.DataFrame) -> pd.DataFrame:
    """(account_id, group_id): connected components of ≥ 2 accounts of the evidence graph, with
    ``group_id`` = ``AG-`` + the smallest account_id.

    >>> links = pd.DataFrame({"account_id": ["B", "C"], "evidence": "shared_device", "key": "D1"})
    >>> synced = pd.DataFrame({"account_a": ["E"], "account_b": ["F"], "pairs": [9]})
    >>> group_membership(links, synced).values.tolist()
    [['B', 'AG-B'], ['C', 'AG-B'], ['E', 'AG-E'], ['F', 'AG-E']]
    """
    graph = nx.Graph()
    # Accounts sharing one device, IP or payer form a clique; a star joins them the same way.
    for _, accounts in links.groupby(["evidence", "key"])["account_id"]:
        first, *others = sorted(accounts)
        graph.add_edges_from((first, other) for other in others)
    graph.add_edges_from(zip(synced["account_a"], synced["account_b"]))
    rows = [(account, f"AG-{min(component)}")
            for component in nx.connected_components(graph) if len(component) >= 2 for account in component]
    members = pd.DataFrame(rows, columns=["account_id", "group_id"], dtype=object)
    return members.sort_values(["group_id", "account_id"], ignore_index=True)


def evidence_text(members: pd.DataFrame, links: pd.DataFrame, synced: pd.DataFrame) -> pd.Series:
    """Per member account, its evidence items ``<kind>:<key> <detail>`` joined by ``;`` in the
    order of ``EVIDENCE_ORDER`` (devices, IPs, payers sorted by id), ending with
    ``sync_orders:<n> (expected <e>)`` when it has any: its synchronised pairs with the accounts
    it is linked to that way, and the chance expectation of those pairs (2 significant digits).

    >>> members = pd.DataFrame({"account_id": ["A", "B"]})
    >>> links = pd.DataFrame({"account_id": ["A"], "evidence": "shared_device", "key": "D1",
    ...                       "detail": "(2 users, 9 days)"})
    >>> synced = pd.DataFrame({"account_a": ["A"], "account_b": ["B"], "pairs": [41], "expected": [0.00031]})
    >>> evidence_text(members, links, synced).tolist()
    ['shared_device:D1 (2 users, 9 days);sync_orders:41 (expected 0.00031)', 'sync_orders:41 (expected 0.00031)']
    """
    ends = [synced[[end, "pairs", "expected"]].set_axis(["account_id", "pairs", "expected"], axis=1)
            for end in ("account_a", "account_b")]
    per_account = pd.concat(ends).groupby("account_id")[["pairs", "expected"]].sum()
    sync_items = pd.DataFrame({
        "account_id": per_account.index, "evidence": "sync_orders",
        "key": per_account["pairs"].astype("int64").astype(str).to_numpy(),
        "detail": [f"(expected {e:.2g})" for e in per_account["expected"]]})
    items = pd.concat([links[list(LINK_COLUMNS)], sync_items], ignore_index=True)
    items = items[is_in(items["account_id"], members["account_id"])]
    items = items.assign(rank=items["evidence"].map({e: i for i, e in enumerate(EVIDENCE_ORDER)}))
    items = items.sort_values(["account_id", "rank", "key"])
    text = (items["evidence"] + ":" + items["key"] + " " + items["detail"]).groupby(items["account_id"]).agg(";".join)
    return members["account_id"].map(text)


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


def finish_groups(frame: pd.DataFrame) -> pd.DataFrame:
    """The output frame both engines return: columns of ``GROUP_COLUMNS``, ids as text
    (missing = ``<NA>``), counts int64, quantities and shares float64 rounded to 6 decimals,
    rows by group_id then account_id."""
    out = pd.DataFrame({c: frame[c] for c in GROUP_COLUMNS}) if len(frame) else pd.DataFrame(
        {c: pd.Series(dtype=object) for c in GROUP_COLUMNS})
    out = out.astype({**{c: "string" for c in TEXT_COLUMNS}, **{c: "float64" for c in FLOAT_COLUMNS}})
    out = out.astype({c: "int64" for c in COUNT_COLUMNS})
    for column in FLOAT_COLUMNS:
        out[column] = out[column].round(6)
    return out.sort_values(["group_id", "account_id"], ignore_index=True)


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
                   window_ms: int = SYNC_WINDOW_MS) -> pd.DataFrame:
    """account_groups.csv: one row per account of every group, with the group's evidence,
    controller and figures (see the module's docstring for every rule)."""
    accounts = broker_side_accounts(case)
    funding = funding_transfers(case, accounts)
    fills = broker_fills(case, accounts)
    pairs = sync_fill_pairs(fills, window_ms)
    links, synced = evidence_links(case, accounts, funding, fills, pairs, max_funded=max_funded, window_ms=window_ms)
    members = group_membership(links, synced)
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
