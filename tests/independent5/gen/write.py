"""Evidence gaps and the case tables."""
import csv
import os
from .util import DAYS, DAYC, BANK, ts, ts_ms, money
from .sim import INSTR, BROKERS


def write_csv(path, header, rows, enc='utf-8', crlf=False):
    with open(path, 'w', encoding=enc, newline='') as f:
        wr = csv.writer(f, lineterminator='\r\n' if crlf else '\n')
        wr.writerow(header)
        wr.writerows(rows)


def finalize_ids(w):
    """Statements in hand, transfer ids, ledger entry ids and links, trade and fill ids."""
    r = w.r
    order = sorted(range(len(w.transfers)), key=lambda i: (w.transfers[i][0], i))
    w.txn_id = {}
    kept = []
    for i in order:
        t = w.transfers[i]
        if not (w.obtained(t[1]) or w.obtained(t[2])):
            continue                          # neither side's bank answered: the transfer is unseen
        k = w.acc_bank.get(t[1], '') if w.obtained(t[1]) else w.acc_bank.get(t[2], '')
        k = {'AGG': 'HFB', 'BROKER': 'SWF', '': 'XX'}.get(k, k)
        tid = f"{k}{DAYC[t[0] // 86400]}{len(kept) + 1:08d}"
        w.txn_id[i] = tid
        kept.append([tid, ts(t[0]), t[1], t[2], money(t[3]), '', t[4], t[5]])
    w.bank_rows = kept
    # ledger: entry ids per platform in time order
    idx = sorted(range(len(w.ledger)), key=lambda i: (w.ledger[i][1], w.ledger[i][0], w.ledger[i][7], w.ledger[i][2], i))
    seq = {}
    w.entry_id = [None] * len(w.ledger)
    w.led_rows = []
    links = w.ledger_links
    w.n_unlinked = 0
    for i in idx:
        row = w.ledger[i]
        pid = row[1]
        n = seq.get(pid, 0) + 1
        seq[pid] = n
        eid = f"E{pid[2:]}-{n:08d}"
        w.entry_id[i] = eid
        btx = ''
        if i in links and links[i] in w.txn_id:
            if r.random() < 0.9:
                btx = w.txn_id[links[i]]
            else:
                w.n_unlinked += 1
        w.led_rows.append([eid, ts(row[0], w.plat[pid]['suffix']), pid, row[2], row[3], row[4], money(row[5]),
                           'CNY' if n % 3 else '', row[6], btx])
    tix = sorted(range(len(w.trades)), key=lambda i: (w.trades[i][2], w.trades[i][1], i))
    w.trade_rows = []
    w.trade_id = {}
    for i in tix:
        t = w.trades[i]
        n = seq.get('T' + t[2], 0) + 1
        seq['T' + t[2]] = n
        tid = f"T{t[2][2:]}{n:09d}"
        w.trade_id[id(t)] = tid
        w.trade_rows.append([tid, ts(t[1] // 1000) + f".{t[1] % 1000:03d}" + w.plat[t[2]]['suffix'], t[3], INSTR[t[4]][0],
                             'B' if t[5] > 0 else 'S', t[6], f"{t[7]:.2f}", money(t[8]), t[9]])
    fx = sorted(range(len(w.fills)), key=lambda i: (w.fills[i][0], i))
    w.fill_rows = []
    for k, i in enumerate(fx):
        f = w.fills[i]
        _, sh, suf = BROKERS[f[7]]
        w.fill_rows.append([f"{f[7]}F{k + 1:09d}", ts_ms(f[0], sh, suf), f[1], INSTR[f[2]][0], 'B' if f[3] > 0 else 'S',
                            f[4], f"{f[5]:.2f}", f[6], f[8]])


def write_tables(w, out):
    v = w.vendor
    write_csv(os.path.join(out, 'vendors.csv'), ['vendor_id', 'name', 'province', 'city', 'bank_account_ids'],
              [[v['vendor_id'], v['name'], v['province'], v['city'], ';'.join(v['accounts'])]])
    write_csv(os.path.join(out, 'licenses.csv'),
              ['license_id', 'vendor_id', 'platform_id', 'sold_on', 'price', 'currency', 'buyer_name', 'buyer_phone', 'paid_from_account'],
              [[l[0], l[1], l[2], l[3], money(l[4]), 'CNY', l[5], l[6], l[7]] for l in w.licenses])
    prow = []
    for p in w.platforms:
        g = w.gang[p['gid']]
        kind = ''
        if g['prov'] == '上海' or g['kind'] == 'hybrid' or (g['kind'] == 'master' and p['pid'] == g['platforms'][0]):
            kind = {'real': 'real', 'hybrid': 'real', 'fake': 'fake'}[p['kind']]
        prow.append([p['pid'], v['vendor_id'], p['name'], p['domain'], DAYS[p['created']], kind])
    write_csv(os.path.join(out, 'platforms.csv'), ['platform_id', 'vendor_id', 'name', 'domain', 'created_on', 'kind'], prow)
    grows = []
    for g in w.gangs:
        if g['known']:
            nm = w.persons[g['leader']][1][0] + '某团伙'
            grows.append([g['gid'], nm, g['prov'], g['city'], ';'.join(g['platforms']), g['leader'],
                          'seized' if g['prov'] == '上海' else 'suspected'])
    write_csv(os.path.join(out, 'gangs.csv'), ['gang_id', 'name', 'province', 'city', 'platform_ids', 'leader_person_id', 'status'], grows)
    write_csv(os.path.join(out, 'persons.csv'), ['person_id', 'name', 'id_number', 'phone', 'province', 'city'],
              [w.persons[p] for p in w.porder], enc='utf-8-sig')
    write_csv(os.path.join(out, 'memberships.csv'), ['person_id', 'org_id', 'role', 'start', 'end'], w.memberships)
    from .agents import agent_rows
    write_csv(os.path.join(out, 'agents.csv'), ['agent_id', 'platform_id', 'person_id', 'parent_agent_id', 'rebate_rate',
                                                'commission_rate', 'joined_on', 'left_on'], agent_rows(w))
    chan = ['抖音', '微信群', '朋友介绍', '百度推广', '']
    write_csv(os.path.join(out, 'clients.csv'), ['client_id', 'platform_id', 'agent_id', 'person_id', 'registered_on', '来源渠道'],
              [[c['cid'], c['platform'], c['agent'], c['person'], DAYS[c['reg']], chan[len(c['cid']) * 7 % 5 if c['reg'] % 3 else c['reg'] % 5]]
               for c in w.clients], enc='gb18030', crlf=True)
    write_csv(os.path.join(out, 'accounts.csv'), ['account_id', 'kind', 'holder_person_id', 'platform_id', 'client_id',
                                                  'parent_account_id', 'institution', 'opened_on'],
              [w.accounts[a] for a in w.aorder])
    write_csv(os.path.join(out, 'ledger.csv'), ['entry_id', 'ts', 'platform_id', 'client_id', 'account_id', 'kind', 'amount',
                                                'currency', 'beneficiary_agent_id', 'bank_txn_id'], w.led_rows)
    write_csv(os.path.join(out, 'bank_transfers.csv'), ['txn_id', 'ts', 'from_account', 'to_account', 'amount', 'currency',
                                                        'channel', 'memo'], w.bank_rows, crlf=True)
    write_csv(os.path.join(out, 'trades.csv'), ['trade_id', 'ts', 'account_id', 'instrument', 'side', 'qty', 'price',
                                                'notional', 'broker_ref'], w.trade_rows)
    write_csv(os.path.join(out, 'broker_fills.csv'), ['fill_id', 'ts', 'account_id', 'instrument', 'side', 'qty', 'price',
                                                      'broker_ref', 'counterparty_account_id'], w.fill_rows)
    lrows = []
    for L in sorted(w.logins, key=lambda x: (x[0], x[1])):
        lrows.append([ts(L[0]), '' if L[2] else L[1], L[1] if L[2] else '', L[3], L[4], L[5]])
    write_csv(os.path.join(out, 'logins.csv'), ['ts', 'account_id', 'actor_id', 'ip', 'device_id', 'ip_province'], lrows)
    write_csv(os.path.join(out, 'fx_rates.csv'), ['date', 'currency', 'cny_per_unit'], w.fx_rows)
    with open(os.path.join(out, 'case.yaml'), 'w', encoding='utf-8') as f:
        f.write(f"""case_id: CLOUD-ACTION-IND5-{w.seed}
title: "云端行动 — 汇芯期货管理软件及其下游团伙 (independent world #5)"
timezone: Asia/Shanghai
base_currency: CNY
sources:
  vendors.csv: 汇芯公司服务器 (seized, Shanghai)
  licenses.csv: 汇芯公司销售台账 (seized)
  platforms.csv: 汇芯公司租户管理后台 (seized)
  gangs.csv: 专案组已掌握团伙 (Shanghai seized + suspected)
  persons.csv: 公安人口信息 / 银行开户资料
  memberships.csv: 讯问笔录、工资表 (partial)
  agents.csv: 各平台后台导出 (one master platform exported without person links)
  clients.csv: 各平台后台导出
  accounts.csv: 平台后台、银行、券商开户资料
  ledger.csv: 各平台后台出入金及结算流水
  bank_transfers.csv: 资金查控 — answered by ICBC, CCB, ABC, BOC, Ping An and 汇付宝; CMB, PSBC and rural banks not yet
  trades.csv: 各平台后台成交记录
  broker_fills.csv: Kabuto Futures (Tokyo, +09:00) and Lionhead Securities (Singapore) statements
  logins.csv: 平台管理日志 (some platforms only), 网银登录 (answered banks only), Kabuto API log
  fx_rates.csv: 中国外汇交易中心 中间价 (weekdays)
""")
