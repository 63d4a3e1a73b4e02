"""Read a case folder: detect the encoding, map raw headers, parse every column by its kind.

Reading and checking one table happen in the same pass, so that everything the analyses see
has been checked, and so that every problem carries the file, line and column it came from.
Cross-table rules (references, forests, signs) live in :mod:`casegraph.loaders.validate`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from casegraph.money import MONEY_PATTERN, RATE_PATTERN, fen_series, rate_series

from .problems import Problem
from .profiles import MappingProfile
from .tables import Column, Table

LINE = "_line"  # provenance: the line of the source file a row came from

TS_PATTERN = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?"
TS_OFFSET_PATTERN = r".*(?:Z|[+-]\d{2}:?\d{2})"
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
CURRENCY_PATTERN = r"[A-Z]{3}"
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class RawTable:
    """A table's cells as text (``<NA>`` for empty), with where each came from."""

    frame: pd.DataFrame
    positions: dict[str, int | pd.Series]  # canonical column -> 1-based column in the file
    encoding: str
    extra_columns: list[str] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """Decode file bytes as UTF-8 (with or without BOM) or GB18030, never silently wrong.

    UTF-8 is tried first and strictly: GBK text is almost never valid UTF-8, so a strict
    failure is a reliable sign to try GB18030 (a superset of GBK and GB2312).

    >>> decode("客户编号".encode("gbk"))
    ('客户编号', 'gb18030')
    """
    if data.startswith(UTF8_BOM):
        return data[len(UTF8_BOM):].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            raise utf8_error from None


def _position_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def _rows_with_lines(text: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Parse CSV text with the csv module, keeping the line each record starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    for record in reader:
        if not header:
            header = record
        elif any(cell.strip() for cell in record):
            rows.append(record)
            lines.append(start)
        start = reader.line_num + 1
    return header, rows, lines


def _split_csv(text: str, file: str, problems: list[Problem]) -> tuple[list[str], pd.DataFrame] | None:
    """CSV text -> (header, cells as text with a line column); ragged rows are problems."""
    header, rows, lines = _rows_with_lines(text)
    if not header or not any(h.strip() for h in header):
        problems.append(Problem(file, 1, 1, "empty file: expected a header line"))
        return None
    width = len(header)
    good_rows, good_lines = [], []
    for record, line in zip(rows, lines):
        if len(record) != width:
            problems.append(Problem(file, line, min(len(record), width) + 1,
                                    f"expected {width} fields as in the header, found {len(record)}"))
        else:
            good_rows.append(record)
            good_lines.append(line)
    frame = pd.DataFrame(good_rows, columns=range(width), dtype="string") if good_rows else \
        pd.DataFrame({i: pd.Series(dtype="string") for i in range(width)})
    frame[LINE] = np.asarray(good_lines, dtype=np.int64)
    return [h.strip() for h in header], frame


def read_raw(path: Path, table: Table, profile: MappingProfile, problems: list[Problem]) -> RawTable | None:
    """Read one CSV file into text cells with canonical column names."""
    file = table.file
    data = path.read_bytes()
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError as exc:
        line, column = _position_of_byte(data, exc.start)
        problems.append(Problem(file, line, column, "not valid UTF-8 or GB18030 text"))
        return None
    split = _split_csv(text, file, problems)
    if split is None:
        return None
    header, frame = split

    renamed = [profile.canonical_name(table.name, h) for h in header]
    positions: dict[str, int | pd.Series] = {}
    keep = []
    for index, name in enumerate(renamed):
        if name in positions:
            problems.append(Problem(file, 1, index + 1, f"column {name!r} appears twice (after header mapping)"))
            continue
        positions[name] = index + 1
        keep.append(index)
    frame = frame[[*keep, LINE]]
    frame.columns = [renamed[i] for i in keep] + [LINE]

    # Cells: whitespace trimmed, empty = unknown.
    for name in frame.columns:
        if name != LINE:
            cells = frame[name].str.strip()
            frame[name] = cells.mask(cells == "")
    frame = profile.map_values(table.name, frame)
    frame, positions = profile.melt_wide_amounts(table.name, frame, positions)
    extra = [n for n in positions if n not in table.column_names]
    return RawTable(frame, positions, encoding, extra)


def _column_of(raw: RawTable, name: str, index: pd.Index) -> pd.Series:
    position = raw.positions.get(name, len(raw.positions) + 1)
    if isinstance(position, pd.Series):
        return position.loc[index]
    return pd.Series(position, index=index)


def report(problems: list[Problem], file: str, raw: RawTable, name: str, bad: pd.Series, message,
           context: pd.Series | None = None) -> None:
    """Add one problem per row where ``bad`` holds.

    ``message(cell)`` gives the text from the cell's raw value, or ``message(cell, value)``
    with the row's value of ``context`` when one is given.
    """
    bad = bad.fillna(False).astype(bool)
    if not bad.any():
        return
    rows = raw.frame.loc[bad.to_numpy()]
    columns = _column_of(raw, name, rows.index)
    cells = rows[name] if name in rows else pd.Series(pd.NA, index=rows.index)
    extras = context.loc[rows.index].tolist() if context is not None else None
    for i, (line, column, cell) in enumerate(zip(rows[LINE].tolist(), columns.tolist(), cells.tolist())):
        text = message(cell) if extras is None else message(cell, extras[i])
        problems.append(Problem(file, int(line), int(column), text))


def _fullmatch(cells: pd.Series, pattern: str) -> pd.Series:
    return cells.str.fullmatch(pattern).fillna(True).astype(bool)


def parse_column(raw: RawTable, table: Table, column: Column, timezone: str, problems: list[Problem]) -> pd.Series:
    """Check and convert one column; bad cells are reported and become missing."""
    file, name, cells = table.file, column.name, raw.frame[column.name]
    present = cells.notna()
    if column.required:
        report(problems, file, raw, name, ~present, lambda _: f"missing required value for {name!r}")

    kind = column.kind
    if kind in ("money", "signed_money", "positive_money"):
        ok = _fullmatch(cells, MONEY_PATTERN)
        report(problems, file, raw, name, present & ~ok,
                lambda v: f"bad money {v!r}: expected decimal text with at most 2 decimals")
        fen = fen_series(cells.where(ok))
        if kind == "money":
            report(problems, file, raw, name, (fen < 0).fillna(False),
                    lambda v: f"negative amount {v!r}: {name!r} must not be negative")
        elif kind == "positive_money":
            report(problems, file, raw, name, (fen <= 0).fillna(False),
                    lambda v: f"amount {v!r} must be greater than 0")
        return fen
    if kind in ("rate", "fx_rate"):
        ok = _fullmatch(cells, RATE_PATTERN)
        report(problems, file, raw, name, present & ~ok,
                lambda v: f"bad rate {v!r}: expected a decimal with at most 6 decimals")
        micro = rate_series(cells.where(ok))
        if kind == "rate":
            report(problems, file, raw, name, (micro > 1_000_000).fillna(False),
                    lambda v: f"rate {v!r} is outside 0..1")
        else:
            report(problems, file, raw, name, (micro <= 0).fillna(False),
                    lambda v: f"rate {v!r} must be greater than 0")
        return micro
    if kind == "number":
        values = pd.to_numeric(cells, errors="coerce")
        report(problems, file, raw, name, present & values.isna(), lambda v: f"bad number {v!r}")
        return values.astype("float64")
    if kind == "date":
        ok = _fullmatch(cells, DATE_PATTERN)
        values = pd.to_datetime(cells.where(ok), format="%Y-%m-%d", errors="coerce")
        report(problems, file, raw, name, present & values.isna(),
                lambda v: f"bad date {v!r}: expected YYYY-MM-DD")
        return values
    if kind == "ts":
        values = parse_timestamps(cells, timezone)
        report(problems, file, raw, name, present & values.isna(),
                lambda v: f"bad timestamp {v!r}: expected ISO 8601 such as 2021-03-04T09:15:00")
        return values
    if kind == "currency":
        report(problems, file, raw, name, present & ~_fullmatch(cells, CURRENCY_PATTERN),
                lambda v: f"bad currency {v!r}: expected a three-letter code such as CNY")
        return cells
    if kind == "enum":
        allowed = list(column.values)
        report(problems, file, raw, name, present & ~cells.isin(allowed),
                lambda v: f"unknown {name} {v!r}: expected one of {', '.join(allowed)}")
        return cells.where(cells.isin(allowed))
    return cells


def parse_timestamps(cells: pd.Series, timezone: str) -> pd.Series:
    """ISO 8601 text -> UTC timestamps; without an offset a time is in the case timezone."""
    ok = _fullmatch(cells, TS_PATTERN) & cells.notna()
    with_offset = ok & _fullmatch(cells, TS_OFFSET_PATTERN)
    naive = ok & ~with_offset
    result = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns, UTC]")
    if naive.any():
        local = pd.to_datetime(cells[naive].str.replace(" ", "T", regex=False), format="ISO8601", errors="coerce")
        result[naive] = local.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
    if with_offset.any():
        result[with_offset] = pd.to_datetime(cells[with_offset].str.replace(" ", "T", regex=False),
                                             format="ISO8601", utc=True, errors="coerce")
    return result


def local_dates(ts: pd.Series, timezone: str) -> pd.Series:
    """The calendar date of UTC timestamps in the case timezone (naive midnight datetimes)."""
    return ts.dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()


def parse_table(raw: RawTable, table: Table, timezone: str, problems: list[Problem]) -> pd.DataFrame:
    """Check required columns, parse each known column, keep unknown extra columns as text."""
    missing = [c.name for c in table.columns if c.required and c.name not in raw.frame.columns]
    if table.name == "logins" and not {"account_id", "actor_id"} & set(raw.frame.columns):
        missing.append("account_id or actor_id")
    for name in missing:
        problems.append(Problem(table.file, 1, 1, f"missing required column {name!r}"))
    if missing:
        return None  # nothing in the table can be trusted to line up

    parsed = pd.DataFrame(index=raw.frame.index)
    for column in table.columns:
        if column.name in raw.frame.columns:
            parsed[column.name] = parse_column(raw, table, column, timezone, problems)
        else:
            parsed[column.name] = _empty_of_kind(column.kind, len(raw.frame), raw.frame.index)
    for name in raw.extra_columns:
        parsed[name] = raw.frame[name]
    parsed[LINE] = raw.frame[LINE]

    if table.key is not None:
        ids = parsed[table.key]
        duplicated = ids.notna() & ids.duplicated(keep="first")
        if duplicated.any():
            first_line = parsed.loc[ids.notna()].drop_duplicates(table.key).set_index(table.key)[LINE]
            report(problems, table.file, raw, table.key, duplicated,
                    lambda v: f"duplicate {table.key} {v!r} (first on line {int(first_line[v])})")
    return parsed


def _empty_of_kind(kind: str, length: int, index: pd.Index) -> pd.Series:
    if kind in ("money", "signed_money", "positive_money", "rate", "fx_rate"):
        return pd.Series(pd.NA, index=index, dtype="Int64")
    if kind == "number":
        return pd.Series(np.nan, index=index, dtype="float64")
    if kind == "date":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if kind == "ts":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    return pd.Series(pd.NA, index=index, dtype="string")


def empty_table(table: Table) -> pd.DataFrame:
    """A typed table with no rows, for an optional file that is absent."""
    index = pd.RangeIndex(0)
    frame = pd.DataFrame({c.name: _empty_of_kind(c.kind, 0, index) for c in table.columns})
    frame[LINE] = pd.Series(dtype="int64")
    return frame


def split_ids(cells: pd.Series) -> pd.Series:
    """``;``-separated id lists exploded to one id per row (index kept)."""
    exploded = cells.dropna().str.split(";").explode().str.strip()
    return exploded[exploded.notna() & (exploded != "")]

