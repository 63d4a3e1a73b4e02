"""Account groups from the case's tables in memory: the evidence counted and the groups' figures
gathered by DuckDB SQL (plain SQL, so that it can run on Spark too), judged by
:mod:`casegraph.queries.evidence` (where the rules are), grouped by networkx (in Neo4j:
:mod:`casegraph.queries.neo4j.account_groups`).

The SQL reads the tables of :func:`evidence_connection`; what it hands to Python is small: the
identifiers two candidates used, the pairs of accounts with synchronised fills, the groups'
own fills. The groups' lots and points are summed by pandas (compensated sums in the fills'
order, the same to the last bit on every run; DuckDB's parallel sum of doubles is not).

>>> from casegraph.loaders.case import load_case                    # doctest: +SKIP
>>> groups = account_groups(load_case("mycase"))                   # doctest: +SKIP
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from casegraph.loaders.case import Case
from casegraph.loaders.fx import transfers_in_cny
from casegraph.loaders.read import utc_micros

from ..columnar import arrow_table, duckdb_connection, is_in
from ..evidence import (
    beyond_platforms_and_habits,
    component_labels,
    evidence_edges,
    evidence_text,
    habitual_use,
    identifier_links,
    kept_evidence,
    links_frame,
    public_use,
    sync_links,
)
from ..rules import (
    BROKER_SIDE_KINDS,
    CASHIER_ROLE,
    DAY_US,
    FLOAT_COLUMNS,
    HABIT_DAY_SHIFTS,
    IDENTIFIER_USE_COLUMNS,
    MAX_FUNDED_ACCOUNTS,
    SITTING_COLUMNS,
    SITTING_WINDOW_S,
    SYNC_WINDOW_MS,
    finish_groups,
)
from .flows import login_frame

IDENTIFIERS = (("device_id", "shared_device"), ("ip", "shared_ip"))


# -- the tables ----------------------------------------------------------------------------------
BROKER_FILLS = "CREATE OR REPLACE TEMP VIEW broker_fills AS SELECT * FROM fills WHERE broker_side"

# The transfers that fund a broker-side account: into one, from another account.
FUNDED = "from_account <> to_account AND to_account IN (SELECT account_id FROM broker_side)"

FUNDING_ROWS = f"SELECT pos FROM transfers WHERE {FUNDED} ORDER BY pos"
# Transfers into the accounts that funded broker-side accounts, from another account (``{table}``:
# where the transfers are): a controller who pays his lenders, who fund the broker accounts.
FEEDING = ("from_account <> to_account AND to_account IN "
           "(SELECT from_account FROM {table} WHERE " + FUNDED + ")")
FEEDING_ROWS = "SELECT pos FROM transfers WHERE " + FEEDING.format(table="transfers") + " ORDER BY pos"

# The same transfers from the transfers as the flow SQL reads them (amount in CNY fen).
FUNDING = f"""
CREATE OR REPLACE TEMP TABLE funding AS
SELECT from_account AS source, to_account AS account_id, amount AS amount_cny FROM flow_transfers WHERE {FUNDED}
"""
FEEDING_TABLE = f"""
CREATE OR REPLACE TEMP TABLE feeding AS
SELECT from_account AS payer, to_account AS source, amount AS amount_cny FROM flow_transfers
WHERE {FEEDING.format(table="flow_transfers")}
"""


# The accounts a platform runs (:func:`casegraph.queries.evidence.without_platform_accounts`):
# those accounts.csv puts on a platform, and the broker accounts its orders go through — an
# account with a fill of an order a platform's trade names (``broker_ref``, as the fake-trade
# analysis matches them), its mother account, and every sub-account split off those.
PLATFORM_ACCOUNTS = """
WITH routed AS (
  SELECT DISTINCT f.account_id FROM fills f
  JOIN (SELECT DISTINCT broker_ref FROM trades WHERE broker_ref IS NOT NULL) t ON t.broker_ref = f.broker_ref
), routing AS (
  SELECT account_id FROM routed
  UNION
  SELECT a.parent_account_id AS account_id FROM accounts a JOIN routed r ON r.account_id = a.account_id
  WHERE a.parent_account_id IS NOT NULL
)
SELECT account_id FROM routing
UNION
SELECT a.account_id FROM accounts a JOIN routing r ON a.parent_account_id = r.account_id
UNION
SELECT account_id FROM accounts WHERE platform_id IS NOT NULL
"""


def candidate_ids(case: Case) -> pd.Series:
    """The broker-side accounts' account_id: the accounts whose groups are looked for."""
    accounts = case["accounts"]
    return accounts["account_id"][is_in(accounts["kind"], BROKER_SIDE_KINDS)]


def fill_columns(fills: pd.DataFrame, candidates: pd.Series) -> pd.DataFrame:
    """The broker fills as the SQL reads them, each row on its own: fill_id, account_id,
    instrument, side, qty, price, broker_ref, counterparty_account_id, ``t_us`` (UTC µs), ``day``
    (the UTC day) and ``broker_side`` (whether its account is one of ``candidates``). Their
    ``pos``, the row's place in the table, is the caller's to add."""
    t_us = utc_micros(fills["ts"]).to_numpy()
    return fills[["fill_id", "account_id", "instrument", "side", "qty", "price", "broker_ref",
                  "counterparty_account_id"]].assign(t_us=t_us, day=t_us // DAY_US,
                                                     broker_side=is_in(fills["account_id"], candidates))


def login_columns(logins: pd.DataFrame, candidates: pd.Series, timezone: str) -> pd.DataFrame:
    """The logins as the SQL reads them, each row on its own: the columns of
    :func:`.flows.login_frame` (account_id, ip, device_id, ``t_us``, ``day``: the day local to
    ``timezone``, as days since 1970), actor_id and ``broker_side``. The flow patterns read the
    same frame: the Spark engine makes it once for both (:func:`casegraph.queries.spark.tables.login_columns`)."""
    return login_frame(logins, timezone).assign(actor_id=logins["actor_id"],
                                                broker_side=is_in(logins["account_id"], candidates))


def evidence_connection(case: Case, *, connect=duckdb_connection, fills=None, logins=None,
                        transfers=None, trades=None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (``connect``'s: the Spark engine's is
    :meth:`casegraph.queries.spark.runner.SparkSQL.connect`) with the tables the account groups'
    SQL reads: ``accounts`` (every account), ``broker_side`` (:func:`candidate_ids`), ``fills``
    (:func:`fill_columns` of every broker fill, with ``pos``, its row) and ``broker_fills`` (the
    candidates'), ``trades`` (the platforms' trades' broker_ref), ``logins``
    (:func:`login_columns`), ``persons``, ``cashiers`` (:func:`cashiers`), ``funding`` and
    ``feeding`` (:func:`funding_transfers`).
    (The candidates' fills and logins are marked once here: a semi-join in every query that
    reads them cost more than the rest of the query.)

    ``fills``, ``logins`` and ``trades`` made elsewhere, and ``transfers`` as the flow SQL reads them
    (:func:`.flows.transfer_frame`), are taken as they are: the Spark engine makes them on Spark
    (:mod:`casegraph.queries.spark.tables`); else they are made here from the case."""
    accounts = case["accounts"]
    candidates = candidate_ids(case)
    if fills is None:
        fills = fill_columns(case["broker_fills"], candidates)
        fills = arrow_table(fills.assign(pos=np.arange(len(fills))))
    if logins is None:
        logins = arrow_table(login_columns(case["logins"], candidates, case.config.timezone))
    if trades is None:
        trades = arrow_table(case["trades"][["broker_ref"]])
    connection = connect(
        accounts=arrow_table(accounts[["account_id", "kind", "holder_person_id", "parent_account_id", "platform_id"]]),
        broker_side=arrow_table(candidates.to_frame()), fills=fills, logins=logins, trades=trades,
        persons=arrow_table(case["persons"][["person_id"]]), cashiers=arrow_table(cashiers(case)))
    connection.execute(BROKER_FILLS)
    if transfers is None:
        connection.register("transfers", arrow_table(case["bank_transfers"][["from_account", "to_account"]].assign(
            pos=np.arange(len(case["bank_transfers"])))))
        funding, feeding = funding_transfers(case, connection, (FUNDING_ROWS, FEEDING_ROWS))
        connection.register("funding", arrow_table(funding.rename(columns={"from_account": "source",
                                                                           "to_account": "account_id"})))
        connection.register("feeding", arrow_table(feeding.rename(columns={"from_account": "payer",
                                                                           "to_account": "source"})))
    else:
        connection.register("flow_transfers", transfers)
        connection.execute(FUNDING)
        connection.execute(FEEDING_TABLE)
    return connection


def cashiers(case: Case) -> pd.DataFrame:
    """(person_id): the persons memberships.csv gives a gang's cashier's role
    (:data:`casegraph.queries.rules.CASHIER_ROLE`), whom paying a group names no controller."""
    memberships = case["memberships"]
    cashier = memberships["role"].eq(CASHIER_ROLE).fillna(False).to_numpy(dtype=bool)
    return memberships.loc[cashier, ["person_id"]].drop_duplicates(ignore_index=True)


def funding_transfers(case: Case, connection: duckdb.DuckDBPyConnection,
                      rows_sql: tuple[str, ...]) -> list[pd.DataFrame]:
    """For each query of ``rows_sql`` (:data:`FUNDING_ROWS`: into broker-side accounts from
    another account; :data:`FEEDING_ROWS`: into the accounts that paid those), the transfers
    whose rows it selects: (from_account, to_account, amount_cny). Only the rows some query
    selects are converted to CNY, each once. ``connection``: with ``transfers`` and
    ``broker_side`` (:func:`evidence_connection`)."""
    selected = [connection.sql(sql).fetchnumpy()["pos"] for sql in rows_sql]
    rows = np.zeros(len(case["bank_transfers"]), dtype=bool)
    for positions in selected:
        rows[positions] = True
    transfers = transfers_in_cny(case, rows=rows)
    # Each selection's rows among the converted ones: the converted rows keep the table's order.
    at = np.cumsum(rows) - 1
    columns = transfers[["from_account", "to_account", "amount_cny"]].reset_index(drop=True)
    return [columns.take(at[positions]).reset_index(drop=True) for positions in selected]


# -- the evidence ----------------------------------------------------------------------------------
# The devices (IPs) two or more candidates used, and the candidates that used one: what the
# identifiers' users and days are counted for (most devices serve one account).
_SHARED_IDENTIFIERS = """
CREATE OR REPLACE TEMP TABLE shared_{column} AS
SELECT key FROM (SELECT DISTINCT {column} AS key, account_id FROM logins
                 WHERE {column} IS NOT NULL AND broker_side) used
GROUP BY key HAVING count(*) >= 2
"""

_SHARING_ACCOUNTS = """
CREATE OR REPLACE TEMP TABLE sharing_{column} AS
SELECT DISTINCT account_id FROM logins
WHERE {column} IN (SELECT key FROM shared_{column}) AND broker_side
"""

# Per shared device (IP) and candidate on it: the identifier's distinct users (accounts accessed
# and actors logging in, over all logins: an account and an actor are never one user), the
# account's local days on it and its local days of logins with any device (IP). Days are counted
# as groups of distinct rows (grouping spills to disk, distinct sets do not).
_IDENTIFIER_USE = """
SELECT '{evidence}' AS evidence, d.key, u.users, d.account_id, d.days, l.login_days
FROM (SELECT key, account_id, count(*) AS days
      FROM (SELECT DISTINCT {column} AS key, account_id, day FROM logins
            WHERE {column} IN (SELECT key FROM shared_{column}) AND broker_side) used
      GROUP BY key, account_id) d
JOIN (SELECT {column} AS key, count(DISTINCT account_id) + count(DISTINCT actor_id) AS users FROM logins
      WHERE {column} IN (SELECT key FROM shared_{column}) GROUP BY {column}) u ON u.key = d.key
JOIN (SELECT account_id, count(*) AS login_days
      FROM (SELECT DISTINCT account_id, day FROM logins
            WHERE {column} IS NOT NULL AND account_id IN (SELECT account_id FROM sharing_{column})) used
      GROUP BY account_id) l ON l.account_id = d.account_id
"""

IDENTIFIER_USE = " UNION ALL ".join(
    _IDENTIFIER_USE.format(column=column, evidence=evidence) for column, evidence in IDENTIFIERS
) + " ORDER BY evidence, key, account_id"

# Per pair of accounts of ``public_use`` (evidence, key, account_id: the accounts judged by their
# sittings on a device or IP others used too) on one identifier: the local days with logins of
# both on it within $window_us of each other, and the identifier's span (first to last login).
_PUBLIC_VISITS = """
SELECT p.evidence, p.key, l.account_id, l.t_us, l.day FROM logins l
JOIN public_use p ON p.evidence = '{evidence}' AND p.key = l.{column} AND p.account_id = l.account_id
"""
_PUBLIC_SPANS = """
SELECT '{evidence}' AS evidence, {column} AS key, max(t_us) - min(t_us) AS span_us FROM logins
WHERE {column} IN (SELECT key FROM public_use WHERE evidence = '{evidence}') GROUP BY {column}
"""
LOGIN_SITTINGS = f"""
WITH visits AS ({" UNION ALL ".join(_PUBLIC_VISITS.format(column=column, evidence=evidence)
                                    for column, evidence in IDENTIFIERS)}),
spans AS ({" UNION ALL ".join(_PUBLIC_SPANS.format(column=column, evidence=evidence)
                              for column, evidence in IDENTIFIERS)})
SELECT a.evidence, a.key, a.account_id AS account_a, b.account_id AS account_b,
       count(DISTINCT a.day) AS sittings, s.span_us
FROM visits a
JOIN visits b ON b.evidence = a.evidence AND b.key = a.key AND b.account_id > a.account_id
  AND b.t_us BETWEEN a.t_us - $window_us AND a.t_us + $window_us
JOIN spans s ON s.evidence = a.evidence AND s.key = a.key
GROUP BY a.evidence, a.key, a.account_id, b.account_id, s.span_us
ORDER BY a.evidence, a.key, account_a, account_b
"""

# The case's login users (accounts accessed, actors logging in) and its candidates that logged in.
LOGIN_POPULATION = """
SELECT (SELECT count(DISTINCT account_id) FROM logins) + (SELECT count(DISTINCT actor_id) FROM logins) AS n_users,
       (SELECT count(DISTINCT account_id) FROM logins WHERE broker_side)
       AS candidates
"""

# Common funding: one payer of 2..$max_funded broker-side accounts; detail ``(funds <n> accounts)``.
FUNDING_LINKS = """
WITH paid AS (SELECT DISTINCT source, account_id FROM funding),
     reach AS (SELECT source, count(*) AS funded FROM paid GROUP BY source)
SELECT p.account_id, 'common_funding' AS evidence, p.source AS key,
       '(funds ' || CAST(r.funded AS VARCHAR) || ' accounts)' AS detail
FROM paid p JOIN reach r ON r.source = p.source
WHERE r.funded BETWEEN 2 AND $max_funded
"""

# Every pair of fills of one instrument within $window_us of each other, on different accounts
# and of different broker orders, once (fill_b the later; equal times: the larger fill_id).
# Only fills with a neighbour in time that near are paired (a fill's nearest is the one before
# or after it); they are bucketed by time: a pair lies in one bucket or in two consecutive ones.
SYNC_PAIRS = """
CREATE OR REPLACE TEMP TABLE pairs AS
WITH neighbours AS (
  SELECT pos, t_us - lag(t_us) OVER (PARTITION BY instrument ORDER BY t_us) AS after_previous,
         lead(t_us) OVER (PARTITION BY instrument ORDER BY t_us) - t_us AS before_next
  FROM broker_fills),
timed AS (
  SELECT pos, fill_id, account_id, instrument, broker_ref, t_us, t_us // $window_us AS bucket FROM broker_fills
  WHERE pos IN (SELECT pos FROM neighbours WHERE after_previous <= $window_us OR before_next <= $window_us)),
near AS (
  SELECT x.pos AS pos_a, x.fill_id AS fill_id_a, x.account_id AS account_a, x.broker_ref AS ref_a, x.t_us AS t_a,
         y.pos AS pos_b, y.fill_id AS fill_id_b, y.account_id AS account_b, y.broker_ref AS ref_b, y.t_us AS t_b
  FROM timed x JOIN timed y ON y.instrument = x.instrument AND y.bucket = x.bucket
  UNION ALL
  SELECT x.pos, x.fill_id, x.account_id, x.broker_ref, x.t_us, y.pos, y.fill_id, y.account_id, y.broker_ref, y.t_us
  FROM timed x JOIN timed y ON y.instrument = x.instrument AND y.bucket = x.bucket + 1)
SELECT pos_a AS fill_a, pos_b AS fill_b, account_a, account_b FROM near
WHERE t_b - t_a <= $window_us AND (t_b > t_a OR (t_b = t_a AND fill_id_b > fill_id_a))
  AND account_b <> account_a AND ref_b <> ref_a
"""

COUNTED_PAIRS = """
SELECT account_a, account_b, count(*) AS pairs
FROM (SELECT least(account_a, account_b) AS account_a, greatest(account_a, account_b) AS account_b FROM pairs) p
GROUP BY account_a, account_b ORDER BY account_a, account_b
"""

# Fills per account with synchronised fills, instrument and UTC day; per instrument and day, the
# span between the first and the last fill of every broker-side account; the accounts with fills.
FILL_ACTIVITY = """
SELECT account_id, instrument, day, count(*) AS n FROM broker_fills
WHERE account_id IN (SELECT account_a FROM pairs UNION SELECT account_b FROM pairs)
GROUP BY account_id, instrument, day
"""

# Per pair of accounts in ``sync_candidates`` (account_a, account_b), its fill pairs of one
# instrument on days ``habit_shifts`` (days) apart within $window_us of each other's time of
# day (UTC): each fill of account_a, moved by each shift in days and to its time-of-day bucket
# and both neighbours (buckets), is joined to account_b's fills of that day and bucket.
HABIT_MEETINGS = """
WITH timed AS (
  SELECT account_id, instrument, day, t_us - day * $day_us AS tod, (t_us - day * $day_us) // $window_us AS bucket
  FROM broker_fills
  WHERE account_id IN (SELECT account_a FROM sync_candidates UNION SELECT account_b FROM sync_candidates)),
moved AS (
  SELECT c.account_a, c.account_b, x.instrument, x.day + s.days AS day, x.bucket + s.buckets AS bucket, x.tod
  FROM sync_candidates c JOIN timed x ON x.account_id = c.account_a CROSS JOIN habit_shifts s)
SELECT x.account_a, x.account_b, count(*) AS meetings
FROM moved x JOIN timed y ON y.account_id = x.account_b AND y.instrument = x.instrument AND y.day = x.day
                            AND y.bucket = x.bucket
WHERE abs(y.tod - x.tod) <= $window_us
GROUP BY x.account_a, x.account_b
"""
# The shifts of HABIT_MEETINGS: each of HABIT_DAY_SHIFTS, with the bucket before, the same and the next.
HABIT_SHIFTS = pd.DataFrame([(days, buckets) for days in HABIT_DAY_SHIFTS for buckets in (-1, 0, 1)],
                            columns=["days", "buckets"])

FILL_SPANS = "SELECT instrument, day, max(t_us) - min(t_us) AS span_us FROM broker_fills GROUP BY instrument, day"

FILL_ACCOUNTS = "SELECT count(DISTINCT account_id) AS candidates FROM broker_fills"


def identifier_use(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per device (IP) and broker-side account on it, where two or more such accounts used it:
    (evidence, key, users, account_id, days, login_days) — the identifier's distinct users,
    the account's local days on it, and its local days of logins on any device (IP)."""
    for column, _ in IDENTIFIERS:
        connection.execute(_SHARED_IDENTIFIERS.format(column=column))
        connection.execute(_SHARING_ACCOUNTS.format(column=column))
    frame = connection.sql(IDENTIFIER_USE).df()
    return frame[list(IDENTIFIER_USE_COLUMNS)].astype({"users": "int64", "days": "int64", "login_days": "int64"})


def login_sittings(connection: duckdb.DuckDBPyConnection, public: pd.DataFrame, *,
                   window_s: int = SITTING_WINDOW_S) -> pd.DataFrame:
    """The sittings :func:`casegraph.queries.evidence.identifier_links` judges, of the accounts
    ``public`` (:func:`casegraph.queries.evidence.public_use`) on their identifiers: a frame of
    ``SITTING_COLUMNS``."""
    if public.empty:
        return pd.DataFrame(columns=list(SITTING_COLUMNS)).astype({"sittings": "int64", "span_us": "int64"})
    connection.register("public_use", arrow_table(public[["evidence", "key", "account_id"]].astype(object)))
    frame = connection.execute(LOGIN_SITTINGS, {"window_us": window_s * 1_000_000}).df()
    return frame[list(SITTING_COLUMNS)].astype({"sittings": "int64", "span_us": "int64"})


def funding_links(connection: duckdb.DuckDBPyConnection, max_funded: int = MAX_FUNDED_ACCOUNTS) -> pd.DataFrame:
    """(account_id, 'common_funding', source, detail) for payers of 2..``max_funded``
    broker-side accounts in the connection's ``funding`` (source, account_id); detail:
    ``(funds <n> accounts)``.

    >>> funding = pd.DataFrame({"source": ["BC9", "BC9", "BC1"], "account_id": ["SA", "SB", "SA"]})
    >>> funding_links(duckdb_connection(funding=funding))[["account_id", "key", "detail"]].values.tolist()
    [['SA', 'BC9', '(funds 2 accounts)'], ['SB', 'BC9', '(funds 2 accounts)']]
    """
    return links_frame(connection.execute(FUNDING_LINKS, {"max_funded": max_funded}).df())


def sync_fill_pairs(connection: duckdb.DuckDBPyConnection, window_ms: int = SYNC_WINDOW_MS) -> None:
    """The connection's table ``pairs`` (fill_a, fill_b, account_a, account_b): every pair of its
    ``broker_fills`` (pos, fill_id, account_id, instrument, broker_ref, t_us) of one instrument
    within ``window_ms`` of each other, on different accounts and of different broker orders,
    once; fills by ``pos``.

    >>> fills = pd.DataFrame({"pos": [0, 1, 2], "fill_id": ["F1", "F2", "F3"], "account_id": ["A", "B", "C"],
    ...                       "instrument": "HSI", "broker_ref": ["R1", "R2", "R3"], "t_us": [0, 60_000, 200_000]})
    >>> connection = duckdb_connection(broker_fills=fills)
    >>> sync_fill_pairs(connection)
    >>> connection.sql("SELECT fill_a, fill_b FROM pairs").fetchall()
    [(0, 1)]
    """
    connection.execute(SYNC_PAIRS, {"window_us": window_ms * 1000})


def counted_pairs(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Synchronised fill pairs (the connection's ``pairs``: :func:`sync_fill_pairs`) counted
    per pair of accounts (account_a < account_b): pairs."""
    counted = connection.sql(COUNTED_PAIRS).df()
    return counted.astype({"account_a": object, "account_b": object, "pairs": "int64"})


def fill_activity(connection: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per account with synchronised fills, instrument and UTC day, its fills (``n``); per
    instrument and day, the ``span_us`` between the first and the last fill of every
    broker-side account."""
    return connection.sql(FILL_ACTIVITY).df(), connection.sql(FILL_SPANS).df()


def evidence_links(connection: duckdb.DuckDBPyConnection, *, max_funded: int = MAX_FUNDED_ACCOUNTS,
                   window_ms: int = SYNC_WINDOW_MS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The evidence kept against chance: (links, synced) — shared identifiers and common
    funding as (account_id, evidence, key, detail), synchronised orders as (account_a,
    account_b, pairs, expected) — of the accounts that are not the platforms' own
    (:data:`PLATFORM_ACCOUNTS`). ``connection``: :func:`evidence_connection`'s, which keeps the
    synchronised fills as ``pairs`` (:func:`sync_fill_pairs`)."""
    ((n_users, logged_in),) = connection.execute(LOGIN_POPULATION).fetchall()
    habitual = habitual_use(identifier_use(connection), n_users=int(n_users), n_candidates=int(logged_in))
    links = pd.concat([identifier_links(habitual, login_sittings(connection, public_use(habitual)),
                                        n_candidates=int(logged_in)),
                       funding_links(connection, max_funded)],
                      ignore_index=True)
    sync_fill_pairs(connection, window_ms)
    activity, spans = fill_activity(connection)
    ((n_candidates,),) = connection.execute(FILL_ACCOUNTS).fetchall()
    synced = sync_links(counted_pairs(connection), activity, spans, n_candidates=int(n_candidates),
                        window_ms=window_ms)
    return beyond_platforms_and_habits(
        links, synced, platform_accounts=connection.sql(PLATFORM_ACCOUNTS).df()["account_id"], activity=activity,
        habit_meetings=lambda pairs: habit_meetings(connection, pairs, window_ms=window_ms),
        n_candidates=int(n_candidates))


def habit_meetings(connection: duckdb.DuckDBPyConnection, synced: pd.DataFrame, *,
                   window_ms: int = SYNC_WINDOW_MS) -> pd.DataFrame:
    """Per pair of ``synced`` (account_a, account_b), its ``meetings`` on days apart
    (:data:`HABIT_MEETINGS`), as :func:`casegraph.queries.evidence.beyond_habits` takes them."""
    connection.register("sync_candidates", arrow_table(synced[["account_a", "account_b"]].astype(object)))
    connection.register("habit_shifts", HABIT_SHIFTS)
    frame = connection.execute(HABIT_MEETINGS, {"window_us": window_ms * 1000, "day_us": DAY_US}).df()
    return frame.astype({"meetings": "int64"})


# -- the groups ------------------------------------------------------------------------------------
def group_membership(links: pd.DataFrame, synced: pd.DataFrame, *, components=component_labels) -> pd.DataFrame:
    """(account_id, group_id): connected components of ≥ 2 accounts of the evidence graph, with
    ``group_id`` = ``AG-`` + the smallest account_id. ``components``: what finds them
    (:func:`component_labels`; the Spark engine's runs on Spark).

    >>> links = pd.DataFrame({"account_id": ["B", "C"], "evidence": "shared_device", "key": "D1"})
    >>> synced = pd.DataFrame({"account_a": ["E"], "account_b": ["F"], "pairs": [9]})
    >>> group_membership(links, synced).values.tolist()
    [['B', 'AG-B'], ['C', 'AG-B'], ['E', 'AG-E'], ['F', 'AG-E']]
    """
    edges = evidence_edges(links, synced)
    # Every node of the graph is in an edge: each component holds two accounts or more.
    labels = components(edges)
    members = pd.DataFrame({"account_id": labels.index.to_numpy(dtype=object),
                            "group_id": ("AG-" + labels.astype(object)).to_numpy(dtype=object)})
    return members.sort_values(["group_id", "account_id"], ignore_index=True)


# Per member account (the connection's ``members`` and ``links``): its holder, and its group's
# controller by the first rule that names a person (see casegraph.queries.evidence):
# 1. the holder of the payer of the most group accounts (then most money, smallest id);
# 2. the holder of the account that paid two or more of the accounts that paid the group's
#    accounts, the most of them (then most money, smallest id);
# 3. the holder of the mother account most group accounts are split off (then smallest id);
# 4. the person who most often used the group's shared devices and IPs other than through the
#    group's own accounts: actors who are persons, holders of other accounts (then smallest id).
GROUP_ROWS = """
WITH paid AS (
  SELECT m.group_id, f.source, h.holder_person_id AS holder, f.account_id, f.amount_cny
  FROM funding f
  JOIN links c ON c.evidence = 'common_funding' AND c.key = f.source AND c.account_id = f.account_id
  JOIN members m ON m.account_id = f.account_id
  JOIN accounts h ON h.account_id = f.source
  WHERE h.holder_person_id IS NOT NULL AND h.holder_person_id NOT IN (SELECT person_id FROM cashiers)),
per_payer AS (
  SELECT group_id, source, holder, count(DISTINCT account_id) AS n_accounts, sum(amount_cny) AS amount
  FROM paid GROUP BY group_id, source, holder),
by_funding AS (
  SELECT group_id, holder AS person,
         row_number() OVER (PARTITION BY group_id ORDER BY n_accounts DESC, amount DESC, source) AS rank
  FROM per_payer),
sources AS (
  SELECT DISTINCT m.group_id, f.source FROM funding f JOIN members m ON m.account_id = f.account_id),
upstream AS (
  SELECT s.group_id, t.payer, count(DISTINCT s.source) AS n_sources, sum(t.amount_cny) AS amount
  FROM sources s JOIN feeding t ON t.source = s.source
  GROUP BY s.group_id, t.payer HAVING count(DISTINCT s.source) >= 2),
by_upstream AS (
  SELECT u.group_id, h.holder_person_id AS person,
         row_number() OVER (PARTITION BY u.group_id ORDER BY u.n_sources DESC, u.amount DESC, u.payer) AS rank
  FROM upstream u JOIN accounts h ON h.account_id = u.payer
  WHERE h.holder_person_id IS NOT NULL AND h.holder_person_id NOT IN (SELECT person_id FROM cashiers)),
shared AS (
  SELECT DISTINCT l.evidence, l.key, m.group_id FROM links l JOIN members m ON m.account_id = l.account_id
  WHERE l.evidence IN ('shared_device', 'shared_ip')),
on_shared AS (
  SELECT s.group_id, g.account_id, g.actor_id
  FROM shared s JOIN logins g ON s.evidence = 'shared_device' AND g.device_id = s.key
  UNION ALL
  SELECT s.group_id, g.account_id, g.actor_id
  FROM shared s JOIN logins g ON s.evidence = 'shared_ip' AND g.ip = s.key),
others AS (
  SELECT o.group_id, o.account_id, o.actor_id
  FROM on_shared o LEFT JOIN members m ON m.account_id = o.account_id
  WHERE m.group_id IS NULL OR m.group_id <> o.group_id),
uses AS (
  SELECT group_id, actor_id AS person FROM others WHERE actor_id IN (SELECT person_id FROM persons)
  UNION ALL
  SELECT o.group_id, h.holder_person_id FROM others o JOIN accounts h ON h.account_id = o.account_id
  WHERE h.holder_person_id IS NOT NULL),
by_login AS (
  SELECT group_id, person, row_number() OVER (PARTITION BY group_id ORDER BY n DESC, person) AS rank
  FROM (SELECT group_id, person, count(*) AS n FROM uses GROUP BY group_id, person) counted),
split AS (
  SELECT m.group_id, a.parent_account_id AS mother, count(*) AS n
  FROM members m JOIN accounts a ON a.account_id = m.account_id
  WHERE a.parent_account_id IS NOT NULL GROUP BY m.group_id, a.parent_account_id),
by_mother AS (
  SELECT s.group_id, h.holder_person_id AS person,
         row_number() OVER (PARTITION BY s.group_id ORDER BY s.n DESC, s.mother) AS rank
  FROM split s JOIN accounts h ON h.account_id = s.mother WHERE h.holder_person_id IS NOT NULL)
SELECT m.group_id, m.account_id, a.holder_person_id, coalesce(f.person, u.person, o.person, l.person) AS controller_id
FROM members m
LEFT JOIN accounts a ON a.account_id = m.account_id
LEFT JOIN by_funding f ON f.group_id = m.group_id AND f.rank = 1
LEFT JOIN by_upstream u ON u.group_id = m.group_id AND u.rank = 1
LEFT JOIN by_login l ON l.group_id = m.group_id AND l.rank = 1
LEFT JOIN by_mother o ON o.group_id = m.group_id AND o.rank = 1
"""


# -- group figures ---------------------------------------------------------------------------------
# Per group (the connection's ``members``): the synchronised pairs of fills on two of its
# accounts, and the share of its fills in such a pair.
ORDER_TIMING = """
WITH inside AS (
  SELECT a.group_id, p.fill_a, p.fill_b FROM pairs p
  JOIN members a ON a.account_id = p.account_a JOIN members b ON b.account_id = p.account_b
  WHERE a.group_id = b.group_id),
paired AS (SELECT group_id, count(*) AS n FROM inside GROUP BY group_id),
timed AS (SELECT group_id, count(*) AS n
          FROM (SELECT group_id, fill_a AS fill FROM inside UNION SELECT group_id, fill_b FROM inside) t
          GROUP BY group_id),
filled AS (SELECT m.group_id, count(*) AS n FROM broker_fills f JOIN members m ON m.account_id = f.account_id
           GROUP BY m.group_id)
SELECT f.group_id, coalesce(p.n, 0) AS sync_order_pairs, coalesce(t.n, 0) / f.n AS orders_within_100ms_share
FROM filled f LEFT JOIN paired p ON p.group_id = f.group_id LEFT JOIN timed t ON t.group_id = f.group_id
"""

# The groups' fills in the statements' order, each with whether its counterparty is another
# account of its group.
GROUP_FILLS = """
SELECT m.group_id, f.broker_ref, f.instrument, f.side, f.qty, f.price,
       coalesce(c.group_id = m.group_id AND f.counterparty_account_id <> f.account_id, FALSE) AS names_other
FROM broker_fills f JOIN members m ON m.account_id = f.account_id
LEFT JOIN members c ON c.account_id = f.counterparty_account_id
ORDER BY f.pos
"""

# Every broker-side account's filled lots per instrument.
MARKET_LOTS = "SELECT instrument, sum(qty) AS qty FROM broker_fills GROUP BY instrument"


def self_trades(mine: pd.DataFrame) -> pd.DataFrame:
    """Per group_id: ``self_trade_count``, ``self_trade_qty``, ``self_trade_notional_points``
    (see :mod:`casegraph.queries.evidence`: one per broker order with both sides inside the
    group). ``mine``: the groups' fills (:data:`GROUP_FILLS`)."""
    mine = mine.assign(buy=mine["qty"].where(mine["side"] == "B", 0.0),
                       sell=mine["qty"].where(mine["side"] == "S", 0.0),
                       value=mine["qty"] * mine["price"])
    orders = mine.groupby(["group_id", "broker_ref"]).agg(
        buy=("buy", "sum"), sell=("sell", "sum"), qty=("qty", "sum"), value=("value", "sum"),
        names_other=("names_other", "any")).reset_index()
    both_sides = (orders["buy"] > 0) & (orders["sell"] > 0)
    orders = orders[(both_sides | orders["names_other"]).to_numpy()]
    matched = np.where(both_sides[orders.index], np.minimum(orders["buy"], orders["sell"]),
                       orders["buy"] + orders["sell"])
    orders = orders.assign(matched=matched, points=matched * orders["value"] / orders["qty"])
    return orders.groupby("group_id").agg(self_trade_count=("broker_ref", "size"),
                                          self_trade_qty=("matched", "sum"),
                                          self_trade_notional_points=("points", "sum"))


def volume_shares(mine: pd.DataFrame, market_lots: pd.Series) -> pd.Series:
    """Per group_id: its filled lots / all filled lots on the instruments it trades
    (``market_lots``: per instrument)."""
    group_qty = mine.groupby("group_id")["qty"].sum()
    instruments = mine[["group_id", "instrument"]].drop_duplicates()
    market_qty = instruments["instrument"].map(market_lots).groupby(instruments["group_id"]).sum()
    return (group_qty / market_qty).rename("volume_share")


def group_figures(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per group_id of the connection's ``members``: the figures of :mod:`casegraph.queries.evidence`."""
    mine = connection.sql(GROUP_FILLS).df()
    market_lots = connection.sql(MARKET_LOTS).df().set_index("instrument")["qty"]
    timing = connection.sql(ORDER_TIMING).df().set_index("group_id")
    return pd.concat([self_trades(mine), timing, volume_shares(mine, market_lots)], axis=1)


def vendor_addresses(case: Case) -> pd.DataFrame:
    """(evidence, key): the devices (``shared_device``) and IPs (``shared_ip``) the software
    vendor's staff (memberships.csv: a role in a vendor) log in from, as
    :func:`casegraph.queries.evidence.without_vendor_addresses` takes them."""
    memberships = case["memberships"]
    staff = memberships.loc[is_in(memberships["org_id"], case["vendors"]["vendor_id"]), "person_id"].dropna()
    logins = case.rows_where("logins", "actor_id", sorted(staff.unique()))
    return pd.concat([pd.DataFrame({"evidence": "shared_device", "key": logins["device_id"].astype(object)}),
                      pd.DataFrame({"evidence": "shared_ip", "key": logins["ip"].astype(object)})],
                     ignore_index=True).dropna().drop_duplicates(ignore_index=True)


def split_off(case: Case) -> pd.DataFrame:
    """(account_id, parent_account_id): the sub accounts accounts.csv splits off a mother
    account, as :func:`casegraph.queries.evidence.without_lone_ties` takes them."""
    return case["accounts"][["account_id", "parent_account_id"]].dropna()


def account_groups(case: Case, *, max_funded: int = MAX_FUNDED_ACCOUNTS,
                   window_ms: int = SYNC_WINDOW_MS, components=component_labels,
                   connect=duckdb_connection, made: dict | None = None) -> pd.DataFrame:
    """account_groups.csv: one row per account of every group, with the group's evidence,
    controller and figures (see :mod:`casegraph.queries.evidence` for every rule);
    ``components``: as in :func:`group_membership`; ``connect``: the connection the SQL runs on,
    and ``made`` the tables made elsewhere (:func:`evidence_connection`, by keyword)."""
    connection = evidence_connection(case, connect=connect, **(made or {}))
    links, synced = kept_evidence(*evidence_links(connection, max_funded=max_funded, window_ms=window_ms),
                                  vendor_addresses=vendor_addresses(case), split_off=split_off(case))
    members = group_membership(links, synced, components=components)
    if members.empty:
        return finish_groups(pd.DataFrame())
    connection.register("links", links)
    connection.register("members", members)
    rows = connection.sql(GROUP_ROWS).df()
    rows["evidence"] = evidence_text(rows, links, synced).to_numpy()
    rows = rows.join(group_figures(connection), on="group_id")
    rows[["self_trade_count", "sync_order_pairs"]] = rows[["self_trade_count", "sync_order_pairs"]].fillna(0)
    rows[list(FLOAT_COLUMNS)] = rows[list(FLOAT_COLUMNS)].fillna(0.0)
    return finish_groups(rows)
