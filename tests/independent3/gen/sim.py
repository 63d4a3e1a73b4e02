"""Each client record's life on its platform: deposits, round trips (two trade legs, one fee
per round trip, pnl at the close, overnight fee), top-ups, write-offs, withdrawals, rebates to the
direct agent and override commissions to up to three ancestors; broker fills."""
import datetime as dt

from .market import BIG, SMALL, trading_day
from .util import BASE, END_DAY

MARGIN = {"HSI": 12000000, "CL": 5500000, "GC": 7000000, "NQ": 12000000, "ES": 9000000, "SI": 9000000,
          "MHI": 2400000, "QM": 2800000, "MGC": 700000, "MNQ": 1200000, "CN": 1000000}   # fen per lot


def _month_starts():
    out, d = [], 0
    nxt = []
    while d <= END_DAY + 40:
        t = BASE + dt.timedelta(days=d)
        y, mth = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
        nxt.append((dt.datetime(y, mth, 1) - BASE).days)
        d += 1
    return nxt


def simulate(w, m):
    r = w.r
    w.next_month = _month_starts()
    w.money_events = []
    w.monthly = {}
    w.buckets = {}
    for p in w.platforms.values():
        p["lseq"] = p["tseq"] = 0
    for cid, c in w.clients.items():
        car = c["career"]
        if "style" not in car:
            big = r.chance(0.35)
            car["style"] = dict(principal=int(r.logn(10.3, 1.1, 2000, 3000000)) // 100 * 10000,
                                inst=[r.pick(BIG if big else SMALL) for _ in range(r.randint(1, 2))],
                                rate=r.logn(-1.4, 0.9, 0.02, 3.0), dud=r.chance(0.09))
        _client(w, m, c, car["style"], first=(car["segs"][0] == cid))


def flush(w):
    """Monthly rebate/commission settlements and the netted broker orders."""
    r = w.r
    for (cid, agent, kind, nm), amt in w.monthly.items():
        if nm <= END_DAY and amt > 0:
            c = w.clients[cid]
            _led(w, w.platforms[c["platform"]], cid, "", kind, nm * 86400 + 10800 + r.randint(0, 3000), amt, agent)
    for key, (ref, acct, sec, ms, inst, side, qty, ptext) in w.buckets.items():
        w.fills.append(["EX%012d" % w.ids.next("fill"), sec, ms, acct, inst, side, qty, ptext, ref, ""])


def _led(w, p, cid, acct, kind, sec, amt, benef=""):
    p["lseq"] += 1
    row = ["%s-%07d" % (p["id"][2:], p["lseq"]), sec, p["id"], cid, acct, kind, amt, "CNY", benef, ""]
    w.ledger.append(row)
    return row


def _cash(w, p, c, kind, sec, amt):
    row = _led(w, p, c["id"], c["acct"], kind, sec, amt)
    w.money_events.append((row, c, kind, sec, amt))


def _client(w, m, c, st, first):
    r = w.r
    p = w.platforms[c["platform"]]
    if first and st["dud"]:
        return
    fake = p["kind"] == "fake"
    d = c["reg"] + (0 if r.chance(0.6) else r.randint(1, 4))
    if d > c["end"]:
        return
    now = d * 86400 + r.randint(36000, 79000)
    dep = max(200000, st["principal"] * r.randint(60, 140) // 100 // 10000 * 10000)
    _cash(w, p, c, "deposit", now, dep)
    eq, net, topups = dep, dep, 0
    agent = w.agents.get(c["agent"])
    while True:
        gap = int(r.expovariate(st["rate"])) + 1
        d = now // 86400 + gap
        while not trading_day(d):
            d += 1
        if d > c["end"]:
            break
        inst = r.pick(st["inst"])
        s = m.trade_time(r, inst)
        t_open = d * 86400 + s
        if t_open <= now:
            t_open = now + r.randint(60, 3600)
            d = t_open // 86400
        qty = max(1, min(20, int(eq * r.uniform(0.3, 0.9)) // MARGIN[inst]))
        if r.chance(0.72):
            t_close = t_open + int(r.expovariate(1 / 1500.0)) + 20
        else:
            dc = d + r.randint(1, 4)
            t_close = dc * 86400 + m.trade_time(r, inst)
        dc = t_close // 86400
        if dc > END_DAY:
            break
        side = r.pick("BS")
        sg = 1 if side == "B" else -1
        bias = r.randint(2, 9) if fake else 0
        po = m.price(inst, d, t_open % 86400, sg * bias)
        pc = m.price(inst, dc, t_close % 86400, -sg * bias)
        pnl = m.pnl_fen(inst, dc, qty, sg * (pc - po))
        fee = p["fee_lot"] * qty * (2 if fake else 1)
        nights = dc - d
        for leg, (tt, sd, pu, dd) in enumerate(((t_open, side, po, d), (t_close, "S" if side == "B" else "B", pc, dc))):
            _trade(w, m, p, c, tt, sd, inst, qty, pu, dd)
        _led(w, p, c["id"], c["acct"], "pnl", t_close, pnl)
        _led(w, p, c["id"], c["acct"], "fee", t_close + 1, fee)
        _rebates(w, p, c, agent, fee, t_close + 2)
        eq += pnl - fee
        now = t_close + 2
        if nights > 0:
            on = p["overnight"] * qty * nights
            _led(w, p, c["id"], c["acct"], "overnight_fee", t_close + 3, on)
            eq -= on
            now += 1
        if fake and eq > 500000 and r.chance(0.04):
            cut = eq * r.randint(30, 100) // 100
            _led(w, p, c["id"], c["acct"], "adjustment", now + 5, -cut)       # "risk control"
            eq -= cut
            now += 5
        if eq < 0:
            _led(w, p, c["id"], c["acct"], "adjustment", now + 60, -eq)        # negative balance written off
            eq, now = 0, now + 60
        if eq < dep // 5:
            if topups < 3 and r.chance(0.45):
                amt = max(100000, st["principal"] * r.randint(30, 120) // 100 // 10000 * 10000)
                now += r.randint(600, 86400 * 3)
                if now // 86400 > c["end"]:
                    break
                _cash(w, p, c, "deposit", now, amt)
                eq, net, topups = eq + amt, net + amt, topups + 1
            elif eq < 20000 or r.chance(0.5):
                break
        elif eq > net * 3 // 2 and r.chance(0.3) and (not fake or r.chance(0.3)):
            amt = (eq - net) * r.randint(40, 100) // 100 // 100 * 100
            if amt >= 10000:
                now += r.randint(300, 7200)
                _cash(w, p, c, "withdrawal", now, amt)
                eq, net = eq - amt, net - amt
    if eq >= 10000 and (c["why"] != "end" or r.chance(0.2 if fake else 0.75)) and now // 86400 < END_DAY:
        now += r.randint(600, 86400)
        if now // 86400 <= END_DAY:
            _cash(w, p, c, "withdrawal", now, eq)


def _rebates(w, p, c, agent, fee, sec):
    dd = sec // 86400
    nm = w.next_month[dd]
    if agent and (agent["left"] is None or agent["left"] > dd) and agent["rebate"]:
        amt = fee * int(round(agent["rebate"] * 100)) // 100
        if p["rebate_mode"] == "realtime":
            _led(w, p, c["id"], "", "rebate", sec, amt, agent["id"])
        else:
            k = (c["id"], agent["id"], "rebate", nm)
            w.monthly[k] = w.monthly.get(k, 0) + amt
    a, lvl = agent, 0
    while a and a["parent"] and lvl < 3:
        a = w.agents[a["parent"]]
        lvl += 1
        if a["commission"] and (a["left"] is None or a["left"] > dd):
            k = (c["id"], a["id"], "commission", nm)
            w.monthly[k] = w.monthly.get(k, 0) + fee * int(round(a["commission"] * 1000)) // 1000


def _trade(w, m, p, c, sec, side, inst, qty, units, d):
    r = w.r
    p["tseq"] += 1
    ms = r.randint(0, 999)
    ptext = m.ptext(inst, units)
    ref = ""
    if p["kind"] == "real":
        if p["netting"]:
            key = (p["id"], inst, side, sec // 60)
            b = w.buckets.get(key)
            if b is None:
                ref = "NB%s%08d" % (p["id"][2:], p["tseq"])
                b = w.buckets[key] = [ref, p["mothers"][0], sec // 60 * 60 + 59, r.randint(0, 999), inst, side, 0, ptext]
            b[6] += qty
            ref = b[0]
        else:
            ref = "OR%010d" % w.ids.next("order")
            fs, fms = sec, ms + r.randint(30, 900)
            if fms >= 1000:
                fs, fms = fs + 1, fms - 1000
            w.fills.append(["EX%012d" % w.ids.next("fill"), fs, fms, c["sub"], inst, side, qty, ptext, ref, ""])
    w.trades.append(["%s.T%08d" % (p["id"][2:], p["tseq"]), sec, ms, c["acct"], inst, side, qty, ptext,
                     m.notional_fen(inst, d, qty, units), ref, p["id"]])
