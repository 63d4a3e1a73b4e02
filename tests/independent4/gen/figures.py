"""truth/expected_*.csv: the contract's figures, computed in integer fen from the arrays the simulation kept
(exactly the rows written). verify.py recomputes the client file from the CSVs with Decimal."""
import csv
import os

import numpy as np

from .util import fen_text, day_epoch, date_str

COLS = ("deposits", "withdrawals", "fees", "overnight_fees", "rebates_paid", "commissions_paid", "trading_pnl",
        "net_deposit", "client_loss", "fresh_money", "turnover")


def _a(arr, dt=np.int64):
    return np.frombuffer(arr, dtype=np.int64 if arr.itemsize == 8 else np.int32).astype(dt)


def client_matrix(sim, n, lo=None, hi=None):
    """n x 11 int64 figures; entries/trades restricted to epochs [lo, hi) when given (fresh_money not windowed)."""
    cl, ep, kd, am = _a(sim.l_client), _a(sim.l_epoch), np.frombuffer(sim.l_kind, dtype=np.int8), _a(sim.l_amt)
    tc, te, tn = _a(sim.td.t_client), _a(sim.td.t_epoch), _a(sim.td.t_notional)
    if lo is not None:
        m = (ep >= lo) & (ep < hi)
        cl, kd, am = cl[m], kd[m], am[m]
        m = (te >= lo) & (te < hi)
        tc, tn = tc[m], tn[m]
    s = np.zeros((8, n), dtype=np.int64)
    np.add.at(s, (kd.astype(np.int64), cl), am)
    dep, wd, fee, night, pnl, reb, com, adj = s
    out = np.zeros((n, 11), dtype=np.int64)
    out[:, 0], out[:, 1], out[:, 2], out[:, 3], out[:, 4], out[:, 5] = dep, wd, fee, night, reb, com
    out[:, 6] = pnl + adj
    out[:, 7] = dep - wd
    out[:, 8] = fee + night - out[:, 6]
    out[:, 9] = _a(sim.fresh) if lo is None else 0
    t = np.zeros(n, dtype=np.int64)
    np.add.at(t, tc, tn)
    out[:, 10] = t
    return out


def _w(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        o = csv.writer(f, lineterminator="\n")
        o.writerow(header)
        o.writerows(rows)


def methods(v, n_losing_sum):
    """v: summed 11-vector; returns income-method amounts in fen."""
    return (("net_deposit", v[7]), ("fees", v[2] + v[3]), ("rebates", v[4] + v[5]), ("turnover", v[10]),
            ("gross_deposits", v[0]), ("client_losses", n_losing_sum), ("client_net_loss", v[8]),
            ("fresh_money", v[9]))


def write(w, sim, mk, root):
    d = os.path.join(root, "truth")
    n = len(w.clients)
    M = client_matrix(sim, n)
    loss_pos = np.maximum(M[:, 8], 0)
    _w(os.path.join(d, "expected_clients.csv"), ("client_id", "platform_id", "gang_id") + COLS,
       ([c.cid, c.platform, w.plat_gang[c.platform]] + [fen_text(int(x)) for x in M[c.idx]] for c in w.clients))
    # agents: own (direct clients) and subtree
    na = len(w.agents)
    own_pairs, sub_pairs = [], []
    for c in w.clients:
        a = c.agent
        if a is not None:
            own_pairs.append((a.gi, c.idx))
        while a is not None:
            sub_pairs.append((a.gi, c.idx))
            a = a.parent
    def agg(pairs):
        S = np.zeros((na, 11), dtype=np.int64)
        L = np.zeros(na, dtype=np.int64)
        N = np.zeros(na, dtype=np.int64)
        if pairs:
            ag, ci = np.array(pairs, dtype=np.int64).T
            np.add.at(S, ag, M[ci])
            np.add.at(L, ag, loss_pos[ci])
            np.add.at(N, ag, 1)
        return S, L, N
    OS, OL, ON = agg(own_pairs)
    SS, SL, SN = agg(sub_pairs)
    kd = np.frombuffer(sim.l_kind, dtype=np.int8)
    la = _a(sim.l_agent)
    am = _a(sim.l_amt)
    rec = np.zeros((2, na), dtype=np.int64)
    for k, kind in ((0, 5), (1, 6)):
        m = kd == kind
        np.add.at(rec[k], la[m], am[m])
    sub_cols = ("deposits", "withdrawals", "net_deposit", "fees", "overnight_fees", "trading_pnl", "client_loss",
                "fresh_money", "turnover")
    idx = [COLS.index(x) for x in sub_cols]
    _w(os.path.join(d, "expected_agents.csv"),
       ["agent_id", "platform_id", "gang_id", "depth", "own_n_clients", "subtree_n_clients"] +
       ["own_" + x for x in sub_cols] + ["subtree_" + x for x in sub_cols] + ["rebate_received", "commission_received"],
       ([a.aid, a.platform, w.plat_gang[a.platform], a.depth, int(ON[a.gi]), int(SN[a.gi])] +
        [fen_text(int(OS[a.gi, i])) for i in idx] + [fen_text(int(SS[a.gi, i])) for i in idx] +
        [fen_text(int(rec[0, a.gi])), fen_text(int(rec[1, a.gi]))] for a in w.agents))
    # platforms and gangs
    cidx = {}
    for c in w.clients:
        cidx.setdefault(c.platform, []).append(c.idx)
    income = []
    prow = []
    for p in w.platforms:
        ix = np.array(cidx.get(p.pid, []), dtype=np.int64)
        v = M[ix].sum(axis=0) if len(ix) else np.zeros(11, dtype=np.int64)
        depth = max([a.depth for a in p.agents], default=0)
        prow.append([p.pid, p.gang, len(p.agents), depth, len(ix)] + [fen_text(int(x)) for x in v] +
                    [fen_text(int(loss_pos[ix].sum()) if len(ix) else 0)])
        for meth, amt in methods(v, int(loss_pos[ix].sum()) if len(ix) else 0):
            income.append((p.pid, "platform", meth, fen_text(int(amt)), "", ""))
    _w(os.path.join(d, "expected_platforms.csv"), ["platform_id", "gang_id", "n_agents", "agent_depth", "n_clients"] +
       list(COLS) + ["client_losses"], prow)
    fk_n, fk_v = {}, {}
    for tid, pid, cid, notional, why in sim.td.fake:
        fk_n[pid] = fk_n.get(pid, 0) + 1
        fk_v[pid] = fk_v.get(pid, 0) + notional
    _w(os.path.join(d, "fake_trades.csv"), ["trade_id", "platform_id", "client_id", "notional", "reason"],
       ((t, p, c, fen_text(v), why) for t, p, c, v, why in sim.td.fake))
    _w(os.path.join(d, "platform_habits.csv"),
       ["platform_id", "gang_id", "operators", "ts_style", "money_style", "account_id_style", "entry_id_style",
        "batch_credit", "rebate_scheme", "logins_kept", "lb_ip_only", "trades_kept", "broker", "fill_window_days",
        "fake_from"],
       ([p.pid, p.gang, ";".join("%s:%s..%s" % (g, date_str(a), date_str(b)) for g, a, b in p.operators), p.ts_style,
         p.money_style, p.acct_style, p.eid_style, p.batch, p.scheme, p.logins_kept, p.lb_ip, p.trades_kept,
         getattr(getattr(p, "broker", None), "code", ""), "%d..%d" % p.fill_window if hasattr(p, "fill_window") else "",
         date_str(p.fake_from) if p.fake_from is not None else ""] for p in w.platforms))
    grow = []
    for g in w.gangs:
        ix = np.array([i for p in g.platforms for i in cidx.get(p.pid, [])], dtype=np.int64)
        v = M[ix].sum(axis=0) if len(ix) else np.zeros(11, dtype=np.int64)
        lp = int(loss_pos[ix].sum()) if len(ix) else 0
        grow.append([g.gid, g.province, g.role, ";".join(p.pid for p in g.platforms), g.status,
                     "true" if g.is_fraud else "false", sum(len(p.agents) for p in g.platforms), len(ix)] +
                    [fen_text(int(x)) for x in v] + [fen_text(lp), sum(fk_n.get(p.pid, 0) for p in g.platforms),
                                                     fen_text(sum(fk_v.get(p.pid, 0) for p in g.platforms))])
        for meth, amt in methods(v, lp):
            income.append((g.gid, "gang", meth, fen_text(int(amt)), "", ""))
    _w(os.path.join(d, "expected_gangs.csv"), ["gang_id", "province", "shape", "platform_ids", "known_status",
                                               "is_fraud", "n_agents", "n_clients"] + list(COLS) +
       ["client_losses", "fake_trades_n", "fake_trades_notional"],
       grow)
    for a in w.agents:
        v = SS[a.gi]
        for meth, amt in methods(v, int(SL[a.gi])):
            if meth == "rebates":
                amt = rec[0, a.gi] + rec[1, a.gi]
            income.append((a.aid, "agent", meth, fen_text(int(amt)), "", ""))
    vend = _vendor(w, mk, d)
    for vid, li in vend:
        income.append((vid, "vendor", "license_income", fen_text(li), "", ""))
    _w(os.path.join(d, "expected_income.csv"), ["subject_id", "subject_type", "method", "amount", "window_start",
                                                "window_end"], income)
    _windows(w, sim, d, n)
    return M


def _vendor(w, mk, d):
    rows, out = [], []
    for v in w.vendors:
        li = sum(l.price * mk.rate(l.currency, l.sold) // 10000 for l in w.licenses if l.vid == v.vid)
        bank = 0
        for frm, to, fen, cur, day in w.money_rows:
            if to in v.accounts and w.account_gang.get(frm):
                bank += fen * mk.rate(cur or "CNY", day) // 10000
        rows.append([v.vid, fen_text(li), fen_text(bank), sum(1 for l in w.licenses if l.vid == v.vid)])
        out.append((v.vid, li))
    _w(os.path.join(d, "expected_vendor.csv"), ["vendor_id", "license_income", "license_income_bank", "n_licenses"],
       rows)
    return out


def _windows(w, sim, d, n):
    """One row per membership that makes a person answer for an organisation's clients, entries inside the
    window only (whole days, case timezone, end inclusive). A gang answers for a platform while it ran it."""
    from .util import N_DAYS
    cidx = {}
    for c in w.clients:
        cidx.setdefault(c.platform, []).append(c.idx)
    gang = {g.gid: g for g in w.gangs}
    plats = {p.pid: p for p in w.platforms}
    rows = []
    cache = {}
    for pid, org, role, start, end in w.memberships:
        if role not in ("leader", "manager", "finance", "salesman") or (org not in gang and org not in plats):
            continue
        s, e = (start if start is not None else 0), (end if end is not None else N_DAYS + 60)
        parts = [(org, s, e)] if org in plats else [(p.pid, max(s, a), min(e, b)) for p in w.platforms
                                                    for gid, a, b in p.operators if gid == org]
        tot = np.zeros(11, dtype=np.int64)
        for ppid, a, b in parts:
            if a > b:
                continue
            key = (a, b)
            if key not in cache:
                cache[key] = client_matrix(sim, n, day_epoch(a), day_epoch(b + 1))
            ix = np.array(cidx.get(ppid, []), dtype=np.int64)
            if len(ix):
                tot += cache[key][ix].sum(axis=0)
        from .util import date_str
        rows.append([pid, role, org, date_str(start) if start is not None else "", date_str(end) if end is not None
                     else ""] + [fen_text(int(x)) for i, x in enumerate(tot) if COLS[i] != "fresh_money"])
    _w(os.path.join(d, "expected_income_windows.csv"), ["person_id", "role", "org_id", "window_start", "window_end"] +
       [c for c in COLS if c != "fresh_money"], rows)
