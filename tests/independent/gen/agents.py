"""Agent trees per platform and the clients they bring in."""
from datetime import timedelta

from . import ids as I


def agent_id(w, p):
    r, ids = w.r, w.ids
    st = p["_agent_style"]
    if st == "phone":
        return ids.phone()
    if st == "code":
        return ids.digits(r.choice([5, 6, 7]), str(r.randint(1, 9)))
    if st == "b62":
        return ids.b62(6, 8)
    return ids.raw("%s%s" % (r.choice(["A", "代理", "ag"]), ids.b62(4)))


def client_id(w, p):
    r, ids = w.r, w.ids
    st = p["_id_style"]
    if st == "num":
        return ids.digits(r.choice([7, 8, 9]), str(r.randint(1, 9)))
    if st == "b62":
        return ids.b62(8, 12)
    if st == "cjk":
        return ids.raw("会员" + ids.digits(6, "0"))
    if st == "phone":
        return ids.phone()
    return ids.hexid(10, upper=True)


def build_agents(w, g):
    r = w.r
    shared_agent_person = None
    if len(g["platforms"]) >= 2 and not g["tiny"]:
        shared_agent_person = w.new_person(g["province"], None, g)  # agent on two platforms of one gang
        g["shared_agent_person"] = shared_agent_person
    for k, p in enumerate(g["platforms"]):
        p["_agent_style"] = r.choice(["phone", "code", "b62", "mixed"])
        created = p["_created"]
        rows = []

        def add(parent, depth, rate, person=None, salesman=False):
            aid = agent_id(w, p)
            if person is None:
                if r.random() < (0.82 if not salesman else 1.0):
                    pr = g["province"] if r.random() < 0.7 else r.choice(list(I.PROVINCES))
                    person = w.new_person(pr, None, g)
                else:
                    person = ""  # agent known only from the back end, no person record
            base = parent["_joined"] if parent else created
            joined = base + timedelta(days=int(r.expovariate(1 / 60)) + 3)
            joined = min(joined, max(base, g["end"] - timedelta(days=60)))
            left = ""
            if r.random() < 0.12:
                lv = joined + timedelta(days=r.randint(60, 400))
                if lv < g["end"]:
                    left = I.fmt_d(lv)
            row = {"agent_id": aid, "platform_id": p["platform_id"], "person_id": person,
                   "parent_agent_id": parent["agent_id"] if parent else "",
                   "rebate_rate": "" if salesman else "%.2f" % rate,
                   "commission_rate": ("%.2f" % r.choice([0.05, 0.08, 0.1, 0.15])) if salesman else
                   ("%.2f" % r.choice([0.02, 0.03]) if r.random() < 0.1 else ""),
                   "joined_on": I.fmt_d(joined) if r.random() < 0.95 else "", "left_on": left,
                   "_depth": depth, "_rate": 0 if salesman else rate, "_parent": parent,
                   "_comm": 0.0, "_platform": p, "_joined": joined, "_kids": [],
                   "_left": I.parse_d(left) if left else None}
            row["_comm"] = float(row["commission_rate"]) if row["commission_rate"] else 0.0
            if parent:
                parent["_kids"].append(row)
            rows.append(row)
            w.agents[aid] = row
            if person and r.random() < 0.12:  # some agents are named with their role in interviews
                w.member(person, p["platform_id"], "agent", joined if r.random() < 0.8 else None,
                         row["_left"])
            return row

        if g["tiny"]:
            top = add(None, 0, 0.4)
            add(top, 1, 0.2)
        else:
            expect = g["n_clients"] / len(g["platforms"])
            n_agents = max(3, int(expect / r.uniform(6, 16)))
            n_top = min(n_agents, r.randint(1, 4) + (3 if g["big"] else 0))
            made = [add(None, 0, r.choice([0.3, 0.35, 0.4, 0.5, 0.6])) for _ in range(n_top)]
            if shared_agent_person and k < 2:
                made.append(add(None, 0, 0.45, person=shared_agent_person))
            while len(made) < n_agents:
                open_ = [a for a in made if a["_depth"] < g["depth"] and a["_rate"] > 0.03]
                if not open_:
                    break
                # deep gangs recruit down long chains; others stay shallow and bushy
                wts = [(1 + a["_depth"]) ** (2.0 if g["big"] else 0.3) for a in open_]
                a = r.choices(open_, wts)[0]
                f = r.uniform(0.7, 0.92) if g["big"] else r.uniform(0.45, 0.85)
                made.append(add(a, a["_depth"] + 1, round(a["_rate"] * f, 2)))
            # in-house salesmen as agents (commission, no rebate)
            for sp in g["staff"]["salesman"]:
                if r.random() < 0.75:
                    add(None, 0, 0.0, person=sp, salesman=True)
        p["_agents"] = rows
        w.t["agents"].extend(rows)


def build_clients(w):
    """Spread every gang's clients over its platforms and agents; persons for most clients."""
    r = w.r
    multi = []  # persons who are clients of two gangs
    for g in w.gangs:
        n = g["n_clients"]
        pls = g["platforms"]
        shares = [r.uniform(0.5, 1.5) for _ in pls]
        for i in range(n):
            p = r.choices(pls, shares)[0]
            ags = p["_agents"]
            agent = None
            if ags and r.random() < 0.9:
                wts = [1.0 + a["_depth"] * 0.8 + (3 if a["_comm"] > 0.04 else 0) for a in ags]
                agent = r.choices(ags, wts)[0]
            # clients come from all over, more from the gang's province and the agent's
            if agent and agent["person_id"] and r.random() < 0.5:
                prov = w.pmeta[agent["person_id"]]["province"]
            elif r.random() < 0.4:
                prov = g["province"]
            else:
                prov = r.choice(list(I.PROVINCES))
            person = w.new_person(prov) if r.random() < 0.9 else ""
            add_client(w, p, agent, person)
    # a few persons who are clients on platforms of two different gangs
    pool = [c for c in w.clients.values() if c["person_id"]]
    n_multi = max(4, len(pool) // 700)
    for c in r.sample(pool, n_multi):
        other = [g for g in w.gangs if g is not c["_platform"]["_gang"] and not g["tiny"]]
        g2 = r.choice(other)
        p2 = r.choice(g2["platforms"])
        ag = r.choice(p2["_agents"]) if p2["_agents"] and r.random() < 0.8 else None
        c2 = add_client(w, p2, ag, c["person_id"])
        multi.append((c["client_id"], c2["client_id"]))
    w.multi_gang_clients = multi
    # a few agents who also trade as clients on their own platform (they are gang members anyway)
    for a in r.sample([a for a in w.agents.values() if a["person_id"]], 5):
        add_client(w, a["_platform"], a["_parent"], a["person_id"])


def add_client(w, p, agent, person):
    r = w.r
    g = p["_gang"]
    lo = max(p["_created"], agent["_joined"] if agent else p["_created"])
    hi = g["end"] - timedelta(days=20)
    if agent and agent["_left"] and agent["_left"] < hi:
        hi = agent["_left"]
    reg = I.rand_dt(r, lo, hi if hi > lo else lo + timedelta(days=10))
    cid = client_id(w, p)
    row = {"client_id": cid, "platform_id": p["platform_id"], "agent_id": agent["agent_id"] if agent else "",
           "person_id": person, "registered_on": I.fmt_d(reg), "_platform": p, "_agent": agent, "_reg": reg}
    w.t["clients"].append(row)
    w.clients[cid] = row
    p["_clients"].append(row)
    return row
