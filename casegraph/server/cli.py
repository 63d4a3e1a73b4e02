"""``casegraph neo4j start|stop|status`` (mounted by the main CLI as ``neo4j``).

Exit codes: 0 success; 3 Neo4j could not be provisioned/started (``start``) or is
not running (``status``).  The password is never printed: only its file's path.
"""

from __future__ import annotations

import logging
import sys
import time

import typer

from casegraph.redaction import redact_uri

from . import provision, runtime

EXIT_UNAVAILABLE = 3

neo4j_app = typer.Typer(
    name="neo4j",
    help=(
        f"Run the local Neo4j {provision.NEO4J_VERSION} Community server with Graph Data "
        f"Science {provision.GDS_VERSION} (provisioned from Maven Central, loopback only)."
    ),
    no_args_is_help=True,
    add_completion=False,
)


class _StderrHandler(logging.Handler):
    """Progress messages to whatever sys.stderr is at the time (robust under test runners)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - never let progress output break a command
            self.handleError(record)


def _log_to_stderr() -> None:
    logger = logging.getLogger("casegraph.server")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _where(uri: str) -> str:
    return f"{redact_uri(uri)} (user {runtime.DEFAULT_USER}, password in {provision.password_file()})"


@neo4j_app.command()
def start(
    wait: float = typer.Option(
        180.0, "--wait", min=1.0, help="Seconds to wait for Bolt to answer before giving up."
    ),
) -> None:
    """Start the server in the background (provisioning it on first use) and wait for Bolt.

    The first run downloads Neo4j and GDS with Maven into the cache folder
    ($CASEGRAPH_HOME or ~/.cache/casegraph); later runs reuse it. Ports come from
    CASEGRAPH_NEO4J_BOLT_PORT (7687) and CASEGRAPH_NEO4J_HTTP_PORT (7474).
    Exits 0 when running (also if it already was), 3 on failure.
    """
    _log_to_stderr()
    pid = runtime.running_pid()
    if pid is not None:
        typer.echo(f"neo4j already running (pid {pid}) at {_where(runtime.local_settings().uri)}")
    began = time.monotonic()
    try:
        settings = runtime.start(wait_seconds=wait)
    except runtime.Neo4jUnavailable as exc:
        typer.echo(f"error: {exc}", err=True)  # Neo4jUnavailable redacts its URI and reason
        raise typer.Exit(EXIT_UNAVAILABLE) from None
    if pid is None:
        elapsed = time.monotonic() - began
        typer.echo(f"neo4j running at {_where(settings.uri)} [started in {elapsed:.1f} s]")
        typer.echo(
            f"Neo4j Browser / HTTP API: http://127.0.0.1:{provision.http_port()}  "
            f"log: {provision.log_file()}"
        )


@neo4j_app.command()
def stop(
    timeout: float = typer.Option(
        runtime.STOP_TIMEOUT_SECONDS, "--timeout", min=1.0,
        help="Seconds to wait after SIGTERM before sending SIGKILL.",
    ),
) -> None:
    """Stop the server started by `casegraph neo4j start` (only the recorded pid).

    Exits 0, also when it was not running.
    """
    _log_to_stderr()
    if runtime.stop(timeout=timeout):
        typer.echo("neo4j stopped")
    else:
        typer.echo("neo4j was not running")


@neo4j_app.command()
def status() -> None:
    """Tell whether the local server is running and answering; exit 0 if running, 3 if not."""
    st = runtime.status()
    if not st.running:
        typer.echo(f"neo4j not running (start it with `casegraph neo4j start`); would be at {redact_uri(st.uri)}")
        raise typer.Exit(EXIT_UNAVAILABLE)
    versions = f"Neo4j {provision.NEO4J_VERSION}, GDS {provision.GDS_VERSION}"
    if st.answering:
        typer.echo(f"neo4j running (pid {st.pid}, {versions}) at {_where(st.uri)}")
    else:
        typer.echo(f"neo4j running (pid {st.pid}, {versions}) at {_where(st.uri)}, but not answering: {st.detail}")


if __name__ == "__main__":
    neo4j_app()
