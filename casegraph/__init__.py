"""casegraph (import name ``casegraph``; this folder is ``casegraph/``): the command line,
money in integer fen, ``case.yaml``, the synthetic-case generator, output writing and the
local Neo4j server.

The data's way through the folders, one step each:

1. ``loaders/`` (:mod:`casegraph.loaders`): a case folder is read and checked into typed
   tables (bad input: ``file:line:column: message``); for the server engine, loaded into Neo4j.
2. ``graphs/`` (:mod:`casegraph.graphs`): the graph model both engines build from those tables.
3. ``queries/`` (:mod:`casegraph.queries`): an engine answers the analyses' questions, and
   ``analyze`` makes the output tables from the answers.
4. ``casegraph/outputs/`` (:mod:`casegraph.outputs`): every file made of the answers, in one
   place: the output tables as CSV, the referral packets per province (CSV, XLSX, HTML), the
   chains as JSON or GraphML; each folder or file written aside and swapped into place.

For analysts, :func:`open_case` (:mod:`casegraph.api`) is the one entry point: the checked
tables as DataFrames, ``.analyze(engine=...)``, ``.graph()``, ``.chain(...)``.
"""

__all__ = ["open_case", "Investigation"]


def __getattr__(name: str):
    # The analysts' API (casegraph.api), imported when first asked for: the command line
    # starts without loading pandas and networkx.
    if name in __all__:
        from casegraph import api

        return getattr(api, name)
    raise AttributeError(f"module 'casegraph' has no attribute {name!r}")
