"""Bank statements of a case's accounts as banks deliver them: a 资金查控 feedback workbook
(bank-formats.md §1) written from a case folder's own ``bank_transfers.csv``, so that what
``casegraph ingest`` makes of it can be held against the case it came from.

The workbook has the sheets 交易明细信息 (one row per transaction of each requested account's
statement), 账户信息 and 人员信息, with the traps of bank-formats.md §4 that a faithful reading
must undo: each account known by a card number and an account number, a row naming either or
both (账户信息 ties them); a transfer between two requested accounts in both statements, the
payee's entry seconds to minutes later under its own serial number; entries reversed by a
冲正 entry and failed entries (交易是否成功 失败) that moved no money; three time formats; a
合计 footer row. Only what ``bank_transfers.csv`` holds moves money: ingesting the workbook
must give back exactly those transfers of the requested accounts, to the fen.

>>> from casegraph.generator import generate_case
>>> from casegraph.loaders.case import load_case
>>> _ = generate_case(tmp / "case", "tiny", seed=3)
>>> case = load_case(tmp / "case")
>>> path = write_bank_exports(case, tmp / "exports" / "资金查控反馈.xlsx")
>>> path.name
'资金查控反馈.xlsx'
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from casegraph.loaders.case import Case
from casegraph.money import format_fen_series
from casegraph.outputs.xlsx import Sheet, write_xlsx

TRANSACTION_COLUMNS = ("交易卡号", "交易账号", "交易方户名", "交易证件号码", "交易时间", "交易金额", "交易余额",
                       "收付标志", "交易对手账卡号", "现金标志", "对手户名", "对手身份证号", "对手开户银行", "摘要说明",
                       "交易币种", "交易是否成功", "IP地址", "MAC地址", "交易流水号", "查询反馈结果原因")
ACCOUNT_COLUMNS = ("账户开户名称", "开户人证件号码", "交易卡号", "交易账号", "账号开户时间", "账号开户银行", "账户状态")
PERSON_COLUMNS = ("客户名称", "证照类型", "证照号码", "联系手机")
# Shares of the traps: statement rows naming the holder by card only / account number only,
# counterparties named by their card, entries reversed, failed entries.
CARD_ONLY, ACCOUNT_ONLY, COUNTERPARTY_BY_CARD = 0.15, 0.15, 0.5
REVERSED, FAILED = 0.02, 0.01


def first_requests(case: Case) -> list[str]:
    """The accounts investigators ask banks for first: where the clients of the known gangs'
    platforms paid their deposits (ledger ``bank_txn_id`` -> the transfer's payee)."""
    platforms = case["gangs"]["platform_ids"].dropna().str.split(";").explode()
    ledger = case["ledger"]
    deposits = ledger[ledger["kind"].eq("deposit") & ledger["platform_id"].isin(platforms)]
    paid_into = case["bank_transfers"].set_index("txn_id")["to_account"].reindex(deposits["bank_txn_id"].dropna())
    return sorted(set(paid_into.dropna()))


def card_numbers(account_ids: pd.Series) -> pd.Series:
    """A 19-digit card number for each account id, stable across runs (the account id is the
    account number; banks know the account by both)."""
    digest = pd.util.hash_pandas_object(account_ids.reset_index(drop=True), index=False).to_numpy()
    return pd.Series([f"62{d % 10**17:017d}" for d in digest], index=account_ids.index, dtype="string")


def write_bank_exports(case: Case, path: Path, *, account_ids: list[str] | None = None, seed: int = 7) -> Path:
    """Write the statements of ``account_ids`` (default :func:`first_requests`) as one 资金查控
    feedback workbook at ``path`` (see the module); returns ``path``."""
    rng = np.random.default_rng(seed)
    requested = sorted(account_ids if account_ids is not None else first_requests(case))
    accounts = case["accounts"].set_index("account_id")
    persons = case["persons"].set_index("person_id")
    cards = card_numbers(accounts.index.to_series())
    holder = accounts["holder_person_id"]
    name_of = holder.map(persons["name"])
    id_number_of = holder.map(persons["id_number"])
    transfers = case["bank_transfers"]
    local = transfers["ts"].dt.tz_convert(case.config.timezone).dt.tz_localize(None)

    sides = []
    for direction, own, other in (("出", "from_account", "to_account"), ("进", "to_account", "from_account")):
        mine = transfers[transfers[own].isin(requested)]
        ts = local[mine.index]
        if direction == "进":  # the payee's bank books it later, under its own serial number
            ts = ts + pd.to_timedelta(rng.integers(1, 180, len(mine)), unit="s")
        sides.append(pd.DataFrame({"own": mine[own].to_numpy(), "other": mine[other].to_numpy(), "ts": ts.to_numpy(),
                                   "fen": mine["amount"].to_numpy(dtype=np.int64), "direction": direction,
                                   "memo": mine["memo"].fillna("转账").to_numpy(), "succeeded": True,
                                   "cash": mine["channel"].eq("cash").fillna(False).to_numpy()}))
    rows = pd.concat(sides, ignore_index=True)
    # How a row names its counterparty is drawn before the traps copy rows: a reversal names
    # the counterparty as the entry it reverses does.
    rows["counterparty_by_card"] = rng.random(len(rows)) < COUNTERPARTY_BY_CARD
    rows = pd.concat([rows, _reversed_pairs(rows, rng), _failed(rows, rng)], ignore_index=True)
    rows = rows.sort_values(["own", "ts", "direction"], kind="stable", ignore_index=True)

    n = len(rows)
    by = rng.random(n)
    own_card = cards.reindex(rows["own"]).to_numpy()
    other_card = cards.reindex(rows["other"]).to_numpy()
    stamps = pd.Series(rows["ts"])
    formats = rng.choice(["%Y-%m-%d %H:%M:%S", "%Y-%m-%d-%H.%M.%S.000000", "%Y%m%d%H%M%S"], n, p=[0.7, 0.15, 0.15])
    times = pd.Series("", index=rows.index, dtype=object)
    for fmt in np.unique(formats):
        at = formats == fmt
        times[at] = stamps[at].dt.strftime(str(fmt))
    statement = pd.DataFrame({
        "交易卡号": np.where(by < 1 - ACCOUNT_ONLY, own_card, ""),
        "交易账号": np.where(by >= CARD_ONLY, rows["own"], ""),
        "交易方户名": name_of.reindex(rows["own"]).fillna("").to_numpy(),
        "交易证件号码": id_number_of.reindex(rows["own"]).fillna("").to_numpy(),
        "交易时间": times.to_numpy(),
        "交易金额": format_fen_series(rows["fen"]).to_numpy(),
        "交易余额": "",
        "收付标志": rows["direction"].to_numpy(),
        "交易对手账卡号": np.where(rows["counterparty_by_card"], other_card, rows["other"]),
        "现金标志": np.where(rows["cash"], "现", "转"),
        "对手户名": name_of.reindex(rows["other"]).fillna("").to_numpy(),
        "对手身份证号": id_number_of.reindex(rows["other"]).fillna("").to_numpy(),
        "对手开户银行": accounts["institution"].reindex(rows["other"]).fillna("").to_numpy(),
        "摘要说明": rows["memo"].to_numpy(),
        "交易币种": "人民币",
        "交易是否成功": np.where(rows["succeeded"], "成功", "失败"),
        "IP地址": "", "MAC地址": "",
        "交易流水号": [f"LS{i:010d}" for i in range(1, n + 1)],
        "查询反馈结果原因": "",
    }, columns=list(TRANSACTION_COLUMNS))
    total = int(rows.loc[rows["succeeded"], "fen"].sum())
    footer = pd.DataFrame([{column: "" for column in TRANSACTION_COLUMNS}])
    footer[["交易卡号", "交易金额"]] = ["合计", format_fen_series(pd.Series([total])).iloc[0]]
    statement = pd.concat([statement, footer], ignore_index=True)

    held = accounts.reindex(requested)
    account_info = pd.DataFrame({
        "账户开户名称": name_of.reindex(requested).fillna("").to_numpy(),
        "开户人证件号码": id_number_of.reindex(requested).fillna("").to_numpy(),
        "交易卡号": cards.reindex(requested).to_numpy(), "交易账号": requested,
        "账号开户时间": held["opened_on"].astype("string").fillna("").to_numpy(),
        "账号开户银行": held["institution"].fillna("").to_numpy(), "账户状态": "正常"}, columns=list(ACCOUNT_COLUMNS))
    holders = persons.reindex(held["holder_person_id"].dropna().unique())
    person_info = pd.DataFrame({"客户名称": holders["name"].to_numpy(), "证照类型": "身份证",
                                "证照号码": holders["id_number"].fillna("").to_numpy(),
                                "联系手机": holders["phone"].fillna("").to_numpy()}, columns=list(PERSON_COLUMNS))
    return write_xlsx(path, [Sheet("交易明细信息", statement, [22] * len(TRANSACTION_COLUMNS)),
                             Sheet("账户信息", account_info, [22] * len(ACCOUNT_COLUMNS)),
                             Sheet("人员信息", person_info, [22] * len(PERSON_COLUMNS))])


def _reversed_pairs(rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Payments made and reversed (冲正) a minute later: two entries that moved no money."""
    made = rows[rows["direction"].eq("出")].sample(frac=REVERSED, random_state=rng)
    made = made.assign(memo="转账", ts=made["ts"] + pd.Timedelta(seconds=30))
    return pd.concat([made, made.assign(direction="进", memo="冲正", ts=made["ts"] + pd.Timedelta(minutes=1))])


def _failed(rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Entries the bank refused: in the statement, no money moved."""
    return rows.sample(frac=FAILED, random_state=rng).assign(succeeded=False)
