"""Referral packets as files (:mod:`casegraph.queries.referrals` makes their sections): per
packet ``<province>.csv``, ``.xlsx`` and ``.html``, and ``index.csv``; a case without gangs
gets one packet of the accounts to freeze.

``<province>.csv`` is one long referral list for batch jobs: a ``section`` column and the
fixed :data:`CSV_COLUMNS`, the union of the sections' columns, each row filling its
section's, text that would start a spreadsheet formula behind a ``'``. ``<province>.xlsx``
has one sheet per section, money as numbers; ``<province>.html`` is a readable summary with
the chain diagram; ``index.csv`` has one row per packet with its file names. ``<province>``
is the province made a safe file name that no other packet's can clash with
(:func:`packet_file_stems`).

>>> write_referrals(case, tables, Path("out/referrals"))           # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.loaders.case import Case
from casegraph.loaders.columnar import arrow_text, first_positions
from casegraph.money import format_fen, format_fen_arrow
from casegraph.queries.income import METHODS, severity_level
from casegraph.queries.referrals import SECTION_COLUMNS, account_packet, packet_names, packet_rows

from . import (
    csv_cells,
    csv_line_texts,
    is_fen_column,
    join_text,
    text_array,
    text_bytes,
    write_csv,
    write_csv_cells,
    write_csv_parts,
)
from .xlsx import Sheet, sheet_columns, write_sheet_columns, write_xlsx

# The long CSV: every section's columns once, in section order.
CSV_COLUMNS = ("section", "gang_id", *dict.fromkeys(c for columns in SECTION_COLUMNS.values() for c in columns
                                                    if c != "gang_id"))
INDEX_COLUMNS = ("province", "n_gangs", "gang_ids", "top_severity", "n_persons", "n_accounts", "csv", "xlsx", "html")

# File names a packet must not take: index.csv's, and the device names Windows reserves
# (with any extension: ``con.csv`` is the console there), compared case-insensitively.
RESERVED_STEMS = frozenset({"index", "con", "prn", "aux", "nul",
                            *(f"{device}{n}" for device in ("com", "lpt") for n in "123456789¹²³")})
# A packet's file name stem at most this long in UTF-8: file systems allow 255 bytes a name,
# and Windows paths 260 characters in all.
MAX_STEM_BYTES = 100
# A stem made unique: ``_`` and the first hex digits of the SHA-256 of the province's name.
SUFFIX_HEX_DIGITS = 8


def file_stem(packet: str) -> str:
    """A packet's name made safe as a file name on any system (Chinese kept): no path
    separators, characters Windows forbids, control or invisible formatting characters
    (which could disguise a name), leading or trailing dots and blanks, or leading ``-``.
    Names may still clash or be reserved: :func:`packet_file_stems` makes them unique.

    >>> file_stem("广西壮族自治区"), file_stem("a/b: c?"), file_stem("..")
    ('广西壮族自治区', 'a_b_ c_', '')
    """
    visible = "".join("_" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in packet)
    return re.sub(r'[\\/:*?"<>|]', "_", visible).strip(" .").lstrip("-")


def _stem_key(stem: str) -> str:
    """What a file system may take for the same name: case and Unicode normalisation ignored."""
    return unicodedata.normalize("NFC", stem).casefold()


def _is_reserved(stem: str) -> bool:
    return not stem or _stem_key(stem) == "index" or _stem_key(stem.split(".")[0].rstrip(" ")) in RESERVED_STEMS


def _with_suffix(packet: str, digits: int = SUFFIX_HEX_DIGITS) -> str:
    """The packet's safe name, dots made ``_`` (Windows reads ``con.x.csv`` as ``con``), cut
    to fit :data:`MAX_STEM_BYTES` with the suffix, + ``_`` + ``digits`` hex digits of the
    SHA-256 of the packet's name."""
    suffix = hashlib.sha256(packet.encode("utf-8")).hexdigest()[:digits]
    room = MAX_STEM_BYTES - len(suffix) - 1
    readable = file_stem(packet).replace(".", "_").encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return f"{readable.rstrip(' ')}_{suffix}"


def _clashes(stems: dict[str, str]) -> list[str]:
    """The packets whose stem another packet's equals, as a file system may compare them."""
    holders: dict[str, list[str]] = {}
    for packet, stem in stems.items():
        holders.setdefault(_stem_key(stem), []).append(packet)
    return [packet for group in holders.values() if len(group) > 1 for packet in group]


def packet_file_stems(packets) -> dict[str, str]:
    """packet name -> the stem of its file names, unique among ``packets`` on any file system.

    The stem is the name made safe (:func:`file_stem`), as it is when that changed nothing;
    otherwise — characters replaced, a name reserved (``index``, ``con``, ``nul.txt``, …),
    longer than :data:`MAX_STEM_BYTES` in UTF-8, or taken (ignoring case) by another
    packet's — it gets ``_`` and a short hash of the packet's name. The same names give the
    same stems on every run.

    >>> packet_file_stems(["湖北/湖南", "湖北_湖南", "上海市", "index", "lpt1.txt"])  # doctest: +NORMALIZE_WHITESPACE
    {'湖北/湖南': '湖北_湖南_94b095b6', '湖北_湖南': '湖北_湖南', '上海市': '上海市', 'index': 'index_1bc04b52',
     'lpt1.txt': 'lpt1_txt_ae88a4c0'}
    """
    stems = {}
    for packet in packets:
        stem = file_stem(packet)
        plain = stem == packet and not _is_reserved(stem) and len(stem.encode("utf-8")) <= MAX_STEM_BYTES
        stems[packet] = stem if plain else _with_suffix(packet)
    # A clash left (a name that hostile input chose to equal another's suffixed one, or two
    # short hashes alike): longer hashes, up to all 64 digits, which distinct names never share.
    for digits in (16, 32, 64):
        clashes = _clashes(stems)
        if not clashes:
            break
        for packet in clashes:
            stems[packet] = _with_suffix(packet, digits)
    return stems


# -- files ------------------------------------------------------------------------------------

def write_packet_csv(sections: dict[str, pd.DataFrame], path: Path) -> Path:
    """One long CSV: a ``section`` column, then :data:`CSV_COLUMNS` (empty where a section has
    no such column); money with two decimals, formulas neutralised (:func:`~casegraph.outputs.csv_cells`)."""
    frames = [csv_cells(frame).assign(section=name) for name, frame in sections.items()]
    lines = [csv_line_texts(frame, list(CSV_COLUMNS)) for frame in frames]  # each section's own, not one wide frame
    if any(part is None for part in lines):
        return write_csv_cells(pd.concat(frames, ignore_index=True).reindex(columns=list(CSV_COLUMNS)), path)
    return write_csv_parts(list(CSV_COLUMNS), lines, path)


def _text_widths(text: pa.Array) -> pa.Array:
    """Roughly how many Latin characters wide each text is (CJK counts two), null where missing.

    >>> _text_widths(pa.array(["abc", "上海市", None])).to_pylist()
    [3, 6, None]
    """
    return pc.add(pc.utf8_length(text), pc.count_substring_regex(text, r"[\x{2e80}-\x{9fff}\x{ff00}-\x{ffef}]"))


def _widest(widths: pa.Array) -> int:
    """The largest of :func:`_text_widths`, 0 for none."""
    return int(pc.max(widths).as_py() or 0)


def _display_width(text: pa.Array) -> int:
    """Roughly how many Latin characters wide the longest text is (CJK counts two).

    >>> _display_width(pa.array(["abc", "上海市", None]))
    6
    """
    if text.null_count == len(text):
        return 0
    return _widest(_text_widths(text))


def _shown_text(column: str, values: pd.Series) -> pa.Array:
    """A column's cells as the CSV shows them (:func:`~casegraph.outputs.money_as_text`, formulas
    not neutralised), in Arrow: what the XLSX column's width is fitted to."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return pc.if_else(pa.array(values.astype("boolean"), from_pandas=True), "true", "false")
    if is_fen_column(column, values):
        return format_fen_arrow(pa.array(values, pa.int64(), from_pandas=True))
    return text_array(values)


def _column_width(column: str, widest: int) -> int:
    """A sheet column's width for its header and its widest cell (:func:`_display_width`):
    + 3 for the thousands separators of money and the filter button, at most 60."""
    return min(max(len(column), widest) + 3, 60)


def write_packet_xlsx(sections: dict[str, pd.DataFrame], path: Path, *,
                      widths: dict[str, list[int]] | None = None) -> Path:
    """One sheet per section: a header row, money as numbers shown with two decimals, text as
    text (never as a formula, whatever it starts with). ``widths``: per section its columns'
    widths (:func:`_column_width`) when the caller has them, else fitted here."""
    sheets = []
    for name, frame in sections.items():
        widths_of = widths[name] if widths is not None else [
            _column_width(column, _display_width(_shown_text(column, values))) for column, values in frame.items()]
        sheets.append(_section_sheet(name, frame, widths=widths_of))
    return write_xlsx(path, sheets)


def _section_sheet(name: str, frame: pd.DataFrame, *, widths: list[int]) -> Sheet:
    """A section's sheet: money (fen) as CNY numbers, other integers as numbers."""
    money = [column for column, values in frame.items() if is_fen_column(column, values)]
    integers = [column for column, values in frame.items() if pd.api.types.is_integer_dtype(values.dtype)
                and not pd.api.types.is_bool_dtype(values.dtype)]
    cells = frame.assign(**{column: frame[column].astype("float64") / 100 for column in money})
    return Sheet(name, cells, widths=widths, numbers=frozenset(integers), money=frozenset(money))


# -- the readable summary ----------------------------------------------------------------------------

STYLE = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222;max-width:80em}
h1{font-size:1.6em}h2{border-bottom:2px solid #345;padding-bottom:.2em;margin-top:2em}h3{margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}th,td{border:1px solid #bbb;padding:.25em .5em;
text-align:left;vertical-align:top}th{background:#dde7f0}td.n,td.id{white-space:nowrap}td.n{text-align:right}
td.especially_serious{background:#f6c6c6}td.prosecution{background:#fbe3b4}.note{color:#555;font-size:.9em}
svg text{font-size:12px}svg .id{font-weight:bold}
"""
LEVEL_FILLS = {"especially_serious": "#f6c6c6", "prosecution": "#fbe3b4"}
# The rows of a gang's accounts the summary shows; the XLSX and CSV hold them all.
ACCOUNTS_SHOWN = 10


def _text(value) -> str:
    """A cell as text, missing values empty."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _esc(value) -> str:
    return html.escape(_text(value))


def _fit(value, width: int) -> str:
    """Text cut to ``width`` columns for a diagram box, a Chinese (wide) character taking two:
    a box holds about half as many Chinese characters as Latin ones.

    >>> _fit("P025 · www.dongfangtrade.com", 20), _fit("谭志团伙", 8), _fit("东方财富贵金属交易中心", 12)
    ('P025 · www.dongfang…', '谭志团伙', '东方财富贵…')
    """
    text = _text(value)
    columns = np.cumsum([2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text])
    if not len(text) or columns[-1] <= width:
        return text
    return text[:int(np.searchsorted(columns, width - 1, side="right"))] + "…"


def _money(fen) -> str:
    """Fen as CNY with thousands separators: 123456789 -> '1,234,567.89'."""
    return f"{Decimal(format_fen(fen)):,}"


def _money_texts(fen: pd.Series) -> pa.Array:
    """:func:`_money` of a column (missing: null), in Arrow: the whole CNY in groups of three."""
    values = pa.array(pd.array(fen, dtype="Int64"), pa.int64(), from_pandas=True)
    absolute = pc.abs(values)
    whole = pc.utf8_lpad(pc.cast(pc.divide(absolute, 100), pa.large_string()), 18, "0")  # int64 fen: ≤ 17 digits
    grouped = pc.utf8_ltrim(join_text(*(pc.utf8_slice_codeunits(whole, i, i + 3) for i in range(0, 18, 3)),
                                      separator=","), "0,")
    grouped = pc.if_else(pc.equal(grouped, ""), "0", grouped)
    cents = pc.utf8_lpad(pc.cast(pc.subtract(absolute, pc.multiply(pc.divide(absolute, 100), 100)),
                                 pa.large_string()), 2, "0")
    return join_text(pc.if_else(pc.less(values, 0), "-", ""), grouped, ".", cents)


def _html_escaped(values: pd.Series) -> pa.Array:
    """:func:`_esc` of a column, in Arrow: missing values empty, ``&<>"'`` as entities."""
    text = text_array(values).fill_null("")
    if not pc.any(pc.match_substring_regex(text, "[&<>\"']")).as_py():
        return text
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;")):
        text = pc.replace_substring(text, char, entity)
    return text


def _breakable(escaped: str, after: str) -> str:
    """HTML text that may break after each ``after`` (``<wbr>``: a break that is not copied
    with the text), so that a header such as ``n_bank_accounts`` need not widen its column."""
    return escaped.replace(after, after + "<wbr>")


# Entities of _html_escaped end in ";": a list's ";" is only one that follows no entity.
_ENTITY_BREAK = r"(&(?:amp|lt|gt|quot|#x27);)<wbr>"


def _breakable_texts(escaped: pa.Array) -> pa.Array:
    """:func:`_breakable` after ``;`` for a column of escaped cells: lists such as
    ``P001;P002;P003`` wrap between their items instead of widening the table."""
    if not pc.any(pc.match_substring(escaped, ";")).as_py():
        return escaped
    return pc.replace_substring_regex(pc.replace_substring(escaped, ";", ";<wbr>"), _ENTITY_BREAK, r"\1")


def _html_rows(frame: pd.DataFrame, columns: list[str]) -> pa.Array:
    """Each row's ``<tr>`` of the summary's tables (some columns of a section; money
    right-aligned with separators, ids on one line): a row's depends on that row alone, so the
    rows of a part of ``frame`` are these rows taken."""
    cells = []
    for column in columns:
        opening = '<td class="id">' if column.endswith("_id") else "<td>"  # an id is never split ("G?P010")
        plain = join_text(opening, _breakable_texts(_html_escaped(frame[column])), "</td>")
        if is_fen_column(column, frame[column]):
            money = _money_texts(frame[column])
            plain = pc.if_else(money.is_valid(), join_text('<td class="n">', money, "</td>"), plain)
        cells.append(plain)
    return join_text("<tr>", *cells, "</tr>") if len(frame) else pa.array([], pa.large_string())


def _table_of_rows(columns: list[str], rows: pa.Array) -> str:
    """An HTML table of the header of ``columns`` and ``rows`` (:func:`_html_rows`)."""
    header = "<tr>" + "".join(f"<th>{_breakable(_esc(c), '_')}</th>" for c in columns) + "</tr>"
    return "<table>" + header + text_bytes(rows).decode("utf-8") + "</table>"


# The columns of each gang's tables in the summary, by section.
# The columns of the summary's table of the packet's gangs, most serious first.
RANKED_GANG_COLUMNS = ["rank", "gang_id", "name", "platform_ids", "severity_level", "severity_method",
                       "severity_amount", "severity", "net_deposit", "n_persons", "n_bank_accounts", "n_clients",
                       "is_fraud", "fake_trade_losses"]
GANG_TABLE_COLUMNS = {
    "persons": ["person_id", "name", "id_number", "phone", "city", "roles"],
    "accounts": ["account_id", "kind", "institution", "holder_name", "money_in", "money_out", "net", "n_transfers",
                 "first_transfer", "last_transfer"],
    "platforms": ["platform_id", "name", "domain", "kind", "created_on", "license_ids", "n_clients", "deposits",
                  "net_deposit"],
    "evidence": ["evidence", "vendor_name", "license_id", "platform_id", "txn_id", "date", "amount", "from_account",
                 "to_account", "buyer_name", "buyer_phone"],
}


def gang_table_rows(sections: dict[str, pd.DataFrame]) -> dict[str, pa.Array]:
    """Per section of :data:`GANG_TABLE_COLUMNS`, the ``<tr>`` of each of its rows (:func:`_html_rows`),
    and those of the ranked gangs' table (:data:`RANKED_GANG_COLUMNS`) as ``gangs``."""
    return {"gangs": _html_rows(sections["gangs"], RANKED_GANG_COLUMNS),
            **{name: _html_rows(sections[name], columns) for name, columns in GANG_TABLE_COLUMNS.items()}}


def chain_svg(sections: dict[str, pd.DataFrame]) -> str:
    """The packet's chain vendor → licence → platform → gang as inline SVG: one row per
    licence, gangs in rank order, each vendor and gang box level with the rows it joins."""
    # A packet has a few licences: plain Python over its rows, not a frame operation per box.
    gangs = {gang["gang_id"]: gang
             for gang in _records(sections["gangs"], ["gang_id", "rank", "name", "severity_level"])}
    platforms = {platform["platform_id"]: platform for platform in _records(
        sections["platforms"].drop_duplicates("platform_id"), ["platform_id", "name", "domain"])}
    evidence = sections["evidence"]
    licences = _records(evidence[(evidence["evidence"] == "licence").to_numpy(dtype=bool)],
                        ["vendor_id", "vendor_name", "license_id", "gang_id", "platform_id", "date", "amount"])
    licences = sorted(licences,
                      key=lambda licence: (_sort_key(licence["vendor_id"]),
                                           _sort_key(gangs[licence["gang_id"]]["rank"]),
                                           _sort_key(licence["license_id"])))
    box_w, box_h, row_h, top = 230, 44, 56, 28
    x = {"vendor": 10, "licence": 280, "platform": 550, "gang": 820}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{x["gang"] + box_w + 10}" '
             f'height="{top + max(len(licences), 1) * row_h}" role="img" aria-label="chain">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
             'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#567"/></marker></defs>']
    titles = {"vendor": "软件开发方 vendor", "licence": "授权 licence", "platform": "平台 platform",
              "gang": "团伙 gang"}
    for column, title in titles.items():
        parts.append(f'<text x="{x[column]}" y="16" class="id">{_esc(title)}</text>')

    def box(column: str, y: float, first: str, second: str, fill: str = "#fff") -> None:
        parts.append(f'<rect x="{x[column]}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="5" '
                     f'fill="{fill}" stroke="#567"/>'
                     f'<text x="{x[column] + 6}" y="{y + 18:.0f}" class="id">{_esc(_fit(first, 29))}</text>'
                     f'<text x="{x[column] + 6}" y="{y + 36:.0f}">{_esc(_fit(second, 32))}</text>')

    def arrow(start: str, y1: float, end: str, y2: float) -> None:
        parts.append(f'<line x1="{x[start] + box_w}" y1="{y1 + box_h / 2:.0f}" x2="{x[end]}" '
                     f'y2="{y2 + box_h / 2:.0f}" stroke="#567" marker-end="url(#arrow)"/>')

    row_y = [top + i * row_h for i in range(len(licences))]
    vendor_y = _mean_by([licence["vendor_id"] for licence in licences], row_y)
    gang_y = _mean_by([licence["gang_id"] for licence in licences], row_y)
    for vendor, y in vendor_y.items():
        name = next(licence["vendor_name"] for licence in licences if licence["vendor_id"] == vendor)
        box("vendor", y, vendor, name, "#e8eef5")
    for i, licence in enumerate(licences):
        platform = platforms[licence["platform_id"]]
        box("licence", row_y[i], f"{licence['license_id']} · {licence['date']}", _money(licence["amount"]))
        box("platform", row_y[i], f"{licence['platform_id']} · {_text(platform['domain'])}", platform["name"])
        arrow("vendor", vendor_y[licence["vendor_id"]], "licence", row_y[i])
        arrow("licence", row_y[i], "platform", row_y[i])
        arrow("platform", row_y[i], "gang", gang_y[licence["gang_id"]])
    for gang, y in gang_y.items():
        row = gangs[gang]
        level = _text(row["severity_level"])
        box("gang", y, f"#{row['rank']} {gang} {_text(row['name'])}", level, LEVEL_FILLS.get(level, "#eee"))
    parts.append("</svg>")
    return "".join(parts)


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Some columns' rows as dicts, as ``to_dict("records")`` gives them (a missing text None),
    made from each column's list: ``to_dict`` costs milliseconds a call, and a packet has few rows.

    >>> _records(pd.DataFrame({"a": ["x", None], "n": [1, 2]}).astype({"a": "string"}), ["a", "n"])
    [{'a': 'x', 'n': 1}, {'a': None, 'n': 2}]
    """
    values = [[None if value is pd.NA else value for value in frame[column].tolist()] for column in columns]
    return [dict(zip(columns, row)) for row in zip(*values)]


def _sort_key(value) -> tuple:
    """A value's place when sorted as pandas sorts a column: missing values last."""
    missing = value is None or (not isinstance(value, str) and pd.isna(value))
    return (True, "") if missing else (False, value)


def _mean_by(keys: list, values: list) -> dict:
    """The mean of ``values`` per key (missing keys left out), keys in sorted order: pandas'
    ``groupby(keys).mean()`` of a few values.

    >>> _mean_by(["b", "a", "b"], [1, 2, 4])
    {'a': 2.0, 'b': 2.5}
    """
    groups: dict = {}
    for key, value in zip(keys, values):
        if _sort_key(key)[0]:
            continue
        groups.setdefault(key, []).append(value)
    return {key: sum(group) / len(group) for key, group in sorted(groups.items())}


def _key_figures(sections: dict[str, pd.DataFrame]) -> str:
    """Each gang's amount by every method, coloured by the severity it reaches."""
    gangs = sections["gangs"]
    figures = sections["figures"]
    own = _records(figures[((figures["subject_type"] == "gang") & figures["window_start"].isna()).to_numpy(bool)],
                   ["gang_id", "method", "severity", "amount"])
    # (gang, method) -> (severity, amount): one row each, looked up in a dict, not by .loc
    found = {(row["gang_id"], row["method"]): (row["severity"], row["amount"]) for row in own}
    methods = [m.name for m in METHODS if m.name in {row["method"] for row in own}]
    rows = ["<tr><th>rank</th><th>gang_id</th>" + "".join(f"<th>{_esc(m)}</th>" for m in methods) + "</tr>"]
    for gang in _records(gangs, ["gang_id", "rank"]):
        cells = []
        for method in methods:
            if (gang["gang_id"], method) in found:
                severity, amount = found[(gang["gang_id"], method)]
                level = _esc(severity_level(_text(severity)))
                cells.append(f'<td class="n {level}" title="{_esc(severity)}">{_money(amount)}</td>')
            else:
                cells.append("<td></td>")
        rows.append(f"<tr><td>{gang['rank']}</td><td>{_esc(gang['gang_id'])}</td>{''.join(cells)}</tr>")
    return "<table>" + "".join(rows) + "</table>"


def packet_html(packet: str, sections: dict[str, pd.DataFrame], case: Case, masked: bool, *, stem: str,
                table_rows: dict[str, pa.Array] | None = None) -> str:
    """The readable summary of a packet: ranked gangs, key figures, the chain diagram, and per
    gang its persons with known roles, its top accounts, platforms and the evidence; ``stem``:
    the packet's file names without suffix; ``table_rows``: :func:`gang_table_rows` of
    ``sections`` when the caller has them."""
    table_rows = gang_table_rows(sections) if table_rows is None else table_rows
    gangs = sections["gangs"]
    title = f"线索移送 Referral packet: {packet}"
    body = [
        f"<h1>{_esc(title)}</h1>",
        f'<p>{_esc(case.config.case_id)} {_esc(case.config.title)} · {len(gangs)} gang(s), '
        f'{len(sections["persons"])} person(s), {len(sections["accounts"])} account(s) to freeze · money in CNY · '
        + ("ID numbers and phones masked (身份证号、电话已脱敏)" if masked
           else "ID numbers and phones NOT masked") + "</p>",
        '<p class="note">Severity is a label against the thresholds of case.yaml, not a verdict. The full '
        f"lists are in {_esc(stem)}.xlsx and .csv.</p>",
        "<h2>团伙排序 Gangs, most serious first</h2>",
        _table_of_rows(RANKED_GANG_COLUMNS, table_rows["gangs"]),
        "<h2>金额 Key figures by method</h2>", _key_figures(sections),
        "<h2>链条 Chain: vendor → licence → platform → gang</h2>", chain_svg(sections),
    ]
    # Each gang's rows of each section, found once per section rather than once per gang.
    rows_of = {name: sections[name].groupby("gang_id", sort=False).indices for name in GANG_TABLE_COLUMNS}
    has_roles = sections["persons"]["roles"].notna().to_numpy(dtype=bool)
    no_rows = np.zeros(0, dtype=np.intp)

    def table(name: str, rows: np.ndarray) -> str:
        return _table_of_rows(GANG_TABLE_COLUMNS[name], table_rows[name].take(pa.array(rows, pa.int64())))

    for gang in gangs[["gang_id", "rank", "name", "province", "province_evidence"]].itertuples(index=False):
        of_gang = {name: rows_of[name].get(gang.gang_id, no_rows) for name in GANG_TABLE_COLUMNS}
        person_rows, account_rows = of_gang["persons"], of_gang["accounts"]
        with_roles = person_rows[has_roles[person_rows]]
        body += [
            f"<h2>#{gang.rank} {_esc(gang.gang_id)} {_esc(gang.name)} · {_esc(gang.province)}</h2>",
            f'<p class="note">province evidence: {_esc(gang.province_evidence)}</p>',
            f"<h3>人员 Persons with a known role ({len(with_roles)} of {len(person_rows)} members)</h3>",
            table("persons", with_roles),
            f"<h3>待冻结账户 Accounts to freeze (top {min(ACCOUNTS_SHOWN, len(account_rows))} of {len(account_rows)} "
            "by money moved)</h3>",
            table("accounts", account_rows[:ACCOUNTS_SHOWN]),
            "<h3>平台 Platforms</h3>",
            table("platforms", of_gang["platforms"]),
            "<h3>与软件开发方的关联 Evidence of the tie to the vendor</h3>",
            table("evidence", of_gang["evidence"]),
        ]
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_referrals(case: Case, tables: dict[str, pd.DataFrame], out: Path, unmask: bool = False,
                    province: str | None = None) -> pd.DataFrame:
    """Write every packet (or ``province``'s) into ``out`` as CSV, XLSX and HTML, and
    ``index.csv``; returns the index. File names are :func:`packet_file_stems`' over every
    packet of the case, so that a packet has the same names whether written alone or not."""
    rows = []
    stems = packet_file_stems(sorted(set(packet_names(tables["gangs"]))))
    names, everyone, packet_of_rows = packet_rows(case, tables, unmask, province)
    # Each row's packet as its number in ``names``; each section's rows put in packet order (a
    # packet's own rows keep theirs), so that a packet's rows are one slice of everything below.
    packet_numbers = {section: first_positions(arrow_text(packets),
                                               pa.array(names, pa.large_string()))
                      for section, packets in packet_of_rows.items()}
    order = {section: np.argsort(numbers, kind="stable") for section, numbers in packet_numbers.items()}
    everyone = {section: frame.take(order[section]).reset_index(drop=True) for section, frame in everyone.items()}
    bounds = {section: np.searchsorted(numbers[order[section]], np.arange(len(names) + 1))
              for section, numbers in packet_numbers.items()}
    # What each file holds is made once over every packet's rows, then split: a CSV line and a
    # cell's width depend on their row alone (packets are many, and mostly small).
    lines = {section: csv_line_texts(csv_cells(frame).assign(section=section), list(CSV_COLUMNS))
             for section, frame in everyone.items()}
    cell_widths = {section: {column: _text_widths(_shown_text(column, frame[column])) for column in frame.columns}
                   for section, frame in everyone.items()}
    everyone_rows = gang_table_rows(everyone) if everyone else {}
    everyone_sheets = {section: sheet_columns(_section_sheet(section, frame, widths=[]))
                       for section, frame in everyone.items()}
    for number, packet in enumerate(names):
        stem = stems[packet]
        start = {section: int(bounds[section][number]) for section in everyone}
        size = {section: int(bounds[section][number + 1]) - start[section] for section in everyone}
        sections = {section: frame.iloc[start[section]:start[section] + size[section]].reset_index(drop=True)
                    for section, frame in everyone.items()}
        if any(section_lines is None for section_lines in lines.values()):
            write_packet_csv(sections, out / f"{stem}.csv")
        else:
            write_csv_parts(list(CSV_COLUMNS), [lines[section].slice(start[section], size[section])
                                                for section in everyone], out / f"{stem}.csv")
        table_rows = {section: rows.slice(start[section], size[section]) for section, rows in everyone_rows.items()}
        widths = {section: [_column_width(column, _widest(cell_widths[section][column].slice(start[section],
                                                                                              size[section])))
                            for column in frame.columns] for section, frame in everyone.items()}
        write_sheet_columns(out / f"{stem}.xlsx", [sheet.part(start[section], size[section], widths=widths[section])
                                                   for section, sheet in everyone_sheets.items()])
        (out / f"{stem}.html").write_text(packet_html(packet, sections, case, masked=not unmask, stem=stem,
                                                      table_rows=table_rows),
                                          encoding="utf-8")
        gangs = sections["gangs"]
        rows.append({"province": packet, "n_gangs": len(gangs), "gang_ids": ";".join(gangs["gang_id"]),
                     "top_severity": gangs["severity_level"].iloc[0], "n_persons": len(sections["persons"]),
                     "n_accounts": len(sections["accounts"]), "csv": f"{stem}.csv", "xlsx": f"{stem}.xlsx",
                     "html": f"{stem}.html"})
    accounts = account_packet(tables)
    if rows == [] and province is None and len(accounts["accounts"]):
        rows.append(write_account_packet(accounts, out, case))
    index = pd.DataFrame(rows, columns=list(INDEX_COLUMNS))
    write_csv(index, out / "index.csv")
    return index


# -- a case of bank statements only: the accounts to freeze ------------------------------------------
ACCOUNT_PACKET = "accounts"


def write_account_packet(sections: dict[str, pd.DataFrame], out: Path, case: Case) -> dict:
    """Write :func:`account_packet`'s sections as accounts.csv (a ``section`` column, then each
    section's columns), .xlsx (a sheet each) and .html; returns its index.csv row."""
    frames = [csv_cells(frame).assign(section=name) for name, frame in sections.items()]
    columns = ["section", *dict.fromkeys(c for frame in sections.values() for c in frame.columns)]
    write_csv_cells(pd.concat(frames, ignore_index=True).reindex(columns=columns), out / f"{ACCOUNT_PACKET}.csv")
    write_packet_xlsx(sections, out / f"{ACCOUNT_PACKET}.xlsx")
    body = "".join(f"<h2>{html.escape(name)} ({len(frame)})</h2>"
                   + csv_cells(frame).to_html(index=False, escape=True, na_rep="", classes="packet")
                   for name, frame in sections.items())
    (out / f"{ACCOUNT_PACKET}.html").write_text(
        f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{html.escape(case.config.case_id)}"
        f": accounts to freeze</title><style>{STYLE}</style></head><body><h1>{html.escape(case.config.case_id)}: "
        f"accounts to freeze</h1>{body}</body></html>", encoding="utf-8")
    return {"province": "", "n_gangs": 0, "gang_ids": "", "top_severity": "", "n_persons": 0,
            "n_accounts": len(sections["accounts"]), "csv": f"{ACCOUNT_PACKET}.csv",
            "xlsx": f"{ACCOUNT_PACKET}.xlsx", "html": f"{ACCOUNT_PACKET}.html"}
