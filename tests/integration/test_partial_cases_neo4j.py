"""Partial cases in Neo4j: loaded, analysed, and written as the memory engine writes them —
every output file, coverage.csv included, byte for byte."""

from __future__ import annotations

import pytest
from casebuilder import bank_only_case, ledger_only_case, minimal_case, minimal_case_with_cash, write_case

from casegraph.cli import main
from casegraph.loaders.case import load_case
from casegraph.loaders.neo4j import load_into_neo4j
from casegraph.queries.memory.engine import MemoryEngine
from casegraph.queries.neo4j.engine import Neo4jEngine
from casegraph.queries.neo4j.runner import CypherRunner
from casegraph.queries.output_tables import OUTPUT_TABLES


def without_ledger() -> dict:
    rows = minimal_case()
    del rows["ledger"]
    return rows


def without_trades() -> dict:
    rows = minimal_case()
    del rows["trades"], rows["broker_fills"]
    return rows


@pytest.mark.parametrize("rows", [bank_only_case, ledger_only_case, without_ledger, without_trades,
                                  minimal_case_with_cash],
                         ids=lambda f: f.__name__)
def test_engines_agree_on_a_partial_case(tmp_path, rows, caplog):
    case = write_case(tmp_path / "case", rows())
    for engine in ("memory", "neo4j"):
        with pytest.raises(SystemExit) as done:
            main(["-q", "analyze", str(case), "--out", str(tmp_path / engine), "--engine", engine, "--replace"])
        assert done.value.code == 0, engine
    # A case without some kind of record is no reason for the server's warnings on the terminal
    # ("relationship type does not exist"), which the driver logs for every query that names it.
    assert not [record.getMessage() for record in caplog.records if record.name.startswith("neo4j.notifications")]
    for name in OUTPUT_TABLES:
        memory, neo4j = ((tmp_path / engine / f"{name}.csv").read_text(encoding="utf-8")
                         for engine in ("memory", "neo4j"))
        assert neo4j == memory, name
    assert ((tmp_path / "neo4j" / "referrals" / "index.csv").read_text(encoding="utf-8")
            == (tmp_path / "memory" / "referrals" / "index.csv").read_text(encoding="utf-8"))


def test_the_load_records_the_tables_of_a_partial_case(tmp_path, neo4j_driver):
    case = load_case(write_case(tmp_path / "case", bank_only_case()))
    load_into_neo4j(neo4j_driver, case, replace=True)
    assert Neo4jEngine(CypherRunner(neo4j_driver)).available == case.available != MemoryEngine(
        load_case(write_case(tmp_path / "full", minimal_case()))).available
