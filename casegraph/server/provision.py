"""Lay out a local Neo4j Community server with open GDS from Maven Central.

Neo4j's packaged tarball is not deployed to Maven Central, so the server is
assembled from its Maven artifacts instead:

* ``mvn dependency:list`` on the ``server`` profile of ``pom.xml`` (shipped next
  to this module) gives the class path of ``org.neo4j:neo4j`` +
  ``org.neo4j.app:neo4j-server`` (+ the Browser UI jar); those jars are copied
  into ``<home>/lib``.
* the ``gds`` profile gives the open GDS modules (``org.neo4j.gds:*``), copied
  into ``<home>/plugins``, and the third-party libraries they need; those the
  server does not already ship go into ``<home>/gds-lib`` (the server's copy of
  a shared library always wins, e.g. Jackson).

A ``provisioned.json`` manifest records the versions and the files; when it is
valid, :func:`ensure_provisioned` returns at once without running Maven.

Only ``start``-time inputs (ports, memory, Java) are outside the manifest: the
configuration file is rewritten on every start (:func:`write_config`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

log = logging.getLogger("casegraph.server")

# --- pinned versions -------------------------------------------------------------------
#: Neo4j 5.26 LTS patch release provisioned (and used by docker/compose.yml).
NEO4J_VERSION = "5.26.24"
#: open GDS release built for Neo4j 5.26 (2.14+ needs Neo4j 2025.x); the only
#: 2.13.x release of the ``org.neo4j.gds`` modules on Maven Central.
GDS_VERSION = "2.13.9"
#: Neo4j Browser UI jar (org.neo4j.client:neo4j-browser); newest 5.x on Central.
BROWSER_VERSION = "5.24.0"
#: Java feature releases Neo4j 5.26 accepts (it refuses newer ones, e.g. 25).
SUPPORTED_JAVA = (17, 21)

MANIFEST_NAME = "provisioned.json"
MANIFEST_FORMAT = 1

DEFAULT_BOLT_PORT = 7687
DEFAULT_HTTP_PORT = 7474
DEFAULT_HEAP = "4g"
DEFAULT_PAGECACHE = "2g"

MAVEN_TIMEOUT_SECONDS = 20 * 60


class ProvisionError(RuntimeError):
    """Provisioning (Java/Maven lookup, resolution, layout) failed."""


# --- locations -------------------------------------------------------------------------
def cache_dir() -> Path:
    """``$CASEGRAPH_HOME`` if set, else ``~/.cache/casegraph``."""
    env = os.environ.get("CASEGRAPH_HOME", "").strip()
    path = Path(env).expanduser() if env else Path.home() / ".cache" / "casegraph"
    return path.absolute()  # the server runs with cwd=<home>: never hand it a relative path


def server_home() -> Path:
    """The Neo4j home (lib/, plugins/, conf/, data/, logs/, run/) inside the cache."""
    return cache_dir() / f"neo4j-{NEO4J_VERSION}"


def password_file() -> Path:
    return cache_dir() / "neo4j-password"


def log_file() -> Path:
    """The server's stdout/stderr (Neo4j's user log plus any JVM output)."""
    return server_home() / "logs" / "console.log"


def pid_file() -> Path:
    return server_home() / "run" / "casegraph-neo4j.pid"


def _env_port(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise ProvisionError(f"{name}={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise ProvisionError(f"{name}={raw!r} is not a port number")
    return port


def bolt_port() -> int:
    return _env_port("CASEGRAPH_NEO4J_BOLT_PORT", DEFAULT_BOLT_PORT)


def http_port() -> int:
    return _env_port("CASEGRAPH_NEO4J_HTTP_PORT", DEFAULT_HTTP_PORT)


def _env_size(name: str, default: str) -> str:
    raw = os.environ.get(name, "").strip().lower() or default
    if not re.fullmatch(r"\d+[kmg]?", raw):
        raise ProvisionError(f"{name}={raw!r} is not a memory size like 4g or 512m")
    return raw


def heap_size() -> str:
    return _env_size("CASEGRAPH_NEO4J_HEAP", DEFAULT_HEAP)


def pagecache_size() -> str:
    return _env_size("CASEGRAPH_NEO4J_PAGECACHE", DEFAULT_PAGECACHE)


# --- Java ------------------------------------------------------------------------------
def _java_feature_version(java_home: Path) -> int | None:
    """Feature release of a JDK/JRE home (17, 21, ...) from its ``release`` file."""
    release = java_home / "release"
    try:
        text = release.read_text(errors="replace")
    except OSError:
        return None
    m = re.search(r'^JAVA_VERSION="(\d+)(?:\.(\d+))?', text, re.MULTILINE)
    if not m:
        return None
    major = int(m.group(1))
    if major == 1 and m.group(2):  # 1.8 style
        major = int(m.group(2))
    return major


def _usable_java_home(path: Path) -> bool:
    return (path / "bin" / "java").is_file() and _java_feature_version(path) in SUPPORTED_JAVA


def find_java_home() -> Path:
    """A Java 17 (preferred) or 21 home; never the newer JDKs Neo4j 5.26 refuses.

    Order: ``$CASEGRAPH_JAVA_HOME`` (must be usable), ``$JAVA_HOME`` when it is 17/21,
    then ``/usr/lib/jvm/*`` and ``/opt/java/*`` (17 before 21).
    """
    explicit = os.environ.get("CASEGRAPH_JAVA_HOME", "").strip()
    if explicit:
        path = Path(explicit).expanduser()
        if not _usable_java_home(path):
            raise ProvisionError(
                f"CASEGRAPH_JAVA_HOME={explicit} is not a Java {' or '.join(map(str, SUPPORTED_JAVA))} home"
            )
        return path
    candidates: list[Path] = []
    java_home = os.environ.get("JAVA_HOME", "").strip()
    if java_home:
        candidates.append(Path(java_home))
    for root in (Path("/usr/lib/jvm"), Path("/opt/java")):
        if root.is_dir():
            candidates.extend(sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()))
            candidates.extend(sorted(p for p in root.iterdir() if p.is_symlink()))
    for wanted in SUPPORTED_JAVA:
        for cand in candidates:
            if (cand / "bin" / "java").is_file() and _java_feature_version(cand) == wanted:
                return cand
    raise ProvisionError(
        "no Java 17 or 21 found (Neo4j 5.26 refuses newer Java). Install one, e.g. "
        "`apt-get install openjdk-17-jre-headless`, or set CASEGRAPH_JAVA_HOME"
    )


# --- Maven -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Artifact:
    group: str
    artifact: str
    version: str
    classifier: str
    path: Path

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.group, self.artifact, self.classifier)


def parse_dependency_list(text: str) -> list[Artifact]:
    """Parse ``mvn dependency:list -DoutputAbsoluteArtifactFilename=true`` output.

    Lines look like ``   g:a:jar[:classifier]:v:scope:/abs/path.jar -- module m [auto]``.
    """
    out: list[Artifact] = []
    for raw in text.splitlines():
        line = raw.strip().split(" -- ")[0].strip()
        idx = line.find(":/")
        if idx < 0 or not line.endswith(".jar"):
            continue
        coords, path = line[:idx].split(":"), line[idx + 1 :]
        if len(coords) == 5:
            group, artifact, kind, version, _scope = coords
            classifier = ""
        elif len(coords) == 6:
            group, artifact, kind, classifier, version, _scope = coords
        else:
            continue
        if kind != "jar":
            continue
        out.append(Artifact(group, artifact, version, classifier, Path(path)))
    return out


def _maven_executable() -> str:
    mvn = os.environ.get("CASEGRAPH_MVN", "").strip() or shutil.which("mvn")
    if not mvn:
        raise ProvisionError(
            "Maven (mvn) is needed once to download Neo4j and GDS from Maven Central: "
            "`apt-get install maven`, or set CASEGRAPH_MVN"
        )
    return mvn


def _run_maven(profile: str, workdir: Path, java_home: Path, build_log: Path) -> list[Artifact]:
    listing = workdir / f"{profile}.txt"
    cmd = [
        _maven_executable(),
        "-B",
        "-ntp",
        "-f",
        str(workdir / "pom.xml"),
        "-P",
        profile,
        f"-Dneo4j.version={NEO4J_VERSION}",
        f"-Dgds.version={GDS_VERSION}",
        f"-Dbrowser.version={BROWSER_VERSION}",
        "dependency:list",
        "-DincludeScope=runtime",
        "-DoutputAbsoluteArtifactFilename=true",
        "-DappendOutput=false",
        f"-DoutputFile={listing}",
    ]
    repo = os.environ.get("CASEGRAPH_MAVEN_REPO", "").strip()
    if repo:
        cmd.append(f"-Dmaven.repo.local={Path(repo).expanduser()}")
    env = dict(os.environ, JAVA_HOME=str(java_home))
    log.info("resolving %s artifacts with Maven (%s profile)...", "GDS" if profile == "gds" else "Neo4j", profile)
    with build_log.open("a") as fh:
        fh.write(f"\n$ {' '.join(cmd)}\n")
        fh.flush()
        try:
            proc = subprocess.run(
                cmd, cwd=workdir, env=env, stdout=fh, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, timeout=MAVEN_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            raise ProvisionError(f"Maven timed out after {MAVEN_TIMEOUT_SECONDS} s; see {build_log}") from None
    if proc.returncode != 0:
        raise ProvisionError(
            f"Maven failed resolving the {profile} artifacts (exit {proc.returncode}); "
            f"see {build_log}:\n{tail(build_log, 15)}"
        )
    artifacts = parse_dependency_list(listing.read_text())
    if not artifacts:
        raise ProvisionError(f"Maven listed no jars for the {profile} profile; see {build_log}")
    return artifacts


# --- layout ----------------------------------------------------------------------------
LAYOUT_DIRS = ("lib", "plugins", "gds-lib")


def read_manifest(home: Path | None = None) -> dict | None:
    home = home or server_home()
    try:
        data = json.loads((home / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def manifest_is_current(home: Path | None = None) -> bool:
    """True when the jars of the pinned versions are all in place (no Maven needed)."""
    home = home or server_home()
    data = read_manifest(home)
    if not data:
        return False
    if (
        data.get("format") != MANIFEST_FORMAT
        or data.get("neo4j_version") != NEO4J_VERSION
        or data.get("gds_version") != GDS_VERSION
        or data.get("browser_version") != BROWSER_VERSION
    ):
        return False
    files = data.get("files")
    if not isinstance(files, dict) or not files.get("lib") or not files.get("plugins"):
        return False
    for folder, names in files.items():
        for name in names:
            if not (home / folder / name).is_file():
                return False
    return True


def _split_gds(server: list[Artifact], gds: list[Artifact]) -> tuple[list[Artifact], list[Artifact]]:
    """GDS modules for plugins/ and the third-party jars GDS needs beyond the server's."""
    server_keys = {a.key for a in server}
    plugins = [a for a in gds if a.group == "org.neo4j.gds"]
    extras = [a for a in gds if a.group != "org.neo4j.gds" and a.key not in server_keys]
    for a in gds:
        if a.group != "org.neo4j.gds" and a.key in server_keys:
            theirs = next(s.version for s in server if s.key == a.key)
            if theirs != a.version:
                log.debug("GDS wants %s:%s:%s; keeping the server's %s", a.group, a.artifact, a.version, theirs)
    return plugins, extras


def _copy_jars(artifacts: list[Artifact], dest: Path) -> list[str]:
    dest.mkdir(parents=True)
    names: list[str] = []
    for a in artifacts:
        if not a.path.is_file():
            raise ProvisionError(f"Maven listed {a.path} but the file is missing")
        name = a.path.name
        if name in names:  # same file name from two groups: keep both
            name = f"{a.group}-{name}"
        shutil.copy2(a.path, dest / name)
        names.append(name)
    return sorted(names)


def ensure_provisioned(force: bool = False) -> Path:
    """Provision the server home if needed and return it.

    Fast path (manifest valid): no Maven run, no copying. Data in ``data/`` is never
    touched; only lib/, plugins/ and gds-lib/ are replaced.
    """
    home = server_home()
    if not force and manifest_is_current(home):
        return home
    java_home = find_java_home()
    home.mkdir(parents=True, exist_ok=True)
    for sub in ("conf", "data", "logs", "run", "import"):
        (home / sub).mkdir(exist_ok=True)
    build_log = home / "logs" / "provision.log"
    log.info(
        "provisioning Neo4j %s + GDS %s into %s (first run: downloads ~160 MB from Maven Central)",
        NEO4J_VERSION, GDS_VERSION, home,
    )
    with tempfile.TemporaryDirectory(prefix="casegraph-mvn-") as tmp:
        work = Path(tmp)
        pom = resources.files("casegraph.server").joinpath("pom.xml").read_bytes()
        (work / "pom.xml").write_bytes(pom)
        server = _run_maven("server", work, java_home, build_log)
        gds = _run_maven("gds", work, java_home, build_log)
    plugins, extras = _split_gds(server, gds)
    if not plugins:
        raise ProvisionError(f"no org.neo4j.gds jars were resolved; see {build_log}")

    staging = Path(tempfile.mkdtemp(prefix=".layout-", dir=home))
    try:
        files = {
            "lib": _copy_jars(server, staging / "lib"),
            "plugins": _copy_jars(plugins, staging / "plugins"),
            "gds-lib": _copy_jars(extras, staging / "gds-lib"),
        }
        (home / MANIFEST_NAME).unlink(missing_ok=True)
        class_archive(home).unlink(missing_ok=True)  # it holds the classes of the jars replaced here
        for folder in LAYOUT_DIRS:
            target = home / folder
            if target.exists():
                shutil.rmtree(target)
            (staging / folder).rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    manifest = {
        "format": MANIFEST_FORMAT,
        "neo4j_version": NEO4J_VERSION,
        "gds_version": GDS_VERSION,
        "browser_version": BROWSER_VERSION,
        "files": files,
    }
    tmp_manifest = home / (MANIFEST_NAME + ".tmp")
    tmp_manifest.write_text(json.dumps(manifest, indent=1) + "\n")
    tmp_manifest.replace(home / MANIFEST_NAME)
    log.info(
        "provisioned %d server jars, %d GDS modules, %d GDS libraries",
        len(files["lib"]), len(files["plugins"]), len(files["gds-lib"]),
    )
    return home


def write_config(home: Path) -> Path:
    """(Re)write ``conf/neo4j.conf`` from the packaged template and the environment."""
    template = Template(resources.files("casegraph.server").joinpath("neo4j.conf").read_text())
    text = template.substitute(
        bolt_port=bolt_port(), http_port=http_port(), pagecache=pagecache_size()
    )
    conf = home / "conf" / "neo4j.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(text)
    return conf


# JVM flags of Neo4j 5.26's default ``server.jvm.additional`` (minus -XX:+AlwaysPreTouch,
# which would touch the whole heap at start-up); the bin/neo4j launcher is not used.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-XX:FlightRecorderOptions=stackdepth=256",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+DebugNonSafepoints",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
)

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"


def class_archive(home: Path) -> Path:
    """The server's class-data-sharing archive: the classes a start loaded, stored by the JVM
    (Java 17's dynamic CDS), which later starts map instead of loading and verifying them again."""
    return home / "run" / "casegraph-classes.jsa"


def class_archive_flags(home: Path) -> list[str]:
    """Use the class archive when there is one, else have this run write it when it exits:
    measured on 2 cores, starts with it take about 30% less time. A JVM that finds the archive
    unusable (other jars) runs without it."""
    archive = class_archive(home)
    quiet = ["-Xlog:cds=off", "-Xlog:cds+dynamic=off"]  # its notes on skipped classes are no news
    if archive.is_file():
        return [f"-XX:SharedArchiveFile={archive}", *quiet]
    return [f"-XX:ArchiveClassesAtExit={archive}", *quiet]


def java_command(home: Path, java_home: Path) -> list[str]:
    """The command line that runs the server in the foreground (console mode).

    GDS modules are both in plugins/ (scanned for procedures) and on the class path
    (its extension factory is found by ServiceLoader); server jars come first.
    """
    heap = heap_size()
    classpath = os.pathsep.join(str(home / d / "*") for d in ("lib", "plugins", "gds-lib"))
    return [
        str(java_home / "bin" / "java"),
        f"-Xms{heap}",
        f"-Xmx{heap}",
        *JVM_FLAGS,
        f"-XX:ErrorFile={home / 'logs' / 'hs_err_pid%p.log'}",
        *class_archive_flags(home),
        f"-Dcasegraph.home={home}",
        "-cp",
        classpath,
        ENTRY_POINT,
        f"--home-dir={home}",
        f"--config-dir={home / 'conf'}",
        "--console-mode",
    ]


ADMIN_ENTRY_POINT = "org.neo4j.cli.AdminTool"
ADMIN_HEAP = "1g"  # the importer keeps its data off-heap (--max-off-heap-memory)


def admin_command(home: Path, java_home: Path, arguments: list[str]) -> list[str]:
    """The command line of ``neo4j-admin <arguments>`` for this home (run it with
    :func:`admin_environment`), from the server's own jars: there is no launcher script.

    >>> admin_command(Path("/h"), Path("/jdk"), ["--version"])[-2:]
    ['org.neo4j.cli.AdminTool', '--version']
    """
    return [
        str(java_home / "bin" / "java"),
        f"-Xmx{ADMIN_HEAP}",
        *JVM_FLAGS,
        "-cp",
        str(home / "lib" / "*"),
        ADMIN_ENTRY_POINT,
        *arguments,
    ]


def admin_environment(home: Path, java_home: Path) -> dict[str, str]:
    """What the admin tool reads to find the home and its configuration."""
    return dict(os.environ, JAVA_HOME=str(java_home), NEO4J_HOME=str(home), NEO4J_CONF=str(home / "conf"))


def tail(path: Path, lines: int = 20) -> str:
    """The last lines of a text file ('' if unreadable)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])
