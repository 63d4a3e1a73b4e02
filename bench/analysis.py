"""Time the memory engine's reading and analysis apart, at several scales, in one run.

    .venv/bin/python bench/analysis.py                                  # seed and 3x, generated if absent
    .venv/bin/python bench/analysis.py --case seed=/tmp/seed7 --case 3x=/tmp/speed-3x --case 10x=/tmp/x10

Each case is measured in a process of its own (so that its peak memory is its own): pyarrow's
read of the CSV files (the floor), ``load_case`` (reading and validation) and ``analyze_case``
(everything between reading the case and writing files). Prints seconds, rows, seconds per
million rows and peak RSS per case; the analysis should grow no faster than the rows.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

# The scales, their generated cases and the floor are speed.py's, so both benches measure alike.
from speed import SCALES, case_for, read_floor


def measure(folder: Path) -> dict:
    """Read and analyse one case folder in this process."""
    from casegraph.loaders.case import load_case
    from casegraph.queries.memory.engine import analyze_case

    floor = read_floor(folder)
    started = time.perf_counter()
    case = load_case(folder)
    read = time.perf_counter() - started
    started = time.perf_counter()
    analyze_case(case)
    analysis = time.perf_counter() - started
    return {"rows": sum(case.row_counts().values()), "pyarrow_s": floor, "read_s": read, "analysis_s": analysis,
            "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", action="append", default=[], metavar="NAME=DIR", help="an existing case folder")
    parser.add_argument("--scales", nargs="*", default=["seed", "3x"], choices=list(SCALES),
                        help="generated scales to measure when no --case is given")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/casegraph-speed"),
                        help="generated cases, shared with speed.py")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # the child process's case
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    folders = {name: Path(path) for name, path in (item.split("=", 1) for item in args.case)}
    names = list(folders) or args.scales
    print(f"{'case':6} {'rows':>11} {'pyarrow s':>9} {'read s':>8} {'analysis s':>10} {'s/M rows':>8} "
          f"{'x pyarrow':>9} {'peak GiB':>8}")
    for name in names:
        folder = folders.get(name) or case_for(name, args.scratch)
        child = subprocess.run([sys.executable, __file__, "--one", str(folder)], capture_output=True, text=True,
                               check=True)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        per_million = result["analysis_s"] / (result["rows"] / 1e6)
        print(f"{name:6} {result['rows']:>11,} {result['pyarrow_s']:>9.2f} {result['read_s']:>8.1f} "
              f"{result['analysis_s']:>10.2f} {per_million:>8.2f} {result['analysis_s'] / result['pyarrow_s']:>9.1f} "
              f"{result['peak_gib']:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
