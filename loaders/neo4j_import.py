"""First load of a case into an empty database through ``neo4j-admin database import full``.

The UNWIND load (:mod:`.neo4j`) sends every row through Cypher; the offline importer writes
the store files directly and is many times faster for a whole case. The nodes,
relationships and properties come from the same :class:`~.neo4j.Part` rows as the UNWIND
load's, written as the importer's CSV files: one per label (``:ID(Label)``, one id space
per label, since ids are unique only within a table) and one per relationship type and
pair of labels (``:START_ID(Label)``, ``:END_ID(Label)``), with typed properties (money
``long`` fen, ``date``, ``datetime``). The ids the importer sees are integers casegraph
numbers the nodes with: the seed case's import takes 0.83x the time it took with the
importer's text ids (19.0-23.0 s against 22.2-27.4 s, 4 alternating pairs). Each node keeps
its case id as the text property ``id``. The store replaces the ``neo4j`` database's while the
server is down, so this works only for casegraph's own local server: the files are written
and imported into a folder of their own while the server shuts down, the new store is moved
in, and the server is started again. The ``(:CaseLoad)`` node of the completed load is
imported with the case; the constraints and indexes are then created as the UNWIND load
creates them.

>>> from casegraph.loaders.case import load_case                         # doctest: +SKIP
>>> report = import_case(load_case("mycase"))                            # doctest: +SKIP
>>> report.method, report.rows                                           # doctest: +SKIP
('import', 4012663)
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from casegraph.redaction import redact_uri
from casegraph.server import provision, runtime

from .case import Case
from .columnar import first_positions
from .neo4j import (
    LoadReport,
    OtherCaseLoaded,
    Part,
    TableTiming,
    case_load_settings,
    case_version,
    graph_parts,
    other_cases,
    prepare_schema,
)

# The default (and, in Community edition, only) user database.
DATABASE = "neo4j"
# By default, cases with fewer rows than this load by UNWIND even into an empty database: the
# server's restart around an import costs about as long as UNWIND takes for ~1 M case rows
# (one case row makes ~2.7 graph rows) on 2 cores.
IMPORT_MIN_ROWS = 500_000


class ImportFailed(Exception):
    """``neo4j-admin database import`` did not complete; the message has its last output."""


def _property_type(rows_type: pa.DataType) -> str:
    """The importer's type for a column (strings need none)."""
    if pa.types.is_integer(rows_type):
        return ":long"
    if pa.types.is_floating(rows_type):
        return ":double"
    if pa.types.is_boolean(rows_type):
        return ":boolean"
    return ""


# The column of a node file that holds the importer's integer id (``--id-type=integer``); a
# relationship file's ``from_id`` and ``to_id`` hold the same numbers. No case column can have
# this name: names starting with "_" are casegraph's own (the reader refuses them).
NODE_NUMBER = "_number"


def _header(part: Part, table: pa.Table) -> str:
    """The importer's header line: ids with their id spaces, then the typed properties."""
    names = []
    for name, column_type in zip(table.column_names, table.schema.types):
        if name == NODE_NUMBER:
            names.append(f":ID({part.label})")  # no name before the colon: not stored, ``id`` is
        elif name == "from_id":
            names.append(f":START_ID({part.start_label})")
        elif name == "to_id":
            names.append(f":END_ID({part.end_label})")
        elif name in part.rows.temporal:
            names.append(f"{name}:{part.rows.temporal[name]}")
        else:
            names.append(name + _property_type(column_type))
    return ",".join(names)


def _numbered_nodes(table: pa.Table, label: str, numbered: dict[str, pa.Array]) -> pa.Table:
    """A node file's rows with their integer ids first: numbered from 0 within the label (each
    label its own id space), in the order written; ``numbered`` keeps each label's case ids at
    those numbers for the relationships' ends."""
    ids = table.column("id").cast(pa.large_string()).combine_chunks()
    before = numbered.get(label, pa.array([], pa.large_string()))
    numbered[label] = pa.concat_arrays([before, ids])
    return table.add_column(0, NODE_NUMBER, pa.array(np.arange(len(before), len(before) + len(ids))))


def _numbered_ends(table: pa.Table, part: Part, numbered: dict[str, pa.Array]) -> pa.Table:
    """A relationship file's rows with both ends given by their nodes' integer ids (the
    loaders' lookup by id, :func:`.columnar.first_positions`, over each label's case ids). An
    end that names no node written before fails here, as the importer fails on one."""
    for column, label in (("from_id", part.start_label), ("to_id", part.end_label)):
        ends = first_positions(table.column(column), numbered.get(label, pa.array([], pa.large_string())))
        if (ends < 0).any():
            missing = table.column(column)[int(np.flatnonzero(ends < 0)[0])].as_py()
            raise ImportFailed(f"{part.group}: {column} {missing!r} names no {label} node")
        table = table.set_column(table.column_names.index(column), column, pa.array(ends, pa.int64()))
    return table


def _has_line_breaks(table: pa.Table) -> bool:
    """Whether some text of ``table`` holds a line break: a byte search of each text column's
    character buffer, not a search per value (a buffer shared with values outside a slice can
    only turn the importer's slower multiline parsing on, never off wrongly)."""
    for column, column_type in zip(table.columns, table.schema.types):
        if not (pa.types.is_string(column_type) or pa.types.is_large_string(column_type)):
            continue
        for chunk in column.chunks:
            characters = chunk.buffers()[2]
            if characters is not None and characters.size:
                data = np.frombuffer(characters, dtype=np.uint8)
                if (data == ord("\n")).any() or (data == ord("\r")).any():
                    return True
    return False


@dataclass
class ImportFiles:
    """The CSV files written for one import and the importer's arguments naming them."""

    arguments: list[str] = field(default_factory=list)
    rows: int = 0
    line_breaks: bool = False  # some text holds a line break: the importer must look for them


def write_import_files(parts: Iterator[Part], folder: Path, *, version: str) -> ImportFiles:
    """One CSV file per part, in the importer's format, with the provenance the UNWIND load
    sets (``source``, ``line``, ``case_version``); missing values are left empty (no property)
    and text is always quoted (an empty text stays an empty text). Nodes come before the
    relationships between them (as :func:`.neo4j.graph_parts` yields them); ids are the
    importer's integers (:func:`_numbered_nodes`), each node's case id its text property ``id``.

    A second thread numbers and writes each part while the next part's rows are made: Arrow's
    lookups and CSV writer let go of the GIL, the rows' making (pandas) mostly does not. Two
    parts at most are held at once. On the seed case, 14 alternating pairs against one thread:
    median 3.67 s against 4.05 s, 0.81x pair by pair (one thread alone ranged over 3.8-6.2 s)."""
    files = ImportFiles()
    numbered: dict[str, pa.Array] = {}  # touched by the writing thread alone, one part at a time

    def write(number: int, part: Part, table: pa.Table) -> None:
        table = _numbered_nodes(table, part.label, numbered) if part.label else _numbered_ends(table, part, numbered)
        path = folder / f"{number:03d}-{part.group.strip('[:]')}.csv"
        with path.open("wb") as out:
            out.write((_header(part, table) + "\n").encode())
            pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        kind = f"--nodes={part.label}" if part.label else f"--relationships={part.type}"
        files.arguments.append(f"{kind}={path}")
        files.rows += table.num_rows
        files.line_breaks = files.line_breaks or _has_line_breaks(table)

    with ThreadPoolExecutor(1) as writer:
        writing = None
        for number, part in enumerate(parts):
            frame = part.rows.frame.assign(source=part.rows.source, case_version=version)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writing is not None:
                writing.result()
            writing = writer.submit(write, number, part, table)
        if writing is not None:
            writing.result()
    return files


# The (:CaseLoad) node's properties, typed as the UNWIND load sets them (the rest are text).
CASE_LOAD_TYPES = {"started": "datetime", "completed": "datetime", "tables": "string[]", "rows": "long"}


def write_case_load_file(case: Case, files: ImportFiles, folder: Path, *, version: str) -> None:
    """The ``(:CaseLoad)`` node of a completed load, as the UNWIND load leaves it (settings,
    ``rows``, ``version``, status ``complete``), imported with the case: no query after the
    server's start need write it."""
    now = datetime.now(timezone.utc).isoformat()
    load = {**case_load_settings(case), "status": "complete", "started": now, "completed": now,
            "rows": files.rows, "version": version}
    # The importer splits arrays on ';' (its default), which no table name holds.
    load["tables"] = ";".join(load["tables"])
    path = folder / "caseload.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow([f"{name}:{CASE_LOAD_TYPES[name]}" if name in CASE_LOAD_TYPES else name for name in load])
        writer.writerow(load.values())
    files.arguments.append(f"--nodes=CaseLoad={path}")


# The importer's threads: at least 8, where its default is one per core. On 2 cores (the seed
# graph's 4.0 M rows, 4 alternating pairs) 8 threads imported in 0.80-0.94x the default's time,
# median 21.0 s against 24.1 s: its stages wait on the disk as well as on the cores.
IMPORT_THREADS = max(8, os.cpu_count() or 1)


def import_arguments(files: ImportFiles, *, report_file: Path, database: str = DATABASE) -> list[str]:
    """``database import full`` replacing ``database`` with the files' nodes and relationships."""
    # The database goes first: after --nodes/--relationships it would be read as one more file.
    return ["database", "import", "full", database, "--overwrite-destination=true", "--id-type=integer",
            f"--report-file={report_file}", f"--multiline-fields={str(files.line_breaks).lower()}",
            f"--threads={IMPORT_THREADS}", *files.arguments]


def run_import(home: Path, files: ImportFiles, folder: Path) -> Path:
    """Run the importer with ``home``'s jars and settings into a data folder of its own in
    ``folder`` (so the server need not be down meanwhile) and return that data folder; raise
    :class:`ImportFailed` with the output's end when it fails."""
    java_home = provision.find_java_home()
    log = home / "logs" / "import.log"
    data = folder / "data"
    settings = folder / "import.conf"
    settings.write_text(f"server.directories.data={data}\n")
    arguments = import_arguments(files, report_file=folder / "import.report")
    # After the database's name, before the files (see import_arguments).
    arguments[4:4] = [f"--additional-config={settings}"]
    command = provision.admin_command(home, java_home, arguments)
    with log.open("wb") as out:
        finished = subprocess.run(command, cwd=folder, env=provision.admin_environment(home, java_home),
                                  stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, check=False)
    if finished.returncode != 0:
        raise ImportFailed(f"neo4j-admin database import failed (exit {finished.returncode}); "
                           f"log: {log}\n{provision.tail(log, 15)}")
    return data


def replace_stores(data: Path, home: Path, *, into: Path, database: str = DATABASE) -> None:
    """Put the database's store and transaction logs imported into ``data`` in place of the
    stopped server's (which move into ``into``, on the same file system, to be deleted)."""
    for kind in ("databases", "transactions"):
        current = home / "data" / kind / database
        if current.exists():
            (into / kind).mkdir(parents=True)
            current.rename(into / kind / database)
        (data / kind / database).rename(current)


def is_local_server(uri: str) -> bool:
    """Whether ``uri`` names casegraph's own local server, and it is running (only that one
    can be stopped for an import)."""
    return runtime.is_running() and uri.rstrip("/") == runtime.local_settings().uri


def choose_import(driver, uri: str, case: Case, *, requested: bool | None, replace: bool = False) -> bool:
    """Whether to load by import: when ``requested`` (True), or by default (None) when ``uri``
    is casegraph's local server, its database is empty and the case has at least
    ``IMPORT_MIN_ROWS`` rows; never for another server.
    Raises :class:`ValueError` when an import is requested where none is possible, and
    :class:`~.neo4j.OtherCaseLoaded` when it would replace another case without ``replace``."""
    if requested is False:
        return False
    local = is_local_server(uri)
    if requested and not local:
        raise ValueError(f"an import needs casegraph's local server (`casegraph neo4j start`), "
                         f"which {redact_uri(uri)} is not")
    if not local or (requested is None and sum(case.row_counts().values()) < IMPORT_MIN_ROWS):
        return False
    with driver.session(database=DATABASE) as session:
        if requested:
            others = other_cases(session, case.config.case_id)
            if others and not replace:
                raise OtherCaseLoaded(f"the database holds case {', '.join(others)}; "
                                      "load with --replace to replace it")
            return True
        return session.run("MATCH (n) RETURN count(n) = 0 AS empty").single()["empty"]


def import_case(case: Case, *, wait_seconds: float = 180,
                on_step: Callable[[TableTiming], None] | None = None) -> LoadReport:
    """Replace the local server's database with the case, through the offline importer; see
    the module's docstring. The server is running again when this returns, also on failure."""
    import neo4j

    report = LoadReport(case.config.case_id, method="import")
    version = case_version(case)
    began = time.perf_counter()

    def lap(name: str, rows: int = 0) -> None:
        nonlocal began
        now = time.perf_counter()
        timing = TableTiming(name, rows, now - began)
        began = now
        report.timings.append(timing)
        if on_step:
            on_step(timing)

    with (tempfile.TemporaryDirectory(prefix="casegraph-import-", dir=provision.cache_dir()) as tmp,
          ThreadPoolExecutor(1) as deleting):
        folder = Path(tmp)
        # The server shuts down while the files are written and imported (into a folder of
        # their own); only putting the new store in place waits for it.
        with runtime.stopping(wait_seconds) as stopped:
            files = write_import_files(graph_parts(case), folder, version=version)
            write_case_load_file(case, files, folder, version=version)
            lap("write files")
            data = run_import(provision.server_home(), files, folder)
            lap("import", files.rows)
            home = stopped()
            lap("stop server")  # what stopping took beyond the import
            replace_stores(data, home, into=folder / "replaced")
            # The replaced store (a GB at seed scale) goes while the server starts.
            deleted = deleting.submit(shutil.rmtree, folder / "replaced", ignore_errors=True)
        lap("start server")
        settings = runtime.local_settings()
        with neo4j.GraphDatabase.driver(settings.uri, auth=settings.auth) as driver:
            prepare_schema(driver, database=DATABASE)
        deleted.result()
    lap("constraints")
    return report
