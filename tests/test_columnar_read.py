"""The columnar (pyarrow) reading of a case gives exactly what the exact csv-module reading gives:
the same tables, the same problems at the same physical lines; it declines text it cannot read
the same way, and the exact reader then places every problem."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from casebuilder import minimal_case, write_case

from casegraph.generator import generate_case
from casegraph.loaders import read, validate
from casegraph.loaders.case import read_case
from casegraph.loaders.columnar import arrow_text, read_well_formed, replaced, text_series, trimmed_or_missing
from casegraph.money import fen_series, parse_fen, rate_series


@pytest.fixture
def columnar_reads(monkeypatch) -> list[int]:
    """Counts the files the columnar reader read (so a test knows it took the fast path)."""
    read_files: list[int] = []

    def counting(utf8):
        result = read_well_formed(utf8)
        if result is not None:
            read_files.append(len(result[1]))
        return result

    monkeypatch.setattr(read, "read_well_formed", counting)
    return read_files


def assert_same_tables(fast: dict[str, pd.DataFrame], exact: dict[str, pd.DataFrame]) -> None:
    assert fast.keys() == exact.keys()
    for name in exact:
        assert list(fast[name].columns) == list(exact[name].columns), name
        assert fast[name].dtypes.equals(exact[name].dtypes), name
        assert fast[name].equals(exact[name]), name


def messy_case(folder: Path) -> Path:
    """The minimal case with quoting, padding and Unicode the columnar reader must read alike."""
    rows = minimal_case()
    rows["persons"][0]["name"] = ' 王某, "老王" '  # written quoted, quotes doubled, padded
    rows["persons"][1]["name"] = "\u3000李某\u3000"  # ideographic spaces: trimmed
    rows["persons"][2]["province"] = "  "  # only spaces: missing
    rows["accounts"][0]["institution"] = "某银行,上海分行"
    rows["ledger"][0]["amount"] = " 300,000.00 "
    rows["ledger"][4]["amount"] = "+1.5"
    rows["trades"][0]["qty"] = "1.0000000000000002"
    rows["broker_fills"][0]["ts"] = "2019-04-05 10:00:01.123456789"
    rows["logins"][0]["ts"] = "2019-04-05T09:00+08:00"
    write_case(folder, rows)
    ledger = folder / "ledger.csv"
    ledger.write_bytes(ledger.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    return folder


def test_messy_case_reads_alike_by_both_readers(tmp_path, monkeypatch, columnar_reads):
    folder = messy_case(tmp_path / "case")
    fast, problems = read_case(folder)
    assert problems == []
    assert len(columnar_reads) == 15  # every file took the columnar path
    monkeypatch.setattr(read, "read_well_formed", lambda utf8: None)  # the exact reader only
    exact, problems = read_case(folder)
    assert problems == []
    assert_same_tables(fast.tables, exact.tables)
    assert fast["persons"]["name"].tolist()[:2] == ['王某, "老王"', "李某"]
    assert fast["ledger"]["amount"].tolist()[0] == 30_000_000


def test_generated_case_reads_alike_by_both_readers(tmp_path, monkeypatch, columnar_reads):
    generate_case(tmp_path / "tiny", "tiny", seed=5)
    fast, problems = read_case(tmp_path / "tiny")
    assert problems == [] and len(columnar_reads) >= 12
    monkeypatch.setattr(read, "read_well_formed", lambda utf8: None)
    exact, _ = read_case(tmp_path / "tiny")
    assert_same_tables(fast.tables, exact.tables)


def test_bad_cell_after_quoted_line_breaks_is_at_its_physical_line(tmp_path, columnar_reads):
    rows = minimal_case()
    rows["persons"][0]["name"] = "王某\n(别名:\n老王)"  # lines 2-4 of persons.csv
    rows["persons"][3]["name"] = ""  # row 4, line 7
    rows["clients"][0]["registered_on"] = "2019-13-01"  # clients.csv is one line per row
    folder = write_case(tmp_path / "case", rows)
    _, problems = read_case(folder)
    assert [str(p) for p in problems] == [
        "clients.csv:2:5: bad date '2019-13-01': expected YYYY-MM-DD",
        "persons.csv:7:2: missing required value for 'name'",
    ]
    assert len(columnar_reads) == 14  # all but persons.csv


@pytest.mark.parametrize("text", [
    'a,b\n"x\ny",1\n',  # a quoted line break
    "a,b\n1,2\n\n3,4\n",  # a blank line
    "a,b\n1,2\r3,4\n",  # a lone carriage return ends a line for the csv module
    "a,b\n1,2,3\n",  # a ragged row
    "a,b\n1\n",  # a short row (padded, or a problem, by the exact reader)
    'a,b\n"x"y,1\n',  # text after a closing quote: pyarrow would read "xy"
    'a,b\n"x,1\n',  # a quote never closed
    ",\n1,2\n",  # no header on the first line
    'a,"b\n1,2\n',  # a broken header
])
def test_columnar_reader_declines_what_it_would_read_differently(text):
    assert read_well_formed(text.encode("utf-8")) is None


@pytest.mark.parametrize("text", [
    "a,b\n1,2\n3,4",  # no final line break
    'a, b \r\n"1,5",""\r\n"x""y", z \r\n',  # CRLF, quoted commas and quotes, padded header
    "编号,名称\nP1,环球\n",
])
def test_columnar_reader_gives_the_exact_readers_frame(text):
    fast = read_well_formed(text.encode("utf-8"))
    assert fast is not None
    exact = read._split_csv(text, "t.csv", [])
    assert fast[0] == exact[0]
    pd.testing.assert_frame_equal(fast[1], exact[1])


def test_trimming_as_pandas_strip():
    cells = pd.Series([" a", "b ", "\tc\n", "\u3000d", "e\u00a0", "", "   ", None, "f g"], dtype="string")
    expected = cells.str.strip()
    expected = expected.mask(expected == "")
    pd.testing.assert_series_equal(trimmed_or_missing(cells), expected)
    plain = pd.Series(["ab", "c-d", "", None], dtype="string")  # nothing to trim: the check skips it
    assert trimmed_or_missing(plain).tolist() == ["ab", "c-d", pd.NA, pd.NA]


def test_trimming_as_pandas_strip_in_chunks_and_slices():
    generator = random.Random(3)
    pieces = ["a", "b", " ", "\t", "\u3000", "", "x y", "中"]
    for _ in range(500):
        cells = [None if generator.random() < 0.1 else "".join(generator.choices(pieces, k=generator.randrange(4)))
                 for _ in range(generator.randrange(1, 30))]
        column = pa.chunked_array([pa.array(cells[:5], pa.large_string()), pa.array(cells[5:], pa.large_string())])
        text = text_series(column.slice(generator.randrange(len(cells))))
        expected = text.str.strip()
        assert trimmed_or_missing(text).tolist() == expected.mask(expected == "").tolist()


def test_money_and_rates_as_decimal_text_says():
    generator = random.Random(11)
    texts = []
    for _ in range(2000):
        whole = str(generator.randrange(10 ** generator.randrange(1, 14)))
        decimals = "".join(generator.choice("0123456789") for _ in range(generator.randrange(3)))
        texts.append(generator.choice(["", "-", "+"]) + whole + (f".{decimals}" if decimals else ""))
    parsed = fen_series(pd.Series(texts + [None], dtype="string"))
    assert parsed.dtype == "Int64"
    assert parsed.tolist() == [parse_fen(t) for t in texts] + [pd.NA]
    rates = [f"{generator.randrange(10 ** 6)}.{generator.randrange(10 ** 6):06d}".rstrip("0").rstrip(".")
             for _ in range(500)]
    assert rate_series(pd.Series(rates, dtype="string")).tolist() == [int(Decimal(r) * 1_000_000) for r in rates]


def test_timestamps_alike_whether_arrow_reads_the_column_or_not():
    good = ["2021-03-04T09:15:00", "2021-03-04 09:15", "2021-03-04T09:15:00.5", "1986-05-04T03:30:00"]
    arrow_read, _ = read.parse_timestamps(pd.Series(good, dtype="string"), "Asia/Shanghai")
    # One well-shaped cell that is no date sends the whole column to pandas, cell by cell.
    pandas_read, _ = read.parse_timestamps(pd.Series(good + ["2021-02-30T10:00:00"], dtype="string"),
                                           "Asia/Shanghai")
    assert arrow_read.dtype == pandas_read.dtype == "datetime64[ns, UTC]"
    assert arrow_read.tolist() == pandas_read.tolist()[:4] and pd.isna(pandas_read[4])
    assert str(arrow_read[3]) == "1986-05-03 18:30:00+00:00"


def mutated(text: str, alphabet: str, generator: random.Random) -> str:
    """``text`` with up to three characters replaced, inserted (from ``alphabet``) or deleted."""
    cells = list(text)
    for _ in range(generator.randrange(4)):
        at = generator.randrange(len(cells) + 1)
        new = generator.choice(alphabet)
        if generator.random() < 0.5 and at < len(cells):
            cells[at] = new
        elif generator.random() < 0.5:
            cells.insert(at, new)
        elif at < len(cells):
            del cells[at]
    return "".join(cells)


def test_a_column_read_by_one_cast_holds_only_what_the_timestamp_pattern_takes():
    shapes = ["2021-03-04T09:15:00", "2021-03-04 09:15", "2021-03-04T09:15:00.123456789", "2021-03-04T09:15:00.5"]
    assert read._plain_local_times(pd.Series(shapes + [None], dtype="string")) is not None
    generator = random.Random(5)
    others = ["2021-03-04T09:15:00+08:00", "2021-03-04T09:15Z", "2021-03-04T0915", "2021-03-04T091500",
              "2021-03-04", "2021-03-04T09", "2199-12-31T23:59:59"]
    taken = 0
    for _ in range(3000):
        text = mutated(generator.choice(shapes + others), "0123456789-:T .Z+\u0660", generator)
        plain = read._plain_local_times(pd.Series([text], dtype="string"))
        if plain is None:
            continue
        taken += 1
        assert re.fullmatch(read.TS_PATTERN, text) and not read._has_offset(pd.Series([text], dtype="string"))[0]
        assert read.EARLIEST <= text < read.AFTER_LATEST and plain[0] == pd.Timestamp(text)
    assert taken > 300  # many mutations leave a well-formed time


def test_times_in_a_dst_change_found_when_one_cast_reads_the_column():
    times = pd.Series(["1986-05-04T02:30:00", "1986-09-14T01:30:00", "2021-03-04T09:15:00"], dtype="string")
    assert read._plain_local_times(times) is not None
    values, trouble = read.parse_timestamps(times, "Asia/Shanghai")
    assert trouble.tolist() == ["gap", "ambiguous", pd.NA]
    assert values[:2].isna().all() and str(values[2]) == "2021-03-04 01:15:00+00:00"


def test_a_column_of_numbers_read_by_one_cast_holds_only_what_the_number_pattern_takes():
    assert read._plain_numbers(pd.Series(["1", "-2.5", ".5", "3.", "+4e-2", None], dtype="string")) is not None
    generator = random.Random(8)
    shapes = ["12", "-3.25", ".5", "7.", "1e5", "+2.5E-3", "nan", "inf", "-Infinity", "1e400", "0x1p3"]
    taken = 0
    for _ in range(3000):
        text = mutated(generator.choice(shapes), "0123456789+-.eEinfaxp _\u0661", generator)
        plain = read._plain_numbers(pd.Series([text], dtype="string"))
        if plain is not None:
            taken += 1
            assert re.fullmatch(read.NUMBER_PATTERN, text) and plain[0] == float(text)
    assert taken > 300  # many mutations leave a number


def test_offsets_found_as_the_timestamp_pattern_places_them():
    offset_at_end = re.compile(r".*(?:Z|[+-][0-9]{2}:?[0-9]{2})")
    times = [f"{date}{sep}{time}{offset}" for date in ("2021-03-04", "1999-12-31") for sep in "T "
             for time in ("09:15", "09:15:00", "09:15:00.123") for offset in ("", "Z", "+08:00", "-0800", "+0530")]
    assert all(re.fullmatch(read.TS_PATTERN, t) for t in times)
    found = read._has_offset(pd.Series(times + [None], dtype="string")).tolist()
    assert found == [bool(offset_at_end.fullmatch(t)) for t in times] + [False]
    assert sum(found) == len(times) * 4 // 5


def _random_ids(generator: random.Random, count: int, *, ordered: bool) -> pd.Series:
    ids = [None if generator.random() < 0.1 else f"C{generator.randrange(count)}" for _ in range(count)]
    if ordered:
        ids = sorted(i for i in ids if i is not None) + [None] * ids.count(None)
    return pd.Series(ids, dtype="string")


def test_arrow_lookups_agree_with_pandas():
    generator = random.Random(5)
    for round_ in range(20):
        keys = _random_ids(generator, 50, ordered=round_ % 2 == 0)  # duplicates and missing keys
        found = pd.Series([f"P{generator.randrange(5)}" for _ in keys], dtype="string")
        values = _random_ids(generator, 80, ordered=False)
        first = found[keys.notna()].groupby(keys[keys.notna()]).first()
        assert validate.lookup(values, keys, found).tolist() == values.map(first).tolist()
        distinct = keys.dropna()
        assert read._all_distinct(arrow_text(keys)) == distinct.is_unique
        mapping = {f"C{generator.randrange(50)}": f"X{i}" for i in range(5)}
        assert replaced(values, mapping).tolist() == values.replace(mapping).tolist()


def test_a_clients_agent_on_another_platform_is_named_with_that_platform(tmp_path):
    rows = minimal_case()
    rows["platforms"].append({"platform_id": "P2", "vendor_id": "V1"})
    rows["agents"].append({"agent_id": "A3", "platform_id": "P2"})
    rows["clients"][0]["agent_id"] = "A3"
    _, problems = read_case(write_case(tmp_path / "case", rows))
    assert [str(p) for p in problems] == [
        "clients.csv:2:3: agent_id 'A3' is on platform 'P2', not on this row's platform"]
