"""A hostile hierarchy: one chain of agents, each with one client (tests/chain_case.py). The
figures must stay exact and the time near linear: the 50,000-agent chain is the target of
issue "Hostile and messy input" (under 30 s for the figures; quadratic pairs took minutes)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from chain_case import chain_case

from casegraph.loaders.case import load_case
from casegraph.loaders.fx import ledger_in_cny
from casegraph.queries.memory import figures


def fen(text: str) -> int:
    return int(Decimal(text) * 100)


def suffix_sums(values: list[int]) -> list[int]:
    """sums[k] = values[k] + values[k + 1] + …: what agent k of a chain has below it."""
    sums, running = [0] * len(values), 0
    for k in range(len(values) - 1, -1, -1):
        running += values[k]
        sums[k] = running
    return sums


def rounded(fees: int, rate_micro: int) -> int:
    return (fees * rate_micro + 500_000) // 1_000_000  # fees and rates are ≥ 0 here


@pytest.mark.parametrize("n_agents", [2_000, pytest.param(50_000, marks=pytest.mark.slow)])
def test_a_chain_of_agents(tmp_path, n_agents):
    chain = chain_case(tmp_path / "case", n_agents)
    case = load_case(chain.folder)
    started = time.perf_counter()
    ledger = ledger_in_cny(case)
    clients = figures.client_figures(case, ledger)
    agents = figures.agent_subtree_totals(case, clients, ledger)
    platforms = figures.platform_totals(case, clients)
    persons = figures.person_totals(case, clients, ledger)
    figures.person_window_totals(case, ledger)
    assert time.perf_counter() - started < 30

    # By hand: agent k has clients k … n-1 below it; each parent is due its rate on its own
    # client and the one-step differential on every client further down.
    ids = [a["agent_id"] for a in chain.agents]
    rates = [int(Decimal(a["rebate_rate"]) * 1_000_000) for a in chain.agents]  # millionths
    deposits, fees = [0] * n_agents, [0] * n_agents
    for entry in chain.ledger:
        k = int(entry["client_id"][3:])
        if entry["kind"] == "deposit":
            deposits[k] += fen(entry["amount"])
        elif entry["kind"] == "fee":
            fees[k] += fen(entry["amount"])
    differential_due = suffix_sums([rounded(f, rates[0] - rates[1]) for f in fees])
    due = [rounded(fees[k], rates[k]) + (differential_due[k + 1] if k + 1 < n_agents else 0)
           for k in range(n_agents)]
    chain_rows = agents.loc[ids]
    assert chain_rows["depth"].tolist() == list(range(1, n_agents + 1))
    assert chain_rows["subtree_n_clients"].tolist() == list(range(n_agents, 0, -1))
    assert chain_rows["subtree_deposits"].tolist() == suffix_sums(deposits)
    assert chain_rows["subtree_fees"].tolist() == suffix_sums(fees)
    assert chain_rows["rebate_due"].tolist() == due
    assert persons.loc[[a["person_id"] for a in chain.agents], "subtree_fees"].tolist() == suffix_sums(fees)
    assert platforms.loc[chain.platform_id, "agent_depth"] == n_agents
