"""Agent trees, staff who moved between gangs, and clients (some of two gangs)."""
from types import SimpleNamespace as NS

from . import ids as I


def _add_agent(w, p, person, parent, rate, comm, joined, left=None):
    g = p.gang
    aid = "%s-%03d" % (p.id, len(p.agents) + 1)
    a = NS(id=aid, platform=p, person=person, parent=parent, rate=rate, comm=comm, joined=joined, left=left,
           depth=0 if parent is None else parent.depth + 1)
    p.agents.append(a)
    w.agents[aid] = a
    w.member(aid, "agent", g.id)
    return a


def build_agents(w):
    r = w.r
    for g in w.gangs:
        share = [max(1, int(g.clients_target * (0.5 if k == 0 else 0.5 / max(1, len(g.platforms) - 1))))
                 for k in range(len(g.platforms))] if len(g.platforms) > 1 else [g.clients_target]
        for p, nc in zip(g.platforms, share):
            p.clients_target = nc
            if g.kind == "tiny":
                n_ag = r.randint(1, 3)
            else:
                n_ag = max(2, nc // r.randint(9, 16))
            deep = g.kind == "big"
            # salesmen are top-level agents with a commission
            for sp in g.staff.get("salesman", []):
                if len(p.agents) < n_ag:
                    _add_agent(w, p, sp, None, round(r.uniform(0.25, 0.4), 3), round(r.uniform(0.03, 0.08), 3),
                               p.created + r.randrange(0, 20))
            while len(p.agents) < n_ag:
                tops = [a for a in p.agents if a.parent is None]
                if not p.agents or (len(tops) < max(1, n_ag // 6) and r.random() < 0.5):
                    parent = None
                elif deep:
                    parent = r.choice(p.agents[-4:])                 # long chains
                else:
                    parent = r.choice(tops + p.agents[:8])           # bushy, shallow
                rate = round(r.uniform(0.3, 0.5), 3) if parent is None else round(parent.rate * r.uniform(0.5, 0.85), 3)
                person = None
                if r.random() < 0.85:
                    person = w.new_person(g.province if r.random() < 0.6 else None)
                    w.member(person, "person", g.id)
                joined = p.created + r.randrange(0, 200) if parent is None else max(parent.joined, p.created) + r.randrange(1, 150)
                joined = min(joined, I.END_DAY - 30)
                left = None
                if r.random() < 0.06:
                    left = r.randrange(joined + 30, I.END_DAY + 30) if joined + 30 < I.END_DAY else None
                    if left is not None and left >= I.END_DAY:
                        left = None
                _add_agent(w, p, person, parent, rate, 0.0, joined, left)


def build_movers(w):
    """Staff who worked for gang A, left, then joined gang B (later and longer window)."""
    r = w.r
    cands = [g for g in w.gangs if g.kind != "tiny"]
    movers = []
    n = 3 if len(cands) >= 6 else 1
    for k in range(n):
        ga, gb = r.sample(cands, 2)
        pa, pb = ga.platforms[0], gb.platforms[0]
        person = w.new_person(ga.province)
        w.member(person, "person", gb.id)                     # truth: the gang of the later, longer window
        start_a = max(pa.created + 10, I.START_DAY + 20)
        left_a = start_a + r.randrange(90, 200)
        start_b = max(left_a + r.randrange(10, 60), pb.created + 5)
        if start_b > I.END_DAY - 200:
            start_b = I.END_DAY - 200
            left_a = min(left_a, start_b - 15)
        role = "salesman" if k % 2 == 0 else "agent"
        aa = _add_agent(w, pa, person, None, round(r.uniform(0.25, 0.4), 3),
                        0.05 if role == "salesman" else 0.0, start_a, left_a)
        ab = _add_agent(w, pb, person, None, round(r.uniform(0.25, 0.4), 3),
                        0.06 if role == "salesman" else 0.0, start_b, None)
        for g, s, e in ((ga, start_a, left_a), (gb, start_b, None)):
            if "no_memberships" not in g.flags:
                org = g.id if g.known else g.platforms[0].id
                w.memberships.append([person, org, role, I.fmt_date(s), I.fmt_date(e) if e else ""])
        movers.append(dict(person=person, from_gang=ga.id, from_agent=aa.id, left_on=I.fmt_date(left_a),
                           to_gang=gb.id, to_agent=ab.id, joined_on=I.fmt_date(start_b), role=role))
    w.notes["movers"] = movers


def build_clients(w):
    r = w.r
    n = 0
    for p in w.platforms:
        g = p.gang
        for _ in range(p.clients_target):
            reg = r.randrange(p.created + 3, I.END_DAY - 20)
            live = [a for a in p.agents if a.joined <= reg and (a.left is None or a.left > reg)]
            agent = r.choice(live) if live and r.random() < 0.85 else None
            person = w.new_person(g.province if r.random() < 0.55 else None, common=True) if r.random() < 0.88 else None
            _add_client(w, p, agent, person, reg)
            n += 1
    # clients of two gangs: the same person (same bank card) trades on a second gang's platform
    plats = [p for p in w.platforms if p.gang.kind != "tiny"]
    with_person = [c for c in w.clients.values() if c.person]
    dual = []
    for c in r.sample(with_person, max(3, len(with_person) // 40)):
        others = [p for p in plats if p.gang is not c.platform.gang]
        if not others:
            continue
        p2 = r.choice(others)
        reg = r.randrange(max(p2.created + 3, I.START_DAY), I.END_DAY - 20)
        live = [a for a in p2.agents if a.joined <= reg and (a.left is None or a.left > reg)]
        c2 = _add_client(w, p2, r.choice(live) if live else None, c.person, reg)
        c2.dev, c2.ip, c2.nat = c.dev, c.ip, c.nat                # same phone, same home
        dual.append((c.person, c.id, c2.id, c.platform.gang.id, p2.gang.id))
    w.notes["dual_clients"] = dual


def _add_client(w, p, agent, person, reg):
    r = w.r
    cid = "%s %05d" % (p.id, len(p.clients) + 1)          # ids with a space
    ta = "%s-T%05d" % (p.id, len(p.clients) + 1)
    c = NS(id=cid, platform=p, agent=agent, person=person, reg=reg, acct=ta, sub=None,
           card=None, dev=I.device(r), ip=I.home_ip(r), nat=r.random() < 0.4, cafe=r.random() < 0.3)
    if person:
        c.card = w.card_of(person, opened=reg - r.randrange(30, 2000))
    else:
        c.card = w.new_account("bank", inst=r.choice(["中国银行", "交通银行", "兴业银行"]))
    p.clients.append(c)
    w.clients[cid] = c
    w.new_account("trading", person or "", p.id, cid, "", p.name, reg, aid=ta)
    return c
