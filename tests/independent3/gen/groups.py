"""Account groups (one controller, several nominal accounts) whose evidence is uneven on
purpose: `funding` (one card wires every account), `device` (one controller's PCs log in to all),
`sync` (only synchronised orders and self-trades), `span` (client accounts on two gangs'
platforms, run by a studio boss in no gang), `mixed` (all three)."""
from .market import trading_day
from .money import txn
from .sim import _led, _trade, _rebates, MARGIN
from .util import END_DAY

KINDS = ["funding", "device", "sync", "span", "mixed", "funding", "sync", "device", "span", "mixed"]
VPN = ["45.%d.%d.%d" % (77 + i % 3, 11 * i % 250 + 2, 7 * i % 250 + 3) for i in range(24)]


def build_groups(w, m):
    r = w.r
    n = 5 + len(w.gangs) // 10
    hosts = [g for g in w.gangs if g["size"] != "tiny"]
    hosts = hosts[: len(hosts)]
    w.vpn = VPN
    w.controllers = set()
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        gid = "AG-%02d" % (i + 1)
        if kind == "span":
            _span(w, m, gid)
            continue
        bad = set(w.no_login) | set(x[0] for x in w.partial) if kind != "sync" else set()
        ok = [x for x in hosts if x["id"] not in bad] or hosts
        g = ok[(i * 3) % len(ok)]
        own = [pid for pid, role in g["staff"] if role in ("tech", "leader", "manager")
               and w.persons[pid]["gang"] == g["id"] and pid not in w.controllers]
        ctl = w.member(g, "controller") if (r.chance(0.5) or not own) else r.pick(own)
        w.controllers.add(ctl)
        if ctl not in w.card_of:
            w.card_of[ctl] = w.bank_card(ctl, g["start"])
        broker = w.accounts[w.platforms[g["platforms"][0]]["mothers"][0]]["inst"] if \
            w.platforms[g["platforms"][0]]["mothers"] else None
        from .world import BROKERS
        b = next((x for x in BROKERS if x[0] == broker), r.pick(BROKERS))
        t0 = r.randint(g["start"] + 100, END_DAY - 260)
        accts, lenders = [], []
        for k in range(r.randint(4, 9) if kind != "sync" else r.randint(6, 12)):
            lp = w.member(g, "lender", province=None if r.chance(0.5) else w.persons[ctl]["prov"])
            lenders.append(lp)
            w.card_of[lp] = w.bank_card(lp, t0 - r.randint(30, 900))
            accts.append(w.broker_account(lp, t0 + r.randint(0, 10), broker=b))
        grp = dict(id=gid, kind=kind, gang=g["id"], controller=ctl, accounts=accts, self_pairs=0, self_qty=0)
        w.groups.append(grp)
        ccard = w.card_of[ctl]
        if kind in ("funding", "mixed"):
            txn(w, g["fin_card"], ccard, (t0 - 1) * 86400 + 50000, len(accts) * 3000000, "网银", "借款")
            for j, a in enumerate(accts):
                txn(w, ccard, a, t0 * 86400 + 36000 + 60 * j + r.randint(0, 50), 3000000, "跨境汇款", "投资款")
        else:
            for a, lp in zip(accts, lenders):
                txn(w, w.card_of[lp], a, (t0 + r.randint(0, 20)) * 86400 + r.randint(30000, 80000),
                    r.randint(15, 60) * 100000 + r.randint(0, 99) * 100, "跨境汇款", "境外投资")
        days = sorted(set(r.randint(t0 + 12, min(END_DAY, t0 + 250)) for _ in range(r.randint(15, 45))))
        days = [d for d in days if trading_day(d)]
        ctl_devs = ["CTL-%s-%d" % (gid, k) for k in range(r.randint(1, 3))]
        for d in days:
            if kind in ("device", "mixed"):
                base = d * 86400 + 32000 + r.randint(0, 900)
                for a in accts:
                    w.logins.append([base + r.randint(0, 40), a, "", r.pick([g["office_ip"], w.persons[ctl]["ip"]]),
                                     r.pick(ctl_devs), g["prov"]])
            else:
                for a, lp in zip(accts, lenders):
                    if r.chance(0.5):
                        ip = r.pick(VPN) if kind == "sync" else w.persons[lp]["ip"]
                        w.logins.append([d * 86400 + r.randint(30000, 80000), a, "", ip, w.persons[lp]["dev"],
                                         "" if kind == "sync" else w.persons[lp]["prov"]])
            if kind in ("sync", "mixed"):
                _bursts(w, m, grp, d)
            else:
                for a in accts:
                    if r.chance(0.6):
                        _fill(w, m, a, d, r.pick(["HSI", "CL", "NQ", "GC"]), None)
    w.notes["groups"] = [dict(group_id=g["id"], kind=g["kind"], gang=g["gang"], n=len(g["accounts"]))
                         for g in w.groups]


def _fill(w, m, acct, d, inst, when, side=None, qty=None, cp=""):
    r = w.r
    sec, ms = when if when else (m.trade_time(r, inst), r.randint(0, 999))
    units = m.price(inst, d, sec)
    side = side or r.pick("BS")
    qty = qty or r.randint(1, 10)
    w.fills.append(["EX%012d" % w.ids.next("fill"), d * 86400 + sec, ms, acct, inst, side, qty,
                    m.ptext(inst, units), "GR%010d" % w.ids.next("order"), cp])


def _bursts(w, m, grp, d):
    r = w.r
    for _ in range(r.randint(2, 5)):
        inst = r.pick(["HSI", "MHI", "CN"]) if r.chance(0.5) else r.pick(["NQ", "ES", "CL"])
        sec, ms0 = m.trade_time(r, inst, busy_p=0.8), r.randint(0, 800)
        side = r.pick("BS")
        acc = [a for a in grp["accounts"] if r.chance(0.82)]
        for a in acc:
            ms = ms0 + r.randint(0, 60)
            s2 = sec + ms // 1000
            _fill(w, m, a, d, inst, (s2, ms % 1000), side if r.chance(0.85) else None)
        if len(acc) >= 2 and r.chance(0.15):
            a, b = r.sample(acc, 2)
            qty = r.randint(1, 8)
            ms = r.randint(0, 999)
            rep = r.chance(0.5)                       # the broker names the counterparty only sometimes
            _fill(w, m, a, d, inst, (sec + 2, ms), "B", qty, b if rep else "")
            _fill(w, m, b, d, inst, (sec + 2, ms), "S", qty, a if rep else "")
            grp["self_pairs"] += 1
            grp["self_qty"] += qty


def _span(w, m, gid):
    """A studio boss (no gang) runs client accounts, opened under borrowed names, on the real
    platforms of two different gangs and trades them in step."""
    r = w.r
    ctl = w.person(role="studio_boss")
    w.card_of[ctl] = w.bank_card(ctl, 100)
    cand = [p for p in w.platforms.values() if p["kind"] == "real" and p["backend"]
            and w.gang_by_id[p["gang"]]["size"] != "tiny" and p["close"] - p["created"] > 200]
    p1 = r.pick(cand)
    p2 = r.pick([p for p in cand if p["gang"] != p1["gang"]])
    t0 = max(p1["created"], p2["created"]) + 20
    t1 = min(p1["close"], p2["close"], END_DAY) - 5
    accts, clients = [], []
    for k in range(r.randint(4, 8)):
        p = p1 if k % 2 == 0 else p2
        lp = w.person(w.persons[ctl]["prov"] if r.chance(0.6) else None)
        w.card_of[lp] = w.bank_card(lp, 50)
        ags = [a for a in w.agents.values() if a["platform"] == p["id"] and a["joined"] < t0
               and (a["left"] is None or a["left"] > t1)]
        cid = w.ids.seqid("client", "KH%08d")
        p["nseq"] = p.get("nseq", 0) + 1
        c = dict(id=cid, platform=p["id"], agent=r.pick(ags)["id"] if ags else "", person=lp, reg=t0, end=t1,
                 why="end", career=None, acct="%s#%06d" % (p["id"], p["nseq"]),
                 sub=r.pick(p["subs"]) if p["subs"] else p["mothers"][0])
        w.clients[cid] = c
        w.account(c["acct"], "trading", holder=lp, platform=p["id"], client=cid, opened=t0)
        clients.append(c)
        accts.append(c["acct"])
    w.groups.append(dict(id=gid, kind="span", gang="", controller=ctl, accounts=accts, self_pairs=0, self_qty=0,
                         platforms=[p1["id"], p2["id"]]))
    from .money import txn as _t, _collect_card
    eq = {}
    for j, c in enumerate(clients):
        p = w.platforms[c["platform"]]
        sec = t0 * 86400 + 39000 + 90 * j
        _t(w, w.card_of[ctl], w.card_of[c["person"]], sec, 20000000, "手机银行", "转账")
        g = w.gang_by_id[p["gang"]]
        dest = p["payco"]["accts"][0] if p["payco"] else _collect_card(g, t0)
        tid = _t(w, w.card_of[c["person"]], dest, sec + 600, 20000000, "网银", "")
        row = _led(w, p, c["id"], c["acct"], "deposit", sec + 700, 20000000)
        row[9] = tid
        eq[c["id"]] = 20000000
    d = t0 + 1
    while d < t1:
        if trading_day(d) and r.chance(0.5):
            inst = r.pick(["HSI", "NQ"])
            s = m.trade_time(r, inst, busy_p=0.9)
            side = r.pick("BS")
            hold = r.randint(60, 1800)
            for c in clients:
                if not r.chance(0.85):
                    continue
                p = w.platforms[c["platform"]]
                qty = max(1, min(10, eq[c["id"]] // MARGIN[inst] // 2))
                to, tc = d * 86400 + s + r.randint(0, 2), d * 86400 + s + hold + r.randint(0, 3)
                sg = 1 if side == "B" else -1
                po, pc = m.price(inst, d, s), m.price(inst, d, (s + hold) % 86400)
                _trade(w, m, p, c, to, side, inst, qty, po, d)
                _trade(w, m, p, c, tc, "S" if side == "B" else "B", inst, qty, pc, d)
                pnl = m.pnl_fen(inst, d, qty, sg * (pc - po))
                fee = p["fee_lot"] * qty
                _led(w, p, c["id"], c["acct"], "pnl", tc, pnl)
                _led(w, p, c["id"], c["acct"], "fee", tc + 1, fee)
                _rebates(w, p, c, w.agents.get(c["agent"]), fee, tc + 2)
                eq[c["id"]] += pnl - fee
                w.logins.append([to - 40, "", c["id"], w.persons[ctl]["ip"], "STUDIO-%s" % gid, w.persons[ctl]["prov"]])
        d += 1
    for c in clients:
        if eq[c["id"]] > 0:
            p = w.platforms[c["platform"]]
            sec = t1 * 86400 + 50000
            row = _led(w, p, c["id"], c["acct"], "withdrawal", sec, eq[c["id"]])
            row[9] = txn(w, w.gang_by_id[p["gang"]]["payout"], w.card_of[c["person"]], sec + 900, eq[c["id"]], "网银", "")
        elif eq[c["id"]] < 0:
            _led(w, w.platforms[c["platform"]], c["id"], c["acct"], "adjustment", t1 * 86400 + 40000, -eq[c["id"]])
