"""The organisations: the vendor, 34 gangs with their people and bank accounts, the licences
and platforms they bought, agent hierarchies, the noise around them, and the "hard parts"
that make attribution difficult (domain.md §1)."""

from __future__ import annotations

import numpy as np

from . import names as nm
from .clock import DAY, END_DAY, LAST_REGISTRATION_DAY, START_DAY, day
from .scales import Scale
from .variants import DEEP_TREE_AGENTS, DEEP_TREE_DEPTH, SHARED_PAYMENT_ACCOUNTS, SHARED_PAYMENT_GANG_SHARE
from .world import (
    CNY,
    COUNTER,
    EBANK,
    M_DEALINGS,
    M_LOAN,
    M_MAINTENANCE,
    M_REPAY,
    M_SOFTWARE,
    Agent,
    Gang,
    License,
    Platform,
    World,
)

SEIZED = 4  # G01..G04, all in Shanghai; G04 is the fraud front
FRAUD_GANG = 3
LICENSE_TOTAL_FEN = 30_500_000_00  # for 37 licences; proportionally fewer at tiny scale
FRAUD_CLIENT_SHARE = 0.035


class Tokens:
    """Unique random device ids and IP addresses."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, draw, n: int) -> list[str]:
        out: list[str] = []
        while len(out) < n:
            for token in draw(n - len(out)):
                if token not in self.used:
                    self.used.add(token)
                    out.append(token)
        return out

    def devices(self, n: int) -> list[str]:
        return self._unique(lambda k: [f"D{v:08X}" for v in self.rng.integers(0, 2**32, k)], n)

    def ips(self, n: int) -> list[str]:
        return self._unique(lambda k: nm.ip_addresses(self.rng, k), n)


def new_persons(world: World, rng: np.random.Generator, provinces, *, gang: int = -1,
                city: str | None = None, surname: str | None = None) -> list[int]:
    provinces = np.asarray(provinces, dtype=np.int64)
    n = len(provinces)
    names = nm.person_names(rng, n, surname)
    ids = nm.id_numbers(rng, provinces)
    phones = nm.phones(rng, n)
    cities = nm.cities(rng, provinces) if city is None else [city] * n
    return [world.add_person(names[i], ids[i], phones[i], int(provinces[i]), cities[i], gang=gang) for i in range(n)]


def bank_accounts(world: World, rng: np.random.Generator, holders: list[int], opened: np.ndarray,
                  *, gang: int = -1, kind: str = "bank") -> list[int]:
    banks = rng.integers(0, len(nm.BANKS), len(holders))
    channels = rng.integers(0, len(nm.PAYMENT_CHANNELS), len(holders))
    out = []
    for i, h in enumerate(holders):
        inst = nm.BANKS[banks[i]] if kind == "bank" else nm.PAYMENT_CHANNELS[channels[i]]
        out.append(world.add_account(kind, h, inst=inst, opened=int(opened[i]), gang=gang))
    return out


def own_bank(world: World, rng: np.random.Generator, persons: list[int], before_day: int, gang: int = -1) -> None:
    """Give each person one personal bank account, opened some years before ``before_day``."""
    opened = before_day - rng.integers(200, 3000, len(persons))
    for p, acc in zip(persons, bank_accounts(world, rng, persons, opened, gang=gang)):
        world.person_bank[p] = acc


def build_network(world: World, rng: np.random.Generator, scale: Scale, tokens: Tokens) -> None:
    _vendor(world, rng)
    _gangs(world, rng, scale, tokens)
    _licences_and_platforms(world, rng, scale)
    _accounts(world, rng)
    if world.options.shared_payment_accounts:
        _shared_payment_accounts(world, rng)
    _agents(world, rng)
    _two_gang_agents(world, rng)
    _shared_nominee(world, rng)
    _memberships(world, rng)
    _licence_payments(world, rng)
    _noise(world, rng, scale)


# -- vendor -----------------------------------------------------------------------------------
def _vendor(world: World, rng: np.random.Generator) -> None:
    word = nm.COMPANY_WORDS[int(rng.integers(0, len(nm.COMPANY_WORDS)))]
    world.vendor_name = f"上海{word}信息技术有限公司"
    roles = ("leader", "manager", "tech", "tech", "finance", "salesman")
    people = new_persons(world, rng, [nm.SHANGHAI] * len(roles), city="上海市")
    world.p_name[people[0]] = "钱" + world.p_name[people[0]][1:]  # the developer's boss, "Qian"
    founded = day("2017-03-01")
    starts = founded + np.concatenate([[0], rng.integers(0, 400, len(roles) - 1)])
    world.vendor_staff = [(p, r, int(s)) for p, r, s in zip(people, roles, starts)]
    own_bank(world, rng, people, founded)
    opened = founded + rng.integers(0, 60, 2)
    world.vendor_accounts = bank_accounts(world, rng, [-1, -1], opened)


# -- gangs and their people -----------------------------------------------------------------
def _gang_provinces(n_gangs: int) -> list[int]:
    provs = [nm.SHANGHAI] * 5 + [nm.PROVINCE_INDEX[p] for p in nm.GANG_PROVINCES_OUTSIDE_SHANGHAI]
    return provs[:n_gangs]


def _gangs(world: World, rng: np.random.Generator, scale: Scale, tokens: Tokens) -> None:
    multi = "multi_platform_gangs" in world.options
    n_platforms = {g: int(rng.integers(3, 6)) if multi else 2 for g in dual_platform_gangs(scale.n_gangs)}
    for g, prov in enumerate(_gang_provinces(scale.n_gangs)):
        cities = nm.PROVINCES[prov][2]
        city = cities[int(rng.integers(0, len(cities)))]
        gang = Gang(g, f"G{g + 1:02d}", prov, city, seized=g < SEIZED, fraud=g == FRAUD_GANG,
                    n_platforms=n_platforms.get(g, 1))
        world.gangs.append(gang)
        n_man, n_sales, n_nom = int(rng.integers(1, 4)), int(rng.integers(2, 6)), int(rng.integers(3, 7))
        n_nom = max(n_nom, gang.n_platforms)  # every licence after the first is bought by another nominee
        roles = ["leader"] + ["manager"] * n_man + ["finance", "tech"] + ["salesman"] * n_sales
        staff = new_persons(world, rng, [prov] * len(roles), gang=g, city=city,
                            surname="鲍" if gang.fraud else None)
        if gang.fraud:  # only the leader is a Bao; the rest get ordinary surnames
            others = nm.person_names(rng, len(staff) - 1)
            for p, name in zip(staff[1:], others):
                world.p_name[p] = name
        gang.leader = staff[0]
        gang.staff = list(zip(staff, roles))
        gang.name = f"{world.p_name[gang.leader]}团伙"
        # nominees lend their bank cards; half of them live elsewhere
        home = rng.random(n_nom) < 0.5
        other = rng.integers(0, len(nm.PROVINCES), n_nom)
        gang.nominees = new_persons(world, rng, np.where(home, prov, other), gang=g)
        k = int(rng.integers(2, 5))
        gang.devices = list(zip(tokens.devices(k), tokens.ips(k)))


# -- licences and platforms -------------------------------------------------------------------
def dual_platform_gangs(n_gangs: int) -> list[int]:
    """Gangs that run two platforms (3-5 under ``multi_platform_gangs``) bought under different
    names (one seized, two not)."""
    return [1, 4, 16] if n_gangs > 16 else [1, n_gangs - 1]


def _licence_prices(rng: np.random.Generator, n: int) -> np.ndarray:
    """Prices in fen, 400,000-1,500,000 CNY in steps of 10,000, summing near 30.5 million per 37."""
    lo, hi, step = 400_000_00, 1_500_000_00, 10_000_00
    excess = rng.beta(1.6, 2.6, n) * (hi - lo)
    target = LICENSE_TOTAL_FEN * n / 37 - lo * n
    excess = np.clip(excess * target / excess.sum(), 0, hi - lo)
    return lo + np.round(excess / step).astype(np.int64) * step


def _word(words: tuple[str, ...], order: np.ndarray, i: int) -> str:
    """The i-th word in ``order``; past the end of the list the words come round again numbered
    (more platforms than words under ``multi_platform_gangs``)."""
    round_, k = divmod(i, len(order))
    return words[order[k]] + (str(round_ + 1) if round_ else "")


def _licences_and_platforms(world: World, rng: np.random.Generator, scale: Scale) -> None:
    n_gangs = len(world.gangs)
    duals = [g.idx for g in world.gangs if g.n_platforms > 1]
    # the gang of each licence: one each, then the later platforms of the gangs that run several
    owners = list(range(n_gangs)) + [g.idx for g in world.gangs for _ in range(g.n_platforms - 1)]
    n = len(owners)
    prices = _licence_prices(rng, n)
    words = rng.permutation(len(nm.PLATFORM_WORDS))
    suffix = rng.integers(0, len(nm.PLATFORM_SUFFIXES), n)
    dwords = rng.permutation(len(nm.DOMAIN_WORDS))
    tails = rng.integers(0, len(nm.DOMAIN_TAILS), n)
    tlds = rng.integers(0, len(nm.TLDS), n)
    early = day("2018-03-01") + rng.integers(0, 480, n)  # seized gangs and first platforms: 2018-2019
    late = day("2018-03-01") + rng.integers(0, 975, n)  # up to 2020-10
    gap = rng.integers(120, 420, n)
    created_after = rng.integers(3, 21, n)
    non_fraud = [i for i in range(n) if not world.gangs[owners[i]].fraud]
    shown_real = set(rng.choice(non_fraud, size=min(4, len(non_fraud)), replace=False).tolist())
    foreign = rng.choice([i for i in non_fraud if i not in shown_real], size=2, replace=False).tolist()
    sold = np.zeros(n, dtype=np.int64)
    first_of: dict[int, int] = {}
    for i, g in enumerate(owners):
        if g in first_of:  # the gang's later platforms, bought a while after the first
            sold[i] = min(sold[first_of[g]] + gap[i], day("2020-12-15"))
        else:
            sold[i] = early[i] if (world.gangs[g].seized or g in duals) else late[i]
            first_of[g] = i
    # the vendor numbers licences and platforms in order of sale
    for i, k in enumerate(np.argsort(sold, kind="stable").tolist()):
        gang = world.gangs[owners[k]]
        created = int(sold[k] + created_after[i])
        p = Platform(i, f"P{i + 1:03d}", gang.idx,
                     _word(nm.PLATFORM_WORDS, words, i) + nm.PLATFORM_SUFFIXES[suffix[i]],
                     f"www.{_word(nm.DOMAIN_WORDS, dwords, i)}{nm.DOMAIN_TAILS[tails[i]]}{nm.TLDS[tlds[i]]}",
                     created, "real" if (gang.fraud or k in shown_real) else "", gang.fraud)
        p.start_day = max(created + 10, START_DAY)
        p.foreign = k in foreign
        p.fee_lot_fen = rng.integers(60, 151, len(nm.INSTRUMENTS)) * 100
        p.overnight_lot_fen = rng.integers(10, 41, len(nm.INSTRUMENTS)) * 100
        p.instrument_p = rng.dirichlet(np.array([3.0, 2.0, 2.0, 1.5, 2.5]) * 2)
        world.platforms.append(p)
        gang.platforms.append(i)
        world.licenses.append(License(f"L{i + 1:03d}", i, int(sold[k]), int(prices[i]), -1, -1))
    for gang in world.gangs:
        first_sale = min(world.licenses[i].sold_day for i in gang.platforms)
        gang.start_day = first_sale - int(rng.integers(30, 180))
    _allocate_clients(world, rng, scale, duals)


def _allocate_clients(world: World, rng: np.random.Generator, scale: Scale, duals: list[int]) -> None:
    plats = world.platforms
    n = scale.n_clients
    fraud = [p.idx for p in plats if p.fraud]
    n_fraud = max(10, round(FRAUD_CLIENT_SHARE * n))
    others = [p.idx for p in plats if not p.fraud]
    # platforms that started late have had less time to gather clients
    months = np.array([(LAST_REGISTRATION_DAY - plats[i].start_day) / 30.0 for i in others])
    w = rng.lognormal(0, 0.5, len(others)) * np.clip(months, 6, None)
    second_platforms = {pi for g in duals for pi in world.gangs[g].platforms[1:]}
    w = np.where([i in second_platforms for i in others], w * 0.6, w)
    minimum = 3
    counts = minimum + rng.multinomial(n - n_fraud - minimum * len(others), w / w.sum())
    for i, c in zip(others, counts):
        plats[i].n_clients = int(c)
    for i in fraud:
        plats[i].n_clients = n_fraud


# -- bank and broker accounts of the gangs ----------------------------------------------------
def _accounts(world: World, rng: np.random.Generator) -> None:
    for gang in world.gangs:
        g = gang.idx
        people = [p for p, _ in gang.staff]
        own_bank(world, rng, people, gang.start_day, g)

        # The helpers below run within this pass of the loop: they see this gang's values.
        def opened(k: int) -> np.ndarray:
            return gang.start_day - rng.integers(30, 365, k)  # noqa: B023

        extra = int(rng.integers(0, 2))
        gang.leader_accounts = [world.person_bank[gang.leader]] + bank_accounts(
            world, rng, [gang.leader] * extra, opened(extra), gang=g)
        lent: list[int] = []  # nominees' accounts, in the order they are lent out
        order = list(rng.permutation(gang.nominees))

        def borrow(k: int, kind: str = "bank") -> list[int]:
            holders = [int(order[(len(lent) + j) % len(order)]) for j in range(k)]  # noqa: B023
            accs = bank_accounts(world, rng, holders, opened(k), gang=g, kind=kind)  # noqa: B023
            lent.extend(accs)  # noqa: B023
            return accs

        gang.layer1 = borrow(int(rng.integers(1, 3)))
        gang.layer2 = borrow(int(rng.integers(0, 2)))
        uses_payment = rng.random() < 0.4
        for pi in gang.platforms:
            p = world.platforms[pi]
            p.collection = borrow(int(rng.integers(2, 5)))
            if uses_payment:
                p.collection += borrow(1, "payment")
            p.payout = borrow(1)[0]
            if not p.fraud:
                broker = nm.BROKERS[int(rng.integers(0, len(nm.BROKERS)))]
                holder = int(order[int(rng.integers(0, len(order)))])
                p.mother = world.add_account("mother", holder, inst=broker, opened=p.created_day - 20, gang=g)
                n_sub = int(rng.integers(3, 7))
                p.subs = [world.add_account("sub", -1, parent=p.mother, inst=broker,
                                            opened=p.created_day - 10 + k, gang=g) for k in range(n_sub)]


def _shared_payment_accounts(world: World, rng: np.random.Generator) -> None:
    """A payment company (a fourth-party payment service) collects deposits for the first
    platform of a quarter of the gangs, the fraud front's among them, through accounts its legal
    representative holds: no gang's accounts, each gang's money forwarded to that gang."""
    company_day = min(gang.start_day for gang in world.gangs)
    (representative,) = new_persons(world, rng, [int(rng.integers(0, len(nm.PROVINCES)))])
    own_bank(world, rng, [representative], company_day)
    shared = bank_accounts(world, rng, [representative] * SHARED_PAYMENT_ACCOUNTS,
                           company_day - rng.integers(30, 365, SHARED_PAYMENT_ACCOUNTS), kind="payment")
    n_gangs = max(2, round(len(world.gangs) * SHARED_PAYMENT_GANG_SHARE))
    others = [gang.idx for gang in world.gangs if not gang.fraud]
    chosen = [FRAUD_GANG, *(int(g) for g in rng.choice(others, n_gangs - 1, replace=False))]
    for g in chosen:
        world.platforms[world.gangs[g].platforms[0]].collection += shared
    world.hard_cases.append(("payment_accounts_of_several_gangs",
                             (("person", representative), *(("account", acc) for acc in shared)), tuple(chosen)))


# -- agent hierarchies --------------------------------------------------------------------------
def _child_rate(rng: np.random.Generator, parent_rate: int, shrink: tuple[float, float] = (0.55, 0.85)) -> int:
    return int(max(100, min(parent_rate - 100, round(parent_rate * rng.uniform(*shrink)))))


def deep_tree_platforms(world: World) -> set[int]:
    """Platforms with an agent tree 8 levels deep and 200+ agents wide (``deep_wide_trees``):
    the first platform of every fourth gang (G02, G06, ...)."""
    if "deep_wide_trees" not in world.options:
        return set()
    return {g.platforms[0] for g in world.gangs if g.idx % 4 == 1}


def _agents(world: World, rng: np.random.Generator) -> None:
    deep = deep_tree_platforms(world)
    for p in world.platforms:
        gang = world.gangs[p.gang]
        n_agents = int(np.clip(round(3 + p.n_clients / 12), 5, 60))
        n_top = int(np.clip(round(n_agents / 6), 3, 8))
        max_depth = int(rng.choice([2, 3, 4], p=[0.3, 0.4, 0.3]))
        spine = 0  # agents placed in one line under the first top agent, so the tree gets that deep
        shrink = (0.55, 0.85)  # a child's rebate rate / its parent's
        if p.idx in deep:  # rates shrink less per level, so 8 levels still pay each their share
            n_agents = DEEP_TREE_AGENTS + int(rng.integers(0, 40))
            n_top, max_depth, spine, shrink = 8, DEEP_TREE_DEPTH, DEEP_TREE_DEPTH - 1, (0.8, 0.92)
        span = max(LAST_REGISTRATION_DAY - p.start_day, 60)
        # the gang's managers and salesmen run top-level agents; the rest are outsiders
        staff = [s for s, r in gang.staff if r in ("manager", "salesman") and world.options.staff_run_agents]
        if p.idx != gang.platforms[0]:
            staff = staff[: max(1, len(staff) // 2)]
        staff = [int(s) for s in rng.permutation(staff)][: n_top - 1]
        n_outside = n_agents - len(staff)
        home = rng.random(n_outside) < 0.75
        outsiders = new_persons(world, rng, np.where(home, gang.province,
                                                      rng.integers(0, len(nm.PROVINCES), n_outside)), gang=gang.idx)
        own_bank(world, rng, outsiders, p.start_day, gang.idx)
        persons = staff + outsiders
        for k in range(n_agents):
            if k < n_top:
                parent, depth = -1, 1
                rate = int(rng.integers(70, 141)) * 50  # 0.35..0.70
                joined = p.start_day + int(rng.integers(0, max(1, span // 2)))
            elif k < n_top + spine:
                parent = p.agents[0] if k == n_top else p.agents[-1]
            else:
                candidates = [a for a in p.agents if world.agents[a].depth < max_depth]
                parent = candidates[int(rng.integers(0, len(candidates)))]
            if parent >= 0:
                pa = world.agents[parent]
                depth, rate = pa.depth + 1, _child_rate(rng, pa.rate_e4, shrink)
                joined = pa.joined_day + int(rng.integers(0, max(1, (LAST_REGISTRATION_DAY - pa.joined_day) // 3)))
            comm = int(rng.choice([30, 50, 80, 100])) if rng.random() < 0.25 else 0
            left = joined + int(rng.integers(150, 700)) if rng.random() < 0.1 else -1
            left = left if left <= END_DAY else -1
            a = Agent(len(world.agents), p.idx, persons[k], parent, rate, comm, joined, left, depth)
            world.agents.append(a)
            p.agents.append(a.idx)


def _two_gang_agents(world: World, rng: np.random.Generator) -> None:
    """2-3 agent persons also run an agent on a platform of a different gang."""
    n_gangs = len(world.gangs)
    n = 2 if n_gangs < 10 else 3
    for g in rng.permutation(n_gangs)[:n].tolist():
        other = int((g + 1 + rng.integers(0, n_gangs - 1)) % n_gangs)
        src_platform = world.platforms[world.gangs[g].platforms[0]]
        staff = {s for s, _ in world.gangs[g].staff}
        outside = [a for a in src_platform.agents if world.agents[a].person not in staff]
        person = world.agents[outside[int(rng.integers(0, len(outside)))]].person
        dst = world.platforms[world.gangs[other].platforms[0]]
        parents = [a for a in dst.agents if world.agents[a].depth < 3]
        parent = parents[int(rng.integers(0, len(parents)))]
        pa = world.agents[parent]
        joined = pa.joined_day + int(rng.integers(0, max(1, (LAST_REGISTRATION_DAY - pa.joined_day) // 3)))
        a = Agent(len(world.agents), dst.idx, person, parent, _child_rate(rng, pa.rate_e4), 0, joined, -1, pa.depth + 1)
        world.agents.append(a)
        dst.agents.append(a.idx)
        world.hard_cases.append(("agent_in_two_gangs", (("person", person), ("agent", a.idx)), (g, other)))


def _shared_nominee(world: World, rng: np.random.Generator) -> None:
    """One nominee of a gang also lends a bank account to another gang (its collection account)."""
    honest = [gang.idx for gang in world.gangs if not gang.fraud]
    g, other = (int(x) for x in rng.choice(honest, 2, replace=False))
    nominee = world.gangs[g].nominees[0]
    acc = world.platforms[world.gangs[other].platforms[0]].collection[-1]
    world.a_holder[acc] = nominee
    world.hard_cases.append(("nominee_for_two_gangs", (("person", nominee), ("account", acc)), (g, other)))


# -- memberships (known only for the seized gangs and the vendor) -----------------------------
def _memberships(world: World, rng: np.random.Generator) -> None:
    for p, role, start in world.vendor_staff:
        world.memberships.append((p, "vendor", role, start, -1))
    for gang in world.gangs:
        if not gang.seized:
            continue
        for p, role in gang.staff:
            start = gang.start_day + (0 if role == "leader" else int(rng.integers(0, 200)))
            end = -1
            if role == "salesman" and rng.random() < 0.4 or role in ("manager", "tech") and rng.random() < 0.15:
                end = start + int(rng.integers(200, 900))
                end = end if end < day("2021-12-01") else -1
            world.memberships.append((p, f"gang:{gang.idx}", role, start, end))
        if not world.options.agent_memberships:
            continue
        staff = {s for s, _ in gang.staff}
        for pi in gang.platforms:
            for a in world.platforms[pi].agents:
                ag = world.agents[a]
                if ag.person not in staff:
                    world.memberships.append((ag.person, f"platform:{pi}", "agent", ag.joined_day, ag.left_day))


# -- money between gangs and the vendor -------------------------------------------------------
def _licence_payments(world: World, rng: np.random.Generator) -> None:
    vendor = world.vendor_accounts
    bought: dict[int, int] = {}  # gang -> licences bought so far
    for lic in world.licenses:
        p = world.platforms[lic.platform]
        gang = world.gangs[p.gang]
        k = bought.get(p.gang, 0)
        if k:  # a later platform: another nominee buys, paying from a layer account
            lic.buyer = gang.nominees[k % len(gang.nominees)]
            lic.paid_from = (gang.layer2 or gang.layer1)[-1]
        else:
            lic.buyer = gang.leader if rng.random() < 0.5 else gang.nominees[0]
            lic.paid_from = gang.leader_accounts[-1]
        bought[p.gang] = k + 1
        to = vendor[int(rng.integers(0, len(vendor)))]
        t0 = lic.sold_day * DAY + int(rng.integers(9 * 3600, 17 * 3600))
        if rng.random() < 0.3:  # paid in two instalments
            first = lic.price_fen // 2 // 100_000 * 100_000
            world.transfer(t0, lic.paid_from, to, first, currency=CNY, channel=EBANK, memo=M_SOFTWARE)
            world.transfer(t0 + int(rng.integers(30, 90)) * DAY, lic.paid_from, to, lic.price_fen - first, currency=CNY,
                           channel=EBANK, memo=M_SOFTWARE)
        else:
            world.transfer(t0, lic.paid_from, to, lic.price_fen, currency=CNY, channel=EBANK, memo=M_SOFTWARE)
    # yearly maintenance fees from about a third of the gangs: gang money into the vendor too
    for gang in world.gangs:
        if rng.random() < 0.35:
            sold = world.licenses[gang.platforms[0]].sold_day
            for year in (1, 2):
                d = sold + 365 * year
                if d <= day("2021-12-20"):
                    amount = int(rng.integers(20, 61)) * 1_000_00
                    world.transfer(d * DAY + int(rng.integers(9 * 3600, 17 * 3600)), gang.leader_accounts[0],
                                   vendor[year % 2], amount, currency=CNY, channel=EBANK, memo=M_MAINTENANCE)
    # the vendor's boss takes money out quarterly
    boss = world.person_bank[world.vendor_staff[0][0]]
    for q in range(12):
        d = day("2019-01-15") + q * 91 + int(rng.integers(0, 10))
        world.transfer(d * DAY + 15 * 3600, vendor[q % 2], boss, int(rng.integers(30, 120)) * 10_000_00, currency=CNY,
                       channel=EBANK, memo=M_DEALINGS)


def _noise(world: World, rng: np.random.Generator, scale: Scale) -> None:
    """Unrelated people with bank accounts; a few transfers between different gangs' accounts."""
    n = max(20, round(scale.n_clients / 100))
    world.noise_persons = new_persons(world, rng, rng.integers(0, len(nm.PROVINCES), n))
    own_bank(world, rng, world.noise_persons, START_DAY)
    # one outsider pays the vendor for an ordinary IT job: not gang money
    world.transfer(day("2020-06-18") * DAY + 11 * 3600, world.person_bank[world.noise_persons[0]],
                   world.vendor_accounts[0], 86_000_00, currency=CNY, channel=EBANK, memo=M_DEALINGS)
    # loans between gangs (noise that joins two gangs' money)
    n_gangs = len(world.gangs)
    for k in range(2 if n_gangs < 10 else 5):
        a, b = rng.choice(n_gangs, 2, replace=False)
        ga, gb = world.gangs[int(a)], world.gangs[int(b)]
        src = ga.leader_accounts[0]
        targets = gb.layer1 + gb.leader_accounts
        dst = targets[int(rng.integers(0, len(targets)))]
        d = START_DAY + int(rng.integers(30, 1000))
        amount = int(rng.integers(5, 51)) * 1_000_00
        world.transfer(d * DAY + int(rng.integers(9 * 3600, 20 * 3600)), src, dst, amount, currency=CNY,
                       channel=COUNTER, memo=M_LOAN)
        if k % 2 == 0:
            world.transfer((d + int(rng.integers(20, 120))) * DAY + 10 * 3600, dst, src, amount, currency=CNY,
                           channel=EBANK, memo=M_REPAY)
        world.hard_cases.append(("transfer_between_gangs", (("account", src), ("account", dst)), (ga.idx, gb.idx)))
