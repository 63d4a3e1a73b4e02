"""Both engines find the same fake trades and fronts on the hand-written case of
tests/test_fake_trades.py, whose platform P2 platforms.csv records as ``fake``."""

from __future__ import annotations

import pandas as pd
from casebuilder import write_case
from test_fake_trades import hand_case

from casegraph.loaders.case import load_case
from casegraph.loaders.neo4j import load_into_neo4j
from casegraph.queries.memory.engine import MemoryEngine
from casegraph.queries.neo4j.engine import Neo4jEngine
from casegraph.queries.neo4j.runner import CypherRunner


def test_a_platform_recorded_fake_is_the_front_on_both_engines(tmp_path, neo4j_driver):
    case = load_case(write_case(tmp_path / "case", hand_case()))
    load_into_neo4j(neo4j_driver, case, replace=True)
    memory, neo4j = MemoryEngine(case), Neo4jEngine(CypherRunner(neo4j_driver))
    answers = {}
    for name, engine in (("memory", memory), ("neo4j", neo4j)):
        fake = engine.fake_trades()
        answers[name] = (fake, engine.platform_fraud(fake, engine.client_figures()))
    (memory_fake, memory_fraud), (neo4j_fake, neo4j_fraud) = answers["memory"], answers["neo4j"]
    assert memory_fake.astype(object).values.tolist() == neo4j_fake.astype(object).values.tolist()
    assert "platform_recorded_fake" in set(neo4j_fake["reason"])
    pd.testing.assert_series_equal(memory_fraud["is_fraud"], neo4j_fraud["is_fraud"], check_index_type=False)
    assert neo4j_fraud.loc["P2", "is_fraud"] and not neo4j_fraud.loc["P1", "is_fraud"]
