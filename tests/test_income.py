"""income.csv: the courts' worked figures, severity against the threshold profiles."""

from __future__ import annotations

import pandas as pd
import pytest
from casebuilder import CASE_YAML, minimal_case, write_case
from court_cases import COURT_CASES, PERSON_CASES

from casegraph.loaders.case import load_case
from casegraph.outputs import money_as_text
from casegraph.queries.assembly import INCOME_QUESTIONS
from casegraph.queries.memory.engine import analyze_case
from casegraph.thresholds import ThresholdRules


def income_of(tmp_path, rows, case_yaml=CASE_YAML) -> pd.DataFrame:
    case = load_case(write_case(tmp_path / "case", rows, case_yaml=case_yaml))
    return money_as_text(analyze_case(case, questions=INCOME_QUESTIONS)["income"]).fillna("")


def test_the_income_questions_give_the_income_of_the_whole_analysis(analysed_case):
    """assembly.INCOME_QUESTIONS, which the tests below ask, make income.csv whole: it fails
    when any one of them is left out."""
    _, whole = analysed_case("tiny", 4)
    _, some = analysed_case("tiny", 4, questions=INCOME_QUESTIONS)
    assert len(whole["income"]) and set(whole["income"]["subject_type"]) == {
        "gang", "platform", "agent", "person", "vendor"}
    pd.testing.assert_frame_equal(some["income"], whole["income"])


def amount(income: pd.DataFrame, subject: str, method: str, window_start: str = "") -> str:
    row = income[(income["subject_id"] == subject) & (income["method"] == method)
                 & (income["window_start"] == window_start)]
    assert len(row) == 1, (subject, method, window_start)
    return row["amount"].iloc[0]


@pytest.mark.parametrize("court_case", COURT_CASES + PERSON_CASES, ids=lambda f: f.__name__)
def test_courts_worked_figures(tmp_path, court_case):
    rows, expected = court_case()
    income = income_of(tmp_path, rows)
    for subject, method, window_start, figure in expected:
        assert amount(income, subject, method, window_start) == figure, (subject, method)


def test_every_method_for_every_subject_type(tmp_path):
    income = income_of(tmp_path, minimal_case())
    methods = income.groupby("subject_type")["method"].apply(set).to_dict()
    business = {"net_deposit", "fees", "turnover", "gross_deposits", "client_losses", "client_net_loss",
                "fresh_money"}
    assert methods["gang"] == methods["platform"] == business
    assert methods["agent"] == business | {"rebates"}
    assert methods["person"] == business | {"rebates", "own_net_withdrawal"}
    assert methods["vendor"] == {"license_income"}
    assert "PER3" not in set(income["subject_id"])  # a client only: a victim, not a subject


def test_severity_names_the_profile(tmp_path):
    income = income_of(tmp_path, minimal_case())
    vendor = income[income["subject_id"] == "V1"].iloc[0]
    assert vendor["severity"] == ("especially_serious (2022: illegal income ≥ 500000.00, "
                                  "5× the prosecution threshold)")
    old = income_of(tmp_path / "old", minimal_case(), CASE_YAML.replace('profile: "2022"', 'profile: "2010"'))
    row = old[(old["subject_id"] == "P1") & (old["method"] == "net_deposit")].iloc[0]
    assert row["amount"] == "267060.86"
    assert row["severity"] == "below (2010: business amount < 300000.00)"
    turnover = old[(old["subject_id"] == "P1") & (old["method"] == "turnover")].iloc[0]
    assert turnover["severity"].startswith("prosecution (2010: business amount ≥ 300000.00)") or \
        turnover["severity"].startswith("especially_serious (2010")


def test_per_province_especially_serious(tmp_path):
    yaml = CASE_YAML + "  especially_serious:\n    上海市: 1200000\n"
    income = income_of(tmp_path, minimal_case(), yaml)
    row = income[(income["subject_id"] == "G1") & (income["method"] == "turnover")].iloc[0]
    assert row["severity"] == "especially_serious (2022: business amount ≥ 1200000.00, 上海市 figure from case.yaml)"


@pytest.mark.parametrize("amount_fen, expected", [
    (99_999_999, "below (2022: business amount < 1000000.00)"),
    (100_000_000, "prosecution (2022: business amount ≥ 1000000.00)"),
    (500_000_000, "especially_serious (2022: business amount ≥ 5000000.00, 5× the prosecution threshold)"),
])
def test_threshold_edges(amount_fen, expected):
    assert ThresholdRules.from_config({"profile": "2022"}).severity(amount_fen, "business_amount", None) == expected


def test_unknown_profile_is_an_error():
    with pytest.raises(ValueError, match="unknown threshold profile '2031'"):
        ThresholdRules.from_config({"profile": "2031"})
