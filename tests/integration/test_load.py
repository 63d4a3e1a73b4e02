"""The Neo4j loader against a real server: counts, idempotence, parallel transfers, failures."""

from __future__ import annotations

import neo4j
import pytest
from casebuilder import minimal_case, write_case

from casegraph.cli import main
from casegraph.graphs.model import NODES
from casegraph.loaders import neo4j as loader
from casegraph.loaders.case import load_case


@pytest.fixture
def empty_db(neo4j_driver):
    with neo4j_driver.session() as session:
        loader.clear_database(session)
    return neo4j_driver


def node_counts(driver) -> dict[str, int]:
    records, _, _ = driver.execute_query("MATCH (n) RETURN labels(n)[0] AS label, count(*) AS n")
    return {r["label"]: r["n"] for r in records}


def relationship_counts(driver) -> dict[str, int]:
    records, _, _ = driver.execute_query("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")
    return {r["type"]: r["n"] for r in records}


def snapshot(driver) -> set[tuple]:
    """Every node and relationship with all its properties, as comparable tuples."""
    nodes, _, _ = driver.execute_query("MATCH (n) RETURN labels(n)[0] AS l, properties(n) AS p")
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS t, b.id AS b, properties(r) AS p")
    skip = {"started", "completed"}  # the CaseLoad's own clock
    facts = {("node", r["l"], tuple(sorted((k, str(v)) for k, v in r["p"].items() if k not in skip))) for r in nodes}
    facts |= {("rel", r["a"], r["t"], r["b"], tuple(sorted((k, str(v)) for k, v in r["p"].items()))) for r in rels}
    return facts


def test_counts_equal_the_case_rows(empty_db, tmp_path):
    case = load_case(write_case(tmp_path / "case", minimal_case()))
    loader.load_into_neo4j(empty_db, case)
    counts = node_counts(empty_db)
    for spec in NODES:
        frame = case[spec.table]
        expected = frame[spec.key].nunique() if spec.derived else len(frame)
        assert counts.get(spec.label, 0) == expected, spec.label
    rels = relationship_counts(empty_db)
    assert rels["TRANSFER"] == len(case["bank_transfers"])
    assert rels["FOR_CLIENT"] == len(case["ledger"])
    assert rels["MEMBER_OF"] == len(case["memberships"])


def test_reload_changes_nothing(empty_db, tmp_path):
    case = load_case(write_case(tmp_path / "case", minimal_case()))
    loader.load_into_neo4j(empty_db, case)
    first = snapshot(empty_db)
    loader.load_into_neo4j(empty_db, case, batch_size=3)
    assert snapshot(empty_db) == first


def test_parallel_transfers_stay_separate_facts(empty_db, tmp_path):
    rows = minimal_case()
    twin = {"ts": "2019-06-01T10:00:00", "from_account": "BK4", "to_account": "BG1", "amount": "5000.00"}
    rows["bank_transfers"] += [{"txn_id": "TX7", **twin}, {"txn_id": "TX8", **twin}]
    loader.load_into_neo4j(empty_db, load_case(write_case(tmp_path / "case", rows)))
    records, _, _ = empty_db.execute_query(
        "MATCH (:Account {id: 'BK4'})-[t:TRANSFER]->(:Account {id: 'BG1'}) "
        "RETURN t.txn_id AS txn, t.amount_fen AS fen, t.source AS source, t.line AS line ORDER BY txn")
    assert [(r["txn"], r["fen"], r["source"], r["line"]) for r in records] == [
        ("TX7", 500000, "bank_transfers.csv", 4), ("TX8", 500000, "bank_transfers.csv", 5)]


def test_money_sums_in_cypher_are_exact(empty_db, tmp_path):
    loader.load_into_neo4j(empty_db, load_case(write_case(tmp_path / "case", minimal_case())))
    records, _, _ = empty_db.execute_query(
        "MATCH (e:Entry)-[:FOR_CLIENT]->(:Client {id: 'C1'}) WITH e.kind AS kind, sum(e.amount_cny_fen) AS fen "
        "RETURN kind, fen ORDER BY kind")
    sums = {r["kind"]: r["fen"] for r in records}
    assert sums["deposit"] - sums["withdrawal"] == 25706086  # 257,060.86 to the fen


def test_every_node_keeps_its_provenance(empty_db, tmp_path):
    loader.load_into_neo4j(empty_db, load_case(write_case(tmp_path / "case", minimal_case())))
    records, _, _ = empty_db.execute_query(
        "MATCH (n) WHERE NOT n:CaseLoad AND (n.source IS NULL OR n.line IS NULL) RETURN count(n) AS n")
    assert records[0]["n"] == 0
    records, _, _ = empty_db.execute_query("MATCH (e:Entry {id: 'E3'}) RETURN e.source AS s, e.line AS l")
    assert (records[0]["s"], records[0]["l"]) == ("ledger.csv", 4)


def test_invalid_case_writes_nothing(empty_db, tmp_path, capsys):
    rows = minimal_case()
    rows["ledger"][0]["amount"] = "1,000.5x"
    with pytest.raises(SystemExit) as failed:
        main(["load", str(write_case(tmp_path / "bad", rows))])
    assert failed.value.code == 1
    assert node_counts(empty_db) == {}


def test_failure_midway_exits_3_and_a_rerun_completes(empty_db, tmp_path, monkeypatch, capsys):
    folder = write_case(tmp_path / "case", minimal_case())
    calls = {"n": 0}
    real_write = loader._write

    def failing_write(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 6:
            raise neo4j.exceptions.ServiceUnavailable("connection lost (injected)")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(loader, "_write", failing_write)
    with pytest.raises(SystemExit) as failed:
        main(["load", str(folder), "--batch-size", "2"])
    assert failed.value.code == 3
    assert "unreachable" in capsys.readouterr().err
    records, _, _ = empty_db.execute_query("MATCH (l:CaseLoad) RETURN l.status AS s")
    assert records[0]["s"] == "loading"

    monkeypatch.setattr(loader, "_write", real_write)
    with pytest.raises(SystemExit) as rerun:
        main(["load", str(folder), "--batch-size", "2"])
    assert rerun.value.code == 0
    reference = snapshot(empty_db)
    loader.clear_database(empty_db.session())
    loader.load_into_neo4j(empty_db, load_case(folder))
    assert snapshot(empty_db) == reference


def test_unreachable_server_exits_3(tmp_path, capsys):
    folder = write_case(tmp_path / "case", minimal_case())
    with pytest.raises(SystemExit) as failed:
        main(["load", str(folder), "--uri", "bolt://127.0.0.1:1", "--password", "x"])
    assert failed.value.code == 3
    err = capsys.readouterr().err
    assert "bolt://127.0.0.1:1" in err and "Traceback" not in err


def test_another_case_is_not_overwritten_without_replace(empty_db, tmp_path):
    loader.load_into_neo4j(empty_db, load_case(write_case(tmp_path / "a", minimal_case())))
    other = write_case(tmp_path / "b", minimal_case(), case_yaml="case_id: OTHER-2\n")
    with pytest.raises(loader.OtherCaseLoaded):
        loader.load_into_neo4j(empty_db, load_case(other))
    loader.load_into_neo4j(empty_db, load_case(other), replace=True)
    records, _, _ = empty_db.execute_query("MATCH (l:CaseLoad) RETURN collect(l.case_id) AS ids")
    assert records[0]["ids"] == ["OTHER-2"]


def test_gds_projects_the_loaded_case(empty_db, gds, tmp_path):
    """WCC over the loaded accounts and transfers, through the graphdatascience client."""
    loader.load_into_neo4j(empty_db, load_case(write_case(tmp_path / "case", minimal_case())))
    graph, _ = gds.graph.project.native("cg_transfers", "Account", {"TRANSFER": {"orientation": "UNDIRECTED"}})
    try:
        components = gds.wcc.stream(graph)
        ids = gds.util.as_nodes(components["nodeId"].tolist())
        component_of = dict(zip((n["id"] for n in ids), components["componentId"]))
        # BK3 -> BG1 -> BV1 are one component; the trading accounts stand alone.
        assert component_of["BK3"] == component_of["BG1"] == component_of["BV1"]
        assert component_of["T1"] != component_of["BG1"]
        assert components["componentId"].nunique() == len(component_of) - 2
    finally:
        graph.drop()


def test_reloading_a_changed_case_removes_stale_rows(empty_db, tmp_path):
    rows = minimal_case()
    loader.load_into_neo4j(empty_db, load_case(write_case(tmp_path / "v1", rows)))
    rows["ledger"] = [e for e in rows["ledger"] if e["client_id"] != "C2"]
    rows["clients"] = [c for c in rows["clients"] if c["client_id"] != "C2"]
    rows["accounts"] = [a for a in rows["accounts"] if a["account_id"] != "T2"]
    changed = load_case(write_case(tmp_path / "v2", rows))
    loader.load_into_neo4j(empty_db, changed)
    counts = node_counts(empty_db)
    assert counts["Client"] == 1 and counts["Entry"] == len(changed["ledger"]) == 7
    assert counts["Account"] == len(changed["accounts"])
    records, _, _ = empty_db.execute_query("MATCH (n {id: 'C2'}) RETURN count(n) AS n")
    assert records[0]["n"] == 0
    fresh = snapshot(empty_db)
    loader.clear_database(empty_db.session())
    loader.load_into_neo4j(empty_db, changed)
    assert snapshot(empty_db) == fresh  # the same as loading v2 into an empty database
