"""Independent retail traders at the same brokers: busy-instant coincidences and households that share a
home line and a home PC without being one controller."""
from .infra import BROKERS, broker_account
from .market import BUSY
from .util import day_epoch, N_DAYS
from .trades import price_text


def build(w, mk, td, logins):
    rng = w.rng.child("indep")
    n = max(120, w.n_clients // 60)
    people = []
    for i in range(n):
        if people and i % 9 == 0:                     # a spouse of the previous trader
            prev = w.persons[people[-1][0]]
            q = w.new_person(rng, prev.province, prev.city)
            q.home_ip = prev.home_ip
            pc = people[-1][2] or "DESKTOP-%07X" % rng.getrandbits(28)
            people[-1] = (people[-1][0], people[-1][1], pc)
        else:
            q, pc = w.new_person(rng), None
        w.new_card(rng, q.pid, 0)
        acct = broker_account(w, rng, BROKERS[rng.randrange(3)], q.pid, rng.randrange(0, 500))
        people.append((q.pid, acct, pc))
    w.independents = [(pid, a.aid) for pid, a, _ in people]
    tds = mk.trading_days
    for pid, acct, pc in people:
        q = w.persons[pid]
        b = acct.broker
        start = max(acct.opened + 3, 0)
        pool = [d for d in tds if start <= d < N_DAYS - 1]
        if not pool:
            continue
        days = sorted(rng.sample(pool, min(len(pool), rng.randrange(10, 60))))
        sym = rng.choice(("MHI", "HSI", "CN", "CL", "GC", "NQ"))
        _, cur, mult, tick, _, vol, sess = mk.spec[sym]
        for d in days:
            if rng.random() < 0.5:
                dev = pc if pc and rng.random() < 0.6 else logins.profile(pid)[0]
                logins.row(day_epoch(d) + sess[0][0] - rng.randrange(60, 3000), acct.aid, "", q.home_ip, dev,
                           q.province, b.style, "api")
            for _ in range(rng.randint(1, 6)):
                s0, s1 = sess[rng.randrange(len(sess))]
                busy = [x for x in BUSY if s0 <= x < s1]
                t = busy[0] if busy and rng.random() < 0.25 else s0 if rng.random() < 0.1 else \
                    s0 + rng.randrange(0, s1 - s0 - 1)
                ms = (day_epoch(d) + t) * 1000 + rng.randrange(1000)
                px = round(mk.price[sym][d] * (1 + rng.gauss(0, vol / 5)) / tick) * tick
                td.fill(b, ms, acct.aid, sym, "B" if rng.random() < 0.5 else "S", rng.randint(1, 3),
                        price_text(px, tick), td.ref(b.code))
