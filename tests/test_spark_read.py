"""Spark reads the large tables itself (casegraph.loaders.spark_read): from the case folder's CSV,
from Parquet, from catalog tables named in case.yaml; the Spark engine's outputs stay the memory
engine's, byte for byte, and a broken file gives the driver's problems, line for line.

One generated case (tiny) and its memory-engine outputs, made once for the module.
"""

from __future__ import annotations

import csv
import shutil

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from casegraph.cli import main
from casegraph.generator import generate_case
from casegraph.loaders.case import read_case
from casegraph.loaders.spark_read import read_case_in_spark
from casegraph.loaders.tables import TABLES_BY_NAME
from casegraph.queries.spark.runner import SparkSQL

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def case_and_memory(tmp_path_factory):
    """A tiny generated case and the memory engine's outputs of it."""
    folder = tmp_path_factory.mktemp("spark-read")
    generate_case(folder / "case", scale="tiny", seed=5)
    run(["analyze", str(folder / "case"), "--out", str(folder / "memory")])
    return folder / "case", folder / "memory"


def run(arguments: list[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["-q", *arguments])
    assert done.value.code == 0, arguments


def as_parquet(csv_file, parquet_file) -> None:
    """A case file as typed Parquet: money as decimals, times as local timestamps, numbers as floats."""
    table = TABLES_BY_NAME[csv_file.stem]
    cells = pa_csv.read_csv(csv_file, convert_options=pa_csv.ConvertOptions(
        column_types=dict.fromkeys(table.column_names, pa.string()), strings_can_be_null=True))
    kinds = {column.name: column.kind for column in table.columns}
    typed = {"money": pa.decimal128(20, 2), "signed_money": pa.decimal128(20, 2),
             "positive_money": pa.decimal128(20, 2), "ts": pa.timestamp("us"), "number": pa.float64()}
    columns = [pc.cast(cells[name], typed[kinds[name]]) if kinds.get(name) in typed else cells[name]
               for name in cells.column_names]
    pq.write_table(pa.table(columns, names=cells.column_names), parquet_file)


def test_csv_parquet_and_catalog_tables_give_the_memory_engines_tables(spark, case_and_memory, tmp_path, monkeypatch):
    """One Spark run reads each kind of source (one analysis costs a minute here): the transfers and
    logins from the case folder's CSV, the trades and fills from its Parquet files, the ledger from
    a catalog table (a temporary view over Parquet) named in case.yaml; Spark's writer writes the
    output tables."""
    case, memory = case_and_memory
    folder = shutil.copytree(case, tmp_path / "case")
    for name in ("trades", "broker_fills", "ledger"):
        where = tmp_path if name == "ledger" else folder  # the ledger's Parquet outside the case
        as_parquet(folder / f"{name}.csv", where / f"{name}.parquet")
        (folder / f"{name}.csv").unlink()
    spark.read.parquet(str(tmp_path / "ledger.parquet")).createOrReplaceTempView("evidence_ledger")
    with open(folder / "case.yaml", "a", encoding="utf-8") as handle:
        handle.write("tables:\n  ledger: {hive: evidence_ledger}\n")
    assert pq.read_schema(folder / "trades.parquet").field("notional").type == pa.decimal128(20, 2)

    # Each view's plan as it was registered: the session's views are overwritten by later steps
    # (the fake losses sum a few clients' figures from the driver's rows under the same names).
    plans: dict[str, list[str]] = {}
    register = SparkSQL.register

    def recorded(runner, name, frame):
        register(runner, name, frame)
        plans.setdefault(name, []).append(spark.table(name)._jdf.queryExecution().analyzed().toString())

    monkeypatch.setattr(SparkSQL, "register", recorded)
    run(["analyze", str(folder), "--out", str(tmp_path / "out"), "--engine", "spark", "--spark-output", "csv"])

    tables = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert tables == sorted(path.stem for path in memory.glob("*.csv"))
    for name in tables:  # each table a folder of one part file: the memory engine's file, byte for byte
        (part,) = (tmp_path / "out" / name).glob("part-*")
        assert part.read_bytes() == (memory / f"{name}.csv").read_bytes(), name
    # The SQL read Spark's own tables (the ledger in CNY and the transfers made on Spark, the trades
    # and fills as read), not copies of the driver's handed over in the runner's scratch folder.
    for name in ("case_ledger", "transfers", "account_trades", "routed_fills"):
        assert any("MapInArrow" in plan and "casegraph-spark-" not in plan for plan in plans[name]), (name, plans[name])


def rewrite(path, edits: dict[tuple[int, str], str]) -> dict[str, int]:
    """Cells of a CSV file replaced: (line, column name) -> text; returns the columns' positions."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for (line, name), text in edits.items():
        rows[line - 1][header.index(name)] = text
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return {name: header.index(name) + 1 for name in header}


def test_a_broken_csv_gives_the_drivers_problems_line_for_line(spark, case_and_memory, tmp_path):
    case, _ = case_and_memory
    folder = shutil.copytree(case, tmp_path / "case")
    with open(folder / "ledger.csv", encoding="utf-8") as handle:
        third_entry = handle.readlines()[3].split(",")[0]
    rewrite(folder / "ledger.csv", {(5, "amount"): "12x.00", (9, "ts"): "2021-13-01T00:00:00",
                                    (12, "client_id"): "C-NOBODY", (15, "bank_txn_id"): "T-NONE",
                                    (20, "entry_id"): third_entry, (25, "amount"): "1.005"})
    rewrite(folder / "logins.csv", {(7, "account_id"): "A-NONE", (8, "ts"): "yesterday"})

    _, expected = read_case(folder)
    found = read_case_in_spark(folder, spark).problems

    assert [str(problem) for problem in found] == [str(problem) for problem in expected]
    lines = {(problem.file, problem.line) for problem in found}
    assert {("ledger.csv", line) for line in (5, 9, 12, 15, 20, 25)} | {("logins.csv", 7), ("logins.csv", 8)} <= lines
