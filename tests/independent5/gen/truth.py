"""truth/: membership, account groups and expected figures (integer fen, from the rows as written)."""
import os
from .util import money
from .write import write_csv

FIG = ['deposits', 'withdrawals', 'fees', 'overnight_fees', 'rebates_paid', 'commissions_paid', 'trading_pnl',
       'net_deposit', 'client_loss', 'fresh_money', 'turnover']
KIND_COL = {'deposit': 0, 'withdrawal': 1, 'fee': 2, 'overnight_fee': 3, 'rebate': 4, 'commission': 5,
            'pnl': 6, 'adjustment': 6}


def client_figures(w):
    figs = {c['cid']: [0] * 11 for c in w.clients}
    run = {}
    order = sorted(range(len(w.ledger)), key=lambda i: (w.ledger[i][0], w.entry_id[i]))
    for i in order:
        row = w.ledger[i]
        f = figs[row[2]]
        f[KIND_COL[row[4]]] += row[5]
        if row[4] in ('deposit', 'withdrawal'):
            s = run.get(row[2], 0) + (row[5] if row[4] == 'deposit' else -row[5])
            run[row[2]] = s
            if s > f[9]:
                f[9] = s
    for c in w.clients:
        f = figs[c['cid']]
        f[7] = f[0] - f[1]
        f[8] = f[2] + f[3] - f[6]
        f[10] = c['turnover']
    return figs


def write_truth(w, out):
    td = os.path.join(out, 'truth')
    os.makedirs(td, exist_ok=True)
    fraud = {g['gid']: 'true' if g['kind'] in ('fake', 'hybrid') else 'false' for g in w.gangs}
    prov = {g['gid']: g['prov'] for g in w.gangs}
    rows = []
    for pid in w.porder:
        gid = w.member.get(pid)
        if gid:
            rows.append([pid, 'person', gid, prov[gid], fraud[gid]])
    for p in w.platforms:
        rows.append([p['pid'], 'platform', p['gid'], prov[p['gid']], fraud[p['gid']]])
    for aid in w.aorder_ag:
        gid = w.agents[aid]['gang']
        rows.append([aid, 'agent', gid, prov[gid], fraud[gid]])
    w.acc_truth = {}
    for aid in w.aorder:
        a = w.accounts[aid]
        gid = w.acc_gang.get(aid) or (w.member.get(a[2]) if a[2] else None)
        if gid:
            w.acc_truth[aid] = gid
            et = 'bank_account' if a[1] in ('bank', 'payment') else 'trading_account'
            rows.append([aid, et, gid, prov[gid], fraud[gid]])
    write_csv(os.path.join(td, 'gangs.csv'), ['entity_id', 'entity_type', 'gang_id', 'province', 'is_fraud'], rows)
    write_csv(os.path.join(td, 'account_groups.csv'), ['account_id', 'group_id', 'controller_id'],
              [[a, g['group_id'], g['controller']] for g in w.groups for a in g['accounts']])
    write_csv(os.path.join(td, 'expected_account_groups.csv'),
              ['group_id', 'gang_id', 'controller_id', 'n_accounts', 'self_trade_count', 'self_trade_qty', 'evidence_style', 'broker'],
              [[g['group_id'], g['gang'], g['controller'], len(g['accounts']), g['st_count'], g['st_qty'], g['style'],
                g['broker']] for g in w.groups])
    figs = client_figures(w)
    w.figs = figs
    owner = {c['cid']: c['owner'] for c in w.clients}
    write_csv(os.path.join(td, 'expected_clients.csv'), ['client_id', 'platform_id', 'gang_id'] + FIG,
              [[c['cid'], c['platform'], c['owner']] + [money(x) for x in figs[c['cid']]] for c in w.clients])
    # agents: own and subtree figures, rebates and commissions received
    kids = {}
    for aid in w.aorder_ag:
        par = w.agents[aid]['parent']
        if par:
            kids.setdefault(par, []).append(aid)
    own = {aid: [0] * 12 for aid in w.aorder_ag}
    for c in w.clients:
        if c['agent']:
            o = own[c['agent']]
            f = figs[c['cid']]
            for k in range(11):
                o[k] += f[k]
            o[11] += 1
    recv = {}
    for row in w.ledger:
        if row[4] in ('rebate', 'commission'):
            x = recv.setdefault(row[6], [0, 0])
            x[0 if row[4] == 'rebate' else 1] += row[5]

    def sub(aid):
        s = list(own[aid])
        for k in kids.get(aid, []):
            t = sub(k)
            for j in range(12):
                s[j] += t[j]
        return s
    arows = []
    for aid in w.aorder_ag:
        a = w.agents[aid]
        s = sub(aid)
        rc = recv.get(aid, [0, 0])
        arows.append([aid, a['platform'], a['gang'], a['depth'], own[aid][11], s[11]] +
                     [money(own[aid][k]) for k in (0, 1, 2, 3, 7, 8, 10)] + [money(s[k]) for k in (0, 1, 2, 3, 7, 8, 10)] +
                     [money(rc[0]), money(rc[1])])
    cols = ['deposits', 'withdrawals', 'fees', 'overnight_fees', 'net_deposit', 'client_loss', 'turnover']
    write_csv(os.path.join(td, 'expected_agents.csv'), ['agent_id', 'platform_id', 'gang_id', 'depth', 'n_own_clients', 'n_subtree_clients'] +
              ['own_' + x for x in cols] + ['subtree_' + x for x in cols] + ['rebate_received', 'commission_received'], arows)
    # platforms and gangs (a gang = the clients of its own subtrees; member units own theirs)
    fake = {}
    for t in w.fake_trades:
        x = fake.setdefault(t[2], [0, 0])
        x[0] += 1
        x[1] += t[8]
    cl_by_plat = {}
    for c in w.clients:
        cl_by_plat.setdefault(c['platform'], []).append(c)
    lic = {l[2]: l for l in w.licenses}
    prow = []
    for p in w.platforms:
        s, losses = [0] * 11, 0
        for c in cl_by_plat.get(p['pid'], []):
            f = figs[c['cid']]
            for k in range(11):
                s[k] += f[k]
            losses += max(0, f[8])
        ags = [w.agents[a] for a in w.aorder_ag if w.agents[a]['platform'] == p['pid']]
        fk = fake.get(p['pid'], [0, 0])
        prow.append([lic[p['pid']][0], p['pid'], p['gid'], w.gang[p['gid']]['prov'], p['kind'], len(ags),
                     max([a['depth'] for a in ags] or [0]), len(cl_by_plat.get(p['pid'], []))] +
                    [money(x) for x in s] + [money(losses), fk[0], money(fk[1])])
    write_csv(os.path.join(td, 'expected_platforms.csv'), ['license_id', 'platform_id', 'gang_id', 'province', 'true_kind', 'n_agents',
                                                           'agent_depth', 'n_clients'] + FIG + ['client_losses', 'n_fake_trades', 'fake_notional'], prow)
    grow = []
    acc_of = {c['acct']: c['owner'] for c in w.clients}
    fk_g = {}
    for t in w.fake_trades:
        x = fk_g.setdefault(acc_of[t[3]], [0, 0])
        x[0] += 1
        x[1] += t[8]
    for g in w.gangs:
        s, losses, n = [0] * 11, 0, 0
        for c in w.clients:
            if owner[c['cid']] == g['gid']:
                f = figs[c['cid']]
                for k in range(11):
                    s[k] += f[k]
                losses += max(0, f[8])
                n += 1
        nag = sum(1 for a in w.aorder_ag if w.agents[a]['gang'] == g['gid'])
        fk = fk_g.get(g['gid'], [0, 0])
        grow.append([g['gid'], g['prov'], g['kind'], g.get('host') or '', ';'.join(g.get('platforms_on') or g['platforms']),
                     'true' if g['known'] else 'false', fraud[g['gid']], nag, n] + [money(x) for x in s] +
                    [money(losses), fk[0], money(fk[1]), g['deposit_mode'], g['unobt']])
    write_csv(os.path.join(td, 'expected_gangs.csv'), ['gang_id', 'province', 'shape', 'host_gang', 'platform_ids', 'in_gangs_csv',
                                                       'is_fraud', 'n_agents', 'n_clients'] + FIG +
              ['client_losses', 'n_fake_trades', 'fake_notional', 'deposit_mode', 'share_cards_unqueried_banks'], grow)
    write_csv(os.path.join(td, 'fake_trades.csv'), ['trade_id', 'platform_id', 'account_id', 'notional'],
              [[w.trade_id[id(t)], t[2], t[3], money(t[8])] for t in w.fake_trades])
    vacc = set(w.vendor['accounts'])
    bank_in = 0
    for row in w.bank_rows:
        if row[3] in vacc and row[2] in w.acc_truth:
            bank_in += int(row[4].replace('.', ''))
    write_csv(os.path.join(td, 'expected_vendor.csv'), ['vendor_id', 'license_income', 'license_income_bank', 'n_licenses'],
              [[w.vendor['vendor_id'], money(sum(l[4] for l in w.licenses)), money(bank_in), len(w.licenses)]])
