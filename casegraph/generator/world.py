"""The generator's in-memory world: every entity by integer index, ids given only when written.

Persons and accounts are numbered in a shuffled order at write time (see ``write.py``) so ids
carry no hint of which gang made them; agents, clients and platforms are numbered the way a
platform back end numbers them.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np

from .variants import Options

CURRENCIES = ("CNY", "USD", "HKD")
CNY, USD, HKD = 0, 1, 2

# ledger kinds, in the order of case-format.md
LEDGER_KINDS = ("deposit", "withdrawal", "fee", "overnight_fee", "pnl", "rebate", "commission", "adjustment")
DEPOSIT, WITHDRAWAL, FEE, OVERNIGHT, PNL, REBATE, COMMISSION, ADJUSTMENT = range(8)

# bank transfer channels and memos
CHANNELS = ("网银转账", "手机银行", "第三方支付", "柜台", "跨境汇款")
EBANK, MOBILE, THIRD_PARTY, COUNTER, CROSS_BORDER = range(5)
MEMOS = ("入金", "出金", "软件款", "技术维护费", "往来款", "货款", "返佣", "借款", "保证金", "还款", "")
(M_DEPOSIT, M_WITHDRAWAL, M_SOFTWARE, M_MAINTENANCE, M_DEALINGS, M_GOODS, M_REBATE, M_LOAN, M_MARGIN,
 M_REPAY, M_NONE) = range(11)

# entity types of truth/gangs.csv by account kind
ENTITY_TYPE_OF_KIND = {"trading": "trading_account", "mother": "trading_account", "sub": "trading_account",
                       "bank": "bank_account", "payment": "bank_account"}


@dataclass
class Gang:
    idx: int
    gang_id: str
    province: int
    city: str
    seized: bool
    fraud: bool
    n_platforms: int = 1  # licences the gang buys
    start_day: int = 0
    name: str = ""
    leader: int = -1
    staff: list[tuple[int, str]] = field(default_factory=list)  # (person, role)
    nominees: list[int] = field(default_factory=list)
    platforms: list[int] = field(default_factory=list)
    leader_accounts: list[int] = field(default_factory=list)
    layer1: list[int] = field(default_factory=list)
    layer2: list[int] = field(default_factory=list)
    devices: list[tuple[str, str]] = field(default_factory=list)  # (device_id, ip)


@dataclass
class Platform:
    idx: int
    platform_id: str
    gang: int
    name: str
    domain: str
    created_day: int
    kind_text: str  # what platforms.csv says ("" = unknown)
    fraud: bool
    n_clients: int = 0
    start_day: int = 0  # first day clients may register
    collection: list[int] = field(default_factory=list)
    payout: int = -1
    mother: int = -1
    subs: list[int] = field(default_factory=list)
    fee_lot_fen: np.ndarray | None = None  # per instrument, per lot
    overnight_lot_fen: np.ndarray | None = None  # per instrument, per lot and night
    instrument_p: np.ndarray | None = None
    foreign: bool = False  # takes a few deposits in USD/HKD
    agents: list[int] = field(default_factory=list)


@dataclass
class License:
    license_id: str
    platform: int
    sold_day: int
    price_fen: int
    buyer: int  # person
    paid_from: int  # account


@dataclass
class Agent:
    idx: int
    platform: int
    person: int
    parent: int  # -1 = top level
    rate_e4: int  # rebate rate in 1/10,000
    comm_e4: int  # commission rate in 1/10,000 (0 = none)
    joined_day: int
    left_day: int  # -1 = still active
    depth: int

    @property
    def agent_id(self) -> str:
        return f"A{self.idx + 1:05d}"


class IntColumns:
    """Append-only integer columns (``array('q')``): lean storage for the big tables."""

    def __init__(self, *names: str) -> None:
        self.names = names
        for name in names:
            setattr(self, name, array("q"))
        self._appends = tuple(getattr(self, name).append for name in names)
        self._rows = 0  # counted here: add() is called for every row the simulation makes

    def add(self, *values: int) -> int:
        """Append one row (values in column order); returns its index."""
        for append, value in zip(self._appends, values):
            append(value)
        self._rows += 1
        return self._rows - 1

    def __len__(self) -> int:
        return self._rows

    def np(self, name: str) -> np.ndarray:
        """A copy as an int64 array (a view would pin the array against further appends)."""
        return np.frombuffer(getattr(self, name), dtype=np.int64).copy() if len(self) else np.zeros(0, np.int64)


@dataclass
class World:
    n_clients: int
    options: Options = field(default_factory=Options)
    vendor_name: str = ""
    vendor_accounts: list[int] = field(default_factory=list)
    vendor_staff: list[tuple[int, str, int]] = field(default_factory=list)  # (person, role, start day)
    # persons
    p_name: list[str] = field(default_factory=list)
    p_idno: list[str] = field(default_factory=list)
    p_phone: list[str] = field(default_factory=list)
    p_prov: list[int] = field(default_factory=list)
    p_city: list[str] = field(default_factory=list)
    p_gang: list[int] = field(default_factory=list)
    # accounts
    a_kind: list[str] = field(default_factory=list)
    a_holder: list[int] = field(default_factory=list)
    a_platform: list[int] = field(default_factory=list)
    a_client: list[int] = field(default_factory=list)
    a_parent: list[int] = field(default_factory=list)
    a_inst: list[str] = field(default_factory=list)
    a_opened: list[int] = field(default_factory=list)
    a_gang: list[int] = field(default_factory=list)
    person_bank: dict[int, int] = field(default_factory=dict)  # a person's own bank account
    gangs: list[Gang] = field(default_factory=list)
    platforms: list[Platform] = field(default_factory=list)
    licenses: list[License] = field(default_factory=list)
    agents: list[Agent] = field(default_factory=list)
    memberships: list[tuple[int, str, str, int, int]] = field(default_factory=list)  # person, org, role, start, end
    noise_persons: list[int] = field(default_factory=list)
    hard_cases: list[tuple[str, tuple, tuple]] = field(default_factory=list)  # (kind, ((type, idx), ...), gangs)
    # clients (numpy arrays, set by activity)
    c_platform: np.ndarray | None = None
    c_agent: np.ndarray | None = None
    c_person: np.ndarray | None = None
    c_reg_day: np.ndarray | None = None
    c_end_day: np.ndarray | None = None  # last day of trading activity
    c_trading: np.ndarray | None = None
    c_bank: np.ndarray | None = None
    # big tables
    transfers: IntColumns = field(default_factory=lambda: IntColumns(
        "ts", "src", "dst", "amount", "currency", "channel", "memo"))
    ledger: IntColumns = field(default_factory=lambda: IntColumns(
        "ts", "client", "kind", "amount", "currency", "cny", "agent", "txn"))
    trades: IntColumns = field(default_factory=lambda: IntColumns(
        "ts", "client", "instrument", "side", "qty", "price", "notional", "ref"))
    fills: IntColumns = field(default_factory=lambda: IntColumns(
        "ts_ms", "account", "instrument", "side", "qty", "price", "ref", "counterparty"))
    logins: list[tuple[int, int, int, str, str, str]] = field(default_factory=list)
    # (ts, account or -1, actor person or -1, ip, device, ip province)
    next_ref: int = 0  # broker order numbers
    groups: list[tuple[int, list[int]]] = field(default_factory=list)  # (controller person, accounts)
    rebate_anomalies: list[tuple[int, int, int, str, int]] = field(default_factory=list)
    # (agent, client, month, kind, amount fen)
    fx_days: np.ndarray | None = None  # business days with rates
    fx_rate: np.ndarray | None = None  # [currency, day - first fx day] -> micro CNY per unit (filled forward)
    fx_first_day: int = 0

    # -- registry -------------------------------------------------------------------------
    def add_person(self, name: str, idno: str, phone: str, prov: int, city: str, *, gang: int = -1) -> int:
        self.p_name.append(name)
        self.p_idno.append(idno)
        self.p_phone.append(phone)
        self.p_prov.append(prov)
        self.p_city.append(city)
        self.p_gang.append(gang)
        return len(self.p_name) - 1

    def add_account(self, kind: str, holder: int = -1, *, platform: int = -1, client: int = -1,
                    parent: int = -1, inst: str = "", opened: int = -1, gang: int = -1) -> int:
        self.a_kind.append(kind)
        self.a_holder.append(holder)
        self.a_platform.append(platform)
        self.a_client.append(client)
        self.a_parent.append(parent)
        self.a_inst.append(inst)
        self.a_opened.append(opened)
        self.a_gang.append(gang)
        return len(self.a_kind) - 1

    def transfer(self, ts: int, src: int, dst: int, amount: int, *, currency: int, channel: int, memo: int) -> int:
        return self.transfers.add(ts, src, dst, amount, currency, channel, memo)

    def new_ref(self) -> int:
        self.next_ref += 1
        return self.next_ref
