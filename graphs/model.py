"""The case graph's model: node labels and relationship types, each tied to its source table.

One description serves both engines: :mod:`casegraph.graphs.memory` builds a networkx graph
from it, and the Neo4j loader writes the same nodes and relationships. Every node and
relationship carries its provenance (``source`` file and ``line``), so any figure can be
traced back to the rows it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from casegraph.loaders.read import split_ids
from casegraph.loaders.tables import TABLES_BY_NAME
from casegraph.queries.columnar import is_in
from casegraph.queries.rules import names_no_device

MONEY_KINDS = ("money", "signed_money", "positive_money")


@dataclass(frozen=True)
class NodeType:
    label: str
    table: str  # the case table the nodes come from
    key: str  # the column that identifies a node (the table's id)
    properties: tuple[str, ...]  # columns copied onto the node
    description: str
    # Facts (ledger entries, trades, fills, logins) are nodes in Neo4j; in memory they stay
    # pandas tables, and the networkx graph holds the entities they connect.
    fact: bool = False
    # Identifier nodes are made from the distinct values of a column (devices, IPs).
    derived: bool = False
    # An address node ("ip" or "device") is made only of an address that names one: 0.0.0.0 or
    # 00-00-00-00-00-00, printed where there was none (queries.rules.NO_DEVICE), would be one
    # node that strangers' logins all lead to. The logins keep the text as seized.
    address: str | None = None


@dataclass(frozen=True)
class RelType:
    type: str
    table: str  # the case table whose rows make the relationships
    start: tuple[str, str]  # (label, column naming the start node)
    end: tuple[str, str]  # (label, column naming the end node)
    properties: tuple[str, ...] = ()
    description: str = ""
    many: bool = False  # the end column is a ``;``-separated list


NODES: tuple[NodeType, ...] = (
    NodeType("Vendor", "vendors", "vendor_id", ("name", "province", "city"), "a software developer"),
    NodeType("License", "licenses", "license_id", ("sold_on", "price", "currency", "price_cny", "buyer_name",
                                                  "buyer_phone"),
             "one sale of the management software; it created one platform"),
    NodeType("Platform", "platforms", "platform_id", ("name", "domain", "created_on", "kind"),
             "a tenant instance of the software: one running trading site"),
    NodeType("Gang", "gangs", "gang_id", ("name", "province", "city", "status"), "an operator gang already identified"),
    NodeType("Person", "persons", "person_id", ("name", "id_number", "phone", "province", "city"), "a natural person"),
    NodeType("Agent", "agents", "agent_id", ("rebate_rate", "commission_rate", "joined_on", "left_on"),
             "an agent account in a platform's back end"),
    NodeType("Client", "clients", "client_id", ("registered_on",), "a client record in a platform's back end"),
    NodeType("Account", "accounts", "account_id", ("kind", "institution", "opened_on", "aliases"),
             "a trading, mother, sub, bank or payment account"),
    NodeType("Device", "logins", "device_id", (), "a device seen in access logs (none for an id that names "
             "no device, such as 00-00-00-00-00-00)", derived=True, address="device"),
    NodeType("IP", "logins", "ip", ("ip_province",), "an IP address seen in access logs (none for one that "
             "names no device, such as 0.0.0.0)", derived=True, address="ip"),
    NodeType("Entry", "ledger", "entry_id", ("ts", "kind", "amount", "currency", "amount_cny", "bank_txn_id"),
             "one money event in a platform's ledger", fact=True),
    NodeType("Trade", "trades", "trade_id", ("ts", "instrument", "side", "qty", "price", "notional", "broker_ref"),
             "a trade recorded by a platform back end", fact=True),
    NodeType("Fill", "broker_fills", "fill_id", ("ts", "instrument", "side", "qty", "price", "broker_ref"),
             "an execution on the overseas broker's statement", fact=True),
    NodeType("Statement", "statements", "account_id", ("institution", "first_ts", "last_ts", "source"),
             "the account's statement is in hand (its id is the account's; the first row of the account's "
             "statements gives the properties)", fact=True, derived=True),
    NodeType("Login", "logins", "login_id", ("ts", "ip", "device_id", "ip_province"),
             "one access record (its id is the source line: logins have no id of their own)", fact=True),
)

RELATIONSHIPS: tuple[RelType, ...] = (
    RelType("SOLD", "licenses", ("Vendor", "vendor_id"), ("License", "license_id"), (), "the vendor sold the licence"),
    RelType("CREATED", "licenses", ("License", "license_id"), ("Platform", "platform_id"), (),
            "the licence created the platform"),
    RelType("PAID_FROM", "licenses", ("License", "license_id"), ("Account", "paid_from_account"), (),
            "the licence was paid from the account"),
    RelType("BUILT_ON", "platforms", ("Platform", "platform_id"), ("Vendor", "vendor_id"), (),
            "the platform runs the vendor's software"),
    RelType("OPERATES", "gangs", ("Gang", "gang_id"), ("Platform", "platform_ids"), (),
            "the known gang runs the platform", many=True),
    RelType("LED_BY", "gangs", ("Gang", "gang_id"), ("Person", "leader_person_id"), (), "the gang's leader"),
    RelType("OWNS_ACCOUNT", "vendors", ("Vendor", "vendor_id"), ("Account", "bank_account_ids"), (),
            "the vendor's own bank account", many=True),
    RelType("ON_PLATFORM", "agents", ("Agent", "agent_id"), ("Platform", "platform_id"), (),
            "the agent works on the platform"),
    RelType("ACTS_AS", "agents", ("Person", "person_id"), ("Agent", "agent_id"), (), "the person behind the agent"),
    RelType("REPORTS_TO", "agents", ("Agent", "agent_id"), ("Agent", "parent_agent_id"), (),
            "the agent's upline agent"),
    RelType("CLIENT_OF", "clients", ("Client", "client_id"), ("Platform", "platform_id"), (),
            "the client trades on the platform"),
    RelType("REFERRED_BY", "clients", ("Client", "client_id"), ("Agent", "agent_id"), (),
            "the agent who brought the client"),
    RelType("IS_CLIENT", "clients", ("Person", "person_id"), ("Client", "client_id"), (),
            "the person behind the client record"),
    RelType("HOLDS", "accounts", ("Person", "holder_person_id"), ("Account", "account_id"), (),
            "the nominal holder of the account"),
    RelType("ACCOUNT_ON", "accounts", ("Account", "account_id"), ("Platform", "platform_id"), (),
            "a trading account on the platform"),
    RelType("ACCOUNT_OF", "accounts", ("Account", "account_id"), ("Client", "client_id"), (),
            "the client's trading account"),
    RelType("SUB_OF", "accounts", ("Account", "account_id"), ("Account", "parent_account_id"), (),
            "a sub-account split off a mother account"),
    RelType("MEMBER_OF", "memberships", ("Person", "person_id"), ("Org", "org_id"), ("role", "start", "end"),
            "a known role in a vendor, gang or platform, with its period"),
    RelType("FOR_CLIENT", "ledger", ("Entry", "entry_id"), ("Client", "client_id"), (),
            "the client whose money the entry moves"),
    RelType("ON_ACCOUNT", "ledger", ("Entry", "entry_id"), ("Account", "account_id"), (),
            "the trading account the entry was booked on"),
    RelType("PAID_TO", "ledger", ("Entry", "entry_id"), ("Agent", "beneficiary_agent_id"), (),
            "a rebate or commission entry's beneficiary agent"),
    RelType("PLACED_ON", "trades", ("Trade", "trade_id"), ("Account", "account_id"), (),
            "the account the trade was placed on"),
    RelType("FILLED_ON", "broker_fills", ("Fill", "fill_id"), ("Account", "account_id"), (),
            "the broker account the fill was executed on"),
    RelType("COUNTERPARTY", "broker_fills", ("Fill", "fill_id"), ("Account", "counterparty_account_id"), (),
            "the other side of the fill, when the broker reports it"),
    RelType("LOGIN_TO", "logins", ("Login", "login_id"), ("Account", "account_id"), (),
            "the account accessed"),
    RelType("LOGIN_BY", "logins", ("Login", "login_id"), ("Actor", "actor_id"), (),
            "who logged in: a person, agent or client"),
    RelType("FROM_DEVICE", "logins", ("Login", "login_id"), ("Device", "device_id"), (), "the device used"),
    RelType("FROM_IP", "logins", ("Login", "login_id"), ("IP", "ip"), (), "the IP address used"),
    RelType("STATEMENT_OF", "statements", ("Statement", "account_id"), ("Account", "account_id"), (),
            "the statement in hand is the account's"),
    RelType("TRANSFER", "bank_transfers", ("Account", "from_account"), ("Account", "to_account"),
            ("txn_id", "ts", "amount", "currency", "amount_cny", "channel", "memo"),
            "one bank or payment transfer; parallel transfers stay separate facts"),
    RelType("CASH", "bank_transfers", ("Account", "cash_account"), ("Account", "cash_account"),
            ("txn_id", "ts", "amount", "currency", "amount_cny", "channel", "memo", "cash_direction"),
            "cash in or out of the account (a transfer with no account on its cash side): a loop on the account"),
)

NODES_BY_LABEL = {n.label: n for n in NODES}
# Relationships whose end column may name several kinds of node: the label is the first
# table (in this order) whose key holds the id.
POLYMORPHIC_ENDS = {
    "Org": (("Vendor", "vendors", "vendor_id"), ("Gang", "gangs", "gang_id"), ("Platform", "platforms", "platform_id")),
    "Actor": (("Person", "persons", "person_id"), ("Agent", "agents", "agent_id"), ("Client", "clients", "client_id")),
}


ADDRESS_KINDS = {node.label: node.address for node in NODES if node.address}


def node_rows_of(spec: NodeType, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` (the table ``spec`` comes from) that make its nodes: every row, or
    for a derived label the first row of each distinct value of its key, but a missing one or
    an address that names no device (:attr:`NodeType.address`)."""
    if not spec.derived:
        return frame
    frame = frame.dropna(subset=[spec.key]).drop_duplicates(spec.key)
    return frame[~names_device_nowhere(spec.label, frame[spec.key])] if spec.address else frame


def names_device_nowhere(label: str, ids: pd.Series) -> np.ndarray:
    """Whether each id of a node of ``label`` is an address that names no device
    (:func:`casegraph.queries.rules.names_no_device`); never for a label that is no address.

    >>> names_device_nowhere("IP", pd.Series(["0.0.0.0", "10.1.2.3"])).tolist()
    [True, False]
    """
    kind = ADDRESS_KINDS.get(label)
    if kind is None:
        return np.zeros(len(ids), dtype=bool)
    return names_no_device(np.full(len(ids), kind == "ip"), ids)


def node_key(label: str, identifier: str) -> str:
    """The networkx node key: label and id, since ids are unique only within a table."""
    return f"{label}:{identifier}"


def end_labels(tables: dict[str, pd.DataFrame], end_label: str, ids: pd.Series) -> pd.Series:
    """The label of each relationship end: fixed, or for ``Org`` / ``Actor`` the kind of node
    the id names (validation guarantees it names one)."""
    if end_label not in POLYMORPHIC_ENDS:
        return pd.Series(end_label, index=ids.index, dtype="string")
    labels = pd.Series(pd.NA, index=ids.index, dtype="string")
    for label, table, key in reversed(POLYMORPHIC_ENDS[end_label]):
        labels = labels.mask(is_in(ids, tables[table][key]), label)
    return labels


def stored_name(table: str, column: str) -> str:
    """The property name a column is stored under: money as integer fen gets ``_fen``
    (``amount`` -> ``amount_fen``), rates as integer millionths get ``_micro``, so that no
    reader of the graph mistakes 47495400 fen for yuan."""
    spec = TABLES_BY_NAME[table]
    kind = spec.column(column).kind if column in spec.column_names else None
    if kind in MONEY_KINDS or column.endswith("_cny"):  # amounts converted to CNY at load
        return f"{column}_fen"
    if kind in ("rate", "fx_rate"):
        return f"{column}_micro"
    return column


def relationship_ends(tables: dict[str, pd.DataFrame], spec: RelType,
                      frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The rows of ``frame`` that make ``spec`` relationships (one per id of a ``;`` list),
    with the end id and the end's label of each; rows without a start are left out, and those
    whose end is an address that names no device (no node: :func:`node_rows_of`)."""
    ends = split_ids(frame[spec.end[1]]) if spec.many else frame[spec.end[1]].dropna()
    rows = frame.loc[ends.index]
    keep = rows[spec.start[1]].notna().to_numpy() & ~names_device_nowhere(spec.end[0], ends)
    rows, ends = rows[keep], ends[keep]
    return rows, ends, end_labels(tables, spec.end[0], ends)


def login_actors(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The logins' ``device_id``, ``ip`` and ``ts`` (what the login edges are made of), with
    ``who``, the node key of whoever logged in: the account accessed and the actor, each (a
    login naming both appears once for each)."""
    logins = tables["logins"]
    # By position: the logins' index labels repeat here (a login once per end), and .loc of
    # repeated labels, or the names as Python objects, cost 0.15 s at seed scale.
    accessed = np.flatnonzero(logins["account_id"].notna().to_numpy())
    acted = np.flatnonzero(logins["actor_id"].notna().to_numpy())
    actors = logins["actor_id"].iloc[acted]
    who = pd.concat(["Account:" + logins["account_id"].iloc[accessed],
                     end_labels(tables, "Actor", actors) + ":" + actors], ignore_index=True)
    # Those columns only: taking every column of 5 million logins cost a second at 10x seed.
    return logins[["device_id", "ip", "ts"]].take(np.concatenate([accessed, acted])).assign(who=who.astype("str").array)
