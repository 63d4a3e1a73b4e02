"""The Spark engine: the questions of :class:`casegraph.queries.engine.Engine` whose work grows
with the transfers and ledger entries answered by Spark, with the memory engine's own SQL
(transpiled by SQLGlot, :mod:`.runner`) and its own code for what is small once aggregated.

Where each question runs today (the README's "Spark" section says the same):

- on Spark, the memory engine's SQL unchanged: the client figures (the ledger and the trades
  summed per client and kind, fresh money by a window per client), the rebates and commissions
  each agent and each acting person received and each person's own net withdrawal (the ledger
  sums of the agent and person totals), the membership periods'
  figures (the interval join of periods and entries, then the same sums), the gang graph's
  money edges (ledger -> bank transfer joins, routed fills, transfers per account pair), its
  login uses (logins and days per device or IP and user) and the client-money hard facts, the
  province votes, account flows (every transfer's two legs summed per account) and the
  statement requests; the account groups' evidence (shared devices and IPs, common
  funding, the pairs of synchronised fills counted per account pair, the fills per day) and
  their rows and figures (controllers, order timing, the groups' fills); the fake trades and
  each platform's counts and losses (128-bit products as ``DECIMAL(38,0)``, exact to the fen);
  every flow pattern's SQL: pass-through, the fan windows, the shared devices' use, round
  amounts, night, and the cycle search's hops (:mod:`.runner` rewrites what DuckDB has and
  Spark lacks: ``HUGEINT``, an ordered ``list``, temporary tables);
- on Spark, in plain PySpark and the memory engine's own Python on the executors: the gang
  graph's connected components and each component's Louvain, the account groups' connected
  components (:mod:`.graph`);
- on the driver, through the same shared functions the memory engine calls, on the results:
  the agent forests and subtree sums, the gang graph's contraction, the hard facts applied to
  the communities, the income rows and severity (:func:`casegraph.queries.engine.analyze`),
  the chance judgement of the groups' evidence (:mod:`casegraph.queries.evidence`) and of the
  gang graph's login uses (:func:`casegraph.queries.communities.identifier_links`), the groups'
  lots and points summed in the fills' order, the flow patterns' rules and evidence
  (:mod:`casegraph.queries.flow_rules`), the cycle candidates (numpy,
  :mod:`casegraph.queries.memory.cycle_candidates`, on the candidates' numbers fetched from
  Spark), the vendor totals (on the transfers into the vendors' accounts, filtered by Spark).

Where the tables come from: the large ones (ledger, bank transfers, trades, broker fills, logins)
read and checked by Spark itself (``frames``, :mod:`casegraph.loaders.spark_read`). The SQL above
reads them as Spark DataFrames, and what it reads made of them is made on Spark by the memory
engine's own functions (:mod:`.tables`): the ledger in CNY, the transfers and logins as the flow
SQL reads them, the fills and logins as the account groups' SQL reads them, the logins as the
gang graph counts them. No large table reaches the driver: a step there asks for the few rows it
needs (:meth:`casegraph.loaders.case.Case.rows_where`), which Spark filters
(:class:`casegraph.loaders.spark_read.CollectedWhenAsked`, which still collects a whole table for
an analyst who asks for it). Without ``frames`` (``--spark-read driver``) the case is read on
the driver by :mod:`casegraph.loaders`, and the tables the SQL reads are handed to Spark as
Parquet files (:meth:`.runner.SparkSQL.register`).

>>> from casegraph.loaders.case import load_case                          # doctest: +SKIP
>>> from casegraph.queries.spark.runner import SparkSQL, spark_session     # doctest: +SKIP
>>> tables = analyze_case(load_case("mycase"), SparkSQL(spark_session()))  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import functools
from collections import ChainMap

import pandas as pd

from casegraph.loaders.case import Case
from casegraph.progress import SILENT, Progress

from ..engine import GangEvidence, analyze
from ..memory import account_groups, fake_trades, figures, flows, gangs
from ..memory.engine import MemoryEngine
from . import graph, tables
from .runner import SparkSQL


class SparkEngine(MemoryEngine):
    """The Spark engine on one read case, running SQL through ``runner`` (see the module).
    The questions it does not override are the memory engine's, on the driver."""

    name = "spark"
    questions_at_once = 1  # Spark spreads each question's SQL over its executors already

    def __init__(self, case: Case, runner: SparkSQL, *, frames: dict | None = None) -> None:
        super().__init__(case)
        self.runner = runner
        self.frames = frames or {}  # the large tables Spark read, by name (see the module)

    @property
    def connect(self):
        return self.runner.connect

    @functools.cached_property
    def sql_case(self) -> Case:
        """The case as the SQL reads it: the large tables Spark read as its DataFrames."""
        return dataclasses.replace(self.case, tables=ChainMap(self.frames, self.case.tables))

    @functools.cached_property
    def sql_ledger(self):
        """The ledger in CNY as the SQL reads it: Spark's, when Spark read the ledger."""
        return tables.ledger_in_cny(self.frames["ledger"], self.case) if "ledger" in self.frames else self.ledger

    @functools.cached_property
    def sql_transfers(self):
        """The transfers as the flow SQL reads them: Spark's, when Spark read them; else None
        (the memory engine's, made on the driver)."""
        transfers = self.frames.get("bank_transfers")
        return None if transfers is None else tables.transfer_frame(transfers, self.case)

    @functools.cached_property
    def sql_logins(self):
        """The logins as the flow patterns and the account groups read them (one pass:
        :func:`.tables.login_columns`): Spark's, when Spark read logins that hold rows; else None
        (the memory engine's, made on the driver)."""
        logins = self.frames.get("logins")
        return None if logins is None or "logins" not in self.available else tables.login_columns(logins, self.case)

    def client_figures(self) -> pd.DataFrame:
        return figures.client_figures(self.sql_case, self.sql_ledger, connect=self.runner.connect)

    def agent_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        return figures.agent_subtree_totals(self.case, clients, self.sql_ledger, connect=self.runner.connect)

    def person_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        return figures.person_totals(self.case, clients, self.sql_ledger, connect=self.runner.connect)

    def person_window_totals(self) -> pd.DataFrame:
        return figures.person_window_totals(self.sql_case, self.sql_ledger, connect=self.runner.connect)

    def gang_evidence(self) -> GangEvidence:
        logins = self.frames.get("logins")
        return gangs.gang_evidence(self.sql_case, self.sql_ledger, connect=self.runner.connect,
                                   logins=None if logins is None else tables.gang_login_frame(logins, self.case))

    def gang_communities(self, edges: pd.DataFrame, *, seed: int) -> dict[str, int]:
        return graph.gang_communities(edges, self.runner, seed=seed)

    def account_groups(self) -> pd.DataFrame:
        return account_groups.account_groups(self.case, components=functools.partial(graph.component_labels,
                                                                                     runner=self.runner),
                                             connect=self.runner.connect,
                                             made=tables.account_group_tables(self.frames, self.case,
                                                                              transfers=self.sql_transfers,
                                                                              logins=self.sql_logins))

    def fake_trades(self) -> pd.DataFrame:
        return fake_trades.fake_trades(self.sql_case, connect=self.runner.connect)

    def platform_fraud(self, checked: pd.DataFrame, clients: pd.DataFrame) -> pd.DataFrame:
        return fake_trades.platform_fraud(self.sql_case, checked, clients, connect=self.runner.connect)

    def account_flows(self) -> pd.DataFrame:
        return flows.account_flows(self.case, connect=self.runner.connect, transfers=self.sql_transfers)

    def statement_requests(self) -> pd.DataFrame:
        return flows.statement_requests(self.case, connect=self.runner.connect, transfers=self.sql_transfers)

    def flow_patterns(self) -> pd.DataFrame:
        return flows.flow_patterns(self.case, connect=self.runner.connect, transfers=self.sql_transfers,
                                   logins=self.sql_logins)


def analyze_case(case: Case, runner: SparkSQL, seed: int = 0, *, frames: dict | None = None,
                 progress: Progress = SILENT) -> dict[str, pd.DataFrame]:
    """All outputs of the Spark engine for ``case``, keyed by output name (``chain`` -> chain.csv);
    ``frames``: the large tables Spark read (:func:`casegraph.loaders.spark_read.read_case_in_spark`)."""
    return analyze(SparkEngine(case, runner, frames=frames), seed=seed, progress=progress)
