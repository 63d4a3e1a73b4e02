"""Discovery held to the issue's targets on cases that break the generator's own habits
(``generate_case(variants=[...])``, README "Synthetic cases"): every truth gang found with its
province at ARI >= 0.98, no client made a gang member, the account groups at pairwise F1 >=
0.98 with their controllers, and the fraud front flagged with no other gang.

Scored by bench/discovery.py (:func:`discovery_scores`, on queries/quality.py) so the tests and
the benchmark measure the same thing. Some variants are expected to fail until gang discovery
and the account-group evidence are reworked; the targets are not lowered for them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from casegraph.generator import VARIANTS, generate_case
from casegraph.loaders.case import load_case
from casegraph.queries.memory_engine import analyze_case

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
from discovery import TARGETS, discovery_scores  # noqa: E402

N_GANGS = 34
CASES = [pytest.param((variant, scale, seed), id=f"{variant}-{scale}", marks=marks)
         for scale, seed, marks in (("small", 11, ()), ("seed", 7, pytest.mark.slow))
         for variant in ("default", *VARIANTS)]


@pytest.fixture(scope="module", params=CASES)
def scores(request, tmp_path_factory) -> dict[str, object]:
    variant, scale, seed = request.param
    folder = tmp_path_factory.mktemp(f"{variant}-{scale}")
    generate_case(folder, scale=scale, seed=seed, variants=[] if variant == "default" else [variant])
    case = load_case(folder)
    return discovery_scores(case, analyze_case(case))


def test_every_gang_found_with_its_province(scores):
    assert scores["truth_gangs"] == N_GANGS
    # Over the members some record ties to their gang: one known only from access logs cannot be
    # found in a case without them (bench/discovery.py reachable_ari); the plain ARI is reported.
    assert scores["ari_reachable"] >= TARGETS["ari"], scores
    assert scores["gangs_found"] == scores["truth_gangs"], scores
    assert scores["gangs_found_with_province"] == scores["truth_gangs"], scores


def test_no_client_made_a_gang_member(scores):
    assert scores["clients_made_members"] == 0, scores


def test_account_groups_and_their_controllers(scores):
    assert scores["groups_f1"] >= TARGETS["groups_f1"], scores
    assert scores["controllers_right"], scores


def test_fraud_front_and_no_other(scores):
    """Without trades.csv no trade can be shown fake: then no gang may be flagged at all."""
    assert scores["fraud_right"], scores
