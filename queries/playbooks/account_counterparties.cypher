// An account's money in and out, with each counterparty
// id: CG-MONEY-04
// name: account_counterparties
// category: money
// version: 1
// description:
//   en: >-
//     Every counterparty of one account (or of every account a person holds), with the
//     transfers and money in each direction, first and last transfer, and the counterparty's
//     holder - the account_flows.csv figures broken down by counterparty, most money first.
//   zh: 一个账户（或某人名下全部账户）的每个交易对手：双向的笔数与金额、首末交易时间及对手户主，即 account_flows.csv 按对手拆分，金额大者在前。
// params:
//   account_id: {type: string, example: BK0000001, description: the account id or person id}
// columns: [account_id, counterparty, holder, n_in, amount_in_fen, n_out, amount_out_fen, first_ts, last_ts]
// Browser: :param account_id => 'BK0000001'
CALL () {
  MATCH (a:Account {id: $account_id}) RETURN a
  UNION
  MATCH (:Person {id: $account_id})-[:HOLDS]->(a:Account) RETURN a
}
MATCH (a)-[t:TRANSFER]-(c:Account)
WITH a, c, t, CASE WHEN startNode(t) = a THEN 'out' ELSE 'in' END AS direction
WITH a, c, sum(CASE direction WHEN 'in' THEN 1 ELSE 0 END) AS n_in,
     sum(CASE direction WHEN 'in' THEN t.amount_cny_fen ELSE 0 END) AS amount_in_fen,
     sum(CASE direction WHEN 'out' THEN 1 ELSE 0 END) AS n_out,
     sum(CASE direction WHEN 'out' THEN t.amount_cny_fen ELSE 0 END) AS amount_out_fen,
     min(t.ts) AS first_ts, max(t.ts) AS last_ts
OPTIONAL MATCH (h:Person)-[:HOLDS]->(c)
RETURN a.id AS account_id, c.id AS counterparty, h.name AS holder, n_in, amount_in_fen, n_out, amount_out_fen,
       first_ts, last_ts
ORDER BY amount_in_fen + amount_out_fen DESC, account_id, counterparty;
