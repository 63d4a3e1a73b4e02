// An account group and its self-trades
// id: CG-GROUP-01
// name: account_group_self_trades
// category: groups
// version: 1
// description:
//   en: >-
//     The broker orders of an account group (found by `casegraph analyze --engine neo4j`)
//     with both sides inside the group - a buy and a sell fill on the group's accounts, or a
//     fill whose counterparty is another account of the group - one row per order, with the
//     accounts involved and the matched quantity (the smaller of bought and sold; the one
//     side's quantity when the other is only named as counterparty).
//   zh: 某账户组（由 `casegraph analyze --engine neo4j` 发现）买卖双方都在组内的经纪商订单（自买自卖）：组内账户上同一订单的买入与卖出成交，或对手方为组内另一账户的成交。每个订单一行，列出涉及账户和匹配数量。
// params:
//   group_id: {type: string, example: AG-ACC0000001, description: the account group (account_groups.csv group_id)}
// columns: [group_id, controller_id, n_accounts, broker_ref, instrument, first_ts, last_ts, accounts, bought, sold, matched_qty]
// Browser: :param group_id => 'AG-ACC0000001'
MATCH (g:AccountGroup {id: $group_id})<-[:IN_GROUP]-(acc:Account)
WITH g, collect(acc) AS members
UNWIND members AS acc
MATCH (f:Fill)-[:FILLED_ON]->(acc)
OPTIONAL MATCH (f)-[:COUNTERPARTY]->(other:Account)
WITH g, members, f, acc, other IS NOT NULL AND other <> acc AND other IN members AS names_member
WITH g, members, f.broker_ref AS broker_ref, f.instrument AS instrument, min(f.ts) AS first_ts, max(f.ts) AS last_ts,
     collect(DISTINCT acc.id) AS accounts,
     sum(CASE f.side WHEN 'B' THEN f.qty ELSE 0 END) AS bought,
     sum(CASE f.side WHEN 'S' THEN f.qty ELSE 0 END) AS sold,
     max(CASE WHEN names_member THEN 1 ELSE 0 END) = 1 AS names_member
WHERE (bought > 0 AND sold > 0) OR names_member
RETURN g.id AS group_id, g.controller_id AS controller_id, size(members) AS n_accounts, broker_ref, instrument,
       first_ts, last_ts, accounts, bought, sold,
       CASE WHEN bought > 0 AND sold > 0
            THEN CASE WHEN bought < sold THEN bought ELSE sold END
            ELSE bought + sold END AS matched_qty
ORDER BY first_ts, broker_ref;
