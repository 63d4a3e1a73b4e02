"""Discovery and figures on cases casegraph's authors did not write: tests/independent/,
tests/independent2/ and tests/independent3/ are case generators written from shared/ alone (domain.md, case-format.md,
contract.md) by authors who never read casegraph's code, each with habits of its own (their
NOTES.md). The first: ids in many styles, GB18030 and BOM files, a cash pseudo-account every
gang pays out to, a payment company and dealers serving several gangs, shops and landlords the
staff pay, client cards with no known holder, platforms recorded as fake, several fronts and
gangs of very uneven size. The second, written to differ from the first: card dealers renting
cards to several gangs, clients of two gangs, staff who moved to another gang, a carrier's NAT
and an internet café that thousands log in from, many tiny gangs beside one of six and one of
seven platforms that gangs.csv lists only in part, gangs without memberships, logins or trades,
an underground bank that pays leaders back on cards of their own, groups whose controller pays
the lenders who fund the broker accounts, traders who react to groups' bursts.

Targets: every gang found with its province at a reachable ARI of at least ``min_ari``, no client made a
member and at most :data:`MAX_OUTSIDER_SHARE` of the entities other outsiders (shops,
landlords, neighbours, the payment company: truth puts them in no gang), the account groups at
pairwise F1 of at least ``min_groups_f1``, every front flagged and no other, and every client
figure equal to the generator's own to the fen (and every gang's, where the generator writes them).

Measured, the first generator: reachable ARI 0.970 and 0.987 with 49 and 59 outsiders in gangs
when this was written; since parts of a gang held to it by one payment stay out and a payment
company's accounts join no gang, 0.9989 and 0.9995 with 3 and 3; groups F1 0.967 and 0.955,
the figures all equal. Its third case (34 gangs, 60,000 clients): 32 gangs found (a gang of one
fake platform inside the largest, so its front flagged on the wrong gang), reachable ARI 0.930,
199 outsiders, groups F1 0.920; with the hubs several gangs share taken out of community
detection and a payment channel of three or more gangs a money service, 34 gangs, 0.9985, 21,
0.996; with the cards that act as clients' cards out of the gangs, 1.0000, 0 outsiders. The
second generator, first run (88fe24e): reachable ARI 0.754 and 0.801, 22 of 24 and 22 of 30
gangs, groups F1 0.560 and 0.786; with the staff's cards bound to their gang, the platforms a known leader
bought his gang's, a controller's card that funds lenders kept with his gang, and an office
address or a reacting trader joining no two groups: 0.986 and 0.955, 22 of 24 and 28 of 30
(tiny gangs that share a landlord were one community), groups F1 0.913 and 0.987; with a
landlord several gangs pay a hub though his own person sits in one of them, 24 of 24 and 30 of
30, 0.987 and 0.955; controllers 1 of 6 and 2 of 14, with the holder of the account that paid
the lenders who funded the group's accounts 6 of 6 and 14 of 14; the figures all equal. With
a trader who reacts to one group's orders in none, groups F1 1.000 in every case of the second
generator here (its target raised from 0.9 to 0.99). With a licence's buyer named by his phone
where the vendor's record gives no name, the seed-2 cases 0.955 -> 0.992 (a gang's seventh
platform was a gang of its own): every gang of the second generator holds exactly its
platforms and its figures are the generator's (min_ari 0.95 -> 0.98). The third (README, "A
third generator"): first run 15 of 26 gangs, reachable ARI 0.630, 973 outsiders, groups F1
0.674; with a node serving three separate staffs no witness, platforms sharing three staff one
gang's, and hubs weighed over bound members too, 26 of 26 with province, 0.967, 150, 0.674,
every figure the generator's; with two synchronised orders linking no pair and the vendor's
login addresses no evidence, groups F1 0.674 -> 0.786 (min_groups_f1 0.65 -> 0.75); with a
barely bound community's members held only by ties to anchored nodes, 0.970 and 4 outsiders.
With the broker accounts a platform's orders go through (not stated in its accounts.csv) no
group, and on an address others use too only accounts logged into in one sitting linked,
groups F1 0.786 -> 0.889 (min_groups_f1 0.75 -> 0.85); its 34-gang case 0.766 -> 0.974, and
at 60,000 clients 0.468 -> 0.964 (café regulars had outnumbered the true groups).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from casegraph.loaders.case import load_case
from casegraph.queries.memory.engine import analyze_case

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
from discovery import discovery_scores  # noqa: E402

TESTS = Path(__file__).parent
# Outsiders in gangs, per entity truth/gangs.csv lists (2,423 to 234,656 of them).
MAX_OUTSIDER_SHARE = 1 / 20_000


@dataclass(frozen=True)
class Targets:
    make_case: Path
    min_ari: float
    min_groups_f1: float
    # Every true group's controller found (the first generator's: 4 of 5, 6 of 7, 3 of 4 groups:
    # two cards fund its groups, and no record tells the controller's from the nominee's).
    every_controller: bool = False
    # Its truth/expected_gangs.csv holds each gang's figures (the second and third generators' do).
    gang_figures: bool = False
    # Outsiders in gangs, per entity truth/gangs.csv lists.
    max_outsider_share: float = MAX_OUTSIDER_SHARE
    # Gangs that may be missed (found merged with another, or with no platform to be found by).
    max_gangs_missed: int = 0
    # Every fraud front flagged and no other.
    fronts: bool = True
    # Its real platforms' broker statements cover a window of days only: their orders outside it
    # are unverified trades (the fourth's).
    statement_windows: bool = False

    def generate(self, folder: Path, arguments: list[str]) -> None:
        """Write the generator's case into ``folder`` (its make_case.py, given ``arguments``)."""
        subprocess.run([sys.executable, str(self.make_case), "--out", str(folder), *arguments], check=True,
                       stdout=subprocess.DEVNULL)

    def shortfalls(self, scores: dict, *, entities: int) -> dict[str, list[str]]:
        """The floors ``scores`` (bench/discovery.py discovery_scores) fall short of, by part
        (``gangs``, ``groups``), each named; ``entities``: how many truth/gangs.csv lists."""
        gangs = (("every gang found with its province", scores["gangs_found"] == scores["gangs_found_with_province"]),
                 ("gangs missed", scores["gangs_found"] >= scores["truth_gangs"] - self.max_gangs_missed),
                 ("reachable ARI", scores["ari_reachable"] >= self.min_ari),
                 ("clients in gangs", scores["clients_made_members"] == 0),
                 ("outsiders in gangs", scores["outsiders_made_members"] <= self.max_outsider_share * entities))
        groups = (("groups F1", scores["groups_f1"] >= self.min_groups_f1),
                  ("controllers", scores["controllers_right"] or not self.every_controller),
                  ("fronts", scores["fraud_right"] or not self.fronts))
        return {part: [name for name, held in floors if not held] for part, floors in (("gangs", gangs),
                                                                                        ("groups", groups))}


FIRST = Targets(TESTS / "independent" / "make_case.py", min_ari=0.99, min_groups_f1=0.95)
SECOND = Targets(TESTS / "independent2" / "make_case.py", min_ari=0.98, min_groups_f1=0.99, every_controller=True,
                 gang_figures=True)
# The third, written to differ from both: what holds on it so far. Its account groups (a group
# of client accounts a studio boss in no gang runs on two gangs' platforms; sub-accounts of two
# gangs whose bundled orders fire together) are open (README, "A third generator"), and a few
# ordinary people still sit in gangs (4 of 68,443 entities). Its household pairs on one home
# line were groups until an account needed a second tie (evidence.without_lone_ties): groups F1
# 0.889-0.970 -> 0.892-0.980 on six seeds (min_groups_f1 0.85 -> 0.88).
THIRD = Targets(TESTS / "independent3" / "make_case.py", min_ari=0.96, min_groups_f1=0.88, gang_figures=True,
                max_outsider_share=1 / 10_000)
# The fourth, written to differ from the three: gangs that split, a platform sold to another
# gang (gangs.csv still gives it to the seller), a gang with no platform at all, a freelancer
# agent of two gangs, the vendor's own gang; every client and platform figure is the
# generator's to the fen, but the split's two gangs are one, the sold platform stays with its
# seller, the platformless gang is not found (README, "A fourth generator"): what holds so far,
# as a floor. The sold platform's fake trades, found trade for trade, flagged its seller's gang;
# now that the platform whose latest licence the buyer's leader bought is the buyer's
# (communities.handed_over), judged on its trades from its first fake one on (rules.finish_fraud),
# the fronts are right on seeds 1, 21, 22, 31 and 33 (on 32 the gang fake from the start is found
# merged with two others). Households sharing a home line and PC were groups until an account
# needed a second tie (evidence.without_lone_ties): groups F1 0.914-0.932 -> 0.950-0.962 on six
# seeds (min_groups_f1 0.90 -> 0.94). Strangers who meet at a
# market's busy instants were groups too until their own hours were counted
# (evidence.beyond_habits): groups F1 0.760 -> 0.930 (min_groups_f1 0.75 -> 0.90). The
# landlords and families its staff pay sat in their gangs until they were told by the
# direction of the money, voting for their gangs' provinces from outside (communities.
# personal_contacts, province_voters): ARI 0.748 -> 0.940, outsiders 672 -> 170 (min_ari 0.74 ->
# 0.93, max_outsider_share 1/75 -> 1/250, max_gangs_missed 6 -> 5). Those who hang on a member
# whom only evidence joined too, paid by his card and tied to the gang by nothing else, left
# with the trees hanging on a gang by one member's money (communities.money_pendants):
# outsiders 170 -> 68, ARI 0.940 -> 0.959 (min_ari 0.93 -> 0.95, max_outsider_share 1/250 -> 1/700).
FOURTH = Targets(TESTS / "independent4" / "make_case.py", min_ari=0.95, min_groups_f1=0.94,
                 max_outsider_share=1 / 700, max_gangs_missed=5, statement_windows=True)
# The fifth, written to differ from the four: member units (会员单位), gangs in other provinces
# with no platform of their own, each running an agent subtree on a master gang's platform
# with its own cards and staff, paying the master a share of its fees; a hybrid A/B-book
# platform whose kind says real; banks that never answered; a back end that kept one year.
# Every client, agent and platform figure is the generator's to the fen. Each master was found
# with its two units (21 of 27 gangs) until the units were told apart by their money
# (queries/units.py): 27 of 27 on seeds 1 and 22, 25 on seed 21, where a unit's clients pay
# most of their deposits to a payment company's account its master's clients pay too
# (reachable ARI 0.850, 0.923, 0.820). The agents of a platform exported without their persons,
# whose cards the gang's finance card paid every month, hung on the gang by that card's money
# alone and were set apart until a card paying nine such trees six times each was taken for a
# payroll (communities.money_pendants): reachable ARI 0.884, 0.923, 0.880.
FIFTH = Targets(TESTS / "independent5" / "make_case.py", min_ari=0.87, min_groups_f1=0.99, max_gangs_missed=2)
# The first generator's defaults (20 gangs, 6,000 clients), a larger case, and one of 34 gangs
# at 60,000 clients (three times our seed scale's clients per gang: at this volume modularity
# merged a small gang with the largest through the cash desk and dealers); the second's
# defaults (24 gangs, 8,000 clients), a larger case and one of 34 gangs at 60,000 clients (there
# five gangs of one platform were one through the shops and landlords they all pay: 29 of 34);
# and the first two without logins.csv (a case before the platforms' access logs are seized:
# there a trader who reacts to three groups' bursts made them one, groups F1 0.560, and seven
# tiny gangs were two, 23 of 30).
CASES = {"seed-1": (FIRST, ["--seed", "1"]), "seed-2": (FIRST, ["--seed", "2", "--gangs", "30", "--clients", "12000"]),
         "seed-4": (FIRST, ["--seed", "4", "--gangs", "34", "--clients", "60000"]),
         "second-seed-1": (SECOND, ["--seed", "1"]),
         "second-seed-1-without-logins": (SECOND, ["--seed", "1"], ["logins.csv"]),
         "second-seed-2": (SECOND, ["--seed", "2", "--gangs", "30", "--clients", "15000"]),
         "second-seed-2-without-logins": (SECOND, ["--seed", "2", "--gangs", "30", "--clients", "15000"],
                                          ["logins.csv"]),
         "second-seed-7-large": (SECOND, ["--seed", "7", "--gangs", "34", "--clients", "60000"]),
         # gangs.csv leaves the big gang's leader empty: memberships.csv alone names him.
         "second-seed-22": (SECOND, ["--seed", "22"]),
         "third-seed-1": (THIRD, ["--seed", "1"]),
         "fourth-seed-1": (FOURTH, ["--seed", "1"]),
         # Runner cards that took two gangs' deposits, and passed them on, made them one before.
         "fourth-seed-22": (FOURTH, ["--seed", "22"]),
         "fifth-seed-1": (FIFTH, ["--seed", "1"])}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=sorted(CASES))
def analysed(request, tmp_path_factory):
    targets, arguments, *without = CASES[request.param]
    folder = tmp_path_factory.mktemp("independent") / request.param
    targets.generate(folder, arguments)
    for file in [name for names in without for name in names]:
        (folder / file).unlink()
    case = load_case(folder)
    return case, analyze_case(case), targets


def truth_entities(case_dir: Path) -> int:
    """How many entities the case's truth/gangs.csv lists (what the outsiders' share is of)."""
    return len(pd.read_csv(case_dir / "truth" / "gangs.csv", usecols=["entity_id"]))


def test_every_gang_found_with_its_province_and_no_client_in_one(analysed):
    case, tables, targets = analysed
    scores = discovery_scores(case, tables)
    assert targets.shortfalls(scores, entities=truth_entities(case.path))["gangs"] == [], scores


def test_account_groups_and_fronts(analysed):
    case, tables, targets = analysed
    scores = discovery_scores(case, tables)
    assert targets.shortfalls(scores, entities=truth_entities(case.path))["groups"] == [], scores


def test_no_real_trade_is_fake(analysed):
    """Where the generator lists its fake trades (the fourth's and fifth's
    truth/fake_trades.csv), every trade of fake_trades.csv is one, and all but a few are found:
    the fourth's real platforms whose broker statements cover a window only routed 42,302
    orders outside it, which were fake trades and made five of them fronts before (now
    unverified_trades.csv: casegraph.queries.order_numbers). A made-up number that falls among
    the broker's own is not told from them (9 of 3,718)."""
    case, tables, targets = analysed
    listed = case.path / "truth" / "fake_trades.csv"
    if not listed.is_file():
        return
    expected = set(pd.read_csv(listed, dtype=str)["trade_id"])
    found = set(tables["fake_trades"]["trade_id"])
    assert found <= expected and len(found) >= 0.99 * len(expected)
    if targets.statement_windows:
        assert len(tables["unverified_trades"]) > len(expected)


def test_every_client_figure_is_the_generator_s_to_the_fen(analysed):
    case, tables, _ = analysed
    expected = pd.read_csv(case.path / "truth" / "expected_clients.csv", dtype=str,
                           keep_default_na=False).set_index("client_id")
    totals = tables["totals"]
    ours = totals[totals["node_type"] == "client"].set_index("node_id").reindex(expected.index)
    columns = [column for column in expected.columns if column in ours.columns]
    assert len(columns) == 11
    for column in columns:
        assert (ours[column].astype("Int64") == _fen(expected[column])).all(), column


# The money summed over a platform's or a gang's clients, as the generators that write them name it.
SUMMED_MONEY = ("deposits", "withdrawals", "fees", "overnight_fees", "rebates_paid", "commissions_paid",
                "trading_pnl", "net_deposit", "client_loss", "client_losses", "fresh_money", "turnover")


def test_every_platform_figure_is_the_generator_s_to_the_fen(analysed):
    """Where the generator writes its platforms' figures (the third's, fourth's and fifth's
    truth/expected_platforms.csv), every platform's counts and money are the generator's."""
    case, tables, _ = analysed
    listed = case.path / "truth" / "expected_platforms.csv"
    if not listed.is_file():
        return
    expected = pd.read_csv(listed, dtype=str, keep_default_na=False).set_index("platform_id")
    totals = tables["totals"]
    ours = totals[totals["node_type"] == "platform"].set_index("node_id").reindex(expected.index)
    for column in ("n_agents", "agent_depth", "n_clients"):
        assert ours[column].astype("Int64").tolist() == expected[column].astype(int).tolist(), column
    money = [column for column in SUMMED_MONEY if column in expected.columns]
    assert len(money) >= 11
    for column in money:
        assert (ours[column].astype("Int64") == _fen(expected[column])).all(), column


def test_every_gang_has_its_platforms_and_the_generator_s_figures_to_the_fen(analysed):
    """Where the generator writes its gangs' figures (the second: truth/expected_gangs.csv),
    each gang found holds exactly its platforms, and its province, fraud flag, counts and
    money are the generator's (a gang of seven platforms whose seventh licence the vendor
    recorded with the leader's phone and no name lost that platform, and its figures)."""
    case, tables, targets = analysed
    if not targets.gang_figures:
        return
    expected = pd.read_csv(case.path / "truth" / "expected_gangs.csv", dtype=str, keep_default_na=False)
    platforms = "platform_ids"
    expected = expected.set_index(expected[platforms].map(_platform_set))
    ours = tables["gangs"]
    ours = ours.set_index(ours[platforms].map(_platform_set)).reindex(expected.index)
    assert ours["gang_id"].notna().all(), list(expected.index[ours["gang_id"].isna()])
    assert ours["province"].tolist() == expected["province"].tolist()
    assert ours["is_fraud"].map({True: "true", False: "false"}).tolist() == expected["is_fraud"].tolist()
    for column in ("n_agents", "n_clients"):
        assert ours[column].tolist() == expected[column].astype(int).tolist(), column
    money = [column for column in SUMMED_MONEY if column in expected.columns]
    assert len(money) == 12
    for column in money:
        assert ours[column].tolist() == _fen(expected[column]).tolist(), column


def _fen(yuan: pd.Series) -> pd.Series:
    return yuan.map(lambda text: int(Decimal(text) * 100))


def _platform_set(platform_ids: str) -> str:
    return ";".join(sorted(platform_ids.split(";")))
