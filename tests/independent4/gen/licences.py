"""Licences: one per platform-year (first sale, then yearly renewals), sold by the Shanghai company in CNY
or by its Hong Kong affiliate in USD; the vendor's own platform runs on a 0.00 internal licence."""
from .model import Rec
from .util import date_str, weekday, phone


def build(w, rng):
    seq = {"QHKJ": rng.randrange(10, 40), "QHKJ-HK": rng.randrange(1, 9)}
    for p in w.platforms:
        day, first = p.created, True
        while day <= p.closed:
            op = [o for o in p.operators if o[1] <= day <= o[2]] or [p.operators[-1]]
            g = [x for x in w.gangs if x.gid == op[0][0]][0]
            hk = g.role not in ("vendor",) and (hash_like(g.gid) % 4 == 0)
            vid = "QHKJ-HK" if hk else "QHKJ"
            seq[vid] += 1
            sold = max(0, day - rng.randrange(3, 15))
            if g.role == "vendor":
                price, cur = 0, "CNY"
            elif hk:
                price, cur = (rng.randrange(30, 110) if first else rng.randrange(8, 20)) * 1000 * 100, "USD"
            else:
                price, cur = (rng.randrange(20, 90) * 10000 if first else rng.randrange(5, 16) * 10000) * 100, "CNY"
            lid = ("QH-%s-%04d" % (date_str(sold)[:4], seq[vid])) if vid == "QHKJ" else \
                "HK/INV/%s/%03d" % (date_str(sold)[2:4], seq[vid])
            front = rng.random() < 0.25
            lic = Rec(lid=lid, vid=vid, pid=p.pid, sold=sold, price=price, currency=cur, gang=g.gid,
                      buyer_name=w.persons[g.leader].name if not front else w.new_person(rng).name,
                      buyer_phone=w.persons[g.leader].phone if not front else phone(rng),
                      paid_from=g.leader_card if (g.role != "vendor" and rng.random() < 0.75) else "",
                      weekend=weekday(sold) >= 5)
            w.licenses.append(lic)
            day += 365
            first = False
        if w.vendors and p.vendor != w.licenses[-1].vid and w.licenses[-1].pid == p.pid:
            p.vendor = [l.vid for l in w.licenses if l.pid == p.pid][0]


def hash_like(s):
    h = 0
    for c in s:
        h = (h * 131 + ord(c)) % 1000003
    return h
