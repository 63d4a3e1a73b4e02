"""Money that is not client money: licence fees, the handover price, the ghost gang, the vendor's
ordinary business and payroll, leaders' spending."""
from .util import day_epoch, N_DAYS, MONTH_START


def build(w, money, mk):
    rng = w.rng.child("extra")
    _hubs(w, rng)
    _licence_payments(w, money, rng)
    _handover(w, money, rng)
    _ghost(w, money, rng)
    _vendor(w, money, rng)
    _spending(w, money, rng)


def _hubs(w, rng):
    """Big legitimate counterparties that many unrelated people pay: they chain everyone by chance."""
    w.hubs = {}
    for key, name, inst in (("grid", "国网浙江省电力有限公司", "工商银行"), ("car", "杭州宝华汽车销售服务有限公司", "建设银行"),
                            ("gold", "周大福珠宝金行(深圳)有限公司", "中国银行"), ("estate", "碧桂园房地产开发有限公司", "农业银行"),
                            ("jd", "北京京东世纪贸易有限公司", "招商银行"), ("mobile", "中国移动通信集团广东有限公司", "工商银行"),
                            ("logi", "顺丰速运有限公司", "招商银行"), ("school", "新东方教育科技集团有限公司", "中国银行")):
        co = w.new_person(rng, company=name, kind="company")
        w.hubs[key] = w.corp_account(rng, co.pid, 0, inst).aid
    w.employers = []
    for i in range(max(6, w.n_clients // 1500)):
        co = w.new_person(rng, company="%s%s有限公司" % (rng.choice(("宏达", "恒昌", "永信", "华联", "金桥", "安泰")),
                                                      rng.choice(("制造", "物流", "商贸", "建设", "电子"))), kind="company")
        w.employers.append(w.corp_account(rng, co.pid, 0, rng.choice(("工商银行", "建设银行", "农业银行"))).aid)


def _licence_payments(w, money, rng):
    vend = {v.vid: v for v in w.vendors}
    for lic in w.licenses:
        if not lic.paid_from or lic.price == 0:
            continue
        to = vend[lic.vid].accounts[0]
        parts = [lic.price] if rng.random() < 0.7 else [lic.price * 6 // 10, lic.price - lic.price * 6 // 10]
        for k, amt in enumerate(parts):
            d = min(N_DAYS - 1, lic.sold + rng.randrange(0, 6) + 30 * k)
            money.transfer(lic.paid_from, to, day_epoch(d) + rng.randrange(34000, 60000), amt,
                           ("软件款", "服务费")[k] if lic.currency == "CNY" else "SOFTWARE LICENCE",
                           "跨境汇款" if lic.currency == "USD" else None, lic.currency if lic.currency != "CNY" else "")


def _handover(w, money, rng):
    gs = {g.role: g for g in w.gangs}
    if "sellerD" not in gs or "buyerC" not in gs:
        return
    d, c = gs["sellerD"], gs["buyerC"]
    price = rng.randrange(150, 300) * 1000000
    for k, frac in enumerate((60, 40)):
        day = w.handover_day - 5 + 40 * k
        money.transfer(c.leader_card, d.leader_card, day_epoch(day) + rng.randrange(36000, 60000),
                       price * frac // 100, ("转让款", "尾款")[k])
    w.notes["handover"] = dict(platform=w.handover_pid, seller=d.gid, buyer=c.gid, day=w.handover_day,
                               fake_from=[p.fake_from for p in w.platforms if p.pid == w.handover_pid][0])


def _ghost(w, money, rng):
    """A gang whose platform back end was never seized and is missing from the vendor's books."""
    gs = [g for g in w.gangs if g.role == "ghost"]
    if not gs:
        return
    g = gs[0]
    victims = []
    for _ in range(40 + w.n_clients // 200):
        q = w.new_person(rng)
        card = w.new_card(rng, q.pid, 0)
        victims.append(card.aid)
        d0 = rng.randrange(max(g.start, 0), max(g.start + 1, g.end - 60))
        dep = rng.randrange(10, 300) * 100000
        day = d0
        for k in range(rng.randint(1, 4)):
            day = min(N_DAYS - 1, day + rng.randrange(0, 40))
            money.coll_in[(g.gid, money.collection_card(g, day), day)] = \
                money.coll_in.get((g.gid, money.collection_card(g, day), day), 0) + dep
            money.transfer(card.aid, money.collection_card(g, day), day_epoch(day) + rng.randrange(30000, 80000), dep,
                           rng.choice(("", "入金", "充值")))
        if rng.random() < 0.3:
            back = dep * rng.randrange(20, 90) // 100 // 100 * 100
            dd = min(N_DAYS - 1, day + rng.randrange(5, 60))
            money.transfer(g.payout_card, card.aid, day_epoch(dd) + rng.randrange(30000, 80000), back, "出金")
            money.payout_week[(g.gid, dd // 7)] = money.payout_week.get((g.gid, dd // 7), 0) + back
    v1 = w.vendors[0].accounts[0]
    money.transfer(g.leader_card, v1, day_epoch(g.start + 3) + 40000, rng.randrange(25, 45) * 1000000, "技术服务费")
    w.notes["ghost"] = dict(gang=g.gid, victims=len(victims))


def _vendor(w, money, rng):
    v1 = w.vendors[0].accounts
    legit = []
    for i in range(20):
        co = w.new_person(rng, company="%s%s科技有限公司" % (rng.choice(("长风", "远景", "博雅", "明德", "云帆")),
                                                      rng.choice(("网络", "软件", "数据", "信息"))), kind="company")
        legit.append(w.corp_account(rng, co.pid, 0, rng.choice(("工商银行", "招商银行"))).aid)
    for m in range(len(MONTH_START) - 1):
        d = MONTH_START[m]
        if d >= N_DAYS:
            break
        for a in rng.sample(legit, rng.randint(1, 4)):
            money.transfer(a, v1[rng.randrange(2)], day_epoch(d + rng.randrange(0, 25)) + rng.randrange(30000, 60000),
                           rng.randrange(2, 40) * 500000, rng.choice(("软件开发费", "技术服务费", "维护费")))
        for pid, role in w.vendor_staff:
            money.transfer(v1[0], w.persons[pid].cards[0], day_epoch(d + 9) + rng.randrange(36000, 40000),
                           {"leader": 5000000, "tech": 2200000, "finance": 1200000, "salesman": 900000}[role], "工资")


def _spending(w, money, rng):
    for g in w.gangs:
        for _ in range(rng.randint(1, 5)):
            hub = rng.choice(("car", "gold", "estate", "car"))
            d = rng.randrange(g.start + 60, max(g.start + 61, g.end))
            if d < N_DAYS:
                money.transfer(g.leader_card, w.hubs[hub], day_epoch(d) + rng.randrange(36000, 70000),
                               rng.randrange(20, 400) * 1000000 // 10, rng.choice(("购车款", "首付", "货款", "")))
