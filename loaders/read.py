"""Read a case folder: detect the encoding, map raw headers, parse every column by its kind.

Reading and checking one table happen in the same pass, so that everything the analyses see
has been checked, and so that every problem carries the file, line and column it came from.
Cross-table rules (references, forests, signs) live in :mod:`casegraph.loaders.validate`.
CSV is read strictly: a quote opened and never closed is reported on the line where it opens
and reading goes on at the next line, so it cannot swallow the rest of the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import mmap
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.money import (
    MAX_RATE_INTEGER_DIGITS,
    MONEY_PATTERN,
    MONEY_SHAPE_PATTERN,
    RATE_PATTERN,
    RATE_TOO_LARGE_PATTERN,
    fen_series,
    rate_series,
    too_large_message,
)

from .columnar import arrow_text, cells_frame, member_of, missing_text, read_well_formed, trimmed_or_missing
from .csvcells import ReadAhead, file_bytes
from .encoding import decode_file, plain_utf8
from .problems import LINE, Problem
from .profiles import MappingProfile
from .tables import Column, Table

# ASCII digits only: Python's \d also matches full-width and Arabic-Indic digits.
TS_PATTERN = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
              r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?")
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
NUMBER_PATTERN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
CURRENCY_PATTERN = r"[A-Z]{3}"
# Plausible dates and times. Text compares like the dates it spells (YYYY-MM-DD first), so the
# range is checked on the text, before pandas could overflow on a year such as 1600 or 9999.
EARLIEST, LATEST = "1900-01-01", "2199-12-31"
AFTER_LATEST = "2200"  # text from here on (2200-01-01, 2300-...) is past LATEST
OPEN_END_FROM = "9000"  # a period ending in year 9000 or later (9999-12-31) has no end yet
# Columns casegraph adds to the tables it reads: a header of that name would be overwritten.
# (Names starting with "_" are reserved as a whole: LINE and the wide-ledger bookkeeping.)
DERIVED_COLUMNS = {"logins": ("login_id",), "ledger": ("amount_cny", "date"),
                   "bank_transfers": ("amount_cny",), "licenses": ("price_cny",)}
# A table's columns are parsed side by side: Arrow's kernels let go of the GIL, and the largest
# table is read alone (case.py), so its columns are what keeps the other core busy meanwhile.
COLUMN_PARSERS = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="casegraph-column")


def side_by_side(function, items, *, threaded: bool) -> list:
    """``function`` of each item (a table's columns, validation's lookups), on the threads of
    :data:`COLUMN_PARSERS`, or in this one when not ``threaded``: a small case's columns take
    less time to parse than to hand over and wait for (:data:`casegraph.loaders.case.THREADED_FROM`)."""
    return list(COLUMN_PARSERS.map(function, items) if threaded else map(function, items))


@dataclass
class RawTable:
    """A table's cells as text (``<NA>`` for empty), with where each came from."""

    frame: pd.DataFrame
    positions: dict[str, int | pd.Series]  # canonical column -> 1-based column in the file
    encoding: str
    extra_columns: list[str] = field(default_factory=list)


def _records(text: str, file: str, problems: list[Problem]) -> tuple[list[list[str]], np.ndarray]:
    r"""Every CSV record with the line it starts on; a malformed record is a problem, skipped.

    >>> problems = []
    >>> records, lines = _records('a,b\n1,"x\n2,3\n', "t.csv", problems)
    >>> records, lines.tolist()
    ([['a', 'b'], ['2', '3']], [1, 3])
    >>> print(problems[0])
    t.csv:2:2: unclosed quote: the quoted cell opened here never closes (it would swallow the rest of the file, to line 3)
    """
    records: list[list[str]] = []
    ends: list[int] = []  # the line each record ends on
    restarts: list[tuple[int, int]] = [(0, 0)]  # (first record, lines before it) of each reader
    physical: list[str] | None = None  # the file's lines, split only once a record is broken
    source = io.StringIO(text, newline="")
    base = 0
    while True:
        reader = csv.reader(source, strict=True)
        append_record, append_end = records.append, ends.append
        try:
            for record in reader:
                append_record(record)
                append_end(base + reader.line_num)
            break
        except csv.Error as error:
            start = max(ends[-1] if ends else 0, base) + 1
            end = base + reader.line_num
            if physical is None:
                physical = io.StringIO(text, newline="").readlines()
            column, message = _fault(physical[start - 1], str(error), end=end, at_end=end == len(physical))
            problems.append(Problem(file, start, column, message))
            if start == 1:
                return [], np.zeros(0, dtype=np.int64)  # no header: nothing in the file lines up
            # Go on after the broken line: a bad quote must not take the following lines with it.
            source, base = itertools.islice(physical, start, None), start
            restarts.append((len(records), start))
    starts = np.empty(len(ends), dtype=np.int64)
    starts[1:] = np.asarray(ends[:-1], dtype=np.int64) + 1
    for first, before in restarts:
        if first < len(starts):
            starts[first] = before + 1
    return records, starts


def _fault(line: str, error: str, *, end: int, at_end: bool) -> tuple[int, str]:
    """Where in its first line a record's quoting goes wrong (1-based cell), and how."""
    line = line.rstrip("\r\n")
    cell, i = 1, 0
    while i <= len(line):
        if line.startswith('"', i):
            close = i + 1
            while (close := line.find('"', close)) != -1 and line.startswith('"', close + 1):
                close += 2  # a doubled quote inside the quoted cell
            if close == -1:
                if at_end:
                    return cell, (f"unclosed quote: the quoted cell opened here never closes (it would swallow "
                                  f"the rest of the file, to line {end})")
                return cell, (f"unclosed quote: the quoted cell opened here does not close on this line "
                              f"(it would run on to line {end})")
            after = close + 1
            if after < len(line) and line[after] != ",":
                return cell, ("text after a quoted cell's closing quote: a quote inside a cell must be "
                              "doubled (\"\") and the whole cell quoted")
            stop = after
        else:
            stop = line.find(",", i)
            stop = len(line) if stop == -1 else stop
        if stop - i > csv.field_size_limit():
            return cell, (f"cell of {stop - i:,} characters: longer than the {csv.field_size_limit():,} "
                          f"a cell may hold")
        cell, i = cell + 1, stop + 1
    return 1, f"malformed CSV record: {error}"


def _split_csv(text: str, file: str, problems: list[Problem]) -> tuple[list[str], pd.DataFrame] | None:
    """CSV text -> (header, cells as text with a line column), record by record (the exact
    reader, for text the columnar one declines); ragged rows are problems.

    Blank lines are skipped. A spreadsheet export's empty trailing header cells (``a,b,c,,``)
    may be left out of a row: the row is padded with empty cells.
    """
    found_before = len(problems)
    records, starts = _records(text, file, problems)
    first = next((i for i, record in enumerate(records) if "".join(record).strip()), None)
    if first is None:
        if len(problems) == found_before:
            problems.append(Problem(file, 1, 1, "empty file: expected a header line"))
        return None
    header = [h.strip() for h in records[first]]
    width = len(header)
    named = width  # the header without its empty trailing cells
    while not header[named - 1]:
        named -= 1
    rows, lines = records[first + 1:], starts[first + 1:]
    widths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    uneven = np.flatnonzero(widths != width)
    if len(uneven):
        keep = np.ones(len(rows), dtype=bool)
        for i in uneven.tolist():
            record = rows[i]
            if named <= len(record) < width:
                rows[i] = record + [""] * (width - len(record))
                continue
            keep[i] = False
            if "".join(record).strip():  # else a blank line
                spans = any("\n" in cell or "\r" in cell for cell in record)
                problems.append(Problem(file, int(lines[i]), min(len(record), width) + 1,
                                        f"expected {width} fields as in the header, found {len(record)}"
                                        + ("; a quoted cell runs over several lines: is a quote unclosed?"
                                           if spans else "")))
        rows = list(itertools.compress(rows, keep))
        lines = lines[keep]
    frame = pd.DataFrame(rows, columns=range(width), dtype="string") if rows else \
        pd.DataFrame({i: pd.Series(dtype="string") for i in range(width)})
    frame[LINE] = lines
    return header, frame


def read_raw(path: Path, table: Table, profile: MappingProfile, problems: list[Problem], *,
             encoding: str | None = None, ahead: ReadAhead | None = None, threaded: bool = True) -> RawTable | None:
    """Read one CSV file into text cells with canonical column names.

    ``encoding`` is the encoding pinned in case.yaml, if any; otherwise it is detected.
    ``ahead``: the file's cells when they were read ahead, as this would read them.
    ``threaded``: whether its columns are trimmed side by side (:func:`side_by_side`).
    """
    file = table.file
    early = ahead.take(path) if ahead is not None and encoding is None else None
    if early is not None:  # plain UTF-8, its cells parsed already where the columnar parser could
        encoding, utf8 = "utf-8", early.utf8
        split = None if early.cells is None else cells_frame(*early.cells)
    else:
        try:
            data = file_bytes(path)
        except OSError as exc:
            problems.append(Problem(file, 1, 1, f"cannot read the file: {exc.strerror or exc}"))
            return None
        if encoding is None and plain_utf8(data):  # the usual file: read as it is, decoded only if need be
            encoding, utf8 = "utf-8", data
        else:
            data = bytes(data)
            decoded = decode_file(data, file, encoding, problems)
            if decoded is None:
                return None
            text, encoding = decoded
            utf8 = _utf8_of(data, text, encoding)
            # The cells are read from the UTF-8 bytes alone: the text (one to four bytes a character
            # in Python: 1.3 GB for 5 million transfers) does not stay while they are.
            del decoded, text, data
        split = None
    return raw_from_utf8(utf8, table, profile, problems, encoding=encoding, well_formed=split, threaded=threaded)


def raw_from_utf8(utf8: bytes | mmap.mmap, table: Table, profile: MappingProfile, problems: list[Problem], *,
                  encoding: str = "utf-8", well_formed: tuple[list[str], pd.DataFrame] | None = None,
                  threaded: bool = True) -> RawTable | None:
    """CSV text (as UTF-8 bytes) into text cells with canonical column names: :func:`read_raw`
    once the file is read and decoded; the Spark reader's executors run it on a block of lines
    (:mod:`casegraph.loaders.spark_read`). ``well_formed``: the header and cells
    :func:`.columnar.read_well_formed` gave for these bytes, when they were read ahead;
    ``threaded`` as :func:`side_by_side` takes it.

    >>> from casegraph.loaders.tables import TABLES_BY_NAME
    >>> raw = raw_from_utf8(b"txn_id,amount\\nT1, 5.00\\n", TABLES_BY_NAME["bank_transfers"], MappingProfile(), [])
    >>> raw.frame.to_dict("list"), raw.positions
    ({'txn_id': ['T1'], 'amount': ['5.00'], '_line': [2]}, {'txn_id': 1, 'amount': 2})
    """
    file = table.file
    split = well_formed if well_formed is not None else read_well_formed(utf8)
    if split is None:
        split = _split_csv(str(utf8, "utf-8"), file, problems)
    if split is None:
        return None
    header, frame = split

    renamed = [profile.canonical_name(table.name, h) for h in header]
    positions: dict[str, int | pd.Series] = {}
    keep = []
    for index, name in enumerate(renamed):
        if not name:
            _report_unnamed_cells(frame, index, file, problems)
        elif name.startswith("_") or name in DERIVED_COLUMNS.get(table.name, ()):
            read_as = f" (read as {name!r})" if name != header[index] else ""
            problems.append(Problem(file, 1, index + 1, f"column {header[index]!r}{read_as} has a name casegraph "
                                                        f"reserves for a column of its own: rename it"))
        elif name in positions:
            problems.append(Problem(file, 1, index + 1, f"column {name!r} appears twice (after header mapping)"))
        else:
            positions[name] = index + 1
            keep.append(index)
    frame = frame[[*keep, LINE]]
    frame.columns = [renamed[i] for i in keep] + [LINE]

    # Cells: whitespace trimmed, empty = unknown; a row with no value at all is a blank line.
    names = list(frame.columns[:-1])
    trimmed = side_by_side(lambda name: trimmed_or_missing(frame[name]), names, threaded=threaded)  # all, then the frame changes
    filled = np.zeros(len(frame), dtype=bool)
    for name, cells in zip(names, trimmed):
        filled |= cells.notna().to_numpy()
        frame[name] = cells
    if not filled.all():
        frame = frame.loc[filled]
    frame = profile.map_values(table.name, frame)
    frame, positions = profile.melt_wide_amounts(table.name, frame, positions, problems)
    extra = [n for n in positions if n not in table.column_names]
    return RawTable(frame, positions, encoding, extra)


def _utf8_of(data: bytes, text: str, encoding: str) -> bytes:
    """The decoded text as UTF-8: the file's own bytes when it is UTF-8 (no encode needed)."""
    if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
        return data.removeprefix(codecs.BOM_UTF8)
    return text.encode("utf-8")


def _report_unnamed_cells(frame: pd.DataFrame, index: int, file: str, problems: list[Problem]) -> None:
    """A column with an empty header holds nothing: a value there is a problem, not dropped."""
    cells = frame[index].str.strip()
    filled = (cells.notna() & (cells != "")).to_numpy()
    for line, cell in zip(frame.loc[filled, LINE].tolist(), cells[filled].tolist()):
        problems.append(Problem(file, int(line), index + 1,
                                f"value {cell!r} in a column with no name: name it in the header, or remove it"))


def _column_of(raw: RawTable, name: str, index: pd.Index) -> pd.Series:
    position = raw.positions.get(name, len(raw.positions) + 1)
    if isinstance(position, pd.Series):
        return position.loc[index]
    return pd.Series(position, index=index)


def report(problems: list[Problem], file: str, raw: RawTable, name: str, bad: pd.Series, *, message,
           context: pd.Series | None = None) -> None:
    """Add one problem per row where ``bad`` holds.

    ``message(cell)`` gives the text from the cell's raw value, or ``message(cell, value)``
    with the row's value of ``context`` when one is given.
    """
    if bad.dtype != bool:  # a mask with missing values (pandas' nullable booleans)
        bad = bad.fillna(False).astype(bool)
    at = bad.to_numpy()
    if not at.any():
        return
    rows = raw.frame.loc[at]
    columns = _column_of(raw, name, rows.index)
    cells = rows[name] if name in rows else pd.Series(pd.NA, index=rows.index)
    extras = context.loc[rows.index].tolist() if context is not None else None
    for i, (line, column, cell) in enumerate(zip(rows[LINE].tolist(), columns.tolist(), cells.tolist())):
        text = message(cell) if extras is None else message(cell, extras[i])
        problems.append(Problem(file, int(line), int(column), text))


def _fullmatch(cells: pd.Series, pattern: str, *, few_values: bool = False) -> pd.Series:
    """Whether each cell is all ``pattern`` (a missing cell passes), by Arrow's regex kernel.

    With ``few_values`` (a column such as a currency, of a handful of values however long)
    the distinct values are matched first: when all match, so does every cell.

    >>> _fullmatch(pd.Series(["CNY", None, "usd"], dtype="string"), "[A-Z]{3}", few_values=True).tolist()
    [True, True, False]
    """
    text = arrow_text(cells)
    if few_values and pc.all(pc.match_substring_regex(pc.unique(text), f"^(?:{pattern})$")).as_py() is not False:
        return pd.Series(True, index=cells.index)
    matched = pc.match_substring_regex(text, f"^(?:{pattern})$")
    # Arrays made here for the Series are handed over as they are (``copy=False``, here and in
    # the time parsers): pandas would copy each, fresh memory the size of the column.
    return pd.Series(matched.fill_null(True).to_numpy(zero_copy_only=False), index=cells.index, copy=False)


def parse_column(raw: RawTable, table: Table, column: Column, timezone: str, problems: list[Problem]) -> pd.Series:
    """Check and convert one column; bad cells are reported and become missing."""
    file, name, cells = table.file, column.name, raw.frame[column.name]
    present = cells.notna()
    if column.required:
        report(problems, file, raw, name, ~present, message=lambda _: f"missing required value for {name!r}")

    kind = column.kind
    if kind in ("money", "signed_money", "positive_money"):
        ok = _fullmatch(cells, MONEY_PATTERN)
        too_large = _bad_but_shaped(cells, present & ~ok, MONEY_SHAPE_PATTERN)
        report(problems, file, raw, name, too_large, message=too_large_message)
        report(problems, file, raw, name, present & ~ok & ~too_large,
               message=lambda v: f"bad money {v!r}: expected decimal text with at most 2 decimals")
        fen = fen_series(_where(cells, ok))
        if kind == "money":
            report(problems, file, raw, name, (fen < 0).fillna(False),
                    message=lambda v: f"negative amount {v!r}: {name!r} must not be negative")
        elif kind == "positive_money":
            report(problems, file, raw, name, (fen <= 0).fillna(False),
                    message=lambda v: f"amount {v!r} must be greater than 0")
        return fen
    if kind in ("rate", "fx_rate"):
        ok = _fullmatch(cells, RATE_PATTERN)
        too_large = _bad_but_shaped(cells, present & ~ok, RATE_TOO_LARGE_PATTERN)
        report(problems, file, raw, name, too_large,
               message=lambda v: f"rate {v!r} is too large: at most {MAX_RATE_INTEGER_DIGITS} digits before the decimal point")
        report(problems, file, raw, name, present & ~ok & ~too_large,
                message=lambda v: f"bad rate {v!r}: expected a decimal with at most 6 decimals")
        micro = rate_series(_where(cells, ok))
        if kind == "rate":
            report(problems, file, raw, name, (micro > 1_000_000).fillna(False),
                    message=lambda v: f"rate {v!r} is outside 0..1")
        else:
            report(problems, file, raw, name, (micro <= 0).fillna(False),
                    message=lambda v: f"rate {v!r} must be greater than 0")
        return micro
    if kind == "number":
        values = _plain_numbers(cells)
        if values is None:
            ok = _fullmatch(cells, NUMBER_PATTERN)
            values = pd.Series(pc.cast(arrow_text(_where(cells, ok)), pa.float64()).to_numpy(
                zero_copy_only=False), index=cells.index, dtype="float64")
            report(problems, file, raw, name, present & ~ok, message=lambda v: f"bad number {v!r}")
        infinite = np.isinf(values)
        report(problems, file, raw, name, infinite, message=lambda v: f"number {v!r} is too large")
        return values.mask(infinite)
    if kind == "date":
        ok = _fullmatch(cells, DATE_PATTERN)
        open_end = ok & (cells >= OPEN_END_FROM).fillna(False) if column.open_end else ok & False
        outside = ok & ~open_end & ((cells < EARLIEST) | (cells >= AFTER_LATEST)).fillna(False)
        values = pd.to_datetime(cells.where(ok & ~open_end & ~outside), format="%Y-%m-%d", errors="coerce")
        report(problems, file, raw, name, present & ~open_end & ~outside & values.isna(),
                message=lambda v: f"bad date {v!r}: expected YYYY-MM-DD")
        open_hint = f" (an end still open is empty, or {OPEN_END_FROM}-01-01 or later such as 9999-12-31)" \
            if column.open_end else ""
        report(problems, file, raw, name, outside, message=lambda v: f"date {v!r} is outside {EARLIEST}..{LATEST}{open_hint}")
        return values
    if kind == "ts":
        values, trouble = parse_timestamps(cells, timezone)
        report(problems, file, raw, name, present & values.isna() & trouble.isna(),
                message=lambda v: f"bad timestamp {v!r}: expected ISO 8601 such as 2021-03-04T09:15:00")
        report(problems, file, raw, name, trouble.notna(), message=lambda v, why: TIME_TROUBLE[why].format(v=v, tz=timezone),
               context=trouble)
        return values
    if kind == "currency":
        report(problems, file, raw, name, present & ~_fullmatch(cells, CURRENCY_PATTERN, few_values=True),
                message=lambda v: f"bad currency {v!r}: expected a three-letter code such as CNY")
        return cells
    if kind == "enum":
        allowed = list(column.values)
        unknown = present & ~member_of(arrow_text(cells), pa.array(allowed, type=pa.large_string()))
        report(problems, file, raw, name, unknown, message=lambda v: f"unknown {name} {v!r}: expected one of {', '.join(allowed)}")
        return cells.mask(unknown) if unknown.any() else cells
    return cells


def _plain_numbers(cells: pd.Series) -> pd.Series | None:
    """The cells as floats when Arrow's cast reads every one (missing ones aside) as a finite
    number, else None, and the cells are matched to NUMBER_PATTERN one by one. The cast reads
    exactly the pattern's text, and besides it only nan, inf and infinity, which are not finite
    (tests/test_columnar_read.py tries mutated numbers).

    >>> _plain_numbers(pd.Series(["1.5", None, "-2e3"], dtype="string")).tolist()
    [1.5, nan, -2000.0]
    >>> _plain_numbers(pd.Series(["1.5", "nan"], dtype="string")) is None
    True
    """
    text = arrow_text(cells)
    try:
        values = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        return None
    if np.count_nonzero(np.isfinite(values)) != len(values) - text.null_count:
        return None
    return pd.Series(values, index=cells.index, dtype="float64")


def _where(cells: pd.Series, ok: pd.Series) -> pd.Series:
    """``cells.where(ok)``, without a copy when every cell is ok (as in most files)."""
    return cells if ok.all() else cells.where(ok)


def _bad_but_shaped(cells: pd.Series, bad: pd.Series, shape: str) -> pd.Series:
    """Among the ``bad`` cells, those that fit ``shape`` (say, money with too many digits)."""
    if not bad.any():
        return bad
    return bad & _fullmatch(cells.where(bad), shape)


TIME_TROUBLE = {
    "outside": "timestamp {v!r} is outside " + f"{EARLIEST}..{LATEST}",
    "gap": "nonexistent local time {v!r} (DST gap) in {tz}: the clocks skipped it; check it, or add an offset",
    "ambiguous": "ambiguous local time {v!r} (DST change) in {tz}: add an offset",
}


def parse_timestamps(cells: pd.Series, timezone: str) -> tuple[pd.Series, pd.Series]:
    """ISO 8601 text -> UTC timestamps, and why a well-formed time has none (TIME_TROUBLE keys).

    Without an offset a time is in the case timezone, where it may not exist (the hour skipped
    when clocks go forward, as China's did 1986-1991) or exist twice (the hour repeated).

    >>> times, trouble = parse_timestamps(pd.Series(["1986-05-04T02:30:00", "1986-09-14T01:30:00",
    ...                                              "1600-01-01T00:00:00", "1986-05-04T03:30:00"]), "Asia/Shanghai")
    >>> trouble.tolist(), str(times[3])
    (['gap', 'ambiguous', 'outside', <NA>], '1986-05-03 18:30:00+00:00')
    """
    trouble = missing_text(cells.index)
    plain = _plain_local_times(cells)
    if plain is not None:  # the usual column: every cell read at once, no pattern to match
        return _placed(plain, timezone, trouble), trouble
    ok = _fullmatch(cells, TS_PATTERN) & cells.notna()
    outside = ok & ((cells < EARLIEST) | (cells >= AFTER_LATEST)).fillna(False)
    ok &= ~outside
    with_offset = ok & _has_offset(cells)
    naive = ok & ~with_offset
    result = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns, UTC]")
    trouble[outside] = "outside"
    if naive.any():
        result[naive] = _placed(_local_times(cells if naive.all() else cells[naive]), timezone, trouble)
    if with_offset.any():
        result[with_offset] = pd.to_datetime(cells[with_offset].str.replace(" ", "T", regex=False),
                                             format="ISO8601", utc=True, errors="coerce")
    return result, trouble


# The byte lengths of TS_PATTERN's shapes without an offset: hh:mm, hh:mm:ss, hh:mm:ss with 1-9
# decimals. Arrow's ISO 8601 cast also reads a date alone and a bare hour, of other lengths;
# it refuses an offset when casting to a timestamp without a timezone.
PLAIN_TS_LENGTHS = (16, 19, *range(21, 30))
_EARLIEST_NS, _AFTER_LATEST_NS = (pd.Timestamp(day).value for day in (EARLIEST, AFTER_LATEST))


def _plain_local_times(cells: pd.Series) -> pd.Series | None:
    """Naive datetimes when every cell (missing ones aside) is a time TS_PATTERN takes, without
    an offset and inside EARLIEST..LATEST; else None, and the cells are read one shape at a time.

    One cast and two min/max passes: Arrow's cast of text to a timestamp accepts exactly what
    the pattern does at these lengths (tests/test_columnar_read.py tries mutated times).

    >>> _plain_local_times(pd.Series(["2021-03-04T09:15:00", None], dtype="string")).tolist()
    [Timestamp('2021-03-04 09:15:00'), NaT]
    >>> _plain_local_times(pd.Series(["2021-03-04T09:15:00+08:00"], dtype="string")) is None
    True
    """
    text = arrow_text(cells)
    if text.null_count == len(text):
        return None
    lengths = pc.binary_length(text)
    shortest, longest = pc.min_max(lengths).values()
    if not shortest.as_py() == longest.as_py() == 19 and not pc.all(pc.is_in(
            lengths.drop_null(), value_set=pa.array(PLAIN_TS_LENGTHS, type=lengths.type))).as_py():
        return None
    try:
        times = pc.cast(text, pa.timestamp("ns"))
    except pa.ArrowInvalid:
        return None  # no such date or time (2021-02-30, 25:00), an offset, or a year out of range
    # The bounds on the times, not the text: a min and max of integers, not of 5 million strings
    # (at these lengths the text sorts as the times do, and both bounds are whole days).
    earliest, latest = pc.min_max(times).values()
    if earliest.value < _EARLIEST_NS or latest.value >= _AFTER_LATEST_NS:
        return None
    return pd.Series(times.to_numpy(zero_copy_only=False), index=cells.index, dtype="datetime64[ns]", copy=False)


def local_time_trouble(local: pd.Series, timezone: str) -> pd.Series:
    """Why each naive local time has no one instant in ``timezone``: "gap" (the clocks skipped
    it), "ambiguous" (they repeated it), else missing; :data:`TIME_TROUBLE` says each to a user.

    >>> local_time_trouble(pd.Series(pd.to_datetime(["1986-05-04T02:30", "1986-05-04T03:30"])), "Asia/Shanghai").tolist()
    ['gap', <NA>]
    """
    trouble = missing_text(local.index)
    _placed(local, timezone, trouble)
    return trouble


def _placed(local: pd.Series, timezone: str, trouble: pd.Series) -> pd.Series:
    """Naive local times in ``timezone`` as UTC; a time the clocks skipped or repeated is NaT,
    and marked "gap" or "ambiguous" in ``trouble`` (which has an index holding ``local``'s)."""
    placed = local.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    unplaced = local.notna() & placed.isna()
    if unplaced.any():
        shifted = local[unplaced].dt.tz_localize(timezone, ambiguous="NaT", nonexistent="shift_forward")
        trouble[shifted.index] = np.where(shifted.notna(), "gap", "ambiguous")
    return placed.dt.tz_convert("UTC")


def _has_offset(cells: pd.Series) -> pd.Series:
    """Whether text that fits TS_PATTERN ends in an offset (``Z``, ``+08:00``, ``-0800``): a
    final Z, a ``+``, or a ``-`` besides the date's two, found by substring kernels.

    >>> _has_offset(pd.Series(["2021-03-04T09:15:00", "2021-03-04T09:15Z", "2021-03-04 09:15-0800"],
    ...                       dtype="string")).tolist()
    [False, True, True]
    """
    text = arrow_text(cells)
    offset = pc.or_(pc.or_(pc.ends_with(text, "Z"), pc.match_substring(text, "+")),
                    pc.greater(pc.count_substring(text, "-"), 2))
    return pd.Series(offset.fill_null(False).to_numpy(zero_copy_only=False), index=cells.index, copy=False)


def _local_times(cells: pd.Series) -> pd.Series:
    """ISO 8601 text without offset -> naive datetimes (NaT where it is no time).

    Arrow's ISO 8601 cast reads the usual shapes (``T`` or a space, seconds and fractions
    optional) many times faster than pandas; it refuses a whole column for one bad cell (or a
    shape it does not read, such as an hour of one digit), which pandas then reads cell by cell.
    """
    try:
        times = pc.cast(arrow_text(cells), pa.timestamp("ns"))
    except pa.ArrowInvalid:
        return pd.to_datetime(cells.str.replace(" ", "T", regex=False), format="ISO8601", errors="coerce")
    return pd.Series(times.to_numpy(zero_copy_only=False), index=cells.index, dtype="datetime64[ns]", copy=False)


def utc_micros(ts: pd.Series) -> pd.Series:
    """Timestamps with a timezone as int64 microseconds since the epoch (UTC), what the SQL of
    the analyses compares and windows."""
    return ts.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]").astype("int64")


def local_dates(ts: pd.Series, timezone: str) -> pd.Series:
    """The calendar date of UTC timestamps in the case timezone (naive midnight datetimes)."""
    return ts.dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()


def local_day_numbers(ts: pd.Series, timezone: str) -> pd.Series:
    """:func:`local_dates` as whole days since 1970-01-01 (int64): what the SQL counts days by.

    >>> local_day_numbers(pd.Series(pd.to_datetime(["1970-01-01T23:30Z"])), "Asia/Shanghai").tolist()
    [1]
    """
    return local_dates(ts, timezone).astype("datetime64[s]").astype("int64") // 86_400


def parse_table(raw: RawTable, table: Table, timezone: str, problems: list[Problem], *,
                check_key: bool = True, threaded: bool = True) -> pd.DataFrame:
    """Check required columns, parse each known column, keep unknown extra columns as text.
    ``check_key``: whether to look for a key given twice here (the Spark reader, which parses a
    table a block at a time, looks across the blocks instead); ``threaded``: whether the columns
    are parsed side by side (:func:`side_by_side`)."""
    missing = [c.name for c in table.columns if c.required and c.name not in raw.frame.columns]
    if table.one_of and not set(table.one_of) & set(raw.frame.columns):
        missing.append(" or ".join(table.one_of))
    for name in missing:
        problems.append(Problem(table.file, 1, 1, f"missing required column {name!r}"))
    if missing:
        return None  # nothing in the table can be trusted to line up

    given = [column for column in table.columns if column.name in raw.frame.columns]
    parsed_columns = dict(zip(given, side_by_side(
        lambda column: parse_column(raw, table, column, timezone, problems), given, threaded=threaded)))
    columns = {column.name: parsed_columns[column] if column in parsed_columns
               else _empty_of_kind(column.kind, len(raw.frame), raw.frame.index) for column in table.columns}
    columns.update((name, raw.frame[name]) for name in [*raw.extra_columns, LINE])
    # The parsed columns as they are: a frame made from a dict copies its columns into one block
    # per dtype (0.77 s at 10x seed scale, 5 million logins and transfers); with copy-on-write
    # the frame and the columns share their memory safely.
    parsed = pd.DataFrame(columns, index=raw.frame.index, copy=False)

    if table.key is not None and check_key:
        ids = parsed[table.key]
        if not _all_distinct(arrow_text(ids)):
            duplicated = ids.notna() & ids.duplicated(keep="first")
            first_line = parsed.loc[ids.notna()].drop_duplicates(table.key).set_index(table.key)[LINE]
            report(problems, table.file, raw, table.key, duplicated,
                   message=lambda v: duplicate_key(table, v, int(first_line[v])))
    return parsed


def duplicate_key(table: Table, value: str, first_line: int) -> str:
    """The problem of a row whose key an earlier row has.

    >>> from casegraph.loaders.tables import TABLES_BY_NAME
    >>> duplicate_key(TABLES_BY_NAME["trades"], "T1", 2)
    "duplicate trade_id 'T1' (first on line 2)"
    """
    return f"duplicate {table.key} {value!r} (first on line {first_line})"


def _all_distinct(ids: pa.ChunkedArray) -> bool:
    """Whether no id is given twice (missing ones aside). Ids mostly come in rising order, which
    one comparison of neighbours shows; else one hash pass, cheaper than marking duplicates.

    >>> [_all_distinct(pa.chunked_array([ids])) for ids in (["a", None, "b"], ["b", "a"], ["a", "b", "a"])]
    [True, True, False]
    """
    ids = ids.drop_null().combine_chunks()
    if len(ids) < 2 or pc.all(pc.less(ids.slice(0, len(ids) - 1), ids.slice(1))).as_py():
        return True
    return pc.count_distinct(ids).as_py() == len(ids)


def _empty_of_kind(kind: str, length: int, index: pd.Index) -> pd.Series:
    if kind in ("money", "signed_money", "positive_money", "rate", "fx_rate"):
        return pd.Series(pd.NA, index=index, dtype="Int64")
    if kind == "number":
        return pd.Series(np.nan, index=index, dtype="float64")
    if kind == "date":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if kind == "ts":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    return missing_text(index)


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

