"""Accounts: bank cards, payment accounts, platform trading accounts, broker mother/sub accounts,
and the third parties shared across gangs (payment company, OTC dealers, cash, noise people)."""
from datetime import timedelta

from . import ids as I

BROKERS = ["Interactive Brokers (HK)", "Phillip Futures Pte", "Marex Hong Kong", "辉立期货(香港)",
           "Saxo Capital Markets HK"]


def bank_account(w, holder, opened=None, institution=None, role=""):
    r = w.r
    bank = I.BANKS[r.randrange(len(I.BANKS))] if institution is None else \
        next(b for b in I.BANKS if b[0] == institution)
    aid = w.ids.card(bank[1], bank[2])
    opened = opened or I.rand_dt(r, I.T0 - timedelta(days=2500), I.T0)
    row = {"account_id": aid, "kind": "bank", "holder_person_id": holder or "", "platform_id": "",
           "client_id": "", "parent_account_id": "", "institution": bank[0] if r.random() < 0.97 else "",
           "opened_on": I.fmt_d(opened) if r.random() < 0.9 else "", "_role": role}
    add_account(w, row)
    if holder:
        w.pmeta[holder]["banks"].append(aid)
    return aid


def add_account(w, row):
    w.t["accounts"].append(row)
    w.accounts[row["account_id"]] = row
    h = row["holder_person_id"]
    if h and h in w.person_gang:
        w.account_gang[row["account_id"]] = w.person_gang[h]


def build_vendor_accounts(w):
    v = w.vendor
    corp = bank_account(w, "", opened=I.T0 - timedelta(days=1500), institution="招商银行", role="vendor")
    boss = bank_account(w, v["_boss"], role="vendor")
    v["bank_account_ids"] = "%s;%s" % (corp, boss)
    v["_accounts"] = [corp, boss]
    v["_corp"] = corp
    for p in v["_staff"][1:]:
        bank_account(w, p, role="vendorstaff")


def build_gang_accounts(w, g):
    r = w.r
    st = g["staff"]
    noms = g["nominees"]
    start = g["start"]

    order = list(noms)
    r.shuffle(order)
    turn = [0]

    def nominee_cards(n, role):
        out = []
        for _ in range(n):  # each nominee lends at least one card before anyone lends a second
            holder = order[turn[0] % len(order)] if r.random() < 0.85 else r.choice(noms)
            turn[0] += 1
            out.append(bank_account(w, holder, I.rand_dt(r, start - timedelta(days=60), start), role=role))
        return out
    tiny = g["tiny"]
    g["collect"] = nominee_cards(1 if tiny else r.randint(3, 10) + (8 if g["big"] else 0), "collect")
    g["middle"] = nominee_cards(0 if tiny else r.randint(1, 4), "middle")
    g["payout"] = nominee_cards(1 if tiny else r.randint(1, 2), "payout")
    # cards bought but kept in reserve (only ever logged into from the office)
    g["reserve"] = [bank_account(w, p, I.rand_dt(r, start - timedelta(days=60), start), role="reserve")
                    for p in noms if not w.pmeta[p]["banks"]]
    g["own"] = [bank_account(w, st["leader"][0], role="own")]
    if r.random() < 0.5:
        g["own"].append(bank_account(w, st["leader"][0], role="own"))
    for f in st["finance"]:
        g["own"].append(bank_account(w, f, role="own"))
    for role in ("manager", "tech", "salesman"):
        for p in st[role]:
            if r.random() < 0.8 or p in g.get("no_membership", ()):
                bank_account(w, p, role="staff")
    # platform trading side: mother accounts at an overseas broker and their sub accounts
    for p in g["platforms"]:
        p["_mothers"], p["_subs"] = [], []
        if p["_kind"] != "real":
            continue
        broker = r.choice(BROKERS)
        for _ in range(1 if len(p["_clients"]) < 150 else r.randint(2, 3)):
            mid = w.ids.digits(7, "U") if r.random() < 0.6 else w.ids.digits(10, "8800")
            holder = r.choice(noms + st["leader"])
            add_account(w, {"account_id": mid, "kind": "mother", "holder_person_id": holder,
                            "platform_id": p["platform_id"], "client_id": "", "parent_account_id": "",
                            "institution": broker, "opened_on": I.fmt_d(p["_created"] - timedelta(days=20)),
                            "_role": "mother"})
            w.account_gang[mid] = g["gang_id"]
            p["_mothers"].append(mid)
        n_sub = max(2, len(p["_clients"]) // r.randint(15, 40))
        suffix_style = r.random() < 0.5
        for j in range(n_sub):
            m = p["_mothers"][j % len(p["_mothers"])]
            sid = w.ids.raw("%s-%02d" % (m, j + 1)) if suffix_style else w.ids.b62(9, 9)
            add_account(w, {"account_id": sid, "kind": "sub", "holder_person_id": "",
                            "platform_id": p["platform_id"], "client_id": "", "parent_account_id": m,
                            "institution": broker, "opened_on": I.fmt_d(p["_created"]), "_role": "sub"})
            w.account_gang[sid] = g["gang_id"]
            p["_subs"].append(sid)


def build_client_accounts(w):
    r = w.r
    for c in w.clients.values():
        p = c["_platform"]
        st = p["_id_style"]
        if st in ("num", "phone"):
            tid = w.ids.digits(8, "6") if r.random() < 0.5 else w.ids.b62(6, prefix=p["platform_id"][:2])
        else:
            tid = w.ids.b62(10, 12)
        add_account(w, {"account_id": tid, "kind": "trading", "holder_person_id": c["person_id"],
                        "platform_id": p["platform_id"], "client_id": c["client_id"], "parent_account_id": "",
                        "institution": p["name"] if r.random() < 0.5 else "", "opened_on": c["registered_on"],
                        "_role": "client"})
        c["_trading"] = tid
        if p["_subs"]:
            c["_sub"] = r.choice(p["_subs"])
        pid = c["person_id"]
        if pid:
            if not w.pmeta[pid]["banks"]:
                bank_account(w, pid, role="clientbank")
                if r.random() < 0.15:
                    bank_account(w, pid, role="clientbank")
            c["_bank"] = w.pmeta[pid]["banks"]
        else:
            c["_bank"] = [bank_account(w, "", role="clientbank")]  # card seen, holder unknown


def build_third_parties(w):
    r = w.r
    # payment company: accounts collecting for several gangs
    w.payco = []
    for _ in range(r.randint(3, 5)):
        aid = w.ids.digits(16, "2088") if r.random() < 0.6 else w.ids.raw("pay_" + w.ids.b62(10))
        add_account(w, {"account_id": aid, "kind": "payment", "holder_person_id": "", "platform_id": "",
                        "client_id": "", "parent_account_id": "", "institution": "汇付通支付有限公司",
                        "opened_on": I.fmt_d(I.T0 - timedelta(days=400)), "_role": "payco"})
        w.payco.append(aid)
    users = [g for g in w.gangs if not g["tiny"]]
    w.payco_gangs = set(x["gang_id"] for x in r.sample(users, min(len(users), max(3, len(users) // 4))))
    # OTC (USDT) dealers used by many gangs to cash out
    w.otc = []
    for _ in range(r.randint(4, 7)):
        p = w.new_person(r.choice(["广东", "福建", "浙江", "云南"]))
        w.otc.append(bank_account(w, p, role="otc"))
    # cash: one pseudo-account standing for counter/ATM cash
    add_account(w, {"account_id": w.ids.raw("现金"), "kind": "bank", "holder_person_id": "", "platform_id": "",
                    "client_id": "", "parent_account_id": "", "institution": "", "opened_on": "",
                    "_role": "cash"})
    w.cash = "现金"
    # unrelated people (some with two cards), and shops that many people pay
    n_noise = max(300, w.n_clients // 4)
    w.noise_people = [w.new_person() for _ in range(n_noise)]
    for p in w.noise_people:
        if r.random() < 0.93:
            bank_account(w, p, role="noise")
        if r.random() < 0.2:
            bank_account(w, p, role="noise")
    w.shops = []
    for _ in range(max(20, n_noise // 25)):
        owner = w.new_person()
        w.shops.append(bank_account(w, owner, role="shop"))
