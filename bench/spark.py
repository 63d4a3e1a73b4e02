"""The Spark engine beside the memory engine, in one run: how the relational core is shared,
and what a whole ``casegraph analyze`` costs on each.

    SPARK_LOCAL_IP=127.0.0.1 .venv/bin/python bench/spark.py                     # small, generated once
    SPARK_LOCAL_IP=127.0.0.1 .venv/bin/python bench/spark.py --scale seed --runs 2
    SPARK_LOCAL_IP=127.0.0.1 .venv/bin/python bench/spark.py --case path/to/case --skip-analyze

1. "the SQL, transpiled": every DuckDB SQL text of the memory engine (figures, membership
   periods, flows, patterns) put through SQLGlot (duckdb -> spark) and run by ``spark.sql`` on
   the case: does it run unchanged? Then the client figures (the ledger summed per client and
   kind, fresh money by a window, turnover) on DuckDB and on Spark ``local[2]``: the handing
   over of the ledger to Spark (a Parquet file) and the SQL's time, each the median of --runs after a
   warm-up, and whether the answers are equal.
2. "analyze": ``casegraph analyze --engine memory`` and ``--engine spark`` as whole processes
   (reading, every output file, referrals), the median of --runs each, with their ratio. The
   peak memory is the Python process's; the Spark JVM's own is not in it.

What it measured here (2 cores shared by 6 workers; seed scale, 1.57 M rows, ledger 0.55 M),
and why the SQL is the one definition (README "Spark"):

- The memory engine's figures, membership-period, gang-graph and flow-total SQL ran on Spark
  4.0.5 after SQLGlot's transpiling with no edit, and gave the memory engine's answers to the
  fen. Three texts did not: FAN_WINDOWS (Spark has no COUNT(DISTINCT) over a window frame),
  PASS_THROUGH (HUGEINT becomes INT128, which Spark lacks; DuckDB's ordered ``list(… ORDER
  BY)`` becomes an unordered ``collect_list``) and the cycle search's list functions. Those
  patterns stay on the memory engine for now.
- The other candidates of the issue would have meant writing the core again: SQLFrame (the
  PySpark DataFrame API on DuckDB) and Ibis both replace the memory engine's SQL with a new
  expression program, which the memory engine would then run through a second layer; SQLGlot
  keeps the one SQL text both engines already trust, at the price of a transpile (cached,
  ~5 ms a text) and of the features above.
- Times, seed scale (`--case` a `generate --scale seed --seed 7` case, --runs 1): the client
  figures of 554,215 ledger entries, DuckDB 0.69 s, Spark local[2] 6.24 s (of which writing
  the ledger as Parquet for Spark 1.21 s), ratio 9.1, equal to the fen; ``casegraph analyze``
  memory 32.4 s (0.85 GiB), spark local[2] 97.7 s (0.84 GiB in Python, the JVM's not
  counted), ratio 3.0. On one machine Spark costs its per-query latency (~0.3-0.5 s a query
  once warm, ~20 s to start the JVM) and gains nothing; what it buys is that the same SQL runs
  on executors when the ledger no longer fits one machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from speed import CASEGRAPH, rows_of, timed_process

from casegraph.generator import generate_case
from casegraph.loaders.case import load_case
from casegraph.loaders.fx import ledger_in_cny
from casegraph.queries.flow_rules import FlowRules
from casegraph.queries.memory import figures, flows
from casegraph.queries.rules import KIND_FIGURES
from casegraph.queries.spark.runner import SparkSQL, spark_session


def median_seconds(work, runs: int) -> tuple[float, object]:
    """(median seconds of ``runs`` calls after one warm-up call, the last answer)."""
    answer = work()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), answer


def sql_texts(case) -> dict[str, tuple[str, dict]]:
    """The memory engine's SQL texts over ``legs`` and ``ledger``, with their parameters."""
    rules = FlowRules.from_config(case.config.flow_patterns)
    params = rules.parameters()
    per_kind = ", ".join(f"coalesce(sum(amount_cny) FILTER (WHERE kind = '{kind}'), 0)::BIGINT AS {figure}"
                         for kind, figure in KIND_FIGURES.items())
    return {
        "client figures (per kind)": (f'SELECT "client_id", {per_kind} FROM ledger GROUP BY ALL', {}),
        "flow totals": (flows.FLOW_TOTALS, {}),
        "statement requests": (flows.STATEMENT_REQUESTS, {}),
        "pass-through": (flows.PASS_THROUGH, {k: params[k] for k in ("pt_min", "pt_window", "pt_low", "pt_high")}),
        "fan windows": (flows.FAN_WINDOWS.format(window=int(rules.fan_window_us("fan_in"))),
                        {"direction": "in", "min_cp": rules.fan_min("fan_in")}),
        "round amounts": (flows.MARKED.format(condition=flows.ROUND),
                          {k: params[k] for k in ("round_min", "round_unit")}),
        "night": (flows.MARKED.format(condition=flows.NIGHT), {k: params[k] for k in ("night_start", "night_end")}),
    }


def transpiled(case, runner: SparkSQL) -> None:
    """Each SQL text run on Spark as SQLGlot transpiles it: ok, or the first line of the error."""
    ledger = ledger_in_cny(case)
    runner.connect(ledger=ledger[["client_id", "ts", "entry_id", "kind", "amount_cny"]],
                   transfers=flows.transfer_frame(case), known=flows._statement_accounts(case))
    runner.execute(flows.LEGS)
    for name, (text, params) in sql_texts(case).items():
        try:
            rows = len(runner.sql(text, params).df())
            print(f"  {name:28} runs unchanged on Spark ({rows:,} rows)")
        except Exception as exc:  # noqa: BLE001 - the point is which texts fail, and how
            print(f"  {name:28} FAILS on Spark: {str(exc).strip().splitlines()[0][:110]}")


def client_figures_side_by_side(case, runner: SparkSQL, runs: int) -> None:
    ledger = ledger_in_cny(case)
    memory_s, memory = median_seconds(lambda: figures.client_figures(case, ledger), runs)
    spark_s, spark = median_seconds(lambda: figures.client_figures(case, ledger, connect=runner.connect), runs)
    handover_s, _ = median_seconds(lambda: runner.register("ledger", ledger[
        ["client_id", "ts", "entry_id", "kind", "amount_cny"]]), runs)
    pd.testing.assert_frame_equal(memory, spark)
    print(f"  client figures, {len(ledger):,} ledger entries: DuckDB {memory_s:.2f} s, Spark local[2] {spark_s:.2f} s "
          f"(of which writing the ledger as Parquet for Spark {handover_s:.2f} s); ratio {spark_s / memory_s:.1f}; "
          "equal to the fen")


def analyze_side_by_side(case: Path, runs: int) -> None:
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for engine in ("memory", "spark"):
            timings = [timed_process([CASEGRAPH, "-q", "analyze", str(case), "--out", f"{scratch}/{engine}",
                                      "--engine", engine]) for _ in range(runs)]
            results[engine] = (statistics.median(t[0] for t in timings), max(t[1] for t in timings))
    (memory_s, memory_gib), (spark_s, spark_gib) = results["memory"], results["spark"]
    print(f"  casegraph analyze: memory {memory_s:.1f} s ({memory_gib:.2f} GiB), spark local[2] {spark_s:.1f} s "
          f"({spark_gib:.2f} GiB, the JVM's not counted); ratio spark / memory {spark_s / memory_s:.1f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", type=Path, help="a case folder (else one is generated at --scale)")
    parser.add_argument("--scale", default="small", help="generator scale when no --case (default small)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/casegraph-spark-bench"))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--skip-analyze", action="store_true", help="only part 1")
    args = parser.parse_args(argv)
    case_dir = args.case
    if case_dir is None:
        case_dir = args.cache / f"{args.scale}-7"
        if not (case_dir / "case.yaml").exists():
            generate_case(case_dir, scale=args.scale, seed=7)
    print(f"{case_dir}: {rows_of(case_dir):,} rows")
    case = load_case(case_dir)
    runner = SparkSQL(spark_session())
    print("1. the SQL, transpiled by SQLGlot and run by spark.sql:")
    transpiled(case, runner)
    client_figures_side_by_side(case, runner, args.runs)
    runner.session.stop()
    if not args.skip_analyze:
        print("2. analyze, whole processes:")
        analyze_side_by_side(case_dir, args.runs)


if __name__ == "__main__":
    sys.exit(main())
