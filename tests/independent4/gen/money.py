"""Bank flows of the gangs: deposits (direct or via runner cards), payouts, sweeps, top-ups, payroll,
rebates, profit, licence fees, the handover price. Only transfers touching a statement in hand are written."""
from .util import day_epoch, ts_text, fen_text, date_str, CASE_START, MONTH_START, MONTH_OF_DAY, N_DAYS
from .infra import BANK_CODE

CHANNELS = ("网银转账", "手机银行", "手机银行", "快捷支付", "柜面")


class Money:
    def __init__(self, w, out):
        self.w = w
        self.rng = w.rng.child("money")
        self.t = out.table("bank_transfers.csv", ["txn_id", "ts", "from_account", "to_account", "amount", "currency",
                                                  "channel", "memo", "source_bank"])
        self.n = 0
        self.coll_in = {}      # (gid, card, day) -> fen
        self.run_in = {}       # (runner card, gid, day) -> fen
        self.payout_week = {}  # (gid, week) -> fen
        self.sweeps_month = {}
        self.visible_ids = []
        self.rows_f = []       # (from, to, fen_cny) of written transfers, for the truth files
        self.gang = {g.gid: g for g in w.gangs}

    def transfer(self, frm, to, epoch, fen, memo="", channel=None, currency="", force=False):
        ob = self.w.obtained
        if not (force or frm in ob or to in ob) or fen <= 0 or frm == to:
            return ""
        src = frm if frm in ob else to
        inst = self.w.accounts[src].institution
        code = BANK_CODE.get(inst, "BANK")
        self.n += 1
        txn = "%s%s%09d" % (code, date_str((epoch - CASE_START) // 86400).replace("-", ""), self.n)
        style = "cst" if code == "CMBC" else "local"
        ch = channel or CHANNELS[self.n % len(CHANNELS)]
        self.t.row((txn, ts_text(epoch, style), frm, to, fen_text(fen), currency, ch, memo, inst))
        self.rows_f.append((frm, to, fen, currency, (epoch - CASE_START) // 86400))
        return txn

    # ---- called by the simulation ----
    def collection_card(self, g, day):
        for card, a, b in g.collection:
            if a <= day <= b:
                return card
        return g.collection[-1][0]

    def dep(self, g, payer, epoch, fen, p):
        rng, day = self.rng, (epoch - CASE_START) // 86400
        if g.uses_runners and rng.random() < 0.7:
            act = [r for r in self.w.runners if r[1] <= day <= r[2]]
            if act:
                r = act[rng.randrange(len(act))][0]
                k = (r, g.gid, day)
                self.run_in[k] = self.run_in.get(k, 0) + fen
                txn = self.transfer(payer, r, epoch, fen, rng.choice(("", "", "货款", "还款", "转账")))
                return txn if rng.random() < 0.85 else ""
        card = self.collection_card(g, day)
        k = (g.gid, card, day)
        self.coll_in[k] = self.coll_in.get(k, 0) + fen
        txn = self.transfer(payer, card, epoch, fen, rng.choice(("", "充值", "入金", "货款")))
        return txn if rng.random() < 0.85 else ""

    def wd(self, g, card, epoch, fen, p):
        day = (epoch - CASE_START) // 86400
        k = (g.gid, day // 7)
        self.payout_week[k] = self.payout_week.get(k, 0) + fen
        txn = self.transfer(g.payout_card, card, epoch, fen, self.rng.choice(("", "出金", "提现", "工资")))
        return txn if self.rng.random() < 0.85 else ""

    # ---- after the simulation ----
    def finish(self, sim):
        rng = self.rng
        for (r, gid, day), fen in sorted(self.run_in.items()):
            g = self.gang[gid]
            net = fen * 985 // 1000 // 100 * 100
            card = self.collection_card(g, day)
            self.transfer(r, card, day_epoch(day) + rng.randrange(22 * 3600, 23 * 3600 + 3000), net,
                          rng.choice(("货款", "往来款", "")))
            k = (gid, card, day)
            self.coll_in[k] = self.coll_in.get(k, 0) + net
        boss = self.w.persons[self.w.runner_boss.pid].cards[0]
        wk = {}
        for (r, gid, day), fen in self.run_in.items():
            wk[(r, day // 7)] = wk.get((r, day // 7), 0) + fen // 200
        for (r, week), fen in sorted(wk.items()):
            self.transfer(r, boss, day_epoch(week * 7 + 6) + rng.randrange(36000, 80000), fen, "分成")
        fin_in = {}
        for (gid, card, day), fen in sorted(self.coll_in.items()):
            g = self.gang[gid]
            sw = fen * rng.randrange(970, 1001) // 1000 // 10000 * 10000
            self.transfer(card, g.finance_card, day_epoch(day) + 23 * 3600 + rng.randrange(3000), sw,
                          rng.choice(("", "往来款", "还款")))
            m = MONTH_OF_DAY[day]
            fin_in[(gid, m)] = fin_in.get((gid, m), 0) + sw
        for (gid, week), fen in sorted(self.payout_week.items()):
            g = self.gang[gid]
            top = -(-fen // 1000000) * 1000000
            d = max(0, week * 7 - 1)
            self.transfer(g.finance_card, g.payout_card, day_epoch(d) + rng.randrange(30000, 60000), top, "备用金")
        for (gid, m), fen in sorted(fin_in.items()):
            g = self.gang[gid]
            if m + 1 < len(MONTH_START) and MONTH_START[m + 1] < N_DAYS:
                d = MONTH_START[m + 1] + rng.randrange(0, 5)
                self.transfer(g.finance_card, g.leader_card, day_epoch(d) + rng.randrange(36000, 70000),
                              fen * rng.randrange(30, 50) // 100 // 1000000 * 1000000 or 1000000, "分红")
        self.payroll(rng)
        self.rebate_payouts(sim, rng)

    def payroll(self, rng):
        w = self.w
        for g in w.gangs:
            for m in range(len(MONTH_START) - 1):
                d = MONTH_START[m] + 9
                if not (g.start + 20 <= d <= g.end) or d >= N_DAYS:
                    continue
                for pid, role in g.staff[1:]:
                    if g.role == "splitS" and pid == w.defector:
                        continue
                    if g.role == "splitP" and pid == getattr(w, "defector", None) and d >= w.split_day:
                        continue
                    amt = {"finance": 1500000, "manager": 3000000, "tech": 2500000, "salesman": 800000}[role]
                    self.transfer(g.finance_card, w.persons[pid].cards[0], day_epoch(d) + rng.randrange(36000, 40000),
                                  amt + rng.randrange(0, 50) * 10000, "工资")
                for pid in g.nominees[1:]:
                    for card in w.persons[pid].cards[:1]:
                        self.transfer(g.finance_card, card, day_epoch(d) + rng.randrange(40000, 50000), 200000, "卡租")

    def rebate_payouts(self, sim, rng):
        """The finance card pays each agent person the month's ledger rebates and commissions."""
        import numpy as np
        w = self.w
        w.plat_agents = {}
        for a in w.agents:
            w.plat_agents.setdefault(a.platform, []).append(a)
        kind = np.frombuffer(sim.l_kind, dtype=np.int8)
        sel = np.nonzero((kind == 5) | (kind == 6))[0]
        ag = np.frombuffer(sim.l_agent, dtype=np.int64 if sim.l_agent.itemsize == 8 else np.int32)[sel]
        dy = (np.frombuffer(sim.l_epoch, dtype=np.int64)[sel] - CASE_START) // 86400
        am = np.frombuffer(sim.l_amt, dtype=np.int64)[sel]
        per = {}
        for gi, day, fen in zip(ag.tolist(), dy.tolist(), am.tolist()):
            k = (gi, day)
            per[k] = per.get(k, 0) + fen
        plat = {p.pid: p for p in w.platforms}
        for (gi, day), fen in sorted(per.items()):
            a = w.agents[gi]
            if not a.person:
                continue
            p = plat[a.platform]
            g = sim.gang[[o for o in p.operators if o[1] <= day <= o[2]][-1][0] if
                         [o for o in p.operators if o[1] <= day <= o[2]] else p.operators[-1][0]]
            q = w.persons[a.person]
            if not q.cards:
                w.new_card(rng, a.person, a.joined)
            self.transfer(g.finance_card, q.cards[0], day_epoch(min(N_DAYS - 1, day + 2)) + rng.randrange(30000, 70000),
                          fen, "佣金" if rng.random() < 0.7 else "")
            if p.scheme == "top" and a.parent is None:
                self.pass_down(a, fen, day, rng)

    def pass_down(self, root, fen, day, rng):
        """Under top-only rebates the member unit pays its own downline off the platform."""
        w = self.w
        kids = [x for x in w.plat_agents[root.platform] if x.parent is root and x.person]
        for k in kids:
            share = fen * k.rate // max(1, root.rate) // 3
            q = w.persons[k.person]
            if not q.cards:
                w.new_card(rng, k.person, k.joined)
            self.transfer(w.persons[root.person].cards[0], q.cards[0],
                          day_epoch(min(N_DAYS - 1, day + 4)) + rng.randrange(30000, 80000), share // 100 * 100,
                          rng.choice(("", "返点", "红包", "还款")))
