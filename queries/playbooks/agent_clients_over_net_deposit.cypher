// Clients of an agent whose net deposits exceed a threshold
// id: CG-AGENT-02
// name: agent_clients_over_net_deposit
// category: agents
// version: 1
// description:
//   en: >-
//     The clients an agent brought in (its direct clients; with include_downline = true,
//     also those of every agent below it) whose deposits minus withdrawals exceed the
//     threshold, largest first. Amounts in fen (50000000 = 500,000.00 CNY).
//   zh: 某代理发展的客户中净入金（入金减出金）超过门槛的客户，按金额从大到小；include_downline = true 时包括其全部下级代理的客户。金额单位为分。
// params:
//   agent_id: {type: string, example: A00001, description: the agent (agents.csv agent_id)}
//   min_net_deposit_fen: {type: integer, example: 10000000, description: "the threshold in fen (10000000 = 100,000.00 CNY); clients strictly above it"}
//   include_downline: {type: boolean, example: false, default: false, required: false, description: also the clients of the agents below}
// columns: [agent_id, client_id, referring_agent_id, person_id, name, n_entries, deposits_fen, withdrawals_fen, net_deposit_fen]
// Browser: :param agent_id => 'A00001'
// Browser: :param min_net_deposit_fen => 10000000
// Browser: :param include_downline => false
MATCH (root:Agent {id: $agent_id})
MATCH (a:Agent)-[:REPORTS_TO*0..]->(root)
WHERE a = root OR coalesce($include_downline, false)
MATCH (c:Client)-[:REFERRED_BY]->(a)
CALL (c) {
  OPTIONAL MATCH (e:Entry)-[:FOR_CLIENT]->(c) WHERE e.kind IN ['deposit', 'withdrawal']
  RETURN count(e) AS n_entries,
         sum(CASE e.kind WHEN 'deposit' THEN e.amount_cny_fen ELSE 0 END) AS deposits_fen,
         sum(CASE e.kind WHEN 'withdrawal' THEN e.amount_cny_fen ELSE 0 END) AS withdrawals_fen
}
WITH root, a, c, n_entries, deposits_fen, withdrawals_fen, deposits_fen - withdrawals_fen AS net_deposit_fen
WHERE net_deposit_fen > $min_net_deposit_fen
OPTIONAL MATCH (person:Person)-[:IS_CLIENT]->(c)
RETURN root.id AS agent_id, c.id AS client_id, a.id AS referring_agent_id, person.id AS person_id,
       person.name AS name, n_entries, deposits_fen, withdrawals_fen, net_deposit_fen
ORDER BY net_deposit_fen DESC, client_id;
