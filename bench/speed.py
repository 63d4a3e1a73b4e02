"""The speed targets of the embedded engine, measured side by side in one run: for each case,
the time pyarrow takes to read its CSV files (the floor), then ``casegraph validate`` and
``casegraph analyze`` (every output file, referrals included) as whole processes, with their
ratios to the floor, seconds per million rows and peak memory.

The floor is taken both ways, and both ratios are printed: ``read s`` is the read alone inside
a warm process, ``read proc s`` a whole process that starts Python, imports pyarrow and reads
the same files — measured the way the commands are, so that ``x proc`` compares like with like
(a command cannot start faster than Python and pyarrow load).

    .venv/bin/python bench/speed.py                               # seed, 3x and 10x seed (generated once)
    .venv/bin/python bench/speed.py --scales seed --runs 3
    .venv/bin/python bench/speed.py --case path/to/case           # a case of your own

Generated cases are kept in --cache (default /tmp/casegraph-speed) for the next run. The
floor is the median of --runs reads; each command is run --runs times and its median
reported. Peak memory is the largest resident set of the command's process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.csv

SCALES = {"seed": "seed", "3x": "60000", "10x": "200000"}  # 20,000 clients is seed scale
CASEGRAPH = str(Path(sys.executable).with_name("casegraph"))


def csv_files(case: Path) -> list[Path]:
    return sorted(path for path in case.glob("*.csv"))


def rows_of(case: Path) -> int:
    return sum(pyarrow.csv.read_csv(path).num_rows for path in csv_files(case))


def read_floor(case: Path) -> float:
    """Seconds pyarrow takes to read every CSV file of the case into memory (all cores)."""
    started = time.perf_counter()
    for path in csv_files(case):
        pyarrow.csv.read_csv(path)
    return time.perf_counter() - started


# A whole process that does nothing but read the files given with pyarrow.
READ_ONLY = "import sys, pyarrow.csv\nfor path in sys.argv[1:]:\n    pyarrow.csv.read_csv(path)"


def timed_process(command: list[str], *, keep_stderr: bool = False):
    """(seconds, peak RSS in GiB) of one run of ``command``, which must succeed; with
    ``keep_stderr``, (seconds, GiB, what it wrote to standard error)."""
    started = time.perf_counter()
    # A fresh fork per measure: RUSAGE_CHILDREN keeps the largest child so far, so each
    # command runs in its own child that reports its own child's peak (on standard output;
    # the command's own standard error passes through).
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
             "stdout=subprocess.DEVNULL); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", probe, *command], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    gib = int(done.stdout.strip()) / 1024 / 1024
    return (seconds, gib, done.stderr) if keep_stderr else (seconds, gib)


def case_for(name: str, cache: Path) -> Path:
    folder = cache / name
    if not (folder / "ledger.csv").exists():
        print(f"generating the {name} case into {folder} ...", flush=True)
        subprocess.run([CASEGRAPH, "-q", "generate", "--out", str(folder), "--scale", SCALES[name], "--seed", "7"],
                       check=True)
    return folder


def measure(name: str, case: Path, runs: int) -> dict:
    floor = statistics.median(read_floor(case) for _ in range(runs))
    files = [str(path) for path in csv_files(case)]
    process_floor = statistics.median(timed_process([sys.executable, "-c", READ_ONLY, *files])[0]
                                      for _ in range(runs))
    out = Path(tempfile.mkdtemp(prefix="casegraph-speed-out-")) / "out"
    results = {"case": name, "rows": rows_of(case), "floor": floor, "process_floor": process_floor}
    for command, args in (("validate", [str(case)]), ("analyze", [str(case), "--out", str(out)])):
        measured = [timed_process([CASEGRAPH, "-q", command, *args]) for _ in range(runs)]
        results[command] = statistics.median(seconds for seconds, _ in measured)
        results[f"{command}_gib"] = max(gib for _, gib in measured)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default=",".join(SCALES), help=f"comma-separated, of {', '.join(SCALES)}")
    parser.add_argument("--case", type=Path, action="append", default=[], help="a case folder (repeatable)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "casegraph-speed")
    args = parser.parse_args()
    cases = [(path.name, path) for path in args.case] or [
        (name, case_for(name, args.cache)) for name in args.scales.split(",") if name]
    print(f"{os.cpu_count()} cores; {args.runs} run(s) each, medians")
    header = (f"{'case':<8}{'rows':>12}{'read s':>9}{'read proc s':>13}{'validate s':>12}{'x read':>8}"
              f"{'x proc':>8}{'analyze s':>11}{'x read':>8}{'x proc':>8}{'s/M rows':>10}{'peak GiB':>10}")
    print(header)
    for name, case in cases:
        r = measure(name, case, args.runs)
        ratios = {command: f"{r[command] / r['floor']:>8.1f}{r[command] / r['process_floor']:>8.1f}"
                  for command in ("validate", "analyze")}
        print(f"{r['case']:<8}{r['rows']:>12,}{r['floor']:>9.2f}{r['process_floor']:>13.2f}"
              f"{r['validate']:>12.2f}{ratios['validate']}{r['analyze']:>11.2f}{ratios['analyze']}"
              f"{r['analyze'] / r['rows'] * 1e6:>10.2f}{r['analyze_gib']:>10.2f}", flush=True)


if __name__ == "__main__":
    main()
