"""The columnar writers write what the per-cell writers they replaced wrote: CSV byte for byte
as pandas' ``to_csv`` (csv module quoting), XLSX cell by cell as XlsxWriter's ``write_string``
/ ``write_number`` / ``write_boolean`` (value, type, number format, column widths), the
packets' HTML money and escaping as :func:`_money` and :func:`html.escape`."""

from __future__ import annotations

import html
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from casegraph.outputs import csv_cells, write_csv_cells
from casegraph.outputs.packets import _html_escaped, _money, _money_texts
from casegraph.outputs.xlsx import MAX_TEXT_UNITS, Sheet, write_xlsx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from compare_outputs import compare_xlsx  # noqa: E402  (bench/ is not a package)

HOSTILE = ["plain", "a,b", 'say "hi"', "line\nbreak", "carriage\rreturn", "=1+2", "-5", "@SUM(1)", "\ttab",
           " 空格 ", "张,三", "", None, "<r><t>x</t></r>", "&amp; <b>", "bell\x07_x0041_", "\ufffe", "'quoted",
           "\u3000全角空格", "emoji 😀", "x" * (MAX_TEXT_UNITS + 5), "😀" * (MAX_TEXT_UNITS // 2 + 3)]


def hostile_frame() -> pd.DataFrame:
    n = len(HOSTILE)
    return pd.DataFrame({
        "name": pd.Series(HOSTILE, dtype=object),
        "memo": pd.Series(HOSTILE[::-1], dtype="str"),
        "amount": pd.Series([(-1) ** i * 10 ** (i % 15) + i for i in range(n)], dtype="int64"),
        "fees": pd.Series([None if i % 4 == 0 else i * 37 for i in range(n)], dtype="Int64"),
        "n_clients": pd.Series([i for i in range(n)], dtype="int64"),
        "share": pd.Series([0.1 * i if i % 5 else np.nan for i in range(n)], dtype="float64"),
        "is_fraud": pd.Series([i % 2 == 0 for i in range(n)], dtype=bool),
    })


@pytest.mark.parametrize("columns", [None, ["name"], ["memo"], ["fees"], ["share", "name"]])
def test_csv_is_byte_for_byte_what_pandas_writes(tmp_path, columns):
    cells = csv_cells(hostile_frame() if columns is None else hostile_frame()[columns])
    expected = cells.to_csv(index=False, lineterminator="\n").encode("utf-8")
    assert write_csv_cells(cells, tmp_path / "out.csv").read_bytes() == expected


@pytest.mark.parametrize("kept", ["no quote or line end", "a carriage return too"])
def test_csv_of_cells_that_need_no_quotes_is_byte_for_byte_what_pandas_writes(tmp_path, kept):
    """Cells without a ``,``, ``"`` or line end take another way to the file (Arrow's writer)."""
    structure = ',"\n' if kept == "a carriage return too" else ',"\n\r'

    def plain(text) -> bool:
        return not isinstance(text, str) or not any(c in text for c in structure)

    frame = hostile_frame()
    frame = frame[(frame["name"].map(plain) & frame["memo"].map(plain)).astype(bool)].reset_index(drop=True)
    frame.loc[0, "memo"] = ""  # an empty text, apart from a missing one
    cells = csv_cells(frame)
    assert len(cells) >= 10 and cells["name"].isna().any()
    expected = cells.to_csv(index=False, lineterminator="\n").encode("utf-8")
    assert write_csv_cells(cells, tmp_path / "out.csv").read_bytes() == expected


def test_csv_of_no_rows_is_the_header(tmp_path):
    cells = csv_cells(hostile_frame().iloc[:0])
    header = b"name,memo,amount,fees,n_clients,share,is_fraud\n"
    assert write_csv_cells(cells, tmp_path / "out.csv").read_bytes() == header


def xlsxwriter_workbook(path: Path, sheets: list[Sheet]) -> None:
    """The per-cell writer the columnar one replaced (queries/referrals.py until now)."""
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as workbook:
        header = workbook.add_format({"bold": True, "bg_color": "#dde7f0", "bottom": 1})
        money = workbook.add_format({"num_format": "#,##0.00"})
        for sheet_spec in sheets:
            frame = sheet_spec.cells
            sheet = workbook.add_worksheet(sheet_spec.name)
            sheet.write_row(0, 0, list(frame.columns), header)
            for col, column in enumerate(frame.columns):
                values = frame[column]
                for row in np.flatnonzero(values.notna().to_numpy()).tolist():
                    value = values.iloc[row]
                    if column in sheet_spec.numbers:
                        sheet.write_number(row + 1, col, value, money if column in sheet_spec.money else None)
                    elif pd.api.types.is_bool_dtype(values.dtype):
                        sheet.write_boolean(row + 1, col, bool(value))
                    else:
                        sheet.write_string(row + 1, col, str(value))
                sheet.set_column(col, col, sheet_spec.widths[col])
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)


def test_xlsx_holds_what_xlsxwriter_wrote(tmp_path):
    frame = hostile_frame()
    frame["amount"] = frame["amount"] / 100
    sheets = [Sheet("cells", frame, widths=[10, 20, 13, 60, 4, 7, 9],
                    numbers=frozenset({"amount", "fees", "n_clients"}),
                    money=frozenset({"amount"})),
              Sheet("empty", frame.iloc[:0], widths=[5] * 7),
              Sheet("one column", frame[["memo"]].iloc[3:5], widths=[30])]
    write_xlsx(tmp_path / "columnar.xlsx", sheets)
    xlsxwriter_workbook(tmp_path / "xlsxwriter.xlsx", sheets)
    # The one deliberate difference: XlsxWriter copies "<r>…</r>" into the file as rich-text
    # XML (read back as "x"); the columnar writer keeps it as the text it is.
    differences = compare_xlsx(tmp_path / "xlsxwriter.xlsx", tmp_path / "columnar.xlsx")
    assert [d for d in differences if "('x', 's', 'General') != ('<r><t>x</t></r>'" not in d] == []


def test_xlsx_text_that_looks_like_rich_text_stays_text(tmp_path):
    import openpyxl

    write_xlsx(tmp_path / "out.xlsx", [Sheet("s", pd.DataFrame({"name": ["<r><t>x</t></r>", "a</t></si>"]}),
                                             widths=[10])])
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)["s"]
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["name", "<r><t>x</t></r>", "a</t></si>"]


def test_html_money_and_escaping_as_per_value():
    fen = pd.Series([0, 5, -5, 100, -100, 123456, 10 ** 8, -123456789012, 10 ** 17 - 1, None, 1000, 999],
                    dtype="Int64")
    assert _money_texts(fen).to_pylist() == [None if pd.isna(v) else _money(v) for v in fen]
    texts = pd.Series(HOSTILE + ["it's & <that>"], dtype=object)
    assert _html_escaped(texts).to_pylist() == [html.escape("" if v is None else v) for v in texts]
