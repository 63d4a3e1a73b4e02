"""The overseas broker's side beyond the platforms' own routing: account groups in the
伊世顿 pattern (domain.md §3) and unrelated traders as decoys."""

from __future__ import annotations

import numpy as np

from . import names as nm
from .activity import PRICE_DAY0, add_fill
from .clock import DAY, day, weekday
from .network import Tokens, new_persons, own_bank
from .variants import GROUP_EVIDENCE
from .world import CNY, CROSS_BORDER, M_MARGIN, World

GROUP_INSTRUMENTS = (0, 4, 3)  # HSI, CN, NQ
FIRST_DAY, LAST_DAY = day("2019-03-01"), day("2021-11-30")


def _trading_days(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random weekdays in the groups' active period."""
    out = np.zeros(0, dtype=np.int64)
    while len(out) < n:
        days = rng.integers(FIRST_DAY, LAST_DAY + 1, 2 * n + 4)
        out = np.concatenate([out, days[weekday(days) < 5]])
    return out[:n]


def _group_login(world: World, rng: np.random.Generator, accounts: list[int], devices: list[tuple[str, str]],
                 *, prov: str, per_account: tuple[int, int]) -> None:
    for acc in accounts:
        k = world.options.logins(int(rng.integers(*per_account)))
        days = _trading_days(rng, k)
        pick = rng.integers(0, len(devices), len(days))
        tod = rng.integers(8 * 3600, 9 * 3600 + 1800, len(days))
        for d, j, t in zip(days.tolist(), pick.tolist(), tod.tolist()):
            dev, ip = devices[j]
            world.logins.append((d * DAY + t, acc, -1, ip, dev, prov))


def account_groups(world: World, rng: np.random.Generator, prices: np.ndarray, tokens: Tokens) -> None:
    """2-3 groups: a controller trades 6-12 borrowed sub-accounts as one, with shared devices,
    common funding, synchronised orders and self-trades, and a visible share of the volume.
    Under ``groups_one_evidence`` each group leaves one of the three kinds of evidence (in
    turn): the others are replaced by what independent holders do (own devices, own money,
    orders of their own timing)."""
    f = world.fills
    ins_col, qty_col = f.np("instrument"), f.np("qty")
    client_qty = np.bincount(ins_col, weights=qty_col, minlength=len(nm.INSTRUMENTS))
    n_groups = 2 if world.n_clients < 1000 else 3
    one_evidence = "groups_one_evidence" in world.options
    for g in range(n_groups):
        evidence = {GROUP_EVIDENCE[g % len(GROUP_EVIDENCE)]} if one_evidence else set(GROUP_EVIDENCE)
        prov = nm.PROVINCE_INDEX[("上海市", "浙江省", "江苏省")[g % 3]]
        controller = new_persons(world, rng, [prov])[0]
        own_bank(world, rng, [controller], day("2018-01-01"))
        broker = nm.BROKERS[g % len(nm.BROKERS)]
        opened = day("2018-06-01") + int(rng.integers(0, 200))
        mother = world.add_account("mother", controller, inst=broker, opened=opened)
        k = int(rng.integers(6, 13))
        holders = new_persons(world, rng, rng.integers(0, len(nm.PROVINCES), k))
        own_bank(world, rng, holders, day("2018-01-01"))
        subs = [world.add_account("sub", h, parent=mother, inst=broker, opened=opened + int(rng.integers(30, 150)))
                for h in holders]
        world.groups.append((controller, subs))
        # common funding: the controller's bank pays margin into every borrowed account
        for acc, holder in zip(subs, holders):
            src = world.person_bank[controller if "common_funding" in evidence else holder]
            for _ in range(int(rng.integers(1, 4))):
                d = day("2018-10-01") + int(rng.integers(0, 900))
                world.transfer(d * DAY + int(rng.integers(9 * 3600, 16 * 3600)), src, acc,
                               int(rng.integers(20, 201)) * 10_000_00, currency=CNY, channel=CROSS_BORDER,
                               memo=M_MARGIN)
        if "shared_devices" in evidence:
            devices = list(zip(tokens.devices(2), tokens.ips(2)))
            _group_login(world, rng, subs, devices, prov=nm.PROVINCES[prov][0], per_account=(20, 61))
        else:  # each holder on a device of his own
            for acc, device in zip(subs, zip(tokens.devices(k), tokens.ips(k))):
                _group_login(world, rng, [acc], [device], prov=nm.PROVINCES[prov][0], per_account=(20, 61))
        instruments = rng.choice(GROUP_INSTRUMENTS, size=int(rng.integers(1, 3)), replace=False).tolist()
        for ins in instruments:
            share = rng.uniform(0.05, 0.12)
            target = max(400, int(client_qty[ins] * share / (1 - share)))
            _group_trading(world, rng, prices, subs, ins=int(ins), target=target,
                           synchronised="sync_orders" in evidence)


def _group_trading(world: World, rng: np.random.Generator, prices: np.ndarray, subs: list[int], *, ins: int,
                   target: int, synchronised: bool = True) -> None:
    """Bursts of orders on many accounts at once (within 50 ms; seconds to a minute apart one
    after another when not ``synchronised``) and self-trades, until ``target`` lots."""
    tick = nm.INSTRUMENTS[ins].tick_units
    done, bursts = 0, 0
    while done < target:
        d = int(_trading_days(rng, 1)[0])
        base_price = int(prices[ins, d - PRICE_DAY0])
        t = d * DAY * 1000 + int(rng.integers(9 * 3600, 16 * 3600)) * 1000
        sync = rng.random() < 0.7 if bursts > 2 else bursts != 1  # always some of each kind
        bursts += 1
        if sync:  # synchronised orders: many accounts within 50 ms, same side
            for _ in range(int(rng.integers(3, 10))):
                t += int(rng.integers(2_000, 600_000))
                side = int(rng.integers(0, 2))
                price = base_price + int(rng.integers(-6, 7)) * tick
                members = rng.choice(subs, size=int(rng.integers(3, len(subs) + 1)), replace=False)
                if synchronised:
                    offsets = np.sort(rng.integers(0, 51, len(members)))
                else:
                    offsets = np.cumsum(rng.integers(1_000, 60_000, len(members)))
                for acc, off in zip(members.tolist(), offsets.tolist()):
                    qty = int(rng.integers(1, 11))
                    add_fill(world, t + off, acc, ins, side, qty=qty, price=price, ref=world.new_ref())
                    done += qty
                if not synchronised:  # the next order starts after this one's last fill
                    t += int(offsets[-1])
        else:  # self-trades: a buy and the matching sell inside the group, 5-12 in a day
            for _ in range(int(rng.integers(5, 13))):
                t += int(rng.integers(5_000, 900_000))
                a, b = rng.choice(subs, size=2, replace=False).tolist()
                qty = int(rng.integers(1, 21))
                price = base_price + int(rng.integers(-6, 7)) * tick
                ref = world.new_ref()
                lag = int(rng.integers(0, 4))
                add_fill(world, t, a, ins, 0, qty=qty, price=price, ref=ref, counterparty=b)
                add_fill(world, t + lag, b, ins, 1, qty=qty, price=price, ref=ref, counterparty=a)
                done += 2 * qty


def decoys(world: World, rng: np.random.Generator, prices: np.ndarray, tokens: Tokens) -> None:
    """Independent traders at the brokers: own funding and devices, now and then the same public
    Wi-Fi/VPN address as another of them; never a group. ``noisy``: ten times as many, with ten
    times the shared addresses (as crowded each as by default)."""
    factor = world.options.noise_factor
    n = int(rng.integers(8, 16)) * factor
    prov = rng.integers(0, len(nm.PROVINCES), n)
    people = new_persons(world, rng, prov)
    own_bank(world, rng, people, day("2018-01-01"))
    houses = [world.add_account("mother", -1, inst=b, opened=day("2015-01-01")) for b in nm.BROKERS]
    shared = tokens.ips(2 * factor)
    dev = tokens.devices(n)
    ips = tokens.ips(n)
    for i, person in enumerate(people):
        h = int(rng.integers(0, len(houses)))
        acc = world.add_account("sub", person, parent=houses[h], inst=nm.BROKERS[h],
                                opened=day("2018-03-01") + int(rng.integers(0, 600)))
        for _ in range(int(rng.integers(1, 3))):
            d = day("2018-06-01") + int(rng.integers(0, 1000))
            world.transfer(d * DAY + 11 * 3600, world.person_bank[person], acc,
                           int(rng.integers(5, 80)) * 10_000_00, currency=CNY, channel=CROSS_BORDER, memo=M_MARGIN)
        _group_login(world, rng, [acc], [(dev[i], ips[i])], prov=nm.PROVINCES[prov[i]][0], per_account=(10, 41))
        for _ in range(int(rng.integers(1, 3))):  # the shared public address, once in a while
            d = int(_trading_days(rng, 1)[0])
            world.logins.append((d * DAY + int(rng.integers(10 * 3600, 22 * 3600)), acc, -1,
                                 shared[int(rng.integers(0, len(shared)))], dev[i], "香港特别行政区"))
        days = _trading_days(rng, int(rng.integers(50, 300)))
        for d in days.tolist():
            ins = int(rng.integers(0, len(nm.INSTRUMENTS)))
            tick = nm.INSTRUMENTS[ins].tick_units
            price = int(prices[ins, d - PRICE_DAY0]) + int(rng.integers(-10, 11)) * tick
            t = (d * DAY + int(rng.integers(9 * 3600, 22 * 3600))) * 1000 + int(rng.integers(0, 1000))
            add_fill(world, t, acc, ins, int(rng.integers(0, 2)), qty=int(rng.integers(1, 6)), price=price,
                     ref=world.new_ref())
