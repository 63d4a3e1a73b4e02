"""truth/expected_income.csv (courts' methods side by side) and expected_income_windows.csv (within tenure)."""
import os
from .util import money, DAYS, NDAYS
from .write import write_csv

METHODS = ['net_deposit', 'fees', 'rebates', 'turnover', 'gross_deposits', 'client_losses', 'client_net_loss', 'fresh_money']


def _methods(figs, rebates):
    s = [0] * 11
    losses = 0
    for f in figs:
        for k in range(11):
            s[k] += f[k]
        losses += max(0, f[8])
    reb = s[4] + s[5] if rebates is None else rebates
    return [s[7], s[2] + s[3], reb, s[10], s[0], losses, s[8], s[9]]


def write_income(w, out):
    figs = w.figs
    rows = []
    by_gang, by_plat = {}, {}
    for c in w.clients:
        by_gang.setdefault(c['owner'], []).append(figs[c['cid']])
        by_plat.setdefault(c['platform'], []).append(figs[c['cid']])
    for g in w.gangs:
        for m, v in zip(METHODS, _methods(by_gang.get(g['gid'], []), None)):
            rows.append([g['gid'], 'gang', m, money(v), '', ''])
    for p in w.platforms:
        for m, v in zip(METHODS, _methods(by_plat.get(p['pid'], []), None)):
            rows.append([p['pid'], 'platform', m, money(v), '', ''])
    kids, direct = {}, {}
    for aid in w.aorder_ag:
        par = w.agents[aid]['parent']
        if par:
            kids.setdefault(par, []).append(aid)
    for c in w.clients:
        if c['agent']:
            direct.setdefault(c['agent'], []).append(figs[c['cid']])
    recv = {}
    for row in w.ledger:
        if row[4] in ('rebate', 'commission'):
            recv[row[6]] = recv.get(row[6], 0) + row[5]

    def subtree(aid):
        out_ = list(direct.get(aid, []))
        for k in kids.get(aid, []):
            out_ += subtree(k)
        return out_
    for aid in w.aorder_ag:
        for m, v in zip(METHODS, _methods(subtree(aid), recv.get(aid, 0))):
            rows.append([aid, 'agent', m, money(v), '', ''])
    rows.append([w.vendor['vendor_id'], 'vendor', 'license_income', money(sum(l[4] for l in w.licenses)), '', ''])
    write_csv(os.path.join(out, 'truth', 'expected_income.csv'),
              ['subject_id', 'subject_type', 'method', 'amount', 'window_start', 'window_end'], rows)
    # windows: daily sums per organisation (gang = its own clients; platform = all its clients)
    cl = {c['cid']: c for c in w.clients}
    day = {}

    def add(org, d, k, v):
        x = day.get((org, d))
        if x is None:
            x = day[(org, d)] = [0] * 6
        x[k] += v
    col = {'deposit': 0, 'withdrawal': 1, 'fee': 2, 'overnight_fee': 2, 'pnl': 3, 'adjustment': 3, 'rebate': 4, 'commission': 4}
    for row in w.ledger:
        c = cl[row[2]]
        d = row[0] // 86400
        add(c['owner'], d, col[row[4]], row[5])
        add(c['platform'], d, col[row[4]], row[5])
    owner_of_acct = {c['acct']: c for c in w.clients}
    for t in w.trades:
        c = owner_of_acct[t[3]]
        add(c['owner'], t[0] // 86400, 5, t[8])
        add(c['platform'], t[0] // 86400, 5, t[8])
    didx = {d: i for i, d in enumerate(DAYS)}
    wrows = []
    for pid, org, role, start, end in w.memberships:
        if role not in ('leader', 'manager', 'finance', 'salesman') or org == w.vendor['vendor_id']:
            continue
        a = didx.get(start, -400) if start else -400
        b = didx.get(end, NDAYS + 60) if end else NDAYS + 60
        s = [0] * 6
        for d in range(max(a, -400), b + 1):
            x = day.get((org, d))
            if x:
                for k in range(6):
                    s[k] += x[k]
        vals = {'net_deposit': s[0] - s[1], 'fees': s[2], 'rebates': s[4], 'turnover': s[5],
                'gross_deposits': s[0], 'client_net_loss': s[2] - s[3]}
        for m in ['net_deposit', 'fees', 'rebates', 'turnover', 'gross_deposits', 'client_net_loss']:
            wrows.append([pid, 'person', org, role, m, money(vals[m]), start, end])
    write_csv(os.path.join(out, 'truth', 'expected_income_windows.csv'),
              ['subject_id', 'subject_type', 'org_id', 'role', 'method', 'amount', 'window_start', 'window_end'], wrows)
