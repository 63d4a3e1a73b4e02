"""Write the case folder: case.yaml and one CSV per table, each in its source's own habits."""
import csv
import io
import os

from .util import day, fen, ts

LEVEL = {1: "一级代理", 2: "二级代理", 3: "三级代理", 4: "四级代理", 5: "五级代理", 6: "六级代理", 7: "七级代理"}


def _csv(path, header, rows, enc="utf-8", crlf=False):
    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    wr.writerow(header)
    wr.writerows(rows)
    with open(path, "wb") as f:
        f.write(buf.getvalue().encode(enc))
    return len(rows)


def _d(x):
    return "" if x is None or x == "" else day(x)


def write_case(w, m, out, fx):
    os.makedirs(out, exist_ok=True)
    j = lambda n: os.path.join(out, n)
    counts = {}
    v = w.vendor
    counts["vendors.csv"] = _csv(j("vendors.csv"), ["vendor_id", "name", "province", "city", "bank_account_ids"],
                                 [[v["id"], v["name"], "上海", "上海", ";".join(v["cards"])]])
    counts["licenses.csv"] = _csv(j("licenses.csv"), ["license_id", "vendor_id", "platform_id", "sold_on", "price",
                                                      "currency", "buyer_name", "buyer_phone", "paid_from_account"],
                                  [[l["id"], l["vendor"], l["platform"], day(l["sold"]), fen(l["price"]), "CNY",
                                    l["buyer"], l["phone"], l["paid_from"]] for l in w.licences])
    kind_shown = {}
    for g in w.gangs:
        for pid in g["platforms"]:
            p = w.platforms[pid]
            kind_shown[pid] = p["kind"] if (g["status"] == "seized" and p["backend"]) else ""
    counts["platforms.csv"] = _csv(j("platforms.csv"), ["platform_id", "vendor_id", "name", "domain", "created_on", "kind"],
                                   [[p["id"], v["id"], p["name"], p["domain"], day(p["created"]), kind_shown[p["id"]]]
                                    for p in w.platforms.values()])
    rows = []
    for g in w.gangs:
        if g["known"]:
            shown = [p for p in g["platforms"] if w.platforms[p]["close"] > 1100] or g["platforms"][-1:]
            rows.append([g["id"], "", g["prov"], w.persons[g["leader"]]["city"], ";".join(shown),
                         g["leader"] if g["status"] == "seized" else "", g["status"]])
    counts["gangs.csv"] = _csv(j("gangs.csv"), ["gang_id", "name", "province", "city", "platform_ids",
                                                "leader_person_id", "status"], rows)
    counts["persons.csv"] = _csv(j("persons.csv"), ["person_id", "name", "id_number", "phone", "province", "city"],
                                 [[p["id"], p["name"], p["idn"], p["phone"], p["prov"], p["city"]]
                                  for p in w.persons.values()])
    counts["memberships.csv"] = _csv(j("memberships.csv"), ["person_id", "org_id", "role", "start", "end"],
                                     [[a, b, c, _d(s), _d(e)] for a, b, c, s, e in w.memberships])
    counts["agents.csv"] = _csv(j("agents.csv"), ["agent_id", "platform_id", "person_id", "parent_agent_id",
                                                  "rebate_rate", "commission_rate", "joined_on", "left_on", "level_name"],
                                [[a["id"], a["platform"], a["person"], a["parent"], "%.2f" % a["rebate"],
                                  "" if a["commission"] is None else "%.3f" % a["commission"], day(a["joined"]),
                                  _d(a["left"]), LEVEL.get(_depth(w, a), "")] for a in w.agents.values()])
    counts["clients.csv"] = _csv(j("clients.csv"), ["client_id", "platform_id", "agent_id", "person_id",
                                                    "registered_on", "login_name"],
                                 [[c["id"], c["platform"], c["agent"], "" if c.get("hide_person") else c["person"],
                                   day(c["reg"]), w.persons[c["person"]]["phone"][-4:] and "u" + c["id"][-5:]]
                                  for c in w.clients.values()])
    counts["accounts.csv"] = _csv(j("accounts.csv"), ["account_id", "kind", "holder_person_id", "platform_id",
                                                      "client_id", "parent_account_id", "institution", "opened_on"],
                                  [[a["id"], a["kind"], a["holder"], a["platform"], a["client"], a["parent"],
                                    a["inst"], day(max(0, a["opened"]))] for a in w.accounts.values()], crlf=True)
    sty = {p["id"]: p["ts_style"] for p in w.platforms.values()}
    counts["ledger.csv"] = _csv(j("ledger.csv"), ["entry_id", "ts", "platform_id", "client_id", "account_id", "kind",
                                                  "amount", "currency", "beneficiary_agent_id", "bank_txn_id", "remark"],
                                [[e[0], ts(e[1], sty[e[2]]), e[2], e[3], e[4], e[5], fen(e[6]), e[7], e[8], e[9],
                                  "返佣,系统结算" if e[5] in ("rebate", "commission") else ""] for e in w.ledger])
    counts["trades.csv"] = _csv(j("trades.csv"), ["trade_id", "ts", "account_id", "instrument", "side", "qty", "price",
                                                  "notional", "broker_ref"],
                                [[t[0], ts(t[1], sty[t[10]], t[2]), t[3], t[4], t[5], t[6], t[7], fen(t[8]), t[9]]
                                 for t in w.trades])
    w.fills.sort(key=lambda f: (f[1], f[2], f[0]))
    counts["broker_fills.csv"] = _csv(j("broker_fills.csv"), ["fill_id", "ts", "account_id", "instrument", "side", "qty",
                                                              "price", "broker_ref", "counterparty_account_id"],
                                      [[f[0], ts(f[1], "utc", f[2]), f[3], f[4], f[5], f[6], f[7], f[8], f[9]]
                                       for f in w.fills])
    w.transfers.sort(key=lambda t: (t[1], t[0]))
    counts["bank_transfers.csv"] = _csv(j("bank_transfers.csv"), ["txn_id", "ts", "from_account", "to_account", "amount",
                                                                  "currency", "channel", "memo"],
                                        [[t[0], ts(t[1]), t[2], t[3], fen(t[4]), "CNY", t[5], t[6]] for t in w.transfers],
                                        enc="gb18030", crlf=True)
    w.logins.sort(key=lambda x: (x[0], x[1], x[2]))
    counts["logins.csv"] = _csv(j("logins.csv"), ["ts", "account_id", "actor_id", "ip", "device_id", "ip_province"],
                                [[ts(x[0])] + x[1:] for x in w.logins], enc="gb18030")
    counts["fx_rates.csv"] = _csv(j("fx_rates.csv"), ["date", "currency", "cny_per_unit"],
                                  [[day(d), c, "%d.%04d" % (x // 10000, x % 10000)] for d, c, x in fx])
    files = sorted(counts)
    with open(j("case.yaml"), "w", encoding="utf-8") as f:
        f.write("case_id: indep3-%s\n" % w.seed_label)
        f.write("title: \"云端行动 synthetic case (independent generator #3)\"\n")
        f.write("timezone: Asia/Shanghai\nbase_currency: CNY\nsources:\n")
        src = {"vendors.csv": "seized vendor server", "licenses.csv": "seized vendor server",
               "platforms.csv": "seized vendor server", "gangs.csv": "investigators",
               "persons.csv": "household registry / bank KYC", "memberships.csv": "interviews and payroll",
               "agents.csv": "platform back ends", "clients.csv": "platform back ends",
               "accounts.csv": "banks, broker, platform back ends", "ledger.csv": "platform back ends",
               "trades.csv": "platform back ends", "broker_fills.csv": "overseas broker statements",
               "bank_transfers.csv": "bank statements (资金查控)", "logins.csv": "platform admin, e-banking, broker API",
               "fx_rates.csv": "PBoC central parity"}
        for fn in files:
            f.write("  %s: \"%s\"\n" % (fn, src[fn]))
    return counts


def _depth(w, a):
    d = 1
    while a["parent"]:
        a = w.agents[a["parent"]]
        d += 1
    return d
