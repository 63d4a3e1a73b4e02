"""The server engine (``casegraph.queries.neo4j``): the questions of
:class:`casegraph.queries.engine.Engine` answered in Cypher on a case loaded into Neo4j, through
one :class:`.runner.CypherRunner` that carries the driver and the database.

Data's way: a case :mod:`casegraph.loaders.neo4j` loaded -> :class:`.engine.Neo4jEngine` ->
:func:`casegraph.queries.engine.analyze` -> the output files, and the findings written back
(:func:`.findings.write_findings`) for the Cypher playbooks.
"""
