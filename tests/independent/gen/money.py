"""Bank and payment flows: deposits into collection cards, payouts, sweeps through layers,
cash-outs, licence payments, rebate payouts, salaries."""
from collections import defaultdict
from datetime import datetime, timedelta

from . import ids as I

CHANNELS = ["网银", "手机银行", "手机银行", "快捷支付", "跨行转账", "柜面"]


class Money:
    def __init__(self, w):
        self.w, self.r = w, w.r
        self.inflow = defaultdict(int)     # (account, date) -> fen received from clients
        self.payout_used = defaultdict(int)  # (account, iso week start) -> fen paid out
        self.styles = {}

    def txn_id(self, from_acct):
        r, ids = self.r, self.w.ids
        inst = self.w.accounts[from_acct]["institution"]
        st = self.styles.setdefault(inst, (r.choice(["n20", "n24", "b62", "hex"]), r.random() < 0.25))
        if st[0] == "n20":
            return ids.digits(20, "2")
        if st[0] == "n24":
            return ids.digits(24, "9")
        if st[0] == "b62":
            return ids.b62(14, prefix="HX")
        return ids.hexid(18, upper=True)

    def xfer(self, frm, to, fen, dt, channel=None, memo="", cur=""):
        if fen <= 0 or frm == to:
            return ""
        tid = self.txn_id(frm)
        off = self.styles[self.w.accounts[frm]["institution"]][1]
        self.w.t["bank_transfers"].append({
            "txn_id": tid, "ts": I.fmt_ts(dt, off), "from_account": frm, "to_account": to, "amount": fen,
            "currency": cur, "channel": channel or self.r.choice(CHANNELS), "memo": memo, "_dt": dt})
        return tid

    # ---- called while clients are simulated ---------------------------
    def collector(self, g, t):
        r = self.r
        if g["gang_id"] in self.w.payco_gangs and r.random() < 0.45:
            return r.choice(self.w.payco)
        cards = g["collect"]
        k = ((t - g["start"]).days // 45) % len(cards)   # cards rotate as they get frozen
        return cards[k] if r.random() < 0.75 else r.choice(cards)

    def deposit_txn(self, c, t, fen):
        r = self.r
        if r.random() < 0.08:
            return ""  # no bank statement for this one
        g = c["_platform"]["_gang"]
        to = self.collector(g, t)
        src = r.choice(c["_bank"])
        dt = t - timedelta(minutes=r.randint(1, 40), seconds=r.randint(0, 59))
        tid = self.xfer(src, to, fen, dt, memo=r.choice(["", "", "货款", "投资", "还款", "转账"]))
        self.inflow[(to, dt.date(), g["gang_id"])] += fen
        return tid if r.random() < 0.93 else ""

    def withdraw_txn(self, c, t, fen):
        r = self.r
        g = c["_platform"]["_gang"]
        src = r.choice(g["payout"])
        dt = t + timedelta(hours=r.uniform(0.3, 20))
        tid = self.xfer(src, c["_bank"][0], fen, dt, memo=r.choice(["", "出金", "退款", "往来款"]))
        wk = dt.date() - timedelta(days=dt.weekday())
        self.payout_used[(src, wk)] += fen
        return tid if r.random() < 0.9 else ""

    # ---- after all clients -----------------------------------------------
    def layering(self):
        w, r = self.w, self.r
        gang_of = {g["gang_id"]: g for g in w.gangs}
        mid_in = defaultdict(int)  # (account, date, gang) -> fen
        for (acct, day, gid), fen in sorted(self.inflow.items()):
            g = gang_of[gid]
            nxt = g["middle"] or g["own"]
            dt = datetime(day.year, day.month, day.day, r.randint(17, 23), r.randint(0, 59), r.randint(0, 59))
            if acct in w.payco:  # the payment company settles each merchant (gang) next morning
                dt = dt + timedelta(hours=r.randint(10, 14))
                tgt = r.choice(nxt)
                self.xfer(acct, tgt, fen - fen // 200, dt, channel="代付", memo="结算")
                mid_in[(tgt, dt.date(), gid)] += fen - fen // 200
                continue
            left = fen
            while left > 0:  # sweep, sometimes in round chunks
                part = left if (left < 5_000_000 or r.random() < 0.5) else r.choice([2_000_000, 4_990_000, 5_000_000])
                part = min(part, left)
                tgt = r.choice(nxt)
                self.xfer(acct, tgt, part, dt)
                mid_in[(tgt, dt.date(), gid)] += part
                left -= part
                dt += timedelta(minutes=r.randint(1, 9))
        # payout cards are topped up each week with what they paid out
        for (acct, wk), fen in sorted(self.payout_used.items()):
            g = next(x for x in w.gangs if acct in x["payout"])
            src = r.choice(g["middle"] or g["own"])
            dt = datetime(wk.year, wk.month, wk.day, 8, r.randint(0, 59)) - timedelta(days=1)
            self.xfer(src, acct, (fen // 1_000_000 + 1) * 1_000_000, dt, memo="备用金")
        # middle accounts forward to the gang's own accounts within a day or two
        own_in = defaultdict(int)
        for (acct, day, gid), fen in sorted(mid_in.items()):
            g = gang_of[gid]
            if acct in g["own"]:
                own_in[(gid, day)] += fen
                continue
            fwd = int(fen * r.uniform(0.55, 0.8))
            dt = datetime(day.year, day.month, day.day, 9, 0) + timedelta(days=r.randint(1, 2), minutes=r.randint(0, 600))
            self.xfer(acct, r.choice(g["own"]), fwd, dt)
            own_in[(gid, day)] += fwd
        # own accounts: cash-outs (ATM, counter, OTC dealers)
        for (gid, day), fen in sorted(own_in.items()):
            g = gang_of[gid]
            if r.random() < 0.5:
                continue
            amt = int(fen * r.uniform(0.3, 0.9))
            src = r.choice(g["own"])
            dt = datetime(day.year, day.month, day.day, 10) + timedelta(days=r.randint(2, 6), minutes=r.randint(0, 400))
            if amt > 30_000_000 or r.random() < 0.3:
                self.xfer(src, r.choice(w.otc), amt, dt, memo=r.choice(["", "货款", "USDT"]))
            else:
                while amt > 0:
                    part = min(amt, r.choice([2_000_000, 5_000_000]) if r.random() < 0.6 else 2_000_000)
                    self.xfer(src, w.cash, part, dt, channel=r.choice(["ATM", "柜面"]), memo="取现")
                    amt -= part
                    dt += timedelta(minutes=r.randint(2, 30))

    def licence_payments(self):
        w, r = self.w, self.r
        for lic in w.t["licenses"]:
            g = lic["_gang"]
            src = r.choice(g["own"])
            if lic["_buyer"] in w.pmeta and w.pmeta[lic["_buyer"]]["banks"]:
                src = w.pmeta[lic["_buyer"]]["banks"][0]
            lic["paid_from_account"] = src if r.random() < 0.85 else ""
            price = lic["price"]
            parts = [price] if r.random() < 0.6 else [price // 2, price - price // 2]
            dt = lic["_sold"] + timedelta(hours=r.randint(9, 40))
            for k, part in enumerate(parts):
                to = r.choice(w.vendor["_accounts"])
                self.xfer(src, to, part, dt + timedelta(days=30 * k), memo=r.choice(["软件服务费", "技术服务费", ""]))

    def reward_payouts(self):
        """Agents are paid their month's rebates and commissions by bank transfer."""
        w, r = self.w, self.r
        due = defaultdict(int)
        for e in w.t["ledger"]:
            if e["kind"] in ("rebate", "commission"):
                d = e["_dt"]
                due[(e["beneficiary_agent_id"], d.year, d.month)] += e["amount"]
        for (aid, y, mo), fen in sorted(due.items()):
            a = w.agents[aid]
            pid = a["person_id"]
            if not pid:
                continue
            if not w.pmeta[pid]["banks"]:
                from .infra import bank_account
                bank_account(w, pid, role="agentbank")
            g = a["_platform"]["_gang"]
            dt = datetime(y, mo, 1) + timedelta(days=r.randint(5, 12), hours=r.randint(9, 20))
            self.xfer(r.choice(g["own"] + g["middle"]), w.pmeta[pid]["banks"][0], fen, dt,
                      memo=r.choice(["返佣", "佣金", "", "工资"]))

    def salaries(self):
        w, r = self.w, self.r
        d = I.T0.replace(day=15)
        while d < I.T1:  # the vendor pays its own staff from the company account
            for p in w.vendor["_staff"][1:]:
                self.xfer(w.vendor["_corp"], w.pmeta[p]["banks"][0], r.choice([1800000, 2500000, 3200000]),
                          d + timedelta(hours=r.randint(9, 12)), channel="网银", memo="工资")
            d = (d + timedelta(days=32)).replace(day=15)
        for g in w.gangs:
            staff = [p for role in ("manager", "finance", "tech", "salesman") for p in g["staff"][role]
                     if w.pmeta[p]["banks"]]
            d = datetime(g["start"].year, g["start"].month, 10)
            while d < g["end"]:
                for p in staff:
                    if r.random() < 0.85:
                        self.xfer(r.choice(g["own"]), w.pmeta[p]["banks"][0],
                                  r.choice([800000, 1200000, 1500000, 2000000]) + r.randint(0, 300000),
                                  d + timedelta(hours=r.randint(9, 17)), memo="工资")
                d = (d + timedelta(days=32)).replace(day=10)
