"""The command line end to end: generate, validate, analyze, demo."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
from casebuilder import minimal_case, write_case

from casegraph.cli import main


def run(*argv) -> int:
    with pytest.raises(SystemExit) as done:
        main([str(a) for a in argv])
    return done.value.code


def test_generate_validate_analyze(tmp_path, capsys):
    case, out = tmp_path / "case", tmp_path / "out"
    assert run("generate", "--out", case, "--scale", "tiny", "--seed", "3") == 0
    assert run("validate", case) == 0
    assert run("analyze", case, "--out", out) == 0
    chain = pd.read_csv(out / "chain.csv", dtype=str)
    assert len(chain) == len(pd.read_csv(case / "licenses.csv"))
    assert set(pd.read_csv(out / "totals.csv")["node_type"]) == {
        "vendor", "gang", "platform", "agent", "client", "person"}


def test_the_installed_command_ends_with_the_exit_code_its_output_and_no_temporary_folder(tmp_path):
    """The console script (cli.run) ends the process at once: what it printed still arrives
    through a pipe, and the exit handlers still remove DuckDB's spill folder."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"} | {"TMPDIR": str(scratch)}
    command = [sys.executable, "-c", "from casegraph.cli import run; run()"]
    case = write_case(tmp_path / "case", minimal_case())
    done = subprocess.run([*command, "-q", "analyze", str(case), "--out", str(tmp_path / "out")],
                          env=env, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("wrote ") and (tmp_path / "out" / "chain.csv").is_file()
    assert list(scratch.iterdir()) == []
    invalid = subprocess.run([*command, "validate", str(tmp_path / "absent")], env=env, capture_output=True, text=True)
    assert invalid.returncode == 1
    assert "not a case folder" in invalid.stdout + invalid.stderr


@pytest.mark.parametrize("command", ["validate", "generate"])
def test_a_command_that_reads_or_writes_a_case_takes_its_memory_as_tune_memory_sets(tmp_path, command):
    """Every Arrow array of the process from the retaining pool, not only the cells, and numpy's
    arrays without huge pages (csvcells.tune_memory); in a process of its own, as both are the
    process's settings."""
    from casegraph.loaders.csvcells import CELL_POOL

    case = write_case(tmp_path / "case", minimal_case())
    argv = ["validate", str(case)] if command == "validate" else [
        "generate", "--out", str(tmp_path / "new"), "--scale", "tiny"]
    script = ("import pyarrow as pa, sys\nfrom numpy._core.multiarray import _set_madvise_hugepage\n"
              "from casegraph.cli import main\n"
              "try:\n    main(['-q', *sys.argv[1:]])\nexcept SystemExit:\n    pass\n"
              "print(pa.default_memory_pool().backend_name, _set_madvise_hugepage(True))")
    done = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, check=True)
    # after what the command printed: the pool, and whether numpy's huge pages were on
    assert done.stdout.split()[-2:] == [CELL_POOL.backend_name, "False"]


def test_generate_rejects_a_bad_scale(tmp_path, capsys):
    assert run("generate", "--out", tmp_path / "x", "--scale", "huge") == 2
    assert "expected one of" in capsys.readouterr().err


def test_every_command_has_help(capsys):
    for command in ("generate", "validate", "analyze", "demo", "load", "neo4j", "playbook", "referrals"):
        assert run(command, "--help") == 0
        assert "Usage" in capsys.readouterr().out


@pytest.mark.slow
def test_demo_writes_outputs_and_prints_the_summary(tmp_path, capsys):
    assert run("demo", "--out", tmp_path / "demo") == 0
    printed = capsys.readouterr().out
    assert "Chain: vendor" in printed and "licences 37" in printed
    for name in ("chain.csv", "totals.csv"):
        assert (tmp_path / "demo" / "results" / name).stat().st_size > 0
