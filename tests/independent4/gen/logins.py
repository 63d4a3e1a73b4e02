"""Access records: platform admin logs (clients, agents, staff, vendor techs), e-banking of gang cards,
broker API sessions. Junk device ids and shared exits (carrier NAT, VPN) are everywhere."""
from .util import day_epoch, ts_text, N_DAYS

JUNK = (("02:00:00:00:00:00", 0.06), ("000000000000000", 0.03), ("9774d56d682e549c", 0.015), ("unknown", 0.015))
VPN = (("103.152.220.17", "香港"), ("103.152.220.18", "香港"), ("45.76.183.200", "日本"), ("45.76.183.201", "日本"),
       ("139.180.146.9", "新加坡"), ("149.28.71.33", "美国"), ("154.17.2.88", "香港"), ("23.225.141.6", "美国"))


class Logins:
    def __init__(self, w, out):
        self.w = w
        self.rng = w.rng.child("logins")
        self.t = out.table("logins.csv", ["ts", "account_id", "actor_id", "ip", "device_id", "ip_province", "channel"])
        self.prof = {}
        self.nat = {}
        self.pcs = {}

    def row(self, epoch, account="", actor="", ip="", dev="", prov="", style="local", channel="", frac=None):
        self.t.row((ts_text(epoch, style, frac), account, actor, ip, dev, prov, channel))

    def profile(self, pid):
        pr = self.prof.get(pid)
        if pr is None:
            rng, q = self.rng, self.w.persons[pid]
            x, dev = rng.random(), None
            for junk, pj in JUNK:
                if x < pj:
                    dev = junk
                    break
                x -= pj
            if dev is None:
                y = rng.random()
                dev = ("86%013d" % rng.randrange(10 ** 13)) if y < 0.35 else ("%016x" % rng.getrandbits(64)) \
                    if y < 0.65 else ("%08X-%04X-%04X-%04X-%012X" % (rng.getrandbits(32), rng.getrandbits(16),
                                                                   rng.getrandbits(16), rng.getrandbits(16),
                                                                   rng.getrandbits(48)))
            hh = getattr(q, "household", None)
            pc = None
            if hh is not None:
                if hh not in self.pcs:
                    self.pcs[hh] = "DESKTOP-%07X" % rng.getrandbits(28) if rng.random() < 0.25 else None
                pc = self.pcs[hh]
            pr = self.prof[pid] = (dev, rng.uniform(0.35, 0.75), rng.uniform(0.05, 0.3), pc)
        return pr

    def where(self, pid):
        rng, q = self.rng, self.w.persons[pid]
        dev, p_home, p_vpn, pc = self.profile(pid)
        x = rng.random()
        if x < p_home:
            return q.home_ip, (pc if pc and rng.random() < 0.5 else dev), q.province
        if x < p_home + p_vpn:
            ip, prov = VPN[rng.randrange(len(VPN))]
            return ip, dev, prov
        pool = self.nat.setdefault(q.province, ["%s.%d.%d" % (rng.choice(("117.136", "223.104", "112.97")),
                                                               rng.randrange(256), rng.randrange(2, 254))
                                                for _ in range(16)])
        return pool[rng.randrange(16)], dev, q.province

    def client(self, c, first, p):
        if not p.logins_kept or self.rng.random() > 0.55:
            return
        ep = first - self.rng.randrange(60, 1800)
        grp = getattr(c, "group", None)
        if grp is not None:
            ip, dev, prov = grp.ip, grp.device, grp.ip_prov
        elif c.holder:
            ip, dev, prov = self.where(c.holder)
        else:
            return
        if p.lb_ip:
            ip, prov = "10.20.0.5", ""
        st = p.ts_style if p.ts_style != "mixed" else "local"
        self.row(ep, "", c.cid, ip, dev, prov, st, "web" if dev.startswith("DESKTOP") else "app")

    def finish(self, w):
        rng = self.rng
        vend_ip = w.ip_in(rng, "上海")
        self._pl = {p.pid: p for p in w.platforms}
        for g in w.gangs:
            plats = [p for p in g.platforms if p.logins_kept]
            for p in g.platforms:
                srv = "%s.%d.%d" % (rng.choice(("47.75", "8.210", "43.129", "119.28")), rng.randrange(256),
                                    rng.randrange(2, 254))
                for m in p.mothers:
                    for d in range(max(p.created, 0), min(p.closed, N_DAYS - 1), rng.randrange(6, 15)):
                        self.row(day_epoch(d) + rng.randrange(7 * 3600, 8 * 3600), m.aid, "", srv, "bridge-%s" % p.pid,
                                 "香港", m.broker.style, "api")
            staff = [pid for pid, role in g.staff if role in ("leader", "finance", "manager", "tech")]
            for pid in staff:
                if not plats:
                    break
                for d in range(g.start + rng.randrange(1, 9), min(g.end, N_DAYS - 1), rng.randrange(3, 12)):
                    p = plats[d % len(plats)]
                    ip = g.office_ip if rng.random() < 0.8 else self.where(pid)[0]
                    self.row(day_epoch(d) + rng.randrange(9 * 3600, 22 * 3600), "", pid, ip,
                             g.office_dev[rng.randrange(3)], g.province, p.ts_style if p.ts_style != "mixed" else "local",
                             "admin")
            # e-banking of the gang's cards: the finance person's phone, from the office
            fin = g.finance or g.leader
            fdev = self.profile(fin)[0]
            cards = [g.finance_card, g.payout_card] + [c for c, _, _ in g.collection]
            for card in cards:
                for d in range(g.start + rng.randrange(0, 20), min(g.end, N_DAYS - 1), rng.randrange(15, 40)):
                    self.row(day_epoch(d) + rng.randrange(10 * 3600, 23 * 3600), card, "",
                             g.office_ip if rng.random() < 0.7 else self.where(fin)[0], fdev, g.province, "local", "ebank")
        # vendor techs maintain every platform
        for pid, role in w.vendor_staff:
            if role != "tech":
                continue
            for p in w.platforms:
                if not p.logins_kept:
                    continue
                for d in range(p.created, min(p.closed, N_DAYS - 1), rng.randrange(20, 60)):
                    self.row(day_epoch(d) + rng.randrange(10 * 3600, 18 * 3600), "", pid, vend_ip, "QH-OPS-%02d" % (
                        sum(map(ord, pid)) % 20), "上海", p.ts_style if p.ts_style != "mixed" else "local", "admin")
        # agents look at their reports twice a month
        for a in w.agents:
            if not a.person:
                continue
            p = self._pl[a.platform]
            if not p.logins_kept:
                continue
            end = min(a.left or 10 ** 9, p.closed, N_DAYS - 1)
            for d in range(a.joined + rng.randrange(1, 10), end, rng.randrange(10, 25)):
                ip, dev, prov = self.where(a.person)
                self.row(day_epoch(d) + rng.randrange(8 * 3600, 23 * 3600), "", a.aid, ip, dev, prov,
                         p.ts_style if p.ts_style != "mixed" else "local", "agent")
