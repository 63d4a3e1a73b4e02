"""Bank flows: client cards -> collection (or the payment company) -> finance -> underground bank
-> leader / family; payout cards; rebates, salaries, card rent, shops, landlords, licences."""
from collections import defaultdict

from . import ids as I


class Bank:
    def __init__(self, w):
        self.w, self.n = w, 0

    def tx(self, t, a, b, amt, channel="网银", memo=""):
        if amt <= 0 or a == b:
            return ""
        self.n += 1
        tid = "%016d" % (self.n * 17 + 4000)           # numeric text with leading zeros
        self.w.transfers.append([tid, t, a, b, amt, channel, memo])
        return tid


def _collect_card(g, day):
    for card, s, e in g.rotation:
        if s <= day < e:
            return card
    return g.rotation[-1][0]


def build_money(w):
    r = w.r
    bank = Bank(w)
    w.bank = bank
    daily_in = defaultdict(int)          # (gang, card, day) -> collected
    payco_due = defaultdict(int)         # (gang, day) -> to settle
    wd_week = defaultdict(int)           # (gang, week) -> withdrawals paid
    for p in w.platforms:
        g = p.gang
        for c in p.clients:
            for row in c.deps:
                t, amt = row[1], row[6]
                day = t // I.DAY
                tb = t - r.randrange(20, 1800)
                if "payco" in g.flags and r.random() < 0.8:
                    acct = w.payco.accounts[(g.idx + day // 30) % 3]
                    row[8] = bank.tx(tb, c.card, acct, amt, "快捷支付", "充值%s" % c.id[-5:])
                    payco_due[(g.id, day)] += amt
                else:
                    card = _collect_card(g, day)
                    row[8] = bank.tx(tb, c.card, card, amt, r.choice(["手机银行", "网银", "ATM转账"]),
                                     r.choice(["", "货款", "还款", "转账", "往来款"]))
                    daily_in[(g.id, card, day)] += amt
            for row in c.wds:
                t, amt = row[1], row[6]
                tb = t + r.randrange(600, 30000)
                row[8] = bank.tx(tb, g.cards["payout"][0], c.card, amt, "网银", "")
                wd_week[(g.id, tb // I.DAY // 7)] += amt
    gangs = {g.id: g for g in w.gangs}
    for (gid, day), amt in sorted(payco_due.items()):     # T+1 settlement, fee 0.6 %
        g = gangs[gid]
        bank.tx(I.t_of_day(day + 1, 10, r.randrange(60)), w.payco.accounts[0], _collect_card(g, day + 1),
                amt - amt * 6 // 1000, "代付", "结算")
        daily_in[(gid, _collect_card(g, day + 1), day + 1)] += amt - amt * 6 // 1000
    fin_week = defaultdict(int)
    for (gid, card, day), amt in sorted(daily_in.items()):   # evening sweep to the finance card
        g = gangs[gid]
        own = g.cards["own"][day % len(g.cards["own"])]
        sweep = amt if r.random() < 0.7 else (amt // 1000000) * 1000000 or amt
        bank.tx(I.t_of_day(day, 21, r.randrange(60), r.randrange(60)), card, own, sweep, "手机银行", "")
        fin_week[(gid, day // 7)] += sweep
    for (gid, wk), amt in sorted(fin_week.items()):
        g = gangs[gid]
        own = g.cards["own"][0]
        need = wd_week.get((gid, wk + 1), 0)
        if need:                                           # top up the payout card, round up
            bank.tx(I.t_of_day(wk * 7 + 6, 15, r.randrange(60)), own, g.cards["payout"][0],
                    -(-need // 1000000) * 1000000, "网银", "备用金")
        out = (amt - need) * r.randrange(55, 80) // 100
        if out > 0:                                        # through the underground bank
            hub = w.ubank.accounts[r.randrange(3)]
            t0 = I.t_of_day(wk * 7 + 6, 22, r.randrange(60))
            bank.tx(t0, own, hub, out, "网银", r.choice(["", "货款", "材料款"]))
            bank.tx(t0 + r.randrange(3600, 40000), w.ubank.accounts[r.randrange(3)], g.cards["clean"],
                    out - out * 15 // 1000, "网银", "往来")
    _staff_money(w, bank)
    _business_noise(w, bank)


def _staff_money(w, bank):
    r = w.r
    months = range(I.START_DAY // 30, I.END_DAY // 30 + 1)
    paid = defaultdict(int)
    for row in w.ledger:                                    # rebates paid monthly per agent person
        if row[5] in ("rebate", "commission"):
            a = w.agents[row[7]]
            if a.card:
                paid[(a.platform.gang.id, a.card, row[1] // I.DAY // 30)] += row[6]
    gangs = {g.id: g for g in w.gangs}
    for (gid, card, mk), amt in sorted(paid.items()):
        g = gangs[gid]
        bank.tx(I.t_of_day(mk * 30 + 5, 11, r.randrange(60)), g.cards["own"][0], card, amt, "网银", "返佣")
    for g in w.gangs:
        own = g.cards["own"][0]
        lic_t = I.t_of_day(g.start - 3, 14)
        for p in g.platforms:
            bank.tx(lic_t + r.randrange(0, 3600 * 24 * 30), g.lic_paid, w.vendor.accounts[0], p.lic_price,
                    "网银", "软件服务费")
        staff = [pid for role, ps in g.staff.items() if role != "leader" for pid in ps] + g.nominees
        for mk in months:
            d = mk * 30 + 10
            if d < g.start or d > I.END_DAY:
                continue
            for pid in staff:
                if pid != g.leader:
                    bank.tx(I.t_of_day(d, 16, r.randrange(60)), own, w.card_of(pid),
                            r.choice([600000, 800000, 1000000, 1500000]), "网银", "工资")
            for c, dealer_own in getattr(g, "dealer_rent", []):
                bank.tx(I.t_of_day(d + 1, 12, r.randrange(60)), own, dealer_own, 300000, "微信转账", "卡租")
            clean = g.cards["clean"]
            for f in g.family:
                bank.tx(I.t_of_day(d + 2, 20, r.randrange(60)), clean, w.card_of(f),
                        r.choice([2000000, 5000000, 10000000]), "手机银行", r.choice(["生活费", "", "给妈"]))
            bank.tx(I.t_of_day(d, 9, r.randrange(60)), own, w.landlords[g.idx % 4].account,
                    r.choice([1500000, 2800000, 4500000]), "网银", "房租")
            for _ in range(r.randint(0, 3)):
                s = r.choice(w.shops)
                bank.tx(I.t_of_day(d + r.randrange(20), r.randrange(12, 23), r.randrange(60)),
                        r.choice([clean, w.card_of(g.leader)] + [w.card_of(x) for x in g.staff["manager"]]
                                 if "manager" in g.staff else [clean]), s.account, r.randrange(50000, 20000000), "POS", "消费")
    # the vendor pays its own people
    for mk in months:
        bank.tx(I.t_of_day(mk * 30 + 8, 10), w.vendor.accounts[0], w.vendor.accounts[1], 3000000, "网银", "工资")


def _business_noise(w, bank):
    """Unrelated businesses also use the underground bank; ordinary people pay shops and rent."""
    r = w.r
    for b in w.businesses:
        for _ in range(r.randint(15, 40)):
            d = r.randrange(I.START_DAY, I.END_DAY)
            amt = r.randrange(100, 5000) * 100000
            bank.tx(I.t_of_day(d, r.randrange(9, 23), r.randrange(60)), b.account, w.ubank.accounts[r.randrange(3)],
                    amt, "网银", "货款")
            other = r.choice(w.businesses).account
            bank.tx(I.t_of_day(d + 1, 10, r.randrange(60)), w.ubank.accounts[r.randrange(3)], other,
                    amt - amt // 100, "网银", "往来款")
    cards = [c.card for c in w.clients.values() if c.person]
    if not cards:
        return
    for _ in range(len(cards) // 2):
        d = r.randrange(I.START_DAY, I.END_DAY)
        a = r.choice(cards)
        to = r.choice([s.account for s in w.shops] + [l.account for l in w.landlords] + [r.choice(cards)])
        bank.tx(I.t_of_day(d, r.randrange(8, 23), r.randrange(60)), a, to, r.randrange(20, 8000) * 100,
                r.choice(["POS", "微信转账", "手机银行"]), r.choice(["", "消费", "房租", "还钱"]))
