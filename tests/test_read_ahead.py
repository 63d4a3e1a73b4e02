"""Files read ahead (casegraph.loaders.csvcells.ReadAhead, started by `validate` and `analyze`
before pandas is imported) give the case and the problems that reading them in place gives;
and the read-ahead module imports no pandas, or it could not overlap pandas' import."""

from __future__ import annotations

import subprocess
import sys

import pytest
from casebuilder import minimal_case, write_case
from test_columnar_read import assert_same_tables, messy_case

from casegraph.generator import generate_case
from casegraph.loaders.case import read_case
from casegraph.loaders.csvcells import ReadAhead
from casegraph.loaders.tables import TABLES

PINNED_GBK = "encodings:\n  persons.csv: gbk\n"


@pytest.fixture
def taken(monkeypatch) -> list[str]:
    """The files the reading took from the read-ahead (so a test knows it was used)."""
    files: list[str] = []
    take = ReadAhead.take

    def recording(self, path):
        early = take(self, path)
        if early is not None:
            files.append(path.name)
        return early

    monkeypatch.setattr(ReadAhead, "take", recording)
    return files


def read_ahead_of_everything(folder):
    """A read-ahead that read every file of the case before the reading proper starts."""
    ahead = ReadAhead(folder)
    ahead._thread.join()
    return ahead


def broken_case(folder):
    """Bad cells, a ragged row, an unclosed quote and a GBK file, pinned and not: every path of
    the reader (columnar, exact, decoded) with problems to place."""
    rows = minimal_case()
    rows["ledger"][0]["amount"] = "12.345"
    rows["clients"][0]["registered_on"] = "2019-13-01"
    rows["accounts"][0]["holder_person_id"] = "PER404"
    write_case(folder, rows)
    with open(folder / "trades.csv", "a", encoding="utf-8") as handle:
        handle.write('T9,"2019-04-05T10:00:00\n')
    with open(folder / "agents.csv", "a", encoding="utf-8") as handle:
        handle.write("A9,P1\n")
    persons = (folder / "persons.csv").read_text(encoding="utf-8").replace("PER1,", "PER1,鲁平", 1)
    (folder / "persons.csv").write_bytes(persons.encode("gbk"))
    return folder


@pytest.mark.parametrize("make", ["messy", "generated", "broken", "broken_pinned"])
def test_read_ahead_reads_as_the_reader_does(tmp_path, make, taken):
    folder = tmp_path / "case"
    if make == "messy":
        messy_case(folder)
    elif make == "generated":
        generate_case(folder, "tiny", seed=3)
    else:
        broken_case(folder)
        if make == "broken_pinned":
            with open(folder / "case.yaml", "a", encoding="utf-8") as handle:
                handle.write(PINNED_GBK)
    in_place, in_place_problems = read_case(folder)
    assert taken == []
    ahead, ahead_problems = read_case(folder, ahead=read_ahead_of_everything(folder))
    assert [str(p) for p in ahead_problems] == [str(p) for p in in_place_problems]
    if make in ("messy", "generated"):
        assert not ahead_problems
        assert_same_tables(ahead.tables, in_place.tables)
        assert ahead.encodings == in_place.encodings
        assert len(taken) == sum((folder / table.file).is_file() for table in TABLES)
    else:
        assert ahead_problems and "persons.csv" not in taken and "trades.csv" in taken


def test_read_ahead_stops_at_the_first_file_taken(tmp_path):
    folder = tmp_path / "case"
    generate_case(folder, "tiny", seed=3)
    files = [folder / table.file for table in TABLES if (folder / table.file).is_file()]
    largest = max(files, key=lambda path: path.stat().st_size)
    ahead = ReadAhead(folder)
    assert ahead.take(largest) is not None  # claimed when the read-ahead starts: always read here
    ahead._thread.join()
    # at most the file in hand when it was asked: the rest is the reading proper's, in its order
    assert sum(ahead.take(path) is not None for path in files if path != largest) <= 1


def test_read_ahead_imports_no_pandas():
    code = ("import sys, casegraph.loaders.csvcells; "
            "print(sorted(m for m in ('pandas', 'networkx', 'duckdb') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
