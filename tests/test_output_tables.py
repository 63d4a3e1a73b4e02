"""The output files are what queries/output_tables.py declares: every column in order, money
as yuan with two decimals, counts as whole numbers; a table that strays is refused."""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest

from casegraph.cli import main
from casegraph.generator import generate_case
from casegraph.outputs import COUNT_COLUMNS
from casegraph.queries.output_tables import OUTPUT_TABLES, conform

YUAN = re.compile(r"-?[0-9]+\.[0-9]{2}")
WHOLE = re.compile(r"-?[0-9]+")


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("declared")
    generate_case(folder / "case", scale="tiny", seed=4)
    with pytest.raises(SystemExit) as done:
        main(["-q", "analyze", str(folder / "case"), "--out", str(folder / "out")])
    assert done.value.code == 0
    return folder / "out"


def rows(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("name", sorted(OUTPUT_TABLES))
def test_each_file_is_as_declared(out, name):
    table = OUTPUT_TABLES[name]
    with open(out / f"{name}.csv", encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == table.columns
    written = rows(out / f"{name}.csv")
    for column in table.of_kind("money"):
        cells = [row[column] for row in written if row[column]]
        assert all(YUAN.fullmatch(cell) for cell in cells), (column, cells[:3])
    for column in table.of_kind("count"):
        cells = [row[column] for row in written if row[column]]
        assert all(WHOLE.fullmatch(cell) for cell in cells), (column, cells[:3])
    for column in table.of_kind("bool"):
        assert {row[column] for row in written} <= {"true", "false"}, column


def test_the_tiny_case_shows_every_kind(out):
    """Not a vacuous pass: the files above hold money, counts and booleans to check."""
    assert any(rows(out / "totals.csv")) and any(rows(out / "gangs.csv"))
    assert any(row["deposits"] for row in rows(out / "gangs.csv"))


def test_the_writer_takes_declared_counts_for_counts():
    """casegraph.outputs writes an integer column as money unless it is a count: every
    declared count must be one it knows, or it would be written as yuan."""
    counts = {column for table in OUTPUT_TABLES.values() for column in table.of_kind("count")}
    assert counts <= COUNT_COLUMNS


def test_a_table_that_strays_from_its_declaration_is_refused():
    fake = pd.DataFrame({column: [] for column in OUTPUT_TABLES["fake_trades"].columns})
    assert list(conform("fake_trades", fake[list(reversed(fake.columns))]).columns) == list(fake.columns)
    with pytest.raises(ValueError, match="undeclared \\['extra'\\]"):
        conform("fake_trades", fake.assign(extra=1))
    with pytest.raises(ValueError, match="missing \\['reason'\\]"):
        conform("fake_trades", fake.drop(columns="reason"))
