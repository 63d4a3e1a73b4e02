"""Whether a broker reference no statement shows is still one the broker's own numbering gave:
the rule both engines apply to the trades whose ``broker_ref`` is on no broker statement in
hand (:mod:`casegraph.queries.memory.fake_trades`, :mod:`casegraph.queries.neo4j.fake_trades`).

Investigators seldom hold a broker's statements for every account and every month: a request
names a period. A real platform's orders outside that period carry the broker's own order
numbers and are on no statement in hand; a front makes its numbers up, or routes nothing. A
broker numbers its orders in one series per prefix (the letters before the digits:
``GH0883697354``, ``LC-013783948``, ``095951421977``; ``BR9`` then ``BR10`` is one series), so a
platform's real orders sit among the numbers the statements show, a step or a few from other
orders', while a made-up number falls anywhere: the chance that one lands in the stretch the
broker used is that stretch over the range it is drawn from (a fourth independently written
case: 2.7 million numbers used of ten billion; 9 of its 3,718 made-up numbers did).

- A trade between the first and the last fill of a broker account its platform's other orders
  are filled on is fake: the statement in hand covers its time and does not show it.
- Of the others, a reference is **in the broker's numbering** when it is in a run of
  references (those on the statements and those no statement shows, of one series, in number
  order) no step of which is wider than :data:`STEP_FACTOR` times the series' typical step
  between numbers on the statements (their median), and that run holds a number a statement
  shows. A run of made-up numbers, however close together, that touches no statement's
  numbers is not.
- Its trade is **outside the statements** (:data:`~casegraph.queries.rules.OUTSIDE_STATEMENTS`,
  unverified_trades.csv: neither fake nor shown real) unless its platform routed nothing the
  statements show and is a front by the rest of its trades: more than half of them fake on
  other grounds (recorded fake, no reference, a number outside the numbering). There numbers
  that look like the broker's are taken for copies (our generator's front writes the broker's
  next number on trades it never routes). A platform some of whose orders the statements show
  did route, and its orders outside them stay unverified even when it turned front later (a
  platform sold to a fraud gang in the fourth independently written generator: its 3,162 real
  orders before its statement's window).
- A reference of no series (not a prefix and 1-18 digits) cannot be placed: its trade stays
  fake, as does every trade when no statement shows a number of its series.

>>> statements = pd.Series(["GH0000100", "GH0000103", "GH0000104", "GH0000110"])
>>> within_numbering(pd.Series(["GH0000090", "GH0005000", "XX1"]), statements).tolist()
[True, False, False]
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .columnar import arrow, is_in
from .rules import NOT_ON_STATEMENT, OUTSIDE_STATEMENTS

# A reference of a series: a prefix of no digits, then its number (at most 18 digits: a 64-bit
# integer holds it). Brokers whose numbers share a prefix (plain digits) but not their length
# are one series of bands far apart: each its own runs.
SERIES_PATTERN = r"^(?P<prefix>\D*)(?P<digits>\d{1,18})$"
# How much wider than the typical step between numbers on the statements a step may be and
# still be one numbering: real orders on no statement in hand fill the stretches between
# (windowed statements in the fourth independently written case: steps of 1-40, a platform's
# 2,504 orders a run of 50,000 numbers beside the statements'), a made-up number lands
# hundreds of thousands of numbers from any.
STEP_FACTOR = 50


def numbered_references(references) -> pd.DataFrame:
    """Per reference of a series (:data:`SERIES_PATTERN`): ``position`` (its row in
    ``references``), ``series`` (its prefix) and ``number``; the others are left out.

    >>> numbered_references(pd.Series(["LC-013783948", "bad ref", "095951421977"])).to_dict("list")
    {'position': [0, 2], 'series': ['LC-', ''], 'number': [13783948, 95951421977]}
    """
    parts = pc.extract_regex(pc.cast(arrow(references), pa.string()), SERIES_PATTERN)
    valid = pc.fill_null(pc.is_valid(parts), False)
    kept = pc.filter(parts, valid)
    return pd.DataFrame({"position": np.flatnonzero(valid.to_numpy(zero_copy_only=False)),
                         "series": pc.struct_field(kept, "prefix").to_pandas(types_mapper=pd.ArrowDtype),
                         "number": pc.cast(pc.struct_field(kept, "digits"), pa.int64()).to_numpy()})


def within_numbering(references, statement_references) -> np.ndarray:
    """Which of ``references`` (on no statement) are in their broker's numbering, as the
    statements' ``statement_references`` show it (the module's rule); one bool per reference."""
    mine = numbered_references(references)
    theirs = numbered_references(pc.unique(arrow(statement_references).drop_null()))
    on = np.r_[np.ones(len(theirs), dtype=bool), np.zeros(len(mine), dtype=bool)]
    codes = pc.dictionary_encode(pa.chunked_array([pa.array(theirs["series"].array), pa.array(mine["series"].array)],
                                                  type=pa.string())).combine_chunks().indices.to_numpy()
    numbers = np.r_[theirs["number"].to_numpy(), mine["number"].to_numpy()]
    order = np.lexsort((~on, numbers, codes))
    codes, numbers, on = codes[order], numbers[order], on[order]
    steps = np.r_[0, np.diff(numbers)]
    new_series = np.r_[True, codes[1:] != codes[:-1]]
    # The typical step between numbers the statements show, per series (NaN where a series has
    # fewer than two: every step there breaks the run, so no reference joins one of them).
    shown_codes, shown_numbers = codes[on], numbers[on]
    same = shown_codes[1:] == shown_codes[:-1]
    typical = pd.Series(np.diff(shown_numbers)[same], dtype="float64").groupby(shown_codes[1:][same]).median()
    widest = (STEP_FACTOR * typical.clip(lower=1)).reindex(codes).to_numpy()
    run = np.cumsum(new_series | ~(steps <= widest)) - 1
    shown = np.zeros(run[-1] + 1 if len(run) else 0, dtype=bool)
    np.logical_or.at(shown, run, on)
    inside = np.zeros(len(references), dtype=bool)
    positions = np.r_[np.full(len(theirs), -1), mine["position"].to_numpy()][order]
    mine_placed = ~on & shown[run]
    inside[positions[mine_placed]] = True
    return inside


def outside_statements(checked: pd.DataFrame, *, platform_counts: Callable[[], pd.DataFrame],
                       covered: Callable[[list[str]], Collection[str]],
                       statement_references: Callable[[], Any]) -> pd.DataFrame:
    """``checked`` (trade_id, platform_id, client_id, notional, reason, broker_ref: the trades
    an engine found fake or on no statement) with the reason of those outside the statements in
    hand made :data:`~casegraph.queries.rules.OUTSIDE_STATEMENTS` (the module's rule). What the
    engine reads, each only when a trade's reference is on no statement and the rule has not
    settled it yet: ``platform_counts()``, per platform_id ``n_trades`` and ``n_shown`` (its
    trades whose references a statement shows); ``covered(trade_ids)``, those of the trades
    that fall between the first and the last fill of a broker account their platform's other
    orders are filled on (the statement in hand covers them: they stay fake);
    ``statement_references()``, the references the statements show.

    >>> checked = pd.DataFrame({"trade_id": ["T1", "T2", "T3"], "platform_id": "P1", "client_id": "C1",
    ...                         "notional": 100, "reason": NOT_ON_STATEMENT, "broker_ref": ["GH09", "GH12", "GH77"]})
    >>> counts = pd.DataFrame({"n_trades": [10], "n_shown": [7]}, index=["P1"])
    >>> outside_statements(checked, platform_counts=lambda: counts, covered=lambda trade_ids: [],
    ...                    statement_references=lambda: pd.Series(["GH10", "GH11"]))["reason"].tolist()
    ['broker_ref_outside_statements', 'broker_ref_outside_statements', 'broker_ref_not_on_statement']
    """
    platforms = checked["platform_id"]
    unshown = checked["reason"].eq(NOT_ON_STATEMENT).to_numpy(dtype=bool)
    if not unshown.any():
        return checked
    counts = platform_counts()
    unshown = unshown & ~is_in(platforms, _copying(platforms[~unshown], counts))
    if unshown.any():
        unshown = unshown & ~is_in(checked["trade_id"], list(covered(checked["trade_id"][unshown].tolist())))
    if not unshown.any():
        return checked
    placed = np.zeros(len(checked), dtype=bool)
    placed[unshown] = within_numbering(checked["broker_ref"][unshown], statement_references())
    outside = placed & ~is_in(platforms, _copying(platforms[~placed], counts))
    return checked.assign(reason=checked["reason"].mask(outside, OUTSIDE_STATEMENTS))


def _copying(fake_platforms: pd.Series, counts: pd.DataFrame) -> pd.Index:
    """The fronts whose references that look like the broker's are copies: the platforms none
    of whose orders a statement shows, more than half of whose trades (``counts``: n_trades,
    n_shown by platform_id) are of ``fake_platforms`` (the platform of each fake trade). A
    platform some of whose orders the statements show routed them, and its orders outside the
    statements may be real (a platform sold and made a front later)."""
    fake = fake_platforms.value_counts()
    counts = counts.reindex(fake.index).fillna(0)
    return fake.index[((2 * fake > counts["n_trades"]) & counts["n_shown"].eq(0)).to_numpy()]
