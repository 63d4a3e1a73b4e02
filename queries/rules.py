"""The rules both engines share: the figures, weights, thresholds and output columns that
decide what an answer is, whichever engine computes it.

It imports neither engine: :mod:`casegraph.queries.memory` and :mod:`casegraph.queries.neo4j`
both import it. An output's columns are declared here as data, and each ``finish_*`` puts
an engine's rows into those columns, kinds and order.

>>> CLIENT_FIGURES[:3]
('deposits', 'withdrawals', 'fees')
>>> finish_fake(pd.DataFrame()).columns.tolist()
['trade_id', 'platform_id', 'client_id', 'notional', 'reason', 'broker_ref']
>>> fake_of_checked(finish_fake(pd.DataFrame())).columns.tolist()
['trade_id', 'platform_id', 'client_id', 'notional', 'reason']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# -- figures (casegraph.queries.memory.figures, casegraph.queries.neo4j.figures) -----------------
# The ledger kinds summed into a client's figures, and the figure each one feeds.
KIND_FIGURES = {
    "deposit": "deposits",
    "withdrawal": "withdrawals",
    "fee": "fees",
    "overnight_fee": "overnight_fees",
    "rebate": "rebates_paid",
    "commission": "commissions_paid",
    "pnl": "pnl",
    "adjustment": "adjustment",
}

# The figures of a client, in output order; agents carry them as own_* and subtree_*.
CLIENT_FIGURES = (
    "deposits", "withdrawals", "fees", "overnight_fees", "rebates_paid", "commissions_paid",
    "trading_pnl", "net_deposit", "client_loss", "client_losses", "fresh_money", "turnover",
)

# -- gangs (casegraph.queries.communities) -----------------------------------------------------
# A device or IP seen with more distinct actors than this is a shared public one (a VPN
# exit, an internet café) and says nothing about who works together.
MAX_SHARED_IDENTIFIER_USERS = 25

# A shared device or IP is evidence when chance explains its use less often than this: each
# use is tested on its own, and a stray link that gets through is still weighed by modularity.
IDENTIFIER_SIGNIFICANCE = 1e-3

# Addresses that name no device: what exports print where there was none (a bank counter's
# entry, a server that logged no client). Shared by strangers, 0.0.0.0 and 00-00-00-00-00-00
# made them one device beyond chance; no device's use is evidence, in any engine.
NO_DEVICE = {
    "ip": r"^(?:0\.0\.0\.0|127(?:\.[0-9]{1,3}){3}|255\.255\.255\.255|::1?|localhost)$",
    "device": r"^(?:[0:.-]+|(?:[fF]{2}[-:.]?){5}[fF]{2})$",
}


def names_no_device(is_ip, addresses) -> np.ndarray:
    """Whether each address (an IP where ``is_ip``, else a device id or MAC) is one of
    :data:`NO_DEVICE`'s.

    >>> names_no_device([True, True, False, False], ["0.0.0.0", "10.0.0.1", "00-00-00-00-00-00", "00-1A-2B"]).tolist()
    [True, False, True, False]
    """
    text = addresses if isinstance(addresses, (pa.Array, pa.ChunkedArray)) else \
        pa.array(pd.Series(addresses, dtype="string"), type=pa.large_string(), from_pandas=True)
    is_ip = np.asarray(is_ip, dtype=bool)
    found = np.zeros(len(text), dtype=bool)
    for kind, chosen in (("ip", is_ip), ("device", ~is_ip)):
        if chosen.any():  # a column of one kind (ingest's IPs, its MACs) is matched to its own pattern only
            matched = pc.fill_null(pc.match_substring_regex(text, NO_DEVICE[kind]), False)
            found |= chosen & matched.to_numpy(zero_copy_only=False)
    return found


# Edge weights: how strongly each kind of fact says "the same operator".
WEIGHTS = {
    "ACTS_AS": 5.0, "HOLDS": 5.0, "SUB_OF": 5.0, "ACCOUNT_ON": 5.0, "CREATED": 5.0, "PAID_FROM": 5.0,
    "MEMBER_OF": 5.0, "REPORTS_TO": 3.0, "ON_PLATFORM": 1.0,
    "CLIENT_MONEY": 2.0,  # × log(1 + entries): the platform's money went through the account
    "ROUTED": 2.0,  # × log(1 + fills): the broker account filled the platform's orders
    "DEVICE": 3.0, "IP": 1.0,  # per shared identifier, × log(1 + logins)
    "TRANSFER": 1.0,  # × log(1 + transfers) between two accounts
}

# communities.csv's ``algorithm``: what found the communities, in either engine.
ALGORITHM = "louvain per component (networkx)"

# -- account groups (casegraph.queries.evidence) ----------------------------------------------
# The broker side: the accounts an account group is made of.
BROKER_SIDE_KINDS = ("trading", "mother", "sub")
# A payer of more broker-side accounts than this is a payment hub or payroll, not a controller.
MAX_FUNDED_ACCOUNTS = 50
# Fills of two accounts this close in time are synchronised orders.
SYNC_WINDOW_MS = 100
# Two accounts need this many synchronised orders, beyond chance, to be linked by them: two
# strangers' algorithms that both react within milliseconds to the same tick at a market's open
# meet twice as easily as independent fills do (a third independently written case planted five
# such pairs, and they were groups).
MIN_SYNC_PAIRS = 3
# An account whose one evidence is synchronised orders, and whose strongest such tie is less
# than this share of the typical tie of the accounts it meets, reacts to their orders rather
# than trades with them (casegraph.queries.evidence.reacting_traders).
REACTION_SHARE = 0.5
DAY_US = 86_400_000_000
# Synchronised fills are judged against the two accounts' own hours too: how often their fills
# meet at the same time of day on days this far apart (1-7 either way, so a week's rhythm and a
# clock change are those of the days compared), against how often they meet on the same day
# (casegraph.queries.evidence.beyond_habits).
HABIT_DAY_SHIFTS = (*range(-7, 0), *range(1, 8))
# Logins of two accounts from one device or IP this close in time are one sitting: a controller
# works his accounts one after the other. Judged only where others used the identifier too
# (casegraph.queries.evidence.identifier_links).
SITTING_WINDOW_S = 600
# The order of the kinds of evidence in account_groups.csv's ``evidence``.
EVIDENCE_ORDER = ("shared_device", "shared_ip", "common_funding", "sync_orders")

# The role (memberships.csv) of a gang's cashier: his cards pay for the whole gang (margin,
# wages, licences), so his paying a group's accounts, or their funders, names him no controller.
CASHIER_ROLE = "finance"

# account_groups.csv: its columns in order, and their kinds.
GROUP_COLUMNS = ("group_id", "account_id", "holder_person_id", "controller_id", "evidence", "self_trade_count",
                 "self_trade_qty", "volume_share", "self_trade_notional_points", "sync_order_pairs",
                 "orders_within_100ms_share")

TEXT_COLUMNS = ("group_id", "account_id", "holder_person_id", "controller_id", "evidence")
COUNT_COLUMNS = ("self_trade_count", "sync_order_pairs")
FLOAT_COLUMNS = ("self_trade_qty", "volume_share", "self_trade_notional_points", "orders_within_100ms_share")
# The frames of the evidence both engines judge: kept links, synchronised pairs, identifier use.
LINK_COLUMNS = ("account_id", "evidence", "key", "detail")
SYNC_COLUMNS = ("account_a", "account_b", "pairs", "expected")
IDENTIFIER_USE_COLUMNS = ("evidence", "key", "users", "account_id", "days", "login_days")
SITTING_COLUMNS = ("evidence", "key", "account_a", "account_b", "sittings", "span_us")


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

# -- fake trades ---------------------------------------------------------------------------------
# fake_trades.csv's columns, the per-platform verdict's, what an engine's fake-trade check
# returns (the trades no statement backs, with their references) and unverified_trades.csv's.
FAKE_COLUMNS = ("trade_id", "platform_id", "client_id", "notional", "reason")
CHECKED_COLUMNS = (*FAKE_COLUMNS, "broker_ref")
UNVERIFIED_COLUMNS = ("trade_id", "platform_id", "client_id", "notional", "broker_ref")
FRAUD_COLUMNS = ("n_trades", "n_fake", "fake_share", "is_fraud", "fake_trade_losses")

# Why a trade is fake (fake_trades.csv's ``reason``).
NO_BROKER_REF = "no_broker_ref"
NOT_ON_STATEMENT = "broker_ref_not_on_statement"
# A trade whose reference is on no statement in hand but in the broker's numbering, on a
# platform that is no front (:mod:`.order_numbers`): not fake, not shown real
# (unverified_trades.csv).
OUTSIDE_STATEMENTS = "broker_ref_outside_statements"
# A platform platforms.csv records as ``fake`` routes no order (case-format.md): each of its
# trades is fake on that record alone, whatever reference the back end wrote.
RECORDED_FAKE = "platform_recorded_fake"


def finish_fake(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame both engines' fake-trade check returns (:data:`CHECKED_COLUMNS`): ids, reason
    and reference as text, notional int64, by trade_id."""
    out = pd.DataFrame({c: frame[c] for c in CHECKED_COLUMNS}) if len(frame) else pd.DataFrame(
        {c: pd.Series(dtype=object) for c in CHECKED_COLUMNS})
    out = out.astype({"trade_id": "string", "platform_id": "string", "client_id": "string", "reason": "string",
                      "notional": "int64", "broker_ref": "string"})
    return out.sort_values("trade_id", ignore_index=True)


def fake_of_checked(checked: pd.DataFrame) -> pd.DataFrame:
    """fake_trades.csv of an engine's fake-trade check (:func:`finish_fake`): all but the
    trades outside the statements in hand."""
    return checked.loc[checked["reason"].ne(OUTSIDE_STATEMENTS).to_numpy(dtype=bool), list(FAKE_COLUMNS)].reset_index(
        drop=True)


def unverified_of_checked(checked: pd.DataFrame) -> pd.DataFrame:
    """unverified_trades.csv of an engine's fake-trade check (:func:`finish_fake`): the trades
    outside the statements in hand, with their references."""
    return checked.loc[checked["reason"].eq(OUTSIDE_STATEMENTS).to_numpy(dtype=bool),
                       list(UNVERIFIED_COLUMNS)].reset_index(drop=True)


# A platform whose trades the case does not hold is a front when the ledger shows it taking money
# from this share of its clients or more by negative adjustments (the "risk control" a front
# takes the rest of a client's equity by): the fronts of four independent generators took money
# so from 18-60 % of their clients, no other platform of theirs from more than 1 %.
MIN_TAKEN_SHARE = 0.1
# What each engine counts per platform for finish_fraud's verdict: its clients and those its risk
# control took money from, and the trades and fake trades it is judged on.
VERDICT_COLUMNS = ("n_clients", "n_taken", "n_trades_judged", "n_fake_judged")


def finish_fraud(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame both engines return: counts and fen int64, fake_share rounded to 6 decimals,
    is_fraud bool, rows by platform_id, from each platform's counts (``frame``: n_trades,
    n_fake, fake_share, fake_trade_losses; ``n_trades_judged`` and ``n_fake_judged``, those of the
    trades it is judged on; ``n_clients`` and ``n_taken``, its clients with a negative
    adjustment). A platform is a front when more than half the trades it is judged on are fake
    — all its trades, but for a platform handed over to another gang
    (:func:`.memory.gangs.handed_over_platforms`): those from its first fake trade on — or,
    without trades, by its risk control (:data:`MIN_TAKEN_SHARE`). A buyer who turns a running
    platform into a front answers for what he made of it: the fourth independent generator's
    buyers turned theirs fake 21 days after the sale (before they renewed its licence), and its
    years of real trades before kept the fake ones under half on two seeds of six.

    >>> frame = pd.DataFrame({"n_trades": [0, 0, 5, 5, 9], "n_fake": [0, 0, 0, 3, 3], "fake_share": 0.0,
    ...                       "fake_trade_losses": 0, "n_trades_judged": [0, 0, 5, 5, 4],
    ...                       "n_fake_judged": [0, 0, 0, 3, 3], "n_clients": 10, "n_taken": [3, 0, 3, 0, 0]},
    ...                      index=["P1", "P2", "P3", "P4", "P5"])
    >>> finish_fraud(frame)["is_fraud"].tolist()
    [True, False, False, True, True]
    """
    n_trades, taken = frame["n_trades"].to_numpy(), frame["n_taken"].to_numpy()
    frame = frame.assign(is_fraud=(2 * frame["n_fake_judged"].to_numpy() > frame["n_trades_judged"].to_numpy()) | (
        (n_trades == 0) & (taken > 0) & (taken >= MIN_TAKEN_SHARE * frame["n_clients"].to_numpy())))
    out = frame[list(FRAUD_COLUMNS)].astype({"n_trades": "int64", "n_fake": "int64", "fake_share": "float64",
                                             "is_fraud": "bool", "fake_trade_losses": "int64"})
    out["fake_share"] = out["fake_share"].round(6)
    out.index = pd.Index(out.index, dtype="string", name="platform_id")
    return out.sort_index()


def no_rows(index: str | None = None, *, text: tuple[str, ...] = (), dates: tuple[str, ...] = (),
             integers: tuple[str, ...] = ()) -> pd.DataFrame:
    """An answer with no rows: text, date and integer columns in that order, and an index.

    >>> no_rows("client_id", text=("platform_id",), integers=("deposits",)).dtypes.astype(str).to_dict()
    {'platform_id': 'string', 'deposits': 'int64'}
    """
    frame = pd.DataFrame({**{c: pd.Series(dtype="string") for c in text},
                          **{c: pd.Series(dtype="datetime64[ns]") for c in dates},
                          **{c: pd.Series(dtype="int64") for c in integers}})
    return frame.set_axis(pd.Index([], dtype="string", name=index)) if index else frame
