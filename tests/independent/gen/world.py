"""Entities: vendor, gangs, platforms, persons, staff, memberships, agents, clients."""
import random
from datetime import timedelta

from . import ids as I

ABBR = {"浙江": "浙", "广东": "粤", "上海": "沪", "福建": "闽", "江苏": "苏", "四川": "川", "湖南": "湘",
        "河南": "豫", "山东": "鲁", "湖北": "鄂", "重庆": "渝", "江西": "赣", "河北": "冀", "安徽": "皖",
        "广西": "桂", "辽宁": "辽", "北京": "京", "云南": "滇", "陕西": "陕", "黑龙江": "黑"}
PNAME1 = ["汇盈", "金鼎", "恒信", "鼎泰", "宏达", "富通", "盛世", "环亚", "嘉禾", "永隆", "华盛", "瑞丰", "天誉",
          "博远", "润通", "宝利", "国泰", "中金", "银河", "泰丰", "元亨", "新华", "鑫源", "弘业", "诚汇"]
PNAME2 = ["国际", "环球", "期货", "金融", "资本", "投资", "财富", "控股", "集团"]


class World:
    def __init__(self, seed, n_gangs, n_clients):
        self.seed = seed
        self.r = random.Random(seed)
        self.ids = I.Ids(random.Random(seed * 7919 + 13))
        self.n_gangs, self.n_clients = n_gangs, n_clients
        self.t = {k: [] for k in ["vendors", "licenses", "platforms", "gangs", "persons", "memberships",
                                  "agents", "clients", "accounts", "ledger", "bank_transfers", "trades",
                                  "broker_fills", "logins", "fx_rates"]}
        self.pmeta = {}          # person_id -> dict(province, city, devices, ip)
        self.prow = {}           # person_id -> persons.csv row
        self.person_gang = {}    # person_id -> gang_id (truth)
        self.account_gang = {}   # account_id -> gang_id (truth)
        self.gangs = []          # gang dicts (internal)
        self.platforms = {}      # platform_id -> internal dict
        self.agents = {}         # agent_id -> row
        self.clients = {}        # client_id -> row (+ internal keys starting with _)
        self.accounts = {}       # account_id -> row
        self.groups = []         # account groups (truth)
        self.notes = []          # habits, for NOTES / summary

    # ---- persons ---------------------------------------------------------
    def new_person(self, province=None, city=None, gang=None):
        r = self.r
        province = province or r.choice(list(I.PROVINCES))
        city = city or r.choice(I.PROVINCES[province][0])
        style = r.random()
        if style < 0.55:
            pid = self.ids.b62(7, 10)
        elif style < 0.8:
            pid = self.ids.hexid(r.choice([8, 12]), upper=r.random() < 0.5)
        else:
            pid = self.ids.b62(5, 6, prefix="r")
        row = {"person_id": pid, "name": I.person_name(r),
               "id_number": I.id_number(r, province, masked=r.random() < 0.3) if r.random() < 0.8 else "",
               "phone": self.ids.phone() if r.random() < 0.85 else "",
               "province": province if r.random() < 0.92 else "", "city": city if r.random() < 0.8 else ""}
        self.t["persons"].append(row)
        self.prow[pid] = row
        self.pmeta[pid] = {"province": province, "city": city, "devices": [I.device_id(r, self.ids)],
                           "ip": I.ip_in(r, province), "banks": []}
        if r.random() < 0.25:
            self.pmeta[pid]["devices"].append(I.device_id(r, self.ids))
        if gang is not None:
            self.person_gang[pid] = gang["gang_id"]
        return pid

    def member(self, pid, org, role, start, end=None):
        self.t["memberships"].append({"person_id": pid, "org_id": org, "role": role,
                                      "start": I.fmt_d(start) if start else "", "end": I.fmt_d(end) if end else ""})


def build_vendor(w: World):
    r = w.r
    vid = w.ids.uscc("3101")
    w.vendor = {"vendor_id": vid, "name": "上海" + r.choice(["易联", "汇智", "云鼎", "讯拓"]) + "信息技术有限公司",
                "province": "上海", "city": "上海", "bank_account_ids": "", "_staff": []}
    boss = w.new_person("上海", "上海")
    w.member(boss, vid, "leader", I.T0 - timedelta(days=900))
    w.vendor["_staff"].append(boss)
    for role in ["tech", "tech", "tech", "manager", "finance"] + ["tech"] * r.randint(0, 2):
        p = w.new_person("上海" if r.random() < 0.8 else "江苏")
        w.member(p, vid, role, I.T0 - timedelta(days=r.randint(60, 800)),
                 None if r.random() < 0.8 else I.T1 - timedelta(days=r.randint(30, 300)))
        w.vendor["_staff"].append(p)
    w.vendor["_boss"] = boss
    w.t["vendors"].append(w.vendor)  # bank_account_ids filled later


def plan_gangs(w: World):
    """Decide gang sizes, provinces, platforms and fraud flags."""
    r = w.r
    G = w.n_gangs
    provs = list(I.PROVINCES)
    hot = ["浙江", "广东", "福建"]  # several gangs per province here
    plist = []
    for i in range(G):
        if i < max(4, G // 5):
            plist.append(hot[0])
        elif i < max(7, G // 3):
            plist.append(hot[1 + i % 2])
        else:
            plist.append(r.choice(provs))
    r.shuffle(plist)
    weights = [r.lognormvariate(0, 0.9) for _ in range(G)]
    tiny, big = 0, 1
    weights[tiny] = 0.0
    weights[big] = max(weights) * 2.2
    tot = sum(weights)
    n_rest = w.n_clients - 6
    counts = [int(n_rest * x / tot) for x in weights]
    counts[tiny] = 6
    counts[big] += w.n_clients - sum(counts)
    n_fraud = max(2, round(G * 0.12))
    fraud_ids = set(r.sample(range(2, G), n_fraud))
    used_case_no = set()
    for i in range(G):
        prov = plist[i]
        if i == tiny:
            npf = 1
        elif i == big:
            npf = 3
        else:
            npf = r.choices([1, 2, 3], [0.68, 0.26, 0.06])[0]
        start = I.rand_dt(r, I.T0, I.T0 + timedelta(days=420))
        end = min(I.T1, start + timedelta(days=r.randint(240, 900)))
        while True:
            no = "%s经侦%d-%03d" % (ABBR[prov], r.choice([2021, 2022]), r.randint(1, 399))
            if no not in used_case_no:
                used_case_no.add(no)
                break
        g = {"gang_id": w.ids.raw(no), "idx": i, "province": prov, "city": r.choice(I.PROVINCES[prov][0]),
             "n_platforms": npf, "n_clients": counts[i], "is_fraud": i in fraud_ids,
             "start": start, "end": end, "platforms": [], "staff": {}, "nominees": [],
             "depth": 6 if i == big else (1 if i == tiny else r.choice([2, 3, 3, 4])),
             "tiny": i == tiny, "big": i == big}
        w.gangs.append(g)
    # gang table: only the seized and a few suspected gangs are "known"
    order = [g for g in w.gangs if not g["big"]]
    r.shuffle(order)
    n_seized, n_susp = max(1, round(G * 0.2)) - 1, max(1, round(G * 0.1))
    for k, g in enumerate(order):
        g["status"] = "seized" if k < n_seized else ("suspected" if k < n_seized + n_susp else "")
    w.gangs[big]["status"] = "seized"
    w.notes.append("tiny gang %s; big gang %s" % (w.gangs[tiny]["gang_id"], w.gangs[big]["gang_id"]))


def build_gang(w: World, g):
    r = w.r
    ids = w.ids
    # platforms
    for k in range(g["n_platforms"]):
        pid = ids.b62(5, 9) if r.random() < 0.7 else ids.b62(3, 4, prefix=r.choice(["tnt_", "site-", "x"]))
        name = r.choice(PNAME1) + r.choice(PNAME2)
        kind = "real"
        if g["is_fraud"] and (k == 0 or r.random() < 0.5):
            kind = "fake"
        created = g["start"] + timedelta(days=r.randint(0, 60) + 120 * k)
        p = {"platform_id": pid, "vendor_id": w.vendor["vendor_id"], "name": name,
             "domain": "%s%d.%s" % ("".join(r.choice("abcdefghkmnpqrstwxyz") for _ in range(r.randint(3, 7))),
                                     r.randint(1, 999), r.choice(["com", "net", "vip", "cc", "top"])),
             "created_on": I.fmt_d(created), "kind": kind if g["status"] == "seized" else "",
             "_kind": kind, "_gang": g, "_created": created, "_agents": [], "_clients": [],
             "_id_style": r.choice(["num", "b62", "cjk", "phone", "hex"]), "_ts_offset": r.random() < 0.3,
             "_usd": False}
        if g["status"] == "seized" and r.random() < 0.3:
            p["kind"] = ""  # even seized platforms are not always classified
        w.t["platforms"].append(p)
        w.platforms[pid] = p
        g["platforms"].append(p)
        sold = created - timedelta(days=r.randint(3, 40))
        lic = {"license_id": ids.raw("XK(%d)第%03d-%s号" % (sold.year, r.randint(1, 999), ids.b62(2))),
               "vendor_id": w.vendor["vendor_id"], "platform_id": pid, "sold_on": I.fmt_d(sold),
               "price": r.choice([180000, 280000, 380000, 500000, 880000, 1200000]) * 100
               + r.choice([0, 0, 0, 50000]), "currency": "CNY", "buyer_name": "", "buyer_phone": "",
               "paid_from_account": "", "_gang": g, "_sold": sold}
        w.t["licenses"].append(lic)
    # staff
    prov, city = g["province"], g["city"]
    st = g["staff"]
    st["leader"] = [w.new_person(prov, city, g)]
    n_mgr = 0 if g["tiny"] else r.randint(1, 4 if g["big"] else 3)
    st["manager"] = [w.new_person(prov, None, g) for _ in range(n_mgr)]
    st["finance"] = [w.new_person(prov, city, g) for _ in range(1 if g["tiny"] else r.randint(1, 2))]
    st["tech"] = [w.new_person(r.choice([prov, prov, "四川", "湖南"]), None, g)
                  for _ in range(0 if g["tiny"] else r.randint(0, 2))]
    st["salesman"] = [w.new_person(prov, None, g) for _ in range(0 if g["tiny"] else r.randint(0, 7))]
    # memberships: known gangs can be named as org; others only through their platforms
    known = g["status"] in ("seized", "suspected")
    for role, people in st.items():
        for j, p in enumerate(people):
            if role == "leader":
                orgs = [g["gang_id"]] if known else [g["platforms"][0]["platform_id"]]
                s, e = g["start"], None
            else:
                pl = r.choice(g["platforms"])
                orgs = [g["gang_id"] if (known and r.random() < 0.6) else pl["platform_id"]]
                s = g["start"] + timedelta(days=r.randint(0, 200))
                e = (s + timedelta(days=r.randint(90, 500))) if r.random() < 0.35 else None
                if e and e > g["end"]:
                    e = None
            if r.random() < 0.08 and role != "leader":
                g.setdefault("no_membership", set()).add(p)
                continue  # an interview never mentioned this one: known only from payroll transfers
            for o in orgs:
                w.member(p, o, role, s if r.random() < 0.9 else None, e)
    # nominees: card renters, often from other provinces
    n_nom = 2 if g["tiny"] else r.randint(4, 12) + (10 if g["big"] else 0)
    for _ in range(n_nom):
        np_ = r.choice([prov, prov, "河南", "广西", "云南", "黑龙江", "江西", "安徽"])
        g["nominees"].append(w.new_person(np_, None, g))
    g["office_ip"] = [I.ip_in(r, prov) for _ in range(r.randint(1, 3))]
    g["office_devices"] = [I.device_id(r, w.ids) for _ in range(r.randint(2, 6))]
    g["server_ip"] = "%d.%d.%d.%d" % (r.choice([103, 45, 154, 156, 38]), r.randint(0, 255),
                                       r.randint(0, 255), r.randint(2, 254))  # offshore/HK VPS
    for lic in w.t["licenses"]:
        if lic["_gang"] is g:
            buyer = st["leader"][0] if r.random() < 0.7 else r.choice(g["nominees"])
            row = w.prow[buyer]
            lic["buyer_name"] = row["name"] if r.random() < 0.9 else ""
            lic["buyer_phone"] = row["phone"]
            lic["_buyer"] = buyer
