"""How fast `casegraph ingest` merges: normalised export rows (what loaders/ingest/exports.py
gives) built in memory, then merged into a new case folder, and merged again (the idempotent
re-run), with rows per second.

    .venv/bin/python bench/ingest_merge.py                 # 1 million rows
    .venv/bin/python bench/ingest_merge.py --rows 5000000

The rows: statements of ``rows / 500`` holders (each named by card, half the rows also by
account number), counterparties among the holders (so both sides of most transfers are in
hand, 30 s apart) and outside them, with failed, blank, reversed and cash rows and IPs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from casegraph.loaders.ingest import merge_into_case, read_ingested_tables
from casegraph.loaders.ingest.merge import merge_exports


def normalised_rows(rows: int, *, seed: int = 1) -> SimpleNamespace:
    """About ``rows`` transaction rows of one batch: payers' out rows and, for transfers between
    holders, the payees' in rows."""
    rng = np.random.default_rng(seed)
    holders = max(rows // 500, 2)
    outs = rows * 2 // 3
    payer = rng.integers(0, holders, outs)
    inside = rng.random(outs) < 0.5  # the payee is a holder too: the transfer is in both statements
    outsider = holders + rng.integers(0, 10 * holders, outs)
    payee = np.where(inside, (payer + rng.integers(1, holders, outs)) % holders, outsider)
    start = pd.Timestamp("2021-01-01").value
    ts = start + rng.integers(0, 365 * 86_400, outs) * 1_000_000_000
    amount = rng.integers(100, 5_000_000, outs)
    mirrored = np.flatnonzero(inside)[: rows - outs]

    own = np.concatenate([payer, payee[mirrored]])
    other = np.concatenate([payee, payer[mirrored]])
    card = pd.Series("6222" + pd.Series(own).astype(str).str.zfill(12))
    account = pd.Series("3100" + pd.Series(own).astype(str).str.zfill(13))
    counterparty = np.where(rng.random(len(own)) < 0.5, "6222" + pd.Series(other).astype(str).str.zfill(12),
                            "3100" + pd.Series(other).astype(str).str.zfill(13))
    n = len(own)
    flags = rng.random(n)
    transactions = pd.DataFrame({
        "source": np.where(own % 2 == 0, "反馈1.xlsx#交易明细信息", "反馈2.csv"),
        "source_row": np.arange(2, n + 2, dtype=np.int64), "format": "zjck_transactions",
        "own_card": card, "own_account": np.where(flags < 0.5, account, ""),
        "own_name": "户名" + pd.Series(own % 997).astype(str), "own_id_number": "", "own_institution": "某某银行",
        "ts": pd.to_datetime(np.concatenate([ts, ts[mirrored] + 30_000_000_000])),
        "direction": np.where(flags < 0.001, "", np.concatenate([np.full(outs, "out"), np.full(len(mirrored), "in")])),
        "amount_fen": pd.array(np.concatenate([amount, amount[mirrored]]), dtype="Int64"), "currency": "CNY",
        "counterparty_id": counterparty, "counterparty_name": "对手" + pd.Series(other % 991).astype(str),
        "counterparty_id_number": "", "counterparty_institution": "",
        "cash": flags > 0.99, "succeeded": (flags < 0.002) | (flags > 0.003),
        "reversal": (flags > 0.5) & (flags < 0.501), "serial": "", "memo": "", "channel": "网银",
        "ip": np.where(flags < 0.3, "10.0.0." + pd.Series(own % 250).astype(str), ""),
        "mac": "", "problem": "", "detail": "",
    })
    return SimpleNamespace(transactions=transactions, accounts=pd.DataFrame(), persons=pd.DataFrame(),
                           skipped=pd.DataFrame())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    batch = normalised_rows(args.rows)
    rows = len(batch.transactions)
    started, cpu = time.perf_counter(), time.process_time()
    merged = merge_exports(batch, {})
    merging, cpu = time.perf_counter() - started, time.process_time() - cpu
    # CPU time too: on a shared machine the wall clock says more about the neighbours.
    print(f"merge of {rows:,} rows: {merging:.1f} s ({cpu:.1f} s CPU), {rows / merging:,.0f} rows/s "
          f"({len(merged.tables['bank_transfers']):,} transfers, {merged.reasons})")
    with tempfile.TemporaryDirectory() as folder:
        case = Path(folder) / "case"
        started, cpu = time.perf_counter(), time.process_time()
        merge_into_case(case, batch)
        whole, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"merge into a new case folder (writing every table): {whole:.1f} s ({cpu:.1f} s CPU), "
              f"{rows / whole:,.0f} rows/s")
        started, cpu = time.perf_counter(), time.process_time()
        merge_into_case(case, batch)
        again, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"the same batch again (reading the case, nothing new): {again:.1f} s ({cpu:.1f} s CPU)")
        assert len(read_ingested_tables(case)["bank_transfers"]) == len(merged.tables["bank_transfers"])


if __name__ == "__main__":
    main()
