"""Partial cases (contract.md "Bank evidence"): a case needs case.yaml and bank_transfers.csv or
ledger.csv, plus the tables its rows refer to; validate checks every reference still, and
analyze runs what the tables allow, saying in coverage.csv what it skipped."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from casebuilder import bank_only_case, ledger_only_case, minimal_case, minimal_case_with_cash, write_case

from casegraph.cli import main
from casegraph.loaders.case import load_case, read_case
from casegraph.queries.engine import QUESTIONS, Question, analyze, coverage_table
from casegraph.queries.memory.engine import MemoryEngine
from casegraph.queries.output_tables import OUTPUT_TABLES, OutputTable


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


# -- analyze -------------------------------------------------------------------------------------
def analysed(tmp_path: Path, rows, capsys) -> tuple[Path, str]:
    """The output folder of ``casegraph analyze`` on ``rows`` and what it printed."""
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as done:
        main(["-q", "analyze", str(write_case(tmp_path / "case", rows)), "--out", str(out)])
    assert done.value.code == 0
    return out, capsys.readouterr().out


def csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def coverage_of(out: Path) -> dict[str, str]:
    """coverage.csv as analysis -> missing tables ('' for those that ran)."""
    rows = csv_rows(out / "coverage.csv")
    assert all((row["ran"] == "true") == (row["missing_tables"] == "") for row in rows)
    return {row["analysis"]: row["missing_tables"] for row in rows}


def test_bank_only_case_is_analysed_and_says_what_it_skipped(tmp_path, capsys):
    out, printed = analysed(tmp_path, bank_only_case(), capsys)
    assert {f"{name}.csv" for name in OUTPUT_TABLES} <= {p.name for p in out.iterdir()}  # every file, for scripts
    coverage = coverage_of(out)
    assert list(coverage) == list(QUESTIONS)
    assert coverage["client_figures"] == "ledger;clients" and coverage["gang_evidence"] == "platforms"
    assert coverage["account_groups"] == ""
    for name in ("chain", "totals", "income", "gangs", "communities", "unattached", "fake_trades"):
        header = (out / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        assert header == [",".join(OUTPUT_TABLES[name].columns)], name  # the header alone
    # no gang packet: the accounts to freeze (test_bank_only_case_gets_a_packet_of_the_accounts_to_freeze)
    assert [row["csv"] for row in csv_rows(out / "referrals" / "index.csv")] == ["accounts.csv"]
    skipped = [name for name, missing in coverage.items() if missing]
    assert f"skipped {len(skipped)} of {len(QUESTIONS)} analyses" in printed
    assert "  gang_evidence: needs platforms.csv" in printed


def test_ledger_only_case_gets_the_figures_of_the_full_case(tmp_path, capsys):
    """What a partial case allows is computed as in the full case: the clients', agents' and
    platform's figures of the platform back end alone are those of the whole minimal case."""
    out, printed = analysed(tmp_path / "ledger", ledger_only_case(), capsys)
    full, _ = analysed(tmp_path / "full", minimal_case(), capsys)
    coverage = coverage_of(out)
    assert {name for name, missing in coverage.items() if missing} == {
        "person_totals", "person_window_totals", "account_groups", "fake_trades", "platform_fraud",
        "account_flows", "flow_patterns", "statement_requests"}
    assert coverage["person_totals"] == "persons" and coverage["account_groups"] == "accounts"
    assert "  account_groups: needs accounts.csv" in printed

    def figures(folder: Path) -> dict:
        # without trades.csv, turnover is the one figure the ledger-only case cannot have
        return {(row["node_type"], row["node_id"]): {k: v for k, v in row.items() if not k.endswith("turnover")}
                for row in csv_rows(folder / "totals.csv") if row["node_type"] in ("client", "agent", "platform")}

    partial = figures(out)
    assert partial and partial == {key: value for key, value in figures(full).items() if key in partial}
    assert {key for key in figures(full) if key not in partial} == set()
    assert [row["gang_id"] for row in csv_rows(out / "communities.csv")] != []


def test_case_without_trades_skips_the_fake_trade_analyses(tmp_path, capsys):
    rows = minimal_case()
    del rows["trades"], rows["broker_fills"]
    out, _ = analysed(tmp_path, rows, capsys)
    coverage = coverage_of(out)
    assert {name: missing for name, missing in coverage.items() if missing} == {
        "fake_trades": "trades", "platform_fraud": "trades"}
    assert csv_rows(out / "fake_trades.csv") == []
    assert [(row["is_fraud"], row["fake_trade_losses"]) for row in csv_rows(out / "gangs.csv")] == [("", "")]  # unknown
    assert csv_rows(out / "referrals" / "index.csv") != []


def test_cash_transfers_break_no_analysis(tmp_path, capsys):
    """Cash moves no money between two accounts: the platform analyses see the same case (the
    fund flows count the cash, tests/test_flows.py)."""
    out, printed = analysed(tmp_path / "cash", minimal_case_with_cash(), capsys)
    full, _ = analysed(tmp_path / "full", minimal_case(), capsys)
    assert "skipped" not in printed
    flows = {question.output for question in QUESTIONS.values() if question.output}
    for name in set(OUTPUT_TABLES) - flows:
        assert (out / f"{name}.csv").read_bytes() == (full / f"{name}.csv").read_bytes(), name


def test_figures_a_case_cannot_have_are_unknown_not_zero(tmp_path, capsys):
    """Without a ledger, the gangs and suspects are found but their money is unknown: empty
    cells and no income rows, never 0.00 rated below the thresholds. Licence income stays."""
    rows = minimal_case()
    del rows["ledger"]
    out, _ = analysed(tmp_path, rows, capsys)
    (gang,) = csv_rows(out / "gangs.csv")
    assert gang["gang_id"] == "G1" and gang["n_persons"] != ""
    assert all(gang[c] == "" for c in ("n_clients", "deposits", "net_deposit", "is_fraud", "fake_trade_losses"))
    assert [(row["subject_type"], row["method"]) for row in csv_rows(out / "income.csv")] == [
        ("vendor", "license_income")]
    (chain,) = csv_rows(out / "chain.csv")
    assert chain["gang_id"] == "G1" and chain["deposits"] == "" and chain["n_clients"] == ""


class Recording:
    """An engine that remembers the questions it was asked."""

    def __init__(self, engine):
        self.engine, self.asked = engine, []

    def __getattr__(self, name):
        value = getattr(self.engine, name)
        if name in QUESTIONS:
            self.asked.append(name)
        return value


@pytest.mark.parametrize("rows", [bank_only_case, ledger_only_case, minimal_case], ids=lambda f: f.__name__)
def test_only_questions_whose_tables_are_there_are_asked(tmp_path, rows):
    engine = Recording(MemoryEngine(load_case(write_case(tmp_path / "case", rows()))))
    tables = analyze(engine)
    ran = tables["coverage"].set_index("analysis")["ran"]
    assert sorted(engine.asked) == sorted(name for name in QUESTIONS if ran[name])
    for name, table in tables.items():
        assert list(table.columns) == list(OUTPUT_TABLES[name].columns), name


def test_a_question_needs_what_the_answers_it_takes_need():
    """agent_totals and the like take client_figures' answer; platform_fraud takes fake_trades'."""
    takes = {"agent_totals": "client_figures", "platform_totals": "client_figures",
             "person_totals": "client_figures", "platform_fraud": "fake_trades"}
    for name, taken in takes.items():
        assert set(QUESTIONS[taken].needs) <= set(QUESTIONS[name].needs), name


def test_named_questions_are_asked_with_those_whose_answers_they_take(analysed_case):
    """analyze(questions=...): gang discovery, the account groups and the fraud fronts alone give
    the gangs, communities and groups the whole analysis gives; money the questions left out
    would give is unknown, and coverage says they did not run and missed no table."""
    case, full = analysed_case("tiny", 4)
    engine = Recording(MemoryEngine(case))
    some = analyze(engine, questions=["gang_evidence", "account_groups", "platform_fraud"])
    assert sorted(set(engine.asked)) == ["account_groups", "client_figures", "fake_trades", "gang_evidence",
                                         "platform_fraud"]
    for name in ("communities", "account_groups", "fake_trades"):
        pd.testing.assert_frame_equal(some[name], full[name], check_exact=True, obj=name)
    found = ["gang_id", "known_gang_id", "province", "province_evidence", "is_fraud"]
    pd.testing.assert_frame_equal(some["gangs"][found], full["gangs"][found])
    assert full["gangs"]["deposits"].notna().all() and some["gangs"]["deposits"].isna().all()
    assert not full["flow_patterns"].empty and some["flow_patterns"].empty
    coverage = some["coverage"].set_index("analysis")
    assert set(coverage.index[coverage["ran"]]) == set(engine.asked)
    assert coverage["missing_tables"].isna().all()
    with pytest.raises(ValueError, match="no such question: gangs"):
        analyze(engine, questions=["gangs"])


def test_every_question_runs_on_a_full_generated_case(analysed_case):
    _, tables = analysed_case("tiny", 4)
    assert tables["coverage"]["ran"].all()


def test_a_question_that_answers_an_output_plugs_in(tmp_path, monkeypatch):
    """How the fund-flow questions join (queries/engine.py): a method on the engine, an entry of
    QUESTIONS naming its output, the output declared; analyze asks it when its tables are there,
    writes its answer, and otherwise writes the empty answer and says so in coverage."""
    monkeypatch.setitem(OUTPUT_TABLES, "transfer_count", OutputTable("transfer_count", (("n", "count"),)))
    monkeypatch.setitem(QUESTIONS, "transfer_count", Question(
        "transfer_count", ("bank_transfers",), "transfers counted",
        lambda: pd.DataFrame({"n": pd.Series(dtype="int64")}), output="transfer_count"))

    class Counting(MemoryEngine):
        def transfer_count(self) -> pd.DataFrame:
            return pd.DataFrame({"n": [len(self.case["bank_transfers"])]})

    bank = analyze(Counting(load_case(write_case(tmp_path / "bank", bank_only_case()))))
    assert bank["transfer_count"]["n"].tolist() == [len(bank_only_case()["bank_transfers"])]
    ledger = analyze(Counting(load_case(write_case(tmp_path / "ledger", ledger_only_case()))))
    assert ledger["transfer_count"].empty and list(ledger["transfer_count"].columns) == ["n"]
    coverage = ledger["coverage"].set_index("analysis")
    assert coverage.loc["transfer_count"].tolist() == [False, "bank_transfers"]
    # what `casegraph validate` prints as skipped counts the plugged-in question too
    assert coverage_table({"bank_transfers"}).set_index("analysis").loc["transfer_count", "ran"]


def test_bank_only_case_gets_a_packet_of_the_accounts_to_freeze(tmp_path, capsys):
    """No gang to refer: the packet lists the accounts to freeze (those a pattern names and
    those whose statements are in hand) with their flows, and the patterns with their evidence."""
    out, _ = analysed(tmp_path, bank_only_case(), capsys)
    (index,) = csv_rows(out / "referrals" / "index.csv")
    assert index["csv"] == "accounts.csv" and index["n_gangs"] == "0"
    rows = csv_rows(out / "referrals" / "accounts.csv")
    listed = [row["account_id"] for row in rows if row["section"] == "accounts"]
    flows = {row["account_id"]: row for row in csv_rows(out / "account_flows.csv")}
    in_hand = {account for account, row in flows.items() if row["statement_obtained"] == "true"}
    named = {a for row in csv_rows(out / "flow_patterns.csv") for a in row["account_ids"].split(";")}
    assert set(listed) == (in_hand | named) & set(flows) and int(index["n_accounts"]) == len(listed)
    amounts = [int(flows[a]["amount_in"].replace(".", "")) for a in listed]
    assert amounts == sorted(amounts, reverse=True)
    assert all(row["evidence"] for row in rows if row["section"] == "patterns")
    assert (out / "referrals" / "accounts.xlsx").is_file() and (out / "referrals" / "accounts.html").is_file()
