"""Registry, vendor, gangs (shapes, staff, nominees, cards), platforms, licences."""
import datetime
from .util import (AREA, BASE, PROVINCES, PROV, PROV_NAMES, BANKS, BANK, DAYS, NDAYS, Rng, Ids)


class World:
    def __init__(self, r, n_gangs, n_clients):
        self.r = r
        self.g = Rng(r)
        self.ids = Ids(r)
        self.n_gangs = max(8, n_gangs)
        self.n_clients = max(200, n_clients)
        self.persons = {}        # pid -> [pid, name, id_number, phone, province, city]
        self.porder = []
        self.accounts = {}       # aid -> [aid, kind, holder, platform, client, parent, institution, opened]
        self.aorder = []
        self.acc_bank = {}       # aid -> bank key / 'AGG' / 'BROKER'
        self.pcard = {}          # pid -> personal card
        self.member = {}         # pid -> gang id (truth)
        self.acc_gang = {}       # account -> gang id (truth, non-person-derived)
        self.memberships = []
        self.gangs = []
        self.platforms = []      # dicts
        self.plat = {}
        self.licenses = []
        self.transfers = []      # [sec, from, to, fen, channel, memo]
        self.logins = []         # [sec, acc_or_actor, is_actor, ip, device, ip_prov]
        self.notes = {}

    # ---- persons and accounts -------------------------------------------
    def person(self, prov, city=None, surname=None, birth=None, name=None):
        g = self.g
        pid = self.ids.person()
        city = city or self.r.choice(PROV[prov][2])
        birth = birth or self.r.randrange(1958, 2001)
        idn = self.ids.id_number(prov, birth)
        u = self.r.random()
        if u < 0.4:
            idn = idn[:6] + '********' + idn[14:]
        elif u < 0.5:
            idn = ''
        if name and name.endswith('公司'):     # companies carry a unified social credit code
            idn = '91' + f"{AREA[prov] + self.r.randrange(100, 9999):06d}" + 'MA' + ''.join(
                self.r.choice('0123456789ABCDEFGHJKLMNPQRTUWXY') for _ in range(8))
        phone = g.phone() if self.r.random() < 0.93 else ''
        self.persons[pid] = [pid, name or g.name(surname), idn, phone, prov, city]
        self.porder.append(pid)
        return pid

    def account(self, kind, aid, holder='', platform='', client='', parent='', inst='', opened=0, key=''):
        self.accounts[aid] = [aid, kind, holder, platform, client, parent, inst, (BASE + datetime.timedelta(opened)).isoformat()]
        self.aorder.append(aid)
        self.acc_bank[aid] = key
        return aid

    def card(self, pid, bank=None, prov=None, opened=None, unobt=0.3):
        if bank is None:
            good = [b[0] for b in BANKS if b[4]]
            bad = [b[0] for b in BANKS if not b[4]]
            bank = self.r.choice(bad if self.r.random() < unobt else good)
        prov = prov or self.persons[pid][4]
        city = self.r.choice(PROV[prov][2])
        inst = f"{BANK[bank][1]}{city}分行"
        if opened is None:
            opened = self.r.randrange(-2000, 200)
        return self.account('bank', self.ids.card(bank), pid, inst=inst, opened=opened, key=bank)

    def personal_card(self, pid, unobt=0.3):
        if pid not in self.pcard:
            self.pcard[pid] = self.card(pid, unobt=unobt)
        return self.pcard[pid]

    def obtained(self, aid):
        k = self.acc_bank.get(aid, '')
        if k in BANK:
            return BANK[k][4]
        return True                     # payment firms, brokers, pseudo accounts

    def tx(self, sec, a, b, fen, channel='网银', memo=''):
        if fen > 0 and a != b:
            self.transfers.append([int(sec), a, b, int(fen), channel, memo])

    def join(self, pid, gid):
        self.member.setdefault(pid, gid)


BRAND1 = list('恒金汇盛鼎华富瑞信泰联融宏达鑫诚银通聚元')
BRAND2 = ['国际', '环球', '期货', '资本', '财富', '金融', '投资', '控股']
PINYIN = ['heng', 'jin', 'hui', 'sheng', 'ding', 'hua', 'fu', 'rui', 'xin', 'tai', 'lian', 'rong', 'hong', 'da', 'tong', 'yuan']


def build_vendor(w):
    r = w.r
    boss = w.person('上海', '上海', surname='钱', birth=1979)
    mom = w.person('上海', '上海', surname='钱', birth=1953)
    corp = w.account('bank', w.ids.corp('ICBC'), '', inst='中国工商银行上海张江支行', opened=-900, key='ICBC')
    bcard = w.card(boss, bank='CMB', prov='上海', opened=-1500)
    w.pcard[boss] = bcard
    w.pcard[mom] = w.card(mom, bank='ICBC', prov='上海', opened=-4000)
    w.vendor = dict(vendor_id='HXKJ-2019-001', name='上海汇芯信息科技有限公司', province='上海', city='上海',
                    accounts=[corp, bcard], boss=boss, mom=mom, corp=corp, staff=[boss])
    w.memberships.append([boss, w.vendor['vendor_id'], 'leader', '2019-03-01', ''])
    for role in ['tech', 'tech', 'salesman']:
        p = w.person('上海', '上海')
        w.vendor['staff'].append(p)
        w.memberships.append([p, w.vendor['vendor_id'], role, DAYS[r.randrange(0, 60)] if r.random() < .5 else '2019-06-01', ''])


def plan_gangs(w):
    """Kinds: fake front, seized SH gangs, 2 masters with member units, hybrid A/B book, ordinary."""
    r, n = w.r, w.n_gangs
    kinds = ['fake', 'normal', 'normal', 'normal', 'master', 'master', 'hybrid']
    n_units = 4 if n >= 14 else 2
    kinds += ['unit'] * n_units
    kinds += ['normal'] * (n - len(kinds))
    kinds = kinds[:n]
    provs = ['上海'] * 4
    pool = ['浙江'] * 4 + ['广东'] * 4 + ['福建'] * 3 + ['湖南', '四川', '河南', '山东', '湖北', '安徽',
                                                   '江西', '广西', '辽宁', '重庆', '河北', '江苏', '陕西', '云南']
    while len(provs) < n:
        provs.append(pool[(len(provs) - 4) % len(pool)] if len(provs) < 4 + len(pool) else r.choice(pool))
    rest = provs[4:]
    r.shuffle(rest)
    provs = provs[:4] + rest
    gangs = []
    seq = r.sample(range(11, 99), n)
    for i in range(n):
        prov = provs[i]
        gid = f"YD-{PROV[prov][1]}-{seq[i]:02d}" if prov != '上海' else f"HJZ-{2021}-{seq[i]:02d}"
        gangs.append(dict(gid=gid, kind=kinds[i], prov=prov, city=r.choice(PROV[prov][2]), idx=i,
                          platforms=[], staff=[], nominees=[], units=[], host=None))
    masters = [g for g in gangs if g['kind'] == 'master']
    units = [g for g in gangs if g['kind'] == 'unit']
    for j, u in enumerate(units):
        m = masters[j % len(masters)]
        u['host'] = m['gid']
        if u['prov'] == m['prov']:
            u['prov'] = '江西' if m['prov'] != '江西' else '湖南'
            u['city'] = PROV[u['prov']][2][0]
            u['gid'] = f"YD-{PROV[u['prov']][1]}-{int(u['gid'][-2:]):02d}"
        m['units'].append(u['gid'])
    # three gangs rent offices in one Hangzhou building (shared property manager)
    zj = [g for g in gangs if g['prov'] == '浙江']
    for g in zj[:3]:
        g['city'] = '杭州'
    w.notes['hangzhou_building'] = [g['gid'] for g in zj[:3]]
    # sizes: middle-heavy, no giant
    for g in gangs:
        base = {'normal': 1.0, 'master': 1.6, 'unit': 0.55, 'fake': 0.7, 'hybrid': 1.1}[g['kind']]
        g['weight'] = base * r.lognormvariate(0, 0.45)
        g['unobt'] = r.choice([0.1, 0.3, 0.3, 0.5, 0.8])       # share of cards at banks not queried
        g['deposit_mode'] = r.choices(['card', 'agg', 'agent'], [0.55, 0.3, 0.15])[0]
        g['agg_share'] = r.choice([0.05, 0.2, 0.5, 0.85])
    gangs[0]['deposit_mode'] = 'card'
    w.gangs = gangs
    w.gang = {g['gid']: g for g in gangs}


def staff_gang(w, g):
    r = w.r
    prov = g['prov']
    g['open_day'] = r.randrange(0, 220)
    home = prov if r.random() < 0.65 else r.choice(['福建', '浙江', '湖南', '广东', '江西'])
    g['home'] = home
    sur = r.choice('王李张陈林黄吴郑蔡许包')
    if g['idx'] == 0:
        sur = '包'
    g['surname'] = sur
    g['leader'] = w.person(home, surname=sur, birth=r.randrange(1972, 1992))
    w.join(g['leader'], g['gid'])
    big = g['weight'] > 1.2
    roles = ['finance'] + ['manager'] * r.randrange(0, 3 if big else 2) + ['tech'] * r.randrange(0, 3)
    roles += ['salesman'] * r.randrange(2, 9 if big else 5)
    g['family'] = r.random() < 0.4
    for k, role in enumerate(roles):
        if role == 'finance' and g['family']:
            p = w.person(home, city=w.persons[g['leader']][5])           # the leader's spouse
        elif role in ('manager', 'finance') and r.random() < 0.5:
            p = w.person(home, surname=sur if r.random() < .3 else None)
        else:
            p = w.person(prov if r.random() < .7 else r.choice(PROV_NAMES))
        g['staff'].append((p, role))
        w.join(p, g['gid'])
    g['finance'] = [p for p, ro in g['staff'] if ro == 'finance'][0]
    # nominees: relatives in family gangs, otherwise rented cards from poor counties
    for k in range(r.randrange(3, 8)):
        if g['family'] and k < 3:
            p = w.person(home, surname=sur)
        else:
            p = w.person(r.choice(['云南', '广西', '河南', '江西', '黑龙江', '四川']))
        g['nominees'].append(p)
        w.join(p, g['gid'])
    # gang cards; nominees' cards often opened where they worked (a third province)
    def ncard(p, opened):
        branch = r.choice([w.persons[p][4], g['prov'], '广东'])
        return w.card(p, prov=branch, opened=opened, unobt=g['unobt'])
    noms = g['nominees']
    g['collect'] = [ncard(noms[k % len(noms)], g['open_day'] - r.randrange(10, 200)) for k in range(max(len(noms) - 1, r.randrange(3, 7)))]
    g['payout'] = ncard(noms[-1], g['open_day'] - r.randrange(10, 200))
    g['fin_card'] = w.card(g['finance'], prov=g['prov'], opened=r.randrange(-400, 0), unobt=g['unobt'])
    g['lead_card'] = w.personal_card(g['leader'], unobt=g['unobt'])
    g['office_ips'] = [w.ids.ip(PROV[prov][3]) for _ in range(r.randrange(1, 3))]
    g['office_pcs'] = [w.ids.device('pc') for _ in range(r.randrange(2, 5))]
    g['fin_phone'] = w.ids.device()
    g['server_ip'] = w.ids.ip(r.choice(['47.242', '8.218', '43.129', '103.97']))


def build_platforms(w):
    r = w.r
    tn = r.sample(range(1000, 9999), 3 * len(w.gangs))
    k = 0
    for g in w.gangs:
        if g['kind'] == 'unit':
            continue
        n_p = 2 if (g['kind'] == 'normal' and g['weight'] > 1.35) else 1
        for j in range(n_p):
            pid = f"TN{tn[k]}"
            k += 1
            created = g['open_day'] + (0 if j == 0 else r.randrange(150, 400))
            if created > NDAYS - 120:
                continue
            close = NDAYS if r.random() < 0.7 else min(NDAYS, created + r.randrange(300, 700))
            kind = {'fake': 'fake', 'hybrid': 'hybrid'}.get(g['kind'], 'real')
            name = r.choice(BRAND1) + r.choice(BRAND1) + r.choice(BRAND2)
            dom = r.choice(PINYIN) + r.choice(PINYIN) + r.choice(['88', '668', 'fx', 'qh', '']) + r.choice(['.com', '.vip', '.net', '.cc'])
            p = dict(pid=pid, gid=g['gid'], kind=kind, created=created, close=close, name=name, domain=dom,
                     fee_lot=r.choice([4500, 6000, 8000, 10000, 12000]), night=r.choice([1500, 2500, 4000]),
                     logs=r.random() < 0.65, suffix=r.choice(['', '', '+08:00']), agents=[], clients=[])
            if g['kind'] == 'master':
                p['fee_lot'] = 15000
            w.platforms.append(p)
            w.plat[pid] = p
            g['platforms'].append(pid)
    for g in w.gangs:                        # member units live on the master's first platform
        if g['kind'] == 'unit':
            g['platforms_on'] = [w.gang[g['host']]['platforms'][0]]
            g['open_day'] = w.plat[g['platforms_on'][0]]['created'] + r.randrange(10, 120)
