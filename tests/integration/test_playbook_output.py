"""What a playbook gives when a column mixes numbers and nulls: integers stay integers, a
missing value is null in JSON and empty in CSV (pandas had made them 585000.0 and NaN, which
no JSON reader takes)."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

from casegraph.cli import main
from casegraph.generator import generate_case
from casegraph.queries.playbooks import run


@pytest.fixture(scope="module")
def rates_half_missing(tmp_path_factory):
    """The tiny case with every second agent's rebate rate left empty, loaded into Neo4j:
    the agents' rates as the case gives them (None where empty)."""
    folder = tmp_path_factory.mktemp("rates") / "case"
    generate_case(folder, scale="tiny", seed=8)
    path = folder / "agents.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for position, row in enumerate(rows):
        if position % 2:
            row["rebate_rate"] = ""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(SystemExit) as done:
        main(["-q", "load", str(folder), "--replace"])
    assert done.value.code == 0
    return {row["agent_id"]: round(float(row["rebate_rate"]) * 1_000_000) if row["rebate_rate"] else None
            for row in rows}


def printed(capsys, *argv) -> str:
    with pytest.raises(SystemExit) as done:
        main(["playbook", "run", "agents_rebate_mismatch", *argv])
    assert done.value.code == 0
    return capsys.readouterr().out


def test_integers_beside_nulls_stay_integers_in_every_format(rates_half_missing, neo4j_driver, capsys):
    frame = run(neo4j_driver, "agents_rebate_mismatch")
    assert str(frame["rebate_rate_micro"].dtype) == "Int64"
    rates = {agent: None if pd.isna(rate) else int(rate)
             for agent, rate in zip(frame["agent_id"], frame["rebate_rate_micro"])}
    assert None in rates.values() and any(rates.values())
    assert rates == {agent: rates_half_missing[agent] for agent in rates}

    def no_constant(name):
        raise AssertionError(f"{name} is not JSON")

    rows = json.loads(printed(capsys, "--format", "json"), parse_constant=no_constant)
    assert {row["agent_id"]: row["rebate_rate_micro"] for row in rows} == rates
    table = list(csv.DictReader(io.StringIO(printed(capsys, "--format", "csv"))))
    assert {row["agent_id"]: row["rebate_rate_micro"] for row in table} == {
        agent: "" if rate is None else str(rate) for agent, rate in rates.items()}
