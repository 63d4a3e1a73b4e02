"""The bulk import (neo4j-admin, casegraph's local server) gives the graph the UNWIND load gives:
the same nodes, relationships, properties (with their types), constraints and indexes."""

from __future__ import annotations

import neo4j
import pytest

from casegraph.generator import generate_case
from casegraph.loaders import neo4j as loader
from casegraph.loaders.case import load_case
from casegraph.loaders.neo4j_import import import_case, is_local_server

CLOCK = {"started", "completed"}  # the CaseLoad's own clock differs between any two loads


def _value(value) -> tuple[str, str]:
    """A property value with its type: 5760000 (long) and 5760000.0 (double) differ."""
    return type(value).__name__, str(value)


def _properties(properties: dict) -> frozenset:
    return frozenset((k, _value(v)) for k, v in properties.items() if k not in CLOCK)


def graph(driver) -> dict:
    """Per label the node count and its nodes' properties, per relationship type its
    relationships (start id, end id, properties), and the schema."""
    nodes, _, _ = driver.execute_query("MATCH (n) RETURN labels(n) AS labels, properties(n) AS p")
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN type(r) AS type, a.id AS a, b.id AS b, properties(r) AS p")
    constraints, _, _ = driver.execute_query(
        "SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties")
    indexes, _, _ = driver.execute_query(
        "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, owningConstraint, state")
    snapshot: dict = {}
    for record in nodes:
        label = ":".join(sorted(record["labels"]))
        snapshot.setdefault(("nodes", label), []).append(_properties(record["p"]))
    for record in rels:
        snapshot.setdefault(("relationships", record["type"]), []).append(
            (record["a"], record["b"], _properties(record["p"])))
    result = {key: (len(items), frozenset(items)) for key, items in snapshot.items()}
    result["constraints"] = frozenset(str(sorted(r.data().items())) for r in constraints)
    result["indexes"] = frozenset(str(sorted(r.data().items())) for r in indexes)
    return result


def _drop_schema(session) -> None:
    """Constraints and indexes other tests left (the findings' AccountGroup, FoundGang …): the
    import builds a database from nothing, so the UNWIND load must start from nothing too.
    Schema names cannot be parameters; each is quoted as an identifier."""
    for record in session.run("SHOW CONSTRAINTS YIELD name").data():
        session.run(f"DROP CONSTRAINT `{record['name'].replace('`', '``')}` IF EXISTS").consume()
    for record in session.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name").data():
        session.run(f"DROP INDEX `{record['name'].replace('`', '``')}` IF EXISTS").consume()


@pytest.fixture(scope="module")
def generated_case(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bulk") / "case"
    generate_case(folder, scale="tiny", seed=11)
    return load_case(folder)


def test_import_gives_the_graph_the_unwind_load_gives(neo4j_settings, generated_case):
    if not is_local_server(neo4j_settings.uri):
        pytest.skip("the bulk import needs casegraph's local server (`casegraph neo4j start`)")
    # Drivers of their own: bookmarks from before an import name transactions of the replaced
    # database, which the new one never reaches (the shared driver must not hold any).
    with neo4j.GraphDatabase.driver(neo4j_settings.uri, auth=neo4j_settings.auth) as driver:
        with driver.session() as session:
            loader.clear_database(session)
            _drop_schema(session)
        unwind = loader.load_into_neo4j(driver, generated_case)
        by_unwind = graph(driver)

    imported = import_case(generated_case)
    neo4j_driver = neo4j.GraphDatabase.driver(neo4j_settings.uri, auth=neo4j_settings.auth)
    by_import = graph(neo4j_driver)

    assert imported.method == "import" and imported.rows == unwind.rows
    assert by_import.keys() == by_unwind.keys()
    for key in by_unwind:
        assert by_import[key] == by_unwind[key], key
    # Money stays integer fen through the CSV files.
    records, _, _ = neo4j_driver.execute_query("MATCH (e:Entry) RETURN e.amount_cny_fen AS fen LIMIT 1")
    assert type(records[0]["fen"]) is int

    # The comparison sees one changed property.
    neo4j_driver.execute_query("MATCH (t:Trade) WITH t LIMIT 1 SET t.qty = t.qty + 0.5")
    assert graph(neo4j_driver)[("nodes", "Trade")] != by_unwind[("nodes", "Trade")]
    neo4j_driver.close()
