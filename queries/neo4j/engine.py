"""The server engine: every question of :class:`casegraph.queries.engine.Engine` answered in
Cypher on a case loaded into Neo4j (:mod:`casegraph.loaders.neo4j`).

>>> runner = CypherRunner(driver, database="neo4j")                 # doctest: +SKIP
>>> tables = analyze(Neo4jEngine(runner))                           # doctest: +SKIP
"""

from __future__ import annotations

import json
from functools import cached_property

import pandas as pd

from casegraph.loaders.tables import TABLES
from casegraph.thresholds import ThresholdRules

from ..assembly import CaseFacts
from ..communities import detect_communities, graph_of_edges
from ..engine import GangEvidence
from ..flow_rules import FlowRules
from . import account_groups, fake_trades, figures, flows, gangs
from .runner import CypherRunner

FACTS = """
CALL () {
  MATCH (v:Vendor)-[:SOLD]->(l:License)-[:CREATED]->(p:Platform)
  RETURN 'license' AS kind, l.id AS id, v.id AS a, p.id AS b
  UNION ALL MATCH (a:Agent)-[:ON_PLATFORM]->(p:Platform) RETURN 'agent' AS kind, a.id AS id, p.id AS a, null AS b
  UNION ALL MATCH (p:Person) RETURN 'person' AS kind, p.id AS id, p.province AS a, null AS b
  UNION ALL MATCH (v:Vendor) RETURN 'vendor' AS kind, v.id AS id, v.province AS a, null AS b
}
RETURN kind, id, a, b
"""

SETTINGS = ("MATCH (l:CaseLoad) RETURN l.timezone AS timezone, l.thresholds AS thresholds, "
            "l.flow_patterns AS flow_patterns, l.tables AS tables")


class Neo4jEngine:
    """The Neo4j engine on the case loaded in ``runner``'s database."""

    name = "neo4j"
    questions_at_once = 1  # one after the other: the server runs each question on its own cores

    def __init__(self, runner: CypherRunner) -> None:
        self.runner = runner
        self._rows_of: pd.DataFrame | None = None
        self._rows: dict[str, list[dict]] = {}

    @cached_property
    def settings(self) -> dict:
        """The timezone and threshold rules the loaded case came with (see the loader)."""
        return self.runner.single(SETTINGS)

    def case_facts(self) -> CaseFacts:
        runner = self.runner
        facts = runner.run_cypher(FACTS)
        # Every kind, with no rows where a partial case has none (a bank-only case: no licences).
        of = {kind: facts[facts["kind"] == kind].set_index("id") for kind in ("license", "agent", "person", "vendor")}
        licenses = of["license"].reset_index().rename(
            columns={"id": "license_id", "a": "vendor_id", "b": "platform_id"})
        return CaseFacts(
            licenses=licenses[["vendor_id", "license_id", "platform_id"]],
            agent_platform=of["agent"]["a"].rename_axis("agent_id"),
            person_province=of["person"]["a"].rename_axis("person_id"),
            vendor_province=of["vendor"]["a"].rename_axis("vendor_id"),
            suspects=figures.suspect_persons(runner),
            known_gangs=gangs.operated_platforms(runner),
            province_votes=gangs.province_votes(runner),
            entities=gangs.entities(runner),
            vendor_totals=lambda gang_accounts: figures.vendor_totals(runner, gang_accounts),
        )

    @property
    def available(self) -> frozenset[str]:
        """The case tables that held rows when the case was loaded (a load older than partial
        cases recorded none: every table then, as analyze took them)."""
        tables = self.settings["tables"]
        return frozenset(tables) if tables is not None else frozenset(table.name for table in TABLES)

    def threshold_rules(self) -> ThresholdRules:
        return ThresholdRules.from_config(json.loads(self.settings["thresholds"]))

    def client_figures(self) -> pd.DataFrame:
        return figures.client_figures(self.runner)

    def _client_rows(self, clients: pd.DataFrame) -> dict[str, list[dict]]:
        # agent, platform and person totals are asked of the same client figures: convert them
        # to query parameters once.
        if self._rows_of is not clients:
            self._rows_of, self._rows = clients, figures.client_rows(clients)
        return self._rows

    def agent_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        return figures.agent_totals(self.runner, self._client_rows(clients))

    def platform_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        return figures.platform_totals(self.runner, self._client_rows(clients))

    def person_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        return figures.person_totals(self.runner, self._client_rows(clients))

    def person_window_totals(self) -> pd.DataFrame:
        return figures.person_window_totals(self.runner, timezone=self.settings["timezone"])

    def gang_evidence(self) -> GangEvidence:
        bindings, units, listed = gangs.hard_bindings(self.runner)
        return GangEvidence(edges=gangs.gang_edges(self.runner, timezone=self.settings["timezone"]),
                            bindings=bindings, platform_ids=gangs.platform_ids(self.runner),
                            transfers=gangs.transfer_counts(self.runner), units=units, listed=listed)

    def gang_communities(self, edges: pd.DataFrame, *, seed: int) -> dict[str, int]:
        # On the driver, as in memory: GDS's Louvain visits nodes in another order (see .gangs).
        return detect_communities(graph_of_edges(edges), seed=seed)

    def account_groups(self) -> pd.DataFrame:
        return account_groups.account_groups(self.runner)

    def fake_trades(self) -> pd.DataFrame:
        return fake_trades.fake_trades(self.runner)

    def platform_fraud(self, checked: pd.DataFrame, clients: pd.DataFrame) -> pd.DataFrame:
        # The query tells fake trades from real ones and sums the clients' figures itself, on the
        # server; of the trades no statement shows, it is told which are outside those in hand.
        return fake_trades.platform_fraud(self.runner, checked)

    def account_flows(self) -> pd.DataFrame:
        return flows.account_flows(self.runner, timezone=self.settings["timezone"])

    def flow_patterns(self) -> pd.DataFrame:
        # A graph loaded before flow patterns were stored takes the defaults.
        rules = FlowRules.from_config(self.settings.get("flow_patterns") or {})
        return flows.flow_patterns(self.runner, rules=rules, timezone=self.settings["timezone"])

    def statement_requests(self) -> pd.DataFrame:
        return flows.statement_requests(self.runner)
