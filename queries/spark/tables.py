"""The large tables as the memory engine's SQL reads them, made on Spark from the tables Spark
read (:mod:`casegraph.loaders.spark_read`) by the memory engine's own functions, a block of rows
at a time (``mapInArrow``): the ledger in CNY (:func:`casegraph.loaders.fx.ledger_in_cny`) and
the transfers as the flow SQL reads them (:func:`casegraph.queries.memory.flows.transfer_frame`).

>>> ledger = ledger_in_cny(read.frames["ledger"], read.case)                  # doctest: +SKIP
>>> ledger.columns[-1]                                                        # doctest: +SKIP
'amount_cny'
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from casegraph.loaders import fx
from casegraph.loaders.case import Case
from casegraph.loaders.spark_read import arrow_schema, driver_frame
from casegraph.loaders.tables import TABLES_BY_NAME

from ..memory import flows

# The small tables the functions below read besides their own: the rates of exchange.
RATES = ("fx_rates",)
TRANSFER_FRAME = pa.schema([("txn_id", pa.string()), ("t_us", pa.int64()), ("from_account", pa.string()),
                            ("to_account", pa.string()), ("amount", pa.int64()), ("cash", pa.bool_()),
                            ("hour", pa.int64())])


def ledger_in_cny(ledger, case: Case):
    """The Spark ledger ``ledger`` with ``amount_cny`` (integer fen, at the rate of its local date)."""
    schema = arrow_schema(TABLES_BY_NAME["ledger"]).append(pa.field("amount_cny", pa.int64()))
    return _per_block(ledger, "ledger", lambda block: fx.ledger_in_cny(block).drop(columns="date"), schema, case=case)


def transfer_frame(transfers, case: Case):
    """The Spark transfers ``transfers`` as :func:`casegraph.queries.memory.flows.transfer_frame` gives them."""
    return _per_block(transfers, "bank_transfers", flows.transfer_frame, TRANSFER_FRAME, case=case)


def _per_block(frame, name: str, function, schema: pa.Schema, *, case: Case):
    """``function`` of a case holding a block of ``frame`` as its table ``name`` (typed as the
    driver types it) and the case's :data:`RATES`, for every block, as one Spark DataFrame,
    persisted: several steps' SQL read it, and each would run ``function`` again in Python
    workers."""
    table = TABLES_BY_NAME[name]
    small = {rates: case[rates] for rates in RATES}
    config, path = case.config, case.path

    def blocks(batches):
        for batch in batches:
            if batch.num_rows:
                block = Case(path, config, {**small, name: driver_frame(pa.Table.from_batches([batch]), table)})
                result = pd.DataFrame(function(block))[schema.names]
                yield from pa.Table.from_pandas(result, schema=schema, preserve_index=False).to_batches()

    from pyspark import StorageLevel
    from pyspark.sql.pandas.types import from_arrow_schema

    return frame.mapInArrow(blocks, from_arrow_schema(schema)).persist(StorageLevel.MEMORY_AND_DISK)


