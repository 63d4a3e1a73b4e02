"""Both engines agree on the cases that break the generator's own habits: with the memory
engine held to the discovery targets on the same variants (tests/test_discovery_variants.py),
the Neo4j engine meets them too. Tiny scale: a load per variant."""

from __future__ import annotations

import pytest

from casegraph.generator import generate_case
from casegraph.queries.playbooks import run
from integration.test_engines_agree import analyse_both, assert_same_files
from integration.test_flows_engines import assert_same_flow_files

# The variants that change what ties an entity to its gang or what evidence an analysis has.
STRUCTURAL_VARIANTS = ("agents_offline", "agents_only_in_agents_csv", "no_logins", "no_memberships", "no_trades",
                       "multi_platform_gangs", "role_holders_no_agent", "groups_one_evidence",
                       "shared_payment_accounts")


@pytest.mark.parametrize("variant", STRUCTURAL_VARIANTS)
def test_engines_agree_on_a_variant(tmp_path, variant):
    generate_case(tmp_path / "case", scale="tiny", seed=5, variants=[variant])
    analyse_both(tmp_path / "case", tmp_path)
    assert_same_files(tmp_path)


def test_engines_agree_that_an_address_naming_no_device_is_no_evidence(tmp_path, neo4j_driver):
    """Four unrelated trading accounts on 0.0.0.0 and 00-00-00-00-00-00 for twelve days (what
    exports print where there was no address): neither engine makes them a shared device, an
    account group or a gang tie, and both write the same files. The graph holds no node of
    either address, so the playbook of accounts sharing a device lists no such tie; the logins
    keep the addresses as seized."""
    import pandas as pd

    case = tmp_path / "case"
    generate_case(case, scale="tiny", seed=5)
    accounts = pd.read_csv(case / "accounts.csv", dtype=str)
    picked = accounts[(accounts["kind"] == "trading") & accounts["holder_person_id"].notna()]
    picked = picked.drop_duplicates("holder_person_id")["account_id"].head(4).tolist()
    with open(case / "logins.csv", "a", encoding="utf-8") as logins:
        logins.writelines(f"2019-02-{day:02d}T1{i}:00:00,{account},,0.0.0.0,00-00-00-00-00-00,\n"
                          for day in range(1, 13) for i, account in enumerate(picked))
    analyse_both(case, tmp_path)
    assert_same_files(tmp_path)
    assert_same_flow_files(tmp_path)
    for engine in ("memory", "neo4j"):
        for name in ("flow_patterns.csv", "account_groups.csv", "communities.csv"):
            text = (tmp_path / engine / name).read_text(encoding="utf-8")
            assert "0.0.0.0" not in text and "00-00-00-00-00-00" not in text, (engine, name)
    shared = run(neo4j_driver, "accounts_sharing_device_or_ip", {"account_id": picked[0]})
    assert not set(shared["identifier"]) & {"0.0.0.0", "00-00-00-00-00-00"}, shared
    (record,) = neo4j_driver.execute_query(
        "OPTIONAL MATCH (i:IP|Device) WHERE i.id IN $ids WITH count(i) AS nodes "
        "OPTIONAL MATCH (l:Login) WHERE l.ip = '0.0.0.0' RETURN nodes, count(l) AS logins",
        ids=["0.0.0.0", "00-00-00-00-00-00"]).records
    assert (record["nodes"], record["logins"]) == (0, 12 * len(picked))
