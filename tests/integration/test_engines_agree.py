"""Both engines write the same files, byte for byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from casebuilder import (
    bought_by_leader_case,
    front_without_trades_case,
    handover_case,
    member_unit_case,
    minimal_case,
    splinter_case,
    write_case,
)
from court_cases import COURT_CASES

from casegraph.cli import main
from casegraph.generator import generate_case
from casegraph.queries.rules import ALGORITHM


def analyse_both(case, out) -> None:
    for engine in ("memory", "neo4j"):
        with pytest.raises(SystemExit) as done:
            main(["analyze", str(case), "--out", str(out / engine), "--engine", engine, "--replace"])
        assert done.value.code == 0, engine


def assert_same_files(out, other: str = "neo4j") -> None:
    """The memory engine's files in ``out/memory`` equal ``other``'s in ``out/<other>``."""
    names = ["chain.csv", "totals.csv", "income.csv", "gangs.csv", "communities.csv", "unattached.csv",
             "account_groups.csv", "fake_trades.csv", "unverified_trades.csv"]
    if (out / "memory" / "quality.csv").exists():
        names.append("quality.csv")
    for name in names:
        memory = (out / "memory" / name).read_text(encoding="utf-8")
        neo4j = (out / other / name).read_text(encoding="utf-8")
        if name == "communities.csv":
            assert ALGORITHM in memory and ALGORITHM in neo4j
        if name in ("chain.csv", "totals.csv", "income.csv", "gangs.csv", "communities.csv"):
            assert memory.count("\n") > 1, name  # account groups and fake trades may be none
        if memory != neo4j:  # show the first differing line, not two whole files
            for a, b in zip(memory.splitlines(), neo4j.splitlines()):
                assert a == b, name
            assert memory == neo4j, name


def test_engines_agree_on_the_hand_written_case(tmp_path):
    rows = minimal_case()
    rows["ledger"][7]["currency"] = "USD"
    analyse_both(write_case(tmp_path / "case", rows), tmp_path)
    assert_same_files(tmp_path)


@pytest.mark.parametrize("court_case", COURT_CASES, ids=lambda f: f.__name__)
def test_engines_agree_on_the_courts_cases(tmp_path, court_case):
    rows, _ = court_case()
    analyse_both(write_case(tmp_path / "case", rows), tmp_path)
    assert_same_files(tmp_path)


def test_engines_agree_on_a_generated_case(tmp_path):
    generate_case(tmp_path / "case", scale="tiny", seed=5)
    analyse_both(tmp_path / "case", tmp_path)
    assert_same_files(tmp_path)

def test_engines_agree_on_a_card_that_acts_as_a_client_s(tmp_path):
    """A card no entry names, whose every transfer paid the account that took a client's linked
    deposit: out of the gang on both engines (queries/memory/gangs.py client_paying_accounts)."""
    rows = minimal_case()
    rows["accounts"].append({"account_id": "BY", "kind": "bank", "institution": "某银行"})
    rows["bank_transfers"] += [{"txn_id": f"TXY{day}", "ts": f"2019-06-0{day}T09:59:00", "from_account": "BY",
                                "to_account": "BG1", "amount": "5000"} for day in range(1, 6)]
    analyse_both(write_case(tmp_path / "case", rows), tmp_path)
    assert_same_files(tmp_path)
    communities = (tmp_path / "neo4j" / "communities.csv").read_text(encoding="utf-8")
    assert "\nBG1,bank_account,0,G1," in communities and "\nBY,bank_account,,,," in communities


@pytest.mark.parametrize("card_holder, buyer_name, gang_of_p2",
                         [("PER1", "王某", "G1"), ("PER6", "王某", "G?P2"), ("PER1", None, "G1")])
def test_engines_agree_on_a_licence_paid_from_its_buyer_s_card(tmp_path, card_holder, buyer_name, gang_of_p2):
    """A licence without the buyer's phone, paid from a card whose holder has the buyer's name or
    when it names no buyer, names him (tests/test_gang_facts.py): the leader's platform is his
    gang's, on both engines."""
    analyse_both(write_case(tmp_path / "case", bought_by_leader_case(card_holder=card_holder, buyer_name=buyer_name)),
                 tmp_path)
    assert_same_files(tmp_path)
    lines = (tmp_path / "neo4j" / "communities.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[3] for line in lines if line.startswith("P2,platform,")] == [gang_of_p2]


@pytest.mark.parametrize("renewed_by, gang_of_p3", [("PER7", "G2"), ("PER1", "G1")])
def test_engines_agree_on_a_platform_handed_over_to_another_gang(tmp_path, renewed_by, gang_of_p3):
    """A platform gangs.csv lists under G1 whose latest licence G2's leader bought is G2's
    (tests/test_gang_facts.py), on both engines; renewed by G1's leader, G1's."""
    analyse_both(write_case(tmp_path / "case", handover_case(renewed_by=renewed_by)), tmp_path)
    assert_same_files(tmp_path)
    lines = (tmp_path / "neo4j" / "communities.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[3] for line in lines if line.startswith(("P3,platform,", "A31,agent,"))] == [
        gang_of_p3] * 2


def test_engines_agree_on_a_front_whose_trades_are_not_in_hand(tmp_path):
    """A platform without trades whose risk control takes clients' money is a front
    (tests/test_fake_trades.py), on both engines."""
    analyse_both(write_case(tmp_path / "case", front_without_trades_case()), tmp_path)
    assert_same_files(tmp_path)
    lines = (tmp_path / "neo4j" / "gangs.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = next(line.split(",") for line in lines if line.startswith("G?P2,"))
    assert row[header.index("is_fraud")] == "true"


@pytest.mark.parametrize("agents_persons", [True, False], ids=["leader_is_agent", "found_by_staff"])
def test_engines_agree_on_a_member_unit(tmp_path, agents_persons):
    """A member unit on the master's platform that gangs.csv lists (tests/test_member_units.py):
    a gang of its own, its subtree's figures and its listed staff, on both engines; where the
    platform's agents have no persons, the unit is the listed gang by the staff it holds."""
    analyse_both(write_case(tmp_path / "case", member_unit_case(listed=True, agents_persons=agents_persons)), tmp_path)
    assert_same_files(tmp_path)
    assert "\nG2,G2,湖北省," in (tmp_path / "neo4j" / "gangs.csv").read_text(encoding="utf-8")
    lines = (tmp_path / "neo4j" / "communities.csv").read_text(encoding="utf-8").splitlines()
    staff = "PER9" if agents_persons else "PER8"
    assert [line.split(",")[3] for line in lines if line.startswith(f"{staff},person,")] == ["G2"]


def test_engines_agree_on_a_member_unit_paying_an_aggregator(tmp_path):
    """A unit whose clients pay part of their deposits into a payment company's account that a
    team of the master pays into too (tests/test_member_units.py): a gang of its own on both engines."""
    analyse_both(write_case(tmp_path / "case", member_unit_case(aggregator="beside")), tmp_path)
    assert_same_files(tmp_path)
    lines = (tmp_path / "neo4j" / "communities.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[3] for line in lines if line.startswith("U1,agent,")] == ["G?U1"]


def test_engines_agree_on_staff_who_left_for_a_platform_of_their_own(tmp_path):
    """A manager who left a known gang to lead a platform of his own, and the agents who
    followed him (tests/test_gang_facts.py): that platform's gang on both engines, which read
    the roles' periods (memberships, agents' joined_on/left_on) each their own way."""
    analyse_both(write_case(tmp_path / "case", splinter_case()), tmp_path)
    assert_same_files(tmp_path)
    lines = (tmp_path / "neo4j" / "communities.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[3] for line in lines if line.startswith(("PERS,person,", "PERF1,person,"))] == ["G?P2"] * 2


@pytest.mark.parametrize("generator, arguments", [
    ("independent", ["--seed", "5", "--gangs", "8", "--clients", "2500"]),
    ("independent2", ["--seed", "3", "--gangs", "8", "--clients", "2500"]),
    ("independent3", ["--seed", "3", "--gangs", "8", "--clients", "2500"]),
    ("independent4", ["--seed", "3", "--gangs", "8", "--clients", "2500"]),
    ("independent5", ["--seed", "3", "--gangs", "10", "--clients", "2500"])],
    ids=["first", "second", "third", "fourth", "fifth"])
def test_engines_agree_on_the_independently_written_cases(tmp_path, generator, arguments):
    """Small cases of tests/independent/ to independent5/ (8 gangs, 2,500 clients each; the
    fifth's 10 gangs are two masters with a member unit each): habits casegraph's authors did
    not choose (see tests/test_independent_case.py); the fourth's broker statements cover
    windows of days (23,126 unverified trades, 7,923 fake ones)."""
    subprocess.run([sys.executable, str(Path(__file__).parents[1] / generator / "make_case.py"),
                    "--out", str(tmp_path / "case"), *arguments], check=True, stdout=subprocess.DEVNULL)
    analyse_both(tmp_path / "case", tmp_path)
    assert_same_files(tmp_path)


# The seed-scale case: in test_playbooks.py, which has it loaded and analysed in Neo4j.
