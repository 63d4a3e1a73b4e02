"""Fund-flow analysis (资金分析) rules shared by both engines: the parameters, how candidates
become rows, the evidence text, the order of the rows.

An engine answers the relational part — per-account sums, candidate windows, cycles found by a
bounded search — as plain frames with times in UTC microseconds (``*_t_us``) and money in
integer CNY fen; everything an investigator reads (the chance test, the evidence sentence,
times in the case timezone, the ranking) is decided here once, so that the memory engine
(:mod:`casegraph.queries.memory.flows`) and the Neo4j engine (:mod:`casegraph.queries.neo4j.flows`)
write the same rows to the fen.

The patterns and their parameters (``flow_patterns:`` in case.yaml, defaults from
bank-formats.md §5):

- ``pass_through`` (过渡账户, 快进快出): an inflow of at least ``min_amount``, then the account's
  next outflows adding up to ``min_ratio``..``max_ratio`` of it within ``within_hours``.
- ``fan_in`` (分散转入集中转出) / ``fan_out`` (集中转入分散转出): at least ``min_counterparties``
  distinct senders (receivers) within ``within_hours``. A fixed count would flag every busy
  account at volume (a collection account with a thousand payers a week always has five in three
  days), so a window counts only when its senders are also unlikely at the account's own
  rate: P(X ≥ observed) for X ~ Poisson(the account's other transfers in that direction ×
  window / its first-to-last time) below ``max_chance``. An account with nothing but the burst
  needs ``min_counterparties``; a busy one needs a burst well above its own traffic.
  Overlapping windows make one row.
- ``cycle`` (资金回路): money back at its first account through 2 to ``max_accounts`` accounts,
  each transfer after the one before, all within ``within_hours``, each amount within
  ``amount_tolerance`` of the first; per first transfer the cycle that closes first. The
  search keeps at most ``max_paths`` open paths per hop and says so when it stopped there.
- ``shared_device``: one IP or device id behind accounts of two or more holders (an account
  without a known holder counts as its own), unless it is behind more than ``max_accounts``
  accounts (a NAT gateway or a branch terminal says nothing about control).
- ``round_amounts`` (整额) and ``night``: an account with at least ``min_count`` such transfers
  making at least ``min_share`` of its transfers.

>>> rules = FlowRules.from_config(FlowPatterns())
>>> rules.pass_through_min_fen, rules.pass_through_window_us
(1000000, 86400000000)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from casegraph.config import FlowPatterns
from casegraph.money import format_fen_series

from .chance import address_use_chance, poisson_upper_tail
from .columnar import join_runs, run_starts
from .rules import IDENTIFIER_SIGNIFICANCE, names_no_device, no_rows

HOUR_US = 3_600_000_000
PERMILLE = 1000
PATTERNS = ("pass_through", "fan_in", "fan_out", "cycle", "shared_device", "round_amounts", "night")

ACCOUNT_FLOW_COLUMNS = ("account_id", "aliases", "holder_person_id", "holder_name", "institution",
                        "statement_obtained", "n_in", "amount_in", "n_out", "amount_out", "net_in", "cash_in",
                        "cash_out", "first_ts", "last_ts", "n_counterparties")
PATTERN_COLUMNS = ("pattern", "account_ids", "txn_ids", "amount", "start", "end", "evidence")
REQUEST_COLUMNS = ("rank", "account_id", "holder_name", "institution", "amount_with_known", "n_transfers",
                   "n_known_counterparties", "reason")
TRACE_COLUMNS = ("hop", "txn_id", "ts", "from_account", "to_account", "amount", "can_have_flowed")

# What each engine hands over (see the module).
FLOW_TOTAL_COLUMNS = ("account_id", "n_in", "amount_in", "n_out", "amount_out", "cash_in", "cash_out",
                      "first_t_us", "last_t_us", "n_counterparties")
ACCOUNT_FACT_COLUMNS = ("account_id", "aliases", "holder_person_id", "holder_name", "institution",
                        "statement_obtained")
PASS_THROUGH_COLUMNS = ("account_id", "in_txn", "in_t_us", "in_amount", "out_txns", "out_amount", "out_t_us")
WINDOW_COLUMNS = ("account_id", "start_t_us", "n_counterparties", "n_window", "n_total", "span_us")
LEG_COLUMNS = ("account_id", "direction", "counterparty", "txn_id", "t_us", "amount")
CYCLE_COLUMNS = ("accounts", "txn_ids", "t_us", "amounts")
# days: the distinct (UTC) days the account used the identifier; login_days: those it logged in at all.
IDENTIFIER_COLUMNS = ("kind", "key", "account_id", "holder", "n_logins", "days", "login_days", "first_t_us",
                      "last_t_us")
MARKED_COLUMNS = ("account_id", "n_transfers", "txn_id", "t_us", "amount")
REQUEST_INPUT_COLUMNS = ("account_id", "holder_name", "institution", "amount_with_known", "n_transfers",
                         "n_known_counterparties", "top_counterparty", "top_amount")


def _fen(amount: Decimal) -> int:
    return int(amount * 100)


def _permille(share: Decimal) -> int:
    return int(share * PERMILLE)


def _us(hours: Decimal) -> int:
    return int(hours * HOUR_US)


@dataclass(frozen=True)
class FlowRules:
    """The patterns' parameters in the units engines compare in: fen, µs, per mille."""

    patterns: FlowPatterns

    @classmethod
    def from_config(cls, patterns: FlowPatterns | dict | str) -> FlowRules:
        """From case.yaml's ``flow_patterns`` (the model, its dict, or its JSON as the Neo4j
        load stores it)."""
        if isinstance(patterns, str):
            patterns = FlowPatterns.model_validate_json(patterns)
        elif isinstance(patterns, dict):
            patterns = FlowPatterns.model_validate(patterns)
        return cls(patterns)

    def enabled(self, pattern: str) -> bool:
        return getattr(self.patterns, pattern).enabled

    # pass_through
    @property
    def pass_through_min_fen(self) -> int:
        return _fen(self.patterns.pass_through.min_amount)

    @property
    def pass_through_ratio_permille(self) -> tuple[int, int]:
        p = self.patterns.pass_through
        return _permille(p.min_ratio), _permille(p.max_ratio)

    @property
    def pass_through_window_us(self) -> int:
        return _us(self.patterns.pass_through.within_hours)

    def fan_window_us(self, pattern: str) -> int:
        return _us(getattr(self.patterns, pattern).within_hours)

    def fan_min(self, pattern: str) -> int:
        return getattr(self.patterns, pattern).min_counterparties

    # cycle
    @property
    def cycle_min_fen(self) -> int:
        return _fen(self.patterns.cycle.min_amount)

    @property
    def cycle_window_us(self) -> int:
        return _us(self.patterns.cycle.within_hours)

    @property
    def cycle_tolerance_permille(self) -> int:
        return _permille(self.patterns.cycle.amount_tolerance)

    @property
    def round_unit_fen(self) -> int:
        return _fen(self.patterns.round_amounts.unit)

    @property
    def round_min_fen(self) -> int:
        return _fen(self.patterns.round_amounts.min_amount)

    def marked_minimum(self, pattern: str) -> tuple[int, int]:
        """(min_count, min_share in per mille) of round_amounts or night: what an account's
        marked transfers need to make a row."""
        params = getattr(self.patterns, pattern)
        return params.min_count, _permille(params.min_share)

    def parameters(self) -> dict:
        """Every parameter as a Cypher parameter map."""
        low, high = self.pass_through_ratio_permille
        return {"pt_min": self.pass_through_min_fen, "pt_low": low, "pt_high": high,
                "pt_window": self.pass_through_window_us,
                "cycle_min": self.cycle_min_fen, "cycle_window": self.cycle_window_us,
                "cycle_tol": self.cycle_tolerance_permille, "cycle_max": self.patterns.cycle.max_accounts,
                "round_unit": self.round_unit_fen, "round_min": self.round_min_fen,
                "night_start": self.patterns.night.start_hour, "night_end": self.patterns.night.end_hour}


# -- text ----------------------------------------------------------------------------------------
def local_times(t_us, timezone: str, *, minutes: bool = False) -> pd.Series:
    """UTC microseconds as text in the case timezone: ISO 8601 with the offset, or with
    ``minutes`` as ``2020-01-01 09:00`` (numpy formats the digits; pandas' strftime formats
    value by value in Python).

    >>> local_times([0], "Asia/Shanghai").tolist(), local_times([0], "Asia/Shanghai", minutes=True).tolist()
    (['1970-01-01T08:00:00+08:00'], ['1970-01-01 08:00'])
    """
    utc = pd.DatetimeIndex(pd.to_datetime(np.asarray(t_us, dtype="int64"), unit="us", utc=True))
    local = utc.tz_convert(timezone).tz_localize(None).to_numpy(dtype="datetime64[s]")
    if minutes:
        return pd.Series(np.char.replace(np.datetime_as_string(local, unit="m"), "T", " "), dtype=object)
    offset = (local - utc.tz_localize(None).to_numpy(dtype="datetime64[s]")).astype("int64") // 60
    names = {m: f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}" for m in np.unique(offset)}
    offsets = pd.Series(offset).map(names).to_numpy(dtype=str)
    return pd.Series(np.char.add(np.datetime_as_string(local, unit="s"), offsets), dtype=object)


def _ids(values: pd.Series) -> pd.Series:
    """Lists of ids as ``;``-joined text."""
    return pd.Series([";".join(map(str, v)) for v in values], index=values.index, dtype=object)


def _hours(us) -> pd.Series:
    return pd.Series(np.asarray(us, dtype="float64") / HOUR_US).map("{:.1f}".format)


def _percent(part, whole) -> pd.Series:
    return pd.Series(np.asarray(part, dtype="float64") * 100 / np.asarray(whole, dtype="float64")).map("{:.1f}".format)


def _yuan(fen) -> pd.Series:
    return format_fen_series(pd.Series(np.asarray(fen, dtype="int64")))


def _limit(hours: Decimal) -> str:
    return f"{hours.normalize():f}"


# -- account_flows.csv ---------------------------------------------------------------------------
def finish_account_flows(totals: pd.DataFrame, facts: pd.DataFrame, *, timezone: str) -> pd.DataFrame:
    """account_flows.csv from an engine's per-account totals (:data:`FLOW_TOTAL_COLUMNS`) and
    the accounts' facts (:data:`ACCOUNT_FACT_COLUMNS`, for every account with transfers or a
    statement): most money moved first, then by account_id."""
    frame = facts.astype({"account_id": "string"}).merge(totals.astype({"account_id": "string"}), on="account_id",
                                                         how="left")
    counts = ["n_in", "n_out", "n_counterparties", "amount_in", "amount_out", "cash_in", "cash_out"]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    frame["net_in"] = frame["amount_in"] - frame["amount_out"]
    moved = frame["first_t_us"].notna().to_numpy()
    for column in ("first", "last"):
        text = pd.Series(pd.NA, index=frame.index, dtype=object)
        text[moved] = local_times(frame.loc[moved, f"{column}_t_us"].astype("int64"), timezone).to_numpy()
        frame[f"{column}_ts"] = text
    frame["statement_obtained"] = frame["statement_obtained"].fillna(False).astype(bool)
    frame["volume"] = frame["amount_in"] + frame["amount_out"]
    frame = frame.sort_values(["volume", "account_id"], ascending=[False, True], ignore_index=True)
    text = ["account_id", "aliases", "holder_person_id", "holder_name", "institution"]
    return frame[list(ACCOUNT_FLOW_COLUMNS)].astype({c: "string" for c in text})


# -- statement_requests.csv ----------------------------------------------------------------------
def finish_statement_requests(frame: pd.DataFrame) -> pd.DataFrame:
    """statement_requests.csv (调单建议) from an engine's per-account sums with the accounts whose
    statements are in hand (:data:`REQUEST_INPUT_COLUMNS`): most money first, the reason spelt out."""
    if not len(frame):
        return no_rows(text=REQUEST_COLUMNS)
    out = frame.astype({"account_id": "string", "holder_name": "string", "institution": "string",
                        "amount_with_known": "int64", "n_transfers": "int64", "n_known_counterparties": "int64",
                        "top_amount": "int64"})
    out = out.sort_values(["amount_with_known", "account_id"], ascending=[False, True], ignore_index=True)
    out["rank"] = np.arange(1, len(out) + 1, dtype="int64")
    out["reason"] = ("no statement in hand; moved " + _yuan(out["amount_with_known"]) + " in "
                     + out["n_transfers"].astype(str) + " transfer(s) with " + out["n_known_counterparties"].astype(str)
                     + " account(s) whose statements are in hand, most with " + out["top_counterparty"].astype(str)
                     + " (" + _yuan(out["top_amount"]) + ")")
    return out[list(REQUEST_COLUMNS)]


# -- flow_patterns.csv ---------------------------------------------------------------------------
def _rows(pattern: str, accounts, txns, amount, start_us, *, end_us, evidence, timezone: str) -> pd.DataFrame:
    return pd.DataFrame({"pattern": pattern, "account_ids": np.asarray(accounts, dtype=object),
                         "txn_ids": np.asarray(txns, dtype=object), "amount": pd.array(amount, dtype="Int64"),
                         "start": local_times(start_us, timezone).to_numpy(),
                         "end": local_times(end_us, timezone).to_numpy(),
                         "evidence": np.asarray(evidence, dtype=object),
                         "start_us": np.asarray(start_us, dtype="int64")})


def pass_through_rows(found: pd.DataFrame, rules: FlowRules, *, timezone: str) -> pd.DataFrame:
    """Rows of :data:`PASS_THROUGH_COLUMNS` (each inflow and the outflows that carried it on)
    as flow_patterns rows."""
    if not len(found):
        return no_rows(text=PATTERN_COLUMNS)
    found = found.reset_index(drop=True)
    n_out = found["out_txns"].map(len)
    evidence = ("in " + _yuan(found["in_amount"]) + " at " + local_times(found["in_t_us"], timezone, minutes=True)
                + ", out " + _yuan(found["out_amount"]) + " in " + n_out.astype(str) + " transfer(s) by "
                + local_times(found["out_t_us"], timezone, minutes=True) + " ("
                + _percent(found["out_amount"], found["in_amount"])
                + " %, " + _hours(found["out_t_us"] - found["in_t_us"]) + " h ≤ "
                + _limit(rules.patterns.pass_through.within_hours) + " h)")
    txns = [[a, *b] for a, b in zip(found["in_txn"], found["out_txns"], strict=True)]
    return _rows("pass_through", found["account_id"], _ids(pd.Series(txns)), found["in_amount"], found["in_t_us"],
                 end_us=found["out_t_us"], evidence=evidence, timezone=timezone)


def likely_fan_windows(pattern: str, windows: pd.DataFrame, rules: FlowRules) -> pd.DataFrame:
    """The windows (:data:`WINDOW_COLUMNS`) of fan_in or fan_out that count, with ``expected``
    and ``chance``: ``min_counterparties`` or more, and unlikely at the account's own rate. Only
    their accounts' legs make rows (:func:`fan_rows`), so an engine need fetch no others."""
    params = getattr(rules.patterns, pattern)
    window = rules.fan_window_us(pattern)
    # The account's own rate, from its transfers outside the window over its active time.
    outside = (windows["n_total"] - windows["n_window"]).to_numpy(dtype="float64")
    span = np.maximum(windows["span_us"].to_numpy(dtype="float64"), window)
    expected = outside * window / span
    # The busiest of an account's windows is tested, not one chosen in advance: a window this
    # full somewhere in its active time (span / window windows) is that many times likelier.
    # So the rows chance makes stay about (accounts × max_chance), whatever the volume.
    chance = poisson_upper_tail(windows["n_counterparties"].to_numpy(dtype="int64"), expected)
    if params.scan:
        chance = np.minimum(1.0, chance * (span / window))
    return windows.assign(expected=expected, chance=chance)[
        (windows["n_counterparties"].to_numpy() >= params.min_counterparties) & (chance < params.max_chance)]


def fan_rows(pattern: str, windows: pd.DataFrame, legs: pd.DataFrame, rules: FlowRules, *,
             timezone: str) -> pd.DataFrame:
    """fan_in / fan_out rows from an engine's windows (:data:`WINDOW_COLUMNS`: per account and
    transfer in that direction, the distinct counterparties and the transfers from it to
    ``within_hours`` later, the account's transfers in that direction overall and the time from
    its first to its last) and the legs of those accounts (:data:`LEG_COLUMNS`)."""
    params = getattr(rules.patterns, pattern)
    window = rules.fan_window_us(pattern)
    kept = likely_fan_windows(pattern, windows, rules)
    if not len(kept):
        return no_rows(text=PATTERN_COLUMNS)
    # Overlapping windows of one account make one burst: [first start, last start + window].
    kept = kept.sort_values(["account_id", "start_t_us"], ignore_index=True)
    reach = kept["start_t_us"] + window
    reached = reach.groupby(kept["account_id"]).cummax()
    previous = reached.groupby(kept["account_id"]).shift()
    kept["burst"] = (previous.isna() | (kept["start_t_us"] > previous)).cumsum()
    bursts = kept.groupby("burst").agg(account_id=("account_id", "first"), start=("start_t_us", "min"),
                                       until=("start_t_us", "max"), chance=("chance", "min"),
                                       expected=("expected", "first"))
    bursts["until"] += window
    direction = "in" if pattern == "fan_in" else "out"
    inside = _legs_in(legs[legs["direction"] == direction], bursts)
    other = _legs_in(legs[legs["direction"] != direction], bursts.assign(start=bursts["until"] - window,
                                                                          until=bursts["until"] + window),
                     strictly_after=True)
    main = inside.groupby("burst").agg(amount=("amount", "sum"), first=("t_us", "min"), last=("t_us", "max"))
    # Each burst's transfers in time order and its distinct counterparties in sorted order, as
    # text joined per run of rows (a list or a set per group in pandas goes group by group).
    by_burst = inside.sort_values("burst", kind="stable")
    starts = run_starts(by_burst["burst"])
    txns = pd.Series(join_runs(by_burst["txn_id"], starts, ";").to_pylist(), index=by_burst["burst"].iloc[starts],
                     name="txns", dtype=object)
    distinct = inside[["burst", "counterparty"]].drop_duplicates().sort_values(["burst", "counterparty"])
    starts = run_starts(distinct["burst"])
    counterparties = pd.DataFrame({"cp_list": join_runs(distinct["counterparty"], starts, ";").to_pylist(),
                                   "cps": np.diff(np.append(starts, len(distinct)))},
                                  index=distinct["burst"].iloc[starts].to_numpy())
    follow = other.groupby("burst").agg(f_amount=("amount", "sum"), f_cps=("counterparty", "nunique"))
    bursts = bursts.join(main, how="inner").join(txns).join(counterparties).join(follow)
    bursts[["f_amount", "f_cps"]] = bursts[["f_amount", "f_cps"]].fillna(0).astype("int64")
    side, then = (("senders", "then out") if pattern == "fan_in" else ("receivers", "after in"))
    accounts = bursts["account_id"].astype(str) + ";" + bursts["cp_list"]
    follow_text = np.where(bursts["f_cps"].to_numpy() > 0,
                           "; " + then + " " + _yuan(bursts["f_amount"]).to_numpy() + " with "
                           + bursts["f_cps"].astype(str).to_numpy() + " account(s) within "
                           + _limit(params.within_hours) + " h", "")
    evidence = (bursts["cps"].astype(str).to_numpy() + " " + side + " in "
                + _hours(bursts["last"] - bursts["first"]).to_numpy()
                + " h (≥ " + str(params.min_counterparties) + " within " + _limit(params.within_hours) + " h), "
                + _yuan(bursts["amount"]).to_numpy() + "; at this account's own rate "
                + pd.Series(bursts["expected"].to_numpy()).map("{:.2f}".format).to_numpy()
                + (" per window, chance in its active time " if params.scan else " per window, chance ")
                + pd.Series(bursts["chance"].to_numpy()).map("{:.1e}".format).to_numpy()
                + " < " + f"{params.max_chance:g}" + follow_text)
    return _rows(pattern, accounts.to_numpy(dtype=object), bursts["txns"].to_numpy(), bursts["amount"],
                 bursts["first"], end_us=bursts["last"], evidence=evidence, timezone=timezone)


def _legs_in(legs: pd.DataFrame, bursts: pd.DataFrame, *, strictly_after: bool = False) -> pd.DataFrame:
    """The legs inside each burst's [start, until] of its account (bursts of an account do not
    overlap), with the burst's number; ``strictly_after``: (start, until]."""
    if not len(legs) or not len(bursts):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in (*LEG_COLUMNS, "burst")})
    spans = bursts.reset_index()[["burst", "account_id", "start", "until"]].astype({"account_id": "string"})
    legs = legs.astype({"account_id": "string"}).sort_values(["t_us", "txn_id"], kind="stable")
    spans = spans.sort_values("start", kind="stable")
    found = pd.merge_asof(legs, spans, left_on="t_us", right_on="start", by="account_id",
                          direction="backward", allow_exact_matches=not strictly_after)
    within = found["burst"].notna() & (found["t_us"] <= found["until"])
    return found[within.to_numpy()].astype({"burst": "int64"})


def cycle_rows(cycles: pd.DataFrame, rules: FlowRules, *, truncated: bool, timezone: str) -> pd.DataFrame:
    """Rows of :data:`CYCLE_COLUMNS` (each a list per cycle, in hop order) as flow_patterns rows;
    ``truncated``: the search stopped at its bound, which the evidence says."""
    if not len(cycles):
        return no_rows(text=PATTERN_COLUMNS)
    cycles = cycles.reset_index(drop=True)
    first = pd.Series([min(t) for t in cycles["t_us"]], dtype="int64")
    last = pd.Series([max(t) for t in cycles["t_us"]], dtype="int64")
    smallest = pd.Series([min(a) for a in cycles["amounts"]], dtype="int64")
    hops = cycles["txn_ids"].map(len)
    params = rules.patterns.cycle
    route = pd.Series(["→".join([*a, a[0]]) for a in cycles["accounts"]], dtype=object)
    amounts = pd.Series([", ".join(_yuan(a)) for a in cycles["amounts"]], dtype=object)
    bound = f"; search stopped at its bound of {params.max_paths} open paths per hop" if truncated else ""
    order = "each after the one before" if params.time_respecting else "in any order"
    evidence = (hops.astype(str) + " hops " + route + " in " + _hours(last - first) + " h (≤ "
                + _limit(params.within_hours) + " h), " + order + "; amounts " + amounts
                + " (within " + f"{params.amount_tolerance * 100:.1f}" + " % of the first)" + bound)
    return _rows("cycle", _ids(cycles["accounts"]), _ids(cycles["txn_ids"]), smallest, first, end_us=last,
                 evidence=evidence, timezone=timezone)


def used_beyond_chance(is_ip, login_days, days, users, *, n_users: int) -> np.ndarray:
    """Whether each account's use of an address (:data:`IDENTIFIER_COLUMNS`; ``users``: the
    accounts that used the address) counts for shared_device: a device's always, an IP's only
    beyond what chance explains (:func:`.chance.address_use_chance`)."""
    _, p = address_use_chance(np.asarray(login_days, dtype="float64"), np.asarray(days, dtype="int64"), users,
                              n_users=n_users)
    return ~(np.asarray(is_ip, dtype=bool) & (p >= IDENTIFIER_SIGNIFICANCE))


def shared_device_rows(use: pd.DataFrame, rules: FlowRules, *, timezone: str,
                       n_users: int | None = None) -> pd.DataFrame:
    """Rows of :data:`IDENTIFIER_COLUMNS` (per IP or device and account: its holder — the
    account itself when unknown — logins and first and last) as flow_patterns rows.
    ``n_users``: the accounts logged in from any address, when ``use`` leaves out the addresses
    one account alone used (never shared; by default the accounts in ``use``)."""
    if not len(use):
        return no_rows(text=PATTERN_COLUMNS)
    use = use.astype({"account_id": "string", "key": "string"})
    use = use[~names_no_device((use["kind"] == "ip").to_numpy(), use["key"])]
    # As in the gang graph (casegraph.queries.communities.identifier_links): an account lands on
    # an address that U of the N accounts used on about (U − 1) / N of its login days; its use
    # is evidence only beyond that (Poisson tail below IDENTIFIER_SIGNIFICANCE). Random
    # coincidences on a carrier's or a café's address grow with the data; this does not.
    users = use.groupby(["kind", "key"])["account_id"].transform("size").to_numpy()
    use = use[used_beyond_chance((use["kind"] == "ip").to_numpy(), use["login_days"], use["days"], users,
                                 n_users=use["account_id"].nunique() if n_users is None else n_users)]
    if not len(use):
        return no_rows(text=PATTERN_COLUMNS)
    use = use.assign(holder=use["holder"].astype("string").fillna("account:" + use["account_id"]))
    per = use.groupby(["kind", "key"]).agg(n_accounts=("account_id", "nunique"), n_holders=("holder", "nunique"),
                                           n_logins=("n_logins", "sum"), first=("first_t_us", "min"),
                                           last=("last_t_us", "max"))
    per = per[(per["n_holders"] >= 2) & (per["n_accounts"] <= rules.patterns.shared_device.max_accounts)]
    if not len(per):
        return no_rows(text=PATTERN_COLUMNS)
    chosen = use.set_index(["kind", "key"]).loc[per.index].reset_index()
    accounts = _sorted_sets(chosen, "account_id")
    holders = _sorted_sets(chosen, "holder")
    per = per.join(accounts.rename("accounts")).join(holders.rename("holders")).reset_index()
    per = per.sort_values(["kind", "key"], ignore_index=True)
    label = per["kind"].map({"ip": "IP", "device": "device"}).astype(str)
    evidence = (label + " " + per["key"].astype(str) + " behind " + per["n_accounts"].astype(str) + " accounts of "
                + per["n_holders"].astype(str) + " holders (" + per["holders"].map(", ".join) + ") on "
                + per["n_logins"].astype(str) + " logins (≤ " + str(rules.patterns.shared_device.max_accounts)
                + " accounts: not a public address; an address's use beyond chance, p < "
                + f"{IDENTIFIER_SIGNIFICANCE:g})")
    return _rows("shared_device", _ids(per["accounts"]), [""] * len(per), [pd.NA] * len(per), per["first"],
                 end_us=per["last"], evidence=evidence, timezone=timezone)


def _sorted_sets(frame: pd.DataFrame, column: str) -> pd.Series:
    """Per (kind, key), the distinct values of ``column`` in order, as a list."""
    distinct = frame[["kind", "key", column]].drop_duplicates().sort_values(["kind", "key", column])
    return distinct.groupby(["kind", "key"], sort=False)[column].agg(list)


def marked_rows(pattern: str, marked: pd.DataFrame, rules: FlowRules, *, timezone: str) -> pd.DataFrame:
    """round_amounts / night rows from an engine's marked transfers per account
    (:data:`MARKED_COLUMNS`: the account, its transfers in all, one marked transfer per row)."""
    params = getattr(rules.patterns, pattern)
    if not len(marked):
        return no_rows(text=PATTERN_COLUMNS)
    marked = marked.astype({"account_id": "string"}).sort_values(["account_id", "t_us", "txn_id"])
    per = marked.groupby("account_id").agg(n=("txn_id", "size"), total=("n_transfers", "first"),
                                           txns=("txn_id", list), amount=("amount", "sum"), first=("t_us", "min"),
                                           last=("t_us", "max"))
    min_count, min_share = rules.marked_minimum(pattern)
    share = per["n"].to_numpy() * PERMILLE >= per["total"].to_numpy() * min_share
    per = per[(per["n"].to_numpy() >= min_count) & share].reset_index()
    if not len(per):
        return no_rows(text=PATTERN_COLUMNS)
    if pattern == "round_amounts":
        what = (f"whole multiples of {format_fen_series(pd.Series([rules.round_unit_fen])).iloc[0]}"
                f" of at least {format_fen_series(pd.Series([rules.round_min_fen])).iloc[0]}")
    else:
        what = f"between {params.start_hour:02d}:00 and {params.end_hour:02d}:00 ({timezone})"
    evidence = (per["n"].astype(str) + " of " + per["total"].astype(str) + " transfers " + what + " ("
                + _percent(per["n"], per["total"]) + " % ≥ " + f"{params.min_share * 100:.1f}" + " %), "
                + _yuan(per["amount"]))
    return _rows(pattern, per["account_id"], _ids(per["txns"]), per["amount"], per["first"], end_us=per["last"],
                 evidence=evidence, timezone=timezone)


def finish_patterns(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """flow_patterns.csv: the rows of every pattern, by pattern (in :data:`PATTERNS` order),
    start, accounts and transfers."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return no_rows(text=PATTERN_COLUMNS).astype({"amount": "Int64"})
    frame = pd.concat(parts, ignore_index=True)
    frame["order"] = frame["pattern"].map({p: i for i, p in enumerate(PATTERNS)})
    frame = frame.sort_values(["order", "start_us", "account_ids", "txn_ids"], ignore_index=True)
    return frame[list(PATTERN_COLUMNS)].astype({"amount": "Int64"})


# -- 资金穿透 (casegraph trace) ----------------------------------------------------------------------
def finish_trace(found: pd.DataFrame, *, timezone: str) -> pd.DataFrame:
    """The trace table from an engine's hops (hop, txn_id, t_us, from_account, to_account,
    amount, can_have_flowed): times in the case timezone, by hop, time and txn_id."""
    found = found.sort_values(["hop", "t_us", "txn_id"], ignore_index=True)
    out = found.assign(ts=local_times(found["t_us"], timezone).to_numpy() if len(found) else found["t_us"])
    return out[list(TRACE_COLUMNS)].astype({"hop": "int64", "amount": "int64", "can_have_flowed": "int64"})
