"""The columnar core's plumbing, shared by every step in memory: DuckDB for the joins and
group-bys (SQL that runs elsewhere too), Arrow for lookups of ids.

pandas' own lookups of Arrow strings (``isin``, ``map``) build Python objects per value;
Arrow's ``is_in`` and ``index_in`` do not (554 k values against 21 k ids: 0.55 s and 0.63 s
in pandas, 0.06 s in Arrow).

>>> is_in(pd.Series(["A", "B", None]), ["B"]).tolist()
[False, True, False]
"""

from __future__ import annotations

import functools
import tempfile

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.loaders.columnar import arrow_text, first_positions, member_of


def duckdb_connection(**frames: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that sees the given frames as tables by name.

    >>> duckdb_connection(t=pd.DataFrame({"x": [1, 2]})).sql("SELECT sum(x) AS s FROM t").fetchall()
    [(3,)]
    """
    connection = _database().cursor()  # a connection of its own: its frames and views are its own
    for name, frame in frames.items():
        connection.register(name, frame)
    return connection



# What DuckDB may hold in memory before it spills to disk. Its default, 80 % of the machine,
# let a 5-million-transfer case's joins and windows grow next to the case's tables (held by
# pandas and Arrow, outside DuckDB's count) until the process took 8 GiB.
DUCKDB_MEMORY_LIMIT = "1GB"


@functools.cache
def _database() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB database (opening one costs ~70 ms; a cursor ~10 ms),
    spilling beyond :data:`DUCKDB_MEMORY_LIMIT` into a folder removed when the process ends."""
    spill = tempfile.TemporaryDirectory(prefix="casegraph-duckdb-")
    database = duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT, "temp_directory": spill.name})
    _SPILL_FOLDERS.append(spill)  # kept (and so not removed) while the process runs
    return database


_SPILL_FOLDERS: list[tempfile.TemporaryDirectory] = []



def arrow_table(frame: pd.DataFrame, *, schema: pa.Schema | None = None) -> pa.Table:
    """``frame`` as an Arrow table (of ``schema``, when given) for :func:`duckdb_connection`:
    DuckDB scans Arrow in place, where it converts pandas' Arrow-backed text column by column
    (twice as slow), and pandas' Arrow-backed text becomes the table's columns without a copy.

    Zoned date-times go over as their UTC clock values, labelled with their zone again in
    Arrow: pyarrow reads a zoned Series through ``Series.values``, which pandas deprecates.

    >>> duckdb_connection(t=arrow_table(pd.DataFrame({"x": ["a", None]}))).sql("SELECT count(x) FROM t").fetchall()
    [(1,)]
    >>> arrow_table(pd.DataFrame({"t": pd.to_datetime(["2021-03-04T09:15Z"])})).column("t").type
    TimestampType(timestamp[us, tz=UTC])
    """
    zoned = {name: dtype for name, dtype in frame.dtypes.items() if isinstance(dtype, pd.DatetimeTZDtype)}
    table = pa.Table.from_pandas(frame.assign(**{name: frame[name].dt.tz_convert(None) for name in zoned}),
                                 schema=schema, preserve_index=False)
    if schema is not None:
        return table
    for name, dtype in zoned.items():
        table = table.set_column(table.schema.get_field_index(name), name,
                                 table[name].cast(pa.timestamp(dtype.unit, tz=str(dtype.tz))))
    return table


def sql_columns(table, names: list[str]):
    """The columns ``names`` of a case table as the SQL reads them: a pandas frame's as an Arrow
    table (:func:`arrow_table`); a Spark DataFrame's (the Spark engine's large tables) as its
    own selection, which stays on Spark.

    >>> sql_columns(pd.DataFrame({"x": [1], "y": ["a"]}), ["y"]).column_names
    ['y']
    """
    return arrow_table(table[names]) if isinstance(table, pd.DataFrame) else table.select(*names)


def is_in(values, ids) -> np.ndarray:
    """A boolean array: is each value one of ``ids``? (Arrow's ``is_in``: pandas' ``isin`` on
    Arrow strings builds the lookup set value by value in Python, 10x slower at seed scale.)

    >>> is_in(pd.Series(["A", None, "C"]), ["C", None]).tolist()
    [False, False, True]
    """
    return member_of(arrow(values), pc.unique(pc.drop_null(arrow(ids))))


def positions(values, keys) -> np.ndarray:
    """For each of ``values``, the position of the first of ``keys`` equal to it, -1 where none
    (a missing value finds nothing): ``pd.Index(keys).get_indexer(values)`` by Arrow's
    ``index_in``, which on Arrow strings is several times faster than pandas'.

    >>> positions(pd.Series(["B", "X", None]), pd.Index(["A", "B"])).tolist()
    [1, -1, -1]
    """
    return first_positions(arrow(values), arrow(keys))


def sorted_codes(values) -> tuple[np.ndarray, pa.Array]:
    """Each value as its position among the distinct values in sorted order (-1 where missing),
    and those values: text to group, join and sort as integers, each value hashed once.

    >>> codes, distinct = sorted_codes(pd.Series(["b", None, "a", "b"]))
    >>> codes.tolist(), distinct.to_pylist()
    ([1, -1, 0, 1], ['a', 'b'])
    """
    text = arrow(values)
    coded = pc.dictionary_encode(text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text)
    order = pc.sort_indices(coded.dictionary).to_numpy()
    rank = np.empty(len(order) + 1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = -1  # a missing value's
    return rank[coded.indices.fill_null(-1).to_numpy()], coded.dictionary.take(order)


def run_starts(keys: pd.DataFrame | pd.Series) -> np.ndarray:
    """The positions where a run of equal ``keys`` rows begins (rows sorted so that each key's
    rows are one run).

    >>> run_starts(pd.Series(["a", "a", "b", "c", "c"])).tolist()
    [0, 2, 3]
    """
    frame = keys.to_frame() if isinstance(keys, pd.Series) else keys
    return np.flatnonzero((frame != frame.shift()).any(axis=1).to_numpy())


def join_runs(texts, starts: np.ndarray, separator: str) -> pa.Array:
    """Per run of rows (``starts``: :func:`run_starts`), its ``texts`` joined with ``separator``
    in row order, in one Arrow pass: a group-by's ``agg(separator.join)`` calls Python per group.

    >>> join_runs(pd.Series(["x", "y", "z"]), np.array([0, 2]), ";").to_pylist()
    ['x;y', 'z']
    """
    text = arrow_text(texts).combine_chunks()
    runs = pa.LargeListArray.from_arrays(pa.array(np.append(starts, len(text)), pa.int64()), text)
    return pc.binary_join(runs, pa.scalar(separator, pa.large_string()))


def str_series(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """Arrow text as a pandas ``str`` Series, the kind DuckDB's answers give text in.

    >>> str_series(pa.array(["a", None])).tolist()
    ['a', nan]
    """
    return pd.Series(pd.arrays.ArrowStringArray(values)).astype("str")


def arrow(values) -> pa.Array | pa.ChunkedArray:
    """``values`` (pandas, numpy, a list or Arrow itself) as Arrow, without a copy where they are
    Arrow already (``pa.array`` of a chunked array goes value by value)."""
    return values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, from_pandas=True)


def lookup(values, mapping: pd.Series) -> pd.Series:
    """``values.map(mapping)`` (a mapping with a unique index) by Arrow's ``index_in``: pandas'
    map of Arrow strings looks the keys up several times slower.

    >>> lookup(pd.Series(["B", "X", None]), pd.Series([1, 2], index=["A", "B"])).tolist()
    [2.0, nan, nan]
    """
    # A missing value finds a missing key, as pandas' map does.
    positions = first_positions(arrow(values), arrow(mapping.index), skip_nulls=False)
    taken = mapping.array.take(positions, allow_fill=True)
    return pd.Series(taken, index=values.index if isinstance(values, pd.Series) else None,
                     name=values.name if isinstance(values, pd.Series) else None)
