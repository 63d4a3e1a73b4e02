"""Vendors, gangs (with their special shapes), platforms over time, licences, staff, memberships."""
from .model import Rec, PROV_SHORT
from . import licences
from .util import N_DAYS, SYL, SYL_CN, pick_province

SPECIAL = ["vendor", "giant", "tiny", "splitP", "splitS", "sellerD", "buyerC", "ghost", "fakeF", "dual"]


def build(w):
    rng = w.rng.child("world")
    _vendors(w, rng)
    _gangs(w, rng)
    _platforms(w, rng)
    _staff(w, rng)
    licences.build(w, rng)


def _vendors(w, rng):
    boss = w.new_person(rng, "上海", "上海")
    v1 = Rec(vid="QHKJ", name="上海启航信息科技有限公司", province="上海", city="上海", boss=boss.pid, accounts=[])
    v2 = Rec(vid="QHKJ-HK", name="啟航科技(香港)有限公司 Qihang Tech (HK) Ltd", province="", city="香港",
             boss=boss.pid, accounts=[])
    w.vendor_company = w.new_person(rng, "上海", "上海", company=v1.name, kind="company")
    w.vendor_hk = w.new_person(rng, "上海", "上海", company="啟航科技(香港)有限公司", kind="company")
    v1.accounts = [w.corp_account(rng, w.vendor_company.pid, 0, "招商银行上海分行").aid,
                   w.corp_account(rng, w.vendor_company.pid, 0, "浦发银行张江支行").aid]
    hk = w.add_account("HK-%03d-%06d-%03d" % (rng.randrange(1000), rng.randrange(10 ** 6), rng.randrange(1000)),
                       "bank", w.vendor_hk.pid, institution="HSBC Hong Kong", opened=0)
    v2.accounts = [hk.aid]
    w.vendors = [v1, v2]
    w.vendor_staff = [(boss.pid, "leader")]
    w.member(boss.pid, v1.vid, "leader", None, None)
    for role in ("tech", "tech", "tech", "finance", "salesman"):
        p = w.new_person(rng, "上海", "上海")
        w.vendor_staff.append((p.pid, role))
        w.member(p.pid, v1.vid, role, rng.randrange(0, 200) if rng.random() < 0.5 else None, None)
    for pid, _ in w.vendor_staff:
        w.new_card(rng, pid, 0)


def _gangs(w, rng):
    n = w.n_gangs
    roles = SPECIAL[:n] + ["plain"] * max(0, n - len(SPECIAL))
    used = {}
    for i, role in enumerate(roles):
        prov, _, city = ("上海", "31", "上海") if role == "vendor" else pick_province(rng)
        if role == "splitS":
            prov, city = w.gangs[3].province, w.gangs[3].city
        short = PROV_SHORT[prov]
        used[short] = used.get(short, rng.randrange(1, 9)) + rng.randrange(1, 4)
        g = Rec(gid="g.%s.%02d" % (short, used[short]), role=role, province=prov, city=city, platforms=[],
                managers=[], techs=[], salesmen=[], nominees=[], finance=None, leader=None, status="",
                is_fraud=role in ("buyerC", "fakeF"), collection=[], uses_runners=False, start=0, end=N_DAYS - 1)
        w.gangs.append(g)
    # lifetimes
    w.split_day = 470 + rng.randrange(40)
    w.handover_day = 420 + rng.randrange(40)
    for g in w.gangs:
        g.start = {"vendor": 15, "giant": 40, "splitP": rng.randrange(60, 180), "splitS": w.split_day,
                   "sellerD": rng.randrange(20, 120), "buyerC": rng.randrange(150, 300)}.get(
            g.role, rng.randrange(0, 560))
    seized = [g for g in w.gangs if g.role in ("vendor", "giant", "splitP", "buyerC")]
    others = [g for g in w.gangs if g.role == "plain"]
    rng.shuffle(others)
    seized += others[:max(1, len(others) // 6)]
    for g in seized:
        g.status = "seized"
        g.end = rng.randrange(820, 900)
    for g in others[len(seized) - 4:len(seized) - 4 + 3] + [x for x in w.gangs if x.role == "sellerD"]:
        if not g.status:
            g.status = "suspected"
    # client weights: one giant, one tiny, a vendor side business, lognormal for the rest
    total = w.n_clients
    fixed = {"giant": 0.36, "vendor": 0.025}
    rest = [g for g in w.gangs if g.role not in ("giant", "vendor", "tiny", "ghost")]
    weights = [rng.lognormvariate(0, 1.1) for _ in rest]
    if any(g.role == "fakeF" for g in rest):
        weights[[g.role for g in rest].index("fakeF")] = min(weights) * 0.5
    left = total * (1 - sum(fixed[g.role] for g in w.gangs if g.role in fixed)) - 20
    sw = sum(weights)
    for g, x in zip(rest, weights):
        g.n_clients = max(25, int(left * x / sw))
    for g in w.gangs:
        if g.role in fixed:
            g.n_clients = int(total * fixed[g.role])
        elif g.role == "tiny":
            g.n_clients = 20
        elif g.role == "ghost":
            g.n_clients = 0
        g.size = "large" if g.n_clients >= 1200 else "medium" if g.n_clients >= 250 else "small"
        g.uses_runners = g.role not in ("tiny", "vendor") and rng.random() < 0.45
        g.records_memberships = g.status == "seized" or (g.status == "suspected" and rng.random() < 0.6) or \
            rng.random() < 0.3
        g.org_is_platform = rng.random() < 0.4


def _new_platform(w, rng, g, created, closed, n_clients, taken):
    while True:
        slug = rng.choice(SYL) + rng.choice(SYL)
        if rng.random() < 0.5:
            slug += str(rng.choice((8, 88, 99, 168, 6, 518, 666)))
        if slug not in taken:
            break
    taken.add(slug)
    parts = [s for s in SYL if slug.startswith(s)]
    cn = SYL_CN[parts[-1]] + SYL_CN[[s for s in SYL if slug[len(parts[-1]):].startswith(s)][-1]]
    k = len(w.platforms)
    p = Rec(pid=slug, name=cn + rng.choice(("国际", "环球", "期货", "财经", "金融", "资本")), gang=g.gid,
            domain="%s.%s" % (slug, rng.choice(("com", "net", "vip", "cc", "hk"))), created=created, closed=closed,
            operators=[(g.gid, created, closed)], fake_from=None, n_clients=n_clients, worker=k % 97 + 1,
            agents=[], clients=[], mothers=[], vendor="QHKJ", kind_written="")
    p.ts_style = rng.choice(("local", "local", "cst", "cst", "ny", "mixed"))
    p.money_style = "trim" if rng.random() < 0.25 else "2dp"
    p.acct_style = "same" if rng.random() < 0.4 else "suffix"
    p.eid_style = "snow" if rng.random() < 0.6 else "seq"
    p.settle_sec = rng.choice((5 * 3600, 6 * 3600 + 30 * 60, 23 * 3600 + 59 * 60 + 59))
    p.batch = rng.random() < 0.3                 # deposits/withdrawals credited in fixed batches
    p.scheme = "top" if rng.random() < 0.35 else "diff"
    p.fee_lot = rng.choice((3000, 4500, 6000, 8000, 10000))       # fen per lot per side
    p.night_lot = rng.choice((1500, 2500, 4000))
    p.user_no = rng.choice((100000, 800000, 10000, 5000000)) + rng.randrange(1000)
    p.logins_kept = rng.random() < 0.6
    p.lb_ip = rng.random() < 0.12                 # admin log records only the load balancer
    p.trades_kept = True
    w.platforms.append(p)
    g.platforms.append(p)
    return p


def _platforms(w, rng):
    taken = set()
    for g in w.gangs:
        end = g.end
        if g.role == "ghost":
            continue
        if g.role == "sellerD":
            pd = _new_platform(w, rng, g, g.start, end, int(g.n_clients * 0.7), taken)
            w.handover_pid = pd.pid
            _new_platform(w, rng, g, w.handover_day + 25 + rng.randrange(20), end, g.n_clients - pd.n_clients, taken)
        elif g.role in ("dual",) or (g.role == "plain" and g.size != "small" and rng.random() < 0.15):
            a = _new_platform(w, rng, g, g.start, end, g.n_clients // 2, taken)
            _new_platform(w, rng, g, min(g.start + rng.randrange(30, 200), end - 200), end,
                          g.n_clients - a.n_clients, taken)
        else:
            _new_platform(w, rng, g, g.start, end, g.n_clients, taken)
    # the handover: seller's first platform passes to the buyer (fraud gang), which turns it fake
    seller = [g for g in w.gangs if g.role == "sellerD"]
    buyer = [g for g in w.gangs if g.role == "buyerC"]
    if seller and buyer:
        pd = [p for p in w.platforms if p.pid == w.handover_pid][0]
        s, b = seller[0], buyer[0]
        h = w.handover_day
        pd.operators = [(s.gid, pd.created, h - 1), (b.gid, h, pd.closed)]
        pd.closed = b.end
        pd.gang = b.gid
        pd.fake_from = h + 21
        s.platforms.remove(pd)
        b.platforms.append(pd)
        b.acquired = pd
    for g in w.gangs:
        if g.role == "fakeF":
            for p in g.platforms:
                p.fake_from = p.created
        for p in g.platforms:
            if g.status == "seized" and rng.random() < 0.7:
                p.kind_written = "fake" if p.fake_from is not None else "real"
        for p in g.platforms:
            if p.pid == getattr(w, "handover_pid", None):
                p.kind_written = ""          # real for 450 days, then fake: the seized record says nothing
        if g.role == "vendor":
            g.platforms[0].kind_written = "real"


def _staff(w, rng):
    P = [g for g in w.gangs if g.role == "splitP"]
    for g in w.gangs:
        local = lambda: w.new_person(rng, g.province, g.city) if rng.random() < 0.75 else w.new_person(rng)  # noqa
        if g.role == "vendor":
            g.leader = w.vendor_staff[0][0]
        elif g.role == "splitS" and P:
            g.leader = w.defector = P[0].managers[0]
        else:
            g.leader = local().pid
        big = {"small": 0, "medium": 1, "large": 2}[g.size]
        g.finance = None if g.role == "tiny" else local().pid
        g.managers = [local().pid for _ in range(rng.randint(0, 1 + 2 * big) if g.role != "tiny" else 0)]
        if g.role == "splitP" and not g.managers:
            g.managers.append(local().pid)
        g.techs = [local().pid for _ in range(rng.randint(0, 1 + big) if g.role not in ("tiny", "ghost") else 0)]
        if g.role == "vendor":
            g.techs = [w.vendor_staff[1][0]]
        g.salesmen = [local().pid for _ in range(rng.randint(0, 2 + 3 * big) if g.role not in ("tiny", "ghost")
                                                 else 0)]
        g.nominees = [w.new_person(rng).pid for _ in range(2 + 3 * big + rng.randrange(3))]
        staff = [(g.leader, "leader")] + ([(g.finance, "finance")] if g.finance else []) + \
            [(x, "manager") for x in g.managers] + [(x, "tech") for x in g.techs] + \
            [(x, "salesman") for x in g.salesmen]
        g.staff = staff
        # org_id must resolve: a gang id only for gangs in gangs.csv, else the gang's (first) platform
        org = lambda: g.platforms[0].pid if (g.org_is_platform or not g.status) and g.platforms else g.gid  # noqa
        for pid, role in staff:
            if not g.records_memberships or (role != "leader" and rng.random() < 0.12) or \
                    (not g.status and not g.platforms):
                continue
            start = None if rng.random() < 0.3 else g.start + rng.randrange(0, 60)
            end = None if g.end >= N_DAYS - 1 or rng.random() < 0.4 else g.end
            if role in ("manager", "salesman") and rng.random() < 0.3:
                end = min(g.end, (start or g.start) + rng.randrange(150, 400))
            w.member(pid, org(), role, start, end)
    # the split: a manager of the parent leads the splinter gang (memberships in both, closed then open)
    S = [g for g in w.gangs if g.role == "splitS"]
    if P and S:
        p, s = P[0], S[0]
        w.memberships = [m for m in w.memberships if m[0] != w.defector]
        w.member(w.defector, p.gid, "manager", p.start + 10, w.split_day - 1)
        w.member(w.defector, s.gid if s.status else s.platforms[0].pid, "leader", w.split_day, None)
    for g in w.gangs:
        w.new_card(rng, g.leader, g.start) if not w.persons[g.leader].cards else None
        g.leader_card = w.persons[g.leader].cards[0]
        g.finance_card = w.new_card(rng, g.finance, g.start).aid if g.finance else g.leader_card
        g.payout_card = w.new_card(rng, g.nominees[0], g.start).aid
        g.collection = []
        day, k = g.start, 0
        while day <= g.end:
            span = rng.randrange(30, 110)
            holder = g.nominees[1 + k % (len(g.nominees) - 1)]
            card = w.new_card(rng, holder, max(g.start, day - 10)).aid
            g.collection.append((card, day, min(g.end, day + span)))
            day += span + 1
            k += 1
        for pid, _ in g.staff[1:]:
            if not w.persons[pid].cards:
                w.new_card(rng, pid, g.start)
        g.office_ip = w.ip_in(rng, g.province)
        g.office_dev = ["PC-%s-%02d" % (g.gid.split(".")[1].upper(), rng.randrange(100)) for _ in range(3)]
