"""Run, watch and stop the local Neo4j server; connection settings and the password.

The server is a detached ``java ... org.neo4j.server.CommunityEntryPoint`` process
(own session, stdin closed, output appended to ``<home>/logs/console.log``) whose
pid is recorded in ``<home>/run/casegraph-neo4j.pid``.  Only a process whose
command line names this home's entry point is ever signalled.

Authentication stays on.  A random password is generated once into
``<cache>/neo4j-password`` (mode 0600) and set on the first start with
``ALTER CURRENT USER`` (the server starts with neo4j/neo4j, change required); a
marker in ``<home>/data`` records a digest of the password that was set so that a
lost or regenerated password file is reported clearly instead of looping on
authentication failures.  The password itself is never printed or logged.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from casegraph.redaction import redact_text, redact_uri

from . import provision
from .provision import ProvisionError, tail

log = logging.getLogger("casegraph.server")

DEFAULT_USER = "neo4j"
INITIAL_PASSWORD = "neo4j"  # Neo4j's built-in initial password (must be changed)
STOP_TIMEOUT_SECONDS = 60.0
KILL_TIMEOUT_SECONDS = 15.0
AUTH_MARKER = ".casegraph-auth"
LAUNCH_HEADER = "===== casegraph: starting Neo4j"
READY_POLL_SECONDS = 0.25  # a start is ready within a quarter second of answering


@dataclass(frozen=True)
class ConnectionSettings:
    """Where and how to connect; ``repr``/``str`` never show the password."""

    uri: str
    user: str
    password: str | None = field(default=None, repr=False)

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password or "")


class Neo4jUnavailable(Exception):
    """Neo4j could not be provisioned, started or reached.

    The message names the URI and the reason, both redacted (never a user or password).
    """

    def __init__(self, uri: str, reason: str):
        self.uri = redact_uri(uri)
        self.reason = redact_text(reason)
        super().__init__(f"Neo4j at {self.uri} is unavailable: {self.reason}")


class Neo4jAuthFailed(Neo4jUnavailable):
    """The server answers but refuses the credentials (retrying will not help)."""


# --- password ------------------------------------------------------------------------------
def _secure(path: Path) -> None:
    if path.exists() and (path.stat().st_mode & 0o777) != 0o600:
        os.chmod(path, 0o600)


def read_password() -> str | None:
    """The local server's password from the cache file (None when there is none yet)."""
    path = provision.password_file()
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    _secure(path)
    return text or None


def ensure_password() -> str:
    """Read the password file, creating it (0600, random) on first use."""
    existing = read_password()
    if existing:
        return existing
    path = provision.password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (password + "\n").encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return password


def _digest(password: str) -> str:
    return hashlib.sha256(("casegraph-neo4j:" + password).encode()).hexdigest()


def _marker(home: Path) -> Path:
    return home / "data" / AUTH_MARKER


def _marker_state(home: Path, password: str) -> str:
    """'absent', 'match' or 'mismatch' (password file differs from what the DB got)."""
    try:
        recorded = _marker(home).read_text().strip()
    except FileNotFoundError:
        return "absent"
    return "match" if recorded == _digest(password) else "mismatch"


def _write_marker(home: Path, password: str) -> None:
    path = _marker(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_digest(password) + "\n")
    os.chmod(path, 0o600)


def _mismatch_reason(home: Path) -> str:
    return (
        f"the password in {provision.password_file()} is not the one this database was "
        f"initialised with (was the file replaced?). Restore it, or delete {home / 'data'} "
        "to start over with an empty database"
    )


# --- settings ------------------------------------------------------------------------------
def local_settings() -> ConnectionSettings:
    """The local (casegraph-managed) server's settings, ignoring NEO4J_* variables."""
    return ConnectionSettings(
        uri=f"bolt://127.0.0.1:{provision.bolt_port()}",
        user=DEFAULT_USER,
        password=read_password(),
    )


def connection_settings() -> ConnectionSettings:
    """``NEO4J_URI`` / ``NEO4J_USER`` / ``NEO4J_PASSWORD`` where set, else the local server's."""
    local = local_settings()
    uri = os.environ.get("NEO4J_URI", "").strip() or local.uri
    user = os.environ.get("NEO4J_USER", "").strip() or local.user
    password = os.environ.get("NEO4J_PASSWORD")
    if password is None:
        password = local.password
    return ConnectionSettings(uri=uri, user=user, password=password)


def ping(settings: ConnectionSettings | None = None, timeout: float = 10.0) -> None:
    """Run an authenticated ``RETURN 1``; raise :class:`Neo4jUnavailable` if that fails."""
    import neo4j
    from neo4j import exceptions as nex

    settings = settings or connection_settings()
    if not settings.password:
        raise Neo4jUnavailable(
            settings.uri,
            f"no password: set NEO4J_PASSWORD or start the local server (password file "
            f"{provision.password_file()} does not exist)",
        )
    try:
        with neo4j.GraphDatabase.driver(
            settings.uri, auth=settings.auth, connection_timeout=timeout,
            connection_acquisition_timeout=timeout,
        ) as driver:
            # a plain auto-commit query: execute_query would retry (and log) on its own
            with driver.session() as session:
                record = session.run("RETURN 1 AS ok").single()
            if record is None or record["ok"] != 1:
                raise Neo4jUnavailable(settings.uri, "RETURN 1 gave an unexpected answer")
    except Neo4jUnavailable:
        raise
    except nex.AuthError as exc:
        raise Neo4jAuthFailed(
            settings.uri, f"authentication failed for user {settings.user!r}: {_brief(exc)}"
        ) from None
    except (nex.Neo4jError, nex.DriverError, OSError, ValueError) as exc:
        raise Neo4jUnavailable(settings.uri, _brief(exc)) from None


def _brief(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- process -------------------------------------------------------------------------------
def _cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [p.decode(errors="replace") for p in raw.split(b"\0") if p]


def _is_our_server(pid: int, home: Path) -> bool:
    """True if pid is alive (not a zombie) and runs this home's Neo4j entry point."""
    if pid <= 0:
        return False
    args = _cmdline(pid)
    if args is None:
        if not Path("/proc/self").exists():  # no procfs: fall back to a liveness probe
            try:
                os.kill(pid, 0)
            except OSError as exc:
                return exc.errno == errno.EPERM
            return True
        return False
    return provision.ENTRY_POINT in args and f"--home-dir={home}" in args


def _read_pid(home: Path) -> int | None:
    path = home / "run" / provision.pid_file().name
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def running_pid() -> int | None:
    """Pid of the casegraph-managed server if it is running, else None."""
    home = provision.server_home()
    pid = _read_pid(home)
    if pid is not None and _is_our_server(pid, home):
        return pid
    return None


def is_running() -> bool:
    return running_pid() is not None


def _reap(pid: int) -> None:
    """Collect the exit status if the server is our own child (avoids a zombie)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _wait_gone(pid: int, home: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        _reap(pid)
        if not _is_our_server(pid, home):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.25)


@contextlib.contextmanager
def _lock() -> Iterator[None]:
    """Serialise start/stop between processes (e.g. two shells, or CI and a test run)."""
    import fcntl

    path = provision.cache_dir() / ".neo4j.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _rotate(path: Path, limit: int = 20 * 1024 * 1024) -> None:
    with contextlib.suppress(OSError):
        if path.stat().st_size > limit:
            path.replace(path.with_name(path.name + ".1"))


def _launch(home: Path) -> subprocess.Popen:
    java_home = provision.find_java_home()
    provision.write_config(home)
    cmd = provision.java_command(home, java_home)
    console = provision.log_file()
    console.parent.mkdir(parents=True, exist_ok=True)
    (home / "run").mkdir(exist_ok=True)
    _rotate(console)
    env = dict(os.environ, JAVA_HOME=str(java_home))
    with console.open("ab") as out:
        out.write(
            f"\n{LAUNCH_HEADER} {provision.NEO4J_VERSION} + GDS "
            f"{provision.GDS_VERSION} at {time.strftime('%Y-%m-%d %H:%M:%S%z')} "
            f"(java {java_home}) =====\n".encode()
        )
        out.flush()
        proc = subprocess.Popen(
            cmd, cwd=home, env=env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True, close_fds=True,
        )
    pid_path = provision.pid_file()
    pid_path.write_text(f"{proc.pid}\n")
    return proc


def _failure(settings: ConnectionSettings, what: str) -> Neo4jUnavailable:
    console = provision.log_file()
    lines = tail(console, 400).splitlines()
    for i in range(len(lines) - 1, -1, -1):  # only this launch's output
        if lines[i].startswith(LAUNCH_HEADER):
            lines = lines[i + 1 :]
            break
    last = "\n".join(lines[-25:])
    reason = f"{what}. Log: {console} (also {console.parent / 'debug.log'})"
    if last:
        reason += "\n--- last log lines ---\n" + last
    return Neo4jUnavailable(settings.uri, reason)


def _set_initial_password(settings: ConnectionSettings) -> None:
    import neo4j

    with neo4j.GraphDatabase.driver(
        settings.uri, auth=(DEFAULT_USER, INITIAL_PASSWORD), connection_timeout=5
    ) as driver, driver.session(database="system") as session:
        session.run(
            "ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
            old=INITIAL_PASSWORD, new=settings.password,
        ).consume()


def _wait_ready(
    settings: ConnectionSettings, home: Path, pid: int, proc: subprocess.Popen | None, deadline: float
) -> None:
    """Poll until an authenticated RETURN 1 succeeds, setting the password on first start."""
    while True:
        if proc is not None and proc.poll() is not None:
            raise _failure(settings, f"the server exited with code {proc.returncode} during start-up")
        if proc is None and not _is_our_server(pid, home):
            raise _failure(settings, "the server process went away")
        if not _port_in_use(provision.bolt_port()):  # a cheap probe until Bolt listens
            last = "Bolt is not listening yet"
        else:
            last = _try_ready(settings, home) or ""
            if not last:
                return
        if time.monotonic() >= deadline:
            raise _failure(settings, f"Bolt did not answer within the time limit (last: {last})")
        time.sleep(READY_POLL_SECONDS)


def _try_ready(settings: ConnectionSettings, home: Path) -> str | None:
    """One authenticated ping (setting the password on first start): None when it answers, else
    why not."""
    from neo4j import exceptions as nex

    try:
        state = _marker_state(home, settings.password)
        if state == "mismatch":
            raise Neo4jAuthFailed(settings.uri, _mismatch_reason(home))
        if state == "absent":
            changed = False
            try:
                _set_initial_password(settings)
                changed = True
            except nex.AuthError:
                # neo4j/neo4j refused: the password may already be ours (marker lost)
                try:
                    ping(settings, timeout=5)
                except Neo4jAuthFailed:
                    raise Neo4jAuthFailed(settings.uri, _mismatch_reason(home)) from None
            _write_marker(home, settings.password)
            if changed:
                log.info("initial password set (stored in %s)", provision.password_file())
        ping(settings, timeout=5)
        return None
    except Neo4jAuthFailed:
        raise
    except Neo4jUnavailable as exc:
        return exc.reason
    except (nex.ServiceUnavailable, nex.SessionExpired, nex.TransientError,
            nex.DatabaseUnavailable, OSError) as exc:
        return _brief(exc)
    except nex.Neo4jError as exc:
        return _brief(exc)


def _terminate(pid: int, home: Path, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if _wait_gone(pid, home, timeout):
        return
    log.warning("Neo4j (pid %d) did not stop within %.0f s: sending SIGKILL", pid, timeout)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _wait_gone(pid, home, KILL_TIMEOUT_SECONDS)


def start(wait_seconds: float = 180) -> ConnectionSettings:
    """Provision (first time), start the local server in the background and wait for Bolt.

    Returns the local connection settings once an authenticated ``RETURN 1`` works.
    If the server is already running, only checks that it answers.  Raises
    :class:`Neo4jUnavailable` (URI + reason + log tail) on any failure; a server this
    call launched that does not come up is stopped again.
    """
    deadline = time.monotonic() + wait_seconds
    uri = f"bolt://127.0.0.1:{provision.DEFAULT_BOLT_PORT}"
    try:
        uri = local_settings().uri
        with _lock():
            return _start_locked(wait_seconds, deadline)
    except ProvisionError as exc:
        raise Neo4jUnavailable(uri, f"cannot set up the local server: {exc}") from None


def _start_locked(wait_seconds: float, deadline: float) -> ConnectionSettings:
    home = provision.ensure_provisioned()
    password = ensure_password()
    settings = local_settings()
    pid = running_pid()
    if pid is not None:
        _wait_ready(settings, home, pid, None, deadline)
        return settings
    provision.pid_file().unlink(missing_ok=True)
    if _marker_state(home, password) == "mismatch":
        raise Neo4jAuthFailed(settings.uri, _mismatch_reason(home))
    for name, port in (("Bolt", provision.bolt_port()), ("HTTP", provision.http_port())):
        if _port_in_use(port):
            raise Neo4jUnavailable(
                settings.uri,
                f"{name} port {port} on 127.0.0.1 is already in use by another process "
                f"(another Neo4j?). Stop it, or choose another port with "
                f"CASEGRAPH_NEO4J_{name.upper()}_PORT",
            )
    proc = _launch(home)
    log.info("Neo4j starting (pid %d), waiting up to %.0f s for Bolt...", proc.pid, wait_seconds)
    try:
        _wait_ready(settings, home, proc.pid, proc, deadline)
    except BaseException:
        if proc.poll() is None:
            _terminate(proc.pid, home, timeout=30)
        proc.poll()
        provision.pid_file().unlink(missing_ok=True)
        raise
    # the Popen object is dropped; mark it collected so Python does not warn
    proc.returncode = 0 if proc.returncode is None else proc.returncode
    return settings


def stop(timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
    """Stop the recorded server (SIGTERM, then SIGKILL after ``timeout``).

    Returns True if a running server was stopped, False if none was running.
    """
    with _lock():
        return _stop_locked(timeout)


def _stop_locked(timeout: float) -> bool:
    home = provision.server_home()
    pid_path = provision.pid_file()
    pid = _read_pid(home)
    if pid is None or not _is_our_server(pid, home):
        pid_path.unlink(missing_ok=True)
        return False
    log.info("stopping Neo4j (pid %d)...", pid)
    _terminate(pid, home, timeout)
    pid_path.unlink(missing_ok=True)
    return True


@contextlib.contextmanager
def stopping(wait_seconds: float = 180) -> Iterator[Callable[[], Path]]:
    """Stop the local server in the background while the caller works (an offline import into
    a folder of its own), and start it again afterwards, even when that work fails; nobody
    else can start or stop it meanwhile. Yields ``stopped``, which waits until the server is
    down and returns its home: its stores may be touched only after that.

    >>> with stopping() as stopped:                           # doctest: +SKIP
    ...     data = run_import(provision.server_home(), files, folder)   # into folder/data
    ...     replace_stores(data, stopped(), into=folder / "replaced")
    """
    uri = local_settings().uri
    try:
        with _lock(), ThreadPoolExecutor(1) as background:
            home = provision.ensure_provisioned()
            stop = background.submit(_stop_locked, STOP_TIMEOUT_SECONDS)

            def stopped() -> Path:
                stop.result()
                return home

            try:
                yield stopped
            finally:
                stop.result()
                _start_locked(wait_seconds, time.monotonic() + wait_seconds)
    except ProvisionError as exc:
        raise Neo4jUnavailable(uri, f"cannot set up the local server: {exc}") from None


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    uri: str
    answering: bool
    detail: str = ""


def status(timeout: float = 5.0) -> ServerStatus:
    """Whether the local server runs, and whether it answers an authenticated query."""
    settings = local_settings()
    pid = running_pid()
    if pid is None:
        return ServerStatus(False, None, settings.uri, False, "not running")
    try:
        ping(settings, timeout=timeout)
    except Neo4jUnavailable as exc:
        return ServerStatus(True, pid, settings.uri, False, exc.reason)
    return ServerStatus(True, pid, settings.uri, True, "answering")
