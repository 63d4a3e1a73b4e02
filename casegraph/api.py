"""The analysts' entry point: a case folder opened once, its tables as DataFrames, the
analyses by engine, and the graphs — what the command line writes comes from here.

>>> import casegraph
>>> from casegraph.generator import generate_case
>>> _ = generate_case(tmp / "case", scale="tiny", seed=1)
>>> case = casegraph.open_case(tmp / "case")
>>> case["clients"].columns[:3].tolist()
['client_id', 'platform_id', 'agent_id']
>>> outputs = case.analyze()                     # the memory engine: no server
>>> outputs["chain"].columns[:4].tolist()
['vendor_id', 'license_id', 'platform_id', 'gang_id']
>>> gang = outputs["gangs"]["gang_id"].iloc[0]
>>> (case.chain(gang=gang)["gang_id"] == gang).all()
True
>>> case.graph().number_of_nodes() > len(case["clients"])
True
>>> sorted(case.flows())
['account_flows', 'flow_patterns', 'statement_requests']
>>> account = case["bank_transfers"]["from_account"].iloc[0]
>>> bool((case.trace(account, hops=2)["hop"] <= 2).all())
True
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import networkx as nx
import pandas as pd

from casegraph.loaders.case import Case, load_case
from casegraph.progress import SILENT, Progress

if TYPE_CHECKING:  # the driver is only needed for the server engine
    import neo4j

ENGINES = ("memory", "neo4j", "spark")


class SparkUnavailable(RuntimeError):
    """``engine="spark"`` without pyspark and SQLGlot installed, or Spark not starting."""


class Investigation:
    """One checked case folder (:func:`open_case`): its tables, the analyses of either engine
    (kept once computed) and the graphs the memory engine works on."""

    def __init__(self, case: Case, *, spark_frames: dict | None = None) -> None:
        self.case = case
        # The large tables as Spark read them (open_case_in_spark), for the Spark engine's SQL.
        self.spark_frames = spark_frames
        self._outputs: dict[str, dict[str, pd.DataFrame]] = {}

    @property
    def path(self) -> Path:
        return self.case.path

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The checked tables by name (``clients``, ``ledger`` …): money in integer fen,
        timestamps in UTC, ``_line`` the row's line in its file."""
        return self.case.tables

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.case[table]

    def __repr__(self) -> str:
        counts = self.case.row_counts()
        return f"<Investigation {self.path}: {sum(counts.values()):,} rows in {len(counts)} tables>"

    def analyze(self, engine: Literal["memory", "neo4j", "spark"] = "memory", *, seed: int = 0,
                driver: neo4j.Driver | None = None, database: str | None = None, replace: bool = False,
                spark_master: str | None = None, progress: Progress = SILENT) -> dict[str, pd.DataFrame]:
        """Every output table (``chain`` -> chain.csv …) as DataFrames, by name.

        ``engine="neo4j"`` loads the case into the server ``driver`` reaches (idempotently;
        ``replace`` clears a database holding another case), answers the questions in Cypher
        and writes the findings back for the playbooks. ``engine="spark"`` runs the analyses
        that grow with the data on Spark (:mod:`casegraph.queries.spark.engine`), on
        ``spark_master`` (else ``$CASEGRAPH_SPARK_MASTER``, else ``local[2]``); it needs the extra
        ``casegraph[spark]`` and Java 17. ``seed`` seeds community detection.
        The answer is kept: asking again with the same engine costs nothing."""
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        if engine not in self._outputs:
            if engine == "neo4j":
                self._outputs[engine] = self._analyze_in_neo4j(driver, database, replace=replace, seed=seed,
                                                               progress=progress)
            elif engine == "spark":
                self._outputs[engine] = self._analyze_in_spark(spark_master, seed=seed, progress=progress)
            else:
                self._outputs[engine] = self._analyze_in_memory(seed=seed, progress=progress)
        return self._outputs[engine]

    def _analyze_in_memory(self, *, seed: int, progress: Progress) -> dict[str, pd.DataFrame]:
        from casegraph.queries.memory.engine import analyze_case

        return analyze_case(self.case, seed=seed, progress=progress)

    def _analyze_in_spark(self, master: str | None, *, seed: int, progress: Progress) -> dict[str, pd.DataFrame]:
        from casegraph.queries.spark.engine import analyze_case
        from casegraph.queries.spark.runner import SparkSQL

        return analyze_case(self.case, SparkSQL(spark(master, progress=progress)), seed=seed,
                            frames=self.spark_frames, progress=progress)

    def _analyze_in_neo4j(self, driver, database, *, replace: bool, seed: int,
                          progress: Progress) -> dict[str, pd.DataFrame]:
        from casegraph.loaders.neo4j import load_into_neo4j
        from casegraph.queries.engine import analyze
        from casegraph.queries.neo4j.engine import Neo4jEngine
        from casegraph.queries.neo4j.findings import write_findings
        from casegraph.queries.neo4j.runner import CypherRunner

        if driver is None:
            raise ValueError("engine='neo4j' needs driver=neo4j.GraphDatabase.driver(uri, auth=...)")
        load_into_neo4j(driver, self.case, replace=replace, database=database, progress=progress)
        runner = CypherRunner(driver, database)
        tables = analyze(Neo4jEngine(runner), seed=seed, progress=progress)
        write_findings(runner, tables)  # found gangs, severity and account groups, for the playbooks
        return tables

    def graph(self) -> nx.MultiDiGraph:
        """The case graph: every entity of the model (nodes ``Label:id``) and the
        relationships between them, transfers as parallel edges
        (:func:`casegraph.graphs.memory.build_graph`)."""
        from casegraph.graphs.memory import build_graph

        return build_graph(self.case)

    def gang_graph(self) -> nx.Graph:
        """The weighted graph community detection runs on to find the gangs (README "How the
        gangs were found"): platforms, agents, persons and accounts tied by the records."""
        from casegraph.queries.communities import graph_of_edges
        from casegraph.queries.memory.gangs import gang_edges

        return graph_of_edges(gang_edges(self.case))

    def chain(self, *, vendor: str | None = None, gang: str | None = None, platform: str | None = None,
              engine: Literal["memory", "neo4j"] = "memory") -> pd.DataFrame:
        """The rebuilt chain (chain.csv: vendor -> licence -> platform -> gang, with the
        figures) for one vendor, gang or platform, or whole. Taken from :meth:`analyze` when it
        ran; else the memory engine asks only the questions the chain is made of, and another
        engine analyses first."""
        from casegraph.queries.assembly import CHAIN_QUESTIONS

        chain = (self._memory_answers(CHAIN_QUESTIONS) if engine == "memory" else self.analyze(engine))["chain"]
        for column, value in (("vendor_id", vendor), ("gang_id", gang), ("platform_id", platform)):
            if value is not None:
                chain = chain[chain[column].eq(value).fillna(False).to_numpy(dtype=bool)]
        return chain.reset_index(drop=True)

    def flows(self) -> dict[str, pd.DataFrame]:
        """The fund-flow analyses alone, by output name: ``account_flows`` (money in and out per
        account), ``flow_patterns`` (pass-through, fan-in/out, cycles, shared devices, round
        amounts, night, each with its evidence) and ``statement_requests`` (调单建议); all a
        bank-only case needs. Taken from :meth:`analyze` when it ran."""
        from casegraph.queries.engine import QUESTIONS
        from casegraph.queries.memory.engine import MemoryEngine
        from casegraph.queries.output_tables import conform

        names = [question.output for question in QUESTIONS.values() if question.output]
        if "memory" in self._outputs:
            return {name: self._outputs["memory"][name] for name in names}
        engine = MemoryEngine(self.case)
        return {name: conform(name, getattr(engine, name)()) for name in names}

    def trace(self, start: str, *, hops: int = 3, min_amount: int = 0,
              since: pd.Timestamp | str | None = None) -> pd.DataFrame:
        """资金穿透: money followed forward in time from the account (or the accounts of the person)
        ``start``, for up to ``hops`` transfers of at least ``min_amount`` fen, from ``since`` on
        (the case timezone when it has no offset). One row per transfer reached (hop, txn_id, ts,
        from_account, to_account, amount, can_have_flowed: no more than arrived before it left);
        raises ``KeyError`` for an id the case does not hold."""
        from casegraph.queries.flow_rules import finish_trace
        from casegraph.queries.memory.flows import trace

        accounts, persons = self.case["accounts"]["account_id"], self.case["persons"]["person_id"]
        if start not in set(accounts.astype(str)) | set(persons.astype(str)):
            raise KeyError(f"no account or person {start!r} in {self.path}")
        since_us = None if since is None else utc_micros_of(since, self.case.config.timezone)
        return finish_trace(trace(self.case, [start], hops=hops, min_amount=min_amount, since_us=since_us),
                            timezone=self.case.config.timezone)

    def chain_tree(self, *, vendor: str | None = None, gang: str | None = None) -> dict:
        """One vendor's or one gang's whole chain as a nested tree (licences, platforms, agent
        trees, clients, money), as ``casegraph export`` writes it to JSON or GraphML
        (:func:`casegraph.queries.export.chain_tree`). Taken from :meth:`analyze` when it ran;
        else only the questions the tree shows the answers of are asked."""
        from casegraph.queries.export import TREE_QUESTIONS, chain_tree

        return chain_tree(self.case, self._memory_answers(TREE_QUESTIONS)["totals"], vendor_id=vendor, gang_id=gang)

    def _memory_answers(self, questions: tuple[str, ...]) -> dict[str, pd.DataFrame]:
        """The memory engine's outputs: those of :meth:`analyze` when it ran, else of
        ``questions`` alone (the other questions' outputs empty; not kept)."""
        if "memory" in self._outputs:
            return self._outputs["memory"]
        from casegraph.queries.memory.engine import analyze_case

        return analyze_case(self.case, questions=questions)


def utc_micros_of(moment: pd.Timestamp | str, timezone: str) -> int:
    """A moment as microseconds since the epoch (UTC), read in ``timezone`` when it has no
    offset: any year pandas reads (nanoseconds, pandas' ``value``, hold only 1677-2262).
    Raises ``ValueError`` for text that is no moment, or a local time the clocks skipped or
    repeated there.

    >>> utc_micros_of("1970-01-01T08:00", "Asia/Shanghai"), utc_micros_of("1600-01-01T00:00Z", "UTC")
    (0, -11676096000000000)
    """
    from casegraph.loaders.read import utc_micros

    moment = pd.Timestamp(moment)
    moment = moment.tz_localize(timezone) if moment.tzinfo is None else moment
    return int(utc_micros(pd.Series([moment])).iloc[0])  # the readers' own conversion, in microseconds


def spark(master: str | None = None, *, progress: Progress = SILENT):
    """The process's Spark session on ``master`` (:func:`casegraph.queries.spark.runner.spark_session`),
    or :class:`SparkUnavailable` saying why there is none."""
    try:
        import pyspark  # noqa: F401
        import sqlglot  # noqa: F401
    except ImportError as exc:
        raise SparkUnavailable(f"engine='spark' needs pip install 'casegraph[spark]' ({exc})") from None
    from pyspark.errors import PySparkRuntimeError

    from casegraph.queries.spark.runner import spark_session
    from casegraph.server.provision import ProvisionError

    with progress.step("spark: starting the session"):
        try:
            return spark_session(master)
        except (PySparkRuntimeError, ProvisionError) as exc:  # no Java 17 or 21, or the master unreachable
            raise SparkUnavailable(f"Spark could not start on {master or 'the default master'}: {exc}") from None


def read_in_spark(path: str | Path, *, spark_master: str | None = None,
                  progress: Progress = SILENT) -> tuple[Investigation | None, list]:
    """The case folder ``path`` with its large tables read and checked by Spark
    (:mod:`casegraph.loaders.spark_read`: CSV, Parquet or catalog tables), for
    ``analyze("spark")``: (the investigation, or None when the case is invalid; every problem).

    >>> investigation, problems = read_in_spark("mycase")              # doctest: +SKIP
    >>> investigation.analyze("spark")["chain"]                         # doctest: +SKIP
    """
    from casegraph.loaders.spark_read import read_case_in_spark

    read = read_case_in_spark(path, spark(spark_master, progress=progress), progress=progress)
    if read.case is None:
        return None, read.problems
    return Investigation(read.case, spark_frames=read.frames), []


def open_case(path: str | Path, *, progress: Progress = SILENT) -> Investigation:
    """Read and check the case folder ``path``; raises
    :class:`casegraph.loaders.problems.InvalidCase` (its ``problems``, each ``file:line:column:
    message``) when it is not a valid case."""
    return Investigation(load_case(path, progress=progress))
