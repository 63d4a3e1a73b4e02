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
import itertools
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.graphs.model import (
    NODES,
    RELATIONSHIPS,
    NodeType,
    RelType,
    node_rows_of,
    relationship_ends,
    stored_name,
)
from casegraph.progress import SILENT, Progress

from .case import Case
from .fx import tables_in_cny
from .read import LINE
from .tables import TABLES, TABLES_BY_NAME

DEFAULT_BATCH_SIZE = 5000
# Batches written at a time: on 2 cores the server commits one while it runs the next
# (1.57x the rows per second of one writer on the seed-scale case, bench/neo4j_load.py).
WRITERS = 2

# Relationships that are facts of their own, several of which may join the same two nodes:
# they merge on the property that identifies the fact.
MERGE_KEYS = {"TRANSFER": "txn_id", "CASH": "txn_id", "MEMBER_OF": "line"}


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
    timings: list[TableTiming] = field(default_factory=list)  # per label and type, or per step
    method: str = "unwind"  # or "import" (neo4j-admin database import, :mod:`.neo4j_import`)

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


@dataclass(frozen=True)
class Rows:
    """Rows of one label, or of one relationship type between two labels, ready to write:
    ``id`` (nodes) or ``from_id`` / ``to_id`` (relationships), ``line``, and the properties
    by stored name; temporals are ISO text named in ``temporal`` (property -> ``date`` or
    ``datetime``), missing values are null. The UNWIND load and the bulk import both write
    from these, so both give the same graph."""

    frame: pd.DataFrame
    source: str  # the case file the rows come from
    temporal: dict[str, str]
    merge_key: str | None = None  # relationships: the property that tells parallel ones apart

    @property
    def properties(self) -> list[str]:
        return [c for c in self.frame.columns if c not in ("id", "from_id", "to_id")]


def _iso_text(series: pd.Series, kind: str) -> pd.Series:
    """Temporals as ISO text (UTC for date-times), null where missing: Arrow's cast to text,
    its space made a ``T`` (the seed ledger's 554,215 timestamps in 0.05 s, where numpy's
    ``datetime_as_string`` took 0.66 s)."""
    if kind == "datetime":
        utc_clock = pa.array(series.dt.tz_convert(None).to_numpy(), from_pandas=True)  # NaT -> null
        text = pc.cast(pc.cast(utc_clock, pa.timestamp("us"), safe=False), pa.string())
        text = pc.binary_join_element_wise(pc.replace_substring(text, " ", "T", max_replacements=1), "Z", "")
    else:
        text = pc.cast(pc.cast(pa.array(series.to_numpy(), from_pandas=True), pa.date32(), safe=False), pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(text), index=series.index)


def _property_frame(frame: pd.DataFrame, table: str, properties: tuple[str, ...]) -> tuple[pd.DataFrame, dict]:
    """``line`` and the properties of ``frame`` by stored name, temporals as ISO text."""
    temporal = _temporal(table)
    present = [p for p in properties if p in frame.columns]
    columns = {stored_name(table, c): (_iso_text(frame[c], temporal[c]) if c in temporal else frame[c])
               for c in present}
    columns["line"] = frame[LINE].astype("int64")
    return pd.DataFrame(columns, index=frame.index), {c: temporal[c] for c in present if c in temporal}


def node_batches(case: Case, frames: dict[str, pd.DataFrame]) -> Iterator[tuple[NodeType, pd.DataFrame]]:
    for spec in NODES:
        yield spec, node_rows_of(spec, frames.get(spec.table, case[spec.table]))


def node_rows(spec: NodeType, frame: pd.DataFrame) -> Rows:
    """The nodes of one label, one per row of ``frame``."""
    properties, temporal = _property_frame(frame, spec.table, spec.properties)
    properties.insert(0, "id", frame[spec.key].astype("string"))
    return Rows(properties.reset_index(drop=True), f"{spec.table}.csv", temporal)


def relationship_rows(case: Case, spec: RelType, frame: pd.DataFrame) -> Iterator[tuple[str, str, Rows]]:
    """Relationships of one type, split by the labels at their two ends. Rows naming the same
    two nodes (and merge key) make one relationship, with the last row's properties, as a
    MERGE of each row in turn would."""
    start_label, start_column = spec.start
    rows, ends, labels = relationship_ends(case.tables, spec, frame)
    key = MERGE_KEYS.get(spec.type)
    for label in labels.dropna().unique():
        chosen = (labels == label).to_numpy()
        part = rows[chosen]
        properties, temporal = _property_frame(part, spec.table, spec.properties)
        properties.insert(0, "from_id", part[start_column].astype("string").to_numpy())
        properties.insert(1, "to_id", pd.array(ends[chosen].to_numpy(), dtype="string"))
        properties = properties.drop_duplicates(["from_id", "to_id", *([key] if key else [])], keep="last")
        yield start_label, label, Rows(properties.reset_index(drop=True), f"{spec.table}.csv", temporal, key)


def _assignments(variable: str, rows: Rows) -> str:
    """``SET`` items for every property, from column parameters ``$c0``, ``$c1``, … indexed by
    the row ``i``; setting null leaves the property absent (or removes a stale one)."""
    items = []
    for number, name in enumerate(rows.properties):
        value = f"$c{number}[i]"
        if name in rows.temporal:
            value = f"{rows.temporal[name]}({value})"
        items.append(f"{variable}.`{name}` = {value}")
    return ", ".join([*items, f"{variable}.source = $source", f"{variable}.case_version = $version"])


def node_statement(label: str, rows: Rows, *, create: bool = False) -> str:
    """Nodes of one label from column parameters: ``MERGE`` on ``id``, or ``CREATE`` when the
    label is known to have no nodes yet (no lookup needed)."""
    verb = "CREATE" if create else "MERGE"
    return (f"UNWIND range(0, size($id) - 1) AS i {verb} (n:{label} {{id: $id[i]}}) "
            f"SET {_assignments('n', rows)}")


def relationship_statement(type_: str, start_label: str, end_label: str, rows: Rows, *,
                           create: bool = False) -> str:
    """Relationships of one type between two labels from column parameters: ``MERGE`` on the
    two ends (and the merge key), or ``CREATE`` when the type has none yet."""
    key = rows.merge_key
    merge_on = f" {{{key}: $c{rows.properties.index(key)}[i]}}" if key and not create else ""
    verb = "CREATE" if create else "MERGE"
    return (f"UNWIND range(0, size($from_id) - 1) AS i "
            f"MATCH (a:{start_label} {{id: $from_id[i]}}) MATCH (b:{end_label} {{id: $to_id[i]}}) "
            f"{verb} (a)-[r:{type_}{merge_on}]->(b) SET {_assignments('r', rows)}")


def _parameter_columns(rows: Rows) -> dict[str, list]:
    """The rows as one list per column, named as the statements expect: the ids by their
    name, the properties ``c0``, ``c1``, …; missing values are None."""
    frame = rows.frame
    names = {c: c for c in ("id", "from_id", "to_id") if c in frame.columns}
    names.update({name: f"c{number}" for number, name in enumerate(rows.properties)})
    return {names[c]: frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns}


# Rounds in which relationships whose both ends repeat are dealt out: each makes about half of
# the rows left parallel, and what the last leaves is written by one writer.
LANE_ROUNDS = 4


def writer_lanes(frame: pd.DataFrame, writers: int) -> list[list[np.ndarray]]:
    """Rounds, written one after another, of the row positions each of ``writers`` writes in
    turn, such that no two batches written at the same time hold the same node: relationship
    batches sharing a node deadlocked again and again in a load of the seed-scale case over an
    earlier delivery (two transactions each holding a lock the other waits for; the driver
    retries after a second or more, with a warning on the terminal).

    Nodes split in as many runs as there are writers, in one round. So do relationships whose
    one end is a node of its own per row (an entry, a trade, a login), by the other end, whole:
    the nodes holding the most rows are dealt out in turn, so the lanes get about as many rows
    each. Where both ends repeat (transfers between accounts), each round deals the nodes to
    the writers at random and gives a writer the rows whose both ends it was dealt; the rows
    left go to the next round, and after :data:`LANE_ROUNDS` to one writer.

    Two lanes can still meet at a relationship that joins their nodes: creating one on a node
    updates the one before it in the node's chain. So a deadlock stays possible, but rare (none
    in four incremental loads of the seed-scale case; one in three writes of its transfers by
    rounds), and the driver retries it.

    >>> frame = pd.DataFrame({"from_id": ["e1", "e2", "e3", "e4"], "to_id": ["c1", "c2", "c1", "c2"]})
    >>> [[lane.tolist() for lane in lanes] for lanes in writer_lanes(frame, 2)]
    [[[0, 2], [1, 3]]]
    """
    rows = len(frame)
    if writers < 2 or rows < 2:
        return [[np.arange(rows)]]
    if "id" in frame.columns:
        return [np.array_split(np.arange(rows), writers)]
    start, end = (pd.factorize(frame[column])[0] for column in ("from_id", "to_id"))
    start_unique, end_unique = start.max() + 1 == rows, end.max() + 1 == rows
    if start_unique or end_unique:
        shared = end if start_unique else start
        counts = np.bincount(shared)
        rank = np.empty_like(counts)
        rank[np.argsort(-counts, kind="stable")] = np.arange(len(counts))
        lane_of_row = (rank % writers)[shared]
        return [[np.flatnonzero(lane_of_row == lane) for lane in range(writers)]]
    # One numbering for both ends: an id at both is one node (two nodes of one id in two labels
    # only keep rows apart that need not be).
    nodes, _ = pd.factorize(pd.concat([frame["from_id"], frame["to_id"]], ignore_index=True))
    start, end = nodes[:rows], nodes[rows:]
    random = np.random.default_rng(0)
    rounds, left = [], np.arange(rows)
    for _ in range(LANE_ROUNDS):
        dealt = random.integers(writers, size=nodes.max() + 1)
        start_lane, end_lane = dealt[start[left]], dealt[end[left]]
        whole = start_lane == end_lane
        rounds.append([left[whole & (start_lane == lane)] for lane in range(writers)])
        left = left[~whole]
    return [*rounds, [left]]


def _write(driver, statement: str, rows: Rows, *, database: str | None, batch_size: int, version: str,
           advance: Callable[[int], None], writers: int = WRITERS) -> None:
    """Write ``rows`` in batches, round by round of :func:`writer_lanes`, each lane of a round by
    a writer of its own (a session per batch, the lane's batches in turn, the lanes at the same
    time); a failed batch cancels those not yet begun."""
    rounds = writer_lanes(rows.frame, writers)
    lanes = [lane for lanes in rounds for lane in lanes]
    rows = replace(rows, frame=rows.frame.take(np.concatenate(lanes)))  # each lane one run of rows
    columns = _parameter_columns(rows)
    stops = iter(np.cumsum([len(lane) for lane in lanes]).tolist())

    def write(start: int, stop: int) -> int:
        batch = {name: values[start:stop] for name, values in columns.items()}
        with driver.session(database=database) as session:
            session.execute_write(lambda tx: tx.run(statement, batch, source=rows.source, version=version).consume())
        return stop - start

    for round_lanes in rounds:
        spans = [(stop - len(lane), stop) for lane, stop in zip(round_lanes, stops)]
        with ExitStack() as stack:
            lane_writers = [stack.enter_context(ThreadPoolExecutor(1)) for _ in round_lanes]
            batches = [lane_writer.submit(write, start, min(start + batch_size, stop))
                       for lane_writer, (begin, stop) in zip(lane_writers, spans)
                       for start in range(begin, stop, batch_size)]
            try:
                for batch in as_completed(batches):
                    advance(batch.result())
            except BaseException:
                for batch in batches:
                    batch.cancel()
                raise


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
                "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $size ROWS",
                version=version, size=batch_size).consume()


@dataclass(frozen=True)
class Part:
    """One ``Rows`` with what it becomes: nodes of ``label``, or relationships of ``type``
    from ``start_label`` to ``end_label``."""

    rows: Rows
    label: str | None = None
    type: str | None = None
    start_label: str | None = None
    end_label: str | None = None

    @property
    def group(self) -> str:
        """The label (``:Entry``) or relationship type (``[:TRANSFER]``) the part belongs to."""
        return f":{self.label}" if self.label else f"[:{self.type}]"

    def statement(self, *, create: bool) -> str:
        if self.label:
            return node_statement(self.label, self.rows, create=create)
        return relationship_statement(self.type, self.start_label, self.end_label, self.rows, create=create)


def graph_parts(case: Case) -> Iterator[Part]:
    """Every node label, then every relationship type, of a checked case, one ``Part`` at a
    time (so only one is held in memory)."""
    # Money in other currencies is converted here, so Cypher sums CNY fen exactly as pandas.
    frames = tables_in_cny(case)
    for spec, frame in node_batches(case, frames):
        yield Part(node_rows(spec, frame), label=spec.label)
    for spec in RELATIONSHIPS:
        frame = frames.get(spec.table, case[spec.table])
        for start_label, end_label, rows in relationship_rows(case, spec, frame):
            yield Part(rows, type=spec.type, start_label=start_label, end_label=end_label)


def prepare_schema(driver, *, database: str | None = None, workers: int = 2) -> None:
    """Create the constraints and indexes (if missing) and wait until they are online. The plain
    indexes go first, in one transaction: they fill in the background (one job, measured just
    after a server start 0.97x the time of one transaction each, 4 alternating pairs) while the
    constraints are created, ``workers`` at a time (each waits for its own index to fill)."""
    statements = schema_statements()
    indexes = [statement for statement in statements if statement.startswith("CREATE INDEX")]
    constraints = [statement for statement in statements if statement not in indexes]

    def create(statement: str) -> None:
        with driver.session(database=database) as session:
            session.run(statement).consume()

    with driver.session(database=database) as session, session.begin_transaction() as transaction:
        for statement in indexes:
            transaction.run(statement).consume()
        transaction.commit()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(create, constraints))
    with driver.session(database=database) as session:
        session.run("CALL db.awaitIndexes(300)").consume()


def other_cases(session, case_id: str) -> list[str]:
    """The ids of the cases other than ``case_id`` the database holds."""
    return session.run("MATCH (l:CaseLoad) WHERE l.case_id <> $case_id RETURN collect(l.case_id) AS ids",
                       case_id=case_id).single()["ids"]


def begin_load(session, case: Case, *, replace: bool = False) -> None:
    """Refuse (or with ``replace`` clear) a database holding another case, and record that
    this case's load has begun."""
    others = other_cases(session, case.config.case_id)
    if others and not replace:
        raise OtherCaseLoaded(f"the database holds case {', '.join(others)}; load with --replace to clear it")
    if others:
        clear_database(session)
    session.run("MERGE (l:CaseLoad {case_id: $case_id}) SET l.status = 'loading', l.started = datetime(), "
                "l.timezone = $timezone, l.thresholds = $thresholds, l.flow_patterns = $flow_patterns, "
                "l.tables = $tables", case_load_settings(case)).consume()


def case_load_settings(case: Case) -> dict:
    """What the ``(:CaseLoad)`` node holds of the case besides the load's own state: the case's
    settings travel with the graph, so analyses need nothing but the database; ``tables`` are
    those holding rows, which decide the analyses a partial case gets."""
    return {"case_id": case.config.case_id, "timezone": case.config.timezone,
            "thresholds": case.config.thresholds.model_dump_json(),
            "flow_patterns": case.config.flow_patterns.model_dump_json(), "tables": sorted(case.available)}


def complete_load(session, case: Case, *, rows: int, version: str) -> None:
    session.run("MATCH (l:CaseLoad {case_id: $case_id}) SET l.status = 'complete', l.completed = datetime(), "
                "l.rows = $rows, l.version = $version",
                case_id=case.config.case_id, rows=rows, version=version).consume()


def _is_empty(session, part: Part) -> bool:
    """Whether the database has no node of the part's label (relationship of its type) yet:
    then its rows are created without looking for existing ones."""
    pattern = f"(n:{part.label})" if part.label else f"()-[n:{part.type}]->()"
    return session.run(f"MATCH {pattern} RETURN count(n) = 0 AS empty").single()["empty"]


def load_into_neo4j(driver, case: Case, *, batch_size: int = DEFAULT_BATCH_SIZE, replace: bool = False,
                    database: str | None = None, progress: Progress = SILENT, writers: int = WRITERS,
                    on_table: Callable[[TableTiming], None] | None = None) -> LoadReport:
    """Write every node and relationship of a checked case, ``writers`` batches at a time; see
    the module's docstring."""
    report = LoadReport(case.config.case_id)
    version = case_version(case)
    prepare_schema(driver, database=database)
    with driver.session(database=database) as session:
        begin_load(session, case, replace=replace)
        for group, parts in itertools.groupby(graph_parts(case), key=lambda part: part.group):
            started = time.perf_counter()
            count, create = 0, None
            for part in parts:
                if create is None:  # decided once for the whole label or type
                    create = _is_empty(session, part)
                with progress.step(f"loading {group}", total=len(part.rows.frame)) as advance:
                    _write(driver, part.statement(create=create), part.rows, database=database,
                           batch_size=batch_size, version=version, advance=advance, writers=writers)
                count += len(part.rows.frame)
            timing = TableTiming(group, count, time.perf_counter() - started)
            report.timings.append(timing)
            if on_table:
                on_table(timing)
        remove_stale(session, version)
        complete_load(session, case, rows=report.rows, version=version)
    return report


def clear_database(session, batch_size: int = 50_000) -> None:
    """Delete every relationship, then every node, in batches that fit the heap: each
    relationship is deleted once, where ``DETACH DELETE`` of each node finds it from both of
    its ends (bench/neo4j_load.py ``--clear-ab``)."""
    for statement in ("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF $size ROWS",
                      "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF $size ROWS"):
        session.run(statement, size=batch_size).consume()
