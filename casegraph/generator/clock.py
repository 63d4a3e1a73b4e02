"""Time inside the generator: integer seconds (or days) since 1970-01-01 in the case's local
time (Asia/Shanghai, written without an offset), turned into text only when files are written."""

from __future__ import annotations

from functools import cache

import numpy as np

DAY = 86_400


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


def ts_text(seconds) -> np.ndarray:
    return np.datetime_as_string(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]"), unit="s")


def ts_ms_text(millis) -> np.ndarray:
    return np.datetime_as_string(np.asarray(millis, dtype=np.int64).astype("datetime64[ms]"), unit="ms")


def date_text(days) -> np.ndarray:
    return np.datetime_as_string(np.asarray(days, dtype=np.int64).astype("datetime64[D]"), unit="D")
