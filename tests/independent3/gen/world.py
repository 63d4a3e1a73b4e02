"""The world's registry (persons, accounts, tables) and its top layer: vendor, gangs,
platforms, licences, staff and memberships."""
from .util import R, Ids, CITY, START_DAY, END_DAY, mask_id

BANKS = [("中国工商银行", "622202"), ("中国建设银行", "621700"), ("中国农业银行", "622848"),
         ("中国银行", "621661"), ("招商银行", "621483"), ("交通银行", "622260"),
         ("中国邮政储蓄银行", "621799"), ("农村信用社", "622319"), ("平安银行", "622155")]
BROKERS = [("Interactive Brokers (HK)", "U%07d"), ("Phillip Securities (HK)", "PSHK%06d"),
           ("Saxo Capital Markets HK", "%08d")]
BRAND_A = ["恒汇", "金盛", "环球", "鼎泰", "华尔", "富达", "汇丰", "瑞银", "中港", "亚太", "宏源", "信诚", "博易", "盈通"]
BRAND_B = ["国际", "期货", "金融", "环球", "资本", "财富", "优选", "投资"]
PINYIN = ["hh", "js", "hq", "dt", "hr", "fd", "hf", "ry", "zg", "yt", "hy", "xc", "by", "yt", "qh", "cf"]


class World:
    def __init__(self, seed, n_gangs, n_clients):
        self.r = R(seed)
        self.ids = Ids(R(seed * 7919 + 1))
        self.n_gangs, self.n_clients = n_gangs, n_clients
        self.persons, self.accounts = {}, {}
        self.vendor = None
        self.gangs, self.platforms, self.licences = [], {}, []
        self.agents, self.clients = {}, {}
        self.memberships = []
        self.ledger, self.trades, self.fills, self.transfers, self.logins = [], [], [], [], []
        self.groups = []          # dicts: id, controller, accounts, kind, gang
        self.notes = {}           # habit instances for NOTES / truth/notes.json
        self.gaps = {}            # gang_id -> list of gap flags

    # -- registry helpers -------------------------------------------------
    def person(self, province=None, gang="", name=None, company=False, role=""):
        r = self.r
        province = province or r.province()
        pid = self.ids.company(province) if company else self.ids.person(province)
        self.persons[pid] = dict(id=pid, name=name or r.name(), idn=pid if company else mask_id(pid, r),
                                 phone=self.ids.phone() if (company or r.chance(0.93)) else "",
                                 prov=province, city=CITY[province], gang=gang, role=role,
                                 ip=self.home_ip(), dev="D%010x" % r.getrandbits(40))
        return pid

    def home_ip(self):
        r = self.r
        return "%d.%d.%d.%d" % (r.pick([36, 39, 58, 60, 61, 101, 106, 112, 113, 114, 115, 116, 119, 120, 121,
                                        122, 124, 125, 171, 175, 180, 182, 183, 218, 219, 220, 221, 222]),
                                r.randint(0, 255), r.randint(0, 255), r.randint(2, 254))

    def bank_card(self, holder, opened, gang=None, bank=None):
        b = bank or self.r.pick(BANKS)
        aid = self.ids.card(b[1])
        self.accounts[aid] = dict(id=aid, kind="bank", holder=holder, platform="", client="", parent="",
                                  inst=b[0], opened=opened, gang=gang)
        return aid

    def account(self, aid, kind, holder="", platform="", client="", parent="", inst="", opened=0, gang=None):
        self.accounts[aid] = dict(id=aid, kind=kind, holder=holder, platform=platform, client=client,
                                  parent=parent, inst=inst, opened=opened, gang=gang)
        return aid

    def broker_account(self, holder, opened, broker=None, gang=None):
        b = broker or self.r.pick(BROKERS)
        aid = self.ids._uniq(lambda: b[1] % self.r.randint(1000000 if "U" in b[1] else 100000,
                                                             9999999 if "U" in b[1] else 999999))
        return self.account(aid, "mother", holder=holder, inst=b[0], opened=opened, gang=gang)

    def member(self, gang, role, province=None, start=None, end=None, org=None, name=None):
        pid = self.person(province or gang["prov"], gang=gang["id"], role=role, name=name)
        gang["staff"].append((pid, role))
        if start is not None:
            self.memberships.append([pid, org or gang["org"], role, start, end])
        return pid


def build_top(w):
    """Vendor, gang skeletons (size classes), platforms over time and their licences."""
    r = w.r
    vboss = w.person("上海", role="vendor_boss")
    vtech = w.person("上海", role="vendor_tech")
    vid = "沪信软" + "%04d" % r.randint(1000, 9999)
    w.vendor = dict(id=vid, name="上海云拓信息技术有限公司", boss=vboss, tech=vtech,
                    corp=None, cards=[], ip="101.227.%d.%d" % (r.randint(0, 255), r.randint(2, 254)))
    vcomp = w.person("上海", company=True, name=w.vendor["name"], role="vendor_company")
    w.vendor["company"] = vcomp
    w.vendor["corp"] = w.bank_card(vcomp, START_DAY - 300, bank=BANKS[4])
    w.vendor["cards"] = [w.vendor["corp"], w.bank_card(vboss, START_DAY - 900)]
    w.memberships.append([vboss, vid, "leader", START_DAY - 300, None])
    w.memberships.append([vtech, vid, "tech", START_DAY - 250, None])

    n = w.n_gangs
    n_large = max(2, round(n * 0.11))
    n_med = max(2, round(n * 0.2))
    classes = ["large"] * n_large + ["medium"] * n_med + ["tiny"] * (n - n_large - n_med)
    used_no = set()
    for i, size in enumerate(classes):
        no = r.randint(1, 199)
        while no in used_no:
            no = r.randint(1, 199)
        used_no.add(no)
        prov = "上海" if i in (0, n_large, n_large + 1) else r.province(gang=True)
        g = dict(id="CA22-%03d" % no, size=size, prov=prov, platforms=[], staff=[], fraud=False,
                 known=False, status="", lines=[])
        g["org"] = g["id"]
        w.gangs.append(g)
    # fraud: one medium gang (runs a real brand, then a fake one) and one tiny gang
    meds = [g for g in w.gangs if g["size"] == "medium"]
    tinies = [g for g in w.gangs if g["size"] == "tiny"]
    meds[-1]["fraud"] = True
    if tinies:
        tinies[len(tinies) // 2]["fraud"] = True
    for g in w.gangs:
        _platforms(w, g)


def _new_platform(w, g, opened, kind, line):
    r = w.r
    pid = w.ids._uniq(lambda: "t-%05x" % r.randint(0x10000, 0xfffff))
    a = r.randrange(len(BRAND_A))
    name = BRAND_A[a] + r.pick(BRAND_B)
    dom = "%s%s%d.%s" % (PINYIN[a], r.pick(["qh", "gj", "jr", "fx", "ib"]), r.randint(1, 999),
                         r.pick(["com", "top", "vip", "cc", "net", "com.hk"]))
    p = dict(id=pid, gang=g["id"], name=name, domain=dom, created=opened, kind=kind, line=line,
             close=END_DAY, ts_style=r.pick(["T", "T", "off"]), netting=False, fee_lot=0,
             server_ip="", hosted=False, payco=None, backend=True, trades=True)
    w.platforms[pid] = p
    g["platforms"].append(pid)
    # licence: each platform is its own sale, often under a different buyer name
    lic = dict(id="LK-" + w.ids.hexkey(3), platform=pid, vendor=w.vendor["id"], sold=opened - r.randint(3, 25),
               price=0, gang=g["id"], buyer="", phone="", paid_from="")
    base = {"large": 380000, "medium": 260000, "tiny": 120000}[g["size"]]
    lic["price"] = (base + (opened - START_DAY) * 90 + r.randint(-40, 60) * 1000) // 1000 * 100000
    w.licences.append(lic)
    return p


def _platforms(w, g):
    r = w.r
    if g["size"] == "large":
        n_lines = r.pick([1, 2, 2])
        for line in range(n_lines):
            t = START_DAY + r.randint(0, 150) + line * r.randint(120, 300)
            while t < END_DAY - 150:
                _new_platform(w, g, t, "real", line)
                t += r.randint(200, 420)      # the brand is rebuilt when its domain gets blocked
        if len(g["platforms"]) < 3:
            _new_platform(w, g, END_DAY - r.randint(160, 260), "real", 0)
    elif g["size"] == "medium":
        t = START_DAY + r.randint(60, 500)
        _new_platform(w, g, t, "real", 0)
        if g["fraud"]:
            _new_platform(w, g, t + r.randint(200, 330), "fake", 0)
        elif r.chance(0.4):
            _new_platform(w, g, t + r.randint(150, 360), "real", 1)
    else:
        _new_platform(w, g, START_DAY + r.randint(200, 900), "fake" if g["fraud"] else "real", 0)
    # successive platforms of one line: the older closes some weeks after the next opens
    ps = [w.platforms[p] for p in g["platforms"]]
    for p in ps:
        later = [q for q in ps if q["line"] == p["line"] and q["created"] > p["created"]]
        if later:
            p["close"] = min(q["created"] for q in later) + r.randint(20, 60)
