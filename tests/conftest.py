"""Shared fixtures: generated cases made once per test session and shared by the tests that
only read them (with pytest-xdist, once per worker process).

>>> def test_example(generated_case, analysed_case):                    # doctest: +SKIP
...     folder = generated_case("small", 4).folder                       # the files, read only
...     case, tables = analysed_case("small", 4)                         # load_case + analyze_case
...     case, tables = analysed_case("small", 4, questions=("account_groups",))  # one question only
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from casegraph.generator import generate_case
from casegraph.loaders.case import load_case
from casegraph.loaders.csvcells import tune_memory
from casegraph.queries.memory.engine import analyze_case

# Test helpers (casebuilder) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

# Analyses kept in memory for the whole session: a seed-scale one holds about a GiB, so those
# are made again by each test that asks (as each test did before the cache).
KEEP_ANALYSED = ("tiny", "small")


@dataclass(frozen=True)
class Generated:
    folder: Path  # read only: copy it (shutil.copytree) to change anything
    summary: dict  # what generate_case returned


_INTEGRATION = Path(__file__).resolve().parent / "integration"
# Modules that leave the seed-scale graph (about 4 M nodes and relationships) in the database:
# they run after the other Neo4j tests, whose first --replace would spend minutes deleting it.
LAST = ("test_playbooks.py",)


@pytest.hookimpl(tryfirst=True)  # before `-m` selects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/integration ``neo4j``; those of ``LAST`` go to the end."""
    for item in items:
        if _INTEGRATION in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.neo4j)
    items.sort(key=lambda item: item.get_closest_marker("neo4j") is not None and Path(str(item.path)).name in LAST)


# A test process holds what it imported and collected, and the session's generated and
# analysed cases, for its whole run: each full collection by Python's cycle collector walked
# all of it, 50-140 ms each, 9.3 s of the fast tier's two workers. What is alive once the
# tests are collected is set aside for good (gc.freeze), and a full collection comes after 50
# collections of the middle generation, not 10: 3.5 s (fast tier, one run each, the
# collector's own callbacks timing it). The youngest generation is collected after 10,000
# allocations, not 700: two alternating pairs of fast-tier runs, 95.8 / 92.9 s against
# 97.2 / 97.0 s, 169.6 / 165.8 CPU-s against 171.8 / 172.5. Only test processes are
# concerned: a command's analysis spends about 0.1 s in the collector at seed scale.
YOUNG_COLLECTION_AFTER = 10_000
FULL_COLLECTION_AFTER = 50
# Each test process takes its memory as the commands that read a case do
# (loaders.csvcells.tune_memory). Its Arrow memory kept for reuse gave, in two alternating
# pairs of fast-tier runs, 80.5 / 80.7 s against 82.1 / 85.5 s, system time 8.8 / 8.7 s
# against 9.6 / 11.2.


def pytest_collection_finish(session: pytest.Session) -> None:
    tune_memory()
    gc.collect()
    gc.freeze()
    _, middle, _ = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, middle, FULL_COLLECTION_AFTER)


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """With ``--dist loadscope`` (the Makefile's tiers), every Neo4j test is one work unit: they
    share one database, so one worker runs them one at a time, in order, while the other
    workers take the CPU-bound seed-scale modules (a unit each, so its fixtures are built once).
    pytest-xdist's own ``loadgroup`` cannot do this under pytest 9, whose node ids it no longer
    rewrites."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    integration = f"{_INTEGRATION.relative_to(config.rootpath).as_posix()}/"  # as node ids start

    class Neo4jTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "neo4j" if nodeid.startswith(integration) else super()._split_scope(nodeid)

    return Neo4jTestsTogether(config, log)


@pytest.fixture(scope="session")
def generated_case(tmp_path_factory):
    """``generated_case(scale, seed, variants=())``: the case ``generate_case`` writes, made on
    first use and shared afterwards, also with the run's other pytest-xdist workers
    (:func:`_generated_once`)."""
    made: dict[tuple, Generated] = {}
    base = tmp_path_factory.getbasetemp()
    # The workers of one run keep their folders side by side in the run's own folder.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base

    def generated(scale: str | int, seed: int, variants: tuple[str, ...] = ()) -> Generated:
        key = (scale, seed, tuple(variants))
        if key not in made:
            made[key] = _generated_once(shared / "generated" / "-".join(str(part) for part in key[:2] + key[2]),
                                        scale=scale, seed=seed, variants=list(variants))
        return made[key]

    return generated


def _generated_once(folder: Path, **case) -> Generated:
    """The case of ``generate_case(folder / "case", **case)``, generated by the first worker of
    the run that asks, under a lock, and read by the others: the two workers of the fast tier
    each generated 8 of the same cases (3-5 CPU-s of its 160)."""
    folder.mkdir(parents=True, exist_ok=True)
    summary = folder / "summary.json"
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not summary.is_file():  # written last: a case without it was never finished
            shutil.rmtree(folder / "case", ignore_errors=True)
            summary.write_text(json.dumps(generate_case(folder / "case", **case)), encoding="utf-8")
    return Generated(folder / "case", json.loads(summary.read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def analysed_case(generated_case):
    """``analysed_case(scale, seed, variants=(), *, questions=None)``: ``(case, tables)`` of the
    generated case, read by ``load_case`` and analysed by the memory engine's ``analyze_case``
    (asking ``questions`` only, when given). Shared: read only."""
    kept: dict[tuple, tuple] = {}

    def analysed(scale: str | int, seed: int, variants: tuple[str, ...] = (), *,
                 questions: tuple[str, ...] | None = None) -> tuple:
        key = (scale, seed, tuple(variants), questions)
        if key in kept:
            return kept[key]
        case = load_case(generated_case(scale, seed, variants).folder)
        result = case, analyze_case(case, questions=questions)
        if scale in KEEP_ANALYSED:
            kept[key] = result
        return result

    return analysed


@pytest.fixture(scope="session")
def spark():
    """The test session's Spark session (local[2], two shuffle partitions)."""
    try:
        import pyspark  # noqa: F401

        from casegraph.queries.spark.runner import spark_session
    except ImportError as exc:
        if os.environ.get("CI", "").strip():
            pytest.fail(f"pyspark is required in CI (pip install -e '.[spark]'): {exc}", pytrace=False)
        pytest.skip(f"pyspark is not installed: pip install -e '.[spark]' ({exc})")
    session = spark_session("local[2]", shuffle_partitions=2)
    yield session
    session.stop()
