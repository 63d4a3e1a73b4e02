"""The evidence in (folder ``loaders/``, import name ``casegraph.loaders``): reading a case
folder as exported (encodings, mapping profiles, the case-format contract in
:mod:`.tables`), checking it (:mod:`.validate`, every problem as ``file:line:column:
message``), amounts in CNY (:mod:`.fx`), and writing a case into Neo4j (:mod:`.neo4j`).

Next on the data's way: the typed tables of :class:`.case.Case` go to an engine of
:mod:`casegraph.queries` (in memory as they are, or from the graph :mod:`.neo4j` loaded),
shaped by the graph model of :mod:`casegraph.graphs`.
"""
