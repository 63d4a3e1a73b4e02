"""Each question of the engine contract (casegraph.queries.engine.Engine) gets the same
answer from both engines: same columns, rows, values and dtypes, before any output is made."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from casegraph.generator import generate_case
from casegraph.loaders.case import load_case
from casegraph.loaders.neo4j import load_into_neo4j
from casegraph.queries.engine import Engine, GangEvidence
from casegraph.queries.memory.engine import MemoryEngine
from casegraph.queries.neo4j.engine import Neo4jEngine
from casegraph.queries.neo4j.runner import CypherRunner

QUESTIONS = ("client_figures", "agent_totals", "platform_totals", "person_totals", "person_window_totals",
             "account_groups", "fake_trades", "platform_fraud", "account_flows", "flow_patterns")
TAKES_CLIENTS = ("agent_totals", "platform_totals", "person_totals")


@pytest.fixture(scope="module")
def engines(tmp_path_factory, neo4j_driver) -> tuple[MemoryEngine, Neo4jEngine]:
    folder = tmp_path_factory.mktemp("contract") / "case"
    generate_case(folder, scale="tiny", seed=3)
    case = load_case(folder)
    load_into_neo4j(neo4j_driver, case, replace=True)
    return MemoryEngine(case), Neo4jEngine(CypherRunner(neo4j_driver))


def ask(engine: Engine, question: str) -> pd.DataFrame:
    if question in TAKES_CLIENTS:
        return getattr(engine, question)(engine.client_figures())
    if question == "platform_fraud":
        return engine.platform_fraud(engine.fake_trades(), engine.client_figures())
    return getattr(engine, question)()


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with text in one dtype: the engines build text columns from different
    sources (the case's arrow strings, the driver's Python strings), and which flavour of
    pandas string holds a text is not part of the answer; numbers keep their exact dtypes."""
    def text_as_object(values):
        return values.astype(object).where(values.notna(), None) if pd.api.types.is_string_dtype(values) else values

    frame = frame.apply(text_as_object)
    frame.index = text_as_object(frame.index.to_series()).rename(frame.index.name)
    return frame


def test_the_questions_are_those_of_the_contract():
    # statement_requests: compared in test_flows_engines.py, on a case with statements in hand
    asked = set(QUESTIONS) | {"case_facts", "threshold_rules", "gang_evidence", "gang_communities",
                              "statement_requests"}
    contract = {name for name in vars(Engine) if not name.startswith("_") and callable(getattr(Engine, name))}
    assert asked == contract


@pytest.mark.parametrize("question", QUESTIONS)
def test_both_engines_answer_alike(engines, question):
    memory, neo4j = (ask(engine, question) for engine in engines)
    assert len(memory) > 0, question  # the tiny case holds an answer to every question
    if question == "person_window_totals":  # rows of one person's periods: order is not part of the answer
        keys = ["person_id", "window_start", "window_end"]
        memory, neo4j = (frame.sort_values(keys, ignore_index=True) for frame in (memory, neo4j))
    pd.testing.assert_frame_equal(comparable(neo4j), comparable(memory), check_exact=True)


def test_both_engines_see_the_same_gang_evidence(engines):
    memory, neo4j = (engine.gang_evidence() for engine in engines)
    assert isinstance(memory, GangEvidence) and isinstance(neo4j, GangEvidence)
    pd.testing.assert_frame_equal(comparable(neo4j.edges), comparable(memory.edges), check_exact=True)
    order = ["node", "platform_id", "fact"]
    pd.testing.assert_frame_equal(comparable(neo4j.bindings.sort_values(order, ignore_index=True)),
                                  comparable(memory.bindings.sort_values(order, ignore_index=True)), check_exact=True)
    assert neo4j.platform_ids == memory.platform_ids


def rows(values: pd.Series | pd.DataFrame | pd.Index) -> list[tuple]:
    """The values row by row (index included), sorted: what a fact says, whatever its order and names."""
    if isinstance(values, pd.Index):
        values = pd.Series(values, name="value")
    frame = pd.DataFrame(values)
    frame = frame.reset_index(drop=isinstance(frame.index, pd.RangeIndex))
    return sorted(tuple(str(cell) for cell in row) for row in frame.itertuples(index=False))


def test_both_engines_read_the_same_facts(engines):
    memory, neo4j = (engine.case_facts() for engine in engines)
    for field in dataclasses.fields(memory):
        mine, theirs = getattr(memory, field.name), getattr(neo4j, field.name)
        if callable(mine):  # vendor_totals: the same answer for the same gang accounts
            accounts = pd.Index(engines[0].case["accounts"]["account_id"])
            mine, theirs = mine(accounts), theirs(accounts)
        assert len(mine) > 0, field.name
        assert rows(mine) == rows(theirs), field.name
    assert engines[0].threshold_rules() == engines[1].threshold_rules()
