"""Licence sales of the vendor and how they were paid."""
import datetime
from .util import BASE


def build_licenses(w):
    r = w.r
    v = w.vendor
    for i, p in enumerate(sorted(w.platforms, key=lambda x: (x['created'], x['pid']))):
        g = w.gang[p['gid']]
        sold = max(-60, p['created'] - r.randrange(5, 40))
        price = r.randrange(30, 150) * 1000000 if g['kind'] != 'master' else r.randrange(180, 260) * 1000000
        sold_on = (BASE + datetime.timedelta(sold)).isoformat()
        lid = f"SQ{sold_on[:7].replace('-', '')}-{i + 1:03d}"
        mode = r.random()
        buyer, phone, frm = w.persons[g['leader']][1], w.persons[g['leader']][3], g['lead_card']
        if mode < 0.25:                      # bought through a front man
            front = w.person(g['prov'])
            w.join(front, g['gid'])
            buyer, phone, frm = w.persons[front][1], w.persons[front][3], w.personal_card(front)
        elif mode < 0.35:                    # paid in USDT, no bank trail
            frm = ''
        w.licenses.append([lid, v['vendor_id'], p['pid'], sold_on, price,
                           buyer, phone, frm])
        if frm and sold >= 0:                # statements start 2020-06-01: earlier payments unseen
            to = v['corp'] if r.random() < 0.6 else (v['accounts'][1] if r.random() < 0.6 else w.pcard[v['mom']])
            sec = sold * 86400 + r.randrange(36000, 60000)
            if r.random() < 0.3:
                w.tx(sec, frm, to, price // 2, '网银', '软件款')
                w.tx(sec + 86400 * r.randrange(20, 60), frm, to, price - price // 2, '网银', '尾款')
            else:
                w.tx(sec, frm, to, price, '网银', '技术服务费')
