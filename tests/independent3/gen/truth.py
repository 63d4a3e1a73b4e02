"""truth/: who belongs to which gang, the account groups, and exact figures (integer fen)."""
import json
import os

from .util import fen
from .write import _csv, _depth

KEYS = ["deposits", "withdrawals", "fees", "overnight_fees", "rebates_paid", "commissions_paid", "trading_pnl",
        "net_deposit", "client_loss", "fresh_money", "turnover"]


def client_figures(w):
    f = {cid: dict.fromkeys(KEYS, 0) for cid in w.clients}
    run = {}
    kindkey = {"deposit": "deposits", "withdrawal": "withdrawals", "fee": "fees", "overnight_fee": "overnight_fees",
               "rebate": "rebates_paid", "commission": "commissions_paid", "pnl": "trading_pnl",
               "adjustment": "trading_pnl"}
    for e in sorted(w.ledger, key=lambda e: (e[1], e[0])):
        x = f[e[3]]
        x[kindkey[e[5]]] += e[6]
        if e[5] in ("deposit", "withdrawal"):
            s = run.get(e[3], 0) + (e[6] if e[5] == "deposit" else -e[6])
            run[e[3]] = s
            x["fresh_money"] = max(x["fresh_money"], s)
    acct2c = {c["acct"]: cid for cid, c in w.clients.items()}
    for t in w.trades:
        if t[3] in acct2c:
            f[acct2c[t[3]]]["turnover"] += t[8]
    for x in f.values():
        x["net_deposit"] = x["deposits"] - x["withdrawals"]
        x["client_loss"] = x["fees"] + x["overnight_fees"] - x["trading_pnl"]
    return f


def write_truth(w, out):
    td = os.path.join(out, "truth")
    os.makedirs(td, exist_ok=True)
    gp = {g["id"]: g for g in w.gangs}
    rows = []

    def add(eid, et, gid, prov):
        fr = "true" if gid and gp[gid]["fraud"] else "false"
        rows.append([eid, et, gid, gp[gid]["prov"] if gid else prov, fr])
    rows.append([w.vendor["id"], "vendor", "", "上海", "false"])
    for p in w.persons.values():
        add(p["id"], "person", p["gang"], p["prov"])
    for pid, p in w.platforms.items():
        add(pid, "platform", p["gang"], "")
    for a in w.agents.values():
        add(a["id"], "agent", w.platforms[a["platform"]]["gang"], "")
    for c in w.clients.values():
        add(c["id"], "client", "", w.persons[c["person"]]["prov"])
    for a in w.accounts.values():
        h = w.persons.get(a["holder"]) if a["holder"] else None
        gid = a["gang"] or (h["gang"] if h else "")
        if a["kind"] in ("mother", "sub") and a["holder"] and not gid:
            gid = ""
        add(a["id"], "bank_account" if a["kind"] in ("bank", "payment") else "trading_account", gid,
            h["prov"] if h else "")
    _csv(os.path.join(td, "gangs.csv"), ["entity_id", "entity_type", "gang_id", "province", "is_fraud"], rows)
    ag = []
    for g in w.groups:
        for a in g["accounts"]:
            if a in w.accounts:
                ag.append([a, g["id"], g["controller"]])
    _csv(os.path.join(td, "account_groups.csv"), ["account_id", "group_id", "controller_id"], ag)
    _csv(os.path.join(td, "expected_account_groups.csv"),
         ["group_id", "evidence_kind", "gang_id", "controller_id", "controller_is_member", "n_accounts",
          "self_trade_count", "self_trade_qty", "platform_ids"],
         [[g["id"], g["kind"], g["gang"], g["controller"], "true" if w.persons[g["controller"]]["gang"] else "false",
           len(g["accounts"]), g["self_pairs"], g["self_qty"], ";".join(g.get("platforms", []))] for g in w.groups])
    f = client_figures(w)
    _csv(os.path.join(td, "expected_clients.csv"), ["client_id", "platform_id", "gang_id"] + KEYS,
         [[cid, c["platform"], w.platforms[c["platform"]]["gang"]] + [fen(f[cid][k]) for k in KEYS]
          for cid, c in w.clients.items()])
    by_plat = {}
    for cid, c in w.clients.items():
        by_plat.setdefault(c["platform"], []).append(cid)
    n_ag = {}
    depth = {}
    for a in w.agents.values():
        n_ag[a["platform"]] = n_ag.get(a["platform"], 0) + 1
        depth[a["platform"]] = max(depth.get(a["platform"], 0), _depth(w, a))
    prow, grow = [], []
    lic = {l["platform"]: l for l in w.licences}
    for g in w.gangs:
        tot = dict.fromkeys(KEYS + ["client_losses"], 0)
        for pid in g["platforms"]:
            pt = dict.fromkeys(KEYS + ["client_losses"], 0)
            for cid in by_plat.get(pid, []):
                for k in KEYS:
                    pt[k] += f[cid][k]
                pt["client_losses"] += max(0, f[cid]["client_loss"])
            for k in pt:
                tot[k] += pt[k]
            prow.append([lic[pid]["id"], pid, g["id"], g["prov"], w.platforms[pid]["kind"], n_ag.get(pid, 0),
                         depth.get(pid, 0), len(by_plat.get(pid, []))] + [fen(pt[k]) for k in KEYS + ["client_losses"]])
        grow.append([g["id"], g["prov"], "true" if g["fraud"] else "false", ";".join(g["platforms"]),
                     sum(n_ag.get(p, 0) for p in g["platforms"]), sum(len(by_plat.get(p, [])) for p in g["platforms"]),
                     g["size"], len(g["platforms"]), fen(sum(lic[p]["price"] for p in g["platforms"])),
                     " ".join(w.gaps.get(g["id"], []))] + [fen(tot[k]) for k in KEYS + ["client_losses"]])
    _csv(os.path.join(td, "expected_platforms.csv"), ["license_id", "platform_id", "gang_id", "province", "kind",
                                                      "n_agents", "agent_depth", "n_clients"] + KEYS + ["client_losses"], prow)
    _csv(os.path.join(td, "expected_gangs.csv"), ["gang_id", "province", "is_fraud", "platform_ids", "n_agents",
                                                  "n_clients", "size_class", "n_platforms", "license_price",
                                                  "evidence_gaps"] + KEYS + ["client_losses"], grow)
    _csv(os.path.join(td, "expected_vendor.csv"), ["vendor_id", "n_licenses", "license_income"],
         [[w.vendor["id"], len(w.licences), fen(sum(l["price"] for l in w.licences))]])
    with open(os.path.join(td, "notes.json"), "w", encoding="utf-8") as fh:
        json.dump(w.notes, fh, ensure_ascii=False, indent=1)
    return len(rows)
