"""The figures of the Neo4j engine: those of :mod:`casegraph.queries.memory.figures`, computed in
Cypher on a loaded case, with the same rows, values and dtypes.

Every query takes its inputs as parameters. Client figures are computed first, in Cypher,
and handed back as ``$clients`` to the queries that sum them up the agent trees (variable-
length ``REPORTS_TO`` paths), over platforms, gangs and persons: each sum is Cypher's.

>>> runner = CypherRunner(driver)                                   # doctest: +SKIP
>>> clients = client_figures(runner)                                # doctest: +SKIP
>>> agents = agent_totals(runner, client_rows(clients))             # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from ..rules import CLIENT_FIGURES as FIGURES
from .fragments import CLIENT_FRAGMENT
from .runner import CypherRunner, parameter_rows

CLIENTS = f"""
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

# The persons who answer for a client `c`: those who are an agent above it, those who hold a
# role other than `agent` in its platform or in the known gang that runs it, and those who
# hold one in the member unit whose subtree it is in.
PERSONS_OF_CLIENT = """
CALL (c) {
  MATCH (c)-[:REFERRED_BY]->(:Agent)-[:REPORTS_TO*0..]->(:Agent)<-[:ACTS_AS]-(p:Person) RETURN p
  UNION
  MATCH (c)-[:CLIENT_OF]->(:Platform)<-[m:MEMBER_OF]-(p:Person) WHERE m.role <> 'agent' RETURN p
  UNION
  MATCH (c)-[:CLIENT_OF]->(:Platform)<-[:OPERATES]-(:Gang)<-[m:MEMBER_OF]-(p:Person) WHERE m.role <> 'agent' RETURN p
  UNION
  // a gang listed without a platform whose leader (gangs.csv or a `leader` membership) is the
  // top-level agent above it: a member unit working that subtree (memory: figures.role_subtrees)
  MATCH (c)-[:REFERRED_BY]->(:Agent)-[:REPORTS_TO*0..]->(top:Agent)<-[:ACTS_AS]-(leader:Person)
  WHERE NOT EXISTS { (top)-[:REPORTS_TO]->(:Agent) }
  CALL (leader) {
    MATCH (g:Gang)-[:LED_BY]->(leader) RETURN g
    UNION MATCH (leader)-[:MEMBER_OF {role: 'leader'}]->(g:Gang) RETURN g
  }
  WITH g WHERE NOT EXISTS { (g)-[:OPERATES]->() }
  MATCH (p:Person)-[m:MEMBER_OF]->(g) WHERE m.role <> 'agent' RETURN p
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
    UNION
    MATCH (p)-[m:MEMBER_OF]->(g:Gang)
    WHERE m.role <> 'agent' AND {_SAME_PERIOD} AND NOT EXISTS {{ (g)-[:OPERATES]->() }}
    CALL (g) {{
      MATCH (g)-[:LED_BY]->(leader:Person) RETURN leader
      UNION MATCH (leader:Person)-[:MEMBER_OF {{role: 'leader'}}]->(g) RETURN leader
    }}
    MATCH (leader)-[:ACTS_AS]->(top:Agent) WHERE NOT EXISTS {{ (top)-[:REPORTS_TO]->(:Agent) }}
    MATCH (top)<-[:REPORTS_TO*0..]-(:Agent)<-[:REFERRED_BY]-(c:Client)
    RETURN c
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


def _integers(frame: pd.DataFrame, index: str) -> pd.DataFrame:
    frame = frame.set_index(index).sort_index()
    numbers = [c for c in frame.columns if c not in ("platform_id", "agent_id")]
    return frame.astype({c: "int64" for c in numbers})


def client_rows(clients: pd.DataFrame) -> dict[str, list[dict]]:
    """The ``$clients`` parameter of the queries that sum client figures (one row per client)."""
    return {"clients": parameter_rows(clients.reset_index())}


def client_figures(runner: CypherRunner) -> pd.DataFrame:
    """Every client's figures, computed in Cypher; columns as
    :func:`casegraph.queries.memory.figures.client_figures`."""
    return _integers(runner.run_cypher(CLIENTS), "client_id")[["platform_id", "agent_id", *FIGURES]]


def agent_totals(runner: CypherRunner, rows: dict[str, list[dict]]) -> pd.DataFrame:
    """Per agent: depth, own and subtree figures, rebates received and due, as
    :func:`casegraph.queries.memory.figures.agent_subtree_totals` (``rows``: :func:`client_rows`)."""
    own = _integers(runner.run_cypher(AGENT_OWN, rows), "agent_id")
    subtree = _integers(runner.run_cypher(AGENT_SUBTREE, rows), "agent_id")
    agents = _integers(runner.run_cypher(AGENTS), "agent_id")
    figures_of_agents = pd.concat([own.reindex(agents.index), subtree.reindex(agents.index)], axis=1)
    due = _integers(runner.run_cypher(REBATE_DUE, rows), "agent_id")["rebate_due"]
    agents = pd.concat([agents[["platform_id", "depth"]], figures_of_agents.fillna(0).astype("int64"),
                        agents[["rebate_received", "commission_received"]]], axis=1)
    agents["rebate_due"] = due.reindex(agents.index, fill_value=0).astype("int64")
    agents["rebate_mismatch"] = agents["rebate_received"] - agents["rebate_due"]
    return agents


def platform_totals(runner: CypherRunner, rows: dict[str, list[dict]]) -> pd.DataFrame:
    """Per platform: clients, agents, tree depth and the sums of its clients' figures
    (``rows``: :func:`client_rows`)."""
    return _integers(runner.run_cypher(PLATFORMS, rows), "platform_id")


def person_totals(runner: CypherRunner, rows: dict[str, list[dict]]) -> pd.DataFrame:
    """Per person who answers for clients: the sums of their figures, and what the person received
    (``rows``: :func:`client_rows`)."""
    persons = pd.concat([
        _integers(runner.run_cypher(PERSONS_SUBTREE, rows), "person_id"),
        _integers(runner.run_cypher(PERSONS_OWN), "person_id"),
    ], axis=1).fillna(0).astype("int64").sort_index()
    persons.index.name = "person_id"
    return persons


def person_window_totals(runner: CypherRunner, *, timezone: str) -> pd.DataFrame:
    """Per person and membership period: the figures during that tenure (dates local to ``timezone``)."""
    windows = runner.run_cypher(PERSON_WINDOWS, {"timezone": timezone})
    for column in ("window_start", "window_end"):
        # microseconds, the unit of the dates the case's tables hold
        windows[column] = pd.to_datetime([d.to_native() if d is not None else None for d in windows[column]]
                                         ).as_unit("us")
    return windows


def vendor_totals(runner: CypherRunner, gang_accounts: pd.Index) -> pd.DataFrame:
    """Per vendor: licence income on the records and received from the accounts of ``gang_accounts``."""
    return _integers(runner.run_cypher(VENDORS, {"gang_accounts": list(gang_accounts)}), "vendor_id")


def suspect_persons(runner: CypherRunner) -> pd.Index:
    """The persons who act as agents or hold a role."""
    return pd.Index(runner.run_cypher(SUSPECT_PERSONS)["person_id"], name="person_id")
