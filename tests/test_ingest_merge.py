"""`casegraph ingest`, the merging half: normalised export frames (as loaders/ingest/exports.py
gives them, built here by hand) merged into case folders."""

from __future__ import annotations

import re
import sys
import types
from dataclasses import dataclass, field, replace

import pandas as pd
import pytest
from casebuilder import minimal_case, write_case

from casegraph.cli import main
from casegraph.loaders.case import read_case
from casegraph.loaders.ingest import merge_into_case, read_ingested_tables
from casegraph.loaders.ingest.merge import MergeSettings

A_CARD, A_ACCOUNT, B_CARD, B_ACCOUNT = "6222000000000001", "31001000000000001", "6222000000000002", "31001000000000002"


@dataclass
class Batch:
    """Normalised frames of one batch of exports (the shape of exports.Exports)."""

    transactions: pd.DataFrame
    accounts: pd.DataFrame = field(default_factory=pd.DataFrame)
    persons: pd.DataFrame = field(default_factory=pd.DataFrame)
    skipped: pd.DataFrame = field(default_factory=pd.DataFrame)


def txn(source: str, row: int, ts: str, direction: str, yuan: float | int, **values) -> dict:
    """One normalised transaction row; amounts given in whole fen via yuan * 100."""
    return {"source": source, "source_row": row, "format": values.pop("format", "zjck_transactions"),
            "ts": pd.Timestamp(ts), "direction": direction, "amount_fen": round(yuan * 100), **values}


def transactions(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["amount_fen"] = frame["amount_fen"].astype("Int64")
    for name, default in (("cash", False), ("succeeded", True), ("reversal", False)):
        if name in frame.columns:
            frame[name] = frame[name].fillna(default).astype(bool)
    for name in frame.columns:
        if frame[name].dtype == object:
            frame[name] = frame[name].fillna("")
    return frame


def both_sides(*, payee_delay: str = "30s", amount: int = 500) -> list[dict]:
    """A's statement (card only) pays B; B's statement (account number) shows it coming in."""
    at = pd.Timestamp("2021-03-05 10:00:00")
    return [
        txn("a.xlsx#交易明细信息", 3, str(at), "out", amount, own_card=A_CARD, own_name="张三",
            own_id_number="110101199001011234", counterparty_id=B_ACCOUNT, counterparty_name="李四"),
        txn("b.csv", 2, str(at + pd.Timedelta(payee_delay)), "in", amount, own_account=B_ACCOUNT, own_card=B_CARD,
            own_name="李四", counterparty_id=A_CARD, counterparty_name="张三"),
    ]


def merged(tmp_path, *batches: Batch, settings: MergeSettings = MergeSettings()) -> dict[str, pd.DataFrame]:
    for batch in batches:
        merge_into_case(tmp_path / "case", batch, settings=settings)
    return read_ingested_tables(tmp_path / "case")


# -- accounts ------------------------------------------------------------------------------------

def test_card_and_account_number_of_one_account_are_one_account(tmp_path):
    rows = both_sides()
    holders = pd.DataFrame([{"source": "a.xlsx#账户信息", "source_row": 2, "format": "zjck_accounts",
                             "own_card": A_CARD, "own_account": A_ACCOUNT, "own_name": "张三",
                             "own_id_number": "110101199001011234", "own_institution": "某某银行",
                             "opened_on": "2019-01-02"}])
    tables = merged(tmp_path, Batch(transactions(*rows), accounts=holders))
    accounts = tables["accounts"].set_index("account_id")
    # The account number is the account_id, the card its alias; B is tied by its own row giving both.
    assert accounts.loc[A_ACCOUNT, "aliases"] == A_CARD
    assert accounts.loc[B_ACCOUNT, "aliases"] == B_CARD
    assert len(accounts) == 2
    assert accounts.loc[A_ACCOUNT, ["institution", "opened_on", "kind"]].tolist() == ["某某银行", "2019-01-02", "bank"]
    # The counterparty named by the card (in B's statement) is A's account.
    transfer = tables["bank_transfers"].iloc[0]
    assert (transfer["from_account"], transfer["to_account"]) == (A_ACCOUNT, B_ACCOUNT)


def test_without_a_tie_card_and_account_stay_two_accounts(tmp_path):
    tables = merged(tmp_path, Batch(transactions(*both_sides())))
    ids = set(tables["accounts"]["account_id"])
    # A's card and A's card as counterparty are one; nothing ties A's card to an account number.
    assert A_CARD in ids and A_ACCOUNT not in ids
    assert len(tables["bank_transfers"]) == 1


def test_counterparty_accounts_are_created_with_their_kind_and_institution(tmp_path):
    rows = [txn("wx.xlsx#交易明细", 2, "2021-03-05 10:00", "out", 88, format="tenpay", own_account="wxid_abc",
                counterparty_id="wxid_xyz", counterparty_name="王五"),
            txn("bank.csv", 2, "2021-03-05 11:00", "in", 10, own_card=A_CARD, counterparty_id="6217000000000009",
                counterparty_institution="某农商行")]
    accounts = merged(tmp_path, Batch(transactions(*rows)))["accounts"].set_index("account_id")
    assert accounts.loc["wxid_xyz", ["kind", "institution"]].tolist() == ["payment", "财付通"]
    assert accounts.loc["wxid_abc", "kind"] == "payment"
    assert accounts.loc["6217000000000009", ["kind", "institution"]].tolist() == ["bank", "某农商行"]


# -- persons -------------------------------------------------------------------------------------

def test_persons_from_id_numbers_and_same_names_kept_apart(tmp_path):
    rows = [txn("a.csv", 2, "2021-03-05 10:00", "out", 1, own_card=A_CARD, own_name="张三",
                own_id_number="110101199001011234", counterparty_id="C1", counterparty_name="王伟"),
            txn("a.csv", 3, "2021-03-05 10:01", "out", 2, own_card=A_CARD, own_name="张三",
                own_id_number="110101199001011234", counterparty_id="C2", counterparty_name="王伟"),
            txn("c.csv", 2, "2021-03-05 10:01", "in", 2, own_card="C2", own_name="王伟", counterparty_id=A_CARD,
                counterparty_name="张三")]
    tables = merged(tmp_path, Batch(transactions(*rows)))
    persons = tables["persons"]
    holder = persons[persons["id_number"] == "110101199001011234"]
    assert len(holder) == 1 and holder["name"].tolist() == ["张三"]
    # Two 王伟 without id numbers on two accounts: two persons, each the holder of their account.
    wangs = persons[persons["name"] == "王伟"]
    assert len(wangs) == 2
    holders = tables["accounts"].set_index("account_id")["holder_person_id"]
    assert holders["C1"] != holders["C2"] and {holders["C1"], holders["C2"]} == set(wangs["person_id"])
    assert holders[A_CARD] == holder["person_id"].iloc[0]
    # 张三 named as counterparty of A_CARD (no id number there) is the holder, not a second 张三.
    assert (persons["name"] == "张三").sum() == 1
    # Each person's source row: where it is best known (a holder's own statement before a counterparty column).
    where = persons.set_index("person_id")[["source", "source_row"]]
    assert where.loc[holders["C2"]].tolist() == ["c.csv", "2"] and where.loc[holders["C1"]].tolist() == ["a.csv", "2"]


# -- both sides of one transfer ------------------------------------------------------------------

def test_the_same_transfer_from_both_sides_is_one_transfer(tmp_path):
    tables = merged(tmp_path, Batch(transactions(*both_sides())))
    transfers, report = tables["bank_transfers"], tables["report"]
    assert len(transfers) == 1
    assert transfers.iloc[0][["amount", "source", "source_row"]].tolist() == ["500.00", "a.xlsx#交易明细信息", "3"]
    assert report[["source", "source_row", "action", "reason"]].values.tolist() == [
        ["b.csv", "2", "merged", "duplicate_of_other_side"]]
    assert report["detail"].tolist() == transfers["txn_id"].tolist()


def test_sides_further_apart_than_the_window_stay_two(tmp_path):
    tables = merged(tmp_path, Batch(transactions(*both_sides(payee_delay="11min"))))
    assert len(tables["bank_transfers"]) == 2
    wide = merged(tmp_path / "wide", Batch(transactions(*both_sides(payee_delay="11min"))),
                  settings=MergeSettings(pair_window=pd.Timedelta(minutes=15)))
    assert len(wide["bank_transfers"]) == 1


def test_sides_pair_one_to_one_nearest_first(tmp_path):
    out = [txn("a.csv", r, ts, "out", 500, own_card=A_CARD, counterparty_id=B_CARD)
           for r, ts in ((2, "2021-03-05 10:00:00"), (3, "2021-03-05 10:04:00"))]
    into = [txn("b.csv", r, ts, "in", 500, own_card=B_CARD, counterparty_id=A_CARD)
            for r, ts in ((2, "2021-03-05 10:04:30"), (3, "2021-03-05 10:00:20"), (4, "2021-03-05 10:05:00"))]
    tables = merged(tmp_path, Batch(transactions(*out, *into)))
    transfers = tables["bank_transfers"].set_index("source_row")
    report = tables["report"].set_index("source_row")
    # 10:00:00 <-> 10:00:20 and 10:04:00 <-> 10:04:30; the third in-row has no partner left.
    assert report.loc["3", "detail"] == transfers[transfers["source"] == "a.csv"].loc["2", "txn_id"]
    assert report.loc["2", "detail"] == transfers[transfers["source"] == "a.csv"].loc["3", "txn_id"]
    assert len(tables["bank_transfers"]) == 3


def test_only_one_side_in_hand_nothing_is_merged(tmp_path):
    tables = merged(tmp_path, Batch(transactions(both_sides()[0])))
    assert len(tables["bank_transfers"]) == 1 and tables.get("report", pd.DataFrame()).empty


def test_a_new_batch_with_the_other_side_merges_into_the_transfer_in_the_case(tmp_path):
    payer, payee = both_sides()
    first = merged(tmp_path, Batch(transactions(payer)))
    assert first["statements"]["account_id"].tolist() == [A_CARD]
    tables = merged(tmp_path, Batch(transactions(payee)))
    assert len(tables["bank_transfers"]) == 1
    assert tables["report"]["reason"].tolist() == ["duplicate_of_other_side"]
    assert tables["report"]["detail"].tolist() == first["bank_transfers"]["txn_id"].tolist()
    assert sorted(tables["statements"]["account_id"]) == sorted([A_CARD, B_ACCOUNT])


# -- rows not taken ------------------------------------------------------------------------------

def test_reversal_pairs_failed_blank_and_unreadable_rows_leave_the_totals(tmp_path):
    rows = [
        txn("a.csv", 2, "2021-03-05 10:00", "out", 300, own_card=A_CARD, counterparty_id="C9"),
        txn("a.csv", 3, "2021-03-05 10:20", "in", 300, own_card=A_CARD, counterparty_id="C9", reversal=True,
            memo="冲正"),
        txn("a.csv", 4, "2021-03-05 11:00", "out", 70, own_card=A_CARD, counterparty_id="C9", succeeded=False),
        txn("a.csv", 5, "2021-03-05 12:00", "", 80, own_card=A_CARD, counterparty_id="C9"),
        txn("a.csv", 6, "2021-03-05 13:00", "out", 90, own_card="", counterparty_id="C9", problem="bad_value",
            detail="交易卡号 6.22848E+18: digits lost in Excel"),
        txn("a.csv", 7, "2021-03-05 14:00", "in", 300, own_card=A_CARD, counterparty_id="C9"),  # a real inflow
        txn("a.csv", 8, "2021-03-06 14:00", "in", 55, own_card=A_CARD, counterparty_id="C9", reversal=True),
    ]
    skipped = pd.DataFrame([{"source": "a.csv", "source_row": 9, "reason": "footer", "detail": "合计"}])
    tables = merged(tmp_path, Batch(transactions(*rows), skipped=skipped))
    report = tables["report"].set_index("source_row")
    assert report.loc[["2", "3"], "reason"].tolist() == ["reversal", "reversal"]
    assert report.loc["3", "detail"] == "reverses a.csv row 2"
    assert report.loc["4", "reason"] == "failed"
    assert report.loc["5", "reason"] == "blank_direction"
    assert report.loc["6", ["reason", "detail"]].tolist() == ["bad_value", "交易卡号 6.22848E+18: digits lost in Excel"]
    assert report.loc["9", ["action", "reason"]].tolist() == ["skipped", "footer"]
    # The in at 14:00 is no reversal (no flag); a flagged reversal whose original is not in hand stays.
    assert sorted(tables["bank_transfers"]["source_row"]) == ["7", "8"]


def test_cash_has_no_account_on_the_cash_side(tmp_path):
    rows = [txn("a.csv", 2, "2021-03-05 10:00", "out", 2000, own_card=A_CARD, cash=True, counterparty_id="ATM1"),
            txn("a.csv", 3, "2021-03-05 11:00", "in", 500, own_card=A_CARD, cash=True, channel="柜面")]
    transfers = merged(tmp_path, Batch(transactions(*rows)))["bank_transfers"]
    assert transfers[["from_account", "to_account", "channel"]].values.tolist() == [
        [A_CARD, "", "cash"], ["", A_CARD, "cash"]]


def test_logins_and_statements(tmp_path):
    rows = [txn("a.csv", 2, "2021-03-05 10:00", "out", 1, own_card=A_CARD, counterparty_id="C1", ip="10.0.0.8",
                mac="AA-BB-CC-00-11-22", own_institution="某某银行"),
            txn("a.csv", 3, "2021-03-07 09:30", "out", 1, own_card=A_CARD, counterparty_id="C1", succeeded=False),
            txn("b.csv", 2, "2021-04-01 08:00", "in", 1, own_card=B_CARD, counterparty_id="C1", ip="10.0.0.9")]
    tables = merged(tmp_path, Batch(transactions(*rows)))
    assert tables["logins"][["ts", "account_id", "ip", "device_id", "source", "source_row"]].values.tolist() == [
        ["2021-03-05T10:00:00", A_CARD, "10.0.0.8", "AA-BB-CC-00-11-22", "a.csv", "2"],
        ["2021-04-01T08:00:00", B_CARD, "10.0.0.9", "", "b.csv", "2"]]
    assert tables["statements"].values.tolist() == [
        [A_CARD, "某某银行", "2021-03-05T10:00:00", "2021-03-07T09:30:00", "a.csv"],
        [B_CARD, "", "2021-04-01T08:00:00", "2021-04-01T08:00:00", "b.csv"]]


# -- the case folder -----------------------------------------------------------------------------

def test_a_new_case_and_the_same_batch_twice_changes_nothing(tmp_path):
    batch = Batch(transactions(*both_sides(), txn("a.csv", 9, "2021-03-05 10:00", "out", 7, own_card=A_CARD,
                                                   counterparty_id="C1", succeeded=False)),
                  skipped=pd.DataFrame([{"source": "a.csv", "source_row": 10, "reason": "footer", "detail": ""}]))
    case = tmp_path / "case"
    first = merge_into_case(case, batch)
    assert first.created and (case / "case.yaml").read_text(encoding="utf-8") == "case_id: case\n"
    files = sorted(p.name for p in case.iterdir())
    assert files == ["accounts.csv", "bank_transfers.csv", "case.yaml", "ingest_report.csv", "logins.csv",
                     "persons.csv", "statements.csv"]
    before = {name: (case / name).read_bytes() for name in files}
    again = merge_into_case(case, batch)
    assert {name: (case / name).read_bytes() for name in files} == before
    assert again.rows_read == 0 and not any(again.added.values()) and not again.reasons


def test_ids_already_in_a_full_case_are_reused_and_the_case_stays_valid(tmp_path):
    case = write_case(tmp_path / "case", minimal_case())
    # BK3's statement names the account by its account number and its card: BK3 stays the account_id.
    rows = [txn("bk3.csv", 2, "2019-06-01 10:00", "out", 1000, own_account="BK3", own_card="6222BK3",
                own_name="张某", counterparty_id="BK4"),
            txn("bk3.csv", 3, "2019-06-02 10:00", "in", 20, own_card="6222BK3", counterparty_id="6217NEW",
                counterparty_name="新某", counterparty_id_number="330102198001010011")]
    result = merge_into_case(case, Batch(transactions(*rows)))
    tables = read_ingested_tables(case)
    accounts = tables["accounts"].set_index("account_id")
    assert accounts.loc["BK3", ["aliases", "holder_person_id"]].tolist() == ["6222BK3", "PER3"]
    assert result.added["accounts"] == 1 and accounts.loc["6217NEW", "holder_person_id"] == "P330102198001010011"
    assert tables["bank_transfers"].iloc[-2:][["from_account", "to_account"]].values.tolist() == [
        ["BK3", "BK4"], ["6217NEW", "BK3"]]
    loaded, problems = read_case(case)
    assert problems == [] and len(loaded["bank_transfers"]) == 4


# -- the command ---------------------------------------------------------------------------------

def run(*argv) -> int:
    with pytest.raises(SystemExit) as done:
        main([str(a) for a in argv])
    return done.value.code


@pytest.fixture
def fake_reader(monkeypatch):
    """exports.read_exports stood in for by a function returning the batch the test sets."""
    batches = {}
    module = types.ModuleType("casegraph.loaders.ingest.exports")
    def read_exports(paths, *, profile=None, progress=None, **reading):  # chunk_bytes, transaction_columns
        batches["asked"] = ([p.name for p in paths], profile)
        return replace(batches["next"])  # a new batch at each reading, as the reader gives (ingest takes it over)

    module.read_exports = read_exports
    monkeypatch.setitem(sys.modules, "casegraph.loaders.ingest.exports", module)
    return batches


def test_cli_ingest_writes_the_case_and_exits_0(tmp_path, fake_reader, capsys):
    source = tmp_path / "a.csv"
    source.write_text("x", encoding="utf-8")
    fake_reader["next"] = Batch(transactions(*both_sides()))
    assert run("-q", "ingest", tmp_path / "case", source, "--profile", "amlsim") == 0
    assert fake_reader["asked"] == (["a.csv"], "amlsim")
    assert "duplicate_of_other_side 1" in capsys.readouterr().out
    assert len(read_ingested_tables(tmp_path / "case")["bank_transfers"]) == 1
    # The same file again: nothing new, and no failure.
    assert run("-q", "ingest", tmp_path / "case", source) == 0
    assert "0 new transaction rows" in capsys.readouterr().out


def test_cli_ingest_with_nothing_usable_exits_1(tmp_path, fake_reader, capsys):
    source = tmp_path / "a.csv"
    source.write_text("x", encoding="utf-8")
    fake_reader["next"] = Batch(pd.DataFrame(), skipped=pd.DataFrame(
        [{"source": "a.csv", "source_row": 1, "reason": "unknown_sheet", "detail": "no known header"}]))
    assert run("-q", "ingest", tmp_path / "case", source) == 1
    assert "nothing usable" in capsys.readouterr().err


def test_cli_ingest_usage_errors_exit_2(tmp_path, capsys):
    assert run("ingest", tmp_path / "case") == 2
    assert run("ingest", tmp_path / "case", tmp_path / "missing.csv") == 2
    # typer's error box wraps a long path across its lines
    assert "missing.csv" in re.sub(r"[\s│]", "", capsys.readouterr().err)


def test_cli_ingest_reports_a_broken_case_table_at_its_place(tmp_path, fake_reader, capsys):
    case = tmp_path / "case"
    case.mkdir()
    (case / "accounts.csv").write_bytes(b"account_id,kind\nA\xff\xfe\x00,bank\n")
    source = tmp_path / "a.csv"
    source.write_text("x", encoding="utf-8")
    fake_reader["next"] = Batch(transactions(*both_sides()))
    assert run("-q", "ingest", case, source) == 1
    err = capsys.readouterr().err
    assert f"{case / 'accounts.csv'}:2:" in err and "Traceback" not in err


def test_a_later_batch_naming_an_account_by_its_alias_reaches_that_account(tmp_path):
    holders = pd.DataFrame([{"source": "a.xlsx#账户信息", "source_row": 2, "own_card": A_CARD,
                             "own_account": A_ACCOUNT, "own_name": "张三"}])
    merged(tmp_path, Batch(transactions(both_sides()[0]), accounts=holders))
    # The second batch knows A only by its card, as counterparty and as holder.
    later = [txn("c.csv", 2, "2021-04-01 09:00", "in", 9, own_card="6217000000000005", counterparty_id=A_CARD),
             txn("d.csv", 2, "2021-04-02 09:00", "out", 8, own_card=A_CARD, counterparty_id="6217000000000005")]
    tables = merged(tmp_path, Batch(transactions(*later)))
    transfers = tables["bank_transfers"].set_index("source")
    assert transfers.loc["c.csv", "from_account"] == A_ACCOUNT and transfers.loc["d.csv", "from_account"] == A_ACCOUNT
    assert A_CARD not in set(tables["accounts"]["account_id"])
    assert sorted(tables["statements"]["account_id"]) == sorted([A_ACCOUNT, A_ACCOUNT, "6217000000000005"])


# -- raw files to case folder, through the reader ------------------------------------------------

ZJCK_HEADER = ["交易卡号", "交易账号", "交易方户名", "交易证件号码", "交易时间", "交易金额", "收付标志",
               "交易对手账卡号", "现金标志", "对手户名", "摘要说明", "交易币种", "交易是否成功", "IP地址", "交易流水号"]


def write_zjck(path, rows: list[dict]) -> None:
    """A 资金查控 交易明细信息 CSV as banks send it: GBK, a title line, a 合计 footer."""
    lines = ["交易明细信息", ",".join(ZJCK_HEADER)]
    lines += [",".join(row.get(name, "") for name in ZJCK_HEADER) for row in rows]
    lines += ["合计," + "," * (len(ZJCK_HEADER) - 2)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))


def test_raw_statements_of_both_sides_end_to_end(tmp_path, capsys):
    a, b, case = tmp_path / "张三流水.csv", tmp_path / "李四流水.csv", tmp_path / "case"
    write_zjck(a, [  # A's statement names A by card only; B by account number
        {"交易卡号": A_CARD, "交易方户名": "张三", "交易时间": "2021-03-05 10:15:30", "交易金额": "\"5,000.00\"",
         "收付标志": "出", "交易对手账卡号": B_ACCOUNT, "现金标志": "转", "对手户名": "李四", "交易是否成功": "成功",
         "IP地址": "10.1.2.3", "交易流水号": "A1"},
        {"交易卡号": A_CARD, "交易方户名": "张三", "交易时间": "2021-03-05 11:00:00", "交易金额": "70.00",
         "收付标志": "出", "交易对手账卡号": B_ACCOUNT, "现金标志": "转", "交易是否成功": "失败", "交易流水号": "A2"}])
    write_zjck(b, [  # B's statement gives B's card and account number, and A by card
        {"交易卡号": B_CARD, "交易账号": B_ACCOUNT, "交易方户名": "李四", "交易时间": "2021-03-05 10:16:02",
         "交易金额": "5000.00", "收付标志": "进", "交易对手账卡号": A_CARD, "现金标志": "转", "对手户名": "张三",
         "交易是否成功": "成功", "交易流水号": "B7"}])
    assert run("-q", "ingest", case, a, b) == 0
    tables = read_ingested_tables(case)
    transfers = tables["bank_transfers"]
    assert transfers[["from_account", "to_account", "amount", "source_row"]].values.tolist() == [
        [A_CARD, B_ACCOUNT, "5000.00", "3"]]
    assert sorted(tables["report"]["reason"]) == ["duplicate_of_other_side", "failed", "footer", "footer"]
    assert tables["accounts"].set_index("account_id").loc[B_ACCOUNT, "aliases"] == B_CARD
    assert tables["logins"][["account_id", "ip"]].values.tolist() == [[A_CARD, "10.1.2.3"]]
    before = {p.name: p.read_bytes() for p in case.iterdir()}
    assert run("-q", "ingest", case, a, b) == 0
    assert {p.name: p.read_bytes() for p in case.iterdir()} == before


def test_rows_with_an_unreadable_amount_or_currency_are_reported_and_the_rest_merges(tmp_path, capsys):
    """One unreadable amount among rows with counterparties ended ingest in a traceback (the
    pairing of both sides read every row's amount, not only the rows taken); a 交易币种 that names
    no currency was written through, and the case then failed validation."""
    statement, case = tmp_path / "张三流水.csv", tmp_path / "case"
    row = {"交易卡号": A_CARD, "交易方户名": "张三", "收付标志": "出", "交易对手账卡号": B_ACCOUNT, "现金标志": "转",
           "交易是否成功": "成功"}
    write_zjck(statement, [
        {**row, "交易时间": "2021-03-05 10:15:30", "交易金额": "5000.00", "交易流水号": "A1"},
        {**row, "交易时间": "2021-03-05 11:15:30", "交易金额": "?", "交易流水号": "A2"},
        {**row, "交易时间": "2021-03-05 12:15:30", "交易金额": "60.00", "交易币种": "合计", "交易流水号": "A3"}])
    assert run("-q", "ingest", case, statement) == 0
    tables = read_ingested_tables(case)
    assert tables["bank_transfers"][["amount", "currency", "source_row"]].values.tolist() == [["5000.00", "CNY", "3"]]
    report = tables["report"].set_index("source_row")
    assert report.loc[["4", "5"], "reason"].tolist() == ["bad_value", "bad_value"]
    assert "交易金额 ? is not an amount" in report.loc["4", "detail"]
    assert "交易币种 合计 is not a currency" in report.loc["5", "detail"]
    assert run("-q", "validate", case) == 0


def test_cells_that_say_no_value_are_blank_not_an_account_everyone_paid(tmp_path, capsys):
    """Database exports print an empty cell as NULL (or \\N, NaN, --, 无; an id as zeros). Taken
    as they were, "NULL" became one counterparty account that every such row of every statement
    paid: a hub joining holders who share nothing."""
    rows = []
    for holder, card in (("张三", A_CARD), ("李四", B_CARD)):
        for i, (nothing, no_name) in enumerate(zip(["NULL", "\\N", "--", "000000", "NaN"],
                                                   ["NULL", "\\N", "--", "无", "None"])):
            rows.append({"交易卡号": card, "交易方户名": holder, "交易时间": f"2021-03-05 1{i}:00:00",
                         "交易金额": "10.00", "收付标志": "出", "交易对手账卡号": nothing, "对手户名": no_name,
                         "摘要说明": "无", "交易是否成功": "成功", "交易流水号": f"{card}-{i}"})
    statement, case = tmp_path / "流水.csv", tmp_path / "case"
    write_zjck(statement, rows)
    assert run("-q", "ingest", case, statement) == 0
    tables = read_ingested_tables(case)
    assert sorted(tables["accounts"]["account_id"]) == [A_CARD, B_CARD]
    assert sorted(tables["persons"]["name"]) == ["张三", "李四"]
    transfers = tables["bank_transfers"]
    assert len(transfers) == 10 and set(transfers["to_account"]) == {""} and set(transfers["memo"]) == {""}
    assert run("-q", "validate", case) == 0


def test_ingest_names_the_currencies_fx_rates_csv_has_no_rate_for(tmp_path, capsys):
    """validate refuses a transfer in a currency without a rate: ingest says which to add, at once."""
    row = {"交易卡号": A_CARD, "交易时间": "2021-03-05 10:00:00", "交易金额": "10.00", "收付标志": "出",
           "交易对手账卡号": B_ACCOUNT}
    statement, case = tmp_path / "流水.csv", tmp_path / "case"
    write_zjck(statement, [{**row, "交易币种": currency, "交易流水号": currency}
                           for currency in ("美元", "EUR", "人民币")])
    case.mkdir()
    (case / "fx_rates.csv").write_text("date,currency,cny_per_unit\n2020-01-01,USD,7.1\n")
    capsys.readouterr()
    assert run("-q", "ingest", case, statement) == 0
    said = capsys.readouterr().out
    assert "the transfers hold amounts in EUR: add their rates" in said and "USD" not in said.split("\n")[1]
    (case / "fx_rates.csv").write_text("date,currency,cny_per_unit\n2020-01-01,USD,7.1\n2020-01-01,EUR,7.8\n")
    assert run("-q", "ingest", case, statement) == 0
    assert "add their rates" not in capsys.readouterr().out
    assert run("-q", "validate", case) == 0


def test_local_times_the_case_timezone_skipped_or_repeated_are_bad_values(tmp_path, capsys):
    """Banks print local times; one the case's clocks skipped (China's DST, 1986-1991) or
    repeated names no one instant. Written through, it made a case that validate refuses."""
    row = {"交易卡号": A_CARD, "交易方户名": "张三", "交易金额": "10.00", "收付标志": "出", "交易对手账卡号": B_ACCOUNT,
           "现金标志": "转", "交易是否成功": "成功"}
    # Shanghai's skipped hour and its repeated hour; New York's skipped hour.
    times = ["1986-05-04 02:30:00", "1986-09-14 01:30:00", "2021-03-14 02:30:00"]
    statement = tmp_path / "张三流水.csv"
    write_zjck(statement, [{**row, "交易时间": ts, "交易流水号": f"A{i}"} for i, ts in enumerate(times)])
    shanghai, new_york = tmp_path / "shanghai", tmp_path / "new_york"
    new_york.mkdir()
    (new_york / "case.yaml").write_text("case_id: ny\ntimezone: America/New_York\n")
    for case in (shanghai, new_york):
        assert run("-q", "ingest", case, statement) == 0
        assert run("-q", "validate", case) == 0
    report = read_ingested_tables(shanghai)["report"].set_index("source_row")
    assert read_ingested_tables(shanghai)["bank_transfers"]["source_row"].tolist() == ["5"]
    assert report.loc["3", "detail"].startswith(
        "nonexistent local time '1986-05-04T02:30:00' (DST gap) in Asia/Shanghai")
    assert report.loc["4", "detail"].startswith("ambiguous local time '1986-09-14T01:30:00' (DST change)")
    report = read_ingested_tables(new_york)["report"].set_index("source_row")
    assert read_ingested_tables(new_york)["bank_transfers"]["source_row"].tolist() == ["3", "4"]
    assert report.loc["5", "detail"].startswith(
        "nonexistent local time '2021-03-14T02:30:00' (DST gap) in America/New_York")


def test_ingest_into_a_case_whose_case_yaml_is_broken_says_where(tmp_path, capsys):
    case, statement = tmp_path / "case", tmp_path / "张三流水.csv"
    case.mkdir()
    (case / "case.yaml").write_text("case_id: x\ntimezone: Mars/Olympus\n")
    write_zjck(statement, [{"交易卡号": A_CARD, "交易时间": "2021-03-05 10:00:00", "交易金额": "10.00",
                            "收付标志": "出"}])
    assert run("-q", "ingest", case, statement) == 1
    assert "case.yaml:2:" in capsys.readouterr().err and not (case / "bank_transfers.csv").exists()


def test_an_account_row_with_an_unreadable_opening_date_is_kept_without_it_and_reported(tmp_path, capsys):
    """账户信息 rows are accounts however their dates read: the date that is none (or outside
    the years a case holds) is left empty and reported, where it was written through and the
    case then failed validation. A row without an id number gives its holder once (it gave a
    second person of the name alone). Ingesting the sheet again changes nothing."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "账户信息"
    sheet.append(["账户开户名称", "开户人证件号码", "交易卡号", "交易账号", "账号开户时间", "账号开户银行", "联系电话"])
    for i, opened in enumerate(["2015-06-01", "2021-02-30", "1800-01-01", "", "not a date"]):
        sheet.append([f"户{i}", "", f"62220000000000{i:02d}", f"3100100000000{i:02d}", opened, "中国工商银行",
                      "13800000000" if i == 0 else ""])
    source, case = tmp_path / "账户.xlsx", tmp_path / "case"
    workbook.save(source)
    assert run("-q", "ingest", case, source) == 0
    tables = read_ingested_tables(case)
    opened = tables["accounts"].set_index("account_id")["opened_on"]
    assert [opened[f"3100100000000{i:02d}"] for i in range(5)] == ["2015-06-01", "", "", "", ""]
    # Each row's holder once, with the phone the row gives (no second person of the name alone).
    persons = tables["persons"].set_index("person_id")
    assert sorted(persons.index) == [f"P:户{i}@3100100000000{i:02d}" for i in range(5)]
    assert persons.loc["P:户0@310010000000000", "phone"] == "13800000000"
    report = tables["report"]
    assert report[["source_row", "action", "reason"]].values.tolist() == [
        ["3", "kept", "bad_value"], ["4", "kept", "bad_value"], ["6", "kept", "bad_value"]]
    assert report["detail"].tolist()[0] == "账号开户时间 2021-02-30 is not a date in 1900-01-01..2199-12-31: left empty"
    before = {path.name: path.read_bytes() for path in case.iterdir()}
    assert run("-q", "ingest", case, source) == 0
    assert {path.name: path.read_bytes() for path in case.iterdir()} == before
    (case / "bank_transfers.csv").write_text("txn_id,ts,from_account,to_account,amount\n"
                                             "T1,2021-03-05T10:00:00,310010000000000,310010000000001,5.00\n")
    assert run("-q", "validate", case) == 0


def test_a_holder_known_by_an_id_number_alone_is_unnamed_and_a_mask_alone_is_no_one(tmp_path, capsys):
    """persons.csv needs a name: a holder an id number names but no row names is "(unnamed)";
    a masked number without a name names no one (both were written with an empty name, and the
    case failed validation; the masked one as person "P:")."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "账户信息"
    sheet.append(["账户开户名称", "开户人证件号码", "交易卡号", "交易账号", "账号开户时间"])
    sheet.append(["", "110101199001011234", "6222000000000001", "31001000000000001", "2015-06-01"])
    sheet.append(["", "110***********1234", "6222000000000002", "31001000000000002", "2015-06-01"])
    source, case = tmp_path / "账户.xlsx", tmp_path / "case"
    workbook.save(source)
    assert run("-q", "ingest", case, source) == 0
    tables = read_ingested_tables(case)
    assert tables["persons"][["person_id", "name"]].values.tolist() == [["P110101199001011234", "(unnamed)"]]
    holders = tables["accounts"].set_index("account_id")["holder_person_id"]
    assert holders["31001000000000001"] == "P110101199001011234" and holders["31001000000000002"] == ""
    (case / "bank_transfers.csv").write_text("txn_id,ts,from_account,to_account,amount\n"
                                             "T1,2021-03-05T10:00:00,31001000000000001,31001000000000002,5.00\n")
    assert run("-q", "validate", case) == 0


@pytest.mark.slow  # an analysis end to end: the fast tier reads the map (tests/test_ingest_read.py)
def test_the_fincen_map_ingested_and_analyzed_in_cny(tmp_path, capsys):
    """Data nobody here wrote, end to end: the FinCEN map (USD) ingested, a USD rate added, and
    every bank's money out in account_flows.csv is its transfers' USD at that rate, to the fen."""
    from test_ingest_read import FINCEN

    case, out = tmp_path / "case", tmp_path / "out"
    assert run("-q", "ingest", case, FINCEN) == 0
    (case / "fx_rates.csv").write_text("date,currency,cny_per_unit\n1999-01-01,USD,7\n")
    assert run("-q", "analyze", case, "--out", out) == 0
    transfers = pd.read_csv(case / "bank_transfers.csv", dtype=str)
    flows = pd.read_csv(out / "account_flows.csv", dtype=str)

    def fen(amounts: pd.Series) -> int:
        return int(amounts.str.replace(".", "", regex=False).astype("int64").sum())

    assert len(transfers) == 4_501 and set(transfers["currency"]) == {"USD"}
    assert fen(flows["amount_out"]) == fen(transfers["amount"]) * 7 == fen(flows["amount_in"])


def test_a_batch_taken_over_and_tables_written_in_slices_give_the_same_files(tmp_path):
    from casegraph.loaders.ingest import INGESTED_TABLES, REPORT_FILE, _write_table
    from casegraph.loaders.ingest.merge import merge_exports

    rows = [*both_sides(), txn("c.csv", 7, "2021-03-06 09:00:00", "out", 300, own_card=A_CARD, cash=True,
                               channel="柜面", memo="取现", ip="10.0.0.1", mac="AA-BB")]
    kept = merge_into_case(tmp_path / "kept", Batch(transactions(*rows)))
    batch = Batch(transactions(*rows))
    released = merge_into_case(tmp_path / "released", batch, release=True)
    assert batch.transactions is None and released.added == kept.added
    for file in [*(f"{name}.csv" for name in INGESTED_TABLES), REPORT_FILE]:
        assert (tmp_path / "released" / file).read_bytes() == (tmp_path / "kept" / file).read_bytes()
    # One row at a time: the bytes of one write, categories (accounts, memo, source) and all.
    tables = merge_exports(Batch(transactions(*rows)), {}).tables
    for name in ("bank_transfers", "logins"):
        _write_table(tables[name], tmp_path / "whole.csv")
        _write_table(tables[name], tmp_path / "slices.csv", slice_rows=1)
        assert (tmp_path / "slices.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
        assert len((tmp_path / "whole.csv").read_bytes().splitlines()) == len(tables[name]) + 1 >= 2
