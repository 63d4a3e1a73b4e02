"""The bulk import's CSV files (no server needed): typed headers, one id space per label,
every row once, text quoted, line breaks noticed. The graph they give is compared with the
UNWIND load's in tests/integration/test_bulk_import.py."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from casebuilder import bank_only_case, ledger_only_case, minimal_case, write_case

from casegraph.loaders.case import load_case
from casegraph.loaders.neo4j import Part, Rows, graph_parts, writer_lanes
from casegraph.loaders.neo4j_import import ImportFailed, import_arguments, write_case_load_file, write_import_files


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
    assert entries[0] == [":ID(Entry)", "id", "ts:datetime", "kind", "amount_fen:long", "currency",
                          "amount_cny_fen:long", "bank_txn_id", "line:long", "source", "case_version"]
    assert len(entries) - 1 == len(case["ledger"])
    transfers = _read(out, "TRANSFER")
    assert transfers[0][:2] == [":START_ID(Account)", ":END_ID(Account)"]
    assert "amount_cny_fen:long" in transfers[0] and "ts:datetime" in transfers[0]
    assert _read(out, "Agent")[0][2:4] == ["rebate_rate_micro:long", "commission_rate_micro:long"]
    assert files.rows == sum(len(part.rows.frame) for part in graph_parts(case))
    assert not files.line_breaks


def test_text_is_quoted_and_missing_values_are_empty(tmp_path):
    _, _, out = _files(tmp_path, minimal_case())
    (path,) = out.glob("*-Entry.csv")
    # No value of the minimal case holds a comma, so the raw fields split on commas.
    raw = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    assert all(fields[0].isdigit() for fields in raw)  # the importer's id: a bare integer
    assert all(fields[1].startswith('"') and fields[3].startswith('"') for fields in raw)  # id, kind
    assert all(fields[4].lstrip("-").isdigit() for fields in raw)  # amount_fen: a bare integer
    assert {fields[7] for fields in raw} & {""}  # a missing bank_txn_id: empty, so no property


def test_relationship_ends_are_the_numbers_of_their_nodes(tmp_path):
    """Each label's nodes are numbered 0, 1, … in the order written, and a relationship's ends
    are the numbers of the nodes its case ids name."""
    case, _, out = _files(tmp_path, minimal_case())
    accounts = {number: account_id for number, account_id, *_ in _read(out, "Account")[1:]}
    assert sorted(map(int, accounts)) == list(range(len(accounts)))
    transfers = next(part for part in graph_parts(case) if part.type == "TRANSFER").rows.frame
    written = [(accounts[start], accounts[end]) for start, end, *_ in _read(out, "TRANSFER")[1:]]
    assert written == list(zip(transfers["from_id"], transfers["to_id"]))


def test_an_end_that_names_no_node_fails_before_the_importer_runs(tmp_path):
    nodes = Part(Rows(pd.DataFrame({"id": ["A1"], "line": [2]}), "accounts.csv", {}), label="Account")
    transfers = Part(Rows(pd.DataFrame({"from_id": ["A1"], "to_id": ["A404"], "line": [2]}), "bank_transfers.csv", {}),
                     type="TRANSFER", start_label="Account", end_label="Account")
    with pytest.raises(ImportFailed, match="to_id 'A404' names no Account node"):
        write_import_files(iter([nodes, transfers]), tmp_path, version="v1")


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
            assert written[0][0] in (f":ID({part.label})", f":START_ID({part.start_label})")


def test_the_case_load_node_is_imported_complete(tmp_path):
    """The (:CaseLoad) node travels in the import, typed as the UNWIND load sets it: the
    rows counted in the files, the case's settings, its tables as a list."""
    case, files, out = _files(tmp_path, minimal_case())
    rows = files.rows
    write_case_load_file(case, files, out, version="v1")
    assert files.arguments[-1] == f"--nodes=CaseLoad={out / 'caseload.csv'}"
    with (out / "caseload.csv").open(newline="", encoding="utf-8") as fh:
        header, values = csv.reader(fh)
    load = dict(zip(header, values))
    assert load["status"] == "complete" and load["version"] == "v1" and load["case_id"] == case.config.case_id
    assert load["rows:long"] == str(rows)
    assert load["tables:string[]"].split(";") == sorted(case.available)
    assert load["started:datetime"] == load["completed:datetime"]
    assert case.config.thresholds.model_dump_json() == load["thresholds"]


def test_writers_of_the_unwind_load_never_share_a_node(tmp_path):
    """The UNWIND load's lanes written at the same time (one round of writer_lanes) never hold
    the same node: where one end of a relationship is a node of its own per row, the lanes'
    other ends are disjoint; where both ends repeat, the lanes' nodes are, round by round; and
    every row is written once."""
    rows = minimal_case()
    # Transfers around a ring of 40 accounts, both ways: both ends of TRANSFER repeat.
    transfer = rows["bank_transfers"][0]
    ring = [f"BX{n}" for n in range(40)]
    rows["accounts"] += [{"account_id": account, "kind": "bank"} for account in ring]
    rows["bank_transfers"] += [{**transfer, "txn_id": f"TR{n}-{way}", "from_account": payer, "to_account": payee}
                               for n, (one, next_one) in enumerate(zip(ring, ring[1:] + ring[:1]))
                               for way, (payer, payee) in enumerate(((one, next_one), (next_one, one)))]
    case = load_case(write_case(tmp_path / "case", rows))
    checked = set()
    for part in graph_parts(case):
        frame = part.rows.frame
        rounds = writer_lanes(frame, 2)
        every = np.concatenate([lane for lanes in rounds for lane in lanes])
        assert sorted(every.tolist()) == list(range(len(frame))), part.group
        if part.label or len(frame) < 2:
            continue
        unique_end = frame["from_id"].is_unique or frame["to_id"].is_unique
        for lanes in rounds:
            if unique_end:
                shared = frame["to_id" if frame["from_id"].is_unique else "from_id"]
                held = [set(shared.iloc[lane]) for lane in lanes]
            else:
                held = [set(frame["from_id"].iloc[lane]) | set(frame["to_id"].iloc[lane]) for lane in lanes]
            if len(held) > 1:
                assert not set.intersection(*held), part.group
        checked.add("one end unique" if unique_end else "both ends repeat")
        if part.type == "TRANSFER":
            assert len(rounds) > 1 and rounds[-1][0].size < len(frame) / 2  # most rows had a writer each
    assert checked == {"one end unique", "both ends repeat"}


def test_temporals_are_iso_text_in_utc_with_missing_ones_empty(tmp_path):
    """Both loads write temporals from the same rows (tests/integration/test_bulk_import.py
    compares the two graphs), so their text is pinned here: date-times in UTC to the
    microsecond with a Z (case.yaml's zone is Asia/Shanghai, 8 hours ahead), dates as dates,
    a missing one empty (no property)."""
    _, _, out = _files(tmp_path, minimal_case())
    entries = {row[1]: row for row in _read(out, "Entry")[1:]}
    assert entries["E1"][2] == "2019-04-02T02:00:00.000000Z"
    assert entries["E8"][2] == "2019-05-02T01:00:00.000000Z"
    header, *rows = _read(out, "MEMBER_OF")
    start, end = header.index("start:date"), header.index("end:date")
    assert sorted((row[start], row[end]) for row in rows) == [("2019-01-01", ""), ("2019-06-01", "2020-12-31")]
