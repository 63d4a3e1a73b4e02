"""The running Neo4j + GDS server: versions, procedures, a real projection, hygiene."""

from __future__ import annotations

import math
import os
import stat
import uuid

import pytest
from typer.testing import CliRunner

from casegraph import server
from casegraph.server.cli import neo4j_app

SCRATCH = "CgScratch"
SCRATCH_REL = "CG_SCRATCH_LINK"

# two components: a chain a1-a2-a3 and a pair b1-b2
_EDGES = [("a1", "a2"), ("a2", "a3"), ("b1", "b2")]
_COMPONENTS = {frozenset({"a1", "a2", "a3"}), frozenset({"b1", "b2"})}

_external = pytest.mark.skipif(
    bool(os.environ.get("NEO4J_URI", "").strip()),
    reason="NEO4J_URI points at an external server; this checks the casegraph-managed one",
)


def test_gds_version_is_the_provisioned_one(neo4j_driver):
    records, _, _ = neo4j_driver.execute_query("RETURN gds.version() AS v")
    assert records[0]["v"] == server.GDS_VERSION


def test_neo4j_version_is_the_provisioned_one(neo4j_driver):
    records, _, _ = neo4j_driver.execute_query(
        "CALL dbms.components() YIELD name, versions RETURN name, versions[0] AS v"
    )
    versions = {r["name"]: r["v"] for r in records}
    assert versions.get("Neo4j Kernel") == server.NEO4J_VERSION


def test_many_gds_procedures_are_registered(neo4j_driver):
    records, _, _ = neo4j_driver.execute_query(
        "SHOW PROCEDURES YIELD name WHERE name STARTS WITH 'gds.' RETURN collect(name) AS names"
    )
    names = set(records[0]["names"])
    assert len(names) > 150, len(names)
    for expected in ("gds.graph.project", "gds.wcc.stream", "gds.pageRank.stream",
                     "gds.louvain.stream", "gds.graph.drop"):
        assert expected in names


@pytest.fixture()
def scratch_graph(gds):
    """Scratch nodes and a projection of them; removed afterwards even on failure."""
    tag = uuid.uuid4().hex
    graph_name = f"cg-scratch-{tag[:12]}"
    gds.run_cypher(f"MATCH (n:{SCRATCH}) DETACH DELETE n")  # leftovers of a killed run
    try:
        gds.run_cypher(
            f"UNWIND $names AS name CREATE (:{SCRATCH} {{name: name, tag: $tag}})",
            params={"names": sorted({n for e in _EDGES for n in e}), "tag": tag},
        )
        gds.run_cypher(
            f"UNWIND $edges AS e "
            f"MATCH (a:{SCRATCH} {{tag: $tag, name: e[0]}}), (b:{SCRATCH} {{tag: $tag, name: e[1]}}) "
            f"CREATE (a)-[:{SCRATCH_REL}]->(b)",
            params={"edges": [list(e) for e in _EDGES], "tag": tag},
        )
        G, result = gds.graph.project.native(
            graph_name, SCRATCH, {SCRATCH_REL: {"orientation": "UNDIRECTED"}}
        )
        assert result.node_count == 5
        assert result.relationship_count == 2 * len(_EDGES)
        yield G
    finally:
        gds.graph.drop(graph_name, fail_if_missing=False)
        gds.run_cypher(f"MATCH (n:{SCRATCH}) DETACH DELETE n")
        assert gds.run_cypher(f"MATCH (n:{SCRATCH}) RETURN count(n) AS c")["c"][0] == 0


def _names(gds, node_ids) -> list[str]:
    return [node["name"] for node in gds.util.as_nodes([int(i) for i in node_ids])]


def test_wcc_finds_the_two_components(gds, scratch_graph):
    df = gds.wcc.stream(scratch_graph)
    assert len(df) == 5
    df = df.assign(name=_names(gds, df["nodeId"]))
    components = {frozenset(group["name"]) for _, group in df.groupby("componentId")}
    assert components == _COMPONENTS


def test_pagerank_scores_every_node(gds, scratch_graph):
    df = gds.page_rank.stream(scratch_graph)
    df = df.assign(name=_names(gds, df["nodeId"]))
    scores = dict(zip(df["name"], df["score"]))
    assert set(scores) == {n for c in _COMPONENTS for n in c}
    assert all(math.isfinite(s) and s > 0 for s in scores.values())
    # the middle of the chain collects rank from both ends
    assert scores["a2"] > scores["a1"]
    assert scores["a1"] == pytest.approx(scores["a3"])
    assert scores["b1"] == pytest.approx(scores["b2"])


def test_projection_is_dropped_after_use(gds):
    names = {g.graph_name for g in gds.graph.list()}
    assert not any(n.startswith("cg-scratch-") for n in names)


@_external
def test_password_file_is_private(neo4j_settings):
    path = server.password_file()
    assert path.is_file(), f"{path} missing: is the server managed by casegraph?"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@_external
def test_cli_never_prints_the_password(neo4j_settings):
    password = server.local_settings().password
    assert password
    runner = CliRunner()
    result = runner.invoke(neo4j_app, ["status"])
    assert result.exit_code == 0, result.output
    assert "running" in result.output and neo4j_settings.uri in result.output
    assert str(server.password_file()) in result.output
    assert password not in result.output
    again = runner.invoke(neo4j_app, ["start"])  # already running: says so, exit 0
    assert again.exit_code == 0, again.output
    assert "already running" in again.output
    assert password not in again.output
    assert password not in repr(server.connection_settings())


@_external
def test_logs_do_not_contain_the_password(neo4j_settings):
    password = server.local_settings().password
    assert password
    logs = server.server_home() / "logs"
    for path in logs.glob("*.log"):
        assert password not in path.read_text(errors="replace"), path
