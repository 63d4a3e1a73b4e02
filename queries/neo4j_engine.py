"""The Neo4j engine: the same analyses as :mod:`.memory_engine`, computed in Cypher on a
loaded case, written to the same files with the same rows.

Every query takes its inputs as parameters. Client figures are computed first, in Cypher,
and handed back as ``$clients`` to the queries that sum them up the agent trees (variable-
length ``REPORTS_TO`` paths), over platforms, gangs and persons: each sum is Cypher's.

>>> with neo4j.GraphDatabase.driver(uri, auth=auth) as driver:       # doctest: +SKIP
...     tables = analyze_loaded(driver)
"""

from __future__ import annotations

import json

import pandas as pd

from casegraph.thresholds import ThresholdRules

from . import figures, neo4j_gangs, neo4j_groups
from .cypher_fragments import CLIENT_FRAGMENT
from .assembly import CaseFacts, assemble
from .gangs import ALGORITHM, detect_communities, graph_of_edges, resolve_gangs

FIGURES = figures.CLIENT_FIGURES

CLIENT_FIGURES = f"""
MATCH (c:Client)-[:CLIENT_OF]->(p:Platform)
OPTIONAL MATCH (c)-[:REFERRED_BY]->(a:Agent)
WITH c, p, a, null AS since, null AS until
{CLIENT_FRAGMENT}
RETURN c.id AS client_id, p.id AS platform_id, a.id AS agent_id,
       deposits, withdrawals, fees, overnight_fees, rebates_paid, commissions_paid, trading_pnl,
       net_deposit, client_loss, client_losses, fresh_money, turnover
"""

_SUMS = ", ".join(f"sum(f.{name}) AS {{prefix}}{name}" for name in FIGURES)

# The agent forest has no cycles (validation refuses them), so the unbounded REPORTS_TO*0..
# ends within each tree's depth.
AGENT_SUBTREE = f"""
UNWIND $clients AS f
MATCH (:Client {{id: f.client_id}})-[:REFERRED_BY]->(:Agent)-[:REPORTS_TO*0..]->(a:Agent)
RETURN a.id AS agent_id, count(*) AS subtree_n_clients, {_SUMS.format(prefix="subtree_")}
"""

AGENT_OWN = f"""
UNWIND $clients AS f
MATCH (:Client {{id: f.client_id}})-[:REFERRED_BY]->(a:Agent)
RETURN a.id AS agent_id, count(*) AS own_n_clients, {_SUMS.format(prefix="own_")}
"""

AGENTS = """
MATCH (a:Agent)-[:ON_PLATFORM]->(p:Platform)
CALL (a) {
  MATCH path = (a)-[:REPORTS_TO*0..]->(root:Agent) WHERE NOT (root)-[:REPORTS_TO]->()
  RETURN length(path) + 1 AS depth
}
CALL (a) {
  OPTIONAL MATCH (e:Entry)-[:PAID_TO]->(a)
  RETURN sum(CASE e.kind WHEN 'rebate' THEN e.amount_cny_fen ELSE 0 END) AS rebate_received,
         sum(CASE e.kind WHEN 'commission' THEN e.amount_cny_fen ELSE 0 END) AS commission_received
}
RETURN a.id AS agent_id, p.id AS platform_id, depth, rebate_received, commission_received
"""

# Each agent on the path up from a client's agent is due (its rate − the rate of the agent
# below it on that path) × the client's fees, rounded half away from zero per client.
REBATE_DUE = """
UNWIND $clients AS f
MATCH (:Client {id: f.client_id})-[:REFERRED_BY]->(d:Agent)
MATCH path = (d)-[:REPORTS_TO*0..]->(a:Agent)
WITH f, a, nodes(path) AS chain
WITH f, a, CASE WHEN size(chain) > 1 THEN chain[size(chain) - 2].rebate_rate_micro ELSE 0 END AS child_rate
WITH a, f.fees * (coalesce(a.rebate_rate_micro, 0) - coalesce(child_rate, 0)) AS product
RETURN a.id AS agent_id, sum(sign(product) * ((abs(product) + 500000) / 1000000)) AS rebate_due
"""

PLATFORMS = f"""
MATCH (p:Platform)
CALL (p) {{
  UNWIND $clients AS f
  WITH f WHERE f.platform_id = p.id
  RETURN count(f) AS n_clients, {_SUMS.format(prefix="")}
}}
CALL (p) {{
  OPTIONAL MATCH (a:Agent)-[:ON_PLATFORM]->(p)
  OPTIONAL MATCH path = (a)-[:REPORTS_TO*0..]->(root:Agent) WHERE NOT (root)-[:REPORTS_TO]->()
  RETURN count(DISTINCT a) AS n_agents, coalesce(max(length(path)) + 1, 0) AS agent_depth
}}
RETURN p.id AS platform_id, n_clients, n_agents, agent_depth, {", ".join(FIGURES)}
"""



VENDORS = """
MATCH (v:Vendor)
CALL (v) {
  OPTIONAL MATCH (v)-[:SOLD]->(l:License)
  RETURN coalesce(sum(l.price_cny_fen), 0) AS license_income
}
CALL (v) {
  // transfers into the vendor's own accounts from the accounts attributed to gangs
  OPTIONAL MATCH (v)-[:OWNS_ACCOUNT]->(:Account)<-[t:TRANSFER]-(src:Account)
  WHERE src.id IN $gang_accounts
  RETURN coalesce(sum(t.amount_cny_fen), 0) AS license_income_bank
}
RETURN v.id AS vendor_id, license_income, license_income_bank
"""

FACTS = """
CALL () {
  MATCH (v:Vendor)-[:SOLD]->(l:License)-[:CREATED]->(p:Platform)
  RETURN 'license' AS kind, l.id AS id, v.id AS a, p.id AS b
  UNION ALL MATCH (a:Agent)-[:ON_PLATFORM]->(p:Platform) RETURN 'agent' AS kind, a.id AS id, p.id AS a, null AS b
  UNION ALL MATCH (p:Person) RETURN 'person' AS kind, p.id AS id, p.province AS a, null AS b
  UNION ALL MATCH (v:Vendor) RETURN 'vendor' AS kind, v.id AS id, v.province AS a, null AS b
}
RETURN kind, id, a, b
"""

# The persons who answer for a client `c`: those who are an agent above it, and those who
# hold a role other than `agent` in its platform or in the known gang that runs it.
PERSONS_OF_CLIENT = """
CALL (c) {
  MATCH (c)-[:REFERRED_BY]->(:Agent)-[:REPORTS_TO*0..]->(:Agent)<-[:ACTS_AS]-(p:Person) RETURN p
  UNION
  MATCH (c)-[:CLIENT_OF]->(:Platform)<-[m:MEMBER_OF]-(p:Person) WHERE m.role <> 'agent' RETURN p
  UNION
  MATCH (c)-[:CLIENT_OF]->(:Platform)<-[:OPERATES]-(:Gang)<-[m:MEMBER_OF]-(p:Person) WHERE m.role <> 'agent' RETURN p
}
"""

PERSONS_SUBTREE = f"""
UNWIND $clients AS f
MATCH (c:Client {{id: f.client_id}})
{PERSONS_OF_CLIENT}
RETURN p.id AS person_id, count(*) AS subtree_n_clients, {_SUMS.format(prefix="subtree_")}
"""

# What the agents a person `p` is received, and the person's own net withdrawal, inside
# [since, until) (null = open).
PERSON_FRAGMENT = """
CALL (p, since, until) {
  OPTIONAL MATCH (p)-[:ACTS_AS]->(:Agent)<-[:PAID_TO]-(e:Entry)
  WHERE (since IS NULL OR e.ts >= since) AND (until IS NULL OR e.ts < until)
  RETURN sum(CASE e.kind WHEN 'rebate' THEN e.amount_cny_fen ELSE 0 END) AS rebate_received,
         sum(CASE e.kind WHEN 'commission' THEN e.amount_cny_fen ELSE 0 END) AS commission_received
}
CALL (p, since, until) {
  OPTIONAL MATCH (p)-[:HOLDS]->(:Account {kind: 'trading'})<-[:ON_ACCOUNT]-(e:Entry)
  WHERE e.kind IN ['deposit', 'withdrawal'] AND (since IS NULL OR e.ts >= since) AND (until IS NULL OR e.ts < until)
  RETURN sum(CASE e.kind WHEN 'withdrawal' THEN e.amount_cny_fen ELSE -e.amount_cny_fen END)
         AS own_net_withdrawal
}
"""

PERSONS_OWN = f"""
MATCH (p:Person)
WHERE EXISTS {{ (p)-[:ACTS_AS]->(:Agent) }}
   OR EXISTS {{ MATCH (p)-[:HOLDS]->(:Account {{kind: 'trading'}})<-[:ON_ACCOUNT]-(e:Entry)
               WHERE e.kind IN ['deposit', 'withdrawal'] }}
WITH p, null AS since, null AS until
{PERSON_FRAGMENT}
RETURN p.id AS person_id, rebate_received, commission_received, own_net_withdrawal
"""

_CLIENT_SUMS = ", ".join(f"sum({name}) AS subtree_{name}" for name in FIGURES)

# A membership `m` over exactly the period (window_start, window_end), null = open.
_SAME_PERIOD = ("(m.start = window_start OR (m.start IS NULL AND window_start IS NULL)) "
                "AND (m.end = window_end OR (m.end IS NULL AND window_end IS NULL))")

# Membership periods: from the start date's midnight to the end of the end date, in the
# case timezone; only entries and trades inside count ("during tenure"). A period's clients
# are those below the agents the person is and those of the organisations the person holds
# a role in over that same period (memory: figures.person_window_totals).
PERSON_WINDOWS = f"""
MATCH (p:Person)-[m:MEMBER_OF]->()
WHERE m.start IS NOT NULL OR m.end IS NOT NULL
WITH DISTINCT p, m.start AS window_start, m.end AS window_end
// The bounds as UTC instants like the stored timestamps: Neo4j orders two datetimes of one
// instant in different zones by their local times, which would misplace an entry at a bound.
WITH p, window_start, window_end,
     CASE WHEN window_start IS NULL THEN null ELSE datetime({{epochSeconds:
          datetime({{date: window_start, timezone: $timezone}}).epochSeconds}}) END AS since,
     CASE WHEN window_end IS NULL THEN null ELSE datetime({{epochSeconds:
          datetime({{date: window_end + duration({{days: 1}}), timezone: $timezone}}).epochSeconds}}) END AS until
CALL (p, window_start, window_end, since, until) {{
  CALL (p, window_start, window_end) {{
    MATCH (p)-[:ACTS_AS]->(:Agent)<-[:REPORTS_TO*0..]-(:Agent)<-[:REFERRED_BY]-(c:Client) RETURN c
    UNION
    MATCH (p)-[m:MEMBER_OF]->(:Platform)<-[:CLIENT_OF]-(c:Client)
    WHERE m.role <> 'agent' AND {_SAME_PERIOD} RETURN c
    UNION
    MATCH (p)-[m:MEMBER_OF]->(:Gang)-[:OPERATES]->(:Platform)<-[:CLIENT_OF]-(c:Client)
    WHERE m.role <> 'agent' AND {_SAME_PERIOD} RETURN c
  }}
  WITH c, since, until
  {CLIENT_FRAGMENT}
  RETURN count(c) AS subtree_n_clients, {_CLIENT_SUMS}
}}
{PERSON_FRAGMENT}
RETURN p.id AS person_id, window_start, window_end, subtree_n_clients,
       {", ".join(f"subtree_{name}" for name in FIGURES)}, rebate_received, commission_received, own_net_withdrawal
"""

SUSPECT_PERSONS = """
MATCH (p:Person) WHERE EXISTS { (p)-[:ACTS_AS]->(:Agent) } OR EXISTS { (p)-[:MEMBER_OF]->() }
RETURN p.id AS person_id ORDER BY person_id
"""




def _frame(driver, query: str, database: str | None = None, **parameters) -> pd.DataFrame:
    records, _, keys = driver.execute_query(query, parameters, database_=database)
    return pd.DataFrame([r.values() for r in records], columns=keys)


def _integers(frame: pd.DataFrame, index: str) -> pd.DataFrame:
    frame = frame.set_index(index).sort_index()
    numbers = [c for c in frame.columns if c not in ("platform_id", "agent_id")]
    return frame.astype({c: "int64" for c in numbers})


def client_figures(driver, database: str | None = None) -> pd.DataFrame:
    """Every client's figures, computed in Cypher; columns as :func:`figures.client_figures`."""
    clients = _frame(driver, CLIENT_FIGURES, database)
    return _integers(clients, "client_id")[["platform_id", "agent_id", *FIGURES]]


def case_settings(driver, database: str | None = None) -> tuple[str, ThresholdRules]:
    """The timezone and threshold rules the loaded case came with (see the loader)."""
    record = driver.execute_query("MATCH (l:CaseLoad) RETURN l.timezone AS tz, l.thresholds AS thresholds",
                                  database_=database).records[0]
    return record["tz"], ThresholdRules.from_config(json.loads(record["thresholds"]))


def case_facts(driver, database: str | None = None) -> CaseFacts:
    """The facts :func:`~casegraph.queries.assembly.assemble` needs, read from the database."""
    facts = _frame(driver, FACTS, database)
    of = {kind: rows.set_index("id") for kind, rows in facts.groupby("kind")}
    licenses = of["license"].reset_index().rename(columns={"id": "license_id", "a": "vendor_id", "b": "platform_id"})

    def vendor_totals(gang_accounts: pd.Index) -> pd.DataFrame:
        return _integers(_frame(driver, VENDORS, database, gang_accounts=list(gang_accounts)), "vendor_id")

    return CaseFacts(
        licenses=licenses[["vendor_id", "license_id", "platform_id"]],
        agent_platform=of["agent"]["a"].rename_axis("agent_id"),
        person_province=of["person"]["a"].rename_axis("person_id"),
        vendor_province=of["vendor"]["a"].rename_axis("vendor_id"),
        suspects=pd.Index(_frame(driver, SUSPECT_PERSONS, database)["person_id"], name="person_id"),
        known_gangs=neo4j_gangs.known_gang_platforms(driver),
        province_votes=neo4j_gangs.province_votes(driver),
        entities=neo4j_gangs.entities(driver),
        vendor_totals=vendor_totals,
    )


def analyze_loaded(driver, database: str | None = None) -> dict[str, pd.DataFrame]:
    """Every output of the case loaded in the database, computed there."""
    timezone, rules = case_settings(driver, database)
    clients = client_figures(driver, database)
    params = clients.reset_index().astype(object).where(clients.reset_index().notna(), None).to_dict("records")

    own = _integers(_frame(driver, AGENT_OWN, database, clients=params), "agent_id")
    subtree = _integers(_frame(driver, AGENT_SUBTREE, database, clients=params), "agent_id")
    agents = _integers(_frame(driver, AGENTS, database), "agent_id")
    figures_of_agents = pd.concat([own.reindex(agents.index), subtree.reindex(agents.index)], axis=1)
    due = _integers(_frame(driver, REBATE_DUE, database, clients=params), "agent_id")["rebate_due"]
    agents = pd.concat([agents[["platform_id", "depth"]], figures_of_agents.fillna(0).astype("int64"),
                        agents[["rebate_received", "commission_received"]]], axis=1)
    agents["rebate_due"] = due.reindex(agents.index, fill_value=0).astype("int64")
    agents["rebate_mismatch"] = agents["rebate_received"] - agents["rebate_due"]

    platforms = _integers(_frame(driver, PLATFORMS, database, clients=params), "platform_id")
    persons = pd.concat([
        _integers(_frame(driver, PERSONS_SUBTREE, database, clients=params), "person_id"),
        _integers(_frame(driver, PERSONS_OWN, database), "person_id"),
    ], axis=1).fillna(0).astype("int64").sort_index()
    persons.index.name = "person_id"
    windows = _frame(driver, PERSON_WINDOWS, database, timezone=timezone)
    for column in ("window_start", "window_end"):
        windows[column] = pd.to_datetime([d.to_native() if d is not None else None for d in windows[column]])
    edges = neo4j_gangs.gang_edges(driver, database, timezone=timezone)
    facts = case_facts(driver, database)
    communities = resolve_gangs(detect_communities(graph_of_edges(edges)), neo4j_gangs.hard_bindings(driver, database),
                                edges, facts.known_gangs,
                                platform_ids=neo4j_gangs.platform_ids(driver, database))
    return assemble(facts, clients, agents, platforms, persons, communities,
                    ALGORITHM, windows, rules, neo4j_groups.account_groups_neo4j(driver),
                    neo4j_groups.fake_trades_neo4j(driver), neo4j_groups.platform_fraud_neo4j(driver))
