"""Bank and payment flows of the gangs: client deposits (to a rotating collection card or through a
payment company that settles T+1), payouts, daily sweeps, weekly payout top-ups, monthly salaries,
agents' rebate payouts, transfers to the leader and his company, licence and hosting fees."""

BANKCODE = {"中国工商银行": "ICBC", "中国建设银行": "CCB", "中国农业银行": "ABC", "中国银行": "BOC", "招商银行": "CMB",
            "交通银行": "BCM", "中国邮政储蓄银行": "PSBC", "农村信用社": "RCC", "平安银行": "PAB"}


def txn(w, frm, to, sec, amt, channel, memo, gang_internal=""):
    a = w.accounts[frm]
    code = BANKCODE.get(a["inst"], "ZF" if a["kind"] == "payment" else "XB")
    tid = "%s%010d" % (code, w.ids.next("txn"))
    w.transfers.append([tid, int(sec), frm, to, int(amt), channel, memo, gang_internal])
    return tid


def _collect_card(g, day):
    cur = g["collect"][0][1]
    for start, card in g["collect"]:
        if start <= day:
            cur = card
    return cur


def client_flows(w):
    r = w.r
    inflow = {}          # (card, day) -> fen  (what arrived on a collection card)
    payco_due = {}       # (payco acct, platform, day) -> fen
    w.payout_need = {}   # (gang, week) -> fen
    for row, c, kind, sec, amt in w.money_events:
        p = w.platforms[c["platform"]]
        g = w.gang_by_id[p["gang"]]
        card = w.card_of[c["person"]]
        day = sec // 86400
        if kind == "deposit":
            if p["payco"]:
                pa = p["payco"]["accts"][int(c["id"][-3:]) % len(p["payco"]["accts"])]
                t = txn(w, card, pa, sec - r.randint(20, 300), amt, "快捷支付", "充值")
                k = (pa, p["id"], day)
                payco_due[k] = payco_due.get(k, 0) + amt
            else:
                cc = _collect_card(g, day)
                t = txn(w, card, cc, sec - r.randint(30, 900), amt, r.pick(["手机银行", "网银", "跨行转账"]),
                        r.pick(["转账", "货款", "还款", "", "往来款"]))
                inflow[(cc, day)] = inflow.get((cc, day), 0) + amt
        else:
            t = txn(w, g["payout"], card, sec + r.randint(300, 20000), amt, "网银", r.pick(["转账", "提现", "往来款"]))
            wk = day // 7
            w.payout_need[(g["id"], wk)] = w.payout_need.get((g["id"], wk), 0) + amt
        row[9] = t
    for (pa, pid, day), amt in sorted(payco_due.items()):
        g = w.gang_by_id[w.platforms[pid]["gang"]]
        cc = _collect_card(g, day + 1)
        net = amt * 994 // 1000
        txn(w, pa, cc, (day + 1) * 86400 + 36000 + r.randint(0, 7200), net, "代付", "结算")
        inflow[(cc, day + 1)] = inflow.get((cc, day + 1), 0) + net
    w.inflow = inflow


def gang_flows(w):
    r = w.r
    gang_of_card = {}
    for g in w.gangs:
        for _, cc in g["collect"]:
            gang_of_card[cc] = g
    fin_in = {}
    for (cc, day), amt in sorted(w.inflow.items()):
        g = gang_of_card[cc]
        if g["size"] == "tiny" or cc == g["fin_card"]:
            continue
        sw = amt if r.chance(0.7) else amt // 1000000 * 1000000
        if sw > 0:
            txn(w, cc, g["fin_card"], day * 86400 + 79200 + r.randint(0, 5400), sw, "网银", "", "sweep")
            fin_in[(g["id"], day // 30)] = fin_in.get((g["id"], day // 30), 0) + sw
    for (gid, wk), need in sorted(w.payout_need.items()):
        g = w.gang_by_id[gid]
        if g["payout"] == g["fin_card"]:
            continue
        amt = (need // 1000000 + 1) * 1000000
        txn(w, g["fin_card"], g["payout"], wk * 7 * 86400 + 32400 + r.randint(0, 3600), amt, "网银", "备用金", "topup")
    for (gid, mo), amt in sorted(fin_in.items()):
        g = w.gang_by_id[gid]
        share = amt * r.randint(25, 45) // 100 // 10000 * 10000
        if share > 0:
            to = g.get("corp") or w.card_of[g["leader"]]
            if to != g["fin_card"]:
                txn(w, g["fin_card"], to, (mo * 30 + 29) * 86400 + 50000, share, "网银", "往来款", "profit")
    _salaries(w)
    _agent_payouts(w)
    _licences(w)


def _salaries(w):
    r = w.r
    for g in w.gangs:
        for pid, role in g["staff"]:
            p = w.persons[pid]
            for gid, rl, s, e in p.get("stints", []):
                if gid != g["id"] or role in ("leader", "company", "agent") or rl != role:
                    continue
                pay = {"manager": 2500000, "finance": 1200000, "tech": 1800000, "salesman": 800000,
                       "nominee": 300000}.get(role, 500000) + r.randint(0, 50) * 10000
                src = g["fin_card"] if w.card_of[pid] != g["fin_card"] else w.card_of[g["leader"]]
                if src == w.card_of[pid]:
                    continue
                for mo in range(s // 30 + 1, (e or 1276) // 30 + 1):
                    txn(w, src, w.card_of[pid], (mo * 30 + 10) * 86400 + 40000 + r.randint(0, 9000),
                        pay, "网银", "工资" if role != "nominee" else "卡租", "salary")


def _agent_payouts(w):
    """The rebates and commissions the ledger booked, paid monthly to the agent person's card."""
    r = w.r
    due = {}
    for row in w.ledger:
        if row[5] in ("rebate", "commission"):
            a = w.agents[row[8]]
            if a["person"]:
                k = (a["person"], w.platforms[a["platform"]]["gang"], w.next_month[row[1] // 86400])
                due[k] = due.get(k, 0) + row[6]
    for (pid, gid, nm), amt in sorted(due.items()):
        g = w.gang_by_id[gid]
        if nm > 1276 or amt < 100 or w.card_of[pid] == g["fin_card"]:
            continue
        txn(w, g["fin_card"], w.card_of[pid], (nm + 4) * 86400 + 43000 + r.randint(0, 9000), amt, "网银",
            "佣金", "rebate_payout")


def _licences(w):
    r = w.r
    vend = w.vendor["corp"]
    for lic in w.licences:
        g = w.gang_by_id[lic["gang"]]
        if r.chance(0.3):
            lic["buyer"] = r.name()                     # a front man never seen elsewhere
            lic["phone"] = w.ids.phone()
            src = w.card_of[g["leader"]]
        else:
            buyer = r.pick([pid for pid, role in g["staff"] if role in ("leader", "manager", "tech", "nominee")])
            lic["buyer"] = w.persons[buyer]["name"]
            lic["phone"] = w.persons[buyer]["phone"]
            src = w.card_of[buyer]
        if r.chance(0.15):
            lic["paid_from"] = ""                         # paid in cash
            continue
        lic["paid_from"] = src
        parts = [lic["price"]] if r.chance(0.6) else [lic["price"] * 3 // 10, lic["price"] - lic["price"] * 3 // 10]
        for i, amt in enumerate(parts):
            txn(w, src, vend, (lic["sold"] + i * 40) * 86400 + 50000 + r.randint(0, 9000), amt, "跨行转账",
                "软件款" if i == 0 else "服务费", "licence")
        p = w.platforms[lic["platform"]]
        if p["hosted"]:
            for mo in range(p["created"] // 30 + 1, min(p["close"], 1276) // 30):
                txn(w, w.card_of[g["leader"]], vend, (mo * 30 + 5) * 86400 + 40000, 800000, "手机银行",
                    "服务器托管费", "hosting")
