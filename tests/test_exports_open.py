"""The exports open in the tools people use on them: the GraphML chain in networkx, igraph and
by the rules of Gephi's GraphML importer; the XLSX referral packets in openpyxl and in
LibreOffice (headless, converted to PDF and CSV), ids and names kept as text."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import xml.etree.ElementTree as ET

import igraph
import networkx as nx
import openpyxl
import pandas as pd
import pytest
from browsers import unavailable
from casebuilder import minimal_case, write_case

from casegraph.cli import main
from casegraph.loaders.case import load_case
from casegraph.outputs.packets import write_packet_xlsx
from casegraph.queries.export import chain_graph
from casegraph.queries.memory.engine import analyze_case
from casegraph.queries.referrals import referral_packets

GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"
# Gephi's ImporterGraphML (gephi/gephi, modules/ImportPlugin): a key whose id or attr.name is
# one of these becomes a node (edge) property instead of a column ("d3"/"d7": yEd's labels);
# the types it reads, and how it parses each.
GEPHI_NODE_PROPERTIES = {"label", "d3", "x", "y", "xpos", "ypos", "z", "size", "r", "g", "b"}
GEPHI_EDGE_PROPERTIES = {"label", "edgelabel", "d7", "weight", "Edge Weight", "id", "edgeid", "r", "g", "b"}
GEPHI_TYPES = {"boolean", "bool", "integer", "int", "long", "float", "double", "string", "short", "byte", "char",
               "bigdecimal", "biginteger"}


def run(*argv) -> int:
    with pytest.raises(SystemExit) as done:
        main([str(a) for a in argv])
    return done.value.code


@pytest.fixture(scope="module", params=[("--gang", "G02"), ("--vendor", "V01")], ids=lambda p: p[1])
def chain(request, generated_case, tmp_path_factory):
    """The tiny case's chain exported as JSON and as GraphML: ``(tree, graphml path)``."""
    folder, out = generated_case("tiny", 3).folder, tmp_path_factory.mktemp("export")
    assert run("export", folder, *request.param, "--out", out / "chain.json") == 0
    assert run("export", folder, *request.param, "--out", out / "chain.graphml") == 0
    return json.loads((out / "chain.json").read_text(encoding="utf-8")), out / "chain.graphml"


def test_graphml_opens_in_networkx_as_the_chain(chain):
    tree, path = chain
    expected = chain_graph(tree)
    graph = nx.read_graphml(path)
    assert graph.is_directed() and set(graph.nodes) == set(expected.nodes) and set(graph.edges) == set(expected.edges)
    for node, attributes in expected.nodes(data=True):
        assert graph.nodes[node] == {**attributes, **({"case_id": tree["case_id"]} if attributes["kind"] == "Vendor"
                                                      else {})}, node
    assert nx.get_edge_attributes(graph, "type") == nx.get_edge_attributes(expected, "type")


def test_graphml_opens_in_igraph(chain):
    tree, path = chain
    expected = chain_graph(tree)
    graph = igraph.Graph.Read_GraphML(str(path))
    ids = graph.vs["id"]
    assert graph.is_directed() and sorted(ids) == sorted(expected.nodes)
    assert {(ids[e.source], ids[e.target], e["type"]) for e in graph.es} == \
        {(u, v, t) for u, v, t in expected.edges(data="type")}
    for vertex in graph.vs:
        for name, value in expected.nodes[vertex["id"]].items():
            assert vertex[name] == value, (vertex["id"], name)


def gephi_issues(path) -> list[str]:
    """What Gephi's GraphML importer would report or lose on this file: keys it cannot take
    (a type it does not know, a class other than node/edge/all), attributes it would take as
    a property instead of a column (other than the label), key ids given twice, values its
    parser refuses, nodes without an id or given twice, edges to unknown nodes."""
    root = ET.parse(path).getroot()
    issues, keys = [], {}
    for key in root.iter(f"{GRAPHML}key"):
        key_id, name, kind, of = (key.get(a, "") for a in ("id", "attr.name", "attr.type", "for"))
        properties = GEPHI_NODE_PROPERTIES if of == "node" else GEPHI_EDGE_PROPERTIES if of == "edge" else set()
        if key_id in keys:
            issues.append(f"key id {key_id!r} given twice")
        taken_as = next((p for p in (key_id, name) if p in properties), None)
        if taken_as is not None and not (name == "label" and taken_as == "label"):
            issues.append(f"attribute {name!r} (key {key_id}) would be Gephi's {of} property {taken_as!r}")
        if of not in ("node", "edge", "all"):
            issues.append(f"key {name!r} for {of!r}: Gephi takes keys for node, edge or all")
        if kind.lower() not in GEPHI_TYPES:
            issues.append(f"key {name!r}: type {kind!r} unknown to Gephi")
        keys[key_id] = kind.lower()
    graphs = list(root.iter(f"{GRAPHML}graph"))
    if len(graphs) != 1 or graphs[0].get("edgedefault") not in ("directed", "undirected"):
        issues.append("one graph with edgedefault directed or undirected expected")
    nodes = [node.get("id", "") for node in root.iter(f"{GRAPHML}node")]
    issues += [f"node id {n!r} empty or given twice" for n in nodes if not n or nodes.count(n) > 1]
    known = set(nodes)
    for edge in root.iter(f"{GRAPHML}edge"):
        if edge.get("source") not in known or edge.get("target") not in known:
            issues.append(f"edge {edge.get('source')} -> {edge.get('target')} to an unknown node")
    for data in root.iter(f"{GRAPHML}data"):
        kind, text = keys.get(data.get("key")), data.text or ""
        if kind is None:
            issues.append(f"data for undeclared key {data.get('key')!r}")
        elif kind in ("int", "integer", "long", "short", "byte"):
            bits = {"int": 32, "integer": 32, "long": 64, "short": 16, "byte": 8}[kind]
            if not text.lstrip("-").isdigit() or not -2 ** (bits - 1) <= int(text) < 2 ** (bits - 1):
                issues.append(f"{text!r} is no Java {kind}")
        elif kind in ("float", "double") and not math.isfinite(float(text)):
            issues.append(f"{text!r} is no finite {kind}")
        elif kind in ("boolean", "bool") and text.lower() not in ("true", "false"):
            issues.append(f"{text!r} is no boolean")
    return issues


def test_graphml_follows_gephis_import_rules(chain):
    _, path = chain
    assert gephi_issues(path) == []


def test_gephi_rules_catch_what_gephi_would_report(tmp_path):
    """The checker itself: networkx's defaults (numbered keys, a graph-level key) break two rules."""
    graph = nx.DiGraph(case_id="C1")
    graph.add_node("a", label="Vendor", **{f"f{i}": "x" for i in range(4)}, n=2 ** 40)
    graph.add_edge("a", "b", type="SOLD")
    nx.write_graphml(graph, tmp_path / "default.graphml")
    issues = gephi_issues(tmp_path / "default.graphml")
    assert any("would be Gephi's node property 'd3'" in issue for issue in issues)
    assert any("for 'graph'" in issue for issue in issues)
    text = (tmp_path / "default.graphml").read_text().replace('attr.type="long"', 'attr.type="int"')
    (tmp_path / "int.graphml").write_text(text)
    assert any("is no Java int" in issue for issue in gephi_issues(tmp_path / "int.graphml"))


# -- XLSX packets ---------------------------------------------------------------------------

# Text that a spreadsheet would turn into a number (losing digits or a leading zero) if the
# cell were not written as text: an 18-digit ID number, a phone with a leading zero, a 19-digit
# bank card as an account id, a name that reads as a number.
DIGITS = {"id_number": "110101199003071234", "phone": "01062345678", "card": "6222020200112233445", "name": "1E5"}


@pytest.fixture(scope="module")
def packet(tmp_path_factory):
    """The minimal case's one referral packet, unmasked, with number-like ids and names:
    ``(sections, xlsx path)``."""
    rows = minimal_case()
    person = rows["persons"][0]
    person.update(id_number=DIGITS["id_number"], phone=DIGITS["phone"], name=DIGITS["name"])
    for table, column in (("accounts", "account_id"), ("licenses", "paid_from_account"),
                          ("bank_transfers", "from_account"), ("bank_transfers", "to_account")):
        for row in rows[table]:
            if row.get(column) == "BG1":
                row[column] = DIGITS["card"]
    folder = write_case(tmp_path_factory.mktemp("digits") / "case", rows)
    case = load_case(folder)
    packets = referral_packets(case, analyze_case(case), unmask=True)
    [(name, sections)] = packets.items()
    path = write_packet_xlsx(sections, folder.parent / "packet.xlsx")
    return sections, path


def text_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of a section that hold ids or names (text, whatever the digits in them)."""
    return [c for c in frame.columns
            if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])]


def test_xlsx_opens_in_openpyxl_with_ids_and_names_as_text(packet):
    sections, path = packet
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == list(sections)
    for name, frame in sections.items():
        rows = list(book[name].iter_rows(values_only=False))
        assert [cell.value for cell in rows[0]] == list(frame.columns)
        assert len(rows) - 1 == len(frame), name
        for j, column in enumerate(frame.columns):
            if column not in text_columns(frame):
                continue
            for row, value in zip(rows[1:], frame[column]):
                cell = row[j]
                if pd.isna(value):
                    assert cell.value is None, (name, column)
                else:
                    assert cell.data_type == "s" and cell.value == str(value), (name, column, cell.value, value)
    persons = sections["persons"].set_index("person_id")
    assert persons.loc["PER1", ["id_number", "phone", "name"]].tolist() == \
        [DIGITS["id_number"], DIGITS["phone"], DIGITS["name"]]
    assert DIGITS["card"] in set(sections["accounts"]["account_id"])


def soffice(*argv: str, profile) -> None:
    """Run LibreOffice headless with a profile of its own (parallel runs do not share one)."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        unavailable("LibreOffice not found: apt-get install libreoffice-calc-nogui (make test-deps)")
    done = subprocess.run([binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", *argv],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr


@pytest.mark.office
def test_xlsx_opens_in_libreoffice(packet, tmp_path):
    """LibreOffice reads every sheet with its ids as the digits written (CSV of each sheet),
    and prints the packet to PDF with the Chinese text in a CJK font."""
    sections, path = packet
    out = tmp_path / "out"
    soffice("--convert-to", "pdf", "--outdir", str(out), str(path), profile=tmp_path / "profile")
    # CSV filter options: comma, double quote, UTF-8, from line 1, formatted as shown, every sheet
    csv_filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    soffice("--convert-to", csv_filter, "--outdir", str(out), str(path), profile=tmp_path / "profile")
    pdf = (out / "packet.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.count(b"/Type/Page") - pdf.count(b"/Type/Pages") >= len(sections)
    assert b"CJK" in pdf, "no CJK font in the PDF: the Chinese text would be boxes"
    for name, frame in sections.items():
        shown = pd.read_csv(out / f"packet-{name}.csv", dtype=str, keep_default_na=False)
        assert list(shown.columns) == list(frame.columns) and len(shown) == len(frame), name
        for column in text_columns(frame):
            assert shown[column].tolist() == frame[column].fillna("").astype(str).tolist(), (name, column)
