"""Broker side: fills for routed platform trades, account groups (borrowed accounts run by one
controller), and busy independent traders who are not grouped."""
from datetime import timedelta

from . import ids as I
from .infra import BROKERS, add_account, bank_account
from .market import INSTR


def fill_id(w, broker):
    st = sum(map(ord, broker)) % 3
    if st == 0:
        return w.ids.digits(11, "0")
    if st == 1:
        return w.ids.hexid(12, prefix="F")
    return w.ids.b62(10)


def broker_ref(w):
    return w.ids.digits(10, "4") if w.r.random() < 0.7 else w.ids.hexid(8, upper=True)


def fill(w, dt, acct, inst, side, qty, price, ref, cpty=""):
    broker = w.accounts[acct]["institution"] or "x"
    row = {"fill_id": fill_id(w, broker), "ts": I.fmt_ts(dt, False, ms=True), "account_id": acct,
           "instrument": inst, "side": side, "qty": qty, "price": price, "broker_ref": ref,
           "counterparty_account_id": cpty, "_dt": dt}
    w.t["broker_fills"].append(row)
    return row


def route_platform_trades(w):
    r = w.r
    for t in w.t["trades"]:
        c = t["_client"]
        if t["_fake"] or "_sub" not in c:
            continue
        ref = broker_ref(w)
        t["broker_ref"] = ref
        dt = t["_dt"] + timedelta(milliseconds=r.randint(30, 900))
        p = c["_platform"]
        acct = c["_sub"]
        if p.setdefault("_fill_on_mother", r.random() < 0.4):  # this broker only knows the mother account
            acct = w.accounts[acct]["parent_account_id"]
        if t["qty"] > 3 and r.random() < 0.05:  # partial fills
            q1 = r.randint(1, t["qty"] - 1)
            fill(w, dt, acct, t["instrument"], t["side"], q1, t["price"], ref)
            fill(w, dt + timedelta(milliseconds=r.randint(5, 2000)), acct, t["instrument"], t["side"],
                 t["qty"] - q1, t["price"], ref)
        else:
            fill(w, dt, acct, t["instrument"], t["side"], t["qty"], t["price"], ref)


def broker_account(w, holder, broker, opened):
    st = sum(map(ord, broker)) % 3
    aid = w.ids.digits(7, "U") if st == 0 else (w.ids.digits(9, "7") if st == 1 else w.ids.b62(8, prefix="HK"))
    add_account(w, {"account_id": aid, "kind": "mother", "holder_person_id": holder, "platform_id": "",
                    "client_id": "", "parent_account_id": "", "institution": broker,
                    "opened_on": I.fmt_d(opened), "_role": "broker"})
    return aid


def build_groups(w):
    r = w.r
    cands = [g for g in w.gangs if not g["tiny"] and (g["end"] - g["start"]).days > 200]
    n_groups = max(4, w.n_gangs // 4)
    gangs = r.sample(cands, min(len(cands), n_groups - 1))
    gangs.append(gangs[0])  # one gang runs two groups
    for k, g in enumerate(gangs):
        size = r.choice([5, 6, 8, 11, 14, 18, 23]) if k else 30
        kind = k % 3
        if kind == 0:
            ctrl = g["staff"]["leader"][0]
        elif kind == 1 and g["staff"]["tech"]:
            ctrl = g["staff"]["tech"][0]
        else:
            ctrl = None
        if ctrl is None or any(x["controller"] == ctrl for x in w.groups):
            ctrl = w.new_person(g["province"], g["city"], g)  # trading-company boss; no membership known
        brokers = r.sample(BROKERS, r.choice([1, 1, 2]))
        a = g["start"] + timedelta(days=r.randint(30, max(31, (g["end"] - g["start"]).days - 150)))
        b = a + timedelta(days=r.randint(50, 140))
        funding = [bank_account(w, ctrl, a - timedelta(days=40), role="funding")]
        if r.random() < 0.5:
            funding.append(bank_account(w, r.choice(g["nominees"]), a - timedelta(days=40), role="funding"))
        accts = []
        for j in range(size):
            holder = ctrl if j == 0 and r.random() < 0.5 else \
                w.new_person(r.choice([g["province"], "河南", "四川", "湖南", "江西"]), None, g)
            accts.append(broker_account(w, holder, r.choice(brokers), a - timedelta(days=r.randint(5, 30))))
        grp = {"group_id": w.ids.b62(6, prefix="grp"), "controller": ctrl, "gang": g, "accounts": accts,
               "funding": funding, "start": a, "end": b, "days": [],
               "devices": [I.device_id(r, w.ids) for _ in range(r.randint(1, 3))]
               + (w.pmeta[ctrl]["devices"][:1] if r.random() < 0.6 else []),
               "ips": [I.ip_in(r, g["province"]), "%d.%d.%d.%d" % (r.choice([103, 202, 210]), r.randint(0, 255),
                                                                     r.randint(0, 255), r.randint(2, 254))]}
        w.groups.append(grp)
        # common funding: one card funds every account within minutes, round sums, and later top-ups
        for src in funding:
            w.money.xfer(r.choice(g["own"]), src, 50_000_000 * len(accts), a - timedelta(days=3), memo="往来款")
        t = a.replace(hour=10, minute=r.randint(0, 20))
        for acct in accts:
            w.money.xfer(r.choice(funding), acct, r.choice([50, 80, 100, 200, 300]) * 1_000_000, t,
                         channel="跨境汇款", memo="入金")
            t += timedelta(seconds=r.randint(20, 240))
        trade_group(w, grp)
        for acct in accts:  # profits back to the controller's card at the end
            w.money.xfer(acct, r.choice(funding), r.randint(20, 400) * 1_000_000,
                         b + timedelta(days=r.randint(1, 5), hours=r.randint(1, 8)), channel="跨境汇款", memo="出金")


def trade_group(w, grp):
    r, m = w.r, w.market
    accts = grp["accounts"]
    day = grp["start"]
    codes = r.sample(["NQ", "HSI", "CL", "GC", "FDAX"], 2)
    while day < grp["end"]:
        day += timedelta(days=1)
        if day.weekday() >= 5 or r.random() < 0.3:
            continue
        grp["days"].append(day.date())
        for _ in range(r.randint(2, 6)):
            t0 = day.replace(hour=r.choice([9, 10, 14, 21, 22]), minute=r.randint(0, 59), second=r.randint(0, 59),
                             microsecond=r.randint(0, 999) * 1000)
            code = r.choice(codes)
            inst = m.contract(code, t0)
            px = m.quote(code, t0, r)
            side = r.choice("BS")
            if r.random() < 0.12:  # self-trade: two accounts of the group on both sides
                for _ in range(r.randint(1, 3)):
                    a1, a2 = r.sample(accts, 2)
                    q = r.randint(1, 10)
                    ts = t0 + timedelta(milliseconds=r.randint(0, 80))
                    fill(w, ts, a1, inst, "B", q, px, broker_ref(w), a2)
                    fill(w, ts, a2, inst, "S", q, px, broker_ref(w), a1)
                    grp["self_trades"] = grp.get("self_trades", 0) + 1
                    grp["self_qty"] = grp.get("self_qty", 0) + q
                continue
            for acct in accts:
                if r.random() < 0.25:
                    continue
                ts = t0 + timedelta(milliseconds=r.randint(0, 100))
                sd = side if r.random() < 0.9 else ("S" if side == "B" else "B")
                fill(w, ts, acct, inst, sd, r.randint(1, 20), px, broker_ref(w),
                     r.choice(w.indep_accts) if r.random() < 0.08 else "")


def build_independents(w):
    """Busy ordinary traders at the same brokers: many fills, own money, own devices."""
    r, m = w.r, w.market
    w.indep = []
    w.indep_accts = []
    n = 30 + w.n_clients // 300
    for i in range(n):
        p = w.new_person(r.choice(["上海", "浙江", "广东", "北京", "江苏", r.choice(list(I.PROVINCES))]))
        bank = w.pmeta[p]["banks"][0] if w.pmeta[p]["banks"] else bank_account(w, p, role="indepbank")
        a = I.rand_dt(r, I.T0, I.T1 - timedelta(days=120))
        acct = broker_account(w, p, r.choice(BROKERS), a - timedelta(days=r.randint(3, 90)))
        w.indep.append({"person": p, "account": acct, "start": a, "days": []})
        w.indep_accts.append(acct)
        w.money.xfer(bank, acct, r.randint(10, 300) * 1_000_000, a - timedelta(days=1), channel="跨境汇款")
    for ind in w.indep:
        acct, day = ind["account"], ind["start"]
        codes = r.sample(list(INSTR), r.randint(1, 3))
        for _ in range(r.randint(10, 80)):
            day += timedelta(days=r.randint(1, 5))
            if day > I.T1:
                break
            if day.weekday() >= 5:
                continue
            ind["days"].append(day.date())
            for _ in range(r.randint(1, 8)):
                if r.random() < 0.1:  # market open: many traders act in the same second by chance
                    t = day.replace(hour=9, minute=15, second=0, microsecond=r.randint(0, 400) * 1000)
                else:
                    t = day.replace(hour=r.choice([9, 10, 11, 14, 15, 21, 22]), minute=r.randint(0, 59),
                                    second=r.randint(0, 59), microsecond=r.randint(0, 999) * 1000)
                code = r.choice(codes)
                cp = r.choice(w.indep_accts) if r.random() < 0.03 else ""
                fill(w, t, acct, m.contract(code, t), r.choice("BS"), r.randint(1, 30), m.quote(code, t, r),
                     broker_ref(w), cp if cp != acct else "")
