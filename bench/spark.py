"""The Spark engine beside the memory engine, in one run: how the relational core is shared,
and what a whole ``casegraph analyze`` costs on each.

    SPARK_LOCAL_IP=127.0.0.1 .venv/bin/python bench/spark.py                     # small, generated once
    SPARK_LOCAL_IP=127.0.0.1 .venv/bin/python bench/spark.py --scale seed --runs 2
    SPARK_LOCAL_IP=127.0.0.1 .venv/bin/python bench/spark.py --case path/to/case --skip-analyze
    cd bench && ../.venv/bin/python spark.py --case /tmp/casegraph-speed/10x --skip-sql --skip-analyze \
        --steps --sizing --json 10x.json                                       # parts 3 and 4 alone

1. "the SQL, transpiled": every DuckDB SQL text of the memory engine (figures, membership
   periods, flows, patterns) put through SQLGlot (duckdb -> spark) and run by ``spark.sql`` on
   the case: does it run unchanged? Then the client figures (the ledger summed per client and
   kind, fresh money by a window, turnover) on DuckDB and on Spark ``local[2]``: the handing
   over of the ledger to Spark (a Parquet file) and the SQL's time, each the median of --runs after a
   warm-up, and whether the answers are equal.
2. "analyze": ``casegraph analyze --engine memory`` and ``--engine spark`` as whole processes
   (reading, every output file, referrals), the median of --runs each, with their ratio. The
   peak memory is the Python process's; the Spark JVM's own is not in it.
3. "steps" (--steps): the same two runs, step by step: each progress step's seconds and the
   peak resident memory of the Python process and of Spark's JVM during it (sampled from /proc),
   and per step Spark's jobs from its event log: executor CPU and run time, rows read, shuffle
   bytes, shuffle exchanges, the largest task's peak memory (rows per executor CPU second is
   the per-core throughput). ``spark.driver.memory`` (--driver-memory) and the event log are
   set in a ``spark-defaults.conf`` under a temporary ``SPARK_CONF_DIR``.
4. "sizing" (--sizing): per table, rows and CSV and Parquet bytes a row; the gang graph's
   largest connected component (built with the memory engine's code), its networkx bytes per
   edge (tracemalloc) and what community detection on it takes.

Parts 3 and 4 at seed, 3x and 10x seed, and the 100x / 1000x plan made of them:
docs/spark-scale.md (10x: memory 440.9 s, Spark local[2] 524.9 s under load, ratio 1.2; the
Spark steps 40.5 executor CPU seconds; ~440 bytes an edge).

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
import bisect
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from pathlib import Path

import networkx as nx
import pandas as pd
import pyarrow.parquet as pq
from speed import CASEGRAPH, rows_of, timed_process

from casegraph.generator import generate_case
from casegraph.loaders.case import load_case
from casegraph.loaders.fx import ledger_in_cny
from casegraph.queries.columnar import is_in
from casegraph.queries.communities import detect_communities, graph_of_edges
from casegraph.queries.flow_rules import FlowRules
from casegraph.queries.memory import figures, flows, gangs
from casegraph.queries.rules import KIND_FIGURES
from casegraph.queries.spark.runner import SparkSQL, _arrow_table, spark_session

GIB = 2**30


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
                          {**{k: params[k] for k in ("round_min", "round_unit")},
                           **dict(zip(("min_count", "min_share"), rules.marked_minimum("round_amounts")))}),
        "night": (flows.MARKED.format(condition=flows.NIGHT),
                  {**{k: params[k] for k in ("night_start", "night_end")},
                   **dict(zip(("min_count", "min_share"), rules.marked_minimum("night")))}),
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


STEP_LINE = re.compile(r"^(?P<step>.+): (?P<seconds>\d+(\.\d+)?) s$")
# A shuffle in a formatted plan's tree ("Exchange (4)"; a broadcast is "BroadcastExchange (7)").
SHUFFLE_EXCHANGE = re.compile(r"(?<![A-Za-z])Exchange \(\d+\)")
BROADCAST_EXCHANGE = re.compile(r"BroadcastExchange \(\d+\)")


def process_tree_rss(pid: int) -> tuple[int, int]:
    """(resident bytes of ``pid``, of its Java descendants: Spark's JVM), read from /proc."""
    python = jvm = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = [int(c) for task in Path(f"/proc/{current}/task").iterdir()
                        for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        rss = next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        name = next((line.split()[1] for line in status.splitlines() if line.startswith("Name:")), "")
        if current == pid:
            python = rss
        elif name == "java":
            jvm += rss
        pending.extend(children)
    return python, jvm


@dataclass
class Step:
    """One progress step of a whole ``casegraph analyze``: its time and the peaks seen during it."""

    name: str
    seconds: float
    ended: float  # epoch seconds
    python_peak: int = 0  # bytes
    jvm_peak: int = 0
    spark: dict = field(default_factory=dict)  # the step's Spark jobs, from the event log


def analyze_in_steps(case: Path, engine: str, out: Path, *, env: dict) -> tuple[float, list[Step]]:
    """(wall seconds, its steps) of ``casegraph analyze case --engine engine``, sampling the
    resident memory of the process and of Spark's JVM every 0.2 s."""
    started = time.perf_counter()
    process = subprocess.Popen([CASEGRAPH, "analyze", str(case), "--out", str(out), "--engine", engine],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    latest = peaks = (0, 0)  # the last sample; the peaks since the last step ended
    done = threading.Event()

    def sample() -> None:
        nonlocal latest, peaks
        while not done.is_set():
            latest = process_tree_rss(process.pid)
            peaks = (max(peaks[0], latest[0]), max(peaks[1], latest[1]))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    steps, other = [], []
    for line in process.stderr:
        matched = STEP_LINE.match(line.strip())
        if matched is None:
            other.append(line)
            continue
        steps.append(Step(matched["step"], float(matched["seconds"]), time.time(), *peaks))
        peaks = latest
    if process.wait() != 0:
        raise SystemExit(f"casegraph analyze --engine {engine} failed on {case}:\n{''.join(other[-30:])}")
    done.set()
    sampler.join()
    return time.perf_counter() - started, steps


def spark_jobs_per_step(event_log: Path, steps: list[Step]) -> None:
    """Put each Spark job of ``event_log`` (Spark's JSON event log of the run) into the step
    running when it was submitted: its tasks, executor CPU and run time, rows and bytes read,
    shuffle bytes written, the largest task's peak execution memory, and the shuffle exchanges
    of its SQL plans (the final adaptive plan where Spark replanned)."""
    boundaries = [step.ended for step in steps]

    def step_at(epoch_ms: int) -> Step:
        return steps[min(bisect.bisect_left(boundaries, epoch_ms / 1000), len(steps) - 1)]

    stage_step, plans = {}, {}
    for step in steps:
        step.spark = {"jobs": 0, "tasks": 0, "executor_cpu_s": 0.0, "executor_run_s": 0.0, "gc_s": 0.0,
                      "records_read": 0, "bytes_read": 0, "shuffle_write_bytes": 0, "shuffle_read_bytes": 0,
                      "peak_task_memory": 0, "shuffles": 0, "broadcasts": 0}
    for line in event_log.read_text().splitlines():
        event = json.loads(line)
        kind = event["Event"]
        if kind == "SparkListenerJobStart":
            step = step_at(event["Submission Time"])
            step.spark["jobs"] += 1
            stage_step.update((stage, step) for stage in event["Stage IDs"])
        elif kind == "SparkListenerTaskEnd" and "Task Metrics" in event:
            metrics, figures = event["Task Metrics"], stage_step[event["Stage ID"]].spark
            figures["tasks"] += 1
            figures["executor_cpu_s"] += metrics["Executor CPU Time"] / 1e9
            figures["executor_run_s"] += metrics["Executor Run Time"] / 1e3
            figures["gc_s"] += metrics["JVM GC Time"] / 1e3
            figures["records_read"] += metrics["Input Metrics"]["Records Read"]
            figures["bytes_read"] += metrics["Input Metrics"]["Bytes Read"]
            figures["shuffle_write_bytes"] += metrics["Shuffle Write Metrics"]["Shuffle Bytes Written"]
            read = metrics["Shuffle Read Metrics"]
            figures["shuffle_read_bytes"] += read["Remote Bytes Read"] + read["Local Bytes Read"]
            figures["peak_task_memory"] = max(figures["peak_task_memory"], metrics["Peak Execution Memory"])
        elif kind.endswith("SparkListenerSQLExecutionStart"):
            plans[event["executionId"]] = (step_at(event["time"]), event["physicalPlanDescription"])
        elif kind.endswith("SparkListenerSQLAdaptiveExecutionUpdate") and event["executionId"] in plans:
            plans[event["executionId"]] = (plans[event["executionId"]][0], event["physicalPlanDescription"])
    for step, plan in plans.values():
        # The plan's tree (its nodes' details follow a blank line); of an adaptive plan, the final one.
        tree = plan.split("\n\n")[0].split("== Initial Plan ==")[0]
        step.spark["shuffles"] += len(SHUFFLE_EXCHANGE.findall(tree))
        step.spark["broadcasts"] += len(BROADCAST_EXCHANGE.findall(tree))


def spark_conf_dir(folder: Path, *, driver_memory: str, event_log: Path) -> Path:
    """A ``SPARK_CONF_DIR`` whose ``spark-defaults.conf`` sets the driver's heap (a local
    master's executors are threads of the driver's JVM) and writes Spark's event log: Spark's
    documented configuration, read by the ``spark-submit`` PySpark starts, no casegraph option."""
    event_log.mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spark-defaults.conf").write_text(f"spark.driver.memory {driver_memory}\n"
                                                "spark.eventLog.enabled true\n"
                                                # One plain JSON file (Spark 4 rolls and compresses).
                                                "spark.eventLog.rolling.enabled false\n"
                                                "spark.eventLog.compress false\n"
                                                f"spark.eventLog.dir file://{event_log}\n")
    return folder


def steps_side_by_side(case: Path, *, driver_memory: str, work: Path) -> dict:
    """``casegraph analyze`` on the memory engine, then on Spark local[2], step by step: each
    progress step's seconds and the peak resident memory during it (the Python process; Spark's
    JVM apart), and per step the Spark jobs of the event log. Prints the table, returns the figures."""
    event_log = work / "events"
    env = {**os.environ, "SPARK_CONF_DIR": str(spark_conf_dir(work / "conf", driver_memory=driver_memory,
                                                                  event_log=event_log))}
    runs = {}
    for engine in ("memory", "spark"):
        wall, steps = analyze_in_steps(case, engine, work / engine, env=env)
        runs[engine] = (wall, steps)
        print(f"  {engine}: {wall:.1f} s, peak Python {max(s.python_peak for s in steps) / GIB:.2f} GiB, "
              f"JVM {max(s.jvm_peak for s in steps) / GIB:.2f} GiB", flush=True)
    (log,) = event_log.iterdir()
    spark_jobs_per_step(log, runs["spark"][1])
    memory_steps = {step.name.removeprefix("memory: "): step for step in runs["memory"][1]}
    print(f"  {'step':36} {'memory s':>9} {'GiB':>5} | {'spark s':>8} {'py GiB':>6} {'JVM GiB':>7} "
          f"{'jobs':>4} {'shuf':>4} {'exec CPU s':>10} {'rows read':>11} {'rows/CPU-s':>10} {'shuffle MB':>10}")
    for step in runs["spark"][1]:
        twin = memory_steps.pop(step.name.removeprefix("spark: "), None)
        spark = step.spark
        rate = spark["records_read"] / spark["executor_cpu_s"] if spark["executor_cpu_s"] else 0
        print(f"  {step.name[:36]:36} {twin.seconds if twin else float('nan'):9.1f} "
              f"{twin.python_peak / GIB if twin else float('nan'):5.2f} | {step.seconds:8.1f} "
              f"{step.python_peak / GIB:6.2f} {step.jvm_peak / GIB:7.2f} {spark['jobs']:4} {spark['shuffles']:4} "
              f"{spark['executor_cpu_s']:10.1f} {spark['records_read']:11,} {rate:10,.0f} "
              f"{spark['shuffle_write_bytes'] / 1e6:10.1f}")
    (memory_wall, _), (spark_wall, _) = runs["memory"], runs["spark"]
    print(f"  whole process: memory {memory_wall:.1f} s, spark local[2] {spark_wall:.1f} s, "
          f"ratio {spark_wall / memory_wall:.1f}", flush=True)
    return {engine: {"wall_s": wall, "steps": [asdict(step) for step in steps]}
            for engine, (wall, steps) in runs.items()}


def table_volumes(case_dir: Path, case) -> dict[str, dict]:
    """Per table of the case: rows, CSV bytes and the Parquet bytes of the table as the Spark
    engine hands it over (:meth:`SparkSQL.register`: Arrow, Snappy, Spark's types)."""
    volumes = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, rows in case.row_counts().items():
            if not rows:
                continue
            path = Path(folder) / f"{name}.parquet"
            # _line is the loader's own (the file's line numbers), not a column of the case.
            pq.write_table(_arrow_table(case[name].drop(columns="_line", errors="ignore")), path)
            csv = case_dir / f"{name}.csv"
            volumes[name] = {"rows": rows, "csv_bytes": csv.stat().st_size if csv.exists() else 0,
                             "parquet_bytes": path.stat().st_size}
    return volumes


def largest_component(case) -> dict:
    """The gang graph's edges by the memory engine's code, its connected components, and what
    the largest one costs community detection, which holds a component whole: the networkx
    graph built from its edge rows (strings and all, traced by tracemalloc) per edge, and the
    time and traced peak of :func:`detect_communities` on it."""
    edges = gangs.gang_edges(case, ledger_in_cny(case))
    graph = graph_of_edges(edges)
    components = sorted(nx.connected_components(graph), key=len, reverse=True)
    largest = components[0]
    rows = edges[is_in(edges["u"], list(largest))]
    tracemalloc.start()
    # From the rows' values as an executor gets them (each a new Python string), not from the
    # strings the whole graph already holds.
    sub = nx.Graph()
    sub.add_weighted_edges_from(zip(rows["u"].tolist(), rows["v"].tolist(), rows["weight"].astype(float).tolist()))
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    started = time.perf_counter()
    found = detect_communities(sub)
    seconds = time.perf_counter() - started
    detect_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"graph_nodes": graph.number_of_nodes(), "graph_edges": graph.number_of_edges(),
            "components": len(components), "sizes_top5": [len(c) for c in components[:5]],
            "largest_nodes": sub.number_of_nodes(), "largest_edges": sub.number_of_edges(),
            "bytes_per_edge": held / sub.number_of_edges(), "graph_bytes": held,
            "detect_s": seconds, "detect_peak_bytes": detect_peak, "communities": len(set(found.values()))}


def sizing(case_dir: Path) -> dict:
    """Per-table data volume and the largest component of the gang graph (see those functions)."""
    case = load_case(case_dir)
    volumes = table_volumes(case_dir, case)
    print(f"  {'table':16} {'rows':>12} {'CSV B/row':>9} {'Parquet B/row':>13}")
    for name, volume in volumes.items():
        print(f"  {name:16} {volume['rows']:12,} {volume['csv_bytes'] / volume['rows']:9.1f} "
              f"{volume['parquet_bytes'] / volume['rows']:13.1f}")
    component = largest_component(case)
    print(f"  gang graph: {component['graph_nodes']:,} nodes, {component['graph_edges']:,} edges, "
          f"{component['components']:,} components (largest {component['sizes_top5']}); the largest: "
          f"{component['largest_nodes']:,} nodes, {component['largest_edges']:,} edges, networkx "
          f"{component['bytes_per_edge']:.0f} B/edge ({component['graph_bytes'] / 2**20:.1f} MiB), "
          f"community detection {component['detect_s']:.1f} s, traced peak "
          f"{component['detect_peak_bytes'] / 2**20:.1f} MiB", flush=True)
    return {"tables": volumes, "largest_component": component}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", type=Path, help="a case folder (else one is generated at --scale)")
    parser.add_argument("--scale", default="small", help="generator scale when no --case (default small)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/casegraph-spark-bench"))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--skip-sql", action="store_true", help="not part 1")
    parser.add_argument("--skip-analyze", action="store_true", help="not part 2")
    parser.add_argument("--steps", action="store_true", help="part 3: analyze step by step, with Spark's event log")
    parser.add_argument("--sizing", action="store_true", help="part 4: table volumes, the largest component")
    parser.add_argument("--driver-memory", default="4g", help="spark.driver.memory of part 3 (default 4g)")
    parser.add_argument("--json", type=Path, help="write parts 3 and 4's figures here")
    args = parser.parse_args(argv)
    case_dir = args.case
    if case_dir is None:
        case_dir = args.cache / f"{args.scale}-7"
        if not (case_dir / "case.yaml").exists():
            generate_case(case_dir, scale=args.scale, seed=7)
    print(f"{case_dir}: {rows_of(case_dir):,} rows", flush=True)
    figures = {"case": str(case_dir)}
    if not args.skip_sql:
        case = load_case(case_dir)
        runner = SparkSQL(spark_session())
        print("1. the SQL, transpiled by SQLGlot and run by spark.sql:")
        transpiled(case, runner)
        client_figures_side_by_side(case, runner, args.runs)
        runner.session.stop()
        del case
    if not args.skip_analyze:
        print("2. analyze, whole processes:")
        analyze_side_by_side(case_dir, args.runs)
    if args.steps:
        print(f"3. analyze step by step (spark.driver.memory {args.driver_memory}):", flush=True)
        with tempfile.TemporaryDirectory(prefix="casegraph-spark-steps-") as work:
            figures["steps"] = steps_side_by_side(case_dir, driver_memory=args.driver_memory, work=Path(work))
    if args.sizing:
        print("4. sizing:", flush=True)
        figures["sizing"] = sizing(case_dir)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    sys.exit(main())
