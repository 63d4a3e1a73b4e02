"""The notebooks' Neo4j sections, run with the server up: the same outputs on the server, and
GDS through the graphdatascience client."""

from __future__ import annotations

from test_notebooks import execute, printed


def test_case_to_chain_and_money_on_neo4j_with_gds(tmp_path, neo4j_settings):
    nb = execute("01-case-to-chain-and-money.ipynb", tmp_path, CASEGRAPH_CASE=str(tmp_path / "case"),
                 CASEGRAPH_SCALE="tiny", CASEGRAPH_REPLACE="1")
    text = printed(nb)
    assert "equal the memory engine's to the fen" in text
    assert "GDS Louvain:" in text
