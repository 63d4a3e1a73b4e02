"""Client life on a platform: deposits, trades (round trips), fees, P&L, withdrawals, and the
rebates/commissions their fees produce.  All money in integer fen."""
import math
from collections import defaultdict
from datetime import datetime, timedelta

from . import ids as I
from .market import INSTR, MINI


def entry_id(w, p):
    r, ids = w.r, w.ids
    st = p.setdefault("_entry_style", r.choice(["num", "hex", "b62", "date"]))
    if st == "num":
        return ids.digits(12, "1")
    if st == "hex":
        return ids.hexid(16)
    if st == "b62":
        return ids.b62(11)
    return ids.raw("%s%s" % (datetime(2020, 1, 1).strftime("J"), ids.digits(14, "2")))


def trade_id(w, p):
    st = p.setdefault("_trade_style", w.r.choice(["num", "b62", "hex"]))
    if st == "num":
        return w.ids.digits(13, "9")
    if st == "b62":
        return w.ids.b62(12)
    return w.ids.hexid(20, prefix="T", upper=True)


def trading_time(r, dt):
    """Move dt into a plausible session time (09:00-23:30) on a weekday."""
    while dt.weekday() >= 5:
        dt += timedelta(days=1)
    return dt.replace(hour=r.choice([9, 10, 11, 13, 14, 15, 20, 21, 21, 22, 22, 23]),
                      minute=r.randint(0, 59), second=r.randint(0, 59))


class ClientSim:
    def __init__(self, w, market):
        self.w, self.m, self.r = w, market, w.r
        self.reward = defaultdict(int)   # (client_id, agent_id, kind, yyyymm) -> fen

    def ledger(self, c, dt, kind, fen, cur="", agent="", txn="", acct=True):
        p = c["_platform"]
        row = {"entry_id": entry_id(self.w, p), "ts": I.fmt_ts(dt, p["_ts_offset"]),
               "platform_id": p["platform_id"], "client_id": c["client_id"],
               "account_id": c["_trading"] if (acct and self.r.random() < 0.97) else "",
               "kind": kind, "amount": fen, "currency": cur, "beneficiary_agent_id": agent,
               "bank_txn_id": txn, "_dt": dt}
        self.w.t["ledger"].append(row)
        return row

    def run(self, c):
        w, r, m = self.w, self.r, self.m
        p = c["_platform"]
        g = p["_gang"]
        if r.random() < 0.11:
            return  # registered, never paid in
        fake = p["_kind"] == "fake"
        per_rt = p.setdefault("_fee_per_round_trip", r.random() < 0.5)
        usd = p["_usd"]
        fee_lot = p.setdefault("_fee_lot", r.choice([15000, 25000, 30000, 45000, 60000]))  # fen per full lot
        end = min(g["end"], c["_reg"] + timedelta(days=int(r.lognormvariate(4.6, 0.9))))
        t = c["_reg"] + timedelta(hours=r.uniform(1, 24 * 12))
        if t >= end:
            end = min(t + timedelta(days=30), I.T1)
        if t >= end:
            return
        scale = r.lognormvariate(9.6, 1.15) * 100          # a typical deposit, fen
        scale = min(scale, 400_000_000)
        skill = r.gauss(-0.008 if not fake else -0.035, 0.012)
        equity = 0
        n_rt = max(1, int(r.lognormvariate(0.45, 0.95)))
        deposits_left = 1 + int(r.expovariate(1 / 2.5))
        dep_total = 0

        def deposit(t):
            nonlocal equity, dep_total
            amt = int(scale * r.uniform(0.5, 1.6))
            if usd:
                rate = m.rate("USD", t.date())
                units = max(1, int(amt / 100 / rate / 100)) * 100           # whole hundreds of USD
                cny = int(round(units * rate * 100))
                self.ledger(c, t, "deposit", units * 100, cur="USD", txn=w.money.deposit_txn(c, t, cny))
                amt = cny
            else:
                if r.random() < 0.6:
                    amt = max(100_00, amt // 100_00 * 100_00)
                self.ledger(c, t, "deposit", amt, txn=w.money.deposit_txn(c, t, amt))
            equity += amt
            dep_total += amt
            if r.random() < 0.04:  # opening bonus credited by the platform
                b = r.choice([20000, 50000, 88800])
                self.ledger(c, t + timedelta(minutes=r.randint(1, 50)), "adjustment", b)
                equity += b

        def withdraw(t, amt):
            nonlocal equity
            if usd:
                rate = m.rate("USD", t.date())
                units = int(amt / 100 / rate / 100) * 100
                if units <= 0:
                    return
                cny = int(round(units * rate * 100))
                if cny > equity:
                    return
                self.ledger(c, t, "withdrawal", units * 100, cur="USD", txn=w.money.withdraw_txn(c, t, cny))
                amt = cny
            else:
                if amt <= 0:
                    return
                self.ledger(c, t, "withdrawal", amt, txn=w.money.withdraw_txn(c, t, amt))
            equity -= amt

        deposit(t)
        deposits_left -= 1
        codes = [x for x in INSTR if x not in MINI]
        fav = r.sample(codes, 2)
        for _ in range(n_rt):
            t = trading_time(r, t + timedelta(hours=r.expovariate(1 / 60)))
            if t >= end:
                break
            if equity < max(200_00, scale * 0.15):
                if deposits_left > 0 and r.random() < 0.8:
                    deposits_left -= 1
                    deposit(t)
                    t += timedelta(minutes=r.randint(5, 120))
                else:
                    break
            elif deposits_left > 0 and r.random() < 0.12:  # topping up while still in the game
                deposits_left -= 1
                deposit(t)
                t += timedelta(minutes=r.randint(5, 120))
            code = r.choice(fav) if r.random() < 0.8 else r.choice(codes)
            pr = m.quote(code, t, r)
            per_lot = m.notional_fen(code, 1, pr, t)
            if per_lot > equity * 25:  # cannot afford a full contract: trade a mini one
                code = r.choice(MINI)
                pr = m.quote(code, t, r)
                per_lot = m.notional_fen(code, 1, pr, t)
            qty = max(1, min(200, int(equity * r.uniform(2, 8) / max(per_lot, 1))))
            side = r.choice("BS")
            inst = m.contract(code, t)
            hold = timedelta(minutes=r.expovariate(1 / 300)) if r.random() < 0.8 else \
                timedelta(days=r.randint(1, 6), minutes=r.randint(0, 600))
            t2 = t + hold
            move = r.gauss(skill, INSTR[code][4] * (0.4 if hold.days == 0 else 1.0))
            pr2 = round(pr * math.exp(move if side == "B" else -move), INSTR[code][3])
            for tt, sd, px in ((t, side, pr), (t2, "S" if side == "B" else "B", pr2)):
                n = m.notional_fen(code, qty, px, tt)
                w.t["trades"].append({"trade_id": trade_id(w, p), "ts": I.fmt_ts(tt, p["_ts_offset"]),
                                      "account_id": c["_trading"], "instrument": inst, "side": sd,
                                      "qty": qty, "price": px, "notional": n, "broker_ref": "",
                                      "_dt": tt, "_client": c, "_fake": fake})
                fee = qty * (fee_lot // 5 if code in MINI else fee_lot)
                if per_rt and sd == side:
                    continue  # this back end books the fee of both legs when the position closes
                if per_rt:
                    fee *= 2
                self.ledger(c, tt + timedelta(seconds=r.randint(1, 5)), "fee", fee)
                equity -= fee
                self.reward_fee(c, tt, fee)
            cur, mult = INSTR[code][0], INSTR[code][1]
            pnl = (pr2 - pr) * qty * mult * (1 if side == "B" else -1) * m.rate(cur, t2.date())
            pnl = int(round(pnl * 100))
            if pnl < -equity * 1.3:  # forced liquidation leaves at most a small negative balance
                pnl = -int(equity * r.uniform(0.9, 1.3))
            self.ledger(c, t2 + timedelta(seconds=r.randint(6, 30)), "pnl", pnl)
            equity += pnl
            if hold.days >= 1:
                on = int(m.notional_fen(code, qty, pr, t) * 0.0003 * hold.days)
                if on > 0:
                    self.ledger(c, t2.replace(hour=23, minute=59, second=50) - timedelta(days=1), "overnight_fee", on)
                    equity -= on
            t = t2
            if equity < 0:
                if r.random() < 0.7:  # negative balance written off by the platform
                    self.ledger(c, t + timedelta(minutes=r.randint(1, 30)), "adjustment", -equity)
                    equity = 0
                else:
                    break
            elif equity > dep_total * 0.3 and r.random() < 0.12:
                withdraw(t + timedelta(hours=r.uniform(0.5, 30)), int(equity * r.uniform(0.2, 0.8)))
                t += timedelta(hours=31)
        # the end: winners take everything out, many losers take the rest
        if equity > 100_00 and r.random() < (0.95 if equity > dep_total else 0.8):
            withdraw(trading_time(r, t + timedelta(days=r.uniform(0.2, 5))), equity)
        elif r.random() < 0.02 and equity > 500_00:
            self.ledger(c, t + timedelta(days=1), "adjustment", -r.randint(100_00, min(equity, 2000_00)))

    def reward_fee(self, c, dt, fee):
        ag = c["_agent"]
        quarterly = c["_platform"].setdefault("_rebate_quarterly", self.r.random() < 0.5)
        ym = dt.year * 100 + (((dt.month - 1) // 3) * 3 + 3 if quarterly else dt.month)  # settlement month
        child_rate = 0.0
        first = True
        while ag is not None:
            if ag["_comm"] > 0 and first:
                self.reward[(c["client_id"], ag["agent_id"], "commission", ym)] += int(fee * ag["_comm"])
            rate = ag["_rate"]
            if rate > child_rate:
                self.reward[(c["client_id"], ag["agent_id"], "rebate", ym)] += int(fee * (rate - child_rate))
                child_rate = rate
            first = False
            ag = ag["_parent"]

    def flush_rewards(self):
        w, r = self.w, self.r
        for (cid, aid, kind, ym), fen in sorted(self.reward.items()):
            if fen <= 0:
                continue
            y, mo = divmod(ym, 100)
            nxt = datetime(y + (mo == 12), mo % 12 + 1, 1)
            dt = nxt + timedelta(days=r.randint(0, 4), hours=r.randint(9, 18), minutes=r.randint(0, 59))
            self.ledger(w.clients[cid], dt, kind, fen, agent=aid, acct=False)
