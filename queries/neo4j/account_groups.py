"""Account groups in Cypher: the Neo4j engine's :mod:`casegraph.queries.memory.account_groups`,
returning the same frame (same rows, values and dtypes) on the same loaded case. The rules
are :mod:`casegraph.queries.evidence`'s; read its docstring.

Every value travels as a parameter. The counts behind the evidence (days on a device or IP,
sittings there, synchronised fill pairs, fills per account and instrument-day, the day's
span, payers' reach), the figures and every sum are Cypher's; judging the counts against
chance is the memory engine's own Python (:func:`.evidence.habitual_use`,
:func:`.evidence.identifier_links`, :func:`.evidence.sync_links` on :mod:`.chance`), so both
keep the same links, and so is
writing the evidence text. The connected components are GDS WCC on a graph projected with the
Cypher aggregation ``gds.graph.project`` from the kept links, dropped again before returning.

>>> groups = account_groups(CypherRunner(driver))                   # doctest: +SKIP
"""

from __future__ import annotations

import uuid

import pandas as pd

from ..evidence import (
    beyond_platforms_and_habits,
    evidence_text,
    habitual_use,
    identifier_links,
    kept_evidence,
    public_use,
    sync_links,
)
from ..rules import (
    BROKER_SIDE_KINDS,
    CASHIER_ROLE,
    DAY_US,
    HABIT_DAY_SHIFTS,
    IDENTIFIER_USE_COLUMNS,
    MAX_FUNDED_ACCOUNTS,
    SITTING_COLUMNS,
    SITTING_WINDOW_S,
    SYNC_WINDOW_MS,
    finish_groups,
)
from .runner import CypherRunner, parameter_rows

# -- evidence ------------------------------------------------------------------------------------
# Per device (IP) that ≥ 2 broker-side accounts used, and each such account: the identifier's
# distinct users (accounts accessed, actors), the account's local days on it and its local
# days of logins on any device (IP). Local days are counted only where two candidates met at
# all: most devices serve one account.
_IDENTIFIER_USE = """
MATCH (a:Account)<-[:LOGIN_TO]-(:Login)-[:{rel}]->(key:{label})
WHERE a.kind IN $kinds
WITH key, count(DISTINCT a) AS candidates WHERE candidates >= 2
CALL (key) {{
  MATCH (key)<-[:{rel}]-(l:Login)
  OPTIONAL MATCH (l)-[:LOGIN_TO]->(accessed:Account)
  OPTIONAL MATCH (l)-[:LOGIN_BY]->(actor)
  RETURN size(collect(DISTINCT accessed)) + size(collect(DISTINCT actor)) AS users
}}
CALL (key) {{
  MATCH (a:Account)<-[:LOGIN_TO]-(l:Login)-[:{rel}]->(key)
  WHERE a.kind IN $kinds
  RETURN a, count(DISTINCT date(datetime({{datetime: l.ts, timezone: $timezone}}))) AS days
}}
CALL (a) {{
  MATCH (a)<-[:LOGIN_TO]-(l:Login)-[:{rel}]->()
  RETURN count(DISTINCT date(datetime({{datetime: l.ts, timezone: $timezone}}))) AS login_days
}}
RETURN '{evidence}' AS evidence, key.id AS key, users, a.id AS account_id, days, login_days
"""

IDENTIFIER_USE = f"""
CALL () {{
  {_IDENTIFIER_USE.format(rel="FROM_DEVICE", label="Device", evidence="shared_device")}
  UNION ALL
  {_IDENTIFIER_USE.format(rel="FROM_IP", label="IP", evidence="shared_ip")}
}}
RETURN evidence, key, users, account_id, days, login_days ORDER BY evidence, key, account_id
"""

# Per pair of the accounts $public (evidence, key, account_id) on a device (IP) others used too:
# their local days with logins on it within $window_us of each other, and the identifier's span
# (first to last login of anyone): evidence.identifier_links judges them.
_LOGIN_TIME_US = "l.ts.epochSeconds * 1000000 + l.ts.microsecond"
_LOGIN_SITTINGS = f"""
UNWIND $public AS p
WITH p WHERE p.evidence = '{{evidence}}'
WITH p.key AS key_id, collect(p.account_id) AS accounts
MATCH (key:{{label}} {{{{id: key_id}}}})
CALL (key) {{{{
  MATCH (key)<-[:{{rel}}]-(l:Login)
  RETURN max({_LOGIN_TIME_US}) - min({_LOGIN_TIME_US}) AS span_us
}}}}
CALL (key, accounts) {{{{
  MATCH (key)<-[:{{rel}}]-(l:Login)-[:LOGIN_TO]->(a:Account) WHERE a.id IN accounts
  RETURN collect({{{{account: a.id, t: {_LOGIN_TIME_US},
                    day: date(datetime({{{{datetime: l.ts, timezone: $timezone}}}}))}}}}) AS visits
}}}}
UNWIND visits AS x
UNWIND visits AS y
WITH key, span_us, x, y WHERE x.account < y.account AND abs(x.t - y.t) <= $window_us
RETURN '{{evidence}}' AS evidence, key.id AS key, x.account AS account_a, y.account AS account_b,
       count(DISTINCT x.day) AS sittings, span_us
"""
LOGIN_SITTINGS = f"""
CALL () {{
  {_LOGIN_SITTINGS.format(rel="FROM_DEVICE", label="Device", evidence="shared_device")}
  UNION ALL
  {_LOGIN_SITTINGS.format(rel="FROM_IP", label="IP", evidence="shared_ip")}
}}
RETURN evidence, key, account_a, account_b, sittings, span_us ORDER BY evidence, key, account_a, account_b
"""

# The sub accounts split off a mother account (evidence.without_lone_ties reads them).
SPLIT_OFF = """
MATCH (sub:Account)-[:SUB_OF]->(mother:Account)
RETURN sub.id AS account_id, mother.id AS parent_account_id ORDER BY account_id
"""

# The devices and IPs the software vendor's staff log in from (evidence.without_vendor_addresses).
VENDOR_ADDRESSES = """
MATCH (:Vendor)<-[:MEMBER_OF]-(:Person)<-[:LOGIN_BY]-(l:Login)
CALL (l) {
  MATCH (l)-[:FROM_DEVICE]->(d:Device) RETURN 'shared_device' AS evidence, d.id AS key
  UNION
  MATCH (l)-[:FROM_IP]->(i:IP) RETURN 'shared_ip' AS evidence, i.id AS key
}
RETURN DISTINCT evidence, key ORDER BY evidence, key
"""

# The case's login users (accounts accessed, actors) and its broker-side accounts that logged in.
LOGIN_POPULATION = """
CALL () { MATCH (:Login)-[:LOGIN_TO]->(a:Account) RETURN count(DISTINCT a) AS accessed }
CALL () { MATCH (:Login)-[:LOGIN_BY]->(actor) RETURN count(DISTINCT actor) AS actors }
CALL () {
  MATCH (:Login)-[:LOGIN_TO]->(a:Account) WHERE a.kind IN $kinds
  RETURN count(DISTINCT a) AS candidates
}
RETURN accessed + actors AS n_users, candidates
"""

# Common funding: one payer of 2..$max_funded broker-side accounts.
FUNDING_LINKS = """
MATCH (source:Account)-[:TRANSFER]->(a:Account)
WHERE a.kind IN $kinds AND source <> a
WITH source, collect(DISTINCT a.id) AS accounts
WHERE 2 <= size(accounts) <= $max_funded
UNWIND accounts AS account_id
RETURN account_id, 'common_funding' AS evidence, source.id AS key,
       '(funds ' + toString(size(accounts)) + ' accounts)' AS detail
ORDER BY account_id, evidence, key
"""

# Fill rows (part, t, fill, account, ref) -> every pair x, y of one part within $window_us,
# on different accounts and orders, once (y the later; equal times: the larger fill id).
# Fills are bucketed by time: a pair lies in one bucket or in two consecutive ones.
SYNC_PAIRS = """
WITH part, t, fill, account, ref
WITH part, t / $window_us AS bucket, collect({t: t, fill: fill, account: account, ref: ref}) AS fills
ORDER BY part, bucket
WITH part, collect({bucket: bucket, fills: fills}) AS buckets
UNWIND range(0, size(buckets) - 1) AS k
WITH buckets[k].fills AS here,
     CASE WHEN k + 1 < size(buckets) AND buckets[k + 1].bucket = buckets[k].bucket + 1
          THEN buckets[k + 1].fills ELSE [] END AS next
WHERE size(here) > 1 OR size(next) > 0
UNWIND here AS x
UNWIND [y IN here + next WHERE (y.t > x.t OR (y.t = x.t AND y.fill > x.fill)) AND y.t - x.t <= $window_us
                              AND y.account <> x.account AND y.ref <> x.ref] AS y
"""

# A fill's time in whole microseconds since the epoch (the pandas side uses the same).
_FILL_TIME_US = "f.ts.epochSeconds * 1000000 + f.ts.microsecond"

COUNTED_PAIRS = f"""
MATCH (f:Fill)-[:FILLED_ON]->(a:Account) WHERE a.kind IN $kinds
WITH f.instrument AS part, {_FILL_TIME_US} AS t, f.id AS fill, a.id AS account, f.broker_ref AS ref
{SYNC_PAIRS}
WITH CASE WHEN x.account < y.account THEN x.account ELSE y.account END AS account_a,
     CASE WHEN x.account < y.account THEN y.account ELSE x.account END AS account_b
RETURN account_a, account_b, count(*) AS pairs ORDER BY account_a, account_b
"""

# Fills per account (of $accounts), instrument and UTC day; per instrument and day, the span
# between the first and the last fill of every broker-side account; the accounts with fills.
FILL_ACTIVITY = f"""
UNWIND $accounts AS account_id
MATCH (a:Account {{id: account_id}})<-[:FILLED_ON]-(f:Fill)
RETURN account_id, f.instrument AS instrument, ({_FILL_TIME_US}) / $day_us AS day, count(*) AS n
"""

# Per pair of $pairs (account_a, account_b), its fill pairs of one instrument on days
# $day_shifts apart within $window_us of each other's time of day (the memory engine's
# HABIT_MEETINGS): the first account's fills moved by each shift in days, the second's to their
# time-of-day bucket and both neighbours, grouped by instrument, day and bucket — pair by pair,
# so that one pair's fills are held at a time (all pairs at once outgrew the server's
# transaction memory on a case of 2,500 clients).
HABIT_MEETINGS = f"""
UNWIND $pairs AS pair
CALL (pair) {{
  CALL (pair) {{
    MATCH (:Account {{id: pair.account_a}})<-[:FILLED_ON]-(f:Fill)
    WITH f.instrument AS instrument, {_FILL_TIME_US} AS t
    UNWIND $day_shifts AS days
    RETURN instrument, t / $day_us + days AS day, (t % $day_us) / $window_us AS bucket, 0 AS side,
           t % $day_us AS tod
    UNION ALL
    MATCH (:Account {{id: pair.account_b}})<-[:FILLED_ON]-(f:Fill)
    WITH f.instrument AS instrument, {_FILL_TIME_US} AS t
    UNWIND [-1, 0, 1] AS buckets
    RETURN instrument, t / $day_us AS day, (t % $day_us) / $window_us + buckets AS bucket, 1 AS side,
           t % $day_us AS tod
  }}
  WITH instrument, day, bucket, collect(CASE side WHEN 0 THEN tod END) AS xs,
       collect(CASE side WHEN 1 THEN tod END) AS ys
  WHERE size(xs) > 0 AND size(ys) > 0
  UNWIND xs AS x
  UNWIND ys AS y
  WITH x, y WHERE abs(x - y) <= $window_us
  RETURN count(*) AS meetings
}}
RETURN pair.account_a AS account_a, pair.account_b AS account_b, meetings
"""

FILL_SPANS = f"""
MATCH (f:Fill)-[:FILLED_ON]->(a:Account) WHERE a.kind IN $kinds
WITH f.instrument AS instrument, {_FILL_TIME_US} AS t
RETURN instrument, t / $day_us AS day, max(t) - min(t) AS span_us
"""

FILL_ACCOUNTS = """
MATCH (:Fill)-[:FILLED_ON]->(a:Account) WHERE a.kind IN $kinds
RETURN count(DISTINCT a) AS candidates
"""

# -- components ----------------------------------------------------------------------------------
# Accounts sharing one device, IP or payer are joined as a star from the smallest id.
PROJECT = """
CALL () {
  UNWIND $links AS link
  WITH link.evidence AS evidence, link.key AS key, link.account_id AS account_id ORDER BY account_id
  WITH evidence, key, collect(account_id) AS accounts
  UNWIND tail(accounts) AS other
  RETURN head(accounts) AS a, other AS b
  UNION ALL
  UNWIND $synced AS s
  RETURN s.account_a AS a, s.account_b AS b
}
MATCH (source:Account {id: a}), (target:Account {id: b})
WITH gds.graph.project($graph, source, target) AS g
RETURN g.relationshipCount AS relationships
"""

COMPONENTS = """
CALL gds.wcc.stream($graph) YIELD nodeId, componentId
WITH componentId, collect(gds.util.asNode(nodeId).id) AS accounts
WHERE size(accounts) >= 2
WITH accounts, reduce(m = head(accounts), x IN accounts | CASE WHEN x < m THEN x ELSE m END) AS smallest
UNWIND accounts AS account_id
RETURN account_id, 'AG-' + smallest AS group_id
"""

DROP = "CALL gds.graph.drop($graph, false) YIELD graphName RETURN graphName"

# -- per account and per group -----------------------------------------------------------------
ACCOUNT_ROWS = """
UNWIND $members AS m
OPTIONAL MATCH (holder:Person)-[:HOLDS]->(:Account {id: m.account_id})
RETURN m.group_id AS group_id, m.account_id AS account_id, holder.id AS holder_person_id
"""

CONTROLLERS = """
UNWIND $groups AS group_id
CALL (group_id) {
  // 1. the holder of the payer of the most group accounts (then most money, smallest id), no cashier
  UNWIND $links AS link
  WITH link WHERE link.evidence = 'common_funding' AND $group_of[link.account_id] = group_id
  MATCH (holder:Person)-[:HOLDS]->(source:Account {id: link.key})-[t:TRANSFER]->(a:Account {id: link.account_id})
  WHERE NOT EXISTS { (holder)-[:MEMBER_OF {role: $cashier}]->() }
  WITH source, holder, count(DISTINCT a) AS n_accounts, sum(t.amount_cny_fen) AS amount
  ORDER BY n_accounts DESC, amount DESC, source.id
  RETURN head(collect(holder.id)) AS by_funding
}
CALL (group_id) {
  // 2. the holder of the account that paid the most (two or more) of the accounts that paid
  // the group's accounts (then most money, smallest id), no cashier
  UNWIND $members AS m
  WITH m WHERE m.group_id = group_id
  MATCH (source:Account)-[:TRANSFER]->(a:Account {id: m.account_id}) WHERE source <> a
  WITH DISTINCT source
  MATCH (holder:Person)-[:HOLDS]->(payer:Account)-[t:TRANSFER]->(source)
  WHERE payer <> source AND NOT EXISTS { (holder)-[:MEMBER_OF {role: $cashier}]->() }
  WITH payer, holder, count(DISTINCT source) AS n_sources, sum(t.amount_cny_fen) AS amount
  WHERE n_sources >= 2
  ORDER BY n_sources DESC, amount DESC, payer.id
  RETURN head(collect(holder.id)) AS by_upstream
}
CALL (group_id) {
  // 3. the holder of the mother account most group accounts are split off
  UNWIND $members AS m
  WITH m WHERE m.group_id = group_id
  MATCH (:Account {id: m.account_id})-[:SUB_OF]->(mother:Account)<-[:HOLDS]-(holder:Person)
  WITH mother, holder, count(*) AS n ORDER BY n DESC, mother.id
  RETURN head(collect(holder.id)) AS by_mother
}
CALL (group_id) {
  // 4. who most used the group's shared devices and IPs other than through its own accounts
  UNWIND $links AS link
  WITH link WHERE link.evidence IN ['shared_device', 'shared_ip'] AND $group_of[link.account_id] = group_id
  WITH DISTINCT link.evidence AS evidence, link.key AS key
  CALL (evidence, key) {
    MATCH (l:Login)-[:FROM_DEVICE]->(:Device {id: key}) WHERE evidence = 'shared_device' RETURN l
    UNION ALL
    MATCH (l:Login)-[:FROM_IP]->(:IP {id: key}) WHERE evidence = 'shared_ip' RETURN l
  }
  OPTIONAL MATCH (l)-[:LOGIN_TO]->(accessed:Account)
  WITH l, accessed WHERE accessed IS NULL OR coalesce($group_of[accessed.id], '') <> group_id
  OPTIONAL MATCH (l)-[:LOGIN_BY]->(actor:Person)
  OPTIONAL MATCH (holder:Person)-[:HOLDS]->(accessed)
  UNWIND [actor.id, holder.id] AS person
  WITH person WHERE person IS NOT NULL
  WITH person, count(*) AS uses ORDER BY uses DESC, person
  RETURN head(collect(person)) AS by_login
}
RETURN group_id, coalesce(by_funding, by_upstream, by_mother, by_login) AS controller_id
"""

SELF_TRADES = """
UNWIND $members AS m
MATCH (:Account {id: m.account_id})<-[:FILLED_ON]-(f:Fill)
OPTIONAL MATCH (f)-[:COUNTERPARTY]->(cp:Account)
WITH m.group_id AS group_id, f,
     coalesce(cp.id <> m.account_id AND $group_of[cp.id] = m.group_id, false) AS names_other
WITH group_id, f.broker_ref AS ref,
     sum(CASE f.side WHEN 'B' THEN f.qty ELSE 0.0 END) AS buy,
     sum(CASE f.side WHEN 'S' THEN f.qty ELSE 0.0 END) AS sell,
     sum(f.qty) AS qty, sum(f.qty * f.price) AS value,
     max(CASE WHEN names_other THEN 1 ELSE 0 END) = 1 AS names_other
WITH group_id, ref, qty, value, buy > 0 AND sell > 0 AS both_sides, buy, sell, names_other
WHERE both_sides OR names_other
WITH group_id, qty, value,
     CASE WHEN both_sides THEN CASE WHEN buy < sell THEN buy ELSE sell END ELSE buy + sell END AS matched
RETURN group_id, count(*) AS self_trade_count, sum(matched) AS self_trade_qty,
       sum(matched * value / qty) AS self_trade_notional_points
"""

ORDER_TIMING = f"""
UNWIND $groups AS group_id
CALL (group_id) {{
  UNWIND $members AS m
  WITH m WHERE m.group_id = group_id
  MATCH (:Account {{id: m.account_id}})<-[:FILLED_ON]-(f:Fill)
  RETURN count(f) AS n_fills
}}
CALL (group_id) {{
  UNWIND $members AS m
  WITH m WHERE m.group_id = group_id
  MATCH (a:Account {{id: m.account_id}})<-[:FILLED_ON]-(f:Fill)
  WITH f.instrument AS part, {_FILL_TIME_US} AS t, f.id AS fill, a.id AS account, f.broker_ref AS ref
  {SYNC_PAIRS}
  UNWIND [x.fill, y.fill] AS timed
  RETURN count(*) / 2 AS sync_order_pairs, count(DISTINCT timed) AS timed_fills
}}
RETURN group_id, sync_order_pairs,
       CASE WHEN n_fills > 0 THEN toFloat(timed_fills) / n_fills ELSE 0.0 END AS orders_within_100ms_share
"""

VOLUME_SHARES = """
CALL () {
  MATCH (f:Fill)-[:FILLED_ON]->(a:Account) WHERE a.kind IN $kinds
  WITH f.instrument AS instrument, sum(f.qty) AS qty
  RETURN collect({instrument: instrument, qty: qty}) AS market
}
UNWIND $groups AS group_id
CALL (group_id) {
  UNWIND $members AS m
  WITH m WHERE m.group_id = group_id
  MATCH (:Account {id: m.account_id})<-[:FILLED_ON]-(f:Fill)
  RETURN sum(f.qty) AS group_qty, collect(DISTINCT f.instrument) AS instruments
}
WITH group_id, group_qty,
     reduce(s = 0.0, x IN market | s + CASE WHEN x.instrument IN instruments THEN x.qty ELSE 0.0 END) AS market_qty
RETURN group_id, CASE WHEN market_qty > 0 THEN group_qty / market_qty ELSE 0.0 END AS volume_share
"""


# The accounts a platform runs (:func:`.evidence.without_platform_accounts`; the memory engine's
# PLATFORM_ACCOUNTS): those accounts.csv puts on a platform, and the broker accounts its orders
# go through — an account with a fill of an order a platform's trade names, its mother
# account, and every sub-account split off those.
PLATFORM_ACCOUNTS = """
CALL () {
  MATCH (a:Account)-[:ACCOUNT_ON]->(:Platform) RETURN a
  UNION
  MATCH (t:Trade) WHERE t.broker_ref IS NOT NULL
  WITH DISTINCT t.broker_ref AS ref
  MATCH (:Fill {broker_ref: ref})-[:FILLED_ON]->(routed:Account)
  WITH DISTINCT routed
  OPTIONAL MATCH (routed)-[:SUB_OF]->(mother:Account)
  UNWIND [routed, mother] AS routing
  WITH DISTINCT routing WHERE routing IS NOT NULL
  OPTIONAL MATCH (sub:Account)-[:SUB_OF]->(routing)
  UNWIND [routing, sub] AS a
  WITH a WHERE a IS NOT NULL
  RETURN a
}
RETURN DISTINCT a.id AS account_id
"""


def case_timezone(runner: CypherRunner) -> str:
    """The timezone the loaded case came with (the loader keeps it on the CaseLoad node)."""
    return runner.single("MATCH (l:CaseLoad) RETURN l.timezone AS tz")["tz"]


def group_members(runner: CypherRunner, links: pd.DataFrame, synced: pd.DataFrame) -> pd.DataFrame:
    """(account_id, group_id) from GDS WCC over the evidence links; the projection is dropped."""
    if links.empty and synced.empty:
        return pd.DataFrame(columns=["account_id", "group_id"])
    graph = f"casegraph-account-groups-{uuid.uuid4().hex}"
    try:
        runner.run_cypher(PROJECT, {"graph": graph, "links": parameter_rows(links),
                                    "synced": parameter_rows(synced)})
        return runner.run_cypher(COMPONENTS, {"graph": graph})
    finally:
        runner.run_cypher(DROP, {"graph": graph})


def login_sittings(runner: CypherRunner, public: pd.DataFrame, *, window_s: int = SITTING_WINDOW_S) -> pd.DataFrame:
    """The sittings of the accounts ``public`` (:func:`.evidence.public_use`): the frame of
    :func:`casegraph.queries.memory.account_groups.login_sittings`."""
    sittings = pd.DataFrame(columns=list(SITTING_COLUMNS))
    if not public.empty:
        sittings = runner.run_cypher(LOGIN_SITTINGS, {
            "public": parameter_rows(public[["evidence", "key", "account_id"]]), "window_us": window_s * 1_000_000,
            "timezone": case_timezone(runner)}).reindex(columns=list(SITTING_COLUMNS))
    return sittings.astype({"sittings": "int64", "span_us": "int64"})


def evidence_links(runner: CypherRunner, *, max_funded: int = MAX_FUNDED_ACCOUNTS,
                   window_ms: int = SYNC_WINDOW_MS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The kept evidence: (links, synced), the frames of the memory engine (without the
    platforms' own accounts, :data:`PLATFORM_ACCOUNTS`), from Cypher's counts judged by the
    same Python."""
    kinds = {"kinds": list(BROKER_SIDE_KINDS)}
    use = runner.run_cypher(IDENTIFIER_USE, {**kinds, "timezone": case_timezone(runner)})
    use = use.reindex(columns=list(IDENTIFIER_USE_COLUMNS)).astype(
        {"users": "int64", "days": "int64", "login_days": "int64"})
    population = runner.single(LOGIN_POPULATION, kinds)
    habitual = habitual_use(use, n_users=int(population["n_users"]), n_candidates=int(population["candidates"]))
    links = pd.concat([identifier_links(habitual, login_sittings(runner, public_use(habitual)),
                                        n_candidates=int(population["candidates"])),
                       runner.run_cypher(FUNDING_LINKS, {**kinds, "max_funded": max_funded})],
                      ignore_index=True)
    counted = runner.run_cypher(COUNTED_PAIRS, {**kinds, "window_us": window_ms * 1000})
    counted = counted.reindex(columns=["account_a", "account_b", "pairs"])
    accounts = sorted(set(counted["account_a"]) | set(counted["account_b"]))
    activity = runner.run_cypher(FILL_ACTIVITY, {"accounts": accounts, "day_us": DAY_US}).reindex(
        columns=["account_id", "instrument", "day", "n"])
    spans = runner.run_cypher(FILL_SPANS, {**kinds, "day_us": DAY_US}).reindex(
        columns=["instrument", "day", "span_us"])
    candidates = int(runner.single(FILL_ACCOUNTS, kinds)["candidates"])
    synced = sync_links(counted, activity, spans, n_candidates=candidates, window_ms=window_ms)
    return beyond_platforms_and_habits(
        links, synced, activity=activity, n_candidates=candidates,
        habit_meetings=lambda pairs: habit_meetings(runner, pairs, window_ms=window_ms),
        platform_accounts=runner.run_cypher(PLATFORM_ACCOUNTS).reindex(columns=["account_id"])["account_id"])


def habit_meetings(runner: CypherRunner, synced: pd.DataFrame, *, window_ms: int = SYNC_WINDOW_MS) -> pd.DataFrame:
    """Per pair of ``synced`` (account_a, account_b), its ``meetings`` on days apart
    (:data:`HABIT_MEETINGS`): the frame of :func:`casegraph.queries.memory.account_groups.habit_meetings`."""
    meetings = runner.run_cypher(HABIT_MEETINGS, {
        "pairs": parameter_rows(synced[["account_a", "account_b"]]), "day_shifts": list(HABIT_DAY_SHIFTS),
        "day_us": DAY_US, "window_us": window_ms * 1000})
    return meetings.reindex(columns=["account_a", "account_b", "meetings"]).astype({"meetings": "int64"})


def account_groups(runner: CypherRunner, *, max_funded: int = MAX_FUNDED_ACCOUNTS,
                   window_ms: int = SYNC_WINDOW_MS) -> pd.DataFrame:
    """account_groups.csv from the loaded case: the frame of
    :func:`casegraph.queries.memory.account_groups.account_groups`."""
    links, synced = kept_evidence(*evidence_links(runner, max_funded=max_funded, window_ms=window_ms),
                                  vendor_addresses=runner.run_cypher(VENDOR_ADDRESSES).reindex(
                                      columns=["evidence", "key"]),
                                  split_off=runner.run_cypher(SPLIT_OFF).reindex(
                                      columns=["account_id", "parent_account_id"]))
    members = group_members(runner, links, synced)
    if members.empty:
        return finish_groups(pd.DataFrame())
    rules = {"kinds": list(BROKER_SIDE_KINDS), "window_us": window_ms * 1000, "cashier": CASHIER_ROLE}
    given = {**rules, "members": parameter_rows(members), "groups": sorted(members["group_id"].unique()),
             "group_of": dict(zip(members["account_id"], members["group_id"])),
             "links": parameter_rows(links), "synced": parameter_rows(synced)}
    rows = runner.run_cypher(ACCOUNT_ROWS, given)
    rows["evidence"] = evidence_text(rows, links, synced)
    rows = rows.merge(runner.run_cypher(CONTROLLERS, given), on="group_id", how="left")
    figures = [runner.run_cypher(query, given).set_index("group_id")
               for query in (SELF_TRADES, ORDER_TIMING, VOLUME_SHARES)]
    rows = rows.join(pd.concat(figures, axis=1), on="group_id")
    rows[["self_trade_count", "sync_order_pairs"]] = rows[["self_trade_count", "sync_order_pairs"]].fillna(0)
    for column in ("self_trade_qty", "self_trade_notional_points", "orders_within_100ms_share", "volume_share"):
        rows[column] = rows[column].astype("float64").fillna(0.0)
    return finish_groups(rows)
