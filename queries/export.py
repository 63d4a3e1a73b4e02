"""The chain of one vendor or one gang as a tree: nested JSON for reading and scripts,
GraphML for Gephi or yEd (:mod:`casegraph.outputs.chains` writes both). Money is text with
two decimals (exact), as in the CSV outputs.

>>> tables = analyze_case(case)                                  # doctest: +SKIP
>>> tree = chain_tree(case, tables["totals"], vendor_id="V01")   # doctest: +SKIP
>>> chain_graph(tree)                                            # doctest: +SKIP
"""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pyarrow as pa

from casegraph.loaders.case import Case
from casegraph.money import format_fen, format_fen_arrow

from .memory.figures import known_gang_platforms
from .rules import CLIENT_FIGURES

AGENT_FIGURES = ("subtree_n_clients", *(f"subtree_{f}" for f in CLIENT_FIGURES), "rebate_received",
                 "commission_received", "rebate_due", "rebate_mismatch")
PLATFORM_FIGURES = ("n_clients", "n_agents", "agent_depth", *CLIENT_FIGURES)
COUNTS = {"subtree_n_clients", "n_clients", "n_agents", "agent_depth"}


class UnknownSubject(ValueError):
    """The vendor or gang asked for is not in the case."""


# The questions (queries/engine.py QUESTIONS) the tree's figures come from: the clients',
# agents' and platforms' figures, and gang discovery, since the vendor's income through the
# gangs' bank accounts needs to know whose accounts those are.
TREE_QUESTIONS = ("client_figures", "agent_totals", "platform_totals", "gang_evidence")
# The figures the tree shows, of every kind of node in it.
TREE_FIGURES = frozenset(AGENT_FIGURES + PLATFORM_FIGURES + CLIENT_FIGURES) | {"license_income", "license_income_bank"}


class _Figures:
    """The figures of any node of totals.csv as the tree shows them (counts as integers, money
    as text), each column converted once: a 10x seed-scale vendor's tree has 200,000 clients.

    >>> totals = pd.DataFrame({"node_id": ["C1", "C2"], "node_type": "client", "n_clients": [1, None],
    ...                        "deposits": [12345, None]})
    >>> figures = _Figures(totals)
    >>> figures.of("client", "C1", ("n_clients", "deposits", "absent")), figures.of("client", "C2", ("deposits",))
    ({'n_clients': 1, 'deposits': '123.45'}, {})
    """

    def __init__(self, totals: pd.DataFrame) -> None:
        nodes = zip(totals["node_type"].tolist(), totals["node_id"].tolist())
        self._row = dict(zip(nodes, range(len(totals))))
        # Python values, None where missing (Arrow's to_pylist): a node's dict is then one filter.
        self._columns = {
            name: (pa.array(pd.array(totals[name], dtype="Int64")) if name in COUNTS
                   else format_fen_arrow(pa.array(totals[name], type=pa.int64(), from_pandas=True))).to_pylist()
            for name in TREE_FIGURES if name in totals.columns}
        self._shown: dict[tuple[str, ...], tuple[tuple[str, list], ...]] = {}

    def of(self, node_type: str, node_id: str, names: tuple[str, ...]) -> dict:
        """The figures of ``names`` the node has (not missing)."""
        row = self._row[node_type, node_id]
        shown = self._shown.get(names)
        if shown is None:  # the columns of these names that totals has, looked up once per tuple
            shown = self._shown[names] = tuple((name, self._columns[name]) for name in names if name in self._columns)
        return {name: value for name, column in shown if (value := column[row]) is not None}


def chain_tree(case: Case, totals: pd.DataFrame, vendor_id: str | None = None, gang_id: str | None = None) -> dict:
    """vendor → licences → platforms (with their gang) → agent trees → clients, with figures.

    Give ``vendor_id`` for all of a vendor's licences, or ``gang_id`` for the licences whose
    platforms a gang runs.
    """
    figures = _Figures(totals)
    licenses = case["licenses"]
    gang_of = known_gang_platforms(case).drop_duplicates("platform_id").set_index("platform_id")["gang_id"]
    if gang_id is not None:
        platforms = set(gang_of[gang_of == gang_id].index)
        if not platforms:
            raise UnknownSubject(f"no platforms of gang {gang_id!r} in the case")
        licenses = licenses[licenses["platform_id"].isin(platforms)]
    if vendor_id is not None:
        if vendor_id not in set(case["vendors"]["vendor_id"]):
            raise UnknownSubject(f"no vendor {vendor_id!r} in the case")
        licenses = licenses[licenses["vendor_id"] == vendor_id]
    vendors = case["vendors"].set_index("vendor_id")
    platforms = case["platforms"].set_index("platform_id")
    agents = case["agents"]
    children = agents.dropna(subset=["parent_agent_id"]).groupby("parent_agent_id")["agent_id"].apply(sorted)
    clients = case["clients"].dropna(subset=["agent_id"]).groupby("agent_id")["client_id"].apply(sorted)
    persons = case["persons"].set_index("person_id")["name"]
    person_of = agents.set_index("agent_id")["person_id"]

    def agent_node(agent_id: str) -> dict:
        person = person_of[agent_id]
        return {"agent_id": agent_id, "person_id": _known(person),
                "person_name": None if pd.isna(person) else _known(persons.get(person)),
                "figures": figures.of("agent", agent_id, AGENT_FIGURES),
                "clients": [{"client_id": c, "figures": figures.of("client", c, CLIENT_FIGURES)}
                            for c in clients.get(agent_id, [])],
                "agents": [agent_node(child) for child in children.get(agent_id, [])]}

    tree = []
    for vendor, rows in licenses.groupby("vendor_id", sort=True):
        entry = {"vendor_id": vendor, "name": _known(vendors.loc[vendor, "name"]),
                 "figures": figures.of("vendor", vendor, ("license_income", "license_income_bank")), "licenses": []}
        for licence in rows.sort_values("license_id").itertuples():
            platform = licence.platform_id
            at_top = (agents["platform_id"] == platform) & agents["parent_agent_id"].isna()
            roots = sorted(agents.loc[at_top, "agent_id"])
            direct = case["clients"][(case["clients"]["platform_id"] == platform) & case["clients"]["agent_id"].isna()]
            entry["licenses"].append({
                "license_id": licence.license_id, "sold_on": licence.sold_on.strftime("%Y-%m-%d"),
                "price": format_fen(licence.price),
                "buyer_name": _known(licence.buyer_name),
                "platform": {
                    "platform_id": platform, "name": _known(platforms.loc[platform, "name"]),
                    "domain": _known(platforms.loc[platform, "domain"]), "gang_id": gang_of.get(platform),
                    "figures": figures.of("platform", platform, PLATFORM_FIGURES),
                    "agents": [agent_node(root) for root in roots],
                    "direct_clients": [{"client_id": c, "figures": figures.of("client", c, CLIENT_FIGURES)}
                                       for c in sorted(direct["client_id"])],
                },
            })
        tree.append(entry)
    return {"case_id": case.config.case_id, "vendors": tree}


def _known(value):
    """A cell of an optional column as the tree shows it: missing (pandas' NA or NaN) as None,
    JSON's null. The figures are None where missing already (:class:`_Figures`).

    >>> _known(pd.NA), _known(float("nan")), _known("环球期货")
    (None, None, '环球期货')
    """
    return None if pd.isna(value) else value


def node_label(kind: str, attributes: dict) -> str:
    """What Gephi and yEd show on a node: its name (or its person's) with its id, or the id alone.

    >>> node_label("Agent", {"agent_id": "A7", "person_name": "崔民云"}), node_label("Client", {"client_id": "C1"})
    ('崔民云 (A7)', 'C1')
    """
    identifier = attributes[f"{kind.lower()}_id"]
    name = attributes.get("name") or attributes.get("person_name")
    return f"{name} ({identifier})" if isinstance(name, str) and name else identifier


def chain_graph(tree: dict) -> nx.DiGraph:
    """The tree as a directed graph for GraphML: each node's ``kind`` (Vendor, License, …), its
    ``label`` (:func:`node_label`) and its fields and figures; each edge's ``type``."""
    graph = nx.DiGraph(case_id=tree["case_id"])

    def add(node: str, kind: str, attributes: dict) -> None:
        figures = attributes.pop("figures", {})
        clean = {k: v for k, v in {**attributes, **figures}.items() if isinstance(v, (str, int)) and v is not None}
        # Gephi shows the attribute named "label" on the canvas: the kind is its own column
        # ("kind", not "type": with named key ids, a node and an edge attribute of one name clash).
        graph.add_node(node, kind=kind, label=node_label(kind, attributes), **clean)

    def add_agent(agent: dict, parent: str, relation: str) -> None:
        node = f"Agent:{agent['agent_id']}"
        add(node, "Agent", {k: v for k, v in agent.items() if k not in ("clients", "agents")})
        graph.add_edge(parent, node, type=relation)
        for client in agent["clients"]:
            add(f"Client:{client['client_id']}", "Client", dict(client))
            graph.add_edge(node, f"Client:{client['client_id']}", type="REFERRED")
        for child in agent["agents"]:
            add_agent(child, node, "UPLINE_OF")

    for vendor in tree["vendors"]:
        vendor_node = f"Vendor:{vendor['vendor_id']}"
        add(vendor_node, "Vendor", {k: v for k, v in vendor.items() if k != "licenses"})
        for licence in vendor["licenses"]:
            licence_node = f"License:{licence['license_id']}"
            add(licence_node, "License", {k: v for k, v in licence.items() if k != "platform"})
            graph.add_edge(vendor_node, licence_node, type="SOLD")
            platform = licence["platform"]
            platform_node = f"Platform:{platform['platform_id']}"
            add(platform_node, "Platform", {k: v for k, v in platform.items() if k not in ("agents", "direct_clients")})
            graph.add_edge(licence_node, platform_node, type="CREATED")
            if platform.get("gang_id"):
                gang = {"gang_id": platform["gang_id"]}
                graph.add_node(f"Gang:{platform['gang_id']}", kind="Gang", label=node_label("Gang", gang), **gang)
                graph.add_edge(f"Gang:{platform['gang_id']}", platform_node, type="OPERATES")
            for agent in platform["agents"]:
                add_agent(agent, platform_node, "TOP_AGENT")
            for client in platform["direct_clients"]:
                add(f"Client:{client['client_id']}", "Client", dict(client))
                graph.add_edge(platform_node, f"Client:{client['client_id']}", type="DIRECT_CLIENT")
    return graph
