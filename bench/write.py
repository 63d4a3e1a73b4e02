"""Time writing the outputs of ``casegraph analyze`` — the result CSVs (casegraph/outputs/) and
the referral packets (casegraph/outputs/packets.py: CSV, XLSX, HTML) — with the writers of this
tree and with those of a baseline commit, side by side in one run, and print the ratios.

    .venv/bin/python bench/write.py /tmp/seed7                       # writing alone
    .venv/bin/python bench/write.py /tmp/chain50k --whole --compare  # + whole analyze, + same outputs?

The case is read and analysed once; then each side writes every output into a folder of its
own (``--keep DIR`` keeps them). ``--whole`` also runs the whole ``casegraph analyze`` (read,
analyse, write) once per side, each in a process of its own, for its time and peak RSS.
``--compare`` checks that both sides wrote the same outputs (bench/compare_outputs.py). The
baseline's writers are the files as they were at ``--baseline`` (default: the commit before
the columnar writers, where they were casegraph/outputs.py, casegraph/xlsx.py and
queries/referrals.py), loaded beside this tree's modules.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import types
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from compare_outputs import compare_folders  # noqa: E402

# The commit before the columnar writers.
BASELINE = "f20a2db"
# module -> file: the writers and the money formatting they use.
WRITER_FILES = {"casegraph.money": "casegraph/money.py", "casegraph.outputs": "casegraph/outputs.py",
                "casegraph.xlsx": "casegraph/xlsx.py", "casegraph.queries.referrals": "queries/referrals.py"}


def baseline_writers(commit: str) -> dict[str, types.ModuleType]:
    """The writer modules as they were at ``commit``, importing each other (not this tree's)."""
    import casegraph.queries.memory.figures

    # The baseline's referrals import the figures from where they were then.
    moved = {"casegraph.queries.figures": casegraph.queries.memory.figures}
    saved = {name: sys.modules.get(name) for name in [*WRITER_FILES, *moved]}
    modules = {}
    try:
        sys.modules.update(moved)
        for name, path in WRITER_FILES.items():
            source = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{path}"], check=True,
                                    capture_output=True, text=True).stdout
            module = types.ModuleType(name)
            module.__package__ = name.rpartition(".")[0]
            module.__file__ = f"{commit}:{path}"
            sys.modules[name] = module
            exec(compile(source, module.__file__, "exec"), module.__dict__)
            modules[name] = module
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return modules


def writers(side: str, commit: str):
    """(write_csv, write_referrals) of ``side``: ``current`` or ``baseline``."""
    if side == "baseline":
        modules = baseline_writers(commit)
        return modules["casegraph.outputs"].write_csv, modules["casegraph.queries.referrals"].write_referrals
    from casegraph.outputs import write_csv
    from casegraph.outputs.packets import write_referrals
    return write_csv, write_referrals


def write_everything(case, tables, out: Path, write_csv, write_referrals) -> dict[str, float]:
    """Seconds to write the result CSVs and the referral packets into ``out``."""
    started = time.perf_counter()
    for name, frame in tables.items():
        write_csv(frame, out / f"{name}.csv")
    tables_done = time.perf_counter()
    write_referrals(case, tables, out / "referrals")
    return {"csv": tables_done - started, "referrals": time.perf_counter() - tables_done}


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def whole_analyze(case: Path, side: str, commit: str) -> dict:
    """One ``casegraph analyze`` with ``side``'s writers, in this process: seconds, peak RSS."""
    from casegraph import cli, outputs
    from casegraph.outputs import packets

    outputs.write_csv, packets.write_referrals = writers(side, commit)  # what cli imports when it runs
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with cli._output_folder(Path(folder) / "out", case=case, command="analyze") as out:
            cli._run_analysis(case, out, cli.Engine.memory)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_gib": peak_gib()}


@contextmanager
def quiet():
    """tqdm's progress bars off: they would interleave with the table printed."""
    import os

    os.environ.setdefault("TQDM_DISABLE", "1")
    yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case", type=Path)
    parser.add_argument("--baseline", default=BASELINE, help="commit whose writers to compare with")
    parser.add_argument("--whole", action="store_true", help="also time the whole casegraph analyze")
    parser.add_argument("--compare", action="store_true", help="check both sides wrote the same outputs")
    parser.add_argument("--keep", type=Path, help="write the outputs under this folder and keep them")
    parser.add_argument("--whole-child", choices=("baseline", "current"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    with quiet():
        if args.whole_child:
            print(json.dumps(whole_analyze(args.case, args.whole_child, args.baseline)))
            return
        run(args)


def run(args) -> None:
    from casegraph.loaders.case import load_case
    from casegraph.queries.memory.engine import analyze_case

    started = time.perf_counter()
    case = load_case(args.case)
    tables = analyze_case(case)
    print(f"{args.case}: read and analysed in {time.perf_counter() - started:.1f} s")
    root = args.keep or Path(tempfile.mkdtemp(prefix="casegraph-write-"))
    seconds = {}
    for side in ("baseline", "current"):
        out = root / side
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        seconds[side] = write_everything(case, tables, out, *writers(side, args.baseline))
    print(f"{'writing':<22}{'baseline':>10}{'current':>10}{'ratio':>8}")
    for part in ("csv", "referrals"):
        before, after = seconds["baseline"][part], seconds["current"][part]
        print(f"  {part:<20}{before:>9.2f}s{after:>9.2f}s{before / after:>7.1f}x")
    before, after = (sum(seconds[side].values()) for side in ("baseline", "current"))
    print(f"  {'all outputs':<20}{before:>9.2f}s{after:>9.2f}s{before / after:>7.1f}x")
    if args.compare:
        problems = compare_folders(root / "baseline", root / "current")
        print("same outputs: yes" if not problems else "same outputs: NO\n  " + "\n  ".join(problems[:20]))
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    if args.whole:
        whole = {}
        for side in ("baseline", "current"):
            child = subprocess.run([sys.executable, __file__, str(args.case), "--baseline", args.baseline,
                                    "--whole-child", side], check=True, capture_output=True, text=True)
            whole[side] = json.loads(child.stdout.strip().splitlines()[-1])
        before, after = whole["baseline"], whole["current"]
        print(f"casegraph analyze     {before['seconds']:>9.1f}s{after['seconds']:>9.1f}s"
              f"{before['seconds'] / after['seconds']:>7.1f}x   peak RSS {before['peak_gib']:.2f} -> "
              f"{after['peak_gib']:.2f} GiB")


if __name__ == "__main__":
    main()
