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

from . import figures
from .income import income_table

NODE_TYPES = ("vendor", "gang", "platform", "agent", "client", "person")
INCOME_SUBJECTS = ("gang", "platform", "agent", "person", "vendor")
TOTALS_COLUMNS = (
    "node_id", "node_type", "n_clients", "n_agents", "agent_depth", "depth", *figures.CLIENT_FIGURES,
    *(f"{scope}_{name}" for scope in ("own", "subtree") for name in ("n_clients", *figures.CLIENT_FIGURES)),
    "rebate_received", "commission_received", "rebate_due", "rebate_mismatch", "own_net_withdrawal", "license_income", "license_income_bank",
)


def totals_table(parts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """totals.csv: one row per node, ``node_id``, ``node_type`` and the figures that apply
    to it (missing where a figure does not apply to that type)."""
    frames = []
    for node_type in NODE_TYPES:
        frame = parts[node_type].drop(columns=["platform_id", "agent_id"], errors="ignore")
        frame = frame.astype({c: "Int64" for c in frame.columns if pd.api.types.is_integer_dtype(frame[c])})
        frame = frame.sort_index().rename_axis("node_id").reset_index()
        frame.insert(1, "node_type", node_type)
        frames.append(frame)
    totals = pd.concat(frames, ignore_index=True)
    return totals[[c for c in TOTALS_COLUMNS if c in totals.columns]]


def subject_provinces(case: Case, gang_platforms: pd.DataFrame) -> dict[str, pd.Series]:
    """Each subject's province, for per-province thresholds: a gang's own; a platform's and an
    agent's through the (known) gang that runs the platform; a person's and a vendor's own."""
    gang_province = case["gangs"].set_index("gang_id")["province"]
    platform_province = gang_platforms.sort_values("gang_id").drop_duplicates("platform_id").set_index(
        "platform_id")["gang_id"].map(gang_province)
    agents = case["agents"].set_index("agent_id")["platform_id"]
    return {"gang": gang_province, "platform": platform_province, "agent": agents.map(platform_province),
            "person": case["persons"].set_index("person_id")["province"],
            "vendor": case["vendors"].set_index("vendor_id")["province"]}


def analyze_case(case: Case) -> dict[str, pd.DataFrame]:
    """All outputs of the memory engine, keyed by output name (``chain`` -> chain.csv)."""
    ledger = ledger_in_cny(case)
    transfers = transfers_in_cny(case)
    clients = figures.client_figures(case, ledger)
    agents = figures.agent_subtree_totals(case, clients, ledger)
    platforms = figures.platform_totals(case, clients)
    gang_platforms = figures.known_gang_platforms(case)
    gangs = figures.gang_totals(platforms, gang_platforms)
    vendors = figures.vendor_totals(case, transfers, figures.licence_payer_accounts(case))
    persons = figures.person_totals(case, clients, ledger)
    parts = {"vendor": vendors, "gang": gangs, "platform": platforms, "agent": agents,
             "client": clients, "person": persons}
    rules = ThresholdRules.from_config(case.config.thresholds)
    subjects = {kind: parts[kind] for kind in INCOME_SUBJECTS}
    subjects["person"] = persons.reindex(figures.suspect_persons(case), fill_value=0)
    return {
        "chain": figures.licence_chain(case, platforms, gang_platforms),
        "totals": totals_table(parts),
        "income": income_table(subjects, figures.person_window_totals(case, ledger),
                               subject_provinces(case, gang_platforms), rules),
    }
