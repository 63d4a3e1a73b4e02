"""Time `casegraph validate`'s work (read_case: decode, parse, check every rule) beside pyarrow
reading the same CSV files, in one run, and print both and their ratio (issue 11: validate
within 2x the pyarrow read).

    .venv/bin/python bench/read.py /tmp/seed7                    # the seed-scale case
    .venv/bin/python bench/read.py /tmp/seed7 /tmp/reader-3x      # growth: seconds per million rows

Each round times pyarrow then read_case on every case, alternating, so both see the same
machine load (2 cores shared: timings are noisy, the ratio less so). Printed per case: the rows,
the best round of each, the ratio of the bests, and seconds per million rows; a case that is
not valid is reported as such (read_case still timed: problems are part of its work).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pyarrow.csv as pa_csv

from casegraph.loaders.case import read_case
from casegraph.loaders.tables import TABLES


def pyarrow_read(folder: Path) -> int:
    """Read every case CSV file with pyarrow (its own type inference); the rows read."""
    return sum(pa_csv.read_csv(folder / table.file).num_rows for table in TABLES if (folder / table.file).is_file())


def casegraph_read(folder: Path) -> int:
    """`casegraph validate`'s work; the rows read (or -1 when the case has problems)."""
    case, problems = read_case(folder)
    return -1 if problems else sum(case.row_counts().values())


def timed(work, folder: Path) -> tuple[float, int]:
    started = time.perf_counter()
    rows = work(folder)
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="+", type=Path, help="case folders")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    best: dict[Path, dict[str, float]] = {case: {"pyarrow": float("inf"), "casegraph": float("inf")}
                                          for case in args.cases}
    rows: dict[Path, int] = {}
    for round_ in range(1, args.rounds + 1):
        for case in args.cases:
            arrow_seconds, rows[case] = timed(pyarrow_read, case)
            casegraph_seconds, valid_rows = timed(casegraph_read, case)
            if valid_rows < 0:
                print(f"{case}: NOT VALID (read_case found problems)")
            print(f"round {round_} {case}: pyarrow {arrow_seconds:.2f} s, "
                  f"casegraph validate {casegraph_seconds:.2f} s, "
                  f"ratio {casegraph_seconds / arrow_seconds:.2f}", flush=True)
            best[case]["pyarrow"] = min(best[case]["pyarrow"], arrow_seconds)
            best[case]["casegraph"] = min(best[case]["casegraph"], casegraph_seconds)
    print(f"{'case':<24} {'rows':>11} {'pyarrow s':>10} {'validate s':>11} {'ratio':>6} {'validate s/M rows':>18}")
    for case in args.cases:
        arrow_seconds, casegraph_seconds = best[case]["pyarrow"], best[case]["casegraph"]
        print(f"{str(case):<24} {rows[case]:>11,} {arrow_seconds:>10.2f} {casegraph_seconds:>11.2f} "
              f"{casegraph_seconds / arrow_seconds:>6.2f} {casegraph_seconds / rows[case] * 1e6:>18.2f}")


if __name__ == "__main__":
    main()
