"""Everyday money of people whose statements are in hand: wages, rent, bills, shopping, family, friends.
At realistic volume this chains unrelated people through employers, landlords and big merchants."""
from .util import day_epoch, N_DAYS, MONTH_START


def build(w, money):
    rng = w.rng.child("noise")
    landlords = []
    for _ in range(max(60, w.n_clients // 80)):
        q = w.new_person(rng)
        landlords.append(w.new_card(rng, q.pid, 0).aid)
    friends = []
    for _ in range(max(200, w.n_clients // 8)):
        q = w.new_person(rng)
        friends.append(w.new_card(rng, q.pid, 0).aid)
    w.friend_cards = friends
    ob = w.obtained
    people = []
    seen = set()
    for c in w.clients:
        if c.card in ob and c.card not in seen:
            seen.add(c.card)
            people.append((c.holder, c.card, c.reg))
    for g in w.gangs:
        for pid, _ in g.staff:
            for card in w.persons[pid].cards[:1]:
                if card in ob and card not in seen:
                    seen.add(card)
                    people.append((pid, card, g.start))
    n = 0
    for pid, card, anchor in people:
        q = w.persons[pid]
        emp = w.employers[rng.randrange(len(w.employers))] if rng.random() < 0.7 else None
        rent = landlords[rng.randrange(len(landlords))] if rng.random() < 0.5 else None
        wage = rng.randrange(40, 250) * 10000
        hh = [x for x in w.hh_index.get(getattr(q, "household", None), ()) if x != pid and w.persons[x].cards]
        pals = rng.sample(friends, 3)
        m0 = max(0, _month(anchor) - rng.randrange(3, 12))
        for m in range(m0, min(len(MONTH_START) - 1, m0 + rng.randrange(8, 24))):
            d = MONTH_START[m]
            if d >= N_DAYS - 1:
                break
            if emp:
                n += bool(money.transfer(emp, card, day_epoch(d + 14) + rng.randrange(32000, 40000), wage, "代发工资",
                                         "批量代发"))
            if rent:
                n += bool(money.transfer(card, rent, day_epoch(d + rng.randrange(0, 5)) + rng.randrange(30000, 80000),
                                         rng.choice((150000, 200000, 250000, 300000, 350000)), "房租"))
            if rng.random() < 0.6:
                n += bool(money.transfer(card, w.hubs["grid"], day_epoch(d + rng.randrange(5, 25)) + rng.randrange(
                    30000, 80000), rng.randrange(5000, 60000), "电费", "快捷支付"))
            for _ in range(rng.randint(0, 3)):
                n += bool(money.transfer(card, w.hubs[rng.choice(("jd", "jd", "mobile", "logi", "school"))],
                                         day_epoch(d + rng.randrange(0, 28)) + rng.randrange(30000, 84000),
                                         rng.randrange(1000, 300000), "消费", "快捷支付"))
            if rng.random() < 0.35:
                other = w.persons[hh[0]].cards[0] if hh and rng.random() < 0.5 else rng.choice(pals)
                amt = rng.choice((20000, 50000, 100000, 200000, 500000, rng.randrange(100, 99999)))
                a, b = (card, other) if rng.random() < 0.6 else (other, card)
                n += bool(money.transfer(a, b, day_epoch(d + rng.randrange(0, 28)) + rng.randrange(25000, 86000), amt,
                                         rng.choice(("", "红包", "生活费", "借款", "还款"))))
    w.notes["noise_transfers"] = n


def _month(day):
    import bisect
    return max(0, bisect.bisect_right(MONTH_START, day) - 1)
