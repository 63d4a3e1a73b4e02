#!/usr/bin/env python3
"""My own checks on a generated case (not casegraph): truth references resolve, and
truth/expected_clients.csv is recomputed from the CSV files alone with Decimal."""
import csv
import datetime as dt
import os
import sys
from collections import defaultdict
from decimal import Decimal


def rows(case, name):
    with open(os.path.join(case, name), encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def inst(ts):
    d = dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return d


def main(case):
    bad = 0
    persons = {r["person_id"] for r in rows(case, "persons.csv")}
    accts = {r["account_id"]: r for r in rows(case, "accounts.csv")}
    agents = {r["agent_id"] for r in rows(case, "agents.csv")}
    plats = {r["platform_id"] for r in rows(case, "platforms.csv")}
    clients = {r["client_id"]: r for r in rows(case, "clients.csv")}
    known = {"person": persons, "bank_account": {a for a, r in accts.items() if r["kind"] in ("bank", "payment")},
             "trading_account": {a for a, r in accts.items() if r["kind"] in ("trading", "mother", "sub")},
             "agent": agents, "platform": plats}
    truth = rows(case, "truth/gangs.csv")
    for r in truth:
        if r["entity_id"] not in known[r["entity_type"]]:
            print("truth entity missing:", r); bad += 1
        if r["entity_id"] in clients:
            print("client in truth:", r); bad += 1
    client_persons = {r["person_id"] for r in clients.values() if r["person_id"]}
    member_persons = {r["entity_id"] for r in truth if r["entity_type"] == "person"}
    print("client persons that are members:", len(client_persons & member_persons))
    for r in rows(case, "truth/account_groups.csv"):
        if r["account_id"] not in accts or r["controller_id"] not in persons:
            print("group ref missing:", r); bad += 1
    # recompute client figures
    f = defaultdict(lambda: defaultdict(Decimal))
    seq = defaultdict(list)
    kmap = {"deposit": "deposits", "withdrawal": "withdrawals", "fee": "fees", "overnight_fee": "overnight_fees",
            "rebate": "rebates_paid", "commission": "commissions_paid", "pnl": "trading_pnl", "adjustment": "trading_pnl"}
    for r in rows(case, "ledger.csv"):
        a = Decimal(r["amount"])
        f[r["client_id"]][kmap[r["kind"]]] += a
        if r["kind"] in ("deposit", "withdrawal"):
            seq[r["client_id"]].append((inst(r["ts"]), r["entry_id"], a if r["kind"] == "deposit" else -a))
    acct2c = {a: r["client_id"] for a, r in accts.items() if r["kind"] == "trading"}
    for r in rows(case, "trades.csv"):
        f[acct2c[r["account_id"]]]["turnover"] += Decimal(r["notional"])
    mism = 0
    for e in rows(case, "truth/expected_clients.csv"):
        x = f[e["client_id"]]
        x["net_deposit"] = x["deposits"] - x["withdrawals"]
        x["client_loss"] = x["fees"] + x["overnight_fees"] - x["trading_pnl"]
        run = best = Decimal(0)
        for _, _, a in sorted(seq[e["client_id"]]):
            run += a
            best = max(best, run)
        x["fresh_money"] = best
        for k in ("deposits", "withdrawals", "fees", "overnight_fees", "rebates_paid", "commissions_paid",
                  "trading_pnl", "net_deposit", "client_loss", "fresh_money", "turnover"):
            if Decimal(e[k]) != x[k]:
                mism += 1
                if mism < 5:
                    print("mismatch", e["client_id"], k, e[k], x[k])
    print("expected_clients mismatches:", mism, "| truth problems:", bad)
    return 1 if (mism or bad) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
