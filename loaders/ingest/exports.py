"""Raw bank and payment exports read into normalised frames: the reading half of ``casegraph ingest``.

Files come as banks and payment firms write them (bank-formats.md): XLSX/XLS workbooks (every
sheet is read), CSV or tab-separated text in UTF-8 (with or without a byte-order mark), GBK or
GB18030, with title lines above the header and footer rows below the data. Each sheet's format
is recognised by its headers, wherever the header row is in the first 15 rows, never by the
file's name: a format profile (``formats/*.yaml`` beside this module, one per format) lists, for
each field, the headers that may hold it, the fields whose headers must be present, and the
format's own encodings of direction, success, cash and reversal flags, so that every mapping can
be reviewed. ``profile=`` (``--profile NAME|FILE``) forces one format, shipped or a YAML file of
the same shape, for layouts no shipped profile knows.

Every row read is either returned (with ``source`` and ``source_row``, the row number a person
sees in the file or sheet) or listed in ``skipped`` with its reason: ``footer`` (合计, 总计,
共 N 条, or a row with no id and no time), ``feedback_error`` (查询反馈结果原因 or 任务信息's
反馈结果 saying the query failed), ``blank_row``, ``bad_value`` (a row that does not fit the
header), and ``unknown_sheet`` (one row for a sheet of no known layout). A value that cannot be
read (an id Excel turned into ``6.22848E+18``, a time or amount that is not one) keeps its row,
marked ``problem = bad_value`` with ``detail`` saying which and why; an id never is guessed.

All work on the data is done a column at a time (Arrow compute kernels, numpy, pandas); only
XLSX cells pass through Python objects, as the workbook reader hands them over.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "流水.csv").write_bytes("交易明细\\n交易卡号,交易时间,交易金额,收付标志\\n"
...     "'6222021234567890123,20210305101530,\\"1,000.50\\",出\\n合计,,1000.50,\\n".encode("gbk"))
>>> exports = read_exports([folder / "流水.csv"])
>>> exports.transactions[["own_card", "ts", "direction", "amount_fen", "source_row"]].values.tolist()
[['6222021234567890123', Timestamp('2021-03-05 10:15:30'), 'out', 100050, 3]]
>>> exports.skipped[["source", "source_row", "reason"]].to_dict("records")
[{'source': '流水.csv', 'source_row': 4, 'reason': 'footer'}]
"""

from __future__ import annotations

import codecs
import csv
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from casegraph.money import MONEY_PATTERN, fen_series
from casegraph.progress import SILENT, Progress
from casegraph.queries.rules import names_no_device

from ..columnar import arrow_text, text_series, trimmed_or_missing
from ..csvcells import CELL_POOL, NEWLINE, QUOTE
from ..encoding import decode_file
from ..problems import InvalidCase, Problem
from ..read import CURRENCY_PATTERN, EARLIEST, LATEST
from ..yamlfile import read_yaml_model

FORMATS_DIR = Path(__file__).parent / "formats"
HEADER_SEARCH_ROWS = 15  # title lines above the header: one or two in practice, a few more in some
WIDTH_SAMPLE_ROWS = 50  # data rows that say how many cells a row has (a trailing comma adds one)
DETECT_SAMPLE_BYTES = 1 << 20  # the encoding is detected on the first MiB, cut at a line end
TAIL_LINES = 10  # footer lines looked for at the end of a CSV before it is parsed as bytes
CSV_CHUNK_BYTES = 32 << 20  # a CSV's body is parsed and normalised this much at a time (~115,000 rows)
TABULAR_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls"}

TRANSACTION_COLUMNS = [
    "source", "source_row", "format", "own_card", "own_account", "own_name", "own_id_number", "own_institution",
    "ts", "direction", "amount_fen", "currency", "balance_fen", "counterparty_id", "counterparty_name",
    "counterparty_id_number", "counterparty_institution", "cash", "succeeded", "reversal", "serial", "memo",
    "channel", "ip", "mac", "problem", "detail"]
ACCOUNT_COLUMNS = ["source", "source_row", "format", "own_card", "own_account", "own_name", "own_id_number",
                   "own_institution", "opened_on", "account_type", "status", "linked", "problem", "detail"]
PERSON_COLUMNS = ["source", "source_row", "format", "name", "id_number", "phone", "address", "kind"]
SKIPPED_COLUMNS = ["source", "source_row", "format", "reason", "detail"]

FieldName = Literal[
    "own_card", "own_account", "own_name", "own_id_number", "own_institution", "ts", "date", "time", "direction",
    "amount", "amount_out", "amount_in", "currency", "balance", "counterparty_id", "counterparty_name",
    "counterparty_id_number", "counterparty_institution", "cash", "succeeded", "reversal_flag", "serial", "memo",
    "channel", "ip", "mac", "feedback", "opened_on", "account_type", "status", "linked", "phone", "address"]
# Fields whose cells are parsed or compared with a profile's values: full-width forms count as ASCII.
COMPARED_FIELDS = {"own_card", "own_account", "own_id_number", "counterparty_id", "counterparty_id_number", "serial",
                   "ts", "date", "time", "direction", "amount", "amount_out", "amount_in", "currency", "balance",
                   "cash", "succeeded", "reversal_flag", "opened_on", "phone", "ip", "mac"}
# Markers with their defaults; a profile may replace them.
REVERSAL_MEMO = ["冲正", "抹账", "撤销", "退回", "反交易", "冲销", "冲账"]
FEEDBACK_FAILED = ["查询失败", "无记录", "查无此", "无此账", "账号不存在", "账户不存在", "未查询到", "不存在该",
                   "反馈失败", "失败"]
FOOTER = r"^(合计|总计|小计|本页合计|累计|共\s*[0-9]+\s*(条|笔|行)|总笔数|记录数|以下空白)"
CURRENCIES = {"": "CNY", "人民币": "CNY", "RMB": "CNY", "CNY": "CNY", "156": "CNY", "本币": "CNY",
              "美元": "USD", "USD": "USD", "840": "USD", "港币": "HKD", "港元": "HKD", "HKD": "HKD", "344": "HKD",
              "欧元": "EUR", "EUR": "EUR", "978": "EUR", "日元": "JPY", "JPY": "JPY", "392": "JPY"}
# English names, as exports made outside China (and the open AML benchmarks) print them; compared
# in upper case. A name not here is a bad value, never a guess.
CURRENCIES |= {name.upper(): code for code, names in {
    "CNY": ["Yuan", "Chinese Yuan", "Renminbi"], "USD": ["US Dollar", "US Dollars", "U.S. Dollar"],
    "EUR": ["Euro", "Euros"], "JPY": ["Yen", "Japanese Yen"], "HKD": ["Hong Kong Dollar"],
    "GBP": ["UK Pound", "UK Pounds", "Pound Sterling", "British Pound"], "INR": ["Rupee", "Indian Rupee"],
    "PKR": ["Pakistani Rupee"], "RUB": ["Ruble", "Rouble", "Russian Ruble"], "CHF": ["Swiss Franc"],
    "AUD": ["Australian Dollar"], "CAD": ["Canadian Dollar"], "MXN": ["Mexican Peso"],
    "BRL": ["Brazil Real", "Brazilian Real"], "ILS": ["Shekel", "Israeli Shekel"], "SAR": ["Saudi Riyal"],
    "AED": ["Dirham", "UAE Dirham"], "MAD": ["Moroccan Dirham"], "NGN": ["Naira", "Nigerian Naira"],
    "ALL": ["Albanian Lek", "Lek"], "TRY": ["Turkish Lira"], "KRW": ["Korean Won", "South Korean Won"],
    "SGD": ["Singapore Dollar"], "BTC": ["Bitcoin"]}.items() for name in names}
EXCEL_EPOCH = np.datetime64("1899-12-30", "s")  # serial day 1 is 1900-01-01 (Excel's leap-year bug included)
EXCEL_SERIAL = r"^[1-9][0-9]{4}(\.[0-9]+)?$"  # 10000 .. 99999: 1927 .. 2173
# Dates and times as banks print them, after NFKC: 2021-03-05 10:15:30, 2021/3/5 9:05, DB2's
# 2021-03-05-10.15.30.000000, compact 20210305101530, 2021年3月5日 10时15分30秒.
TIME_PATTERN = (r"^(?P<year>[0-9]{4})[-/.年]?(?P<month>[0-9]{1,2})[-/.月]?(?P<day>[0-9]{1,2})日?"
                r"(?:[ T-]*(?P<hour>[0-9]{1,2})[:.时]?(?P<minute>[0-9]{2})(?:[:.分]?(?P<second>[0-9]{2})秒?|分)?"
                r"(?:[.,][0-9]+)?)?$")
SCIENTIFIC = r"^[0-9](\.[0-9]+)?[eE][+]?[0-9]+$"
FINER_THAN_FEN = r"^[+-]?[0-9]*\.[0-9]{3,}$"  # a decimal amount such as a crypto-currency's 0.000139
# Cells that say "no value" as databases, spreadsheets and Chinese exports print it (pandas' own
# list, MySQL's \N, 无, dashes): blank. Taken as they are, "NULL" became one counterparty account
# that every row without a counterparty paid, a hub joining unrelated accounts.
NO_VALUE = pa.array(sorted({spelling for word in ("NULL", "NaN", "None", "N/A", "NA", "#N/A", "<NA>", "nil")
                            for spelling in (word, word.upper(), word.lower(), word.capitalize())}
                           | {"\\N", "无", "-", "--", "---", "—", "——"}), type=pa.large_string())
NO_VALUE_BYTES = max(len(spelling.encode()) for spelling in NO_VALUE.to_pylist())
# An id of zeros (or a dash and zeros) is a placeholder, no account's number.
PLACEHOLDER_ID = r"^[0-]+$"
# Dates with the month's English name, as exports made outside China print them: "Mar 25, 2015",
# "March 25 2015", "25 Mar 2015", "25-MAR-2015"; a time may follow.
NAMED_MONTH_TIME = (r"^(?:(?P<month>[A-Za-z]{3,9})\.? (?P<day>[0-9]{1,2}),? |(?P<day2>[0-9]{1,2})[ -]"
                    r"(?P<month2>[A-Za-z]{3,9})\.?[ -])(?P<year>[0-9]{4})"
                    r"(?:[ T]+(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?)?$")
MONTH_NAMES = {name: number for number, month in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"), start=1) for name in (month, month[:3])} | {"sept": 9}


def _text_value(value):
    """A value of a profile's mapping must be written as text: YAML reads 01 as the number 1."""
    if isinstance(value, str):
        return value
    raise ValueError(f"write {value!r} in quotes: YAML reads unquoted 01, 0, Y, no … as numbers or booleans")


Text = Annotated[str, BeforeValidator(_text_value)]


class FormatSpec(BaseModel):
    """A format profile (``formats/*.yaml``): how one layout of export is recognised and read.

    >>> spec = load_format("pbc_detail")
    >>> spec.directions["0"], spec.failed
    ('out', ['01', '失败'])
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    produces: list[Literal["transactions", "accounts", "persons", "tasks"]]
    # The fields whose headers must all be in the header row for the format to be recognised.
    required: list[FieldName] = Field(min_length=1)
    # field -> headers that may hold it; the first filled cell among them, in this order, is taken.
    columns: dict[FieldName, list[Text]]
    directions: dict[Text, Literal["in", "out", ""]] = Field(default_factory=dict)
    signed_amount: bool = False  # a negative amount is money out, a positive one money in
    fixed_direction: Literal["in", "out", ""] = ""  # every row, when the export is one side's by construction
    amount_unit: Literal["yuan", "fen"] = "yuan"
    failed: list[Text] = Field(default_factory=list)  # values of `succeeded` meaning the transaction failed
    succeeded_values: list[Text] = Field(default_factory=list)  # or: the only values meaning it succeeded
    cash: list[Text] = Field(default_factory=list)  # values of `cash` meaning cash
    reversal_flags: list[Text] = Field(default_factory=list)  # values of `reversal_flag` meaning a reversal
    reversal_memo: list[Text] = Field(default_factory=lambda: list(REVERSAL_MEMO))
    feedback_failed: list[Text] = Field(default_factory=lambda: list(FEEDBACK_FAILED))
    ts_day_epoch: str | None = None  # `ts` counts whole days from this date (simulations' steps)
    # The currency of every row, for an export in one currency that has no column for it.
    fixed_currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    exponent_amounts: bool = False  # amounts may be printed as Java prints floats: 1.0258813E7 (exact text)

    @model_validator(mode="after")
    def _required_are_mapped(self):
        missing = [name for name in self.required if name not in self.columns]
        if missing:
            raise ValueError(f"required fields without headers in columns: {', '.join(missing)}")
        return self

    def header_keys(self, field: str) -> list[str]:
        return [header_key(alias) for alias in self.columns.get(field, [])]


@dataclass
class Exports:
    """The normalised frames of some exports (columns: ``TRANSACTION_COLUMNS`` and the others)."""

    transactions: pd.DataFrame
    accounts: pd.DataFrame
    persons: pd.DataFrame
    skipped: pd.DataFrame


class UnreadableExports(InvalidCase):
    """A source or a profile that cannot be read at all; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.args = (f"{len(self.problems)} problem(s) reading the exports",)


def header_key(text: str) -> str:
    """A header as it is compared: NFKC (full-width to ASCII), no whitespace, upper case.

    >>> header_key(" 交易金额（分） "), header_key("ip地址")
    ('交易金额(分)', 'IP地址')
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()


def load_format(reference: str) -> FormatSpec:
    """A shipped format by name (``tenpay``) or a profile YAML file by path; problems raise
    :class:`UnreadableExports` at their line.

    >>> load_format("amlsim").fixed_direction
    'out'
    """
    path = FORMATS_DIR / f"{reference}.yaml"
    if not re.fullmatch(r"[A-Za-z0-9_-]+", reference) or not path.is_file():
        path = Path(reference)
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in FORMATS_DIR.glob("*.yaml")))
            raise UnreadableExports([Problem(reference, 1, 1, f"no such format profile (shipped: {known}; "
                                                               f"or the path of a .yaml file)")])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableExports([Problem(str(path), 1, 1, f"cannot read the profile: {exc.strerror or exc}")]) from None
    spec, _, problems = read_yaml_model(str(path), data, FormatSpec,
                                        expected="a format profile: a mapping with name, produces, required, columns")
    if problems:
        raise UnreadableExports(problems)
    return spec


@functools.cache
def shipped_formats() -> tuple[FormatSpec, ...]:
    """Every shipped format profile, in name order.

    >>> "zjck_transactions" in [spec.name for spec in shipped_formats()]
    True
    """
    return tuple(load_format(path.stem) for path in sorted(FORMATS_DIR.glob("*.yaml")))


def read_exports(paths: Iterable[str | Path], *, profile: str | None = None, progress: Progress = SILENT,
                 chunk_bytes: int = CSV_CHUNK_BYTES, transaction_columns: list[str] = TRANSACTION_COLUMNS) -> Exports:
    """Read raw exports (files, or folders of them) into normalised frames (see the module).

    ``profile`` forces one format (a shipped name or a YAML file) on every sheet. A CSV's rows
    are read ``chunk_bytes`` at a time (the frames are the same whatever the size), and of the
    transactions only ``transaction_columns`` are kept (a reader of millions of rows leaves out
    what it does not use). Raises :class:`UnreadableExports` for a file that cannot be read or a
    bad profile.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = path.write_text("SENDER_ACCOUNT_ID,RECEIVER_ACCOUNT_ID,TX_AMOUNT,TIMESTAMP,TX_ID\\n1,2,5.5,3,9\\n")
    >>> read_exports([path]).transactions[["own_account", "counterparty_id", "ts", "amount_fen"]].values.tolist()
    [['1', '2', Timestamp('2020-01-04 00:00:00'), 550]]
    """
    formats = (load_format(profile),) if profile else shipped_formats()
    parts: dict[str, list[pd.DataFrame]] = {"transactions": [], "accounts": [], "persons": [], "skipped": []}
    for path in _files(paths):
        with progress.step(f"reading {path.name}"):
            sheets = _workbook_sheets(path) if path.suffix.lower() in WORKBOOK_SUFFIXES \
                else [_csv_sheet(path, chunk_bytes=chunk_bytes)]
            for sheet in sheets:
                for kind, frame in _read_sheet(sheet, formats, transaction_columns).items():
                    parts[kind].append(frame)
    columns = {"transactions": transaction_columns, "accounts": ACCOUNT_COLUMNS, "persons": PERSON_COLUMNS,
               "skipped": SKIPPED_COLUMNS}
    frames = {kind: pd.concat(found, ignore_index=True) if found else _empty(columns[kind])
              for kind, found in parts.items()}
    return Exports(**frames)


def _files(paths: Iterable[str | Path]) -> list[Path]:
    files, problems = [], []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TABULAR_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), 1, 1, "no such file or folder"))
    if problems:
        raise UnreadableExports(problems)
    return files


def _empty(columns: list[str]) -> pd.DataFrame:
    kinds = {"source_row": "int64", "amount_fen": "Int64", "balance_fen": "Int64", "ts": "datetime64[ns]",
             "cash": "bool", "succeeded": "bool", "reversal": "bool"}
    return pd.DataFrame({name: pd.Series([], dtype=kinds.get(name, "string")) for name in columns})


# ---------------------------------------------------------------------------------------------
# Sheets: the first rows as text (to find the header) and, once it is found, the cells below it


@dataclass
class _Sheet:
    source: str
    head: list[list[str]]  # the first HEADER_SEARCH_ROWS rows, cells as text
    # (header index) -> blocks of rows, each (columns of text, source rows, [(source_row, reason, detail)])
    body: object


def _csv_sheet(path: Path, *, chunk_bytes: int = CSV_CHUNK_BYTES) -> _Sheet:
    """A CSV sheet whose body is parsed ``chunk_bytes`` of whole rows at a time: a big file is
    never held whole, and each block's cells are normalised before the next is read."""
    with path.open("rb") as file:
        data = file.read(DETECT_SAMPLE_BYTES + 1)
        while data.count(b"\n") <= HEADER_SEARCH_ROWS + WIDTH_SAMPLE_ROWS:
            more = file.read(DETECT_SAMPLE_BYTES)
            if not more:
                break
            data += more
    encoding = _detect(data, path.name)
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    head_end = start
    for _ in range(HEADER_SEARCH_ROWS + WIDTH_SAMPLE_ROWS):
        head_end = data.find(b"\n", head_end) + 1
        if head_end == 0:
            head_end = len(data)
            break
    head_lines = _strict_decode(data[start:head_end], encoding, path).split("\n")
    # Tab-separated only when no comma shows: a comma CSV often holds tabs that keep ids as text.
    delimiter = "\t" if not any("," in line for line in head_lines) and any("\t" in line for line in head_lines) \
        else ","
    rows = [next(csv.reader([line.rstrip("\r")], delimiter=delimiter), []) for line in head_lines]

    def body(header: int):
        widths = Counter(len(row) for row in rows[header + 1:] if any(cell.strip() for cell in row))
        width = widths.most_common(1)[0][0] if widths else len(rows[header])
        offset = start
        for _ in range(header + 1):
            offset = data.find(b"\n", offset) + 1
        first_line = header + 2
        with path.open("rb") as file:
            file.seek(offset if offset else path.stat().st_size)
            for block, last in _row_blocks(file, chunk_bytes):
                yield _block_rows(block, first_line=first_line, width=width, delimiter=delimiter,
                                  encoding=encoding, path=path, last=last)
                first_line += block.count(b"\n")

    return _Sheet(path.name, rows[:HEADER_SEARCH_ROWS], body)


def _row_blocks(file, chunk_bytes: int):
    """(block, whether it is the last) of the rest of ``file``, in blocks of about ``chunk_bytes``
    cut after a line end outside quoted cells (an even count of quotes before it: neither GBK nor
    GB18030 has a quote or a line break inside a character); at least one block, empty for an
    empty body."""
    rest, held = b"", None
    while block := file.read(chunk_bytes):
        rest += block
        cut = _row_end(rest)
        if cut:
            if held is not None:
                yield held, False
            held, rest = rest[:cut], rest[cut:]
    yield (held or b"") + rest, True


def _row_end(data: bytes) -> int:
    """Where the last whole row of ``data`` ends (after its line break), 0 if no row ends in it.

    >>> _row_end(b'a,b\\n"x\\ny",1\\n"z'), _row_end(b'"x\\ny')
    (12, 0)
    """
    if b'"' not in data:
        return data.rfind(b"\n") + 1
    bytes_ = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(bytes_ == NEWLINE)
    quotes_before = np.searchsorted(np.flatnonzero(bytes_ == QUOTE), ends)
    outside = ends[quotes_before % 2 == 0]
    return int(outside[-1]) + 1 if len(outside) else 0


def _block_rows(block: bytes, *, first_line: int, width: int, delimiter: str, encoding: str, path: Path,
                last: bool):
    """(columns, source rows, rows set aside) of one block of whole rows; footers are looked for
    at the end of the ``last``."""
    by_lines = _line_body(block, first_line=first_line, width=width, delimiter=delimiter, encoding=encoding,
                          path=path, tail=last)
    if by_lines is not None:
        return by_lines
    # A quoted cell holds a line break: the parser finds the rows, in UTF-8 text.
    utf8 = block if encoding == "utf-8" else _strict_decode(block, encoding, path).encode("utf-8")
    return _csv_body(utf8, first_line=first_line, width=width, delimiter=delimiter)


def _detect(data: bytes, file: str) -> str:
    """The file's encoding, detected by ``loaders.encoding`` on its first MiB (cut at a line end)."""
    problems: list[Problem] = []
    sample = data if len(data) <= DETECT_SAMPLE_BYTES else data[:data.rfind(b"\n", 0, DETECT_SAMPLE_BYTES) + 1]
    decoded = decode_file(sample or data, file, None, problems)
    if decoded is None:
        raise UnreadableExports(problems)
    return "utf-8" if decoded[1] == "utf-8-sig" else decoded[1]


def _strict_decode(part: bytes, encoding: str, path: Path) -> str:
    """``part`` of the file as text; a fault is placed by reading the whole file as the case reader does."""
    try:
        return part.decode(encoding)
    except UnicodeDecodeError:
        problems: list[Problem] = []
        decode_file(path.read_bytes(), path.name, None, problems)
        raise UnreadableExports(problems or [Problem(path.name, 1, 1, f"not valid {encoding} text")]) from None


def _line_body(body: bytes, *, first_line: int, width: int, delimiter: str, encoding: str, path: Path,
               tail: bool = True):
    """The rows of a body parsed as bytes, or None when a row other than the last few has
    another number of cells than ``width`` (the caller then reads it as text, row by row).

    The last lines that do not fit (footers, trailing blank lines) are set aside first; only
    the columns holding non-ASCII text are decoded (GBK's bytes never look like a delimiter,
    a quote or a line break), so a GBK file is never decoded whole. Without ``tail`` (a block
    in the middle of a file) no lines are set aside first."""
    skipped, cut = [], len(body)
    lines = body.count(b"\n") + (not body.endswith(b"\n"))
    last_line = first_line + lines - 1
    for line in range(last_line, max(last_line - TAIL_LINES, first_line - 1), -1) if tail else ():
        start = body.rfind(b"\n", 0, max(cut - 1, 0)) + 1
        row_text = _strict_decode(body[start:cut], encoding, path).rstrip("\r\n")
        if len(next(csv.reader([row_text], delimiter=delimiter), [])) == width:
            break
        skipped.append(_misfit_row(line, row_text, delimiter, width))
        cut = start
    names = [f"c{i}" for i in range(width)]
    kind = pa.large_string() if encoding == "utf-8" else pa.large_binary()
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(body)[:cut], read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, kind),
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False),
            memory_pool=CELL_POOL)
    except pa.ArrowInvalid:
        return None
    columns = [_decoded(table.column(i), encoding, path) for i in range(width)]
    lines = body.count(b"\n", 0, cut) + (cut > 0 and body[cut - 1:cut] != b"\n")
    return columns, _row_lines(columns, first_line, lines=lines), sorted(skipped)


def _row_lines(columns: list[pa.ChunkedArray], first_line: int, *, lines: int) -> np.ndarray:
    """The line each row starts on: the rows before it and the line breaks inside their quoted
    cells (counted only when the ``lines`` parsed are more than the rows)."""
    rows = len(columns[0]) if columns else 0
    extra = np.zeros(rows, dtype=np.int64)
    if lines > rows:
        for column in columns:
            extra += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
    return first_line + np.arange(rows, dtype=np.int64) + np.concatenate(([0], np.cumsum(extra)[:-1]))[:rows]


def _decoded(column: pa.ChunkedArray, encoding: str, path: Path) -> pa.ChunkedArray:
    """Byte cells as text: ASCII as it is; otherwise all cells decoded at once, joined by NUL
    (never in a text cell) and cut again at the NULs of the UTF-8 result."""
    if column.type == pa.large_string():
        return column
    if not any(_has_high_bytes(chunk) for chunk in column.chunks):  # ASCII is valid UTF-8 as it is
        return pa.chunked_array([chunk.view(pa.large_string()) for chunk in column.chunks], type=pa.large_string())
    nul, none = pa.scalar(b"\0", pa.large_binary()), pa.scalar(b"", pa.large_binary())
    joined = pc.binary_join_element_wise(column, nul, none).combine_chunks()
    raw = joined.buffers()[2]
    text = _strict_decode(raw.to_pybytes()[:_end_of(joined)], encoding, path).encode("utf-8")
    ends = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == 0)
    offsets = np.concatenate(([0], ends - np.arange(len(ends)))).astype(np.int64)
    array = pa.LargeStringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(text.replace(b"\0", b"")))
    return pa.chunked_array([array])


def _has_high_bytes(chunk: pa.Array) -> bool:
    offsets, data = chunk.buffers()[1:3]
    if data is None or len(chunk) == 0:
        return False
    bounds = np.frombuffer(offsets, dtype=np.int64)[[chunk.offset, chunk.offset + len(chunk)]]
    return bool((np.frombuffer(data, dtype=np.uint8)[bounds[0]:bounds[1]] >= 0x80).any())


def _end_of(array: pa.Array) -> int:
    return int(np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset + len(array)])


def _misfit_row(line: int, row_text: str, delimiter: str, width: int) -> tuple[int, str, str]:
    """A row with another number of cells than the header: blank, a footer, or a bad row."""
    cells = next(csv.reader([row_text], delimiter=delimiter), [])
    first = next((cell.strip() for cell in cells if cell.strip()), "")
    if not first:
        return line, "blank_row", ""
    if re.match(FOOTER, unicodedata.normalize("NFKC", first)):
        return line, "footer", first
    return line, "bad_value", f"{len(cells)} cells where the header has {width}"


def _csv_body(body: bytes, *, first_line: int, width: int, delimiter: str):
    """The rows of a UTF-8 body where a quoted cell holds a line break or a row mid-file has
    another number of cells than ``width``: pyarrow hands those rows over, placed by their text."""
    names = [f"c{i}" for i in range(width)]
    invalid: list[str] = []

    def keep_aside(row) -> str:
        invalid.append(row.text)
        return "skip"

    table = pa_csv.read_csv(
        pa.py_buffer(body),
        read_options=pa_csv.ReadOptions(column_names=names),
        parse_options=pa_csv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False, newlines_in_values=True,
                                          invalid_row_handler=keep_aside),
        convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()),
                                              strings_can_be_null=False, quoted_strings_can_be_null=False),
        memory_pool=CELL_POOL)
    columns = [table.column(i) for i in range(width)]
    # A row's line: the rows before it, the line breaks inside their quoted cells, and the rows
    # that did not fit the header (found by their text), which pyarrow leaves out.
    lines = _row_lines(columns, first_line, lines=body.count(b"\n") + (bool(body) and not body.endswith(b"\n"))
                       - len(invalid))
    skipped = []
    if invalid:
        line_ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10)
        placed = sorted(zip(_lines_of(body, invalid, line_ends, first_line), invalid))
        for line, _ in placed:
            lines += lines >= line
        skipped = [_misfit_row(line, row_text, delimiter, width) for line, row_text in placed]
    return columns, lines, skipped


def _lines_of(body: bytes, texts: list[str], line_ends: np.ndarray, first_line: int) -> list[int]:
    """The line (numbered from ``first_line``) of each row with these texts, each occurrence once."""
    framed = b"\n" + body  # framed[at] is the line break before a row that starts at body[at]
    lines, resume = [], {}
    for text in texts:
        needle = b"\n" + text.encode("utf-8")
        at = framed.find(needle, resume.get(needle, 0))
        while at >= 0 and framed[at + len(needle):at + len(needle) + 1] not in (b"", b"\n", b"\r"):
            at = framed.find(needle, at + 1)  # a longer row that begins with the same text
        resume[needle] = at + 1 if at >= 0 else len(framed)
        lines.append(first_line + int(np.searchsorted(line_ends, max(at, 0))))
    return lines


def _workbook_sheets(path: Path) -> list[_Sheet]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = [(name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
                  for name in workbook.sheet_names]
    except (CalamineError, OSError, ValueError) as exc:
        raise UnreadableExports([Problem(path.name, 1, 1, f"cannot read the workbook: {exc}")]) from None
    return [_workbook_sheet(f"{path.name}#{name}", rows) for name, rows in sheets if rows]


def _workbook_sheet(source: str, rows: list[list]) -> _Sheet:
    head = [[_cell_text(value) or "" for value in row] for row in rows[:HEADER_SEARCH_ROWS]]

    def body(header: int):
        below = rows[header + 1:]
        width = max(map(len, below), default=0)
        if any(len(row) != width for row in below):  # calamine's rows are all as wide as the sheet
            below = [list(row) + [None] * (width - len(row)) for row in below]
        columns = [_cells_text(list(cells)) for cells in zip(*below)]
        yield columns, np.arange(header + 2, header + 2 + len(below), dtype=np.int64), []

    return _Sheet(source, head, body)


def _cells_text(values: list) -> pa.ChunkedArray:
    """A workbook column as text: numbers as Excel shows them to 15 digits, times as ISO text."""
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed kinds in one column: text, numbers, dates
        array = pa.array([_cell_text(value) for value in values], type=pa.large_string())
    if pa.types.is_timestamp(array.type):
        array = pc.strftime(array, format="%Y-%m-%d %H:%M:%S")
    elif pa.types.is_floating(array.type):
        array = _float_text(array)
    elif not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = pc.cast(array, pa.string()) if not pa.types.is_null(array.type) else array.cast(pa.string())
    return pa.chunked_array([array.cast(pa.large_string())])


def _float_text(array: pa.Array) -> pa.Array:
    """Whole numbers below 1e15 without a decimal point (an id typed as a number); others as
    the shortest text that reads back the same float (``6.22848e+18``: the digits are lost)."""
    whole = pc.and_(pc.equal(pc.floor(array), array), pc.less(pc.abs(array), 1e15))
    as_int = pc.cast(pc.if_else(whole, array, 0.0), pa.int64()).cast(pa.string())
    return pc.if_else(whole, as_int, pc.cast(array, pa.string()))


def _cell_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):  # datetime, date, time
        return value.isoformat(sep=" ") if hasattr(value, "hour") and hasattr(value, "day") else value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------------------------
# Recognising a sheet's format by its header row


def recognise(head: list[list[str]], formats: Iterable[FormatSpec]) -> tuple[int, FormatSpec, dict] | None:
    """(header row index, format, {field: [column indices]}) of the best match in ``head``.

    A format matches a row when the headers of all its required fields are there; the match
    with the most headers found wins, the first row and the first format on a tie.

    >>> index, spec, found = recognise([["明细"], ["出/入", "借贷类型", "交易时间", "交易金额(分)"]], shipped_formats())
    >>> index, spec.name, found["amount"]
    (1, 'tenpay', [3])
    """
    best = None
    for index, row in enumerate(head):
        position: dict[str, int] = {}
        repeats: Counter = Counter()
        for column, cell in enumerate(row):
            key = header_key(cell)
            if key in position and key:  # a header given again is named as pandas names it: Account.1
                repeats[key] += 1
                key = f"{key}.{repeats[key]}"
            position.setdefault(key, column)
        position.pop("", None)
        for spec in formats:
            found = {field: [position[key] for key in spec.header_keys(field) if key in position]
                     for field in spec.columns}
            found = {field: columns for field, columns in found.items() if columns}
            if any(field not in found for field in spec.required):
                continue
            score = sum(len(columns) for columns in found.values())
            if best is None or score > best[0]:
                best = (score, index, spec, found)
    return None if best is None else best[1:]


def _read_sheet(sheet: _Sheet, formats: tuple[FormatSpec, ...],
                transaction_columns: list[str] = TRANSACTION_COLUMNS) -> dict[str, pd.DataFrame]:
    if not any(cell.strip() for row in sheet.head for cell in row):
        return {}  # an empty sheet: no rows to account for
    match = recognise(sheet.head, formats)
    if match is None:
        first = next((row for row in sheet.head if any(cell.strip() for cell in row)), [])
        shown = ", ".join(cell.strip() for cell in first if cell.strip())[:120]
        detail = f"no known format's headers in the first {HEADER_SEARCH_ROWS} rows (first row: {shown})"
        return {"skipped": _skipped_frame(sheet.source, "", [(1, "unknown_sheet", detail)])}
    header_index, spec, found = match
    header = sheet.head[header_index]
    mapped = {i for at in found.values() for i in at}
    headers = {field: header[at[0]].strip() for field, at in found.items()}
    parts: dict[str, list[pd.DataFrame]] = {}
    for columns, rows, invalid in sheet.body(header_index):
        # Columns no field reads only tell blank rows and footers: empty cells as null is enough.
        cells = [_trimmed(column) if i in mapped else _empty_as_null(column) for i, column in enumerate(columns)]
        fields = {field: _coalesce([cells[i] for i in at if i < len(cells)]) for field, at in found.items()}
        for kind, frame in _Rows(sheet.source, spec, cells, fields=fields, headers=headers, rows=rows,
                                   invalid=invalid).frames().items():
            parts.setdefault(kind, []).append(frame[transaction_columns] if kind == "transactions" else frame)
        del columns, cells, fields  # the block's raw cells go before the next block is read
    return {kind: frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
            for kind, frames in parts.items()}


def _trimmed(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cells trimmed of whitespace (tabs, full-width spaces), empty ones and those that say there
    is no value (:data:`NO_VALUE`) null.

    >>> _trimmed(pa.chunked_array([[" a ", "", "NULL", "无", "--", "nullx"]])).to_pylist()
    ['a', None, None, None, None, 'nullx']
    """
    trimmed = arrow_text(trimmed_or_missing(text_series(column)))
    # Only a column with short cells can hold one (ids, names and times are longer): a length is
    # cheaper to take than a hash.
    if (pc.min(pc.binary_length(trimmed)).as_py() or 0) > NO_VALUE_BYTES:
        return trimmed
    no_value = pc.is_in(trimmed, value_set=NO_VALUE)
    return pc.if_else(no_value, _large(None), trimmed) if pc.any(no_value).as_py() else trimmed


def _empty_as_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.if_else(pc.equal(pc.binary_length(column), 0), _large(None), column)


def _nfkc(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Full-width digits, letters and signs as ASCII (NFKC), for the cells that hold any."""
    if pc.all(pc.string_is_ascii(column)).as_py() is not False \
            or not pc.any(pc.match_substring_regex(column, "[\u3000\uff01-\uffef]")).as_py():
        return column
    return _trimmed(pc.utf8_normalize(column, "NFKC"))


def _coalesce(columns: list[pa.ChunkedArray]) -> pa.ChunkedArray | None:
    if not columns:
        return None
    return columns[0] if len(columns) == 1 else pc.coalesce(*columns)


def _skipped_frame(source: str, format_name: str, rows: list[tuple[int, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["source_row", "reason", "detail"])
    frame.insert(0, "format", format_name)
    frame.insert(0, "source", source)
    return _typed(frame, SKIPPED_COLUMNS)


def _typed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    empty = _empty(columns)
    return pd.DataFrame({name: frame[name].astype(empty[name].dtype) for name in columns})


# ---------------------------------------------------------------------------------------------
# Rows of one recognised sheet to frames, a column at a time


class _Rows:
    """The rows of one recognised sheet: fields (text columns) to the frames its format produces."""

    def __init__(self, source, spec, cells, *, fields, headers, rows, invalid):
        self.source, self.spec, self.fields, self.headers = source, spec, fields, headers
        self.n = len(rows)
        self.rows = rows
        self.invalid = invalid
        self.cells = cells
        self.details: list[pa.ChunkedArray] = []
        self.normalised: set[str] = set()

    def field(self, name: str) -> pa.ChunkedArray:
        """The field's cells (null where blank); NFKC'd where they are parsed or compared."""
        value = self.fields.get(name)
        if value is None:
            return pa.chunked_array([pa.nulls(self.n, pa.large_string())])
        if name in COMPARED_FIELDS and name not in self.normalised:
            value = self.fields[name] = _nfkc(value)
            self.normalised.add(name)
        return value

    def has(self, name: str) -> bool:
        return name in self.fields

    def frames(self) -> dict[str, pd.DataFrame]:
        spec = self.spec
        blank = np.ones(self.n, dtype=bool)
        for column in self.cells:
            blank &= _isnull(column)
        feedback = ~blank & _contains_any(self.field("feedback"), spec.feedback_failed)
        first = _coalesce(self.cells) if self.cells else self.field("")
        keys = ["own_card", "own_account", "counterparty_id", "serial", "ts", "date"] \
            if "transactions" in spec.produces else ["own_card", "own_account", "own_name", "own_id_number"]
        no_key = np.ones(self.n, dtype=bool)
        for key in keys:
            no_key &= _isnull(self.field(key))
        footer = (_matches(first, FOOTER) | no_key) & ~blank & ~feedback
        skipped = list(self.invalid)
        for reason, mask, shown in (("blank_row", blank, None), ("footer", footer, first),
                                    ("feedback_error", feedback, self.field("feedback"))):
            at = np.flatnonzero(mask)
            texts = shown.take(pa.array(at)).to_pylist() if shown is not None else [""] * len(at)
            skipped.extend((int(self.rows[i]), reason, text or "") for i, text in zip(at, texts))
        frames = {}
        if skipped:
            frames["skipped"] = _skipped_frame(self.source, spec.name, sorted(skipped))
        keep = ~(blank | footer | feedback)
        if "tasks" in spec.produces or not keep.any():
            return frames
        if not keep.all():
            mask = pa.array(keep)
            self.fields = {name: column.filter(mask) for name, column in self.fields.items()}
            self.rows = self.rows[keep]
            self.n = len(self.rows)
        if "transactions" in spec.produces:
            frames["transactions"] = self.transactions()
        if "accounts" in spec.produces:
            frames["accounts"] = self.accounts()
        if "persons" in spec.produces:
            frames["persons"] = self.persons()
        return frames

    # -- columns of every kind

    def ids(self, name: str) -> pa.ChunkedArray:
        """An id as text (trap 2): no whitespace, no leading quote, no ``.0``, no ``_156_1``;
        one that Excel turned into a float's exponent is "" with a ``bad_value``. Each rewrite
        runs only on a column that shows its mark (a literal search costs a tenth of a regex)."""
        value = self.field(name)
        if pc.any(pc.match_substring_regex(value, r"^['`‘’]")).as_py():
            value = pc.utf8_trim_whitespace(pc.utf8_ltrim(value, characters="'`‘’"))
        for space in (" ", "\t"):  # 6222 0212 3456 …, or a tab kept inside
            if pc.any(pc.match_substring(value, space)).as_py():
                value = pc.replace_substring(value, space, "")
        for mark, pattern, replacement in ((".0", r"^([0-9]+)\.0+$", r"\1"), ("_", r"^([0-9]{6,})(_[0-9]+)+$", r"\1")):
            if pc.any(pc.match_substring(value, mark)).as_py():
                value = pc.replace_substring_regex(value, pattern, replacement)
        if name.endswith("id_number"):
            value = pc.utf8_upper(value)
        if pc.any(pc.starts_with(value, "0")).as_py() or pc.any(pc.starts_with(value, "-")).as_py():
            placeholder = _matches(value, PLACEHOLDER_ID)
            if placeholder.any():
                value = pc.if_else(pa.array(placeholder), _large(None), value)
        if pc.any(pc.match_substring(value, "e", ignore_case=True)).as_py():
            lost = _matches(value, SCIENTIFIC)
            if lost.any():
                self.problem(lost, value, "digits lost in Excel (scientific notation): not guessed", name)
                value = pc.if_else(pa.array(lost), pa.scalar(None, pa.large_string()), value)
        return value

    def problem(self, mask: np.ndarray, value: pa.ChunkedArray | None, why: str, name: str) -> None:
        """Note a ``bad_value`` on the rows of ``mask``: the field's header, the value, why."""
        label = self.headers.get(name, name)
        shown = pc.binary_join_element_wise(_large(label), pc.fill_null(value, _large("")), _large(why), _large(" ")) \
            if value is not None else _large(f"{label} {why}")
        self.details.append(pc.if_else(pa.array(mask), shown, _large(None)))

    def money(self, name: str) -> pa.Array:
        """Integer fen (nullable) of an amount column; unreadable ones get a ``bad_value``."""
        raw = self.field(name)
        value = raw
        if pc.any(pc.match_substring_regex(raw, r"[^0-9.,+-]")).as_py():  # a symbol, a unit, a space
            value = pc.replace_substring_regex(raw, r"\s+|[¥$€£元]|RMB|CNY|人民币", "")
        if self.spec.amount_unit == "fen":
            value = pc.replace_substring(pc.replace_substring_regex(value, r"\.0+$", ""), ",", "")
            ok = _matches(value, r"^[+-]?[0-9]{1,15}$")
            fen = pc.cast(pc.if_else(pa.array(ok), value, pa.scalar(None, pa.large_string())), pa.int64())
        else:
            ok = _matches(value, f"^{MONEY_PATTERN}$")
            cells = text_series(pc.if_else(pa.array(ok), value, pa.scalar(None, pa.large_string())))
            fen = pa.array(fen_series(cells), type=pa.int64(), from_pandas=True)
            if self.spec.exponent_amounts and (~ok & ~_isnull(value)).any():
                fen, ok = _with_exponent_amounts(value, fen, ok)
        bad = ~ok & ~_isnull(value)
        if bad.any():
            fine = bad & _matches(value, FINER_THAN_FEN)
            self.problem(fine, raw, "has more than 2 decimals: money is counted in fen", name)
            self.problem(bad & ~fine, raw, "is not an amount", name)
        return fen if isinstance(fen, pa.ChunkedArray) else pa.chunked_array([fen])

    def times(self) -> np.ndarray:
        """datetime64[ns] of ``ts`` (or ``date`` + ``time``); NaT and a ``bad_value`` when unreadable."""
        if self.has("ts"):
            name, value = "ts", self.field("ts")
        else:
            date = pc.replace_substring_regex(self.field("date"), r"[ T]00:00:00$", "")
            name = "date"
            value = pc.binary_join_element_wise(date, pc.fill_null(self.field("time"), _large("")), _large(" "))
        if self.spec.ts_day_epoch is not None:
            days = pc.cast(pc.if_else(pa.array(_matches(value, r"^[0-9]{1,6}$")), value,
                                      pa.scalar(None, pa.large_string())), pa.int64())
            counted = ~_isnull(days)
            ts = np.full(self.n, np.datetime64("NaT"), dtype="datetime64[ns]")
            ts[counted] = np.datetime64(self.spec.ts_day_epoch, "ns") + pc.drop_null(days).to_numpy().astype(
                "timedelta64[D]")
        else:
            ts = parse_times(value)
        unreadable = np.isnat(ts) & ~_isnull(value)
        if unreadable.any():
            self.problem(unreadable, value, "is not a date and time", name)
        missing = _isnull(value)
        if missing.any():
            self.problem(missing, None, "blank", name)
        return ts

    def in_set(self, name: str, values: list[str]) -> np.ndarray:
        keys = pa.array([header_key(value) for value in values], type=pa.large_string())
        return pc.is_in(pc.utf8_upper(self.field(name)), value_set=keys).to_numpy(zero_copy_only=False) \
            if values else np.zeros(self.n, dtype=bool)

    def directions(self, amount: pa.ChunkedArray | None) -> tuple[np.ndarray, pd.arrays.IntegerArray]:
        """(direction, amount in fen, never negative): the flag, else the amount column that is
        filled, else the amount's sign, each as the format's profile says."""
        spec = self.spec
        direction = np.full(self.n, spec.fixed_direction, dtype=object)
        fen = _nullable(amount) if amount is not None else pd.array([None] * self.n, dtype="Int64")
        if self.has("direction"):
            flag = pc.utf8_upper(self.field("direction"))
            keys = list(spec.directions)
            at = pc.index_in(flag, value_set=pa.array([header_key(k) for k in keys], type=pa.large_string()))
            mapped = pc.take(pa.array([spec.directions[k] for k in keys] + [""], type=pa.large_string()),
                             pc.fill_null(at, len(keys)))
            direction = np.asarray(mapped.to_numpy(zero_copy_only=False), dtype=object)
            unknown = _isnull(at) & ~_isnull(flag)
            if unknown.any():
                self.problem(unknown, flag, f"is not one of this format's directions ({', '.join(keys)})",
                             "direction")
        if self.has("amount_out") or self.has("amount_in"):
            zero = pd.array([0] * self.n, dtype="Int64")
            out_fen = _nullable(self.money("amount_out")).fillna(0) if self.has("amount_out") else zero
            in_fen = _nullable(self.money("amount_in")).fillna(0) if self.has("amount_in") else zero
            paid, received = (out_fen != 0).to_numpy(bool), (in_fen != 0).to_numpy(bool)
            if (paid & received).any():
                self.problem(paid & received, None, "and the other amount column are both filled", "amount_out")
            direction = np.where(paid, "out", np.where(received, "in", direction))
            if amount is None:
                fen = pd.array(np.where(paid, out_fen, in_fen), dtype="Int64")
                fen[~paid & ~received] = pd.NA
        if spec.signed_amount:
            negative = (fen < 0).fillna(False).to_numpy(bool)
            positive = (fen > 0).fillna(False).to_numpy(bool)
            direction = np.where(direction == "", np.where(negative, "out", np.where(positive, "in", "")), direction)
        return direction.astype(str), abs(fen)

    # -- the frames

    def _base(self) -> dict:
        return {"source": self.source, "source_row": self.rows, "format": self.spec.name}

    def transactions(self) -> pd.DataFrame:
        spec = self.spec
        out = self._base()
        for name in ("own_card", "own_account", "own_id_number", "counterparty_id", "counterparty_id_number",
                     "serial"):
            out[name] = self.ids(name)
        for name in ("own_name", "own_institution", "counterparty_name", "counterparty_institution", "memo",
                     "channel"):
            out[name] = self.field(name)
        for name in ("ip", "mac"):  # an address banks print where there was none is no device
            address = self.field(name)
            out[name] = pc.if_else(pa.array(names_no_device(np.full(self.n, name == "ip"), address)), _large(None),
                                   address)
        out["ts"] = self.times()
        amount = self.money("amount") if self.has("amount") else None
        out["direction"], out["amount_fen"] = self.directions(amount)
        no_amount = np.asarray(out["amount_fen"].isna())
        zero = (out["amount_fen"] == 0).fillna(False).to_numpy(bool)
        amount_name = "amount" if self.has("amount") else "amount_out"
        blank = no_amount & ~self._already_bad(amount_name)
        if blank.any():
            self.problem(blank, None, "blank", amount_name)
        if zero.any():
            self.problem(zero, None, "0: no money moved", amount_name)
        out["balance_fen"] = _nullable(self.money("balance")) if self.has("balance") \
            else pd.array([None] * self.n, dtype="Int64")
        out["currency"] = self.currencies()
        out["cash"] = self.in_set("cash", spec.cash)
        if spec.succeeded_values:
            out["succeeded"] = _isnull(self.field("succeeded")) | self.in_set("succeeded", spec.succeeded_values)
        else:
            out["succeeded"] = ~self.in_set("succeeded", spec.failed)
        out["reversal"] = self.in_set("reversal_flag", spec.reversal_flags) | _contains_any(self.field("memo"),
                                                                                            spec.reversal_memo)
        out |= self._problems()
        return self._frame(out, TRANSACTION_COLUMNS)

    def currencies(self) -> pa.ChunkedArray:
        """The currency's code: a name or number banks print (人民币, 156) as its code, a code as
        it is, blank as CNY. Anything else (a total's 合计, a stray number) gets a ``bad_value``:
        written through, it made a case that ``validate`` refuses only after the merge."""
        if not self.has("currency") and self.spec.fixed_currency:
            return pa.chunked_array([pa.array([self.spec.fixed_currency] * self.n, type=pa.large_string())])
        given = self.field("currency")
        currency = pc.utf8_upper(pc.fill_null(given, ""))
        at = pc.index_in(currency, value_set=pa.array(list(CURRENCIES), type=pa.large_string()))
        known = pc.take(pa.array(list(CURRENCIES.values()), type=pa.large_string()), pc.fill_null(at, 0))
        unknown = _isnull(at)
        not_a_code = unknown & ~_matches(currency, f"^{CURRENCY_PATTERN}$")
        if not_a_code.any():
            self.problem(not_a_code, given, "is not a currency: a three-letter code such as CNY, or a name banks "
                                            "print such as 人民币", "currency")
        return pc.if_else(pa.array(unknown & ~not_a_code), currency, known)

    def _already_bad(self, name: str) -> np.ndarray:
        """Rows that already carry a problem about this field (an unreadable amount is not also blank)."""
        label = self.headers.get(name, name) + " "
        bad = np.zeros(self.n, dtype=bool)
        for detail in self.details:
            bad |= pc.fill_null(pc.starts_with(detail, label), False).to_numpy(zero_copy_only=False)
        return bad

    def _problems(self) -> dict[str, pa.ChunkedArray]:
        """``problem`` (``bad_value`` or "") and ``detail`` of each row, from the problems noted."""
        detail = self._detail()
        return {"problem": pc.if_else(pc.is_null(detail), "", "bad_value"), "detail": pc.fill_null(detail, "")}

    def _detail(self) -> pa.ChunkedArray:
        if not self.details:
            return pa.chunked_array([pa.nulls(self.n, pa.large_string())])
        if len(self.details) == 1:
            return self.details[0]
        # Joined with a unit separator, then runs of it made one "; " (pyarrow 25's
        # null_handling="skip" drops rows instead of cells).
        parts = [pc.fill_null(detail, _large("")) for detail in self.details]
        joined = pc.binary_join_element_wise(*parts, _large("\x1f"))
        joined = pc.utf8_trim(pc.replace_substring_regex(joined, "\x1f+", "\x1f"), characters="\x1f")
        joined = pc.replace_substring(joined, "\x1f", "; ")
        return pc.if_else(pc.equal(pc.binary_length(joined), 0), _large(None), joined)

    def accounts(self) -> pd.DataFrame:
        out = self._base()
        for name in ("own_card", "own_account", "own_id_number"):
            out[name] = self.ids(name)
        for name in ("own_name", "own_institution", "account_type", "status", "linked"):
            out[name] = self.field(name)
        given = self.field("opened_on")
        opened = parse_times(given).astype("datetime64[D]")
        dated = (opened >= np.datetime64(EARLIEST)) & (opened <= np.datetime64(LATEST))  # NaT compares False
        unreadable = ~dated & ~_isnull(given)
        if unreadable.any():  # the account is taken all the same, without the date
            self.problem(unreadable, given, f"is not a date in {EARLIEST}..{LATEST}: left empty", "opened_on")
        out["opened_on"] = pc.if_else(pa.array(dated), pa.array(np.datetime_as_string(opened, unit="D")),
                                      pa.scalar(None, pa.string())).cast(pa.large_string())
        out |= self._problems()
        return self._frame(out, ACCOUNT_COLUMNS)

    def persons(self) -> pd.DataFrame:
        out = self._base()
        out["name"] = self.field("own_name")
        out["id_number"] = self.ids("own_id_number")
        out["phone"] = self.ids("phone")
        out["address"] = self.field("address")
        out["kind"] = "holder"
        frame = self._frame(out, PERSON_COLUMNS)
        return frame[(frame["name"] != "") | (frame["id_number"] != "")].reset_index(drop=True)

    def _frame(self, out: dict, columns: list[str]) -> pd.DataFrame:
        frame = {}
        for name in columns:
            value = out.get(name, "")
            if isinstance(value, pa.Array):
                value = pa.chunked_array([value])
            if isinstance(value, pa.ChunkedArray):
                value = text_series(pc.fill_null(value.cast(pa.large_string()), ""))
            elif isinstance(value, str):
                value = pd.Series([value] * self.n, dtype="string")
            frame[name] = pd.Series(value).reset_index(drop=True)
        return _typed(pd.DataFrame(frame), columns)


def _with_exponent_amounts(value: pa.ChunkedArray, fen: pa.Array, ok: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Amounts written with an exponent (``1.0258813E7``) read exactly: the digits as one
    integer, scaled by the exponent less the decimals; more than two decimals stay unread.

    >>> fen, ok = _with_exponent_amounts(pa.chunked_array([["1.5E1", "1.0258813E7", "1.234E-1"]]),
    ...                                  pa.array([None, None, None], pa.int64()), np.zeros(3, dtype=bool))
    >>> fen.to_pylist(), ok.tolist()
    ([1500, 1025881300, None], [True, True, False])
    """
    parts = pc.extract_regex(value.cast(pa.large_string()),
                             r"^(?P<sign>[+-]?)(?P<whole>[0-9]+)(?:\.(?P<decimals>[0-9]*))?[eE](?P<exponent>[+-]?[0-9]{1,2})$")
    shaped = ~_isnull(parts)
    digits = pc.binary_join_element_wise(pc.struct_field(parts, "whole"), pc.struct_field(parts, "decimals"),
                                         _large(""))
    shaped &= pc.fill_null(pc.less_equal(pc.binary_length(digits), 15), False).to_numpy(zero_copy_only=False)
    number = pc.cast(pc.if_else(pa.array(shaped), digits, "0"), pa.int64()).to_numpy(zero_copy_only=False)
    exponent = pc.cast(pc.if_else(pa.array(shaped), pc.struct_field(parts, "exponent"), "0"), pa.int64()) \
        .to_numpy(zero_copy_only=False)
    shift = exponent - pc.fill_null(pc.binary_length(pc.struct_field(parts, "decimals")), 0).to_numpy(
        zero_copy_only=False) + 2
    length = pc.fill_null(pc.binary_length(digits), 0).to_numpy(zero_copy_only=False)
    shaped &= (length + shift <= 15) & (shift > -15)
    shift = np.where(shaped, shift, 0)
    up = number * 10 ** np.clip(shift, 0, None)
    down, remainder = np.divmod(number, 10 ** np.clip(-shift, 0, None))
    exact = shaped & ((shift >= 0) | (remainder == 0))
    magnitude = np.where(shift >= 0, up, down)
    signed = np.where(pc.fill_null(pc.equal(pc.struct_field(parts, "sign"), "-"), False).to_numpy(
        zero_copy_only=False), -magnitude, magnitude)
    merged = pc.if_else(pa.array(exact & ~ok), pa.array(signed, pa.int64()), fen)
    return merged, ok | exact


def parse_times(text: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """datetime64[ns] of dates and times as banks print them; NaT where unreadable. Text is
    expected as :func:`_normalised` leaves it (NFKC, trimmed).

    >>> parse_times(pa.array(["2021-03-05 10:15:30", "2021-03-05-10.15.30.000000", "20210305101530",
    ...                       "2021/3/5 9:05", "44260.4271", "2021-02-30", None])).astype(str).tolist()
    ['2021-03-05T10:15:30.000000000', '2021-03-05T10:15:30.000000000', '2021-03-05T10:15:30.000000000', \
'2021-03-05T09:05:00.000000000', '2021-03-05T10:15:01.000000000', 'NaT', 'NaT']
    """
    if len(text) == 0:
        return np.array([], dtype="datetime64[ns]")
    # The common form by Arrow's strptime; the others (a few, or one bank's) by the pattern.
    common = pc.strptime(text, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    ts = common.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
    rest = np.flatnonzero(np.isnat(ts) & ~_isnull(text))
    if len(rest):
        ts[rest] = _parse_other_times(text.take(pa.array(rest)))
    return ts


def _parse_other_times(text: pa.ChunkedArray | pa.Array) -> np.ndarray:
    components = _time_components(text)
    named = _named_month_components(text)
    frame = pd.DataFrame({name: np.where(np.isnan(components["year"]), named[name], values)
                          for name, values in components.items()})
    in_range = (frame["hour"] < 24) & (frame["minute"] < 60) & (frame["second"] < 60)
    ts = pd.to_datetime(frame.where(in_range), errors="coerce").to_numpy().astype("datetime64[ns]")
    serial = _matches(text, EXCEL_SERIAL)
    if serial.any():
        days = pc.cast(pc.if_else(pa.array(serial), text, "0"), pa.float64()).to_numpy(zero_copy_only=False)
        seconds = np.round(days * 86400).astype(np.int64)
        ts = np.where(serial, (EXCEL_EPOCH + seconds.astype("timedelta64[s]")).astype("datetime64[ns]"), ts)
    return ts


def _time_components(text: pa.ChunkedArray | pa.Array) -> dict[str, np.ndarray]:
    """Year, month, day, hour, minute, second of :data:`TIME_PATTERN` as floats (NaN where the
    text is not of that shape; a time left out is 0:00:00)."""
    parts = pc.extract_regex(text, TIME_PATTERN)
    return {name: _component(pc.struct_field(parts, name)) for name in ("year", "month", "day", "hour", "minute",
                                                                         "second")}


def _named_month_components(text: pa.ChunkedArray | pa.Array) -> dict[str, np.ndarray]:
    """:func:`_time_components` of dates whose month is named (:data:`NAMED_MONTH_TIME`); NaN
    where the text is not of that shape or names no month.

    >>> parts = _named_month_components(pa.array(["Mar 25, 2015", "25-SEPT-2015 9:05", "Mars 2, 2015"]))
    >>> {name: values.tolist() for name, values in parts.items()}
    {'year': [2015.0, 2015.0, nan], 'month': [3.0, 9.0, nan], 'day': [25.0, 25.0, nan], 'hour': [0.0, 9.0, nan], \
'minute': [0.0, 5.0, nan], 'second': [0.0, 0.0, nan]}
    """
    parts = pc.extract_regex(text, NAMED_MONTH_TIME)

    def group(name: str, other: str | None = None):  # the group, or the other alternative's
        found = pc.struct_field(parts, name)
        if other is None:
            return found
        return pc.coalesce(pc.if_else(pc.equal(found, ""), pa.scalar(None, found.type), found),
                           pc.struct_field(parts, other))

    month_text = pc.utf8_lower(group("month", "month2"))
    at = pc.index_in(month_text, value_set=pa.array(list(MONTH_NAMES), type=month_text.type))
    month = pc.take(pa.array(list(MONTH_NAMES.values()), type=pa.float64()), at).to_numpy(zero_copy_only=False)
    components = {"year": _component(group("year")), "month": month, "day": _component(group("day", "day2"))}
    components |= {name: _component(group(name)) for name in ("hour", "minute", "second")}
    return {name: np.where(np.isnan(month), np.nan, values) for name, values in components.items()}


def _component(digits) -> np.ndarray:
    """A regex group's digits as floats: 0 where the group took no part, NaN where nothing matched."""
    digits = pc.if_else(pc.equal(digits, ""), "0", digits)
    return pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False).astype("float64")


def _large(text: str | None) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _isnull(column) -> np.ndarray:
    return pc.is_null(column).to_numpy(zero_copy_only=False)


def _matches(column, pattern: str) -> np.ndarray:
    return pc.fill_null(pc.match_substring_regex(column, pattern), False).to_numpy(zero_copy_only=False)


def _contains_any(column, markers: list[str]) -> np.ndarray:
    if not markers:
        return np.zeros(len(column), dtype=bool)
    return _matches(column, "|".join(re.escape(marker) for marker in markers))


def _nullable(fen: pa.ChunkedArray) -> pd.arrays.IntegerArray:
    """Arrow int64 with nulls as a pandas Int64 array (integers all the way: money is never float)."""
    missing = _isnull(fen)
    return pd.arrays.IntegerArray(pc.fill_null(fen, 0).to_numpy(zero_copy_only=False).astype(np.int64), missing)
