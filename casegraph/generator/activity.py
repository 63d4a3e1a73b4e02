"""Clients and their money: deposits, trades, fees, P&L and withdrawals simulated per client in
time order (the balance never goes negative), then rebates and commissions paid monthly, and
the bank side of it all: client transfers, agent payouts, sweeps through nominee accounts."""

from __future__ import annotations

import bisect
from collections.abc import Callable

import numpy as np

from . import names as nm
from .clock import (
    DAY,
    END_DAY,
    LAST_REGISTRATION_DAY,
    LAST_TRADE_DAY,
    START_DAY,
    month_end_seconds,
    month_of_seconds,
    month_start_day,
    weekday,
)
from .network import bank_accounts, new_persons
from .world import (
    ADJUSTMENT,
    CNY,
    COMMISSION,
    DEPOSIT,
    EBANK,
    FEE,
    HKD,
    M_DEALINGS,
    M_DEPOSIT,
    M_GOODS,
    M_LOAN,
    M_NONE,
    M_REBATE,
    M_REPAY,
    M_WITHDRAWAL,
    MOBILE,
    OVERNIGHT,
    PNL,
    REBATE,
    THIRD_PARTY,
    USD,
    WITHDRAWAL,
    World,
)

# Calibrated so that the seed scale (20,000 clients) lands on domain.md §1 (see scales.py).
BUDGET_MEDIAN_CNY = 19_500  # money a client means to put in, lognormal
BUDGET_SIGMA = 1.42  # mean / median = exp(sigma^2 / 2) ~ 2.75
FRAUD_BUDGET_FACTOR = 2.4  # the fraud front targets richer clients...
FRAUD_BUDGET_SIGMA = 1.0  # ...of a narrower spread (its ~50 million loss stays steady across seeds)
POSITIONS_LAMBDA = 5.0
FRAUD_POSITIONS_LAMBDA = 7.0
PNL_MEAN, PNL_SD = -0.06, 0.16  # P&L of a position as a share of the balance (heavy tailed)
FRAUD_PNL_MEAN, FRAUD_PNL_SD = -0.30, 0.15
FOREIGN_SHARE = 0.03  # deposits/withdrawals in USD or HKD on the two "foreign" platforms
DIRECT_SHARE = 0.10  # clients without a referring agent


# -- exchange rates and prices ------------------------------------------------------------------
def make_fx(world: World, rng: np.random.Generator) -> None:
    """USD and HKD rates on business days (Mon-Fri) from 2018-12-31 to 2021-12-31."""
    first, last = START_DAY - 1, END_DAY
    days = np.arange(first, last + 1)
    business = days[weekday(days) < 5]
    steps = rng.normal(0, 0.0022, len(business))
    usd = np.empty(len(business))
    level = np.log(6.86)
    lo, hi = np.log(6.42), np.log(7.18)
    for i, s in enumerate(steps):  # reflected random walk
        level += s
        level = 2 * hi - level if level > hi else (2 * lo - level if level < lo else level)
        usd[i] = np.exp(level)
    usd_micro = np.round(usd * 1e4).astype(np.int64) * 100  # 4 decimals
    hkd = np.clip(usd / 7.8 * (1 + rng.normal(0, 0.0012, len(business))), 0.8201, 0.9199)
    hkd_micro = np.round(hkd * 1e6).astype(np.int64)  # 6 decimals
    world.fx_days = business
    world.fx_first_day = first
    rate = np.zeros((3, len(days)), dtype=np.int64)
    rate[CNY] = 1_000_000
    pos = np.searchsorted(business, days, side="right") - 1  # latest business day on or before
    rate[USD] = usd_micro[pos]
    rate[HKD] = hkd_micro[pos]
    world.fx_rate = rate


def make_prices(rng: np.random.Generator) -> np.ndarray:
    """Daily reference price (price units, on the tick) of each instrument, START_DAY-5..END_DAY+15."""
    n = END_DAY - START_DAY + 21
    out = np.zeros((len(nm.INSTRUMENTS), n), dtype=np.int64)
    for k, ins in enumerate(nm.INSTRUMENTS):
        lo, hi = np.log(ins.low), np.log(ins.high)
        level = rng.uniform(lo + 0.3 * (hi - lo), hi - 0.3 * (hi - lo))
        steps = rng.normal(0, 0.012, n)
        for i in range(n):
            level += steps[i]
            level = 2 * hi - level if level > hi else (2 * lo - level if level < lo else level)
            out[k, i] = int(np.exp(level) / ins.tick_units) * ins.tick_units
    return out


PRICE_DAY0 = START_DAY - 5


def on_weekday(ts: int) -> int:
    """Markets are shut at weekends: a Saturday or Sunday time moves to the Monday."""
    wd = (ts // DAY + 3) % 7
    return ts + (7 - wd) * DAY if wd >= 5 else ts


def convert(fen: int, rate_micro: int) -> int:
    """Foreign fen -> CNY fen, rounding half away from zero (as casegraph.money.convert_fen)."""
    product = fen * rate_micro
    magnitude = (abs(product) + 500_000) // 1_000_000
    return magnitude if product >= 0 else -magnitude


# -- clients --------------------------------------------------------------------------------
def make_clients(world: World, rng: np.random.Generator) -> None:
    n = world.n_clients
    plat = np.repeat([p.idx for p in world.platforms], [p.n_clients for p in world.platforms])
    agent = np.full(n, -1, dtype=np.int64)
    lo = np.zeros(n, dtype=np.int64)
    hi = np.zeros(n, dtype=np.int64)
    start = 0
    for p in world.platforms:
        k = p.n_clients
        weights = rng.lognormal(0, 0.8, len(p.agents))
        chosen = rng.choice(np.array(p.agents), size=k, p=weights / weights.sum())
        direct = rng.random(k) < DIRECT_SHARE
        agent[start:start + k] = np.where(direct, -1, chosen)
        for j in range(start, start + k):
            a = agent[j]
            if a < 0:
                lo[j], hi[j] = p.start_day, LAST_REGISTRATION_DAY
            else:
                ag = world.agents[a]
                lo[j] = max(ag.joined_day, p.start_day)
                hi[j] = min(ag.left_day if ag.left_day >= 0 else LAST_REGISTRATION_DAY, LAST_REGISTRATION_DAY)
        start += k
    reg = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    gang_prov = np.array([world.gangs[world.platforms[p].gang].province for p in plat])
    weights = np.array([p[3] for p in nm.PROVINCES])
    prov = np.where(rng.random(n) < 0.3, gang_prov, rng.choice(len(nm.PROVINCES), n, p=weights / weights.sum()))
    persons = new_persons(world, rng, prov)
    banks = bank_accounts(world, rng, persons, reg - rng.integers(100, 3000, n))
    for pers, acc in zip(persons, banks):
        world.person_bank[pers] = acc
    trading = [world.add_account("trading", persons[c], platform=int(plat[c]), client=c, opened=int(reg[c]))
               for c in range(n)]
    world.c_platform, world.c_agent, world.c_reg_day = plat, agent, reg
    world.c_person = np.array(persons, dtype=np.int64)
    world.c_bank = np.array(banks, dtype=np.int64)
    world.c_trading = np.array(trading, dtype=np.int64)


def _offsets(counts: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def simulate_clients(world: World, rng: np.random.Generator, prices: np.ndarray,
                     advance: Callable[[int], None] = lambda n: None) -> dict:
    """Every client's money in time order. Returns per-month sums the bank side needs."""
    n = world.n_clients
    fraud_p = np.array([p.fraud for p in world.platforms])
    is_fraud = fraud_p[world.c_platform]
    # per client
    budget = rng.lognormal(np.log(BUDGET_MEDIAN_CNY * np.where(is_fraud, FRAUD_BUDGET_FACTOR, 1)),
                           np.where(is_fraud, FRAUD_BUDGET_SIGMA, BUDGET_SIGMA))
    budget = np.clip(budget, 1_000, 30_000_000) * 100
    active = np.clip(rng.lognormal(np.log(150), 0.9, n), 20, 1000).astype(np.int64)
    n_dep = rng.choice([1, 2, 3, 4, 5], n, p=[0.38, 0.26, 0.17, 0.11, 0.08])
    lam = np.where(is_fraud, FRAUD_POSITIONS_LAMBDA, POSITIONS_LAMBDA) * np.sqrt(budget / 2_000_000)
    n_pos = 1 + rng.poisson(lam)
    n_wd = np.where(is_fraud, rng.choice([0, 1, 2], n, p=[0.6, 0.35, 0.05]),
                    rng.choice([0, 1, 2, 3], n, p=[0.3, 0.35, 0.2, 0.15]))
    final_wd = rng.random(n) < np.where(is_fraud, 0.1, 0.45)
    bonus = np.where(rng.random(n) < 0.01, rng.integers(200, 2001, n) * 100, 0)
    first_tod = rng.integers(9 * 3600, 21 * 3600, n)
    last_ts = LAST_TRADE_DAY * DAY + 20 * 3600
    t_first = world.c_reg_day * DAY + first_tod
    t_last = np.minimum(t_first + active * DAY, last_ts)
    world.c_end_day = t_last // DAY
    sub_pick = rng.integers(0, 1 << 30, n)
    # per deposit
    dep_off = _offsets(n_dep)
    nd = int(dep_off[-1])
    dep_share = rng.gamma(2.0, 1.0, nd)
    dep_u = rng.uniform(0.02, 1.0, nd)
    dep_tod = rng.integers(8 * 3600, 22 * 3600, nd)
    dep_cents = np.where(rng.random(nd) < 0.2, rng.integers(1, 10_000, nd), -1)
    dep_foreign = rng.random(nd) < FOREIGN_SHARE
    dep_cur = np.where(rng.random(nd) < 0.5, USD, HKD)
    dep_to = rng.integers(0, 1 << 30, nd)
    dep_mobile = rng.random(nd) < 0.5
    # per position
    pos_off = _offsets(n_pos)
    npos = int(pos_off[-1])
    pos_u = rng.random(npos)
    pos_intraday = rng.random(npos) < 0.7
    pos_hold = rng.integers(300, 4 * 3600, npos)
    pos_nights = np.minimum(rng.geometric(0.4, npos), 9)
    pos_close_tod = rng.integers(9 * 3600, 22 * 3600 + 1800, npos)
    pos_platform = np.repeat(world.c_platform, n_pos)
    cum = np.array([np.cumsum(p.instrument_p) for p in world.platforms])[pos_platform]
    pos_ins = np.minimum((rng.random(npos)[:, None] >= cum).sum(axis=1), len(nm.INSTRUMENTS) - 1)
    pos_side = rng.integers(0, 2, npos)
    pos_qty = rng.choice([1, 2, 3, 4, 5], npos, p=[0.35, 0.25, 0.2, 0.1, 0.1])
    z = rng.standard_t(3, npos)
    pos_z = np.where(is_fraud[np.repeat(np.arange(n), n_pos)], FRAUD_PNL_MEAN + FRAUD_PNL_SD * z,
                     PNL_MEAN + PNL_SD * z)
    pos_noise = rng.integers(-8, 9, npos)
    pos_lat = rng.integers(3, 400, (npos, 2))
    pos_fake = rng.random(npos) < 0.25
    # per withdrawal (plus the optional final one)
    wd_count = n_wd + final_wd
    wd_off = _offsets(wd_count)
    nw = int(wd_off[-1])
    wd_u = rng.uniform(0.05, 1.0, nw)
    wd_frac = np.where(np.repeat(is_fraud, wd_count), rng.uniform(0.05, 0.2, nw), rng.uniform(0.2, 0.8, nw))
    wd_round = rng.random(nw) < 0.3
    wd_foreign = rng.random(nw) < FOREIGN_SHARE
    wd_cur = np.where(rng.random(nw) < 0.5, USD, HKD)
    wd_final_frac = rng.uniform(0.6, 1.0, n)
    wd_extra_days = rng.integers(1, 4, n)

    entry, trade = world.ledger.add, world.trades.add

    def ledger(ts, c, kind, amount, *, cur, cny, txn=-1):
        entry(ts, c, kind, amount, cur, cny, -1, txn)

    fx = world.fx_rate
    fx0 = world.fx_first_day
    month_of_day = {d: int(m) for d, m in zip(range(START_DAY - 1, END_DAY + 16), month_of_seconds(
        np.arange(START_DAY - 1, END_DAY + 16) * DAY))}
    lot_value = [ins.lot_value_fen for ins in nm.INSTRUMENTS]
    tick_units = [ins.tick_units for ins in nm.INSTRUMENTS]
    ins_cur = [HKD if ins.currency == "HKD" else USD for ins in nm.INSTRUMENTS]
    # (collection account, its platform's gang, month) -> CNY fen: a payment company's account
    # collects for several gangs (variant shared_payment_accounts) and forwards each its own.
    inflow: dict[tuple[int, int, int], int] = {}
    outflow: dict[tuple[int, int], int] = {}  # (platform, month) -> CNY fen paid out to clients

    for c in range(n):
        advance(1)
        p = world.platforms[world.c_platform[c]]
        bank, B = int(world.c_bank[c]), int(budget[c])
        t0, t_end = int(t_first[c]), int(t_last[c])
        span = max(t_end - t0, 3600)
        # events: (ts, type, index, x); types in tie order: 0 deposit, 1 close, 2 open, 3 withdrawal, 4 bonus
        events = []
        d0, d1 = dep_off[c], dep_off[c + 1]
        shares = dep_share[d0:d1] / dep_share[d0:d1].sum()
        for k in range(d0, d1):
            ts = t0 if k == d0 else (t0 + int(dep_u[k] * span)) // DAY * DAY + int(dep_tod[k])
            events.append((max(ts, t0), 0, k, float(shares[k - d0])))
        for k in range(pos_off[c], pos_off[c + 1]):
            events.append((on_weekday(t0 + 300 + int(pos_u[k] * (span - 300))), 2, k, 0.0))
        for k in range(wd_off[c], wd_off[c + 1]):
            if final_wd[c] and k == wd_off[c + 1] - 1:
                events.append((t_end + int(wd_extra_days[c]) * DAY, 3, k, float(wd_final_frac[c])))
            else:
                events.append((t0 + 3600 + int(wd_u[k] * span), 3, k, float(wd_frac[k])))
        if bonus[c]:
            events.append((t0 + 60, 4, 0, 0.0))
        events.sort()
        subs = p.subs
        sub = subs[int(sub_pick[c]) % len(subs)] if subs else -1
        opened: dict[int, tuple[int, int, int]] = {}  # position -> (instrument, price, day)
        bal = 0
        i = 0
        while i < len(events):
            ts, typ, k, x = events[i]
            i += 1
            if typ == 0:  # deposit
                cny = max(int(round(B * x / 10_000)) * 10_000, 50_000)  # whole hundreds of CNY
                if dep_cents[k] >= 0:
                    cny = cny - 10_000 + int(dep_cents[k])
                cur, amount = CNY, cny
                if p.foreign and dep_foreign[k]:
                    cur = int(dep_cur[k])
                    rate = int(fx[cur, ts // DAY - fx0])
                    amount = max(1000, int(round(cny * 1_000_000 / rate / 1000)) * 1000)  # tens of USD/HKD
                    cny = convert(amount, rate)
                coll = p.collection[int(dep_to[k]) % len(p.collection)]
                channel = THIRD_PARTY if world.a_kind[coll] == "payment" else (MOBILE if dep_mobile[k] else EBANK)
                txn = world.transfer(ts, bank, coll, amount, currency=cur, channel=channel,
                                     memo=M_DEPOSIT if dep_mobile[k] else M_NONE)
                ledger(ts, c, DEPOSIT, amount, cur=cur, cny=cny, txn=txn)
                bal += cny
                key = (coll, p.gang, month_of_day[ts // DAY])
                inflow[key] = inflow.get(key, 0) + cny
            elif typ == 4:  # a welcome bonus credited by the platform
                ledger(ts, c, ADJUSTMENT, int(bonus[c]), cur=CNY, cny=int(bonus[c]))
                bal += int(bonus[c])
            elif typ == 2:  # open a position: the fee is charged now
                ins = int(pos_ins[k])
                qty = int(pos_qty[k])
                fee = int(p.fee_lot_fen[ins]) * qty
                if bal < 2 * fee:
                    continue  # not enough money: the client does not open it
                side = int(pos_side[k])
                dayi = ts // DAY
                price = int(prices[ins, dayi - PRICE_DAY0]) + int(pos_noise[k]) * tick_units[ins]
                rate = int(fx[ins_cur[ins], dayi - fx0])
                ledger(ts, c, FEE, fee, cur=CNY, cny=fee)
                bal -= fee
                notional = (qty * price * lot_value[ins] * rate + 500_000) // 1_000_000
                ref = world.new_ref() if (not p.fraud or pos_fake[k]) else -1
                trade(ts, c, ins, side, qty, price, notional, ref)
                if not p.fraud:
                    add_fill(world, ts * 1000 + int(pos_lat[k, 0]), sub, ins, side, qty=qty, price=price, ref=ref)
                if pos_intraday[k]:
                    t_close = ts + int(pos_hold[k])
                else:
                    t_close = on_weekday((dayi + int(pos_nights[k])) * DAY + int(pos_close_tod[k]))
                opened[k] = (ins, price, dayi)
                bisect.insort(events, (t_close, 1, k, 0.0), lo=i)
            elif typ == 1:  # close it: overnight fee, then P&L
                ins, open_price, open_day = opened.pop(k)
                qty, side = int(pos_qty[k]), int(pos_side[k])
                dayi = ts // DAY
                if dayi > open_day:
                    ov = min((dayi - open_day) * int(p.overnight_lot_fen[ins]) * qty, bal)
                    if ov > 0:
                        ledger(ts, c, OVERNIGHT, ov, cur=CNY, cny=ov)
                        bal -= ov
                rate = int(fx[ins_cur[ins], dayi - fx0])
                tick_cny = lot_value[ins] * tick_units[ins] * rate / 1_000_000
                ticks = int(round(float(pos_z[k]) * bal / (tick_cny * qty)))
                max_ticks = max(1, int(open_price * 0.04) // tick_units[ins])
                ticks = max(-max_ticks, min(max_ticks, ticks))
                close_price = open_price + (1 if side == 0 else -1) * ticks * tick_units[ins]
                pnl = convert(ticks * tick_units[ins] * lot_value[ins] * qty, rate)
                pnl = max(pnl, -bal)  # wiped out: a loss is capped at what is left
                if pnl != 0:
                    ledger(ts, c, PNL, pnl, cur=CNY, cny=pnl)
                    bal += pnl
                notional = (qty * close_price * lot_value[ins] * rate + 500_000) // 1_000_000
                ref = world.new_ref() if (not p.fraud or pos_fake[k]) else -1
                trade(ts, c, ins, 1 - side, qty, close_price, notional, ref)
                if not p.fraud:
                    add_fill(world, ts * 1000 + int(pos_lat[k, 1]), sub, ins, 1 - side, qty=qty, price=close_price,
                             ref=ref)
            else:  # withdrawal of part of the balance
                want = int(bal * x)
                want = want // 10_000 * 10_000 if wd_round[k] else want
                if want < 10_000:
                    continue
                cur, amount, cny = CNY, want, want
                if p.foreign and wd_foreign[k]:
                    cur = int(wd_cur[k])
                    rate = int(fx[cur, ts // DAY - fx0])
                    amount = want * 1_000_000 // rate
                    cny = convert(amount, rate)
                    while cny > bal:
                        amount -= 1
                        cny = convert(amount, rate)
                txn = world.transfer(ts, p.payout, bank, amount, currency=cur, channel=MOBILE, memo=M_WITHDRAWAL)
                ledger(ts, c, WITHDRAWAL, amount, cur=cur, cny=cny, txn=txn)
                bal -= cny
                key = (p.idx, month_of_day[ts // DAY])
                outflow[key] = outflow.get(key, 0) + cny
    return {"inflow": inflow, "outflow": outflow}


def add_fill(world: World, ts_ms: int, account: int, ins: int, side: int, *, qty: int, price: int, ref: int,
             counterparty: int = -1) -> None:
    world.fills.add(ts_ms, account, ins, side, qty, price, ref, counterparty)


# -- rebates and commissions ---------------------------------------------------------------------
def _monthly(client: np.ndarray, month: np.ndarray, amount: np.ndarray) -> dict[int, list[tuple[int, int]]]:
    """client -> [(month, sum)] in month order (exact int64 sums)."""
    out: dict[int, list[tuple[int, int]]] = {}
    if len(client) == 0:
        return out
    order = np.lexsort((month, client))
    c, m, a = client[order], month[order], amount[order]
    starts = np.flatnonzero(np.r_[True, (c[1:] != c[:-1]) | (m[1:] != m[:-1])])
    sums = np.add.reduceat(a, starts)
    for cc, mm, ss in zip(c[starts].tolist(), m[starts].tolist(), sums.tolist()):
        out.setdefault(cc, []).append((mm, ss))
    return out


def _cumulative_payments(months: list[tuple[int, int]], rate_e4: int) -> list[tuple[int, int]]:
    """Pay each month round_half_up(cumulative base x rate) - already paid: sum paid = due on the total."""
    out, cum, paid = [], 0, 0
    for m, amount in months:
        cum += amount
        due = (cum * rate_e4 + 5_000) // 10_000
        if due > paid:
            out.append((m, due - paid))
            paid = due
    return out


def pay_agents(world: World, rng: np.random.Generator, outflow: dict) -> None:
    """Differential rebates on fees up each client's agent path and commissions on deposits,
    paid monthly; ~5% of agents are deliberately under- or over-paid; one bank transfer per
    agent and month from the platform's payout account (cash, with no transfer and no
    ``bank_txn_id``, under ``agents_only_in_agents_csv``)."""
    led = world.ledger
    kind, client, cny = led.np("kind"), led.np("client"), led.np("cny")
    month = month_of_seconds(led.np("ts"))
    fees = _monthly(client[kind == FEE], month[kind == FEE], cny[kind == FEE])
    deposits = _monthly(client[kind == DEPOSIT], month[kind == DEPOSIT], cny[kind == DEPOSIT])
    agents = world.agents
    payments: list[tuple[int, int, int, int, int]] = []  # (month, client, agent, kind, amount)
    for c, months in fees.items():
        a, child_rate = int(world.c_agent[c]), 0
        while a >= 0:
            ag = agents[a]
            for m, amount in _cumulative_payments(months, ag.rate_e4 - child_rate):
                payments.append((m, c, a, REBATE, amount))
            child_rate, a = ag.rate_e4, ag.parent
    for c, months in deposits.items():
        a = int(world.c_agent[c])
        if a >= 0 and agents[a].comm_e4:
            for m, amount in _cumulative_payments(months, agents[a].comm_e4):
                payments.append((m, c, a, COMMISSION, amount))
    # deliberate mistakes: a missing month for some agents, an extra amount for others
    by_agent: dict[int, list[int]] = {}
    for i, (_, _, a, k, _) in enumerate(payments):
        if k == REBATE:
            by_agent.setdefault(a, []).append(i)
    paid_agents = sorted(by_agent)
    n_bad = max(2, round(0.05 * len(paid_agents)))
    bad = rng.choice(paid_agents, size=min(n_bad, len(paid_agents)), replace=False).tolist()
    dropped: set[int] = set()
    for j, a in enumerate(bad):
        rows = by_agent[a]
        row = rows[int(rng.integers(0, len(rows)))]
        m, c, _, _, amount = payments[row]
        if j % 2 == 0:
            dropped.add(row)
            world.rebate_anomalies.append((a, c, m, "missing", amount))
        else:
            extra = int(rng.integers(100_00, 3_000_00))
            payments.append((m, c, a, REBATE, extra))
            world.rebate_anomalies.append((a, c, m, "extra", extra))
    payments = [p for i, p in enumerate(payments) if i not in dropped]
    # ledger entries, then one bank transfer per agent and month
    entries: dict[tuple[int, int], list[int]] = {}
    for m, c, a, k, amount in payments:
        row = led.add(month_end_seconds(m, 23, 50), c, k, amount, CNY, amount, a, -1)
        entries.setdefault((a, m), []).append(row)
    for (a, m), rows in sorted(entries.items()):
        ag = agents[a]
        total = sum(led.amount[r] for r in rows)
        p = world.platforms[ag.platform]
        outflow[(p.idx, m)] = outflow.get((p.idx, m), 0) + total
        if not world.options.agents_paid_by_bank:
            continue
        txn = world.transfer(month_end_seconds(m, 23, 55) + int(rng.integers(0, 240)), p.payout,
                             world.person_bank[ag.person], total, currency=CNY, channel=EBANK, memo=M_REBATE)
        for r in rows:
            led.txn[r] = txn


# -- the gangs' own money: sweeps and payout funding ---------------------------------------------
def sweep_money(world: World, rng: np.random.Generator, inflow: dict, outflow: dict) -> None:
    """Collection accounts are emptied monthly into a nominee layer (one or two deep) that ends
    at the leader's accounts; the payout account is topped up at the start of each month."""
    forwarded: dict[tuple[int, int, int], int] = {}  # (gang, layer-1 account, month) -> fen
    for (acc, g, m) in sorted(inflow):
        gang = world.gangs[g]
        amount = int(inflow[(acc, g, m)] * rng.uniform(0.85, 0.97)) // 100_000 * 100_000
        if amount <= 0:
            continue
        dst = gang.layer1[int(rng.integers(0, len(gang.layer1)))]
        ts = (month_start_day(m) + 24 + int(rng.integers(0, 3))) * DAY + int(rng.integers(14 * 3600, 20 * 3600))
        world.transfer(ts, acc, dst, amount, currency=CNY, channel=EBANK, memo=M_GOODS)
        key = (gang.idx, dst, m)
        forwarded[key] = forwarded.get(key, 0) + amount
    for (g, l1, m) in sorted(forwarded):
        gang = world.gangs[g]
        amount = int(forwarded[(g, l1, m)] * rng.uniform(0.95, 0.99)) // 100_000 * 100_000
        if amount <= 0:
            continue
        day27 = (month_start_day(m) + 27) * DAY
        src = l1
        leader = gang.leader_accounts[int(rng.integers(0, len(gang.leader_accounts)))]
        for hop, dst in enumerate(gang.layer2[:1] + [leader]):
            world.transfer(day27 + (10 + 4 * hop) * 3600 + int(rng.integers(0, 3600)), src, dst, amount, currency=CNY,
                           channel=EBANK, memo=M_DEALINGS)
            src, amount = dst, amount * 98 // 100 // 10_000 * 10_000  # the next hop keeps a little back
    for (pi, m) in sorted(outflow):
        p = world.platforms[pi]
        gang = world.gangs[p.gang]
        amount = -(-outflow[(pi, m)] * 105 // 100 // 100_000) * 100_000
        ts = month_start_day(m) * DAY + int(rng.integers(9 * 3600, 11 * 3600))
        world.transfer(ts, gang.layer1[0], p.payout, amount, currency=CNY, channel=EBANK, memo=M_DEALINGS)


def noise_transfers(world: World, rng: np.random.Generator) -> None:
    """Unrelated people paying each other, now and then a client."""
    accounts = [world.person_bank[p] for p in world.noise_persons]
    n = max(30, round(world.n_clients / 10))
    src = rng.integers(0, len(accounts), n)
    dst = (src + rng.integers(1, len(accounts), n)) % len(accounts)
    with_client = rng.random(n) < 0.1
    client = rng.integers(0, world.n_clients, n)
    client_sends = rng.random(n) < 0.5
    days = rng.integers(START_DAY, END_DAY + 1, n)
    tod = rng.integers(7 * 3600, 23 * 3600, n)
    amount = np.maximum(np.round(rng.lognormal(np.log(3000), 1.0, n)).astype(np.int64) * 100, 100_00)
    cents = np.where(rng.random(n) < 0.5, rng.integers(0, 100, n), 0)
    memo = rng.choice([M_DEALINGS, M_GOODS, M_LOAN, M_REPAY, M_NONE], n)
    for i in range(n):
        a, b = accounts[src[i]], accounts[dst[i]]
        if with_client[i]:
            cb = int(world.c_bank[client[i]])
            a, b = (cb, b) if client_sends[i] else (a, cb)
        world.transfer(int(days[i]) * DAY + int(tod[i]), a, b, int(amount[i] + cents[i]), currency=CNY,
                       channel=MOBILE if i % 3 else EBANK, memo=int(memo[i]))
