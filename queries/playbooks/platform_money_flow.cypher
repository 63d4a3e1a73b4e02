// Money from a platform's clients to its collection accounts and on to the gang
// id: CG-MONEY-01
// name: platform_money_flow
// category: money
// version: 1
// description:
//   en: >-
//     Stage 1: the bank transfers behind the platform's client deposits (ledger bank_txn_id),
//     summed per receiving (collection) account. Stages 2 and 3: the transfers out of the
//     accounts reached at the stage before, to accounts that are neither clients' payers nor
//     reached earlier (so refunds and withdrawals back to clients drop out), per pair of
//     accounts. Each receiving account comes with its holder, the holder's known roles and
//     the gang the analysis placed it in. Bounded at three stages: each further stage
//     multiplies the rows by the accounts' fan-out.
//   zh: 第1层：平台客户入金对应的银行流水（按台账 bank_txn_id），按收款（归集）账户汇总；第2、3层：从上一层账户继续转出、且收款方既非客户付款账户也非前几层账户的资金（剔除退回客户的出金），按账户对汇总。每个收款账户附持有人、其已知角色及分析认定的团伙。限三层：每多一层，行数按账户扇出成倍增长。
// params:
//   platform_id: {type: string, example: P001, description: the platform (platforms.csv platform_id)}
// columns: [platform_id, stage, from_account, to_account, holder_person_id, holder_name, holder_roles, found_gang_id, n_transfers, amount_fen, first_ts, last_ts]
// Browser: :param platform_id => 'P001'
MATCH (:Platform {id: $platform_id})<-[:CLIENT_OF]-(:Client)<-[:FOR_CLIENT]-(e:Entry {kind: 'deposit'})
MATCH (payer:Account)-[t:TRANSFER {txn_id: e.bank_txn_id}]->(collection:Account)
WITH collect(DISTINCT payer) AS payers, collect(DISTINCT collection) AS stage1, collect(t) AS deposits
CALL (payers, stage1) {
  UNWIND stage1 AS a
  MATCH (a)-[t:TRANSFER]->(b:Account)
  WHERE NOT b IN payers AND NOT b IN stage1
  RETURN collect(DISTINCT b) AS stage2
}
CALL (payers, stage1, stage2, deposits) {
  UNWIND deposits AS t
  RETURN 1 AS stage, null AS from_account, endNode(t) AS to_account, count(t) AS n_transfers,
         sum(t.amount_cny_fen) AS amount_fen, min(t.ts) AS first_ts, max(t.ts) AS last_ts
  UNION ALL
  UNWIND stage1 AS a
  MATCH (a)-[t:TRANSFER]->(b:Account)
  WHERE b IN stage2
  RETURN 2 AS stage, a.id AS from_account, b AS to_account, count(t) AS n_transfers,
         sum(t.amount_cny_fen) AS amount_fen, min(t.ts) AS first_ts, max(t.ts) AS last_ts
  UNION ALL
  UNWIND stage2 AS a
  MATCH (a)-[t:TRANSFER]->(b:Account)
  WHERE NOT b IN payers AND NOT b IN stage1 AND NOT b IN stage2
  RETURN 3 AS stage, a.id AS from_account, b AS to_account, count(t) AS n_transfers,
         sum(t.amount_cny_fen) AS amount_fen, min(t.ts) AS first_ts, max(t.ts) AS last_ts
}
OPTIONAL MATCH (holder:Person)-[:HOLDS]->(to_account)
CALL (holder) {
  OPTIONAL MATCH (holder)-[m:MEMBER_OF]->(org)
  WITH collect(m.role + '@' + org.id) AS roles
  OPTIONAL MATCH (led:Gang)-[:LED_BY]->(holder)
  WITH roles, collect('leader@' + led.id) AS leads
  RETURN roles + leads AS holder_roles
}
OPTIONAL MATCH (to_account)-[:IN_GANG]->(gang:FoundGang)
RETURN $platform_id AS platform_id, stage, from_account, to_account.id AS to_account, holder.id AS holder_person_id,
       holder.name AS holder_name, holder_roles, gang.id AS found_gang_id, n_transfers, amount_fen, first_ts, last_ts
ORDER BY stage, amount_fen DESC, from_account, to_account;
