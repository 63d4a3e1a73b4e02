"""Evidence gaps: some gangs' tables are thin or missing.  plan_gaps runs before the account
groups (so groups avoid unseized back ends); apply_gaps runs on the finished tables."""


def plan_gaps(w):
    r = w.r
    meds = [g for g in w.gangs if g["size"] == "medium" and not g["fraud"]]
    tin = [g for g in w.gangs if g["size"] == "tiny" and not g["fraud"]]
    lar = [g for g in w.gangs if g["size"] == "large"]
    for g in w.gangs:
        w.gaps[g["id"]] = []
        if not g["has_memberships"]:
            w.gaps[g["id"]].append("no_memberships")
    # back ends never seized: the licence, bank and broker statements are all there is
    for g in (meds[-1:] + tin[-2:]):
        p = w.platforms[g["platforms"][0]]
        p["backend"] = False
        w.gaps[g["id"]].append("backend_missing:" + p["id"])
    g = lar[-1]
    p = w.platforms[g["platforms"][len(g["platforms"]) // 2]]
    p["trades"] = False
    w.gaps[g["id"]].append("no_trades:" + p["id"])
    w.no_login = [meds[0]["id"]] + [x["id"] for x in tin[:1]]
    for gid in w.no_login:
        w.gaps[gid].append("no_logins")
    w.partial = []
    for g in (lar[:1] + meds[1:3]):
        a = r.randint(g["start"] + 60, 900)
        w.partial.append((g["id"], a, a + r.randint(150, 300)))
        w.gaps[g["id"]].append("bank_partial:%d-%d" % (a, w.partial[-1][2]))


def _gang_entities(w, gid):
    ids = set()
    g = w.gang_by_id[gid]
    for pid, _ in g["staff"]:
        ids.add(pid)
    for a in w.accounts.values():
        holder_gang = w.persons.get(a["holder"], {}).get("gang", "") if a["holder"] else ""
        if (a["gang"] or holder_gang) == gid or (a["platform"] and w.platforms[a["platform"]]["gang"] == gid):
            ids.add(a["id"])
    for c in w.clients.values():
        if w.platforms[c["platform"]]["gang"] == gid:
            ids.add(c["id"])
    return ids


def apply_gaps(w):
    r = w.r
    drop_plat = set(p["id"] for p in w.platforms.values() if not p["backend"])
    no_trade = set(p["id"] for p in w.platforms.values() if not p["trades"]) | drop_plat
    dead_acct = set()
    for p in w.platforms.values():
        if not p["trades"]:
            dead_acct.update(p["mothers"])
            dead_acct.update(p["subs"])
    gone_clients = set(c["id"] for c in w.clients.values() if c["platform"] in drop_plat)
    gone_accts = set(w.clients[c]["acct"] for c in gone_clients)
    w.clients = {k: v for k, v in w.clients.items() if k not in gone_clients}
    w.agents = {k: v for k, v in w.agents.items() if v["platform"] not in drop_plat}
    w.accounts = {k: v for k, v in w.accounts.items() if k not in gone_accts}
    w.ledger = [x for x in w.ledger if x[2] not in drop_plat]
    w.trades = [x for x in w.trades if x[10] not in no_trade]
    w.fills = [x for x in w.fills if x[3] not in dead_acct]
    hide = set()
    for gid in w.no_login:
        hide |= _gang_entities(w, gid)
    w.logins = [x for x in w.logins if x[1] not in hide and x[2] not in hide and x[2] not in gone_clients]
    # bank statements for some gangs' cards only for a window
    gone_txn = set()
    for gid, a, b in w.partial:
        g = w.gang_by_id[gid]
        cards = set(cc for _, cc in g["collect"]) | {g["payout"], g["fin_card"], w.card_of[g["leader"]]}
        if g.get("corp"):
            cards.add(g["corp"])
        keep = []
        for t in w.transfers:
            if (t[2] in cards or t[3] in cards) and not (a <= t[1] // 86400 <= b):
                gone_txn.add(t[0])
            else:
                keep.append(t)
        w.transfers = keep
    n_unlinked = 0
    for row in w.ledger:
        if row[5] in ("deposit", "withdrawal") and row[9] and (row[9] in gone_txn or r.chance(0.12)):
            row[9] = ""
            n_unlinked += 1
    w.notes["ledger_rows_unlinked_from_bank"] = n_unlinked
