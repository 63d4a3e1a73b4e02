"""Fund-flow analyses on a loaded case: the Neo4j engine's :mod:`casegraph.queries.memory.flows`,
returning the same frames (the rules, evidence and order are :mod:`casegraph.queries.flow_rules`).

account_flows' sums and the identifiers' use are Cypher. The patterns' relational core (windows,
the bounded cycle search) is, for now, the memory engine's DuckDB SQL run on the transfers read
out of the graph with one Cypher query, so that both engines cannot differ; porting it to Cypher
(and GDS) is open work. The graph has no place yet for a cash deposit or withdrawal whose cash
side names no account: Neo4j's answers leave those transfers out.

>>> flows = account_flows(CypherRunner(driver), timezone="Asia/Shanghai")   # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from ..flow_rules import (
    ACCOUNT_FACT_COLUMNS,
    FLOW_TOTAL_COLUMNS,
    REQUEST_INPUT_COLUMNS,
    FlowRules,
    finish_account_flows,
    finish_statement_requests,
)
from ..memory.flows import patterns_of, with_local_hour
from .runner import CypherRunner

# A datetime as whole microseconds since the epoch (what the memory engine's t_us holds).
MICROS = "{t}.epochSeconds * 1000000 + {t}.microsecond"

LEGS = """
CALL () {
  MATCH (a:Account)-[t:TRANSFER]->(c:Account) RETURN a, 'out' AS direction, c, t
  UNION ALL
  MATCH (c:Account)-[t:TRANSFER]->(a:Account) RETURN a, 'in' AS direction, c, t
  UNION ALL
  MATCH (a:Account)-[t:CASH]->(a) RETURN a, t.cash_direction AS direction, null AS c, t
}
"""

TOTALS = LEGS + f"""
WITH a, direction, c, t, toLower(coalesce(t.channel, '')) = 'cash' AS cash
WITH a.id AS account_id,
     sum(CASE direction WHEN 'in' THEN 1 ELSE 0 END) AS n_in,
     sum(CASE direction WHEN 'in' THEN t.amount_cny_fen ELSE 0 END) AS amount_in,
     sum(CASE direction WHEN 'out' THEN 1 ELSE 0 END) AS n_out,
     sum(CASE direction WHEN 'out' THEN t.amount_cny_fen ELSE 0 END) AS amount_out,
     sum(CASE WHEN direction = 'in' AND cash THEN t.amount_cny_fen ELSE 0 END) AS cash_in,
     sum(CASE WHEN direction = 'out' AND cash THEN t.amount_cny_fen ELSE 0 END) AS cash_out,
     min(t.ts) AS first, max(t.ts) AS last, count(DISTINCT c) AS n_counterparties
RETURN account_id, n_in, amount_in, n_out, amount_out, cash_in, cash_out,
       {MICROS.format(t="first")} AS first_t_us, {MICROS.format(t="last")} AS last_t_us, n_counterparties
"""

FACTS = """
MATCH (a:Account) WHERE EXISTS { (a)-[:TRANSFER|CASH]-(:Account) } OR EXISTS { (:Statement)-[:STATEMENT_OF]->(a) }
OPTIONAL MATCH (p:Person)-[:HOLDS]->(a)
OPTIONAL MATCH (s:Statement)-[:STATEMENT_OF]->(a)
RETURN a.id AS account_id, a.aliases AS aliases, p.id AS holder_person_id, p.name AS holder_name,
       coalesce(a.institution, s.institution) AS institution, s IS NOT NULL AS statement_obtained
"""

# Per account without a statement: the money it moved with accounts whose statements are in
# hand; the top counterparty by amount, ties to the larger id (as DuckDB's arg_max of the pair).
REQUESTS = """
MATCH (:Statement)-[:STATEMENT_OF]->(k:Account)-[t:TRANSFER]-(a:Account)
WHERE NOT EXISTS { (:Statement)-[:STATEMENT_OF]->(a) }
WITH a, k, count(t) AS n, sum(t.amount_cny_fen) AS amount
ORDER BY amount DESC, k.id DESC
WITH a, collect({id: k.id, amount: amount, n: n}) AS per
OPTIONAL MATCH (h:Person)-[:HOLDS]->(a)
RETURN a.id AS account_id, h.name AS holder_name, a.institution AS institution,
       reduce(s = 0, x IN per | s + x.amount) AS amount_with_known, reduce(s = 0, x IN per | s + x.n) AS n_transfers,
       size(per) AS n_known_counterparties, per[0].id AS top_counterparty, per[0].amount AS top_amount
"""

TRANSFERS = f"""
CALL () {{
  MATCH (a:Account)-[t:TRANSFER]->(b:Account) RETURN t, a.id AS from_account, b.id AS to_account
  UNION ALL
  MATCH (a:Account)-[t:CASH]->(a)
  RETURN t, CASE t.cash_direction WHEN 'out' THEN a.id END AS from_account,
         CASE t.cash_direction WHEN 'in' THEN a.id END AS to_account
}}
RETURN t.txn_id AS txn_id, {MICROS.format(t="t.ts")} AS t_us, from_account, to_account,
       t.amount_cny_fen AS amount, toLower(coalesce(t.channel, '')) = 'cash' AS cash
"""

IDENTIFIER_USE = f"""
CALL () {{
  MATCH (l:Login)-[:LOGIN_TO]->(a:Account), (l)-[:FROM_IP]->(k:IP) RETURN 'ip' AS kind, k.id AS key, a, l
  UNION ALL
  MATCH (l:Login)-[:LOGIN_TO]->(a:Account), (l)-[:FROM_DEVICE]->(k:Device) RETURN 'device' AS kind, k.id AS key, a, l
}}
OPTIONAL MATCH (h:Person)-[:HOLDS]->(a)
WITH kind, key, a, h.id AS holder, count(l) AS n_logins,
     count(DISTINCT date(datetime({{datetime: l.ts, timezone: $timezone}}))) AS days, min(l.ts) AS first,
     max(l.ts) AS last
CALL (a) {{
  MATCH (o:Login)-[:LOGIN_TO]->(a) WHERE EXISTS {{ (o)-[:FROM_IP|FROM_DEVICE]->() }}
  RETURN count(DISTINCT date(datetime({{datetime: o.ts, timezone: $timezone}}))) AS login_days
}}
RETURN kind, key, a.id AS account_id, holder, n_logins, days, login_days, {MICROS.format(t="first")} AS first_t_us,
       {MICROS.format(t="last")} AS last_t_us
"""


def account_flows(runner: CypherRunner, *, timezone: str) -> pd.DataFrame:
    """account_flows.csv (see :func:`casegraph.queries.memory.flows.account_flows`)."""
    totals = runner.run_cypher(TOTALS)
    if not len(totals):
        totals = pd.DataFrame({c: pd.Series(dtype="int64") for c in FLOW_TOTAL_COLUMNS})
    facts = runner.run_cypher(FACTS)
    if not len(facts):
        facts = pd.DataFrame({c: pd.Series(dtype=object) for c in ACCOUNT_FACT_COLUMNS})
    return finish_account_flows(totals[list(FLOW_TOTAL_COLUMNS)], facts[list(ACCOUNT_FACT_COLUMNS)],
                                timezone=timezone)


def statement_requests(runner: CypherRunner) -> pd.DataFrame:
    """statement_requests.csv (see :func:`casegraph.queries.memory.flows.statement_requests`)."""
    found = runner.run_cypher(REQUESTS)
    if not len(found):
        return finish_statement_requests(pd.DataFrame({c: pd.Series(dtype=object) for c in REQUEST_INPUT_COLUMNS}))
    return finish_statement_requests(found[list(REQUEST_INPUT_COLUMNS)])


def flow_patterns(runner: CypherRunner, *, rules: FlowRules, timezone: str) -> pd.DataFrame:
    """flow_patterns.csv (see the module for what runs where)."""
    transfers = runner.run_cypher(TRANSFERS)
    transfers = transfers.astype({"txn_id": "string", "from_account": "string", "to_account": "string",
                                  "t_us": "int64", "amount": "int64", "cash": "bool"}) if len(transfers) else \
        pd.DataFrame({"txn_id": pd.Series(dtype="string"), "t_us": pd.Series(dtype="int64"),
                      "from_account": pd.Series(dtype="string"), "to_account": pd.Series(dtype="string"),
                      "amount": pd.Series(dtype="int64"), "cash": pd.Series(dtype="bool")})
    transfers = with_local_hour(transfers.sort_values("txn_id", ignore_index=True), timezone)
    use = runner.run_cypher(IDENTIFIER_USE, {"timezone": timezone})
    return patterns_of(transfers, use, rules, timezone=timezone)
