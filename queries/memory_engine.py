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


def subject_provinces(case: Case, gang_platforms: pd.DataFrame, gang_province: pd.Series) -> dict[str, pd.Series]:
    """Each subject's province, for per-province thresholds: a gang's; a platform's and an
    agent's through the gang that runs the platform; a person's and a vendor's own."""
    platform_province = gang_platforms.sort_values("gang_id").drop_duplicates("platform_id").set_index(
        "platform_id")["gang_id"].map(gang_province)
    agents = case["agents"].set_index("agent_id")["platform_id"]
    return {"gang": gang_province, "platform": platform_province, "agent": agents.map(platform_province),
            "person": case["persons"].set_index("person_id")["province"],
            "vendor": case["vendors"].set_index("vendor_id")["province"]}


def gang_provinces_for_output(case: Case, found: pd.DataFrame) -> pd.Series:
    """A gang's province: the one gangs.csv gives a known gang, else the one found by vote."""
    known = case["gangs"].dropna(subset=["province"]).set_index("gang_id")["province"]
    return found["province"].where(~found.index.isin(known.index), found.index.map(known))


def finish_outputs(case: Case, ledger, transfers, clients, agents, platforms, persons, communities,
                   windows, rules) -> dict[str, pd.DataFrame]:
    """Everything downstream of the per-node figures and the communities, shared by both
    engines: gangs, chain, totals, income."""
    gang_platforms = communities[communities["entity_type"] == "platform"].dropna(subset=["gang_id"])[
        ["gang_id", "entity_id"]].rename(columns={"entity_id": "platform_id"})
    gangs_found = gangs.gang_table(case, communities, platforms)
    gangs_found["province"] = gang_provinces_for_output(case, gangs_found)
    gang_sums = figures.gang_totals(platforms, gang_platforms)
    accounts = communities[communities["entity_type"].isin(["bank_account", "trading_account"])]
    gang_accounts = pd.Index(accounts.dropna(subset=["gang_id"])["entity_id"])
    vendors = figures.vendor_totals(case, transfers, gang_accounts)
    parts = {"vendor": vendors, "gang": gang_sums, "platform": platforms, "agent": agents,
             "client": clients, "person": persons}
    subjects = {kind: parts[kind] for kind in INCOME_SUBJECTS}
    subjects["person"] = persons.reindex(figures.suspect_persons(case), fill_value=0)
    return {
        "chain": figures.licence_chain(case, platforms, gang_platforms, gangs_found["province"]),
        "totals": totals_table(parts),
        "income": income_table(subjects, windows, subject_provinces(case, gang_platforms, gangs_found["province"]),
                               rules),
        "gangs": gangs_found.reset_index(),
        "communities": communities,
    }


def analyze_case(case: Case, seed: int = 0) -> dict[str, pd.DataFrame]:
    """All outputs of the memory engine, keyed by output name (``chain`` -> chain.csv)."""
    ledger = ledger_in_cny(case)
    transfers = transfers_in_cny(case)
    clients = figures.client_figures(case, ledger)
    agents = figures.agent_subtree_totals(case, clients, ledger)
    platforms = figures.platform_totals(case, clients)
    persons = figures.person_totals(case, clients, ledger)
    found = gangs.detect_communities(gangs.gang_graph(case, ledger), seed=seed)
    communities = gangs.assign_gangs(case, found, "louvain")
    return finish_outputs(case, ledger, transfers, clients, agents, platforms, persons, communities,
                          figures.person_window_totals(case, ledger), ThresholdRules.from_config(case.config.thresholds))
