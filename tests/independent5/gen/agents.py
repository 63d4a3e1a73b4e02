"""Agent forests (bushy, at most 4 levels; member units as top-level subtrees) and clients."""
from .util import PROV_NAMES, DAYS, NDAYS

CLIENT_PROVS = PROV_NAMES


def allocate(w):
    """Number of primary clients per (platform, owner gang) subtree."""
    gangs = w.gangs
    tot = sum(g['weight'] for g in gangs)
    slots = []
    for g in gangs:
        n = max(12, int(round(w.n_clients * g['weight'] / tot)))
        plats = g.get('platforms_on') or g['platforms']
        if len(plats) == 2:
            slots.append((plats[0], g, int(n * 0.65)))
            slots.append((plats[1], g, n - int(n * 0.65)))
        elif plats:
            slots.append((plats[0], g, n))
    return slots


def build_agents(w):
    r = w.r
    w.agents = {}
    w.aorder_ag = []
    w.clients = []
    w.notes['anonymous_agents_platform'] = w.gang[[g['gid'] for g in w.gangs if g['kind'] == 'master'][0]]['platforms'][0]
    seqs = {}
    for pid_, g, nc in allocate(w):
        p = w.plat[pid_]
        start = max(p['created'], g['open_day'] if g['kind'] == 'unit' else p['created'])
        n_ag = max(2, int(round(nc / r.uniform(14, 30))))
        mine = []

        def new_agent(person, parent, rate, crate, joined, depth):
            n = seqs.get(pid_, 0) + r.randrange(1, 4)
            seqs[pid_] = n
            aid = f"{pid_}.a{n:03d}"
            left = ''
            if r.random() < 0.06 and joined + 120 < p['close']:
                left = r.randrange(joined + 90, p['close'])
            a = dict(aid=aid, platform=pid_, person=person, parent=parent, rate=rate, crate=crate,
                     joined=joined, left=left, gang=g['gid'], depth=depth, nclients=0)
            w.agents[aid] = a
            w.aorder_ag.append(aid)
            mine.append(a)
            if person:
                w.join(person, g['gid'])
            return a

        tops = []
        if g['kind'] == 'unit':               # the member unit: its leader is one top-level agent
            head = new_agent(g['leader'], '', round(r.uniform(0.72, 0.8), 2), 0.0, start, 1)
            tops.append(head)
            for sp, role in g['staff']:
                if role in ('salesman', 'manager'):
                    new_agent(sp, head['aid'], round(r.uniform(0.45, 0.6), 2),
                              round(r.uniform(0.05, 0.1), 2) if role == 'salesman' else 0.0,
                              start + r.randrange(0, 30), 2)
        else:
            for sp, role in g['staff']:
                if role in ('salesman', 'manager'):
                    tops.append(new_agent(sp, '', round(r.uniform(0.5, 0.65), 2),
                                          round(r.uniform(0.04, 0.12), 2) if role == 'salesman' else 0.0,
                                          start + r.randrange(0, 40), 1))
            if not tops:
                tops.append(new_agent(g['leader'], '', 0.6, 0.0, start, 1))
        while len(mine) < n_ag:
            cands = [a for a in mine if a['depth'] < 4]
            wts = [5.0 / a['depth'] ** 1.5 for a in cands]
            par = r.choices(cands, wts)[0]
            pr = w.persons[par['person']][4] if par['person'] else g['prov']
            person = w.person(pr if r.random() < 0.6 else r.choice(PROV_NAMES)) if r.random() < 0.9 else ''
            rate = round(par['rate'] * r.uniform(0.55, 0.8), 3)
            joined = min(p['close'] - 60, par['joined'] + r.randrange(5, 200))
            new_agent(person, par['aid'], rate, 0.0, joined, par['depth'] + 1)
        # clients
        open_ag = [a for a in mine]
        wts = [r.paretovariate(1.3) for a in open_ag]
        for _ in range(nc):
            a = r.choices(open_ag, wts)[0] if r.random() > 0.04 else None
            lo = a['joined'] if a else start
            hi = min(p['close'] - 20, a['left'] if a and a['left'] != '' else NDAYS - 20)
            if hi <= lo:
                a, lo, hi = None, start, p['close'] - 20
            reg = r.randrange(lo, max(lo + 1, hi))
            if a:
                base = w.persons[a['person']][4] if a['person'] else g['prov']
            else:
                base = g['prov']
            person = w.person(base if r.random() < 0.55 else r.choice(CLIENT_PROVS))
            add_client(w, p, a, person, reg, g)


def add_client(w, p, a, person, reg, owner):
    r = w.r
    n = p.setdefault('cseq', 0) + r.randrange(1, 3)
    p['cseq'] = n
    cid = f"{p['pid']}U{n:06d}"
    acct = w.account('trading', f"MT{p['pid'][2:]}{n:06d}", person, p['pid'], cid, opened=reg, key='PLATFORM')
    c = dict(cid=cid, platform=p['pid'], agent=a['aid'] if a else '', person=person, reg=reg, acct=acct,
             owner=owner['gid'], card=w.personal_card(person))
    if a:
        a['nclients'] += 1
    w.clients.append(c)
    p['clients'].append(c)
    return c


def dual_clients(w):
    """About 1.5% of client persons also register on another gang's platform."""
    r = w.r
    base = list(w.clients)
    pl = [p for p in w.platforms]
    n = 0
    for c in base:
        if r.random() < 0.015:
            p = r.choice(pl)
            if p['pid'] == c['platform'] or p['close'] - 30 <= max(p['created'], c['reg']):
                continue
            ags = [a for a in w.agents.values() if a['platform'] == p['pid'] and a['left'] == '' and a['gang'] == p['gid']]
            a = r.choice(ags) if ags and r.random() < 0.8 else None
            lo = max(p['created'], c['reg'], a['joined'] if a else 0)
            if lo >= p['close'] - 30:
                continue
            add_client(w, p, a, c['person'], r.randrange(lo, p['close'] - 30), w.gang[p['gid']])
            n += 1
    w.notes['dual_client_records'] = n


def agent_rows(w):
    anon = w.notes['anonymous_agents_platform']
    rows = []
    for aid in w.aorder_ag:
        a = w.agents[aid]
        person = '' if a['platform'] == anon else a['person']
        rows.append([aid, a['platform'], person, a['parent'], f"{a['rate']:.3f}".rstrip('0').rstrip('.'),
                     f"{a['crate']:.2f}" if a['crate'] else '', DAYS[a['joined']],
                     DAYS[a['left']] if a['left'] != '' else ''])
    return rows


def build_memberships(w):
    """gangs.csv lists the Shanghai seizures and some suspects; roles come from interviews and payroll."""
    r = w.r
    first_unit = [g for g in w.gangs if g['kind'] == 'unit'][0]
    for g in w.gangs:
        g['known'] = g['prov'] == '上海' or g is first_unit or g['kind'] == 'hybrid' or r.random() < 0.3
    for g in w.gangs:
        start = DAYS[g['open_day']]
        if g['known']:
            org = g['gid']
            w.memberships.append([g['leader'], org, 'leader', start, ''])
            for sp, role in g['staff']:
                if r.random() < 0.15:
                    continue                  # never interviewed, not on the payroll sheet
                d0 = g['open_day'] + r.randrange(0, 120)
                end = ''
                if role == 'salesman' and r.random() < 0.25:
                    end = DAYS[min(NDAYS - 1, d0 + r.randrange(120, 500))]
                w.memberships.append([sp, org, role, DAYS[min(d0, NDAYS - 1)], end])
        elif g['kind'] != 'unit' and g['platforms'] and r.random() < 0.5:
            org = g['platforms'][0]               # the vendor's customer file names the site's boss
            w.memberships.append([g['leader'], org, 'leader', start, ''])
            for sp, role in g['staff']:
                if role in ('finance', 'tech') and r.random() < 0.5:
                    w.memberships.append([sp, org, role, '', ''])
