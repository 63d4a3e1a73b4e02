"""The chain export: JSON tree and GraphML, consistent with totals.csv."""

from __future__ import annotations

import json

import networkx as nx
import pandas as pd
import pytest
from casebuilder import minimal_case, write_case

from casegraph.api import open_case
from casegraph.cli import main
from casegraph.generator import generate_case
from casegraph.outputs.chains import write_chain
from casegraph.queries.export import chain_tree


def run(*argv) -> int:
    with pytest.raises(SystemExit) as done:
        main([str(a) for a in argv])
    return done.value.code


def clients_in(agent: dict) -> int:
    return len(agent["clients"]) + sum(clients_in(child) for child in agent["agents"])


def test_json_tree_of_a_vendor(tmp_path):
    case = write_case(tmp_path / "case", minimal_case())
    assert run("export", case, "--vendor", "V1", "--out", tmp_path / "chain.json") == 0
    tree = json.loads((tmp_path / "chain.json").read_text(encoding="utf-8"))
    licence = tree["vendors"][0]["licenses"][0]
    assert (licence["license_id"], licence["price"], licence["platform"]["gang_id"]) == ("L1", "800000.00", "G1")
    top = licence["platform"]["agents"][0]
    assert top["agent_id"] == "A1" and top["agents"][0]["agent_id"] == "A2"
    assert top["agents"][0]["clients"][0]["figures"]["net_deposit"] == "257060.86"
    assert top["figures"]["subtree_deposits"] == "484954.00"


def test_a_client_and_an_agent_of_one_id_each_show_their_own_figures(tmp_path):
    """Ids are unique within a table, not across tables: client "A1" beside agent "A1"."""
    rows = minimal_case()
    for table in ("clients", "accounts", "ledger"):
        for row in rows[table]:
            if row.get("client_id") == "C1":
                row["client_id"] = "A1"
    case = write_case(tmp_path / "case", rows)
    assert run("export", case, "--vendor", "V1", "--out", tmp_path / "chain.json") == 0
    top = json.loads((tmp_path / "chain.json").read_text(encoding="utf-8"))["vendors"][0]["licenses"][0][
        "platform"]["agents"][0]
    client = top["agents"][0]["clients"][0]
    assert (top["agent_id"], client["client_id"]) == ("A1", "A1")
    assert client["figures"]["net_deposit"] == "257060.86" and "subtree_deposits" not in client["figures"]
    assert top["figures"]["subtree_deposits"] == "484954.00" and "net_deposit" not in top["figures"]


def test_gang_tree_counts_every_client_once(tmp_path):
    generate_case(tmp_path / "case", scale="tiny", seed=2)
    assert run("export", tmp_path / "case", "--gang", "G02", "--out", tmp_path / "g.json") == 0
    assert run("export", tmp_path / "case", "--gang", "G02", "--out", tmp_path / "g.graphml") == 0
    tree = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    for licence in tree["vendors"][0]["licenses"]:
        platform = licence["platform"]
        assert platform["gang_id"] == "G02"
        counted = sum(clients_in(a) for a in platform["agents"]) + len(platform["direct_clients"])
        assert counted == platform["figures"]["n_clients"]
    graph = nx.read_graphml(tmp_path / "g.graphml")
    kinds = nx.get_node_attributes(graph, "kind")
    assert sum(1 for v in kinds.values() if v == "Client") == sum(
        licence["platform"]["figures"]["n_clients"] for licence in tree["vendors"][0]["licenses"])
    # Gephi shows "label" on the canvas: the platform's name and id, not its kind.
    platform = tree["vendors"][0]["licenses"][0]["platform"]
    assert graph.nodes[f"Platform:{platform['platform_id']}"]["label"] == \
        f"{platform['name']} ({platform['platform_id']})"
    assert nx.is_directed_acyclic_graph(graph)


def test_export_usage_errors(tmp_path, capsys):
    case = write_case(tmp_path / "case", minimal_case())
    assert run("export", case, "--out", tmp_path / "x.json") == 2
    assert run("export", case, "--gang", "G9", "--out", tmp_path / "x.json") == 2
    assert "no platforms of gang 'G9'" in capsys.readouterr().err
    assert run("export", case, "--vendor", "V1", "--out", tmp_path / "x.txt") == 2


@pytest.fixture(scope="module")
def analysed(generated_case):
    """(the case folder, an Investigation of it that has run every analysis, its answers): read only."""
    folder = generated_case("tiny", 3).folder
    case = open_case(folder)
    return folder, case, case.analyze()


@pytest.mark.parametrize("subject", [{"vendor": "V01"}, {"gang": "G02"}], ids=lambda s: next(iter(s.values())))
def test_a_tree_before_any_analysis_is_the_tree_of_the_whole_analysis(analysed, subject, tmp_path):
    """Investigation.chain_tree asks only the questions the tree shows the answers of
    (export.TREE_QUESTIONS) when nothing was analysed yet: the same tree as from every answer."""
    folder, case, whole = analysed
    first = open_case(folder).chain_tree(**subject)
    assert first == chain_tree(case.case, whole["totals"], vendor_id=subject.get("vendor"), gang_id=subject.get("gang"))
    assert first == case.chain_tree(**subject)  # taken from the analysis that ran
    # The JSON file reads back as the tree, value for value (Chinese names, counts, amounts, nulls).
    assert json.loads(write_chain(first, tmp_path / "chain.json").read_text(encoding="utf-8")) == first


def test_the_chain_before_any_analysis_is_the_chain_of_the_whole_analysis(analysed):
    """Investigation.chain asks only the questions chain.csv is made of (assembly.CHAIN_QUESTIONS)."""
    folder, _, answers = analysed
    first = open_case(folder).chain(gang="G02")
    whole = answers["chain"]
    pd.testing.assert_frame_equal(first, whole[whole["gang_id"] == "G02"].reset_index(drop=True))
    assert first["deposits"].notna().all() and len(first)


def test_optional_cells_left_empty_are_null_in_the_json_and_absent_in_the_graphml(tmp_path):
    """A platform with no name or domain, a licence with no buyer's name and an agent with no
    person are a valid case: the tree shows them as null (pandas' NA is no JSON value)."""
    rows = minimal_case()
    rows["platforms"][0].update(name="", domain="")
    rows["licenses"][0]["buyer_name"] = ""
    rows["agents"][1]["person_id"] = ""
    case = write_case(tmp_path / "case", rows)
    assert run("export", case, "--vendor", "V1", "--out", tmp_path / "chain.json") == 0
    licence = json.loads((tmp_path / "chain.json").read_text(encoding="utf-8"))["vendors"][0]["licenses"][0]
    platform = licence["platform"]
    assert (platform["name"], platform["domain"], licence["buyer_name"]) == (None, None, None)
    agent = platform["agents"][0]["agents"][0]
    assert (agent["agent_id"], agent["person_id"], agent["person_name"]) == ("A2", None, None)
    assert agent["clients"][0]["figures"]["net_deposit"] == "257060.86"
    assert run("export", case, "--vendor", "V1", "--out", tmp_path / "chain.graphml") == 0
    graph = nx.read_graphml(tmp_path / "chain.graphml")
    assert "name" not in graph.nodes["Platform:P1"] and graph.nodes["Platform:P1"]["label"] == "P1"
