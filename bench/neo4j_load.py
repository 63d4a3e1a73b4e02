"""Load throughput of a case into Neo4j: the UNWIND load per table, the bulk first load
(neo4j-admin import, casegraph's local server) step by step, and their ratio, in one run.

    .venv/bin/casegraph neo4j start
    .venv/bin/python bench/neo4j_load.py --case /tmp/seed7 --writers 1,2
    .venv/bin/python bench/neo4j_load.py --scale small --sweep 1000,5000,20000 --sweep-writers 1,2

``--incremental 0.1`` adds the UNWIND load of the case over an earlier delivery of it (see
:func:`earlier_delivery`), as when statements arrive for a case already loaded.

Prints one line per node label / relationship type of the UNWIND load into an emptied
database (rows, seconds, rows/s) and its total (once per ``--writers`` value), then each step
of the bulk first load (writing the CSV files, the import, what stopping the server took
beyond it, starting it, the constraints) and its total, and the ratio, with the load average.
Reading the case is timed apart: both loads start from it. ``--sweep`` adds a sweep of batch
sizes and writers of the UNWIND load on ledger entries. The database holds the imported case
at the end.

What was tried (seed-scale case, 3,985,381 graph rows; 2 cores shared with 5 other workers,
load average 3-10, so compare within a line). Kept:

- Bolt's shutdown quiet period 0 (``internal.dbms.bolt.netty_server_shutdown_quiet_period``):
  debug.log showed 5.0 s between the databases' stop and Bolt's; an idle server stops in
  2.7 s instead of 7.1 s.
- The import into a data folder of its own while the server stops, the store moved in once
  it is down: "stop server" beyond the import 0.0 s (was 10.3-11.5 s); a failed import
  leaves the old store.
- A class-data-sharing archive for the server's JVM: start 8.7 s vs 13.0 s (means of 6
  alternating starts each, load 3-4).
- Readiness probed every 0.25 s (port first, then an authenticated ping; was every 1 s).
- Plain indexes first, then the constraints 2 at a time: warm, two rounds, serial 9.2 / 5.1 s,
  2 at a time 5.3 / 4.2 s, 4 at a time 5.1 / 3.2 s; just after a start (as after an import),
  13.1 / 11.4 s vs 11.6 / 14.8 s for the old order one at a time (within the noise).
- The line-break check by two plain substring searches instead of one regex: 1.2 -> 0.7 s.
- UNWIND: 2 writers (sessions) at a time: the whole case in one run, 140.3 s (28,403 rows/s)
  vs 220.6 s (18,065 rows/s) with one, 1.57x (load average 5.5-7.9); on 100,000 entries and
  their relationships, 4 pairs within a round, 1.13-2.0x.

- The importer's ``--threads=8`` on 2 cores (its default: one per core): 4 alternating
  pairs on the written files, 0.80-0.94x the default's time (median 21.0 vs 24.1 s); of 3,
  4, 6 and 8 threads, 8 was the fastest (2026-12-04, one-off script, not kept).
- The ``(:CaseLoad)`` node imported with the case instead of written by two Cypher statements
  after the start (0.8 s, cold), the line-break check by a byte search of each text column's
  buffer (0.8 s before), the replaced store deleted while the server starts (0.3 s): with
  the first two, 36.0 s in one run against 37.8 s just before (2026-12-04, idle); with all
  three, 38.5 / 37.1 / 39.3 / 33.5 / 40.9 / 37.2 s (load average 1-3.9), median 37.9 s.
- UNWIND: the two writers kept apart (``loader.writer_lanes``): over an earlier delivery
  (``--incremental 0.1``) concurrent relationship batches deadlocked again and again in file
  order (12 retries in the last 45 lines of output; the count was not kept), each retried
  after a second or more; kept apart, none: 79.8 / 81.1 / 75.3 s against 81.8 s (one run;
  noisy machine). Ordering each part by its shared end instead: 20 and 17 deadlocks, the
  second run 96.4 s; one writer for relationships that merge: none, 101.8 s. Transfers (both ends
  repeat) by rounds of randomly dealt accounts against one writer, merged into a database
  holding the rest, 3 alternating runs each: 4.31 s against 6.78 s (one deadlock retried).
- ``clear_database``: the relationships, then the nodes, 50,000 a transaction, against
  ``DETACH DELETE`` of 10,000 nodes a transaction: 72.3 vs 84.2 s on the loaded seed graph
  (``--clear-ab 1``).
- Integer ids for the importer (``--id-type=integer``; casegraph numbers each label's nodes and
  looks the relationships' ends up with Arrow's ``index_in``, 0.8 s): the seed case's import
  alone, 4 alternating pairs on the same files (one-off script, not kept), 19.0 / 19.1 / 23.0 /
  21.7 s against 24.2 / 22.2 / 27.4 / 26.5 s with string ids, 0.83x; the whole bulk load
  after it, six runs as other work loaded the machine (load 0.4-6.1): 32.2-42.6 s, median 39.6.
- The files written by a second thread while the next part's rows are made: the files step
  alone, 14 alternating pairs (one-off script, not kept), median 3.67 s against 4.05 s, 0.81x
  pair by pair; four bulk loads after it at load 4.7-5.7: 39.1-44.8 s. Tried once before, when
  the step took 11 s and the thread only wrote: 11.0 / 11.4 s against 12.3 / 10.5 s, 2 pairs,
  not kept then; the thread now also looks the ends up (Arrow, 0.8 s without the GIL).
- The plain indexes created in one transaction (one population job) before the constraints,
  instead of one transaction each: just after a server start on the imported seed graph, 4
  alternating pairs (one-off script, not kept), 5.90 / 5.80 / 5.90 / 5.89 s against
  6.06 / 5.99 / 5.95 / 6.11 s, 0.97x.
- Temporals made ISO text by Arrow's cast to text instead of numpy's ``datetime_as_string``
  (both loads write from the same rows): the ledger's 554,215 timestamps 0.05 s against
  0.66 s, the same text on every temporal column of the seed case and a noisy variant.

Tried, not kept:

- A class-data-sharing archive for the importer's JVM, as the server has: the import alone, 4
  alternating pairs on the same files (2026-12-04, one-off script), 18.32 / 17.49 / 21.90 /
  17.21 s against 17.89 / 17.77 / 17.63 / 18.05 s without: no gain; the importer's time is
  its work, not its classes.
- The importer's ``--schema`` (indexes built by the import): refused on Community's record
  format ("Record format batch import does not support schema changes").
- The importer's heap at 2 GB instead of 1 GB: 2 of 4 alternating pairs faster, 2 slower.
- UNWIND: properties inline in ``CREATE`` instead of ``CREATE`` + ``SET``: rows per server
  CPU-second 44k vs 34k in one round, 40k vs 34k the other way in the next.
- UNWIND: batches of 20,000 instead of 5,000: no consistent difference.

Where the time goes: the import's phases (``--verbose``) are the JVM start and preparation
~9 s, nodes 9.8 s, node index 2.5 s, relationships 8.1 s, linking and counts ~6 s (an idle
machine, later, import.log: 4 s before the import starts, nodes 5.7 s, relationships 4.7 s,
linking 1.5 s, post-processing 1.9 s, 2.8 s to close the store; 20.7 s in all). The UNWIND
load's client uses 0.1-0.3 CPU-seconds per 100,000 rows and the server 2.2-3.5: the server
is the limit (a JFR profile: commit, i.e. records, log and index updates, ~55%; Cypher ~35%).
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import neo4j
import pandas as pd

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


# clear_database before 2026-12-04: a node with its relationships at a time, 10,000 nodes a transaction.
DETACH_DELETE = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"


def clear_ab(driver, case, batch_size: int, writers: int, rounds: int) -> None:
    """The seed graph UNWIND-loaded, then cleared the old way (DETACH DELETE) or the current
    way (loader.clear_database), alternately, ``rounds`` times each: seconds of each clear."""
    ways = {"old (DETACH DELETE)": lambda session: session.run(DETACH_DELETE).consume(),
            "current (relationships, then nodes)": loader.clear_database}
    seconds: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, clear in ways.items():
            with driver.session() as session:
                loader.clear_database(session)
            loader.load_into_neo4j(driver, case, batch_size=batch_size, writers=writers)
            started = time.perf_counter()
            with driver.session() as session:
                clear(session)
            seconds[name].append(time.perf_counter() - started)
            print(f"  cleared the loaded case, {name}: {seconds[name][-1]:.1f} s", flush=True)
    old, new = (statistics.median(values) for values in seconds.values())
    print(f"  medians: old {old:.1f} s, current {new:.1f} s: current/old {new / old:.2f}")


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


# The tables that grow as a case goes on (statements, back-end exports, access logs): an
# earlier delivery of the case holds their rows up to some time.
GROWING = ("ledger", "bank_transfers", "trades", "broker_fills", "logins")


def earlier_delivery(folder: Path, out: Path, fraction: float) -> Path:
    """A copy of the case in ``folder`` as delivered earlier: the growing tables without their
    rows from the time before which ``1 - fraction`` of the ledger lies. One cutoff for all keeps
    the references whole (a fill follows its trade, a ledger entry its bank transfer)."""
    shutil.copytree(folder, out, ignore=shutil.ignore_patterns("truth"))
    ledger = pd.read_csv(folder / "ledger.csv", dtype=str, keep_default_na=False)
    cutoff = ledger["ts"].sort_values().iloc[int(len(ledger) * (1 - fraction))]
    for table in GROWING:
        path = folder / f"{table}.csv"
        if path.is_file():
            rows = pd.read_csv(path, dtype=str, keep_default_na=False)
            rows[rows["ts"] < cutoff].to_csv(out / path.name, index=False)
    return out


def incremental_load(case_folder: Path, case, fraction: float, batch_size: int, writers: int) -> None:
    """The UNWIND load as a case grows: the database holds an earlier delivery of the case
    (imported), and the whole case, with ``fraction`` of its ledger new, is loaded over it."""
    with tempfile.TemporaryDirectory(prefix="casegraph-bench-") as tmp:
        earlier = load_case(earlier_delivery(case_folder, Path(tmp) / "case", fraction))
        before = import_case(earlier)
    settings = connection_settings()
    print(f"UNWIND load over an earlier delivery ({before.rows:,} graph rows, imported), "
          f"{fraction:.0%} of the ledger new, batch size {batch_size}, {writers} writers:")
    with neo4j.GraphDatabase.driver(settings.uri, auth=settings.auth) as driver:
        started = time.perf_counter()
        report = loader.load_into_neo4j(driver, case, batch_size=batch_size, writers=writers, on_table=show)
        seconds = time.perf_counter() - started
    print(f"  {'total':<16} {report.rows:>9,} rows {seconds:8.2f} s {report.rows / seconds:>10,.0f} rows/s "
          f"({report.rows - before.rows:,} rows new; with the schema check and the stale sweep)")


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
    parser.add_argument("--incremental", type=float, default=0.0, metavar="FRACTION",
                        help="also time the UNWIND load of the case over an earlier delivery of it "
                             "(imported), FRACTION of its ledger new, e.g. 0.1")
    parser.add_argument("--clear-ab", type=int, default=0, metavar="ROUNDS",
                        help="time clearing the loaded case the old way and the current way, ROUNDS times each")
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
        if args.clear_ab:
            print(f"clearing the UNWIND-loaded case, {args.clear_ab} rounds:")
            clear_ab(driver, case, args.batch_size, int(args.writers.split(",")[-1]), args.clear_ab)
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
    if args.incremental:
        incremental_load(folder, case, args.incremental, args.batch_size, int(args.writers.split(",")[-1]))
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{n:.2f}" for n in os.getloadavg()))


if __name__ == "__main__":
    main()
