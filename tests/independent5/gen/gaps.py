"""Evidence gaps applied to platform records after the world has been lived."""
from .util import NDAYS


def rolled_over_backend(w):
    """One ordinary gang's back end kept only its last 365 days: older ledger rows and trades are gone.
    Bank flows and broker fills of that period remain (they come from banks and the broker)."""
    cands = [p for p in w.platforms if w.gang[p['gid']]['kind'] == 'normal' and not w.gang[p['gid']]['known']
             and p['close'] == NDAYS and p['created'] < NDAYS - 500]
    if not cands:
        w.notes['rolled_over'] = ''
        return
    p = cands[len(cands) // 2]
    cut = (NDAYS - 365) * 86400
    w.notes['rolled_over'] = p['pid']
    w.notes['rolled_over_cut_day'] = NDAYS - 365
    pid = p['pid']
    keep, remap = [], {}
    for i, row in enumerate(w.ledger):
        if row[1] == pid and row[0] < cut:
            continue
        remap[i] = len(keep)
        keep.append(row)
    w.notes['rolled_over_ledger_rows_dropped'] = len(w.ledger) - len(keep)
    w.ledger = keep
    w.ledger_links = {remap[i]: t for i, t in w.ledger_links.items() if i in remap}
    gone = set()
    kt = []
    for t in w.trades:
        if t[2] == pid and t[0] < cut:
            gone.add(id(t))
            continue
        kt.append(t)
    w.notes['rolled_over_trades_dropped'] = len(w.trades) - len(kt)
    w.trades = kt
    w.fake_trades = [t for t in w.fake_trades if id(t) not in gone]
    tot = {}
    for t in w.trades:
        if t[2] == pid:
            tot[t[3]] = tot.get(t[3], 0) + t[8]
    for c in p['clients']:
        c['turnover'] = tot.get(c['acct'], 0)
