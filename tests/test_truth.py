"""The memory engine's totals.csv against the generator's independently computed truth/,
to the fen, at every level: clients, agents (own and subtree), platforms, known gangs, vendor."""

from __future__ import annotations

import pandas as pd
import pytest

from casegraph.cli import main


@pytest.fixture(scope="module", params=[pytest.param("small", id="small"),
                                        pytest.param("seed", id="seed", marks=pytest.mark.slow)])
def analysed(request, generated_case, tmp_path_factory):
    """(the case folder, the folder ``casegraph analyze`` wrote)."""
    case = generated_case(request.param, 11).folder
    out = tmp_path_factory.mktemp(request.param) / "out"
    with pytest.raises(SystemExit) as done:
        main(["analyze", str(case), "--out", str(out)])
    assert done.value.code == 0
    return case, out


def read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def compare(analysed, node_type: str, truth_file: str, key: str, skip=()) -> int:
    """Assert every shared column of every truth row equals totals.csv as text; return rows."""
    case, out = analysed
    totals = read(out / "totals.csv")
    ours = totals[totals["node_type"] == node_type].set_index("node_id")
    truth = read(case / "truth" / truth_file).set_index(key)
    columns = [c for c in truth.columns if c in ours.columns and c not in skip]
    assert len(columns) >= 8, columns
    joined = truth[columns].join(ours[columns].add_suffix("_ours"), how="left")
    for column in columns:
        differ = joined[joined[column] != joined[f"{column}_ours"]]
        assert differ.empty, f"{node_type} {column}: {differ[[column, column + '_ours']].head().to_dict('index')}"
    return len(truth)


def test_clients_match_truth(analysed):
    assert compare(analysed, "client", "expected_clients.csv", "client_id") > 1000


def test_agents_match_truth(analysed):
    assert compare(analysed, "agent", "expected_agents.csv", "agent_id") > 100


def test_platforms_match_truth(analysed):
    assert compare(analysed, "platform", "expected_platforms.csv", "platform_id") >= 30


def test_gangs_match_truth(analysed):
    """Every gang found whose platforms are a truth gang's platforms has that gang's figures;
    at seed scale every truth gang is found so."""
    case, out = analysed
    found = read(out / "gangs.csv")
    truth = read(case / "truth" / "expected_gangs.csv")
    truth["platform_ids"] = truth["platform_ids"].str.split(";").map(lambda ids: ";".join(sorted(ids)))
    matched = found.merge(truth, on="platform_ids", suffixes=("", "_truth"))
    columns = [c for c in truth.columns if c in found.columns and c not in ("gang_id", "platform_ids", "province")]
    assert len(columns) >= 10
    for column in columns:
        assert (matched[column] == matched[f"{column}_truth"]).all(), column
    assert (matched["province"] == matched["province_truth"]).all()
    assert len(matched) >= 0.9 * len(truth)
    if out.parent.name.startswith("seed"):
        assert len(matched) == len(truth) == 34


def test_vendor_licence_income_matches_truth(analysed):
    case, out = analysed
    totals = read(out / "totals.csv").set_index("node_id")
    truth = read(case / "truth" / "expected_vendors.csv").set_index("vendor_id")
    for vendor, row in truth.iterrows():
        assert totals.loc[vendor, "license_income"] == row["license_income"]
        # into the vendor's accounts from the accounts found to belong to gangs
        assert totals.loc[vendor, "license_income_bank"] == row["license_income_bank"]


def test_chain_has_one_row_per_licence(analysed):
    case, out = analysed
    chain = read(out / "chain.csv")
    licenses = read(case / "licenses.csv")
    assert sorted(chain["license_id"]) == sorted(licenses["license_id"])
    platforms = read(case / "truth" / "expected_platforms.csv").set_index("platform_id")
    for row in chain.itertuples():
        assert row.deposits == platforms.loc[row.platform_id, "deposits"]
        assert int(row.n_clients) == int(platforms.loc[row.platform_id, "n_clients"])
