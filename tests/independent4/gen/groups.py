"""Account groups. Client-side groups trade relatives' platform accounts; broker-side groups (a 伊世顿-like
company group over three brokers, and 配资 sub-account groups inside gangs). Each account keeps only ONE
kind of surviving evidence (funding, device or synchronised orders); the controller's own keeps all."""
from .model import Rec
from .infra import BROKERS, broker_account
from .util import day_epoch, N_DAYS

EVID = ("sync", "device", "funding")


def before_sim(w, mk):
    """Client-side groups: a big client trades his relatives' accounts on one platform."""
    rng = w.rng.child("groups-a")
    gang = {g.gid: g for g in w.gangs}
    cands = [p for p in w.platforms if p.fake_from is None and p.logins_kept and not p.lb_ip and p.trades_kept
             and gang[p.gang].role in ("plain", "giant", "dual") and p.closed - p.created > 300 and p.agents]
    rng.shuffle(cands)
    from .agents import _new_client
    for k in range(min(len(cands), 2 + w.n_gangs // 20)):
        p = cands[k]
        ctl = w.new_person(rng)
        w.new_card(rng, ctl.pid, 0)
        a = rng.choice(p.agents)
        reg = max(a.joined, p.created) + rng.randrange(5, 60)
        G = Rec(gid="CG-%d" % (k + 1), controller=ctl.pid, gang="", kind="client", accounts=[], clients=[],
                ip=ctl.home_ip, device="%08X-%04X-4%03X-A%03X-%012X" % (rng.getrandbits(32), rng.getrandbits(16),
                                                                      rng.getrandbits(12), rng.getrandbits(12),
                                                                      rng.getrandbits(48)),
                ip_prov=ctl.province, qty=rng.randint(2, 6), slot={}, plan={})
        sym = rng.choice(("MHI", "CL", "GC"))
        tds = [d for d in mk.trading_days if reg + 8 < d < min(p.closed, N_DAYS - 1) - 5]
        days = tds[:rng.randrange(40, 90)]
        _, _, _, _, _, _, sess = mk.spec[sym]
        for d in days:
            s0, s1 = sess[0]
            t = s0 + rng.randrange(0, s1 - s0 - 1800)
            G.plan[d] = (sym, 1 if rng.random() < 0.5 else -1, t, rng.randrange(1000), rng.randrange(60, 1500))
        G.day_set = set(days)
        members = [ctl.pid] + [w.new_person(rng, ctl.province, ctl.city, surname=ctl.name[0]).pid
                               for _ in range(rng.randint(3, 5))]
        for j, pid in enumerate(members):
            c = _new_client(w, rng, p, a, reg + j, p.gang, person=pid, kind="grp")
            c.group, c.payer_card = G, w.persons[ctl.pid].cards[0]
            G.slot[c.idx] = j * rng.randrange(150, 900) + rng.randrange(0, 100)
            G.clients.append(c)
        w.groups.append(G)
        w.notes.setdefault("groups", []).append(dict(group=G.gid, kind="client", platform=p.pid, n=len(G.clients),
                                                     days=len(days), self_pairs=0))


def _fund_clients(w):
    for G in w.groups:
        if G.kind == "client":
            G.accounts = [(c.account, "all" if c.holder == G.controller else "mixed") for c in G.clients]


def after_sim(w, mk, td, money, logins):
    _fund_clients(w)
    rng = w.rng.child("groups-b")
    _company_group(w, mk, td, money, logins, rng)
    hosts = [g for g in w.gangs if g.role in ("plain", "giant", "splitP", "dual") and g.size != "small"]
    rng.shuffle(hosts)
    for k, g in enumerate(hosts[:2 + w.n_gangs // 15]):
        _sub_group(w, mk, td, money, logins, rng, g, k)


def _company_group(w, mk, td, money, logins, rng):
    boss = w.new_person(rng, "上海", "上海")
    co = w.new_person(rng, "上海", "上海", company="上海%s投资管理有限公司" % rng.choice(("锐思", "衡远", "鼎量")), kind="company")
    bcard = w.new_card(rng, boss.pid, 0).aid
    ccard = w.corp_account(rng, co.pid, 0, "招商银行上海分行").aid
    w.obtained.update((bcard, ccard))
    start = rng.randrange(300, 600)
    G = Rec(gid="AG-1", controller=boss.pid, gang="", kind="company", accounts=[])
    own = broker_account(w, rng, BROKERS[0], boss.pid, start - 20)
    G.accounts.append((own.aid, "all"))
    lenders = [w.new_person(rng).pid for _ in range(19)] + [
        w.new_person(rng, company="%s%s私募基金" % (rng.choice(("宁波", "深圳", "上海")), rng.choice(("远航", "嘉实", "明道", "启元", "量子", "鸿鹄", "星河"))),
                     kind="company").pid for _ in range(7)]
    kinds = ["sync"] * 9 + ["device"] * 9 + ["funding"] * 8
    rng.shuffle(kinds)
    for pid, kd in zip(lenders, kinds):
        br = (BROKERS[0] if rng.random() < 0.5 else BROKERS[2]) if kd == "sync" else BROKERS[1]
        G.accounts.append((broker_account(w, rng, br, pid, start - rng.randrange(5, 60)).aid, kd))
    _run_group(w, mk, td, money, logins, rng, G, start, ccard if rng.random() < 0.5 else bcard,
               [bcard, ccard], boss.home_ip)
    w.groups.append(G)


def _sub_group(w, mk, td, money, logins, rng, g, k):
    ctl = g.techs[0] if g.techs else g.leader
    br = BROKERS[rng.randrange(3)]
    start = rng.randrange(g.start + 60, max(g.start + 61, g.end - 200))
    G = Rec(gid="AG-%d" % (k + 2), controller=ctl, gang=g.gid, kind="subs", accounts=[])
    mom = broker_account(w, rng, br, ctl, start - 30, g.gid)
    G.accounts.append((mom.aid, "all"))
    n = rng.randint(3, 6)
    for j in range(n):
        lender = w.new_person(rng).pid
        g.nominees.append(lender)
        w.new_card(rng, lender, start - 40)
        s = w.add_account("%s-%d" % (mom.aid, j + 1), "sub", lender, parent=mom.aid, institution=br.name,
                          opened=start - rng.randrange(1, 25))
        s.broker = br
        G.accounts.append((s.aid, EVID[j % 2]))          # sync or device: 配资 subs are funded inside the mother
    card = w.persons[ctl].cards[0]
    _run_group(w, mk, td, money, logins, rng, G, start, card, [card], g.office_ip)
    w.groups.append(G)


def _run_group(w, mk, td, money, logins, rng, G, start, fund_card, ctl_cards, ip):
    acc = {a: w.accounts[a] for a, _ in G.accounts}
    tds = [d for d in mk.trading_days if start <= d < min(N_DAYS - 1, start + rng.randrange(120, 220))]
    days = sorted(rng.sample(tds, min(len(tds), rng.randrange(35, 70))))
    G.days = (days[0], days[-1]) if days else (start, start)
    # funding: round sums within minutes, controller side (only 'funding' and 'all' accounts show it)
    t0 = day_epoch(max(0, start - 3)) + 35000
    for j, (aid, kd) in enumerate(G.accounts):
        if kd in ("funding", "all") and acc[aid].kind != "sub":
            money.transfer(fund_card, aid, t0 + j * rng.randrange(40, 200), 50000000 if G.kind == "company" else 10000000,
                           "投资款", "跨境汇款", force=True)
    devs = ["%s-%s-%02d" % ("TRADE" if G.kind == "company" else "PEIZI", G.gid, i) for i in range(1 + len(days) // 20)]
    st = {"pairs": 0, "qty": 0}
    slots = {aid: 3 + i * 7 + rng.randrange(0, 5) for i, (aid, _) in enumerate(G.accounts)}
    for di, d in enumerate(days):
        dev = devs[min(len(devs) - 1, di // 20)]
        for aid, kd in G.accounts:
            if kd in ("device", "all"):
                b = acc[aid].broker
                logins.row(day_epoch(d) + 8 * 3600 + 50 * 60 + rng.randrange(0, 25), aid, "", ip, dev, "上海" if
                           G.kind == "company" else "", b.style, "api")
        for _ in range(rng.randint(3, 6)):
            sym = rng.choice(("MHI", "HSI") if rng.random() < 0.6 else ("CN",))
            _, cur, mult, tick, _, vol, sess = mk.spec[sym]
            s0, s1 = sess[rng.randrange(len(sess))]
            t = s0 if rng.random() < 0.3 else s0 + rng.randrange(0, s1 - s0 - 60)
            ms0 = day_epoch(d) * 1000 + t * 1000 + rng.randrange(0, 900)
            px = round(mk.price[sym][d] * (1 + rng.gauss(0, vol / 5)) / tick) * tick
            from .trades import price_text
            pxs = price_text(px, tick)
            side = "B" if rng.random() < 0.5 else "S"
            shown = [(aid, kd) for aid, kd in G.accounts if kd in ("sync", "all")]
            pair = rng.sample(shown, 2) if len(shown) >= 2 and rng.random() < 0.15 else None
            for aid, kd in shown:
                if rng.random() > 0.8 and (pair is None or aid not in [x[0] for x in pair]):
                    continue
                q = rng.randint(1, 5)
                ms, sd = ms0 + slots[aid], side
                if pair and aid == pair[1][0]:
                    continue
                if pair and aid == pair[0][0]:
                    a2 = pair[1][0]
                    b1, b2 = acc[aid].broker, acc[a2].broker
                    same = b1.code == b2.code
                    td.fill(b1, ms, aid, sym, sd, q, pxs, td.ref(b1.code), a2 if same else "")
                    td.fill(b2, ms, a2, sym, "S" if sd == "B" else "B", q, pxs, td.ref(b2.code), aid if same else "")
                    st["pairs"] += 1
                    st["qty"] += q
                    continue
                td.fill(acc[aid].broker, ms, aid, sym, sd, q, pxs, td.ref(acc[aid].broker.code))
    G.self_trades = st
    w.notes.setdefault("groups", []).append(dict(group=G.gid, kind=G.kind, gang=G.gang, n=len(G.accounts),
                                                 days=len(days), self_pairs=st["pairs"]))
