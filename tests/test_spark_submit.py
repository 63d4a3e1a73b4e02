"""`spark-submit casegraph/cli.py analyze … --engine spark` (docs/spark-scale.md): the
command runs on the master spark-submit was given, with no ``--spark-master``, and writes the
memory engine's files.

A process of its own (spark-submit starts a JVM and then the Python driver), so it does not
share the ``spark`` fixture's session of tests/test_spark_engine.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_spark_engine import assert_every_file_the_same

import casegraph.cli
from casegraph.generator import generate_case

pytestmark = pytest.mark.spark


def spark_submit(*arguments: str, scratch: Path) -> subprocess.CompletedProcess:
    """spark-submit (PySpark's own) with this Python as the driver's, on Java 17 or 21."""
    pyspark = pytest.importorskip("pyspark")
    from casegraph.server.provision import find_java_home

    env = {**os.environ, "JAVA_HOME": os.environ.get("JAVA_HOME") or str(find_java_home()),
           "SPARK_LOCAL_IP": "127.0.0.1", "CASEGRAPH_SPARK_SCRATCH": str(scratch)}
    env.pop("CASEGRAPH_SPARK_MASTER", None)
    command = [str(Path(pyspark.__file__).parent / "bin" / "spark-submit"), "--master", "local[1]",
               "--conf", f"spark.pyspark.driver.python={sys.executable}",
               "--conf", f"spark.pyspark.python={sys.executable}", *arguments]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def test_spark_submit_runs_analyze_on_its_master(tmp_path):
    generate_case(tmp_path / "case", scale="tiny", seed=5)
    (tmp_path / "scratch").mkdir()
    # A driver that says where it runs, then the CLI itself as the application.
    probe = tmp_path / "probe.py"
    probe.write_text("from casegraph.queries.spark.runner import spark_session\n"
                     "session = spark_session()\n"
                     "print(session.sparkContext.master, session.conf.get('spark.sql.shuffle.partitions'))\n")
    done = spark_submit(str(probe), scratch=tmp_path / "scratch")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-2:] == ["local[1]", "4"]  # spark-submit's master, not local[2]
    done = spark_submit(casegraph.cli.__file__, "-q", "analyze", str(tmp_path / "case"),
                        "--out", str(tmp_path / "submitted" / "spark"), "--engine", "spark",
                        scratch=tmp_path / "scratch")
    assert done.returncode == 0, done.stderr[-3000:]
    handed = {path.name.split("-")[0] for path in (tmp_path / "scratch").glob("*.parquet")}
    assert "accounts" in handed  # the driver's tables went through the scratch folder;
    assert not handed & {"ledger", "trades", "fills", "broker_fills"}  # Spark's large ones stayed Spark's
    with pytest.raises(SystemExit) as memory:
        casegraph.cli.main(["-q", "analyze", str(tmp_path / "case"), "--out", str(tmp_path / "submitted" / "memory")])
    assert memory.value.code == 0
    assert_every_file_the_same(tmp_path / "submitted")
