"""Access records: clients on the platform front ends (home line, the carrier's NAT pool of their
province, an internet café), staff on the admin back end, platform servers on the broker API (from
shared cloud ranges or the vendor's own server), e-banking of gang cards, independent traders."""
from .util import PCODE

CAFES = [("浙江", "115.236.61.18"), ("广东", "183.62.103.75"), ("四川", "125.70.9.140")]


def _nat(w, prov):
    k = int(PCODE[prov])
    return "%s.%d.%d" % (w.r.pick(["117.136", "223.104"]), k, w.r.randint(1, 8) * 16 + 1)


def _net(w, pid):
    p = w.persons[pid]
    if "net" not in p:
        x = w.r.random()
        p["net"] = "nat" if x < 0.35 else ("cafe" if x < 0.42 else ("mixed" if x < 0.6 else "home"))
    return p["net"]


def _where(w, pid):
    p = w.persons[pid]
    net = _net(w, pid)
    if net == "nat" or (net == "mixed" and w.r.chance(0.5)):
        return _nat(w, p["prov"]), p["dev"], p["prov"]
    if net == "cafe":
        cafe = next((c for c in CAFES if c[0] == p["prov"]), None)
        if cafe and w.r.chance(0.7):
            return cafe[1], "网吧-%s-%02d" % (cafe[0], w.r.randint(1, 14)), cafe[0]
    return p["ip"], p["dev"], p["prov"]


def build_logins(w):
    r = w.r
    L = w.logins
    days = {}
    for t in w.trades:
        days.setdefault(t[3], set()).add(t[1] // 86400)
    for cid, c in w.clients.items():
        if c.get("career") is None:
            continue
        ds = sorted(days.get(c["acct"], ()))
        if len(ds) > 30:
            ds = sorted(r.sample(ds, 30))
        ds = [c["reg"]] + ds
        for d in ds:
            ip, dev, prov = _where(w, c["person"])
            L.append([d * 86400 + r.randint(30000, 80000), "", cid, ip, dev, prov])
    for g in w.gangs:
        for pid, role in g["staff"]:
            p = w.persons[pid]
            for gid, rl, s, e in p.get("stints", []):
                if gid != g["id"] or rl != role or role in ("nominee",):
                    continue
                for d in range(s, min(e or 1276, 1276), r.randint(4, 12)):
                    home = r.chance(0.25)
                    L.append([d * 86400 + r.randint(32000, 70000), "", pid, p["ip"] if home else g["office_ip"],
                              p["dev"] if home else r.pick(g["office_devs"]), p["prov"] if home else g["prov"]])
        for card in sorted(set([cc for _, cc in g["collect"]] + [g["payout"], g["fin_card"]])):
            for d in range(g["start"], 1276, r.randint(10, 30)):
                L.append([d * 86400 + r.randint(30000, 80000), card, "", g["office_ip"],
                          r.pick(g["office_devs"]), g["prov"]])
        for pid in g["platforms"]:
            p = w.platforms[pid]
            for m in p["mothers"]:
                for d in range(p["created"], min(p["close"], 1276), r.randint(3, 10)):
                    L.append([d * 86400 + r.randint(0, 86399), m, "", p["server_ip"], "", ""])
    vt = w.vendor["tech"]
    for d in range(200, 1276, 3):             # the vendor's tech support, from the vendor's office
        L.append([d * 86400 + r.randint(33000, 64000), "", vt, w.vendor["ip"], "VND-PC-01", "上海"])
    for t in w.traders:
        for d in t["days"][:30]:
            ip, dev, prov = _where(w, t["person"])
            L.append([d * 86400 + r.randint(30000, 80000), t["acct"], "", ip, dev, prov])
