// Accounts that share a device or an IP address with an account
// id: CG-DEVICE-01
// name: accounts_sharing_device_or_ip
// category: devices
// version: 1
// description:
//   en: >-
//     Every other account accessed from a device or IP address that was used to access the
//     given account, with the shared identifier, the other account's holder, and how many
//     access records each side has on it. Many accounts behind one device are the mark of
//     an account group run by one controller.
//   zh: 与指定账户共用设备或IP登录的其他账户：共用的标识、对方账户持有人、双方在该标识上的登录次数。一台设备背后多个账户是同一控制人操控账户组的特征。
// params:
//   account_id: {type: string, example: ACC0000001, description: the account (accounts.csv account_id)}
// columns: [account_id, via, identifier, own_logins, other_account_id, other_kind, holder_person_id, holder_name, other_logins]
// Browser: :param account_id => 'ACC0000001'
MATCH (acc:Account {id: $account_id})<-[:LOGIN_TO]-(mine:Login)-[:FROM_DEVICE|FROM_IP]->(identifier)
WITH acc, identifier, count(mine) AS own_logins
MATCH (identifier)<-[:FROM_DEVICE|FROM_IP]-(theirs:Login)-[:LOGIN_TO]->(other:Account)
WHERE other <> acc
WITH acc, identifier, own_logins, other, count(theirs) AS other_logins
OPTIONAL MATCH (holder:Person)-[:HOLDS]->(other)
RETURN acc.id AS account_id, CASE WHEN identifier:Device THEN 'device' ELSE 'ip' END AS via,
       identifier.id AS identifier, own_logins, other.id AS other_account_id, other.kind AS other_kind,
       holder.id AS holder_person_id, holder.name AS holder_name, other_logins
ORDER BY via, identifier, other_account_id;
