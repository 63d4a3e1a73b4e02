"""The networkx graph analysts get (``Investigation.graph()``): what the case holds, in values
the tools they take it to read — GraphML and GEXF for Gephi, JSON. A pandas Timestamp made
both writers raise."""

from __future__ import annotations

import csv
import json
import shutil

import networkx as nx

from casegraph.api import open_case


def rows_of(folder, name: str) -> list[dict]:
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_graph_writes_to_graphml_gexf_and_json_with_its_times_as_text(generated_case, tmp_path):
    folder = generated_case("tiny", 3).folder
    graph = open_case(folder).graph()
    values = [*(v for _, data in graph.nodes(data=True) for v in data.values()),
              *(v for *_, data in graph.edges(data=True) for v in data.values())]
    assert {type(value) for value in values} <= {str, int, float, bool}

    nx.write_graphml(graph, tmp_path / "case.graphml")
    nx.write_gexf(graph, tmp_path / "case.gexf")
    json.dumps(nx.node_link_data(graph, edges="edges"))
    back = nx.read_graphml(tmp_path / "case.graphml")
    assert (back.number_of_nodes(), back.number_of_edges()) == (graph.number_of_nodes(), graph.number_of_edges())

    # Dates as the case writes them; times in the case timezone (Asia/Shanghai) with its offset.
    licence = rows_of(folder, "licenses")[0]
    assert graph.nodes[f"License:{licence['license_id']}"]["sold_on"] == licence["sold_on"]
    transfer = rows_of(folder, "bank_transfers")[0]
    (edge,) = [data for *_, key, data in graph.edges(keys=True, data=True) if key == transfer["txn_id"]]
    assert edge["ts"] == transfer["ts"] + "+08:00"
    used = [data for *_, data in graph.edges(data=True) if data["type"] == "USED_DEVICE"]
    assert used and all(data["first"] <= data["last"] and data["last"].endswith("+08:00") for data in used)


def test_no_node_for_an_address_that_names_no_device(generated_case, tmp_path):
    """Strangers' logins from 0.0.0.0 and 00-00-00-00-00-00 (what exports print where there
    was no address) lead to no node of either: a node would tie them all to one device. A real
    address they share is a node with its edges, as before."""
    folder = tmp_path / "case"
    shutil.copytree(generated_case("tiny", 3).folder, folder)
    accounts = [row["account_id"] for row in rows_of(folder, "accounts") if row["kind"] == "trading"][:3]
    with open(folder / "logins.csv", "a", encoding="utf-8") as logins:
        logins.writelines(f"2019-02-{day:02d}T1{i}:00:00,{account},,{ip},{device},\n"
                          for day in (1, 2) for i, account in enumerate(accounts)
                          for ip, device in (("0.0.0.0", "00-00-00-00-00-00"), ("10.99.99.99", "DEADBEEF01")))
    graph = open_case(folder).graph()
    assert not {"IP:0.0.0.0", "Device:00-00-00-00-00-00"} & set(graph.nodes)
    for node, label in (("IP:10.99.99.99", "USED_IP"), ("Device:DEADBEEF01", "USED_DEVICE")):
        users = {start for start, _, data in graph.in_edges(node, data=True) if data["type"] == label}
        assert users == {f"Account:{account}" for account in accounts}, node
