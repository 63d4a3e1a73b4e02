"""Both engines agree on who answers for what: a person who is an agent and holds a role in
the gang running the platform counts each client once (tests/court_cases.py PERSON_CASES)."""

from __future__ import annotations

import pytest
from casebuilder import write_case
from court_cases import PERSON_CASES

from .test_engines_agree import analyse_both, assert_same_files


@pytest.mark.parametrize("person_case", PERSON_CASES, ids=lambda f: f.__name__)
def test_engines_agree_on_the_person_cases(tmp_path, person_case):
    rows, expected = person_case()
    analyse_both(write_case(tmp_path / "case", rows), tmp_path)
    assert_same_files(tmp_path)
    income = (tmp_path / "neo4j" / "income.csv").read_text(encoding="utf-8").splitlines()
    for subject, method, window_start, amount in expected:
        assert any(line.startswith(f"{subject},") and f",{method},{amount},{window_start}," in line
                   for line in income), (subject, method, window_start)
