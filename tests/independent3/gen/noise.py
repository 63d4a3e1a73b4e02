"""Volume noise that coincides by chance: ordinary people, payroll companies, shops, payment
companies, independent retail traders at the same brokers, and decoy pairs."""
from .market import BIG, SMALL, trading_day
from .money import txn
from .util import END_DAY, START_DAY
from .world import BROKERS

SHOPS = ["永辉超市", "苏宁易购", "国美电器", "周大福珠宝", "老凤祥银楼", "宝马4S店", "奔驰4S店", "链家地产",
         "万科物业", "海底捞餐饮", "中石化加油站", "华为授权体验店", "如家酒店", "携程旅行", "大润发超市",
         "保时捷中心", "绿地置业", "星巴克咖啡", "肯德基餐厅", "红星美凯龙"]
PAYROLL = ["上海外服人力资源", "中智劳务派遣", "前程无忧人事代理", "深圳市南方人力资源", "杭州众包人力"]


def build_noise(w, m):
    r = w.r
    w.shops = []
    for name in SHOPS:
        prov = r.province()
        cid = w.person(prov, company=True, name=prov + name + "有限公司")
        w.shops.append((cid, w.bank_card(cid, 0, bank=("招商银行", "621483")), name))
    w.payroll = []
    for name in PAYROLL:
        prov = r.province()
        cid = w.person(prov, company=True, name=name + "有限公司")
        w.payroll.append((cid, w.bank_card(cid, 0)))
    n_ord = max(600, w.n_clients * 3 // 10)
    w.ordinary = []
    for _ in range(n_ord):
        pid = w.person()
        w.card_of[pid] = w.bank_card(pid, r.randint(0, 800))
        w.ordinary.append(pid)
    client_persons = []
    seen = set()
    for car in w.careers:
        if car["person"] not in seen and car["person"] in w.card_of:
            seen.add(car["person"])
            client_persons.append(car["person"])
    w.client_persons = client_persons
    staff = [pid for g in w.gangs for pid, role in g["staff"] if role in ("nominee", "agent") and pid in w.card_of]
    # payroll on the 15th: ordinary people, clients, and gang nominees/agents with day jobs
    pool = [p for p in w.ordinary if r.chance(0.5)] + [p for p in client_persons if r.chance(0.2)] + \
        [p for p in staff if r.chance(0.3)]
    for pid in pool:
        comp, card = r.pick(w.payroll)
        s = r.randint(START_DAY // 30, END_DAY // 30 - 6)
        pay = r.randint(40, 180) * 10000 + r.randint(0, 99) * 100
        for mo in range(s, min(END_DAY // 30, s + r.randint(6, 18))):
            txn(w, card, w.card_of[pid], (mo * 30 + 14) * 86400 + 36000 + r.randint(0, 600), pay, "代发", "工资")
    # spending at shops, directly or through the same payment companies the gangs use
    spenders = [p for p in w.ordinary + client_persons if r.chance(0.45)]
    for pid in spenders:
        for _ in range(r.randint(1, 6)):
            shop = r.pick(w.shops)
            amt = int(r.logn(10.5, 1.2, 1000, 5000000))
            sec = r.randint(START_DAY, END_DAY) * 86400 + r.randint(36000, 79000)
            if r.chance(0.5):
                pc = r.pick(w.paycos)
                pa = r.pick(pc["accts"])
                txn(w, w.card_of[pid], pa, sec, amt, "快捷支付", "消费")
                txn(w, pa, shop[1], sec + 86400 + 3600, amt * 994 // 1000, "代付", "结算")
            else:
                txn(w, w.card_of[pid], shop[1], sec, amt, "POS", "消费")
    for g in w.gangs:                        # leaders buy cars, gold, flats
        for _ in range(r.randint(1, 4) if g["size"] == "tiny" else r.randint(4, 14)):
            shop = r.pick(w.shops[3:8] + w.shops[15:17])
            src = g.get("corp") if g.get("corp") and r.chance(0.4) else w.card_of[g["leader"]]
            txn(w, src, shop[1], r.randint(g["start"] + 90, END_DAY) * 86400 + 50000,
                r.randint(5, 300) * 1000000, "网银", r.pick(["购车款", "首付款", "货款", "消费"]))
    everyone = w.ordinary + client_persons
    for pid in w.ordinary:                   # friends and family
        for _ in range(r.randint(0, 3)):
            to = r.pick(everyone)
            if to != pid:
                txn(w, w.card_of[pid], w.card_of[to], r.randint(START_DAY, END_DAY) * 86400 + r.randint(28800, 82800),
                    r.randint(2, 500) * 10000, "手机银行", r.pick(["转账", "借款", "还款", "红包", "房租"]))
    _traders(w, m)


def _traders(w, m):
    r = w.r
    n = max(80, w.n_clients // 20)
    w.traders = []
    for i in range(n):
        pid = w.person()
        card = w.bank_card(pid, r.randint(0, 500))
        w.card_of[pid] = card
        acct = w.broker_account(pid, r.randint(START_DAY, END_DAY - 200), broker=r.pick(BROKERS))
        w.traders.append(dict(person=pid, acct=acct, card=card, days=[]))
        o = w.accounts[acct]["opened"]
        for k in range(r.randint(1, 3)):
            txn(w, card, acct, (o + k * r.randint(20, 120)) * 86400 + 40000, r.randint(5, 80) * 1000000,
                "跨境汇款", "境外投资")
        insts = [r.pick(BIG if r.chance(0.5) else SMALL) for _ in range(r.randint(1, 3))]
        for _ in range(r.randint(10, 60)):
            d = r.randint(o + 1, END_DAY)
            if not trading_day(d):
                continue
            w.traders[-1]["days"].append(d)
            for _ in range(r.randint(1, 6)):
                inst = r.pick(insts)
                sec = m.trade_time(r, inst, busy_p=0.7)
                units = m.price(inst, d, sec)
                w.fills.append(["EX%012d" % w.ids.next("fill"), d * 86400 + sec, r.randint(0, 999), acct, inst,
                                r.pick("BS"), r.randint(1, 5), m.ptext(inst, units), "IR%010d" % w.ids.next("order"), ""])
    _decoys(w, m)


def _decoys(w, m):
    """Honest pairs that look alike once or twice by chance."""
    r = w.r
    tr = w.traders
    dec = []
    for k in range(4):                       # couples: one home IP, one transfer between them
        a, b = tr[2 * k], tr[2 * k + 1]
        w.persons[b["person"]]["ip"] = w.persons[a["person"]]["ip"]
        txn(w, a["card"], b["card"], (w.accounts[b["acct"]]["opened"] - 3) * 86400 + 70000, 2000000, "手机银行", "家用")
        dec.append(dict(kind="household_ip+one_transfer", accounts=[a["acct"], b["acct"]]))
    for k in range(4, 9):                    # two strangers whose fills coincide within 40 ms, twice
        a, b = tr[2 * k], tr[2 * k + 1]
        for _ in range(2):
            d = max(w.accounts[a["acct"]]["opened"], w.accounts[b["acct"]]["opened"]) + r.randint(2, 100)
            while not trading_day(d):
                d += 1
            if d > END_DAY:
                break
            inst, sec = "MHI", 33300 + r.randint(0, 30)
            ms = r.randint(0, 900)
            units = m.price(inst, d, sec)
            side = r.pick("BS")
            for x, dm in ((a, 0), (b, r.randint(1, 40))):
                w.fills.append(["EX%012d" % w.ids.next("fill"), d * 86400 + sec, min(999, ms + dm), x["acct"], inst,
                                side, 1, m.ptext(inst, units), "IR%010d" % w.ids.next("order"), ""])
        dec.append(dict(kind="coincident_fills_x2", accounts=[a["acct"], b["acct"]]))
    w.decoy_pairs = dec
    w.notes["decoys"] = dec
