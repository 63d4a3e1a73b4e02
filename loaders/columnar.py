"""The fast reading of a CSV file as pandas text cells: the Arrow cells of :mod:`.csvcells`
(pyarrow's columnar parser, where it reads as the exact reader ``read._records`` does) made a
frame, and the kernels that trim, replace and look up text columns without a Python object
per cell.

>>> header, frame = read_well_formed(b"a,b\\n1,x\\n2,\\"y,z\\"\\n")
>>> header, frame[1].tolist(), frame["_line"].tolist()
(['a', 'b'], ['x', 'y,z'], [2, 3])
>>> read_well_formed(b'a,b\\n"x\\ny",1\\n') is None    # a quoted line break
True
"""

from __future__ import annotations

import mmap

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .csvcells import well_formed_cells
from .problems import LINE


def read_well_formed(utf8: bytes | mmap.mmap) -> tuple[list[str], pd.DataFrame] | None:
    """(header, cells as text with a line column) as ``read._split_csv`` gives, or None when
    the columnar parser does not read the file as the exact reader does (:mod:`.csvcells`).

    ``utf8`` is the file's text as UTF-8: its own bytes (or a map of them) when it is UTF-8,
    read as they stand, with no Python string of the whole file.
    """
    cells = well_formed_cells(utf8)
    return None if cells is None else cells_frame(*cells)


def cells_frame(header: list[str], cells: pa.Table) -> tuple[list[str], pd.DataFrame]:
    """(header, cells as text with a line column) of :func:`.csvcells.well_formed_cells`'s cells,
    whose rows are the file's lines from the second on."""
    columns: dict = {i: text_series(column) for i, column in enumerate(cells.columns)}
    columns[LINE] = np.arange(2, cells.num_rows + 2, dtype=np.int64)
    # The columns as they are, the line numbers' too: a column set afterwards is copied into the
    # frame (at 10x seed scale, 14 million line numbers: 0.3 s of fresh memory).
    return header, pd.DataFrame(columns, copy=False)


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


def first_positions(values: pa.Array | pa.ChunkedArray, keys: pa.Array | pa.ChunkedArray, *,
                    skip_nulls: bool = True) -> np.ndarray:
    """For each value, the position of the first of ``keys`` equal to it, -1 where none: the
    lookup behind validation's and the analyses' (``queries.columnar.lookup``) joins by id.
    A missing value finds nothing, unless ``skip_nulls`` is False and a key is missing too.

    >>> first_positions(pa.array(["c1", None, "c9", "c2"]), pa.array(["c1", "c2", "c1", None])).tolist()
    [0, -1, -1, 1]
    """
    if pa.types.is_null(values.type) or not len(keys):
        return np.full(len(values), -1)
    if isinstance(keys, pa.ChunkedArray):  # a lookup's value set is one array
        keys = keys.combine_chunks()
    if keys.type != values.type:
        keys = keys.cast(values.type)
    return pc.index_in(values, value_set=keys, skip_nulls=skip_nulls).fill_null(-1).to_numpy(zero_copy_only=False)


def missing_text(index: pd.Index) -> pd.Series:
    """A ``string`` Series with every value missing, over ``index``: one Arrow array of nulls,
    not a missing value per row.

    >>> missing_text(pd.RangeIndex(2)).tolist()
    [<NA>, <NA>]
    """
    return text_series(pa.chunked_array([pa.nulls(len(index), pa.large_string())]), index=index)


def text_series(text: pa.ChunkedArray, **series) -> pd.Series:
    """Arrow strings as a pandas ``string`` Series (no copy for large strings).

    >>> text_series(pa.chunked_array([["a", None]], type=pa.large_string()), name="id").tolist()
    ['a', <NA>]
    """
    strings = pd.Series(pd.arrays.ArrowStringArray(text), copy=False, **series)
    # Already ``string`` where pyarrow backs it (as here): an astype would cost three times the
    # Series itself, for each of a table's columns, at each step.
    return strings if strings.dtype == "string" else strings.astype("string")


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


def rows_with(frame: pd.DataFrame, column: str, values) -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` is one of ``values`` (Arrow's ``is_in``: pandas'
    ``isin`` on Arrow strings builds its lookup value by value).

    >>> rows_with(pd.DataFrame({"id": ["a", None, "c"]}), "id", ["c"])["id"].tolist()
    ['c']
    """
    wanted = pa.array(distinct_ids(values), pa.large_string())
    found = pc.is_in(arrow_text(frame[column]), value_set=wanted).fill_null(False)
    return frame[found.to_numpy(zero_copy_only=False)]


def distinct_ids(values) -> list[str]:
    """``values`` as distinct text, the missing left out: what a filter on ids compares with.

    >>> distinct_ids(["b", None, "a", "b"])
    ['b', 'a']
    """
    return pd.Series(values, dtype=object).dropna().astype(str).unique().tolist()
