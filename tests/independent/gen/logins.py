"""Access records: platform logins of clients, agents, staff and vendor support; e-banking of
cards; broker API logins.  Includes shared infrastructure (carrier NAT, internet cafe)."""
from datetime import timedelta

from . import ids as I


class Logins:
    def __init__(self, w):
        self.w, self.r = w, w.r
        self.ipprov = {}
        r = self.r
        # a mobile-carrier NAT gateway and an internet cafe, used by many unrelated people
        self.nat_ip, self.nat_prov = "117.136.%d.%d" % (r.randint(0, 255), r.randint(2, 254)), "广东"
        cafe_prov = r.choice(["河南", "湖南", "江西", "广西"])
        self.cafe_ip, self.cafe_prov = I.ip_in(r, cafe_prov), cafe_prov
        self.cafe_pcs = [w.ids.hexid(12, prefix="NB-PC", upper=True) for _ in range(14)]
        self.ipprov[self.nat_ip] = self.nat_prov
        self.ipprov[self.cafe_ip] = cafe_prov

    def add(self, dt, acct="", actor="", ip="", dev="", prov=None, offset=False):
        if prov is None:
            prov = self.ipprov.get(ip, "")
        self.w.t["logins"].append({"ts": I.fmt_ts(dt, offset), "account_id": acct, "actor_id": actor, "ip": ip,
                                   "device_id": dev, "ip_province": prov if self.r.random() < 0.9 else ""})

    def person_net(self, pid):
        m = self.w.pmeta[pid]
        self.ipprov.setdefault(m["ip"], m["province"])
        return m["ip"], m["devices"]

    def clients(self):
        w, r = self.w, self.r
        nat_users = set(r.sample(list(w.clients), max(200, len(w.clients) // 14)))
        cafe_pool = [c for c in w.clients if w.clients[c]["person_id"] and
                     w.pmeta[w.clients[c]["person_id"]]["province"] == self.cafe_prov]
        cafe_users = set(r.sample(cafe_pool, min(len(cafe_pool), 180)))
        cafe_users |= set(r.sample(list(w.clients), 40))
        w.shared_infra = {"nat_ip": self.nat_ip, "nat_users": len(nat_users), "cafe_ip": self.cafe_ip,
                          "cafe_users": len(cafe_users)}
        times = {}
        for t in w.t["trades"]:
            times.setdefault(t["_client"]["client_id"], []).append(t["_dt"])
        for cid, c in w.clients.items():
            p = c["_platform"]
            if c["person_id"]:
                ip, devs = self.person_net(c["person_id"])
                prov = w.pmeta[c["person_id"]]["province"]
            else:
                prov = r.choice(list(I.PROVINCES))
                ip, devs = I.ip_in(r, prov), [I.device_id(r, w.ids)]
                self.ipprov[ip] = prov
            use_acct = p.setdefault("_login_by_account", r.random() < 0.5)
            moments = [c["_reg"]] + sorted(r.sample(times.get(cid, []), min(2, len(times.get(cid, [])))))
            for dt in moments:
                dt = dt - timedelta(minutes=r.randint(1, 90))
                x = r.random()
                if cid in nat_users and x < 0.6:
                    lip, dev = self.nat_ip, r.choice(devs)
                elif cid in cafe_users and x < 0.5:
                    lip, dev = self.cafe_ip, r.choice(self.cafe_pcs)
                else:
                    lip, dev = ip, r.choice(devs)
                self.add(dt, acct=c["_trading"] if use_acct else "", actor="" if use_acct else cid,
                         ip=lip, dev=dev, offset=p["_ts_offset"])
        # chance: a handful of unrelated clients in the same hotel on the same day
        for _ in range(6):
            hip = I.ip_in(r, "云南")
            self.ipprov[hip] = "云南"
            day = I.rand_dt(r, I.T0, I.T1)
            for cid in r.sample(list(w.clients), r.randint(2, 4)):
                c = w.clients[cid]
                dev = w.pmeta[c["person_id"]]["devices"][0] if c["person_id"] else ""
                self.add(day + timedelta(minutes=r.randint(0, 600)), acct=c["_trading"], ip=hip, dev=dev)

    def gang_side(self):
        w, r = self.w, self.r
        for g in w.gangs:
            for ip in g["office_ip"]:
                self.ipprov[ip] = g["province"]
            self.ipprov[g["server_ip"]] = "香港"
            for p in g["platforms"]:
                for a in p["_agents"]:
                    pid = a["person_id"]
                    if pid:
                        ip, devs = self.person_net(pid)
                    else:
                        ip, devs = I.ip_in(r, g["province"]), [I.device_id(r, w.ids)]
                        self.ipprov[ip] = g["province"]
                    if a["_comm"] > 0.04:  # in-house salesman works from the office
                        ip, devs = r.choice(g["office_ip"]), devs + g["office_devices"][:1]
                    for _ in range(r.randint(2, 8)):
                        self.add(I.rand_dt(r, a["_joined"], g["end"]), actor=a["agent_id"], ip=ip,
                                 dev=r.choice(devs), offset=p["_ts_offset"])
                # staff in the admin console
                for role in ("leader", "manager", "finance", "tech"):
                    for pid in g["staff"][role]:
                        if not w.pmeta[pid]["banks"]:
                            continue  # this one is only known from memberships
                        for _ in range(r.randint(3, 20)):
                            self.add(I.rand_dt(r, g["start"], g["end"]), actor=pid, ip=r.choice(g["office_ip"]),
                                     dev=r.choice(g["office_devices"]))
                # vendor support logs into every tenant it installed
                for _ in range(r.randint(2, 6)):
                    tech = r.choice(w.vendor["_staff"][1:4])
                    ip, devs = self.person_net(tech)
                    self.add(p["_created"] + timedelta(days=r.randint(0, 300), hours=r.randint(9, 18)),
                             actor=tech, ip=w.vendor.setdefault("_ip", ip), dev=devs[0])
                # bridge server logs into the mother accounts
                for mid in p["_mothers"]:
                    d = p["_created"]
                    while d < g["end"]:
                        self.add(d.replace(hour=8, minute=r.randint(0, 59)), acct=mid, ip=g["server_ip"],
                                 dev=g["office_devices"][-1])
                        d += timedelta(days=r.randint(8, 20))
            # cards are operated from the office devices
            cards = g["collect"] + g["middle"] + g["payout"] + g["own"] + g["reserve"]
            for card in cards:
                d = g["start"]
                while d < g["end"]:
                    self.add(d.replace(hour=r.randint(8, 22), minute=r.randint(0, 59)), acct=card,
                             ip=r.choice(g["office_ip"]), dev=r.choice(g["office_devices"]))
                    d += timedelta(days=r.randint(20, 70))

    def broker_side(self):
        w, r = self.w, self.r
        for grp in w.groups:
            for ip in grp["ips"]:
                self.ipprov.setdefault(ip, grp["gang"]["province"])
            for day in grp["days"]:
                t = I.datetime(day.year, day.month, day.day, 8, r.randint(40, 58), r.randint(0, 59))
                ip = r.choice(grp["ips"])
                for acct in grp["accounts"]:
                    if r.random() < 0.15:
                        continue
                    t2 = t + timedelta(seconds=r.randint(0, 20))
                    self.add(t2, acct=acct, ip=ip, dev=r.choice(grp["devices"]))
        for ind in w.indep:
            ip, devs = self.person_net(ind["person"])
            for day in ind["days"]:
                self.add(I.datetime(day.year, day.month, day.day, r.randint(7, 21), r.randint(0, 59)),
                         acct=ind["account"], ip=ip if r.random() < 0.9 else self.nat_ip, dev=r.choice(devs))
        # e-banking of ordinary people and clients
        for pid in r.sample(w.noise_people, len(w.noise_people) // 2):
            ip, devs = self.person_net(pid)
            for acct in w.pmeta[pid]["banks"]:
                for _ in range(r.randint(1, 4)):
                    self.add(I.rand_dt(r, I.T0, I.T1), acct=acct, ip=ip, dev=r.choice(devs))
