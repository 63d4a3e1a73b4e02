"""Trading accounts, overseas brokers (mother/sub accounts), runner cards (跑分), statements in hand."""
from .model import Rec
from .util import N_DAYS

# name, timestamp style of its statements, fraction digits, account-id maker
BROKERS = (
    Rec(code="GH", name="Grand Harbour Securities Ltd", style="utc", frac=3),
    Rec(code="PF", name="Pacific Frontier Futures LLC", style="ny", frac=6),
    Rec(code="LC", name="獅城資本期貨(香港)有限公司", style="cst", frac=3),
)
BANK_CODE = {"工商银行": "ICBC", "建设银行": "CCBK", "农业银行": "ABOC", "招商银行": "CMBC", "中国银行": "BOCN",
             "兴业银行": "CIBK", "招商银行上海分行": "CMBC", "浦发银行张江支行": "SPDB", "HSBC Hong Kong": "HSBC"}


def broker_account(w, rng, broker, holder, opened, gang_hint=""):
    while True:
        n = rng.randrange(10 ** 5, 10 ** 7)
        aid = {"GH": "GH88%06d" % (n % 10 ** 6), "PF": "PF-%07d" % n, "LC": "LC/HK/%05d" % (n % 10 ** 5)}[broker.code]
        if aid not in w.accounts:
            break
    a = w.add_account(aid, "mother", holder, institution=broker.name, opened=opened, gang_hint=gang_hint)
    a.broker = broker
    return a


def build(w):
    rng = w.rng.child("infra")
    gang = {g.gid: g for g in w.gangs}
    for p in w.platforms:
        g = gang[p.operators[0][0]]
        for c in p.clients:
            w.add_account(c.account, "trading", c.holder, platform=p.pid, client=c.cid, opened=c.reg)
        p.subs = []
        if g.role == "fakeF":
            continue
        p.broker = BROKERS[rng.randrange(3)]
        for k in range(1 if p.n_clients < 600 else 2):
            m = broker_account(w, rng, p.broker, rng.choice(g.nominees), p.created - rng.randrange(5, 40), g.gid)
            p.mothers.append(m)
            if p.n_clients >= 120:
                for j in range(rng.randint(2, 5)):
                    s = w.add_account("%s/S%02d" % (m.aid, j + 1), "sub", None, parent=m.aid,
                                      institution=p.broker.name, opened=m.opened + rng.randrange(1, 30))
                    s.broker = p.broker
                    p.subs.append(s)
        # statement of the platform's broker accounts: full, or only a window
        p.fill_window = (0, N_DAYS)
        if rng.random() < 0.2:
            a = rng.randrange(p.created, max(p.created + 1, p.closed - 200))
            p.fill_window = (a, a + rng.randrange(120, 300))
    tk = [p for p in w.platforms if p.mothers and len(p.clients) > 60]
    if tk:
        rng.choice(tk).trades_kept = False
    _runners(w, rng)
    _obtained(w, rng)


def _runners(w, rng):
    """跑分: people who lend their cards to a laundering service that takes deposits for many gangs."""
    n = max(12, w.n_clients // 500)
    w.runner_boss = w.new_person(rng, "广西")
    w.new_card(rng, w.runner_boss.pid, 0)
    w.runners = []
    for _ in range(n):
        p = w.new_person(rng)
        start = rng.randrange(0, N_DAYS - 300)
        card = w.new_card(rng, p.pid, start)
        w.runners.append((card.aid, start, start + rng.randrange(120, 400)))


def _obtained(w, rng):
    ob = set()
    for v in w.vendors:
        ob.update(v.accounts)
    for g in w.gangs:
        full = g.status in ("seized", "suspected") or g.role == "ghost"
        cards = [g.finance_card, g.payout_card, g.leader_card] + [c for c, _, _ in g.collection]
        for pid, _ in g.staff:
            cards += w.persons[pid].cards
        for c in cards:
            if full or rng.random() < 0.45:
                ob.add(c)
    for aid, _, _ in w.runners:
        if rng.random() < 0.6:
            ob.add(aid)
    for c in w.clients:
        if rng.random() < 0.12:
            ob.add(c.card)
    w.obtained = ob
