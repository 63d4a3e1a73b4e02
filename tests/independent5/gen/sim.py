"""Market, broker accounts, and each client's life: ledger, trades, fills, monthly settlement."""
import math
import numpy as np
from .util import NDAYS, CASE_END, DAYS, month_of, month_start_day

# symbol, currency, multiplier, tick, start price, fee factor, night factor
INSTR = [('HSI', 'HKD', 50, 1.0, 25000, 1.0, 1.0), ('MHI', 'HKD', 10, 1.0, 25000, 0.3, 0.3),
         ('CL', 'USD', 1000, 0.01, 45, 1.0, 1.0), ('GC', 'USD', 100, 0.1, 1800, 1.0, 1.0),
         ('NQ', 'USD', 20, 0.25, 11000, 1.0, 1.0), ('CN', 'USD', 1, 2.5, 15000, 0.4, 0.2),
         ('MNQ', 'USD', 2, 0.25, 11000, 0.3, 0.2), ('MGC', 'USD', 10, 0.1, 1800, 0.3, 0.3)]
SMALL = [1, 5, 6, 7]
BROKERS = {'KB': ('Kabuto Futures Co., Ltd. (Tokyo)', 9, '+09:00'),
           'LH': ('Lionhead Securities Pte. (Singapore)', 8, '+08:00')}


def build_market(w):
    rs = np.random.RandomState(w.r.randrange(2**31))
    w.px = []
    for sym, cur, mult, tick, p0, _, _ in INSTR:
        steps = rs.normal(0.0, 0.011, NDAYS + 10)
        w.px.append(p0 * np.exp(np.cumsum(steps)))
    usd = 6.9 + np.cumsum(rs.normal(-0.0004, 0.012, NDAYS + 10))
    usd = np.clip(usd, 6.3, 7.3)
    w.fx = {'USD': [round(float(x), 4) for x in usd],
            'HKD': [round(float(x) / 7.8 + 0.0003 * math.sin(i / 9.0), 4) for i, x in enumerate(usd)]}
    w.fx_rows = []
    for d in range(NDAYS):
        if d % 7 < 5:
            w.fx_rows.append([DAYS[d], 'USD', f"{w.fx['USD'][d]:.4f}"])
            w.fx_rows.append([DAYS[d], 'HKD', f"{w.fx['HKD'][d]:.4f}"])


def fx_on(w, cur, day):
    while day % 7 >= 5:
        day -= 1
    return w.fx[cur][day]


def build_broker(w):
    r = w.r
    w.subs = {}
    for p in w.platforms:
        g = w.gang[p['gid']]
        if p['kind'] == 'fake':
            continue
        bk = r.choice(['KB', 'KB', 'LH'])
        p['broker'] = bk
        subs = []
        for m in range(r.randrange(1, 3)):
            holder = r.choice(g['nominees'] + [g['leader']])
            mid = w.account('mother', f"{bk}{w.ids.seq('m' + bk, 300100) * 7:07d}", holder, p['pid'],
                            inst=BROKERS[bk][0], opened=p['created'] - r.randrange(5, 30), key='BROKER')
            w.acc_gang[mid] = g['gid']
            p.setdefault('mothers', []).append(mid)
            for s in range(r.randrange(4, 11)):
                sid = w.account('sub', f"{mid}-{s + 1:02d}", holder, p['pid'], parent=mid,
                                inst=BROKERS[bk][0], opened=p['created'] + r.randrange(0, 60), key='BROKER')
                w.acc_gang[sid] = g['gid']
                subs.append(sid)
        w.subs[p['pid']] = subs


def session_start(r, day):
    while day % 7 >= 5:
        day += 1
    t = r.choice([9 * 3600 + 20 * 60, 10 * 3600, 13 * 3600, 14 * 3600, 20 * 3600 + 35 * 60, 21 * 3600 + 30 * 60])
    return day * 86400 + t + r.randrange(0, 5400)


def simulate(w):
    r = w.r
    w.ledger = []          # [sec, pid, cid, acct, kind, fen, benef, order]
    w.trades = []          # [sec, ms, pid, acct, sym_i, side, qty, price_txt, notional_fen, ref]
    w.fills = []           # [ms, acct, sym_i, side, qty, price_txt, ref, broker, counterparty]
    w.fake_trades = []
    for c in w.clients:
        live(w, r, c)


def live(w, r, c):
    p = w.plat[c['platform']]
    kind = p['kind']
    c['turnover'] = 0
    if r.random() < 0.08:
        return
    d0 = c['reg'] + r.randrange(0, 6)
    end = min(p['close'] - 1, NDAYS - 2, d0 + int(r.lognormvariate(math.log(160), 0.8)))
    if end <= d0:
        return
    led, acct, pid, cid = w.ledger, c['acct'], p['pid'], c['cid']
    dep = int(r.lognormvariate(math.log(30000 if kind != 'fake' else 55000), 0.9))
    dep = max(2000, dep // 1000 * 1000 if r.random() < 0.7 else dep // 100 * 100) * 100
    routed = kind == 'real' or (kind == 'hybrid' and dep >= 5000000)
    c['routed'] = routed
    t = session_start(r, d0)
    led.append([t - r.randrange(300, 3000), pid, cid, acct, 'deposit', dep, '', 0])
    equity, principal, topups = dep, dep, 0
    if kind == 'real' and r.random() < 0.1:
        bonus = r.choice([50000, 100000, 200000])
        led.append([t - 200, pid, cid, acct, 'adjustment', bonus, '', 0])
        equity += bonus
    sub = w.subs[pid][r.randrange(len(w.subs[pid]))] if routed else ''
    n_rt = min(160, max(1, int(r.lognormvariate(math.log(21), 0.85))))
    big = dep >= 10000000
    menu = SMALL if dep < 8000000 else list(range(len(INSTR)))
    fav = r.choice(menu)
    end_sec = end * 86400 + 86000
    for k in range(n_rt):
        if t >= end_sec:
            break
        i = fav if r.random() < 0.6 else r.choice(menu)
        sym, cur, mult, tick, _, ff, nf = INSTR[i]
        qty = r.choice([1, 1, 1, 2, 2, 3, 5]) * (r.choice([1, 2, 4]) if big else 1)
        fee = int(p['fee_lot'] * ff) * qty * (2 if kind == 'fake' else 1)
        if equity < fee * 4:
            if topups < 3 and r.random() < 0.55:
                amt = max(200000, principal // 2 // 100000 * 100000)
                led.append([t - r.randrange(200, 2000), pid, cid, acct, 'deposit', amt, '', 0])
                equity += amt
                principal += amt
                topups += 1
            else:
                break
        day = t // 86400
        base = float(w.px[i][day]) * (1 + r.gauss(0, 0.004))
        po = round(round(base / tick) * tick, 2)
        side = 1 if r.random() < 0.55 else -1
        nights = 0 if r.random() < 0.72 else r.choice([1, 1, 2, 3, 5])
        dur = r.randrange(120, 14000) if nights == 0 else nights * 86400 + r.randrange(-3000, 3000)
        tc = t + dur
        cday = min(tc // 86400, NDAYS + 5)
        move = float(w.px[i][cday]) * (1 + r.gauss(0, 0.004)) - float(w.px[i][day]) * (1 + r.gauss(0, 0.004)) if nights else base * r.gauss(0, 0.003)
        if side * move > 0:                               # winners are closed early, losers run
            move *= r.uniform(0.25, 0.6)
        pc = po + move - side * tick
        if not routed:                                   # quotes shaded against the client
            pc -= side * tick * r.randrange(2, 9) * (3 if kind == 'fake' else 1)
        pc = round(round(pc / tick) * tick, 2)
        fxo, fxc = fx_on(w, cur, day), fx_on(w, cur, cday)
        pnl = int(round((pc - po) * side * qty * mult * fxc * 100))
        night_fee = int(p['night'] * nf) * qty * nights
        led.append([t, pid, cid, acct, 'fee', fee, '', 1])
        equity -= fee
        if pnl < -(equity - night_fee):
            pnl = -max(0, equity - night_fee)
        led.append([tc, pid, cid, acct, 'pnl', pnl, '', 2])
        if night_fee:
            led.append([tc, pid, cid, acct, 'overnight_fee', night_fee, '', 3])
        equity += pnl - night_fee
        for (ts_, sd, px) in ((t, side, po), (tc, -side, pc)):
            ms = ts_ * 1000 + r.randrange(0, 1000)
            notional = int(round(qty * px * mult * (fxo if ts_ == t else fxc) * 100))
            c['turnover'] += notional
            ref = ''
            if routed:
                ref = f"{p['broker']}{w.ids.seq('ref', 10**9):010d}"
                fms = ms + r.randrange(60, 900)
                w.fills.append([fms, sub, i, sd, qty, px, ref, p['broker'], ''])
            tr = [ts_, ms, pid, acct, i, sd, qty, px, notional, ref]
            w.trades.append(tr)
            if not routed:
                w.fake_trades.append(tr)
        if r.random() < 0.12 and equity > principal * 1.4:
            wd = equity * r.randrange(30, 60) // 100 // 10000 * 10000
            if kind == 'fake' and r.random() < 0.7:
                wd = 0
            if wd > 0:
                led.append([tc + r.randrange(600, 7200), pid, cid, acct, 'withdrawal', wd, '', 0])
                equity -= wd
        gap = int(r.expovariate(0.45))
        if gap == 0 and (tc % 86400) < 20 * 3600:
            t = tc + r.randrange(300, 7200)
        else:
            t = session_start(r, tc // 86400 + max(1, gap))
    last = t if t < end_sec else end_sec
    last = min(last, (NDAYS - 1) * 86400)
    if equity > 0:
        if kind in ('fake', 'hybrid') and not routed and r.random() < 0.6:
            led.append([last + 3600, pid, cid, acct, 'adjustment', -equity * r.randrange(50, 101) // 100, '', 4])
        elif r.random() < 0.85 and equity >= 10000:
            led.append([last + 7200, pid, cid, acct, 'withdrawal', equity // 100 * 100, '', 5])


def settle(w):
    """Monthly settlement: two-level differential rebates on fees, loss commission to the nearest salesman."""
    agents = w.agents
    per = {}
    for row in w.ledger:
        k = row[4]
        if k in ('fee', 'overnight_fee', 'pnl'):
            m = month_of(row[0] // 86400)
            key = (row[2], m)
            v = per.get(key)
            if v is None:
                v = per[key] = [0, 0, row[1]]
            if k == 'pnl':
                v[1] += row[5]
            else:
                v[0] += row[5]
    cl = {c['cid']: c for c in w.clients}
    for (cid, m) in sorted(per):
        fees, pnl, pid = per[(cid, m)]
        c = cl[cid]
        d = month_start_day(m + 1)
        sec = d * 86400 + 2 * 3600 + (hash_small(cid) % 3000)
        if sec >= CASE_END or not c['agent']:
            continue
        a = agents[c['agent']]
        if a['left'] != '' and d > a['left']:
            continue
        ra = int(round(a['rate'] * 1000))
        amt = fees * ra // 1000
        if amt > 0:
            w.ledger.append([sec, pid, cid, '', 'rebate', amt, a['aid'], 6])
        if a['parent']:
            b = agents[a['parent']]
            rb = int(round(b['rate'] * 1000))
            if rb > ra and (b['left'] == '' or d <= b['left']):
                amt = fees * (rb - ra) // 1000
                if amt > 0:
                    w.ledger.append([sec, pid, cid, '', 'rebate', amt, b['aid'], 6])
        x = a
        while x and not x['crate']:
            x = agents[x['parent']] if x['parent'] else None
        loss = fees - pnl
        if x and loss > 0 and (x['left'] == '' or d <= x['left']):
            amt = loss * int(round(x['crate'] * 100)) // 100
            if amt > 0:
                w.ledger.append([sec + 1, pid, cid, '', 'commission', amt, x['aid'], 7])


def hash_small(s):
    h = 0
    for ch in s:
        h = (h * 131 + ord(ch)) % 1000003
    return h
