"""The Neo4j 5.26 + open Graph Data Science server that casegraph runs against.

Without Docker, ``casegraph neo4j start`` provisions a Neo4j Community server from
Maven Central into the cache (``$CASEGRAPH_HOME`` or ``~/.cache/casegraph``), runs
it in the background on 127.0.0.1 and waits for Bolt.  With Docker, use
``docker/compose.yml`` (same versions) and set ``NEO4J_URI``/``NEO4J_PASSWORD``.
The user and password never go in the URI (the command line refuses one that holds them),
and every URI printed or logged is redacted first (:mod:`casegraph.redaction`).

Python API::

    from casegraph.server import connection_settings, start, stop, is_running
    settings = connection_settings()   # env NEO4J_URI/USER/PASSWORD, else the local server
    driver = neo4j.GraphDatabase.driver(settings.uri, auth=settings.auth)
"""

from __future__ import annotations

from .provision import (
    BROWSER_VERSION,
    GDS_VERSION,
    NEO4J_VERSION,
    ProvisionError,
    bolt_port,
    cache_dir,
    http_port,
    log_file,
    password_file,
    server_home,
)
from .runtime import (
    ConnectionSettings,
    Neo4jAuthFailed,
    Neo4jUnavailable,
    ServerStatus,
    connection_settings,
    is_running,
    local_settings,
    ping,
    running_pid,
    start,
    status,
    stop,
)

__all__ = [
    "BROWSER_VERSION",
    "GDS_VERSION",
    "NEO4J_VERSION",
    "ConnectionSettings",
    "Neo4jAuthFailed",
    "Neo4jUnavailable",
    "ProvisionError",
    "ServerStatus",
    "bolt_port",
    "cache_dir",
    "connection_settings",
    "http_port",
    "is_running",
    "local_settings",
    "log_file",
    "password_file",
    "ping",
    "running_pid",
    "server_home",
    "start",
    "status",
    "stop",
]
