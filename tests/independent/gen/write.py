"""Write the case folder (CSV tables + case.yaml) and truth/."""
import csv
import os
from collections import defaultdict
from decimal import Decimal

import yaml

from . import ids as I

COLS = {
    "vendors": "vendor_id,name,province,city,bank_account_ids",
    "licenses": "license_id,vendor_id,platform_id,sold_on,price,currency,buyer_name,buyer_phone,paid_from_account",
    "platforms": "platform_id,vendor_id,name,domain,created_on,kind",
    "gangs": "gang_id,name,province,city,platform_ids,leader_person_id,status",
    "persons": "person_id,name,id_number,phone,province,city",
    "memberships": "person_id,org_id,role,start,end",
    "agents": "agent_id,platform_id,person_id,parent_agent_id,rebate_rate,commission_rate,joined_on,left_on",
    "clients": "client_id,platform_id,agent_id,person_id,registered_on,remark",
    "accounts": "account_id,kind,holder_person_id,platform_id,client_id,parent_account_id,institution,opened_on",
    "ledger": "entry_id,ts,platform_id,client_id,account_id,kind,amount,currency,beneficiary_agent_id,bank_txn_id",
    "bank_transfers": "txn_id,ts,from_account,to_account,amount,currency,channel,memo",
    "trades": "trade_id,ts,account_id,instrument,side,qty,price,notional,broker_ref",
    "broker_fills": "fill_id,ts,account_id,instrument,side,qty,price,broker_ref,counterparty_account_id",
    "logins": "ts,account_id,actor_id,ip,device_id,ip_province",
    "fx_rates": "date,currency,cny_per_unit",
}
MONEY = {("licenses", "price"), ("ledger", "amount"), ("bank_transfers", "amount"), ("trades", "notional")}
SOURCES = {
    "vendors.csv": "vendor's seized server (customer records)",
    "licenses.csv": "vendor's seized server (sales contracts)",
    "platforms.csv": "vendor's seized server (tenant list)",
    "gangs.csv": "police case files (seized and suspected gangs only)",
    "persons.csv": "household registration + interviews",
    "memberships.csv": "interviews, payroll, chat records",
    "agents.csv": "platform back ends",
    "clients.csv": "platform back ends",
    "accounts.csv": "platform back ends, banks, payment company, brokers",
    "ledger.csv": "platform back ends",
    "bank_transfers.csv": "bank and payment-company statements",
    "trades.csv": "platform back ends",
    "broker_fills.csv": "overseas broker statements",
    "logins.csv": "platform admin logs, e-banking logs, broker API logs",
    "fx_rates.csv": "PBOC central parity",
}


def cell(table, col, v):
    if (table, col) in MONEY:
        return I.money(v)
    if v is None:
        return ""
    return str(v)


# exports come from different systems: a GB18030 household-registry dump, a back end that writes
# a UTF-8 BOM, Windows bank exports with CRLF line ends
ENCODING = {"persons": "gb18030", "ledger": "utf-8-sig"}
CRLF = {"bank_transfers", "accounts", "persons"}


def write_table(out, name, rows):
    cols = COLS[name].split(",")
    with open(os.path.join(out, name + ".csv"), "w", newline="", encoding=ENCODING.get(name, "utf-8")) as f:
        wr = csv.writer(f, lineterminator="\r\n" if name in CRLF else "\n")
        wr.writerow(cols)
        for row in rows:
            wr.writerow([cell(name, c, row.get(c, "")) for c in cols])
    return len(rows)


def gang_rows(w):
    out = []
    for g in w.gangs:
        if not g["status"]:
            continue
        leader = g["staff"]["leader"][0]
        out.append({"gang_id": g["gang_id"], "name": w.prow[leader]["name"][0] + "某某团伙",
                    "province": g["province"], "city": g["city"],
                    "platform_ids": ";".join(p["platform_id"] for p in g["platforms"]),
                    "leader_person_id": leader if g["status"] == "seized" else "", "status": g["status"]})
    return out


def write_case(w, out, case_id):
    os.makedirs(os.path.join(out, "truth"), exist_ok=True)
    w.t["gangs"] = gang_rows(w)
    for c in w.t["clients"]:
        c.setdefault("remark", w.r.choice(["", "", "", "微信引流", "抖音", "老客户介绍", "QQ群"]))
    w.t["ledger"].sort(key=lambda e: (e["platform_id"], e["_dt"], e["entry_id"]))
    for name in ("bank_transfers", "trades", "broker_fills"):
        w.t[name].sort(key=lambda e: e["_dt"])
    w.t["logins"].sort(key=lambda e: e["ts"][:19])
    counts = {name: write_table(out, name, w.t[name]) for name in COLS}
    meta = {"case_id": case_id, "title": "独立合成案例 seed %d：期货管理系统软件商及其下游团伙" % w.seed,
            "timezone": "Asia/Shanghai", "base_currency": "CNY", "sources": SOURCES}
    with open(os.path.join(out, "case.yaml"), "w", encoding="utf-8") as f:
        yaml.safe_dump(meta, f, allow_unicode=True, sort_keys=False)
    counts.update(write_truth(w, out))
    return counts


def write_truth(w, out):
    gang_of = {g["gang_id"]: g for g in w.gangs}
    rows = []

    def add(eid, etype, gid, prov):
        g = gang_of.get(gid)
        rows.append([eid, etype, gid or "", g["province"] if g else (prov or ""),
                     "true" if (g and g["is_fraud"]) else "false"])
    for p in w.platforms.values():
        add(p["platform_id"], "platform", p["_gang"]["gang_id"], "")
    for a in w.t["agents"]:
        add(a["agent_id"], "agent", a["_platform"]["_gang"]["gang_id"], "")
    for p in w.t["persons"]:
        add(p["person_id"], "person", w.person_gang.get(p["person_id"]), w.pmeta[p["person_id"]]["province"])
    for a in w.t["accounts"]:
        etype = "trading_account" if a["kind"] in ("trading", "mother", "sub") else "bank_account"
        h = a["holder_person_id"]
        add(a["account_id"], etype, w.account_gang.get(a["account_id"]), w.pmeta[h]["province"] if h else "")
    with open(os.path.join(out, "truth", "gangs.csv"), "w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f)
        wr.writerow(["entity_id", "entity_type", "gang_id", "province", "is_fraud"])
        wr.writerows(rows)
    grows = [[a, g["group_id"], g["controller"]] for g in w.groups for a in g["accounts"]]
    with open(os.path.join(out, "truth", "account_groups.csv"), "w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f)
        wr.writerow(["account_id", "group_id", "controller_id"])
        wr.writerows(grows)
    n = write_expected_clients(w, out)
    return {"truth/gangs": len(rows), "truth/account_groups": len(grows), "truth/expected_clients": n}


def write_expected_clients(w, out):
    """Client figures per contract.md, computed from the ledger rows as written (exact decimals)."""
    fx = w.market
    acc = defaultdict(lambda: defaultdict(Decimal))
    seq = defaultdict(list)
    for e in w.t["ledger"]:
        amt = Decimal(I.money(e["amount"]))
        if e["currency"] and e["currency"] != "CNY":
            amt = (amt * Decimal(str(fx.rate(e["currency"], e["_dt"].date())))).quantize(Decimal("0.01"))
        acc[e["client_id"]][e["kind"]] += amt
        if e["kind"] in ("deposit", "withdrawal"):
            seq[e["client_id"]].append((e["_dt"], e["entry_id"], amt if e["kind"] == "deposit" else -amt))
    client_of_acct = {a["account_id"]: a["client_id"] for a in w.t["accounts"] if a["client_id"]}
    turnover = defaultdict(Decimal)
    for t in w.t["trades"]:
        turnover[client_of_acct[t["account_id"]]] += Decimal(I.money(t["notional"]))
    cols = ["client_id", "platform_id", "deposits", "withdrawals", "fees", "overnight_fees", "rebates_paid",
            "commissions_paid", "trading_pnl", "net_deposit", "client_loss", "fresh_money", "turnover"]
    with open(os.path.join(out, "truth", "expected_clients.csv"), "w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f)
        wr.writerow(cols)
        for c in w.t["clients"]:
            a = acc[c["client_id"]]
            pnl = a["pnl"] + a["adjustment"]
            run, best = Decimal(0), Decimal(0)
            for _, _, x in sorted(seq[c["client_id"]]):
                run += x
                best = max(best, run)
            vals = [a["deposit"], a["withdrawal"], a["fee"], a["overnight_fee"], a["rebate"], a["commission"],
                    pnl, a["deposit"] - a["withdrawal"], a["fee"] + a["overnight_fee"] - pnl, best,
                    turnover[c["client_id"]]]
            wr.writerow([c["client_id"], c["platform_id"]] + ["%.2f" % v for v in vals])
    return len(w.t["clients"])
