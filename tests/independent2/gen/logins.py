"""Login records: platform admin, clients, agents, e-banking, broker API, shared public IPs."""
from . import ids as I

NAT_IP = "223.104.3.77"                 # China Mobile carrier-grade NAT egress
CAFE_IP = "120.229.18.6"                # an internet café
CAFE_PCS = ["网吧 PC-%02d" % k for k in range(1, 17)]


def build_logins(w):
    r = w.r
    L = w.logins
    seen = [g for g in w.gangs if "no_logins" not in g.flags]
    nat_gangs = {g.id for g in r.sample(seen, min(len(seen), 6))}
    cafe_gangs = {g.id for g in r.sample(seen, min(len(seen), 4))}
    w.notes["shared_ips"] = dict(nat=NAT_IP, cafe=CAFE_IP, staff_gangs_on_nat=sorted(nat_gangs),
                                 staff_gangs_in_cafe=sorted(cafe_gangs))
    n_nat = n_cafe = 0
    for g in w.gangs:
        if "no_logins" in g.flags:
            continue
        end = I.END_DAY
        # staff: platform admin, from the office
        for role, pids in g.staff.items():
            for pid in dict.fromkeys(pids):
                dev = I.device(r)
                for _ in range(r.randint(8, 40) if g.kind != "tiny" else r.randint(2, 8)):
                    t = I.t_of_day(r.randrange(g.start, end), r.randrange(8, 24), r.randrange(60), r.randrange(60))
                    u = r.random()
                    if g.id in nat_gangs and u < 0.3:
                        L.append([t, "", pid, NAT_IP, dev, "广东"])
                    elif g.id in cafe_gangs and u > 0.8:
                        L.append([t, "", pid, CAFE_IP, r.choice(CAFE_PCS), "广东"])
                    else:
                        k = r.randrange(len(g.office_ips))
                        L.append([t, "", pid, g.office_ips[k], g.office_devs[k], g.province])
        # e-banking on the gang's cards, operated from the office (dealer cards included)
        cards = set(g.cards["own"] + g.cards["payout"] + [c for c, s, e in g.rotation])
        for card in sorted(cards):
            for _ in range(r.randint(3, 12)):
                t = I.t_of_day(r.randrange(g.start, end), r.randrange(9, 23), r.randrange(60), r.randrange(60))
                k = r.randrange(len(g.office_ips))
                L.append([t, card, "", g.office_ips[k], g.office_devs[k], g.province])
        lead_dev = I.device(r)
        for _ in range(r.randint(3, 10)):
            t = I.t_of_day(r.randrange(g.start, end), r.randrange(9, 23), r.randrange(60))
            L.append([t, g.cards["clean"], "", I.home_ip(r), lead_dev, g.province])
        for p in g.platforms:
            # broker API from the platform's server (cloud range)
            for acct in p.mothers + p.subs:
                for d in range(p.created, end, r.randrange(7, 15)):
                    L.append([I.t_of_day(d, 6, r.randrange(60), r.randrange(60)), acct, "", p.server_ip,
                              "srv-%s" % p.id, "香港"])
            for a in p.agents:
                if a.person is None:
                    continue
                dev, ip = I.device(r), I.home_ip(r)
                for _ in range(r.randint(1, 10)):
                    t = I.t_of_day(r.randrange(a.joined, (a.left or end) + 1), r.randrange(8, 24), r.randrange(60))
                    L.append([t, "", a.id, NAT_IP if r.random() < 0.2 else ip, dev, ""])
            for c in p.clients:
                if not c.deps:
                    if r.random() < 0.5:
                        L.append([I.t_of_day(c.reg, 12, r.randrange(60)), "", c.id, c.ip, c.dev, ""])
                    continue
                times = [row[1] - r.randrange(30, 900) for row in c.deps + c.wds]
                times += [c.deps[0][1] + r.randrange(3600, 200 * 86400) for _ in range(r.randint(0, 6))]
                for t in times:
                    u = r.random()
                    if c.nat and u < 0.5:
                        L.append([t, "", c.id, NAT_IP, c.dev, "广东"])
                        n_nat += 1
                    elif c.cafe and u > 0.6:
                        L.append([t, "", c.id, CAFE_IP, r.choice(CAFE_PCS), "广东"])
                        n_cafe += 1
                    else:
                        L.append([t, "", c.id, c.ip, c.dev, ""])
    # vendor support logs into several platforms' admin (actor = the vendor's developer)
    for p in w.platforms:
        for _ in range(r.randint(1, 4)):
            t = I.t_of_day(r.randrange(p.created, p.created + 60), r.randrange(9, 19), r.randrange(60))
            L.append([t, "", w.vendor.dev, w.vendor.support_ip, "PC-VENDOR-SUPPORT", "上海"])
    # card dealers use their own cards from home
    for d in w.notes["card_dealers"]:
        ip, dev = I.home_ip(r), I.device(r)
        for _ in range(r.randint(3, 8)):
            L.append([I.t_of_day(r.randrange(I.START_DAY, I.END_DAY), 20, r.randrange(60)), d["own_card"], "", ip, dev, ""])
    # unrelated people behind the same NAT and café (not clients at all)
    for _ in range(w.C // 10):
        pid = w.new_person(None, common=True)
        card = w.card_of(pid)
        L.append([I.t_of_day(r.randrange(I.START_DAY, I.END_DAY), r.randrange(24), r.randrange(60)), card, "",
                  NAT_IP if r.random() < 0.7 else CAFE_IP, I.device(r), "广东"])
    w.notes["shared_ips"].update(client_logins_via_nat=n_nat, client_logins_via_cafe=n_cafe)
