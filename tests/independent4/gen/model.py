"""The world's registries: persons, accounts, memberships, and the plain record classes."""
from .util import uuid_like, id_number, phone, person_name, pick_province, PROVINCES

PROV_CODE = {p: c for p, c, _ in PROVINCES}
PROV_SHORT = dict(zip([p for p, _, _ in PROVINCES],
                      "zj gd fj js sh sc hn ha sd ln hb ah jx gx cq yn xj hi bj".split()))
FIRST_OCTETS = {p: (36 + 7 * i) % 200 + 20 for i, (p, _, _) in enumerate(PROVINCES)}


class Rec:
    """A plain attribute bag (ordered, deterministic)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


class World:
    def __init__(self, rng, n_gangs, n_clients):
        self.rng = rng
        self.n_gangs = n_gangs
        self.n_clients = n_clients
        self.persons = {}          # pid -> Rec
        self.accounts = {}         # account_id -> Rec
        self.memberships = []      # (pid, org, role, start_day|None, end_day|None)
        self.vendors = []
        self.gangs = []
        self.platforms = []
        self.licenses = []
        self.agents = []
        self.clients = []
        self.member_of = {}        # pid -> gang id (truth), decided in truth.assign
        self.person_roles = {}     # pid -> list of (gang_id, role, start, end)
        self.groups = []
        self.households = []
        self.notes = {}

    # ---- persons ----
    def new_person(self, rng, province=None, city=None, surname=None, company=None, kind="person"):
        pid = uuid_like(rng)
        while pid in self.persons:
            pid = uuid_like(rng)
        if province is None:
            province, code, city = pick_province(rng)
        code = PROV_CODE[province]
        if city is None:
            city = rng.choice([cs for p, _, cs in PROVINCES if p == province][0])
        if company:
            name, idno = company, "91%s%04dMA%s" % (code, rng.randrange(10000), "".join(
                rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8)))
            ph = "0%d-%d" % (rng.randrange(10, 999), rng.randrange(10 ** 7, 10 ** 8))
        else:
            name = person_name(rng, surname)
            idno = id_number(rng, code, rng.randint(1956, 2001))
            r = rng.random()
            if r < 0.35:
                idno = idno[:6] + "********" + idno[14:]
            elif r < 0.45:
                idno = ""
            ph = phone(rng) if rng.random() < 0.9 else ""
        p = Rec(pid=pid, name=name, id_number=idno, phone=ph, province=province, city=city, kind=kind,
                home_ip=self.ip_in(rng, province), cards=[], device=None)
        self.persons[pid] = p
        return p

    def ip_in(self, rng, province):
        return "%d.%d.%d.%d" % (FIRST_OCTETS[province], rng.randrange(1, 255), rng.randrange(256),
                                rng.randrange(2, 254))

    # ---- accounts ----
    def add_account(self, aid, kind, holder=None, platform="", client="", parent="", institution="",
                    opened=None, gang_hint=""):
        assert aid not in self.accounts, aid
        a = Rec(aid=aid, kind=kind, holder=holder, platform=platform, client=client, parent=parent,
                institution=institution, opened=opened, gang_hint=gang_hint)
        self.accounts[aid] = a
        if holder and kind in ("bank", "payment"):
            self.persons[holder].cards.append(aid)
        return a

    def new_card(self, rng, holder, opened, institution=None, gang_hint="", length=19):
        from .util import luhn_card, BANK_OF
        aid = luhn_card(rng, length=length)
        while aid in self.accounts:
            aid = luhn_card(rng, length=length)
        inst = institution or BANK_OF[aid[:6]]
        return self.add_account(aid, "bank", holder, institution=inst, opened=opened, gang_hint=gang_hint)

    def corp_account(self, rng, holder, opened, institution, gang_hint=""):
        while True:
            aid = "-".join("%04d" % rng.randrange(10000) for _ in range(4)) + "%03d" % rng.randrange(1000)
            if aid not in self.accounts:
                break
        return self.add_account(aid, "bank", holder, institution=institution, opened=opened, gang_hint=gang_hint)

    def member(self, pid, org, role, start=None, end=None, recorded=True):
        if recorded:
            self.memberships.append((pid, org, role, start, end))
