"""The embedded engine: every analysis of a case in pandas (and networkx), no server.

>>> from casegraph.loaders.case import load_case                 # doctest: +SKIP
>>> tables = analyze_case(load_case("mycase"))                    # doctest: +SKIP
>>> tables["chain"].head()                                        # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from casegraph.loaders.case import Case
from casegraph.loaders.fx import ledger_in_cny, transfers_in_cny

from . import figures

NODE_TYPES = ("vendor", "gang", "platform", "agent", "client", "person")
TOTALS_COLUMNS = (
    "node_id", "node_type", "n_clients", "n_agents", "agent_depth", "depth", *figures.CLIENT_FIGURES,
    *(f"{scope}_{name}" for scope in ("own", "subtree") for name in ("n_clients", *figures.CLIENT_FIGURES)),
    "rebate_received", "commission_received", "own_net_withdrawal", "license_income", "license_income_bank",
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
    persons = figures.person_totals(case, clients, agents, ledger)
    totals = totals_table({"vendor": vendors, "gang": gangs, "platform": platforms, "agent": agents,
                           "client": clients, "person": persons})
    return {
        "chain": figures.licence_chain(case, platforms, gang_platforms),
        "totals": totals,
    }
