"""A hostile case shape for tests and ``bench/agent_chain.py``: a generated tiny case with one
long chain of agents appended on a known gang's platform (issue "Hostile and messy input",
resource abuse). Every chain agent is a person of its own and has one client with four
ledger entries; rates fall one step per level, so every parent is due the same differential.

>>> from pathlib import Path                                           # doctest: +SKIP
>>> chain = chain_case(Path("/tmp/chain"), 50_000)                      # doctest: +SKIP
>>> chain.agents[-1]["parent_agent_id"]                                 # doctest: +SKIP
'CH049999'
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from casegraph.generator import generate_case

RATE_STEP_MICRO = 10  # each level's rebate rate is 0.00001 below its parent's


@dataclass
class Chain:
    folder: Path
    platform_id: str
    agents: list[dict]  # top first
    clients: list[dict]  # the i-th client is the i-th agent's
    ledger: list[dict]


def _append(folder: Path, name: str, rows: list[dict]) -> None:
    path = folder / f"{name}.csv"
    with open(path, encoding="utf-8") as handle:
        columns = next(csv.reader(handle))
    with open(path, "a", newline="", encoding="utf-8") as handle:
        csv.DictWriter(handle, fieldnames=columns, lineterminator="\n").writerows(rows)


def rate_text(micro: int) -> str:
    return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"


def chain_case(folder: Path, n_agents: int, *, seed: int = 3, top_rate_micro: int = 600_000) -> Chain:
    """Write the tiny generated case into ``folder`` and append the chain of ``n_agents``."""
    generate_case(folder, scale="tiny", seed=seed)
    with open(folder / "gangs.csv", encoding="utf-8") as handle:
        platform_id = next(csv.DictReader(handle))["platform_ids"].split(";")[0]
    agents, persons, clients, ledger = [], [], [], []
    for k in range(n_agents):
        agent_id, client_id = f"CH{k:06d}", f"CCH{k:06d}"
        rate = max(top_rate_micro - RATE_STEP_MICRO * k, 0)
        persons.append({"person_id": f"PCH{k:06d}", "name": f"链{k}", "province": "上海市"})
        agents.append({"agent_id": agent_id, "platform_id": platform_id, "person_id": f"PCH{k:06d}",
                       "parent_agent_id": f"CH{k - 1:06d}" if k else "", "rebate_rate": rate_text(rate)})
        clients.append({"client_id": client_id, "platform_id": platform_id, "agent_id": agent_id})
        day = f"2020-{k % 12 + 1:02d}-{k % 28 + 1:02d}"
        for i, (kind, amount) in enumerate((("deposit", 10_000 + k % 997), ("fee", 370 + k % 1009),
                                            ("pnl", -(k % 509)), ("withdrawal", 1_000 + k % 89))):
            ledger.append({"entry_id": f"ECH{k:06d}{i}", "ts": f"{day}T1{i}:00:00", "platform_id": platform_id,
                           "client_id": client_id, "kind": kind, "amount": f"{amount}.{k % 100:02d}",
                           "currency": "CNY"})
    for name, rows in (("persons", persons), ("agents", agents), ("clients", clients), ("ledger", ledger)):
        _append(folder, name, rows)
    return Chain(folder, platform_id, agents, clients, ledger)
