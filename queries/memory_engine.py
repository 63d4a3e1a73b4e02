"""The embedded engine: every analysis of a case in pandas (and networkx), no server.

>>> from casegraph.loaders.case import load_case                 # doctest: +SKIP
>>> tables = analyze_case(load_case("mycase"))                    # doctest: +SKIP
>>> tables["chain"].head()                                        # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from casegraph.loaders.case import Case
from casegraph.loaders.fx import ledger_in_cny, transfers_in_cny
from casegraph.thresholds import ThresholdRules

from . import figures, gangs
from .account_groups import account_groups
from .assembly import CaseFacts, assemble
from .fake_trades import fake_trades, platform_fraud


def case_facts(case: Case, transfers: pd.DataFrame) -> CaseFacts:
    """The facts :func:`~casegraph.queries.assembly.assemble` needs, from the case's tables."""
    return CaseFacts(
        licenses=case["licenses"][["vendor_id", "license_id", "platform_id"]],
        agent_platform=case["agents"].set_index("agent_id")["platform_id"],
        person_province=case["persons"].set_index("person_id")["province"],
        vendor_province=case["vendors"].set_index("vendor_id")["province"],
        suspects=figures.suspect_persons(case),
        known_gangs=figures.known_gang_platforms(case),
        province_votes=gangs.province_votes(case),
        entities=gangs.entities(case),
        vendor_totals=lambda gang_accounts: figures.vendor_totals(case, transfers, gang_accounts),
    )


def analyze_case(case: Case, seed: int = 0) -> dict[str, pd.DataFrame]:
    """All outputs of the memory engine, keyed by output name (``chain`` -> chain.csv)."""
    ledger = ledger_in_cny(case)
    clients = figures.client_figures(case, ledger)
    edges = gangs.gang_edges(case, ledger)
    communities = gangs.resolve_gangs(
        gangs.detect_communities(gangs.graph_of_edges(edges), seed=seed), gangs.hard_bindings(case, ledger),
        edges, figures.known_gang_platforms(case), platform_ids=case["platforms"]["platform_id"])
    fake = fake_trades(case)
    return assemble(
        case_facts(case, transfers_in_cny(case)), clients,
        figures.agent_subtree_totals(case, clients, ledger), figures.platform_totals(case, clients),
        figures.person_totals(case, clients, ledger), communities, gangs.ALGORITHM,
        figures.person_window_totals(case, ledger), ThresholdRules.from_config(case.config.thresholds),
        account_groups(case), fake, platform_fraud(case, fake))
