// Fund-flow patterns around an account: pass-through and money coming back
// id: CG-FLOW-01
// name: account_patterns
// category: flows
// version: 1
// description:
//   en: >-
//     Around one account: each inflow of at least min_amount_fen followed within window_hours by
//     an outflow of 90 to 110 % of it (过渡账户), and every chain of 2 to max_hops transfers, each
//     after the one before within window_hours of the first, that brings money back to the
//     account (资金回路). The rows flow_patterns.csv counts for this account, one line per finding.
//   zh: 围绕一个账户：每笔不少于 min_amount_fen 分的转入在 window_hours 小时内以其 90%–110% 转出（过渡账户）；以及 2 至 max_hops 笔、按时间先后、在首笔后 window_hours 小时内使资金回到该账户的链路（资金回路）。
// params:
//   account_id: {type: string, example: BK0000001, description: the account}
//   min_amount_fen: {type: integer, example: 1000000, default: 1000000, required: false, description: the smallest inflow that counts (fen)}
//   window_hours: {type: integer, example: 24, default: 24, required: false, description: how soon the money must move on or come back}
//   max_hops: {type: integer, example: 4, default: 4, required: false, description: the longest cycle in transfers (2 to 6)}
// columns: [pattern, accounts, txn_ids, amounts_fen, start, end]
// Browser: :param account_id => 'BK0000001'
// Browser: :param min_amount_fen => 1000000
// Browser: :param window_hours => 24
// Browser: :param max_hops => 4
MATCH (a:Account {id: $account_id})
CALL (a) {
  MATCH (x:Account)-[i:TRANSFER]->(a)-[o:TRANSFER]->(y:Account)
  WHERE i.amount_cny_fen >= coalesce($min_amount_fen, 1000000) AND o.ts > i.ts
    AND o.ts <= i.ts + duration({hours: coalesce($window_hours, 24)})
    AND o.amount_cny_fen * 10 >= i.amount_cny_fen * 9 AND o.amount_cny_fen * 10 <= i.amount_cny_fen * 11
  RETURN 'pass_through' AS pattern, [x.id, a.id, y.id] AS accounts, [i.txn_id, o.txn_id] AS txn_ids,
         [i.amount_cny_fen, o.amount_cny_fen] AS amounts_fen, i.ts AS start, o.ts AS end
  UNION ALL
  MATCH p = (a)-[r:TRANSFER]->{2,6}(a)
  WHERE size(r) <= coalesce($max_hops, 4)
    AND all(k IN range(0, size(r) - 2) WHERE r[k].ts < r[k + 1].ts)
    AND last(r).ts <= r[0].ts + duration({hours: coalesce($window_hours, 24)})
  RETURN 'cycle' AS pattern, [n IN nodes(p) | n.id] AS accounts, [x IN r | x.txn_id] AS txn_ids,
         [x IN r | x.amount_cny_fen] AS amounts_fen, r[0].ts AS start, last(r).ts AS end
}
RETURN pattern, accounts, txn_ids, amounts_fen, start, end
ORDER BY pattern, start, txn_ids;
