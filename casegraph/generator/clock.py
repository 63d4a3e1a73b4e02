"""Time inside the generator: integer seconds (or days) since 1970-01-01 in the case's local
time (Asia/Shanghai, written without an offset), turned into text only when files are written."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DAY = 86_400
EPOCH = date(1970, 1, 1)


def day(text: str) -> int:
    """``'2019-01-01'`` -> days since 1970-01-01."""
    return int(np.datetime64(text, "D").astype(np.int64))


START_DAY = day("2019-01-01")  # first day of client activity
END_DAY = day("2021-12-31")  # last day of the period
LAST_TRADE_DAY = day("2021-12-20")  # positions open no later than this
LAST_REGISTRATION_DAY = day("2021-09-30")


def month_of_seconds(ts: np.ndarray | int) -> np.ndarray:
    """Months since 1970-01 of timestamps in seconds."""
    return np.asarray(ts, dtype=np.int64).astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)


@cache
def month_end_seconds(month: int, hh: int = 23, mm: int = 50) -> int:
    """The last day of a month (months since 1970-01) at hh:mm."""
    first_next = np.datetime64(int(month) + 1, "M").astype("datetime64[D]").astype(np.int64)
    return int((first_next - 1) * DAY + hh * 3600 + mm * 60)


def month_start_day(month: int) -> int:
    return int(np.datetime64(int(month), "M").astype("datetime64[D]").astype(np.int64))


def weekday(days: np.ndarray) -> np.ndarray:
    """0 = Monday (1970-01-01 was a Thursday)."""
    return (np.asarray(days, dtype=np.int64) + 3) % 7


# Times become text in Arrow: numpy's datetime_as_string made a fixed-width Unicode array that
# Arrow then converted again, 0.3-1.2 s for the 550,000 times of the seed case's ledger, where
# Arrow's own cast takes 0.03 s and writes the same text (tests/test_generator.py). A process's
# first such cast also loads Arrow's time-zone data, 0.16 s once.


def ts_text(seconds) -> pa.Array:
    """Seconds since 1970 as ISO date-times, ``2019-01-01T09:04:04``.

    >>> ts_text([1546333444]).to_pylist()
    ['2019-01-01T09:04:04']
    """
    return _iso_times(seconds, "s")


def ts_ms_text(millis) -> pa.Array:
    """Milliseconds since 1970 as ISO date-times with three decimals, ``2019-01-01T09:04:04.020``.

    >>> ts_ms_text([1546333444020]).to_pylist()
    ['2019-01-01T09:04:04.020']
    """
    return _iso_times(millis, "ms")


def _iso_times(values, unit: str) -> pa.Array:
    text = pa.array(np.asarray(values, dtype=np.int64), pa.timestamp(unit)).cast(pa.large_string())
    return pc.replace_substring(text, " ", "T", max_replacements=1)  # Arrow writes a space between


def date_text(days) -> pa.Array:
    """Days since 1970 as ISO dates.

    >>> date_text([17897]).to_pylist()
    ['2019-01-01']
    """
    return pa.array(np.asarray(days, dtype=np.int32), pa.date32()).cast(pa.large_string())


def day_text(day: int) -> str:
    """One day since 1970 as an ISO date: :func:`date_text` of a single day.

    >>> day_text(17897)
    '2019-01-01'
    """
    return (EPOCH + timedelta(days=int(day))).isoformat()

