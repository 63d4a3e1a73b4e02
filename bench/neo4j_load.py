"""Load throughput of a case into Neo4j: the UNWIND load per table, the bulk first load
(neo4j-admin import, casegraph's local server) step by step, and their ratio, in one run.

    .venv/bin/casegraph neo4j start
    .venv/bin/python bench/neo4j_load.py --case /tmp/seed7
    .venv/bin/python bench/neo4j_load.py --scale small --sweep 1000,5000,20000

Prints one line per node label / relationship type of the UNWIND load into an emptied
database (rows, seconds, rows/s) and its total, then each step of the bulk first load
(writing the CSV files, stopping the server, the import, starting it, the constraints) and
its total, and the ratio. Reading the case is timed apart: both loads start from it.
``--sweep`` adds a batch-size sweep of the UNWIND load on ledger entries. The database holds
the imported case at the end.
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import time
from pathlib import Path

import neo4j

from casegraph.generator import generate_case
from casegraph.graphs.model import NODES_BY_LABEL
from casegraph.loaders import neo4j as loader
from casegraph.loaders.case import load_case
from casegraph.loaders.fx import ledger_in_cny
from casegraph.loaders.neo4j_import import import_case, is_local_server
from casegraph.server import connection_settings


def show(timing: loader.TableTiming) -> None:
    rate = f"{timing.rows_per_second:>10,.0f} rows/s" if timing.rows else ""
    print(f"  {timing.name:<16} {timing.rows:>9,} rows {timing.seconds:8.2f} s {rate}", flush=True)


def unwind_load(driver, case, batch_size: int, writers: int) -> loader.LoadReport:
    with driver.session() as session:
        loader.clear_database(session)
    report = loader.load_into_neo4j(driver, case, batch_size=batch_size, writers=writers, on_table=show)
    rate = report.rows / report.seconds
    print(f"  {'total':<16} {report.rows:>9,} rows {report.seconds:8.2f} s {rate:>10,.0f} rows/s")
    return report


def entry_sweep(driver, case, sizes: list[int], writers: list[int], rows: int) -> None:
    """Ledger entries alone into an emptied database, at each batch size and number of writers."""
    part = loader.node_rows(NODES_BY_LABEL["Entry"], ledger_in_cny(case).head(rows))
    print(f"sweep, {len(part.frame):,} ledger entries (CREATE):")
    for size, count in itertools.product(sizes, writers):
        with driver.session() as session:
            loader.clear_database(session)
        started = time.perf_counter()
        loader._write(driver, loader.node_statement("Entry", part, create=True), part, database=None, batch_size=size,
                      version="sweep", advance=lambda n: None, writers=count)
        seconds = time.perf_counter() - started
        print(f"  batch {size:>6,}, {count} writers: {seconds:7.2f} s {len(part.frame) / seconds:>10,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", type=Path, help="a case folder (default: generate one)")
    parser.add_argument("--scale", default="seed")
    parser.add_argument("--batch-size", type=int, default=loader.DEFAULT_BATCH_SIZE)
    parser.add_argument("--writers", default=str(loader.WRITERS),
                        help="writers of the UNWIND load; several (1,2) load once with each")
    parser.add_argument("--sweep", default="", help="batch sizes to sweep on ledger entries, e.g. 1000,5000,20000")
    parser.add_argument("--sweep-writers", default=str(loader.WRITERS), help="writers to sweep, e.g. 1,2")
    parser.add_argument("--skip-unwind", action="store_true", help="only the bulk first load")
    parser.add_argument("--sweep-rows", type=int, default=100_000)
    args = parser.parse_args()

    folder = args.case
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="casegraph-bench-")) / "case"
        started = time.perf_counter()
        generate_case(folder, scale=args.scale, seed=7)
        print(f"generated {args.scale} case in {time.perf_counter() - started:.1f} s: {folder}")
    print("load average (1, 5, 15 min) at the start: " + ", ".join(f"{n:.2f}" for n in os.getloadavg()))
    started = time.perf_counter()
    case = load_case(folder)
    print(f"read the case in {time.perf_counter() - started:.1f} s (not counted below)")
    settings = connection_settings()
    with neo4j.GraphDatabase.driver(settings.uri, auth=settings.auth) as driver:
        if args.sweep:
            entry_sweep(driver, case, [int(s) for s in args.sweep.split(",")],
                        [int(w) for w in args.sweep_writers.split(",")], args.sweep_rows)
        unwind = None
        for writers in [] if args.skip_unwind else [int(w) for w in args.writers.split(",")]:
            print(f"UNWIND load into an emptied database, batch size {args.batch_size}, {writers} writers:")
            unwind = unwind_load(driver, case, args.batch_size, writers)
    if not is_local_server(settings.uri):
        print("the bulk first load needs casegraph's local server (`casegraph neo4j start`): skipped")
        return
    print("bulk first load (neo4j-admin database import full):")
    bulk = import_case(case, on_step=show)
    print(f"  {'total':<16} {bulk.rows:>9,} rows {bulk.seconds:8.2f} s {bulk.rows / bulk.seconds:>10,.0f} rows/s")
    if unwind:
        print(f"bulk first load {bulk.seconds:.1f} s vs UNWIND {unwind.seconds:.1f} s: "
              f"{unwind.seconds / bulk.seconds:.2f}x faster")
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{n:.2f}" for n in os.getloadavg()))


if __name__ == "__main__":
    main()
