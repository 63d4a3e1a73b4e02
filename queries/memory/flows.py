"""Fund-flow analyses (资金分析) in memory: the relational part in DuckDB SQL (which the Spark
engine runs on Spark: ``connect=``), the bounded cycle search as SQL joins hop by hop, the rules, evidence and
order in :mod:`casegraph.queries.flow_rules` (the Neo4j engine's twin:
:mod:`casegraph.queries.neo4j.flows`).

Every question reads ``bank_transfers`` as it is: the ingest has already merged the two
sides' copies of a transfer and dropped reversals and failed entries. A cash deposit or
withdrawal (channel ``cash``) has no account on its cash side.

>>> from casegraph.loaders.case import load_case                     # doctest: +SKIP
>>> account_flows(load_case("mycase")).head()                        # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from casegraph.loaders.case import Case
from casegraph.loaders.fx import transfers_in_cny
from casegraph.loaders.read import local_day_numbers, utc_micros
from casegraph.loaders.validate import lookup

from ..columnar import duckdb_connection, positions
from ..flow_rules import (
    ACCOUNT_FACT_COLUMNS,
    FLOW_TOTAL_COLUMNS,
    IDENTIFIER_COLUMNS,
    LEG_COLUMNS,
    MARKED_COLUMNS,
    PASS_THROUGH_COLUMNS,
    REQUEST_INPUT_COLUMNS,
    WINDOW_COLUMNS,
    FlowRules,
    cycle_rows,
    fan_rows,
    finish_account_flows,
    finish_patterns,
    finish_statement_requests,
    likely_fan_windows,
    marked_rows,
    pass_through_rows,
    shared_device_rows,
    used_beyond_chance,
)
from .cycle_candidates import peeled, within_strong_parts


def transfer_frame(case: Case) -> pd.DataFrame:
    """The transfers as the SQL below reads them: txn_id, t_us (UTC µs), from_account,
    to_account (empty on a cash side), amount (CNY fen), cash, hour (local hour of day)."""
    transfers = transfers_in_cny(case)
    ts = transfers["ts"]
    channel = transfers["channel"] if "channel" in transfers else pd.Series(pd.NA, index=transfers.index)
    return pd.DataFrame({
        "txn_id": transfers["txn_id"].astype("string"),
        "t_us": utc_micros(ts),
        "from_account": transfers["from_account"].astype("string"),
        "to_account": transfers["to_account"].astype("string"),
        "amount": transfers["amount_cny"].astype("int64"),
        "cash": (channel.astype("string").str.lower() == "cash").fillna(False).astype(bool),
    }).reset_index(drop=True).pipe(with_local_hour, case.config.timezone)


def with_local_hour(transfers: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """The transfers with ``hour``: the hour of day of ``t_us`` in the case timezone."""
    moments = pd.to_datetime(transfers["t_us"].to_numpy(dtype="int64"), unit="us", utc=True)
    return transfers.assign(hour=moments.tz_convert(timezone).hour.to_numpy().astype("int64"))


# Each transfer seen from each account it touches: 'in' for the receiver, 'out' for the payer.
# A view, not a table: twice the transfers as a table spilled to disk at 5 million (DuckDB's
# memory limit), and each query's own scan of the transfers measured 3-7x faster than that.
LEGS = """
CREATE OR REPLACE TEMP VIEW legs AS
SELECT from_account AS account_id, 'out' AS direction, to_account AS counterparty, txn_id, t_us, amount, cash, hour
FROM transfers WHERE from_account IS NOT NULL
UNION ALL
SELECT to_account, 'in', from_account, txn_id, t_us, amount, cash, hour
FROM transfers WHERE to_account IS NOT NULL
"""

FLOW_TOTALS = """
SELECT account_id,
       count(*) FILTER (WHERE direction = 'in') AS n_in,
       CAST(coalesce(sum(amount) FILTER (WHERE direction = 'in'), 0) AS BIGINT) AS amount_in,
       count(*) FILTER (WHERE direction = 'out') AS n_out,
       CAST(coalesce(sum(amount) FILTER (WHERE direction = 'out'), 0) AS BIGINT) AS amount_out,
       CAST(coalesce(sum(amount) FILTER (WHERE direction = 'in' AND cash), 0) AS BIGINT) AS cash_in,
       CAST(coalesce(sum(amount) FILTER (WHERE direction = 'out' AND cash), 0) AS BIGINT) AS cash_out,
       min(t_us) AS first_t_us, max(t_us) AS last_t_us,
       count(DISTINCT counterparty) AS n_counterparties
FROM legs GROUP BY account_id
"""


def _connection(case: Case, transfers: pd.DataFrame | None = None, *, connect=duckdb_connection):
    connection = connect(transfers=transfer_frame(case) if transfers is None else transfers,
                         known=_statement_accounts(case))
    connection.execute(LEGS)
    return connection


def _statement_accounts(case: Case) -> pd.DataFrame:
    statements = case.tables.get("statements")
    ids = statements["account_id"].dropna().astype("string").unique() if statements is not None else []
    return pd.DataFrame({"account_id": pd.Series(ids, dtype="string")})


def account_facts(case: Case, account_ids: pd.Series) -> pd.DataFrame:
    """:data:`ACCOUNT_FACT_COLUMNS` of ``account_ids``: aliases, holder and their name, the
    institution (the account's, else its statement's), whether its statement is in hand. An
    id's facts are its first row's (accounts, persons and statements by Arrow's ``index_in``:
    pandas' reindex of text indexes took 0.5 s at 10x seed)."""
    accounts, persons = case["accounts"], case["persons"]
    statements = case.tables.get("statements", pd.DataFrame({"account_id": [], "institution": []}, dtype="string"))
    ids = pd.Series(account_ids.astype("string").unique(), name="account_id")
    at_account, at_statement = positions(ids, accounts["account_id"]), positions(ids, statements["account_id"])

    def of_account(column: str) -> pd.Series:
        return lookup(ids, accounts["account_id"], accounts[column], rows=at_account)

    holders = of_account("holder_person_id")
    return pd.DataFrame({
        "account_id": ids,
        "aliases": of_account("aliases"),
        "holder_person_id": holders,
        "holder_name": lookup(holders, persons["person_id"], persons["name"]),
        "institution": of_account("institution").fillna(
            lookup(ids, statements["account_id"], statements["institution"], rows=at_statement)),
        "statement_obtained": at_statement >= 0,
    })[list(ACCOUNT_FACT_COLUMNS)]


def account_flows(case: Case, *, connect=duckdb_connection, transfers=None) -> pd.DataFrame:
    """account_flows.csv: per account with transfers or a statement, its money in and out
    (``connect``: the connection the SQL runs on, as in :func:`.figures.client_figures`;
    ``transfers``: the case's :func:`transfer_frame`, if made already, e.g. by Spark)."""
    connection = _connection(case, transfers, connect=connect)
    totals = connection.sql(FLOW_TOTALS).df()[list(FLOW_TOTAL_COLUMNS)]
    ids = pd.concat([totals["account_id"].astype("string"), _statement_accounts(case)["account_id"]])
    return finish_account_flows(totals, account_facts(case, ids), timezone=case.config.timezone)


STATEMENT_REQUESTS = """
WITH moved AS (
  SELECT account_id, counterparty, count(*) AS n, CAST(sum(amount) AS BIGINT) AS amount FROM legs
  WHERE counterparty IN (SELECT account_id FROM known) AND account_id NOT IN (SELECT account_id FROM known)
  GROUP BY account_id, counterparty)
SELECT account_id, CAST(sum(amount) AS BIGINT) AS amount_with_known, CAST(sum(n) AS BIGINT) AS n_transfers,
       count(*) AS n_known_counterparties, arg_max(counterparty, (amount, counterparty)) AS top_counterparty,
       max(amount) AS top_amount
FROM moved GROUP BY account_id
"""


def statement_requests(case: Case, *, connect=duckdb_connection, transfers=None) -> pd.DataFrame:
    """statement_requests.csv (调单建议): accounts whose statements are not in hand, ranked by
    the money they moved with accounts whose statements are (``connect``, ``transfers``: as in
    :func:`account_flows`)."""
    found = _connection(case, transfers, connect=connect).sql(STATEMENT_REQUESTS).df()
    facts = account_facts(case, found["account_id"])[["account_id", "holder_name", "institution"]]
    found = found.astype({"account_id": "string"}).merge(facts, on="account_id", how="left")
    return finish_statement_requests(found[list(REQUEST_INPUT_COLUMNS)])


# -- patterns ------------------------------------------------------------------------------------
PASS_THROUGH = """
WITH ins AS (SELECT account_id, txn_id, t_us, amount, t_us // $pt_window + k AS bucket
             FROM legs, (SELECT unnest([0, 1]) AS k) WHERE direction = 'in' AND amount >= $pt_min),
outs AS (SELECT account_id, txn_id, t_us, amount, t_us // $pt_window AS bucket FROM legs WHERE direction = 'out'),
pairs AS (
  SELECT i.account_id, i.txn_id AS in_txn, i.t_us AS in_t_us, i.amount AS in_amount, o.txn_id AS out_txn,
         o.t_us AS out_t_us,
         sum(o.amount) OVER (PARTITION BY i.txn_id, i.account_id ORDER BY o.t_us, o.txn_id
                             ROWS UNBOUNDED PRECEDING) AS cum,
         row_number() OVER (PARTITION BY i.txn_id, i.account_id ORDER BY o.t_us, o.txn_id) AS k
  FROM ins i JOIN outs o ON o.account_id = i.account_id AND o.bucket = i.bucket
   AND o.t_us > i.t_us AND o.t_us <= i.t_us + $pt_window),
reached AS (
  SELECT account_id, in_txn, min(k) AS k FROM pairs
  WHERE CAST(cum AS HUGEINT) * 1000 >= CAST(in_amount AS HUGEINT) * $pt_low GROUP BY account_id, in_txn)
SELECT p.account_id, p.in_txn, any_value(p.in_t_us) AS in_t_us, any_value(p.in_amount) AS in_amount,
       list(p.out_txn ORDER BY p.k) AS out_txns, CAST(max(p.cum) AS BIGINT) AS out_amount,
       max(p.out_t_us) AS out_t_us
FROM pairs p JOIN reached r ON r.account_id = p.account_id AND r.in_txn = p.in_txn AND p.k <= r.k
GROUP BY p.account_id, p.in_txn
HAVING CAST(max(p.cum) AS HUGEINT) * 1000 <= CAST(any_value(p.in_amount) AS HUGEINT) * $pt_high
"""

# The window's length is written into the frame (DuckDB takes no parameter there): an integer.
# The distinct counterparties of a window [t, t + window] are its transfers less the repeats: a
# transfer counts unless its counterparty's previous one is in the window too. One more than a
# window after its counterparty's previous one always counts (fresh); a repeat counts where the
# gap from that previous one to it holds t: the gaps opened before t (by a transfer whose
# counterparty's next one is a repeat) less those closed before t (by the repeats), a running
# sum. Plain sums over windows: count(DISTINCT) over each window took DuckDB 1.5x as long at
# a million transfers and more, and Spark (which has no such count) a set per window.
# Only accounts with as many transfers as a window needs counterparties are counted.
FAN_WINDOWS = """
WITH sides AS (SELECT account_id, counterparty, t_us FROM legs
               WHERE direction = $direction AND counterparty IS NOT NULL),
busy AS (SELECT account_id FROM sides GROUP BY account_id HAVING count(*) >= $min_cp),
gaps AS (SELECT account_id, t_us,
                t_us - lag(t_us) OVER (PARTITION BY account_id, counterparty ORDER BY t_us) AS since_us,
                lead(t_us) OVER (PARTITION BY account_id, counterparty ORDER BY t_us) - t_us AS until_us
         FROM sides WHERE account_id IN (SELECT account_id FROM busy)),
marked AS (SELECT account_id, t_us, CASE WHEN since_us <= {window} THEN 0 ELSE 1 END AS fresh,
                  CASE WHEN until_us <= {window} THEN 1 ELSE 0 END - CASE WHEN since_us <= {window} THEN 1 ELSE 0 END
                    AS opened
           FROM gaps),
windows AS (
  SELECT account_id, t_us AS start_t_us, count(*) OVER w AS n_window,
         sum(fresh) OVER w + coalesce(sum(opened) OVER (PARTITION BY account_id ORDER BY t_us
                                                        RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
           AS n_counterparties,
         count(*) OVER (PARTITION BY account_id) AS n_total,
         max(t_us) OVER (PARTITION BY account_id) - min(t_us) OVER (PARTITION BY account_id) AS span_us
  FROM marked WINDOW w AS (PARTITION BY account_id ORDER BY t_us RANGE BETWEEN CURRENT ROW AND {window} FOLLOWING))
SELECT account_id, start_t_us, CAST(n_counterparties AS BIGINT) AS n_counterparties, n_window, n_total, span_us
FROM windows WHERE n_counterparties >= $min_cp
"""

CANDIDATE_LEGS = """
SELECT account_id, direction, counterparty, txn_id, t_us, amount FROM legs
WHERE account_id IN (SELECT account_id FROM chosen) AND counterparty IS NOT NULL
"""

# Transfers marked round or at night, per account, with the account's transfers in all; only of
# the accounts with enough of them, in number and in share (the others make no row, and at 5
# million transfers the night's of every account were a million rows for pandas to group).
MARKED = """
WITH counted AS (SELECT account_id, count(*) AS n_transfers FROM legs GROUP BY account_id),
marked AS (SELECT l.account_id, c.n_transfers, l.txn_id, l.t_us, l.amount
           FROM legs l JOIN counted c USING (account_id) WHERE {condition}),
enough AS (SELECT account_id FROM marked GROUP BY account_id, n_transfers
           HAVING count(*) >= $min_count AND count(*) * 1000 >= n_transfers * $min_share)
SELECT * FROM marked WHERE account_id IN (SELECT account_id FROM enough)
"""
ROUND = "l.amount >= $round_min AND l.amount % $round_unit = 0"
# A night that wraps midnight (22:00 to 06:00) is start ≤ hour or hour < end.
NIGHT = ("CASE WHEN $night_start < $night_end THEN l.hour >= $night_start AND l.hour < $night_end "
         "ELSE l.hour >= $night_start OR l.hour < $night_end END")


def pass_through(connection, rules: FlowRules) -> pd.DataFrame:
    """:data:`PASS_THROUGH_COLUMNS`: each inflow and the outflows that carried it on."""
    params = rules.parameters()
    found = connection.execute(PASS_THROUGH, {k: params[k] for k in ("pt_min", "pt_window", "pt_low", "pt_high")})
    frame = found.df()
    frame["out_txns"] = frame["out_txns"].map(list)
    return frame[list(PASS_THROUGH_COLUMNS)]


def fan_windows(connection, pattern: str, rules: FlowRules) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(:data:`WINDOW_COLUMNS` of the windows that count, :data:`LEG_COLUMNS` of their
    accounts) for fan_in or fan_out."""
    direction = "in" if pattern == "fan_in" else "out"
    query = FAN_WINDOWS.format(window=int(rules.fan_window_us(pattern)))
    windows = connection.execute(query, {"direction": direction, "min_cp": rules.fan_min(pattern)}).df()[
        list(WINDOW_COLUMNS)]
    # Only the windows that count make rows, and only their accounts' legs: a busy account's
    # windows rarely count (fan_rows tests the windows again, each alone: the same ones count).
    windows = likely_fan_windows(pattern, windows, rules)[list(WINDOW_COLUMNS)]
    chosen = windows["account_id"].unique()
    connection.register("chosen", pd.DataFrame({"account_id": pd.Series(chosen, dtype=windows["account_id"].dtype)}))
    legs = connection.sql(CANDIDATE_LEGS).df()[list(LEG_COLUMNS)]
    return windows, legs


def marked(connection, pattern: str, rules: FlowRules) -> pd.DataFrame:
    """:data:`MARKED_COLUMNS` for round_amounts or night."""
    params = rules.parameters()
    if pattern == "round_amounts":
        query, keys = MARKED.format(condition=ROUND), ("round_min", "round_unit")
    else:
        query, keys = MARKED.format(condition=NIGHT), ("night_start", "night_end")
    min_count, min_share = rules.marked_minimum(pattern)
    return connection.execute(query, {**{k: params[k] for k in keys}, "min_count": min_count,
                                      "min_share": min_share}).df()[list(MARKED_COLUMNS)]


# The IPs and devices, and the accounts, that logins name, as numbers: at 5 million logins,
# grouping them by the text of address and account took DuckDB past its memory to disk.
# Numbered in an order: Spark numbers only ordered rows, and so the numbers are the same on both.
LOGIN_KEYS = """
CREATE OR REPLACE TEMP TABLE login_keys AS
SELECT kind, key, row_number() OVER (ORDER BY kind, key) AS key_no
FROM (SELECT DISTINCT 'ip' AS kind, ip AS key FROM logins WHERE ip IS NOT NULL AND account_id IS NOT NULL
      UNION ALL
      SELECT DISTINCT 'device', device_id FROM logins WHERE device_id IS NOT NULL AND account_id IS NOT NULL)
"""
LOGIN_ACCOUNTS = """
CREATE OR REPLACE TEMP TABLE login_accounts AS
SELECT account_id, row_number() OVER (ORDER BY account_id) AS account_no
FROM (SELECT DISTINCT account_id FROM logins
      WHERE account_id IS NOT NULL AND (ip IS NOT NULL OR device_id IS NOT NULL))
"""
# Per IP or device and account logged in from it: the logins, the days, the first and last, the
# account's days of logins from any address, the address's accounts; only the addresses two or
# more accounts used (one account alone is one holder: never a shared device).
IDENTIFIER_USE = """
CREATE OR REPLACE TEMP TABLE used AS
WITH keyed AS (SELECT k.key_no, a.account_no, l.t_us, l.day FROM logins l
               JOIN login_accounts a USING (account_id) JOIN login_keys k ON k.kind = 'ip' AND k.key = l.ip
               UNION ALL
               SELECT k.key_no, a.account_no, l.t_us, l.day FROM logins l
               JOIN login_accounts a USING (account_id) JOIN login_keys k ON k.kind = 'device' AND k.key = l.device_id),
daily AS (SELECT key_no, account_no, day, count(*) AS n, min(t_us) AS first_t_us, max(t_us) AS last_t_us
          FROM keyed GROUP BY ALL),
login_days AS (SELECT account_no, count(*) AS login_days FROM (SELECT DISTINCT account_no, day FROM daily)
               GROUP BY account_no),
per AS (SELECT key_no, account_no, CAST(sum(n) AS BIGINT) AS n_logins, count(*) AS days,
               min(first_t_us) AS first_t_us, max(last_t_us) AS last_t_us
        FROM daily GROUP BY key_no, account_no),
users AS (SELECT key_no, count(*) AS users FROM per GROUP BY key_no HAVING count(*) >= 2)
SELECT p.*, l.login_days, u.users FROM per p JOIN users u USING (key_no) JOIN login_days l USING (account_no)
"""
# (Days are counted as groups, not count(DISTINCT …): grouping spills to disk, distinct sets do not.)
# The uses of the addresses with two or more uses that count (all their uses: shared_device_rows
# weighs each again, and counts the address's users from them), as text again.
KEPT_USE = """
WITH kept AS (SELECT key_no FROM beyond GROUP BY key_no HAVING count(*) >= 2)
SELECT k.kind, k.key, a.account_id, h.holder_person_id AS holder, u.n_logins, u.days, u.login_days,
       u.first_t_us, u.last_t_us
FROM used u SEMI JOIN kept USING (key_no) JOIN login_keys k USING (key_no) JOIN login_accounts a USING (account_no)
LEFT JOIN holders h USING (account_id)
"""


def login_frame(logins: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """The logins as :func:`identifier_use` reads them: account_id, ip, device_id as they are
    (DuckDB scans them in place), ``t_us`` (UTC µs) and ``day``, the day local to ``timezone``
    (days since 1970), as the gang graph counts an address's days (calendar days where the
    logins were made, not UTC's, which split a Chinese morning from its night before)."""
    return pd.DataFrame({"account_id": logins["account_id"], "ip": logins["ip"], "device_id": logins["device_id"],
                         "t_us": utc_micros(logins["ts"]),
                         "day": local_day_numbers(logins["ts"], timezone)})


def identifier_use(case: Case, *, connect=duckdb_connection, logins=None) -> tuple[pd.DataFrame, int]:
    """(:data:`IDENTIFIER_COLUMNS`, n_users): per IP or device two or more accounts logged in
    from, and account logged in from it, the holder, the logins and the first and last; and the
    accounts logged in from any address (what :func:`.flow_rules.shared_device_rows` weighs an
    address's reach against). ``connect``: the connection the SQL runs on, as in
    :func:`.figures.client_figures`; ``logins``: the case's :func:`login_frame`, if made already
    (e.g. by Spark, for a case with logins)."""
    if logins is None:
        rows = case.tables.get("logins")
        if rows is None or not len(rows):
            return pd.DataFrame({c: pd.Series(dtype=object) for c in IDENTIFIER_COLUMNS}), 0
        logins = login_frame(rows, case.config.timezone)
    holders = case["accounts"][["account_id", "holder_person_id"]].astype("string").drop_duplicates("account_id")
    connection = connect(logins=logins, holders=holders)
    for statement in (LOGIN_KEYS, LOGIN_ACCOUNTS, IDENTIFIER_USE):
        connection.execute(statement)
    n_users = int(connection.sql("SELECT count(*) AS n FROM login_accounts").fetchnumpy()["n"][0])
    tests = connection.sql("""SELECT u.key_no, k.kind = 'ip' AS is_ip, u.login_days, u.days, u.users
                              FROM used u JOIN login_keys k USING (key_no)""").fetchnumpy()
    beyond = used_beyond_chance(tests["is_ip"], tests["login_days"], tests["days"], tests["users"], n_users=n_users)
    connection.register("beyond", pd.DataFrame({"key_no": np.asarray(tests["key_no"], dtype="int64")[beyond]}))
    return connection.sql(KEPT_USE).df()[list(IDENTIFIER_COLUMNS)], n_users


PEEL_ROUNDS = 4


# The transfers a cycle may use: between two accounts, at least the minimum; each with its
# bucket (one window long) and a number of its own (in an order: Spark numbers only ordered rows).
CYCLE_CANDIDATES = """
CREATE OR REPLACE TEMP TABLE moved AS
SELECT txn_id, t_us, from_account, to_account, amount, t_us // $window AS bucket,
       row_number() OVER (ORDER BY txn_id) AS rid
FROM transfers
WHERE from_account IS NOT NULL AND to_account IS NOT NULL AND from_account <> to_account AND amount >= $min
"""
NUMBERED_ACCOUNTS = """
CREATE OR REPLACE TEMP TABLE numbered AS
SELECT account, row_number() OVER (ORDER BY account) - 1 AS node
FROM (SELECT from_account AS account FROM moved UNION SELECT to_account FROM moved)
"""


def _on_cycles(connection) -> np.ndarray:
    """The rids of the transfers of the table ``moved`` that can lie on a cycle
    (:mod:`.cycle_candidates`: peeled round by round, then within one strongly connected part;
    the accounts as numbers, the transfers' text stays in DuckDB)."""
    connection.execute(NUMBERED_ACCOUNTS)
    moved = connection.sql("""SELECT m.rid, f.node AS payer, t.node AS payee, m.bucket FROM moved m
        JOIN numbered f ON f.account = m.from_account JOIN numbered t ON t.account = m.to_account""").fetchnumpy()
    rid, payer, payee, bucket = (np.asarray(moved[c], dtype="int64") for c in ("rid", "payer", "payee", "bucket"))
    left = np.flatnonzero(peeled(payer, payee, bucket, rounds=PEEL_ROUNDS))
    return rid[left[within_strong_parts(payer[left], payee[left])]]


# The columns of a path (the table ``paths``) as the hop's join reads them: listed, as Spark
# SQL has no ``* EXCLUDE``.
PATH_COLUMNS = ", ".join(f"p.{column}" for column in (
    "first_txn", "start", "last", "first_t", "last_t", "low_t", "high_t", "first_amount", "accounts", "txns", "times",
    "amounts"))


def cycles(transfers: pd.DataFrame, rules: FlowRules, *, connect=duckdb_connection) -> tuple[pd.DataFrame, bool]:
    """Time-respecting cycles (:data:`CYCLE_COLUMNS`) and whether the search stopped at its
    bound. A transfer on a cycle has, within the window of it, a transfer out of its payee and
    one into its payer (the others are peeled away, round by round), and lies inside one strongly
    connected part of the accounts' graph (:mod:`.cycle_candidates`); the paths then grow one hop
    at a time in SQL, each hop after the one before, within the window and the amount tolerance
    of the first. ``connect``: the connection the SQL runs on, as in :func:`.figures.client_figures`."""
    rules_ = rules.patterns.cycle
    connection = connect(transfers=transfers)
    connection.execute(CYCLE_CANDIDATES, {"window": rules.cycle_window_us, "min": rules.cycle_min_fen})
    on_cycle = _on_cycles(connection)
    if not len(on_cycle):  # no transfer can lie on a cycle: no paths to grow
        return _no_cycles(), False
    connection.register("on_cycle", pd.DataFrame({"rid": on_cycle}))
    connection.execute("""CREATE OR REPLACE TEMP TABLE edges AS
        SELECT txn_id, t_us, from_account, to_account, amount, bucket FROM moved SEMI JOIN on_cycle USING (rid)""")
    connection.execute("""CREATE OR REPLACE TEMP TABLE paths AS
        SELECT txn_id AS first_txn, from_account AS start, to_account AS last, t_us AS first_t, t_us AS last_t,
               t_us AS low_t, t_us AS high_t, amount AS first_amount, [from_account, to_account] AS accounts,
               [txn_id] AS txns, [t_us] AS times, [amount] AS amounts FROM edges""")
    found, truncated = [], False
    params = {"window": rules.cycle_window_us, "tol": rules.cycle_tolerance_permille}
    # Time-respecting: each hop after the one before. Otherwise any order within the window,
    # each cycle found once: from its earliest transfer (by time, then txn_id).
    order = ("e.t_us > p.last_t AND e.t_us <= p.first_t + $window" if rules_.time_respecting else
             "(e.t_us > p.first_t OR (e.t_us = p.first_t AND e.txn_id > p.first_txn))"
             " AND greatest(p.high_t, e.t_us) - p.low_t <= $window")
    # Every later hop lies within the window of the first: in the first's bucket or the next
    # (buckets one window long), so the join matches on (account, bucket), not on hubs' every pair.
    step = f"""SELECT {PATH_COLUMNS}, e.txn_id AS e_txn, e.t_us AS e_t, e.to_account AS e_to, e.amount AS e_amount
        FROM (SELECT *, first_t // $window + k AS reach FROM paths, (SELECT unnest([0, 1]) AS k)) p
        JOIN edges e ON e.from_account = p.last AND e.bucket = p.reach AND {order}
         AND abs(e.amount - p.first_amount) * 1000 <= CAST(p.first_amount AS HUGEINT) * $tol"""
    for hop in range(2, rules_.max_accounts + 1):
        closed = connection.execute(f"""
            SELECT first_txn, accounts,
                   list_append(txns, e_txn) AS txn_ids, list_append(times, e_t) AS t_us,
                   list_append(amounts, e_amount) AS amounts, greatest(high_t, e_t) AS closed_t
            FROM ({step}) WHERE e_to = start""", params).df()
        found.append(closed)
        if hop == rules_.max_accounts:
            break
        connection.execute(f"""CREATE OR REPLACE TEMP TABLE paths AS
            SELECT first_txn, start, e_to AS last, first_t, e_t AS last_t, low_t, greatest(high_t, e_t) AS high_t,
                   first_amount, list_append(accounts, e_to) AS accounts, list_append(txns, e_txn) AS txns,
                   list_append(times, e_t) AS times, list_append(amounts, e_amount) AS amounts
            FROM ({step}) WHERE NOT list_contains(accounts, e_to)
            ORDER BY first_t, first_txn, last_t LIMIT {int(rules_.max_paths) + 1}""", params)
        count = connection.execute("SELECT count(*) FROM paths").fetchone()[0]
        if count > rules_.max_paths:  # the bound: the earliest paths go on, the search says it stopped
            truncated = True
            connection.execute(f"""CREATE OR REPLACE TEMP TABLE paths AS SELECT * FROM paths
                ORDER BY first_t, first_txn, last_t LIMIT {int(rules_.max_paths)}""")
        if not count:
            break
    frame = pd.concat(found, ignore_index=True)
    if not len(frame):
        return _no_cycles(), truncated
    # Per first transfer, the cycle that closes first (then the fewest hops, then by its transfers).
    frame["hops"] = frame["txn_ids"].map(len)
    frame["key"] = frame["txn_ids"].map(";".join)
    frame = frame.sort_values(["first_txn", "closed_t", "hops", "key"]).drop_duplicates("first_txn")
    for column in ("accounts", "txn_ids", "t_us", "amounts"):
        frame[column] = frame[column].map(list)
    return frame[["accounts", "txn_ids", "t_us", "amounts"]].reset_index(drop=True), truncated


def _no_cycles() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ("accounts", "txn_ids", "t_us", "amounts")})


def flow_patterns(case: Case, *, connect=duckdb_connection, transfers=None, logins=None) -> pd.DataFrame:
    """flow_patterns.csv: every pattern of :mod:`casegraph.queries.flow_rules` that is enabled
    (``connect``: as :func:`patterns_of` takes it; ``transfers``, ``logins``: the case's
    :func:`transfer_frame` and :func:`login_frame`, if made already, e.g. by Spark)."""
    use, n_users = identifier_use(case, connect=connect, logins=logins)
    transfers = transfer_frame(case) if transfers is None else transfers
    return patterns_of(transfers, use, FlowRules.from_config(case.config.flow_patterns),
                       timezone=case.config.timezone, n_users=n_users, connect=connect)


def patterns_of(transfers: pd.DataFrame, use: pd.DataFrame, rules: FlowRules, *, timezone: str,
                n_users: int | None = None, connect=duckdb_connection) -> pd.DataFrame:
    """flow_patterns.csv from the transfers (:func:`transfer_frame`) and the identifiers' use
    (:data:`IDENTIFIER_COLUMNS`; ``n_users``: as :func:`.flow_rules.shared_device_rows` takes it).
    ``connect``: the connection the SQL runs on, as in :func:`.figures.client_figures` (the
    Spark engine's runs it on Spark)."""
    connection = connect(transfers=transfers)
    connection.execute(LEGS)
    parts = []
    if rules.enabled("pass_through"):
        parts.append(pass_through_rows(pass_through(connection, rules), rules, timezone=timezone))
    for pattern in ("fan_in", "fan_out"):
        if rules.enabled(pattern):
            windows, legs = fan_windows(connection, pattern, rules)
            parts.append(fan_rows(pattern, windows, legs, rules, timezone=timezone))
    if rules.enabled("cycle"):
        found, truncated = cycles(transfers, rules, connect=connect)
        parts.append(cycle_rows(found, rules, truncated=truncated, timezone=timezone))
    if rules.enabled("shared_device"):
        parts.append(shared_device_rows(use, rules, timezone=timezone, n_users=n_users))
    for pattern in ("round_amounts", "night"):
        if rules.enabled(pattern):
            parts.append(marked_rows(pattern, marked(connection, pattern, rules), rules, timezone=timezone))
    return finish_patterns(parts)


# -- 资金穿透 ---------------------------------------------------------------------------------------
TRACE_STEP = """
SELECT e.txn_id, e.t_us, e.from_account, e.to_account, e.amount,
       max(least(f.cap, e.amount)) AS can_have_flowed
FROM frontier f JOIN transfers e ON e.from_account = f.account_id AND e.t_us > f.t_us
WHERE e.amount >= $min_amount AND e.t_us >= $since AND e.to_account IS NOT NULL
  AND e.txn_id NOT IN (SELECT txn_id FROM seen)
GROUP BY e.txn_id, e.t_us, e.from_account, e.to_account, e.amount
"""


def trace(case: Case, start_ids: list[str], *, hops: int = 3, min_amount: int = 0,
          since_us: int | None = None) -> pd.DataFrame:
    """资金穿透: money followed forward in time from the accounts ``start_ids`` (account ids, or
    persons: the accounts they hold) for up to ``hops`` transfers, each after the one before,
    of at least ``min_amount`` fen, from ``since_us`` (UTC µs) on. Each transfer once, at the
    fewest hops that reach it, with ``can_have_flowed``: the most any chain of that length can
    have carried through it (its smallest transfer: money cannot leave before it arrived).
    Columns: hop, txn_id, t_us, from_account, to_account, amount, can_have_flowed."""
    accounts = case["accounts"]
    held = accounts[accounts["holder_person_id"].astype("string").isin(start_ids).to_numpy()]["account_id"]
    starts = pd.unique(pd.concat([pd.Series(start_ids, dtype="string"), held.astype("string")]))
    transfers = transfer_frame(case)
    connection = duckdb_connection(transfers=transfers)
    # The start accounts hold whatever they send: no arrival before, no cap below the amount.
    connection.register("frontier", pd.DataFrame({"account_id": pd.Series(starts, dtype="string"),
                                                  "t_us": np.iinfo("int64").min, "cap": np.iinfo("int64").max}))
    connection.execute("CREATE OR REPLACE TEMP TABLE seen (txn_id VARCHAR)")
    params = {"min_amount": int(min_amount), "since": np.iinfo("int64").min if since_us is None else int(since_us)}
    found = []
    for hop in range(1, hops + 1):
        step = connection.execute(TRACE_STEP, params).df()
        if not len(step):
            break
        found.append(step.assign(hop=hop))
        connection.register("frontier", pd.DataFrame({"account_id": step["to_account"], "t_us": step["t_us"],
                                                      "cap": step["can_have_flowed"]}))
        connection.register("step", step)
        connection.execute("INSERT INTO seen SELECT txn_id FROM step")
    columns = ["hop", "txn_id", "t_us", "from_account", "to_account", "amount", "can_have_flowed"]
    if not found:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("hop", "t_us", "amount", "can_have_flowed")
                                          else "string") for c in columns})
    out = pd.concat(found, ignore_index=True)[columns]
    out = out.astype({"hop": "int64", "t_us": "int64", "amount": "int64", "can_have_flowed": "int64",
                      "txn_id": "string", "from_account": "string", "to_account": "string"})
    return out.sort_values(["hop", "t_us", "txn_id"], ignore_index=True)
