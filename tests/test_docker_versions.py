"""docker/compose.yml must run the same Neo4j and GDS versions the provisioner pins."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from casegraph import server
from casegraph.server import provision

COMPOSE = Path(__file__).resolve().parents[1] / "docker" / "compose.yml"


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE.read_text()


@pytest.fixture(scope="module")
def neo4j_service(compose_text: str) -> dict:
    doc = yaml.safe_load(compose_text)
    services = [s for s in doc["services"].values() if str(s.get("image", "")).startswith("neo4j:")]
    assert len(services) == 1, "expected exactly one service on the official neo4j image"
    return services[0]


def _env(service: dict) -> dict[str, str]:
    env = service["environment"]
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def test_image_is_the_provisioned_neo4j_community(neo4j_service):
    m = re.fullmatch(r"neo4j:(\d+\.\d+\.\d+)(-community)?", neo4j_service["image"])
    assert m, f"pin an exact Community tag, got {neo4j_service['image']!r}"
    assert m.group(1) == server.NEO4J_VERSION
    assert neo4j_service["labels"]["org.casegraph.neo4j-version"] == server.NEO4J_VERSION


def test_gds_is_requested_and_pinned_to_the_provisioned_version(neo4j_service, compose_text):
    env = _env(neo4j_service)
    assert "graph-data-science" in yaml.safe_load(env["NEO4J_PLUGINS"])
    assert neo4j_service["labels"]["org.casegraph.gds-version"] == server.GDS_VERSION
    # the healthcheck verifies at run time that the image loaded exactly this GDS
    health = " ".join(neo4j_service["healthcheck"]["test"])
    assert "gds.version()" in health
    assert f'"{server.GDS_VERSION}"' in health
    # and the pairing comment names both versions
    assert re.search(
        rf"Neo4j {re.escape(server.NEO4J_VERSION)}\b.*<->\s*Graph Data Science {re.escape(server.GDS_VERSION)}\b",
        compose_text,
    )


def test_gds_is_a_5_26_line_release():
    # GDS 2.14+ needs Neo4j 2025.x; 2.13 is the line built for Neo4j 5.26
    assert server.NEO4J_VERSION.startswith("5.26.")
    assert server.GDS_VERSION.startswith("2.13.")


def test_settings_match_the_provisioned_server(neo4j_service):
    env = _env(neo4j_service)
    assert env["NEO4J_server_memory_heap_initial__size"] == provision.DEFAULT_HEAP
    assert env["NEO4J_server_memory_heap_max__size"] == provision.DEFAULT_HEAP
    assert env["NEO4J_server_memory_pagecache_size"] == provision.DEFAULT_PAGECACHE
    assert env["NEO4J_dbms_security_procedures_unrestricted"] == "gds.*"
    assert env["NEO4J_dbms_usage__report_enabled"] == "false"
    assert "${NEO4J_PASSWORD" in env["NEO4J_AUTH"]


def test_ports_are_bound_to_loopback_only(neo4j_service):
    ports = [str(p) for p in neo4j_service["ports"]]
    assert ports
    assert all(p.startswith("127.0.0.1:") for p in ports), ports
    targets = {p.rsplit(":", 1)[1] for p in ports}
    assert targets == {"7474", "7687"}


def test_pom_defaults_match_the_pinned_versions():
    pom = (Path(provision.__file__).parent / "pom.xml").read_text()
    assert f"<neo4j.version>{server.NEO4J_VERSION}</neo4j.version>" in pom
    assert f"<gds.version>{server.GDS_VERSION}</gds.version>" in pom
