"""A chain (:func:`casegraph.queries.export.chain_tree`) as a file: nested JSON, or GraphML
for Gephi and yEd (:func:`casegraph.queries.export.chain_graph`).

>>> write_chain(chain_tree(case, tables["totals"], vendor_id="V01"), Path("chain.graphml"))   # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import orjson

from casegraph.queries.export import chain_graph

# What XML 1.0 allows in no document, escaped or not: control characters but tab, line feed
# and carriage return; lone surrogates; U+FFFE and U+FFFF.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """Text with each character XML 1.0 forbids shown as U+FFFD (�), so that the GraphML
    stays well-formed and the reader sees that something was there; other values as they are.

    >>> xml_safe("张\x07三"), xml_safe(5)
    ('张�三', 5)
    """
    return XML_FORBIDDEN.sub("\ufffd", value) if isinstance(value, str) else value


def ready_for_graphml(graph: nx.DiGraph) -> nx.DiGraph:
    """The graph made ready for GraphML readers, in place (it is :func:`chain_graph`'s own, and
    copies of a 10x seed-scale vendor's graph took 3.6 s): node ids and every text attribute
    :func:`xml_safe`; the graph-level attributes (the case id) moved onto its vendor nodes, as
    Gephi's GraphML reader takes keys for nodes and edges only (one for the graph is an error
    in its import report).

    >>> graph = nx.DiGraph(case_id="c\x01")
    >>> graph.add_node("Vendor:V\x02", kind="Vendor")
    >>> ready = ready_for_graphml(graph)
    >>> ready.graph, dict(ready.nodes(data=True))
    ({}, {'Vendor:V�': {'kind': 'Vendor', 'case_id': 'c�'}})
    """
    unsafe = {node: xml_safe(node) for node in graph if XML_FORBIDDEN.search(node)}
    if unsafe:  # rarely: ids are relabelled only when one needs it
        nx.relabel_nodes(graph, unsafe, copy=False)
    case_attributes = {k: xml_safe(v) for k, v in graph.graph.items()}
    graph.graph.clear()
    for _, attributes in graph.nodes(data=True):
        attributes.update({k: xml_safe(v) for k, v in attributes.items()})
        if attributes.get("kind") == "Vendor":
            attributes.update(case_attributes)
    for _, _, attributes in graph.edges(data=True):
        attributes.update({k: xml_safe(v) for k, v in attributes.items()})
    return graph


def write_chain(tree: dict, path: Path) -> Path:
    """Write the tree as ``.json`` or ``.graphml`` (by the file's suffix). JSON keeps every
    character (escaped where needed); GraphML shows those XML forbids as U+FFFD (:func:`xml_safe`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".graphml":
        # Keys named after their attributes: networkx's numbered ids would put one attribute
        # on "d3" (and "d7"), which Gephi reads as yEd's node (edge) label, dropping its column.
        nx.write_graphml(ready_for_graphml(chain_graph(tree)), path, named_key_ids=True)
    else:
        # orjson: the standard library's encoder indents in Python, one call per value (5 s for a
        # 10x seed-scale vendor's 200,000 clients, against 0.3 s here); text stays UTF-8 as it is.
        path.write_bytes(orjson.dumps(tree, option=orjson.OPT_INDENT_2))
    return path
