"""Exact money: amounts are integer fen (1 CNY = 100 fen) everywhere inside casegraph.

Text from a case folder is parsed straight into integers, never through binary floats,
so no total can lose a fen. Output goes back to text with exactly two decimals.

>>> parse_fen("474954")
47495400
>>> format_fen(25706086)
'257060.86'
"""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.loaders.columnar import arrow_text

# Bounds that keep every figure exact in int64 fen. An amount has at most 13 integer digits
# (up to 9,999,999,999,999.99 CNY, far above any case), so one amount is below 1e15 fen and a
# table's total is checked against MAX_TOTAL_FEN (:func:`first_over_total`); every sum of
# amounts the analyses make then stays far inside int64 (9.2e18). ASCII digits only: Python's
# ``\d`` also matches full-width and Arabic-Indic digits, which int() would silently accept.
MAX_INTEGER_DIGITS = 13
MAX_FEN = 10 ** (MAX_INTEGER_DIGITS + 2) - 1
MAX_TOTAL_FEN = 10 ** 18
# Decimal text with at most two decimals; thousands separators only in proper groups.
MONEY_PATTERN = (r"[+-]?(?:[0-9]{1,13}|[0-9]{1,3}(?:,[0-9]{3}){1,3}|[0-9](?:,[0-9]{3}){4})"
                 r"(?:\.[0-9]{1,2})?")
# The same shape with any number of integer digits: tells "too large" from "not money".
MONEY_SHAPE_PATTERN = r"[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]{1,2})?"
_MONEY_RE = re.compile(MONEY_PATTERN)

# Exchange rates are kept as integer millionths of a CNY per unit: at most 6 integer digits
# (below 1,000,000 CNY per unit) and 6 decimals, so a rate is below 1e12 millionths.
RATE_SCALE = 1_000_000
MAX_RATE_INTEGER_DIGITS = 6
RATE_PATTERN = r"[0-9]{1,6}(?:\.[0-9]{1,6})?"
RATE_TOO_LARGE_PATTERN = r"[0-9]{7,}(?:\.[0-9]{1,6})?"  # too many integer digits


class MoneyError(ValueError):
    """Text that is not an amount of money."""


def parse_fen(text: str) -> int:
    """Parse decimal text (at most 2 decimals) into integer fen.

    >>> parse_fen("-1,000.5")
    -100050
    """
    text = text.strip()
    if not _MONEY_RE.fullmatch(text):
        if re.fullmatch(MONEY_SHAPE_PATTERN, text):
            raise MoneyError(too_large_message(text))
        raise MoneyError(f"bad money {text!r}: expected decimal text with at most 2 decimals")
    value = Decimal(text.replace(",", "")) * 100
    return int(value)


def too_large_message(text: str) -> str:
    """What is wrong with an amount that has too many integer digits to be held exactly."""
    return (f"amount {text!r} has more than {MAX_INTEGER_DIGITS} digits before the decimal point: "
            f"casegraph holds amounts up to {format_fen(MAX_FEN)} exactly")


def format_fen(fen: int) -> str:
    """Integer fen as text with two decimals, e.g. ``-5 -> '-0.05'``."""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def fen_series(text: pd.Series) -> pd.Series:
    """Vectorised :func:`parse_fen` for text already checked against ``MONEY_PATTERN``.

    Returns int64 fen; empty cells (NaN) become ``<NA>`` in an Int64 series.

    >>> fen_series(pd.Series(["1.5", "-0.07", "2,000"])).tolist()
    [150, -7, 200000]
    """
    return _scaled_integers(text, places=2, separators=True)


def format_fen_series(fen: pd.Series) -> pd.Series:
    """Vectorised :func:`format_fen`; missing values stay empty.

    >>> format_fen_series(pd.Series([25706086, -5, None], dtype="Int64")).tolist()
    ['257060.86', '-0.05', '']
    """
    return format_fen_arrow(pa.array(pd.array(fen, dtype="Int64"), pa.int64(), from_pandas=True)).fill_null(
        "").to_pandas().set_axis(fen.index)


def format_fen_arrow(fen: pa.Array) -> pa.Array:
    """:func:`format_fen` of an Arrow array of integer fen, in Arrow (missing values null).

    >>> format_fen_arrow(pa.array([100, -7, None])).to_pylist()
    ['1.00', '-0.07', None]
    """
    # Fen are hundredths: the same integer read as a decimal of scale 2 is the amount in CNY,
    # and Arrow writes a decimal with all its places (one cast, where sign, whole and cents
    # apart took ten kernels: 2-3x slower on the 20 M amounts of a 10x case's totals.csv).
    units = pc.cast(fen, pa.decimal128(19, 0))  # every int64 has at most 19 digits
    if isinstance(units, pa.ChunkedArray):
        units = units.combine_chunks()
    return pc.cast(units.view(pa.decimal128(19, 2)), pa.string())


def rate_series(text: pd.Series) -> pd.Series:
    """Exchange rates (text already checked against ``RATE_PATTERN``) as integer millionths, Int64.

    >>> rate_series(pd.Series(["7.1", None, "0.000001"])).tolist()
    [7100000, <NA>, 1]
    """
    return _scaled_integers(text, places=6)


def _scaled_integers(text: pd.Series, *, places: int, separators: bool = False) -> pd.Series:
    """Decimal text (sign, digits, at most ``places`` decimals; thousands separators where
    ``separators``; no whitespace) as Int64 in units of 10**-places.

    Arrow's decimal parser reads the text exactly, and a decimal with ``places`` decimals holds
    the value in units of 10**-places as its integer: one cast, no Python per value.
    """
    cells = arrow_text(text)
    exact = pa.decimal128(18, places)
    try:
        decimals = pc.cast(cells, exact)
    except pa.ArrowInvalid:
        if not separators:
            raise
        decimals = pc.cast(pc.replace_substring(cells, ",", ""), exact)  # seldom: a pass saved otherwise
    value = pc.cast(_units(decimals), pa.int64())
    missing = value.is_null().to_numpy(zero_copy_only=False)
    return pd.Series(pd.arrays.IntegerArray(value.fill_null(0).to_numpy(zero_copy_only=False), missing),
                     index=text.index, name=text.name)


def _units(decimals: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """Decimals with their scale dropped: the same integers read as whole numbers (no copy).

    >>> _units(pa.array([Decimal("1.50"), None], type=pa.decimal128(18, 2))).to_pylist()
    [Decimal('150'), None]
    """
    chunks = decimals.chunks if isinstance(decimals, pa.ChunkedArray) else [decimals]
    whole = pa.decimal128(decimals.type.precision, 0)
    return pa.chunked_array([pa.Array.from_buffers(whole, len(chunk), chunk.buffers(), null_count=chunk.null_count,
                                                   offset=chunk.offset) for chunk in chunks], type=whole)


def convert_fen(fen: np.ndarray, rate_micro: np.ndarray) -> np.ndarray:
    """Convert amounts in fen of a foreign currency to CNY fen, rounding half away from zero.

    ``rate_micro`` is CNY per unit in millionths. Exact in integers for every amount and rate
    within the bounds (|fen| ≤ MAX_FEN, rate below 1e12): the product, up to 1e27, is never
    formed. Raises :class:`MoneyError` when a result would exceed ``MAX_FEN``;
    :func:`convert_fen_bounded` says where instead, for a reader to report it.

    >>> convert_fen(np.array([100, -150]), np.array([7_123_456, 7_000_000])).tolist()
    [712, -1050]
    >>> convert_fen(np.array([2_000_000_000_000]), np.array([7_000_000])).tolist()  # 20e9 USD
    [14000000000000]
    """
    result, too_large = convert_fen_bounded(fen, rate_micro)
    if too_large.any():
        raise MoneyError(f"{int(too_large.sum())} converted amount(s) above {format_fen(MAX_FEN)}")
    return result


def convert_fen_bounded(fen: np.ndarray, rate_micro: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`convert_fen`, and where the result would exceed ``MAX_FEN`` (there it gives 0).

    >>> result, too_large = convert_fen_bounded(np.array([10**14, 10**14]), np.array([9_000_000, 11_000_000]))
    >>> result.tolist(), too_large.tolist()
    ([900000000000000, 0], [False, True])
    """
    # |fen| = a·1e6 + b and rate = q·1e6 + r, so |fen|·rate / 1e6 = a·q·1e6 + a·r + b·q + b·r/1e6:
    # every partial product stays below 1e15 once a·q is known to be small enough.
    fen = np.asarray(fen, dtype=np.int64)
    rate = np.asarray(rate_micro, dtype=np.int64)
    sign = np.sign(fen) * np.sign(rate)
    a, b = np.divmod(np.abs(fen), RATE_SCALE)
    q, r = np.divmod(np.abs(rate), RATE_SCALE)
    high = a * q
    too_large = high > MAX_FEN // RATE_SCALE
    high = np.where(too_large, 0, high)
    magnitude = high * RATE_SCALE + a * r + b * q + (b * r + RATE_SCALE // 2) // RATE_SCALE
    too_large |= magnitude > MAX_FEN
    return sign * np.where(too_large, 0, magnitude), too_large


def first_over_total(fen: np.ndarray) -> int | None:
    """The position at which the running total of ``|fen|`` first exceeds ``MAX_TOTAL_FEN``.

    Sums the analyses make stay exact in int64 when no table's amounts exceed this total.

    >>> first_over_total(np.array([MAX_FEN] * 1002)), first_over_total(np.array([5, -7]))
    (1000, None)
    """
    magnitude = np.abs(np.asarray(fen, dtype=np.int64))
    # A float sum is close enough to skip the exact count in every realistic case.
    if float(magnitude.sum(dtype=np.float64)) <= MAX_TOTAL_FEN * 0.99:
        return None
    running = np.cumsum(magnitude.astype(object))  # Python integers: exact, no wrap-around
    over = np.flatnonzero(running > MAX_TOTAL_FEN)
    return int(over[0]) if len(over) else None
