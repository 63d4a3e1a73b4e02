"""Who belongs to which gang (truth/gangs.csv) and the account groups (truth/account_groups*.csv)."""
import csv
import os


def assign(w):
    gang = {g.gid: g for g in w.gangs}
    mem = {}
    # 1. nominees (card holders, lenders of a gang's 配资 subs), then staff: staff wins over nominee
    for g in w.gangs:
        for pid in g.nominees:
            mem[pid] = g.gid
    for g in w.gangs:
        if g.role == "splitS":
            continue
        for pid, _ in g.staff:
            mem[pid] = g.gid
    for g in w.gangs:
        if g.role == "splitS":               # the splinter's founder belongs to the splinter
            for pid, _ in g.staff:
                mem[pid] = g.gid
    staff = set(pid for g in w.gangs for pid, _ in g.staff)
    # 2. agents who are not staff: the gang of their active agent row at the end of the case
    #    (several active rows: the one with more direct clients; none active: the latest to end)
    direct = {}
    for c in w.clients:
        if c.agent is not None:
            direct[id(c.agent)] = direct.get(id(c.agent), 0) + 1
    plat = {p.pid: p for p in w.platforms}
    rows = {}
    for a in w.agents:
        if a.person and a.person not in staff:
            rows.setdefault(a.person, []).append(a)
    for pid, ags in rows.items():
        def key(a):
            return (a.left is None, direct.get(id(a), 0) if a.left is None else a.left, a.joined)
        best = max(ags, key=key)
        mem[pid] = plat[best.platform].gang
    w.member_of = mem
    # accounts
    acc_g = {}
    for aid, a in w.accounts.items():
        if a.kind in ("mother", "sub") and getattr(a, "gang_hint", "") and a.aid in w.platform_accounts:
            acc_g[aid] = w.platform_accounts[aid]
        elif a.holder and a.holder in mem:
            acc_g[aid] = mem[a.holder]
        elif a.aid in w.platform_accounts:
            acc_g[aid] = w.platform_accounts[aid]
        else:
            acc_g[aid] = ""
    for G in w.groups:
        for aid, _ in G.accounts:
            acc_g[aid] = G.gang
    w.account_gang = acc_g
    return gang


def write(w, root):
    gang = {g.gid: g for g in w.gangs}
    d = os.path.join(root, "truth")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "gangs.csv"), "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["entity_id", "entity_type", "gang_id", "province", "is_fraud"])

        def row(eid, et, gid, prov):
            out.writerow([eid, et, gid, gang[gid].province if gid else prov,
                          "true" if gid and gang[gid].is_fraud else "false"])
        for v in w.vendors:
            row(v.vid, "vendor", "", v.province)
        for p in w.platforms:
            row(p.pid, "platform", p.gang, "")
        for a in w.agents:
            row(a.aid, "agent",
                w.plat_gang[a.platform], "")
        for c in w.clients:
            row(c.cid, "client", "", w.persons[c.holder].province if c.holder else "")
        for pid, q in w.persons.items():
            row(pid, "person", w.member_of.get(pid, ""), q.province)
        for aid, a in w.accounts.items():
            et = "trading_account" if a.kind in ("trading", "mother", "sub") else "bank_account"
            prov = w.persons[a.holder].province if a.holder else ""
            row(aid, et, w.account_gang[aid], prov)
    with open(os.path.join(d, "account_groups.csv"), "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["account_id", "group_id", "controller_id"])
        for G in w.groups:
            for aid, _ in G.accounts:
                out.writerow([aid, G.gid, G.controller])
    with open(os.path.join(d, "account_group_evidence.csv"), "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["group_id", "account_id", "kind", "surviving_evidence", "gang_id"])
        for G in w.groups:
            for aid, kd in G.accounts:
                out.writerow([G.gid, aid, G.kind, kd, G.gang])
    with open(os.path.join(d, "expected_account_groups.csv"), "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["group_id", "kind", "gang_id", "controller_id", "controller_is_member", "n_accounts",
                      "self_trade_count", "self_trade_qty"])
        for G in w.groups:
            st = getattr(G, "self_trades", {"pairs": 0, "qty": 0})
            out.writerow([G.gid, G.kind, G.gang, G.controller, "true" if w.member_of.get(G.controller) else "false",
                          len(G.accounts), st["pairs"], st["qty"]])
