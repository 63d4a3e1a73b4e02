"""The one contract both engines keep, and the one ``analyze`` that turns an engine's
answers into the output tables.

An engine answers a fixed set of questions about one case, each as a DataFrame with the
same columns, rows and dtypes in every engine: the embedded engine
(:class:`casegraph.queries.memory.engine.MemoryEngine`, pandas and networkx on the case's
tables) and the server engine (:class:`casegraph.queries.neo4j.engine.Neo4jEngine`, Cypher on
a loaded case). What the answers mean for the output tables — which community is which gang,
the income rows, the severity — is decided once, here and in :mod:`.assembly`.

>>> from casegraph.loaders.case import load_case                          # doctest: +SKIP
>>> from casegraph.queries.memory.engine import MemoryEngine              # doctest: +SKIP
>>> tables = analyze(MemoryEngine(load_case("mycase")))                   # doctest: +SKIP
>>> tables["gangs"].head()                                                # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from casegraph.progress import SILENT, Progress
from casegraph.thresholds import ThresholdRules

from .assembly import CaseFacts, NodeFigures, TradingFindings, assemble
from .communities import detect_communities, graph_of_edges, resolve_gangs
from .output_tables import conform


@dataclass
class GangEvidence:
    """What gang discovery runs on (see :mod:`casegraph.queries.communities`)."""

    edges: pd.DataFrame  # u, v, weight: the gang graph, sorted
    bindings: pd.DataFrame  # node, platform_id, fact, weight: what the records state
    platform_ids: list[str]  # every platform of the case


class Engine(Protocol):
    """The questions every engine answers about one case (see the module)."""

    name: str

    def case_facts(self) -> CaseFacts:
        """The few facts of the case the output tables need as they are."""

    def threshold_rules(self) -> ThresholdRules:
        """The case's thresholds for the courts' severity levels."""

    def client_figures(self) -> pd.DataFrame:
        """Per client: platform, agent and the client figures (:data:`.rules.CLIENT_FIGURES`)."""

    def agent_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        """Per agent: depth, own and subtree figures, rebates received and due."""

    def platform_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        """Per platform: clients, agents, agent-tree depth and its clients' figures summed."""

    def person_totals(self, clients: pd.DataFrame) -> pd.DataFrame:
        """Per person who answers for clients: their figures summed, what the person received."""

    def person_window_totals(self) -> pd.DataFrame:
        """Per person and membership period: the figures during that tenure."""

    def gang_evidence(self) -> GangEvidence:
        """The gang graph and the hard facts gang discovery starts from."""

    def account_groups(self) -> pd.DataFrame:
        """account_groups.csv: broker-side accounts run by one controller, with the evidence."""

    def fake_trades(self) -> pd.DataFrame:
        """fake_trades.csv: trades no broker statement backs."""

    def platform_fraud(self, fake: pd.DataFrame) -> pd.DataFrame:
        """Per platform: trades, fake trades and the losses they caused (``fake``: :meth:`fake_trades`)."""

    def account_flows(self) -> pd.DataFrame:
        """account_flows.csv: per account, money in and out, cash, counterparties, its statement."""

    def flow_patterns(self) -> pd.DataFrame:
        """flow_patterns.csv: pass-through, fan-in/out, cycles, shared devices, round amounts, night
        (:mod:`.flow_rules`)."""

    def statement_requests(self) -> pd.DataFrame:
        """statement_requests.csv (调单建议): accounts to request statements of, most money first."""


def find_gangs(evidence: GangEvidence, known_gangs: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    """The resolved communities (:func:`.gangs.resolve_gangs`) of the gang graph in ``evidence``."""
    communities = detect_communities(graph_of_edges(evidence.edges), seed=seed)
    return resolve_gangs(communities, evidence.bindings, evidence.edges, known_gangs,
                         platform_ids=evidence.platform_ids)


def analyze(engine: Engine, *, seed: int = 0, progress: Progress = SILENT) -> dict[str, pd.DataFrame]:
    """Every output table of the case ``engine`` answers for, keyed by output name
    (``chain`` -> chain.csv), each as :data:`.output_tables.OUTPUT_TABLES` declares it;
    ``seed`` seeds community detection; each question is a step of ``progress``."""
    def asked(question: str, answer):
        with progress.step(f"{engine.name}: {question}"):
            return answer()

    facts = asked("case facts", engine.case_facts)
    clients = asked("client figures", engine.client_figures)
    figures = NodeFigures(clients=clients,
                          agents=asked("agent totals", lambda: engine.agent_totals(clients)),
                          platforms=asked("platform totals", lambda: engine.platform_totals(clients)),
                          persons=asked("person totals", lambda: engine.person_totals(clients)),
                          windows=asked("membership periods", engine.person_window_totals))
    evidence = asked("gang evidence", engine.gang_evidence)
    communities = asked("communities", lambda: find_gangs(evidence, facts.known_gangs, seed=seed))
    fake = asked("fake trades", engine.fake_trades)
    trading = TradingFindings(account_groups=asked("account groups", engine.account_groups), fake_trades=fake,
                              platform_fraud=asked("platform fraud", lambda: engine.platform_fraud(fake)))
    # Fund flows need the bank transfers (and accounts, persons, statements, logins when present) only.
    flows = {name: asked(name.replace("_", " "), getattr(engine, name))
             for name in ("account_flows", "flow_patterns", "statement_requests")}
    with progress.step("output tables"):
        tables = assemble(facts, figures, communities, rules=engine.threshold_rules(), trading=trading)
        tables.update(flows)
        return {name: conform(name, table) for name, table in tables.items()}
