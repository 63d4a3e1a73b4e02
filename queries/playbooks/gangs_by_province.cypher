// Gangs per province, with severity
// id: CG-GANG-01
// name: gangs_by_province
// category: gangs
// version: 1
// description:
//   en: >-
//     The gangs of a province (province = null: every province), most severe first, then
//     by net deposits: what to hand to that province's police. Known gangs come from
//     gangs.csv, the others from community detection; severity is the highest level any of
//     the courts' methods reaches against the case's thresholds (written by
//     `casegraph analyze --engine neo4j`).
//   zh: 某省（province = null 时为全部省份）的团伙，按严重程度、再按净入金排序：移送该省公安的清单。已查明团伙来自 gangs.csv，其余由社区发现得出；严重程度为各计算方法按本案门槛达到的最高档（由 `casegraph analyze --engine neo4j` 写入）。
// params:
//   province: {type: string, example: 浙江省, default: null, required: false, description: the province (as in persons.csv / gangs.csv); null for all}
// columns: [province, rank, gang_id, known_gang_id, platform_ids, severity_level, severity_method, severity_amount_fen, net_deposit_fen, fees_fen, n_persons, n_bank_accounts, n_clients, is_fraud, severity]
// Browser: :param province => '浙江省'
MATCH (g:FoundGang)
WHERE $province IS NULL OR g.province = $province
WITH g, CASE g.severity_level WHEN 'especially_serious' THEN 2 WHEN 'prosecution' THEN 1 ELSE 0 END AS level
ORDER BY g.province, level DESC, g.net_deposit_fen DESC, g.id
WITH g.province AS province, collect(g) AS gangs
UNWIND range(0, size(gangs) - 1) AS i
WITH province, i + 1 AS rank, gangs[i] AS g
RETURN province, rank, g.id AS gang_id, g.known_gang_id AS known_gang_id, g.platform_ids AS platform_ids,
       g.severity_level AS severity_level, g.severity_method AS severity_method,
       g.severity_amount_fen AS severity_amount_fen, g.net_deposit_fen AS net_deposit_fen, g.fees_fen AS fees_fen,
       g.n_persons AS n_persons, g.n_bank_accounts AS n_bank_accounts, g.n_clients AS n_clients,
       g.is_fraud AS is_fraud, g.severity AS severity
ORDER BY province, rank;
