"""Each client's life on its platform: deposits, daily settled fees and P&L, top-ups, withdrawals,
monthly rebates and deposit commissions. Ledger rows stream to disk; figures are kept in arrays."""
import bisect
from array import array

from .util import N_DAYS, day_epoch, ts_text, fen_text, MONTH_OF_DAY, MONTH_START, round_half_up
from .trades import TradeDay

KINDS = ("deposit", "withdrawal", "fee", "overnight_fee", "pnl", "rebate", "commission", "adjustment")
K = {k: i for i, k in enumerate(KINDS)}


class Sim:
    def __init__(self, w, mk, out, money, logins):
        self.w, self.mk, self.money, self.logins = w, mk, money, logins
        self.rng = w.rng.child("sim")
        self.ledger = out.table("ledger.csv", ["entry_id", "client_id", "platform_id", "kind", "amount", "currency",
                                               "ts", "account_id", "beneficiary_agent_id", "bank_txn_id", "operator"])
        self.td = TradeDay(w, mk, out, self.rng)
        self.l_client, self.l_epoch, self.l_kind = array("l"), array("q"), array("b")
        self.l_amt, self.l_agent = array("q"), array("l")
        self.fresh = array("q", [0] * len(w.clients))
        for i, a in enumerate(w.agents):
            a.gi = i
        self.gang = {g.gid: g for g in w.gangs}
        w.hh_index = {}
        for pid, q in w.persons.items():
            if getattr(q, "household", None):
                w.hh_index.setdefault(q.household, []).append(pid)

    def run(self):
        for p in self.w.platforms:
            self.p = p
            self.used = set()
            self.seq = 0
            self.td.start_platform(p)
            for c in p.clients:
                self.life(c)

    # ---- ids and formatting ----
    def eid(self, ms):
        p = self.p
        self.seq += 1
        if p.eid_style == "seq":
            return "L%02d%010d" % (p.worker, self.seq)
        while True:
            e = "%013d%02d%03d" % (ms, p.worker, self.seq % 1000)
            if e not in self.used:
                self.used.add(e)
                return e
            ms += 1

    def ts(self, epoch, kind):
        st = self.p.ts_style
        if st == "mixed":
            st = "utc" if kind == "deposit" else "local"
        return ts_text(epoch, st)

    def operator_gang(self, day):
        for gid, a, b in self.p.operators:
            if a <= day <= b:
                return self.gang[gid]
        return self.gang[self.p.operators[-1][0]]

    # ---- one client ----
    def life(self, c):
        rng, p, mk = self.rng, self.p, self.mk
        if c.kind == "normal" and rng.random() < 0.09:
            return
        start = max(c.reg, c.start_min or 0) + int(rng.expovariate(0.45))
        end = min(p.closed, N_DAYS - 1, c.cut if c.cut is not None else 10 ** 9)
        if start >= end - 1:
            return
        self.c, self.ents, self.E, self.dep_month, self.fee_month = c, [], 0, {}, {}
        self.batch_wd = None
        principal = self.amount(rng) if not getattr(c, "group", None) else rng.randrange(5, 21) * 10000000
        self.deposit(start, principal)
        total_in = principal
        L = rng.lognorm_int(14, 1.0, 1, 260) if not getattr(c, "group", None) else 10 ** 6
        act = rng.uniform(0.25, 0.85)
        tds = mk.trading_days
        i = bisect.bisect_left(tds, start + 1)
        done = topups = 0
        grp = getattr(c, "group", None)
        while i < len(tds) and tds[i] <= end - 1 and done < L:
            d = tds[i]
            i += 1
            if grp is not None:
                if d not in grp.day_set:
                    continue
            elif rng.random() > act:
                continue
            done += 1
            fake = p.fake_from is not None and d >= p.fake_from
            fee, pnl, night, first = self.td.day(c, d, self.E, fake)
            if first is not None:
                self.logins.client(c, first, p)
            st = day_epoch(d) + p.settle_sec + (86400 if p.settle_sec < 12 * 3600 else 0)
            self.add(st, st * 1000 + 1, "fee", fee)
            self.add(st, st * 1000 + 2, "pnl", pnl)
            if night:
                self.add(st, st * 1000 + 3, "overnight_fee", night)
            m = MONTH_OF_DAY[d]
            self.fee_month[m] = self.fee_month.get(m, 0) + fee
            self.E += pnl - fee - night
            if self.E < 0:
                self.add(st + 1, st * 1000 + 4, "adjustment", -self.E)
                self.E = 0
            if fake and self.E > 0 and rng.random() < 0.05:
                cut = self.E * rng.randrange(30, 101) // 100
                self.add(st + 2, st * 1000 + 5, "adjustment", -cut)
                self.E -= cut
            if self.E < total_in // 4 and grp is None:
                if topups < 4 and rng.random() < 0.45:
                    amt = self.amount(rng, principal)
                    self.deposit(min(end - 1, d + 1), amt)
                    total_in += amt
                    topups += 1
                else:
                    break
            elif self.E > total_in * 3 // 2 and rng.random() < 0.2 and not fake:
                self.withdraw(d + 1, self.E // 2 // 10000 * 10000)
        last = min(end, (tds[i - 1] + 1) if i > 0 else end)
        forced = c.cut is not None
        if self.E >= 100 and (forced or (rng.random() < 0.75 and p.closed >= N_DAYS - 1) or rng.random() < 0.4):
            if not (p.fake_from is not None and last >= p.fake_from and self.E > 500000 and not forced):
                self.withdraw(min(last, end), self.E)
        self.settle_monthly(c)
        self.flush(c)

    def amount(self, rng, base=None):
        x = rng.lognorm_int(base or 2000000, 1.1 if base is None else 0.5, 100000, 5 * 10 ** 8)
        r = rng.random()
        return x // 100000 * 100000 if r < 0.6 else x // 10000 * 10000 if r < 0.9 else x

    def add(self, epoch, req_ms, kind, amt, agent=None, txn=""):
        self.ents.append((epoch, req_ms, kind, amt, agent, txn))

    def deposit(self, day, amt):
        rng, p, c = self.rng, self.p, self.c
        req = day_epoch(day) + rng.randrange(9 * 3600, 23 * 3600)
        ep = req + rng.randrange(20, 400)
        if p.batch:
            ep = day_epoch(day) + (16 * 3600 if req < day_epoch(day) + 16 * 3600 else 21 * 3600)
            if self.batch_wd == day:   # same batch as a queued withdrawal: identical ts
                ep = self.batch_ep
                req = ep - rng.randrange(60, 7200)
        payer = c.payer_card or c.card
        if c.payer_card is None and rng.random() < 0.04:
            fam = getattr(self.w.persons[c.holder], "household", None)
            hh = [q for q in self.w.hh_index.get(fam, ()) if q != c.holder] if fam else []
            if hh and self.w.persons[hh[0]].cards:
                payer = self.w.persons[hh[0]].cards[0]
        txn = self.money.dep(self.operator_gang(day), payer, req, amt, p)
        self.add(ep, req * 1000 + rng.randrange(1000), "deposit", amt, None, txn)
        self.E += amt
        m = MONTH_OF_DAY[day]
        self.dep_month[m] = self.dep_month.get(m, 0) + amt

    def withdraw(self, day, amt):
        if amt <= 0:
            return
        rng, p, c = self.rng, self.p, self.c
        req = day_epoch(day) + rng.randrange(8 * 3600, 22 * 3600)
        ep = req + rng.randrange(600, 4 * 3600)
        if p.batch:
            ep = day_epoch(day) + (16 * 3600 if req < day_epoch(day) + 16 * 3600 else 21 * 3600)
        txn = self.money.wd(self.operator_gang(day), c.card, ep, amt, p)
        self.add(ep, req * 1000 + rng.randrange(1000), "withdrawal", amt, None, txn)
        self.E -= amt
        if p.batch and rng.random() < 0.35 and day < min(p.closed, N_DAYS - 1) and c.payer_card is None:
            self.batch_wd, self.batch_ep = day, ep        # a top-up lands in the same batch
            self.deposit(day, self.amount(rng, max(100000, amt // 2)))
            self.batch_wd = None

    def settle_monthly(self, c):
        p = self.p
        chain = []
        a = c.agent
        while a is not None:
            chain.append(a)
            a = a.parent
        for m in sorted(set(self.fee_month) | set(self.dep_month)):
            if m + 1 >= len(MONTH_START) or MONTH_START[m + 1] > min(p.closed, N_DAYS - 1):
                continue
            day = MONTH_START[m + 1]
            ep = day_epoch(day) + 2 * 3600 + self.rng.randrange(600)
            fees, deps = self.fee_month.get(m, 0), self.dep_month.get(m, 0)
            shares = []
            if p.scheme == "diff":
                below = 0
                for a in chain:
                    shares.append((a, a.rate - below))
                    below = max(below, a.rate)
            elif chain:
                shares.append((chain[-1], chain[-1].rate))
            for k, (a, bp) in enumerate(shares):
                amt = round_half_up(fees * bp, 10000)
                if bp > 0 and amt > 0 and (a.left is None or a.left >= day):
                    self.add(ep, ep * 1000 + 10 + k, "rebate", amt, a)
            if chain and chain[-1].comm and deps:
                a = chain[-1]
                amt = round_half_up(deps * a.comm, 10000)
                if amt > 0 and (a.left is None or a.left >= day):
                    self.add(ep, ep * 1000 + 9, "commission", amt, a)

    def flush(self, c):
        p, out = self.p, []
        cur = "CNY" if p.money_style == "2dp" else ""
        for ep, req, kind, amt, agent, txn in self.ents:
            e = self.eid(req)
            out.append((ep, e, kind, amt, agent, txn))
        out.sort(key=lambda r: (r[0], r[1]))
        run = best = 0
        for ep, e, kind, amt, agent, txn in out:
            if kind == "deposit":
                run += amt
            elif kind == "withdrawal":
                run -= amt
            best = max(best, run)
            op = "system" if kind in ("fee", "pnl", "overnight_fee", "rebate", "commission") else "cw%02d" % (
                p.worker % 7)
            self.ledger.row((e, c.cid, p.pid, kind, fen_text(amt, p.money_style), cur, self.ts(ep, kind),
                             "" if kind in ("rebate", "commission") and p.scheme == "top" else c.account,
                             agent.aid if agent is not None else "", txn, op))
            self.l_client.append(c.idx)
            self.l_epoch.append(ep)
            self.l_kind.append(K[kind])
            self.l_amt.append(amt)
            self.l_agent.append(agent.gi if agent is not None else -1)
        self.fresh[c.idx] = best
