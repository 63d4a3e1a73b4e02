"""A case folder read, checked and typed: the one entry point every engine loads through.

A case may be partial (case-format.md): only case.yaml and bank_transfers.csv or ledger.csv
with rows are needed, plus the tables their rows refer to. An absent table reads as an empty
one; :attr:`Case.available` names the tables that hold rows, which decides the analyses run.

>>> from casegraph.generator import generate_case
>>> _ = generate_case(tmp / "case", "tiny", seed=1)
>>> case = load_case(tmp / "case")
>>> case["ledger"]["amount"].dtype                # money in integer fen
Int64Dtype()
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from casegraph.config import CaseConfig
from casegraph.progress import SILENT, Progress

from . import validate
from .columnar import rows_with
from .csvcells import CELL_POOL, ReadAhead
from .fx import check_cny_amounts
from .problems import LINE, InvalidCase, Problem
from .profiles import MappingProfile
from .read import RawTable, empty_table, parse_table, read_raw
from .tables import TABLES, Table
from .yamlfile import read_yaml_model, yaml_position

CASE_FILE = "case.yaml"
READERS = min(4, os.cpu_count() or 1)  # tables read at once
# A case whose files hold fewer bytes than this is read in one thread: its tables and columns
# take less time to parse than to hand over to a thread and wait for under the GIL. Measured
# (read_case in a warm process, medians of 15, alternating): a 1.6 MB case 0.17 s against 0.21
# threaded, a 13 MB one 0.26 s against 0.29 (0.27 CPU-s against 0.35); at 35 MB about the same
# (0.39 s against 0.38); at seed scale (112 MB) the threads take a fifth less time.
THREADED_FROM = 24 << 20


@dataclass
class Case:
    """Parsed tables (money in integer fen, timestamps in UTC) and the case configuration."""

    path: Path
    config: CaseConfig
    tables: Mapping[str, pd.DataFrame]
    encodings: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def row_counts(self) -> dict[str, int]:
        # Tables Spark holds are counted there, not collected to be counted (spark_read.CollectedWhenAsked).
        counted = getattr(self.tables, "row_counts", None)
        return counted() if counted is not None else {name: len(frame) for name, frame in self.tables.items()}

    def rows_where(self, name: str, column: str, values) -> pd.DataFrame:
        """The rows of table ``name`` whose ``column`` is one of ``values`` (a few), asked of the
        mapping that holds the tables where it can filter them (Spark filters its own:
        spark_read.CollectedWhenAsked), so that a few rows of a large table never bring the rest.

        >>> case.rows_where("bank_transfers", "to_account", ["VA1", "VA2"])   # doctest: +SKIP
        """
        where = getattr(self.tables, "rows_where", None)
        return where(name, column, values) if where is not None else rows_with(self.tables[name], column, values)

    @property
    def available(self) -> frozenset[str]:
        """The tables that hold rows (an absent or header-only file holds none)."""
        return frozenset(name for name, rows in self.row_counts().items() if rows)

    @property
    def partial(self) -> tuple[str, ...]:
        """The tables a full case requires that this one has no rows of, in contract order."""
        return tuple(table.name for table in TABLES if table.full_case and table.name not in self.available)


def read_config(case_dir: Path, problems: list[Problem]) -> tuple[CaseConfig | None, yaml.Node | None]:
    """case.yaml checked, and its YAML nodes (to place later problems at their line)."""
    path = case_dir / CASE_FILE
    if not path.is_file():
        problems.append(Problem(CASE_FILE, 1, 1, "required file is missing"))
        return None, None
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(CASE_FILE, 1, 1, f"cannot read the file: {exc.strerror or exc}"))
        return None, None
    config, node, found = read_yaml_model(CASE_FILE, data, CaseConfig, expected="a mapping of keys such as case_id")
    problems.extend(found)
    return config, node


def read_case(case_dir: str | Path, *, progress: Progress = SILENT,
              ahead: ReadAhead | None = None) -> tuple[Case | None, list[Problem]]:
    """Read and check a case folder; returns the case (None when invalid) and every problem.

    ``progress`` shows one step for the tables (a count of those read) and one for the rules
    across them. ``ahead`` holds files read ahead of this call (made before pandas was
    imported); the case read is the same with or without it.
    """
    case_dir = Path(case_dir)
    if not case_dir.is_dir():
        return None, [Problem(str(case_dir), 1, 1, "not a case folder (no such directory)")]
    read = read_tables(case_dir, progress=progress, ahead=ahead)
    if read.problems or read.config is None:
        return None, sorted(set(read.problems))
    return Case(case_dir, read.config, read.tables, read.encodings), []


@dataclass
class ReadTables:
    """What :func:`read_tables` read: the config, every table (typed; empty where absent or
    unreadable), the raw cells of those read, the tables whose file is absent, every problem."""

    config: CaseConfig | None
    tables: dict[str, pd.DataFrame]
    raws: dict[str, RawTable]
    absent: frozenset[str]
    problems: list[Problem]
    profile: MappingProfile

    @property
    def encodings(self) -> dict[str, str]:
        return {name: raw.encoding for name, raw in self.raws.items()}


def read_tables(case_dir: Path, *, progress: Progress = SILENT, elsewhere: frozenset[str] = frozenset(),
                ahead: ReadAhead | None = None) -> ReadTables:
    """The tables of the case folder read and checked (:func:`read_case`; ``ahead`` as there), but
    those of ``elsewhere``: tables someone else reads and checks (the Spark reader,
    :mod:`casegraph.loaders.spark_read`), left empty here and neither read nor absent."""
    problems: list[Problem] = []
    config, node = read_config(case_dir, problems)
    timezone = config.timezone if config else "Asia/Shanghai"
    pinned = config.encodings if config else {}
    profile = MappingProfile.load(config.mapping_profiles if config else ["zh"], case_dir, problems,
                                  where=lambda index: (CASE_FILE, *yaml_position(node, ("mapping_profiles", index))))

    raws: dict[str, RawTable] = {}
    tables: dict[str, pd.DataFrame] = {}
    found: dict[str, list[Problem]] = {table.name: [] for table in TABLES}
    sizes = {table.name: _size(case_dir / table.file) for table in TABLES if table.name not in elsewhere}
    by_size = sorted((table for table in TABLES if table.name in sizes), key=lambda table: sizes[table.name],
                     reverse=True)
    threaded = sum(sizes.values()) >= THREADED_FROM

    def read(table: Table) -> tuple[RawTable | None, pd.DataFrame]:
        return _read_table(case_dir / table.file, table, profile, found[table.name], timezone=timezone,
                           encoding=pinned.get(table.file), ahead=ahead, threaded=threaded)

    with progress.step(f"reading {len(by_size)} tables", total=len(by_size)) as advance:
        for table, (raw, parsed) in _each_read(read, by_size, threaded=threaded):
            tables[table.name] = parsed
            if raw is not None:
                raws[table.name] = raw
            advance(1)
    tables = {table.name: tables[table.name] if table.name in tables else empty_table(table) for table in TABLES}
    raws = {table.name: raws[table.name] for table in TABLES if table.name in raws}
    problems.extend(problem for table in TABLES for problem in found[table.name])
    absent = frozenset(table.name for table in TABLES
                       if table.name not in elsewhere and not (case_dir / table.file).is_file())

    with progress.step("checking the rules across tables"):
        validate.check_case(tables, raws, problems, timezone, absent=absent, threaded=threaded)
        check_cny_amounts(tables, raws, problems, timezone)
    tables["logins"]["login_id"] = login_ids(tables["logins"])
    return ReadTables(config, tables, raws, absent, problems, profile)


def _each_read(read, by_size: list[Table], *, threaded: bool):
    """(table, ``read(table)``) for each table, largest first, as each is read: one after the
    other, or side by side when ``threaded`` (pyarrow and most pandas kernels let go of the
    GIL). Side by side the small files fill the gaps of the large ones; the largest of all is
    read alone, its peak not added to the next one's (5 million transfers beside their 5
    million logins: 3.9 GiB; one after the other 3.0, in no more time on 2 cores)."""
    if not threaded:
        yield from ((table, read(table)) for table in by_size)
        return
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        reading = {}
        for position, table in enumerate(by_size):
            started = pool.submit(read, table)
            reading[started] = table
            if position == 0:
                wait([started])
        for done in as_completed(reading):
            yield reading[done], done.result()


def login_ids(logins: pd.DataFrame) -> pd.Series:
    """Logins have no id of their own: the source line names each one, stably across re-runs."""
    return "login:" + logins[LINE].astype(str)


def _size(path: Path) -> int:
    """A file's size in bytes; 0 when there is no such file."""
    return path.stat().st_size if path.is_file() else 0


def _read_table(path: Path, table: Table, profile: MappingProfile, problems: list[Problem], *, timezone: str,
                encoding: str | None, ahead: ReadAhead | None, threaded: bool) -> tuple[RawTable | None, pd.DataFrame]:
    """One case file read and parsed: its raw cells (None when it could not be read) and its
    typed table (an empty one then). ``encoding`` is the one pinned in case.yaml, if any;
    ``threaded``: whether its columns are parsed side by side (:func:`.read.side_by_side`).

    An absent file is no problem here: whether the case needs it depends on the other tables'
    rows (:func:`.validate.check_needed_tables`)."""
    if not path.is_file():
        return None, empty_table(table)
    raw = read_raw(path, table, profile, problems, encoding=encoding, ahead=ahead, threaded=threaded)
    parsed = None if raw is None else parse_table(raw, table, timezone, problems, threaded=threaded)
    # What reading the cells freed goes back to the system (the cells' allocator keeps it, for
    # the next file: at 5 million transfers 1.6 GB, held through the analysis).
    CELL_POOL.release_unused()
    if parsed is None:
        return None, empty_table(table)
    return raw, parsed


def load_case(case_dir: str | Path, *, progress: Progress = SILENT) -> Case:
    """Read a valid case folder or raise :class:`InvalidCase` with every problem found."""
    case, problems = read_case(case_dir, progress=progress)
    if case is None:
        raise InvalidCase(problems)
    return case
