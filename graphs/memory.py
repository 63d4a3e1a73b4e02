"""The case graph in memory: a networkx ``MultiDiGraph`` built from :mod:`.model`.

Node keys are ``"Label:id"``; every node has ``label``, ``id``, ``source`` and ``line``
attributes besides its properties; transfers are parallel edges keyed by ``txn_id``, so
repeated transfers between the same two accounts stay separate facts.

>>> from casegraph.loaders.case import load_case     # doctest: +SKIP
>>> graph = build_graph(load_case("mycase"))          # doctest: +SKIP
>>> graph.nodes["Platform:P1"]["label"]               # doctest: +SKIP
'Platform'
"""

from __future__ import annotations

import networkx as nx
import pandas as pd

from casegraph.loaders.case import Case
from casegraph.loaders.read import LINE, split_ids

from .model import NODES, ORG_LABELS, RELATIONSHIPS, RelType, node_key


def _records(frame: pd.DataFrame, columns) -> list[dict]:
    """Rows as dicts without missing values (missing stays absent, never an empty string)."""
    sub = frame[list(columns)].astype(object)
    return [{k: v for k, v in row.items() if v is not None and v == v and v is not pd.NA}
            for row in sub.to_dict("records")]


def build_graph(case: Case, transfers: pd.DataFrame | None = None) -> nx.MultiDiGraph:
    """Every node and relationship of the model, from a loaded case.

    ``transfers`` may carry ``amount_cny`` (see :func:`casegraph.queries.figures.transfers_in_cny`).
    """
    graph = nx.MultiDiGraph(case_id=case.config.case_id)
    for spec in NODES:
        frame = case[spec.table]
        keys = frame[spec.key]
        attributes = _records(frame, spec.properties)
        graph.add_nodes_from(
            (node_key(spec.label, key), {**attrs, "label": spec.label, "id": key, "source": f"{spec.table}.csv",
                                         "line": int(line)})
            for key, attrs, line in zip(keys, attributes, frame[LINE]))
    for spec in RELATIONSHIPS:
        frame = transfers if spec.type == "TRANSFER" and transfers is not None else case[spec.table]
        _add_relationships(graph, case, spec, frame)
    return graph


def _add_relationships(graph: nx.MultiDiGraph, case: Case, spec: RelType, frame: pd.DataFrame) -> None:
    start_label, start_column = spec.start
    end_label, end_column = spec.end
    ends = split_ids(frame[end_column]) if spec.many else frame[end_column].dropna()
    rows = frame.loc[ends.index]
    starts = rows[start_column]
    present = [p for p in spec.properties if p in rows.columns]
    attributes = _records(rows, present)
    end_labels = _org_labels(case, ends) if end_label == "Org" else [end_label] * len(ends)
    for start, end, label, attrs, line in zip(starts, ends, end_labels, attributes, rows[LINE]):
        if pd.isna(start):
            continue
        # Transfers are keyed by their transaction id; other facts by their source line.
        key = attrs["txn_id"] if spec.type == "TRANSFER" else f"{spec.type}:{line}"
        graph.add_edge(node_key(start_label, start), node_key(label, end), key=key,
                       **attrs, type=spec.type, source=f"{spec.table}.csv", line=int(line))


def _org_labels(case: Case, ids: pd.Series) -> list[str]:
    """The label of the organisation each id names (vendor, gang or platform)."""
    label_of = {}
    for label, table, key in zip(ORG_LABELS, ("vendors", "gangs", "platforms"),
                                 ("vendor_id", "gang_id", "platform_id")):
        label_of.update(dict.fromkeys(case[table][key].dropna(), label))
    return [label_of[i] for i in ids]
