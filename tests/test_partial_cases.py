"""Partial cases (contract.md "Bank evidence"): a case needs case.yaml and bank_transfers.csv or
ledger.csv, plus the tables its rows refer to; validate checks every reference still, and
analyze runs what the tables allow, saying in coverage.csv what it skipped."""

from __future__ import annotations

from pathlib import Path

from casebuilder import bank_only_case, ledger_only_case, minimal_case, write_case

from casegraph.loaders.case import read_case


def problems_of(tmp_path: Path, rows) -> list[str]:
    case, problems = read_case(write_case(tmp_path / "case", rows))
    assert (case is None) == bool(problems)
    return [str(p) for p in problems]


def test_bank_only_case_is_valid(tmp_path):
    case, problems = read_case(write_case(tmp_path / "case", bank_only_case()))
    assert problems == []
    assert case.available == {"persons", "accounts", "bank_transfers", "logins", "statements"}
    assert case.partial == ("vendors", "licenses", "platforms", "agents", "clients", "ledger")
    sides = case["bank_transfers"].set_index("txn_id")[["from_account", "to_account"]]
    assert sides[sides.isna().any(axis=1)].isna().to_dict("index") == {  # the cash side is empty
        "ICBC-0001": {"from_account": True, "to_account": False},
        "CCB-0003": {"from_account": False, "to_account": True}}


def test_ledger_only_case_is_valid(tmp_path):
    case, problems = read_case(write_case(tmp_path / "case", ledger_only_case()))
    assert problems == []
    assert case.available == {"vendors", "platforms", "agents", "clients", "ledger"}


def test_case_with_neither_transfers_nor_ledger_is_one_problem(tmp_path):
    rows = minimal_case()
    del rows["ledger"], rows["bank_transfers"]
    assert problems_of(tmp_path, rows) == [
        "bank_transfers.csv:1:1: required file is missing: a case needs bank_transfers.csv or ledger.csv (or both), "
        "and has neither"]
    assert problems_of(tmp_path / "only-case-yaml", {}) == problems_of(tmp_path, rows)


def test_header_only_evidence_is_no_evidence(tmp_path):
    rows = bank_only_case()
    rows["bank_transfers"] = []
    assert problems_of(tmp_path, rows) == [
        "bank_transfers.csv:1:1: no rows: the file has a header but no data, and a case needs rows in "
        "bank_transfers.csv or ledger.csv"]


def test_bank_only_case_needs_its_accounts(tmp_path):
    """Accounts are not implied by the transfers that name them: a number mistyped in one
    statement would become an account of its own. accounts.csv is one problem, not one a row."""
    rows = bank_only_case()
    del rows["accounts"]
    assert problems_of(tmp_path, rows) == [
        "accounts.csv:1:1: required file is missing: needed by bank_transfers.csv (from_account), "
        "bank_transfers.csv (to_account), logins.csv (account_id), statements.csv (account_id)"]


def test_references_of_a_partial_case_are_checked(tmp_path):
    rows = bank_only_case()
    rows["bank_transfers"][1]["to_account"] = "6217000010009999"
    rows["accounts"][2]["holder_person_id"] = "999"
    rows["statements"][0]["account_id"] = "0200001119000011111"  # an alias, not the account_id
    assert problems_of(tmp_path, rows) == [
        "accounts.csv:4:3: unknown holder_person_id '999' (not in persons.csv)",
        "bank_transfers.csv:3:4: unknown to_account '6217000010009999' (not in accounts.csv)",
        "statements.csv:2:1: unknown account_id '0200001119000011111' (not in accounts.csv)",
    ]


def test_ledger_only_case_needs_what_its_rows_name(tmp_path):
    rows = ledger_only_case()
    rows["ledger"][0]["account_id"] = "T1"
    rows["clients"][0]["person_id"] = "PER3"
    del rows["platforms"]
    assert problems_of(tmp_path, rows) == [
        "accounts.csv:1:1: required file is missing: needed by ledger.csv (account_id)",
        "persons.csv:1:1: required file is missing: needed by clients.csv (person_id)",
        "platforms.csv:1:1: required file is missing: needed by agents.csv (platform_id), "
        "clients.csv (platform_id), ledger.csv (platform_id)",
    ]


def test_transfer_needs_one_side(tmp_path):
    rows = bank_only_case()
    del rows["bank_transfers"][1]["from_account"], rows["bank_transfers"][1]["to_account"]
    assert problems_of(tmp_path, rows) == [
        "bank_transfers.csv:3:3: a transfer must name from_account or to_account"]


def test_aliases_name_one_account(tmp_path):
    rows = bank_only_case()
    accounts = rows["accounts"]
    accounts[1]["aliases"] = "31050161360000002222;6228480030003333"  # another row's account_id
    accounts[2]["aliases"] = "0200001119000011111"  # the first account's alias too
    accounts[3]["aliases"] = "wxid_zhou2222;wxid_zhou2222"  # its own id, twice: harmless
    assert problems_of(tmp_path, rows) == [
        "accounts.csv:3:9: alias '6228480030003333' is the account_id of the account on line 4",
        "accounts.csv:4:9: alias '0200001119000011111' is also an alias of account '6222020200001111' (line 2)",
    ]


def test_statement_period_in_order(tmp_path):
    rows = bank_only_case()
    rows["statements"][1]["last_ts"] = "2021-05-31T23:59:59"
    assert problems_of(tmp_path, rows) == ["statements.csv:3:4: 2021-05-31T23:59:59 is before first_ts"]
