"""The embedded engine: every question of :class:`casegraph.queries.engine.Engine` answered
from the case's tables in memory (pandas, numpy, networkx), no server.

>>> from casegraph.loaders.case import load_case                 # doctest: +SKIP
>>> tables = analyze_case(load_case("mycase"))                    # doctest: +SKIP
>>> tables["chain"].head()                                        # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Collection

import pandas as pd

from casegraph.loaders.case import Case
from casegraph.loaders.fx import ledger_in_cny
from casegraph.progress import SILENT, Progress
from casegraph.thresholds import ThresholdRules

from ..assembly import CaseFacts
from ..columnar import duckdb_connection
from ..communities import detect_communities, graph_of_edges
from ..engine import GangEvidence, analyze
from . import account_groups, fake_trades, figures, flows, gangs


class MemoryEngine:
    """The memory engine on one read case (:func:`casegraph.loaders.case.load_case`)."""

    name = "memory"
    # Two questions at once, as this project's machines have two cores: their pyarrow kernels
    # and DuckDB's SQL let go of the GIL, and the questions share no state but the ledger in
    # CNY, made once under a lock.
    questions_at_once = 2

    # Where the SQL runs, on which tables: DuckDB, on the case's (the Spark engine's: Spark, on Spark's).
    connect = staticmethod(duckdb_connection)

    def __init__(self, case: Case) -> None:
        self.case = case
        self._ledger: pd.DataFrame | None = None
        self._ledger_lock = threading.Lock()

    @property
    def sql_case(self) -> Case:
        return self.case

    @property
    def available(self) -> frozenset[str]:
        return self.case.available

    @property
    def ledger(self) -> pd.DataFrame:
        """The ledger with every amount in CNY fen, converted once for every question (by the
        first to ask: questions run side by side, and ``functools.cached_property`` holds no
        lock from Python 3.12 on)."""
        with self._ledger_lock:
            if self._ledger is None:
                self._ledger = ledger_in_cny(self.case)
            return self._ledger

    def case_facts(self) -> CaseFacts:
        case = self.case
        return CaseFacts(
            licenses=case["licenses"][["vendor_id", "license_id", "platform_id"]],
            agent_platform=case["agents"].set_index("agent_id")["platform_id"],
            person_province=case["persons"].set_index("person_id")["province"],
            vendor_province=case["vendors"].set_index("vendor_id")["province"],
            suspects=figures.suspect_persons(case),
            known_gangs=gangs.operated_platforms(case),
            province_votes=gangs.province_votes(self.sql_case, connect=self.connect),
            entities=gangs.entities(case),
            vendor_totals=lambda gang_accounts: figures.vendor_totals(case, gang_accounts),
        )

    def threshold_rules(self) -> ThresholdRules:
        return ThresholdRules.from_config(self.case.config.thresholds)

    def client_figures(self) -> pd.DataFrame:
        return figures.client_figures(self.case, self.ledger)

    def agent_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        return figures.agent_subtree_totals(self.case, clients, self.ledger)

    def platform_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        return figures.platform_totals(self.case, clients)

    def person_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        return figures.person_totals(self.case, clients, self.ledger)

    def person_window_totals(self) -> pd.DataFrame:
        return figures.person_window_totals(self.case, self.ledger)

    def gang_evidence(self) -> GangEvidence:
        return gangs.gang_evidence(self.case, self.ledger)

    def gang_communities(self, edges: pd.DataFrame, *, seed: int) -> dict[str, int]:
        return detect_communities(graph_of_edges(edges), seed=seed)

    def account_groups(self) -> pd.DataFrame:
        return account_groups.account_groups(self.case)

    def fake_trades(self) -> pd.DataFrame:
        return fake_trades.fake_trades(self.case)

    def platform_fraud(self, checked: pd.DataFrame, clients: pd.DataFrame) -> pd.DataFrame:
        return fake_trades.platform_fraud(self.case, checked, clients)

    def account_flows(self) -> pd.DataFrame:
        return flows.account_flows(self.case)

    def flow_patterns(self) -> pd.DataFrame:
        return flows.flow_patterns(self.case)

    def statement_requests(self) -> pd.DataFrame:
        return flows.statement_requests(self.case)


def analyze_case(case: Case, seed: int = 0, *, progress: Progress = SILENT,
                 questions: Collection[str] | None = None) -> dict[str, pd.DataFrame]:
    """All outputs of the memory engine for ``case``, keyed by output name (``chain`` -> chain.csv);
    ``questions``: those to ask, as :func:`casegraph.queries.engine.analyze` takes them."""
    return analyze(MemoryEngine(case), seed=seed, progress=progress, questions=questions)
