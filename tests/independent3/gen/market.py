"""Contracts, daily price paths, busy minutes and FX (USD, HKD per calendar day)."""
import numpy as np

from .util import END_DAY, weekday

# code, currency, multiplier, decimals, tick (in price units of 10**-dec), start price (units), daily vol
CONTRACTS = [
    ("HSI", "HKD", 50, 0, 1, 27000, 0.015), ("MHI", "HKD", 10, 0, 1, 27000, 0.015),
    ("CL", "USD", 1000, 2, 1, 5500, 0.025), ("QM", "USD", 500, 3, 25, 55000, 0.025),
    ("GC", "USD", 100, 1, 1, 14500, 0.009), ("MGC", "USD", 10, 1, 1, 14500, 0.009),
    ("NQ", "USD", 20, 2, 25, 780000, 0.014), ("MNQ", "USD", 2, 2, 25, 780000, 0.014),
    ("ES", "USD", 50, 2, 25, 290000, 0.011), ("CN", "USD", 1, 1, 25, 132500, 0.012),
    ("SI", "USD", 5000, 3, 5, 17000, 0.018),
]
BIG = ["HSI", "CL", "GC", "NQ", "ES", "SI"]
SMALL = ["MHI", "QM", "MGC", "MNQ", "CN"]
# busy minutes (seconds after midnight, local): HK open, HK afternoon, US data 20:30, US open 21:30, EIA 22:30
BUSY = {"HSI": [33300, 46800], "MHI": [33300, 46800], "CN": [32400, 33300],
        "CL": [77400, 81000], "QM": [77400, 81000], "GC": [73800, 77400], "MGC": [73800, 77400],
        "NQ": [73800, 77400], "MNQ": [73800, 77400], "ES": [73800, 77400], "SI": [73800, 77400]}


class Market:
    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        n = END_DAY + 40
        self.c = {c[0]: c for c in CONTRACTS}
        self.px = {}
        factor = {}
        for code, cur, mult, dec, tick, p0, vol in CONTRACTS:
            base = {"MHI": "HSI", "QM": "CL", "MGC": "GC", "MNQ": "NQ"}.get(code, code)
            if base not in factor:
                factor[base] = np.exp(np.cumsum(rng.normal(0.0002, vol, n)))
            self.px[code] = p0 * factor[base]
        usd = 6.9 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))
        hkd = usd / 7.80 * np.exp(np.cumsum(rng.normal(0, 0.0004, n)))
        self.fx = {"USD": [int(round(x * 10000)) for x in usd], "HKD": [int(round(x * 10000)) for x in hkd],
                   "CNY": [10000] * n}
        self.jit = rng.normal(0, 1, 4096)

    def price(self, code, d, sec, bias_ticks=0):
        """Price in integer units of 10**-dec, snapped to the tick."""
        c = self.c[code]
        base = float(self.px[code][d])
        j = self.jit[(d * 131 + sec // 60) % 4096] * c[6] * 0.25
        units = int(round(base * (1 + j) / c[4])) * c[4] + bias_ticks * c[4]
        return max(c[4], units)

    def ptext(self, code, units):
        dec = self.c[code][3]
        return str(units) if dec == 0 else "%d.%0*d" % (units // 10 ** dec, dec, units % 10 ** dec)

    def notional_fen(self, code, d, qty, units):
        c = self.c[code]
        num = qty * units * c[2] * self.fx[c[1]][d] * 100
        den = 10 ** c[3] * 10000
        return (num * 2 + den) // (2 * den)

    def pnl_fen(self, code, d, qty, diff_units):
        c = self.c[code]
        num = qty * diff_units * c[2] * self.fx[c[1]][d] * 100
        den = 10 ** c[3] * 10000
        s = -1 if num < 0 else 1
        return s * ((abs(num) * 2 + den) // (2 * den))

    def trade_time(self, r, code, busy_p=0.55):
        """A second of the trading day: often inside one of the contract's busy minutes."""
        if r.random() < busy_p:
            return r.pick(BUSY[code]) + int(r.expovariate(1 / 25.0)) % 300
        return r.pick([r.randint(33300, 43200), r.randint(46800, 59400), r.randint(62100, 86399)])


def trading_day(d):
    return weekday(d) < 5


def fx_rows(m):
    rows = []
    for d in range(0, END_DAY + 1):
        for cur in ("USD", "HKD"):
            rows.append((d, cur, m.fx[cur][d]))
    return rows
