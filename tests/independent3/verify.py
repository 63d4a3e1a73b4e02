#!/usr/bin/env python3
"""My own consistency check of a generated case's truth/ (reads only the case folder).

usage: verify.py CASE
- every truth/gangs.csv entity exists in the case tables, and every case entity is in truth;
- no client person is a gang member; each account group has one controller, no account in two groups;
- expected_clients.csv recomputed from ledger.csv / trades.csv / accounts.csv with Decimal."""
import csv
import sys
from decimal import Decimal
from datetime import datetime, timezone, timedelta

CST = timezone(timedelta(hours=8))


def rows(case, name, enc="utf-8"):
    with open("%s/%s" % (case, name), encoding=enc, newline="") as f:
        return list(csv.DictReader(f))


def instant(s):
    t = datetime.fromisoformat(s)
    return t if t.tzinfo else t.replace(tzinfo=CST)


def main(case):
    bad = 0
    truth = rows(case, "truth/gangs.csv")
    tid = {(r["entity_type"], r["entity_id"]): r for r in truth}
    tables = {"person": ("persons.csv", "person_id"), "agent": ("agents.csv", "agent_id"),
              "platform": ("platforms.csv", "platform_id"), "client": ("clients.csv", "client_id")}
    for et, (fn, col) in tables.items():
        ids = {r[col] for r in rows(case, fn)}
        tids = {k[1] for k in tid if k[0] == et}
        if ids != tids:
            print("MISMATCH %s: %d in case only, %d in truth only" % (et, len(ids - tids), len(tids - ids)))
            bad += 1
    accts = rows(case, "accounts.csv")
    for a in accts:
        et = "bank_account" if a["kind"] in ("bank", "payment") else "trading_account"
        if (et, a["account_id"]) not in tid:
            print("account missing from truth", a["account_id"])
            bad += 1
    clients = rows(case, "clients.csv")
    cperson = {c["person_id"] for c in clients if c["person_id"]}
    members = {r["entity_id"] for r in truth if r["entity_type"] == "person" and r["gang_id"]}
    if cperson & members:
        print("client persons who are members:", len(cperson & members))
        bad += 1
    groups = rows(case, "truth/account_groups.csv")
    seen, ctl = set(), {}
    for g in groups:
        if g["account_id"] in seen:
            print("account in two groups", g["account_id"])
            bad += 1
        seen.add(g["account_id"])
        if ctl.setdefault(g["group_id"], g["controller_id"]) != g["controller_id"]:
            print("group with two controllers", g["group_id"])
            bad += 1
    # figures
    kk = {"deposit": "deposits", "withdrawal": "withdrawals", "fee": "fees", "overnight_fee": "overnight_fees",
          "rebate": "rebates_paid", "commission": "commissions_paid", "pnl": "trading_pnl", "adjustment": "trading_pnl"}
    keys = ["deposits", "withdrawals", "fees", "overnight_fees", "rebates_paid", "commissions_paid", "trading_pnl",
            "net_deposit", "client_loss", "fresh_money", "turnover"]
    fig = {c["client_id"]: dict.fromkeys(keys, Decimal(0)) for c in clients}
    led = rows(case, "ledger.csv")
    led.sort(key=lambda e: (instant(e["ts"]), e["entry_id"]))
    run = {}
    for e in led:
        x = fig[e["client_id"]]
        amt = Decimal(e["amount"])
        x[kk[e["kind"]]] += amt
        if e["kind"] in ("deposit", "withdrawal"):
            run[e["client_id"]] = run.get(e["client_id"], Decimal(0)) + (amt if e["kind"] == "deposit" else -amt)
            x["fresh_money"] = max(x["fresh_money"], run[e["client_id"]])
    a2c = {a["account_id"]: a["client_id"] for a in accts if a["kind"] == "trading"}
    for t in rows(case, "trades.csv"):
        if t["account_id"] in a2c:
            fig[a2c[t["account_id"]]]["turnover"] += Decimal(t["notional"])
    mism = 0
    for r in rows(case, "truth/expected_clients.csv"):
        x = fig[r["client_id"]]
        x["net_deposit"] = x["deposits"] - x["withdrawals"]
        x["client_loss"] = x["fees"] + x["overnight_fees"] - x["trading_pnl"]
        for k in keys:
            if Decimal(r[k]) != x[k]:
                mism += 1
    print("expected_clients: %d rows, %d mismatching cells" % (len(fig), mism))
    bad += mism > 0
    print("OK" if not bad else "PROBLEMS: %d" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
