"""Bank cards of gangs, card dealers, broker accounts, servers and third parties."""
from types import SimpleNamespace as NS

from . import ids as I

BROKERS = [("U", "Interactive Brokers LLC"), ("PH", "辉立证券(香港)有限公司"), ("SX", "Saxo Capital Markets HK")]
CLOUD_NET = "47.243.61."            # a cloud-hosting /24 where several gangs' servers sit


def build_infra(w):
    r = w.r
    # ---- third parties ----------------------------------------------------------
    payco = w.ids.company_person("44")
    w.persons[payco] = [payco, "深圳市汇银通支付科技有限公司", payco, "", "广东", "深圳"]
    w.payco = NS(person=payco, accounts=[w.new_account("payment", payco, inst="汇银通支付") for _ in range(3)])
    op = w.new_person("广东")
    hub = NS(person=op, accounts=[w.new_account("bank", op, inst="农村商业银行") for _ in range(3)])
    w.ubank = hub                                          # 地下钱庄: serves many gangs and businesses
    w.businesses = []
    for k in range(r.randint(8, 12)):
        pv = r.choice(I.PROVINCES)
        co = w.ids.company_person(pv[1])
        w.persons[co] = [co, r.choice(["义乌", "东莞", "晋江", "汕头", "温州", "临沂"]) + r.choice(
            ["小商品", "五金", "服装", "电子", "鞋业", "进出口"]) + "贸易有限公司", co, "", pv[0], pv[2][0]]
        w.businesses.append(NS(person=co, account=w.new_account("bank", co, inst="中国银行", aid=w.ids.corp_account())))
    w.shops = []
    for name in ["川味酒楼", "名车汽车销售", "金店珠宝", "高尔夫会所", "洗浴中心", "茶叶行", "烟酒商行", "KTV"]:
        pid = w.new_person(r.choice(I.PROVINCES)[0])
        w.persons[pid][1] = name + "(" + w.persons[pid][1] + ")"
        w.shops.append(NS(person=pid, account=w.card_of(pid)))
    w.landlords = [NS(person=pid, account=w.card_of(pid)) for pid in (w.new_person() for _ in range(4))]
    # ---- gangs' cards -------------------------------------------------------------
    for g in w.gangs:
        g.cards["own"] = [w.card_of(p) for p in dict.fromkeys(g.staff["finance"])]
        g.cards["clean"] = w.new_account("bank", g.leader, inst="招商银行")
        pool = []
        for nom in g.nominees:
            pool.append(w.card_of(nom))
            if r.random() < 0.5:
                pool.append(w.new_account("bank", nom, inst=r.choice(["农村信用社", "邮储银行", "中国农业银行"])))
        g.cards["payout"] = [pool.pop()] if len(pool) > 1 else [w.new_account("bank", g.nominees[0], inst="邮储银行")]
        g.collect_pool = pool
        for pid in dict.fromkeys(sum(g.staff.values(), []) + g.nominees):
            w.member(w.card_of(pid), "bank_account", g.id)
        for aid in g.cards["own"] + g.cards["payout"] + pool + [g.cards["clean"]]:
            w.member(aid, "bank_account", g.id)
    for a in w.agents.values():
        if a.person:
            a.card = w.card_of(a.person)
            w.member(a.card, "bank_account", w.truth[a.person][1])   # movers: the later gang
        else:
            a.card = None
    # ---- card dealers (卡商): each holds cards rented to 2-4 gangs -----------------
    dealers = []
    served = [g for g in w.gangs if g.kind != "tiny"] or list(w.gangs)
    for _ in range(3 if len(served) >= 6 else 1):
        d = w.new_person(r.choice(["河南", "广西", "海南"]))
        own = w.card_of(d)                                   # dealer's own card: receives the rent
        gangs = r.sample(served, min(len(served), r.randint(2, 4)))
        rented = []
        for g in gangs:
            for _ in range(r.randint(1, 3)):
                c = w.new_account("bank", d, inst=r.choice(["农村信用社", "中国邮政储蓄银行", "广西北部湾银行"]))
                g.collect_pool.append(c)
                w.member(c, "bank_account", g.id)             # the card goes to the gang that uses it
                rented.append((c, g.id))
                g.dealer_rent = getattr(g, "dealer_rent", []) + [(c, own)]
        dealers.append(dict(person=d, own_card=own, cards=rented))
    w.notes["card_dealers"] = dealers
    # collection-card rotation windows
    for g in w.gangs:
        pool = list(g.collect_pool)
        r.shuffle(pool)
        rot, d, k = [], g.start, 0
        while d <= I.END_DAY:
            e = d + r.randrange(45, 130)
            rot.append((pool[k % len(pool)], d, e))
            d, k = e, k + 1
        g.rotation = rot
    # ---- servers and broker accounts ------------------------------------------------
    hosts = list(range(10, 250))
    r.shuffle(hosts)
    shared_ip = CLOUD_NET + str(hosts.pop())
    real = [p for p in w.platforms if p.kind == "real"]
    sharers = r.sample(real, 2) if len(real) > 3 else []
    for p in w.platforms:
        if p in sharers:
            p.server_ip = shared_ip                         # one VPS reseller host, two gangs
        elif r.random() < 0.6:
            p.server_ip = CLOUD_NET + str(hosts.pop())
        else:
            p.server_ip = "8.210.%d.%d" % (r.randrange(256), r.randrange(1, 255))
    w.notes["cloud"] = dict(net=CLOUD_NET + "0/24", shared_ip=shared_ip,
                            shared_by=[(p.id, p.gang.id) for p in sharers],
                            gangs_in_range=sorted({p.gang.id for p in w.platforms if p.server_ip.startswith(CLOUD_NET)}))
    for p in real:
        g = p.gang
        pre, inst = r.choice(BROKERS)
        for m in range(1 if g.kind == "tiny" else r.randint(1, 2)):
            holder = r.choice(g.nominees + [g.leader])
            mid = w.ids.broker(pre)
            w.new_account("mother", holder, p.id, "", "", inst, p.created - 5, aid=mid)
            w.member(mid, "trading_account", g.id)
            p.mothers.append(mid)
            for s in range(max(1, min(8, p.clients_target // 25))):
                sid = "%s-%02d" % (mid, s + 1)
                w.new_account("sub", "", p.id, "", mid, inst, p.created - 4, aid=sid)
                w.member(sid, "trading_account", g.id)
                p.subs.append(sid)
        for c in p.clients:
            c.sub = r.choice(p.subs)
