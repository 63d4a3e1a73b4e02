"""Compare two output folders of ``casegraph analyze`` (or ``casegraph referrals``): every
file but the spreadsheets byte for byte, and every XLSX cell by cell — value, data type,
number format and the header's style — with each sheet's column widths, frozen panes and
filter range. Exits 1 and lists the differences when the folders differ.

    .venv/bin/python bench/compare_outputs.py /tmp/writers-before/seed7 /tmp/writers-after/seed7

What a writer may change freely is not compared: how the XLSX stores its strings (shared or
inline), the order of attributes in its XML, the zip's compression.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from itertools import zip_longest
from pathlib import Path

import openpyxl

# How many differences to list per file before giving up on it.
SHOWN = 10


def sheet_layout(path: Path) -> dict[str, dict]:
    """Per sheet name: column widths, frozen panes and the filter range, from the XML."""
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
        relations = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        targets = dict(re.findall(r'<Relationship[^>]*?Id="(rId\d+)"[^>]*?Target="([^"]+)"', relations)
                       + [(i, t) for t, i in re.findall(r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="(rId\d+)"',
                                                        relations)])
        layout = {}
        for name, rid in re.findall(r'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="(rId\d+)"', workbook):
            xml = archive.read("xl/" + targets[rid].removeprefix("/xl/")).decode("utf-8")
            columns = [(int(a), int(b), float(w)) for a, b, w in re.findall(
                r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"', xml)]
            widths = {column: width for first, last, width in columns for column in range(first, last + 1)}
            pane = re.search(r"<pane [^>]*/>", xml)
            frozen = dict(re.findall(r'(xSplit|ySplit|topLeftCell|state)="([^"]*)"', pane.group(0))) if pane else {}
            autofilter = re.search(r'<autoFilter ref="([^"]*)"', xml)
            layout[name] = {"widths": widths, "frozen": frozen, "autofilter": autofilter and autofilter.group(1)}
    return layout


def _short(facts) -> str:
    """A cell's facts for a message: long text cut."""
    text = repr(facts)
    return text if len(text) <= 120 else text[:100] + f"... ({len(text)} characters)"


def header_style(cell) -> tuple:
    return (cell.font.b, cell.fill.fgColor.rgb, cell.border.bottom.style)


def compare_xlsx(before: Path, after: Path) -> list[str]:
    """The differences between two workbooks, at most :data:`SHOWN` a sheet."""
    problems = []
    layout_before, layout_after = sheet_layout(before), sheet_layout(after)
    if list(layout_before) != list(layout_after):
        return [f"sheets {list(layout_before)} != {list(layout_after)}"]
    for name in layout_before:
        for key in ("widths", "frozen", "autofilter"):
            if layout_before[name][key] != layout_after[name][key]:
                problems.append(f"[{name}] {key}: {layout_before[name][key]} != {layout_after[name][key]}")
    books = [openpyxl.load_workbook(path, read_only=True) for path in (before, after)]
    for name in layout_before:
        shown = 0
        rows = zip_longest(*(book[name].iter_rows() for book in books), fillvalue=())
        for number, (row_before, row_after) in enumerate(rows, start=1):
            cells = zip_longest(row_before, row_after, fillvalue=None)
            for column, (one, other) in enumerate(cells, start=1):
                facts = [None if c is None or c.value is None else (c.value, c.data_type, c.number_format)
                         for c in (one, other)]
                if number == 1 and one is not None and other is not None and header_style(one) != header_style(other):
                    facts = [f + header_style(c) for f, c in zip(facts, (one, other))]
                if facts[0] != facts[1]:
                    problems.append(f"[{name}] row {number} column {column}: {_short(facts[0])} != {_short(facts[1])}")
                    shown += 1
            if shown >= SHOWN:
                problems.append(f"[{name}] ... (more not shown)")
                break
    for book in books:
        book.close()
    return problems


def compare_folders(before: Path, after: Path) -> list[str]:
    """Every difference between the folders, as lines of text (none: the same outputs)."""
    names_before = {p.relative_to(before) for p in before.rglob("*") if p.is_file()}
    names_after = {p.relative_to(after) for p in after.rglob("*") if p.is_file()}
    problems = [f"only in {before}: {n}" for n in sorted(names_before - names_after)]
    problems += [f"only in {after}: {n}" for n in sorted(names_after - names_before)]
    for name in sorted(names_before & names_after):
        if name.suffix == ".xlsx":
            problems += [f"{name}: {p}" for p in compare_xlsx(before / name, after / name)]
        elif (before / name).read_bytes() != (after / name).read_bytes():
            problems.append(f"{name}: the bytes differ")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    problems = compare_folders(args.before, args.after)
    print("\n".join(problems) if problems else f"the same: {args.before} and {args.after}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
