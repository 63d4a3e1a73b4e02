"""Member units (会员单位): a gang that runs a subtree of agents on another gang's platform is
a gang of its own, with its clients' figures, and a team of the platform's own gang is none
(queries/units.py)."""

from __future__ import annotations

import pytest
from casebuilder import CASE_YAML, member_unit_case, write_case

from casegraph.loaders.case import load_case
from casegraph.queries.memory.engine import analyze_case
from casegraph.queries.rules import CLIENT_FIGURES

# Hubei's own "especially serious" figure: the severity of a unit's amounts says whose province counts.
HUBEI_FIGURE = CASE_YAML + "  especially_serious:\n    湖北省: 100000\n"


def analysed(tmp_path, **shape) -> dict:
    return analyze_case(load_case(write_case(tmp_path / "case", member_unit_case(**shape), case_yaml=HUBEI_FIGURE)))


def test_a_member_unit_is_a_gang_of_its_own_with_its_clients_figures(tmp_path):
    """A fifth case written independently of casegraph: each master gang was found with its two
    member units, gangs of other provinces whose agents, cards and clients were all bound to the
    master's platform. The unit's clients pay into cards no other part of the platform uses and
    that money does not meet the master's: its subtree, cards and staff are a gang of its own,
    in its own province, holding no platform, its figures its subtree's clients', the master's
    the rest of the platform's, both adding up to the platform's to the fen; its agents' amounts
    are judged by its province's figures."""
    tables = analysed(tmp_path)
    gangs = tables["gangs"].set_index("gang_id")
    assert sorted(gangs.index) == ["G1", "G?U1"]
    assert gangs.loc["G?U1", "province"] == "湖北省" and gangs.loc["G1", "province"] == "上海市"
    assert gangs.loc["G1", "platform_ids"] == "P1" and gangs["platform_ids"].isna()["G?U1"]
    assert gangs.loc["G?U1", ["n_clients", "n_agents", "deposits", "fees"]].tolist() == [10, 2, 35_000_000, 300_000]
    totals = tables["totals"].set_index(["node_type", "node_id"])
    platform = totals.loc[("platform", "P1")]
    for column in ("n_clients", "n_agents", *CLIENT_FIGURES):
        assert gangs[column].sum() == platform[column], column
        assert totals.loc[("gang", "G?U1"), column] == gangs.loc["G?U1", column], column
    members = tables["communities"].dropna(subset=["gang_id"]).set_index("entity_id")["gang_id"]
    assert members[["U1", "U2", "PER7", "PER8", "BU1", "BU2", "BUF"]].tolist() == ["G?U1"] * 7
    assert members[["A3", "PER6", "BG1", "P1"]].tolist() == ["G1"] * 4
    income = tables["income"]
    unit_fees = income[(income["subject_id"] == "G?U1") & (income["method"] == "fees") & income["window_start"].isna()]
    assert unit_fees["amount"].tolist() == [300_000]
    deposits = income[income["method"].eq("gross_deposits") & income["window_start"].isna()].set_index("subject_id")
    assert deposits.loc[["U1", "A3"], "amount"].tolist() == [35_000_000] * 2
    assert "湖北省 figure" in deposits.loc["U1", "severity"] and "湖北省" not in deposits.loc["A3", "severity"]
    chain = tables["chain"].set_index("platform_id")
    assert chain.loc["P1", "gang_id"] == "G1"


@pytest.mark.parametrize("shape", [{"sweeps_to_master": True}, {"unit_clients": 6}],
                         ids=["cards-swept-into-the-master-s", "too-few-entries"])
def test_a_team_of_the_platform_s_gang_is_no_unit(tmp_path, shape):
    """A team whose clients pay into a card of its own that is emptied into the gang's accounts,
    as the platform's other cards are, is the gang's (a fourth case written independently of
    casegraph: a subtree's cards, 94 % its own, paid half of their payees in common with the rest
    of its platform's). So is a subtree of six clients on a card of its own: 18 entries, what
    chance makes of a small team."""
    gangs = analysed(tmp_path, **shape)["gangs"]
    assert gangs["gang_id"].tolist() == ["G1"]
    assert gangs["platform_ids"].tolist() == ["P1"]


@pytest.mark.parametrize("aggregator, gang_ids", [("beside", ["G1", "G?U1"]), ("everyone", ["G1"])])
def test_an_aggregator_some_teams_pay_into_keeps_no_unit_in_its_master(tmp_path, aggregator, gang_ids):
    """A fifth case on a seed nobody had looked at (33): two units of one master whose clients
    paid part of their deposits into the same payment company's account, which settled each
    unit's money to its own finance card, were the master's: the money of each met the other's
    in that account (0.68 and 0.94 of their entries through accounts of their own). An
    aggregator collects for each merchant that signs up with it; what a gang's teams all pay
    into is the gang's own channel, and a team that pays there too is the gang's."""
    tables = analysed(tmp_path, aggregator=aggregator)
    assert sorted(tables["gangs"]["gang_id"]) == gang_ids
    members = tables["communities"].dropna(subset=["gang_id"]).set_index("entity_id")["gang_id"]
    assert members[["U1", "BU1", "BUF"]].tolist() == [gang_ids[-1]] * 3
    assert members[["A3", "A4", "BG1"]].tolist() == ["G1"] * 3


def test_without_the_agents_figures_no_gang_s_money_is_made_up(tmp_path):
    """Asked for gang discovery and the platforms' figures alone, a member unit's figures and
    its master's are unknown, never the whole platform's for the master."""
    case = load_case(write_case(tmp_path / "case", member_unit_case()))
    gangs = analyze_case(case, questions=["gang_evidence", "platform_totals"])["gangs"].set_index("gang_id")
    assert sorted(gangs.index) == ["G1", "G?U1"]
    assert gangs[["n_clients", "deposits"]].isna().all().all()


def test_a_member_unit_gangs_csv_lists_keeps_its_id_and_its_staff(tmp_path):
    """gangs.csv lists one unit of each master of the fifth case, with its leader and no
    platform: the unit whose top-level agent that leader is keeps the listed id and province,
    and the staff its memberships name are its members with the cards they hold, who answer
    for its clients, all time and during their tenure (the fifth's listed unit's finance
    officer, manager and salesmen answered for none)."""
    tables = analysed(tmp_path, listed=True)
    gangs = tables["gangs"].set_index("gang_id")
    assert sorted(gangs.index) == ["G1", "G2"]
    assert gangs.loc["G2", "known_gang_id"] == "G2" and gangs.loc["G2", "province"] == "湖北省"
    assert gangs.loc["G2", "n_clients"] == 10
    members = tables["communities"].dropna(subset=["gang_id"]).set_index("entity_id")["gang_id"]
    assert members[["PER7", "PER9", "BU3", "U1"]].tolist() == ["G2"] * 4
    income = tables["income"]
    finance = income[income["subject_id"].eq("PER9") & income["method"].eq("gross_deposits")]
    assert finance["window_start"].isna().tolist() == [True, False]
    assert finance["amount"].tolist() == [35_000_000, 35_000_000]


def test_a_unit_gangs_csv_lists_is_found_by_its_staff_where_no_agent_names_its_leader(tmp_path):
    """The fifth case's other listed unit works a platform exported without its agents'
    persons: nothing says its leader is the unit's top-level agent, and its gang was found
    under the top agent's id (G?U1), its listed id and province in no output. The unit's gang
    holds the leader and the salesman memberships.csv names, two of the three persons gangs.csv
    and memberships.csv name: it is the listed gang. Where only the leader is named, one person
    says nothing and the gang keeps its found id."""
    tables = analysed(tmp_path, listed=True, agents_persons=False)
    gangs = tables["gangs"].set_index("gang_id")
    assert sorted(gangs.index) == ["G1", "G2"]
    assert gangs.loc["G2", "known_gang_id"] == "G2" and gangs.loc["G2", "province"] == "湖北省"
    assert gangs.loc["G2", "n_clients"] == 10
    members = tables["communities"].dropna(subset=["gang_id"]).set_index("entity_id")["gang_id"]
    assert members[["PER7", "PER8", "U1", "BU1"]].tolist() == ["G2"] * 4

    rows = member_unit_case(listed=True, agents_persons=False)
    rows["memberships"] = [row for row in rows["memberships"] if row["org_id"] != "G2"]
    alone = analyze_case(load_case(write_case(tmp_path / "leader-only", rows, case_yaml=HUBEI_FIGURE)))
    assert sorted(alone["gangs"]["gang_id"]) == ["G1", "G?U1"]
