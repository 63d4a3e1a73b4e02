"""`casegraph validate`: every rule of case-format.md, with exact messages and exit codes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from casebuilder import minimal_case, write_case

from casegraph.cli import main
from casegraph.loaders.case import load_case, read_case
from casegraph.loaders.problems import InvalidCase
from casegraph.outputs import MARKER


def problems_of(tmp_path: Path, rows, **kwargs) -> list[str]:
    case, problems = read_case(write_case(tmp_path / "case", rows, **kwargs))
    assert (case is None) == bool(problems)
    return [str(p) for p in problems]


def test_minimal_case_is_valid(tmp_path):
    assert problems_of(tmp_path, minimal_case()) == []


def test_missing_file_that_rows_refer_to(tmp_path):
    rows = minimal_case()
    del rows["clients"]
    assert problems_of(tmp_path, rows) == [
        "clients.csv:1:1: required file is missing: needed by accounts.csv (client_id), ledger.csv (client_id)"]


def test_missing_optional_file_is_fine(tmp_path):
    rows = minimal_case()
    for name in ("gangs", "memberships", "trades", "broker_fills", "logins", "fx_rates"):
        del rows[name]
    assert problems_of(tmp_path, rows) == []


def test_unknown_reference(tmp_path):
    rows = minimal_case()
    rows["clients"][1]["agent_id"] = "A404"
    rows["accounts"][4]["platform_id"] = "P9"
    assert problems_of(tmp_path, rows) == [
        "accounts.csv:6:4: unknown platform_id 'P9' (not in platforms.csv)",
        "clients.csv:3:3: unknown agent_id 'A404' (not in agents.csv)",
    ]


def test_unknown_references_to_one_table_from_many_files(tmp_path):
    """The columns naming accounts are looked up together: each unknown id keeps its own place."""
    rows = minimal_case()
    rows["ledger"][2]["account_id"] = "ACC404"
    rows["ledger"][5]["client_id"] = "C404"
    rows["bank_transfers"][1]["to_account"] = "BK404"
    rows["trades"][0]["account_id"] = "T404"
    rows["broker_fills"][0]["account_id"] = "F404"
    assert problems_of(tmp_path, rows) == [
        "bank_transfers.csv:3:4: unknown to_account 'BK404' (not in accounts.csv)",
        "broker_fills.csv:2:3: unknown account_id 'F404' (not in accounts.csv)",
        "ledger.csv:4:5: unknown account_id 'ACC404' (not in accounts.csv)",
        "ledger.csv:7:4: unknown client_id 'C404' (not in clients.csv)",
        "trades.csv:2:3: unknown account_id 'T404' (not in accounts.csv)",
    ]


def test_unknown_entry_in_id_list(tmp_path):
    rows = minimal_case()
    rows["gangs"][0]["platform_ids"] = "P1;P7"
    assert problems_of(tmp_path, rows) == ["gangs.csv:2:5: unknown platform_ids entry 'P7' (not in platforms.csv)"]


def test_duplicate_id(tmp_path):
    rows = minimal_case()
    rows["persons"].append(dict(rows["persons"][2], name="同名"))
    assert problems_of(tmp_path, rows) == ["persons.csv:7:1: duplicate person_id 'PER3' (first on line 4)"]


def test_agent_cycle(tmp_path):
    rows = minimal_case()
    rows["agents"][0]["parent_agent_id"] = "A2"
    assert problems_of(tmp_path, rows) == [
        "agents.csv:2:4: agent parents form a cycle: A1 -> A2 -> A1",
        "agents.csv:3:4: agent parents form a cycle: A2 -> A1 -> A2",
    ]


def test_agent_parent_on_another_platform(tmp_path):
    rows = minimal_case()
    rows["platforms"].append({"platform_id": "P2", "vendor_id": "V1"})
    rows["agents"].append({"agent_id": "A3", "platform_id": "P2", "parent_agent_id": "A1"})
    assert problems_of(tmp_path, rows) == [
        "agents.csv:4:4: parent agent 'A1' is on platform 'P1', not on this agent's platform"]


def test_bad_money_is_reported_at_its_cell(tmp_path):
    rows = minimal_case()
    rows["ledger"][0]["amount"] = "1,000.5x"
    rows["ledger"][1]["amount"] = "12.345"
    rows["licenses"][0]["price"] = "八十万"
    assert problems_of(tmp_path, rows) == [
        "ledger.csv:2:7: bad money '1,000.5x': expected decimal text with at most 2 decimals",
        "ledger.csv:3:7: bad money '12.345': expected decimal text with at most 2 decimals",
        "licenses.csv:2:5: bad money '八十万': expected decimal text with at most 2 decimals",
    ]


def test_negative_deposit_and_signed_pnl(tmp_path):
    rows = minimal_case()
    rows["ledger"][0]["amount"] = "-300000"
    rows["ledger"][4]["amount"] = "-5000.50"  # pnl may be negative
    assert problems_of(tmp_path, rows) == [
        "ledger.csv:2:7: negative amount '-300000' for kind 'deposit': only pnl and adjustment are signed"]


def test_transfer_amount_must_be_positive(tmp_path):
    rows = minimal_case()
    rows["bank_transfers"][0]["amount"] = "0"
    assert problems_of(tmp_path, rows) == ["bank_transfers.csv:2:5: amount '0' must be greater than 0"]


def test_rebate_needs_beneficiary(tmp_path):
    rows = minimal_case()
    rows["ledger"][5]["beneficiary_agent_id"] = ""
    assert problems_of(tmp_path, rows) == [
        "ledger.csv:7:9: a rebate or commission entry must name beneficiary_agent_id"]


def test_bad_dates_timestamps_enums(tmp_path):
    rows = minimal_case()
    rows["licenses"][0]["sold_on"] = "2019/03/01"
    rows["ledger"][2]["ts"] = "yesterday"
    rows["ledger"][3]["kind"] = "bonus"
    rows["agents"][1]["rebate_rate"] = "1.5"
    assert problems_of(tmp_path, rows) == [
        "agents.csv:3:5: rate '1.5' is outside 0..1",
        "ledger.csv:4:2: bad timestamp 'yesterday': expected ISO 8601 such as 2021-03-04T09:15:00",
        "ledger.csv:5:6: unknown kind 'bonus': expected one of deposit, withdrawal, fee, overnight_fee, pnl, "
        "rebate, commission, adjustment",
        "licenses.csv:2:4: bad date '2019/03/01': expected YYYY-MM-DD",
    ]


def test_missing_required_value_and_column(tmp_path):
    rows = minimal_case()
    rows["persons"][0]["name"] = ""
    folder = write_case(tmp_path / "case", rows)
    (folder / "platforms.csv").write_text("platform_id,name\nP1,环球期货\n", encoding="utf-8")
    assert [str(p) for p in read_case(folder)[1]] == [
        "persons.csv:2:2: missing required value for 'name'",
        "platforms.csv:1:1: missing required column 'vendor_id'",
    ]


def test_ledger_platform_must_match_client(tmp_path):
    rows = minimal_case()
    rows["platforms"].append({"platform_id": "P2", "vendor_id": "V1"})
    rows["ledger"][8]["platform_id"] = "P2"
    assert problems_of(tmp_path, rows) == [
        "ledger.csv:10:3: platform_id 'P2' is not the platform of the entry's client"]


def test_foreign_currency_needs_a_rate(tmp_path):
    rows = minimal_case()
    rows["ledger"][7]["currency"] = "HKD"
    rows["ledger"][8]["currency"] = "USD"
    rows["fx_rates"][0]["date"] = "2019-05-02"
    assert problems_of(tmp_path, rows) == [
        "ledger.csv:9:8: no HKD rate in fx_rates.csv on or before this date"]


def test_foreign_currency_without_fx_rates_csv(tmp_path):
    rows = minimal_case()
    rows["ledger"][7]["currency"] = "HKD"
    del rows["fx_rates"]
    assert problems_of(tmp_path, rows) == [
        "ledger.csv:9:8: no HKD rate in fx_rates.csv on or before this date"]


def test_empty_file_and_header_only(tmp_path):
    folder = write_case(tmp_path / "case", minimal_case())
    (folder / "vendors.csv").write_bytes(b"")
    (folder / "logins.csv").write_text("ts,account_id,actor_id,ip,device_id,ip_province\n", encoding="utf-8")
    (folder / "clients.csv").write_text("client_id,platform_id,agent_id,person_id,registered_on\n", encoding="utf-8")
    _, problems = read_case(folder)
    messages = [str(p) for p in problems]
    assert "vendors.csv:1:1: empty file: expected a header line" in messages
    assert ("clients.csv:1:1: no rows (the file has a header but no data): needed by accounts.csv (client_id), "
            "ledger.csv (client_id)") in messages
    assert not any(m.startswith(("ledger.csv", "accounts.csv")) for m in messages)  # one problem, not one a row
    assert not any(m.startswith("logins.csv") for m in messages)  # optional: header only is fine


def test_ragged_row(tmp_path):
    folder = write_case(tmp_path / "case", minimal_case())
    with open(folder / "persons.csv", "a", encoding="utf-8") as handle:
        handle.write("PER9,多余,x,y,z,w,extra\n")
    assert [str(p) for p in read_case(folder)[1]] == [
        "persons.csv:7:7: expected 6 fields as in the header, found 7"]


def test_every_problem_in_one_run(tmp_path):
    rows = minimal_case()
    rows["ledger"][0]["amount"] = "abc"
    rows["clients"][0]["person_id"] = "NOBODY"
    rows["accounts"][0]["kind"] = "vault"
    with pytest.raises(InvalidCase) as raised:
        load_case(write_case(tmp_path / "case", rows))
    assert len(raised.value.problems) == 3


def test_gbk_file_with_chinese_headers(tmp_path):
    """A GBK ledger export with Chinese headers and values maps onto the contract."""
    folder = write_case(tmp_path / "case", minimal_case())
    header = "流水号,时间,平台编号,客户编号,账户编号,类型,金额,返佣代理\n"
    lines = [
        "E1,2019-04-02T10:00:00,P1,C1,T1,入金,474954,\n",
        "E2,2019-05-03T10:00:00,P1,C1,T1,出金,217893.14,\n",
        "E3,2019-04-30T10:00:00,P1,C1,,返佣,400.00,A2\n",
    ]
    (folder / "ledger.csv").write_bytes((header + "".join(lines)).encode("gbk"))
    case = load_case(folder)
    assert case.encodings["ledger"] == "gb18030"
    ledger = case["ledger"]
    assert ledger["kind"].tolist() == ["deposit", "withdrawal", "rebate"]
    assert ledger["amount"].tolist() == [47495400, 21789314, 40000]
    assert ledger["beneficiary_agent_id"].tolist()[2] == "A2"


def test_gbk_bad_value_reported_with_chinese_text(tmp_path):
    folder = write_case(tmp_path / "case", minimal_case())
    text = "流水号,时间,平台编号,客户编号,类型,金额\nE1,2019-04-02T10:00:00,P1,C1,入金,壹佰元\n"
    (folder / "ledger.csv").write_bytes(text.encode("gbk"))
    assert [str(p) for p in read_case(folder)[1]] == [
        "ledger.csv:2:6: bad money '壹佰元': expected decimal text with at most 2 decimals"]


def test_wide_chinese_ledger_export(tmp_path):
    """入金金额 / 出金金额 / 手续费 columns become one entry per filled cell."""
    folder = write_case(tmp_path / "case", minimal_case())
    text = ("流水号,时间,平台编号,客户编号,入金金额,出金金额,手续费\n"
            "W1,2019-04-02T10:00:00,P1,C1,474954,,30.00\n"
            "W2,2019-05-03T10:00:00,P1,C1,,217893.14,\n")
    (folder / "ledger.csv").write_text(text, encoding="utf-8-sig")
    ledger = load_case(folder)["ledger"]
    assert ledger[["entry_id", "kind", "amount", "_line"]].values.tolist() == [
        ["W1:deposit", "deposit", 47495400, 2],
        ["W1:fee", "fee", 3000, 2],
        ["W2:withdrawal", "withdrawal", 21789314, 3],
    ]


def test_undecodable_bytes(tmp_path):
    folder = write_case(tmp_path / "case", minimal_case())
    (folder / "persons.csv").write_bytes(b"person_id,name\nPER1,\xff\xff\xff\n")
    assert [str(p) for p in read_case(folder)[1]] == [
        "persons.csv:2:2: not valid UTF-8 or GB18030 text (a damaged byte, or another encoding: pin the file's "
        "encoding in case.yaml, e.g. encodings: {persons.csv: big5})"]


def test_extra_columns_are_kept(tmp_path):
    rows = minimal_case()
    rows["persons"][0]["wechat"] = "wx_wang"
    case = load_case(write_case(tmp_path / "case", rows))
    assert case["persons"]["wechat"].tolist()[0] == "wx_wang"


def test_case_yaml_errors(tmp_path):
    folder = write_case(tmp_path / "case", minimal_case(), case_yaml="title: x\ntimezone: Mars/Base\n")
    assert [str(p) for p in read_case(folder)[1]] == [
        "case.yaml:1:1: case_id: Field required",
        "case.yaml:2:1: timezone: Value error, unknown timezone 'Mars/Base'",
    ]


def test_timestamps_with_and_without_offset(tmp_path):
    rows = minimal_case()
    rows["ledger"][0]["ts"] = "2019-04-02T10:00:00+08:00"
    rows["ledger"][1]["ts"] = "2019-04-02T02:00:00Z"
    ts = load_case(write_case(tmp_path / "case", rows))["ledger"]["ts"]
    assert ts[0] == ts[1] == ts[0].tz_convert("UTC")
    assert str(ts[2]) == "2019-05-03 02:00:00+00:00"  # no offset: Asia/Shanghai


def test_cli_exit_codes_and_messages(tmp_path, capsys):
    good = write_case(tmp_path / "good", minimal_case())
    rows = minimal_case()
    rows["ledger"][0]["amount"] = "1,000.5x"
    bad = write_case(tmp_path / "bad", rows)
    with pytest.raises(SystemExit) as ok:
        main(["validate", str(good)])
    assert ok.value.code == 0
    with pytest.raises(SystemExit) as failed:
        main(["validate", str(bad)])
    assert failed.value.code == 1
    err = capsys.readouterr().err
    assert f"{bad}/ledger.csv:2:7: bad money '1,000.5x': expected decimal text with at most 2 decimals" in err
    assert "Traceback" not in err
    with pytest.raises(SystemExit) as usage:
        main(["validate"])
    assert usage.value.code == 2


def test_analyze_invalid_case_writes_only_the_report(tmp_path):
    rows = minimal_case()
    del rows["clients"]
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as failed:
        main(["analyze", str(write_case(tmp_path / "bad", rows)), "--out", str(out)])
    assert failed.value.code == 1
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "problems.txt"]
    assert "clients.csv:1:1: required file is missing: needed by" in (out / "problems.txt").read_text(encoding="utf-8")


def test_sub_account_parent_must_be_a_mother_account(tmp_path):
    rows = minimal_case()
    rows["accounts"][7]["parent_account_id"] = "BK3"
    assert problems_of(tmp_path, rows) == [
        "accounts.csv:9:6: parent account 'BK3' is a bank account, not a mother account"]


def test_period_end_before_start(tmp_path):
    rows = minimal_case()
    rows["memberships"][1]["end"] = "2019-01-31"
    rows["agents"][1]["joined_on"], rows["agents"][1]["left_on"] = "2020-01-01", "2019-12-31"
    assert problems_of(tmp_path, rows) == [
        "agents.csv:3:8: 2019-12-31 is before joined_on",
        "memberships.csv:3:5: 2019-01-31 is before start",
    ]


def test_login_names_an_account_or_actor(tmp_path):
    rows = minimal_case()
    rows["logins"].append({"ts": "2019-04-05T09:00:00", "ip": "10.1.1.2"})
    rows["logins"].append({"ts": "2019-04-05T09:01:00", "actor_id": "GHOST"})
    assert problems_of(tmp_path, rows) == [
        "logins.csv:3:2: a login must name account_id or actor_id",
        "logins.csv:4:3: unknown actor_id 'GHOST' (not in persons.csv or agents.csv or clients.csv)",
    ]


@pytest.mark.parametrize("broken", [False, True], ids=["valid", "broken"])
def test_one_thread_or_side_by_side_reads_the_same(tmp_path, monkeypatch, broken):
    """A small case is read in one thread, a large one side by side (loaders/case.py
    THREADED_FROM): the tables and the problems are the same either way."""
    rows = minimal_case()
    if broken:  # a problem of each kind a thread finds: a cell, a reference, a key, a rule across tables
        rows["ledger"][1]["amount"] = "12.345"
        rows["ledger"][2]["client_id"] = "C404"
        rows["bank_transfers"][1]["txn_id"] = rows["bank_transfers"][0]["txn_id"]
        rows["memberships"][0]["end"] = "2018-01-01"
        rows["logins"][0]["ts"] = "2019-13-05T09:00:00"
    folder = write_case(tmp_path / "case", rows)
    read = {}
    for threaded_from in (0, 1 << 40):
        monkeypatch.setattr("casegraph.loaders.case.THREADED_FROM", threaded_from)
        read[threaded_from] = read_case(folder)
    (alone, alone_problems), (threaded, threaded_problems) = read[1 << 40], read[0]
    assert [str(p) for p in alone_problems] == [str(p) for p in threaded_problems]
    assert bool(alone_problems) == broken and len(alone_problems) >= 5 * broken
    if not broken:
        for name in alone.tables:
            pd.testing.assert_frame_equal(alone[name], threaded[name], obj=name)
