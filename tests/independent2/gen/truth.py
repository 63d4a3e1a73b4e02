"""truth/: gang membership, account groups, and expected figures computed from the rows written."""
import json
import os
from collections import defaultdict

from . import ids as I
from .write import _w

FIG = ["deposits", "withdrawals", "fees", "overnight_fees", "rebates_paid", "commissions_paid", "trading_pnl",
       "net_deposit", "client_loss", "fresh_money", "turnover"]
KIND2FIG = {"deposit": "deposits", "withdrawal": "withdrawals", "fee": "fees", "overnight_fee": "overnight_fees",
            "rebate": "rebates_paid", "commission": "commissions_paid", "pnl": "trading_pnl",
            "adjustment": "trading_pnl"}


def client_figures(w):
    f = {cid: defaultdict(int) for cid in w.clients}
    seq = defaultdict(list)
    for e in w.ledger:
        f[e[3]][KIND2FIG[e[5]]] += e[6]
        if e[5] in ("deposit", "withdrawal"):
            seq[e[3]].append((e[1], e[0], e[6] if e[5] == "deposit" else -e[6]))
    acct2client = {c.acct: c.id for c in w.clients.values()}
    for t in w.trades:
        f[acct2client[t[2]]]["turnover"] += t[7]
    for cid, x in f.items():
        x["net_deposit"] = x["deposits"] - x["withdrawals"]
        x["client_loss"] = x["fees"] + x["overnight_fees"] - x["trading_pnl"]
        run = best = 0
        for ts, eid, amt in sorted(seq[cid]):        # ts order, ties by entry_id
            run += amt
            best = max(best, run)
        x["fresh_money"] = best
    return f


def write_truth(w, out):
    td = os.path.join(out, "truth")
    os.makedirs(td, exist_ok=True)
    gangs = {g.id: g for g in w.gangs}
    rows = []
    for eid, (ty, gid) in sorted(w.truth.items(), key=lambda kv: (kv[1][1], kv[1][0], kv[0])):
        g = gangs[gid]
        rows.append([eid, ty, gid, g.province, "true" if g.fraud else "false"])
    n = {"truth/gangs.csv": _w(os.path.join(td, "gangs.csv"), ["entity_id", "entity_type", "gang_id", "province",
                                                                "is_fraud"], rows)}
    grows = [[aid, grp.id, grp.controller] for grp in w.groups for aid, holder, card in grp.accounts]
    n["truth/account_groups.csv"] = _w(os.path.join(td, "account_groups.csv"),
                                       ["account_id", "group_id", "controller_id"], grows)
    f = client_figures(w)
    m = I.money
    crow = [[c.id, c.platform.id, c.platform.gang.id] + [m(f[c.id][k]) for k in FIG] for c in w.clients.values()]
    n["truth/expected_clients.csv"] = _w(os.path.join(td, "expected_clients.csv"),
                                         ["client_id", "platform_id", "gang_id"] + FIG, crow)
    agg = {g.id: defaultdict(int) for g in w.gangs}
    for c in w.clients.values():
        a = agg[c.platform.gang.id]
        for k in FIG:
            a[k] += f[c.id][k]
        a["client_losses"] += max(0, f[c.id]["client_loss"])
        a["n_clients"] += 1
    fake_notional = defaultdict(int)
    acct2gang = {c.acct: c.platform.gang.id for c in w.clients.values()}
    for t in w.trades:
        if not t[8]:
            fake_notional[acct2gang[t[2]]] += t[7]
    gfig = FIG + ["client_losses"]
    grow = []
    for g in w.gangs:
        a = agg[g.id]
        grow.append([g.id, g.province, "true" if g.fraud else "false", ";".join(p.id for p in g.platforms),
                     sum(len(p.agents) for p in g.platforms), a["n_clients"]] + [m(a[k]) for k in gfig] +
                    [m(fake_notional[g.id]), m(sum(p.lic_price for p in g.platforms)), ";".join(sorted(g.flags))])
    n["truth/expected_gangs.csv"] = _w(os.path.join(td, "expected_gangs.csv"),
                                       ["gang_id", "province", "is_fraud", "platform_ids", "n_agents", "n_clients"] +
                                       gfig + ["unrouted_notional", "license_price", "evidence_flags"], grow)
    n["truth/expected_account_groups.csv"] = _w(
        os.path.join(td, "expected_account_groups.csv"),
        ["group_id", "gang_id", "controller_id", "n_accounts", "self_trade_count", "self_trade_qty",
         "controller_is_member", "funding"],
        [[g.id, g.gang, g.controller, len(g.accounts), g.self_n, g.self_q, "false" if g.studio else "true",
          "controller_only" if g.only_controller_funding else "via_nominee_cards"] for g in w.groups])
    lic = sum(l[4] for l in w.licenses)
    lic_bank = sum(t[4] for t in w.transfers if t[3] in w.vendor.accounts and w.truth.get(t[2], ("", ""))[1])
    n["truth/expected_vendor.csv"] = _w(os.path.join(td, "expected_vendor.csv"),
                                        ["vendor_id", "n_licenses", "license_income", "license_income_bank"],
                                        [[w.vendor.id, len(w.licenses), m(lic), m(lic_bank)]])
    with open(os.path.join(td, "notes.json"), "w", encoding="utf-8") as fh:
        json.dump(w.notes, fh, ensure_ascii=False, indent=1, default=str)
    return n
