// Agent tree under an agent, with own and subtree figures
// id: CG-AGENT-01
// name: agent_tree
// category: agents
// version: 1
// description:
//   en: >-
//     The agent and every agent below it (its downline), each with its depth under the
//     root, its upline, the person behind it, and the money of its direct clients (own_*)
//     and of every client in its subtree (subtree_*). Fees include overnight fees.
//   zh: 某代理及其全部下级代理：层级、上级、实际控制人，以及直属客户（own_*）与整棵下级树客户（subtree_*）的入金、出金、净入金和手续费（含隔夜费）。
// params:
//   agent_id: {type: string, example: A00001, description: the root agent (agents.csv agent_id)}
// columns: [agent_id, depth, parent_agent_id, person_id, rebate_rate_micro, own_n_clients, own_deposits_fen, own_withdrawals_fen, own_net_deposit_fen, own_fees_fen, subtree_n_clients, subtree_deposits_fen, subtree_withdrawals_fen, subtree_net_deposit_fen, subtree_fees_fen]
// Browser: :param agent_id => 'A00001'
MATCH (root:Agent {id: $agent_id})
MATCH down = (a:Agent)-[:REPORTS_TO*0..]->(root)
WITH root, a, length(down) AS depth
OPTIONAL MATCH (a)-[:REPORTS_TO]->(parent:Agent)
OPTIONAL MATCH (person:Person)-[:ACTS_AS]->(a)
// Each client's figures once, then credited to its own agent and to every agent above it
// up to the root.
CALL (a, root) {
  OPTIONAL MATCH (c:Client)-[:REFERRED_BY]->(a)
  CALL (c) {
    OPTIONAL MATCH (e:Entry)-[:FOR_CLIENT]->(c)
    WHERE e.kind IN ['deposit', 'withdrawal', 'fee', 'overnight_fee']
    RETURN sum(CASE e.kind WHEN 'deposit' THEN e.amount_cny_fen ELSE 0 END) AS deposits,
           sum(CASE e.kind WHEN 'withdrawal' THEN e.amount_cny_fen ELSE 0 END) AS withdrawals,
           sum(CASE WHEN e.kind IN ['fee', 'overnight_fee'] THEN e.amount_cny_fen ELSE 0 END) AS fees
  }
  RETURN count(c) AS own_n_clients, sum(deposits) AS own_deposits_fen, sum(withdrawals) AS own_withdrawals_fen,
         sum(fees) AS own_fees_fen
}
WITH a, depth, parent, person, own_n_clients, own_deposits_fen, own_withdrawals_fen, own_fees_fen
ORDER BY depth, a.id
WITH collect({a: a, depth: depth, parent: parent.id, person: person.id, n: own_n_clients,
              deposits: own_deposits_fen, withdrawals: own_withdrawals_fen, fees: own_fees_fen}) AS rows
UNWIND rows AS row
WITH rows, row, row.a AS a
CALL (a, rows) {
  MATCH (below:Agent)-[:REPORTS_TO*0..]->(a)
  WITH collect(below) AS subtree
  UNWIND [r IN rows WHERE r.a IN subtree] AS r
  RETURN sum(r.n) AS subtree_n_clients, sum(r.deposits) AS subtree_deposits_fen,
         sum(r.withdrawals) AS subtree_withdrawals_fen, sum(r.fees) AS subtree_fees_fen
}
RETURN a.id AS agent_id, row.depth AS depth, row.parent AS parent_agent_id, row.person AS person_id,
       a.rebate_rate_micro AS rebate_rate_micro, row.n AS own_n_clients, row.deposits AS own_deposits_fen,
       row.withdrawals AS own_withdrawals_fen, row.deposits - row.withdrawals AS own_net_deposit_fen,
       row.fees AS own_fees_fen, subtree_n_clients, subtree_deposits_fen, subtree_withdrawals_fen,
       subtree_deposits_fen - subtree_withdrawals_fen AS subtree_net_deposit_fen, subtree_fees_fen
ORDER BY depth, agent_id;
