"""Fund flows (资金分析) in memory, on a hand-built case whose every figure is worked out here:
account_flows, statement_requests, each pattern of flow_patterns with its evidence, and
`casegraph trace`."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from casebuilder import CASE_YAML, minimal_case, write_case

from casegraph.cli import main
from casegraph.config import CaseConfig
from casegraph.loaders.case import load_case, read_case
from casegraph.queries.flow_rules import FlowRules, finish_trace
from casegraph.queries.memory.flows import account_flows, flow_patterns, identifier_use, statement_requests, trace
from casegraph.queries.memory.flows import cycles as find_cycles

PEOPLE = [{"person_id": f"PX{i}", "name": f"持卡人{i}"} for i in range(1, 13)]
ACCOUNTS = ([{"account_id": a, "kind": "bank", "holder_person_id": f"PX{i}"}
             for i, a in enumerate(["X1", "X2", "X3", "X4", "Y1", "Y2", "Y3", "H", "Z"], start=1)]
            + [{"account_id": f"F{i}", "kind": "bank"} for i in range(1, 6)])


def transfer(txn_id, ts, payer, payee, amount, **more):
    return {"txn_id": txn_id, "ts": ts, "from_account": payer, "to_account": payee, "amount": amount, **more}


TRANSFERS = [
    # pass-through at BG1: 500000 in at 09:00, 495000 out at 13:30; BK4 sends on only 60 %
    transfer("PT1", "2020-01-01T09:00:00", "BK3", "BG1", "500000"),
    transfer("PT2", "2020-01-01T13:30:00", "BG1", "BK4", "495000"),
    transfer("PT3", "2020-01-02T10:00:00", "BK4", "BK3", "300000"),
    transfer("CA1", "2020-01-03T10:00:00", "BK4", "BV1", "20000", channel="cash"),
    # a time-respecting cycle at night, and one more night transfer of X1
    transfer("C1", "2020-02-01T01:00:00", "X1", "X2", "100000"),
    transfer("C2", "2020-02-01T02:00:00", "X2", "X3", "99000"),
    transfer("C3", "2020-02-01T03:00:00", "X3", "X1", "98000"),
    transfer("N1", "2020-02-01T04:00:00", "X1", "X4", "5000"),
    # a triangle out of time order: a cycle only when order is not required
    transfer("D1", "2020-02-10T12:00:00", "Y1", "Y2", "70000"),
    transfer("D2", "2020-02-10T11:00:00", "Y2", "Y3", "70000"),
    transfer("D3", "2020-02-10T13:00:00", "Y3", "Y1", "70000"),
    # fan-in: five senders into H within five hours, then out at once
    *[transfer(f"FI{i}", f"2020-03-01T1{i}:00:00", f"F{i}", "H", "10000") for i in range(1, 6)],
    transfer("FO1", "2020-03-01T18:00:00", "H", "Z", "50000"),
]


def flows_case(tmp_path, *, extra_yaml: str = "", statements=True):
    rows = minimal_case()
    rows["persons"] += PEOPLE
    rows["accounts"] += ACCOUNTS
    rows["bank_transfers"] += TRANSFERS
    # One office address for days on end (and one phone for two of them)
    rows["logins"] += [
        {"ts": f"2020-01-{day:02d}T10:00:00", "account_id": account, "ip": "10.9.9.9",
         **({"device_id": "D9"} if account != "BG1" else {})}
        for day in (5, 6, 7) for account in ("BK3", "BK4", "BG1")]
    # The world the address is judged in: 60 other accounts, each on its own address.
    rows["accounts"] += [{"account_id": f"Z{i:02d}", "kind": "bank"} for i in range(60)]
    rows["logins"] += [{"ts": "2020-01-05T11:00:00", "account_id": f"Z{i:02d}", "ip": f"10.8.0.{i}"} for i in range(60)]
    if statements:
        rows["statements"] = [{"account_id": "BG1", "institution": "某银行", "first_ts": "2019-01-01T00:00:00",
                               "last_ts": "2020-12-31T00:00:00", "source": "BG1.xlsx"}]
    return load_case(write_case(tmp_path / "case", rows, CASE_YAML + extra_yaml))


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return flows_case(tmp_path_factory.mktemp("flows"))


@pytest.fixture(scope="module")
def patterns(case):
    return flow_patterns(case)


def of(patterns, pattern):
    return patterns[patterns["pattern"] == pattern]


def test_account_flows_sum_each_account_to_the_fen(case):
    flows = account_flows(case).set_index("account_id")
    bg1 = flows.loc["BG1"]
    assert (bg1["n_in"], bg1["amount_in"], bg1["n_out"], bg1["amount_out"]) == (2, 80_000_000, 2, 129_500_000)
    assert bg1["net_in"] == -49_500_000 and bg1["n_counterparties"] == 3  # BK3, BV1, BK4
    assert bool(bg1["statement_obtained"]) and bg1["holder_name"] == "王某"
    assert bg1["first_ts"] == "2019-03-01T12:00:00+08:00" and bg1["last_ts"] == "2020-01-01T13:30:00+08:00"
    bk4 = flows.loc["BK4"]
    assert (bk4["cash_out"], bk4["cash_in"], flows.loc["BV1", "cash_in"]) == (2_000_000, 0, 2_000_000)
    assert not flows.loc["BK4", "statement_obtained"]
    # every transfer counted once on each side
    assert flows["amount_in"].sum() == flows["amount_out"].sum() == case["bank_transfers"]["amount"].sum()
    assert flows.index[0] == "BG1", "most money moved first"


def test_a_cash_side_without_an_account_counts_for_the_other_side_only(case):
    cash = case["bank_transfers"].iloc[[0]].assign(txn_id="CASH9", from_account=pd.NA, to_account="Z",
                                                   amount=700_000, channel="cash")
    with_cash = type(case)(case.path, case.config, {**case.tables, "bank_transfers": pd.concat(
        [case["bank_transfers"], cash], ignore_index=True)})
    before, after = (account_flows(c).set_index("account_id").loc["Z"] for c in (case, with_cash))
    assert after["cash_in"] - before["cash_in"] == 700_000 and after["n_in"] - before["n_in"] == 1
    assert after["n_counterparties"] == before["n_counterparties"]


def test_statement_requests_rank_accounts_by_money_moved_with_statements_in_hand(case):
    requests = statement_requests(case)
    assert requests["account_id"].tolist() == ["BK3", "BV1", "BK4"]  # BK3 and BV1 tie at 800000: by id
    assert requests["amount_with_known"].tolist() == [80_000_000, 80_000_000, 49_500_000]
    assert requests["n_transfers"].tolist() == [2, 1, 1] and requests["rank"].tolist() == [1, 2, 3]
    assert requests["reason"].iloc[0].endswith(
        "with 1 account(s) whose statements are in hand, most with BG1 (800000.00)")


def test_no_statement_in_hand_means_no_request_can_be_ranked(tmp_path):
    assert statement_requests(flows_case(tmp_path, statements=False)).empty


def test_pass_through_states_its_rule_and_numbers(patterns):
    found = of(patterns, "pass_through")
    # BG1; and X2, X3, Y3 pass on what the cycles bring them
    assert found["account_ids"].tolist() == ["BG1", "X2", "X3", "Y3"]
    found = found[found["account_ids"] == "BG1"]
    assert found["txn_ids"].tolist() == ["PT1;PT2"]
    assert found["evidence"].iloc[0] == ("in 500000.00 at 2020-01-01 09:00, out 495000.00 in 1 transfer(s) by "
                                         "2020-01-01 13:30 (99.0 %, 4.5 h ≤ 24 h)")
    assert found["amount"].iloc[0] == 50_000_000


def test_a_time_respecting_cycle_and_not_one_out_of_order(patterns, case):
    found = of(patterns, "cycle")
    assert found["txn_ids"].tolist() == ["C1;C2;C3"] and found["account_ids"].tolist() == ["X1;X2;X3"]
    assert found["amount"].iloc[0] == 9_800_000 and "X1→X2→X3→X1" in found["evidence"].iloc[0]
    loose = CaseConfig(case_id="x", flow_patterns={"cycle": {"time_respecting": False}}).flow_patterns
    from casegraph.queries.memory.flows import transfer_frame
    cycles, truncated = find_cycles(transfer_frame(case), FlowRules.from_config(loose))
    assert sorted(";".join(t) for t in cycles["txn_ids"]) == ["C1;C2;C3", "D2;D3;D1"] and not truncated


def test_the_cycle_search_says_when_it_stopped_at_its_bound(case):
    from casegraph.queries.memory.flows import transfer_frame
    bounded = CaseConfig(case_id="x", flow_patterns={"cycle": {"max_paths": 1000}}).flow_patterns
    many = transfer_frame(case)
    # 1,200 parallel transfers X1 -> X2 a second apart: more open paths than the bound
    extra = pd.DataFrame({"txn_id": [f"M{i:04d}" for i in range(1200)],
                          "t_us": many.set_index("txn_id").loc["C2", "t_us"] - pd.Series(range(1, 1201)) * 1_000_000,
                          "from_account": "X1", "to_account": "X2", "amount": 10_000_000, "cash": False, "hour": 1})
    _, truncated = find_cycles(pd.concat([many, extra.astype(many.dtypes.to_dict())], ignore_index=True),
                               FlowRules.from_config(bounded))
    assert truncated


def test_fan_in_many_senders_then_out(patterns):
    found = of(patterns, "fan_in")
    assert found["account_ids"].tolist() == ["H;F1;F2;F3;F4;F5"]
    assert found["txn_ids"].tolist() == ["FI1;FI2;FI3;FI4;FI5"] and found["amount"].iloc[0] == 5_000_000
    evidence = found["evidence"].iloc[0]
    assert evidence.startswith("5 senders in 4.0 h (≥ 5 within 72 h), 50000.00")
    assert evidence.endswith("then out 50000.00 with 1 account(s) within 72 h")


def test_a_busy_account_needs_a_burst_beyond_its_own_rate(tmp_path):
    """Five senders in three days is nothing for an account that gets five a day."""
    rows = minimal_case()
    rows["accounts"] += [{"account_id": "HUB", "kind": "bank"}] + [
        {"account_id": f"P{i}", "kind": "bank"} for i in range(40)]
    rows["bank_transfers"] += [transfer(f"B{d}_{k}", f"2020-01-{d:02d}T{9 + k:02d}:00:00", f"P{(d * 5 + k) % 40}",
                                        "HUB", "100") for d in range(1, 29) for k in range(5)]
    busy = flow_patterns(load_case(write_case(tmp_path / "case", rows)))
    assert of(busy, "fan_in").empty
    loose = flow_patterns(load_case(write_case(tmp_path / "loose", rows, CASE_YAML + "flow_patterns:\n"
                                               "  fan_in: {max_chance: 1, scan: false}\n")))
    assert not of(loose, "fan_in").empty, "the count alone would have flagged it"


def test_shared_device_of_different_holders_but_not_a_public_address(tmp_path, patterns):
    found = of(patterns, "shared_device")
    assert set(found["account_ids"]) == {"BK3;BK4", "BG1;BK3;BK4"}
    assert found["evidence"].str.startswith(("device D9 behind 2 accounts", "IP 10.9.9.9 behind 3 accounts")).all()
    narrow = flows_case(tmp_path, extra_yaml="flow_patterns:\n  shared_device: {max_accounts: 2}\n")
    assert of(flow_patterns(narrow), "shared_device")["account_ids"].tolist() == ["BK3;BK4"]


def test_an_address_shared_by_chance_is_no_shared_device(tmp_path):
    """Among a few accounts, one address used once by each is what chance gives (a café, a
    carrier's NAT); the same use among many accounts is not."""
    rows = minimal_case()
    rows["persons"] += PEOPLE
    rows["accounts"] += ACCOUNTS
    rows["bank_transfers"] += TRANSFERS
    rows["logins"] += [{"ts": f"2020-01-0{day}T10:00:00", "account_id": account, "ip": "10.9.9.9"}
                       for day, account in ((5, "BK3"), (6, "BK4"), (7, "BG1"))]
    few = load_case(write_case(tmp_path / "few", rows, CASE_YAML))
    assert of(flow_patterns(few), "shared_device").empty


def test_an_addresss_days_are_the_case_timezones_calendar_days(tmp_path):
    """23:30 and 00:30 in Shanghai are two days there (as the gang graph counts them) though
    one in UTC (15:30 and 16:30)."""
    rows = minimal_case()
    rows["persons"] += PEOPLE
    rows["accounts"] += ACCOUNTS
    rows["logins"] += [{"ts": ts, "account_id": account, "device_id": "D7"}  # a device's use always counts
                       for ts in ("2020-01-05T23:30:00", "2020-01-06T00:30:00") for account in ("X1", "X2")]
    use, n_users = identifier_use(load_case(write_case(tmp_path / "c", rows, CASE_YAML)))
    assert n_users == 2
    assert use["days"].tolist() == [2, 2] and use["login_days"].tolist() == [2, 2]


def test_round_amounts_and_night_per_account(patterns):
    round_ = of(patterns, "round_amounts").set_index("account_ids")
    assert set(round_.index) == {"H", "BG1", "BK3"}  # BK3: 300000, 500000 out, 300000 back
    assert round_.loc["H", "evidence"].startswith("6 of 6 transfers whole multiples of 10000.00")
    night = of(patterns, "night")
    assert night["account_ids"].tolist() == ["X1"] and night["txn_ids"].tolist() == ["C1;C3;N1"]
    assert night["evidence"].iloc[0].startswith("3 of 3 transfers between 00:00 and 06:00 (Asia/Shanghai)")


def test_patterns_can_be_switched_off_and_bad_parameters_are_refused_at_their_line(tmp_path):
    off = flows_case(tmp_path, extra_yaml="flow_patterns:\n  night: {enabled: false}\n")
    assert of(flow_patterns(off), "night").empty
    folder = write_case(tmp_path / "bad", minimal_case(), CASE_YAML + "flow_patterns:\n  pass_through: {min_ratio: 2.5"
                                                                      "5555}\n")
    loaded, problems = read_case(folder)
    assert loaded is None and any(p.file == "case.yaml" and "flow_patterns" in p.message for p in problems)


def test_trace_follows_money_forward_in_time_capped_by_what_arrived(case):
    hops = trace(case, ["PER3"], hops=3)
    by_txn = hops.set_index("txn_id")
    assert by_txn.loc["TX1", "hop"] == by_txn.loc["PT1", "hop"] == 1
    # BG1 -> BK4 left after both of BK3's payments: at most the larger one's 500000, capped by its own 495000
    assert (by_txn.loc["PT2", "hop"], by_txn.loc["PT2", "can_have_flowed"]) == (2, 49_500_000)
    assert "TX2" not in by_txn.index, "BG1 paid BV1 before any of BK3's money arrived"
    assert (by_txn.loc["CA1", "hop"], by_txn.loc["CA1", "can_have_flowed"]) == (3, 2_000_000)
    assert (by_txn.loc["PT3", "hop"], by_txn.loc["PT3", "can_have_flowed"]) == (3, 30_000_000)
    later = trace(case, ["BK3"], hops=3, min_amount=40_000_000)
    assert later["txn_id"].tolist() == ["PT1", "PT2"]


def test_casegraph_trace_prints_and_writes_the_hops(case, tmp_path, capsys):
    out = tmp_path / "trace.csv"
    with pytest.raises(SystemExit) as done:
        main(["-q", "trace", str(case.path), "--from", "BK3", "--since", "2020-01-01", "--out", str(out)])
    assert done.value.code == 0
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["txn_id"] for r in rows] == ["PT1", "PT2", "PT3", "CA1"] and rows[1]["can_have_flowed"] == \
        "495000.00"
    assert rows[0]["ts"] == "2020-01-01T09:00:00+08:00" and "PT2" in capsys.readouterr().out
    expected = finish_trace(trace(case, ["BK3"], hops=3, since_us=1577808000000000), timezone="Asia/Shanghai")
    assert [r["txn_id"] for r in rows] == expected["txn_id"].tolist()
    with pytest.raises(SystemExit) as done:
        main(["-q", "trace", str(case.path), "--from", "NOBODY", "--out", str(out)])
    assert done.value.code == 2


def test_trace_takes_any_year_and_says_what_is_wrong_with_a_time_or_an_amount(case, tmp_path, capsys):
    """--since before 1677 overflowed pandas' nanoseconds (a traceback); a local time the
    clocks skipped, or a negative minimum, is a usage error that says why."""
    def traced(*options) -> tuple[int, list[str]]:
        out = tmp_path / "trace.csv"
        out.unlink(missing_ok=True)
        with pytest.raises(SystemExit) as done:
            main(["-q", "trace", str(case.path), "--from", "BK3", "--out", str(out), *options])
        if not out.exists():
            return done.value.code, []
        with open(out, encoding="utf-8", newline="") as handle:
            return done.value.code, [row["txn_id"] for row in csv.DictReader(handle)]

    everything = traced()
    assert everything[0] == 0 and everything[1]
    assert traced("--since", "1600-01-01") == everything
    assert traced("--since", "9999-12-31T23:59") == (0, [])
    capsys.readouterr()
    assert traced("--since", "1986-05-04T02:30") == (2, [])  # China's clocks went from 02:00 to 03:00
    assert "nonexistent" in " ".join(capsys.readouterr().err.split())
    assert traced("--min-amount", "-5") == (2, [])
    assert "below 0" in capsys.readouterr().err


def test_analyze_writes_the_three_fund_flow_files(case, tmp_path):
    with pytest.raises(SystemExit) as done:
        main(["-q", "analyze", str(case.path), "--out", str(tmp_path / "out")])
    assert done.value.code == 0
    written = pd.read_csv(tmp_path / "out" / "flow_patterns.csv", dtype=str)
    assert set(written["pattern"]) == {"pass_through", "cycle", "fan_in", "shared_device", "round_amounts", "night"}
    flows = pd.read_csv(tmp_path / "out" / "account_flows.csv", dtype=str).set_index("account_id")
    assert flows.loc["BG1", "amount_out"] == "1295000.00" and flows.loc["BG1", "statement_obtained"] == "true"
    assert (tmp_path / "out" / "statement_requests.csv").is_file()


@pytest.mark.parametrize("ip, device, found", [("10.1.1.1", "D7", True), ("0.0.0.0", "00-00-00-00-00-00", False),
                                               ("127.0.0.1", "000000000000000", False)])
def test_shared_device_rows_of_addresses_that_name_no_device(ip, device, found):
    """Three holders on one address for 30 days each is a shared device, unless the address is
    what exports print where there was none."""
    from casegraph.queries.flow_rules import shared_device_rows

    use = pd.DataFrame([{"kind": kind, "key": key, "account_id": f"A{i}", "holder": f"P{i}", "n_logins": 30,
                         "days": 30, "login_days": 40, "first_t_us": 0, "last_t_us": 10**12}
                        for kind, key in (("ip", ip), ("device", device)) for i in range(3)])
    rows = shared_device_rows(use, FlowRules.from_config(CaseConfig(case_id="x").flow_patterns),
                              timezone="Asia/Shanghai", n_users=1_000)
    assert (len(rows) == 2) is found and (len(rows) == 0) is not found

