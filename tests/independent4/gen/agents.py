"""Agent forests, clients, households, movers, the split's followers and the freelance agent."""
from .model import Rec

MAXDEPTH = {"large": 9, "medium": 5, "small": 3}


def build(w):
    rng = w.rng.child("agents")
    gang = {g.gid: g for g in w.gangs}
    for p in w.platforms:
        g = gang[p.operators[0][0]]
        _tree(w, rng, p, g)
    _freelancer(w, rng)
    for p in w.platforms:
        _clients(w, rng, p)
    _split(w, rng)
    _movers(w, rng)


def number(w):
    _number(w, w.rng.child("numbers"))


def _agent(w, p, person, parent, rate, comm, joined, left, staff=False):
    a = Rec(aid=None, platform=p.pid, person=person, parent=parent, rate=rate, comm=comm, joined=joined, left=left,
            depth=(parent.depth + 1) if parent else 1, staff=staff, weight=1.0, children=0, copy_of=None)
    if parent:
        parent.children += 1
    p.agents.append(a)
    w.agents.append(a)
    return a


def _tree(w, rng, p, g):
    if g.role == "tiny":
        _agent(w, p, g.leader, None, 5000, 0, p.created, None, staff=True)
        return
    span_end = p.closed - 60
    n = max(2, int(p.n_clients / rng.uniform(7, 18)))
    maxd = MAXDEPTH[g.size]
    roots = []
    for pid in g.salesmen:                           # in-house salesmen: deposit commission, no rebate
        roots.append(_agent(w, p, pid, None, 0, rng.choice((100, 150, 200, 300)), p.created + rng.randrange(10),
                            None, staff=True))
    n_ext = max(1, int(n * rng.uniform(0.04, 0.09)))
    for _ in range(n_ext):
        pid = w.new_person(rng, g.province if rng.random() < 0.6 else None).pid
        roots.append(_agent(w, p, pid, None, rng.choice((4000, 4500, 5000, 5500, 6000)), 0,
                            p.created + rng.randrange(0, max(1, (span_end - p.created) // 3)), None))
    for a in roots:
        a.weight = rng.lognormvariate(0, 0.8)
    agents = [a for a in roots if a.rate > 0] or roots
    while len(p.agents) < n:
        # recency-biased recruiting: recent recruits recruit next, which grows deep chains
        k = len(agents)
        i = k - 1 - min(k - 1, int(rng.expovariate(1 / (3 + k * 0.15))))
        par = agents[i]
        if par.depth >= maxd or par.joined >= span_end - 5:
            par = rng.choice(agents[:max(1, k // 2)])
            if par.depth >= maxd or par.joined >= span_end - 5:
                continue
        joined = min(span_end, par.joined + rng.randrange(3, 70))
        rate = max(50, int(par.rate * rng.uniform(0.55, 0.9)) // 50 * 50)
        pid = w.new_person(rng, g.province if rng.random() < 0.55 else None).pid if rng.random() < 0.86 else None
        a = _agent(w, p, pid, par, rate, 0, joined, None)
        a.weight = rng.lognormvariate(0, 1.0)
        agents.append(a)
    for a in p.agents:
        if not a.staff and rng.random() < 0.05 and a.joined + 120 < p.closed:
            a.left = a.joined + rng.randrange(90, max(91, min(500, p.closed - a.joined)))


def _freelancer(w, rng):
    """One introducer is a top-level agent of two unrelated gangs' platforms at the same time."""
    cands = [p for p in w.platforms if [g for g in w.gangs if g.gid == p.gang][0].role == "plain"
             and p.closed - p.created > 300]
    if len(cands) < 2:
        return
    a, b = rng.sample(cands, 2)
    person = w.new_person(rng).pid
    start = max(a.created, b.created) + 20
    for p, wt in ((a, 3.0), (b, 1.2)):
        x = _agent(w, p, person, None, 4500, 0, start + rng.randrange(10), None)
        x.weight = wt * (len(p.agents) ** 0.5) / 3
    w.freelancer = person


def _clients(w, rng, p):
    if not p.agents:
        return
    cum, tot = [], 0.0
    for a in p.agents:
        tot += a.weight
        cum.append(tot)
    import bisect
    gang_of = p.gang
    for _ in range(p.n_clients):
        a = p.agents[min(len(cum) - 1, bisect.bisect(cum, rng.random() * tot))]
        lo = max(a.joined, p.created + 3)
        hi = min(a.left or 10 ** 9, p.closed - 20)
        if hi <= lo:
            lo, hi = p.created + 3, max(p.created + 4, p.closed - 20)
            a = None
        elif rng.random() < 0.04:
            a = None
        u = rng.random() ** 0.8
        reg = lo + int((hi - lo) * u)
        _new_client(w, rng, p, a, reg, gang_of)


def _new_client(w, rng, p, agent, reg, gang_of, person=None, kind="normal"):
    if person is None:
        anchor = w.clients[rng.randrange(len(w.clients))] if w.clients and rng.random() < 0.09 else None
        if anchor is not None and anchor.holder:
            h = w.persons[anchor.holder]
            sn = h.name[0] if "·" not in h.name and rng.random() < 0.7 else None
            q = w.new_person(rng, h.province, h.city, surname=sn)
            q.home_ip = h.home_ip
            q.household = getattr(h, "household", None) or h.pid
            h.household = q.household
            person = q.pid
        else:
            person = w.new_person(rng).pid
    c = Rec(cid=None, platform=p.pid, agent=agent, holder=person, person_written=person if rng.random() < 0.93
            else "", reg=reg, kind=kind, cut=None, start_min=None, account=None, gang=gang_of, idx=len(w.clients),
            payer_card=None)
    if not w.persons[person].cards:
        w.new_card(rng, person, max(0, reg - rng.randrange(30, 900)))
    c.card = w.persons[person].cards[0]
    p.clients.append(c)
    w.clients.append(c)
    return c


def _split(w, rng):
    P = [g for g in w.gangs if g.role == "splitP"]
    S = [g for g in w.gangs if g.role == "splitS"]
    if not (P and S) or not S[0].platforms:
        return
    pp, sp, d = P[0].platforms[0], S[0].platforms[0], w.split_day
    roots = [a for a in pp.agents if a.parent is None and not a.staff and a.joined < d - 60]
    if not roots:
        return
    root = max(roots, key=lambda a: a.children)
    sub, stack = [], [root]
    while stack:
        a = stack.pop()
        if a.joined < d and (a.left is None or a.left > d):
            sub.append(a)
        stack.extend(x for x in pp.agents if x.parent is a)
    copy = {}
    for a in sorted(sub, key=lambda x: x.depth):
        a.left = d - 1
        par = copy.get(id(a.parent)) if a.parent else None
        b = _agent(w, sp, a.person, par, a.rate, a.comm, d + rng.randrange(0, 8), None)
        b.weight, b.copy_of = a.weight, a
        copy[id(a)] = b
    moved = set(id(a) for a in sub)
    followers = 0
    for c in list(pp.clients):
        if c.agent is not None and id(c.agent) in moved and c.reg < d - 20 and rng.random() < 0.62:
            c.cut = d - rng.randrange(1, 6)
            n = _new_client(w, rng, sp, copy[id(c.agent)], d + rng.randrange(8, 30), sp.gang, person=c.holder,
                            kind="follower")
            n.start_min = n.reg
            followers += 1
    w.notes["split"] = dict(parent=P[0].gid, child=S[0].gid, day=d, moved_agents=len(sub), followers=followers,
                            root_person=root.person)


def _movers(w, rng):
    """~1% of clients quit one platform and later open an account on another gang's platform."""
    n = max(3, len(w.clients) // 100)
    plats = [p for p in w.platforms if p.agents and p.fake_from is None]
    for c in rng.sample(w.clients[:len(w.clients)], min(n, len(w.clients))):
        if c.kind != "normal" or c.holder is None or c.cut is not None:
            continue
        q = rng.choice(plats)
        day = c.reg + rng.randrange(60, 300)
        if q.pid == c.platform or q.gang == c.gang or not (q.created + 5 < day < q.closed - 40):
            continue
        c.cut = day - rng.randrange(5, 20)
        act = [a for a in q.agents if a.joined <= day and (a.left is None or a.left > day)]
        n2 = _new_client(w, rng, q, rng.choice(act) if act else None, day, q.gang, person=c.holder, kind="mover")
        n2.start_min = day


def _number(w, rng):
    """Agents and clients share one user-number space per back end, in order of joining."""
    for p in w.platforms:
        ev = [(a.joined, 0, i) for i, a in enumerate(p.agents)] + [(c.reg, 1, i) for i, c in enumerate(p.clients)]
        ev.sort()
        no = p.user_no
        for day, t, i in ev:
            no += rng.randrange(1, 23)
            uid = "%d@%s" % (no, p.pid)
            if t == 0:
                p.agents[i].aid = uid
            else:
                p.clients[i].cid = uid
        for c in p.clients:
            c.account = c.cid if p.acct_style == "same" else "%s:%s-1" % (p.pid, c.cid.split("@")[0])
        # a few agents trade on their own platform under their own user id
        for a in p.agents:
            if a.person and not a.staff and rng.random() < 0.04 and a.joined + 30 < p.closed - 20:
                c = _new_client(w, rng, p, a.parent, a.joined + rng.randrange(1, 20), p.gang, person=a.person,
                                kind="agent_trader")
                c.cid = a.aid
                c.account = c.cid if p.acct_style == "same" else "%s:%s-1" % (p.pid, c.cid.split("@")[0])
