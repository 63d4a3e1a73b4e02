"""A bank-only case from raw exports to the fund-flow outputs, timed step by step: the issue's
target is ``casegraph ingest`` + ``casegraph analyze`` of 5 million transactions within 3
minutes and 4 GiB on this machine.

    .venv/bin/python bench/bank.py                                   # 5,000,000 rows
    .venv/bin/python bench/bank.py --rows 1000000 --accounts 4000

The raw export is written by :func:`bank_exports.write_zjck_transactions` (bench/bank_exports.py):
one 资金查控 交易明细信息 CSV in GBK as banks send it — title line, 34 columns, 合计 footer, and
the traps of bank-formats.md §4 sprinkled in (decorated ids, three time formats, thousands
separators, blank directions, failed and reversed entries, feedback errors) — for ``--accounts``
queried cards whose counterparties are other queried cards (a quarter) or outsiders. Writing it
is the bank's work and is not part of the target; it is kept in --cache for the next run.

Each command runs as its own process; the table gives its seconds, its peak resident memory,
its ratio to the machine's floor — the time pyarrow takes just to read the same export into
memory (GBK decoded, all cores), measured in the same run — and the steps it reported (the
progress lines of ``casegraph`` on a non-terminal).
"""

from __future__ import annotations

import argparse
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import pyarrow.csv as pa_csv  # noqa: E402
from bank_exports import write_zjck_transactions  # noqa: E402  (bench/bank_exports.py, beside this file)
from speed import CASEGRAPH  # noqa: E402

TARGET_SECONDS, TARGET_GIB = 180.0, 4.0
STEP_LINE = re.compile(r"^(?P<step>.+): (?P<seconds>[0-9.]+) s$")
SAMPLE_SECONDS = 0.02
KIB_PER_GIB = 1024 * 1024


def export_for(rows: int, accounts: int, cache: Path) -> Path:
    path = cache / f"zjck-{rows}-{accounts}.csv"
    if not path.exists():
        print(f"writing {rows:,} rows of raw export into {path} ...", flush=True)
        started = time.perf_counter()
        write_zjck_transactions(path, rows=rows, accounts=accounts, seed=7)
        print(f"  written in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def read_floor(export: Path) -> float:
    """Seconds pyarrow takes to read the raw export (its title line skipped, the footer row
    dropped as malformed): the floor every step is measured against."""
    started = time.perf_counter()
    pa_csv.read_csv(export, read_options=pa_csv.ReadOptions(encoding="gbk", skip_rows=1),
                    parse_options=pa_csv.ParseOptions(invalid_row_handler=lambda row: "skip"))
    return time.perf_counter() - started


def resident_kib(pid: int) -> int:
    """The process's resident memory now (VmRSS), 0 once it has ended."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


# The command runs as the child of a small Python process, which gives its pid and then its
# peak: a child forked from this process (which has just read the whole export for the floor)
# would count this one's memory as its own (the kernel keeps the peak across exec).
PROBE = ("import resource, subprocess, sys; process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL); "
         "print(process.pid, flush=True); process.wait(); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True); sys.exit(process.returncode)")


def run_sampled(command: list[str]) -> tuple[float, float, list[tuple[str, float, float]]]:
    """(seconds, peak GiB, [(step, seconds, peak GiB while it ran)]) of one run of ``command``,
    which must succeed. A step's peak is the largest resident memory sampled between the
    progress line before it and its own (a step's line is written when it ends)."""
    started = time.perf_counter()
    probe = subprocess.Popen([sys.executable, "-c", PROBE, *command], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    pid = int(probe.stdout.readline())
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in probe.stderr], daemon=True)
    reader.start()
    found, stderr, peak = [], [], 0
    while True:
        peak = max(peak, resident_kib(pid))
        try:
            line = lines.get(timeout=SAMPLE_SECONDS)
        except queue.Empty:
            if not reader.is_alive() and lines.empty():
                break
            continue
        stderr.append(line)
        if match := STEP_LINE.match(line.rstrip("\n")):
            found.append((match["step"], float(match["seconds"]), peak / KIB_PER_GIB))
            peak = resident_kib(pid)
    peak_kib = probe.stdout.readline()
    if probe.wait():
        raise subprocess.CalledProcessError(probe.returncode, command, stderr="".join(stderr))
    return time.perf_counter() - started, int(peak_kib) / KIB_PER_GIB, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--accounts", type=int, default=20_000, help="queried cards (statements in hand)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "casegraph-bank")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    export = export_for(args.rows, args.accounts, args.cache)
    work = Path(tempfile.mkdtemp(prefix="casegraph-bank-"))
    case, out = work / "case", work / "out"
    total_seconds, peak = 0.0, 0.0
    floor = read_floor(export)
    print(f"\n{args.rows:,} transaction rows, {args.accounts:,} statements; case in {case}")
    print(f"floor: pyarrow reads the export in {floor:.1f} s\n")
    print(f"{'step':<58}{'seconds':>10}{'x floor':>9}{'peak GiB':>10}")
    for command in (["ingest", str(case), str(export)], ["analyze", str(case), "--out", str(out)]):
        seconds, gib, found = run_sampled([CASEGRAPH, *command])
        total_seconds, peak = total_seconds + seconds, max(peak, gib)
        print(f"{'casegraph ' + command[0]:<58}{seconds:>10.1f}{seconds / floor:>9.1f}{gib:>10.2f}")
        for step, step_seconds, step_gib in found:
            print(f"  {step[:56]:<56}{step_seconds:>10.1f}{'':>9}{step_gib:>10.2f}")
    transfers = sum(1 for _ in (case / "bank_transfers.csv").open("rb")) - 1
    print(f"\n{'ingest + analyze':<58}{total_seconds:>10.1f}{total_seconds / floor:>9.1f}{peak:>10.2f}")
    print(f"bank_transfers.csv: {transfers:,} transfers; target {TARGET_SECONDS:.0f} s and {TARGET_GIB:.0f} GiB: "
          f"{'met' if total_seconds <= TARGET_SECONDS and peak <= TARGET_GIB else 'NOT met'}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
