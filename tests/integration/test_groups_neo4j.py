"""Account groups, fake trades and the fraud front: the Neo4j engine (Cypher + GDS WCC) returns
the memory engine's frames, row for row and value for value, on the same case."""

from __future__ import annotations

import pandas as pd
import pytest
from casebuilder import turned_front_case, write_case
from test_account_groups import (
    bridge_server_case,
    cafe_case,
    cashier_case,
    household_case,
    market_open_case,
    routed_bridge_case,
    unfunded_case,
)
from test_account_groups import hand_case as groups_hand_case
from test_fake_trades import hand_case as fake_hand_case
from test_fake_trades import with_a_big_client

from casegraph.generator import generate_case
from casegraph.loaders.case import load_case
from casegraph.loaders.neo4j import load_into_neo4j
from casegraph.queries.memory.account_groups import account_groups, evidence_connection, evidence_links
from casegraph.queries.memory.fake_trades import fake_trades, platform_fraud
from casegraph.queries.neo4j import account_groups as neo4j_groups
from casegraph.queries.neo4j import fake_trades as neo4j_fake
from casegraph.queries.neo4j.runner import CypherRunner


def hand_case() -> dict[str, list[dict]]:
    """Both hand-written cases in one: the account group of PER9 and the fake trades of P1/P2,
    with a client whose loss × fake notional passes 64 bits (Cypher must stay exact)."""
    rows = groups_hand_case()
    extra = with_a_big_client(fake_hand_case())
    for table in ("platforms", "clients", "accounts", "ledger", "trades", "broker_fills"):
        known = {tuple(sorted(row.items())) for row in rows[table]}
        rows[table] += [row for row in extra[table] if tuple(sorted(row.items())) not in known]
    return rows


def memory_evidence(case) -> tuple[pd.DataFrame, pd.DataFrame]:
    return evidence_links(evidence_connection(case))


def text_stored_as(frame: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text columns stored as ``like`` stores them (pandas' ``str`` or
    ``object``: the Neo4j driver's frames and the memory engine's Arrow ones differ there), so
    that the values are compared, not pandas' storage of text."""
    def is_text(dtype) -> bool:
        return isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype)

    text = [name for name in like.columns if is_text(like[name].dtype) and is_text(frame[name].dtype)]
    return frame.astype({name: like[name].dtype for name in text})


def assert_engines_agree(driver, folder) -> pd.DataFrame:
    case = load_case(folder)
    load_into_neo4j(driver, case, replace=True)
    runner = CypherRunner(driver)
    # the same links kept against chance, with the same expectations to the last bit
    for neo4j_frame, memory_frame in zip(neo4j_groups.evidence_links(runner), memory_evidence(case)):
        pd.testing.assert_frame_equal(text_stored_as(neo4j_frame, memory_frame), memory_frame, check_exact=True)
    groups = account_groups(case)
    pd.testing.assert_frame_equal(neo4j_groups.account_groups(runner), groups)
    fake = fake_trades(case)
    pd.testing.assert_frame_equal(neo4j_fake.fake_trades(runner), fake)
    pd.testing.assert_frame_equal(neo4j_fake.platform_fraud(runner, fake), platform_fraud(case, fake))
    # every projection made for the components is dropped again
    records, _, _ = driver.execute_query("CALL gds.graph.list() YIELD graphName RETURN collect(graphName) AS names")
    assert not [name for name in records[0]["names"] if name.startswith("casegraph-account-groups")]
    return groups


def test_engines_agree_on_the_hand_written_case(neo4j_driver, tmp_path):
    groups = assert_engines_agree(neo4j_driver, write_case(tmp_path / "case", hand_case()))
    assert groups["account_id"].tolist() == ["SA", "SB", "SC"]  # not the busy strangers nor the public address
    runner = CypherRunner(neo4j_driver)
    fraud = neo4j_fake.platform_fraud(runner, neo4j_fake.fake_trades(runner))
    assert fraud.loc["P1", "fake_trade_losses"] > 10**10  # the big client's share, exact in both


@pytest.mark.parametrize("split_off", [True, False], ids=["split off a mother", "no mother"])
def test_engines_agree_on_the_controller_by_mother_then_logins(neo4j_driver, tmp_path, split_off):
    """Without common funding, the holder of the mother account the group's accounts are split
    off, before who else used its device: on both engines."""
    groups = assert_engines_agree(neo4j_driver, write_case(tmp_path / "case", unfunded_case(split_off=split_off)))
    assert set(groups["controller_id"]) == {"PER10" if split_off else "PER1"}


@pytest.mark.parametrize("renewed_by", ["PER7", "PER1"], ids=["sold to G2", "renewed by G1"])
def test_engines_agree_on_a_platform_its_buyer_turned_fake(neo4j_driver, tmp_path, renewed_by):
    """A platform handed over to another gang is judged on its trades from its first fake one
    on, one renewed by its own gang on all of them: on both engines."""
    case = load_case(write_case(tmp_path / "case", turned_front_case(renewed_by=renewed_by)))
    load_into_neo4j(neo4j_driver, case, replace=True)
    fake = fake_trades(case)
    fraud = neo4j_fake.platform_fraud(CypherRunner(neo4j_driver), fake)
    pd.testing.assert_frame_equal(fraud, platform_fraud(case, fake))
    assert fraud.loc["P3", "is_fraud"] == (renewed_by == "PER7") and fraud.loc["P3", "n_fake"] == 2


def test_engines_agree_that_a_gang_s_cashier_is_no_controller(neo4j_driver, tmp_path):
    """The gang's cashier paid the group's accounts: the mother account's holder is its
    controller, on both engines."""
    groups = assert_engines_agree(neo4j_driver, write_case(tmp_path / "case", cashier_case()))
    assert set(groups["controller_id"]) == {"PER10"}


@pytest.mark.parametrize("funded", [False, True], ids=["home alone", "funded by one card"])
def test_engines_agree_on_a_home_s_pc_and_line(neo4j_driver, tmp_path, funded):
    """Two accounts whose one tie is a PC and line nobody else used are no group, and a group
    with one card that paid margin into both: on both engines."""
    groups = assert_engines_agree(neo4j_driver, write_case(tmp_path / "case", household_case(funded=funded)))
    assert ("HA" in set(groups["account_id"])) is funded


@pytest.mark.parametrize("stated", [True, False], ids=["stated", "not stated"])
def test_engines_agree_on_a_platform_s_own_accounts(neo4j_driver, tmp_path, stated):
    """A platform's mother accounts that its bridge server logs into are no group when
    accounts.csv states they are the platform's, a group when it does not: on both engines."""
    groups = assert_engines_agree(neo4j_driver, write_case(tmp_path / "case", bridge_server_case(stated=stated)))
    assert ("MP1" in set(groups["account_id"])) is not stated


def test_engines_agree_on_routed_orders_an_internet_cafe_and_a_market_s_open(neo4j_driver, tmp_path):
    """Broker accounts that fill a platform's orders (their mothers and subs too) are the
    platform's though accounts.csv states no platform for them, on an address others use too
    only accounts logged into in one sitting link, and traders who meet at a market's open
    as often on any two days as on one do not: on both engines."""
    rows = market_open_case(cafe_case(routed_bridge_case()))
    groups = assert_engines_agree(neo4j_driver, write_case(tmp_path / "case", rows))
    assert groups.groupby("group_id")["account_id"].apply(list).to_dict() == {
        "AG-Q1": ["Q1", "Q2", "Q3"], "AG-SA": ["SA", "SB", "SC"]}


@pytest.mark.parametrize("scale", ["tiny", "small"])
def test_engines_agree_on_generated_cases(neo4j_driver, tmp_path, scale):
    generate_case(tmp_path / "case", scale=scale, seed=7)
    groups = assert_engines_agree(neo4j_driver, tmp_path / "case")
    assert groups["group_id"].nunique() >= 2
