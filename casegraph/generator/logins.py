"""Access records: platform admin logins of gang staff, e-banking of the gang's accounts (from
the gang's own devices), agents and clients from their own devices, and a few shared VPN
addresses that join unrelated clients (noise). The variants ``sparse_logins`` / ``dense_logins``
scale every count; ``agents_offline`` and ``agents_only_in_agents_csv`` keep agents out."""

from __future__ import annotations

import numpy as np

from . import names as nm
from .clock import DAY, END_DAY, START_DAY
from .network import Tokens
from .world import World

VPN_PROVINCE = "香港特别行政区"


def _spread(world: World, rng: np.random.Generator, k: int, first: int, last: int, *, account: int, actor: int,
            devices: list[tuple[str, str]], prov: str) -> None:
    k = world.options.logins(k)
    days = rng.integers(first, last + 1, k)
    tod = rng.integers(7 * 3600, 24 * 3600, k)
    pick = rng.integers(0, len(devices), k)
    for d, t, j in zip(days.tolist(), tod.tolist(), pick.tolist()):
        dev, ip = devices[j]
        world.logins.append((d * DAY + t, account, actor, ip, dev, prov))


def make_logins(world: World, rng: np.random.Generator, tokens: Tokens) -> None:
    offline = set() if world.options.agents_log_in else {ag.person for ag in world.agents}
    for gang in world.gangs:
        prov = nm.PROVINCES[gang.province][0]
        first = max(gang.start_day, START_DAY)
        for person, _ in gang.staff:
            if person in offline:
                continue
            _spread(world, rng, int(rng.integers(15, 61)), first, END_DAY, account=-1, actor=person,
                    devices=gang.devices, prov=prov)
        accounts = gang.leader_accounts + gang.layer1 + gang.layer2
        for pi in gang.platforms:
            accounts += world.platforms[pi].collection + [world.platforms[pi].payout]
        for acc in accounts:
            _spread(world, rng, int(rng.integers(10, 41)), first, END_DAY, account=acc, actor=-1, devices=gang.devices,
                    prov=prov)
    # agents who are not gang staff use the agent back office from their own device
    staff = {p for gang in world.gangs for p, _ in gang.staff}
    seen: dict[int, int] = {}
    for ag in world.agents:
        if ag.person in staff or ag.person in seen or ag.person in offline:
            continue
        seen[ag.person] = 1
        dev = tokens.devices(1)[0], tokens.ips(1)[0]
        _spread(world, rng, int(rng.integers(5, 21)), max(ag.joined_day, START_DAY), END_DAY, account=-1,
                actor=ag.person, devices=[dev], prov=nm.PROVINCES[world.p_prov[ag.person]][0])
    _client_logins(world, rng, tokens)


def _client_logins(world: World, rng: np.random.Generator, tokens: Tokens) -> None:
    n = world.n_clients
    devices = tokens.devices(n)
    ips = tokens.ips(n)
    second = tokens.ips(n)
    counts = world.options.logins(rng.integers(2, 11, n))
    owner = np.repeat(np.arange(n), counts)
    m = len(owner)
    first = np.maximum(world.c_reg_day[owner], START_DAY)
    last = np.maximum(world.c_end_day[owner], first)
    days = first + (rng.random(m) * (last - first + 1)).astype(np.int64)
    tod = rng.integers(7 * 3600, 24 * 3600, m)
    use_second = rng.random(m) < 0.2
    prov_names = [p[0] for p in nm.PROVINCES]
    for i, c in enumerate(owner.tolist()):
        person = int(world.c_person[c])
        world.logins.append((int(days[i]) * DAY + int(tod[i]), int(world.c_trading[c]), -1,
                             second[c] if use_second[i] else ips[c], devices[c], prov_names[world.p_prov[person]]))
    # a VPN exit shared by unrelated clients of different platforms
    vpn = tokens.ips(3)
    users = rng.choice(n, size=max(6, round(0.01 * n)), replace=False)
    for c in users.tolist():
        for _ in range(int(rng.integers(1, 4))):
            d = int(rng.integers(max(int(world.c_reg_day[c]), START_DAY), int(world.c_end_day[c]) + 1))
            world.logins.append((d * DAY + int(rng.integers(0, DAY)), int(world.c_trading[c]), -1,
                                 vpn[int(rng.integers(0, 3))], devices[c], VPN_PROVINCE))
