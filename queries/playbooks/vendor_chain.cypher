// Chain from a software vendor to every operator gang
// id: CG-CHAIN-01
// name: vendor_chain
// category: chain
// version: 1
// description:
//   en: >-
//     Every licence the vendor sold, the platform it created, and the gangs that run the
//     platform - those already identified (gangs.csv) and those the analysis found - with
//     the platform's agents, clients and money. One row per licence and gang.
//   zh: 软件开发者售出的每一个授权、授权创建的平台，以及运营该平台的团伙（已查明的与分析发现的），附平台的代理、客户数和资金。
// params:
//   vendor_id: {type: string, example: V001, description: the vendor (vendors.csv vendor_id)}
// columns: [vendor_id, license_id, sold_on, price_cny_fen, platform_id, domain, known_gang_id, found_gang_id, province, n_agents, n_clients, deposits_fen, net_deposit_fen]
// Browser: :param vendor_id => 'V001'
MATCH (v:Vendor {id: $vendor_id})-[:SOLD]->(l:License)-[:CREATED]->(p:Platform)
OPTIONAL MATCH (known:Gang)-[:OPERATES]->(p)
OPTIONAL MATCH (p)-[:IN_GANG]->(found:FoundGang)
CALL (p) {
  OPTIONAL MATCH (a:Agent)-[:ON_PLATFORM]->(p)
  RETURN count(a) AS n_agents
}
CALL (p) {
  OPTIONAL MATCH (c:Client)-[:CLIENT_OF]->(p)
  OPTIONAL MATCH (e:Entry)-[:FOR_CLIENT]->(c) WHERE e.kind IN ['deposit', 'withdrawal']
  RETURN count(DISTINCT c) AS n_clients,
         sum(CASE e.kind WHEN 'deposit' THEN e.amount_cny_fen ELSE 0 END) AS deposits_fen,
         sum(CASE e.kind WHEN 'deposit' THEN e.amount_cny_fen WHEN 'withdrawal' THEN -e.amount_cny_fen ELSE 0 END)
           AS net_deposit_fen
}
RETURN v.id AS vendor_id, l.id AS license_id, l.sold_on AS sold_on, l.price_cny_fen AS price_cny_fen,
       p.id AS platform_id, p.domain AS domain, known.id AS known_gang_id, found.id AS found_gang_id,
       coalesce(found.province, known.province) AS province, n_agents, n_clients, deposits_fen, net_deposit_fen
ORDER BY license_id, known_gang_id, found_gang_id;
