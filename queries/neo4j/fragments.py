"""Cypher shared by the Neo4j engine's queries (kept apart so that every query module can
use it without importing the engine)."""

# Per-client figures for a client `c`, counting entries and trades inside [since, until)
# (null = open); the same fragment serves all time and membership periods.
CLIENT_FRAGMENT = """
CALL (c, since, until) {
  OPTIONAL MATCH (e:Entry)-[:FOR_CLIENT]->(c)
  WHERE (since IS NULL OR e.ts >= since) AND (until IS NULL OR e.ts < until)
  RETURN sum(CASE e.kind WHEN 'deposit' THEN e.amount_cny_fen ELSE 0 END) AS deposits,
         sum(CASE e.kind WHEN 'withdrawal' THEN e.amount_cny_fen ELSE 0 END) AS withdrawals,
         sum(CASE e.kind WHEN 'fee' THEN e.amount_cny_fen ELSE 0 END) AS fees,
         sum(CASE e.kind WHEN 'overnight_fee' THEN e.amount_cny_fen ELSE 0 END) AS overnight_fees,
         sum(CASE e.kind WHEN 'rebate' THEN e.amount_cny_fen ELSE 0 END) AS rebates_paid,
         sum(CASE e.kind WHEN 'commission' THEN e.amount_cny_fen ELSE 0 END) AS commissions_paid,
         sum(CASE WHEN e.kind IN ['pnl', 'adjustment'] THEN e.amount_cny_fen ELSE 0 END) AS trading_pnl
}
CALL (c, since, until) {
  // fresh money: the peak of the running deposits − withdrawals, in ts order, ties by id
  OPTIONAL MATCH (e:Entry)-[:FOR_CLIENT]->(c)
  WHERE e.kind IN ['deposit', 'withdrawal'] AND (since IS NULL OR e.ts >= since) AND (until IS NULL OR e.ts < until)
  WITH e ORDER BY e.ts, e.id
  WITH collect(CASE e.kind WHEN 'deposit' THEN e.amount_cny_fen ELSE -e.amount_cny_fen END) AS flows
  RETURN reduce(s = [0, 0], x IN flows |
                [s[0] + x, CASE WHEN s[0] + x > s[1] THEN s[0] + x ELSE s[1] END])[1] AS fresh_money
}
CALL (c, since, until) {
  OPTIONAL MATCH (c)<-[:ACCOUNT_OF]-(:Account)<-[:PLACED_ON]-(t:Trade)
  WHERE (since IS NULL OR t.ts >= since) AND (until IS NULL OR t.ts < until)
  RETURN sum(t.notional_fen) AS turnover
}
WITH *, deposits - withdrawals AS net_deposit, fees + overnight_fees - trading_pnl AS client_loss
WITH *, CASE WHEN client_loss > 0 THEN client_loss ELSE 0 END AS client_losses
"""
