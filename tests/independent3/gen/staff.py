"""Gang staff, nominees, memberships and staff who move between gangs."""
from .util import END_DAY


def _first(w, g):
    return min(w.platforms[p]["created"] for p in g["platforms"])


def build_staff(w):
    r = w.r
    gs = w.gangs
    # which gangs investigators already know (gangs.csv): Shanghai's seized ones and a few suspects
    sh = [g for g in gs if g["prov"] == "上海"]
    for g in sh[:4]:
        g["known"], g["status"] = True, "seized"
    others = [g for g in gs if not g["known"] and g["size"] != "tiny"]
    for g in others[:3]:
        g["known"], g["status"] = True, "suspected"
    tinies = [g for g in gs if g["size"] == "tiny" and not g["known"]]
    if tinies:
        tinies[0]["known"], tinies[0]["status"] = True, "seized"
    for g in gs:
        g["org"] = g["id"] if g["known"] else g["platforms"][0]
        g["has_memberships"] = g["known"] or r.chance(0.3 if g["size"] == "tiny" else 0.7)
        g["start"] = _first(w, g) - r.randint(20, 90)
        sizes = {"large": dict(manager=(2, 4), finance=(1, 2), tech=(1, 2), salesman=(3, 8), nominee=(4, 9)),
                 "medium": dict(manager=(0, 1), finance=(1, 1), tech=(0, 1), salesman=(1, 3), nominee=(2, 3)),
                 "tiny": dict(manager=(0, 0), finance=(0, 1), tech=(0, 0), salesman=(0, 0), nominee=(0, 1))}
        g["leader"] = _staff(w, g, "leader")
        for role, (lo, hi) in sizes[g["size"]].items():
            for _ in range(r.randint(lo, hi)):
                pid = _staff(w, g, role)
                if role == "finance" and g["size"] == "tiny":      # the leader's spouse keeps the books
                    p, ld = w.persons[pid], w.persons[g["leader"]]
                    p["ip"], p["prov"], p["city"] = ld["ip"], ld["prov"], ld["city"]
        g["office_ip"] = w.home_ip()
        g["office_devs"] = ["PC-%s-%02d" % (g["id"][-3:], k) for k in range(r.randint(1, 5))]
    _movers(w)
    for g in gs:
        for pid, role in g["staff"]:
            p = w.persons[pid]
            for (gid, rl, s, e) in p.get("stints", []):
                if gid != g["id"] or rl != role or role == "nominee":
                    continue
                gg = w.gang_by_id[gid]
                if gg["has_memberships"] and not (p.get("no_membership")):
                    w.memberships.append([pid, gg["org"], "finance" if role == "finance" else role, s,
                                          e if e is not None and e < END_DAY else None])


def _staff(w, g, role):
    r = w.r
    prov = g["prov"] if (role != "nominee" and r.chance(0.85)) else r.province()
    pid = w.member(g, role, province=prov)
    p = w.persons[pid]
    start = g["start"] + (0 if role in ("leader", "finance") else r.randint(0, 200))
    end = None
    if role in ("salesman", "tech", "manager") and r.chance(0.15):
        end = start + r.randint(120, 500)
        if end >= END_DAY:
            end = None
    p["stints"] = [(g["id"], role, start, end)]
    p["no_membership"] = r.chance(0.1)
    return pid


def _movers(w):
    """Staff who leave one gang and work for another later.  Truth puts each mover in the gang
    of the LONGER stint (sometimes the earlier one)."""
    r = w.r
    w.gang_by_id = {g["id"]: g for g in w.gangs}
    cand = [(pid, g) for g in w.gangs if g["size"] != "tiny" for pid, role in g["staff"]
            if role in ("manager", "tech", "salesman", "finance")]
    n = max(2, len(w.gangs) // 7)
    movers = []
    order = list(range(len(cand)))
    r.shuffle(order)
    for i in order:
        if len(movers) >= n:
            break
        pid, ga = cand[i]
        p = w.persons[pid]
        gid, role, s, e = p["stints"][0]
        targets = [g for g in w.gangs if g is not ga and g["size"] != "tiny"
                   and max(w.platforms[q]["close"] for q in g["platforms"]) > s + 300]
        if not targets or pid in [m[0] for m in movers]:
            continue
        gb = r.pick(targets)
        leave = r.randint(s + 60, min(END_DAY - 120, s + 600))
        if leave <= s + 30:
            continue
        back = max(leave + r.randint(10, 80), gb["start"] + 10)
        e_b = None if r.chance(0.6) else min(END_DAY - 5, back + r.randint(60, 400))
        p["stints"] = [(ga["id"], role, s, leave), (gb["id"], r.pick(["manager", "salesman", "tech"]), back, e_b)]
        gb["staff"].append((pid, p["stints"][1][1]))
        len_a = leave - s
        len_b = (e_b or END_DAY) - back
        p["gang"] = ga["id"] if len_a >= len_b else gb["id"]
        movers.append((pid, ga["id"], gb["id"], p["gang"]))
    w.notes["staff_movers"] = [dict(person_id=m[0], from_gang=m[1], to_gang=m[2], truth_gang=m[3])
                               for m in movers]
