"""The command line end to end: generate, validate, analyze, demo."""

from __future__ import annotations

import pandas as pd
import pytest

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
