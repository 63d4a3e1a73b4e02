#!/usr/bin/env python3
"""verify.py CASE — check the case files against this generator's truth (stdlib only, Decimal money)."""
import csv
import datetime
import os
import sys
from decimal import Decimal

CASE = sys.argv[1]
bad = []


def rd(name, enc='utf-8-sig'):
    p = os.path.join(CASE, name)
    for e in (enc, 'gb18030'):
        try:
            with open(p, encoding=e, newline='') as f:
                return list(csv.DictReader(f))
        except UnicodeDecodeError:
            continue
    raise SystemExit(f"cannot decode {p}")


def inst(ts):
    t = datetime.datetime.fromisoformat(ts)
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    return t


def check(cond, msg):
    if not cond:
        bad.append(msg)


persons = {r['person_id']: r for r in rd('persons.csv')}
agents = {r['agent_id']: r for r in rd('agents.csv')}
plats = {r['platform_id']: r for r in rd('platforms.csv')}
clients = {r['client_id']: r for r in rd('clients.csv')}
accounts = {r['account_id']: r for r in rd('accounts.csv')}
ledger = rd('ledger.csv')
trades = rd('trades.csv')
fills = rd('broker_fills.csv')
truth = rd('truth/gangs.csv')
groups = rd('truth/account_groups.csv')
tables = {'person': persons, 'agent': agents, 'platform': plats, 'bank_account': accounts, 'trading_account': accounts}

# 1. truth coverage
tg = {}
for r in truth:
    check(r['entity_id'] in tables[r['entity_type']], f"truth entity missing: {r['entity_type']} {r['entity_id']}")
    tg[(r['entity_id'], r['entity_type'])] = r['gang_id']
    if r['entity_type'] in ('bank_account', 'trading_account'):
        k = accounts[r['entity_id']]['kind']
        check((k in ('bank', 'payment')) == (r['entity_type'] == 'bank_account'), f"type mismatch {r['entity_id']}")
for a in agents:
    check((a, 'agent') in tg, f"agent not in truth: {a}")
for p in plats:
    check((p, 'platform') in tg, f"platform not in truth: {p}")
for a, r in accounts.items():
    if r['kind'] in ('mother', 'sub') and r['platform_id']:
        check(tg.get((a, 'trading_account')) == tg[(r['platform_id'], 'platform')], f"platform broker account {a}")
    if r['holder_person_id'] and (r['holder_person_id'], 'person') in tg and r['kind'] != 'trading':
        check((a, 'bank_account' if r['kind'] in ('bank', 'payment') else 'trading_account') in tg, f"member's account {a} missing")
client_persons = {c['person_id'] for c in clients.values()}
for pid in sorted(client_persons):
    check((pid, 'person') not in tg, f"client person {pid} is in truth")
for g in groups:
    check(g['account_id'] in accounts and accounts[g['account_id']]['kind'] == 'mother', f"group account {g['account_id']}")
    check(g['controller_id'] in persons, f"controller {g['controller_id']}")

# 2. client figures recomputed
acc_client = {r['account_id']: r['client_id'] for r in accounts.values() if r['client_id']}
F = ['deposits', 'withdrawals', 'fees', 'overnight_fees', 'rebates_paid', 'commissions_paid', 'trading_pnl']
col = {'deposit': 0, 'withdrawal': 1, 'fee': 2, 'overnight_fee': 3, 'rebate': 4, 'commission': 5, 'pnl': 6, 'adjustment': 6}
fig = {c: [Decimal(0)] * 11 for c in clients}
recv = {}
rows = sorted(ledger, key=lambda r: (inst(r['ts']), r['entry_id']))
run = {}
for r in rows:
    a = Decimal(r['amount'])
    f = fig[r['client_id']]
    f[col[r['kind']]] += a
    check(a >= 0 or r['kind'] in ('pnl', 'adjustment'), f"negative {r['entry_id']}")
    if r['kind'] in ('rebate', 'commission'):
        check(r['beneficiary_agent_id'] in agents, f"beneficiary {r['entry_id']}")
        x = recv.setdefault(r['beneficiary_agent_id'], [Decimal(0), Decimal(0)])
        x[0 if r['kind'] == 'rebate' else 1] += a
    if r['kind'] in ('deposit', 'withdrawal'):
        s = run.get(r['client_id'], Decimal(0)) + (a if r['kind'] == 'deposit' else -a)
        run[r['client_id']] = s
        f[9] = max(f[9], s)
for t in trades:
    fig[acc_client[t['account_id']]][10] += Decimal(t['notional'])
for c, f in fig.items():
    f[7] = f[0] - f[1]
    f[8] = f[2] + f[3] - f[6]
names = F + ['net_deposit', 'client_loss', 'fresh_money', 'turnover']
exp = rd('truth/expected_clients.csv')
check(len(exp) == len(clients), "expected_clients row count")
gsum = {}
for e in exp:
    f = fig[e['client_id']]
    for k, n in enumerate(names):
        if Decimal(e[n]) != f[k]:
            bad.append(f"{e['client_id']} {n}: expected {e[n]} recomputed {f[k]}")
    g = gsum.setdefault(e['gang_id'], [Decimal(0)] * 11)
    for k in range(11):
        g[k] += f[k]
for e in rd('truth/expected_gangs.csv'):
    for k, n in enumerate(names):
        check(Decimal(e[n]) == gsum.get(e['gang_id'], [Decimal(0)] * 11)[k], f"gang {e['gang_id']} {n}")
for e in rd('truth/expected_agents.csv'):
    x = recv.get(e['agent_id'], [Decimal(0), Decimal(0)])
    check(Decimal(e['rebate_received']) == x[0] and Decimal(e['commission_received']) == x[1], f"agent {e['agent_id']} received")

# 3. fake trades = trades without a broker ref; routed refs have fills
fake = {r['trade_id'] for r in rd('truth/fake_trades.csv')}
refs = {f['broker_ref'] for f in fills}
for t in trades:
    check((t['broker_ref'] == '') == (t['trade_id'] in fake), f"fake flag {t['trade_id']}")
    check(t['broker_ref'] == '' or t['broker_ref'] in refs, f"ref without fill {t['trade_id']}")

# 4. self-trades recounted from the broker statements
gof = {g['account_id']: g['group_id'] for g in groups}
seen, cnt, qty = set(), {}, {}
for f in fills:
    cp = f['counterparty_account_id']
    if cp and f['side'] == 'B' and gof.get(f['account_id']) and gof.get(f['account_id']) == gof.get(cp):
        key = (inst(f['ts']), f['account_id'], cp)
        if key not in seen:
            seen.add(key)
            g = gof[cp]
            cnt[g] = cnt.get(g, 0) + 1
            qty[g] = qty.get(g, 0) + int(f['qty'])
for e in rd('truth/expected_account_groups.csv'):
    check(int(e['self_trade_count']) == cnt.get(e['group_id'], 0), f"self-trade count {e['group_id']}")
    check(int(e['self_trade_qty']) == qty.get(e['group_id'], 0), f"self-trade qty {e['group_id']}")

# 5. vendor licence income
lic = sum(Decimal(l['price']) for l in rd('licenses.csv'))
v = rd('truth/expected_vendor.csv')[0]
check(Decimal(v['license_income']) == lic, "license_income")
vacc = set(rd('vendors.csv')[0]['bank_account_ids'].split(';'))
gacc = {e for (e, t) in tg if t in ('bank_account', 'trading_account')}
lb = sum(Decimal(t['amount']) for t in rd('bank_transfers.csv') if t['to_account'] in vacc and t['from_account'] in gacc)
check(Decimal(v['license_income_bank']) == lb, "license_income_bank")

# 6. courts' methods: gangs and platforms from recomputed client figures; membership windows from the rows
cg = {e['client_id']: e['gang_id'] for e in exp}
grp_f = {}
for c, f in fig.items():
    for key in (('gang', cg[c]), ('platform', clients[c]['platform_id'])):
        grp_f.setdefault(key, []).append(f)


def methods(fs):
    s = [sum((f[k] for f in fs), Decimal(0)) for k in range(11)]
    return {'net_deposit': s[7], 'fees': s[2] + s[3], 'rebates': s[4] + s[5], 'turnover': s[10], 'gross_deposits': s[0],
            'client_losses': sum((max(Decimal(0), f[8]) for f in fs), Decimal(0)), 'client_net_loss': s[8], 'fresh_money': s[9]}


inc = rd('truth/expected_income.csv')
for e in inc:
    if e['subject_type'] in ('gang', 'platform'):
        m = methods(grp_f.get((e['subject_type'], e['subject_id']), []))
        check(Decimal(e['amount']) == m[e['method']], f"income {e['subject_id']} {e['method']}")
    elif e['subject_type'] == 'vendor':
        check(Decimal(e['amount']) == lic, "income vendor")
acct_of = {c: clients[c]['platform_id'] for c in clients}
dayrows = []
for r in ledger:
    dayrows.append((r['ts'][:10], r['client_id'], r['kind'], Decimal(r['amount']), Decimal(0)))
for t in trades:
    dayrows.append((t['ts'][:10], acc_client[t['account_id']], 'trade', Decimal(0), Decimal(t['notional'])))
wins = rd('truth/expected_income_windows.csv')
wk = {}
for e in wins:
    wk.setdefault((e['subject_id'], e['org_id'], e['role'], e['window_start'], e['window_end']), {})[e['method']] = Decimal(e['amount'])
for (pid, org, role, a, b), exp_m in list(wk.items())[:60]:
    s = {'deposit': Decimal(0), 'withdrawal': Decimal(0), 'fee': Decimal(0), 'pnl': Decimal(0), 'reb': Decimal(0), 'turn': Decimal(0)}
    for d, c, k, amt, notion in dayrows:
        if (cg[c] != org and clients[c]['platform_id'] != org) or (a and d < a) or (b and d > b):
            continue
        if k == 'trade':
            s['turn'] += notion
        elif k in ('fee', 'overnight_fee'):
            s['fee'] += amt
        elif k in ('pnl', 'adjustment'):
            s['pnl'] += amt
        elif k in ('rebate', 'commission'):
            s['reb'] += amt
        else:
            s[k] += amt
    got = {'net_deposit': s['deposit'] - s['withdrawal'], 'fees': s['fee'], 'rebates': s['reb'], 'turnover': s['turn'],
           'gross_deposits': s['deposit'], 'client_net_loss': s['fee'] - s['pnl']}
    for m, v in exp_m.items():
        check(v == got[m], f"window {pid} {org} {a}..{b} {m}: {v} vs {got[m]}")

print(f"{CASE}: {len(clients)} clients, {len(truth)} truth rows, {len(bad)} problems")
for b in bad[:30]:
    print("  ", b)
sys.exit(1 if bad else 0)
