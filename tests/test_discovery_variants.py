"""Discovery held to the issue's targets on cases that break the generator's own habits
(``generate_case(variants=[...])``, README "Synthetic cases"): every truth gang found with its
province at ARI >= 0.98, no client made a gang member, the account groups at pairwise F1 >=
0.98 with their controllers, and the fraud front flagged with no other gang.

Scored by bench/discovery.py (:func:`discovery_scores`, on queries/quality.py) so the tests and
the benchmark measure the same thing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from casegraph.generator import VARIANTS

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
from discovery import DISCOVERY_QUESTIONS, TARGETS, discovery_scores  # noqa: E402

N_GANGS = 34
# At seed scale (a minute a case), the variants that change who is tied to a gang, and the noise
# that tests chance at volume; the others only remove evidence, as small scale shows. The
# default case at seed scale is tests/test_gangs.py's.
SEED_SCALE_VARIANTS = ("agents_offline", "agents_only_in_agents_csv", "no_logins", "deep_wide_trees",
                       "multi_platform_gangs", "role_holders_no_agent", "noisy", "shared_payment_accounts")
# And on another seed, those whose gangs have fewest ties between their platforms: a gang of
# two platforms there is tied by one nominee and the layer its collected money goes to (split
# in two, ARI 0.96, before that layer witnessed one operator: communities.SWEPT_MONEY).
OTHER_SEED_VARIANTS = ("no_logins", "role_holders_no_agent")
CASES = [pytest.param((variant, "small", 11), id=f"{variant}-small") for variant in ("default", *VARIANTS)] + [
    pytest.param((variant, "seed", 7), id=f"{variant}-seed", marks=pytest.mark.slow) for variant in SEED_SCALE_VARIANTS
] + [pytest.param((variant, "seed", 31), id=f"{variant}-seed-31", marks=pytest.mark.slow)
     for variant in OTHER_SEED_VARIANTS]
# Variants together, on the seeds where each pair once lost a gang: a payment company and
# gangs whose staff run no agents (32 of 34), gangs of several platforms and staff who run no
# agents (33 of 34, while the brokers' test ignored where collected money went).
COMBINED = (("shared_payment_accounts+role_holders_no_agent", 3), ("shared_payment_accounts+multi_platform_gangs", 11),
            ("multi_platform_gangs+role_holders_no_agent", 23))
CASES += [pytest.param((variants, "small", seed), id=f"{variants}-small-{seed}", marks=pytest.mark.slow)
          for variants, seed in COMBINED]


@pytest.fixture(scope="module", params=CASES)
def scores(request, analysed_case) -> dict[str, object]:
    variant, scale, seed = request.param
    return discovery_scores(*analysed_case(scale, seed, () if variant == "default" else tuple(variant.split("+")),
                                           questions=DISCOVERY_QUESTIONS))


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
