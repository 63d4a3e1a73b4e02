"""Agent trees (logical nodes copied onto every platform of a brand line), client careers,
agents whose clients follow them, and clients of two gangs."""
from .util import END_DAY


def _line_platforms(w, g, line):
    return sorted((w.platforms[p] for p in g["platforms"] if w.platforms[p]["line"] == line),
                  key=lambda p: p["created"])


def build_agents(w):
    r = w.r
    tiny = [g for g in w.gangs if g["size"] == "tiny"]
    k_tiny = {g["id"]: r.randint(3, 12) for g in tiny}
    rest = max(w.n_clients - sum(k_tiny.values()), 100)
    big = [g for g in w.gangs if g["size"] != "tiny"]
    wts = [r.logn(0, 0.5) * (9.0 if g["size"] == "large" else 1.0) for g in big]
    tot = sum(wts)
    w.nodes, w.careers = [], []
    for g in w.gangs:
        k = k_tiny.get(g["id"]) or max(25, int(rest * wts[big.index(g)] / tot))
        g["n_target"] = k
        lines = sorted(set(w.platforms[p]["line"] for p in g["platforms"]))
        for li, line in enumerate(lines):
            share = k if len(lines) == 1 else (int(k * 0.6) if li == 0 else k - int(k * 0.6))
            _tree(w, g, line, share)
    _followers(w)
    _dual_clients(w)
    _materialize(w)
    for x in w.nodes:                      # a few agents also show up in chats/payroll with their period
        g = w.gang_by_id[x["gang"]]
        if x["person"] and x["depth"] > 1 and g["has_memberships"] and r.chance(0.1):
            w.memberships.append([x["person"], g["org"], "agent", x["join"], x["left"]])


def _tree(w, g, line, k):
    r = w.r
    plats = _line_platforms(w, g, line)
    t0, t1 = plats[0]["created"], max(p["close"] for p in plats)
    if g["size"] == "tiny":
        n, depth = 1, 1
        tops = [g["leader"] if r.chance(0.5) else w.member(g, "agent")]
    else:
        depth = r.randint(5, 7) if g["size"] == "large" else r.randint(2, 3)
        n = max(depth + 2, int(k / r.uniform(7, 14)))
        staff = [pid for pid, role in g["staff"] if role in ("manager", "salesman")
                 and w.persons[pid]["stints"][0][0] == g["id"]]
        tops = staff[line::2] if line < 2 and len(staff) > 1 else staff
        tops = tops[:4] or [g["leader"]]
    joins = sorted([t0 + r.randint(0, 10) for _ in range(depth)] +
                   [r.randint(t0, max(t0 + 1, t1 - 40)) for _ in range(max(0, n - depth))])
    nodes = []
    for i, jd in enumerate(joins):
        if i < len(tops):
            parent, d, person = None, 1, tops[i]
        elif i < len(tops) + depth - 1:              # the spine: one deep chain
            parent = nodes[-1] if i > len(tops) else nodes[0]
            d, person = parent["depth"] + 1, None
        else:
            cand = [x for x in nodes if x["depth"] < depth and (x["left"] is None or x["left"] > jd)]
            parent = r.choices(cand, [(1 + x["kids"]) ** 0.7 * (1.0 if x["depth"] > 1 else 0.6) for x in cand])[0]
            d, person = parent["depth"] + 1, None
        if i >= len(tops):
            person = w.member(g, "agent") if r.chance(0.86) else None
        node = dict(gang=g["id"], line=line, parent=parent, depth=d, join=jd, left=None, kids=0,
                    person=person, rows={}, rebate=round(r.uniform(0.15, 0.45), 2) if d < depth or r.chance(0.6)
                    else round(r.uniform(0.1, 0.3), 2), commission=None, w=r.logn(0, 1.1), idx=len(w.nodes))
        if parent:
            parent["kids"] += 1
        if i >= len(tops) and r.chance(0.08):
            node["left"] = jd + r.randint(60, 500)
            if node["left"] >= END_DAY:
                node["left"] = None
        nodes.append(node)
        w.nodes.append(node)
    for x in nodes:
        if x["kids"] and x["depth"] <= 3:
            x["commission"] = round(r.uniform(0.02, 0.08), 3)
    # client careers on this line
    for _ in range(k):
        reg = int(t0 + (t1 - 15 - t0) * (r.random() ** 0.7))
        alive = [x for x in nodes if x["join"] <= reg and (x["left"] is None or x["left"] > reg)]
        node = None if (not alive or (g["size"] != "tiny" and r.chance(0.04))) else \
            r.choices(alive, [x["w"] / (1 + 0.15 * x["depth"]) for x in alive])[0]
        life = int(r.logn(4.3, 1.0, 5, 900))
        prov = g["prov"] if r.chance(0.45) else r.province()
        pid = w.person(prov)
        w.careers.append(dict(person=pid, gang=g["id"], line=line, att=[[node, reg, min(END_DAY - 1, reg + life)]],
                              card=None, dual=False))


def _followers(w):
    r = w.r
    cand = [x for x in w.nodes if x["depth"] >= 2 and x["person"] and x["left"] is None
            and w.gang_by_id[x["gang"]]["size"] != "tiny"]
    by_node = {}
    for c in w.careers:
        n0 = c["att"][0][0]
        if n0 is not None:
            by_node.setdefault(n0["idx"], []).append(c)
    cand = [x for x in cand if len(by_node.get(x["idx"], [])) >= 6]
    movers = []
    order = list(range(len(cand)))
    r.shuffle(order)
    for x in (cand[i] for i in order):
        if len(movers) >= 3:
            break
        act = [c["att"][-1] for c in by_node[x["idx"]] if c["att"][-1][2] - c["att"][-1][1] > 110]
        t = None
        if act:                        # leave while clients are still trading, so some can follow
            mids = sorted((a[1] + a[2]) // 2 for a in act)
            t = max(mids[len(mids) // 2], x["join"] + 20)
            t = t if t < END_DAY - 120 else None
        elig = [c for c in by_node[x["idx"]] if t and c["att"][-1][1] < t < c["att"][-1][2] - 45]
        if len(elig) < 3:
            continue
        gb_c = [g for g in w.gangs if g["id"] != x["gang"] and g["size"] != "tiny" and any(
            w.platforms[p]["created"] < t and w.platforms[p]["close"] > t + 60 for p in g["platforms"])] if t else []
        if not gb_c:
            continue
        gb = r.pick(gb_c)
        line = next(w.platforms[p]["line"] for p in gb["platforms"]
                    if w.platforms[p]["created"] < t and w.platforms[p]["close"] > t + 60)
        x["left"] = t
        new = dict(x, gang=gb["id"], line=line, parent=None, depth=1, join=t + r.randint(7, 30), left=None,
                   kids=0, rows={}, idx=len(w.nodes), rebate=min(0.6, x["rebate"] + 0.1))
        w.nodes.append(new)
        p = w.persons[x["person"]]
        p["gang"] = x["gang"] if (t - x["join"]) >= (END_DAY - new["join"]) else gb["id"]
        fol = [c for c in elig if r.chance(0.65)] or elig[:1]
        for c in fol:
            node, s, e = c["att"][-1]
            move = new["join"] + r.randint(1, 12)
            c["att"][-1][2] = move - 1
            c["att"].append([new, move, e])
        n_follow = len(fol)
        movers.append(dict(person_id=x["person"], from_gang=x["gang"], to_gang=gb["id"], left_day=t,
                           followers=n_follow, truth_gang=p["gang"]))
    w.notes["agent_movers"] = movers


def _dual_clients(w):
    r = w.r
    n = max(3, len(w.careers) // 45)
    dual = []
    for _ in range(n):
        c = w.careers[r.randrange(len(w.careers))]
        if c["dual"]:
            continue
        g2 = r.choices(w.gangs, [g["n_target"] for g in w.gangs])[0]
        if g2["id"] == c["gang"]:
            continue
        lines = sorted(set(w.platforms[p]["line"] for p in g2["platforms"]))
        line = r.pick(lines)
        plats = _line_platforms(w, g2, line)
        reg = r.randint(plats[0]["created"], max(p["close"] for p in plats) - 10)
        if reg >= END_DAY - 5:
            continue
        alive = [x for x in w.nodes if x["gang"] == g2["id"] and x["line"] == line and x["join"] <= reg
                 and (x["left"] is None or x["left"] > reg)]
        node = r.pick(alive) if alive else None
        c["dual"] = True
        c2 = dict(person=c["person"], gang=g2["id"], line=line, dual=True, card=None,
                  att=[[node, reg, min(END_DAY - 1, reg + int(r.logn(4.0, 0.8, 5, 500)))]])
        w.careers.append(c2)
        dual.append(c["person"])
    w.notes["dual_gang_clients"] = len(dual)


def agent_row(w, node, plat):
    """The node's agent row on a platform (created on demand), parent = nearest ancestor's row."""
    if node is None:
        return ""
    if plat["id"] in node["rows"]:
        return node["rows"][plat["id"]]
    if node["left"] is not None and node["left"] <= plat["created"]:
        return agent_row(w, node["parent"], plat)      # gone before this site opened: the upline takes over
    anc, par = node["parent"], ""
    while anc is not None:
        if anc["left"] is None or anc["left"] > plat["created"]:
            par = agent_row(w, anc, plat)
            break
        anc = anc["parent"]
    aid = w.ids.seqid("agent", "DL%06d")
    left = node["left"] if node["left"] is not None and node["left"] < plat["close"] else None
    w.agents[aid] = dict(id=aid, platform=plat["id"], person=node["person"] or "", parent=par,
                         rebate=node["rebate"], commission=node["commission"],
                         joined=max(node["join"], plat["created"]), left=left, node=node)
    node["rows"][plat["id"]] = aid
    return aid


def _materialize(w):
    r = w.r
    for x in w.nodes:                       # every node gets a row on every platform it lived on
        g = w.gang_by_id[x["gang"]]
        for p in _line_platforms(w, g, x["line"]):
            if x["join"] < p["close"] and (x["left"] is None or x["left"] > p["created"]):
                agent_row(w, x, p)
    for c in w.careers:
        g = w.gang_by_id[c["gang"]]
        segs = []
        for node, s, e in c["att"]:
            line = node["line"] if node else c["line"]
            plats = _line_platforms(w, w.gang_by_id[node["gang"]] if node else g, line)
            cur = s
            for i, p in enumerate(plats):
                if not (p["created"] <= cur < p["close"]):
                    continue
                nxt = plats[i + 1] if i + 1 < len(plats) else None
                if nxt and e > nxt["created"] + 5:
                    cut = r.randint(nxt["created"] + 1, max(nxt["created"] + 2, p["close"] - 2))
                    if cut < e:
                        segs.append((p, node, cur, cut - 1, "migrate"))
                        cur = cut
                        continue
                segs.append((p, node, cur, min(e, p["close"] - 1), "end"))
                break
        c["segs"] = []
        for p, node, s, e, why in segs:
            cid = w.ids.seqid("client", "KH%08d")
            p["nseq"] = p.get("nseq", 0) + 1
            w.clients[cid] = dict(id=cid, platform=p["id"], agent=agent_row(w, node, p), person=c["person"],
                                  reg=s, end=e, why=why, career=c, acct="%s#%06d" % (p["id"], p["nseq"]))
            c["segs"].append(cid)
