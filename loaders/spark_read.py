"""The large tables read by Spark itself (the Spark engine's way in, beside :mod:`.case`): the
ledger, bank transfers, trades, broker fills and logins (:data:`.tables.SPARK_READ_TABLES`),
each from where case.yaml's ``tables:`` names it (``hive: db.table``, or ``path:`` a folder,
file, ``hdfs://…`` or ``s3a://…`` URI with ``format: parquet|csv``), else from
``<name>.parquet`` or ``<name>.csv`` in the case folder. The small tables stay read on the
driver (:func:`.case.read_tables`).

The rules are the driver's, run by the driver's own functions on each block of rows on the
executors (``mapInArrow``): :func:`.read.raw_from_utf8` splits a block of CSV lines,
:func:`.read.parse_table` parses and checks its cells (money to integer fen, local times to UTC
in the case timezone), :func:`.validate.check_case` checks its references against the small
tables and :func:`.fx.check_cny_amounts` its amounts. Spark adds only what spans blocks: each
row's number (exact CSV lines, counted per block of the file), a key given twice, a ledger
entry's bank transfer. The plan stays a handful of operators whatever the table's width.

Problems read as the driver's: ``ledger.csv:12:7: bad money …`` with the CSV file's exact line;
for Parquet ``ledger.parquet:12:7`` (row 12 of the files in name order, column 7 of their
schema), for a catalog table ``db.ledger:12:7`` (row 12 in the order Spark scans it).

Known limits: a CSV file Spark reads is UTF-8 (other bytes are a problem, never guessed); a quoted
cell holding a line break reads as written unless it spans two blocks of the file (then it is
reported as an unclosed quote: read such a file with ``--spark-read driver``); the total of a
table's amounts is checked a block at a time (Spark's ANSI mode refuses an overflowing sum).

>>> session = spark_session()                                                   # doctest: +SKIP
>>> read = read_case_in_spark("mycase", session)                                # doctest: +SKIP
>>> read.problems, read.frames["ledger"].columns[:3]                            # doctest: +SKIP
([], ['entry_id', 'ts', 'platform_id'])
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.progress import SILENT, Progress

from . import validate
from .case import Case, ReadTables, login_ids, read_config, read_tables
from .columnar import distinct_ids, rows_with, text_series, trimmed_or_missing
from .fx import check_cny_amounts
from .problems import LINE, Problem
from .profiles import MappingProfile
from .read import RawTable, duplicate_key, empty_table, parse_table, raw_from_utf8
from .tables import EVIDENCE_TABLES, SPARK_READ_TABLES, TABLES_BY_NAME, Table

TEXT_KINDS = ("id", "text", "enum", "currency", "id_list")
INTEGER_KINDS = ("money", "signed_money", "positive_money", "rate", "fx_rate")
# Where a checked block puts its problems: rows of their own, beside the typed rows.
PROBLEM_COLUMNS = (("_problem_file", pa.string()), ("_problem_line", pa.int64()),
                   ("_problem_column", pa.int64()), ("_problem", pa.string()))


@dataclass(frozen=True)
class Source:
    """Where Spark reads one table: ``kind`` csv, parquet or catalog; ``where`` the path, URI or
    catalog name; ``shown`` how its problems name it (``ledger.csv``, ``db.ledger``)."""

    table: str
    kind: str
    where: str
    shown: str


def sources(case_dir: Path, config) -> dict[str, Source]:
    """The source of each large table the case has: case.yaml's ``tables:``, else
    ``<name>.parquet``, else ``<name>.csv`` in the case folder.

    >>> from casegraph.config import CaseConfig
    >>> sources(Path("/no/case"), CaseConfig(case_id="c", tables={"ledger": {"hive": "db.ledger"}}))
    {'ledger': Source(table='ledger', kind='catalog', where='db.ledger', shown='db.ledger')}
    """
    found = {}
    for name in SPARK_READ_TABLES:
        named = config.tables.get(name)
        parquet, csv = case_dir / f"{name}.parquet", case_dir / f"{name}.csv"
        if named is not None and named.hive is not None:
            found[name] = Source(name, "catalog", named.hive, named.hive)
        elif named is not None:
            kind = named.format or ("csv" if named.path.rstrip("/").endswith(".csv") else "parquet")
            found[name] = Source(name, kind, named.path, named.path.rstrip("/").rsplit("/", 1)[-1])
        elif parquet.exists():
            found[name] = Source(name, "parquet", str(parquet), parquet.name)
        elif csv.is_file():
            found[name] = Source(name, "csv", str(csv), csv.name)
    return found


class CollectedWhenAsked(Mapping):
    """A Spark-read case's tables by name: the small ones as the driver read them, each large one
    collected from Spark (:func:`driver_frame`) the first time a step on the driver asks for it,
    and kept. A step that runs on Spark reads Spark's DataFrames instead, and the tables no step
    on the driver asks for never leave the executors. :meth:`row_counts` counts without
    collecting (:meth:`.case.Case.row_counts` asks it)."""

    def __init__(self, small: dict[str, pd.DataFrame], frames: dict, counts: dict[str, int]) -> None:
        self._small, self._frames, self._counts = small, frames, counts
        self._collected: dict[str, pd.DataFrame] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name in self._small:
            return self._small[name]
        with self._lock:  # two threads asking at once collect once
            if name not in self._collected:
                self._collected[name] = self._driver_frame(name, self._frames[name])  # KeyError: no such table
            return self._collected[name]

    def __iter__(self):
        return iter([*self._small, *(name for name in self._frames if name not in self._small)])

    def __len__(self) -> int:
        return len(self._small.keys() | self._frames.keys())

    def rows_where(self, name: str, column: str, values) -> pd.DataFrame:
        """The rows whose ``column`` is one of ``values`` (:meth:`.case.Case.rows_where`):
        filtered by Spark and only those collected, for a large table not collected yet."""
        if name in self._small or name in self._collected:
            return rows_with(self[name], column, values)
        from pyspark.sql import functions as F

        frame = self._frames[name].where(F.col(column).isin(distinct_ids(values)))
        return self._driver_frame(name, frame)

    def _driver_frame(self, name: str, frame) -> pd.DataFrame:
        rows = driver_frame(frame.drop(*(column for column, _ in PROBLEM_COLUMNS)).toArrow(), TABLES_BY_NAME[name])
        if name == "logins":
            rows["login_id"] = login_ids(rows)
        return rows

    def row_counts(self) -> dict[str, int]:
        return {name: self._counts[name] if name in self._frames else len(self._small[name]) for name in self}

    @property
    def collected(self) -> frozenset[str]:
        """The large tables collected to the driver so far."""
        return frozenset(self._collected)


@dataclass
class SparkRead:
    """A case read by :func:`read_case_in_spark`: the case (its large tables collected when a step
    on the driver asks for one: :class:`CollectedWhenAsked`; None when invalid), the large tables
    as Spark DataFrames (checked, typed, ``_line`` kept), and every problem."""

    case: Case | None
    frames: dict
    problems: list[Problem]


def read_case_in_spark(case_dir: str | Path, session, *, progress: Progress = SILENT) -> SparkRead:
    """The case folder ``case_dir`` read and checked, its large tables by Spark (see the module)."""
    case_dir = Path(case_dir)
    if not case_dir.is_dir():
        return SparkRead(None, {}, [Problem(str(case_dir), 1, 1, "not a case folder (no such directory)")])
    config, _ = read_config(case_dir, [])  # its problems are read_tables' to report
    found = sources(case_dir, config) if config is not None else {}
    read = read_tables(case_dir, progress=progress, elsewhere=frozenset(found))
    problems = list(read.problems)
    frames, counts, positions = {}, {}, {}
    table_problems: dict[str, list[Problem]] = {name: [] for name in found}
    # The tables' jobs side by side: a small table's jobs are mostly waiting (planning, starting
    # the executors' Python, collecting), which the other tables' fill.
    with progress.step(f"spark: reading and checking {len(found)} tables", total=len(found)) as advance, \
            ThreadPoolExecutor(max_workers=len(found) or 1) as pool:
        reading = {pool.submit(_checked_table, session, source, read, table_problems[name]): name
                   for name, source in found.items()}
        for done in as_completed(reading):
            name = reading[done]
            frames[name], counts[name], positions[name] = done.result()
            advance(1)
    problems.extend(problem for name in found for problem in table_problems[name])
    _check_across_blocks(frames, found, read, counts=counts, positions=positions, problems=problems)
    if problems or read.config is None:
        return SparkRead(None, frames, sorted(set(problems)))
    small = {name: frame for name, frame in read.tables.items() if name not in frames}
    return SparkRead(Case(case_dir, read.config, CollectedWhenAsked(small, frames, counts), read.encodings), frames, [])


def _checked_table(session, source: Source, read: ReadTables, problems: list[Problem]):
    """One large table read by Spark and checked block by block: (the typed rows as a Spark
    DataFrame, persisted; their count; each column's 1-based position in the source). Its
    problems are added to ``problems``."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    table = TABLES_BY_NAME[source.table]
    cells, positions, headers, count = _cells(session, source, table, read.profile)
    small = {name: frame for name, frame in read.tables.items() if name not in SPARK_READ_TABLES}
    check = _BlockCheck(table=table, source=source, timezone=read.config.timezone if read.config else "Asia/Shanghai",
                        profile=read.profile, headers=headers, positions=positions, small=small,
                        checked=frozenset(name for name in read.raws if name not in SPARK_READ_TABLES),
                        absent=read.absent)
    checked = cells.mapInArrow(check, _spark_schema(check.schema)).persist(StorageLevel.MEMORY_AND_DISK)
    found = checked.where(F.col("_problem").isNotNull()).select(*(name for name, _ in PROBLEM_COLUMNS)).collect()
    problems.extend(Problem(*row) for row in found)
    if headers:  # a CSV file: the columns where its header (mapped by the profiles) has them
        header = raw_from_utf8(next(iter(headers.values())).encode("utf-8"), table, read.profile, [])
        positions = header.positions if header is not None else {}
    return checked.where(F.col("_problem").isNull()), count, positions


def _cells(session, source: Source, table: Table, profile: MappingProfile):
    """The source's cells as text, numbered (``_line``): (the Spark DataFrame, the 1-based
    position of each column in the source, the header line of each CSV file by path, the
    number of rows)."""
    from pyspark.sql import functions as F

    if source.kind == "csv":
        lines = session.read.text(source.where).select(
            "value", F.col("_metadata.file_path").alias("_file"), F.col("_metadata.file_block_start").alias("_block"))
        numbered, blocks = _numbered(lines, ["_file", "_block"], per_file=True, first="value")
        headers = {block["_file"]: block["_first_value"] for block in blocks if block["_block"] == 0}
        return numbered.where(F.col(LINE) > 1), {}, headers, sum(block["_n"] for block in blocks) - len(headers)
    frame = session.table(source.where) if source.kind == "catalog" else session.read.parquet(source.where)
    names = {profile.canonical_name(table.name, name): name for name in frame.columns}
    positions = {canonical: frame.columns.index(name) + 1 for canonical, name in names.items()
                 if canonical in table.column_names}
    texts = [_as_text(frame, names[column.name], column.kind).alias(column.name)
             for column in table.columns if column.name in positions]
    if source.kind == "catalog":
        framed, order = frame.select(*texts, F.spark_partition_id().alias("_part")), ["_part"]
    else:
        framed = frame.select(*texts, F.col("_metadata.file_path").alias("_file"),
                              F.col("_metadata.file_block_start").alias("_block"))
        order = ["_file", "_block"]
    numbered, blocks = _numbered(framed, order, per_file=False)
    return numbered.select(*(column.name for column in table.columns if column.name in positions), LINE), \
        positions, {}, sum(block["_n"] for block in blocks)


def _as_text(frame, name: str, kind: str):
    """A typed column of a Parquet or catalog table as the text the CSV reader would see: decimals
    and integers as written, a time with its zone as UTC (``…Z``), one without as a local time.
    Money held as a float is refused (its cents are not exact): it reads as text the money
    pattern refuses, ``float:…``, reported at its cell."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    column, data_type = F.col(f"`{name}`"), frame.schema[name].dataType
    if isinstance(data_type, T.TimestampType):
        return F.date_format(column, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
    if isinstance(data_type, T.TimestampNTZType):
        return F.date_format(column, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS")
    if isinstance(data_type, (T.FloatType, T.DoubleType)) and kind in INTEGER_KINDS:
        return F.concat(F.lit("float:"), column.cast("string"))
    return column.cast("string")


def _numbered(frame, order: list[str], *, per_file: bool, first: str | None = None):
    """(``frame`` with ``_line``, its blocks): each row's 1-based number, in the order of
    ``order`` (a file and its block, or a partition) and of the rows within one; restarted for
    each file (``order[0]``) when ``per_file``. A block's rows are read one after the other
    within its partition, so their ids (``monotonically_increasing_id``) are consecutive: the
    one pass that counts each block's rows (``_n``) numbers every row, and gives the column
    ``first`` of each block's first row (``_first_value``: a CSV file's header)."""
    from pyspark.sql import functions as F

    with_id = frame.withColumn("_id", F.monotonically_increasing_id())
    firsts = [F.min_by(first, "_id").alias("_first_value")] if first else []
    blocks = with_id.groupBy(*order).agg(F.count(F.lit(1)).alias("_n"), F.min("_id").alias("_first"),
                                         *firsts).collect()
    blocks.sort(key=lambda block: tuple(block[name] for name in order))
    offsets, before, file = [], 0, None
    for block in blocks:
        if per_file and block[order[0]] != file:
            before, file = 0, block[order[0]]
        offsets.append((*(block[name] for name in order), block["_first"], before))
        before += block["_n"]
    schema = frame.select(*order).schema.add("_first", "long").add("_before", "long")
    starts = frame.sparkSession.createDataFrame(offsets, schema)
    numbered = (with_id.join(F.broadcast(starts), order)
                .withColumn(LINE, F.col("_before") + F.col("_id") - F.col("_first") + 1)
                .drop("_id", "_first", "_before"))
    return numbered, blocks


@dataclass(frozen=True)
class _BlockCheck:
    """The driver's reading and checking of one table, as a ``mapInArrow`` function: each block
    of rows (a CSV file's lines within one partition, or a batch of a typed table's cells as
    text) parsed, checked against the small tables, and given back typed, with one extra row
    per problem (:data:`PROBLEM_COLUMNS`)."""

    table: Table
    source: Source
    timezone: str
    profile: MappingProfile
    headers: dict  # CSV: each file's header line, by path
    positions: dict  # Parquet and catalog tables: each column's position in the source
    small: dict  # the small tables, read on the driver
    checked: frozenset  # those of them read without trouble (their keys may be referred to)
    absent: frozenset  # the tables the case does not have

    @property
    def schema(self) -> pa.Schema:
        """The typed rows' columns (:func:`arrow_schema`) and the problems'."""
        return pa.schema([*arrow_schema(self.table), *PROBLEM_COLUMNS])

    def __call__(self, batches):
        if self.source.kind == "csv":
            batches = list(batches)
            blocks = self._csv_blocks(pa.Table.from_batches(batches)) if batches else ()
        else:
            blocks = (self._typed_block(batch) for batch in batches if batch.num_rows)
        for raw, problems in blocks:
            parsed = self._checked(raw, problems) if raw is not None else None
            if parsed is not None:
                yield self._typed_rows(parsed)
            yield self._problem_rows(problems)

    def _csv_blocks(self, lines: pa.Table):
        """Each CSV file's lines of this partition, in order, with the file's header line
        before them, split by the driver's reader; its lines and problems renumbered."""
        for path in pc.unique(lines["_file"]).to_pylist():
            rows = lines.filter(pc.equal(lines["_file"], path))
            rows = rows.take(pc.sort_indices(rows[LINE]))
            numbers = rows[LINE].to_numpy()
            problems: list[Problem] = []
            unreadable = pc.match_substring(rows["value"], "\ufffd").to_numpy(zero_copy_only=False)
            problems.extend(Problem(self.table.file, int(line), 1, "not UTF-8 text: Spark reads CSV as UTF-8; convert "
                                    "the file (iconv -f gbk -t utf-8), or read it with --spark-read driver")
                            for line in numbers[unreadable])
            raw = raw_from_utf8(_joined_lines(self.headers[path], rows["value"]), self.table, self.profile, problems)
            # Line k of the block is the k-th line given: the header, then the rows in order.
            at = np.concatenate(([1], numbers))
            if raw is not None:
                raw.frame[LINE] = at[raw.frame[LINE].to_numpy() - 1]
            yield raw, [replace(problem, line=int(at[problem.line - 1])) if problem.line <= len(at) else problem
                        for problem in problems]

    def _typed_block(self, batch: pa.RecordBatch):
        """A batch of a Parquet or catalog table's cells (text) as the CSV reader gives them."""
        frame = pd.DataFrame({name: trimmed_or_missing(text_series(pa.chunked_array([batch.column(name)])
                                                                   .cast(pa.large_string())))
                              for name in batch.schema.names if name != LINE})
        frame[LINE] = batch.column(LINE).to_numpy()
        # Values mapped by the profiles as a CSV's are (入金 -> deposit).
        return RawTable(self.profile.map_values(self.table.name, frame), dict(self.positions), self.source.kind), []

    def _checked(self, raw: RawTable, problems: list[Problem]) -> pd.DataFrame | None:
        """The block parsed and checked by the driver's rules; None when nothing lines up."""
        name = self.table.name
        parsed = parse_table(raw, self.table, self.timezone, problems, check_key=False)
        if parsed is None:
            return None
        tables = {**{other: empty_table(TABLES_BY_NAME[other]) for other in SPARK_READ_TABLES}, **self.small,
                  name: parsed}
        validate.check_case(tables, {name: raw}, problems, self.timezone, absent=self.absent, checked=self.checked)
        check_cny_amounts(tables, {name: raw}, problems, self.timezone)
        return parsed

    def _typed_rows(self, parsed: pd.DataFrame) -> pa.RecordBatch:
        schema = self.schema
        columns = [_arrow_column(parsed[field.name], field.type) for field in schema if field.name in parsed]
        columns += [pa.nulls(len(parsed), field.type) for field in schema if field.name not in parsed]
        return pa.RecordBatch.from_arrays(columns, schema=schema)

    def _problem_rows(self, problems: list[Problem]) -> pa.RecordBatch:
        schema = self.schema
        shown = [self.source.shown if problem.file == self.table.file else problem.file for problem in problems]
        given = dict(zip((name for name, _ in PROBLEM_COLUMNS), (
            pa.array(shown, pa.string()), pa.array([p.line for p in problems], pa.int64()),
            pa.array([p.column for p in problems], pa.int64()), pa.array([p.message for p in problems], pa.string()))))
        return pa.RecordBatch.from_arrays([given.get(field.name, pa.nulls(len(problems), field.type))
                                           for field in schema], schema=schema)


def _joined_lines(header: str, lines: pa.ChunkedArray) -> bytes:
    """The header and the lines as one text, each line ending in a line feed: Arrow's element-wise
    join writes ``line\\n`` for every line into one buffer, taken as it is.

    >>> _joined_lines("a,b", pa.chunked_array([["1,x", "2,y"]]))
    b'a,b\\n1,x\\n2,y\\n'
    """
    text = pa.large_string()
    ended = pc.binary_join_element_wise(lines.cast(text).combine_chunks(), pa.scalar("", text), pa.scalar("\n", text))
    _, offsets, data = ended.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[ended.offset:ended.offset + len(ended) + 1]
    body = data.to_pybytes()[bounds[0]:bounds[-1]] if len(ended) else b""
    return header.encode("utf-8") + b"\n" + body


def arrow_schema(table: Table) -> pa.Schema:
    """The columns of a large table as Spark holds it once read: each as :func:`.read.parse_table`
    types it (money in integer fen, times in UTC), and ``_line``.

    >>> arrow_schema(TABLES_BY_NAME["trades"]).field("notional").type
    DataType(int64)
    """
    return pa.schema([*((column.name, _arrow_type(column.kind)) for column in table.columns), (LINE, pa.int64())])


def _arrow_type(kind: str) -> pa.DataType:
    """The Arrow type a column of ``kind`` of a large table travels in (Spark's types)."""
    if kind in TEXT_KINDS:
        return pa.string()
    if kind == "ts":
        return pa.timestamp("us", tz="UTC")
    if kind in INTEGER_KINDS:
        return pa.int64()
    if kind == "number":
        return pa.float64()
    raise ValueError(f"no large table has a column of kind {kind!r}")


def _arrow_column(values: pd.Series, arrow_type: pa.DataType) -> pa.Array:
    """A parsed column in its Arrow type; a time finer than Spark's microseconds is an error,
    never rounded."""
    if pa.types.is_timestamp(arrow_type):
        array = pa.array(values.array, type=pa.timestamp("ns", tz="UTC")).cast(arrow_type)
    else:
        array = pa.array(values, type=arrow_type, from_pandas=True)
    # Text held in Arrow chunks (the CSV reader's) comes back chunked: a batch takes one array.
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _spark_schema(schema: pa.Schema):
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def driver_frame(rows: pa.Table, table: Table) -> pd.DataFrame:
    """Typed rows Spark checked, collected as the driver's reader types them (:func:`.read.parse_table`),
    in the order of their lines."""
    rows = rows.take(pc.sort_indices(rows[LINE]))
    types = empty_table(table).dtypes
    columns = {}
    for column in table.columns:
        values = rows[column.name]
        if column.kind in TEXT_KINDS:
            columns[column.name] = text_series(values.cast(pa.large_string()))
        else:
            columns[column.name] = values.to_pandas().astype(types[column.name])
    columns[LINE] = rows[LINE].to_pandas().astype("int64")
    return pd.DataFrame(columns)


def _check_across_blocks(frames: dict, found: dict[str, Source], read: ReadTables, *, counts: dict[str, int],
                         positions: dict[str, dict], problems: list[Problem]) -> None:
    """The rules a block cannot check alone: a key given twice, a ledger entry's bank transfer
    (both large), and rows in the ledger or the transfers (:func:`.validate.check_evidence`)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keyed = [frame.where(F.col(TABLES_BY_NAME[name].key).isNotNull()).select(
        F.lit(name).alias("_table"), F.col(TABLES_BY_NAME[name].key).alias("_key"), LINE)
        for name, frame in frames.items() if TABLES_BY_NAME[name].key is not None]
    if keyed:  # every table's keys in one job
        first = F.min(LINE).over(Window.partitionBy("_table", "_key"))
        keys = functools.reduce(lambda one, other: one.unionByName(other), keyed)
        for row in keys.withColumn("_first", first).where(F.col(LINE) > F.col("_first")).collect():  # few
            table = TABLES_BY_NAME[row._table]
            problems.append(Problem(found[table.name].shown, row[LINE], positions[table.name].get(table.key, 1),
                                    duplicate_key(table, row._key, row._first)))
    if {"ledger", "bank_transfers"} <= frames.keys():
        ledger, transfers = frames["ledger"], frames["bank_transfers"]
        named = ledger.where(F.col("bank_txn_id").isNotNull())
        reference = TABLES_BY_NAME["ledger"].column("bank_txn_id")
        if counts["bank_transfers"] == 0:
            if not named.isEmpty():
                problems.append(Problem(found["bank_transfers"].shown, 1, 1, "no rows (the file has a header but no "
                                        f"data): needed by {found['ledger'].shown} (bank_txn_id)"))
        else:
            unknown = named.join(transfers.select(F.col("txn_id").alias("bank_txn_id")), "bank_txn_id", "left_anti")
            column = positions["ledger"].get("bank_txn_id", 1)
            problems.extend(Problem(found["ledger"].shown, row[LINE], column,
                                    validate.unknown_reference(reference, row.bank_txn_id))
                            for row in unknown.select("bank_txn_id", LINE).collect())
    # What check_evidence reads of a table is its length: Spark's counts stand in for its rows.
    lengths = {name: range(counts[name]) if name in counts else read.tables[name] for name in EVIDENCE_TABLES}
    validate.check_evidence(lengths, {**read.raws, **dict.fromkeys(frames)}, problems, absent=read.absent)

