"""Fake trades and the fraud front (memory engine): against truth/ on generated cases, and
exactly on a hand-written case extended from ``casebuilder.minimal_case()``."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest
from casebuilder import front_without_trades_case, minimal_case, turned_front_case, write_case
from test_account_groups import read_csv, shuffled_copy

from casegraph.cli import main
from casegraph.loaders.case import load_case
from casegraph.queries.memory.engine import analyze_case
from casegraph.queries.memory.fake_trades import fake_trades, platform_fraud
from casegraph.queries.rules import CHECKED_COLUMNS, FRAUD_COLUMNS, fake_of_checked, unverified_of_checked

CASES = [pytest.param(("tiny", 7), id="tiny-7"), pytest.param(("small", 7), id="small-7"),
         pytest.param(("seed", 7), id="seed-7", marks=pytest.mark.slow)]


@pytest.fixture(scope="module", params=CASES)
def generated(request, generated_case):
    folder = generated_case(*request.param).folder
    case = load_case(folder)
    fake = fake_trades(case)
    return folder, fake, platform_fraud(case, fake)


def fraud_platforms(folder) -> set[str]:
    """The platforms of the gang truth/gangs.csv marks as the fraud front."""
    truth = read_csv(folder / "truth" / "gangs.csv")
    return set(truth.loc[(truth["entity_type"] == "platform") & (truth["is_fraud"] == "true"), "entity_id"])


def test_the_fraud_platform_and_no_other(generated):
    folder, _, fraud = generated
    assert len(fraud_platforms(folder)) == 1
    assert set(fraud.index[fraud["is_fraud"]]) == fraud_platforms(folder)


def test_fake_trades_are_the_fraud_platforms_trades(generated):
    """Every trade of the front is fake (no reference, or one the broker never saw); every
    other platform's trade reached the broker."""
    folder, fake, fraud = generated
    trades = read_csv(folder / "trades.csv")
    accounts = read_csv(folder / "accounts.csv").set_index("account_id")
    platform = trades["account_id"].map(accounts["platform_id"])
    front = trades[platform.isin(fraud_platforms(folder))]
    assert sorted(fake["trade_id"]) == sorted(front["trade_id"])
    expected_reason = front["broker_ref"].eq("").map({True: "no_broker_ref", False: "broker_ref_not_on_statement"})
    assert dict(zip(fake["trade_id"], fake["reason"])) == dict(zip(front["trade_id"], expected_reason))
    assert set(fake["reason"]) == {"no_broker_ref", "broker_ref_not_on_statement"}
    assert fraud.loc[list(fraud_platforms(folder)), "fake_share"].tolist() == [1.0]


def test_a_generated_case_whose_statements_cover_windows_has_the_same_fake_trades(generated_case):
    """Generator variant statement_windows: the statements in hand of a third of the real
    platforms cover the middle third of their span. Their orders outside it are unverified,
    each one whose fill is not written; the fake trades are the front's, as in the default case."""
    windowed, default = generated_case("small", 7, ("statement_windows",)), generated_case("small", 7)
    checked = fake_trades(load_case(windowed.folder))
    pd.testing.assert_frame_equal(fake_of_checked(checked), fake_of_checked(fake_trades(load_case(default.folder))))
    trades = read_csv(windowed.folder / "trades.csv")
    shown = set(read_csv(windowed.folder / "broker_fills.csv")["broker_ref"])
    front = trades["account_id"].map(read_csv(windowed.folder / "accounts.csv").set_index("account_id")["platform_id"])
    unshown = trades[trades["broker_ref"].ne("") & ~trades["broker_ref"].isin(shown)
                     & ~front.isin(fraud_platforms(windowed.folder))]
    assert len(unshown) > 1000
    assert sorted(unverified_of_checked(checked)["trade_id"]) == sorted(unshown["trade_id"])


def test_fake_losses_of_the_front_are_its_client_losses(generated):
    """All of the front's trades are fake, so its clients lost on fake trades all they lost."""
    folder, _, fraud = generated
    truth = read_csv(folder / "truth" / "expected_platforms.csv").set_index("platform_id")
    for platform in fraud_platforms(folder):
        expected = int(truth.loc[platform, "client_losses"].replace(".", ""))
        assert expected > 0 and fraud.loc[platform, "fake_trade_losses"] == expected
    assert (fraud.loc[~fraud["is_fraud"], "fake_trade_losses"] == 0).all()


def test_same_results_when_rows_are_shuffled(generated, tmp_path):
    folder, fake, fraud = generated
    case = load_case(shuffled_copy(folder, tmp_path / "shuffled"))
    again = fake_trades(case)
    pd.testing.assert_frame_equal(again, fake)
    pd.testing.assert_frame_equal(platform_fraud(case, again), fraud)


# -- a hand-written case ---------------------------------------------------------------------------
def hand_case() -> dict[str, list[dict]]:
    """The minimal case's platform P1 (kind unknown) with four trades: TR1 (BR1, on the
    statement), TR2 of C2 without a reference, TR3 of C1 with BR9 that no statement shows, TR4
    of C2 with BR2 (on the statement); and a platform P2 recorded as ``fake`` (it routes no
    order) whose one trade TR5 is fake on that record alone."""
    rows = minimal_case()
    rows["platforms"].append({"platform_id": "P2", "vendor_id": "V1", "name": "模拟盘", "kind": "fake"})
    rows["clients"].append({"client_id": "C3", "platform_id": "P2"})
    rows["accounts"].append({"account_id": "T3", "kind": "trading", "platform_id": "P2", "client_id": "C3"})

    def trade(trade_id, account, notional, ref, instrument="CL"):
        return {"trade_id": trade_id, "ts": "2019-05-06T10:00:00", "account_id": account, "instrument": instrument,
                "side": "B", "qty": "1", "price": "60.00", "notional": notional, "broker_ref": ref}

    rows["trades"] += [trade("TR2", "T2", "1.00", ""), trade("TR3", "T1", "1000.00", "BR9"),
                       trade("TR4", "T2", "3.00", "BR2"), trade("TR5", "T3", "50.00", "")]
    rows["broker_fills"].append({"fill_id": "F2", "ts": "2019-05-06T10:00:01", "account_id": "S1",
                                 "instrument": "CL", "side": "B", "qty": "1", "price": "60.00", "broker_ref": "BR2"})
    return rows


def with_a_big_client(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Add client C4 of P1 whose loss × fake notional passes 2^63 fen² (about 1.2e24): one
    fake trade TR6 without reference, one real TR7 (BR2, on the statement)."""
    rows["clients"].append({"client_id": "C4", "platform_id": "P1"})
    rows["accounts"].append({"account_id": "T4", "kind": "trading", "platform_id": "P1", "client_id": "C4"})
    rows["ledger"] += [
        {"entry_id": "E40", "ts": "2019-05-06T10:00:00", "platform_id": "P1", "client_id": "C4", "account_id": "T4",
         "kind": "fee", "amount": "987654321.09"},
        {"entry_id": "E41", "ts": "2019-05-07T10:00:00", "platform_id": "P1", "client_id": "C4", "account_id": "T4",
         "kind": "pnl", "amount": "-123.45"},
    ]
    rows["trades"] += [
        {"trade_id": "TR6", "ts": "2019-05-06T10:00:00", "account_id": "T4", "instrument": "CL", "side": "B",
         "qty": "1", "price": "60.00", "notional": "123456789012.34", "broker_ref": ""},
        {"trade_id": "TR7", "ts": "2019-05-06T11:00:00", "account_id": "T4", "instrument": "CL", "side": "S",
         "qty": "1", "price": "60.00", "notional": "98765432109.87", "broker_ref": "BR2"},
    ]
    return rows


def big_client_share() -> int:
    """C4's share, by exact fractions: losses × fake / turnover, half away from zero."""
    losses, fake, turnover = 98765432109 + 12345, 12345678901234, 12345678901234 + 9876543210987
    share = Fraction(losses * fake, turnover)
    return int(share + Fraction(1, 2))  # positive: half up is half away from zero


def test_hand_case_fake_trades(tmp_path):
    fake = fake_trades(load_case(write_case(tmp_path / "case", hand_case())))
    assert list(fake.columns) == list(CHECKED_COLUMNS)
    # TR3's BR9 is in the broker's numbering (BR1, BR2), but S1's statement covers its time
    assert fake.astype(object).where(fake.notna(), None).values.tolist() == [
        ["TR2", "P1", "C2", 100, "no_broker_ref", None],
        ["TR3", "P1", "C1", 100000, "broker_ref_not_on_statement", "BR9"],
        ["TR5", "P2", "C3", 5000, "platform_recorded_fake", None]]


def test_a_platform_recorded_fake_is_a_front_whatever_references_its_trades_carry(tmp_path):
    """platforms.csv ``kind`` fake = no routing (case-format.md): its trades are fake even with
    a reference a statement shows, and the platform is the front of domain.md. Before, such a
    platform was not assessed at all, and its gang not flagged."""
    rows = hand_case()
    rows["trades"][-1]["broker_ref"] = "BR2"  # TR5: a reference that is on a statement
    case = load_case(write_case(tmp_path / "case", rows))
    fake = fake_trades(case)
    assert fake.set_index("trade_id").loc["TR5", "reason"] == "platform_recorded_fake"
    assert platform_fraud(case, fake).loc["P2", "is_fraud"]


def test_hand_case_platform_fraud(tmp_path):
    case = load_case(write_case(tmp_path / "case", hand_case()))
    fraud = platform_fraud(case, fake_trades(case))
    assert list(fraud.columns) == list(FRAUD_COLUMNS)
    p1, p2 = fraud.loc["P1"], fraud.loc["P2"]
    # two of four fake is half, not more than half
    assert (p1["n_trades"], p1["n_fake"], p1["fake_share"], p1["is_fraud"]) == (4, 2, 0.5, False)
    # C1: losses 6,000.50 × 1,000 / 1,401,000 = 4.282998… -> 428 fen; C2: losses 12.34 × 1 / 4 =
    # 3.085 -> 309 fen (half away from zero: 308.5 rounds up)
    assert p1["fake_trade_losses"] == 428 + 309
    assert (p2["n_trades"], p2["n_fake"], p2["is_fraud"], p2["fake_trade_losses"]) == (1, 1, True, 0)


def test_hand_case_more_than_half_fake_is_fraud(tmp_path):
    rows = hand_case()
    rows["trades"][0]["broker_ref"] = "BR404"  # TR1 now points at no execution either
    case = load_case(write_case(tmp_path / "case", rows))
    fraud = platform_fraud(case, fake_trades(case))
    assert (fraud.loc["P1", "n_fake"], fraud.loc["P1", "is_fraud"]) == (3, True)
    assert fraud.loc["P1", "fake_share"] == 0.75
    # C1's trades are all fake now: its whole loss 600050 fen counts
    assert fraud.loc["P1", "fake_trade_losses"] == 600050 + 309


def test_fake_losses_stay_exact_beyond_64_bits(tmp_path):
    case = load_case(write_case(tmp_path / "case", with_a_big_client(hand_case())))
    fraud = platform_fraud(case, fake_trades(case))
    assert big_client_share() > 10**10
    assert fraud.loc["P1", "fake_trade_losses"] == 428 + 309 + big_client_share()


def test_without_statements_only_missing_references_are_fake(tmp_path):
    rows = hand_case()
    rows["broker_fills"] = []
    fake = fake_trades(load_case(write_case(tmp_path / "case", rows)))
    assert fake["trade_id"].tolist() == ["TR2", "TR5"]


# -- statements in hand for a period only --------------------------------------------------------
def statement_window_case() -> dict[str, list[dict]]:
    """The hand case with orders outside what the statements in hand cover: S1's statement
    runs from BR1's fill (5 April) to BR2's (6 May). P1's TR8 (10 June) carries the broker's
    next number, BR3, TR9 (11 June) a number 7,000 steps away. P3, whose orders no statement
    shows at all, routed TR10 and TR11 (BR4, BR5). P4 wrote BR6 on TR12 and no reference on TR13
    and TR14: a front none of whose orders a statement shows, whose numbers that look like the
    broker's are copies. P5 routed TR15 (BR8, on S2's statement of 1 June) and turned front
    later: TR16 and TR17 without reference, TR18 with a made-up number, and TR19 with BR10, an
    order outside S2's statement that may be real."""
    rows = hand_case()
    for platform, client, account in (("P3", "C5", "T5"), ("P4", "C6", "T6"), ("P5", "C7", "T7")):
        rows["platforms"].append({"platform_id": platform, "vendor_id": "V1", "name": platform})
        rows["clients"].append({"client_id": client, "platform_id": platform})
        rows["accounts"].append({"account_id": account, "kind": "trading", "platform_id": platform,
                                 "client_id": client})

    def trade(trade_id, account, ts, ref):
        return {"trade_id": trade_id, "ts": ts, "account_id": account, "instrument": "CL", "side": "B", "qty": "1",
                "price": "60.00", "notional": "10.00", "broker_ref": ref}

    rows["trades"] += [trade("TR8", "T1", "2019-06-10T10:00:00", "BR3"),
                       trade("TR9", "T1", "2019-06-11T10:00:00", "BR7002"),
                       trade("TR10", "T5", "2019-06-12T10:00:00", "BR4"),
                       trade("TR11", "T5", "2019-06-12T11:00:00", "BR5"),
                       trade("TR12", "T6", "2019-06-13T10:00:00", "BR6"),
                       trade("TR13", "T6", "2019-06-13T11:00:00", ""),
                       trade("TR14", "T6", "2019-06-13T12:00:00", ""),
                       trade("TR15", "T7", "2019-06-01T10:00:00", "BR8"),
                       trade("TR16", "T7", "2019-06-20T10:00:00", ""),
                       trade("TR17", "T7", "2019-06-20T11:00:00", ""),
                       trade("TR18", "T7", "2019-06-20T12:00:00", "BR9000"),
                       trade("TR19", "T7", "2019-06-21T10:00:00", "BR10")]
    rows["accounts"].append({"account_id": "S2", "kind": "sub", "parent_account_id": "M1"})
    rows["broker_fills"].append({"fill_id": "F3", "ts": "2019-06-01T10:00:01", "account_id": "S2",
                                 "instrument": "CL", "side": "B", "qty": "1", "price": "60.00", "broker_ref": "BR8"})
    return rows


def test_orders_outside_the_statements_in_hand_are_unverified_not_fake(tmp_path):
    """A real platform's orders outside the period its broker statement covers are no fake
    trades (a fourth independently written case: 42,302 of them, which made five real
    platforms fronts); a made-up number, an order the statement's period covers, and a front's
    copied numbers still are."""
    case = load_case(write_case(tmp_path / "case", statement_window_case()))
    checked = fake_trades(case)
    fake, unverified = fake_of_checked(checked), unverified_of_checked(checked)
    assert unverified[["trade_id", "platform_id", "broker_ref"]].values.tolist() == [
        ["TR10", "P3", "BR4"], ["TR11", "P3", "BR5"], ["TR19", "P5", "BR10"], ["TR8", "P1", "BR3"]]
    assert dict(zip(fake["trade_id"], fake["reason"])) == {
        "TR2": "no_broker_ref", "TR3": "broker_ref_not_on_statement", "TR5": "platform_recorded_fake",
        "TR9": "broker_ref_not_on_statement", "TR12": "broker_ref_not_on_statement", "TR13": "no_broker_ref",
        "TR14": "no_broker_ref", "TR16": "no_broker_ref", "TR17": "no_broker_ref",
        "TR18": "broker_ref_not_on_statement"}
    fraud = platform_fraud(case, checked)
    assert fraud["is_fraud"].to_dict() == {"P1": False, "P2": True, "P3": False, "P4": True, "P5": True}
    assert (fraud.loc["P1", "n_trades"], fraud.loc["P1", "n_fake"]) == (6, 3)
    assert fraud.loc["P3", "fake_trade_losses"] == 0


def test_analyze_writes_the_unverified_trades(tmp_path):
    case = write_case(tmp_path / "case", statement_window_case())
    with pytest.raises(SystemExit) as done:
        main(["-q", "analyze", str(case), "--out", str(tmp_path / "out")])
    assert done.value.code == 0
    unverified = pd.read_csv(tmp_path / "out" / "unverified_trades.csv", dtype=str)
    assert unverified.columns.tolist() == ["trade_id", "platform_id", "client_id", "notional", "broker_ref"]
    assert unverified["trade_id"].tolist() == ["TR10", "TR11", "TR19", "TR8"]
    fake = pd.read_csv(tmp_path / "out" / "fake_trades.csv", dtype=str)
    assert not set(fake["trade_id"]) & set(unverified["trade_id"])


@pytest.mark.parametrize("taken, front", [(1, True), (0, False)])
def test_a_platform_whose_trades_are_not_in_hand_is_a_front_by_its_risk_control(tmp_path, taken, front):
    """The second independently written generator: one front in two seeds of four had its
    trades left out of the case, and was no front (is_fraud false), though its ledger shows it
    taking 25 % of its clients' money by negative adjustments, the "risk control" of a front.
    The fronts of four generators took money so from 18-60 % of their clients, no other
    platform from more than 1 %: a platform the case holds no trade of, one in ten of whose clients a
    negative adjustment took money from, is a front. A platform with trades is judged by them."""
    case = load_case(write_case(tmp_path / "case", front_without_trades_case(taken=taken)))
    tables = analyze_case(case)
    gangs = tables["gangs"].set_index("gang_id")
    assert gangs.loc["G?P2", "is_fraud"] == front and not gangs.loc["G1", "is_fraud"]
    assert gangs.loc["G?P2", "fake_trade_losses"] == 0


@pytest.mark.parametrize("renewed_by", ["PER7", "PER1"], ids=["sold to G2", "renewed by G1"])
def test_a_platform_its_buyer_turned_fake_is_a_front_on_the_trades_since_the_sale(tmp_path, renewed_by):
    """The fourth independently written generator: a gang sells a running platform to another,
    whose leader renews its licence and turns it fake 21 days later; the years of real trades
    before kept the fake ones under half (two seeds of six), and the buyer's gang was no front.
    A platform handed over to another gang is judged on its trades from its first fake one on:
    P3's last two trades are fake (before its renewal L4, as the buyers renewed after), three
    of five in all are real. Renewed by its own gang,
    it is judged on all five, and is no front."""
    tables = analyze_case(load_case(write_case(tmp_path / "case", turned_front_case(renewed_by=renewed_by))))
    gangs = tables["gangs"].set_index("gang_id")
    sold = renewed_by == "PER7"
    assert gangs.loc["G2", "is_fraud"] == sold and not gangs.loc["G1", "is_fraud"]
    assert "P3" in gangs.loc["G2" if sold else "G1", "platform_ids"].split(";")
