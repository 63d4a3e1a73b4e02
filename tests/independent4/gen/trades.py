"""One client's trading day: round trips (two trade legs each), routing to the broker, fills."""
import math
from array import array

from .util import day_epoch, ts_text, fen_text, CASE_START
from .market import BUSY


def price_text(x, tick):
    nd = 0 if tick >= 1 else 2 if tick >= 0.01 else 3
    return "%.*f" % (nd, x)


class TradeDay:
    def __init__(self, w, mk, out, rng):
        self.w, self.mk, self.rng = w, mk, rng
        self.trades = out.table("trades.csv", ["trade_id", "account_id", "ts", "instrument", "side", "qty", "price",
                                               "notional", "broker_ref", "order_type"])
        self.fills = out.table("broker_fills.csv", ["fill_id", "ts", "account_id", "instrument", "side", "qty",
                                                    "price", "broker_ref", "counterparty_account_id", "exchange"])
        self.t_client, self.t_epoch, self.t_notional = array("l"), array("q"), array("q")
        self.refs = {"GH": rng.randrange(10 ** 8, 10 ** 9), "PF": rng.randrange(10 ** 10, 10 ** 11),
                     "LC": rng.randrange(10 ** 7, 10 ** 8)}
        self.fill_no = {"GH": 0, "PF": 0, "LC": 0}
        self.used_refs = set()
        self.fake = []

    def start_platform(self, p):
        self.p = p
        self.tseq = 0
        self.tused = set()

    # ---- ids ----
    def ref(self, code, fabricated=False):
        if fabricated:
            while True:
                n = self.rng.randrange(self.refs[code] // 2, self.refs[code] * 2)
                r = self.fmt_ref(code, n)
                if r not in self.used_refs:
                    self.used_refs.add(r)
                    return r
        self.refs[code] += self.rng.randrange(1, 40)
        r = self.fmt_ref(code, self.refs[code])
        while r in self.used_refs:
            self.refs[code] += 1
            r = self.fmt_ref(code, self.refs[code])
        self.used_refs.add(r)
        return r

    @staticmethod
    def fmt_ref(code, n):
        return {"GH": "GH%010d", "PF": "%012d", "LC": "LC-%09d"}[code] % n

    def fill(self, broker, ms, acct, sym, side, qty, price, ref, cpty=""):
        self.fill_no[broker.code] += 1
        fid = {"GH": "GHF%09d", "PF": "PFX-%08d", "LC": "LCF%08d"}[broker.code] % self.fill_no[broker.code]
        frac = (broker.frac, (ms % 1000) * (1000 if broker.frac == 6 else 1) + (
            self.rng.randrange(1000) if broker.frac == 6 else 0))
        self.fills.row((fid, ts_text(ms // 1000, broker.style, frac), acct, sym, side, qty, price, ref, cpty,
                        "HKEX" if sym in ("MHI", "HSI") else "SGX" if sym == "CN" else "CME"))

    # ---- a day ----
    def day(self, c, d, E, fake):
        rng, mk, p = self.rng, self.mk, self.p
        if not hasattr(c, "inst"):
            small = ("MHI", "MNQ", "CN", "MHI")
            big = ("HSI", "CL", "GC", "NQ", "SI", "MHI")
            pool = small if E < 3000000 else big
            c.inst = rng.sample(pool, 2 if rng.random() < 0.4 else 1)
        grp = getattr(c, "group", None)
        n = 1 + (rng.random() < 0.45) + (rng.random() < 0.2) if grp is None else 1
        fee = pnl = night = 0
        first = None
        base = day_epoch(d)
        for k in range(n):
            if grp is not None:
                sym, direction, t_open, ms0, hold = grp.plan[d]
                ms0 = ms0 + grp.slot[c.idx]
            else:
                sym = rng.choice(c.inst)
                direction = 1 if rng.random() < 0.5 else -1
            _, cur, mult, tick, _, vol, sess = mk.spec[sym]
            if grp is None:
                s0, s1 = sess[rng.randrange(len(sess))]
                busy = [b for b in BUSY if s0 <= b < s1 - 600]
                if busy and rng.random() < 0.08:
                    t_open, ms0 = busy[0], rng.randrange(0, 400)
                else:
                    t_open, ms0 = s0 + rng.randrange(0, max(1, s1 - s0 - 900)), rng.randrange(1000)
                hold = min(int(rng.expovariate(1 / 1800.0)) + 5, s1 - t_open - 1)
            over = rng.random() < 0.12
            fx = mk.rate(cur, d)
            ref_px = mk.price[sym][d]
            po = round(ref_px * math.exp(rng.gauss(0, vol / 4)) / tick) * tick
            mv = rng.gauss(0, vol / 3)
            if fake:
                mv -= direction * vol / 5
                if rng.random() < 0.04:
                    mv = -direction * 3 * vol
            pc = max(tick, round(po * math.exp(mv) / tick) * tick)
            qty = 1 + int(rng.random() * min(9, E / 3000000)) if grp is None else grp.qty
            pnl += int(round((pc - po) * direction * qty * mult * fx / 100.0))
            fee += 2 * qty * p.fee_lot * (2 if fake else 1)
            if over:
                night += qty * p.night_lot
            ep_open = base + t_open
            ep_close = ep_open + hold + (86400 + rng.randrange(3600) if over else 0)
            ms_close = rng.randrange(1000)
            if first is None or ep_open < first:
                first = ep_open
            for side, ep, ms, px in (("B" if direction > 0 else "S", ep_open, ms0, po),
                                     ("S" if direction > 0 else "B", ep_close, ms_close, pc)):
                self.leg(c, side, ep, ms, sym, qty, px, tick, mult, fx, fake)
        return fee, pnl, night, first

    def leg(self, c, side, ep, ms, sym, qty, px, tick, mult, fx, fake):
        p, rng = self.p, self.rng
        notional = int(round(px * qty * mult * fx / 100.0))
        pxs = price_text(px, tick)
        routed = bool(p.mothers) and not fake
        broker = getattr(p, "broker", None)
        ref = self.ref(broker.code if broker else "GH", fabricated=not routed)
        ms_abs = ep * 1000 + ms
        if p.trades_kept:
            self.tseq += 1
            tid = ("%013d%02d%04d" % (ms_abs, p.worker, self.tseq % 10000)) if p.eid_style == "snow" else \
                "%s-T%09d" % (p.pid, self.tseq)
            bump = ms_abs
            while tid in self.tused:          # snowflake-style ids: same ms and sequence -> next ms
                bump += 1
                tid = "%013d%02d%04d" % (bump, p.worker, self.tseq % 10000)
            self.tused.add(tid)
            st = p.ts_style if p.ts_style != "mixed" else "local"
            self.trades.row((tid, c.account, ts_text(ep, st, (3, ms)), sym, side, qty, pxs,
                             fen_text(notional), ref, "MKT" if rng.random() < 0.7 else "LMT"))
            self.t_client.append(c.idx)
            self.t_epoch.append(ep)
            self.t_notional.append(notional)
            if fake:
                self.fake.append((tid, p.pid, c.cid, notional, "fabricated_broker_ref" if p.mothers else "no_broker"))
        if routed and p.fill_window[0] <= (ep - CASE_START) // 86400 < p.fill_window[1]:
            acct = (p.subs[c.idx % len(p.subs)] if p.subs else p.mothers[c.idx % len(p.mothers)]).aid
            fms = ms_abs + rng.randrange(20, 600)
            if qty > 1 and rng.random() < 0.05:
                q1 = rng.randrange(1, qty)
                self.fill(broker, fms, acct, sym, side, q1, pxs, ref)
                self.fill(broker, fms + rng.randrange(1, 50), acct, sym, side, qty - q1, pxs, ref)
            else:
                self.fill(broker, fms, acct, sym, side, qty, pxs, ref)
