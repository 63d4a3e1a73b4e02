"""The fast reading of a CSV file: pyarrow's columnar parser, for text where it gives exactly
what the exact reader (``read._records``, Python's csv module, record by record) would give.

The exact reader must know each record's physical line, and reports quoting faults at their
line and cell. Here a record's line is its row number plus one, which holds only when every
record is one line: the fast reader is used when the file has as many lines as the header plus
the rows pyarrow parsed (a blank line, or a quoted cell holding a line break, would make it
fewer), and when nothing in the file is something the two parsers read differently (a quote
out of place, an over-long cell, a lone carriage return, a ragged row). Otherwise it returns
None and the exact reader reads the file, finding and placing every problem.

>>> header, frame = read_well_formed(b"a,b\\n1,x\\n2,\\"y,z\\"\\n")
>>> header, frame[1].tolist(), frame["_line"].tolist()
(['a', 'b'], ['x', 'y,z'], [2, 3])
>>> read_well_formed(b'a,b\\n"x\\ny",1\\n') is None    # a quoted line break
True
"""

from __future__ import annotations

import collections
import csv
import io
import mmap

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from .problems import LINE

QUOTE, NEWLINE, CARRIAGE_RETURN = ord('"'), ord("\n"), ord("\r")
# Bytes are compared with a byte this many at a time, into one reused buffer: a temporary the
# size of the file costs more in fresh pages than the comparison itself (a 443 MB ledger: 2 s
# of page faults for 0.05 s of counting).
SCAN_BLOCK = 1 << 22


def _cell_pool() -> pa.MemoryPool:
    """Where the cells' buffers live: jemalloc where pyarrow has it. It keeps freed pages for
    the next file; the default (mimalloc) hands them back to the system and faults them in
    again, which measured 1.5-3x the system time of a seed-scale read."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return pa.default_memory_pool()


CELL_POOL = _cell_pool()


def read_well_formed(utf8: bytes | mmap.mmap) -> tuple[list[str], pd.DataFrame] | None:
    """(header, cells as text with a line column) as ``read._split_csv`` gives, or None.

    ``utf8`` is the file's text as UTF-8: its own bytes (or a map of them) when it is UTF-8,
    read as they stand, with no Python string of the whole file.
    """
    if not len(utf8):
        return None
    data = np.frombuffer(utf8, dtype=np.uint8)
    if utf8.find(b"\r") >= 0 and not _carriage_returns_end_lines(data):
        return None  # a lone CR ends a line for the csv module, not for the line count here
    first_end = utf8.find(b"\n")
    first_line = bytes(utf8[:first_end if first_end >= 0 else len(utf8)]).decode("utf-8")
    try:
        header = next(csv.reader([first_line.rstrip("\r")], strict=True))
    except csv.Error:
        return None
    if not "".join(header).strip():
        return None  # the exact reader looks for the first line that is not blank
    header = [h.strip() for h in header]
    names = [str(i) for i in range(len(header))]
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(utf8),
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pa_csv.ParseOptions(newlines_in_values=False),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()),
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False),
            memory_pool=CELL_POOL)
    except pa.ArrowInvalid:
        return None  # a ragged row, a quote left open: the exact reader places it
    lines = _count(data, NEWLINE) + (data[-1] != NEWLINE)
    if table.num_rows + 1 != lines:
        return None  # blank lines, or records over several lines: lines are not rows + 1
    limit = csv.field_size_limit()  # in characters; a cell has at least as many bytes
    if any((pc.max(pc.binary_length(column)).as_py() or 0) > limit
           and pc.max(pc.utf8_length(column)).as_py() > limit for column in table.columns):
        return None
    if utf8.find(b'"') >= 0 and not _quotes_strict(utf8):
        return None
    frame = pd.DataFrame({i: text_series(column) for i, column in enumerate(table.columns)})
    frame.columns = range(len(header))
    frame[LINE] = np.arange(2, table.num_rows + 2, dtype=np.int64)
    return header, frame


def _carriage_returns_end_lines(data: np.ndarray) -> bool:
    """Whether every carriage return in the bytes is followed by a line feed (CRLF).

    >>> _carriage_returns_end_lines(np.frombuffer(b"a\\r\\nb\\r\\n", np.uint8)), _carriage_returns_end_lines(
    ...     np.frombuffer(b"a\\rb\\n", np.uint8))
    (True, False)
    """
    return bool(_count(data, CARRIAGE_RETURN) == _count(data, CARRIAGE_RETURN, followed_by=NEWLINE))


def _count(data: np.ndarray, byte: int, *, followed_by: int | None = None) -> int:
    """How often ``byte`` occurs in ``data`` (right before ``followed_by``, when given), counted
    one block at a time.

    >>> data = np.frombuffer(b"a\\r\\nb\\rc\\r", np.uint8)
    >>> _count(data, CARRIAGE_RETURN), _count(data, CARRIAGE_RETURN, followed_by=NEWLINE)
    (3, 1)
    """
    found = np.empty(min(len(data), SCAN_BLOCK), dtype=bool)
    after = np.empty_like(found)
    total = 0
    for start in range(0, len(data), SCAN_BLOCK):
        block = data[start:start + SCAN_BLOCK]
        here = np.equal(block, byte, out=found[:len(block)])
        if followed_by is not None:
            following = data[start + 1:start + 1 + len(block)]  # the data's last byte has none
            here = np.logical_and(here[:len(following)], np.equal(following, followed_by, out=after[:len(following)]),
                                  out=here[:len(following)])
        total += int(np.count_nonzero(here))
    return total


def _positions(data: np.ndarray, byte: int) -> np.ndarray:
    """Where ``byte`` occurs in ``data``, found one block at a time.

    >>> _positions(np.frombuffer(b'a"b""', np.uint8), QUOTE).tolist()
    [1, 3, 4]
    """
    found = np.empty(min(len(data), SCAN_BLOCK), dtype=bool)
    return np.concatenate([np.flatnonzero(np.equal(block, byte, out=found[:len(block)])) + start
                           for start in range(0, len(data), SCAN_BLOCK)
                           for block in [data[start:start + SCAN_BLOCK]]] or [np.zeros(0, dtype=np.int64)])


def _quotes_strict(utf8: bytes | mmap.mmap) -> bool:
    """Whether the lines holding a quote read without error by the csv module's strict rules.

    pyarrow reads ``"x"y`` as ``xy``; the exact reader refuses it. Only the lines with a quote
    are read again (each line is one record here), so a file without quotes costs nothing.
    """
    data = np.frombuffer(utf8, dtype=np.uint8)
    ends = _positions(data, NEWLINE)
    quoted = np.unique(np.searchsorted(ends, _positions(data, QUOTE)))
    starts = np.concatenate(([0], ends + 1))[quoted]
    stops = np.append(ends, len(utf8))[quoted]
    text = b"\n".join(utf8[start:stop] for start, stop in zip(starts.tolist(), stops.tolist())).decode("utf-8")
    try:
        collections.deque(csv.reader(io.StringIO(text, newline=""), strict=True), maxlen=0)
    except csv.Error:
        return False
    return True


def trimmed_or_missing(cells: pd.Series) -> pd.Series:
    """Text cells with surrounding whitespace trimmed (pandas' ``str.strip``); empty ones missing.

    Trimming is skipped for a column where no cell begins or ends with a byte that could be
    whitespace (one outside printable ASCII): most id, amount and time columns.

    >>> trimmed_or_missing(pd.Series([" a ", "b", "", "\u3000"], dtype="string")).tolist()
    ['a', 'b', <NA>, <NA>]
    """
    text = arrow_text(cells)
    if not _edges_printable_ascii(text):
        text = pc.utf8_trim_whitespace(text)  # what pandas' str.strip runs on Arrow strings
    text = pa.chunked_array([_empty_as_missing(chunk) for chunk in text.chunks], type=text.type)
    return text_series(text, index=cells.index, name=cells.name)


def _empty_as_missing(chunk: pa.Array) -> pa.Array:
    """Large strings with their empty cells missing: a new validity bitmap over the same text.

    >>> _empty_as_missing(pa.array(["a", "", None], type=pa.large_string())).to_pylist()
    ['a', None, None]
    """
    _, offsets, data = chunk.buffers()
    if not len(chunk):
        return chunk
    bounds = np.frombuffer(offsets, dtype=np.int64)[chunk.offset:chunk.offset + len(chunk) + 1]
    filled = bounds[1:] > bounds[:-1]
    if chunk.null_count:
        filled &= chunk.is_valid().to_numpy(zero_copy_only=False)
    missing = len(chunk) - int(np.count_nonzero(filled))
    if missing == chunk.null_count:
        return chunk  # no empty cell
    return pa.Array.from_buffers(chunk.type, len(chunk), [pa.py_buffer(np.packbits(filled, bitorder="little")),
                                                          pa.py_buffer(bounds), data or pa.py_buffer(b"")],
                                 null_count=missing)


def replaced(cells: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """Cells equal to a key of ``mapping`` replaced by its value (``Series.replace`` with a
    dict of text), by Arrow's hash kernel: pandas would go through Python objects.

    >>> replaced(pd.Series(["入金", "fee", None], dtype="string"), {"入金": "deposit"}).tolist()
    ['deposit', 'fee', <NA>]
    """
    text = arrow_text(cells)
    at = pc.index_in(text, value_set=pa.array(list(mapping), type=pa.large_string()), skip_nulls=True)
    if at.null_count == len(at):
        return cells  # nothing to replace: the values are canonical already
    values = pa.array(list(mapping.values()), type=pa.large_string())
    return text_series(pc.if_else(pc.is_null(at), text, pc.take(values, at)), index=cells.index, name=cells.name)


def member_of(values: pa.Array | pa.ChunkedArray, value_set: pa.Array) -> np.ndarray:
    """Whether each value is one of ``value_set`` (a missing value is not), as numpy booleans:
    Arrow's hash kernel, no Python object per value. The one membership test of ids in
    casegraph (validation's references here, the analyses' ``queries.columnar.is_in``).

    >>> member_of(pa.array(["a", None, "c"]), pa.array(["a", "b", None])).tolist()
    [True, False, False]
    """
    if pa.types.is_null(values.type):  # nothing but missing values
        return np.zeros(len(values), dtype=bool)
    if value_set.type != values.type:
        value_set = value_set.cast(values.type)
    found = pc.is_in(values, value_set=value_set, skip_nulls=True)
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def first_positions(values: pa.Array | pa.ChunkedArray, keys: pa.Array, *, skip_nulls: bool = True) -> np.ndarray:
    """For each value, the position of the first of ``keys`` equal to it, -1 where none: the
    lookup behind validation's and the analyses' (``queries.columnar.lookup``) joins by id.
    A missing value finds nothing, unless ``skip_nulls`` is False and a key is missing too.

    >>> first_positions(pa.array(["c1", None, "c9", "c2"]), pa.array(["c1", "c2", "c1", None])).tolist()
    [0, -1, -1, 1]
    """
    if pa.types.is_null(values.type) or not len(keys):
        return np.full(len(values), -1)
    if keys.type != values.type:
        keys = keys.cast(values.type)
    return pc.index_in(values, value_set=keys, skip_nulls=skip_nulls).fill_null(-1).to_numpy(zero_copy_only=False)


def text_series(text: pa.ChunkedArray, **series) -> pd.Series:
    """Arrow strings as a pandas ``string`` Series (no copy for large strings).

    >>> text_series(pa.chunked_array([["a", None]], type=pa.large_string()), name="id").tolist()
    ['a', <NA>]
    """
    return pd.Series(pd.arrays.ArrowStringArray(text), copy=False, **series).astype("string")


def arrow_text(cells: pd.Series) -> pa.ChunkedArray:
    """A text column as Arrow large strings, without a copy for pandas' Arrow-backed strings.

    >>> arrow_text(pd.Series(["a", None], dtype="string")).to_pylist()
    ['a', None]
    """
    array = pa.array(cells, type=pa.large_string())
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array], type=pa.large_string())


def _edges_printable_ascii(column: pa.ChunkedArray) -> bool:
    """Whether every non-empty cell's first and last byte is printable ASCII other than space.

    The first bytes are read where each cell starts and the last where each ends, an empty
    cell's included: those are its neighbours' bytes, so an empty cell can only make the
    answer no (and trimming is then done where nothing needed it), never hide a cell's edge.
    """
    for chunk in column.chunks:
        _, offsets, data = chunk.buffers()
        if not len(chunk) or data is None or not data.size:
            continue  # no cells, or only empty or missing ones
        bounds = np.frombuffer(offsets, dtype=np.int64)[chunk.offset:chunk.offset + len(chunk) + 1]
        data = np.frombuffer(data, dtype=np.uint8)
        starts = bounds[:-1]
        starts = starts[:np.searchsorted(starts, len(data))]  # empty cells at the end start past the text
        # printable ASCII but space is 0x21..0x7E: subtracting 0x21 (wrapping in uint8) puts it below 0x5E
        if (data[starts] - 0x21).max(initial=0) >= 0x5E or (data[bounds[1:] - 1] - 0x21).max() >= 0x5E:
            return False
    return True
