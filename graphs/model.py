"""The case graph's model: node labels and relationship types, each tied to its source table.

One description serves both engines: :mod:`casegraph.graphs.memory` builds a networkx graph
from it, and the Neo4j loader writes the same nodes and relationships. Every node and
relationship carries its provenance (``source`` file and ``line``), so any figure can be
traced back to the rows it came from.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NodeType:
    label: str
    table: str  # the case table the nodes come from
    key: str  # the column that identifies a node (the table's id)
    properties: tuple[str, ...]  # columns copied onto the node
    description: str


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
    NodeType("License", "licenses", "license_id", ("sold_on", "price", "currency", "buyer_name", "buyer_phone"),
             "one sale of the management software; it created one platform"),
    NodeType("Platform", "platforms", "platform_id", ("name", "domain", "created_on", "kind"),
             "a tenant instance of the software: one running trading site"),
    NodeType("Gang", "gangs", "gang_id", ("name", "province", "city", "status"), "an operator gang already identified"),
    NodeType("Person", "persons", "person_id", ("name", "id_number", "phone", "province", "city"), "a natural person"),
    NodeType("Agent", "agents", "agent_id", ("rebate_rate", "commission_rate", "joined_on", "left_on"),
             "an agent account in a platform's back end"),
    NodeType("Client", "clients", "client_id", ("registered_on",), "a client record in a platform's back end"),
    NodeType("Account", "accounts", "account_id", ("kind", "institution", "opened_on"),
             "a trading, mother, sub, bank or payment account"),
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
    RelType("TRANSFER", "bank_transfers", ("Account", "from_account"), ("Account", "to_account"),
            ("txn_id", "ts", "amount", "currency", "amount_cny", "channel", "memo"),
            "one bank or payment transfer; parallel transfers stay separate facts"),
)

NODES_BY_LABEL = {n.label: n for n in NODES}
# `MEMBER_OF` ends at whichever organisation the id names.
ORG_LABELS = ("Vendor", "Gang", "Platform")


def node_key(label: str, identifier: str) -> str:
    """The networkx node key: label and id, since ids are unique only within a table."""
    return f"{label}:{identifier}"
