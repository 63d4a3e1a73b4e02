"""The Spark engine (``casegraph.queries.spark``): the questions of
:class:`casegraph.queries.engine.Engine` whose work grows with the data answered on Apache Spark
by the memory engine's own SQL, transpiled (:mod:`.runner`); the rest on the driver.

Data's way: the tables :mod:`casegraph.loaders` read -> Spark views (:class:`.runner.SparkSQL`)
-> :class:`.engine.SparkEngine` -> :func:`casegraph.queries.engine.analyze` -> the output files.
"""
