"""Gang infrastructure: cards (collection, payout, finance, personal), shell companies,
platform servers on shared cloud ranges, broker mother/sub accounts, client accounts."""
from .world import BROKERS

CLOUD = ["47.75.%d.%d", "43.128.%d.%d", "8.210.%d.%d"]     # three HK cloud ranges shared by many gangs
PAYCOS = ["深圳市捷付通支付科技有限公司", "广州汇聚宝网络支付有限公司", "上海银联易付信息服务有限公司"]


def build_infra(w):
    r = w.r
    w.card_of = {}
    # payment companies: real, licensed, used by shops and ordinary people as well
    w.paycos = []
    for name in PAYCOS:
        cid = w.person("广东" if "深圳" in name or "广州" in name else "上海", company=True, name=name)
        accts = [w.account("ZF%s%08d" % (name[:2] == "深圳" and "SZ" or name[:2] == "广州" and "GZ" or "SH",
                                        r.randint(0, 99999999)), "payment", holder=cid, inst=name, opened=0)
                 for _ in range(r.randint(3, 5))]
        w.paycos.append(dict(id=cid, name=name, accts=accts))
    cloud_sub = [(CLOUD[i], r.randint(0, 255)) for i in range(3)]
    for g in w.gangs:
        st = g["start"]
        for pid, role in g["staff"]:
            if pid not in w.card_of:
                w.card_of[pid] = w.bank_card(pid, st - r.randint(100, 3000))
        nominees = [pid for pid, role in g["staff"] if role == "nominee"]
        fin = [pid for pid, role in g["staff"] if role == "finance"]
        g["fin_card"] = w.card_of[fin[0]] if fin else w.card_of[g["leader"]]
        if g["size"] == "tiny":
            g["collect"] = [(0, w.card_of[g["leader"]])]
            g["payout"] = w.card_of[g["leader"]]
        else:
            holders = nominees or [g["leader"]]
            n = r.randint(4, 8) if g["size"] == "large" else r.randint(2, 3)
            g["collect"] = []
            span = max(p["close"] for p in map(w.platforms.get, g["platforms"])) - st
            for i in range(n):
                g["collect"].append((st + span * i // n, w.bank_card(holders[i % len(holders)], st - 10)))
            g["payout"] = w.bank_card(holders[-1], st - 5)
        if g["size"] == "large":
            comp = w.person(g["prov"], gang=g["id"], company=True, role="company",
                            name="%s%s商贸有限公司" % (w.persons[g["leader"]]["city"], r.pick(["鑫", "瑞", "恒", "泰", "豪"])
                                                + r.pick(["达", "丰", "盛", "源", "通"])))
            g["staff"].append((comp, "company"))
            g["company"] = comp
            g["corp"] = w.bank_card(comp, st - 200, bank=("招商银行", "621483"))
        for pid in g["platforms"]:
            _platform_setup(w, g, w.platforms[pid], cloud_sub)


def _platform_setup(w, g, p, cloud_sub):
    r = w.r
    p["fee_lot"] = r.pick([3000, 4000, 5000, 6000, 8000]) if g["size"] != "tiny" else r.pick([5000, 10000])
    p["overnight"] = r.pick([500, 1000, 1500])
    p["rebate_mode"] = r.pick(["realtime", "monthly"]) if g["size"] == "large" else "monthly"
    p["netting"] = g["size"] == "large" and r.chance(0.35) and p["kind"] == "real"
    p["hosted"] = g["size"] == "tiny" and r.chance(0.6)
    if p["hosted"]:
        p["server_ip"] = w.vendor["ip"]                # the vendor's own SaaS server
    else:
        rng, b = cloud_sub[r.randrange(3)] if r.chance(0.75) else (r.pick([
            "103.%d.%d.%d" % (r.randint(1, 254), r.randint(0, 255), 0)]), None)
        p["server_ip"] = rng % (b, r.randint(2, 254)) if b is not None else rng[:-1] + str(r.randint(2, 254))
    p["payco"] = r.pick(w.paycos) if (g["size"] == "large" and r.chance(0.5)) or \
        (g["size"] == "medium" and r.chance(0.25)) else None
    p["mothers"], p["subs"] = [], []
    if p["kind"] == "real":
        nominees = [pid for pid, role in g["staff"] if role == "nominee"] or [g["leader"]]
        broker = r.pick(BROKERS)
        for i in range(1 if g["size"] == "tiny" else r.randint(1, 2)):
            m = w.broker_account(r.pick(nominees), p["created"] - 15, broker=broker)
            p["mothers"].append(m)
            if not p["netting"]:
                for k in range(r.randint(2, 6) if g["size"] != "tiny" else 1):
                    sid = "%s.%02d" % (m, k + 1)
                    w.account(sid, "sub", holder=w.accounts[m]["holder"], parent=m,
                              inst=broker[0], opened=p["created"] - 10)
                    p["subs"].append(sid)


def client_accounts(w):
    """Each client record gets a trading account; each client person one bank card (shared by
    all the person's client records, in every gang)."""
    r = w.r
    for cid, c in w.clients.items():
        p = w.platforms[c["platform"]]
        w.account(c["acct"], "trading", holder=c["person"], platform=p["id"], client=cid, opened=c["reg"])
        if c["person"] not in w.card_of:
            w.card_of[c["person"]] = w.bank_card(c["person"], c["reg"] - r.randint(30, 3000))
        c["sub"] = r.pick(p["subs"]) if p["subs"] else (p["mothers"][0] if p["mothers"] else "")
