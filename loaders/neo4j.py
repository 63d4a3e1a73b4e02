"""Write a checked case into Neo4j: constraints first, then every table in batches of
``UNWIND $rows AS row MERGE …``, all values bound as parameters.

The statements are generated from :mod:`casegraph.graphs.model`, the same model the
in-memory graph is built from. Loads are idempotent: nodes merge on their id, relationships
on their endpoints (transfers on ``txn_id``, memberships on their source line), and every
property is set from the row again, so a re-run changes nothing. A ``(:CaseLoad)`` node says
whether the last load completed; a load interrupted midway leaves it ``loading`` and a
re-run completes the graph without duplicates.

>>> from casegraph.loaders.case import load_case                       # doctest: +SKIP
>>> with neo4j.GraphDatabase.driver(uri, auth=auth) as driver:           # doctest: +SKIP
...     report = load_into_neo4j(driver, load_case("mycase"))
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import pandas as pd
from tqdm import tqdm

from casegraph.graphs.model import NODES, RELATIONSHIPS, NodeType, RelType, end_labels, stored_name
from casegraph.queries.figures import ledger_in_cny, transfers_in_cny

from .case import Case
from .read import LINE, split_ids
from .tables import TABLES_BY_NAME

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


def node_statement(spec: NodeType) -> str:
    """``UNWIND $rows`` merging nodes of one label on ``id``; properties from ``row.props``."""
    return (f"UNWIND $rows AS row MERGE (n:{spec.label} {{id: row.id}}) "
            f"SET n += row.props, n.source = $source, n.line = row.line")


def relationship_statement(spec: RelType, start_label: str, end_label: str) -> str:
    """``UNWIND $rows`` merging one relationship type between two labels."""
    key = MERGE_KEYS.get(spec.type)
    merge_on = f" {{{key}: row.{key}}}" if key else ""
    return (f"UNWIND $rows AS row MATCH (a:{start_label} {{id: row.start}}) MATCH (b:{end_label} {{id: row.end}}) "
            f"MERGE (a)-[r:{spec.type}{merge_on}]->(b) "
            f"SET r += row.props, r.source = $source, r.line = row.line")


def _plain(value):
    """A cell as a value the driver sends: None for missing, python date/datetime/int."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, float) and value != value:
        return None
    return value


def _rows(frame: pd.DataFrame, key_column: str, properties: tuple[str, ...], table: str,
          dates: set[str]) -> list[dict]:
    """Rows for ``UNWIND``: ``id``, ``line`` and ``props`` (stored names, no missing values)."""
    present = [p for p in properties if p in frame.columns]
    props = frame[present].astype(object)
    for column in present:
        if column in dates:  # calendar dates go over as dates, not midnight datetimes
            props[column] = frame[column].dt.date.astype(object).where(frame[column].notna(), None)
    names = [stored_name(table, c) for c in present]
    records = []
    for key, line, values in zip(frame[key_column].tolist(), frame[LINE].tolist(), props.itertuples(index=False)):
        cleaned = {name: _plain(v) for name, v in zip(names, values)}
        records.append({"id": key, "line": int(line), "props": {k: v for k, v in cleaned.items() if v is not None}})
    return records


def _date_columns(table: str) -> set[str]:
    return {c.name for c in TABLES_BY_NAME[table].columns if c.kind == "date"}


def node_batches(case: Case, frames: dict[str, pd.DataFrame]) -> Iterator[tuple[NodeType, pd.DataFrame]]:
    for spec in NODES:
        frame = frames.get(spec.table, case[spec.table])
        if spec.derived:
            frame = frame.dropna(subset=[spec.key]).drop_duplicates(spec.key)
        yield spec, frame


def relationship_rows(case: Case, spec: RelType, frame: pd.DataFrame) -> Iterator[tuple[str, str, list[dict]]]:
    """Rows of one relationship type, split by the labels at their two ends."""
    start_label, start_column = spec.start
    end_label, end_column = spec.end
    ends = split_ids(frame[end_column]) if spec.many else frame[end_column].dropna()
    rows = frame.loc[ends.index]
    keep = rows[start_column].notna().to_numpy()
    rows, ends = rows[keep], ends[keep]
    labels = end_labels(case.tables, end_label, ends)
    for label in labels.dropna().unique():
        chosen = (labels == label).to_numpy()
        part = rows[chosen]
        records = _rows(part.assign(_start=part[start_column]), "_start", spec.properties, spec.table,
                        _date_columns(spec.table))
        for record, end in zip(records, ends[chosen].tolist()):
            record["start"] = record.pop("id")
            record["end"] = end
            key = MERGE_KEYS.get(spec.type)
            if key and key != "line":  # `line` is on every record already
                record[key] = record["props"][key]
        yield start_label, label, records


def _write(session, statement: str, records: list[dict], batch_size: int, source: str, bar) -> None:
    for start in range(0, len(records), batch_size):
        batch = records[start:start + batch_size]
        session.execute_write(lambda tx, rows=batch: tx.run(statement, rows=rows, source=source).consume())
        bar.update(len(batch))


def load_into_neo4j(driver, case: Case, batch_size: int = DEFAULT_BATCH_SIZE, replace: bool = False,
                    database: str | None = None, progress: bool = False,
                    on_table: Callable[[TableTiming], None] | None = None) -> LoadReport:
    """Write every node and relationship of a checked case; see the module's docstring."""
    report = LoadReport(case.config.case_id)
    # Money in other currencies is converted here, so Cypher sums CNY fen exactly as pandas.
    frames = {"ledger": ledger_in_cny(case), "bank_transfers": transfers_in_cny(case)}
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
        session.run("MERGE (l:CaseLoad {case_id: $case_id}) SET l.status = 'loading', l.started = datetime()",
                    case_id=case.config.case_id).consume()

        def timed(name: str, work: Callable[[], int]) -> None:
            started = time.perf_counter()
            rows = work()
            timing = TableTiming(name, rows, time.perf_counter() - started)
            report.timings.append(timing)
            if on_table:
                on_table(timing)

        for spec, frame in node_batches(case, frames):
            def write_nodes(spec=spec, frame=frame) -> int:
                records = _rows(frame, spec.key, spec.properties, spec.table, _date_columns(spec.table))
                with tqdm(total=len(records), desc=f":{spec.label}", unit="row", disable=not progress) as bar:
                    _write(session, node_statement(spec), records, batch_size, f"{spec.table}.csv", bar)
                return len(records)
            timed(f":{spec.label}", write_nodes)
        for spec in RELATIONSHIPS:
            frame = frames.get(spec.table, case[spec.table])

            def write_relationships(spec=spec, frame=frame) -> int:
                count = 0
                for start_label, end_label, records in relationship_rows(case, spec, frame):
                    statement = relationship_statement(spec, start_label, end_label)
                    with tqdm(total=len(records), desc=f"[:{spec.type}]", unit="row", disable=not progress) as bar:
                        _write(session, statement, records, batch_size, f"{spec.table}.csv", bar)
                    count += len(records)
                return count
            timed(f"[:{spec.type}]", write_relationships)
        session.run("MATCH (l:CaseLoad {case_id: $case_id}) SET l.status = 'complete', l.completed = datetime(), "
                    "l.rows = $rows", case_id=case.config.case_id, rows=report.rows).consume()
    return report


def clear_database(session, batch_size: int = 10000) -> None:
    """Delete every node and relationship, in batches that fit the heap."""
    session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $size ROWS",
                size=batch_size).consume()
