"""`--engine spark` writes the memory engine's files, byte for byte: figures to the fen, the same
communities (the same gang graph, so the same Louvain run), account groups, fake trades and fund
flows (every pattern), their SQL run on Spark.

One local[2] Spark session for the whole test session (``spark`` fixture); the CLI's
``--engine spark`` finds it (``SparkSession.builder.getOrCreate``).
"""

from __future__ import annotations

import math
import random
import sys

import networkx as nx
import pandas as pd
import pytest
from casebuilder import member_unit_case, turned_front_case, write_case
from court_cases import COURT_CASES
from integration.test_engines_agree import assert_same_files
from integration.test_flows_engines import FLOW_FILES, assert_same_flow_files
from test_account_groups import cafe_case, market_open_case, routed_bridge_case
from test_fake_trades import statement_window_case
from test_flows import flows_case

from casegraph.api import open_case, read_in_spark
from casegraph.cli import main
from casegraph.generator import generate_case
from casegraph.loaders.case import load_case
from casegraph.queries.columnar import duckdb_connection
from casegraph.queries.communities import detect_communities, graph_of_edges
from casegraph.queries.memory.engine import MemoryEngine
from casegraph.queries.memory.fake_trades import FAKE_LOSSES
from casegraph.queries.referrals import referral_packets

pytestmark = pytest.mark.spark


def analyse_with_memory_and_spark(case, out) -> None:
    for engine in ("memory", "spark"):
        with pytest.raises(SystemExit) as done:
            main(["-q", "analyze", str(case), "--out", str(out / engine), "--engine", engine])
        assert done.value.code == 0, engine


def assert_every_file_the_same(out) -> None:
    """Every output file the memory engine wrote, the Spark engine wrote the same."""
    assert_same_files(out, "spark")
    assert_same_flow_files(out, "spark")
    memory = sorted(path.relative_to(out / "memory") for path in (out / "memory").rglob("*.csv"))
    assert memory == sorted(path.relative_to(out / "spark") for path in (out / "spark").rglob("*.csv"))
    assert {name for name in FLOW_FILES} <= {path.name for path in memory}
    for path in memory:  # the rest (coverage.csv, referral packets …) as they are
        assert (out / "memory" / path).read_bytes() == (out / "spark" / path).read_bytes(), path


@pytest.mark.parametrize("court_case", COURT_CASES, ids=lambda f: f.__name__)
def test_spark_gives_the_memory_engines_files_on_the_courts_cases(spark, tmp_path, court_case):
    rows, _ = court_case()
    analyse_with_memory_and_spark(write_case(tmp_path / "case", rows), tmp_path)
    assert_every_file_the_same(tmp_path)


def test_spark_gives_the_memory_engines_files_on_a_member_unit(spark, tmp_path):
    """The member unit's subtrees' money read in Spark SQL (tests/test_member_units.py)."""
    analyse_with_memory_and_spark(write_case(tmp_path / "case", member_unit_case(listed=True)), tmp_path)
    assert_every_file_the_same(tmp_path)
    assert "\nG2,G2,湖北省," in (tmp_path / "spark" / "gangs.csv").read_text(encoding="utf-8")


def test_spark_gives_the_memory_engines_files_on_a_platform_its_buyer_turned_fake(spark, tmp_path):
    """A platform handed over to another gang judged on its trades from its first fake one on, in
    Spark SQL (tests/test_fake_trades.py): the buyer's gang G2 is a front."""
    analyse_with_memory_and_spark(write_case(tmp_path / "case", turned_front_case()), tmp_path)
    assert_every_file_the_same(tmp_path)
    gangs = pd.read_csv(tmp_path / "spark" / "gangs.csv", dtype=str).set_index("gang_id")
    assert gangs.loc["G2", "is_fraud"] == "true" and gangs.loc["G1", "is_fraud"] == "false"


def test_spark_gives_the_memory_engines_files_on_a_generated_case(spark, tmp_path):
    generate_case(tmp_path / "case", scale="tiny", seed=5)
    spark.catalog.dropTempView("chosen")  # left by an earlier test's fan windows
    analyse_with_memory_and_spark(tmp_path / "case", tmp_path)
    assert_every_file_the_same(tmp_path)
    communities = [pd.read_csv(tmp_path / engine / "communities.csv", dtype=str).dropna(subset=["community_id"])
                   for engine in ("memory", "spark")]
    memory, spark_found = (dict(zip(frame["entity_type"] + ":" + frame["entity_id"], frame["community_id"]))
                           for frame in communities)
    assert partition(spark_found) == partition(memory) and len(set(memory.values())) > 10  # ARI 1.0
    assert (tmp_path / "spark" / "account_flows.csv").read_text(encoding="utf-8").count("\n") > 10
    # The figures, membership periods, flows, communities, account groups and fake trades were Spark's
    # work: their tables are Spark's views.
    views = {table.name for table in spark.catalog.listTables()}
    assert {"ledger", "trades", "pairs", "entries", "transfers", "legs", "gang_graph", "component_edges",
            "chosen"} <= views  # chosen: the accounts of the fan windows, which ran on Spark
    assert {"broker_fills", "sharing_ip", "members", "owned", "shares", "login_keys", "used"} <= views
    assert (tmp_path / "spark" / "account_groups.csv").read_text(encoding="utf-8").count("\n") > 3


def test_spark_gives_the_memory_engines_groups_of_routed_orders_an_internet_cafe_and_a_market_s_open(spark,
                                                                                                    tmp_path):
    """The accounts a platform's orders go through, the sittings on an address others use
    too, and traders who meet at a market's open (tests/test_account_groups.py), judged by the
    SQL run on Spark."""
    rows = market_open_case(cafe_case(routed_bridge_case()))
    analyse_with_memory_and_spark(write_case(tmp_path / "case", rows), tmp_path)
    assert_every_file_the_same(tmp_path)
    groups = pd.read_csv(tmp_path / "spark" / "account_groups.csv", dtype=str)
    assert set(groups["account_id"]) == {"Q1", "Q2", "Q3", "SA", "SB", "SC"}


def test_spark_gives_the_memory_engines_unverified_trades(spark, tmp_path):
    """Orders outside the broker statements in hand (tests/test_fake_trades.py), told from fake
    ones by the SQL run on Spark."""
    analyse_with_memory_and_spark(write_case(tmp_path / "case", statement_window_case()), tmp_path)
    assert_every_file_the_same(tmp_path)
    unverified = pd.read_csv(tmp_path / "spark" / "unverified_trades.csv", dtype=str)
    assert unverified["trade_id"].tolist() == ["TR10", "TR11", "TR19", "TR8"]


def test_the_ledger_trades_and_fills_never_reach_the_driver(spark, tmp_path):
    generate_case(tmp_path / "case", scale="tiny", seed=5)
    investigation, problems = read_in_spark(tmp_path / "case")
    assert problems == []
    # Which tables hold rows is counted by Spark, not by collecting them.
    assert investigation.case.available == load_case(tmp_path / "case").available
    assert investigation.case.tables.collected == frozenset()

    tables = investigation.analyze("spark")
    packets = referral_packets(investigation.case, tables)

    # Every step read Spark's tables, the referral packets too: the gang graph's login edges and
    # the province votes counted on Spark, the payments to the vendor filtered there.
    assert investigation.case.tables.collected == frozenset()
    assert len(tables["account_groups"]) > 3 and len(tables["flow_patterns"]) > 3
    memory = open_case(tmp_path / "case")
    expected = referral_packets(memory.case, memory.analyze())
    assert packets.keys() == expected.keys() and len(packets) > 1
    for name, sections in expected.items():
        for section, frame in sections.items():
            pd.testing.assert_frame_equal(packets[name][section], frame, check_dtype=False, obj=f"{name} {section}")
    assert sum(len(sections["evidence"]) for sections in packets.values()) > 0
    assert investigation["ledger"]["entry_id"].is_unique  # still there when asked for
    assert investigation.case.tables.collected == {"ledger"}


def partition(labels: dict) -> set[frozenset]:
    """The groups of a node -> label mapping, whatever the labels' numbering."""
    groups: dict = {}
    for node, label in labels.items():
        groups.setdefault(label, set()).add(node)
    return {frozenset(group) for group in groups.values()}


def test_label_propagation_finds_the_connected_components_in_few_rounds(spark):
    from casegraph.queries.spark.graph import connected_components

    rng = random.Random(7)
    names = [f"n{i:04d}" for i in range(900)]
    rng.shuffle(names)  # node order unrelated to the graph's shape
    graph = nx.path_graph(names[:300])  # a long path: 299 rounds of plain min-label propagation
    graph.add_edges_from(nx.relabel_nodes(nx.gnm_random_graph(300, 330, seed=1), dict(enumerate(names[300:600]))).edges)
    graph.add_edges_from(nx.relabel_nodes(nx.gnm_random_graph(300, 200, seed=2), dict(enumerate(names[600:]))).edges)
    graph.remove_nodes_from(list(nx.isolates(graph)))
    graph.add_edge("n0000", "n0000")  # a loop is no edge
    edges = spark.createDataFrame(list(graph.edges), "u string, v string")

    labels, rounds = connected_components(edges)
    found = {row.node: row.component for row in labels.collect()}

    expected = list(nx.connected_components(graph))
    assert len(expected) > 20
    assert partition(found) == {frozenset(component) for component in expected}
    assert all(label == min(component) for component in expected for label in map(found.get, component))
    assert rounds <= math.ceil(math.log2(graph.number_of_nodes())) ** 2 < 299


def test_spark_finds_the_memory_engines_communities_per_component(spark, tmp_path):
    from casegraph.queries.spark.graph import gang_communities
    from casegraph.queries.spark.runner import SparkSQL

    generate_case(tmp_path / "case", scale="tiny", seed=3)
    edges = MemoryEngine(load_case(tmp_path / "case")).gang_evidence().edges
    memory = detect_communities(graph_of_edges(edges), seed=0)

    spark_found = gang_communities(edges.sample(frac=1, random_state=1), SparkSQL(spark), seed=0)

    assert spark_found == memory  # the same communities, numbered alike
    assert partition(spark_found) == partition(memory)  # ARI 1.0, whatever the numbering
    assert len(set(memory.values())) > 10
    # Per component at the resolution scaled by its weight's share is the one global modularity:
    # Q(P) = sum over components c of (m_c / m) Q_c(P_c, m_c / m).
    graph = graph_of_edges(edges)
    total = graph.size(weight="weight")
    parts = partition(memory)
    shares = 0.0
    for component in nx.connected_components(graph):
        sub = graph.subgraph(component)
        share = sub.size(weight="weight") / total
        shares += share * nx.community.modularity(sub, [p for p in parts if p <= component], resolution=share)
    assert shares == pytest.approx(nx.community.modularity(graph, parts), abs=1e-12)


def test_spark_gives_the_memory_engines_fund_flows(spark, tmp_path):
    case = flows_case(tmp_path)
    spark.catalog.dropTempView("chosen")  # left by an earlier test's fan windows
    analyse_with_memory_and_spark(case.path, tmp_path)
    assert_every_file_the_same(tmp_path)
    assert (tmp_path / "spark" / "statement_requests.csv").read_text(encoding="utf-8").count("\n") == 4
    patterns = pd.read_csv(tmp_path / "spark" / "flow_patterns.csv", dtype=str)
    assert "fan_in" in set(patterns["pattern"])
    # The fan windows, the cycle search and the shared devices were Spark's: their tables are Spark views.
    assert {"chosen", "moved", "paths", "used"} <= {table.name for table in spark.catalog.listTables()}
    assert {"pass_through", "cycle", "shared_device", "night"} <= set(patterns["pattern"])


def test_duckdb_sql_becomes_spark_sql(spark):
    from casegraph.queries.spark.runner import to_spark_sql

    assert to_spark_sql("SELECT x::BIGINT AS y FROM t WHERE x > $low GROUP BY ALL") == (
        "SELECT CAST(x AS BIGINT) AS y FROM t WHERE x > :low GROUP BY ALL")
    # DuckDB's temporary table is a Spark view that replaces any of its name.
    assert to_spark_sql("CREATE OR REPLACE TEMP TABLE legs AS SELECT 1 AS x").startswith(
        "CREATE OR REPLACE TEMPORARY VIEW legs")


def test_spark_rounds_the_fake_losses_in_128_bits_as_duckdb_does(spark):
    from casegraph.queries.spark.runner import SparkSQL

    # Products beyond 64 bits, and halves (3.5 rounds to 4 and 2.5 to 3, away from zero).
    shares = pd.DataFrame({"platform_id": ["P1", "P1", "P2", "P2", "P3"],
                           "client_losses": [3_000_000_000_000_000_001, -2_999_999_999_999_999_999, 5, 7, -5],
                           "fake_notional": [7, 3, 1, 1, 1], "turnover": [9, 7, 2, 2, 2]})

    def rounded(product: int, whole: int) -> int:  # half away from zero, in Python's exact integers
        return (1 if product >= 0 else -1) * ((2 * abs(product) + whole) // (2 * whole))

    expected: dict[str, int] = {}
    for row in shares.itertuples():
        share = rounded(int(row.client_losses) * int(row.fake_notional), int(row.turnover))
        expected[row.platform_id] = expected.get(row.platform_id, 0) + share
    assert abs(expected["P1"]) > 2**53  # beyond a double's exact integers
    for connect in (duckdb_connection, SparkSQL(spark).connect):
        found = connect(shares=shares).sql(FAKE_LOSSES).df()
        assert dict(zip(found["platform_id"], found["fake_trade_losses"].tolist())) == expected


def test_an_ordered_list_keeps_its_order_on_spark(spark):
    from casegraph.queries.spark.runner import SparkSQL

    rng = random.Random(3)
    keys = list(range(300))
    rng.shuffle(keys)  # rows in no order, over two partitions
    frame = pd.DataFrame({"g": [key % 3 for key in keys], "k": keys, "x": [f"t{key:03d}" for key in keys]})
    query = "SELECT g, list(x ORDER BY k) AS xs FROM t GROUP BY g ORDER BY g"
    duck, spark_found = (connect(t=frame).sql(query).df() for connect in (duckdb_connection, SparkSQL(spark).connect))
    assert [list(xs) for xs in spark_found["xs"]] == [list(xs) for xs in duck["xs"]]
    assert list(duck["xs"][0]) == sorted(duck["xs"][0]) and len(duck["xs"][0]) == 100


def test_a_temp_table_is_computed_once_as_in_duckdb(spark):
    from casegraph.queries.spark.runner import SparkSQL

    for connect in (duckdb_connection, SparkSQL(spark).connect):
        connection = connect(numbers=pd.DataFrame({"x": [1, 2]}))
        connection.execute("CREATE OR REPLACE TEMP TABLE summed AS SELECT sum(x) AS total FROM numbers")
        connection.register("numbers", pd.DataFrame({"x": [5]}))  # the table keeps what it was computed from
        assert connection.sql("SELECT total FROM summed").fetchall() == [(3,)]


def test_spark_without_pyspark_is_a_usage_error(tmp_path, monkeypatch, capsys):
    rows, _ = COURT_CASES[0]()
    case = write_case(tmp_path / "case", rows)
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark fails, as where it is not installed
    with pytest.raises(SystemExit) as done:
        main(["-q", "analyze", str(case), "--out", str(tmp_path / "out"), "--engine", "spark"])
    assert done.value.code == 2
    assert "pip install 'casegraph[spark]'" in capsys.readouterr().err


def test_spark_started_here_says_nothing_of_its_own_under_quiet(tmp_path):
    """The JVM casegraph starts logs errors only: its start-up notes (Spark's log4j profile,
    native-hadoop, "Setting default log level") were printed under --quiet. (A process of its
    own: the session of the other tests is this one's JVM, started once.) Java's own note on
    the incubator module Spark adds is the one line left."""
    import subprocess
    from pathlib import Path

    rows, _ = COURT_CASES[0]()
    case = write_case(tmp_path / "case", rows)
    casegraph = Path(sys.executable).with_name("casegraph")
    done = subprocess.run([str(casegraph), "-q", "analyze", str(case), "--out", str(tmp_path / "out"),
                           "--engine", "spark"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if not line.startswith("WARNING: Using incubator modules")]
    assert said == [], done.stderr
