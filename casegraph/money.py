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

# Decimal text with at most two decimals; thousands separators only in proper groups.
MONEY_PATTERN = r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d{1,2})?"
_MONEY_RE = re.compile(MONEY_PATTERN)

# Exchange rates are kept as integer millionths of a CNY per unit.
RATE_SCALE = 1_000_000
RATE_PATTERN = r"\d+(?:\.\d{1,6})?"


class MoneyError(ValueError):
    """Text that is not an amount of money."""


def parse_fen(text: str) -> int:
    """Parse decimal text (at most 2 decimals) into integer fen.

    >>> parse_fen("-1,000.5")
    -100050
    """
    text = text.strip()
    if not _MONEY_RE.fullmatch(text):
        raise MoneyError(f"bad money {text!r}: expected decimal text with at most 2 decimals")
    value = Decimal(text.replace(",", "")) * 100
    return int(value)


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
    s = text.astype("string").str.strip().str.replace(",", "", regex=False)
    negative = s.str.startswith("-")
    s = s.str.lstrip("+-")
    parts = s.str.split(".", n=1, expand=True)
    whole = parts[0]
    frac = parts[1] if parts.shape[1] > 1 else pd.Series(pd.NA, index=s.index, dtype="string")
    frac = frac.fillna("").str.ljust(2, "0")
    fen = whole.astype("Int64") * 100 + frac.where(frac != "", "00").astype("Int64")
    return fen.where(~negative.fillna(False), -fen)


def format_fen_series(fen: pd.Series) -> pd.Series:
    """Vectorised :func:`format_fen`; missing values stay empty."""
    values = pd.array(fen, dtype="Int64")
    mask = np.asarray(pd.isna(values))
    ints = np.where(mask, 0, np.asarray(values.fillna(0), dtype=np.int64))
    sign = np.where(ints < 0, "-", "")
    absolute = np.abs(ints)
    text = (
        pd.Series(sign, index=fen.index)
        + pd.Series(absolute // 100, index=fen.index).astype(str)
        + "."
        + pd.Series(absolute % 100, index=fen.index).astype(str).str.zfill(2)
    )
    return text.where(~mask, "")


def rate_series(text: pd.Series) -> pd.Series:
    """Exchange rates (text, up to 6 decimals) as integer millionths, Int64."""
    s = text.astype("string").str.strip()
    parts = s.str.split(".", n=1, expand=True)
    frac = parts[1] if parts.shape[1] > 1 else pd.Series(pd.NA, index=s.index, dtype="string")
    frac = frac.fillna("").str.ljust(6, "0")
    return parts[0].astype("Int64") * RATE_SCALE + frac.where(frac != "", "000000").astype("Int64")


def convert_fen(fen: np.ndarray, rate_micro: np.ndarray) -> np.ndarray:
    """Convert amounts in fen of a foreign currency to CNY fen, rounding half away from zero.

    ``rate_micro`` is CNY per unit in millionths. Integer arithmetic only: 1e11 fen times a
    rate of 1e7 stays well inside int64.

    >>> convert_fen(np.array([100, -150]), np.array([7_123_456, 7_000_000])).tolist()
    [712, -1050]
    """
    product = np.asarray(fen, dtype=np.int64) * np.asarray(rate_micro, dtype=np.int64)
    magnitude = (np.abs(product) + RATE_SCALE // 2) // RATE_SCALE
    return np.sign(product) * magnitude

