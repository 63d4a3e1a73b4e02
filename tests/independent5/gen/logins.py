"""Access records: platform admin logs (only some platforms), e-banking (only queried banks), broker API (one broker)."""
import datetime
from .util import PROV, NDAYS, BASE

VPN = [('103.151.172.9', '香港'), ('45.77.240.18', '日本'), ('156.245.12.77', '香港'),
       ('38.54.90.3', '新加坡'), ('154.83.15.201', '香港'), ('45.195.76.4', '美国')]
FEST = [((datetime.date(2021, 2, 10) - BASE).days, 8), ((datetime.date(2022, 1, 30) - BASE).days, 8)]


def build_logins(w):
    r = w.r
    L = w.logins
    nat = {}

    def nat_ip(prov):
        pool = nat.get(prov)
        if pool is None:
            pool = nat[prov] = [w.ids.ip(PROV[prov][3]) for _ in range(40)]
        return r.choice(pool)

    dev = {}

    def phone(x):
        if x not in dev:
            dev[x] = w.ids.device()
        return dev[x]

    home_ip = {}

    def hip(pid):
        if pid not in home_ip:
            home_ip[pid] = w.ids.ip(PROV[w.persons[pid][4]][3])
        return home_ip[pid]

    hotel = ('113.105.' + str(r.randrange(2, 250)) + '.' + str(r.randrange(2, 250)), '广东')
    w.notes['hotel_ip'] = hotel[0]
    hotel_days = r.sample(range(200, 700), 4)
    wifi = w.ids.ip('115.236')                  # the Hangzhou office tower's guest Wi-Fi exit
    w.notes['hangzhou_building_wifi_ip'] = wifi
    tower = set(w.notes['hangzhou_building'])
    # staff of the operating gangs on the platforms whose admin logs were handed over
    w.plat[w.notes['anonymous_agents_platform']]['logs'] = True
    for p in w.platforms:
        if not p['logs']:
            continue
        owners = [w.gang[p['gid']]] + [w.gang[u] for u in w.gang[p['gid']]['units']
                                        if p['pid'] in w.gang[u].get('platforms_on', [])]
        for g in owners:
            people = [g['leader']] + [sp for sp, ro in g['staff'] if ro != 'salesman']
            lo = max(p['created'], g['open_day'])
            for sp in people:
                d = lo + r.randrange(0, 6)
                while d < p['close']:
                    u = r.random()
                    if u < 0.12 and g['gid'] in tower:
                        ip, dv, pv = wifi, phone(sp), '浙江'
                    elif u < 0.72:
                        ip, dv, pv = r.choice(g['office_ips']), r.choice(g['office_pcs']), g['prov']
                    elif u < 0.9:
                        ip, dv, pv = hip(sp), phone(sp), w.persons[sp][4]
                    else:
                        ip, pv = r.choice(VPN)
                        dv = phone(sp)
                    for fd, n in FEST:
                        if fd <= d < fd + n:
                            ip, pv = hip(sp), w.persons[sp][4]
                    L.append([d * 86400 + r.randrange(32000, 80000), sp, True, ip, dv, pv])
                    d += r.randrange(2, 8)
            for hd in hotel_days:
                if g['idx'] % 4 == 0 and lo < hd < p['close']:
                    L.append([hd * 86400 + r.randrange(70000, 85000), g['leader'], True, hotel[0], phone(g['leader']), hotel[1]])
        for v in w.vendor['staff'][1:3]:
            for d in range(p['created'] - 3, p['close'], r.randrange(25, 60)):
                L.append([max(0, d) * 86400 + 40000, v, True, '101.230.10.66', phone(v), '上海'])
    for a in w.agents.values():
        p = w.plat[a['platform']]
        if not p['logs']:
            continue
        end = a['left'] if a['left'] != '' else p['close']
        prov = w.persons[a['person']][4] if a['person'] else w.gang[a['gang']]['prov']
        for d in range(a['joined'] + r.randrange(0, 20), end, r.randrange(12, 40)):
            if r.random() < 0.7:
                ip, pv = nat_ip(prov), prov
            else:
                ip, pv = r.choice(VPN)
            L.append([d * 86400 + r.randrange(30000, 82000), a['aid'], True, ip, phone(a['person'] or a['aid']), pv])
    for c in w.clients:
        p = w.plat[c['platform']]
        if not p['logs']:
            continue
        prov = w.persons[c['person']][4]
        n = r.randrange(1, 12)
        for k in range(n):
            d = r.randrange(c['reg'], max(c['reg'] + 1, min(p['close'], c['reg'] + 300)))
            u = r.random()
            if u < 0.6:
                ip, pv = nat_ip(prov), prov
            elif u < 0.93:
                ip, pv = hip(c['person']), prov
            else:
                ip, pv = r.choice(VPN)
            L.append([d * 86400 + r.randrange(30000, 84000), c['acct'], False, ip, phone(c['person']), pv])
    # e-banking of the gang cards (only banks that answered the query send login logs)
    for g in w.gangs:
        cards = g['collect'] + [g['payout'], g['fin_card']]
        fin_ip = hip(g['leader']) if g['family'] else g['office_ips'][0]
        fin_pv = w.persons[g['leader']][4] if g['family'] else g['prov']
        for cc in cards:
            if not w.obtained(cc):
                continue
            for d in range(g['open_day'] + r.randrange(0, 5), NDAYS, r.randrange(3, 9)):
                L.append([d * 86400 + r.randrange(75000, 84000), cc, False, fin_ip, g['fin_phone'], fin_pv])
    # broker API logs: only Kabuto answered
    for p in w.platforms:
        if p.get('broker') != 'KB':
            continue
        g = w.gang[p['gid']]
        for mid in p['mothers']:
            for d in range(p['created'], p['close'], r.randrange(6, 15)):
                L.append([d * 86400 + 30000, mid, False, g['server_ip'], 'bridge-' + p['pid'], '香港'])
    for grp in w.groups:
        if grp['broker'] != 'KB' and grp['style'] != 'all':
            continue
        for d in grp['days']:
            for j, a in enumerate(grp['accounts']):
                base = d * 86400 + 9 * 3600 + r.randrange(0, 20) + j * 2
                if grp['style'] == 'funding+ip':
                    L.append([base, a, False, grp['ip'], phone(a), w.gang[grp['gang']]['prov']])
                elif grp['style'] == 'server+sync':
                    L.append([base, a, False, w.gang[grp['gang']]['server_ip'], 'bridge-hedge', '香港'])
                else:
                    L.append([base, a, False, grp['ip'], grp['pcs'][j % 2], '广东'])
    for (p, a, bk) in w.indep:
        if bk != 'KB':
            continue
        prov = w.persons[p][4]
        for k in range(r.randrange(5, 30)):
            L.append([r.randrange(NDAYS - 300, NDAYS) * 86400 + r.randrange(30000, 80000), a, False,
                      nat_ip(prov) if r.random() < 0.5 else hip(p), phone(p), prov])
    # the brothers' Spring Festival: both admin panels from the family home line in Putian
    ga, gb, la, lb = w.notes['brothers']
    ip = w.ids.ip(PROV['福建'][3])
    for fd, n in FEST:
        for d in range(fd, fd + n, 2):
            L.append([d * 86400 + 72000, la, True, ip, phone(la), '福建'])
            L.append([d * 86400 + 73000, lb, True, ip, phone(lb), '福建'])
