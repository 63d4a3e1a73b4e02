"""The embedded engine (``casegraph.queries.memory``): the questions of
:class:`casegraph.queries.engine.Engine` answered on the case's tables in memory.

Data's way: the tables :mod:`casegraph.loaders` read -> :class:`.engine.MemoryEngine` ->
:func:`casegraph.queries.engine.analyze` -> the output files (:mod:`casegraph.outputs`).
"""
