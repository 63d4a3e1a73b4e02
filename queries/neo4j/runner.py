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
        return pd.DataFrame([record.values() for record in records], columns=keys)

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


def parameter_rows(frame: pd.DataFrame) -> list[dict]:
    """A frame's rows as parameter maps, missing values as ``null``."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")
