// Shortest time-respecting fund-flow paths between two accounts or persons
// id: CG-MONEY-02
// name: fund_flow_paths
// category: money
// version: 1
// description:
//   en: >-
//     The shortest chains of bank transfers from one account (or any account a person
//     holds) to another, where each transfer happens after the one before it - money cannot
//     move on before it arrived. At most max_hops transfers (1 to 6; searches are bounded
//     because the number of chains grows with the accounts' fan-out to the power of the
//     hops), up to max_paths chains of the shortest length, each as its accounts, transfer
//     ids, times and amounts.
//   zh: 从一个账户（或某人名下任一账户）到另一账户的最短资金链路，链路上每一笔转账都发生在前一笔之后（资金到账后才能转出）。最多 max_hops 笔（1至6，链路数随账户扇出按跳数指数增长，故限定跳数），返回最短长度的至多 max_paths 条链路：账户、流水号、时间和金额。
// params:
//   from_id: {type: string, example: BK0000001, description: the source account id or person id}
//   to_id: {type: string, example: BK0000002, description: the target account id or person id}
//   max_hops: {type: integer, example: 4, default: 4, required: false, description: the most transfers in a chain (1 to 6)}
//   max_paths: {type: integer, example: 10, default: 10, required: false, description: how many chains of the shortest length to return}
// columns: [from_id, to_id, path, hops, accounts, txn_ids, times, amounts_fen, bottleneck_fen]
// Browser: :param from_id => 'BK0000001'
// Browser: :param to_id => 'BK0000002'
// Browser: :param max_hops => 4
// Browser: :param max_paths => 10
CALL () {
  MATCH (s:Account {id: $from_id}) RETURN s
  UNION
  MATCH (:Person {id: $from_id})-[:HOLDS]->(s:Account) RETURN s
}
CALL () {
  MATCH (t:Account {id: $to_id}) RETURN t
  UNION
  MATCH (:Person {id: $to_id})-[:HOLDS]->(t:Account) RETURN t
}
WITH s, t WHERE s <> t
MATCH p = SHORTEST 1 GROUPS (s)-[r:TRANSFER]->{1,6}(t)
WHERE size(r) <= coalesce($max_hops, 4)
  AND all(i IN range(0, size(r) - 2) WHERE r[i].ts < r[i + 1].ts)
WITH p, r
ORDER BY size(r), r[0].ts
WITH collect({p: p, r: r}) AS found
WITH [x IN found WHERE size(x.r) = size(found[0].r)][0..coalesce($max_paths, 10)] AS shortest
UNWIND range(0, size(shortest) - 1) AS i
WITH i, shortest[i].p AS p, shortest[i].r AS r
RETURN $from_id AS from_id, $to_id AS to_id, i + 1 AS path, size(r) AS hops,
       [n IN nodes(p) | n.id] AS accounts, [x IN r | x.txn_id] AS txn_ids, [x IN r | x.ts] AS times,
       [x IN r | x.amount_cny_fen] AS amounts_fen,
       reduce(m = r[0].amount_cny_fen, x IN r | CASE WHEN x.amount_cny_fen < m THEN x.amount_cny_fen ELSE m END)
         AS bottleneck_fen
ORDER BY path;
