"""The large tables as the memory engine's SQL reads them, made on Spark from the tables Spark
read (:mod:`casegraph.loaders.spark_read`) by the memory engine's own functions, a block of rows
at a time (``mapInArrow``): the ledger in CNY (:func:`casegraph.loaders.fx.ledger_in_cny`), the
transfers as the flow SQL reads them (:func:`casegraph.queries.memory.flows.transfer_frame`), the
logins as the flow patterns and the account groups read them, in one pass
(:func:`casegraph.queries.memory.account_groups.login_columns`), the fills as the account groups
read them (``fill_columns``) and the logins as the gang graph counts them
(:func:`casegraph.queries.memory.gangs.gang_login_frame`).

>>> ledger = ledger_in_cny(read.frames["ledger"], read.case)                  # doctest: +SKIP
>>> ledger.columns[-1]                                                        # doctest: +SKIP
'amount_cny'
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.graphs.model import POLYMORPHIC_ENDS
from casegraph.loaders import fx
from casegraph.loaders.case import Case
from casegraph.loaders.problems import LINE
from casegraph.loaders.spark_read import arrow_schema, driver_frame
from casegraph.loaders.tables import TABLES_BY_NAME

from ..columnar import arrow_table
from ..memory import account_groups, flows, gangs

# The small tables the functions below read besides their own: the rates of exchange.
RATES = ("fx_rates",)
TRANSFER_FRAME = pa.schema([("txn_id", pa.string()), ("t_us", pa.int64()), ("from_account", pa.string()),
                            ("to_account", pa.string()), ("amount", pa.int64()), ("cash", pa.bool_()),
                            ("hour", pa.int64())])
# ``pos``: the row's place in the table (a number that grows with the rows' order: their line
# in a single file), which the memory engine counts and Spark numbers (monotonically_increasing_id).
GROUP_FILLS = pa.schema([("fill_id", pa.string()), ("account_id", pa.string()), ("instrument", pa.string()),
                         ("side", pa.string()), ("qty", pa.float64()), ("price", pa.float64()),
                         ("broker_ref", pa.string()), ("counterparty_account_id", pa.string()),
                         ("t_us", pa.int64()), ("day", pa.int64()), ("broker_side", pa.bool_()), ("pos", pa.int64())])
GANG_LOGINS = pa.schema([("who", pa.string()), ("device_id", pa.string()), ("ip", pa.string()), ("day", pa.int64())])
LOGINS = pa.schema([("account_id", pa.string()), ("actor_id", pa.string()), ("ip", pa.string()),
                    ("device_id", pa.string()), ("t_us", pa.int64()), ("day", pa.int64()), ("broker_side", pa.bool_())])


def ledger_in_cny(ledger, case: Case):
    """The Spark ledger ``ledger`` with ``amount_cny`` (integer fen, at the rate of its local date)."""
    schema = arrow_schema(TABLES_BY_NAME["ledger"]).append(pa.field("amount_cny", pa.int64()))
    return _per_block(ledger, "ledger", fx.ledger_in_cny, schema, case=case)


def transfer_frame(transfers, case: Case):
    """The Spark transfers ``transfers`` as :func:`casegraph.queries.memory.flows.transfer_frame` gives them."""
    return _per_block(transfers, "bank_transfers", flows.transfer_frame, TRANSFER_FRAME, case=case)


def login_columns(logins, case: Case):
    """The Spark logins ``logins`` as :func:`casegraph.queries.memory.account_groups.login_columns`
    gives them: what the flow patterns and the account groups read, made in one pass."""
    candidates = account_groups.candidate_ids(case)
    timezone = case.config.timezone
    return _per_block(logins, "logins", lambda block: account_groups.login_columns(
        block["logins"], candidates, timezone), LOGINS, case=case)


def gang_login_frame(logins, case: Case):
    """The Spark logins ``logins`` as :func:`casegraph.queries.memory.gangs.gang_login_frame` gives them."""
    # Who logged in is named by the tables an actor's id can name (graphs.model.end_labels): their ids go along.
    ids = {table: case[table][[key]] for _, table, key in POLYMORPHIC_ENDS["Actor"]}
    return _per_block(logins, "logins", gangs.gang_login_frame, GANG_LOGINS, case=case, small=ids)


def account_group_tables(frames: dict, case: Case, *, transfers, logins) -> dict:
    """The tables :func:`casegraph.queries.memory.account_groups.evidence_connection` takes made
    elsewhere, those Spark has: ``fills`` and ``trades`` from Spark's (``frames``), ``transfers``
    as the flow SQL reads them (:func:`transfer_frame`) and ``logins`` (:func:`login_columns`);
    None where there are none."""
    from pyspark.sql import functions as F

    made = {name: table for name, table in (("transfers", transfers), ("logins", logins)) if table is not None}
    if "trades" in frames:
        made["trades"] = frames["trades"].select("broker_ref")
    if "broker_fills" in frames:
        # Numbered in the order the rows are held: a file's partitions in the order of its
        # blocks, each block's rows in the order of their lines.
        fills = frames["broker_fills"].withColumn("pos", F.monotonically_increasing_id())
        candidates = account_groups.candidate_ids(case)
        made["fills"] = _per_block(fills, "broker_fills",
                                   lambda block: account_groups.fill_columns(block["broker_fills"], candidates),
                                   GROUP_FILLS, case=case)
    return made


def _per_block(frame, name: str, function, schema: pa.Schema, *, case: Case, small: dict | None = None):
    """``function`` of a case holding a block of ``frame`` as its table ``name`` (typed as the
    driver types it), the case's :data:`RATES` and the tables ``small``, for every block, as one Spark DataFrame,
    persisted: several steps' SQL read it, and each would run ``function`` again in Python
    workers. A column of ``schema`` that ``function`` does not give is the block's own."""
    table = TABLES_BY_NAME[name]
    small = {**{rates: case[rates] for rates in RATES}, **(small or {})}
    config, path = case.config, case.path

    def blocks(batches):
        for batch in batches:
            if batch.num_rows:
                # In the order driver_frame puts the rows (of their lines), the block's own columns too.
                rows = pa.Table.from_batches([batch])
                rows = rows.take(pc.sort_indices(rows[LINE]))
                block = Case(path, config, {**small, name: driver_frame(rows, table)})
                result = pd.DataFrame(function(block)).reset_index(drop=True)
                for column in schema.names:
                    if column not in result:
                        result[column] = rows[column].to_numpy()
                yield from arrow_table(result[schema.names], schema=schema).to_batches()

    from pyspark import StorageLevel
    from pyspark.sql.pandas.types import from_arrow_schema

    return frame.mapInArrow(blocks, from_arrow_schema(schema)).persist(StorageLevel.MEMORY_AND_DISK)


