"""Evidence gaps applied at the end, and the input tables written as CSV."""
import csv
import datetime as _dt
import os

from . import ids as I

DAYS = [(I.EPOCH + _dt.timedelta(days=k)).strftime("%Y-%m-%d") for k in range(1300)]


def fl(t):
    d, s = divmod(t, 86400)
    return "%sT%02d:%02d:%02d" % (DAYS[d], s // 3600, s // 60 % 60, s % 60)


def fts(t, style):
    if style == "utc":
        return fl(t - 28800) + "Z"
    if style == "off":
        return fl(t) + "+08:00"
    return fl(t)


def price(p):
    s = "%.4f" % p
    return s.rstrip("0").rstrip(".")


def apply_gaps(w):
    """Bank statements for some gangs cover only a window; ~15 % of deposit/withdrawal rows unlinked."""
    r = w.r
    drop = set()
    for g in w.gangs:
        if "bank_partial" not in g.flags:
            continue
        a, b = g.bank_window
        mine = {e for e, (ty, gid) in w.truth.items() if gid == g.id and ty == "bank_account"}
        for tx in w.transfers:
            if (tx[2] in mine or tx[3] in mine) and not (a <= tx[1] // I.DAY < b):
                drop.add(tx[0])
    w.transfers = [tx for tx in w.transfers if tx[0] not in drop]
    money_rows = [row for row in w.ledger if row[5] in ("deposit", "withdrawal")]
    for row in money_rows:
        if row[8] in drop:
            row[8] = ""
    missing = sum(1 for row in money_rows if not row[8])
    p = max(0.0, (0.15 * len(money_rows) - missing) / max(1, len(money_rows) - missing))
    for row in money_rows:
        if row[8] and r.random() < p:
            row[8] = ""
    w.notes["gaps"] = dict(transfers_dropped_by_partial_statements=len(drop),
                           money_rows=len(money_rows),
                           money_rows_without_bank_txn_id=sum(1 for row in money_rows if not row[8]),
                           ledger_rows_without_bank_txn_id=sum(1 for row in w.ledger if not row[8]))


def _w(path, header, rows, bom=False):
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        cw = csv.writer(f, lineterminator="\n")
        cw.writerow(header)
        if isinstance(rows, list):
            cw.writerows(rows)
            return len(rows)
        k = 0
        for row in rows:
            cw.writerow(row)
            k += 1
    return k


def write_tables(w, out):
    os.makedirs(out, exist_ok=True)
    n = {}
    j = lambda name: os.path.join(out, name)
    v = w.vendor
    n["vendors.csv"] = _w(j("vendors.csv"), ["vendor_id", "name", "province", "city", "bank_account_ids"],
                          [[v.id, v.name, "上海", "上海", ";".join(v.accounts)]])
    n["licenses.csv"] = _w(j("licenses.csv"), ["license_id", "vendor_id", "platform_id", "sold_on", "price", "currency",
                                               "buyer_name", "buyer_phone", "paid_from_account"],
                           [l[:4] + [I.money(l[4])] + l[5:] for l in w.licenses])
    known_kind = {}
    for g in w.gangs:
        for p in g.platforms:
            known_kind[p.id] = p.kind if (g.known and g.status == "seized" and w.r.random() < 0.7) else ""
    n["platforms.csv"] = _w(j("platforms.csv"), ["platform_id", "vendor_id", "name", "domain", "created_on", "kind"],
                            [[p.id, v.id, p.name, p.domain, DAYS[p.created], known_kind[p.id]] for p in w.platforms])
    grows = []
    for g in w.gangs:
        if not g.known:
            continue
        plats = [p.id for p in g.platforms]
        if g.kind == "big":
            plats = plats[:3]                               # police know only some of the big gang's sites
        grows.append([g.id, "%s%s团伙" % (w.persons[g.leader][1][0], g.city), g.province, g.city, ";".join(plats),
                      g.leader if w.r.random() < 0.8 else "", g.status])
    n["gangs.csv"] = _w(j("gangs.csv"), ["gang_id", "name", "province", "city", "platform_ids", "leader_person_id",
                                         "status"], grows)
    n["persons.csv"] = _w(j("persons.csv"), ["person_id", "name", "id_number", "phone", "province", "city"],
                          list(w.persons.values()))
    n["memberships.csv"] = _w(j("memberships.csv"), ["person_id", "org_id", "role", "start", "end"], w.memberships,
                              bom=True)
    n["agents.csv"] = _w(j("agents.csv"), ["agent_id", "platform_id", "person_id", "parent_agent_id", "rebate_rate",
                                           "commission_rate", "joined_on", "left_on"],
                         [[a.id, a.platform.id, a.person or "", a.parent.id if a.parent else "", a.rate,
                           a.comm if a.comm else "", DAYS[a.joined], DAYS[a.left] if a.left else ""]
                          for a in w.agents.values()])
    n["clients.csv"] = _w(j("clients.csv"), ["client_id", "platform_id", "agent_id", "person_id", "registered_on"],
                          [[c.id, c.platform.id, c.agent.id if c.agent else "", c.person or "", DAYS[c.reg]]
                           for c in w.clients.values()])
    n["accounts.csv"] = _w(j("accounts.csv"), ["account_id", "kind", "holder_person_id", "platform_id", "client_id",
                                               "parent_account_id", "institution", "opened_on"],
                           list(w.accounts.values()))
    style = {p.id: p.ts_style for p in w.platforms}
    n["ledger.csv"] = _w(j("ledger.csv"), ["entry_id", "ts", "platform_id", "client_id", "account_id", "kind", "amount",
                                           "currency", "beneficiary_agent_id", "bank_txn_id"],
                         ([e[0], fts(e[1], style[e[2]]), e[2], e[3], e[4], e[5], I.money(e[6]), "CNY", e[7], e[8]]
                          for e in w.ledger))
    n["bank_transfers.csv"] = _w(j("bank_transfers.csv"), ["txn_id", "ts", "from_account", "to_account", "amount",
                                                           "currency", "channel", "memo"],
                                 [[t[0], fl(t[1]), t[2], t[3], I.money(t[4]), "CNY", t[5], t[6]] for t in w.transfers])
    tstyle = {a: style[a.split("-T")[0]] for a in set(t[2] for t in w.trades)} if w.trades else {}
    n["trades.csv"] = _w(j("trades.csv"), ["trade_id", "ts", "account_id", "instrument", "side", "qty", "price",
                                           "notional", "broker_ref"],
                         [[t[0], fts(t[1], tstyle[t[2]]), t[2], t[3], t[4], t[5], price(t[6]), I.money(t[7]), t[8]]
                          for t in w.trades])
    n["broker_fills.csv"] = _w(j("broker_fills.csv"), ["fill_id", "ts", "account_id", "instrument", "side", "qty",
                                                       "price", "broker_ref", "counterparty_account_id"],
                               [[f[0], fl(f[1]) + ".%03d" % f[2]] + f[3:6] + [f[6], price(f[7]), f[8], f[9]]
                                for f in w.fills])
    logs = sorted(w.logins, key=lambda x: (x[0], x[1], x[2]))
    n["logins.csv"] = _w(j("logins.csv"), ["ts", "account_id", "actor_id", "ip", "device_id", "ip_province"],
                         [[fl(x[0])] + x[1:] for x in logs])
    fx = []
    for d in range(I.START_DAY - 30, I.END_DAY + 1):
        if d % 7 in (3, 4):
            continue
        fx.append([DAYS[d], "USD", "%.4f" % float(w.usd[d])])
        fx.append([DAYS[d], "HKD", "%.4f" % (float(w.usd[d]) / 7.8)])
    n["fx_rates.csv"] = _w(j("fx_rates.csv"), ["date", "currency", "cny_per_unit"], fx)
    return n


def write_yaml(w, out):
    src = {"vendors.csv": "seized vendor server (上海)", "licenses.csv": "seized vendor server",
           "platforms.csv": "seized vendor server", "gangs.csv": "case files (seized / suspected gangs)",
           "persons.csv": "household registration + bank KYC", "memberships.csv": "interviews and payroll",
           "agents.csv": "platform back ends", "clients.csv": "platform back ends", "accounts.csv": "banks, brokers, back ends",
           "ledger.csv": "platform back ends", "bank_transfers.csv": "资金查控 bank statements",
           "trades.csv": "platform back ends", "broker_fills.csv": "overseas broker statements",
           "logins.csv": "platform admin logs, e-banking, broker API", "fx_rates.csv": "SAFE central parity"}
    lines = ["case_id: INDEP2-%d" % w.seed,
             'title: "独立生成器二号: 跨省非法期货平台案 (seed %d)"' % w.seed,
             "timezone: Asia/Shanghai", "base_currency: CNY", "sources:"]
    lines += ['  %s: "%s"' % (k, v) for k, v in src.items()]
    with open(os.path.join(out, "case.yaml"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
