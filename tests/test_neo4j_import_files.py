"""The bulk import's CSV files (no server needed): typed headers, one id space per label,
every row once, text quoted, line breaks noticed. The graph they give is compared with the
UNWIND load's in tests/integration/test_bulk_import.py."""

from __future__ import annotations

import csv

from casebuilder import bank_only_case, ledger_only_case, minimal_case, write_case

from casegraph.loaders.case import load_case
from casegraph.loaders.neo4j import graph_parts
from casegraph.loaders.neo4j_import import import_arguments, write_import_files


def _files(tmp_path, rows):
    case = load_case(write_case(tmp_path / "case", rows))
    out = tmp_path / "files"
    out.mkdir()
    return case, write_import_files(graph_parts(case), out, version="v1"), out


def _read(out, group):
    (path,) = out.glob(f"*-{group}.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_headers_carry_id_spaces_and_types(tmp_path):
    case, files, out = _files(tmp_path, minimal_case())
    entries = _read(out, "Entry")
    assert entries[0] == ["id:ID(Entry)", "ts:datetime", "kind", "amount_fen:long", "currency",
                          "amount_cny_fen:long", "bank_txn_id", "line:long", "source", "case_version"]
    assert len(entries) - 1 == len(case["ledger"])
    transfers = _read(out, "TRANSFER")
    assert transfers[0][:2] == [":START_ID(Account)", ":END_ID(Account)"]
    assert "amount_cny_fen:long" in transfers[0] and "ts:datetime" in transfers[0]
    assert _read(out, "Agent")[0][1:3] == ["rebate_rate_micro:long", "commission_rate_micro:long"]
    assert files.rows == sum(len(part.rows.frame) for part in graph_parts(case))
    assert not files.line_breaks


def test_text_is_quoted_and_missing_values_are_empty(tmp_path):
    _, _, out = _files(tmp_path, minimal_case())
    (path,) = out.glob("*-Entry.csv")
    # No value of the minimal case holds a comma, so the raw fields split on commas.
    raw = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    assert all(fields[0].startswith('"') and fields[2].startswith('"') for fields in raw)  # id, kind
    assert all(fields[3].lstrip("-").isdigit() for fields in raw)  # amount_fen: a bare integer
    assert {fields[6] for fields in raw} & {""}  # a missing bank_txn_id: empty, so no property


def test_a_line_break_in_text_turns_on_multiline_fields(tmp_path):
    rows = minimal_case()
    rows["bank_transfers"][0]["memo"] = "first line\nsecond line"
    _, files, out = _files(tmp_path, rows)
    assert files.line_breaks
    assert "--multiline-fields=true" in import_arguments(files, report_file=out / "r")
    memos = [row[-4] for row in _read(out, "TRANSFER")[1:]]
    assert "first line\nsecond line" in memos


def test_files_of_partial_cases(tmp_path):
    """A bank-only case and a platform back end alone: every label and type gets its file, the
    ones the case has no rows of hold their header alone."""
    for name, rows in (("bank", bank_only_case()), ("ledger", ledger_only_case())):
        case, files, out = _files(tmp_path / name, rows)
        parts = list(graph_parts(case))
        assert files.rows == sum(len(part.rows.frame) for part in parts) > 0
        for part in parts:
            written = _read(out, part.group.strip("[:]"))
            assert len(written) - 1 == len(part.rows.frame), (name, part.group)
            assert written[0][0] in (f"id:ID({part.label})", f":START_ID({part.start_label})")
