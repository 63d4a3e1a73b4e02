"""The world container, the vendor, gangs, platforms, licences, staff and memberships."""
import random
from types import SimpleNamespace as NS

from . import ids as I

PLAT_WORDS = ["恒泰", "鼎盛", "金汇", "环球", "瑞丰", "华尔", "汇丰达", "博纳", "宏源", "嘉信",
              "富时", "中盈", "银河湾", "德林", "远东", "东方海", "新鸿", "盛世", "万通", "泰山"]
PLAT_TAIL = ["国际期货", "环球投资", "期货通", "金融", "资本", "财富", "全球交易"]


class World:
    def __init__(self, seed, n_gangs, n_clients):
        self.r = random.Random(seed)
        self.seed = seed
        self.G, self.C = n_gangs, n_clients
        self.ids = I.Ids(self.r)
        self.persons = {}        # pid -> [pid, name, id_number, phone, province, city]
        self.accounts = {}       # aid -> [aid, kind, holder, platform, client, parent, institution, opened]
        self.truth = {}          # entity_id -> (entity_type, gang_id)
        self.gangs, self.platforms, self.licenses = [], [], []
        self.memberships, self.agents, self.clients = [], {}, {}
        self.ledger, self.transfers, self.trades, self.fills, self.logins = [], [], [], [], []
        self.groups = []
        self.notes = {}
        self.person_card = {}    # pid -> main personal bank card

    # ---- registries -------------------------------------------------
    def new_person(self, province=None, name=None, common=False, pid=None):
        r = self.r
        if province is None:
            province = r.choice(I.PROVINCES)[0]
        pv = next(p for p in I.PROVINCES if p[0] == province)
        pid = pid or self.ids.person()
        self.persons[pid] = [pid, name or I.person_name(r, common), I.id_number(r, pv[1], r.random() < 0.3),
                             I.phone(r) if r.random() < 0.85 else "", province, r.choice(pv[2])]
        return pid

    def new_account(self, kind, holder="", platform="", client="", parent="", inst="", opened=None, aid=None):
        if aid is None:
            if kind == "bank":
                aid = self.ids.bank_card(self.r.choice(["6217", "6222", "6228", "6214", "6230"]))
            elif kind == "payment":
                aid = self.ids.payment()
            else:
                raise ValueError(kind)
        if opened is None:
            opened = self.r.randrange(I.START_DAY - 900, I.START_DAY)
        self.accounts[aid] = [aid, kind, holder or "", platform or "", client or "", parent or "",
                              inst, I.fmt_date(opened) if opened is not None else ""]
        return aid

    def card_of(self, pid, opened=None):
        if pid not in self.person_card:
            bank = self.r.choice(["中国工商银行", "中国农业银行", "中国建设银行", "招商银行", "农村信用社", "邮储银行"])
            self.person_card[pid] = self.new_account("bank", pid, inst=bank, opened=opened)
        return self.person_card[pid]

    def member(self, eid, etype, gang):
        self.truth[eid] = (etype, gang)


def build_vendor(w):
    r = w.r
    boss = w.new_person("上海")
    dev = w.new_person("上海")
    co = w.ids.company_person("31")
    w.persons[co] = [co, "上海智汇联信息技术有限公司", co, "021-6" + "%07d" % r.randrange(10 ** 7), "上海", "上海"]
    acc_co = w.new_account("bank", co, inst="上海浦东发展银行", aid=w.ids.corp_account())
    acc_boss = w.card_of(boss)
    w.vendor = NS(id="V-SH-0001", name="上海智汇联信息技术有限公司", persons=[boss, dev], accounts=[acc_co, acc_boss],
                  support_ip="101.89.%d.%d" % (r.randrange(256), r.randrange(1, 255)), boss=boss, dev=dev)
    w.memberships.append([boss, w.vendor.id, "leader", "2018-03-01", ""])
    w.memberships.append([dev, w.vendor.id, "tech", "2018-05-10", ""])


def _gang_sizes(w):
    """Kinds: one 'big' (5-7 platforms), ~20% medium, ~25% small, rest tiny."""
    r, G = w.r, w.G
    kinds = ["big"] + ["medium"] * max(1, round(G * 0.2)) + ["small"] * max(1, round(G * 0.25))
    kinds += ["tiny"] * max(2, G - len(kinds))
    kinds = kinds[:G]
    r.shuffle(kinds)
    return kinds


def build_gangs(w):
    r = w.r
    kinds = _gang_sizes(w)
    # provinces: a few provinces get several gangs (both tiny and big ones)
    prov_pool = [p[0] for p in I.PROVINCES if p[0] != "上海"]
    weights = [6, 5, 4, 3, 1, 2, 2, 2, 2, 2, 1, 1, 1, 1]
    tiny_budget = 0
    plat_no = 80010
    for gi, kind in enumerate(kinds):
        prov = r.choices(prov_pool, weights=weights[:len(prov_pool)])[0]
        pcode = I.PCODE[prov]
        gid = "%s-%04d" % (pcode, 11 + gi * 7 + r.randrange(7))
        n_plat = {"big": r.randint(5, 7), "medium": r.randint(1, 2), "small": 1, "tiny": 1}[kind]
        g = NS(id=gid, kind=kind, province=prov, pcode=pcode, idx=gi, platforms=[], staff={},
               nominees=[], cards={}, office_ips=[], office_devs=[], fraud=False, flags=set(),
               clients_target=0, city=r.choice(next(p for p in I.PROVINCES if p[0] == prov)[2]))
        if kind == "tiny":
            g.clients_target = r.randint(3, 15)
            tiny_budget += g.clients_target
        start = r.randrange(I.START_DAY, I.START_DAY + 420)
        g.start = start
        for k in range(n_plat):
            plat_no += r.randint(1, 9)
            pid = str(plat_no)
            name = r.choice(PLAT_WORDS) + r.choice(PLAT_TAIL)
            created = min(start + k * r.randrange(20, 120), I.END_DAY - 240 + k * 7)
            p = NS(id=pid, gang=g, name=name, domain="www.%s%d.%s" % (
                "".join(r.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(5)), r.randrange(10, 999),
                r.choice(["com", "net", "vip", "cc", "top"])),
                created=created, kind="real", agents=[], clients=[], ts_style=r.choice(["local", "local", "off", "utc"]),
                fee_lot=r.choice([6000, 8000, 10000, 12000, 15000, 20000]), server_ip=None, mothers=[], subs=[])
            g.platforms.append(p)
            w.platforms.append(p)
            w.member(pid, "platform", gid)
        w.gangs.append(g)
    # distribute clients over the non-tiny gangs
    rest = max(0, w.C - tiny_budget)
    big = [g for g in w.gangs if g.kind != "tiny"]
    wts = [{"big": 9.0, "medium": 3.0, "small": 1.0}[g.kind] * r.lognormvariate(0, 0.35) for g in big]
    tot = sum(wts)
    for g, x in zip(big, wts):
        g.clients_target = max(20, int(rest * x / tot))
    # flags: fraud fronts, evidence gaps, payment company, known gangs
    order = list(w.gangs)
    r.shuffle(order)
    n_fraud = 2 if w.G < 28 else 3
    cand = [g for g in order if g.kind in ("small", "medium")] + [g for g in order if g.kind == "tiny"]
    for g in cand[:n_fraud]:
        g.fraud = True
        g.platforms[-1].kind = "fake"
        g.platforms[-1].fee_lot *= 2
    for g in order:
        for flag, p in (("no_memberships", 0.25), ("no_logins", 0.2), ("no_trades", 0.15),
                        ("bank_partial", 0.25), ("payco", 0.3)):
            if r.random() < p:
                g.flags.add(flag)
        g.known = r.random() < (0.6 if g.kind != "tiny" else 0.25)
        g.status = "seized" if r.random() < 0.6 else "suspected"
    # make sure each gap occurs at least once
    for flag in ("no_memberships", "no_logins", "no_trades", "bank_partial"):
        if not any(flag in g.flags for g in w.gangs if g.kind in ("small", "medium")):
            pick = next((g for g in order if g.kind in ("small", "medium") and not g.fraud), None) or \
                next((g for g in order if g.kind != "big"), order[0])
            pick.flags.add(flag)
    for g in w.gangs:
        if "bank_partial" in g.flags:
            a = r.randrange(g.start + 60, I.END_DAY - 240)
            g.bank_window = (a, min(I.END_DAY, a + r.randrange(150, 300)))


def build_staff(w):
    r = w.r
    for g in w.gangs:
        tiny = g.kind == "tiny"
        roles = [("leader", 1), ("finance", 0 if tiny and r.random() < 0.5 else 1),
                 ("manager", 0 if tiny else r.randint(1, 3)), ("tech", 0 if tiny else r.randint(0, 2)),
                 ("salesman", 0 if tiny else r.randint(1, 5))]
        for role, n in roles:
            for _ in range(n):
                pid = w.new_person(g.province if r.random() < 0.8 else None, common=(role == "salesman"))
                g.staff.setdefault(role, []).append(pid)
                w.member(pid, "person", g.id)
        if "finance" not in g.staff:
            g.staff["finance"] = list(g.staff["leader"])        # the leader keeps the books
        g.leader = g.staff["leader"][0]
        for _ in range(r.randint(1, 2) if tiny else r.randint(2, 5)):
            g.office_ips.append("%d.%d.%d.%d" % (r.choice([36, 39, 112, 115, 171, 182]), r.randrange(256),
                                                 r.randrange(256), r.randrange(1, 255)))
            g.office_devs.append(I.device(r, "pc"))
        for _ in range(1 if tiny else r.randint(2, 4)):
            pid = w.new_person(None)                               # card renters from anywhere
            g.nominees.append(pid)
            w.member(pid, "person", g.id)
        # family of the leader: receive money, not members
        g.family = [w.new_person(g.province, name=w.persons[g.leader][1][0] + I.person_name(r)[1:])
                    for _ in range(r.randint(1, 2))]
        w.gangs_by_id = getattr(w, "gangs_by_id", {})
        w.gangs_by_id[g.id] = g


def build_licenses_memberships(w):
    r = w.r
    for g in w.gangs:
        lead_card = w.card_of(g.leader)
        w.member(lead_card, "bank_account", g.id)
        for p in g.platforms:
            lid = "LIC %s %05d" % (I.fmt_date(p.created)[:4], 100 + w.ids.seq("lic") * 3)
            price = r.choice([120000, 180000, 250000, 300000, 380000, 450000, 600000, 880000]) * 100
            g.lic_paid = lead_card
            w.licenses.append([lid, w.vendor.id, p.id, I.fmt_date(p.created - r.randrange(5, 40)), price, "CNY",
                               w.persons[g.leader][1] if r.random() < 0.7 else "", w.persons[g.leader][3],
                               lead_card if r.random() < 0.8 else ""])
            p.license = lid
            p.lic_price = price
        if "no_memberships" in g.flags:
            continue
        org = g.id if g.known else g.platforms[0].id
        for role, pids in g.staff.items():
            for pid in pids:
                if role == "finance" and pid == g.leader:
                    continue
                if r.random() < 0.1:
                    continue                           # some staff are known only from payroll
                s = g.start + r.randrange(0, 90)
                e = "" if r.random() < 0.8 else I.fmt_date(r.randrange(s + 60, I.END_DAY))
                o = org if role in ("leader", "finance") or len(g.platforms) == 1 else r.choice(g.platforms).id
                w.memberships.append([pid, o, role, I.fmt_date(s), e])
