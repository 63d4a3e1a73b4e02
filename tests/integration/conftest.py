"""Fixtures for tests that need a running Neo4j with GDS.

Every test here is marked ``neo4j`` (tests/conftest.py). The server is found with
:func:`casegraph.server.connection_settings` (``NEO4J_URI`` / ``NEO4J_USER`` /
``NEO4J_PASSWORD`` when set, else the local `casegraph neo4j start` server). When it cannot
be reached the tests are skipped, except in CI (``CI`` set and non-empty), where an
unreachable server is an error.
"""

from __future__ import annotations

import os

import pytest

from casegraph.server import ConnectionSettings, Neo4jUnavailable, connection_settings, ping


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").strip():
        pytest.fail(f"Neo4j is required in CI but is unavailable: {reason}", pytrace=False)
    pytest.skip(f"Neo4j is not running: start it with `casegraph neo4j start` ({reason})")


@pytest.fixture(scope="session")
def neo4j_settings() -> ConnectionSettings:
    settings = connection_settings()
    try:
        ping(settings, timeout=15)
    except Neo4jUnavailable as exc:
        _unavailable(str(exc))
    return settings


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_settings: ConnectionSettings):
    import neo4j

    driver = neo4j.GraphDatabase.driver(neo4j_settings.uri, auth=neo4j_settings.auth)
    try:
        driver.verify_connectivity()
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable"
        driver.close()
        _unavailable(f"{type(exc).__name__}: {exc}")
    yield driver
    driver.close()


@pytest.fixture(scope="session")
def gds(neo4j_settings: ConnectionSettings):
    from graphdatascience import GraphDataScience

    try:
        client = GraphDataScience(
            neo4j_settings.uri,
            auth=(neo4j_settings.user, neo4j_settings.password or ""),
            arrow=False,
            aura_ds=False,
            show_progress=False,
        )
    except Exception as exc:  # noqa: BLE001 - e.g. GDS plugin missing
        _unavailable(f"GraphDataScience client could not connect: {type(exc).__name__}: {exc}")
    yield client
    client.close()
