"""Fund flows in both engines: the same account_flows, flow_patterns and statement_requests
files byte for byte, and the money_trace playbook gives `casegraph trace`'s hops."""

from __future__ import annotations

import pytest
from test_flows import flows_case

from casegraph.cli import main
from casegraph.generator import generate_case
from casegraph.loaders.case import load_case
from casegraph.loaders.neo4j import load_into_neo4j
from casegraph.queries.memory.flows import account_flows, trace
from casegraph.queries.playbooks import run

FLOW_FILES = ("account_flows.csv", "flow_patterns.csv", "statement_requests.csv")


def analyse_both(case, out) -> None:
    for engine in ("memory", "neo4j"):
        with pytest.raises(SystemExit) as done:
            main(["-q", "analyze", str(case), "--out", str(out / engine), "--engine", engine, "--replace"])
        assert done.value.code == 0, engine


def assert_same_flow_files(out, other: str = "neo4j") -> None:
    for name in FLOW_FILES:
        memory = (out / "memory" / name).read_text(encoding="utf-8")
        neo4j = (out / other / name).read_text(encoding="utf-8")
        for a, b in zip(memory.splitlines(), neo4j.splitlines()):
            assert a == b, name
        assert memory == neo4j, name


def test_engines_agree_on_the_hand_built_flows_case(tmp_path):
    case = flows_case(tmp_path)
    analyse_both(case.path, tmp_path)
    assert_same_flow_files(tmp_path)
    patterns = (tmp_path / "neo4j" / "flow_patterns.csv").read_text(encoding="utf-8")
    for pattern in ("pass_through", "cycle", "fan_in", "shared_device", "round_amounts", "night"):
        assert f"\n{pattern}," in patterns, pattern
    assert (tmp_path / "neo4j" / "statement_requests.csv").read_text(encoding="utf-8").count("\n") == 4


def test_engines_agree_on_a_generated_case(tmp_path):
    generate_case(tmp_path / "case", scale="tiny", seed=5)
    analyse_both(tmp_path / "case", tmp_path)
    assert_same_flow_files(tmp_path)
    assert (tmp_path / "neo4j" / "flow_patterns.csv").read_text(encoding="utf-8").count("\n") > 10


@pytest.mark.parametrize("start", ["PER3", "BK3"])
def test_the_money_trace_playbook_gives_the_trace(tmp_path, neo4j_driver, start):
    case = flows_case(tmp_path)
    load_into_neo4j(neo4j_driver, load_case(case.path), replace=True)
    memory = trace(case, [start], hops=3)
    played = run(neo4j_driver, "money_trace", {"from_id": start, "max_hops": 3})
    assert len(memory) > 3
    assert played["txn_id"].tolist() == memory["txn_id"].tolist()
    assert played["hop"].tolist() == memory["hop"].tolist()
    assert played["can_have_flowed_fen"].tolist() == memory["can_have_flowed"].tolist()
    floor = run(neo4j_driver, "money_trace", {"from_id": start, "min_amount_fen": 40_000_000,
                                              "since": "2020-01-01T00:00:00+08:00"})
    assert floor["txn_id"].tolist() == trace(case, [start], hops=3, min_amount=40_000_000,
                                             since_us=1577808000000000)["txn_id"].tolist()


def test_the_account_playbooks_agree_with_the_flow_files(tmp_path, neo4j_driver):
    case = flows_case(tmp_path)
    load_into_neo4j(neo4j_driver, load_case(case.path), replace=True)
    around = run(neo4j_driver, "account_patterns", {"account_id": "BG1"})
    assert [(p, ids) for p, ids in zip(around["pattern"], around["txn_ids"])] == [("pass_through", ["PT1", "PT2"])]
    cycle = run(neo4j_driver, "account_patterns", {"account_id": "X1", "window_hours": 72})
    assert cycle[cycle["pattern"] == "cycle"]["txn_ids"].tolist() == [["C1", "C2", "C3"]]
    counterparties = run(neo4j_driver, "account_counterparties", {"account_id": "BG1"})
    flows = account_flows(case).set_index("account_id")
    assert counterparties["amount_in_fen"].sum() == flows.loc["BG1", "amount_in"]
    assert counterparties["amount_out_fen"].sum() == flows.loc["BG1", "amount_out"]
    assert len(counterparties) == flows.loc["BG1", "n_counterparties"]
