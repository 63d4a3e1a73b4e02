"""One object that carries the driver and the database to every query of the Neo4j engine.

Like the graphdatascience client's ``gds.run_cypher``: a query and its parameters in, a
pandas DataFrame out. Every value travels as a parameter; nothing is formatted into the text.

>>> runner = CypherRunner(driver, database="neo4j")                       # doctest: +SKIP
>>> runner.run_cypher("MATCH (p:Platform) RETURN p.id AS platform_id")    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd


class CypherRunner:
    """Runs parameterised Cypher against one database of one server.

    ``database=None`` is the server's default database.
    """

    def __init__(self, driver, database: str | None = None) -> None:
        self.driver = driver
        self.database = database

    def run_cypher(self, query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """The query's rows as a DataFrame whose columns are the query's keys, in order."""
        records, _, keys = self.driver.execute_query(query, params or {}, database_=self.database)
        return result_frame([record.values() for record in records], keys)

    def single(self, query: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The one row a query returns, as a dict (``KeyError`` style failure if it returns none)."""
        records, _, _ = self.driver.execute_query(query, params or {}, database_=self.database)
        return records[0].data()

    def write(self, work: Callable[[Any], None]) -> None:
        """Run ``work(tx)`` in one write transaction: all of it is committed, or none."""
        with self.driver.session(database=self.database) as session:
            session.execute_write(work)

    def run_each(self, statements: tuple[str, ...] | list[str]) -> None:
        """Run schema statements (constraints, indexes) one by one, each in its own transaction."""
        with self.driver.session(database=self.database) as session:
            for statement in statements:
                session.run(statement).consume()


def result_frame(rows: list[list[Any]], columns: list[str]) -> pd.DataFrame:
    """A query's rows (a playbook's, or the engine's) as a DataFrame, a column of integers
    with a missing one as ``Int64``: pandas makes it floats (``585000.0`` and NaN, which is no
    JSON; fen no longer exact past 2**53).

    >>> result_frame([[585000, "A1"], [None, "A2"]], ["rebate_rate_micro", "agent_id"])["rebate_rate_micro"].tolist()
    [585000, <NA>]
    """
    frame = pd.DataFrame(rows, columns=columns)
    for position, name in enumerate(columns):
        # Only a float column with a gap can be integers pandas turned into floats.
        if frame[name].dtype == "float64" and frame[name].isna().any():
            exact = pd.array([row[position] for row in rows])  # Int64 when every value given is an int
            if exact.dtype == "Int64":
                frame[name] = exact
    return frame


def parameter_rows(frame: pd.DataFrame) -> list[dict]:
    """A frame's rows as parameter maps, missing values as ``null``."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")
