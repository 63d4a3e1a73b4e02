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
import numpy as np
import pandas as pd

from casegraph.loaders.case import Case
from casegraph.loaders.fx import tables_in_cny
from casegraph.loaders.read import LINE, utc_micros
from casegraph.queries.flow_rules import local_times

from .model import (
    NODES,
    RELATIONSHIPS,
    RelType,
    login_actors,
    names_device_nowhere,
    node_key,
    node_rows_of,
    relationship_ends,
    stored_name,
)


def _records(frame: pd.DataFrame, columns, table: str, timezone: str) -> list[dict]:
    """Rows as dicts under their stored names, without missing values (missing stays
    absent, never an empty string); dates and times as text (:func:`_iso_text`)."""
    columns = list(columns)
    sub = frame[columns]
    times = [c for c in columns if pd.api.types.is_datetime64_any_dtype(sub[c])]
    sub = sub.assign(**{c: _iso_text(sub[c], timezone) for c in times})
    sub = sub.astype(object).set_axis([stored_name(table, c) for c in columns], axis=1)
    return [{k: v for k, v in row.items() if v is not None and v == v and v is not pd.NA}
            for row in sub.to_dict("records")]


def _iso_text(values: pd.Series, timezone: str) -> pd.Series:
    """Dates as ``YYYY-MM-DD`` and times as ISO 8601 in the case timezone with its offset, as
    the output files write them: GraphML, GEXF and JSON take text, and refuse a pandas
    Timestamp. Text in one offset sorts as the times do. Missing stays missing (None).

    >>> _iso_text(pd.Series(pd.to_datetime(["2021-03-04T01:15Z", None])), "Asia/Shanghai").tolist()
    ['2021-03-04T09:15:00+08:00', None]
    >>> _iso_text(pd.Series(pd.to_datetime(["2021-03-04"])), "Asia/Shanghai").tolist()
    ['2021-03-04']
    """
    present = values.notna().to_numpy()
    text = np.full(len(values), None, dtype=object)
    known = values[present]
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        text[present] = local_times(utc_micros(known), timezone).to_numpy()
    else:
        text[present] = np.datetime_as_string(known.to_numpy(dtype="datetime64[D]"), unit="D")
    return pd.Series(text, index=values.index, dtype=object)


def build_graph(case: Case) -> nx.MultiDiGraph:
    """The entities of the model and the relationships between them, from a loaded case.

    Facts (ledger entries, trades, fills, logins) stay tables; logins appear as
    ``USED_DEVICE`` / ``USED_IP`` edges from whoever logged in, with a ``count``.
    Money carries its CNY value too (``amount_cny_fen``, ``price_cny_fen``).
    """
    graph = nx.MultiDiGraph(case_id=case.config.case_id)
    frames = tables_in_cny(case)
    for spec in NODES:
        if spec.fact:
            continue
        frame = node_rows_of(spec, frames.get(spec.table, case[spec.table]))
        attributes = _records(frame, spec.properties, spec.table, case.config.timezone)
        graph.add_nodes_from(
            (node_key(spec.label, key), {**attrs, "label": spec.label, "id": key, "source": f"{spec.table}.csv",
                                         "line": int(line)})
            for key, attrs, line in zip(frame[spec.key], attributes, frame[LINE]))
    facts = {n.label for n in NODES if n.fact}
    for spec in RELATIONSHIPS:
        if spec.start[0] in facts:
            continue
        _add_relationships(graph, case, spec, frames.get(spec.table, case[spec.table]))
    _add_login_edges(graph, case)
    return graph


def _add_relationships(graph: nx.MultiDiGraph, case: Case, spec: RelType, frame: pd.DataFrame) -> None:
    rows, ends, labels = relationship_ends(case.tables, spec, frame)
    present = [p for p in spec.properties if p in rows.columns]
    start_label, start_column = spec.start
    for start, end, label, attrs, line in zip(rows[start_column], ends, labels,
                                              _records(rows, present, spec.table, case.config.timezone), rows[LINE]):
        # Transfers are keyed by their transaction id; other facts by their source line.
        key = attrs["txn_id"] if spec.type == "TRANSFER" else f"{spec.type}:{line}"
        graph.add_edge(node_key(start_label, start), node_key(label, end), key=key,
                       **attrs, type=spec.type, source=f"{spec.table}.csv", line=int(line))


def _add_login_edges(graph: nx.MultiDiGraph, case: Case) -> None:
    """One edge per (who, device) and (who, IP) with how often and when first and last seen."""
    base = login_actors(case.tables)
    for column, label, rel in (("device_id", "Device", "USED_DEVICE"), ("ip", "IP", "USED_IP")):
        used = base.dropna(subset=[column]).groupby(["who", column]).agg(
            count=("ts", "size"), first=("ts", "min"), last=("ts", "max"))
        used = used[~names_device_nowhere(label, used.index.get_level_values(column).to_series())]
        first, last = (_iso_text(used[end], case.config.timezone) for end in ("first", "last"))
        for (start, value), count, seen_first, seen_last in zip(used.index, used["count"], first, last):
            graph.add_edge(start, node_key(label, value), key=rel, type=rel, count=int(count),
                           first=seen_first, last=seen_last, source="logins.csv")
