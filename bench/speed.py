"""The speed targets of the embedded engine, measured side by side in one run: for each case,
the time pyarrow takes to read its CSV files (the floor), then ``casegraph validate`` and
``casegraph analyze`` (every output file, referrals included) as whole processes, with their
ratios to the floor, seconds per million rows and peak memory.

The floor is taken both ways, and both ratios are printed: ``read s`` is the read alone inside
a warm process, ``read proc s`` a whole process that starts Python, imports pyarrow and reads
the same files — measured the way the commands are, so that ``x proc`` compares like with like
(a command cannot start faster than Python and pyarrow load). Both read into the memory pool
casegraph's reader takes its cells from (jemalloc), whose time holds steady from run to run.

    .venv/bin/python bench/speed.py                               # seed, 3x and 10x seed (generated once)
    .venv/bin/python bench/speed.py --scales seed --runs 3
    .venv/bin/python bench/speed.py --case path/to/case           # a case of your own

Generated cases are kept in --cache (default /tmp/casegraph-speed) for the next run. The
measures are taken in --runs rounds, each round a read, a read process, validate and analyze
one after the other, so that each ratio compares runs the same minute apart (this machine's
speed drifts by 5-40 % over an hour): the ratios printed are the medians of the rounds' own
ratios, their range beneath the table; times are medians. Peak memory is the largest
resident set of the command's process.
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

import pyarrow
import pyarrow.csv

from casegraph.loaders.csvcells import CELL_POOL

SCALES = {"seed": "seed", "3x": "60000", "10x": "200000"}  # 20,000 clients is seed scale
CASEGRAPH = str(Path(sys.executable).with_name("casegraph"))


def csv_files(case: Path) -> list[Path]:
    return sorted(path for path in case.glob("*.csv"))


def rows_of(case: Path) -> int:
    return sum(pyarrow.csv.read_csv(path).num_rows for path in csv_files(case))


def read_floor(case: Path) -> float:
    """Seconds pyarrow takes to read every CSV file of the case into memory (all cores), into
    the memory pool casegraph's reader uses (:data:`READ_ONLY`)."""
    started = time.perf_counter()
    for path in csv_files(case):
        pyarrow.csv.read_csv(path)
    return time.perf_counter() - started


# A whole process that does nothing but read the files given with pyarrow, into the memory pool
# casegraph's reader uses (loaders/csvcells.py CELL_POOL: jemalloc here): with pyarrow's default
# (mimalloc) a fresh process's read of the 10x case took 2.8-6.6 s here, 2.5-9 s of it system
# time (huge pages, dearer as the machine's memory fragments), against 1.9 s steadily. The
# process imports pyarrow alone, as the pool is named, not casegraph's modules.
READ_ONLY = ("import sys, pyarrow, pyarrow.csv\n"
             f"pyarrow.set_memory_pool(pyarrow.{CELL_POOL.backend_name}_memory_pool())\n"
             "for path in sys.argv[1:]:\n    pyarrow.csv.read_csv(path)")


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


COMMANDS = ("validate", "analyze")


def measure(name: str, case: Path, runs: int) -> dict:
    """The case's rows, and per measure (``floor``, ``process_floor``, each command) the times
    of its ``runs`` rounds; each command's peak; each command's per-round ratios to both floors."""
    files = [str(path) for path in csv_files(case)]
    out = Path(tempfile.mkdtemp(prefix="casegraph-speed-out-")) / "out"
    arguments = {"validate": [str(case)], "analyze": [str(case), "--out", str(out)]}
    times: dict[str, list[float]] = {kind: [] for kind in ("floor", "process_floor", *COMMANDS)}
    peaks: dict[str, float] = dict.fromkeys(COMMANDS, 0.0)
    for _ in range(runs):
        times["floor"].append(read_floor(case))
        times["process_floor"].append(timed_process([sys.executable, "-c", READ_ONLY, *files])[0])
        for command in COMMANDS:
            seconds, gib = timed_process([CASEGRAPH, "-q", command, *arguments[command]])
            times[command].append(seconds)
            peaks[command] = max(peaks[command], gib)
    ratios = {(command, floor): [took / base for took, base in zip(times[command], times[floor])]
              for command in COMMANDS for floor in ("floor", "process_floor")}
    return {"case": name, "rows": rows_of(case), "times": times, "peaks": peaks, "ratios": ratios}


def _spread(values: list[float]) -> str:
    return f"{min(values):.1f}-{max(values):.1f}"


def main() -> None:
    pyarrow.set_memory_pool(CELL_POOL)  # as READ_ONLY reads
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default=",".join(SCALES), help=f"comma-separated, of {', '.join(SCALES)}")
    parser.add_argument("--case", type=Path, action="append", default=[], help="a case folder (repeatable)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "casegraph-speed")
    args = parser.parse_args()
    cases = [(path.name, path) for path in args.case] or [
        (name, case_for(name, args.cache)) for name in args.scales.split(",") if name]
    print(f"{os.cpu_count()} cores; {args.runs} round(s) per case: medians, and ratios as medians of the rounds' own")
    header = (f"{'case':<8}{'rows':>12}{'read s':>9}{'read proc s':>13}{'validate s':>12}{'x read':>8}"
              f"{'x proc':>8}{'analyze s':>11}{'x read':>8}{'x proc':>8}{'s/M rows':>10}{'peak GiB':>10}")
    print(header)
    spreads = []
    for name, case in cases:
        r = measure(name, case, args.runs)
        median = {kind: statistics.median(values) for kind, values in r["times"].items()}
        ratio = {key: statistics.median(values) for key, values in r["ratios"].items()}
        print(f"{r['case']:<8}{r['rows']:>12,}{median['floor']:>9.2f}{median['process_floor']:>13.2f}"
              + "".join(f"{median[command]:>{12 if command == 'validate' else 11}.2f}"
                        f"{ratio[command, 'floor']:>8.1f}{ratio[command, 'process_floor']:>8.1f}"
                        for command in COMMANDS)
              + f"{median['analyze'] / r['rows'] * 1e6:>10.2f}{r['peaks']['analyze']:>10.2f}", flush=True)
        spreads.append(f"{r['case']:<8}" + "".join(
            f"  {command} x read {_spread(r['ratios'][command, 'floor'])}, "
            f"x proc {_spread(r['ratios'][command, 'process_floor'])}" for command in COMMANDS))
    if args.runs > 1:
        print("ratios of the rounds, lowest-highest:")
        print("\n".join(spreads))


if __name__ == "__main__":
    main()
