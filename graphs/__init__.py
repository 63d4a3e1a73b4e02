"""The graph model (folder ``graphs/``, import name ``casegraph.graphs``): node labels and
relationship types tied to their source tables (:mod:`.model`), the schema document made
from it (:mod:`.schema_doc`, ``SCHEMA.md``), and the networkx graph analysts get
(:mod:`.memory`).

Before it on the data's way: the tables :mod:`casegraph.loaders` read. After it: the Neo4j
loader writes this model (:mod:`casegraph.loaders.neo4j`), and the engines of
:mod:`casegraph.queries` ask their questions of the tables or of that graph.
"""
