"""The output files (folder ``casegraph/outputs/``, import name ``casegraph.outputs``): the last
step of the data's way, after the analyses (:mod:`casegraph.queries`). Every file casegraph
makes of its answers is written here:

- this module: CSV (UTF-8, header row), money as text with exactly two decimals, text that
  would start a spreadsheet formula neutralised; and the way every output reaches the disk:
  whole folders (and single files) written aside and swapped into place, so that a failed
  or interrupted run never leaves a mix of old and new results;
- :mod:`.packets`: the referral packets per province (CSV, XLSX, HTML) of the sections
  :mod:`casegraph.queries.referrals` makes;
- :mod:`.xlsx`: workbooks, a column at a time;
- :mod:`.chains`: a vendor's or a gang's chain as JSON or GraphML;
- :mod:`.favourites`: the Cypher playbooks as Neo4j Browser's favourites.

>>> with atomic_folder(Path("out"), written_by="casegraph analyze") as folder:   # doctest: +SKIP
...     write_csv(tables["chain"], folder / "chain.csv")
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from casegraph.loaders.columnar import arrow_text
from casegraph.money import format_fen_series
from casegraph.queries.output_tables import OUTPUT_TABLES

# Integer columns that count things rather than money; every other integer column is fen.
COUNT_COLUMNS = frozenset({
    # the declared output tables' counts, and those of the referral packets and quality.csv
    *(column for table in OUTPUT_TABLES.values() for column in table.of_kind("count")),
    "n_platforms", "line", "n_trades", "n_fake", "rank", "n_transfers", "n_gangs", "n_accounts",
    "hop",  # casegraph trace
})
# What a spreadsheet takes for the start of a formula (OWASP, "CSV Injection").
FORMULA_CHARACTERS = "=+-@\t\r"
FORMULA_START = r"[=+\-@\t\r]"  # the same, as a regular expression's class
# What makes the csv module quote a cell (QUOTE_MINIMAL, lines ending in "\n").
QUOTED_CHARACTERS = ',"\n'
# What Arrow's CSV writer refuses in a cell it is not to quote (RFC 4180).
UNQUOTED_STRUCTURE = ',"\n\r'
# In every folder casegraph writes: the licence to replace that folder as a whole next time.
MARKER = ".casegraph-output"


class OutputRefused(ValueError):
    """An output path casegraph will not write to; the message says why."""


def is_fen_column(name: str, values: pd.Series) -> bool:
    """Whether a column holds money in fen: an integer column that is not a count."""
    return name not in COUNT_COLUMNS and pd.api.types.is_integer_dtype(values.dtype)


def money_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every fen column as 2-decimal text and counts as plain integers."""
    out = frame.copy(deep=False)  # copy-on-write: the columns replaced below are the copy's alone
    for column in out.columns:
        series = out[column]
        if column in COUNT_COLUMNS:
            out[column] = series.astype("Int64")
        elif pd.api.types.is_bool_dtype(series.dtype):  # as the truth files write them
            out[column] = series.map({True: "true", False: "false"})
        elif is_fen_column(column, series):
            out[column] = format_fen_series(series)
    return out


def text_array(values: pd.Series) -> pa.Array:
    """A column's values as Arrow text, each as ``str()`` writes it, missing values null.

    >>> text_array(pd.Series(["张三", None, 1.5], dtype=object)).to_pylist()
    ['张三', None, '1.5']
    """
    if isinstance(values.dtype, pd.StringDtype) or (
            pd.api.types.is_object_dtype(values.dtype) and pd.api.types.infer_dtype(values) in ("string", "empty")):
        text = arrow_text(values)
    else:
        text = arrow_text(values.astype("string"))
    return text.combine_chunks()


def join_text(*parts, separator: str = "", missing: str | None = None) -> pa.Array:
    """Element-wise concatenation of text arrays and plain strings, ``separator`` between
    them; where a part is null, null, or ``missing`` in its place when given.

    >>> join_text("<v>", pa.array(["1", None]), "</v>").to_pylist()
    ['<v>1</v>', None]
    >>> join_text(pa.array(["a", None]), pa.array(["b", "c"]), separator=",", missing="").to_pylist()
    ['a,b', ',c']
    """
    options = {} if missing is None else {"null_handling": "replace", "null_replacement": missing}
    return pc.binary_join_element_wise(*[pa.scalar(p, pa.large_string()) if isinstance(p, str)
                                         else p.cast(pa.large_string()) for p in parts],
                                       pa.scalar(separator, pa.large_string()), **options)


def _offsets_and_data(strings: pa.Array) -> tuple[np.ndarray, pa.Buffer | None]:
    """A large_string array's offsets (one more than its values) and its data buffer, no copy."""
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)[strings.offset:strings.offset + len(strings) + 1]
    return offsets, strings.buffers()[2]


def text_buffer(strings: pa.Array) -> pa.Buffer:
    """The texts of an array one after another, as UTF-8 (nulls add nothing), without a copy
    when they lie so in the array already: what a file can be written from.

    >>> text_buffer(pa.array(["a,b\\n", None, "c\\n"])).to_pybytes()
    b'a,b\\nc\\n'
    """
    strings = strings.cast(pa.large_string())
    if isinstance(strings, pa.ChunkedArray):
        strings = strings.combine_chunks()
    offsets, data = _offsets_and_data(strings)
    if len(strings) == 0 or data is None:
        return pa.py_buffer(b"")
    return data.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))


def text_bytes(strings: pa.Array) -> bytes:
    """:func:`text_buffer` as bytes.

    >>> text_bytes(pa.array(["a,b\\n", None, "c\\n"]))
    b'a,b\\nc\\n'
    """
    return text_buffer(strings).to_pybytes()


def _holds_any(text: pa.Array, characters: str) -> bool:
    """Whether any text of a large_string array holds one of the ASCII ``characters``: a scan
    of its bytes (one UTF-8 byte below 128 is always that character), no pass per value."""
    offsets, data = _offsets_and_data(text)
    if data is None or offsets[-1] == offsets[0]:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]]
    return bool(np.isin(raw, np.frombuffer(characters.encode("ascii"), dtype=np.uint8)).any())


def _starts_with_any(text: pa.Array, characters: str) -> np.ndarray:
    """Whether each text of a large_string array starts with one of the ASCII ``characters``
    (missing values do not): its first byte, looked up at the offsets, no pass per value."""
    offsets, data = _offsets_and_data(text)
    starts = offsets[:-1]
    nonempty = offsets[1:] > starts
    if data is None or not nonempty.any():
        return np.zeros(len(text), dtype=bool)
    first = np.frombuffer(data, dtype=np.uint8)[np.where(nonempty, starts, 0)]
    found = nonempty & np.isin(first, np.frombuffer(characters.encode("ascii"), dtype=np.uint8))
    if text.null_count:
        found &= text.is_valid().to_numpy(zero_copy_only=False)
    return found


def neutralise_formulas(values: pd.Series) -> pd.Series:
    """Text a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
    tab or a carriage return) behind a leading ``'``; every other value, and every value that
    is not text, as it is.

    >>> neutralise_formulas(pd.Series(["=HYPERLINK(1)", "-5", "张三", None, 1.5], dtype=object)).tolist()
    ["'=HYPERLINK(1)", "'-5", '张三', None, 1.5]
    """
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind not in ("string", "mixed", "mixed-integer"):
        return values  # numbers, dates, booleans, all empty: nothing a spreadsheet would run
    if kind == "string":  # all text: one pass in Arrow
        risky = pd.Series(_starts_with_any(text_array(values), FORMULA_CHARACTERS), index=values.index)
    else:
        risky = values.str.match(FORMULA_START).fillna(False).astype(bool)  # NaN for values that are not text
    if not risky.any():
        return values
    return values.mask(risky, "'" + values[risky].astype(str))


def csv_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The cells of ``frame`` as a CSV file holds them: money as text (:func:`money_as_text`)
    and text columns' formulas neutralised (:func:`neutralise_formulas`). Only columns that
    hold text in ``frame`` are neutralised, so money and numbers (``-5.00``) stay as they are.

    >>> csv_cells(pd.DataFrame({"name": ["+86 138"], "amount": [-500]})).iloc[0].tolist()
    ["'+86 138", '-5.00']
    """
    cells = money_as_text(frame)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype):
            cells[column] = neutralise_formulas(cells[column])
    return cells


def _csv_column(values: pd.Series) -> tuple[pa.Array, bool] | None:
    """A column's cells as pandas' ``to_csv`` writes them, quoted where Python's csv module
    quotes (QUOTE_MINIMAL with ``\\n`` line ends: a ``,``, a ``"`` or a line feed in the
    cell), missing values null, and whether they are plain (hold none of
    :data:`UNQUOTED_STRUCTURE`); None for a kind of column this does not cover (booleans,
    dates, objects that are not all text), which :func:`write_csv_cells` leaves to pandas."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if pd.api.types.is_integer_dtype(dtype):  # digits and a sign: nothing to quote
        return pc.cast(pa.array(values, from_pandas=True), pa.large_string()), True
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        numbers = values.to_numpy()
        return pa.array(numbers.astype(str), pa.large_string(), mask=np.isnan(numbers)), True  # as pandas writes them
    if not (isinstance(dtype, pd.StringDtype) or (
            pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(values) in ("string", "empty"))):
        return None
    text = text_array(values)
    if not _holds_any(text, UNQUOTED_STRUCTURE):
        return text, True
    return _quoted(text), False


def _quoted(text: pa.Array) -> pa.Array:
    """Text quoted where the csv module quotes it (:func:`_csv_column`)."""
    if not _holds_any(text, QUOTED_CHARACTERS):  # a carriage return, which is not quoted
        return text
    # Quote each distinct text once (a column that needs quotes mostly repeats a few labels).
    encoded = pc.dictionary_encode(text)
    unique = encoded.dictionary
    quote = pc.or_(pc.or_(pc.match_substring(unique, ","), pc.match_substring(unique, '"')),
                   pc.match_substring(unique, "\n"))
    return pc.take(pc.if_else(quote, join_text('"', pc.replace_substring(unique, '"', '""'), '"'), unique),
                   encoded.indices)


def csv_line_texts(cells: pd.DataFrame, columns: list[str]) -> pa.Array | None:
    """Each row's line of :func:`write_csv_lines`, ``\\n`` included, as Arrow text; None when a
    column is of a kind :func:`_csv_column` does not cover. A line depends on its row alone:
    the lines of some rows are these lines filtered.

    >>> csv_line_texts(pd.DataFrame({"a": ["x,y", None], "n": [1, 2]}), ["a", "b", "n"]).to_pylist()
    ['"x,y",,1\\n', ',,2\\n']
    """
    texts = _csv_texts(cells, columns)
    return None if texts is None else _joined_lines(texts[0], len(cells))


def _csv_texts(cells: pd.DataFrame, columns: list[str]) -> tuple[list[pa.Array | None], bool] | None:
    """Per column, its cells as the file holds them (:func:`_csv_column`), None for a column
    ``cells`` lacks (empty in every row), and whether every cell is plain; None when a column
    is of a kind not covered."""
    texts, plain = [], True
    for column in columns:
        if column not in cells.columns:
            texts.append(None)
            continue
        column_text = _csv_column(cells[column])
        if column_text is None:
            return None
        texts.append(column_text[0])
        plain &= column_text[1]
    return texts, plain


def _joined_lines(texts: list[pa.Array | None], n_rows: int) -> pa.Array:
    """Each row's line of the columns' cells (:func:`_csv_texts`), ``\\n`` included."""
    if len(texts) == 1:  # the csv module quotes a row that is one empty cell
        only = texts[0] if texts[0] is not None else pa.nulls(n_rows, pa.large_string())
        texts = [pc.if_else(pc.equal(only, ""), '""', only).fill_null('""')]
    # One join: the commas, and the runs of columns ``cells`` lacks (empty in every row), as
    # literal text between the columns it has.
    parts: list = []

    def literal(text: str) -> None:  # text every line has, joined to the literal before it
        if parts and isinstance(parts[-1], str):
            parts[-1] += text
        else:
            parts.append(text)

    for number, text in enumerate(texts):
        if number:
            literal(",")
        if text is not None:
            parts.append(text)
    literal("\n")
    if all(isinstance(part, str) for part in parts):  # no column of ``cells`` among ``columns``
        return pa.array(["".join(parts)] * n_rows, pa.large_string())
    return join_text(*parts, missing="")


def csv_header(columns: list[str]) -> bytes:
    """The header line of a CSV file, quoted as the csv module quotes it."""
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow([str(c) for c in columns])
    return line.getvalue().encode("utf-8")


def write_csv_cells(cells: pd.DataFrame, path: Path) -> Path:
    """Write cells already prepared by :func:`csv_cells` (UTF-8, header row, ``\\n``): the
    bytes pandas' ``to_csv`` writes, built a column at a time in Arrow (:func:`write_csv_lines`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(cells.columns)
    with open(path, "wb") as handle:
        handle.write(csv_header(columns))
        if columns and write_csv_lines(handle, cells, columns):
            return path
    cells.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")  # a kind Arrow's lines do not cover
    return path


def write_csv_lines(handle, cells: pd.DataFrame, columns: list[str]) -> bool:
    """Write to ``handle`` the data lines of a CSV file with ``columns`` holding ``cells`` (a
    column ``cells`` lacks stays empty), as pandas' ``to_csv`` writes them, and say so; False
    (nothing written) when a column is of a kind :func:`_csv_column` does not cover.

    >>> handle = io.BytesIO()
    >>> write_csv_lines(handle, pd.DataFrame({"a": ["x,y", None], "n": [1, 2]}), ["a", "b", "n"])
    True
    >>> handle.getvalue()
    b'"x,y",,1\\n,,2\\n'
    """
    column_texts = _csv_texts(cells, columns)
    if column_texts is None:
        return False
    texts, plain = column_texts
    if len(texts) > 1 and plain and all(text is not None for text in texts):
        # No cell quoted: Arrow's CSV writer lays the cells out as they are, 3-4x faster
        # than joining each row's line first (404 k rows of 51 columns: 0.5 s, 2 s).
        pa_csv.write_csv(pa.table(texts, names=[str(number) for number in range(len(texts))]), handle,
                         pa_csv.WriteOptions(include_header=False, quoting_style="none"))
    else:
        handle.write(text_buffer(_joined_lines(texts, len(cells))))
    return True


def write_csv_parts(columns: list[str], parts: list[pa.Array], path: Path) -> Path:
    """A CSV file of the header of ``columns`` and the lines (:func:`csv_line_texts`) of each
    part in turn: a file put together from parts of lines made once for several files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(csv_header(columns))
        handle.writelines(text_buffer(part) for part in parts)
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table as CSV: money with two decimals, formulas neutralised (:func:`csv_cells`)."""
    return write_csv_cells(csv_cells(frame), path)


# -- where outputs may go, and how they get there ------------------------------------------------

def _is_within(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it: symlinks resolved, folders compared
    by identity (device and inode), so that another spelling of the same folder counts."""
    try:
        folder_stat = folder.stat()
    except OSError:  # no such folder: nothing lies inside it
        return False
    resolved = path.resolve()
    for ancestor in (resolved, *resolved.parents):
        try:
            if os.path.samestat(ancestor.stat(), folder_stat):
                return True
        except OSError:  # a part of the path that does not exist yet
            continue
    return False


def refuse_overlap(out: Path, case: Path) -> None:
    """:class:`OutputRefused` when ``out`` is the case folder, lies inside it or holds it:
    writing there would overwrite the evidence (the case's own gangs.csv, its truth/).

    >>> refuse_overlap(Path("case/results"), Path("case"))   # doctest: +SKIP
    OutputRefused: case/results is inside the case folder case: the results would overwrite ...
    """
    if _is_within(out, case):
        where = "is the case folder" if _is_within(case, out) else f"is inside the case folder {case}"
        raise OutputRefused(f"{out} {where}: the results would overwrite the case's files; "
                            "choose a folder outside the case")
    if _is_within(case, out):
        raise OutputRefused(f"{out} holds the case folder {case}: writing there would replace the case; "
                            "choose a folder outside the case")


def _replaceable(target: Path) -> None:
    """:class:`OutputRefused` unless ``target`` is missing, an empty folder, or a folder
    casegraph wrote (it, or the folder it is in, holds the :data:`MARKER`)."""
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputRefused(f"{target} exists and is not a folder")
    if (target / MARKER).is_file() or (target.parent / MARKER).is_file() or not any(target.iterdir()):
        return
    raise OutputRefused(f"{target} is a folder casegraph did not write (no {MARKER} in it), and it would be "
                        "replaced as a whole: choose a new folder, or empty this one first")


def _unique_sibling(target: Path, kind: str, suffix: str = "") -> Path:
    """A hidden name beside ``target`` that no other run uses: ``.out.partial-<pid>-<random>``."""
    return target.with_name(f".{target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}{suffix}")


@contextmanager
def atomic_folder(target: Path, *, written_by: str) -> Iterator[Path]:
    """A fresh folder beside ``target`` to write every output into; when the block ends
    normally it takes ``target``'s place (the old folder, if any, removed only then), and on
    any exception or Ctrl-C it is removed and ``target`` stays as it was. The folder gets
    :data:`MARKER` (naming ``written_by``), which later runs need to replace it.

    :class:`OutputRefused` (before anything is written) when ``target`` exists and is not a
    folder casegraph may replace (:func:`_replaceable`). A symlink is followed: the folder it
    points to is replaced and the link kept.

    >>> with atomic_folder(Path("out"), written_by="casegraph analyze") as folder:   # doctest: +SKIP
    ...     write_csv(table, folder / "chain.csv")
    """
    target = target.resolve()
    _replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = _unique_sibling(target, "partial")  # same parent: the renames below stay atomic
    staging.mkdir()
    try:
        (staging / MARKER).write_text(
            f"Written by {written_by}. casegraph replaces this folder as a whole when asked to write here "
            "again: keep your own files elsewhere.\n", encoding="utf-8")
        yield staging
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap_into_place(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``; an old ``target`` is moved aside first, put back
    if the rename fails, and removed once the new folder is in place."""
    if not target.exists():
        os.rename(staging, target)
        return
    old = _unique_sibling(target, "old")
    os.rename(target, old)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old)


@contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` (same suffix) to write one file to; it replaces
    ``target`` (``os.replace``) when the block ends normally and is removed otherwise.
    :class:`OutputRefused` when ``target`` is a folder.

    >>> with atomic_file(Path("chain.json")) as path:   # doctest: +SKIP
    ...     path.write_text("{}")
    """
    target = target.resolve()  # a symlink is followed, as a plain write would
    if target.is_dir():
        raise OutputRefused(f"{target} is a folder; give a file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = _unique_sibling(target, "partial", target.suffix)  # the suffix tells writers the format
    try:
        yield staging
        os.replace(staging, target)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


# -- the output tables written by Spark's writer (casegraph analyze --engine spark --spark-output) ----

def write_with_spark(session, tables: dict[str, pd.DataFrame], where: str, *, file_format: str = "csv") -> None:
    """Each table written by Spark's writer to ``where`` (a folder, ``hdfs://…`` or ``s3a://…``),
    as the folder ``<where>/<name>`` (replaced) of one part file: ``csv``, the lines
    :func:`write_csv` writes, byte for byte (``part-00000-….txt``); ``parquet``, the same cells,
    every column text.

    >>> write_with_spark(spark_session(), {"chain": chain}, "hdfs://nn/cases/c1/results")  # doctest: +SKIP
    """
    with tempfile.TemporaryDirectory(prefix="casegraph-output-") as scratch:
        for name, frame in tables.items():
            data = write_csv(frame, Path(scratch) / f"{name}.csv").read_bytes()
            if file_format == "csv":
                # Spark's text writer, each line as it is (the lines are CSV already; a cell's line
                # break splits its line here and is written back by the writer): Spark's CSV
                # writer would quote and trim them again.
                lines = pc.split_pattern(pa.array([data[:-1]], pa.binary()), b"\n").flatten().cast(pa.string())
                session.createDataFrame(pa.table({"line": lines})).coalesce(1).write.mode("overwrite").text(
                    f"{where.rstrip('/')}/{name}")
            else:
                cells = pa_csv.read_csv(pa.py_buffer(data), convert_options=pa_csv.ConvertOptions(
                    column_types=dict.fromkeys(frame.columns, pa.string()), strings_can_be_null=False,
                    quoted_strings_can_be_null=False))
                session.createDataFrame(cells).coalesce(1).write.mode("overwrite").parquet(f"{where.rstrip('/')}/{name}")
