"""The case-folder contract (shared/case-format.md, version 1) as data.

Every reader, the validator, the generator's tests and the schema document use these specs,
so the contract is written down once. A column's ``kind`` decides how its text is checked
and parsed:

============== ==================================================================
kind           meaning
============== ==================================================================
id             identifier text (may contain CJK), unique where it is the table key
text           free text
money          decimal text, at most 2 decimals, ≥ 0 -> integer fen
signed_money   like money, any sign
positive_money like money, > 0
rate           decimal in 0..1, at most 6 decimals -> integer millionths
fx_rate        decimal > 0, at most 6 decimals -> integer millionths
number         a decimal number (quantities, prices) -> float
date           YYYY-MM-DD, 1900-01-01 .. 2199-12-31; in an ``open_end`` column (a period's
               end) a far-future sentinel such as 9999-12-31 (year 9000 or later) means open
ts             ISO 8601 date-time, offset optional (the case timezone when absent),
               1900-01-01 .. 2199-12-31
currency       ISO 4217 code, three capital letters
enum           one of ``values``
id_list        ``;``-separated identifiers
============== ==================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    required: bool = False
    references: tuple[str, ...] = ()  # tables whose key this column must name
    values: tuple[str, ...] = ()  # allowed values for kind "enum"
    open_end: bool = False  # a date ending a period: 9999-12-31 and the like mean "still open"
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    # Required in a *full* case (a platform back end seized). A case may be partial: it needs
    # only case.yaml, one of EVIDENCE_TABLES, and the tables its rows refer to (Column.references).
    full_case: bool
    columns: tuple[Column, ...]
    key: str | None = None  # the id column, unique within the file
    description: str = ""
    # Columns of which every row must fill at least one (say, the two sides of a transfer, one
    # of which may be the cash side); ``row`` names a row in that problem's message.
    one_of: tuple[str, ...] = ()
    row: str = "a row"
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


LEDGER_KINDS = ("deposit", "withdrawal", "fee", "overnight_fee", "pnl", "rebate", "commission", "adjustment")
SIGNED_LEDGER_KINDS = ("pnl", "adjustment")
ACCOUNT_KINDS = ("trading", "mother", "sub", "bank", "payment")
ROLES = ("leader", "manager", "salesman", "finance", "tech", "agent")

# Where an ingested row came from (`casegraph ingest`): the raw export (file, `#sheet` for
# workbooks) and the row number a person sees in that sheet or file. Empty in case folders
# written by hand or by the generator.
PROVENANCE = (
    Column("source", description="the raw export the row was read from (file, #sheet in a workbook)"),
    Column("source_row", "id", description="the row number a person sees in that file or sheet"),
)

TABLES: tuple[Table, ...] = (
    Table("vendors", True, (
        Column("vendor_id", "id", True, description="the software developer"),
        Column("name", "text", True),
        Column("province"), Column("city"),
        Column("bank_account_ids", "id_list", references=("accounts",),
               description="the vendor's own bank accounts"),
    ), key="vendor_id", description="software developers"),
    Table("licenses", True, (
        Column("license_id", "id", True),
        Column("vendor_id", "id", True, references=("vendors",)),
        Column("platform_id", "id", True, references=("platforms",),
               description="the tenant instance the licence created"),
        Column("sold_on", "date", True),
        Column("price", "money", True),
        Column("currency", "currency"),
        Column("buyer_name"), Column("buyer_phone"),
        Column("paid_from_account", "id", references=("accounts",)),
    ), key="license_id", description="sales of the management software"),
    Table("platforms", True, (
        Column("platform_id", "id", True),
        Column("vendor_id", "id", True, references=("vendors",)),
        Column("name"), Column("domain"),
        Column("created_on", "date"),
        Column("kind", "enum", values=("real", "fake")),
    ), key="platform_id", description="tenant instances of the software, one per running site"),
    Table("gangs", False, (
        Column("gang_id", "id", True),
        Column("name"), Column("province"), Column("city"),
        Column("platform_ids", "id_list", references=("platforms",)),
        Column("leader_person_id", "id", references=("persons",)),
        Column("status", "enum", values=("seized", "suspected")),
    ), key="gang_id", description="operator gangs already identified"),
    Table("persons", True, (
        Column("person_id", "id", True),
        Column("name", "text", True),
        Column("id_number"), Column("phone"), Column("province"), Column("city"),
        *PROVENANCE,
    ), key="person_id"),
    Table("memberships", False, (
        Column("person_id", "id", True, references=("persons",)),
        Column("org_id", "id", True, references=("vendors", "gangs", "platforms")),
        Column("role", "enum", True, values=ROLES),
        Column("start", "date"), Column("end", "date", open_end=True),
    ), description="known roles and their periods"),
    Table("agents", True, (
        Column("agent_id", "id", True),
        Column("platform_id", "id", True, references=("platforms",)),
        Column("person_id", "id", references=("persons",)),
        Column("parent_agent_id", "id", references=("agents",)),
        Column("rebate_rate", "rate"), Column("commission_rate", "rate"),
        Column("joined_on", "date"), Column("left_on", "date", open_end=True),
    ), key="agent_id", description="the agent hierarchy of each platform back end"),
    Table("clients", True, (
        Column("client_id", "id", True),
        Column("platform_id", "id", True, references=("platforms",)),
        Column("agent_id", "id", references=("agents",)),
        Column("person_id", "id", references=("persons",)),
        Column("registered_on", "date"),
    ), key="client_id", description="client records of each platform back end"),
    Table("accounts", True, (
        Column("account_id", "id", True),
        Column("kind", "enum", True, values=ACCOUNT_KINDS),
        Column("holder_person_id", "id", references=("persons",)),
        Column("platform_id", "id", references=("platforms",)),
        Column("client_id", "id", references=("clients",)),
        Column("parent_account_id", "id", references=("accounts",)),
        Column("institution"),
        Column("opened_on", "date"),
        Column("aliases", "id_list",
               description="other numbers of the same account (card and account number of one account)"),
        *PROVENANCE,
    ), key="account_id"),
    Table("ledger", True, (
        Column("entry_id", "id", True),
        Column("ts", "ts", True),
        Column("platform_id", "id", True, references=("platforms",)),
        Column("client_id", "id", True, references=("clients",)),
        Column("account_id", "id", references=("accounts",)),
        Column("kind", "enum", True, values=LEDGER_KINDS),
        Column("amount", "signed_money", True),
        Column("currency", "currency"),
        Column("beneficiary_agent_id", "id", references=("agents",)),
        Column("bank_txn_id", "id", references=("bank_transfers",)),
    ), key="entry_id", description="money events recorded by each platform back end"),
    Table("bank_transfers", True, (
        Column("txn_id", "id", True),
        Column("ts", "ts", True),
        Column("from_account", "id", references=("accounts",), description="the payer; empty for cash paid in"),
        Column("to_account", "id", references=("accounts",), description="the payee; empty for cash taken out"),
        Column("amount", "positive_money", True),
        Column("currency", "currency"),
        Column("channel", description="how the money moved; `cash` for cash in or out"),
        Column("memo"),
        *PROVENANCE,
    ), key="txn_id", description="fund flows from bank and payment-channel statements",
        one_of=("from_account", "to_account"), row="a transfer"),
    Table("trades", False, (
        Column("trade_id", "id", True),
        Column("ts", "ts", True),
        Column("account_id", "id", True, references=("accounts",)),
        Column("instrument", "text", True),
        Column("side", "enum", True, values=("B", "S")),
        Column("qty", "number", True),
        Column("price", "number", True),
        Column("notional", "money", True),
        Column("broker_ref", "id"),
    ), key="trade_id", description="trades recorded by the platform back ends"),
    Table("broker_fills", False, (
        Column("fill_id", "id", True),
        Column("ts", "ts", True),
        Column("account_id", "id", True, references=("accounts",)),
        Column("instrument", "text", True),
        Column("side", "enum", True, values=("B", "S")),
        Column("qty", "number", True),
        Column("price", "number", True),
        Column("broker_ref", "id", True),
        Column("counterparty_account_id", "id", references=("accounts",)),
    ), key="fill_id", description="executions on the overseas broker's statements"),
    Table("logins", False, (
        Column("ts", "ts", True),
        Column("account_id", "id", references=("accounts",)),
        Column("actor_id", "id", references=("persons", "agents", "clients")),
        Column("ip"), Column("device_id", "id", description="a device id or MAC address"),
        Column("ip_province"),
        *PROVENANCE,
    ), description="access records: platform admin logs, bank e-banking, broker API",
        one_of=("account_id", "actor_id"), row="a login"),
    Table("statements", False, (
        Column("account_id", "id", True, references=("accounts",)),
        Column("institution"),
        Column("first_ts", "ts"), Column("last_ts", "ts"),
        Column("source"),
    ), description="whose statements are in hand: the account, the bank and the period they cover"),
    Table("fx_rates", False, (
        Column("date", "date", True),
        Column("currency", "currency", True),
        Column("cny_per_unit", "fx_rate", True),
    ), description="exchange rates into CNY by date"),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

# What makes a case: at least one of these with rows (contract.md "Bank evidence"). Everything
# else a case holds is either referred to by their rows, or optional.
EVIDENCE_TABLES = ("bank_transfers", "ledger")

# The tables that grow with the evidence: the Spark engine reads these with Spark itself, from a
# case folder's CSV or Parquet or from tables named in case.yaml (`tables:`), and the driver the
# rest (:mod:`casegraph.loaders.spark_read`). No table outside them refers to one of them.
SPARK_READ_TABLES = ("ledger", "bank_transfers", "trades", "broker_fills", "logins")
