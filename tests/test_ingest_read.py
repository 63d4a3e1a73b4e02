"""Reading raw bank and payment exports (loaders/ingest/exports.py): every file here is written
by the test the way banks write them (openpyxl workbooks with several sheets, GBK / GB18030 CSV
with title lines and footers, UTF-8 with a byte-order mark)."""

from __future__ import annotations

import csv
import datetime
import importlib.util
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from casegraph.loaders.ingest.exports import (
    ACCOUNT_COLUMNS,
    SKIPPED_COLUMNS,
    TRANSACTION_COLUMNS,
    UnreadableExports,
    parse_times,
    read_exports,
    shipped_formats,
)

AMLSIM = Path("/work/shared/external/amlsim-10k/transactions.csv")
FINCEN = Path("/work/shared/external/fincen/download_transactions_map.csv")


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "gbk", titles: list[str] = (),
              footer: list[str] = ()) -> Path:
    lines = list(titles) + [",".join(row) for row in rows] + list(footer)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def by_row(frame: pd.DataFrame) -> dict[int, dict]:
    return {int(row["source_row"]): row for row in frame.to_dict("records")}


ZJCK_HEADER = ["交易卡号", "交易账号", "交易方户名", "交易证件号码", "交易时间", "交易金额", "交易余额", "收付标志",
               "交易对手账卡号", "现金标志", "对手户名", "摘要说明", "交易币种", "交易是否成功", "IP地址", "MAC地址",
               "交易流水号", "查询反馈结果原因"]


def zjck_row(**cells) -> list[str]:
    base = {"交易卡号": "6222021234567890123", "交易账号": "1001234567890", "交易方户名": "张三",
            "交易证件号码": "11010119900101123x", "交易时间": "2021-03-05 10:15:30", "交易金额": "100.00",
            "交易余额": "500.00", "收付标志": "出", "交易对手账卡号": "6217000011112222", "现金标志": "转",
            "对手户名": "李四", "摘要说明": "转账", "交易币种": "人民币", "交易是否成功": "成功", "IP地址": "",
            "MAC地址": "", "交易流水号": "SN1", "查询反馈结果原因": ""}
    base.update(cells)
    return [base[name] for name in ZJCK_HEADER]


def test_zjck_gbk_csv_with_titles_footers_and_every_reading_trap(tmp_path):
    rows = [
        ZJCK_HEADER,
        zjck_row(交易卡号="\t6222021234567890123", 交易流水号="SN1"),                       # line 4
        zjck_row(交易卡号="'6222021234567890123", 交易账号="1001234567890_156_1",
                 交易时间="2021-03-05-10.16.30.000000", 交易金额='"1,234.56"', 收付标志="进", 交易流水号="SN2"),
        zjck_row(交易卡号="6.22848E+18", 交易时间="20210305101730", 交易金额="￥２００．５０", 交易流水号="SN3"),
        zjck_row(交易账号="1001234567890.0", 交易时间="44260.4271", 收付标志="", 交易流水号="SN4"),
        zjck_row(交易是否成功="失败", 摘要说明="冲正", 现金标志="现", 交易流水号="SN5"),       # line 8
        zjck_row(查询反馈结果原因="查询失败:账号不存在", 交易流水号=""),                         # line 9
        zjck_row(交易时间="not a time", 交易金额="12x", 交易流水号="SN7"),                       # line 10
        [""] * len(ZJCK_HEADER),                                                               # line 11: blank
        ["", "", "", "", "", "999.00"] + [""] * (len(ZJCK_HEADER) - 6),                       # line 12: no id, no time
    ]
    path = write_csv(tmp_path / "流水.csv", rows, titles=["交易明细信息", "查询时间：2021-04-01"],
                     footer=["合计,,,,,1434.56", "共 7 条"])
    exports = read_exports([path])
    txns = by_row(exports.transactions)
    assert sorted(txns) == [4, 5, 6, 7, 8, 10]
    assert set(exports.transactions["format"]) == {"zjck_transactions"}
    assert set(exports.transactions["source"]) == {"流水.csv"}
    assert txns[4]["own_card"] == "6222021234567890123" and txns[4]["own_id_number"] == "11010119900101123X"
    assert txns[5]["own_card"] == "6222021234567890123" and txns[5]["own_account"] == "1001234567890"
    assert txns[5]["amount_fen"] == 123456 and txns[5]["direction"] == "in"
    assert txns[5]["ts"] == pd.Timestamp("2021-03-05 10:16:30")
    # Excel's exponent: the card is not guessed, the row is kept and says why.
    assert txns[6]["own_card"] == "" and txns[6]["problem"] == "bad_value"
    assert "交易卡号 6.22848E+18" in txns[6]["detail"] and "digits lost" in txns[6]["detail"]
    assert txns[6]["amount_fen"] == 20050 and txns[6]["ts"] == pd.Timestamp("2021-03-05 10:17:30")
    assert txns[7]["own_account"] == "1001234567890" and txns[7]["direction"] == ""
    assert txns[7]["ts"] == pd.Timestamp("2021-03-05 10:15:01")  # Excel serial 44260.4271
    assert txns[4]["succeeded"] and not txns[8]["succeeded"]
    assert txns[8]["reversal"] and not txns[4]["reversal"] and txns[8]["cash"] and not txns[4]["cash"]
    assert txns[4]["currency"] == "CNY" and txns[4]["balance_fen"] == 50000 and txns[4]["serial"] == "SN1"
    assert pd.isna(txns[10]["ts"]) and pd.isna(txns[10]["amount_fen"]) and txns[10]["problem"] == "bad_value"
    assert "交易时间 not a time" in txns[10]["detail"] and "交易金额 12x" in txns[10]["detail"]
    assert all(txns[line]["problem"] == "" for line in (4, 5, 7, 8))
    skipped = {int(row.source_row): row.reason for row in exports.skipped.itertuples()}
    assert skipped == {9: "feedback_error", 11: "blank_row", 12: "footer", 13: "footer", 14: "footer"}
    assert list(exports.transactions.columns) == TRANSACTION_COLUMNS
    assert list(exports.skipped.columns) == SKIPPED_COLUMNS
    assert exports.transactions["amount_fen"].dtype == "Int64"
    assert exports.transactions["ts"].dtype == "datetime64[ns]"


def test_a_currency_cell_that_names_no_currency_is_a_bad_value(tmp_path):
    """A name or number banks print is its code, a code is kept (its rate comes from
    fx_rates.csv), a blank is CNY; a total's 合计 or a stray number is no currency: written
    through, it made a case that validate refuses only after the merge."""
    rows = [ZJCK_HEADER] + [zjck_row(交易币种=cell, 交易流水号=f"SN{i}")
                            for i, cell in enumerate(["人民币", "156", "usd", "GBP", "", "合计", "0", "C N Y"])]
    txns = by_row(read_exports([write_csv(tmp_path / "流水.csv", rows)]).transactions)
    assert [txns[line]["currency"] for line in range(2, 7)] == ["CNY", "CNY", "USD", "GBP", "CNY"]
    assert all(txns[line]["problem"] == "" for line in range(2, 7))
    for line, cell in ((7, "合计"), (8, "0"), (9, "C N Y")):
        assert txns[line]["problem"] == "bad_value"
        assert f"交易币种 {cell} is not a currency" in txns[line]["detail"]


def test_addresses_printed_where_there_was_none_are_no_device(tmp_path):
    """A counter's entry carries 0.0.0.0 or 00-00-00-00-00-00 in some banks' exports: read as
    they were, they made holders who share nothing a shared device (flow_patterns.csv's
    shared_device, the gang graph's logins)."""
    cells = [("0.0.0.0", "00-00-00-00-00-00"), ("127.0.0.1", "000000000000"), ("255.255.255.255", "FF:FF:FF:FF:FF:FF"),
             ("10.1.2.3", "00-1A-2B-3C-4D-5E"), ("100.0.0.0", "00-00-00-00-00-01")]
    rows = [ZJCK_HEADER] + [zjck_row(IP地址=ip, MAC地址=mac, 交易流水号=f"SN{i}") for i, (ip, mac) in enumerate(cells)]
    txns = read_exports([write_csv(tmp_path / "流水.csv", rows)]).transactions
    assert txns[["ip", "mac"]].values.tolist() == [["", ""], ["", ""], ["", ""], ["10.1.2.3", "00-1A-2B-3C-4D-5E"],
                                                   ["100.0.0.0", "00-00-00-00-00-01"]]


def test_a_misfit_row_mid_file_and_a_quoted_line_break_keep_the_row_numbers(tmp_path):
    header = ["交易卡号", "交易时间", "交易金额", "收付标志", "摘要说明"]
    path = tmp_path / "t.csv"
    text = ("明细\n" + ",".join(header) + "\n"
            "6222000000000001,2021-03-05 10:00:00,1.00,出,\"两行\n摘要\"\n"   # lines 3-4
            "小计,1.00\n"                                                      # line 5: a footer mid-file
            "6222000000000001,2021-03-05 11:00:00,2.00,进,x\n")               # line 6
    path.write_bytes(text.encode("gb18030"))
    exports = read_exports([path])
    assert exports.transactions["source_row"].tolist() == [3, 6]
    assert exports.transactions["memo"].tolist() == ["两行\n摘要", "x"]
    assert exports.skipped[["source_row", "reason"]].values.tolist() == [[5, "footer"]]


def test_gb18030_beyond_gbk_utf8_bom_and_tab_separated(tmp_path):
    rows = [["交易卡号", "交易时间", "交易金额", "收付标志", "交易方户名"],
            ["6222000000000001", "2021-03-05 10:00:00", "1.00", "出", "王䶮"]]  # 䶮: GB18030, not GBK
    gb = write_csv(tmp_path / "gb.csv", rows, encoding="gb18030")
    bom = write_csv(tmp_path / "bom.csv", rows, encoding="utf-8-sig")
    tabs = tmp_path / "tabs.txt"
    tabs.write_text("\n".join("\t".join(row) for row in rows) + "\n", encoding="utf-8")
    exports = read_exports([gb, bom, tabs])
    assert exports.transactions["own_name"].tolist() == ["王䶮"] * 3
    assert exports.transactions["own_card"].tolist() == ["6222000000000001"] * 3


def test_zjck_workbook_every_sheet(tmp_path):
    path = write_workbook(tmp_path / "反馈.xlsx", {
        "交易明细信息": [
            ["资金查控反馈 交易明细"],
            ["交易卡号", "交易账号", "交易方户名", "交易时间", "交易金额", "收付标志", "交易对手账卡号"],
            [6228480000000000000, 1001234567890, "张三", datetime.datetime(2021, 3, 5, 10, 15, 30), 1000.5, "出",
             "6217000011112222"],
            ["6222021234567890123", "1001234567890", "张三", 44260.5, 12, "进", "6217000011112222"],
            ["合计", None, None, None, 1012.5, None, None],
        ],
        "账户信息": [
            ["账户开户名称", "开户人证件号码", "交易卡号", "交易账号", "账号开户时间", "账户状态", "账户类型",
             "账号开户银行", "联系电话", "关联资金账户"],
            ["张三", "110101199001011234", "6222021234567890123", "1001234567890",
             datetime.datetime(2015, 6, 1), "正常", "借记卡", "中国工商银行", "13800000000", ""],
        ],
        "人员信息": [["客户名称", "证照类型", "证照号码", "联系手机", "住宅地址"],
                  ["张三", "身份证", "110101199001011234", "13800000000", "北京"]],
        "子账户信息": [["开户账号", "子账户账号", "子账户类别", "币种", "账户状态", "账户人姓名"],
                   ["1001234567890", "1001234567890001", "定期", "人民币", "正常", "张三"]],
        "任务信息": [["任务流水号", "银行名称", "账卡号", "反馈时间", "反馈结果", "查询结果"],
                 ["T1", "中国工商银行", "6222021234567890123", "2021-04-01", "成功", ""],
                 ["T2", "中国银行", "6217000011112222", "2021-04-01", "查询失败", "查无此账户"]],
        "强制措施": [["账号", "冻结措施类型", "冻结金额"], ["1001234567890", "冻结", 100]],
        "Sheet3": [],
    })
    exports = read_exports([path])
    txns = by_row(exports.transactions)
    assert set(exports.transactions["source"]) == {"反馈.xlsx#交易明细信息"}
    assert sorted(txns) == [3, 4]
    assert txns[3]["own_card"] == "" and "digits lost" in txns[3]["detail"]  # a number cell of 19 digits
    assert txns[3]["own_account"] == "1001234567890" and txns[3]["amount_fen"] == 100050
    assert txns[3]["ts"] == pd.Timestamp("2021-03-05 10:15:30")
    assert txns[4]["ts"] == pd.Timestamp("2021-03-05 12:00:00") and txns[4]["amount_fen"] == 1200
    accounts = exports.accounts.set_index("format")
    assert list(exports.accounts.columns) == ACCOUNT_COLUMNS
    assert accounts.loc["zjck_accounts", "own_card"] == "6222021234567890123"
    assert accounts.loc["zjck_accounts", "opened_on"] == "2015-06-01"
    assert accounts.loc["zjck_subaccounts", "linked"] == "1001234567890001"
    persons = exports.persons
    assert set(persons["format"]) == {"zjck_accounts", "zjck_persons"}
    assert set(persons["phone"]) == {"13800000000"} and set(persons["kind"]) == {"holder"}
    skipped = {(row.source, row.reason): row for row in exports.skipped.itertuples()}
    assert skipped[("反馈.xlsx#交易明细信息", "footer")].source_row == 5
    failed_task = skipped[("反馈.xlsx#任务信息", "feedback_error")]
    assert failed_task.source_row == 3 and failed_task.detail == "查询失败"
    assert skipped[("反馈.xlsx#强制措施", "unknown_sheet")].source_row == 1
    assert len(exports.skipped) == 3  # the successful task row and the empty sheet give no row


def test_pbc_detail_utf8_bom(tmp_path):
    header = ["查询卡号", "户名", "交易类型", "借贷标志", "币种", "交易金额", "交易余额", "交易时间", "交易流水号",
              "交易对方名称", "交易对方账卡号", "交易对方证件号码", "交易摘要", "现金标志", "交易是否成功", "IP地址"]
    rows = [header,
            ["6222000000000001", "张三", "转账", "0", "CNY", "10.00", "90.00", "20210305101530", "P1", "李四",
             "6217000000000002", "", "网银", "00", "00", "1.2.3.4"],
            ["6222000000000001", "张三", "存现", "1", "156", "5.00", "95.00", "20210306", "P2", "", "", "", "",
             "01", "01", ""]]
    exports = read_exports([write_csv(tmp_path / "pbc.csv", rows, encoding="utf-8-sig")])
    txns = exports.transactions
    assert set(txns["format"]) == {"pbc_detail"}
    assert txns["direction"].tolist() == ["out", "in"]
    assert txns["succeeded"].tolist() == [True, False]
    assert txns["cash"].tolist() == [False, True]
    assert txns["ts"].tolist() == [pd.Timestamp("2021-03-05 10:15:30"), pd.Timestamp("2021-03-06")]
    assert txns["currency"].tolist() == ["CNY", "CNY"] and txns["ip"].tolist() == ["1.2.3.4", ""]


def test_province_xiecha_two_amount_columns_split_time_and_reversal_flags(tmp_path):
    rows = [["账号", "户名", "交易日期", "交易时间", "借贷标志", "支出", "存入", "余额", "对方账号", "对方户名",
             "反交易标志", "冲正交易标识", "摘要"],
            ["1001", "张三", "20210305", "101530", "借", "100.00", "", "0", "2002", "李四", "0", "", "转账"],
            ["1001", "张三", "2021-03-05", "10:20:00", "贷", "", "100.00", "100", "2002", "李四", "1", "", "退"],
            ["1001", "张三", "2021/03/06", "09:00", "", "", "7.5", "107.5", "", "", "", "冲正", ""]]
    exports = read_exports([write_csv(tmp_path / "协查.csv", rows)])
    txns = exports.transactions
    assert set(txns["format"]) == {"province_xiecha"}
    assert txns["direction"].tolist() == ["out", "in", "in"]
    assert txns["amount_fen"].tolist() == [10000, 10000, 750]
    assert txns["ts"].tolist() == [pd.Timestamp("2021-03-05 10:15:30"), pd.Timestamp("2021-03-05 10:20:00"),
                                   pd.Timestamp("2021-03-06 09:00:00")]
    assert txns["reversal"].tolist() == [False, True, True]


@pytest.mark.parametrize("rows, expected_format", [
    ([["账号", "交易时间", "交易金额", "交易方向", "联机余额", "对方账号"],
      ["1001", "2021-03-05 10:00:00", "10.00", "D", "90.00", "2002"],
      ["1001", "2021-03-05 11:00:00", "5.00", "C", "95.00", "2003"]], "cmb_native"),
    ([["账号", "记账日期", "记账时间", "金额", "余额", "对方账号"],
      ["1001", "20210305", "10:00:00", "-10.00", "90.00", "2002"],
      ["1001", "20210305", "11:00:00", "5.00", "95.00", "2003"]], "boc_native"),
    ([["账号", "交易时间", "交易金额", "账户余额", "对方账号"],
      ["1001", "2021-03-05 10:00:00", "-10.00", "90.00", "2002"],
      ["1001", "2021-03-05 11:00:00", "+5.00", "95.00", "2003"]], "ccb_native"),
    ([["账号", "交易时间", "支出", "收入", "余额", "对方账号"],
      ["1001", "2021-03-05 10:00:00", "10.00", "", "90.00", "2002"],
      ["1001", "2021-03-05 11:00:00", "", "5.00", "95.00", "2003"]], "small_bank"),
])
def test_bank_natives_each_direction_encoding(tmp_path, rows, expected_format):
    path = write_csv(tmp_path / "native.csv", rows, titles=["账户交易明细"], footer=["合计,,,"])
    exports = read_exports([path])
    txns = exports.transactions
    assert set(txns["format"]) == {expected_format}
    assert txns["direction"].tolist() == ["out", "in"]
    assert txns["amount_fen"].tolist() == [1000, 500]
    assert txns["counterparty_id"].tolist() == ["2002", "2003"]
    assert exports.skipped["reason"].tolist() == ["footer"]


def test_tenpay_workbook_fen_columns_and_its_account_sheet(tmp_path):
    path = write_workbook(tmp_path / "财付通.xlsx", {
        "交易明细": [["用户ID", "交易单号", "借贷类型", "交易业务类型", "交易时间", "交易金额(分)", "账户余额(分)",
                   "对手方ID", "对手侧账户名称", "对手方银行卡号"],
                  ["wxid_a", "T1", "出", "转账", "2021-03-05 10:00:00", 12345, 100, "wxid_b", "李四", ""],
                  ["wxid_a", "T2", "入", "转账", "2021-03-05 11:00:00", "500", "600", "", "", "6217000000000002"]],
        "账户信息": [["用户ID", "注册姓名", "注册身份证号", "绑定手机", "银行账号"],
                  ["wxid_a", "张三", "110101199001011234", "13800000000", "6222000000000001"]],
    })
    exports = read_exports([path])
    txns = exports.transactions
    assert set(txns["format"]) == {"tenpay"}
    assert txns["amount_fen"].tolist() == [12345, 500] and txns["balance_fen"].tolist() == [100, 600]
    assert txns["direction"].tolist() == ["out", "in"]
    assert txns["counterparty_id"].tolist() == ["wxid_b", "6217000000000002"]
    assert txns["serial"].tolist() == ["T1", "T2"]
    assert exports.accounts[["own_account", "own_name", "linked"]].values.tolist() == [
        ["wxid_a", "张三", "6222000000000001"]]
    assert exports.persons[["name", "id_number", "phone"]].values.tolist() == [
        ["张三", "110101199001011234", "13800000000"]]


def test_alipay_statement_and_registration(tmp_path):
    statement = write_csv(tmp_path / "明细.csv", [
        ["交易号", "用户ID", "交易创建时间", "交易对方信息", "金额（元）", "收/支", "交易状态"],
        ["A1", "2088001", "2021-03-05 10:00:00", "李四", "10.00", "支出", "交易成功"],
        ["A2", "2088001", "2021-03-05 11:00:00", "王五", "20.00", "收入", "交易关闭"],
        ["A3", "2088001", "2021-03-05 12:00:00", "余额宝", "30.00", "不计收支", "交易成功"]])
    registration = write_csv(tmp_path / "注册.csv", [
        ["用户ID", "登录手机", "证件号", "注册时IP", "绑定银行卡", "姓名"],
        ["2088001", "13800000000", "110101199001011234", "1.2.3.4", "6222000000000001", "张三"]])
    exports = read_exports([statement, registration])
    txns = exports.transactions
    assert set(txns["format"]) == {"alipay_transactions"}
    assert txns["direction"].tolist() == ["out", "in", ""]
    assert txns["succeeded"].tolist() == [True, False, True]
    assert txns["amount_fen"].tolist() == [1000, 2000, 3000]
    assert exports.accounts[["format", "own_account", "linked"]].values.tolist() == [
        ["alipay_registration", "2088001", "6222000000000001"]]
    assert exports.persons["phone"].tolist() == ["13800000000"]


def exports_and_records(path: Path):
    """What read_exports makes of an outside CSV, and its rows as the csv module reads them
    (to count against)."""
    with path.open(newline="") as handle:
        return read_exports([path]), list(csv.DictReader(handle))


@pytest.mark.skipif(not AMLSIM.is_file(), reason="external AMLSim data not present")
def test_amlsim_as_the_senders_statements():
    exports, records = exports_and_records(AMLSIM)
    txns = exports.transactions
    assert len(txns) == len(records) and exports.skipped.empty
    assert set(txns["format"]) == {"amlsim"} and set(txns["direction"]) == {"out"}
    first = txns.iloc[0]
    assert (first["own_account"], first["counterparty_id"], first["serial"]) == (
        records[0]["SENDER_ACCOUNT_ID"], records[0]["RECEIVER_ACCOUNT_ID"], records[0]["TX_ID"])
    assert int(txns["amount_fen"].sum()) == int(sum(Decimal(r["TX_AMOUNT"]) for r in records) * 100)
    last_day = max(int(r["TIMESTAMP"]) for r in records)
    assert txns["ts"].max() == pd.Timestamp("2020-01-01") + pd.Timedelta(days=last_day)


def test_the_fincen_map_its_named_months_and_its_exponent_amounts():
    """The ICIJ FinCEN Files transaction map, data nobody here wrote: each row one transfer in
    USD from the originator bank to the beneficiary bank; its sum is ICIJ's "more than 35 billion
    USD" to the cent, counted here from the file's own text."""
    exports, records = exports_and_records(FINCEN)
    txns = exports.transactions
    assert len(txns) == len(records) and exports.skipped.empty
    assert set(txns["format"]) == {"fincen_map"} and set(txns["currency"]) == {"USD"}
    assert int(txns["amount_fen"].sum()) == int(sum(Decimal(r["amount_transactions"]) for r in records) * 100)
    assert int(txns["amount_fen"].sum()) == 3_568_224_798_501
    first = txns.iloc[0]
    assert (first["own_account"], first["counterparty_id"], first["ts"], first["amount_fen"]) == (
        "cimb-bank-berhad", "barclays-bank-plc-london-england-gbr", pd.Timestamp("2015-03-25"), 5_689_852_347)
    # Every date the file gives is read; the rows without one are bad values, which ingest reports.
    dated = [r["begin_date"] != "" for r in records]
    assert txns["ts"].notna().tolist() == dated
    assert (txns["problem"] == "bad_value").tolist() == [not d for d in dated]


def test_amlworld_its_repeated_account_header_and_currency_names(tmp_path):
    """IBM AMLworld's *_Trans.csv as published: "Account" twice in the header (the second is
    pandas' Account.1, the payee), currencies by English name, amounts in Amount Paid; a
    Bitcoin amount finer than a fen is a bad value, said so."""
    path = tmp_path / "HI-Small_Trans.csv"
    path.write_text(
        "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
        "Payment Currency,Payment Format,Is Laundering\n"
        "2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0\n"
        "2022/09/01 00:16,001,8000EC1F0,211050,80AEF5310,7.66,US Dollar,7.12,Euro,Credit Card,1\n"
        "2022/09/01 00:08,1,8000EC1E0,1,8000EC1E0,0.86,Bitcoin,0.000139,Bitcoin,Bitcoin,0\n")
    txns = by_row(read_exports([path]).transactions)
    assert {row["format"] for row in txns.values()} == {"amlworld"}
    assert [txns[3][k] for k in ("own_account", "own_institution", "counterparty_id", "counterparty_institution",
                                 "direction", "amount_fen", "currency", "channel")] == [
        "8000EC1F0", "001", "80AEF5310", "211050", "out", 712, "EUR", "Credit Card"]
    assert txns[2]["currency"] == "USD" and txns[2]["ts"] == pd.Timestamp("2022-09-01 00:20")
    assert txns[4]["currency"] == "BTC" and txns[4]["problem"] == "bad_value"
    assert txns[4]["detail"] == "Amount Paid 0.000139 has more than 2 decimals: money is counted in fen"


def test_saml_d_split_date_and_time_and_currency_names(tmp_path):
    path = tmp_path / "SAML-D.csv"
    path.write_text(
        "Time,Date,Sender_account,Receiver_account,Amount,Payment_currency,Received_currency,"
        "Sender_bank_location,Receiver_bank_location,Payment_type,Is_laundering,Laundering_type\n"
        "10:35:19,2022-10-07,8724731955,2769355426,1459.15,UK pounds,UK pounds,UK,UK,Cash Deposit,0,"
        "Normal_Cash_Deposits\n"
        "10:35:20,2022-10-07,1491989064,8401255335,6019.64,Moroccan dirham,Dirham,UK,UAE,Cross-border,0,"
        "Normal_Fan_Out\n")
    txns = by_row(read_exports([path]).transactions)
    assert [(row["format"], row["own_account"], row["counterparty_id"], row["amount_fen"], row["currency"], row["ts"])
            for row in txns.values()] == [
        ("saml_d", "8724731955", "2769355426", 145915, "GBP", pd.Timestamp("2022-10-07 10:35:19")),
        ("saml_d", "1491989064", "8401255335", 601964, "MAD", pd.Timestamp("2022-10-07 10:35:20"))]


def test_unknown_layouts_are_skipped_sheets_not_errors(tmp_path):
    path = write_csv(tmp_path / "其他.csv", [["姓名", "年龄"], ["张三", "30"]])
    exports = read_exports([path])
    assert exports.transactions.empty
    assert exports.skipped[["source", "source_row", "reason"]].values.tolist() == [["其他.csv", 1, "unknown_sheet"]]


def test_a_profile_file_maps_another_layout(tmp_path):
    profile = tmp_path / "mine.yaml"
    profile.write_text("name: mine\nproduces: [transactions]\nrequired: [ts, amount, direction]\n"
                       "columns:\n  own_card: [Card]\n  ts: [When]\n  amount: [Amount]\n  direction: [DC]\n"
                       "directions: {\"D\": out, \"C\": in}\n", encoding="utf-8")
    path = write_csv(tmp_path / "x.csv", [["Card", "When", "Amount", "DC"],
                                          ["6222000000000001", "2021-03-05 10:00:00", "1.00", "C"]])
    assert read_exports([path]).skipped["reason"].tolist() == ["unknown_sheet"]
    txns = read_exports([path], profile=str(profile)).transactions
    assert txns[["own_card", "direction", "amount_fen", "format"]].values.tolist() == [
        ["6222000000000001", "in", 100, "mine"]]


@pytest.mark.parametrize("text, line, message", [
    ("name: x\nproduces: [transactions]\nrequired: [ts]\ncolumns:\n  ts: [When\n", 6, "not valid YAML"),
    ("name: x\nproduces: [transactions]\nrequired: [ts]\ncolumns:\n  ts: [When]\n  tss: [B]\n", 6, "tss"),
    ("name: x\nproduces: [transactions]\nrequired: [ts]\ncolumns:\n  ts: [When]\ndirections: {0: out}\n", 6,
     "quotes"),
    ("name: x\nproduces: [transactions]\nrequired: [ts]\nfixed_currency: dollars\ncolumns:\n  ts: [When]\n", 4,
     "fixed_currency"),
])
def test_a_bad_profile_is_a_problem_at_its_line(tmp_path, text, line, message):
    profile = tmp_path / "bad.yaml"
    profile.write_text(text, encoding="utf-8")
    with pytest.raises(UnreadableExports) as caught:
        read_exports([], profile=str(profile))
    problem = caught.value.problems[0]
    assert problem.file == str(profile) and problem.line == line and message in problem.message


def test_unreadable_sources_are_problems(tmp_path):
    with pytest.raises(UnreadableExports) as caught:
        read_exports([tmp_path / "missing.csv"])
    assert "no such file" in str(caught.value.problems[0])
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x81\x20\x81\x20" * 10)
    with pytest.raises(UnreadableExports):
        read_exports([bad])


def test_every_shipped_profile_loads_and_maps_its_required_fields():
    names = [spec.name for spec in shipped_formats()]
    assert len(names) == len(set(names)) >= 16
    assert all(set(spec.required) <= set(spec.columns) for spec in shipped_formats())


def test_parse_times_formats():
    times = parse_times(pd.array(["2021-03-05T10:15:30", "2021年3月5日 10时15分", "2021-03-05 24:00:00", "",
                                  "Mar 5, 2021", "March 5 2021 10:15", "5-MAR-2021", "05 Sept 2021", "Feb 30, 2021",
                                  "Marc 5, 2021", "5 May, 2021"], dtype="string[pyarrow]").__arrow_array__())
    assert [str(t) for t in times] == ["2021-03-05T10:15:30.000000000", "2021-03-05T10:15:00.000000000", "NaT", "NaT",
                                       "2021-03-05T00:00:00.000000000", "2021-03-05T10:15:00.000000000",
                                       "2021-03-05T00:00:00.000000000", "2021-09-05T00:00:00.000000000",
                                       "NaT", "NaT", "NaT"]


def test_bench_generator_round_trip(tmp_path):
    spec = importlib.util.spec_from_file_location("bank_exports", Path(__file__).parents[1] / "bench/bank_exports.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = bench.write_zjck_transactions(tmp_path / "g.csv", rows=3000, accounts=50, seed=3, batch_rows=1000)
    with path.open(encoding="gbk", newline="") as handle:
        records = list(csv.reader(handle))[2:-1]  # below the title and the header, above the 合计 line
    failed_query = [r for r in records if r[-1] == "查询失败"]
    kept = [r for r in records if r[-1] != "查询失败"]
    exports = read_exports([path])
    assert len(exports.transactions) == len(kept)
    assert (exports.skipped["reason"] == "feedback_error").sum() == len(failed_query)
    expected = sum(Decimal(r[5].replace(",", "").replace("￥", "")) for r in kept) * 100
    assert int(exports.transactions["amount_fen"].sum()) == int(expected)
    assert (exports.transactions["direction"] == "").sum() == sum(r[7] == "" for r in kept)
    assert (exports.transactions["problem"] == "").all()


@pytest.mark.parametrize("chunk_bytes", [1, 97, 250])
def test_a_csv_read_in_blocks_gives_the_frames_read_at_once(tmp_path, chunk_bytes):
    rows = [ZJCK_HEADER] + [zjck_row(交易流水号=f"SN{i}", 交易金额=f"{i}.00") for i in range(1, 9)]
    rows[3] = zjck_row(交易流水号="SN3", 摘要说明='"两行\n摘要, 带""引号"""')    # a quoted line break and quotes
    rows[5] = ["小计", "5.00"]                                                    # a footer mid-file
    rows[6] = zjck_row(查询反馈结果原因="查询失败:账号不存在", 交易流水号="")      # a feedback error
    rows.insert(8, [""] * len(ZJCK_HEADER))                                       # a blank row
    path = write_csv(tmp_path / "流水.csv", rows, titles=["交易明细信息", "查询时间：2021-04-01"],
                     footer=["合计,,,,,36.00", "共 8 条"])
    whole = read_exports([path])
    assert path.stat().st_size > 4 * chunk_bytes  # read in several blocks
    blocks = read_exports([path], chunk_bytes=chunk_bytes)
    for kind in ("transactions", "accounts", "persons", "skipped"):
        pd.testing.assert_frame_equal(getattr(blocks, kind), getattr(whole, kind))
    # What the rows are, whatever the block size: row numbers as a person sees them.
    assert blocks.transactions["source_row"].tolist() == [4, 5, 6, 8, 11, 13]
    assert blocks.transactions["memo"].tolist()[2] == '两行\n摘要, 带"引号"'
    assert blocks.skipped[["source_row", "reason"]].values.tolist() == [
        [9, "footer"], [10, "feedback_error"], [12, "blank_row"], [14, "footer"], [15, "footer"]]
