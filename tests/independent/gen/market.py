"""Instruments, price paths and FX rates (the market every platform quotes)."""
import math
from datetime import timedelta

from . import ids as I

# code -> (currency, multiplier, start price, decimals, daily vol)
INSTR = {
    "CL": ("USD", 1000, 45.0, 2, 0.025),
    "GC": ("USD", 100, 1650.0, 1, 0.01),
    "NQ": ("USD", 20, 9000.0, 2, 0.015),
    "HSI": ("HKD", 50, 26000.0, 0, 0.014),
    "SI": ("USD", 5000, 18.0, 3, 0.02),
    "FDAX": ("EUR", 25, 13000.0, 1, 0.013),
    # micro / mini contracts small clients can afford
    "MNQ": ("USD", 2, 9000.0, 2, 0.015),
    "MHI": ("HKD", 10, 26000.0, 0, 0.014),
    "MGC": ("USD", 10, 1650.0, 1, 0.01),
    "QM": ("USD", 500, 45.0, 2, 0.025),
}
MINI = ["MNQ", "MHI", "MGC", "QM"]
MONTHS = "FGHJKMNQUVXZ"


class Market:
    def __init__(self, w):
        r = w.r
        self.days = []
        d = I.T0 - timedelta(days=10)
        while d <= I.T1 + timedelta(days=60):
            self.days.append(d.date())
            d += timedelta(days=1)
        self.price = {}
        for code, (_, _, p0, _, vol) in INSTR.items():
            p, path = p0, {}
            for day in self.days:
                p *= math.exp(r.gauss(0.0002, vol))
                path[day] = p
            self.price[code] = path
        # FX: business days only, 4 decimals (so whole-100 USD amounts convert exactly)
        self.fx = {"CNY": {}}
        base = {"USD": 6.9, "HKD": 0.885, "EUR": 7.7}
        self.fx_rows = []
        for cur, b in base.items():
            x = b
            self.fx[cur] = {}
            for day in self.days:
                x *= math.exp(r.gauss(0, 0.003))
                x = min(max(x, b * 0.9), b * 1.1)
                if day.weekday() < 5:
                    v = round(x, 4)
                    self.fx[cur][day] = v
                    self.fx_rows.append({"date": day.isoformat(), "currency": cur, "cny_per_unit": "%.4f" % v})
        w.t["fx_rates"] = self.fx_rows

    def rate(self, cur, day):
        """CNY per unit on `day` or the latest earlier business day."""
        if cur == "CNY":
            return 1.0
        tab = self.fx[cur]
        d = day
        while d not in tab:
            d -= timedelta(days=1)
        return tab[d]

    def quote(self, code, dt, r):
        p = self.price[code][dt.date()] * math.exp(r.gauss(0, INSTR[code][4] / 4))
        return round(p, INSTR[code][3])

    def contract(self, code, dt):
        m = (dt.month + 1) % 12
        y = dt.year + (1 if dt.month >= 12 else 0)
        return "%s%s%d" % (code, MONTHS[m], y % 100)

    def notional_fen(self, code, qty, price, dt):
        cur, mult = INSTR[code][0], INSTR[code][1]
        return int(round(qty * price * mult * self.rate(cur, dt.date()) * 100))
