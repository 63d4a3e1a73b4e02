"""Fake trades (虚假交易): trades a platform recorded as routed to the overseas broker that the
broker never executed — the fraud front of domain.md §1, whose clients' trades never reached
a market.

A trade is fake when

- ``platform_recorded_fake``: its platform's ``kind`` is ``fake`` (case-format.md: it routes
  no order, the front of domain.md), or, on a platform that claims real routing or says
  nothing,
- ``no_broker_ref``: the trade carries no broker order reference, or
- ``broker_ref_not_on_statement``: its reference is on no broker statement
  (``broker_fills.broker_ref``). Without any broker statement in the case this cannot be
  checked, and only trades without a reference are listed.

A trade's platform and client are its account's (``accounts.platform_id``, else the platform
of the account's client).

Per platform (:func:`platform_fraud`): ``n_trades`` (all its trades), ``n_fake``,
``fake_share`` (n_fake / n_trades, 6 decimals, 0 without trades), ``is_fraud`` (more than
half of its trades are fake, or none in hand and its risk control took clients' money:
:func:`casegraph.queries.rules.finish_fraud`) and ``fake_trade_losses``: what its clients lost on fake
trades, Σ over its clients of ``client_losses`` × (the client's fake notional / the client's
total notional), each client's share rounded half away from zero to the fen, in integer
arithmetic (128-bit: the product can exceed 64 bits).

The trades are joined and counted by DuckDB SQL over the case's Arrow columns.

>>> from casegraph.loaders.case import load_case               # doctest: +SKIP
>>> case = load_case("mycase")                                   # doctest: +SKIP
>>> fake = fake_trades(case)                                     # doctest: +SKIP
>>> platform_fraud(case, fake).query("is_fraud")                 # doctest: +SKIP
             n_trades  n_fake  fake_share  is_fraud  fake_trade_losses
platform_id
P005            14924   14924         1.0      True         4557590709
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from casegraph.loaders.case import Case

from ..columnar import arrow_table, duckdb_connection, sql_columns
from ..order_numbers import outside_statements
from ..rules import NO_BROKER_REF, NOT_ON_STATEMENT, RECORDED_FAKE, fake_of_checked, finish_fake, finish_fraud
from .figures import client_figures
from .gangs import handed_over_platforms

# Every trade with the platform and client of its account (the account's platform, else its
# client's).
OWNED_TRADES = """
CREATE OR REPLACE TEMP VIEW owned AS
SELECT t.trade_id, t.ts, coalesce(a.platform_id, c.platform_id) AS platform_id, a.client_id,
       CAST(t.notional AS BIGINT) AS notional, t.broker_ref
FROM trades t
LEFT JOIN accounts a ON a.account_id = t.account_id
LEFT JOIN clients c ON c.client_id = a.client_id
"""

# The trades of platforms recorded as ``fake``; of the others, those without a reference, or
# (when the case has statements: any fill) with one no statement shows (some of them outside
# the statements in hand: :mod:`casegraph.queries.order_numbers`).
FAKE_TRADES = f"""
SELECT o.trade_id, o.platform_id, o.client_id, o.notional, o.broker_ref,
       CASE WHEN p.kind = 'fake' THEN '{RECORDED_FAKE}'
            WHEN o.broker_ref IS NULL THEN '{NO_BROKER_REF}' ELSE '{NOT_ON_STATEMENT}' END AS reason
FROM owned o
LEFT JOIN platforms p ON p.platform_id = o.platform_id
LEFT JOIN (SELECT DISTINCT broker_ref FROM fills) s ON s.broker_ref = o.broker_ref
WHERE p.kind = 'fake' OR o.broker_ref IS NULL OR ((SELECT count(*) FROM fills) > 0 AND s.broker_ref IS NULL)
"""

# Per platform, its trades and its fake trades: all of them, and those since its last operator
# made it a front (``since``: a platform handed over to another gang, from its first fake trade
# on; the ``handed`` table names them: rules.finish_fraud).
SINCE = """
WITH since AS (
  SELECT f.platform_id, min(o.ts) AS since FROM fake f JOIN owned o ON o.trade_id = f.trade_id
  WHERE f.platform_id IN (SELECT platform_id FROM handed) GROUP BY f.platform_id
)
"""
PLATFORM_TRADES = SINCE + """
SELECT o.platform_id, count(*) AS n_trades,
       count(*) FILTER (WHERE s.since IS NULL OR o.ts >= s.since) AS n_trades_judged
FROM owned o LEFT JOIN since s ON s.platform_id = o.platform_id
WHERE o.platform_id IS NOT NULL GROUP BY o.platform_id
"""

PLATFORM_FAKES = SINCE + """
SELECT f.platform_id, count(*) AS n_fake,
       count(*) FILTER (WHERE s.since IS NULL OR o.ts >= s.since) AS n_fake_judged
FROM fake f JOIN owned o ON o.trade_id = f.trade_id LEFT JOIN since s ON s.platform_id = f.platform_id
WHERE f.platform_id IS NOT NULL GROUP BY f.platform_id
"""

# Per platform, its clients and those a negative adjustment took money from (rules.finish_fraud).
PLATFORM_TAKINGS = """
SELECT c.platform_id, count(*) AS n_clients, count(t.client_id) AS n_taken
FROM clients c LEFT JOIN (SELECT DISTINCT client_id FROM ledger WHERE kind = 'adjustment' AND amount < 0) t
  ON t.client_id = c.client_id
WHERE c.platform_id IS NOT NULL GROUP BY c.platform_id
"""

STATEMENT_REFERENCES = "SELECT DISTINCT broker_ref FROM fills WHERE broker_ref IS NOT NULL"

# Per platform, its trades and those whose references a statement shows.
PLATFORM_COUNTS = """
SELECT o.platform_id, count(*) AS n_trades, count(s.broker_ref) AS n_shown
FROM owned o LEFT JOIN (SELECT DISTINCT broker_ref FROM fills) s ON s.broker_ref = o.broker_ref
WHERE o.platform_id IS NOT NULL GROUP BY o.platform_id
"""

# Of the trades ``unshown`` (their references on no statement), those between the first and the
# last fill of a broker account their platform's other orders are filled on.
COVERED_TRADES = """
WITH reached AS (SELECT DISTINCT o.platform_id, f.account_id FROM owned o JOIN fills f ON f.broker_ref = o.broker_ref
                 WHERE o.platform_id IS NOT NULL),
spans AS (SELECT account_id, min(ts) AS first_ts, max(ts) AS last_ts FROM fills GROUP BY account_id)
SELECT DISTINCT o.trade_id
FROM unshown u JOIN owned o ON o.trade_id = u.trade_id
JOIN reached r ON r.platform_id = o.platform_id JOIN spans s ON s.account_id = r.account_id
WHERE o.ts BETWEEN s.first_ts AND s.last_ts
"""

FAKE_NOTIONAL = """
SELECT client_id, CAST(sum(notional) AS BIGINT) AS fake_notional FROM fake WHERE client_id IS NOT NULL
GROUP BY client_id
"""

# Per platform, Σ over its clients (``shares``: client_losses, fake_notional, turnover) of
# losses × fake notional / turnover rounded half away from zero to the fen, in 128-bit
# integers: sign × floor((2·|product| + turnover) / (2·turnover)), 0 without turnover. The
# floor is spelled out: SQL's integer division truncates towards zero.
FAKE_LOSSES = """
WITH products AS (
  SELECT platform_id, CAST(client_losses AS HUGEINT) * CAST(fake_notional AS HUGEINT) AS product,
         CAST(turnover AS HUGEINT) AS whole
  FROM shares WHERE turnover <> 0),
halves AS (
  SELECT platform_id, CASE WHEN product >= 0 THEN 1 ELSE -1 END AS sign, 2 * abs(product) + whole AS n,
         2 * whole AS d
  FROM products)
SELECT platform_id,
       CAST(sum(sign * CASE WHEN n % d <> 0 AND (n < 0) <> (d < 0) THEN n // d - 1 ELSE n // d END) AS BIGINT)
       AS fake_trade_losses
FROM halves WHERE platform_id IS NOT NULL GROUP BY platform_id
"""


def trades_connection(case: Case, *, connect=duckdb_connection, **frames: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (``connect``'s: the Spark engine's is
    :meth:`casegraph.queries.spark.runner.SparkSQL.connect`, and its case may hold Spark's
    tables) with the case's ``trades``, ``accounts``, ``clients``, ``platforms``, ``ledger`` and
    the statements' references (``fills``), the view ``owned`` (:data:`OWNED_TRADES`), and
    ``frames`` by name."""
    connection = connect(
        trades=sql_columns(case["trades"], ["trade_id", "ts", "account_id", "notional", "broker_ref"]),
        accounts=sql_columns(case["accounts"], ["account_id", "client_id", "platform_id"]),
        clients=sql_columns(case["clients"], ["client_id", "platform_id"]),
        platforms=sql_columns(case["platforms"], ["platform_id", "kind"]),
        fills=sql_columns(case["broker_fills"], ["broker_ref", "account_id", "ts"]),
        ledger=sql_columns(case["ledger"], ["client_id", "kind", "amount"]),
        **{name: arrow_table(frame) for name, frame in frames.items()})
    connection.execute(OWNED_TRADES)
    return connection


def fake_trades(case: Case, *, connect=duckdb_connection) -> pd.DataFrame:
    """The trades no broker statement backs: trade_id, platform_id, client_id, notional (fen),
    reason, broker_ref; by trade_id (``connect``: as :func:`trades_connection` takes it). Those
    outside the statements in hand (:func:`casegraph.queries.order_numbers.outside_statements`)
    are no fake trades: :func:`casegraph.queries.rules.fake_of_checked` leaves them out."""
    connection = trades_connection(case, connect=connect)

    def covered(trade_ids: list[str]) -> pd.Series:
        connection.register("unshown", pa.table({"trade_id": pa.array(trade_ids, pa.string())}))
        return connection.sql(COVERED_TRADES).df()["trade_id"]

    return finish_fake(outside_statements(
        connection.execute(FAKE_TRADES).df(), covered=covered,
        statement_references=lambda: connection.sql(STATEMENT_REFERENCES).df()["broker_ref"],
        platform_counts=lambda: connection.sql(PLATFORM_COUNTS).df().set_index("platform_id")))


def fake_losses(connection: duckdb.DuckDBPyConnection, clients: pd.DataFrame) -> pd.Series:
    """Per platform, Σ over its clients with fake trades (the connection's ``fake``) of
    client_losses × fake notional / turnover (each client rounded half away from zero to the
    fen; on Spark the 128-bit integers are ``DECIMAL(38,0)``, as exact:
    :func:`casegraph.queries.spark.runner.to_spark_sql`). ``clients``: every client's figures
    (:func:`.figures.client_figures`), of which these clients' are read."""
    fake_notional = connection.sql(FAKE_NOTIONAL).df().set_index("client_id")["fake_notional"]
    if fake_notional.empty:  # no client has fake trades: nothing lost on them
        return pd.Series(dtype="int64", name="fake_trade_losses")
    shares = clients[["platform_id", "client_losses", "turnover"]].reindex(fake_notional.index)
    connection.register("shares", arrow_table(shares.assign(fake_notional=fake_notional)))
    return connection.sql(FAKE_LOSSES).df().set_index("platform_id")["fake_trade_losses"]


def platform_fraud(case: Case, checked: pd.DataFrame, clients: pd.DataFrame | None = None, *,
                   connect=duckdb_connection) -> pd.DataFrame:
    """Per platform (every platform of platforms.csv): n_trades, n_fake, fake_share, is_fraud,
    fake_trade_losses (fen); indexed by platform_id. ``checked``: :func:`fake_trades`' answer;
    ``clients``: the case's client figures, if computed already (else computed here:
    :func:`.figures.client_figures`); ``connect``: as :func:`trades_connection` takes it."""
    fake = fake_of_checked(checked)
    index = pd.Index(case["platforms"]["platform_id"], name="platform_id")
    clients = client_figures(case, connect=connect) if clients is None else clients
    connection = trades_connection(case, connect=connect, handed=handed_over_platforms(case).to_frame(),
                                   fake=fake[["trade_id", "platform_id", "client_id", "notional"]])
    trades = connection.sql(PLATFORM_TRADES).df().set_index("platform_id").reindex(index, fill_value=0)
    fakes = connection.sql(PLATFORM_FAKES).df().set_index("platform_id").reindex(index, fill_value=0)
    takings = connection.sql(PLATFORM_TAKINGS).df().set_index("platform_id").reindex(index, fill_value=0)
    n_trades, n_fake = trades["n_trades"], fakes["n_fake"]
    frame = pd.DataFrame({
        "n_trades": n_trades, "n_fake": n_fake,
        "fake_share": (n_fake / n_trades.where(n_trades > 0)).fillna(0.0),
        "fake_trade_losses": fake_losses(connection, clients).reindex(index, fill_value=0),
        "n_trades_judged": trades["n_trades_judged"], "n_fake_judged": fakes["n_fake_judged"],
        "n_clients": takings["n_clients"], "n_taken": takings["n_taken"],
    }, index=index)
    return finish_fraud(frame)
