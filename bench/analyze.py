"""Time `analyze` in both engines, each Cypher query, and PROFILE the three slowest.

    .venv/bin/casegraph neo4j start
    .venv/bin/python bench/analyze.py --scale seed            # generates into /tmp first
    .venv/bin/python bench/analyze.py --case DIR --skip-load  # the case is already loaded

Prints the memory engine's time and peak memory (reading + analysis), the load time, the
Neo4j engine's time after the load with a line per query, and the db hits of the three
slowest queries (PROFILE, summed over the plan).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import neo4j

from casegraph.generator import generate_case
from casegraph.loaders.case import load_case
from casegraph.loaders.neo4j import load_into_neo4j
from casegraph.queries.engine import analyze
from casegraph.queries.memory.engine import analyze_case
from casegraph.queries.neo4j import account_groups, fake_trades, figures, gangs
from casegraph.queries.neo4j.engine import Neo4jEngine
from casegraph.queries.neo4j.runner import CypherRunner
from casegraph.server import connection_settings


def db_hits(plan) -> int:
    return int(plan.get("dbHits", 0)) + sum(db_hits(child) for child in plan.get("children", []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", type=Path)
    parser.add_argument("--scale", default="seed")
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    folder = args.case
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="casegraph-bench-")) / "case"
        generate_case(folder, scale=args.scale, seed=7)

    started = time.perf_counter()
    case = load_case(folder)
    read = time.perf_counter() - started
    started = time.perf_counter()
    analyze_case(case)
    analysed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"memory engine: read {read:.1f} s + analyse {analysed:.1f} s = {read + analysed:.1f} s; "
          f"peak RSS {peak:.2f} GiB")

    timings: list[tuple[float, str, dict]] = []

    class TimedRunner(CypherRunner):
        def run_cypher(self, query, params=None):
            started = time.perf_counter()
            frame = super().run_cypher(query, params)
            timings.append((time.perf_counter() - started, query, params or {}))
            return frame

    settings = connection_settings()
    with neo4j.GraphDatabase.driver(settings.uri, auth=settings.auth) as driver:
        if not args.skip_load:
            started = time.perf_counter()
            load_into_neo4j(driver, case, replace=True)
            print(f"neo4j load: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        analyze(Neo4jEngine(TimedRunner(driver)))
        total = time.perf_counter() - started
        names = {getattr(module, n): n for module in (account_groups, fake_trades, figures, gangs)
                 for n in dir(module) if n.isupper() and isinstance(getattr(module, n), str)}
        print(f"neo4j engine after the load: {total:.1f} s")
        for seconds, query, _ in sorted(timings, key=lambda t: -t[0]):
            print(f"  {names.get(query, '?'):<18} {seconds:7.2f} s")
        print("PROFILE of the three slowest:")
        for seconds, query, parameters in sorted(timings, key=lambda t: -t[0])[:3]:
            with driver.session() as session:
                result = session.run("PROFILE " + query, parameters)
                for _ in result:  # the profile is complete once every row is read
                    pass
                summary = result.consume()
            print(f"  {names.get(query, '?'):<18} {seconds:7.2f} s  {db_hits(summary.profile):>14,} db hits")


if __name__ == "__main__":
    main()
