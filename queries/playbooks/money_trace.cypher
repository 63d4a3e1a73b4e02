// 资金穿透: money followed forward in time from an account or person
// id: CG-MONEY-03
// name: money_trace
// category: money
// version: 1
// description:
//   en: >-
//     Follows money forward in time from one account (or every account a person holds): chains
//     of up to max_hops transfers (1 to 6), each after the one before, each of at least
//     min_amount_fen, from since on. Every transfer once, at the fewest hops that reach it, with
//     can_have_flowed_fen - the most a chain of that length can have carried through it (its
//     smallest transfer: money cannot leave before it arrived). The same table as casegraph trace.
//   zh: 资金穿透：从一个账户（或某人名下全部账户）出发，按时间顺序向前追踪资金，每一笔转账都发生在前一笔之后，最多 max_hops 跳（1至6），每笔不少于 min_amount_fen 分，自 since 起。每笔转账只列一次（以最少跳数），并给出 can_have_flowed_fen：该长度链路最多可能经此转出的金额（链路上最小一笔：资金到账后才能转出）。与 casegraph trace 的结果相同。
// params:
//   from_id: {type: string, example: BK0000001, description: the source account id or person id}
//   max_hops: {type: integer, example: 3, default: 3, required: false, description: the most transfers in a chain (1 to 6)}
//   min_amount_fen: {type: integer, example: 0, default: 0, required: false, description: follow transfers of at least this many fen}
//   since: {type: string, example: '2019-01-01T00:00:00Z', required: false, description: follow transfers from this ISO date-time on (null - all)}
// columns: [hop, txn_id, ts, from_account, to_account, amount_fen, can_have_flowed_fen]
// Browser: :param from_id => 'BK0000001'
// Browser: :param max_hops => 3
// Browser: :param min_amount_fen => 0
// Browser: :param since => null
CALL () {
  MATCH (s:Account {id: $from_id}) RETURN s
  UNION
  MATCH (:Person {id: $from_id})-[:HOLDS]->(s:Account) RETURN s
}
MATCH (s)-[r:TRANSFER]->{1,6}(:Account)
WHERE size(r) <= coalesce($max_hops, 3)
  AND all(i IN range(0, size(r) - 2) WHERE r[i].ts < r[i + 1].ts)
  AND all(x IN r WHERE x.amount_cny_fen >= coalesce($min_amount_fen, 0)
                   // a since that is no date-time follows nothing (it is never parsed)
                   AND CASE WHEN $since IS NULL THEN true
                            WHEN $since =~ '[0-9]{4}-[0-9]{2}-[0-9]{2}([T ].*)?' THEN x.ts >= datetime($since)
                            ELSE false END)
WITH last(r) AS t, size(r) AS hop,
     reduce(m = r[0].amount_cny_fen, x IN r | CASE WHEN x.amount_cny_fen < m THEN x.amount_cny_fen ELSE m END) AS cap
WITH t, hop, max(cap) AS cap
ORDER BY hop
WITH t, collect({hop: hop, cap: cap})[0] AS best
MATCH (a:Account)-[t]->(b:Account)
RETURN best.hop AS hop, t.txn_id AS txn_id, t.ts AS ts, a.id AS from_account, b.id AS to_account,
       t.amount_cny_fen AS amount_fen, best.cap AS can_have_flowed_fen
ORDER BY hop, ts, txn_id;
