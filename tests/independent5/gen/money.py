"""Bank flows of the gangs: collection, aggregator, agent-collected deposits, sweeps, payouts, shares."""
from .util import BANK, NDAYS, CASE_END, month_of, month_start_day


def build_third_parties(w):
    r = w.r
    co = w.person('浙江', '杭州', name='杭州汇付宝支付科技有限公司')
    w.agg = [w.account('payment', f"HFB{w.ids.seq('agg', 880001):07d}{r.randrange(100):02d}", co,
                       inst='杭州汇付宝支付科技有限公司', opened=-700, key='AGG') for _ in range(4)]
    w.otc = []
    for k in range(3):
        p = w.person(r.choice(['广东', '福建', '海南']))
        w.otc.append(w.card(p, bank=r.choice(['CMB', 'ICBC', 'PAB']), opened=-900))
    pm = w.person('浙江', '杭州', name='杭州钱江国贸大厦物业管理有限公司')
    w.prop_mgr = w.account('bank', w.ids.corp('CCB'), pm, inst='中国建设银行杭州钱江支行', opened=-3000, key='CCB')
    w.shops = []
    for nm, bank in [('福鼎白茶(泉州)茶业有限公司', 'ABC'), ('深圳宝岛名车销售有限公司', 'CMB'),
                     ('周记黄金珠宝行', 'ICBC'), ('三亚海棠湾置业有限公司', 'BOC')]:
        p = w.person('福建' if '泉州' in nm else '广东', name=nm)
        w.shops.append(w.account('bank', w.ids.corp(bank), p, inst=BANK[bank][1] + '营业部',
                                 opened=-2500, key=bank))


def bank_flows(w):
    r = w.r
    cl = {c['cid']: c for c in w.clients}
    links = {}            # ledger index -> transfer index
    coll_in = {}          # (card, day) -> fen
    agent_in = {}         # (agent card, day, gid) -> fen
    agg_in = {}           # (gid, day) -> fen
    week_out = {}         # (gid, week) -> fen
    month_net = {}        # (gid, month) -> fen
    for g in w.gangs:
        g['rot'] = r.randrange(40, 120)
        g['agg_acc'] = w.agg[g['idx'] % len(w.agg)] if g['idx'] % 5 else w.agg[0]
    for li, row in enumerate(w.ledger):
        k = row[4]
        if k != 'deposit' and k != 'withdrawal':
            continue
        c = cl[row[2]]
        g = w.gang[c['owner']]
        sec, fen, day = row[0], row[5], row[0] // 86400
        m = month_of(day)
        if k == 'deposit':
            bsec = sec - r.randrange(20, 900)
            dst = None
            if g['deposit_mode'] == 'agg' and r.random() < g['agg_share']:
                dst = g['agg_acc']
                agg_in[(g['gid'], day)] = agg_in.get((g['gid'], day), 0) + fen
            elif g['deposit_mode'] == 'agent' and c['agent'] and w.agents[c['agent']]['person'] and r.random() < 0.8:
                dst = w.personal_card(w.agents[c['agent']]['person'], unobt=g['unobt'])
                key = (dst, day, g['gid'])
                agent_in[key] = agent_in.get(key, 0) + fen
            if dst is None:
                cc = g['collect']
                dst = cc[((day - g['open_day']) // g['rot']) % len(cc)]
                coll_in[(dst, day)] = coll_in.get((dst, day), 0) + fen
            links[li] = len(w.transfers)
            w.tx(bsec, c['card'], dst, fen, r.choice(['网银', '手机银行', '快捷支付']), r.choice(['', '充值', '转账', '投资款']))
            month_net[(g['gid'], m)] = month_net.get((g['gid'], m), 0) + fen
        else:
            links[li] = len(w.transfers)
            w.tx(sec + r.randrange(600, 20000), g['payout'], c['card'], fen, '网银', r.choice(['', '出金', '往来款']))
            wk = day // 7
            week_out[(g['gid'], wk)] = week_out.get((g['gid'], wk), 0) + fen
            month_net[(g['gid'], m)] = month_net.get((g['gid'], m), 0) - fen
    w.ledger_links = links
    card_gang = {}
    for g in w.gangs:
        for cc in g['collect']:
            card_gang[cc] = g
    for (card, day) in sorted(coll_in):                       # nightly sweeps
        fen, g = coll_in[(card, day)], card_gang[card]
        sec = day * 86400 + 22 * 3600 + r.randrange(0, 5000)
        if fen > 100000000 and r.random() < 0.5:
            while fen > 50000000:
                w.tx(sec, card, g['fin_card'], 50000000, '网银', '')
                fen -= 50000000
                sec += r.randrange(30, 300)
        w.tx(sec, card, g['fin_card'], fen, '网银', '')
    for (card, day, gid) in sorted(agent_in):                 # agents forward, keeping 3 % (坐扣)
        g = w.gang[gid]
        w.tx(day * 86400 + 21 * 3600 + r.randrange(0, 7000), card, g['fin_card'],
             agent_in[(card, day, gid)] * 97 // 100, '手机银行', '货款')
    for (gid, day) in sorted(agg_in):                         # aggregator T+1 settlement, 0.8 % fee
        g = w.gang[gid]
        w.tx((day + 1) * 86400 + 10 * 3600 + r.randrange(0, 3600), g['agg_acc'], g['fin_card'],
             agg_in[(gid, day)] * 992 // 1000, '代付', '结算款')
    for (gid, wk) in sorted(week_out):                        # weekly payout top-up, rounded up to 10,000
        g = w.gang[gid]
        amt = -(-week_out[(gid, wk)] // 1000000) * 1000000
        w.tx(wk * 7 * 86400 + 9 * 3600 + r.randrange(0, 3600), g['fin_card'], g['payout'], amt, '网银', '')
    monthly(w, month_net)


def monthly(w, month_net):
    r = w.r
    fees_unit, reb = {}, {}
    cl = {c['cid']: c for c in w.clients}
    for row in w.ledger:
        if row[4] in ('fee', 'overnight_fee'):
            g = w.gang[cl[row[2]]['owner']]
            if g['kind'] == 'unit':
                key = (g['gid'], month_of(row[0] // 86400))
                fees_unit[key] = fees_unit.get(key, 0) + row[5]
        elif row[4] in ('rebate', 'commission'):
            key = (row[6], month_of(row[0] // 86400))
            reb[key] = reb.get(key, 0) + row[5]
    for (gid, m) in sorted(fees_unit):                        # member unit pays the master its share
        u = w.gang[gid]
        ms = w.gang[u['host']]
        d = month_start_day(m + 1) + r.randrange(2, 8)
        if d < NDAYS:
            w.tx(d * 86400 + 15 * 3600 + r.randrange(0, 3600), u['fin_card'], ms['fin_card'],
                 fees_unit[(gid, m)] * 30 // 100, '网银', r.choice(['通道费', '技术服务费', '席位费']))
    for (aid, m) in sorted(reb):                              # rebate payouts to agents' own cards
        a = w.agents[aid]
        g = w.gang[a['gang']]
        if not a['person'] or (g['deposit_mode'] == 'agent' and r.random() < 0.8):
            continue                                          # paid in cash / USDT, or netted (坐扣)
        d = month_start_day(m) + r.randrange(3, 10)
        if d < NDAYS:
            w.tx(d * 86400 + 16 * 3600 + r.randrange(0, 3600), g['fin_card'],
                 w.personal_card(a['person'], unobt=g['unobt']), reb[(aid, m)], '网银', r.choice(['佣金', '返点', '']))
    for (gid, m) in sorted(month_net):
        g = w.gang[gid]
        d = month_start_day(m + 1) + r.randrange(1, 6)
        if d >= NDAYS:
            continue
        sec = d * 86400 + 14 * 3600
        net = month_net[(gid, m)]
        if net > 0:
            share = net * r.randrange(25, 45) // 100
            w.tx(sec, g['fin_card'], g['lead_card'], share, '网银', '')
            if r.random() < 0.6:
                w.tx(sec + 86400 * r.randrange(1, 5), g['lead_card'], w.otc[(g['idx'] + m) % 3 if r.random() < .7 else 0],
                     share * r.randrange(40, 80) // 100 // 10000 * 10000, '手机银行', r.choice(['', 'U', '货款']))
            if r.random() < 0.12:
                w.tx(sec + 86400 * 6, g['lead_card'], r.choice(w.shops), r.randrange(50, 400) * 1000000, '网银', '购物')
        for sp, role in g['staff']:
            if (w.ids.seq('salpay') * 7919 + len(sp)) % 10 < 7:
                w.tx(sec + r.randrange(60, 3600), g['fin_card'], w.personal_card(sp, unobt=g['unobt']),
                     r.randrange(8, 40) * 100000, '网银', r.choice(['工资', '报销', '']))
        if 'landlord' not in g:
            g['landlord'] = w.personal_card(w.person(g['prov'], g['city']))
        rent_to = w.prop_mgr if g['gid'] in w.notes['hangzhou_building'] else g['landlord']
        w.tx(sec - 86400 * 3, g['fin_card'], rent_to, r.choice([3500000, 4800000, 6000000]), '网银', r.choice(['房租', '物业费']))
