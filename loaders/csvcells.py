"""A CSV file's cells as Arrow text, read without pandas: pyarrow's columnar parser, for text
where it gives exactly what the exact reader (``read._records``, Python's csv module, record by
record) would give; and :class:`ReadAhead`, which starts that reading for a case's files while
the rest of casegraph (pandas above all) is still being imported.

The exact reader must know each record's physical line, and reports quoting faults at their
line and cell. Here a record's line is its row number plus one, which holds only when every
record is one line: the fast reader is used when the file has as many lines as the header plus
the rows pyarrow parsed (a blank line, or a quoted cell holding a line break, would make it
fewer), and when nothing in the file is something the two parsers read differently (a quote
out of place, an over-long cell, a lone carriage return, a ragged row). Otherwise it returns
None and the exact reader reads the file, finding and placing every problem.

Nothing here imports pandas (tests/test_read_ahead.py holds it to that): the point of reading
ahead is to keep the second core busy while pandas loads.

>>> header, cells = well_formed_cells(b"a,b\\n1,x\\n2,\\"y,z\\"\\n")
>>> header, cells.column(1).to_pylist()
(['a', 'b'], ['x', 'y,z'])
>>> well_formed_cells(b'a,b\\n"x\\ny",1\\n') is None    # a quoted line break
True
"""

from __future__ import annotations

import collections
import csv
import io
import mmap
import os
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from .encoding import plain_utf8
from .tables import TABLES

QUOTE, NEWLINE, CARRIAGE_RETURN = ord('"'), ord("\n"), ord("\r")
# Bytes are compared with a byte this many at a time, into one reused buffer: a temporary the
# size of the file costs more in fresh pages than the comparison itself (a 443 MB ledger: 2 s
# of page faults for 0.05 s of counting).
SCAN_BLOCK = 1 << 22


def _cell_pool() -> pa.MemoryPool:
    """Where the cells' buffers live: jemalloc where pyarrow has it. It keeps freed pages for
    the next file; the default (mimalloc) hands them back to the system and faults them in
    again, which measured 1.5-3x the system time of a seed-scale read."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return pa.default_memory_pool()


CELL_POOL = _cell_pool()


def tune_memory() -> None:
    """Set how this process takes memory for its large arrays; every command that reads or
    writes a case calls it first (``casegraph.cli._read_case``, ``_generate_case``), and a
    process of its own (a notebook) may call it too. Pages the system hands out fresh are dear
    on the machines casegraph runs on; the arrays of an analysis are mostly made, read a few
    times and dropped, so memory is kept for reuse and taken a small page at a time.

    - Every Arrow array the process makes from here on (the analyses' kernels, DuckDB's
      answers, pandas' Arrow-backed columns), not the cells alone, comes from :data:`CELL_POOL`,
      which keeps freed pages: ``casegraph analyze`` at 10x seed took 0.81-0.88x the wall time
      and 8 s of system time instead of 12-15 s (3 alternating pairs), at seed 0.80-0.94x with
      a lower peak (4 pairs).
    - numpy asks for no transparent huge pages (it madvises them for each array of 4 MiB or
      more, as its NUMPY_MADVISE_HUGEPAGE=0 turns off when set before numpy is imported): a
      huge page's first touch here cost several times the small pages it replaces, in system
      time. ``casegraph analyze`` at 10x seed: 7.5 / 6.9 s of system time against 11.4 /
      10.5 s, 24.1 / 24.1 s against 27.9 / 26.5 s (2 alternating pairs), the peak within 5 %.
    """
    pa.set_memory_pool(CELL_POOL)
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _set_madvise_hugepage
    _set_madvise_hugepage(False)


def well_formed_cells(utf8: bytes | mmap.mmap) -> tuple[list[str], pa.Table] | None:
    """(header, the cells of every row as Arrow large strings, columns named "0", "1" …), or None
    when the file is not one the columnar parser reads as the exact reader does.

    ``utf8`` is the file's text as UTF-8: its own bytes (or a map of them) when it is UTF-8,
    read as they stand, with no Python string of the whole file.
    """
    if not len(utf8):
        return None
    data = np.frombuffer(utf8, dtype=np.uint8)
    if utf8.find(b"\r") >= 0 and not _carriage_returns_end_lines(data):
        return None  # a lone CR ends a line for the csv module, not for the line count here
    first_end = utf8.find(b"\n")
    first_line = bytes(utf8[:first_end if first_end >= 0 else len(utf8)]).decode("utf-8")
    try:
        header = next(csv.reader([first_line.rstrip("\r")], strict=True))
    except csv.Error:
        return None
    if not "".join(header).strip():
        return None  # the exact reader looks for the first line that is not blank
    header = [h.strip() for h in header]
    names = [str(i) for i in range(len(header))]
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(utf8),
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pa_csv.ParseOptions(newlines_in_values=False),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()),
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False),
            memory_pool=CELL_POOL)
    except pa.ArrowInvalid:
        return None  # a ragged row, a quote left open: the exact reader places it
    lines = _count(data, NEWLINE) + (data[-1] != NEWLINE)
    if table.num_rows + 1 != lines:
        return None  # blank lines, or records over several lines: lines are not rows + 1
    limit = csv.field_size_limit()  # in characters; a cell has at least as many bytes
    if any((pc.max(pc.binary_length(column)).as_py() or 0) > limit
           and pc.max(pc.utf8_length(column)).as_py() > limit for column in table.columns):
        return None
    if utf8.find(b'"') >= 0 and not _quotes_strict(utf8):
        return None
    return header, table


def _carriage_returns_end_lines(data: np.ndarray) -> bool:
    """Whether every carriage return in the bytes is followed by a line feed (CRLF).

    >>> _carriage_returns_end_lines(np.frombuffer(b"a\\r\\nb\\r\\n", np.uint8)), _carriage_returns_end_lines(
    ...     np.frombuffer(b"a\\rb\\n", np.uint8))
    (True, False)
    """
    return bool(_count(data, CARRIAGE_RETURN) == _count(data, CARRIAGE_RETURN, followed_by=NEWLINE))


def _count(data: np.ndarray, byte: int, *, followed_by: int | None = None) -> int:
    """How often ``byte`` occurs in ``data`` (right before ``followed_by``, when given), counted
    one block at a time.

    >>> data = np.frombuffer(b"a\\r\\nb\\rc\\r", np.uint8)
    >>> _count(data, CARRIAGE_RETURN), _count(data, CARRIAGE_RETURN, followed_by=NEWLINE)
    (3, 1)
    """
    found = np.empty(min(len(data), SCAN_BLOCK), dtype=bool)
    after = np.empty_like(found)
    total = 0
    for start in range(0, len(data), SCAN_BLOCK):
        block = data[start:start + SCAN_BLOCK]
        here = np.equal(block, byte, out=found[:len(block)])
        if followed_by is not None:
            following = data[start + 1:start + 1 + len(block)]  # the data's last byte has none
            here = np.logical_and(here[:len(following)], np.equal(following, followed_by, out=after[:len(following)]),
                                  out=here[:len(following)])
        total += int(np.count_nonzero(here))
    return total


def _positions(data: np.ndarray, byte: int) -> np.ndarray:
    """Where ``byte`` occurs in ``data``, found one block at a time.

    >>> _positions(np.frombuffer(b'a"b""', np.uint8), QUOTE).tolist()
    [1, 3, 4]
    """
    found = np.empty(min(len(data), SCAN_BLOCK), dtype=bool)
    return np.concatenate([np.flatnonzero(np.equal(block, byte, out=found[:len(block)])) + start
                           for start in range(0, len(data), SCAN_BLOCK)
                           for block in [data[start:start + SCAN_BLOCK]]] or [np.zeros(0, dtype=np.int64)])


def _quotes_strict(utf8: bytes | mmap.mmap) -> bool:
    """Whether the lines holding a quote read without error by the csv module's strict rules.

    pyarrow reads ``"x"y`` as ``xy``; the exact reader refuses it. Only the lines with a quote
    are read again (each line is one record here), so a file without quotes costs nothing.
    """
    data = np.frombuffer(utf8, dtype=np.uint8)
    ends = _positions(data, NEWLINE)
    quoted = np.unique(np.searchsorted(ends, _positions(data, QUOTE)))
    starts = np.concatenate(([0], ends + 1))[quoted]
    stops = np.append(ends, len(utf8))[quoted]
    text = b"\n".join(utf8[start:stop] for start, stop in zip(starts.tolist(), stops.tolist())).decode("utf-8")
    try:
        collections.deque(csv.reader(io.StringIO(text, newline=""), strict=True), maxlen=0)
    except csv.Error:
        return False
    return True


# Files from this size on are mapped, not copied into memory: the page cache's own pages, no
# fresh memory to fault in and fill (at seed scale a fifth of reading's time went there).
MAP_FROM = 1 << 20


def file_bytes(path: Path) -> bytes | mmap.mmap:
    """A file's bytes, a large file's as a read-only map of it."""
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size >= MAP_FROM:
            try:
                return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):
                pass  # a file system that cannot map it: read it
        return handle.read()


@dataclass(frozen=True)
class ReadCells:
    """A file read ahead: its bytes, plain UTF-8 (:func:`.encoding.plain_utf8`), and its cells
    as :func:`well_formed_cells` gives them (None: the exact reader's to read)."""

    utf8: bytes | mmap.mmap
    cells: tuple[list[str], pa.Table] | None


class ReadAhead:
    """A case folder's CSV files read in a thread of their own, largest first, from the moment
    this is made until the reading proper (``read.read_raw``) asks for its first file.

    Made before pandas is imported, it reads on the second core while the first loads pandas
    (at seed scale both take about as long). It stops at the first :meth:`take`, after the
    file in hand, so that from then on tables are read as ``case.read_case`` orders them (the
    largest alone). A file it did not read, could not read (the reader proper reports why), or
    that is not plain UTF-8 (the reader proper decodes it) is not taken from here.

    >>> from casegraph.generator import generate_case
    >>> _ = generate_case(tmp / "case", "tiny", seed=1)
    >>> ahead = ReadAhead(tmp / "case")
    >>> ahead.take(tmp / "case" / "logins.csv").cells[0][:3]     # the largest file: read first
    ['ts', 'account_id', 'actor_id']
    >>> ahead.take(tmp / "case" / "vendors.csv") is None          # the reading proper's
    True
    """

    def __init__(self, case_dir: Path) -> None:
        paths = sorted((path for path in (Path(case_dir) / table.file for table in TABLES) if path.is_file()),
                       key=_size, reverse=True)
        # The largest file is claimed at once: however soon the reading proper asks, it is read here.
        first = Future()
        self._read: dict[Path, Future] = dict(zip(paths[:1], [first]))
        self._stopped = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read_all, args=(paths, first),
                                        name="casegraph-read-ahead", daemon=True)
        self._thread.start()

    def _read_all(self, paths: list[Path], first: Future) -> None:
        read = first
        for position, path in enumerate(paths):
            if position:
                with self._lock:
                    if self._stopped:
                        return
                    read = self._read[path] = Future()
            try:
                read.set_result(_read_cells(path))
            except Exception as exc:  # a fault of casegraph's: raised again where the file is taken
                read.set_exception(exc)

    def take(self, path: Path) -> ReadCells | None:
        """The file read ahead (waiting for it if it is being read), or None: read it yourself."""
        with self._lock:
            self._stopped = True
            read = self._read.pop(path, None)
        return None if read is None else read.result()


def _read_cells(path: Path) -> ReadCells | None:
    try:
        utf8 = file_bytes(path)
    except OSError:
        return None  # the reader proper tries again, and reports why it cannot
    if not plain_utf8(utf8):
        return None
    return ReadCells(utf8, well_formed_cells(utf8))


def _size(path: Path) -> int:
    return path.stat().st_size
