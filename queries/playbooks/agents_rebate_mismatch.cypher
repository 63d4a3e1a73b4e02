// Agents paid rebates different from what their rates give
// id: CG-AGENT-03
// name: agents_rebate_mismatch
// category: agents
// version: 1
// description:
//   en: >-
//     Agents of a platform (platform_id = null: all platforms) whose rebates received differ
//     from what the differential rates entitle them to by more than min_difference_fen.
//     Due = for every client below the agent, the client's fees × (the agent's rebate rate −
//     the rate of its child on the path to the client; 0 for the client's own agent),
//     rounded half away from zero per client. Largest difference first.
//   zh: 某平台（platform_id = null 为全部平台）中实收返佣与按级差返佣比例应得金额相差超过 min_difference_fen 的代理。应得 = 其下每个客户的手续费 ×（本代理返佣比例 − 通往该客户路径上下级代理的比例；客户直属代理为0），逐客户四舍五入。按差额从大到小。
// params:
//   platform_id: {type: string, example: P001, default: null, required: false, description: the platform; null for all}
//   min_difference_fen: {type: integer, example: 0, default: 0, required: false, description: "report |received − due| above this, in fen"}
// columns: [agent_id, platform_id, person_id, rebate_rate_micro, rebate_due_fen, rebate_received_fen, difference_fen]
// Browser: :param platform_id => 'P001'
// Browser: :param min_difference_fen => 0
MATCH (a:Agent)-[:ON_PLATFORM]->(p:Platform)
WHERE $platform_id IS NULL OR p.id = $platform_id
CALL (a) {
  OPTIONAL MATCH (e:Entry {kind: 'rebate'})-[:PAID_TO]->(a)
  RETURN coalesce(sum(e.amount_cny_fen), 0) AS rebate_received_fen
}
CALL (a) {
  // every client below a, with the child of a on the path down to the client's agent
  OPTIONAL MATCH path = (c:Client)-[:REFERRED_BY]->(:Agent)-[:REPORTS_TO*0..]->(a)
  WITH c, nodes(path) AS chain
  WITH c, CASE WHEN size(chain) > 2 THEN chain[size(chain) - 2].rebate_rate_micro ELSE 0 END AS child_rate
  CALL (c) {
    OPTIONAL MATCH (e:Entry {kind: 'fee'})-[:FOR_CLIENT]->(c)
    RETURN coalesce(sum(e.amount_cny_fen), 0) AS fees
  }
  WITH fees * (coalesce(a.rebate_rate_micro, 0) - coalesce(child_rate, 0)) AS product
  RETURN coalesce(sum(sign(product) * ((abs(product) + 500000) / 1000000)), 0) AS rebate_due_fen
}
WITH a, p, rebate_received_fen, rebate_due_fen, rebate_received_fen - rebate_due_fen AS difference_fen
WHERE abs(difference_fen) > coalesce($min_difference_fen, 0)
OPTIONAL MATCH (person:Person)-[:ACTS_AS]->(a)
RETURN a.id AS agent_id, p.id AS platform_id, person.id AS person_id, a.rebate_rate_micro AS rebate_rate_micro,
       rebate_due_fen, rebate_received_fen, difference_fen
ORDER BY abs(difference_fen) DESC, agent_id;
