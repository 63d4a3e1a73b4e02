"""One object that runs the memory engine's DuckDB SQL on Spark: the SQL stays the one
definition, SQLGlot transpiles it (``read="duckdb", write="spark"``) and ``spark.sql`` runs it
on temporary views of the case's tables.

:class:`SparkSQL` answers the part of a DuckDB connection the memory modules use (``sql``,
``execute`` with ``$name`` parameters, ``register``, ``.df()``, ``.fetchone()``), so that a
function of :mod:`casegraph.queries.memory` that takes ``connect=`` runs its SQL on Spark
unchanged: ``figures.client_figures(case, ledger, connect=runner.connect)``.

>>> session = spark_session()                                                # doctest: +SKIP
>>> runner = SparkSQL(session)                                               # doctest: +SKIP
>>> runner.connect(t=pd.DataFrame({"x": [1, 2]})).sql("SELECT sum(x) AS s FROM t GROUP BY ALL").df()  # doctest: +SKIP
   s
0  3
"""

from __future__ import annotations

import atexit
import functools
import itertools
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..columnar import arrow_table

# The master a session runs on when neither --spark-master nor this variable says otherwise.
MASTER_VARIABLE = "CASEGRAPH_SPARK_MASTER"
# A folder every executor reads (on a cluster: a shared mount) for the tables handed to Spark;
# unset, a temporary folder of this process, removed when it ends.
SCRATCH_VARIABLE = "CASEGRAPH_SPARK_SCRATCH"
LOCAL_MASTER = "local[2]"
# Set in a Python driver that spark-submit started (PySpark's handle on spark-submit's own JVM).
SUBMITTED_VARIABLE = "PYSPARK_GATEWAY_PORT"
# Log4j's settings for the JVM casegraph starts itself: errors only, on standard error. PySpark's
# gateway is set apart at the same level: Spark takes it for a shell, and announces a shell's
# level only when it differs from the root's. With Spark's own defaults the JVM printed its
# start-up notes (the default profile, native-hadoop, "Setting default log level") before
# setLogLevel could quiet it, --quiet or not.
QUIET_LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
"""


def spark_session(master: str | None = None, *, shuffle_partitions: int | None = None):
    """The process's Spark session on ``master`` (else ``$CASEGRAPH_SPARK_MASTER``, else the
    ``--master`` of the ``spark-submit`` that started this process, else ``local[2]``), created
    once: UTC session time, Arrow transfers, no UI, no console progress.
    ``shuffle_partitions`` defaults to 4 on a local master (tiny cases pay per partition) and to
    Spark's own 200 on a cluster."""
    from pyspark.sql import SparkSession

    master = master or os.environ.get(MASTER_VARIABLE)
    if master is None and SUBMITTED_VARIABLE not in os.environ:
        master = LOCAL_MASTER
    if not os.environ.get("JAVA_HOME"):
        # The Java that runs casegraph's Neo4j (17 or 21, both Spark 4.0's) rather than whatever
        # `java` is first on the PATH.
        from casegraph.server.provision import find_java_home

        os.environ["JAVA_HOME"] = str(find_java_home())
    if master and master.startswith("local"):
        # A local driver talks to itself on the loopback, not on what the host name resolves to
        # (containers and laptops often resolve it to nothing reachable).
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # Python UDFs (the communities' grouped pandas UDF) run in this Python, where casegraph
        # is installed, not in whatever `python3` is first on the PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (SparkSession.builder.appName("casegraph")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    if SUBMITTED_VARIABLE not in os.environ:  # the JVM is ours to start (spark-submit's logging is its user's)
        builder = builder.config("spark.driver.extraJavaOptions",
                                 f"-Dlog4j2.configurationFile={_quiet_log4j2().as_uri()}")
    session = (builder.master(master) if master else builder).getOrCreate()
    if shuffle_partitions is None:
        shuffle_partitions = 4 if session.sparkContext.master.startswith("local") else 200
    session.conf.set("spark.sql.shuffle.partitions", str(shuffle_partitions))
    session.sparkContext.setLogLevel("ERROR")
    return session


@functools.lru_cache(maxsize=1)
def _quiet_log4j2() -> Path:
    """:data:`QUIET_LOG4J2` as a file for the JVM to read, removed when this process ends."""
    handle, name = tempfile.mkstemp(prefix="casegraph-log4j2-", suffix=".properties")
    with os.fdopen(handle, "w") as file:
        file.write(QUIET_LOG4J2)
    atexit.register(os.unlink, name)
    return Path(name)


@functools.lru_cache(maxsize=512)
def to_spark_sql(query: str) -> str:
    """``query`` (DuckDB SQL, ``$name`` parameters) as Spark SQL (``:name`` parameters).
    A ``CREATE OR REPLACE TEMP TABLE`` becomes a temporary view that replaces any of its name
    (:meth:`SparkSQL.execute` computes such a table at once, :func:`temp_table`); DuckDB's
    128-bit ``HUGEINT`` is ``DECIMAL(38,0)``, as exact for whole numbers (Spark has no 128-bit
    integer; in ANSI mode, Spark 4.0's default, an overflow fails rather than wraps or rounds);
    an ordered ``list(x ORDER BY k)`` keeps its order (:func:`_ordered_list`).

    >>> to_spark_sql("SELECT x::BIGINT AS y FROM t WHERE x > $low GROUP BY ALL")  # doctest: +SKIP
    'SELECT CAST(x AS BIGINT) AS y FROM t WHERE x > :low GROUP BY ALL'

    (Skipped where the extra ``spark`` is not installed; tests/test_spark_engine.py runs it.)
    """
    import sqlglot
    from sqlglot import exp

    (tree,) = sqlglot.parse(query, read="duckdb")
    if isinstance(tree, exp.Create):
        tree.set("replace", True)
        tree.set("kind", "VIEW")
    return tree.transform(_spark_form).sql(dialect="spark")


@functools.lru_cache(maxsize=512)
def temp_table(query: str) -> tuple[str, str] | None:
    """(name, its query as Spark SQL) of a ``CREATE … TEMP TABLE name AS query``, else None.

    >>> temp_table("CREATE OR REPLACE TEMP TABLE pairs AS SELECT 1 AS x")  # doctest: +SKIP
    ('pairs', 'SELECT 1 AS x')
    """
    import sqlglot
    from sqlglot import exp

    (tree,) = sqlglot.parse(query, read="duckdb")
    if not (isinstance(tree, exp.Create) and tree.args.get("kind") == "TABLE" and tree.expression is not None):
        return None
    return tree.this.name, tree.expression.transform(_spark_form).sql(dialect="spark")


def _spark_form(node):
    """One node of a DuckDB tree in the form Spark runs (see :func:`to_spark_sql`)."""
    from sqlglot import exp

    if isinstance(node, exp.DataType) and node.is_type(exp.DataType.Type.INT128):
        return exp.DataType.build("DECIMAL(38, 0)")
    if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
        return _ordered_list(node.this)
    return node


def _ordered_list(order):
    """DuckDB's ``list(x ORDER BY k, …)`` for Spark, whose ``collect_list`` keeps no order: the
    pairs (k, …, x) collected, sorted (a struct sorts by its fields in turn), then their x."""
    import sqlglot

    keys = order.expressions
    if any(key.args.get("desc") for key in keys):
        raise ValueError(f"a list ordered descending has no Spark form here: {order.sql('duckdb')}")
    fields = ", ".join(f"{key.this.sql('spark')} AS k{number}" for number, key in enumerate(keys))
    return sqlglot.parse_one(f"TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT({fields}, {order.this.sql('spark')} AS x))),"
                             " s -> s.x)", read="spark")


class SparkResult:
    """A query's answer, fetched the way DuckDB's relations are (``.df()``, ``.fetchone()``)."""

    def __init__(self, frame) -> None:
        self.frame = frame  # a pyspark DataFrame

    def df(self) -> pd.DataFrame:
        """The rows as pandas, typed as DuckDB's ``.df()`` types them: an integer column with
        missing values is ``Int64`` (not float), text is pandas' string type."""
        table = self.frame.toArrow()
        mapper = {pa.int8(): pd.Int64Dtype(), pa.int16(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(),
                  pa.int64(): pd.Int64Dtype()}
        frame = table.to_pandas(types_mapper=mapper.get)
        # DuckDB gives plain int64 where nothing is missing: the same here.
        complete = [name for name, dtype in frame.dtypes.items()
                    if isinstance(dtype, pd.Int64Dtype) and not frame[name].isna().any()]
        return frame.astype({name: "int64" for name in complete})

    def fetchone(self) -> tuple | None:
        row = self.frame.first()
        return None if row is None else tuple(row)

    def fetchall(self) -> list[tuple]:
        return [tuple(row) for row in self.frame.collect()]

    def fetchnumpy(self) -> dict:
        """The columns as numpy arrays by name, as DuckDB's ``fetchnumpy``."""
        return {name: column.to_numpy() for name, column in self.df().items()}


class SparkSQL:
    """A DuckDB-connection look-alike over one Spark session (see the module)."""

    def __init__(self, session, *, scratch: str | None = None) -> None:
        self.session = session
        # Where pandas frames are handed to Spark as Parquet files (see register).
        self.scratch = Path(scratch or os.environ.get(SCRATCH_VARIABLE) or _scratch_folder())
        self._handed = itertools.count()

    def connect(self, **frames) -> SparkSQL:
        """This runner with the given frames (pandas or Spark DataFrames) as temporary views by
        name: what :func:`casegraph.queries.columnar.duckdb_connection` is to the memory
        engine. The views are the session's: the last frame registered under a name wins."""
        for name, frame in frames.items():
            self.register(name, frame)
        return self

    def register(self, name: str, frame) -> None:
        """``frame`` (pandas, Arrow or a Spark DataFrame) as the view ``name``. A pandas frame is written
        as a Parquet file into the runner's scratch folder and read by Spark from there: the
        executors read it in parallel, where ``createDataFrame`` would hold every row in the
        driver's JVM (out of its heap at seed scale). Each frame gets a file of its own, as
        views may read earlier ones."""
        if isinstance(frame, (pd.DataFrame, pa.Table)):
            path = self.scratch / f"{name}-{next(self._handed)}.parquet"
            # Microseconds are Spark's timestamps; a value finer than that fails rather than rounds.
            table = _arrow_table(frame)
            pq.write_table(table, path, coerce_timestamps="us", allow_truncated_timestamps=False)
            # The schema given, not inferred: inferring reads the file in a Spark job of its own.
            frame = self.session.read.schema(_spark_schema(table.schema)).parquet(str(path))
        frame.createOrReplaceTempView(name)

    def sql(self, query: str, params: dict[str, Any] | None = None) -> SparkResult:
        """The answer of ``query`` (DuckDB SQL, transpiled: :func:`to_spark_sql`)."""
        frame = self.session.sql(to_spark_sql(query), args=_plain(params) or None)
        return SparkResult(frame)

    def execute(self, query: str, params: dict[str, Any] | None = None) -> SparkResult:
        """:meth:`sql`; a statement (``CREATE … VIEW``) runs at once, as in DuckDB. A ``TEMP
        TABLE`` is computed at once too, and kept (``localCheckpoint``): a view would be computed
        again by every query that reads it, and a numbering (``row_number() OVER ()``) could
        differ between two of them."""
        table = temp_table(query)
        if table is None:
            return self.sql(query, params)
        name, select = table
        frame = self.session.sql(select, args=_plain(params) or None).localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)
        return SparkResult(frame)


def _plain(params: dict[str, Any] | None) -> dict[str, Any]:
    """Parameters as Python scalars (Spark's literals take no numpy integers)."""
    return {name: value.item() if hasattr(value, "item") else value for name, value in (params or {}).items()}


def _spark_schema(schema: pa.Schema):
    """The Spark schema of an Arrow schema (Arrow's timestamps of any unit are Spark's µs ones)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def _scratch_folder() -> str:
    """A temporary folder removed when the process ends."""
    folder = tempfile.mkdtemp(prefix="casegraph-spark-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _arrow_table(frame: pd.DataFrame | pa.Table) -> pa.Table:
    """``frame`` as an Arrow table Spark reads as it is: categories as their values, a column of
    nothing but missing values as text."""
    table = frame if isinstance(frame, pa.Table) else arrow_table(frame)
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        elif pa.types.is_null(column.type):
            column = column.cast(pa.string())
        columns.append(column)
    return pa.table(columns, names=table.column_names)
