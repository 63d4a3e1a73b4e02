"""Each client's life on a platform: deposits, round trips, fees, P&L, withdrawals, rebates."""
import numpy as np

from . import ids as I

# symbol, multiplier, currency, start price, tick, daily vol, small?
INSTR = [("HSI", 50, "HKD", 24000, 1, 0.014, False), ("MHI", 10, "HKD", 24000, 1, 0.014, True),
         ("CL", 1000, "USD", 60, 0.01, 0.022, False), ("QM", 500, "USD", 60, 0.025, 0.022, True),
         ("GC", 100, "USD", 1800, 0.1, 0.01, False), ("MGC", 10, "USD", 1800, 0.1, 0.01, True),
         ("NQ", 20, "USD", 12000, 0.25, 0.015, False), ("MNQ", 2, "USD", 12000, 0.25, 0.015, True),
         ("CN", 1, "USD", 15000, 1, 0.012, True), ("SI", 5000, "USD", 24, 0.005, 0.02, False)]


def build_market(w):
    rng = np.random.default_rng(w.seed * 7 + 3)
    n = I.END_DAY + 2
    w.prices = {}
    for sym, mult, cur, p0, tick, vol, small in INSTR:
        path = p0 * np.exp(np.cumsum(rng.normal(0, vol, n)))
        w.prices[sym] = path
    w.usd = 6.9 + np.cumsum(rng.normal(0, 0.004, n)).clip(-0.6, 0.4)
    w.fx = {"USD": w.usd, "HKD": w.usd / 7.8}


def _amount(r, lo=3000, hi=300000):
    x = r.lognormvariate(10.0, 1.0)
    x = min(max(x, lo), hi)
    step = r.choice([100, 1000, 1000, 5000, 10000])
    return max(step, int(x // step) * step) * 100


def simulate(w):
    r = w.r
    small = [i for i in INSTR if i[6]]
    eseq = {}
    tseq = [0]
    for p in w.platforms:
        fake = p.kind == "fake"
        no_trades = "no_trades" in p.gang.flags
        eseq[p.id] = 0
        pref = p.id

        def entry(t, cid, acct, kind, amt, ben=""):
            eseq[pref] += 1
            row = [pref + "%08d" % (eseq[pref] * 3 + 1), t, pref, cid, acct, kind, amt, ben, ""]
            w.ledger.append(row)
            return row

        for c in p.clients:
            c.deps, c.wds, c.fees_by_month = [], [], {}
            if r.random() < 0.1:
                continue                                            # registered, never paid in
            t = I.t_of_day(c.reg, r.randrange(9, 22), r.randrange(60), r.randrange(60))
            end = I.t_of_day(min(I.END_DAY, c.reg + int(r.expovariate(1 / 160)) + 5), 23)
            eq = _amount(r)
            c.deps.append(entry(t, c.id, c.acct, "deposit", eq))
            rich = eq > 5000000
            n_rt = min(60, int(r.expovariate(1 / (9 if not rich else 16))) + 1)
            drift = -0.004 if fake else -0.0006
            for k in range(n_rt):
                t += int(r.expovariate(1 / 40000)) + 61
                if t > end or eq < 50000:
                    if eq < 50000 and t <= end and r.random() < 0.35:
                        add = _amount(r, 2000, 100000)
                        eq += add
                        c.deps.append(entry(t, c.id, c.acct, "deposit", add))
                        t += 120
                        continue
                    break
                sym, mult, cur, p0, tick, vol, sm = r.choice(small if eq < 2000000 else INSTR)
                day = t // I.DAY
                fx = float(w.fx[cur][day])
                px = float(w.prices[sym][day]) * (1 + r.gauss(0, vol / 4))
                px = round(round(px / tick) * tick, 4)
                qty = r.randint(1, 3 if eq < 2000000 else 10)
                side = r.choice("BS")
                ret = r.gauss(drift, vol / 2.5)
                px2 = round(round(px * (1 + ret * (1 if side == "B" else -1)) / tick) * tick, 4)
                hold = int(r.expovariate(1 / 5000)) + 30 if r.random() < 0.8 else r.randrange(1, 6) * I.DAY
                t2 = t + hold
                for leg, (tt, pp, sd) in enumerate(((t, px, side), (t2, px2, "S" if side == "B" else "B"))):
                    notional = int(round(qty * pp * mult * fx * 100))
                    fee = qty * p.fee_lot
                    eq -= fee
                    entry(tt, c.id, c.acct, "fee", fee)
                    mk = (tt // I.DAY // 30)
                    c.fees_by_month[mk] = c.fees_by_month.get(mk, 0) + fee
                    if not no_trades:
                        tseq[0] += 1
                        tid = "%s:%07d" % (p.id, tseq[0])
                        ref = "" if fake else "OR%010d" % (tseq[0] * 13)
                        w.trades.append([tid, tt, c.acct, sym, sd, qty, pp, notional, ref])
                        if ref:
                            tgt = c.sub if r.random() < 0.7 else c.sub.rsplit("-", 1)[0]
                            w.fills.append(["FL%09d" % tseq[0], tt, r.randrange(40, 900), tgt, sym, sd, qty, pp, ref, ""])
                pnl = int(round((px2 - px) * (1 if side == "B" else -1) * qty * mult * fx * 100))
                if pnl < -eq:
                    pnl = -max(eq, 0)                                 # forced liquidation
                eq += pnl
                entry(t2, c.id, c.acct, "pnl", pnl)
                if hold >= I.DAY:
                    of = qty * hold // I.DAY * r.choice([2000, 3500, 5000])
                    eq -= of
                    entry(t2 + 1, c.id, c.acct, "overnight_fee", of)
                t = t2 + 2
                if eq < 0:
                    entry(t, c.id, c.acct, "adjustment", -eq)        # negative balance written off
                    eq = 0
                if eq > 0 and r.random() < 0.08:
                    wd = (eq * r.randrange(20, 70) // 100) // 100 * 100
                    if wd > 0:
                        t += 300
                        eq -= wd
                        c.wds.append(entry(t, c.id, c.acct, "withdrawal", wd))
            if fake and eq > 0 and r.random() < 0.5:
                t += 600                                              # "risk control" confiscation
                adj = eq * r.randrange(30, 100) // 100
                eq -= adj
                entry(t, c.id, c.acct, "adjustment", -adj)
            if eq > 0 and r.random() < (0.75 if not fake else 0.15):
                t += 900
                c.wds.append(entry(t, c.id, c.acct, "withdrawal", eq))
                eq = 0
        _rebates(w, p, entry)


def _rebates(w, p, entry):
    """Differential rebates on monthly fees, booked on the client, the agent as beneficiary."""
    for c in p.clients:
        if not c.agent:
            continue
        for mk, fees in sorted(c.fees_by_month.items()):
            t = I.t_of_day((mk + 1) * 30 + 1, 2, 0, 0)
            a, child_rate = c.agent, 0.0
            while a is not None:
                amt = int(fees * max(0.0, a.rate - child_rate))
                if amt >= 100:
                    entry(t, c.id, "", "rebate", amt, a.id)
                child_rate = a.rate
                a = a.parent
            if c.agent.comm > 0:
                amt = int(fees * c.agent.comm)
                if amt >= 100:
                    entry(t + 1, c.id, "", "commission", amt, c.agent.id)
