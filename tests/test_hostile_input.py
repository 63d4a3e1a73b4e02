"""Hostile and messy input: nothing overwritten, nothing silently changed, never a traceback.

Each test is one class of bad input, built from the hand-written minimal case (or a generated
tiny one) with one change; the reader must report it as ``file:line:column: message`` or read
it correctly.
"""

from __future__ import annotations

import random
import shutil
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import accumulate
from pathlib import Path

import numpy as np
import pytest
from casebuilder import CASE_YAML, minimal_case, write_case

from casegraph.cli import main
from casegraph.loaders.case import load_case, read_case
from casegraph.loaders.fx import ledger_in_cny
from casegraph.money import MAX_FEN, MAX_TOTAL_FEN, MoneyError, convert_fen, format_fen
from casegraph.queries.memory.engine import analyze_case
from casegraph.thresholds import ThresholdError, ThresholdRules


def problems_in(folder: Path) -> list[str]:
    case, problems = read_case(folder)
    assert (case is None) == bool(problems)
    return [str(p) for p in problems]


def problems_of(tmp_path: Path, rows, **kwargs) -> list[str]:
    return problems_in(write_case(tmp_path / "case", rows, **kwargs))


def append(path: Path, text: str, encoding: str = "utf-8") -> None:
    with open(path, "a", encoding=encoding, newline="") as handle:
        handle.write(text)


@pytest.fixture(scope="module")
def tiny_case(generated_case) -> Path:
    return generated_case("tiny", 3).folder


@pytest.fixture
def tiny(tiny_case, tmp_path) -> Path:
    """A fresh copy of the generated tiny case, to break."""
    return Path(shutil.copytree(tiny_case, tmp_path / "tiny"))


# --- 3. Money that silently changes -------------------------------------------------------------

def test_amounts_past_the_bound_are_problems_not_wrapped(tmp_path):
    rows = minimal_case()
    rows["ledger"][0]["amount"] = "184467440737095516.17"  # 2**64 fen + 17: read as 0.01 once
    rows["ledger"][1]["amount"] = "100000000000000000"  # 1e17: "negative" once
    rows["ledger"][2]["amount"] = "9,999,999,999,999.99"  # the largest amount: fine
    assert problems_of(tmp_path, rows) == [
        f"ledger.csv:2:7: amount '184467440737095516.17' has more than 13 digits before the decimal point: "
        f"casegraph holds amounts up to {format_fen(MAX_FEN)} exactly",
        f"ledger.csv:3:7: amount '100000000000000000' has more than 13 digits before the decimal point: "
        f"casegraph holds amounts up to {format_fen(MAX_FEN)} exactly",
    ]


def test_largest_amount_is_held_exactly(tmp_path):
    rows = minimal_case()
    rows["ledger"][2]["amount"] = "9,999,999,999,999.99"
    ledger = load_case(write_case(tmp_path / "case", rows))["ledger"]
    assert ledger["amount"].tolist()[2] == MAX_FEN == 999_999_999_999_999


def test_no_lost_fen_in_large_foreign_amounts(tmp_path):
    """20,000,000,000.00 USD once became -46,945,440,737.10 CNY: int64 overflow in fen × rate."""
    rows = minimal_case()
    rows["ledger"][7].update(amount="20,000,000,000.00", currency="USD")
    rows["ledger"][8].update(amount="9999999999.99", currency="USD")
    rows["fx_rates"][0]["cny_per_unit"] = "7.123457"
    ledger = ledger_in_cny(load_case(write_case(tmp_path / "case", rows)))
    expected = [int((Decimal(fen) * Decimal("7.123457")).quantize(Decimal(1), ROUND_HALF_UP))
                for fen in (2_000_000_000_000, 999_999_999_999)]
    assert ledger["amount_cny"].tolist()[7:9] == expected


def test_convert_fen_is_exact_across_the_bounds():
    generator = random.Random(3)  # magnitudes spread evenly over every number of digits
    fen = [generator.choice([1, -1]) * int(10 ** generator.uniform(0, 15)) for _ in range(20_000)]
    rate = [int(10 ** generator.uniform(0, 12)) for _ in range(20_000)]
    fen[:4], rate[:4] = [MAX_FEN, -MAX_FEN, 5, -5], [1_000_000, 1_000_000, 100_000, 100_000]  # edges, halves
    with localcontext(prec=60):
        exact = [int((Decimal(f) * r / 10 ** 6).quantize(Decimal(1), ROUND_HALF_UP)) for f, r in zip(fen, rate)]
    fits = np.array([abs(e) <= MAX_FEN for e in exact])
    converted = convert_fen(np.array(fen)[fits], np.array(rate)[fits])
    assert converted.tolist() == [e for e, ok in zip(exact, fits) if ok]
    assert fits.sum() > 1000 and (~fits).sum() > 1000  # both sides of the bound were tried
    with pytest.raises(MoneyError):
        convert_fen(np.array(fen)[~fits][:1], np.array(rate)[~fits][:1])


def test_conversion_past_the_bound_is_a_problem(tmp_path):
    rows = minimal_case()
    rows["ledger"][7].update(amount="9999999999999.99", currency="USD")
    assert problems_of(tmp_path, rows) == [
        f"ledger.csv:9:7: amount '9999999999999.99' USD is more than {format_fen(MAX_FEN)} CNY at the rate of its "
        f"date: beyond what casegraph holds exactly"]


def test_table_total_past_the_bound_is_a_problem(tmp_path):
    rows = minimal_case()
    for i in range(1001):
        rows["bank_transfers"].append({"txn_id": f"BIG{i}", "ts": "2019-05-01T10:00:00", "from_account": "BK3",
                                       "to_account": "BG1", "amount": format_fen(MAX_FEN)})
    running_totals = accumulate(int(Decimal(row["amount"]) * 100) for row in rows["bank_transfers"])
    line = next(line for line, total in enumerate(running_totals, start=2) if total > MAX_TOTAL_FEN)
    assert problems_of(tmp_path, rows) == [
        f"bank_transfers.csv:{line}:5: the amounts of bank_transfers.csv up to this one add up to more than "
        f"{format_fen(MAX_TOTAL_FEN)} CNY: beyond what casegraph sums exactly"]


def test_huge_and_unusual_rates(tmp_path):
    rows = minimal_case()
    rows["fx_rates"].append({"date": "2019-01-03", "currency": "USD", "cny_per_unit": "99999999999999999999.5"})
    rows["fx_rates"].append({"date": "2019-01-04", "currency": "USD", "cny_per_unit": "0.000001"})
    rows["agents"][0]["rebate_rate"] = "10000000"
    assert problems_of(tmp_path, rows) == [
        "agents.csv:2:5: rate '10000000' is too large: at most 6 digits before the decimal point",
        "fx_rates.csv:3:3: rate '99999999999999999999.5' is too large: at most 6 digits before the decimal point",
    ]


# --- 4. Rows silently swallowed -----------------------------------------------------------------

def test_unclosed_quote_near_the_end_is_reported_where_it_opens(tiny):
    ledger = tiny / "ledger.csv"
    lines = ledger.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = len(lines) - 3
    cells = lines[broken - 1].split(",")
    cells[5] = '"' + cells[5]  # the kind cell opens a quote that never closes
    lines[broken - 1] = ",".join(cells)
    ledger.write_text("".join(lines), encoding="utf-8")
    assert problems_in(tiny) == [
        f"ledger.csv:{broken}:6: unclosed quote: the quoted cell opened here never closes (it would swallow the "
        f"rest of the file, to line {len(lines)})"]


def test_unclosed_quote_in_a_referenced_file_names_its_line(tiny):
    """The rows after the broken line are still read: references to them resolve."""
    clients = tiny / "clients.csv"
    lines = clients.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(",", ',"', 1)  # line 4, cell 2: platform_id
    clients.write_text("".join(lines), encoding="utf-8")
    broken_id = lines[3].split(",")[0]
    messages = problems_in(tiny)
    assert [m for m in messages if m.startswith("clients.csv")] == [
        f"clients.csv:4:2: unclosed quote: the quoted cell opened here never closes (it would swallow the rest of "
        f"the file, to line {len(lines)})"]
    # Everything else names the one client on the broken line, never one read after it.
    assert all(f"'{broken_id}'" in m for m in messages if not m.startswith("clients.csv"))


def test_large_unclosed_remainder_is_no_traceback(tmp_path, capsys):
    folder = write_case(tmp_path / "case", minimal_case())
    remainder = "".join(f"PER{i},某{i},,,上海市,\n" for i in range(10, 20000))  # past csv's field limit
    append(folder / "persons.csv", 'PER9,"王某,上海市\n' + remainder)
    with pytest.raises(SystemExit) as failed:
        main(["validate", str(folder)])
    assert failed.value.code == 1
    err = capsys.readouterr().err
    assert "persons.csv:7:2: unclosed quote" in err and "Traceback" not in err
    assert "1 problem(s) found" in err


def test_quoted_cells_over_several_lines_keep_line_numbers(tmp_path):
    rows = minimal_case()
    rows["persons"][0]["name"] = "王某\n(别名: 老王)"  # lines 2-3 of persons.csv
    rows["persons"][2]["name"] = ""  # line 5
    rows["ledger"][1]["amount"] = "12.345"  # line 3 of a ledger with CRLF line ends
    folder = write_case(tmp_path / "case", rows)
    ledger = (folder / "ledger.csv").read_bytes().replace(b"\r\n", b"\n")
    (folder / "ledger.csv").write_bytes(ledger.replace(b"\n", b"\r\n"))
    assert problems_in(folder) == [
        "ledger.csv:3:7: bad money '12.345': expected decimal text with at most 2 decimals",
        "persons.csv:5:2: missing required value for 'name'",
    ]
    rows["persons"][2]["name"] = rows["ledger"][1]["amount"] = "1"
    names = load_case(write_case(tmp_path / "good", rows))["persons"]["name"]
    assert names.tolist()[0] == "王某\n(别名: 老王)"


def test_text_after_a_closing_quote(tmp_path):
    rows = minimal_case()
    rows["clients"][0]["person_id"] = "PER10"  # named on the line after the broken one
    folder = write_case(tmp_path / "case", rows)
    append(folder / "persons.csv", 'PER9,"王"某,,,,\nPER10,李某,,,,\n')
    assert problems_in(folder) == [
        "persons.csv:7:2: text after a quoted cell's closing quote: a quote inside a cell must be doubled (\"\") "
        "and the whole cell quoted"]


# --- 5. validate passes, analyze crashes ----------------------------------------------------------

def test_far_future_end_is_an_open_end(tmp_path):
    rows = minimal_case()
    rows["memberships"][0]["end"] = "9999-12-31"
    rows["agents"][0]["left_on"] = "9999-12-31"
    case = load_case(write_case(tmp_path / "case", rows))
    assert case["memberships"]["end"].isna().tolist() == [True, False]
    assert case["agents"]["left_on"].isna().all()
    income = analyze_case(case)["income"]
    assert "PER1" in set(income["subject_id"])


def test_implausible_dates_and_times(tmp_path):
    rows = minimal_case()
    rows["ledger"][0]["ts"] = "1600-01-01T00:00:00"
    rows["ledger"][1]["ts"] = "2300-01-01T00:00:00+08:00"
    rows["licenses"][0]["sold_on"] = "9999-12-31"  # not a period's end: no sentinel here
    rows["memberships"][1]["end"] = "2300-01-01"
    assert problems_of(tmp_path, rows) == [
        "ledger.csv:2:2: timestamp '1600-01-01T00:00:00' is outside 1900-01-01..2199-12-31",
        "ledger.csv:3:2: timestamp '2300-01-01T00:00:00+08:00' is outside 1900-01-01..2199-12-31",
        "licenses.csv:2:4: date '9999-12-31' is outside 1900-01-01..2199-12-31",
        "memberships.csv:3:5: date '2300-01-01' is outside 1900-01-01..2199-12-31 (an end still open is empty, "
        "or 9000-01-01 or later such as 9999-12-31)",
    ]


THRESHOLDS_YAML = """case_id: MINI-1
thresholds:
  profile: "2031"
  business_amount: abc
  illegal_income: -100000
  especially_serious:
    浙江省: .nan
    江苏省: .inf
  especially_serious_multiple: 0
  especialy_serious_multiple: 3
"""


def test_bad_thresholds_are_problems_at_their_line(tmp_path):
    assert problems_of(tmp_path, minimal_case(), case_yaml=THRESHOLDS_YAML) == [
        "case.yaml:3:3: thresholds.profile: Value error, unknown threshold profile '2031' (known: 2022, 2010)",
        "case.yaml:4:3: thresholds.business_amount: Input should be a valid decimal",
        "case.yaml:5:3: thresholds.illegal_income: Value error, a threshold must be an amount in CNY greater than 0, "
        "not -100000",
        "case.yaml:7:5: thresholds.especially_serious.浙江省: Input should be a finite number",
        "case.yaml:8:5: thresholds.especially_serious.江苏省: Input should be a finite number",
        "case.yaml:9:3: thresholds.especially_serious_multiple: Value error, must be a number greater than 1, not 0",
        "case.yaml:10:3: thresholds.especialy_serious_multiple: Extra inputs are not permitted",
    ]


@pytest.mark.parametrize("settings", [{"especially_serious_multiple": 0}, {"especially_serious_multiple": None},
                                      {"business_amount": -1}, {"profile": "2031"}])
def test_threshold_rules_never_replace_a_value(settings):
    with pytest.raises(ThresholdError):
        ThresholdRules.from_config(settings)


def test_fractional_multiple_is_kept(tmp_path):
    rules = ThresholdRules.from_config({"profile": "2022", "especially_serious_multiple": "2.5"})
    assert rules.severity(249_999_999, "business_amount", None).startswith("prosecution")
    assert rules.severity(250_000_000, "business_amount", None) == (
        "especially_serious (2022: business amount ≥ 2500000.00, 2.5× the prosecution threshold)")


# --- 11. Hostile cells ----------------------------------------------------------------------------

def test_non_ascii_digits_are_bad_values(tmp_path):
    rows = minimal_case()
    rows["ledger"][0]["amount"] = "１２３.００"  # full-width
    rows["fx_rates"][0]["cny_per_unit"] = "٦.٨"  # Arabic-Indic
    rows["licenses"][0]["sold_on"] = "２０１９-０３-０１"
    rows["ledger"][1]["ts"] = "２０１９-04-03T10:00:00"
    rows["trades"][0]["qty"] = "１"
    assert problems_of(tmp_path, rows) == [
        "fx_rates.csv:2:3: bad rate '٦.٨': expected a decimal with at most 6 decimals",
        "ledger.csv:2:7: bad money '１２３.００': expected decimal text with at most 2 decimals",
        "ledger.csv:3:2: bad timestamp '２０１９-04-03T10:00:00': expected ISO 8601 such as 2021-03-04T09:15:00",
        "licenses.csv:2:4: bad date '２０１９-０３-０１': expected YYYY-MM-DD",
        "trades.csv:2:6: bad number '１'",
    ]


def test_infinite_number(tmp_path):
    rows = minimal_case()
    rows["trades"][0]["price"] = "1e400"
    rows["broker_fills"][0]["qty"] = "inf"
    assert problems_of(tmp_path, rows) == ["broker_fills.csv:2:6: bad number 'inf'",
                                           "trades.csv:2:7: number '1e400' is too large"]


def test_ten_megabyte_cell(tmp_path):
    folder = write_case(tmp_path / "case", minimal_case())
    append(folder / "persons.csv", "PER9," + "王" * 10_485_760 + ",,,,\nPER10,李某,,,,\n")
    assert problems_in(folder) == [
        "persons.csv:7:2: cell of 10,485,760 characters: longer than the 131,072 a cell may hold"]


def test_internal_column_names_are_refused(tmp_path):
    rows = minimal_case()
    rows["persons"][0]["_line"] = "999"
    rows["logins"][0]["login_id"] = "mine"
    assert problems_of(tmp_path, rows) == [
        "logins.csv:1:7: column 'login_id' has a name casegraph reserves for a column of its own: rename it",
        "persons.csv:1:7: column '_line' has a name casegraph reserves for a column of its own: rename it",
    ]


# --- 12. Encodings ----------------------------------------------------------------------------------

def pinned_yaml(**encodings: str) -> str:
    return CASE_YAML + "encodings:\n" + "".join(f"  {file}: {codec}\n" for file, codec in encodings.items())


def test_no_silent_wrong_encoding(tmp_path):
    """GBK that is valid UTF-8, Latin-1 that is valid GB18030, UTF-16 without a BOM: each reported."""
    folder = write_case(tmp_path / "case", minimal_case())
    persons = "person_id,name\nPER1,鲁平\nPER2,Li\nPER3,Zhang\nPER4,Zhao\nPER5,Qian\n"
    (folder / "persons.csv").write_bytes(persons.encode("gbk"))  # 鲁平 in GBK is valid UTF-8: ³ƽ
    (folder / "vendors.csv").write_bytes("vendor_id,name\nV1,Müller GmbH\n".encode("latin-1"))
    platforms = (folder / "platforms.csv").read_text(encoding="utf-8")
    (folder / "platforms.csv").write_bytes(platforms.encode("utf-16-le"))
    assert problems_in(folder) == [
        "persons.csv:2:2: implausible as UTF-8: reads as ³ƽ, but as GBK 鲁平; pin the file's encoding in "
        "case.yaml, e.g. encodings: {persons.csv: gbk}",
        "platforms.csv:1:1: looks like UTF-16 without a byte-order mark (NUL bytes between the characters); pin it "
        "in case.yaml: encodings: {platforms.csv: utf-16-le}",
        "vendors.csv:2:2: implausible as GB18030 (GBK): '黮' and the like stand alone between ASCII letters, as "
        "accented letters of Latin-1 or Windows-1252 read as GBK do; pin the file's encoding in case.yaml, "
        "e.g. encodings: {vendors.csv: cp1252}",
    ]
    (folder / "case.yaml").write_text(pinned_yaml(**{"persons.csv": "gbk", "vendors.csv": "latin-1",
                                                     "platforms.csv": "utf-16-le"}), encoding="utf-8")
    case = load_case(folder)
    assert case["persons"]["name"].tolist()[0] == "鲁平"
    assert case["vendors"]["name"].tolist() == ["Müller GmbH"]
    assert case["platforms"]["name"].tolist() == ["环球期货"]
    assert {k: case.encodings[k] for k in ("persons", "vendors", "platforms")} == {
        "persons": "gbk", "vendors": "latin-1", "platforms": "utf-16-le"}


def test_big5_is_not_read_as_gbk(tmp_path):
    rows = minimal_case()
    rows["vendors"][0].update(name="臺灣銀行股份有限公司", province="臺灣", city="臺北")
    folder = write_case(tmp_path / "case", rows)
    (folder / "vendors.csv").write_bytes((folder / "vendors.csv").read_text(encoding="utf-8").encode("big5"))
    [problem] = problems_in(folder)
    assert problem.startswith("vendors.csv:2:2: implausible as GB18030 (GBK): ")
    assert problem.endswith("e.g. encodings: {vendors.csv: big5} (gbk if this text is right)")
    (folder / "case.yaml").write_text(pinned_yaml(**{"vendors.csv": "big5"}), encoding="utf-8")
    assert load_case(folder)["vendors"]["name"].tolist() == ["臺灣銀行股份有限公司"]


def test_genuine_encodings_still_read(tmp_path):
    rows = minimal_case()
    rows["persons"][0]["name"] = "José Müller"  # UTF-8 Latin letters, in a file with Chinese
    rows["vendors"][0]["name"] = "Zoë Straße"  # and in a file without any
    rows["vendors"][0]["province"] = rows["vendors"][0]["city"] = ""
    folder = write_case(tmp_path / "case", rows)
    (folder / "platforms.csv").write_bytes((folder / "platforms.csv").read_text(encoding="utf-8").encode("utf-16"))
    (folder / "clients.csv").write_bytes(b"\xef\xbb\xbf" + (folder / "clients.csv").read_bytes())
    gbk = "流水号,时间,平台编号,客户编号,类型,金额\nE1,2019-04-02T10:00:00,P1,C1,入金,100\n"
    (folder / "ledger.csv").write_bytes(gbk.encode("gbk"))
    case = load_case(folder)
    assert {k: case.encodings[k] for k in ("platforms", "ledger", "clients", "vendors")} == {
        "platforms": "utf-16", "ledger": "gb18030", "clients": "utf-8-sig", "vendors": "utf-8"}
    assert case["clients"]["client_id"].tolist() == ["C1", "C2"]
    assert case["vendors"]["name"].tolist() == ["Zoë Straße"]
    assert case["persons"]["name"].tolist()[0] == "José Müller"


def test_nul_bytes_and_bom_only_files(tmp_path):
    folder = write_case(tmp_path / "case", minimal_case())
    append(folder / "persons.csv", "PER9,王\x00某,,,,\n")
    (folder / "logins.csv").write_bytes(b"\xef\xbb\xbf")
    (folder / "trades.csv").write_bytes(b"\xef\xbb\xbf" + (folder / "trades.csv").read_bytes().splitlines()[0])
    assert problems_in(folder) == [
        "logins.csv:1:1: empty file: expected a header line",
        "persons.csv:7:2: NUL byte: not UTF-8 or GB18030 text (a binary file, or another encoding: pin the file's "
        "encoding in case.yaml, e.g. encodings: {persons.csv: gbk})",
    ]


def test_bad_encoding_settings(tmp_path):
    yaml = pinned_yaml(**{"ledger.csv": "klingon", "persons.csv": "base64", "notes.csv": "gbk",
                          "vendors.csv": "utf-8"})
    folder = write_case(tmp_path / "case", minimal_case(), case_yaml=yaml)
    (folder / "vendors.csv").write_bytes((folder / "vendors.csv").read_text(encoding="utf-8").encode("gbk"))
    assert problems_in(folder) == [
        "case.yaml:10:3: encodings.ledger.csv: Value error, unknown text encoding 'klingon' (Python codec names "
        "such as gbk, gb18030, utf-8, utf-16-le, latin-1)",
        "case.yaml:11:3: encodings.persons.csv: Value error, unknown text encoding 'base64' (Python codec names "
        "such as gbk, gb18030, utf-8, utf-16-le, latin-1)",
        "case.yaml:12:3: encodings.notes.csv: Value error, unknown case file 'notes.csv': encodings name files "
        "such as vendors.csv, licenses.csv, platforms.csv",
    ]
    (folder / "fx_rates.csv").write_bytes((folder / "fx_rates.csv").read_text(encoding="utf-8").encode("utf-16-le"))
    (folder / "case.yaml").write_text(pinned_yaml(**{"vendors.csv": "utf-8", "fx_rates.csv": "utf-8"}),
                                      encoding="utf-8")
    assert problems_in(folder) == [
        "fx_rates.csv:1:1: NUL character read with the pinned encoding utf-8: is it the file's encoding?",
        "vendors.csv:2:2: not valid utf-8 text (the encoding pinned in case.yaml): invalid continuation byte"]


# --- 13. Mapping profiles -------------------------------------------------------------------------------

def with_profiles(tmp_path: Path, profiles: list[str], files: dict[str, bytes]) -> Path:
    yaml = CASE_YAML + "mapping_profiles:\n" + "".join(f"  - {p}\n" for p in profiles)
    folder = write_case(tmp_path / "case", minimal_case(), case_yaml=yaml)
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def test_malformed_profiles_are_problems_at_their_line(tmp_path):
    folder = with_profiles(tmp_path, ["zh", "list.yaml", "columns.yaml", "gbk.yaml", "tables.yaml"], {
        "list.yaml": b"- columns\n- tables\n",
        "columns.yaml": "name: x\ncolumns:\n  - 客户编号\n".encode(),
        "gbk.yaml": "columns: {客户编号: client_id}\n".encode("gbk"),
        "tables.yaml": ("tables:\n  clients: {编号: client_id}\n  bogus: {a: b}\n"
                        "wide_amounts:\n  ledger: {入金: bonus}\nvaluez: {}\n").encode(),
    })
    assert problems_in(folder) == [
        "columns.yaml:2:1: columns: Input should be a valid dictionary",
        "gbk.yaml:1:11: not valid UTF-8 text (YAML settings files are UTF-8)",
        "list.yaml:1:1: expected a mapping profile: a mapping with columns, tables, values",
        "tables.yaml:3:3: tables.bogus: Value error, unknown table 'bogus' (tables: vendors, licenses, platforms, "
        "gangs, persons, memberships, agents, clients, accounts, ledger, bank_transfers, trades, broker_fills, "
        "logins, statements, fx_rates)",
        "tables.yaml:5:12: wide_amounts.ledger.入金: Input should be 'deposit', 'withdrawal', 'fee', "
        "'overnight_fee', 'pnl', 'rebate', 'commission' or 'adjustment'",
        "tables.yaml:6:1: valuez: Extra inputs are not permitted",
    ]


def test_profiles_stay_inside_the_case_folder(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("columns: {a: b}\n", encoding="utf-8")
    folder = with_profiles(tmp_path, ["/etc/passwd", "../../../etc/passwd", "link.yaml", "missing.yaml", "nosuch",
                                      "sub/ok.yaml"], {"sub/ok.yaml": b"columns: {a: b}\n"})
    (folder / "link.yaml").symlink_to(outside)
    assert problems_in(folder) == [
        "case.yaml:10:5: mapping_profiles.0: Value error, mapping profile '/etc/passwd' must be a path relative to "
        "the case folder, not absolute",
        "case.yaml:11:5: mapping_profiles.1: Value error, mapping profile '../../../etc/passwd' must not leave the "
        "case folder ('..')",
    ]
    (folder / "case.yaml").write_text(CASE_YAML + "mapping_profiles: [zh, link.yaml, missing.yaml, nosuch, "
                                                  "sub/ok.yaml]\n", encoding="utf-8")
    assert problems_in(folder) == [
        "case.yaml:9:24: mapping profile 'link.yaml' leads outside the case folder",
        "case.yaml:9:35: mapping profile 'missing.yaml': no such file in the case folder",
        "case.yaml:9:49: unknown mapping profile 'nosuch' (built in: zh; or the path of a .yaml file in the case "
        "folder)",
    ]


def test_case_yaml_key_given_twice(tmp_path):
    yaml = CASE_YAML + 'thresholds:\n  profile: "2010"\n'
    assert problems_of(tmp_path, minimal_case(), case_yaml=yaml) == [
        "case.yaml:9:1: key 'thresholds' given twice (first on line 7)"]


def test_case_yaml_nested_too_deeply_or_full_of_aliases(tmp_path):
    """Hostile settings files: nesting a parser could recurse on, aliases that would expand 10^8-fold.
    Either is a problem at its line, or a value the model refuses, never a traceback."""
    # libyaml (in PyYAML's wheels) refuses nesting past 1,000 levels at the place it passes them.
    deep = CASE_YAML + "extra: " + "[" * 5000 + "]" * 5000 + "\n"
    [nested] = problems_of(tmp_path / "deep", minimal_case(), case_yaml=deep)
    assert nested.startswith("case.yaml:9:") and "not valid YAML" in nested, nested
    laughs = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 9))
    bomb = CASE_YAML + "l0: &l0 lol\n" + laughs + "mapping_profiles: *l8\n"
    found = problems_of(tmp_path / "bomb", minimal_case(), case_yaml=bomb)
    # The ten items the alias names, each refused where the YAML gives it (the list l8 is).
    assert found == [f"case.yaml:16:5: mapping_profiles.{i}: Input should be a valid string" for i in range(10)]


# --- 15. Spreadsheet exports, local times, wide ledgers --------------------------------------------

def test_trailing_empty_columns_of_a_spreadsheet_export(tmp_path):
    folder = write_case(tmp_path / "case", minimal_case())
    lines = (folder / "persons.csv").read_text(encoding="utf-8").splitlines()
    lines[0] += ",,"
    lines[1] += ",,"
    lines[3] += ",,x"  # a value under an empty header
    (folder / "persons.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert problems_in(folder) == [
        "persons.csv:4:8: value 'x' in a column with no name: name it in the header, or remove it"]
    lines[3] = lines[3][:-1]
    (folder / "persons.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(load_case(folder)["persons"]) == 5


def test_local_times_in_a_dst_change(tmp_path):
    rows = minimal_case()
    rows["ledger"][0]["ts"] = "1986-05-04T02:30:00"  # China's clocks went 02:00 -> 03:00
    rows["ledger"][1]["ts"] = "1986-09-14T01:30:00"  # and 02:00 -> 01:00
    rows["ledger"][2]["ts"] = "1986-09-14T01:30:00+09:00"  # fine: an offset says which
    assert problems_of(tmp_path, rows) == [
        "ledger.csv:2:2: nonexistent local time '1986-05-04T02:30:00' (DST gap) in Asia/Shanghai: the clocks "
        "skipped it; check it, or add an offset",
        "ledger.csv:3:2: ambiguous local time '1986-09-14T01:30:00' (DST change) in Asia/Shanghai: add an offset",
    ]


def test_wide_ledger_rows_without_amounts_or_with_duplicate_ids(tmp_path):
    folder = write_case(tmp_path / "case", minimal_case())
    text = ("流水号,时间,平台编号,客户编号,入金金额,出金金额,手续费\n"
            "W1,2019-04-02T10:00:00,P1,C1,474954,,30.00\n"
            "W2,2019-05-03T10:00:00,P1,C1,,,\n"
            "W1,2019-05-04T10:00:00,P1,C1,,217893.14,\n")
    (folder / "ledger.csv").write_text(text, encoding="utf-8")
    assert problems_in(folder) == [
        "ledger.csv:3:5: no amount in any of 入金金额, 出金金额, 手续费",
        "ledger.csv:4:1: duplicate entry_id 'W1' (first on line 2)",
    ]


def test_validate_and_analyze_never_show_a_traceback(tmp_path, capsys):
    rows = minimal_case()
    rows["memberships"][1]["end"] = "9999-12-31"
    good = write_case(tmp_path / "good", rows)
    with pytest.raises(SystemExit) as analyzed:
        main(["analyze", str(good), "--out", str(tmp_path / "out")])
    assert analyzed.value.code in (0, None)
    bad = write_case(tmp_path / "bad", rows, case_yaml=THRESHOLDS_YAML)
    append(bad / "persons.csv", 'PER9,"王某\n')
    for command in (["validate", str(bad)], ["analyze", str(bad), "--out", str(tmp_path / "out2")]):
        with pytest.raises(SystemExit) as failed:
            main(command)
        assert failed.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "persons.csv:7:2: unclosed quote" in err
