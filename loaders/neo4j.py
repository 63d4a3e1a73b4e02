"""Write a checked case into Neo4j: constraints first, then every table in batches of
``UNWIND $rows AS row MERGE …``, all values bound as parameters.

The statements are generated from :mod:`casegraph.graphs.model`, the same model the
in-memory graph is built from. Loads are idempotent: nodes merge on their id, relationships
on their endpoints (transfers on ``txn_id``, memberships on their source line), and every
property is set from the row again, so a re-run changes nothing. Everything written carries
``case_version``, a fingerprint of the case's files: when a changed case is loaded again,
whatever the new load did not write (rows since removed) is deleted at the end. A ``(:CaseLoad)`` node says
whether the last load completed; a load interrupted midway leaves it ``loading`` and a
re-run completes the graph without duplicates.

>>> from casegraph.loaders.case import load_case                       # doctest: +SKIP
>>> with neo4j.GraphDatabase.driver(uri, auth=auth) as driver:           # doctest: +SKIP
...     report = load_into_neo4j(driver, load_case("mycase"))
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pandas as pd
from tqdm import tqdm

from casegraph.graphs.model import NODES, RELATIONSHIPS, NodeType, RelType, relationship_ends, stored_name

from .case import Case
from .fx import tables_in_cny
from .read import LINE
from .tables import TABLES, TABLES_BY_NAME

DEFAULT_BATCH_SIZE = 5000

# Relationships that are facts of their own, several of which may join the same two nodes:
# they merge on the property that identifies the fact.
MERGE_KEYS = {"TRANSFER": "txn_id", "MEMBER_OF": "line"}


class OtherCaseLoaded(Exception):
    """The database already holds a different case."""


@dataclass
class TableTiming:
    name: str
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else float("inf")


@dataclass
class LoadReport:
    case_id: str
    timings: list[TableTiming] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(t.seconds for t in self.timings)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.timings)


def schema_statements() -> list[str]:
    """Uniqueness constraints for every node label (they also index ``id``), and indexes
    for the lookups the analyses make."""
    statements = [
        f"CREATE CONSTRAINT {spec.label.lower()}_id IF NOT EXISTS FOR (n:{spec.label}) REQUIRE n.id IS UNIQUE"
        for spec in NODES
    ]
    statements += [
        "CREATE CONSTRAINT caseload_id IF NOT EXISTS FOR (n:CaseLoad) REQUIRE n.case_id IS UNIQUE",
        "CREATE INDEX transfer_txn_id IF NOT EXISTS FOR ()-[r:TRANSFER]-() ON (r.txn_id)",
        "CREATE INDEX entry_kind IF NOT EXISTS FOR (n:Entry) ON (n.kind)",
        "CREATE INDEX account_kind IF NOT EXISTS FOR (n:Account) ON (n.kind)",
        "CREATE INDEX trade_broker_ref IF NOT EXISTS FOR (n:Trade) ON (n.broker_ref)",
        "CREATE INDEX fill_broker_ref IF NOT EXISTS FOR (n:Fill) ON (n.broker_ref)",
    ]
    return statements


def _temporal(table: str) -> dict[str, str]:
    """Columns of a table that travel as ISO text and become Neo4j temporals: name -> function."""
    return {c.name: ("datetime" if c.kind == "ts" else "date")
            for c in TABLES_BY_NAME[table].columns if c.kind in ("ts", "date")}


def _set_clause(variable: str, table: str, properties: tuple[str, ...]) -> str:
    temporal = _temporal(table)
    extra = "".join(f", {variable}.{p} = {temporal[p]}(row.{p})" for p in properties if p in temporal)
    return (f"SET {variable} += row.props{extra}, {variable}.source = $source, {variable}.line = row.line, "
            f"{variable}.case_version = $version")


def node_statement(spec: NodeType) -> str:
    """``UNWIND $rows`` merging nodes of one label on ``id``; properties from ``row.props``."""
    return (f"UNWIND $rows AS row MERGE (n:{spec.label} {{id: row.id}}) "
            + _set_clause("n", spec.table, spec.properties))


def relationship_statement(spec: RelType, start_label: str, end_label: str) -> str:
    """``UNWIND $rows`` merging one relationship type between two labels."""
    key = MERGE_KEYS.get(spec.type)
    merge_on = f" {{{key}: row.{key}}}" if key else ""
    return (f"UNWIND $rows AS row MATCH (a:{start_label} {{id: row.from_id}}) MATCH (b:{end_label} {{id: row.to_id}}) "
            f"MERGE (a)-[r:{spec.type}{merge_on}]->(b) " + _set_clause("r", spec.table, spec.properties))


def _plain_column(series: pd.Series, kind: str | None) -> pd.Series:
    """A column as values the driver sends as they are: text for temporals, None for missing."""
    if kind == "ts":
        text = series.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    elif kind == "date":
        text = series.dt.strftime("%Y-%m-%d")
    else:
        text = series
    return text.astype(object).where(series.notna(), None)


def _rows(frame: pd.DataFrame, key_column: str, properties: tuple[str, ...], table: str) -> list[dict]:
    """Rows for ``UNWIND``: ``id``, ``line``, temporals as ISO text, the rest under ``props``
    by stored name. Missing values go as null, which ``SET +=`` leaves absent."""
    spec = TABLES_BY_NAME[table]
    temporal = _temporal(table)
    present = [p for p in properties if p in frame.columns]
    kinds = {c: (spec.column(c).kind if c in spec.column_names else None) for c in present}
    props = pd.DataFrame({stored_name(table, c): _plain_column(frame[c], kinds[c])
                          for c in present if c not in temporal}, index=frame.index)
    outer = pd.DataFrame({c: _plain_column(frame[c], kinds[c]) for c in present if c in temporal}, index=frame.index)
    outer["id"] = frame[key_column].astype(object).to_numpy()
    outer["line"] = frame[LINE].astype(int).to_numpy()
    records = outer.to_dict("records")
    for record, values in zip(records, props.to_dict("records")):
        record["props"] = values
    return records


def node_batches(case: Case, frames: dict[str, pd.DataFrame]) -> Iterator[tuple[NodeType, pd.DataFrame]]:
    for spec in NODES:
        frame = frames.get(spec.table, case[spec.table])
        if spec.derived:
            frame = frame.dropna(subset=[spec.key]).drop_duplicates(spec.key)
        yield spec, frame


def relationship_rows(case: Case, spec: RelType, frame: pd.DataFrame) -> Iterator[tuple[str, str, list[dict]]]:
    """Rows of one relationship type, split by the labels at their two ends."""
    start_label, start_column = spec.start
    rows, ends, labels = relationship_ends(case.tables, spec, frame)
    for label in labels.dropna().unique():
        chosen = (labels == label).to_numpy()
        part = rows[chosen]
        records = _rows(part.assign(_start=part[start_column]), "_start", spec.properties, spec.table)
        for record, end in zip(records, ends[chosen].tolist()):
            record["from_id"] = record.pop("id")
            record["to_id"] = end
            key = MERGE_KEYS.get(spec.type)
            if key and key != "line":  # `line` is on every record already
                record[key] = record["props"][stored_name(spec.table, key)]
        yield start_label, label, records


def _write(session, statement: str, records: list[dict], batch_size: int, source: str, version: str, bar) -> None:
    for start in range(0, len(records), batch_size):
        batch = records[start:start + batch_size]
        session.execute_write(
            lambda tx, rows=batch: tx.run(statement, rows=rows, source=source, version=version).consume())
        bar.update(len(batch))


def case_version(case: Case) -> str:
    """A fingerprint of the case folder's content (case.yaml and every table file): the same
    case always gets the same version, so a re-run sets the same values; a changed case gets
    a new one, and what its load did not write is stale."""
    digest = hashlib.sha256()
    for name in ["case.yaml", *(t.file for t in TABLES)]:
        path = case.path / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"\0absent")
    return digest.hexdigest()[:16]


def remove_stale(session, version: str, batch_size: int = 10000) -> None:
    """Delete the nodes and relationships an earlier version of the case wrote and this one
    did not (rows since removed from the case)."""
    session.run("MATCH ()-[r]->() WHERE coalesce(r.case_version, '') <> $version "
                "CALL (r) { DELETE r } IN TRANSACTIONS OF $size ROWS", version=version, size=batch_size).consume()
    session.run("MATCH (n) WHERE NOT n:CaseLoad AND coalesce(n.case_version, '') <> $version "
                "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $size ROWS", version=version, size=batch_size).consume()


def load_into_neo4j(driver, case: Case, batch_size: int = DEFAULT_BATCH_SIZE, replace: bool = False,
                    database: str | None = None, progress: bool = False,
                    on_table: Callable[[TableTiming], None] | None = None) -> LoadReport:
    """Write every node and relationship of a checked case; see the module's docstring."""
    report = LoadReport(case.config.case_id)
    version = case_version(case)
    # Money in other currencies is converted here, so Cypher sums CNY fen exactly as pandas.
    frames = tables_in_cny(case)
    with driver.session(database=database) as session:
        for statement in schema_statements():
            session.run(statement).consume()
        session.run("CALL db.awaitIndexes(300)").consume()
        others = session.run("MATCH (l:CaseLoad) WHERE l.case_id <> $case_id RETURN collect(l.case_id) AS ids",
                             case_id=case.config.case_id).single()["ids"]
        if others and not replace:
            raise OtherCaseLoaded(f"the database holds case {', '.join(others)}; load with --replace to clear it")
        if others:
            clear_database(session)
        # The case's settings travel with the graph, so analyses need nothing but the database.
        session.run("MERGE (l:CaseLoad {case_id: $case_id}) SET l.status = 'loading', l.started = datetime(), "
                    "l.timezone = $timezone, l.thresholds = $thresholds",
                    case_id=case.config.case_id, timezone=case.config.timezone,
                    thresholds=case.config.thresholds.model_dump_json()).consume()

        def timed(name: str, work: Callable[[], int]) -> None:
            started = time.perf_counter()
            rows = work()
            timing = TableTiming(name, rows, time.perf_counter() - started)
            report.timings.append(timing)
            if on_table:
                on_table(timing)

        for spec, frame in node_batches(case, frames):
            def write_nodes(spec=spec, frame=frame) -> int:
                records = _rows(frame, spec.key, spec.properties, spec.table)
                with tqdm(total=len(records), desc=f":{spec.label}", unit="row", disable=not progress) as bar:
                    _write(session, node_statement(spec), records, batch_size, f"{spec.table}.csv", version, bar)
                return len(records)
            timed(f":{spec.label}", write_nodes)
        for spec in RELATIONSHIPS:
            frame = frames.get(spec.table, case[spec.table])

            def write_relationships(spec=spec, frame=frame) -> int:
                count = 0
                for start_label, end_label, records in relationship_rows(case, spec, frame):
                    statement = relationship_statement(spec, start_label, end_label)
                    with tqdm(total=len(records), desc=f"[:{spec.type}]", unit="row", disable=not progress) as bar:
                        _write(session, statement, records, batch_size, f"{spec.table}.csv", version, bar)
                    count += len(records)
                return count
            timed(f"[:{spec.type}]", write_relationships)
        remove_stale(session, version)
        session.run("MATCH (l:CaseLoad {case_id: $case_id}) SET l.status = 'complete', l.completed = datetime(), "
                    "l.rows = $rows, l.version = $version",
                    case_id=case.config.case_id, rows=report.rows, version=version).consume()
    return report


def clear_database(session, batch_size: int = 10000) -> None:
    """Delete every node and relationship, in batches that fit the heap."""
    session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $size ROWS",
                size=batch_size).consume()
