"""`casegraph ingest`: raw bank and payment exports merged into a case folder.

Reading the exports (decoding, formats, headers, values) is :mod:`.exports`; merging what they
hold into the case's tables is :mod:`.merge`. The case folder is created when missing (with a
``case.yaml`` whose ``case_id`` is the folder's name); an existing case keeps its rows, and
the same files ingested twice change nothing.

>>> result = ingest("case-folder", ["反馈.xlsx", "交易明细.csv"])        # doctest: +SKIP
>>> result.added["bank_transfers"], result.reasons.get("duplicate_of_other_side", 0)   # doctest: +SKIP
(1834, 212)
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

from casegraph.outputs import csv_header, write_csv_cells, write_csv_lines
from casegraph.progress import SILENT, Progress

from ..case import CASE_FILE, read_config
from ..csvcells import CELL_POOL
from ..encoding import decode_file
from ..problems import InvalidCase, Problem
from .merge import INGESTED_TABLES, REPORT_FILE, TEXT, MergeSettings, merge_exports
from .merge import TRANSACTION_COLUMNS as MERGED_TRANSACTION_COLUMNS

WRITE_SLICE_ROWS = 500_000  # rows of a table turned into CSV lines at a time


@dataclass
class IngestResult:
    """What one ingest did: rows read, rows added per table, new report rows per reason."""

    case_dir: Path
    rows_read: int  # transaction rows of the batch not already in the case
    rows_in_sources: int  # transaction, account and person rows the sources held (new or not)
    added: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    created: bool = False  # the case folder was made by this ingest
    # Currencies of the case's transfers that fx_rates.csv gives no rate for (validate refuses
    # the case until it does): what the investigator has to add, said at once.
    unrated_currencies: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """Whether the sources held anything to take: transactions, accounts or persons (already
        in the case or not: ingesting the same files again is no failure)."""
        return self.rows_in_sources > 0


def ingest(case_dir: str | Path, sources: Iterable[str | Path], *, profile: str | None = None,
           progress: Progress = SILENT, settings: MergeSettings = MergeSettings()) -> IngestResult:
    """Read raw exports and merge them into the case folder ``case_dir`` (see the module).

    Raises :class:`InvalidCase` when a source (``exports.UnreadableExports``) or an existing
    table of the case cannot be read.
    """
    from .exports import read_exports

    # Arrow's default allocator (mimalloc) keeps what each block of a big file freed, scattered
    # among the rows kept (measured: 0.5 GiB at 5 million rows); the system's hands it back.
    previous_pool = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        exports = read_exports([Path(s) for s in sources], profile=profile, progress=progress,
                               transaction_columns=list(MERGED_TRANSACTION_COLUMNS))
        # What the reading freed goes back to the system before the merge allocates its own.
        pa.default_memory_pool().release_unused()
        CELL_POOL.release_unused()
        return merge_into_case(case_dir, exports, progress=progress, settings=settings, release=True)
    finally:
        pa.set_memory_pool(previous_pool)


def merge_into_case(case_dir: str | Path, exports, *, progress: Progress = SILENT,
                    settings: MergeSettings = MergeSettings(), release: bool = False) -> IngestResult:
    """Merge normalised exports into ``case_dir`` and write its tables (the ingest without reading);
    ``release``: see :func:`merge.merge_exports`.

    >>> result = merge_into_case("case-folder", read_exports([Path("反馈.xlsx")]))   # doctest: +SKIP
    >>> result.added["bank_transfers"]                                                # doctest: +SKIP
    1834
    """
    case_dir = Path(case_dir)
    created = not case_dir.exists()
    if (case_dir / CASE_FILE).is_file():  # its timezone is the one the banks' local times are read in
        problems: list[Problem] = []
        config, _ = read_config(case_dir, problems)
        if config is None:
            raise InvalidCase(problems)
        settings = replace(settings, timezone=config.timezone)
    with progress.step("reading the case's tables"):
        existing = read_ingested_tables(case_dir)
    merged = merge_exports(exports, existing, settings=settings, progress=progress, release=release)
    case_dir.mkdir(parents=True, exist_ok=True)
    if not (case_dir / CASE_FILE).exists():
        _write_atomically(case_dir / CASE_FILE, yaml.safe_dump({"case_id": case_dir.resolve().name},
                                                                allow_unicode=True).encode("utf-8"))
    with progress.step("writing the case's tables"):
        # A table the merge left as it was is not written again: a hand-written file keeps its bytes.
        for name, file, frame in [*((n, f"{n}.csv", merged.tables[n]) for n in INGESTED_TABLES),
                                  ("report", REPORT_FILE, merged.report)]:
            if name not in existing or not frame.equals(existing[name]):
                _write_table(frame, case_dir / file)
    return IngestResult(case_dir, merged.rows_read, merged.rows_in_sources, merged.added, merged.reasons, created,
                        unrated_currencies=_unrated_currencies(case_dir, merged.tables["bank_transfers"]))


def _unrated_currencies(case_dir: Path, transfers: pd.DataFrame) -> list[str]:
    """The currencies other than CNY among ``transfers`` that the case's fx_rates.csv (as far as
    it reads) has no row for."""
    used = set(transfers["currency"].unique()) - {"", "CNY"} if "currency" in transfers else set()
    rates = case_dir / "fx_rates.csv"
    if used and rates.is_file():
        frame = _read_text_table(rates, [])
        if frame is not None and "currency" in frame:
            used -= set(frame["currency"].str.strip().str.upper())
    return sorted(used)


def read_ingested_tables(case_dir: Path) -> dict[str, pd.DataFrame]:
    """The case's tables that ingest merges into, as text ("" for empty cells); absent ones left out
    (``report`` is ingest_report.csv).

    >>> read_ingested_tables(Path("no-such-case"))
    {}
    """
    problems: list[Problem] = []
    tables = {}
    for name, file in [*((n, f"{n}.csv") for n in INGESTED_TABLES), ("report", REPORT_FILE)]:
        path = case_dir / file
        if path.is_file():
            frame = _read_text_table(path, problems)
            if frame is not None:
                tables[name] = frame
    if problems:
        raise InvalidCase(problems)
    return tables


def _read_text_table(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """A CSV file's cells as text, every column kept. UTF-8 (as ingest writes it) goes straight
    to pyarrow; any other encoding is detected and decoded first."""
    data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    try:
        return _parsed(data)
    except (UnicodeDecodeError, pa.ArrowInvalid):
        pass
    decoded = decode_file(data, str(path), None, problems)
    if decoded is None:
        return None
    try:
        return _parsed(decoded[0].encode("utf-8"))
    except pa.ArrowInvalid as exc:
        problems.append(Problem(str(path), 1, 1, f"cannot read the table to merge into it: {exc}"))
        return None


def _parsed(utf8: bytes) -> pd.DataFrame | None:
    """UTF-8 CSV bytes as text cells ("" for empty), or None for an empty file."""
    first_line = utf8.split(b"\n", 1)[0].decode("utf-8")
    if not utf8.strip():
        return None
    names = next(csv.reader([first_line]))
    table = pacsv.read_csv(
        io.BytesIO(utf8), parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False))
    return table.to_pandas()


def _write_table(frame: pd.DataFrame, path: Path, *, slice_rows: int = WRITE_SLICE_ROWS) -> None:
    """A table written aside, then moved over the old file: an interrupted run leaves it whole.
    A big table's lines are made and written ``slice_rows`` at a time (the same bytes)."""
    staging = path.with_name(f".{path.name}.partial")
    if len(frame) <= slice_rows or not len(frame.columns):
        write_csv_cells(_cells(frame), staging)
    else:
        columns = list(frame.columns)
        with open(staging, "wb") as handle:
            handle.write(csv_header(columns))
            for start in range(0, len(frame), slice_rows):
                cells = _cells(frame.iloc[start:start + slice_rows])
                if not write_csv_lines(handle, cells, columns):  # a kind of column it does not cover
                    cells.to_csv(handle, index=False, header=False, encoding="utf-8", lineterminator="\n")
    os.replace(staging, path)


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text, "" when empty; categories decoded by Arrow, not a text object per cell."""
    decoded = {name: pd.array(pa.array(column).dictionary_decode(), dtype=TEXT)
               for name, column in frame.items() if isinstance(column.dtype, pd.CategoricalDtype)}
    return frame.assign(**decoded).astype(TEXT).fillna("")


def _write_atomically(path: Path, data: bytes) -> None:
    staging = path.with_name(f".{path.name}.partial")
    staging.write_bytes(data)
    os.replace(staging, path)

