"""Time the memory engine on a hostile agent hierarchy: one chain of N agents (default
50,000), each with one client, appended to a generated tiny case (tests/chain_case.py).

    .venv/bin/python bench/agent_chain.py                      # 50,000 agents
    .venv/bin/python bench/agent_chain.py --agents 5000 --communities --neo4j

Prints seconds per stage and the peak RSS: reading and validating the case, each figure
of queries/memory/figures.py, income.csv, the gang graph; with ``--communities`` also the Louvain
communities on it (queries/communities.py: minutes on a long chain), with ``--neo4j`` also loading
the case and the Neo4j engine's agent and person queries (under ``flock /tmp/neo4j.lock``).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from chain_case import chain_case  # noqa: E402

from casegraph.loaders.case import load_case  # noqa: E402
from casegraph.loaders.fx import ledger_in_cny  # noqa: E402
from casegraph.queries import communities  # noqa: E402
from casegraph.queries.income import income_table  # noqa: E402
from casegraph.queries.memory import figures, gangs  # noqa: E402
from casegraph.thresholds import ThresholdRules  # noqa: E402


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


@contextmanager
def stage(name: str, seconds: dict[str, float]):
    started = time.perf_counter()
    yield
    seconds[name] = time.perf_counter() - started
    print(f"  {name:<24} {seconds[name]:7.2f} s   peak RSS {peak_gib():.2f} GiB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=50_000)
    parser.add_argument("--communities", action="store_true")
    parser.add_argument("--neo4j", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="casegraph-chain-")) / "case"
    started = time.perf_counter()
    chain_case(folder, args.agents)
    print(f"built {folder} with a chain of {args.agents:,} agents in {time.perf_counter() - started:.1f} s")

    seconds: dict[str, float] = {}
    with stage("read and validate", seconds):
        case = load_case(folder)
        ledger = ledger_in_cny(case)
    with stage("client_figures", seconds):
        clients = figures.client_figures(case, ledger)
    with stage("agent_subtree_totals", seconds):
        agents = figures.agent_subtree_totals(case, clients, ledger)
    with stage("platform_totals", seconds):
        platforms = figures.platform_totals(case, clients)
    with stage("person_totals", seconds):
        persons = figures.person_totals(case, clients, ledger)
    with stage("person_window_totals", seconds):
        windows = figures.person_window_totals(case, ledger)
    with stage("income.csv", seconds):
        subjects = {"platform": platforms, "agent": agents, "person": persons}
        income_table(subjects, windows, {}, ThresholdRules.from_config(case.config.thresholds))
    with stage("gang_graph", seconds):
        graph = gangs.gang_graph(case, ledger)
    if args.communities:
        with stage("detect_communities", seconds):
            communities.detect_communities(graph, seed=0)
    print(f"total {sum(seconds.values()):.1f} s, peak RSS {peak_gib():.2f} GiB")
    if args.neo4j:
        neo4j_stages(case)


def neo4j_stages(case) -> None:
    import neo4j

    from casegraph.loaders.neo4j import load_into_neo4j
    from casegraph.queries.neo4j import figures
    from casegraph.queries.neo4j.runner import CypherRunner, parameter_rows
    from casegraph.server import connection_settings

    settings = connection_settings()
    seconds: dict[str, float] = {}
    with neo4j.GraphDatabase.driver(settings.uri, auth=settings.auth) as driver:
        with stage("neo4j load", seconds):
            load_into_neo4j(driver, case, replace=True)
        with stage("neo4j client figures", seconds):
            clients = figures.client_figures(CypherRunner(driver))
        params = {"clients": parameter_rows(clients.reset_index())}
        for name in ("AGENT_SUBTREE", "AGENTS", "REBATE_DUE", "PERSONS_SUBTREE"):
            with stage(f"neo4j {name}", seconds):
                CypherRunner(driver).run_cypher(getattr(figures, name), params)


if __name__ == "__main__":
    main()
