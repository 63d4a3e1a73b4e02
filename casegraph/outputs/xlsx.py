"""A columnar XLSX writer: a workbook of DataFrames written as SpreadsheetML a column at a
time with Arrow's string kernels, never a cell at a time in Python (a referral packet of a
big gang has millions of cells; XlsxWriter spends ~15 µs on each).

What it writes is what XlsxWriter writes for ``write_string`` / ``write_number`` /
``write_boolean`` cells under a bold header row: shared strings escaped as Excel and
XlsxWriter escape them (control characters as ``_xHHHH_``, text cut at 32,767 UTF-16
units), numbers as numbers, the first row frozen, a filter over the table, fixed column
widths. Missing values are left out (empty cells). One deliberate difference: XlsxWriter
copies text that starts with ``<r>`` and ends with ``</r>`` into the file as rich-text XML
unescaped; here every text is escaped.

>>> sheet = Sheet("gangs", frame, widths=[10, 20], money=frozenset({"deposits"}))   # doctest: +SKIP
>>> write_xlsx(Path("packet.xlsx"), [sheet])                                        # doctest: +SKIP
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import join_text, text_array, text_buffer, text_bytes

# Excel's limits: rows a sheet holds (more are left out, as XlsxWriter leaves them out) and
# UTF-16 units a cell's text holds (longer text is cut).
MAX_ROWS = 1_048_576
MAX_TEXT_UNITS = 32_767
# Rows turned into XML at once: bounds the memory a big sheet takes on its way to the zip.
ROWS_PER_CHUNK = 100_000
MONEY_FORMAT = "#,##0.00"
HEADER_FILL = "FFDDE7F0"
# Cell styles in styles.xml: 0 plain, 1 header (bold, filled, thin bottom border), 2 money.
HEADER_STYLE, MONEY_STYLE = 1, 2
# Column widths as XlsxWriter turns characters into Excel's units (Calibri 11: digits 7
# pixels wide, 5 pixels of padding).
DIGIT_PIXELS, PADDING_PIXELS = 7, 5

# Python's ``\s`` (what XlsxWriter tests for leading or trailing blanks), as an RE2 class.
_BLANK = (r"[\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
          r"\x{205f}\x{3000}]")
_CONTROL = [chr(c) for c in (*range(0x09), *range(0x0B, 0x20))]
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class Sheet:
    """One sheet: ``cells`` holds its columns; those named in ``numbers`` are written as
    numbers (those also in ``money`` shown as ``#,##0.00``), bool columns as booleans, every
    other as text (``str()`` of each value); ``widths``: each column's width in characters."""

    name: str
    cells: pd.DataFrame
    widths: list[int]
    numbers: frozenset[str] = frozenset()
    money: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Column:
    """A column on its way into a sheet: how it is written, and its values in Arrow."""

    kind: str  # text, number, money or boolean
    values: pa.Array


@dataclass(frozen=True)
class SheetColumns:
    """A sheet as it is written (:func:`sheet_columns`): its cells in Arrow, a column each.
    ``part(start, size)`` is the sheet of some of its rows: a cell's XML depends on its row
    alone, so many workbooks of parts of one table take its columns made once."""

    name: str
    header: list[str]
    widths: list[int]
    columns: list[_Column]

    def part(self, start: int, size: int, *, widths: list[int] | None = None) -> SheetColumns:
        """The sheet of ``size`` rows from row ``start`` (0: the first below the header), its
        columns sliced without a copy; ``widths`` when given."""
        return SheetColumns(self.name, self.header, self.widths if widths is None else widths,
                            [_Column(c.kind, c.values.slice(start, size)) for c in self.columns])


def column_letters(count: int) -> list[str]:
    """The first ``count`` column names: A, B, …, Z, AA, ….

    >>> column_letters(28)[-3:]
    ['Z', 'AA', 'AB']
    """
    letters = []
    for number in range(1, count + 1):
        name = ""
        while number:
            number, rest = divmod(number - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _utf16_cut(text: pa.Array) -> pa.Array:
    """Text cut to :data:`MAX_TEXT_UNITS` UTF-16 units, as XlsxWriter cuts it (a character
    beyond U+FFFF takes two units and is never split)."""
    long = pc.greater(pc.utf8_length(text), MAX_TEXT_UNITS // 2)
    if not pc.any(long).as_py():
        return text
    values = text.to_pylist()
    for i in np.flatnonzero(long.to_numpy(zero_copy_only=False)).tolist():  # only the rare long texts
        units = 0
        for position, char in enumerate(values[i]):
            units += 2 if ord(char) > 0xFFFF else 1
            if units > MAX_TEXT_UNITS:
                values[i] = values[i][:position]
                break
    return pa.array(values, pa.large_string())


def _escaped(text: pa.Array) -> pa.Array:
    """Text as the ``<t>`` element of a shared string holds it, as XlsxWriter escapes it:
    literal ``_xHHHH_`` protected, control characters as ``_xHHHH_``, the non-characters
    U+FFFE/U+FFFF likewise, then ``&``, ``<`` and ``>``."""
    text = pc.replace_substring_regex(text, r"(_x[0-9a-fA-F]{4}_)", r"_x005F\1")
    if pc.any(pc.match_substring_regex(text, r"[\x{00}-\x{08}\x{0b}-\x{1f}\x{fffe}\x{ffff}]")).as_py():
        for char in (*_CONTROL, "\ufffe", "\uffff"):
            text = pc.replace_substring(text, char, f"_x{ord(char):04X}_")
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, char, entity)
    return text


def _shared_strings(texts: pa.Array) -> tuple[pa.Array, bytes]:
    """Each text's index in the shared strings (first appearance first), and sharedStrings.xml."""
    encoded = pc.dictionary_encode(texts)
    unique = encoded.dictionary
    escaped = _escaped(unique)
    blank_end = pc.match_substring_regex(escaped, f"^{_BLANK}|{_BLANK}$")
    items = pc.if_else(blank_end, join_text('<si><t xml:space="preserve">', escaped, "</t></si>"),
                       join_text("<si><t>", escaped, "</t></si>"))
    head = (f'{_XML}<sst xmlns="{_MAIN_NS}" count="{len(texts)}" uniqueCount="{len(unique)}">').encode()
    return encoded.indices, head + text_bytes(items) + b"</sst>"


def sheet_columns(sheet: Sheet) -> SheetColumns:
    """The sheet's columns, each as it is written (missing values null).

    >>> made = sheet_columns(Sheet("s", pd.DataFrame({"n": [1, 2], "t": ["a", None]}), [4, 4], frozenset({"n"})))
    >>> [(column.kind, column.values.to_pylist()) for column in made.part(1, 1).columns]
    [('number', [2]), ('text', [None])]
    """
    columns = []
    for name, values in sheet.cells.items():
        if name in sheet.numbers:
            kind = "money" if name in sheet.money else "number"
            columns.append(_Column(kind, pa.array(values, from_pandas=True)))
        elif pd.api.types.is_bool_dtype(values.dtype):
            columns.append(_Column("boolean", pa.array(values.astype("boolean"), from_pandas=True)))
        else:
            columns.append(_Column("text", _utf16_cut(text_array(values))))
    return SheetColumns(sheet.name, [str(c) for c in sheet.cells.columns], sheet.widths, columns)


def _sheet_rows(columns: list[_Column], string_index: list[pa.Array | None], first_row: int) -> memoryview:
    """``<row>`` elements of some rows of a sheet (``first_row``: the sheet row of the first):
    the columns' values and the text columns' shared-string indices for those rows."""
    numbers = pc.cast(pa.array(np.arange(first_row, first_row + len(columns[0].values))), pa.large_string())
    written = np.zeros(len(numbers), dtype=bool)
    parts = []
    for letter, column, index in zip(column_letters(len(columns)), columns, string_index):
        if column.kind == "text":
            kind, value = ' t="s"', pc.cast(index, pa.large_string())
        elif column.kind == "boolean":
            kind, value = ' t="b"', pc.if_else(column.values, "1", "0")
        else:  # the shortest text that reads back as the same number
            kind, value = (f' s="{MONEY_STYLE}"' if column.kind == "money" else ""), pc.cast(column.values,
                                                                                                pa.large_string())
        cell = join_text(f'<c r="{letter}', numbers, f'"{kind}><v>', value, "</v></c>")  # null where value is
        written |= cell.is_valid().to_numpy(zero_copy_only=False)
        parts.append(cell)
    rows = join_text('<row r="', numbers, '">', *parts, "</row>", missing="")
    return memoryview(text_buffer(rows.filter(pa.array(written))))


def _column_widths(widths: list[int]) -> str:
    """``<cols>``: widths in characters in Excel's units, as XlsxWriter's ``set_column``
    writes them (equal neighbours merged)."""
    if not widths:
        return ""
    spans: list[list] = []
    for number, width in enumerate(widths, start=1):
        pixels = int(width * DIGIT_PIXELS + 0.5) + PADDING_PIXELS
        char_width = f"{(pixels * 256 // DIGIT_PIXELS) / 256.0:.16g}"
        if spans and spans[-1][2] == char_width:
            spans[-1][1] = number
        else:
            spans.append([number, number, char_width])
    return "<cols>" + "".join(f'<col min="{first}" max="{last}" width="{width}" customWidth="1"/>'
                              for first, last, width in spans) + "</cols>"


def _sheet_head(sheet: SheetColumns, n_columns: int, last_row: int, *, selected: bool) -> str:
    last = column_letters(max(n_columns, 1))[-1]
    selection = 'tabSelected="1" ' if selected else ""
    dimension = f"A1:{last}{last_row}" if (n_columns, last_row) != (1, 1) else "A1"
    return (f'{_XML}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><dimension ref="{dimension}"/>'
            f'<sheetViews><sheetView {selection}workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            f"{_column_widths(sheet.widths)}")


def _filter_range(n_columns: int, n_rows: int) -> str:
    """The filter over the header and the data (at least one row below the header)."""
    return f"A1:{column_letters(max(n_columns, 1))[-1]}{max(n_rows, 1) + 1}"


def write_xlsx(path: Path, sheets: list[Sheet]) -> Path:
    """Write ``sheets`` as one workbook: per sheet a bold header row, frozen, a filter over
    the table, the given column widths, then the cells (module docstring)."""
    return write_sheet_columns(path, [sheet_columns(sheet) for sheet in sheets])


def write_sheet_columns(path: Path, sheets: list[SheetColumns]) -> Path:
    """:func:`write_xlsx` of sheets already made columns (:func:`sheet_columns`).

    >>> write_sheet_columns(Path("part.xlsx"), [sheet.part(0, 10) for sheet in everyone])   # doctest: +SKIP
    """
    # Rows beyond Excel's are left out.
    prepared = [[_Column(c.kind, c.values.slice(0, MAX_ROWS - 1)) for c in sheet.columns] for sheet in sheets]
    # One shared-string table for the workbook: headers and text cells, sheet by sheet.
    pieces = []
    for sheet, columns in zip(sheets, prepared):
        pieces.append(pa.array(sheet.header, pa.large_string()))
        pieces += [column.values.drop_null() for column in columns if column.kind == "text"]
    indices, shared = _shared_strings(pa.concat_arrays(pieces))
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        position = 0
        for number, (sheet, columns) in enumerate(zip(sheets, prepared), start=1):
            n_rows = len(columns[0].values) if columns else 0
            header_index = indices[position:position + len(columns)].to_pylist()
            position += len(columns)
            string_index: list[pa.Array | None] = []
            written = np.zeros(n_rows, dtype=bool)
            for column in columns:
                valid = column.values.is_valid().to_numpy(zero_copy_only=False)
                written |= valid
                if column.kind != "text":
                    string_index.append(None)
                    continue
                # the indices of the column's texts, spread back to its rows (null where missing)
                spread = np.zeros(n_rows, dtype=np.int64)
                spread[valid] = indices[position:position + int(valid.sum())].to_numpy()
                position += int(valid.sum())
                string_index.append(pa.array(spread, mask=~valid))
            last_row = int(np.flatnonzero(written)[-1]) + 2 if written.any() else 1
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as stream:
                stream.write(_sheet_head(sheet, len(columns), last_row, selected=number == 1).encode())
                header = "".join(f'<c r="{letter}1" s="{HEADER_STYLE}" t="s"><v>{index}</v></c>'
                                 for letter, index in zip(column_letters(len(columns)), header_index))
                stream.write(f'<sheetData><row r="1">{header}</row>'.encode())
                for start in range(0, n_rows, ROWS_PER_CHUNK):
                    length = min(ROWS_PER_CHUNK, n_rows - start)
                    stream.write(_sheet_rows([_Column(c.kind, c.values.slice(start, length)) for c in columns],
                                             [i if i is None else i.slice(start, length) for i in string_index],
                                             start + 2))
                stream.write(f'</sheetData><autoFilter ref="{_filter_range(len(columns), n_rows)}"/>'
                             '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                             "</worksheet>".encode())
        archive.writestr("xl/sharedStrings.xml", shared)
        for name, content in _package_parts([sheet.name for sheet in sheets],
                                            [_filter_range(len(c), len(c[0].values) if c else 0)
                                             for c in prepared]).items():
            archive.writestr(name, content)
    return path


def _package_parts(names: list[str], filters: list[str]) -> dict[str, str]:
    """The workbook's other parts, as XlsxWriter writes them for these sheets."""
    sheet_types = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.'
                          'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                          for i in range(1, len(names) + 1))
    content_types = (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'extended-properties+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.'
        'core-properties+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        f'spreadsheetml.sheet.main+xml"/>{sheet_types}'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sharedStrings+xml"/></Types>')
    package_rels = (
        f'{_XML}<Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        f'<Relationship Id="rId2" Type="{_PKG_REL_NS}/metadata/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL_NS}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>")
    sheet_rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                         for i in range(1, len(names) + 1))
    n = len(names)
    workbook_rels = (
        f'{_XML}<Relationships xmlns="{_PKG_REL_NS}">{sheet_rels}'
        f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{n + 2}" Type="{_REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>")
    sheets = "".join(f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                     for i, name in enumerate(names, start=1))
    # Excel's own record of each filter (a hidden name per sheet), in the order Excel sorts them.
    filter_names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(_quoted_sheet(names[i]))}!{_absolute(filters[i])}</definedName>"
        for i in sorted(range(n), key=lambda i: names[i].lower()))
    workbook = (
        f'{_XML}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        '<fileVersion appName="xl" lastEdited="4" lowestEdited="4" rupBuild="4505"/>'
        '<workbookPr defaultThemeVersion="124226"/><bookViews><workbookView xWindow="240" yWindow="15" '
        f'windowWidth="16095" windowHeight="9660"/></bookViews><sheets>{sheets}</sheets>'
        f'<definedNames>{filter_names}</definedNames><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
    font = '<sz val="11"/><color rgb="FF000000"/><name val="Calibri"/><family val="2"/>'
    styles = (
        f'{_XML}<styleSheet xmlns="{_MAIN_NS}"><numFmts count="1"><numFmt numFmtId="164" '
        f'formatCode="{MONEY_FORMAT}"/></numFmts><fonts count="2"><font>{font}</font><font><b/>{font}</font></fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        f'</fill><fill><patternFill patternType="solid"><fgColor rgb="{HEADER_FILL}"/><bgColor indexed="64"/>'
        '</patternFill></fill></fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
        '<border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/>'
        '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
        "</styleSheet>")
    titles = "".join(f"<vt:lpstr>{escape(name)}</vt:lpstr>" for name in names)
    app = (
        f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>Microsoft Excel'
        '</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector size="2" '
        'baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant>'
        f'<vt:i4>{n}</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="{n}" '
        f'baseType="lpstr">{titles}</vt:vector></TitlesOfParts><LinksUpToDate>false</LinksUpToDate>'
        "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion>"
        "</Properties>")
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    core = (
        f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>')
    return {"[Content_Types].xml": content_types, "_rels/.rels": package_rels, "docProps/app.xml": app,
            "docProps/core.xml": core, "xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": workbook_rels,
            "xl/styles.xml": styles}


def _quoted_sheet(name: str) -> str:
    """A sheet name as a formula refers to it: quoted unless plain letters, digits and ``_``."""
    plain = name.replace("_", "").isalnum() and name.isascii() and not name[0].isdigit()
    return name if plain else "'" + name.replace("'", "''") + "'"


def _absolute(cells: str) -> str:
    """``A1:N18`` -> ``$A$1:$N$18``."""
    return ":".join("$" + "".join(c for c in end if c.isalpha()) + "$" + "".join(c for c in end if c.isdigit())
                    for end in cells.split(":"))
