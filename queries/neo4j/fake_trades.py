"""Fake trades in Cypher: the Neo4j engine's :mod:`casegraph.queries.memory.fake_trades`, returning the
same frames (same rows, values and dtypes) on the same loaded case. The rules are that
module's; read its docstring.

>>> fraud = platform_fraud(CypherRunner(driver))                    # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from ..rules import NO_BROKER_REF, NOT_ON_STATEMENT, RECORDED_FAKE, finish_fake, finish_fraud
from .fragments import CLIENT_FRAGMENT
from .runner import CypherRunner

REASONS = {"recorded_fake": RECORDED_FAKE, "no_broker_ref": NO_BROKER_REF, "not_on_statement": NOT_ON_STATEMENT}

# Every trade with its client, its platform (the account's, else the account's client's) and
# why it is fake (null: real).
TRADE_CHECK = """
CALL () { RETURN EXISTS { MATCH (:Fill) } AS statements }
MATCH (t:Trade)-[:PLACED_ON]->(a:Account)
OPTIONAL MATCH (a)-[:ACCOUNT_OF]->(c:Client)
OPTIONAL MATCH (a)-[:ACCOUNT_ON]->(own:Platform)
OPTIONAL MATCH (c)-[:CLIENT_OF]->(via:Platform)
WITH t, c, coalesce(own, via) AS p, statements
WITH t, c, p, CASE
  WHEN coalesce(p.kind = 'fake', false) THEN $recorded_fake
  WHEN t.broker_ref IS NULL THEN $no_broker_ref
  WHEN statements AND NOT EXISTS { MATCH (:Fill {broker_ref: t.broker_ref}) } THEN $not_on_statement
END AS reason
"""

FAKE_TRADES = f"""
{TRADE_CHECK}
WITH t, c, p, reason WHERE reason IS NOT NULL
RETURN t.id AS trade_id, p.id AS platform_id, c.id AS client_id, t.notional_fen AS notional, reason
ORDER BY trade_id
"""

# Per client c with fake trades: round(client_losses × fake_notional / turnover) half away from
# zero, exactly in 64-bit integers. The product alone can pass 2^63 (it nears it at seed scale),
# so with client_losses = whole × turnover + rest the quotient is whole × fake_notional (at most
# client_losses) plus ⌊rest × fake_notional / turnover⌋, done by binary long multiplication:
# bits of fake_notional from 2^62 down, the remainder kept below turnover (exact while
# turnover < 3e18 fen).
EXACT_SHARE = """
WITH cp, fake_notional, client_losses, turnover WHERE turnover > 0
WITH cp, fake_notional, turnover, client_losses / turnover AS whole, client_losses % turnover AS rest
WITH cp, turnover, whole * fake_notional AS base,
     reduce(s = [0, 0], bit IN [i IN range(62, 0, -1) | (fake_notional / toInteger(2.0 ^ i)) % 2] |
            [2 * s[0] + (2 * s[1] + bit * rest) / turnover, (2 * s[1] + bit * rest) % turnover]) AS division
WITH cp, base + division[0] + CASE WHEN 2 * division[1] >= turnover THEN 1 ELSE 0 END AS share
"""


def _platform_fraud_query() -> str:
    return f"""
CALL () {{
  {TRADE_CHECK}
  WITH p.id AS platform_id, c, count(t) AS n_trades, count(reason) AS n_fake,
       sum(CASE WHEN reason IS NULL THEN 0 ELSE t.notional_fen END) AS fake_notional
  RETURN collect({{platform_id: platform_id, client: c, n_trades: n_trades, n_fake: n_fake,
                  fake_notional: fake_notional}}) AS per_client
}}
CALL (per_client) {{
  // Σ client_losses × fake notional / turnover over each platform's clients with fake trades
  UNWIND per_client AS row
  WITH row.client AS c, sum(row.n_fake) AS n_fake, sum(row.fake_notional) AS fake_notional
  WHERE c IS NOT NULL AND n_fake > 0
  MATCH (c)-[:CLIENT_OF]->(cp:Platform)
  WITH c, cp, fake_notional, null AS since, null AS until
  {CLIENT_FRAGMENT}
  {EXACT_SHARE}
  WITH cp.id AS platform_id, sum(share) AS losses
  RETURN collect({{platform_id: platform_id, losses: losses}}) AS losses
}}
MATCH (p:Platform)
WITH p, reduce(s = 0, r IN per_client | s + CASE WHEN r.platform_id = p.id THEN r.n_trades ELSE 0 END) AS n_trades,
     reduce(s = 0, r IN per_client | s + CASE WHEN r.platform_id = p.id THEN r.n_fake ELSE 0 END) AS n_fake,
     coalesce([x IN losses WHERE x.platform_id = p.id | x.losses][0], 0) AS fake_trade_losses
RETURN p.id AS platform_id, n_trades, n_fake,
       CASE WHEN n_trades > 0 THEN toFloat(n_fake) / n_trades ELSE 0.0 END AS fake_share,
       2 * n_fake > n_trades AS is_fraud, fake_trade_losses
ORDER BY platform_id
"""


def fake_trades(runner: CypherRunner) -> pd.DataFrame:
    """fake_trades.csv from the loaded case: the frame of :func:`.fake_trades.fake_trades`."""
    return finish_fake(runner.run_cypher(FAKE_TRADES, REASONS))


def platform_fraud(runner: CypherRunner) -> pd.DataFrame:
    """Per platform n_trades, n_fake, fake_share, is_fraud, fake_trade_losses: the frame of
    :func:`.fake_trades.platform_fraud`."""
    return finish_fraud(runner.run_cypher(_platform_fraud_query(), REASONS).set_index("platform_id"))
