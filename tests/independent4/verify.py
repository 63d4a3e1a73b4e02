#!/usr/bin/env python3
"""Checks a generated case against its own truth files, from the CSVs alone, with Decimal money.
usage: verify.py CASE_DIR     (exit 0 = consistent)"""
import csv
import os
import sys
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal

CST = timezone(timedelta(hours=8))
D0 = Decimal("0")


def rows(case, name):
    path = os.path.join(case, name)
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    return list(csv.DictReader(text.splitlines()))


def instant(ts):
    s = ts.replace("Z", "+00:00")
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=CST)
    return dt.timestamp()


def fx_table(case):
    fx = defaultdict(dict)
    for r in rows(case, "fx_rates.csv"):
        fx[r["currency"]][r["date"]] = Decimal(r["cny_per_unit"])
    return fx


def rate(fx, cur, date):
    if not cur or cur == "CNY":
        return Decimal(1)
    ds = sorted(d for d in fx[cur] if d <= date)
    return fx[cur][ds[-1]]


def main(case):
    bad = []
    led = rows(case, "ledger.csv")
    fig = defaultdict(lambda: defaultdict(lambda: D0))
    flows = defaultdict(list)
    for r in led:
        c, k, a = r["client_id"], r["kind"], Decimal(r["amount"])
        if r["currency"] not in ("", "CNY"):
            bad.append("non-CNY ledger row %s" % r["entry_id"])
        fig[c][k] += a
        if k in ("deposit", "withdrawal"):
            flows[c].append((instant(r["ts"]), r["entry_id"], a if k == "deposit" else -a))
        if k in ("rebate", "commission") and not r["beneficiary_agent_id"]:
            bad.append("rebate without beneficiary %s" % r["entry_id"])
    acct_client = {r["account_id"]: r["client_id"] for r in rows(case, "accounts.csv") if r["kind"] == "trading"}
    turn = defaultdict(lambda: D0)
    for r in rows(case, "trades.csv"):
        c = acct_client.get(r["account_id"])
        if c:
            turn[c] += Decimal(r["notional"])
    exp = rows(case, "truth/expected_clients.csv")
    n_bad = 0
    ties = 0
    for e in exp:
        c = e["client_id"]
        f = fig[c]
        pnl = f["pnl"] + f["adjustment"]
        run = best = D0
        fl = sorted(flows[c])
        for i in range(1, len(fl)):
            ties += fl[i][0] == fl[i - 1][0]
        for _, _, x in fl:
            run += x
            best = max(best, run)
        got = dict(deposits=f["deposit"], withdrawals=f["withdrawal"], fees=f["fee"], overnight_fees=f["overnight_fee"],
                   rebates_paid=f["rebate"], commissions_paid=f["commission"], trading_pnl=pnl,
                   net_deposit=f["deposit"] - f["withdrawal"], client_loss=f["fee"] + f["overnight_fee"] - pnl,
                   fresh_money=best, turnover=turn[c])
        for k, v in got.items():
            if Decimal(e[k]) != v:
                n_bad += 1
                if n_bad < 10:
                    bad.append("client %s %s: expected %s, recomputed %s" % (c, k, e[k], v))
    print("expected_clients: %d clients, %d mismatching figures, %d same-instant deposit/withdrawal pairs" %
          (len(exp), n_bad, ties))
    # gangs and platforms add up
    by_g, by_p = defaultdict(lambda: defaultdict(lambda: D0)), defaultdict(lambda: defaultdict(lambda: D0))
    for e in exp:
        for k in ("deposits", "withdrawals", "fees", "client_loss", "turnover", "fresh_money"):
            by_g[e["gang_id"]][k] += Decimal(e[k])
            by_p[e["platform_id"]][k] += Decimal(e[k])
    for name, key, agg in (("expected_gangs.csv", "gang_id", by_g), ("expected_platforms.csv", "platform_id", by_p)):
        for r in rows(case, "truth/" + name):
            for k, v in agg[r[key]].items():
                if Decimal(r[k]) != v:
                    bad.append("%s %s %s: %s vs %s" % (name, r[key], k, r[k], v))
    # agents: subtree sums from clients.csv + agents.csv
    parent = {r["agent_id"]: r["parent_agent_id"] for r in rows(case, "agents.csv")}
    sub = defaultdict(lambda: D0)
    efig = {e["client_id"]: e for e in exp}
    for r in rows(case, "clients.csv"):
        a = r["agent_id"]
        while a:
            sub[a] += Decimal(efig[r["client_id"]]["deposits"])
            a = parent[a]
    rec = defaultdict(lambda: D0)
    for r in led:
        if r["kind"] == "rebate":
            rec[r["beneficiary_agent_id"]] += Decimal(r["amount"])
    for r in rows(case, "truth/expected_agents.csv"):
        if Decimal(r["subtree_deposits"]) != sub[r["agent_id"]] or Decimal(r["rebate_received"]) != rec[r["agent_id"]]:
            bad.append("agent %s subtree/rebates differ" % r["agent_id"])
    # vendor licence income with FX at the sale date or the latest earlier date
    fx = fx_table(case)
    li = defaultdict(lambda: D0)
    for r in rows(case, "licenses.csv"):
        li[r["vendor_id"]] += Decimal(r["price"]) * rate(fx, r["currency"], r["sold_on"])
    for r in rows(case, "truth/expected_vendor.csv"):
        if Decimal(r["license_income"]) != li[r["vendor_id"]].quantize(Decimal("0.01")):
            bad.append("vendor %s licence income %s vs %s" % (r["vendor_id"], r["license_income"], li[r["vendor_id"]]))
    # truth covers every entity, once per (id, type)
    seen = set()
    truth = rows(case, "truth/gangs.csv")
    for r in truth:
        k = (r["entity_id"], r["entity_type"])
        if k in seen:
            bad.append("duplicate truth row %s" % (k,))
        seen.add(k)
    for name, col, et in (("persons.csv", "person_id", "person"), ("agents.csv", "agent_id", "agent"),
                          ("clients.csv", "client_id", "client"), ("platforms.csv", "platform_id", "platform")):
        for r in rows(case, name):
            if (r[col], et) not in seen:
                bad.append("no truth row for %s %s" % (et, r[col]))
    accts = rows(case, "accounts.csv")
    for r in accts:
        et = "trading_account" if r["kind"] in ("trading", "mother", "sub") else "bank_account"
        if (r["account_id"], et) not in seen:
            bad.append("no truth row for account %s" % r["account_id"])
    gang_ids = set(r["gang_id"] for r in rows(case, "truth/expected_gangs.csv"))
    if any(r["gang_id"] and r["gang_id"] not in gang_ids for r in truth):
        bad.append("truth names an unknown gang")
    if any(r["entity_type"] == "client" and r["gang_id"] for r in truth):
        bad.append("a client is labelled as a gang member")
    # account groups: accounts exist; self-trade pairs recounted from broker_fills
    ids = set(r["account_id"] for r in accts)
    grp = {}
    for r in rows(case, "truth/account_groups.csv"):
        if r["account_id"] not in ids:
            bad.append("group account %s not in accounts.csv" % r["account_id"])
        grp[r["account_id"]] = r["group_id"]
    legs = defaultdict(list)
    for r in rows(case, "broker_fills.csv"):
        g = grp.get(r["account_id"])
        if g:
            ms = int(round(instant(r["ts"]) * 1000000)) // 1000
            legs[(g, r["instrument"], ms, r["qty"], r["price"])].append((r["side"], r["account_id"]))
    pairs = defaultdict(int)
    qty = defaultdict(int)
    for (g, _, _, q, _), ls in legs.items():
        b = [a for s, a in ls if s == "B"]
        s_ = [a for s, a in ls if s == "S"]
        if b and s_ and set(b) != set(s_):
            n = min(len(b), len(s_))
            pairs[g] += n
            qty[g] += n * int(q)
    for r in rows(case, "truth/expected_account_groups.csv"):
        if int(r["self_trade_count"]) != pairs[r["group_id"]] or int(r["self_trade_qty"]) != qty[r["group_id"]]:
            bad.append("group %s self-trades: expected %s/%s, recounted %d/%d" % (
                r["group_id"], r["self_trade_count"], r["self_trade_qty"], pairs[r["group_id"]], qty[r["group_id"]]))
    print("truth/gangs.csv: %d rows; account groups: %d accounts in %d groups" % (len(truth), len(grp),
                                                                             len(set(grp.values()))))
    for b in bad[:40]:
        print("PROBLEM:", b)
    print("consistent" if not bad else "%d problem(s)" % len(bad))
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
