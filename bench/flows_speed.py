"""Speed of the fund-flow analyses (memory engine) on a generated bank-only case.

    .venv/bin/python bench/flows_speed.py                       # 1,000,000 transfers
    .venv/bin/python bench/flows_speed.py --transfers 5000000 --accounts 500000

The case is built in memory (no CSV round trip: reading is measured elsewhere): accounts whose
activity is heavy-tailed (a few collection hubs with thousands of transfers, most with a
handful), a year of transfers at office hours and some at night, amounts log-normal with a share
of round ones, a statement for one account in ten and logins for some. Prints the seconds
and peak memory (RSS) of account_flows, statement_requests and flow_patterns (and of each pattern).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from casegraph.config import CaseConfig
from casegraph.loaders.case import Case
from casegraph.loaders.read import empty_table
from casegraph.loaders.tables import TABLES
from casegraph.queries.flow_rules import PATTERNS, FlowRules
from casegraph.queries.memory import flows


def bank_case(n_transfers: int, n_accounts: int, seed: int = 1) -> Case:
    """A bank-only case of ``n_transfers`` transfers between ``n_accounts`` accounts."""
    rng = np.random.default_rng(seed)
    weight = rng.pareto(1.2, n_accounts) + 1  # heavy-tailed activity
    weight /= weight.sum()
    payer = rng.choice(n_accounts, n_transfers, p=weight)
    payee = rng.choice(n_accounts, n_transfers, p=weight)
    payee = np.where(payee == payer, (payee + 1) % n_accounts, payee)
    day = rng.integers(0, 365, n_transfers)
    second = np.where(rng.random(n_transfers) < 0.1, rng.integers(0, 6 * 3600, n_transfers),
                      rng.integers(8 * 3600, 20 * 3600, n_transfers))
    ts = pd.Timestamp("2021-01-01", tz="Asia/Shanghai") + pd.to_timedelta(day * 86_400 + second, unit="s")
    amount = np.maximum(1, np.round(rng.lognormal(9.0, 1.5, n_transfers) * 100)).astype("int64")
    amount = np.where(rng.random(n_transfers) < 0.05, np.maximum(1, amount // 1_000_000) * 1_000_000, amount)
    ids = pd.Series([f"B{i:07d}" for i in range(n_accounts)], dtype="string")
    tables = {table.name: empty_table(table) for table in TABLES}
    tables["bank_transfers"] = pd.DataFrame({
        "txn_id": pd.Series([f"T{i:08d}" for i in range(n_transfers)], dtype="string"),
        "ts": ts.tz_convert("UTC"), "from_account": ids.to_numpy()[payer], "to_account": ids.to_numpy()[payee],
        "amount": amount, "currency": pd.Series(pd.NA, index=range(n_transfers), dtype="string"),
        "channel": np.where(rng.random(n_transfers) < 0.02, "cash", "网银转账"),
    }).astype({"from_account": "string", "to_account": "string", "channel": "string"})
    tables["accounts"] = pd.DataFrame({"account_id": ids, "kind": "bank",
                                       "holder_person_id": pd.Series([f"P{i // 2:07d}" for i in range(n_accounts)],
                                                                     dtype="string"),
                                       "institution": "某银行"}).astype({"kind": "string", "institution": "string"})
    tables["persons"] = pd.DataFrame({"person_id": tables["accounts"]["holder_person_id"].unique(),
                                      "name": "某人"}).astype({"name": "string"})
    tables["statements"] = pd.DataFrame({"account_id": ids[::10].reset_index(drop=True), "institution": "某银行"})
    n_logins = n_transfers // 10
    who = rng.choice(n_accounts, n_logins, p=weight)
    tables["logins"] = pd.DataFrame({
        "ts": ts[:n_logins].tz_convert("UTC"), "account_id": ids.to_numpy()[who],
        "ip": pd.Series([f"10.{i % 250}.{(i // 250) % 250}.{i % 7}" for i in who], dtype="string"),
        "device_id": pd.Series([f"D{i // 3}" for i in who], dtype="string")}).astype({"account_id": "string"})
    config = CaseConfig(case_id="FLOWS-SPEED")
    return Case(Path("."), config, tables)


def timed(name: str, work):
    started = time.perf_counter()
    result = work()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    print(f"{name:>20}: {time.perf_counter() - started:6.1f} s, {len(result):>9,} rows, peak RSS {peak:.1f} GiB",
          flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=200_000)
    args = parser.parse_args()
    case = bank_case(args.transfers, args.accounts)
    timed("account_flows", lambda: flows.account_flows(case))
    timed("statement_requests", lambda: flows.statement_requests(case))
    timed("flow_patterns", lambda: flows.flow_patterns(case))
    transfers, (use, n_users) = flows.transfer_frame(case), flows.identifier_use(case)
    for pattern in PATTERNS:
        only = {p: {"enabled": p == pattern} for p in PATTERNS}
        rules = FlowRules.from_config(only)
        timed(pattern, lambda rules=rules: flows.patterns_of(transfers, use, rules, timezone="Asia/Shanghai",
                                                             n_users=n_users))


if __name__ == "__main__":
    main()
