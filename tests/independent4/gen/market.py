"""Contracts, daily price paths (numpy), FX rates with 4 decimals on weekdays only."""
import numpy as np

from .util import N_DAYS, weekday, date_str

# symbol, currency, multiplier, tick, start price, daily vol, sessions (local +08:00 seconds of day)
CONTRACTS = (
    ("MHI", "HKD", 10, 1, 26000, 0.014, ((9 * 3600 + 15 * 60, 12 * 3600), (13 * 3600, 16 * 3600 + 30 * 60))),
    ("HSI", "HKD", 50, 1, 26000, 0.014, ((9 * 3600 + 15 * 60, 12 * 3600), (13 * 3600, 16 * 3600 + 30 * 60))),
    ("CL", "USD", 1000, 0.01, 55, 0.025, ((21 * 3600 + 30 * 60, 23 * 3600 + 59 * 60),)),
    ("GC", "USD", 100, 0.1, 1500, 0.009, ((20 * 3600 + 30 * 60, 23 * 3600 + 59 * 60),)),
    ("NQ", "USD", 20, 0.25, 8000, 0.016, ((21 * 3600 + 30 * 60, 23 * 3600 + 59 * 60),)),
    ("MNQ", "USD", 2, 0.25, 8000, 0.016, ((21 * 3600 + 30 * 60, 23 * 3600 + 59 * 60),)),
    ("SI", "USD", 5000, 0.005, 17, 0.018, ((20 * 3600 + 30 * 60, 23 * 3600 + 59 * 60),)),
    ("CN", "USD", 1, 1, 14000, 0.012, ((9 * 3600, 16 * 3600 + 30 * 60),)),
)
# busy instants where orders pile up by chance (HK open, US data, US open)
BUSY = (9 * 3600 + 15 * 60, 20 * 3600 + 30 * 60, 21 * 3600 + 30 * 60)


class Market:
    def __init__(self, rng):
        seed = rng.getrandbits(32)
        g = np.random.default_rng(seed)
        self.trading_days = [d for d in range(N_DAYS) if weekday(d) < 5]
        self.is_td = np.zeros(N_DAYS + 400, dtype=bool)
        self.is_td[self.trading_days] = True
        self.price = {}
        for sym, cur, mult, tick, p0, vol, sess in CONTRACTS:
            steps = g.normal(0, vol, N_DAYS)
            path = p0 * np.exp(np.cumsum(steps))
            self.price[sym] = path
        self.spec = {c[0]: c for c in CONTRACTS}
        # FX: CNY per unit, 4 decimals; missing on weekends and on a few holidays
        usd = 7.05 + np.cumsum(g.normal(0, 0.012, N_DAYS)) * 0.6
        usd = np.clip(usd, 6.30, 7.20)
        hold = set(int(x) for x in g.choice(np.array(self.trading_days), 12, replace=False))
        self.fx = {}   # (currency, day) -> rate in 1/10000 CNY, only published days
        for d in range(N_DAYS):
            if weekday(d) >= 5 or d in hold:
                continue
            u = int(round(usd[d] * 10000))
            self.fx[("USD", d)] = u
            self.fx[("HKD", d)] = int(round(usd[d] / 7.78 * 10000))
        self.holidays = sorted(hold)

    def rate(self, cur, d):
        """rate in 1/10000 CNY of the day, or the latest earlier published day."""
        if cur == "CNY":
            return 10000
        while (cur, d) not in self.fx:
            d -= 1
        return self.fx[(cur, d)]

    def rows(self):
        out = []
        for (cur, d), r in sorted(self.fx.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            out.append((date_str(d), cur, "%d.%04d" % (r // 10000, r % 10000)))
        return out
