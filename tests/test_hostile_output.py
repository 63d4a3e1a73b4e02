"""Hostile and messy input, the output side: nothing overwritten, nothing silently changed,
nothing leaked, never a traceback.

Every test starts from the tiny generated case (seed 3), built once per session and copied,
with a change that once overwrote evidence, lost a packet, left stale results, printed a
password, let a formula through, bypassed masking or broke the GraphML.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import re
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import networkx as nx
import openpyxl
import pandas as pd
import pytest

from casegraph.cli import main
from casegraph.outputs import MARKER, OutputRefused, atomic_file, atomic_folder, csv_cells
from casegraph.outputs.packets import MAX_STEM_BYTES, RESERVED_STEMS, packet_file_stems, write_referrals
from casegraph.queries.memory import engine as memory_engine
from casegraph.queries.quality import TruthUnusable, quality_table
from casegraph.queries.referrals import mask_identifiers
from casegraph.redaction import redact_text, redact_uri
from casegraph.server import Neo4jUnavailable

SECRET = "s3cr3t-Pa55"
FORMULA_GANG_NAME = '=HYPERLINK("http://evil.example","查看")'
FORMULA_PERSON_NAME = "@SUM(1+1)*cmd|' /C calc'!A0"
FORMULA_MEMO = "+1+cmd|' /C calc'!A0"
PARTLY_MASKED_ID, PARTLY_MASKED_PHONE = "11010119900307****", "1381234****"
CONTROL_NAME = "张\x07三\x1b"
LONG_PROVINCE = "省" * 100
# The provinces of the known gangs G01..G04 in the hostile case: two that sanitise alike, a
# Windows device name and a name too long for a file name.
HOSTILE_PROVINCES = {"G01": "测试省", "G02": "测试省.", "G03": "con", "G04": LONG_PROVINCE}
WINDOWS_DEVICES = RESERVED_STEMS - {"index"}


# -- helpers -------------------------------------------------------------------------------------

def run(*argv) -> int:
    with pytest.raises(SystemExit) as done:
        main([str(a) for a in argv])
    return done.value.code


def run_captured(*argv) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of a command (for fixtures, which have no capsys)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(*argv)
    return code, out.getvalue(), err.getvalue()


def said(printed: str) -> str:
    """Printed text as one line: rich's wrapping and box borders removed."""
    return " ".join(printed.replace("│", " ").split())


def read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def edit(path: Path, change) -> None:
    """Rewrite a CSV file of the case after ``change(frame)``."""
    frame = read(path)
    change(frame)
    frame.to_csv(path, index=False, lineterminator="\n")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) -> the SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def tables_copy(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {name: frame.copy() for name, frame in tables.items()}


def with_provinces(tables: dict[str, pd.DataFrame], provinces: dict[str, str]) -> dict[str, pd.DataFrame]:
    """The analysis' tables with these gangs referred to other provinces."""
    changed = tables_copy(tables)
    gangs = changed["gangs"]
    gangs["province"] = gangs["gang_id"].map(provinces).fillna(gangs["province"])
    return changed


# -- the cases -------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def tiny_case(generated_case) -> Path:
    return generated_case("tiny", 3).folder


@pytest.fixture
def case(tiny_case, tmp_path) -> Path:
    """A fresh copy of the tiny case, to change."""
    return Path(shutil.copytree(tiny_case, tmp_path / "case"))


def analyze_keeping_tables(case: Path, out: Path) -> tuple[int, str, object, dict[str, pd.DataFrame]]:
    """``casegraph analyze CASE --out OUT``: exit code, stderr, and the case and tables it
    analysed (for tests that need them without analysing again)."""
    seen, analyze_case = {}, memory_engine.analyze_case

    def keeping(loaded, **options):
        seen["case"], seen["tables"] = loaded, analyze_case(loaded, **options)
        return tables_copy(seen["tables"])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(memory_engine, "analyze_case", keeping)
        code, _, err = run_captured("analyze", case, "--out", out)
    return code, err, seen.get("case"), seen.get("tables")


@pytest.fixture(scope="session")
def pristine(tiny_case, tmp_path_factory):
    """``casegraph analyze`` of the unchanged tiny case: (the case read, its tables, OUT)."""
    out = tmp_path_factory.mktemp("pristine") / "out"
    code, err, loaded, tables = analyze_keeping_tables(tiny_case, out)
    assert code == 0, err
    return loaded, tables, out


def analyse_as(monkeypatch, tables: dict[str, pd.DataFrame]) -> None:
    """Commands below find these tables instead of analysing (the case is still read and checked)."""
    monkeypatch.setattr(memory_engine, "analyze_case", lambda loaded, **options: tables_copy(tables))


@pytest.fixture(scope="session")
def hostile(tiny_case, tmp_path_factory):
    """The tiny case with hostile text in it, analysed by ``casegraph analyze``:
    (case, OUT, stderr, tables). Known gangs referred to :data:`HOSTILE_PROVINCES`, G01 named with a
    formula, its leader's name a formula and ID number and phone masked in part by the
    source, the payments' memos formulas, an agent's name with control characters, and
    truth/gangs.csv without its province column."""
    folder = tmp_path_factory.mktemp("hostile")
    case = Path(shutil.copytree(tiny_case, folder / "case"))
    gangs = read(case / "gangs.csv").set_index("gang_id")
    leader = gangs.loc["G01", "leader_person_id"]
    agent_person = read(case / "agents.csv").set_index("agent_id").loc["A00001", "person_id"]

    def rename_gangs(frame):
        frame["province"] = frame["gang_id"].map(HOSTILE_PROVINCES).fillna(frame["province"])
        frame.loc[frame["gang_id"] == "G01", "name"] = FORMULA_GANG_NAME

    def change_persons(frame):
        frame.loc[frame["person_id"] == leader, ["name", "id_number", "phone"]] = [
            FORMULA_PERSON_NAME, PARTLY_MASKED_ID, PARTLY_MASKED_PHONE]
        frame.loc[frame["person_id"] == agent_person, "name"] = CONTROL_NAME

    edit(case / "gangs.csv", rename_gangs)
    edit(case / "persons.csv", change_persons)
    edit(case / "bank_transfers.csv", lambda f: f.__setitem__("memo", f["memo"].replace("软件款", FORMULA_MEMO)))
    truth = read(case / "truth" / "gangs.csv").drop(columns="province")
    truth.to_csv(case / "truth" / "gangs.csv", index=False)
    out = folder / "out"
    code, err, _, tables = analyze_keeping_tables(case, out)
    assert code == 0, err
    return case, out, err, tables


# -- 1. evidence overwritten --------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["analyze", "referrals"])
@pytest.mark.parametrize("where", ["the case", "truth/", "a new folder inside", "the case's parent",
                                   "through a symlink", "with .."])
def test_out_overlapping_the_case_is_refused_and_nothing_is_written(case, tmp_path, capsys, command, where):
    (tmp_path / "link").symlink_to(case, target_is_directory=True)
    out = {"the case": case, "truth/": case / "truth", "a new folder inside": case / "new" / "out",
           "the case's parent": tmp_path, "through a symlink": tmp_path / "link" / "out",
           "with ..": case / "truth" / ".."}[where]
    before, around = snapshot(case), names(tmp_path)
    assert run(command, case, "--out", out) == 2
    err = capsys.readouterr().err
    assert "choose a folder outside the case" in said(err) and "Traceback" not in err
    assert snapshot(case) == before and names(tmp_path) == around


def test_out_that_casegraph_did_not_write_is_refused(case, tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes", encoding="utf-8")
    assert run("analyze", case, "--out", mine) == 2
    assert "did not write" in said(capsys.readouterr().err)
    assert names(mine) == {"notes.txt"}
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    assert run("referrals", case, "--out", tmp_path / "a-file") == 2
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize("command", [["generate", "--scale", "tiny", "--out"], ["demo", "--out"]])
def test_generating_over_a_case_casegraph_did_not_generate_is_refused(case, tmp_path, capsys, command):
    """`generate --out` (and `demo --out`, whose case goes to OUT/case) wrote its files over a
    case folder's own: the evidence of a real case, silently replaced by a synthetic one."""
    evidence = case if command[0] == "generate" else Path(shutil.copytree(case, tmp_path / "demo" / "case"))
    out = evidence if command[0] == "generate" else evidence.parent
    before = snapshot(evidence)
    assert run(*command, out) == 2
    assert "did not write" in said(capsys.readouterr().err)
    assert snapshot(evidence) == before and not (out / "results").exists()


def test_a_case_casegraph_generated_is_generated_again(tmp_path, capsys):
    out = tmp_path / "generated"
    assert run("generate", "--scale", "tiny", "--seed", "1", "--out", out) == 0
    first = snapshot(out)
    assert run("generate", "--scale", "tiny", "--seed", "2", "--out", out) == 0
    assert snapshot(out) != first and MARKER in names(out) and run("validate", out) == 0
    assert run("generate", "--scale", "tiny", "--seed", "-1", "--out", out) == 2  # numpy took no negative seed


# -- 2. packets that replace each other ----------------------------------------------------------------

NAME_GROUPS = {
    "trailing dot": ["测试省", "测试省."],
    "separators": ["湖北/湖南", "湖北_湖南", "湖北?湖南"],
    "dots": [".", ".."],
    "index": ["index", "INDEX.csv"],
    "windows devices": ["con", "NUL", "com1.txt", "Lpt1", "aux .x"],
    "case only": ["Abc省", "abc省"],
    "long": [LONG_PROVINCE, LONG_PROVINCE + "市"],
    "disguised": ["a\u202egpj.csv", "-rf", "tab\there"],
}
# Six names a write (the tiny case has six gangs), every group above in some write.
WRITES = {"clashing": ["测试省", "测试省.", "湖北/湖南", "湖北_湖南", "湖北?湖南", "index"],
          "reserved": [".", "..", "con", "NUL.txt", LONG_PROVINCE, LONG_PROVINCE + "市"]}


def assert_safe_and_unique(stems: list[str]) -> None:
    assert len({stem.casefold() for stem in stems}) == len(stems)
    for stem in stems:
        assert 0 < len(stem.encode("utf-8")) <= MAX_STEM_BYTES
        assert stem.split(".")[0].rstrip(" ").casefold() not in WINDOWS_DEVICES and stem.casefold() != "index"
        assert not stem.startswith((".", "-", " ")) and not stem.endswith((".", " "))
        assert not re.search(r'[\\/:*?"<>|\x00-\x1f\u202e]', stem)


@pytest.mark.parametrize("provinces", NAME_GROUPS.values(), ids=NAME_GROUPS.keys())
def test_packet_file_stems_are_safe_unique_and_stable(provinces):
    every = [*provinces, "上海市", "浙江省"]
    stems = packet_file_stems(every)
    assert_safe_and_unique(list(stems.values()))
    assert stems["上海市"] == "上海市" and packet_file_stems(reversed(every)) == stems


@pytest.mark.parametrize("provinces", WRITES.values(), ids=WRITES.keys())
def test_every_packet_has_files_of_its_own(pristine, tmp_path, provinces):
    loaded, tables, _ = pristine
    referred = with_provinces(tables, dict(zip(sorted(tables["gangs"]["gang_id"]), provinces)))
    index = write_referrals(loaded, referred, tmp_path)
    expected = referred["gangs"].groupby("province")["gang_id"].apply(set)
    assert sorted(index["province"]) == sorted(expected.index) == sorted(provinces)
    files = [name for column in ("csv", "xlsx", "html") for name in index[column]]
    assert names(tmp_path) == {"index.csv", *files} and len(files) == 3 * len(provinces)
    assert_safe_and_unique([name.removesuffix(".csv") for name in index["csv"]])
    for row in index.itertuples():
        packet = read(tmp_path / row.csv)
        assert set(packet.loc[packet["section"] == "gangs", "gang_id"]) == expected[row.province]
    assert read(tmp_path / "index.csv")["csv"].tolist() == index["csv"].tolist()


def test_a_packet_written_alone_keeps_its_file_names(pristine, tmp_path):
    loaded, tables, _ = pristine
    referred = with_provinces(tables, {"G01": "湖北/湖南", "G02": "湖北_湖南"})
    alone = write_referrals(loaded, referred, tmp_path, province="湖北_湖南")
    every = packet_file_stems(sorted(set(referred["gangs"]["province"])))
    assert alone["csv"].tolist() == [every["湖北_湖南"] + ".csv"] == ["湖北_湖南.csv"]
    assert every["湖北/湖南"] != "湖北_湖南"


def test_hostile_provinces_through_analyze(hostile):
    _, out, *_ = hostile
    index = read(out / "referrals" / "index.csv")
    gangs = read(out / "gangs.csv")
    assert set(index["province"]) == set(gangs["province"])
    assert len(index) == len(set(gangs["province"])) == 6
    files = [name for column in ("csv", "xlsx", "html") for name in index[column]]
    assert names(out / "referrals") == {"index.csv", *files} and len(set(files)) == 18
    for row in index.itertuples():
        packet = read(out / "referrals" / row.csv)
        assert set(packet.loc[packet["section"] == "gangs", "gang_id"]) == set(
            gangs.loc[gangs["province"] == row.province, "gang_id"])


# -- 7. stale and partial results --------------------------------------------------------------------------

def test_invalid_case_replaces_earlier_results_with_its_problems(pristine, case, tmp_path):
    out = Path(shutil.copytree(pristine[2], tmp_path / "out"))
    edit(case / "clients.csv", lambda f: f.loc.__setitem__((0, "agent_id"), "A404"))
    assert run("analyze", case, "--out", out) == 1
    assert names(out) == {MARKER, "problems.txt"}
    assert "unknown agent_id 'A404'" in (out / "problems.txt").read_text(encoding="utf-8")
    assert names(tmp_path) == {"case", "out"}


def test_interrupted_analysis_leaves_earlier_results_untouched(pristine, case, tmp_path, monkeypatch):
    out = Path(shutil.copytree(pristine[2], tmp_path / "out"))
    before = snapshot(out)
    analyse_as(monkeypatch, with_provinces(pristine[1], {"G01": "江苏省"}))  # other results than before

    def ctrl_c(*_, **__):
        raise KeyboardInterrupt

    monkeypatch.setattr("casegraph.outputs.packets.write_sheet_columns", ctrl_c)  # after the tables and a CSV
    assert run("analyze", case, "--out", out) == 130  # as after SIGINT
    assert snapshot(out) == before
    assert names(tmp_path) == {"case", "out"}  # no partial folder left beside it


def test_referrals_of_one_province_replace_a_full_packet_folder(pristine, case, tmp_path, monkeypatch, capsys):
    """Packets of an earlier case (上海市, 浙江省) do not stay beside the new one, and index.csv
    lists exactly the packets in the folder."""
    packets = tmp_path / "packets"
    analyse_as(monkeypatch, pristine[1])
    assert run("referrals", case, "--out", packets) == 0
    assert {"上海市.csv", "浙江省.csv"} <= names(packets)
    analyse_as(monkeypatch, with_provinces(pristine[1], {"G01": "江苏省", "G03": "江苏省"}))
    assert run("referrals", case, "--out", packets, "--province", "江苏省") == 0
    index = read(packets / "index.csv")
    assert index["province"].tolist() == ["江苏省"] and set(index["gang_ids"].iloc[0].split(";")) == {"G01", "G03"}
    assert names(packets) == {MARKER, "index.csv", "江苏省.csv", "江苏省.xlsx", "江苏省.html"}


def test_unknown_province_leaves_the_packet_folder_untouched(pristine, case, tmp_path, monkeypatch, capsys):
    packets = tmp_path / "packets"
    analyse_as(monkeypatch, pristine[1])
    assert run("referrals", case, "--out", packets) == 0
    before = snapshot(packets)
    assert run("referrals", case, "--out", packets, "--province", "火星") == 2
    assert snapshot(packets) == before and names(tmp_path) == {"case", "packets"}


def test_atomic_folder_swaps_only_complete_results(tmp_path):
    target = tmp_path / "out"
    with atomic_folder(target, written_by="test") as folder:
        (folder / "a.csv").write_text("first", encoding="utf-8")
        assert not target.exists()  # nothing visible until complete
    assert names(target) == {MARKER, "a.csv"}
    for failure in (RuntimeError("disk full"), KeyboardInterrupt()):
        with pytest.raises(type(failure)), atomic_folder(target, written_by="test") as folder:
            (folder / "b.csv").write_text("half", encoding="utf-8")
            raise failure
        assert names(target) == {MARKER, "a.csv"} and names(tmp_path) == {"out"}
    with atomic_folder(target, written_by="test") as folder:
        (folder / "b.csv").write_text("second", encoding="utf-8")
    assert names(target) == {MARKER, "b.csv"} and names(tmp_path) == {"out"}


def test_export_writes_its_file_whole_or_not_at_all(pristine, case, tmp_path, monkeypatch, capsys):
    analyse_as(monkeypatch, pristine[1])
    chain = tmp_path / "chain.json"
    chain.write_text("earlier", encoding="utf-8")

    def interrupted(tree, path):
        path.write_text("{ half", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr("casegraph.outputs.chains.write_chain", interrupted)
    assert run("export", case, "--vendor", "V01", "--out", chain) == 130
    assert chain.read_text(encoding="utf-8") == "earlier" and names(tmp_path) == {"case", "chain.json"}
    assert run("export", case, "--vendor", "V01", "--out", tmp_path / "case") == 2  # a folder
    with pytest.raises(OutputRefused), atomic_file(tmp_path / "case"):
        pass


# -- 8. a password printed -------------------------------------------------------------------------------------

@pytest.mark.parametrize("uri, code", [
    (f"bolt://neo4j:{SECRET}@127.0.0.1:1", 2),           # userinfo: refused before connecting
    (f"neo4j://neo4j:{SECRET}@127.0.0.1:1", 2),
    (f"bolt://127.0.0.1:1?password={SECRET}", 2),        # the driver refuses a query on bolt://
    (f"neo4j://127.0.0.1:1?policy=x&password={SECRET}", 3),  # routing context: unreachable
])
@pytest.mark.parametrize("command", [["playbook", "run", "vendor_chain", "-p", "vendor_id=V01"], ["load"],
                                     ["analyze", "--engine", "neo4j"]])
def test_no_password_printed(case, tmp_path, capsys, monkeypatch, uri, code, command):
    monkeypatch.setenv("NEO4J_URI", uri)
    monkeypatch.setenv("NEO4J_PASSWORD", SECRET)
    argv = [*command, case] if command[0] == "load" else command
    if command[0] == "analyze":
        argv = ["analyze", case, "--out", tmp_path / "out", *command[1:]]
    assert run(*argv) == code
    printed = capsys.readouterr()
    assert SECRET not in printed.out + printed.err and "Traceback" not in printed.err
    assert "127.0.0.1:1" in printed.err  # still says where it tried
    assert not (tmp_path / "out").exists()


def test_redaction():
    assert redact_uri(f"bolt://neo4j:{SECRET}@db.example:7687/x?token={SECRET}&policy=eu") == (
        "bolt://***@db.example:7687/x?token=***&policy=eu")
    assert redact_uri("bolt://127.0.0.1:7687") == "bolt://127.0.0.1:7687"
    assert SECRET not in redact_text(f"failed: 'neo4j+s://u:{SECRET}@h' and {SECRET}", secrets=[SECRET])
    assert SECRET not in str(Neo4jUnavailable(f"bolt://u:{SECRET}@h:1", f"Given URI: bolt://u:{SECRET}@h:1"))


# -- 8b. text printed as something else ------------------------------------------------------------------

PRINTED_AS_IS = "[/x] :smile:"  # rich markup that raised, and an emoji code it replaced


def test_problems_print_their_line_numbers_and_cells_as_they_are(case, capsys):
    """rich read ``persons.csv:100:2`` as the emoji code ``:100:`` (printing 💯 for the line) and
    a cell's ``:smile:`` as 😄: file:line:column must hold for every line, the cell as it is."""
    edit(case / "persons.csv", lambda frame: frame.__setitem__("name", frame["name"].where(frame.index != 98, "")))
    edit(case / "ledger.csv", lambda frame: frame.__setitem__("currency", frame["currency"].where(
        frame.index != 0, PRINTED_AS_IS)))
    assert run("validate", case) == 1
    printed = capsys.readouterr().err
    assert f"{case / 'persons.csv'}:100:" in printed and "\U0001f4af" not in printed
    assert f"{case / 'ledger.csv'}:2:" in printed and f"bad currency {PRINTED_AS_IS!r}" in said(printed)


def test_names_in_what_commands_print_are_text(pristine, case, tmp_path, capsys, monkeypatch):
    """A case folder's name and a province's are data: markup in them raised a MarkupError
    (a traceback) or vanished from the summary."""
    folder = tmp_path / f"case {PRINTED_AS_IS}"  # its "/" makes "case [" a folder of its own
    folder.parent.mkdir()
    folder = case.rename(folder)
    assert run("validate", folder) == 0
    assert f"{folder}: valid" in said(capsys.readouterr().out)
    analyse_as(monkeypatch, with_provinces(pristine[1], {"G01": PRINTED_AS_IS}))
    assert run("referrals", folder, "--out", tmp_path / "packets") == 0
    printed = said(capsys.readouterr().out)
    assert PRINTED_AS_IS in printed and "\\[" not in printed


# -- 9. formula injection in CSV --------------------------------------------------------------------------------

NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def csv_cells_of(folder: Path):
    for path in sorted(folder.rglob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            header, *rows = list(csv.reader(handle))
        for row in rows:
            yield from ((path.name, column, cell) for column, cell in zip(header, row))


def test_no_formula_reaches_a_csv_and_numbers_stay_as_they_are(hostile):
    _, out, *_ = hostile
    cells = list(csv_cells_of(out))
    runnable = [c for c in cells if c[2][:1] in ("=", "+", "@", "\t", "\r")
                or (c[2].startswith("-") and not NUMBER.fullmatch(c[2]))]
    assert runnable == []
    texts = {cell for *_, cell in cells}
    assert {"'" + FORMULA_GANG_NAME, "'" + FORMULA_PERSON_NAME, "'" + FORMULA_MEMO} <= texts
    negative = {cell for *_, cell in cells if cell.startswith("-")}
    assert negative and all(NUMBER.fullmatch(cell) for cell in negative)  # e.g. client_loss -663.49
    assert not [c for c in cells if c[2].startswith("'") and NUMBER.fullmatch(c[2][1:])]


def test_xlsx_keeps_the_text_as_it_is(hostile):
    _, out, *_ = hostile
    index = read(out / "referrals" / "index.csv").set_index("province")
    workbook = openpyxl.load_workbook(out / "referrals" / index.loc["测试省", "xlsx"], read_only=True)
    values = {v for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for v in row}
    assert {FORMULA_GANG_NAME, FORMULA_PERSON_NAME} <= values


def test_csv_cells_neutralise_text_columns_only():
    frame = pd.DataFrame({"name": ["=1+2", "-x", "\tx", "张三", None], "amount": [-500, 1, 2, 3, 4],
                          "share": [-0.5, 0.1, 0.2, 0.3, 0.4], "n_clients": [-1, 0, 0, 0, 0],
                          "mixed": [-0.25, "@x", 3, "ok", None]})
    cells = csv_cells(frame)
    assert cells["name"].tolist()[:4] == ["'=1+2", "'-x", "'\tx", "张三"]
    assert cells["amount"].tolist()[0] == "-5.00" and cells["share"].tolist()[0] == -0.5
    assert cells["mixed"].tolist()[:2] == [-0.25, "'@x"] and int(cells["n_clients"].iloc[0]) == -1


# -- 10. masking bypassed ------------------------------------------------------------------------------------

def test_partly_masked_identifiers_are_masked_again(hostile):
    _, out, *_ = hostile
    index = read(out / "referrals" / "index.csv").set_index("province")
    packet = read(out / "referrals" / index.loc["测试省", "csv"])
    leader = packet[(packet["section"] == "persons") & (packet["name"] == "'" + FORMULA_PERSON_NAME)].iloc[0]
    assert (leader["id_number"], leader["phone"]) == ("110" + "*" * 15, "138" + "*" * 8)
    for path in (out / "referrals").glob("*.*"):
        text = path.read_text(encoding="utf-8") if path.suffix != ".xlsx" else str(
            [row for sheet in openpyxl.load_workbook(path, read_only=True).worksheets
             for row in sheet.iter_rows(values_only=True)])
        assert "11010119900307" not in text and "1381234" not in text, path.name


def test_one_masking_rule_whatever_the_source_masked():
    values = pd.Series(["11010119900307****", "110***19900307****", "1381234****", "13812345678", "abc*efgh"])
    assert mask_identifiers(values).tolist() == [
        "110***************", "110***************", "138********", "138****5678", "a******h"]


# -- 15. GraphML with control characters ----------------------------------------------------------------------

def nodes(tree):
    """Every dict in a JSON tree."""
    if isinstance(tree, dict):
        yield tree
        tree = list(tree.values())
    if isinstance(tree, list):
        for child in tree:
            yield from nodes(child)


def test_graphml_stays_well_formed(hostile, tmp_path, monkeypatch):
    case, _, _, tables = hostile
    analyse_as(monkeypatch, tables)
    assert run_captured("export", case, "--gang", "G02", "--out", tmp_path / "g.graphml")[0] == 0
    ElementTree.parse(tmp_path / "g.graphml")
    graph = nx.read_graphml(tmp_path / "g.graphml")
    shown = CONTROL_NAME.replace("\x07", "\ufffd").replace("\x1b", "\ufffd")
    assert nx.get_node_attributes(graph, "person_name")["Agent:A00001"] == shown
    assert run_captured("export", case, "--gang", "G02", "--out", tmp_path / "g.json")[0] == 0
    tree = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    assert [node["person_name"] for node in nodes(tree) if node.get("agent_id") == "A00001"] == [
        CONTROL_NAME]  # JSON keeps the text as it is


# -- 5. a malformed truth/ -----------------------------------------------------------------------------------------

def test_analyze_skips_quality_of_a_malformed_truth_and_says_why(hostile):
    case, out, err, _ = hostile
    assert not (out / "quality.csv").exists() and (out / "chain.csv").stat().st_size > 0
    message = said(err)
    assert f"quality.csv not written, truth/ cannot be scored against: {case / 'truth' / 'gangs.csv'}:1:1: " \
           "missing column(s): province" in message and "Traceback" not in err


def truth_changes():
    def drop(column):
        return lambda path: read(path).drop(columns=column).to_csv(path, index=False)

    def twice(path):
        frame = read(path)
        pd.concat([frame, frame.iloc[[3]]]).to_csv(path, index=False)

    def empty_id(path):
        frame = read(path)
        frame.loc[5, frame.columns[0]] = ""
        frame.to_csv(path, index=False)

    return {
        "gangs.csv without entity_type": ("gangs.csv", drop("entity_type"), "1:1: missing column(s): entity_type"),
        "an entity twice": ("gangs.csv", twice, ":1: entity_id + entity_type given twice"),
        "an empty id": ("gangs.csv", empty_id, "7:1: empty id"),
        "not CSV": ("gangs.csv", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe"), "1:1: not a readable CSV"),
        "empty": ("gangs.csv", lambda p: p.write_bytes(b""), "1:1: not a readable CSV"),
        "an account twice": ("account_groups.csv", twice, ":1: account_id given twice"),
        "groups without group_id": ("account_groups.csv", drop("group_id"), "1:1: missing column(s): group_id"),
    }


@pytest.mark.parametrize("name, change, where", truth_changes().values(), ids=truth_changes().keys())
def test_malformed_truth_is_reported_not_raised(pristine, case, name, change, where):
    _, tables, _ = pristine
    gangs = tables["gangs"].set_index("gang_id")
    assert quality_table(case, tables["communities"], gangs, tables["account_groups"]) is not None
    change(case / "truth" / name)
    with pytest.raises(TruthUnusable, match=re.escape(where)) as raised:
        quality_table(case, tables["communities"], gangs, tables["account_groups"])
    assert str(raised.value).startswith(f"truth/{name}:")


def test_marker_says_what_wrote_the_folder(pristine):
    assert "casegraph analyze" in (pristine[2] / MARKER).read_text(encoding="utf-8")
