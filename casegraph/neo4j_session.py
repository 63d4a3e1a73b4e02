"""The command line's way to a Neo4j server, shared by `casegraph` and `casegraph playbook`:
the connection settings from flags, the environment or the local server, and a connected
driver whose failures end the command with the contract's exit codes and a message that never
shows a password.

>>> settings_for("bolt://127.0.0.1:7687", "neo4j", None).uri
'bolt://127.0.0.1:7687'
"""

from __future__ import annotations

from contextlib import contextmanager

import typer

from casegraph.progress import plain_console

errors = plain_console(stderr=True)

# The exit codes of contract.md: invalid input, usage, an unreachable server.
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3


def settings_for(uri: str | None, user: str | None, password: str | None):
    """Connection settings from flags, else the environment, else the local server."""
    from dataclasses import replace as replaced

    from casegraph.server import connection_settings

    settings = connection_settings()
    overrides = {k: v for k, v in (("uri", uri), ("user", user), ("password", password)) if v is not None}
    return replaced(settings, **overrides)


@contextmanager
def neo4j_driver(settings):
    """A connected driver; an unreachable server ends the command with exit 3, another case
    in the database with exit 1."""
    import neo4j

    from casegraph.loaders.neo4j import OtherCaseLoaded
    from casegraph.redaction import has_userinfo, redact_text, redact_uri

    def refuse(message: str, code: int) -> typer.Exit:
        # Neither the URI's secrets nor the password may reach the terminal (contract.md).
        errors.print(redact_text(message, secrets=(settings.password,)), highlight=False,
                     soft_wrap=True)
        return typer.Exit(code)

    if has_userinfo(settings.uri):
        raise refuse(f"error: the Neo4j URI {redact_uri(settings.uri)} holds a user or password: give them in "
                     "NEO4J_USER and NEO4J_PASSWORD (or --user, --password), not in the URI", EXIT_USAGE)
    try:
        # No server notifications: the driver logs them to the terminal, and a case without a
        # kind of record draws "relationship type does not exist" warnings for every query on it.
        driver = neo4j.GraphDatabase.driver(settings.uri, auth=settings.auth,
                                            notifications_min_severity=neo4j.NotificationMinimumSeverity.OFF)
    except (neo4j.exceptions.ConfigurationError, ValueError) as exc:
        raise refuse(f"error: the Neo4j URI {settings.uri} cannot be used: {exc}", EXIT_USAGE) from None
    try:
        with driver:
            driver.verify_connectivity()
            yield driver
    except OtherCaseLoaded as exc:
        errors.print(str(exc))
        raise typer.Exit(EXIT_INVALID) from None
    except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired,
            neo4j.exceptions.AuthError, OSError) as exc:
        raise refuse(f"Neo4j at {settings.uri} is unreachable: {type(exc).__name__}: {exc}",
                     EXIT_UNREACHABLE) from None
