"""Gang discovery on the server: the hard facts and the gang graph of :mod:`casegraph.queries.memory.gangs` built in
Cypher from the loaded case. The communities are found on that graph by the same
per-component Louvain as in memory (:func:`.gangs.detect_communities`): two optimisers of one
modularity (GDS visits nodes in id order, networkx in a seeded shuffle) part ways on borderline
nodes, and the engines must give one answer. What the facts and communities mean is decided by
the same code as in memory (:func:`.gangs.resolve_gangs`, :func:`.gangs.assign_gangs`,
:func:`.gangs.gang_table`).

>>> edges = gang_edges(runner, timezone="Asia/Shanghai")                          # doctest: +SKIP
>>> communities = detect_communities(graph_of_edges(edges))                       # doctest: +SKIP
>>> resolved = resolve_gangs(communities, hard_bindings(runner), edges, operated_platforms(runner))  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from casegraph.loaders.columnar import arrow_text

from ..communities import (
    DATED_ROLE_COLUMNS,
    STAFF_FACTS,
    SWEPT_MONEY,
    counted_weights,
    forwarding_accounts,
    handed_over,
    holder_bindings,
    identifier_links,
    left_for_splinters,
    login_uses,
    moved_platforms,
    staff_account_bindings,
    summed_edges,
    swept_accounts,
)
from ..rules import WEIGHTS
from ..units import member_units, split_member_units, unit_agents
from .runner import CypherRunner

# The victims' side and the vendor's accounts: left out of the gang graph (see memory/gangs.py client_side).
EXCLUDED = """
CALL () {
  MATCH (p:Person)
  WHERE EXISTS { (p)-[:IS_CLIENT]->() } AND NOT EXISTS { (p)-[:ACTS_AS]->() } AND NOT EXISTS { (p)-[:MEMBER_OF]->() }
  RETURN p AS n
  UNION
  MATCH (a:Account)
  WHERE EXISTS { (a)-[:ACCOUNT_OF]->() } OR EXISTS { (:Vendor)-[:OWNS_ACCOUNT]->(a) }
     OR EXISTS { MATCH (p:Person)-[:HOLDS]->(a)
                 WHERE EXISTS { (p)-[:IS_CLIENT]->() } AND NOT EXISTS { (p)-[:ACTS_AS]->() }
                   AND NOT EXISTS { (p)-[:MEMBER_OF]->() } }
  RETURN a AS n
  UNION
  // the cards client money came from or went back to, and the cards that act as clients' cards
  // though no entry names their transfers (every transfer they made paid an account that took a
  // linked deposit, every one they received came from one that paid a linked withdrawal); the
  // linked entries matched to their transfers once
  MATCH (e:Entry)-[:FOR_CLIENT]->(:Client) WHERE e.bank_txn_id IS NOT NULL AND e.kind IN ['deposit', 'withdrawal']
  MATCH (src:Account)-[:TRANSFER {txn_id: e.bank_txn_id}]->(dst:Account)
  WITH collect(DISTINCT CASE WHEN e.kind = 'deposit' THEN src ELSE dst END) AS client_cards,
       collect(DISTINCT CASE WHEN e.kind = 'deposit' THEN dst END) AS collecting,
       collect(DISTINCT CASE WHEN e.kind = 'withdrawal' THEN src END) AS paying_out
  CALL (collecting, paying_out) {
    UNWIND collecting + paying_out AS side
    MATCH (side)-[:TRANSFER]-(a:Account)
    WITH DISTINCT a, collecting, paying_out
    WHERE ALL(payee IN COLLECT { MATCH (a)-[:TRANSFER]->(payee) RETURN payee } WHERE payee IN collecting)
      AND ALL(payer IN COLLECT { MATCH (payer)-[:TRANSFER]->(a) RETURN payer } WHERE payer IN paying_out)
    RETURN collect(a) AS acting
  }
  // either, unless staff hold it or a platform owns it
  UNWIND client_cards + acting AS a
  WITH DISTINCT a
  WHERE NOT EXISTS { (a)-[:ACCOUNT_ON]->() }
    AND NOT EXISTS { MATCH (p:Person)-[:HOLDS]->(a)
                     WHERE EXISTS { (p)-[:ACTS_AS]->() } OR EXISTS { (p)-[:MEMBER_OF]->() } }
  RETURN a AS n
}
RETURN collect(elementId(n)) AS excluded, collect(labels(n)[0] + ':' + n.id) AS keys
"""

# Who a login names (the account accessed, the actor) and the identifiers it was made from.
LOGIN_WHO_LABELS = ("Account", "Person", "Agent", "Client")
IDENTIFIER_LABELS = {"DEVICE": "Device", "IP": "IP"}

# One row per fact: (a, b, w, n), the same kinds and weights as gangs.gang_graph: a fact seen
# n times weighs w × log(1 + n), worked out in Python (communities.counted_weights), else w.
EDGES = """
CALL () {
  MATCH (a:Person)-[:ACTS_AS]->(b:Agent) RETURN a, b, $w.ACTS_AS AS w, null AS n
  UNION ALL MATCH (a:Agent)-[:ON_PLATFORM]->(b:Platform) RETURN a, b, $w.ON_PLATFORM AS w, null AS n
  UNION ALL MATCH (a:Agent)-[:REPORTS_TO]->(b:Agent) RETURN a, b, $w.REPORTS_TO AS w, null AS n
  UNION ALL MATCH (a:Person)-[:HOLDS]->(b:Account) RETURN a, b, $w.HOLDS AS w, null AS n
  UNION ALL MATCH (a:Account)-[:SUB_OF]->(b:Account) RETURN a, b, $w.SUB_OF AS w, null AS n
  UNION ALL MATCH (a:Account)-[:ACCOUNT_ON]->(b:Platform) RETURN a, b, $w.ACCOUNT_ON AS w, null AS n
  UNION ALL MATCH (a:License)-[:CREATED]->(b:Platform) WHERE NOT a.id IN $superseded
  RETURN a, b, $w.CREATED AS w, null AS n
  UNION ALL MATCH (a:License)-[:PAID_FROM]->(b:Account) WHERE NOT a.id IN $superseded
  RETURN a, b, $w.PAID_FROM AS w, null AS n
  UNION ALL MATCH (a:Person)-[:MEMBER_OF]->(g:Gang) UNWIND $operates[g.id] AS platform_id
  MATCH (b:Platform {id: platform_id}) RETURN a, b, $w.MEMBER_OF AS w, null AS n
  UNION ALL MATCH (a:Person)-[:MEMBER_OF]->(b:Platform) RETURN a, b, $w.MEMBER_OF AS w, null AS n
  UNION ALL MATCH (g:Gang)-[:LED_BY]->(a:Person) UNWIND $operates[g.id] AS platform_id
  MATCH (b:Platform {id: platform_id}) RETURN a, b, $w.MEMBER_OF AS w, null AS n
  UNION ALL
  // which accounts the platform's client money went through (ledger entry -> bank transfer)
  MATCH (e:Entry)-[:FOR_CLIENT]->(:Client)-[:CLIENT_OF]->(a:Platform) WHERE e.bank_txn_id IS NOT NULL
  MATCH (src:Account)-[t:TRANSFER {txn_id: e.bank_txn_id}]->(dst:Account)
  WITH a, CASE WHEN e.kind = 'deposit' THEN dst ELSE src END AS b, count(*) AS n
  RETURN a, b, $w.CLIENT_MONEY AS w, n
  UNION ALL
  MATCH (e:Entry)-[:PAID_TO]->(a:Agent) WHERE e.bank_txn_id IS NOT NULL AND e.kind IN ['rebate', 'commission']
  MATCH (:Account)-[t:TRANSFER {txn_id: e.bank_txn_id}]->(b:Account)
  WITH a, b, count(*) AS n RETURN a, b, $w.CLIENT_MONEY AS w, n
  UNION ALL
  // broker accounts that filled the platform's orders
  MATCH (t:Trade)-[:PLACED_ON]->(:Account)-[:ACCOUNT_ON]->(a:Platform) WHERE t.broker_ref IS NOT NULL
  MATCH (f:Fill {broker_ref: t.broker_ref})-[:FILLED_ON]->(b:Account)
  WITH a, b, count(*) AS n RETURN a, b, $w.ROUTED AS w, n
  UNION ALL
  MATCH (a:Account)-[t:TRANSFER]->(b:Account) WITH a, b, count(t) AS n RETURN a, b, $w.TRANSFER AS w, n
  // shared devices and IPs that chance does not explain: scored in Python (gangs.identifier_links),
  // one branch per label pair so that each end is found by its label's index
""" + "".join(
    f"  UNION ALL UNWIND $identifier_links['{who}|{label}'] AS link MATCH (a:{who} {{id: link.who}}) "
    f"MATCH (b:{label} {{id: link.identifier}}) RETURN a, b, link.weight AS w, null AS n\n"
    for who in LOGIN_WHO_LABELS for label in IDENTIFIER_LABELS.values()) + """
}
"""

# The gang graph's facts, the excluded nodes left out: summed per pair as in memory
# (communities.summed_edges), so that both engines add the same floats in the same order.
EDGE_LIST = EDGES + """
WITH a, b, w, n WHERE NOT elementId(a) IN $excluded AND NOT elementId(b) IN $excluded
RETURN labels(a)[0] + ':' + a.id AS a, labels(b)[0] + ':' + b.id AS b, w, n
"""

# The client-money transfers: the bank transfer each ledger entry of a platform's client names
# (a deposit's money went to ``dst``, a withdrawal's came from ``src``).
CLIENT_MONEY = """MATCH (e:Entry)-[:FOR_CLIENT]->(:Client)-[:CLIENT_OF]->(p:Platform) WHERE e.bank_txn_id IS NOT NULL
  MATCH (src:Account)-[:TRANSFER {txn_id: e.bank_txn_id}]->(dst:Account)"""

# What the records state (gangs.hard_bindings): node, platform, fact, how many records.
HARD_BINDINGS = """
CALL () {
  MATCH (n:Agent)-[:ON_PLATFORM]->(p:Platform) RETURN n, p, 'agent_platform' AS fact
  UNION ALL MATCH (n:Person)-[:ACTS_AS]->(:Agent)-[:ON_PLATFORM]->(p:Platform) RETURN n, p, 'acts_as_agent' AS fact
  UNION ALL MATCH (n:License)-[:CREATED]->(p:Platform) WHERE NOT n.id IN $superseded
  RETURN n, p, 'license_platform' AS fact
  UNION ALL MATCH (p:Platform)<-[:CREATED]-(l:License)-[:PAID_FROM]->(n:Account) WHERE NOT l.id IN $superseded
  RETURN n, p, 'paid_for_license' AS fact
  UNION ALL MATCH (l:License)-[:CREATED]->(p:Platform) WHERE NOT l.id IN $superseded
  MATCH (n:Person {phone: l.buyer_phone}) WHERE l.buyer_name IS NULL OR n.name = l.buyer_name
  WITH l, p, collect(n) AS buyers WHERE size(buyers) = 1
  RETURN buyers[0] AS n, p, 'bought_license' AS fact
  UNION ALL MATCH (l:License)-[:CREATED]->(p:Platform) WHERE l.buyer_phone IS NULL AND NOT l.id IN $superseded
  MATCH (l)-[:PAID_FROM]->(:Account)<-[:HOLDS]-(n:Person) WHERE l.buyer_name IS NULL OR n.name = l.buyer_name
  RETURN n, p, 'bought_license' AS fact
  UNION ALL
  """ + CLIENT_MONEY + """
  RETURN CASE WHEN e.kind = 'deposit' THEN dst ELSE src END AS n, p, 'client_money' AS fact
  UNION ALL MATCH (n:Person)-[:MEMBER_OF]->(p:Platform) RETURN n, p, 'role_in_platform' AS fact
  UNION ALL MATCH (n:Person)-[:MEMBER_OF]->(g:Gang) UNWIND $operates[g.id] AS platform_id
  MATCH (p:Platform {id: platform_id}) RETURN n, p, 'role_in_gang' AS fact
  UNION ALL MATCH (g:Gang)-[:LED_BY]->(n:Person) UNWIND $operates[g.id] AS platform_id
  MATCH (p:Platform {id: platform_id}) RETURN n, p, 'gang_leader' AS fact
  UNION ALL MATCH (n:Person)-[:MEMBER_OF {role: 'leader'}]->(g:Gang) UNWIND $operates[g.id] AS platform_id
  MATCH (p:Platform {id: platform_id}) RETURN n, p, 'gang_leader' AS fact
  UNION ALL MATCH (n:Account)-[:ACCOUNT_ON]->(p:Platform) WHERE n.kind IN ['mother', 'sub', 'bank', 'payment']
  RETURN n, p, 'account_platform' AS fact
}
WITH labels(n)[0] + ':' + n.id AS node, p.id AS platform_id, fact, count(*) AS weight
WHERE NOT node IN $excluded
RETURN node, platform_id, fact, weight ORDER BY node, platform_id, fact
"""

# Each platform's client-money accounts (the client_money facts above, none left out) with the
# deposits among their entries, and each transfer out of an account that took deposits: what
# communities.swept_accounts reads, as memory.gangs.client_money_accounts and the transfers give it.
CLIENT_MONEY_ACCOUNTS = CLIENT_MONEY + """
RETURN p.id AS platform_id, CASE WHEN e.kind = 'deposit' THEN dst.id ELSE src.id END AS account_id,
       sum(CASE WHEN e.kind = 'deposit' THEN 1 ELSE 0 END) AS deposits
"""
MONEY_OUT = """
UNWIND $accounts AS account_id
MATCH (:Account {id: account_id})-[:TRANSFER]->(to:Account)
RETURN account_id AS from_account, to.id AS to_account
"""

# Every agent with the top-level agent above it (memory.gangs.agent_subtrees), and the client
# money of each top-level agent's subtree per account (memory.gangs.subtree_money): what
# units.member_units reads.
AGENT_SUBTREES = """
MATCH (a:Agent)-[:ON_PLATFORM]->(p:Platform)
MATCH (a)-[:REPORTS_TO*0..]->(top:Agent) WHERE NOT EXISTS { (top)-[:REPORTS_TO]->(:Agent) }
OPTIONAL MATCH (per:Person)-[:ACTS_AS]->(a)
RETURN a.id AS agent_id, p.id AS platform_id, per.id AS person_id, top.id AS root_agent_id
"""
SUBTREE_MONEY = """
MATCH (c:Client)-[:REFERRED_BY]->(:Agent)-[:REPORTS_TO*0..]->(top:Agent)
WHERE NOT EXISTS { (top)-[:REPORTS_TO]->(:Agent) }
MATCH (c)-[:CLIENT_OF]->(p:Platform)
MATCH (e:Entry)-[:FOR_CLIENT]->(c) WHERE e.bank_txn_id IS NOT NULL
MATCH (src:Account)-[:TRANSFER {txn_id: e.bank_txn_id}]->(dst:Account)
RETURN p.id AS platform_id, top.id AS root_agent_id,
       CASE WHEN e.kind = 'deposit' THEN dst.id ELSE src.id END AS account_id, count(*) AS n,
       sum(CASE WHEN e.kind = 'deposit' THEN 1 ELSE 0 END) AS deposits
"""

# Each person's roles on platforms with their periods (memory.gangs._dated_roles): what
# communities.left_for_splinters reads.
DATED_ROLES = """
MATCH (per:Person)-[:ACTS_AS]->(a:Agent)-[:ON_PLATFORM]->(p:Platform)
RETURN per.id AS person_id, p.id AS platform_id, 'agent' AS role, toString(a.joined_on) AS start,
       toString(a.left_on) AS `end`
UNION ALL MATCH (per:Person)-[m:MEMBER_OF]->(g:Gang) UNWIND $operates[g.id] AS platform_id
RETURN per.id AS person_id, platform_id, m.role AS role, toString(m.start) AS start, toString(m.end) AS `end`
UNION ALL MATCH (per:Person)-[m:MEMBER_OF]->(p:Platform)
RETURN per.id AS person_id, p.id AS platform_id, m.role AS role, toString(m.start) AS start, toString(m.end) AS `end`
"""

# Which of the client-money accounts are payment companies' (units.member_units' channels).
PAYMENT_CHANNELS = """
UNWIND $accounts AS account_id
MATCH (a:Account {id: account_id}) WHERE a.kind = 'payment'
RETURN a.id AS account_id
"""

# The persons the gangs without a platform name (memory.gangs.platformless_gang_persons).
PLATFORMLESS_GANG_PERSONS = """
MATCH (g:Gang) WHERE NOT EXISTS { (g)-[:OPERATES]->() }
CALL (g) {
  MATCH (g)-[:LED_BY]->(p:Person) RETURN p, 'gang_leader' AS fact
  UNION ALL MATCH (p:Person)-[:MEMBER_OF]->(g) RETURN p, 'role_in_gang' AS fact
  UNION ALL MATCH (p:Person)-[:MEMBER_OF {role: 'leader'}]->(g) RETURN p, 'gang_leader' AS fact
}
RETURN g.id AS gang_id, p.id AS person_id, fact, g.province AS province
"""

# Who holds the accounts the hard facts bind (gangs.holder_bindings makes them the operator's).
ACCOUNT_HOLDERS = """
UNWIND $accounts AS account_id
MATCH (per:Person)-[:HOLDS]->(:Account {id: account_id}) WHERE NOT 'Person:' + per.id IN $excluded
RETURN account_id, per.id AS person_id
"""

# The accounts the staff hold (gangs.staff_account_bindings makes them the gang's).
STAFF_HOLDINGS = """
UNWIND $persons AS person_id
MATCH (:Person {id: person_id})-[:HOLDS]->(a:Account) WHERE NOT 'Account:' + a.id IN $excluded
RETURN a.id AS account_id, person_id
"""

# Who logged in (the account accessed and the actor, each), on which local day, from which
# device and IP: the rows gangs.login_uses scores.
LOGIN_ROWS = """
MATCH (l:Login)
CALL (l) { MATCH (l)-[:LOGIN_TO]->(who) RETURN who UNION ALL MATCH (l)-[:LOGIN_BY]->(who) RETURN who }
OPTIONAL MATCH (l)-[:FROM_DEVICE]->(d:Device)
OPTIONAL MATCH (l)-[:FROM_IP]->(i:IP)
RETURN labels(who)[0] + ':' + who.id AS who, toString(date(datetime({datetime: l.ts, timezone: $timezone}))) AS day,
       d.id AS device_id, i.id AS ip
"""

ENTITIES = """
MATCH (n) WHERE n:Person OR n:Account OR n:Platform OR n:Agent
RETURN labels(n)[0] + ':' + n.id AS node, n.id AS entity_id,
       CASE WHEN n:Person THEN 'person' WHEN n:Platform THEN 'platform' WHEN n:Agent THEN 'agent'
            WHEN n.kind IN ['bank', 'payment'] THEN 'bank_account' ELSE 'trading_account' END AS entity_type
"""

KNOWN_GANGS = """
MATCH (g:Gang)-[:OPERATES]->(p:Platform) RETURN g.id AS gang_id, p.id AS platform_id, g.province AS province
"""

# Who bought each platform's latest licence (the latest sold_on, then the largest licence id),
# named as the bought_license facts above name a buyer (memory.gangs.license_buyers), and the
# known gangs' leaders: what communities.handed_over reads.
LATEST_LICENSE_BUYERS = """
MATCH (l:License)-[:CREATED]->(p:Platform)
WITH p, l ORDER BY l.sold_on IS NULL DESC, l.sold_on, l.id
WITH p, last(collect(l)) AS l
CALL (l) {
  MATCH (n:Person {phone: l.buyer_phone}) WHERE l.buyer_name IS NULL OR n.name = l.buyer_name
  WITH collect(n) AS buyers WHERE size(buyers) = 1
  RETURN buyers[0] AS n
  UNION
  MATCH (l)-[:PAID_FROM]->(:Account)<-[:HOLDS]-(n:Person)
  WHERE l.buyer_phone IS NULL AND (l.buyer_name IS NULL OR n.name = l.buyer_name)
  RETURN n
}
RETURN p.id AS platform_id, n.id AS person_id, l.id AS license_id
"""
# The licences of the given platforms but the given latest ones (a sold platform's seller's).
EARLIER_LICENSES = """
UNWIND $platforms AS platform_id
MATCH (l:License)-[:CREATED]->(:Platform {id: platform_id}) WHERE NOT l.id IN $latest
RETURN l.id AS license_id
"""
GANG_LEADERS = """
MATCH (g:Gang)-[:LED_BY]->(n:Person) RETURN g.id AS gang_id, n.id AS person_id
UNION MATCH (n:Person)-[:MEMBER_OF {role: 'leader'}]->(g:Gang) RETURN g.id AS gang_id, n.id AS person_id
"""

PROVINCE_VOTES = """
CALL () {
  MATCH (p:Person) WHERE p.province IS NOT NULL
  RETURN p.id AS entity_id, p.province AS province, 'persons' AS source
  UNION ALL
  MATCH (l:Login) WHERE l.ip_province IS NOT NULL
  OPTIONAL MATCH (l)-[:LOGIN_BY]->(actor)
  OPTIONAL MATCH (l)-[:LOGIN_TO]->(account)
  WITH coalesce(actor.id, account.id) AS entity_id, l.ip_province AS province
  WHERE entity_id IS NOT NULL
  RETURN DISTINCT entity_id, province, 'logins' AS source
}
RETURN entity_id, province, source
"""


def gang_edges(runner: CypherRunner, *, timezone: str) -> pd.DataFrame:
    """The gang graph built on the server: ``u``, ``v``, ``weight`` as :func:`.gangs.gang_edges`."""
    excluded = runner.single(EXCLUDED)["excluded"]
    operated, superseded = _handover(runner)
    facts = runner.run_cypher(EDGE_LIST, {"w": WEIGHTS, "excluded": excluded, "superseded": superseded,
                                          "operates": operates(operated),
                                          "identifier_links": _identifier_links(runner, timezone)})
    factor = facts["w"].to_numpy(dtype="float64")
    weight = np.where(facts["n"].isna(), factor, counted_weights(factor, facts["n"].fillna(0)))
    return summed_edges(arrow_text(facts["a"]), arrow_text(facts["b"]), weight)


def _identifier_links(runner: CypherRunner, timezone: str) -> dict[str, list[dict]]:
    """The shared-identifier edges of the gang graph, scored as in memory, by label pair; login
    days are local dates in the case's ``timezone``."""
    logins = runner.run_cypher(LOGIN_ROWS, {"timezone": timezone})
    if logins.empty:
        return {}
    links = identifier_links(*login_uses(logins))
    who = links["who"].str.split(":", n=1)
    keyed = pd.DataFrame({"pair": who.str[0] + "|" + links["kind"].map(IDENTIFIER_LABELS), "who": who.str[1],
                          "identifier": links["identifier"], "weight": links["weight"]})
    return {pair: rows.drop(columns="pair").to_dict("records") for pair, rows in keyed.groupby("pair")}


def hard_bindings(runner: CypherRunner) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """node, platform_id, fact, weight: what the records state, with the member units' records
    bound to the units (see :func:`.gangs.hard_bindings`); the units' agents
    (:func:`.units.unit_agents`); the persons gangs.csv's gangs without a platform name
    (``PLATFORMLESS_GANG_PERSONS``, as :func:`.memory.figures.platformless_gang_persons` reads them)."""
    excluded = runner.single(EXCLUDED)["keys"]
    operated, superseded = _handover(runner)
    bindings = runner.run_cypher(HARD_BINDINGS, {"excluded": excluded, "operates": operates(operated),
                                                 "superseded": superseded}).astype({"weight": "int64"})
    money, money_out = _client_money_out(runner)
    subtrees = runner.run_cypher(AGENT_SUBTREES).reindex(columns=["agent_id", "platform_id", "person_id",
                                                                   "root_agent_id"])
    by_subtree = runner.run_cypher(SUBTREE_MONEY).reindex(
        columns=["platform_id", "root_agent_id", "account_id", "n", "deposits"]).astype(
        {"n": "int64", "deposits": "int64"})
    channels = runner.run_cypher(PAYMENT_CHANNELS, {"accounts": sorted(set(by_subtree["account_id"].dropna()))}
                                 ).reindex(columns=["account_id"])
    units = member_units(by_subtree, money_out, platform_ids=platform_ids(runner), channels=channels["account_id"])
    in_units = unit_agents(subtrees, units)
    named = runner.run_cypher(PLATFORMLESS_GANG_PERSONS).reindex(columns=["gang_id", "person_id", "fact", "province"])
    bindings = split_member_units(bindings, in_units, by_subtree, units, named=named)
    bindings = left_for_splinters(bindings, runner.run_cypher(DATED_ROLES, {"operates": operates(operated)}).reindex(
        columns=DATED_ROLE_COLUMNS))
    bindings = pd.concat([bindings, _swept_money(money, money_out, excluded)], ignore_index=True)
    accounts = bindings.loc[bindings["node"].str.startswith("Account:"), "node"].str.slice(len("Account:"))
    holders = runner.run_cypher(ACCOUNT_HOLDERS, {"accounts": sorted(set(accounts)), "excluded": excluded})
    staff = bindings.loc[bindings["fact"].isin(STAFF_FACTS), "node"].str.slice(len("Person:"))
    held = runner.run_cypher(STAFF_HOLDINGS, {"persons": sorted(set(staff)), "excluded": excluded}).reindex(
        columns=["account_id", "person_id"])
    derived = [holder_bindings(bindings, holders, channels=forwarding_accounts(money_out, money)),
               staff_account_bindings(bindings, held, operated)]
    return (pd.concat([bindings, *derived]).sort_values(["node", "platform_id", "fact"], ignore_index=True), in_units,
            named)


def _client_money_out(runner: CypherRunner) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The client-money accounts (platform_id, account_id, deposits) and the transfers out of
    those that took deposits (from_account, to_account): what :func:`.communities.swept_accounts`
    and :func:`.communities.forwarding_accounts` read."""
    # Typed, also when empty (a case without client money): DuckDB reads an empty object column as no type.
    money = runner.run_cypher(CLIENT_MONEY_ACCOUNTS).reindex(columns=["platform_id", "account_id", "deposits"]).astype(
        {"platform_id": "string", "account_id": "string", "deposits": "int64"})
    took_deposits = sorted(set(money.loc[money["deposits"] > 0, "account_id"]))
    transfers = runner.run_cypher(MONEY_OUT, {"accounts": took_deposits}).reindex(
        columns=["from_account", "to_account"]).astype("string")
    return money, transfers


def _swept_money(money: pd.DataFrame, transfers: pd.DataFrame, excluded: list[str]) -> pd.DataFrame:
    """The :data:`SWEPT_MONEY` bindings (node, platform_id, fact, weight) of
    :func:`.communities.swept_accounts`, on the client-money accounts and the transfers out of
    those that took deposits (:func:`_client_money_out`), but the excluded nodes."""
    swept = swept_accounts(transfers, money)
    rows = pd.DataFrame({"node": "Account:" + swept["account_id"].astype(object),
                         "platform_id": swept["platform_id"].astype(object),
                         "fact": SWEPT_MONEY, "weight": swept["n"].astype("int64")})
    return rows[~rows["node"].isin(excluded)]


# The bank transfers per direction and pair, as communities.transfer_counts counts them.
TRANSFER_COUNTS = """
MATCH (a:Account)-[t:TRANSFER]->(b:Account)
RETURN a.id AS from_account, b.id AS to_account, count(t) AS n ORDER BY from_account, to_account
"""


def transfer_counts(runner: CypherRunner) -> pd.DataFrame:
    """:func:`.communities.transfer_counts` of the graph's transfers."""
    return runner.run_cypher(TRANSFER_COUNTS).reindex(columns=["from_account", "to_account", "n"]).astype(
        {"from_account": object, "to_account": object, "n": "int64"})


def platform_ids(runner: CypherRunner) -> list[str]:
    return runner.run_cypher("MATCH (p:Platform) RETURN p.id AS platform_id ORDER BY platform_id")[
        "platform_id"].tolist()


def entities(runner: CypherRunner) -> pd.DataFrame:
    return runner.run_cypher(ENTITIES)


def known_gang_platforms(runner: CypherRunner) -> pd.DataFrame:
    return runner.run_cypher(KNOWN_GANGS)


def operated_platforms(runner: CypherRunner) -> pd.DataFrame:
    """(gang_id, platform_id, province) as :func:`.memory.gangs.operated_platforms`: the known
    gangs' platforms with those handed over to another known gang moved to it."""
    return _handover(runner)[0]


def _handover(runner: CypherRunner) -> tuple[pd.DataFrame, list[str]]:
    """:func:`operated_platforms`, and the licences not in force
    (:func:`.memory.gangs._handover`): a handed-over platform's before its latest."""
    operated, latest, sold = _sold_platforms(runner)
    if not sold:
        return operated, []
    earlier = runner.run_cypher(EARLIER_LICENSES, {"platforms": sold, "latest": sorted(set(latest["license_id"]))})
    return operated, sorted(earlier.reindex(columns=["license_id"])["license_id"])


def _sold_platforms(runner: CypherRunner) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """:func:`operated_platforms`, each platform's latest licence and its buyer
    (:data:`LATEST_LICENSE_BUYERS`), and the platforms handed over to another gang."""
    listed = known_gang_platforms(runner).reindex(columns=["gang_id", "platform_id", "province"])
    latest = runner.run_cypher(LATEST_LICENSE_BUYERS).reindex(columns=["platform_id", "person_id", "license_id"])
    operated = handed_over(listed, latest[["platform_id", "person_id"]],
                           runner.run_cypher(GANG_LEADERS).reindex(columns=["gang_id", "person_id"]))
    sold = sorted(set(moved_platforms(listed, operated)))
    return operated, latest, sold


def handed_over_platforms(runner: CypherRunner) -> list[str]:
    """The platforms handed over to another known gang, as :func:`.memory.gangs.handed_over_platforms`."""
    return _sold_platforms(runner)[2]


def operates(platforms: pd.DataFrame) -> dict[str, list[str]]:
    """gang_id -> its platform ids, of :func:`operated_platforms`: the Cypher's ``$operates``."""
    return platforms.groupby("gang_id")["platform_id"].agg(list).to_dict()


def province_votes(runner: CypherRunner) -> pd.DataFrame:
    return runner.run_cypher(PROVINCE_VOTES)
