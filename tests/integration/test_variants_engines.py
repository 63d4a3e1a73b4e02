"""Both engines agree on the cases that break the generator's own habits: with the memory
engine held to the discovery targets on the same variants (tests/test_discovery_variants.py),
the Neo4j engine meets them too. Tiny scale: a load per variant."""

from __future__ import annotations

import pytest

from casegraph.generator import generate_case
from integration.test_engines_agree import analyse_both, assert_same_files

# The variants that change what ties an entity to its gang or what evidence an analysis has.
STRUCTURAL_VARIANTS = ("agents_offline", "agents_only_in_agents_csv", "no_logins", "no_memberships", "no_trades",
                       "multi_platform_gangs", "role_holders_no_agent", "groups_one_evidence")


@pytest.mark.parametrize("variant", STRUCTURAL_VARIANTS)
def test_engines_agree_on_a_variant(tmp_path, variant):
    generate_case(tmp_path / "case", scale="tiny", seed=5, variants=[variant])
    analyse_both(tmp_path / "case", tmp_path)
    assert_same_files(tmp_path)
