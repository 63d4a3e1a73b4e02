"""Load throughput of a case into Neo4j, per table, against a naive row-by-row MERGE.

    .venv/bin/casegraph neo4j start
    .venv/bin/python bench/neo4j_load.py --scale seed            # generates into /tmp first
    .venv/bin/python bench/neo4j_load.py --case path/to/case --batch-sizes 1000,5000,20000

Prints one line per node label / relationship type (rows, seconds, rows/s), the total, the
batch-size sweep on ledger entries, and the row-by-row baseline (one auto-commit MERGE per
row, as a naive loader would do it) on a sample of ledger entries, with the ratio.
The database is cleared before each load.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import neo4j

from casegraph.generator import generate_case
from casegraph.graphs.model import NODES_BY_LABEL
from casegraph.loaders import neo4j as loader
from casegraph.loaders.case import load_case
from casegraph.loaders.fx import ledger_in_cny
from casegraph.server import connection_settings


def clear(driver) -> None:
    with driver.session() as session:
        loader.clear_database(session)


def full_load(driver, case, batch_size: int) -> loader.LoadReport:
    clear(driver)
    report = loader.load_into_neo4j(
        driver, case, batch_size=batch_size,
        on_table=lambda t: print(f"  {t.name:<16} {t.rows:>9,} rows {t.seconds:8.2f} s "
                                 f"{t.rows_per_second:>10,.0f} rows/s", flush=True))
    print(f"  {'total':<16} {report.rows:>9,} rows {report.seconds:8.2f} s "
          f"{report.rows / report.seconds:>10,.0f} rows/s")
    return report


def entry_records(case, limit: int | None = None) -> list[dict]:
    spec = NODES_BY_LABEL["Entry"]
    ledger = ledger_in_cny(case)
    if limit:
        ledger = ledger.head(limit)
    return loader._rows(ledger, spec.key, spec.properties, spec.table)


def batched_entries(driver, records: list[dict], batch_size: int) -> float:
    clear(driver)
    statement = loader.node_statement(NODES_BY_LABEL["Entry"])
    started = time.perf_counter()
    with driver.session() as session:
        for i in range(0, len(records), batch_size):
            batch = records[i:i + batch_size]
            session.execute_write(lambda tx, rows=batch: tx.run(statement, rows=rows, source="ledger.csv").consume())
    return time.perf_counter() - started


def row_by_row_entries(driver, records: list[dict]) -> float:
    """The naive baseline: one MERGE statement and one transaction per row."""
    clear(driver)
    statement = "MERGE (n:Entry {id: $id}) SET n += $props, n.source = $source, n.line = $line"
    started = time.perf_counter()
    with driver.session() as session:
        for row in records:
            session.run(statement, id=row["id"], props=row["props"], line=row["line"], source="ledger.csv").consume()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", type=Path, help="a case folder (default: generate one)")
    parser.add_argument("--scale", default="seed")
    parser.add_argument("--batch-size", type=int, default=loader.DEFAULT_BATCH_SIZE)
    parser.add_argument("--batch-sizes", default="1000,2000,5000,10000,20000",
                        help="sizes to sweep on ledger entries ('' to skip)")
    parser.add_argument("--sweep-rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=3000)
    args = parser.parse_args()

    folder = args.case
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="casegraph-bench-")) / "case"
        started = time.perf_counter()
        generate_case(folder, scale=args.scale, seed=7)
        print(f"generated {args.scale} case in {time.perf_counter() - started:.1f} s: {folder}")
    case = load_case(folder)
    settings = connection_settings()
    with neo4j.GraphDatabase.driver(settings.uri, auth=settings.auth) as driver:
        print(f"full load, batch size {args.batch_size}:")
        report = full_load(driver, case, args.batch_size)
        print("re-load of the same case (idempotent MERGE over existing data):")
        started = time.perf_counter()
        loader.load_into_neo4j(driver, case, batch_size=args.batch_size)
        print(f"  {time.perf_counter() - started:.1f} s")

        if args.batch_sizes:
            records = entry_records(case, args.sweep_rows)
            print(f"batch-size sweep, {len(records):,} ledger entries:")
            for size in (int(s) for s in args.batch_sizes.split(",")):
                seconds = batched_entries(driver, records, size)
                print(f"  batch {size:>6,}: {seconds:7.2f} s {len(records) / seconds:>10,.0f} rows/s")

        sample = entry_records(case, args.baseline_rows)
        naive = row_by_row_entries(driver, sample)
        batched = batched_entries(driver, sample, args.batch_size)
        naive_rate, batched_rate = len(sample) / naive, len(sample) / batched
        print(f"row-by-row MERGE baseline on {len(sample):,} entries: {naive_rate:,.0f} rows/s; "
              f"batched: {batched_rate:,.0f} rows/s; ratio {batched_rate / naive_rate:.0f}x")
        entries = next(t for t in report.timings if t.name == ":Entry")
        print(f"ledger entries in the full load: {entries.rows_per_second:,.0f} rows/s = "
              f"{entries.rows_per_second / naive_rate:.0f}x the row-by-row baseline")
        clear(driver)


if __name__ == "__main__":
    main()
