"""Fake trades in Cypher: the Neo4j engine's :mod:`casegraph.queries.memory.fake_trades`, returning the
same frames (same rows, values and dtypes) on the same loaded case. The rules are that
module's; read its docstring.

>>> runner = CypherRunner(driver)                                    # doctest: +SKIP
>>> fraud = platform_fraud(runner, fake_trades(runner))              # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from ..order_numbers import outside_statements
from ..rules import (
    NO_BROKER_REF,
    NOT_ON_STATEMENT,
    RECORDED_FAKE,
    fake_of_checked,
    finish_fake,
    finish_fraud,
    unverified_of_checked,
)
from .fragments import CLIENT_FRAGMENT
from .gangs import handed_over_platforms
from .runner import CypherRunner, parameter_rows

REASONS = {"recorded_fake": RECORDED_FAKE, "no_broker_ref": NO_BROKER_REF, "not_on_statement": NOT_ON_STATEMENT}

# Every trade with its client and its platform (the account's, else the account's client's).
OWNED_TRADES = """
MATCH (t:Trade)-[:PLACED_ON]->(a:Account)
OPTIONAL MATCH (a)-[:ACCOUNT_OF]->(c:Client)
OPTIONAL MATCH (a)-[:ACCOUNT_ON]->(own:Platform)
OPTIONAL MATCH (c)-[:CLIENT_OF]->(via:Platform)
WITH t, c, coalesce(own, via) AS p
"""

# Every owned trade and why it is fake (null: real); ``$outside``: the ids of the trades outside
# the statements in hand (casegraph.queries.order_numbers), which are not.
TRADE_CHECK = f"""
CALL () {{ RETURN EXISTS {{ MATCH (:Fill) }} AS statements }}
{OWNED_TRADES}, statements
WITH t, c, p, CASE
  WHEN coalesce(p.kind = 'fake', false) THEN $recorded_fake
  WHEN t.broker_ref IS NULL THEN $no_broker_ref
  WHEN statements AND NOT EXISTS {{ MATCH (:Fill {{broker_ref: t.broker_ref}}) }} AND NOT t.id IN $outside
    THEN $not_on_statement
END AS reason
"""

# Per platform, its trades and those whose references a statement shows.
PLATFORM_COUNTS = f"""
{OWNED_TRADES}
WITH p.id AS platform_id, count(t) AS n_trades,
     count(CASE WHEN EXISTS {{ MATCH (:Fill {{broker_ref: t.broker_ref}}) }} THEN 1 END) AS n_shown
WHERE platform_id IS NOT NULL
RETURN platform_id, n_trades, n_shown
"""

STATEMENT_REFERENCES = "MATCH (f:Fill) WHERE f.broker_ref IS NOT NULL RETURN DISTINCT f.broker_ref AS broker_ref"

# Of the trades $trade_ids (their references on no statement), those between the first and the
# last fill of a broker account their platform's other orders are filled on.
COVERED_TRADES = f"""
{OWNED_TRADES}
WITH p, t WHERE p IS NOT NULL AND t.broker_ref IS NOT NULL
OPTIONAL MATCH (:Fill {{broker_ref: t.broker_ref}})-[:FILLED_ON]->(b:Account)
WITH p, collect(DISTINCT b) AS reached, collect(CASE WHEN t.id IN $trade_ids THEN t END) AS unshown
WHERE size(unshown) > 0
UNWIND reached AS b
CALL (b) {{ MATCH (g:Fill)-[:FILLED_ON]->(b) RETURN min(g.ts) AS first_ts, max(g.ts) AS last_ts }}
UNWIND unshown AS t
WITH t WHERE first_ts <= t.ts <= last_ts
RETURN DISTINCT t.id AS trade_id
"""

FAKE_TRADES = f"""
{TRADE_CHECK}
WITH t, c, p, reason WHERE reason IS NOT NULL
RETURN t.id AS trade_id, p.id AS platform_id, c.id AS client_id, t.notional_fen AS notional, reason,
       t.broker_ref AS broker_ref
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


# The first fake trade of each platform handed over to another gang ($fakes: its fake trades),
# from which its trades are judged (rules.finish_fraud).
FIRST_FAKES = """
UNWIND $fakes AS fake
MATCH (t:Trade {id: fake.trade_id})
RETURN fake.platform_id AS platform_id, min(t.ts) AS since
"""


def _platform_fraud_query() -> str:
    return f"""
CALL () {{
  {TRADE_CHECK}
  // A platform handed over to another gang: its trades from its first fake one on ($since)
  WITH t, c, p, reason, $since[coalesce(p.id, '')] AS since
  WITH p.id AS platform_id, c, count(t) AS n_trades, count(reason) AS n_fake,
       count(CASE WHEN since IS NULL OR t.ts >= since THEN 1 END) AS n_trades_judged,
       count(CASE WHEN reason IS NOT NULL AND (since IS NULL OR t.ts >= since) THEN 1 END) AS n_fake_judged,
       sum(CASE WHEN reason IS NULL THEN 0 ELSE t.notional_fen END) AS fake_notional
  RETURN collect({{platform_id: platform_id, client: c, n_trades: n_trades, n_fake: n_fake,
                  n_trades_judged: n_trades_judged, n_fake_judged: n_fake_judged,
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
     reduce(s = 0, r IN per_client | s + CASE WHEN r.platform_id = p.id THEN r.n_trades_judged ELSE 0 END)
       AS n_trades_judged,
     reduce(s = 0, r IN per_client | s + CASE WHEN r.platform_id = p.id THEN r.n_fake_judged ELSE 0 END)
       AS n_fake_judged,
     coalesce([x IN losses WHERE x.platform_id = p.id | x.losses][0], 0) AS fake_trade_losses
RETURN p.id AS platform_id, n_trades, n_fake, n_trades_judged, n_fake_judged,
       CASE WHEN n_trades > 0 THEN toFloat(n_fake) / n_trades ELSE 0.0 END AS fake_share,
       fake_trade_losses,
       COUNT {{ (p)<-[:CLIENT_OF]-(:Client) }} AS n_clients,
       COUNT {{ MATCH (p)<-[:CLIENT_OF]-(c:Client)
                WHERE EXISTS {{ MATCH (c)<-[:FOR_CLIENT]-(e:Entry {{kind: 'adjustment'}})
                                WHERE e.amount_fen < 0 }} }} AS n_taken
ORDER BY platform_id
"""


def fake_trades(runner: CypherRunner) -> pd.DataFrame:
    """The trades no broker statement backs, from the loaded case: the frame of
    :func:`casegraph.queries.memory.fake_trades.fake_trades`."""
    checked = runner.run_cypher(FAKE_TRADES, {**REASONS, "outside": []})
    return finish_fake(outside_statements(
        checked, statement_references=lambda: runner.run_cypher(STATEMENT_REFERENCES)["broker_ref"],
        covered=lambda trade_ids: runner.run_cypher(COVERED_TRADES, {"trade_ids": trade_ids})["trade_id"],
        platform_counts=lambda: runner.run_cypher(PLATFORM_COUNTS).set_index("platform_id")))


def platform_fraud(runner: CypherRunner, checked: pd.DataFrame) -> pd.DataFrame:
    """Per platform n_trades, n_fake, fake_share, is_fraud, fake_trade_losses: the frame of
    :func:`casegraph.queries.memory.fake_trades.platform_fraud` (``checked``: :func:`fake_trades`'
    answer, whose trades outside the statements in hand are no fake ones)."""
    outside = unverified_of_checked(checked)["trade_id"].tolist()
    fake = fake_of_checked(checked)
    handed = fake[fake["platform_id"].isin(handed_over_platforms(runner))]
    since = runner.run_cypher(FIRST_FAKES, {"fakes": parameter_rows(handed[["trade_id", "platform_id"]])})
    return finish_fraud(runner.run_cypher(_platform_fraud_query(), {
        **REASONS, "outside": outside, "since": dict(zip(since["platform_id"], since["since"]))})
                        .set_index("platform_id"))
