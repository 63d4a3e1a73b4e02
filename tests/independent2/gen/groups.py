"""Account groups (one controller, borrowed broker accounts) and independent traders."""
from types import SimpleNamespace as NS

from . import ids as I
from .infra import BROKERS
from .sim import INSTR


def _price(w, sym, day):
    for s, mult, cur, p0, tick, vol, sm in INSTR:
        if s == sym:
            return round(round(float(w.prices[sym][day]) / tick) * tick, 4)


def build_groups(w):
    r = w.r
    bank = w.bank
    cand = [g for g in w.gangs if g.kind != "tiny"]
    r.shuffle(cand)
    specs = []
    for g in cand[:max(3, len(w.gangs) // 5)]:
        ctrls = list(dict.fromkeys(g.staff["leader"] + g.staff.get("tech", []) + g.staff.get("manager", [])))
        for k in range(min(len(ctrls), r.randint(1, 3))):
            specs.append((g, ctrls[k]))
    studio = w.new_person("浙江")                     # a trading studio boss: no gang
    specs.append((None, studio))
    only_ctrl = r.randrange(len(specs) - 1)            # this group's money comes only from its controller
    fill_no = [0]
    for gi, (g, ctrl) in enumerate(specs):
        gid_grp = "AG-%02d" % (gi + 1)
        gang_id = g.id if g else ""
        n = r.randint(4, 25)
        pre, inst = r.choice(BROKERS)
        pre2, inst2 = r.choice(BROKERS)
        span2 = gi % 3 == 1                             # some groups span two brokers
        devs = [I.device(r, "pc") for _ in range(r.randint(1, 3))]
        ips = ([r.choice(g.office_ips)] if g else [I.home_ip(r)]) + ["103.%d.%d.%d" % (
            r.randrange(256), r.randrange(256), r.randrange(1, 255))]
        ccard = w.card_of(ctrl)
        if g:
            w.member(ccard, "bank_account", gang_id)
        accts = []
        if r.random() < 0.5:                            # the controller's own account is in the group
            aid = w.ids.broker(pre)
            w.new_account("mother", ctrl, "", "", "", inst, I.START_DAY - 10, aid=aid)
            accts.append((aid, ctrl, None))
        while len(accts) < n:
            lender = w.new_person(r.choice(I.PROVINCES)[0])
            p_, i_ = (pre2, inst2) if span2 and len(accts) % 2 else (pre, inst)
            aid = w.ids.broker(p_)
            w.new_account("mother", lender, "", "", "", i_, r.randrange(I.START_DAY, I.START_DAY + 200), aid=aid)
            lcard = None if gi == only_ctrl else w.new_account("bank", lender, inst="中国建设银行")
            accts.append((aid, lender, lcard))
            if g:
                w.member(lender, "person", gang_id)
                if lcard:
                    w.member(lcard, "bank_account", gang_id)
        for aid, holder, lcard in accts:
            if g:
                w.member(aid, "trading_account", gang_id)
        first = r.randrange(max(I.START_DAY + 30, (g.start if g else 0) + 30), I.END_DAY - 120)
        # funding: the gang's finance card feeds the controller; controller -> nominee card -> broker
        t0 = I.t_of_day(first - 3, 10, r.randrange(60))
        each = r.choice([20000000, 30000000, 50000000])
        if g:
            bank.tx(t0 - 86400, g.cards["own"][0], ccard, each * len(accts), "网银", "")
        else:
            bank.tx(t0 - 86400, w.businesses[0].account, ccard, each * len(accts), "网银", "借款")
        for k, (aid, holder, lcard) in enumerate(accts):
            tt = t0 + k * r.randrange(20, 200)
            if lcard:
                bank.tx(tt, ccard, lcard, each, "网银", "")
                bank.tx(tt + r.randrange(300, 3000), lcard, aid, each, "跨境汇款", "入金")
            else:
                bank.tx(tt, ccard, aid, each, "跨境汇款", "入金")
        # synchronised orders
        days = sorted(r.sample(range(first, min(I.END_DAY, first + 200)), r.randint(15, 45)))
        st_n = st_q = 0
        bursts = []
        ids_ = [a[0] for a in accts]
        for d in days:
            if d % 7 in (3, 4):                          # 2020-01-01 was a Wednesday: skip weekends
                continue
            sym = r.choice(["HSI", "NQ", "CL", "GC"])
            px = _price(w, sym, d)
            if (not g or "no_logins" not in g.flags):
                tl = I.t_of_day(d, 9, 0, r.randrange(0, 30))
                for aid in ids_:
                    w.logins.append([tl + r.randrange(0, 20), aid, "", r.choice(ips), r.choice(devs), ""])
            for _ in range(r.randint(2, 6)):
                T = I.t_of_day(d, r.choice([9, 10, 13, 14, 21, 22]), r.randrange(60), r.randrange(60))
                base = r.randrange(0, 850)
                side = r.choice("BS")
                part = r.sample(ids_, max(2, int(len(ids_) * r.uniform(0.6, 0.95))))
                bursts.append((T, sym, px))
                for aid in part:
                    fill_no[0] += 1
                    sd = side if r.random() < 0.85 else ("S" if side == "B" else "B")
                    w.fills.append(["GF%08d" % fill_no[0], T, base + r.randrange(0, 120), aid, sym, sd,
                                    r.randint(1, 20), px, "GX%09d" % fill_no[0], ""])
                if r.random() < 0.15:
                    for _ in range(r.randint(1, 2)):
                        a, b = r.sample(ids_, 2)
                        q = r.randint(1, 10)
                        ms = base + r.randrange(0, 120)
                        for x, y, sd in ((a, b, "B"), (b, a, "S")):
                            fill_no[0] += 1
                            w.fills.append(["GF%08d" % fill_no[0], T, ms, x, sym, sd, q, px, "GX%09d" % fill_no[0], y])
                        st_n += 1
                        st_q += q
        w.groups.append(NS(id=gid_grp, gang=gang_id, controller=ctrl, accounts=accts, self_n=st_n, self_q=st_q,
                           bursts=bursts, only_controller_funding=(gi == only_ctrl), studio=g is None, ips=ips))
    _independents(w)


def _independents(w):
    """Unrelated traders at the same brokers; some trade in the same seconds as a group by chance."""
    r = w.r
    bursts = [b for grp in w.groups for b in grp.bursts]
    fill_no = 0
    inds = []
    for k in range(30 + w.C // 800):
        pid = w.new_person(None, common=True)
        pre, inst = r.choice(BROKERS)
        aid = w.ids.broker(pre)
        w.new_account("mother", pid, "", "", "", inst, r.randrange(I.START_DAY, I.START_DAY + 300), aid=aid)
        card = w.card_of(pid)
        d0 = r.randrange(I.START_DAY + 10, I.END_DAY - 60)
        w.bank.tx(I.t_of_day(d0, 11, r.randrange(60)), card, aid, r.randrange(10, 200) * 1000000, "跨境汇款", "入金")
        ip = "223.104.3.77" if r.random() < 0.15 else I.home_ip(r)
        dev = I.device(r, "pc" if r.random() < 0.5 else "phone")
        lucky = k % 3 == 0
        for _ in range(r.randint(10, 60)):
            if lucky and bursts and r.random() < 0.3:
                T, sym, px = r.choice(bursts)                   # same second as a group burst
            else:
                d = r.randrange(d0 + 1, I.END_DAY)
                sym = r.choice(["HSI", "NQ", "CL", "GC", "MHI", "MNQ"])
                T, px = I.t_of_day(d, r.choice([9, 10, 11, 14, 15, 21]), r.randrange(60), r.randrange(60)), _price(w, sym, d)
            fill_no += 1
            w.fills.append(["IF%08d" % fill_no, T, r.randrange(1000), aid, sym, r.choice("BS"), r.randint(1, 5), px,
                            "IX%09d" % fill_no, ""])
            if r.random() < 0.4:
                w.logins.append([T - r.randrange(60, 7200), aid, "", ip, dev, ""])
        inds.append(dict(person=pid, account=aid, same_second_as_groups=lucky))
    w.notes["independent_traders"] = inds
