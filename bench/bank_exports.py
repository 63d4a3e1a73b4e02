"""Write a 资金查控 交易明细信息 CSV as banks send it, of any size, and time reading it with
``read_exports`` (bank-formats.md §1 and the traps of §4).

    .venv/bin/python bench/bank_exports.py --rows 1000000 --out /tmp/zjck-1m.csv          # write, then time
    .venv/bin/python bench/bank_exports.py --rows 5000000 --out /tmp/zjck-5m.csv --no-read  # write only

The file: GBK (or ``--encoding``), title lines above the header, the 34 columns of the layout
in their order, a 合计 footer; with ``traps`` (the default), ids decorated as exports decorate
them (a tab or a leading ``'`` before the card, a ``_156_1`` suffix), times in the formats seen
(``2021-03-05 10:15:30``, DB2, compact), amounts with thousands separators or a ``￥``, some
blank directions, failed and reversed entries, and rows whose query failed. Everything is
drawn from numpy's generator seeded with ``seed``: the same arguments write the same bytes.
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

HEADER = ["交易卡号", "交易账号", "交易方户名", "交易证件号码", "交易时间", "交易金额", "交易余额", "收付标志",
          "交易对手账卡号", "现金标志", "对手户名", "对手身份证号", "对手开户银行", "摘要说明", "交易币种",
          "交易网点名称", "交易网点代码", "交易发生地", "交易是否成功", "传票号", "终端号", "IP地址", "MAC地址",
          "对手交易余额", "交易流水号", "日志号", "凭证种类", "凭证号", "交易柜员号", "商户名称", "商户号", "备注",
          "交易类型", "查询反馈结果原因"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚")
BANKS = ["中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "招商银行", "交通银行", "农村信用社"]
MEMOS = ["转账", "网银转账", "跨行转账", "消费", "ATM取款", "工资", "冲正", "手机银行"]


def write_zjck_transactions(path: Path, *, rows: int = 1000, accounts: int = 500, seed: int = 0,
                            encoding: str = "gbk", title_lines: int = 1, footer: bool = True,
                            traps: bool = True, batch_rows: int = 200_000) -> Path:
    """Write ``rows`` transaction rows of ``accounts`` queried cards to ``path``; returns it.

    Rows are made and written ``batch_rows`` at a time (each batch from its own generator,
    seeded with ``seed`` and the batch's number), so memory stays flat at any size.

    >>> import tempfile
    >>> path = write_zjck_transactions(Path(tempfile.mkdtemp()) / "t.csv", rows=5)
    >>> lines = path.read_bytes().decode("gbk").splitlines()
    >>> len(lines), lines[1].split(",")[:3], lines[-1][:2]
    (8, ['交易卡号', '交易账号', '交易方户名'], '合计')
    """
    holders = np.random.default_rng([seed, 0])
    cards = _digits("62220", 10_000_000_000_000 + np.arange(accounts), 14)
    account_numbers = _digits("1001", 100_000_000_000 + np.arange(accounts), 12)
    names = pa.array(_pick(holders, SURNAMES, accounts) + _pick(holders, GIVEN, accounts)
                     + _pick(holders, GIVEN, accounts))
    id_numbers = _digits("1101011990", 10_000_000 + np.arange(accounts), 8)
    total_fen = 0
    with path.open("wb") as out:
        titles = "".join(f"交易明细信息{'（续）' * i}\n" for i in range(title_lines))
        out.write((titles + ",".join(HEADER) + "\n").encode(encoding))
        for number, start in enumerate(range(0, rows, batch_rows), start=1):
            rng = np.random.default_rng([seed, number])
            size = min(batch_rows, rows - start)
            holder = pa.array(rng.integers(0, accounts, size))
            other = rng.integers(0, accounts * 4, size)  # counterparties: other queried cards or outsiders
            seconds = rng.integers(0, 365 * 86400, size)
            stamps = np.datetime64("2021-01-01T00:00:00") + np.sort(seconds).astype("timedelta64[s]")
            fen = rng.lognormal(10, 1.5, size).astype(np.int64) + 1
            total_fen += int(fen.sum())
            columns = {name: pa.nulls(size, pa.string()).fill_null("") for name in HEADER}
            columns["交易卡号"] = cards.take(holder)
            columns["交易账号"] = account_numbers.take(holder)
            columns["交易方户名"] = names.take(holder)
            columns["交易证件号码"] = id_numbers.take(holder)
            columns["交易时间"] = pc.strftime(pa.array(stamps), format="%Y-%m-%d %H:%M:%S")
            columns["交易金额"] = _yuan(fen)
            columns["交易余额"] = _yuan(rng.integers(0, 10**9, size))
            columns["收付标志"] = pa.array(np.where(rng.random(size) < 0.5, "出", "进"))
            columns["交易对手账卡号"] = pc.if_else(pa.array(other < accounts), cards.take(pa.array(other % accounts)),
                                             _digits("62170", 20_000_000_000_000 + other, 14))
            columns["现金标志"] = pa.array(np.where(rng.random(size) < 0.05, "现", "转"))
            columns["对手户名"] = names.take(pa.array(other % accounts))
            columns["对手开户银行"] = pa.array(_pick(rng, BANKS, size))
            columns["摘要说明"] = pa.array(_pick(rng, MEMOS[:-2], size))
            columns["交易币种"] = pa.array(np.where(rng.random(size) < 0.5, "人民币", "CNY"))
            columns["交易是否成功"] = pa.array(np.full(size, "成功"))
            columns["IP地址"] = pc.binary_join_element_wise(_digits("10.0.", rng.integers(0, 250, size), 0),
                                                          pc.cast(pa.array(rng.integers(1, 250, size)), pa.string()),
                                                          ".")
            columns["交易流水号"] = _digits("SN", start + np.arange(size), 12)
            columns["交易类型"] = pa.array(np.where(rng.random(size) < 0.7, "网银", "柜面"))
            if traps:
                columns.update(_traps(rng, columns, stamps, fen, size))
            buffer = io.BytesIO()
            pa_csv.write_csv(pa.table(columns), buffer,
                             write_options=pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
            out.write(buffer.getvalue().decode("utf-8").encode(encoding))
        if footer:
            out.write(f"合计{',' * 5}{total_fen // 100}.{total_fen % 100:02d}\n".encode(encoding))
    return path


def _traps(rng, columns: dict, stamps: np.ndarray, fen: np.ndarray, rows: int) -> dict:
    """The decorations of bank-formats.md §4 on a share of the rows each."""
    def some(share: float) -> pa.Array:
        return pa.array(rng.random(rows) < share)

    card = columns["交易卡号"]
    card = pc.if_else(some(0.05), pc.binary_join_element_wise("\t", card, ""), card)
    card = pc.if_else(some(0.05), pc.binary_join_element_wise("'", card, ""), card)
    account = columns["交易账号"]
    account = pc.if_else(some(0.05), pc.binary_join_element_wise(account, "_156_1", ""), account)
    times = columns["交易时间"]
    times = pc.if_else(some(0.1), pc.strftime(pa.array(stamps), format="%Y-%m-%d-%H.%M.%S.000000"), times)
    times = pc.if_else(some(0.1), pc.strftime(pa.array(stamps), format="%Y%m%d%H%M%S"), times)
    amount = columns["交易金额"]
    amount = pc.if_else(some(0.05), pc.binary_join_element_wise("￥", amount, ""), amount)
    amount = pc.if_else(some(0.05), _yuan(fen, thousands=True), amount)
    direction = pc.if_else(some(0.001), "", columns["收付标志"])
    success = pc.if_else(some(0.01), "失败", columns["交易是否成功"])
    memo = pc.if_else(some(0.005), "冲正", columns["摘要说明"])
    feedback = pc.if_else(some(0.001), "查询失败", columns["查询反馈结果原因"])
    return {"交易卡号": card, "交易账号": account, "交易时间": times, "交易金额": amount, "收付标志": direction,
            "交易是否成功": success, "摘要说明": memo, "查询反馈结果原因": feedback}


def _digits(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    text = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(text, width, "0") if width else text, "")


def _yuan(fen: np.ndarray, *, thousands: bool = False) -> pa.Array:
    whole = _grouped(fen // 100) if thousands else pc.cast(pa.array(fen // 100), pa.string())
    cents = pc.utf8_lpad(pc.cast(pa.array(fen % 100), pa.string()), 2, "0")
    return pc.binary_join_element_wise(whole, cents, ".")


def _grouped(whole: np.ndarray) -> pa.Array:
    """Whole yuan with thousands separators, a group at a time."""
    groups = [whole // 10**9, whole // 10**6 % 1000, whole // 1000 % 1000, whole % 1000]
    text = pa.array(np.full(len(whole), ""))
    for i, group in enumerate(groups):
        started = whole >= 10 ** (3 * (len(groups) - 1 - i))
        digits = pc.cast(pa.array(group), pa.string())
        padded = pc.if_else(pa.array(whole >= 10 ** (3 * (len(groups) - i))), pc.utf8_lpad(digits, 3, "0"), digits)
        joined = pc.if_else(pa.array(pc.equal(pc.binary_length(text), 0).to_numpy(zero_copy_only=False)),
                            padded, pc.binary_join_element_wise(text, padded, ","))
        text = pc.if_else(pa.array(started | (i == len(groups) - 1)), joined, text)
    return text


def _pick(rng, choices: list[str], n: int) -> np.ndarray:
    return np.asarray(choices, dtype=object)[rng.integers(0, len(choices), n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--encoding", default="gbk")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--no-traps", dest="traps", action="store_false")
    parser.add_argument("--no-read", dest="read", action="store_false", help="write the file only")
    args = parser.parse_args()
    started = time.perf_counter()
    write_zjck_transactions(args.out, rows=args.rows, accounts=args.accounts, seed=args.seed,
                            encoding=args.encoding, traps=args.traps)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
    if args.read:
        from casegraph.loaders.ingest.exports import read_exports

        started = time.perf_counter()
        exports = read_exports([args.out])
        seconds = time.perf_counter() - started
        read = len(exports.transactions) + len(exports.skipped)
        print(f"read_exports: {len(exports.transactions)} transactions, {len(exports.skipped)} skipped, "
              f"{seconds:.1f} s, {read / seconds:,.0f} rows/s")


if __name__ == "__main__":
    main()
