// Everything tied to a person
// id: CG-PERSON-01
// name: person_profile
// category: persons
// version: 1
// description:
//   en: >-
//     One row per tie: known roles in a vendor, gang or platform (with their periods), gangs
//     led, agents and client records the person is behind, gangs the analysis placed them in,
//     accounts held (with money in and out by bank transfer), accounts they logged into
//     without holding them (controlled), account groups they control, and devices and IPs
//     used by them or on their accounts.
//   zh: 与某人相关的全部信息：在开发者、团伙、平台中的已知角色及期间、领导的团伙、名下代理与客户、分析认定的团伙、名下账户（含转入转出金额）、登录过但不在其名下的账户（实际控制）、控制的账户组、使用过的设备和IP。
// params:
//   person_id: {type: string, example: PER000001, description: the person (persons.csv person_id)}
// columns: [person_id, name, tie, target_id, detail, start, end, n, money_in_fen, money_out_fen]
// Browser: :param person_id => 'PER000001'
MATCH (person:Person {id: $person_id})
// The person's access records: as the actor, or on an account in their name.
CALL (person) {
  OPTIONAL MATCH (person)<-[:LOGIN_BY]-(login:Login)
  RETURN collect(login) AS by_person
}
CALL (person) {
  OPTIONAL MATCH (person)-[:HOLDS]->(:Account)<-[:LOGIN_TO]-(login:Login)
  RETURN collect(login) AS on_accounts
}
WITH person, by_person + [l IN on_accounts WHERE NOT l IN by_person] AS logins
CALL (person, logins) {
  MATCH (person)-[m:MEMBER_OF]->(org)
  RETURN 'member_of' AS tie, org.id AS target_id, m.role AS detail, m.start AS start, m.end AS end,
         null AS n, null AS money_in_fen, null AS money_out_fen
  UNION ALL
  MATCH (g:Gang)-[:LED_BY]->(person)
  RETURN 'leads_gang' AS tie, g.id AS target_id, g.name AS detail, null AS start, null AS end,
         null AS n, null AS money_in_fen, null AS money_out_fen
  UNION ALL
  MATCH (person)-[:IN_GANG]->(g:FoundGang)
  RETURN 'in_found_gang' AS tie, g.id AS target_id, g.province AS detail, null AS start, null AS end,
         null AS n, null AS money_in_fen, null AS money_out_fen
  UNION ALL
  MATCH (person)-[:ACTS_AS]->(a:Agent)-[:ON_PLATFORM]->(p:Platform)
  RETURN 'acts_as_agent' AS tie, a.id AS target_id, p.id AS detail, a.joined_on AS start, a.left_on AS end,
         null AS n, null AS money_in_fen, null AS money_out_fen
  UNION ALL
  MATCH (person)-[:IS_CLIENT]->(c:Client)-[:CLIENT_OF]->(p:Platform)
  RETURN 'is_client' AS tie, c.id AS target_id, p.id AS detail, c.registered_on AS start, null AS end,
         null AS n, null AS money_in_fen, null AS money_out_fen
  UNION ALL
  MATCH (person)-[:HOLDS]->(acc:Account)
  CALL (acc) {
    OPTIONAL MATCH (acc)<-[t:TRANSFER]-()
    RETURN count(t) AS n_in, sum(t.amount_cny_fen) AS money_in
  }
  CALL (acc) {
    OPTIONAL MATCH (acc)-[t:TRANSFER]->()
    RETURN count(t) AS n_out, sum(t.amount_cny_fen) AS money_out
  }
  RETURN 'holds_account' AS tie, acc.id AS target_id, acc.kind + ' ' + coalesce(acc.institution, '') AS detail,
         acc.opened_on AS start, null AS end, n_in + n_out AS n, money_in AS money_in_fen, money_out AS money_out_fen
  UNION ALL
  // Accounts the person logged into that someone else holds: control without the name.
  MATCH (person)<-[:LOGIN_BY]-(login:Login)-[:LOGIN_TO]->(acc:Account)
  WHERE NOT (person)-[:HOLDS]->(acc)
  RETURN 'controls_account' AS tie, acc.id AS target_id, 'logged in' AS detail, min(login.ts) AS start,
         max(login.ts) AS end, count(login) AS n, null AS money_in_fen, null AS money_out_fen
  UNION ALL
  MATCH (g:AccountGroup)-[:CONTROLLED_BY]->(person)
  RETURN 'controls_group' AS tie, g.id AS target_id, 'self-trades ' + toString(g.self_trade_count) AS detail,
         null AS start, null AS end, null AS n, null AS money_in_fen, null AS money_out_fen
  UNION ALL
  UNWIND logins AS login
  MATCH (login)-[:FROM_DEVICE]->(d:Device)
  RETURN 'used_device' AS tie, d.id AS target_id, null AS detail, min(login.ts) AS start, max(login.ts) AS end,
         count(login) AS n, null AS money_in_fen, null AS money_out_fen
  UNION ALL
  UNWIND logins AS login
  MATCH (login)-[:FROM_IP]->(ip:IP)
  RETURN 'used_ip' AS tie, ip.id AS target_id, ip.ip_province AS detail, min(login.ts) AS start,
         max(login.ts) AS end, count(login) AS n, null AS money_in_fen, null AS money_out_fen
}
RETURN person.id AS person_id, person.name AS name, tie, target_id, detail, start, end, n, money_in_fen,
       money_out_fen
ORDER BY tie, target_id, start;
