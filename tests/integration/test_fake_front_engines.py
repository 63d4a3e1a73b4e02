"""Both engines find the same fake trades and fronts on the hand-written cases of
tests/test_fake_trades.py: platform P2 platforms.csv records as ``fake``, and orders outside
the broker statements in hand."""

from __future__ import annotations

import pandas as pd
from casebuilder import write_case
from test_fake_trades import hand_case, statement_window_case

from casegraph.loaders.case import load_case
from casegraph.loaders.neo4j import load_into_neo4j
from casegraph.queries.memory.engine import MemoryEngine
from casegraph.queries.neo4j.engine import Neo4jEngine
from casegraph.queries.neo4j.runner import CypherRunner
from casegraph.queries.rules import unverified_of_checked


def answers_of_both_engines(case, driver) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Per engine: its fake-trade check and its platforms' verdicts on ``case``."""
    load_into_neo4j(driver, case, replace=True)
    memory, neo4j = MemoryEngine(case), Neo4jEngine(CypherRunner(driver))
    answers = {}
    for name, engine in (("memory", memory), ("neo4j", neo4j)):
        checked = engine.fake_trades()
        answers[name] = (checked, engine.platform_fraud(checked, engine.client_figures()))
    return answers


def test_a_platform_recorded_fake_is_the_front_on_both_engines(tmp_path, neo4j_driver):
    case = load_case(write_case(tmp_path / "case", hand_case()))
    answers = answers_of_both_engines(case, neo4j_driver)
    (memory_fake, memory_fraud), (neo4j_fake, neo4j_fraud) = answers["memory"], answers["neo4j"]
    assert memory_fake.astype(object).values.tolist() == neo4j_fake.astype(object).values.tolist()
    assert "platform_recorded_fake" in set(neo4j_fake["reason"])
    pd.testing.assert_series_equal(memory_fraud["is_fraud"], neo4j_fraud["is_fraud"], check_index_type=False)
    assert neo4j_fraud.loc["P2", "is_fraud"] and not neo4j_fraud.loc["P1", "is_fraud"]


def test_both_engines_leave_the_orders_outside_the_statements_in_hand_unverified(tmp_path, neo4j_driver):
    case = load_case(write_case(tmp_path / "case", statement_window_case()))
    answers = answers_of_both_engines(case, neo4j_driver)
    (memory_checked, memory_fraud), (neo4j_checked, neo4j_fraud) = answers["memory"], answers["neo4j"]
    pd.testing.assert_frame_equal(neo4j_checked, memory_checked)
    assert unverified_of_checked(neo4j_checked)["trade_id"].tolist() == ["TR10", "TR11", "TR19", "TR8"]
    pd.testing.assert_frame_equal(neo4j_fraud, memory_fraud, check_index_type=False)
    assert neo4j_fraud["is_fraud"].to_dict() == {"P1": False, "P2": True, "P3": False, "P4": True, "P5": True}
