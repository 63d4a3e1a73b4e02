"""Account groups, independent traders, the leader brothers, and everyday noise money."""
import math
from .util import BANK, NDAYS, PROV_NAMES, GIVEN, month_start_day
from .sim import INSTR, BROKERS


def _fund(w, sec, src, dst, fen):
    w.tx(sec, src, dst, fen, '跨境汇款', 'investment')


def build_groups(w):
    r = w.r
    w.groups = []
    masters = [g for g in w.gangs if g['kind'] == 'master']
    normals = [g for g in w.gangs if g['kind'] == 'normal' and g['idx'] >= 4]
    hyb = [g for g in w.gangs if g['kind'] == 'hybrid']
    plan = [(masters[0], 'funding+ip'), (normals[len(normals) // 2], 'device+sync'),
            (hyb[0], 'server+sync'), (None, 'all')]
    for gi, (g, style) in enumerate(plan):
        gid = g['gid'] if g else ''
        bk = ['KB', 'KB', 'LH', 'LH'][gi]
        if g is None:
            ctrl = w.person('广东', '深圳')
        elif style == 'funding+ip':
            ctrl = w.person(g['prov'])          # a hired trader (操盘手): no membership row anywhere
            w.join(ctrl, gid)
        elif style == 'device+sync':
            ctrl = g['leader']
        else:
            techs = [p for p, ro in g['staff'] if ro == 'tech']
            ctrl = techs[0] if techs else g['leader']
        n = r.randrange(6, 13) if g else r.randrange(10, 16)
        lenders = []
        for k in range(n):
            prov = (g['home'] if g and r.random() < .5 else r.choice(PROV_NAMES)) if g else r.choice(['广东', '湖南', '江西'])
            lp = w.person(prov)
            if g:
                w.join(lp, gid)
            lenders.append(lp)
        holders = lenders + ([ctrl] if r.random() < 0.5 else [])
        accs = []
        for h in holders:
            a = w.account('mother', f"{bk}{w.ids.seq('m' + bk, 300100) * 7:07d}", h, inst=BROKERS[bk][0],
                          opened=r.randrange(100, 300), key='BROKER')
            accs.append(a)
            if g:
                w.acc_gang[a] = gid
        grp = dict(group_id=f"AG{gi + 1}", gang=gid, controller=ctrl, accounts=accs, style=style, broker=bk,
                   pcs=[w.ids.device('pc') for _ in range(2)], ip=w.ids.ip('59.42') if not g else g['office_ips'][0],
                   st_count=0, st_qty=0, days=[])
        w.groups.append(grp)
        start = r.randrange(320, 500)
        if style in ('funding+ip', 'all'):
            src = w.personal_card(ctrl, unobt=0)
            for j, a in enumerate(accs):
                _fund(w, start * 86400 + 10 * 3600 + j * r.randrange(40, 200), src, a, 30000000)
        elif style == 'device+sync':
            for j, (h, a) in enumerate(zip(holders, accs)):
                lc = w.personal_card(h, unobt=0.2)
                d = start - r.randrange(1, 20)
                w.tx(d * 86400 + 11 * 3600 + j * 50, g['fin_card'], lc, r.randrange(20, 60) * 1000000, '网银', '借款')
                _fund(w, (d + r.randrange(1, 4)) * 86400 + 14 * 3600, lc, a, r.randrange(15, 50) * 1000000)
        else:
            for j, a in enumerate(accs):
                _fund(w, (start + j % 3) * 86400 + 15 * 3600 + j * 7, g['fin_card'], a, 20000000)
        trade_group(w, grp, start)


def trade_group(w, grp, start):
    r = w.r
    accs = grp['accounts']
    days = sorted(r.sample(range(start + 1, min(NDAYS - 1, start + 200)), r.randrange(30, 60)))
    days = [d for d in days if d % 7 < 5]
    grp['days'] = days
    for d in days:
        for b in range(r.randrange(2, 6)):
            i = r.randrange(len(INSTR))
            tick = INSTR[i][3]
            px = round(round(float(w.px[i][d]) * (1 + r.gauss(0, 0.003)) / tick) * tick, 2)
            t0 = (d * 86400 + r.choice([9 * 3600 + 30 * 60, 10 * 3600 + 15 * 60, 21 * 3600 + 30 * 60]) + r.randrange(0, 1800)) * 1000
            side = 1 if r.random() < 0.5 else -1
            part = [a for a in accs if r.random() < r.uniform(0.6, 0.9)]
            for a in part:
                sd = side if r.random() < 0.88 else -side
                w.fills.append([t0 + r.randrange(0, 80), a, i, sd, r.choice([1, 2, 3, 5]), px,
                                f"{grp['broker']}G{w.ids.seq('gref', 10**8):09d}", grp['broker'], ''])
            if len(accs) >= 2 and r.random() < 0.12:
                a1, a2 = r.sample(accs, 2)
                ms, q = t0 + r.randrange(0, 80), r.choice([1, 2, 3])
                w.fills.append([ms, a1, i, 1, q, px, f"{grp['broker']}G{w.ids.seq('gref', 10**8):09d}", grp['broker'], a2])
                w.fills.append([ms, a2, i, -1, q, px, f"{grp['broker']}G{w.ids.seq('gref', 10**8):09d}", grp['broker'], a1])
                grp['st_count'] += 1
                grp['st_qty'] += q


def independent_traders(w):
    r = w.r
    w.indep = []
    for k in range(40 + w.n_clients // 300):
        p = w.person(r.choice(PROV_NAMES))
        bk = r.choice(['KB', 'LH'])
        od = r.randrange(0, 500)
        a = w.account('mother', f"{bk}{w.ids.seq('m' + bk, 300100) * 7:07d}", p, inst=BROKERS[bk][0],
                      opened=od, key='BROKER')
        _fund(w, (od + 2) * 86400 + 40000, w.personal_card(p), a, r.randrange(5, 80) * 1000000)
        w.indep.append((p, a, bk))
        for j in range(r.randrange(20, 90)):
            d = r.randrange(od + 5, NDAYS - 1)
            if d % 7 >= 5:
                continue
            i = r.randrange(len(INSTR))
            tick = INSTR[i][3]
            px = round(round(float(w.px[i][d]) * (1 + r.gauss(0, 0.003)) / tick) * tick, 2)
            base = d * 86400 + (9 * 3600 + 30 * 60 if r.random() < 0.15 else r.randrange(9 * 3600, 23 * 3600))
            w.fills.append([base * 1000 + r.randrange(0, 1000), a, i, r.choice([1, -1]), r.choice([1, 1, 2]),
                            px, f"{bk}I{w.ids.seq('iref', 10**7):08d}", bk, ''])


def brothers(w):
    """Two leaders are brothers from one Putian family; they run separate gangs."""
    r = w.r
    cand = [g for g in w.gangs if g['kind'] == 'normal' and g['idx'] >= 4]
    a, b = cand[0], cand[-1]
    la, lb = w.persons[a['leader']], w.persons[b['leader']]
    lb[1] = la[1][0] + r.choice(GIVEN) + r.choice(GIVEN)
    lb[4], lb[5] = '福建', '莆田'
    la[4], la[5] = '福建', '莆田'
    a['home'] = b['home'] = '福建'
    w.notes['brothers'] = [a['gid'], b['gid'], a['leader'], b['leader']]
    w.tx(400 * 86400 + 50000, a['lead_card'], b['lead_card'], 20000000, '手机银行', '借款')
    w.tx(460 * 86400 + 50000, b['lead_card'], a['lead_card'], 20000000, '手机银行', '还款')


def noise(w):
    r = w.r
    ordinary = [w.person(r.choice(PROV_NAMES)) for _ in range(w.n_clients // 6)]
    cp = []
    seen = set()
    for c in w.clients:
        if c['person'] not in seen:
            seen.add(c['person'])
            cp.append(c['person'])
    noms = [p for g in w.gangs for p in g['nominees']]
    pool = cp + ordinary
    for e in range(25 + w.n_clients // 600):
        boss = w.person(r.choice(PROV_NAMES), name=r.choice(['鑫源', '华通', '恒达', '兴隆', '宏运', '金泰']) + r.choice(['电子', '五金', '物流', '餐饮', '制衣', '建材']) + '有限公司')
        bank = r.choice(['ICBC', 'CCB', 'ABC', 'RCB'])
        acc = w.account('bank', w.ids.corp(bank), boss, inst=BANK[bank][1] + '对公营业部', opened=-3000, key=bank)
        staff = r.sample(pool, min(len(pool), r.randrange(15, 60)))
        if r.random() < 0.3 and noms:
            staff.append(r.choice(noms))                   # a nominee with a day job
        wage = {p: r.randrange(35, 120) * 10000 for p in staff}
        for m in range(0, 27):
            d = month_start_day(24246 + m) + 9
            if 0 <= d < NDAYS:
                for p in staff:
                    w.tx(d * 86400 + 32400 + r.randrange(0, 1800), acc, w.personal_card(p), wage[p], '代发', '代发工资')
    for l in range(30 + w.n_clients // 400):
        lp = w.person(r.choice(PROV_NAMES))
        lc = w.personal_card(lp)
        tenants = r.sample(pool, r.randrange(3, 9))
        for m in range(0, 27, 1):
            d = month_start_day(24246 + m) + r.randrange(0, 5)
            for p in tenants:
                if r.random() < 0.9 and d < NDAYS:
                    w.tx(d * 86400 + r.randrange(30000, 80000), w.personal_card(p), lc, r.randrange(8, 35) * 10000, '手机银行', '房租')
    for k in range(len(pool) // 2):
        a, b = r.sample(pool, 2)
        d = r.randrange(0, NDAYS)
        w.tx(d * 86400 + r.randrange(30000, 80000), w.personal_card(a), w.personal_card(b),
             r.choice([20000, 50000, 100000, 52000, 131400, 300000, int(math.exp(r.uniform(7, 12)))]), '手机银行',
             r.choice(['', '红包', '还款', '借款', '生活费']))
    for k in range(len(pool) // 20):
        d = r.randrange(0, NDAYS)
        w.tx(d * 86400 + 50000, w.personal_card(r.choice(pool)), w.otc[k % 3], r.randrange(1, 50) * 100000, '手机银行', '')
    w.ordinary = ordinary
