"""The synthetic case generator: determinism, the case-format contract, referential integrity,
the truth files, and the seed-scale figures of domain.md §1.

Checks here read the written CSV files with the csv module and recompute what they need on
their own, so they test the files, not the generator's internals.
"""

from __future__ import annotations

import csv
import filecmp
import io
import time
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from random import Random

import pytest
import yaml

from casegraph.generator import SCALES, VARIANTS, generate_case, resolve_scale
from casegraph.generator.clock import date_text, day_text, ts_ms_text, ts_text
from casegraph.generator.write import BIG_TABLES

# case-format.md, version 1: every file with its columns in the documented order
FORMAT = {
    "vendors": "vendor_id name province city bank_account_ids",
    "licenses": "license_id vendor_id platform_id sold_on price currency buyer_name buyer_phone paid_from_account",
    "platforms": "platform_id vendor_id name domain created_on kind",
    "gangs": "gang_id name province city platform_ids leader_person_id status",
    "persons": "person_id name id_number phone province city",
    "memberships": "person_id org_id role start end",
    "agents": "agent_id platform_id person_id parent_agent_id rebate_rate commission_rate joined_on left_on",
    "clients": "client_id platform_id agent_id person_id registered_on",
    "accounts": "account_id kind holder_person_id platform_id client_id parent_account_id institution opened_on",
    "ledger": "entry_id ts platform_id client_id account_id kind amount currency beneficiary_agent_id bank_txn_id",
    "bank_transfers": "txn_id ts from_account to_account amount currency channel memo",
    "trades": "trade_id ts account_id instrument side qty price notional broker_ref",
    "broker_fills": "fill_id ts account_id instrument side qty price broker_ref counterparty_account_id",
    "logins": "ts account_id actor_id ip device_id ip_province",
    "fx_rates": "date currency cny_per_unit",
}
KEYS = {"vendors": "vendor_id", "licenses": "license_id", "platforms": "platform_id", "gangs": "gang_id",
        "persons": "person_id", "agents": "agent_id", "clients": "client_id", "accounts": "account_id",
        "ledger": "entry_id", "bank_transfers": "txn_id", "trades": "trade_id", "broker_fills": "fill_id"}
CLIENT_FIGURES = ("deposits", "withdrawals", "fees", "overnight_fees", "rebates_paid", "commissions_paid",
                  "trading_pnl", "net_deposit", "client_loss", "fresh_money", "turnover")
SUMMED = ("deposits", "withdrawals", "fees", "overnight_fees", "net_deposit", "client_loss", "fresh_money",
          "turnover", "rebates_paid", "commissions_paid")


def fen(text: str) -> int:
    return int(Decimal(text) * 100)


def micro(text: str) -> int:
    return int(Decimal(text) * 1_000_000)


def to_cny(amount_fen: int, rate_micro: int) -> int:
    """Round half away from zero of fen x rate."""
    return int((Decimal(amount_fen) * rate_micro / 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Case:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: dict[str, list[dict[str, str]]] = {}

    def header(self, name: str) -> list[str]:
        with open(self.path / f"{name}.csv", encoding="utf-8", newline="") as fh:
            return next(csv.reader(fh))

    def rows(self, name: str) -> list[dict[str, str]]:
        if name not in self._cache:
            with open(self.path / f"{name}.csv", encoding="utf-8", newline="") as fh:
                self._cache[name] = list(csv.DictReader(fh))
        return self._cache[name]

    def by_id(self, name: str, key: str | None = None) -> dict[str, dict[str, str]]:
        key = key or KEYS[name]
        return {r[key]: r for r in self.rows(name)}

    def rate_lookup(self):
        rates: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for r in self.rows("fx_rates"):
            rates[r["currency"]].append((r["date"], micro(r["cny_per_unit"])))
        for v in rates.values():
            v.sort()

        def rate(currency: str, date: str) -> int:
            if currency in ("", "CNY"):
                return 1_000_000
            best = None
            for d, r in rates[currency]:  # latest date on or before
                if d > date:
                    break
                best = r
            assert best is not None, (currency, date)
            return best

        return rate


@pytest.fixture(scope="module")
def tiny(generated_case) -> Case:
    return Case(generated_case("tiny", 7).folder)


@pytest.fixture(scope="module")
def small(generated_case) -> Case:
    generated = generated_case("small", 11)
    case = Case(generated.folder)
    case.summary = generated.summary
    return case


@pytest.fixture(params=["tiny", "small"])
def case(request) -> Case:
    return request.getfixturevalue(request.param)


# -- determinism and the file contract ----------------------------------------------------------
def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_case(a, "tiny", seed=3)
    generate_case(b, "tiny", seed=3)
    generate_case(c, "tiny", seed=4)
    assert _files(a) == _files(b) == _files(c)
    match, mismatch, errors = filecmp.cmpfiles(a, b, _files(a), shallow=False)
    assert mismatch == [] and errors == [] and len(match) == len(_files(a))
    assert not filecmp.cmp(a / "ledger.csv", c / "ledger.csv", shallow=False)
    assert not filecmp.cmp(a / "persons.csv", c / "persons.csv", shallow=False)


def test_every_file_present_with_documented_header(case):
    for name, columns in FORMAT.items():
        assert case.header(name) == columns.split(), name
        assert case.rows(name), f"{name}.csv has no rows"
    meta = yaml.safe_load((case.path / "case.yaml").read_text(encoding="utf-8"))
    assert meta["timezone"] == "Asia/Shanghai" and meta["base_currency"] == "CNY"
    assert meta["case_id"] and meta["title"] and meta["thresholds"] == {"profile": "2022"}
    assert set(meta["sources"]) == {f"{n}.csv" for n in FORMAT}
    for name in ("gangs", "account_groups", "expected_clients", "expected_agents", "expected_platforms",
                 "expected_gangs", "expected_vendors"):
        assert (case.path / "truth" / f"{name}.csv").is_file(), name


def test_formats_of_values(case):
    import re
    ts = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?$")
    date = re.compile(r"\d{4}-\d{2}-\d{2}$")
    money = re.compile(r"-?\d+\.\d{2}$")
    for name, cols in (("ledger", ["amount"]), ("bank_transfers", ["amount"]), ("trades", ["notional"]),
                       ("licenses", ["price"])):
        for r in case.rows(name):
            for col in cols:
                assert money.match(r[col]), (name, col, r[col])
    for name in ("ledger", "bank_transfers", "trades", "broker_fills", "logins"):
        assert all(ts.match(r["ts"]) for r in case.rows(name)), name
    assert all(date.match(r["registered_on"]) for r in case.rows("clients"))
    assert all(fen(r["amount"]) > 0 for r in case.rows("bank_transfers"))
    for r in case.rows("ledger"):
        if r["kind"] not in ("pnl", "adjustment"):
            assert fen(r["amount"]) > 0, r
        if r["kind"] in ("rebate", "commission"):
            assert r["beneficiary_agent_id"], r
    ids = re.compile(r"^(V|L|P|G|PER|A|C|ACC|BK|E|T|F|TX)\d+$")
    for name, key in KEYS.items():
        assert all(ids.match(r[key]) for r in case.rows(name)), name
    ledger_days = [r["ts"][:10] for r in case.rows("ledger")]
    assert min(ledger_days) >= "2019-01-01" and max(ledger_days) <= "2021-12-31"


def test_times_and_dates_are_written_as_python_writes_them():
    """The big tables' times and dates become text in Arrow (generator/clock.py): the text is
    what Python's datetime writes, over 1970-2099, with the milliseconds of broker fills."""
    rng = Random(3)
    epoch = datetime(1970, 1, 1)
    seconds = [0, 1_546_300_799, 4_102_444_799] + [rng.randrange(4_102_444_800) for _ in range(3000)]
    millis = [0, 1_546_300_800_001, 1_546_300_800_120] + [rng.randrange(4_102_444_800_000) for _ in range(3000)]
    days = [0, 17_897, 47_481] + [rng.randrange(47_482) for _ in range(3000)]
    assert ts_text(seconds).to_pylist() == [(epoch + timedelta(seconds=s)).isoformat() for s in seconds]
    assert ts_ms_text(millis).to_pylist() == [
        (epoch + timedelta(milliseconds=m)).isoformat(timespec="milliseconds") for m in millis]
    assert date_text(days).to_pylist() == [day_text(d) for d in days] == [
        (epoch.date() + timedelta(days=d)).isoformat() for d in days]


def test_ids_unique_and_every_reference_resolves(case):
    keys = {}
    for name, key in KEYS.items():
        values = [r[key] for r in case.rows(name)]
        assert len(values) == len(set(values)), f"duplicate {key} in {name}.csv"
        keys[name] = set(values)
    refs = [
        ("licenses", "vendor_id", "vendors"), ("licenses", "platform_id", "platforms"),
        ("licenses", "paid_from_account", "accounts"), ("platforms", "vendor_id", "vendors"),
        ("gangs", "leader_person_id", "persons"), ("agents", "platform_id", "platforms"),
        ("agents", "person_id", "persons"), ("agents", "parent_agent_id", "agents"),
        ("clients", "platform_id", "platforms"), ("clients", "agent_id", "agents"), ("clients", "person_id", "persons"),
        ("accounts", "holder_person_id", "persons"), ("accounts", "platform_id", "platforms"),
        ("accounts", "client_id", "clients"), ("accounts", "parent_account_id", "accounts"),
        ("ledger", "platform_id", "platforms"), ("ledger", "client_id", "clients"),
        ("ledger", "account_id", "accounts"),
        ("ledger", "beneficiary_agent_id", "agents"), ("ledger", "bank_txn_id", "bank_transfers"),
        ("bank_transfers", "from_account", "accounts"), ("bank_transfers", "to_account", "accounts"),
        ("trades", "account_id", "accounts"), ("broker_fills", "account_id", "accounts"),
        ("broker_fills", "counterparty_account_id", "accounts"), ("logins", "account_id", "accounts"),
        ("logins", "actor_id", "persons"), ("memberships", "person_id", "persons"),
    ]
    for table, column, target in refs:
        for r in case.rows(table):
            assert r[column] == "" or r[column] in keys[target], (table, column, r[column])
    for r in case.rows("vendors"):
        assert all(a in keys["accounts"] for a in r["bank_account_ids"].split(";"))
    for r in case.rows("gangs"):
        assert all(p in keys["platforms"] for p in r["platform_ids"].split(";"))
    orgs = keys["vendors"] | keys["gangs"] | keys["platforms"]
    assert all(r["org_id"] in orgs for r in case.rows("memberships"))
    assert all(r["account_id"] or r["actor_id"] for r in case.rows("logins"))
    # agents form a forest inside one platform; clients and ledger entries agree on the platform
    agents = case.by_id("agents")
    for a in agents.values():
        seen, cur = set(), a
        while cur["parent_agent_id"]:
            assert cur["agent_id"] not in seen
            seen.add(cur["agent_id"])
            parent = agents[cur["parent_agent_id"]]
            assert parent["platform_id"] == cur["platform_id"]
            cur = parent
    clients = case.by_id("clients")
    for c in clients.values():
        assert not c["agent_id"] or agents[c["agent_id"]]["platform_id"] == c["platform_id"]
    accounts = case.by_id("accounts")
    for r in case.rows("ledger"):
        assert clients[r["client_id"]]["platform_id"] == r["platform_id"]
        assert accounts[r["account_id"]]["client_id"] == r["client_id"]
    for a in accounts.values():
        if a["kind"] == "sub":
            assert accounts[a["parent_account_id"]]["kind"] == "mother"


# -- money --------------------------------------------------------------------------------------
def _client_entries(case: Case):
    rate = case.rate_lookup()
    out = defaultdict(list)
    for r in case.rows("ledger"):
        out[r["client_id"]].append((r["ts"], r["entry_id"], r["kind"],
                                    to_cny(fen(r["amount"]), rate(r["currency"], r["ts"][:10]))))
    for v in out.values():
        v.sort()
    return out


def test_balance_never_negative_and_figures_match_truth(case):
    entries = _client_entries(case)
    turnover = defaultdict(int)
    client_of_account = {a["account_id"]: a["client_id"] for a in case.rows("accounts") if a["client_id"]}
    for t in case.rows("trades"):
        turnover[client_of_account[t["account_id"]]] += fen(t["notional"])
    sign = {"deposit": 1, "withdrawal": -1, "fee": -1, "overnight_fee": -1, "pnl": 1, "adjustment": 1}
    truth = case.by_id("truth/expected_clients", "client_id")
    assert set(truth) == set(case.by_id("clients"))
    for client, rows in entries.items():
        balance, running, fresh = 0, 0, 0
        sums = defaultdict(int)
        for _, _, kind, cny in rows:
            sums[kind] += cny
            balance += sign.get(kind, 0) * cny
            assert balance >= 0, (client, kind)
            if kind in ("deposit", "withdrawal"):
                running += cny if kind == "deposit" else -cny
                fresh = max(fresh, running)
        pnl = sums["pnl"] + sums["adjustment"]
        expected = {
            "deposits": sums["deposit"], "withdrawals": sums["withdrawal"], "fees": sums["fee"],
            "overnight_fees": sums["overnight_fee"], "rebates_paid": sums["rebate"],
            "commissions_paid": sums["commission"], "trading_pnl": pnl,
            "net_deposit": sums["deposit"] - sums["withdrawal"],
            "client_loss": sums["fee"] + sums["overnight_fee"] - pnl, "fresh_money": fresh,
            "turnover": turnover[client],
        }
        assert {k: fen(truth[client][k]) for k in CLIENT_FIGURES} == expected, client


def test_platform_and_gang_truth_are_sums_of_clients(case):
    clients = case.by_id("clients")
    truth_clients = case.rows("truth/expected_clients")
    gang_of_platform = {r["platform_id"]: r["gang_id"] for r in case.rows("truth/expected_platforms")}
    per_platform, per_gang = defaultdict(lambda: defaultdict(int)), defaultdict(lambda: defaultdict(int))
    for r in truth_clients:
        p = clients[r["client_id"]]["platform_id"]
        for k in SUMMED:
            per_platform[p][k] += fen(r[k])
            per_gang[gang_of_platform[p]][k] += fen(r[k])
        per_platform[p]["n_clients"] += 1
        per_gang[gang_of_platform[p]]["n_clients"] += 1
    for r in case.rows("truth/expected_platforms"):
        assert {k: fen(r[k]) for k in SUMMED} == {k: per_platform[r["platform_id"]][k] for k in SUMMED}
        assert int(r["n_clients"]) == per_platform[r["platform_id"]]["n_clients"]
    for r in case.rows("truth/expected_gangs"):
        assert {k: fen(r[k]) for k in SUMMED} == {k: per_gang[r["gang_id"]][k] for k in SUMMED}
        assert int(r["n_clients"]) == per_gang[r["gang_id"]]["n_clients"]


def test_rebates_are_differential_and_mismatches_are_recorded(case):
    agents = case.by_id("agents")
    rate = {a: micro(r["rebate_rate"]) for a, r in agents.items()}
    for a, r in agents.items():
        assert 0 < rate[a] < 1_000_000 and len(r["rebate_rate"].split(".")[1]) <= 4
        if r["parent_agent_id"]:
            assert rate[a] < rate[r["parent_agent_id"]], "a child's rebate rate must be below its parent's"
    fees, received = defaultdict(int), defaultdict(int)
    for r in case.rows("ledger"):
        if r["kind"] == "fee":
            fees[r["client_id"]] += fen(r["amount"])
        elif r["kind"] == "rebate":
            received[r["beneficiary_agent_id"]] += fen(r["amount"])
    due = defaultdict(int)
    for c in case.rows("clients"):
        a, child = c["agent_id"], 0
        while a:
            diff = Decimal(rate[a] - child) / 1_000_000
            due[a] += int((fees[c["client_id"]] * diff).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            child, a = rate[a], agents[a]["parent_agent_id"]
    truth = case.by_id("truth/expected_agents", "agent_id")
    assert set(truth) == set(agents)
    wrong = set()
    for a, r in truth.items():
        assert fen(r["rebate_due"]) == due[a], a
        assert fen(r["rebate_received"]) == received[a], a
        assert fen(r["rebate_mismatch"]) == received[a] - due[a], a
        if received[a] != due[a]:
            wrong.add(a)
    anomalies = {r["agent_id"] for r in case.rows("truth/rebate_anomalies")}
    assert wrong == anomalies and len(anomalies) >= 2


def test_agent_truth_sums_own_and_subtree_clients(case):
    agents = case.by_id("agents")
    figures = case.by_id("truth/expected_clients", "client_id")
    own, sub = defaultdict(lambda: defaultdict(int)), defaultdict(lambda: defaultdict(int))
    for c in case.rows("clients"):
        a = c["agent_id"]
        for k in SUMMED:
            own[a][k] += fen(figures[c["client_id"]][k])
        while a:
            for k in SUMMED:
                sub[a][k] += fen(figures[c["client_id"]][k])
            a = agents[a]["parent_agent_id"]
    for r in case.rows("truth/expected_agents"):
        a = r["agent_id"]
        assert {k: fen(r[f"own_{k}"]) for k in SUMMED} == {k: own[a][k] for k in SUMMED}
        assert {k: fen(r[f"subtree_{k}"]) for k in SUMMED} == {k: sub[a][k] for k in SUMMED}


def test_foreign_currency_entries_match_their_bank_transfers(case):
    transfers = case.by_id("bank_transfers")
    foreign = [r for r in case.rows("ledger") if r["currency"] != "CNY"]
    assert foreign, "some deposits/withdrawals are in USD or HKD"
    assert {r["currency"] for r in foreign} <= {"USD", "HKD"}
    assert {r["kind"] for r in foreign} <= {"deposit", "withdrawal"}
    assert len({r["platform_id"] for r in foreign}) <= 2
    for r in case.rows("ledger"):
        if r["kind"] in ("deposit", "withdrawal"):
            t = transfers[r["bank_txn_id"]]
            assert (t["currency"], t["amount"]) == (r["currency"], r["amount"])
    days = {r["date"] for r in case.rows("fx_rates") if r["currency"] == "USD"}
    assert "2018-12-31" in days and "2021-12-31" in days and len(days) > 700
    for r in case.rows("fx_rates"):
        assert len(r["cny_per_unit"].split(".")[1]) <= 6
        value = Decimal(r["cny_per_unit"])
        assert (Decimal("6.4") <= value <= Decimal("7.2")) if r["currency"] == "USD" else \
            (Decimal("0.82") <= value <= Decimal("0.92"))


def test_rebate_and_commission_payouts_reach_agents_banks(case):
    transfers = case.by_id("bank_transfers")
    agents = case.by_id("agents")
    accounts = case.by_id("accounts")
    paid = defaultdict(int)
    for r in case.rows("ledger"):
        if r["kind"] in ("rebate", "commission"):
            paid[r["bank_txn_id"]] += fen(r["amount"])
            t = transfers[r["bank_txn_id"]]
            assert accounts[t["to_account"]]["holder_person_id"] == agents[r["beneficiary_agent_id"]]["person_id"]
    assert all(fen(transfers[t]["amount"]) == v for t, v in paid.items())


def test_vendor_income(case):
    licences = case.rows("licenses")
    vendor_accounts = set(case.rows("vendors")[0]["bank_account_ids"].split(";"))
    truth = case.rows("truth/expected_vendors")[0]
    assert fen(truth["license_income"]) == sum(fen(r["price"]) for r in licences)
    paid = defaultdict(int)
    for t in case.rows("bank_transfers"):
        if t["to_account"] in vendor_accounts and t["memo"] == "软件款":
            paid[t["from_account"]] += fen(t["amount"])
    expected = defaultdict(int)
    for r in licences:
        assert 400_000_00 <= fen(r["price"]) <= 1_500_000_00
        assert "2018-01-01" <= r["sold_on"] <= "2020-12-31"
        expected[r["paid_from_account"]] += fen(r["price"])
    assert paid == expected
    gang_accounts = {r["entity_id"] for r in case.rows("truth/gangs") if r["gang_id"]}
    bank = sum(fen(t["amount"]) for t in case.rows("bank_transfers")
               if t["to_account"] in vendor_accounts and t["from_account"] in gang_accounts)
    assert fen(truth["license_income_bank"]) == bank >= fen(truth["license_income"])


# -- the shape of the world ---------------------------------------------------------------------
def test_truth_covers_every_entity(case):
    truth = {r["entity_id"]: r for r in case.rows("truth/gangs")}
    expected = {**{k: "person" for k in case.by_id("persons")}, **{k: "platform" for k in case.by_id("platforms")},
                **{k: "agent" for k in case.by_id("agents")}}
    for a in case.rows("accounts"):
        expected[a["account_id"]] = "bank_account" if a["kind"] in ("bank", "payment") else "trading_account"
    assert {k: r["entity_type"] for k, r in truth.items()} == expected
    clients = case.rows("clients")
    for c in clients:
        assert truth[c["person_id"]]["gang_id"] == ""
    for a in case.rows("accounts"):
        if a["kind"] == "trading":
            assert truth[a["account_id"]]["gang_id"] == ""
    for v in case.rows("vendors"):
        assert all(truth[a]["gang_id"] == "" for a in v["bank_account_ids"].split(";"))
    for r in case.rows("gangs"):
        assert r["status"] == "seized" and r["province"] == "上海市"
        assert truth[r["leader_person_id"]]["gang_id"] == r["gang_id"]
        assert all(truth[p]["gang_id"] == r["gang_id"] for p in r["platform_ids"].split(";"))
    for a in case.rows("agents"):
        assert truth[a["agent_id"]]["gang_id"] == truth[a["platform_id"]]["gang_id"] != ""
    fraud = {r["gang_id"] for r in case.rows("truth/expected_gangs") if r["is_fraud"] == "true"}
    assert len(fraud) == 1
    seized = {r["gang_id"]: r for r in case.rows("gangs")}
    assert len(seized) == 4 and fraud <= set(seized)
    persons = case.by_id("persons")
    assert persons[seized[fraud.pop()]["leader_person_id"]]["name"].startswith("鲍")


def test_gangs_platforms_and_hard_parts(case):
    truth_gangs = case.rows("truth/expected_gangs")
    n_gangs = len(truth_gangs)
    assert n_gangs in (6, 34)
    platforms = case.rows("truth/expected_platforms")
    per_gang = defaultdict(list)
    for p in platforms:
        per_gang[p["gang_id"]].append(p["platform_id"])
    duals = [g for g, ps in per_gang.items() if len(ps) == 2]
    assert len(duals) == (3 if n_gangs == 34 else 2) and all(len(ps) <= 2 for ps in per_gang.values())
    licences = {r["platform_id"]: r for r in case.rows("licenses")}
    for g in duals:
        a, b = (licences[p] for p in per_gang[g])
        assert a["buyer_name"] != b["buyer_name"] and a["paid_from_account"] != b["paid_from_account"]
    if n_gangs == 34:
        assert sum(r["province"] == "上海市" for r in truth_gangs) == 5
        assert len({r["province"] for r in truth_gangs}) >= 15
    truth = {r["entity_id"]: r["gang_id"] for r in case.rows("truth/gangs")}
    gangs_of_person = defaultdict(set)
    for a in case.rows("agents"):
        gangs_of_person[a["person_id"]].add(truth[a["agent_id"]])
    assert sum(len(g) > 1 for g in gangs_of_person.values()) >= 2, "agent persons active in two gangs"
    lenders = defaultdict(set)
    for a in case.rows("accounts"):
        if a["kind"] in ("bank", "payment") and truth[a["account_id"]] and a["holder_person_id"]:
            lenders[a["holder_person_id"]].add(truth[a["account_id"]])
    assert any(len(g) > 1 for g in lenders.values()), "a nominee lends accounts to two gangs"
    between = [t for t in case.rows("bank_transfers")
               if "" != truth[t["from_account"]] != truth[t["to_account"]] != ""]
    assert between, "noise transfers between two gangs"
    kinds = {r["kind"] for r in case.rows("truth/hard_cases")}
    assert kinds == {"agent_in_two_gangs", "nominee_for_two_gangs", "transfer_between_gangs"}


def test_agent_hierarchies(case):
    by_platform = defaultdict(list)
    agents = case.by_id("agents")
    for a in agents.values():
        by_platform[a["platform_id"]].append(a)
    for platform, rows in by_platform.items():
        tops = [a for a in rows if not a["parent_agent_id"]]
        assert 3 <= len(tops) <= 8, platform
        assert len(rows) <= 61
        for a in rows:
            depth, cur = 1, a
            while cur["parent_agent_id"]:
                depth, cur = depth + 1, agents[cur["parent_agent_id"]]
            assert depth <= 4
    clients = case.rows("clients")
    direct = sum(not c["agent_id"] for c in clients) / len(clients)
    assert 0.03 < direct < 0.2


def test_fraud_trades_never_filled_and_routed_trades_are(case, *, every_statement: bool = True):
    """``every_statement``: False where the statements in hand cover windows only (variant
    statement_windows): there a routed trade's fill may be on none."""
    fraud = {r["platform_id"] for r in case.rows("truth/expected_platforms")
             if r["gang_id"] in {g["gang_id"] for g in case.rows("truth/expected_gangs") if g["is_fraud"] == "true"}}
    platform_of_account = {a["account_id"]: a["platform_id"] for a in case.rows("accounts") if a["kind"] == "trading"}
    fills = defaultdict(list)
    for f in case.rows("broker_fills"):
        fills[f["broker_ref"]].append(f)
    fraud_trades = routed = 0
    for t in case.rows("trades"):
        if platform_of_account[t["account_id"]] in fraud:
            fraud_trades += 1
            assert t["broker_ref"] not in fills, "a fraud trade never reaches the broker"
        elif every_statement or t["broker_ref"] in fills:
            routed += 1
            (f,) = fills[t["broker_ref"]]
            same = ("instrument", "side", "qty", "price")
            assert [f[k] for k in same] == [t[k] for k in same]
            assert f["ts"][:19] == t["ts"] or f["ts"][:19] > t["ts"]
    assert fraud_trades and routed
    fake_refs = [t for t in case.rows("trades") if platform_of_account[t["account_id"]] in fraud and t["broker_ref"]]
    assert fake_refs and len(fake_refs) < fraud_trades


def test_account_groups_leave_evidence(case):
    groups = defaultdict(set)
    controller = {}
    for r in case.rows("truth/account_groups"):
        groups[r["group_id"]].add(r["account_id"])
        controller[r["group_id"]] = r["controller_id"]
    assert 2 <= len(groups) <= 3 and all(6 <= len(g) <= 12 for g in groups.values())
    accounts = case.by_id("accounts")
    banks_of = defaultdict(set)
    for a in accounts.values():
        if a["kind"] == "bank":
            banks_of[a["holder_person_id"]].add(a["account_id"])
    fills = case.rows("broker_fills")
    for g, members in groups.items():
        assert all(accounts[a]["kind"] == "sub" for a in members)
        assert len({accounts[a]["holder_person_id"] for a in members}) == len(members)
        pairs = defaultdict(list)
        for f in fills:
            if f["account_id"] in members and f["counterparty_account_id"] in members:
                pairs[f["broker_ref"]].append(f)
        assert len(pairs) >= 5, "self-trades"
        for pair in pairs.values():
            assert sorted(f["side"] for f in pair) == ["B", "S"] and pair[0]["qty"] == pair[1]["qty"]
        funded = {t["to_account"] for t in case.rows("bank_transfers")
                  if t["from_account"] in banks_of[controller[g]]}
        assert members <= funded, "common funding from the controller"
        devices = defaultdict(set)
        for r in case.rows("logins"):
            if r["account_id"] in members:
                devices[r["device_id"]].add(r["account_id"])
        assert max(len(v) for v in devices.values()) == len(members), "shared devices"
        times = sorted((datetime.fromisoformat(f["ts"]), f["account_id"]) for f in fills
                       if f["account_id"] in members and not f["counterparty_account_id"])
        close = sum(1 for (t1, a1), (t2, a2) in zip(times, times[1:])
                    if a1 != a2 and (t2 - t1).total_seconds() <= 0.05)
        assert close > 10, "synchronised orders"


# -- scales and figures --------------------------------------------------------------------------
def test_scales():
    assert set(SCALES) == {"tiny", "small", "seed", "large"}
    assert resolve_scale("seed").n_clients == 20_000
    assert resolve_scale(5000).n_clients == 5000 and resolve_scale("5000").n_gangs == 34
    with pytest.raises(ValueError):
        resolve_scale("huge")
    with pytest.raises(ValueError):
        resolve_scale(10)


def test_small_summary_and_counts(small):
    s = small.summary
    assert s["rows"]["clients.csv"] == 2000 and s["rows"]["licenses.csv"] == 37
    assert len(small.rows("truth/expected_gangs")) == 34
    assert s["license_income"] == sum(fen(r["price"]) for r in small.rows("licenses"))
    assert 28_000_000_00 <= s["license_income"] <= 33_000_000_00
    assert s["deposits"] == sum(fen(r["deposits"]) for r in small.rows("truth/expected_clients"))
    for name, n in s["rows"].items():
        with open(small.path / name, encoding="utf-8") as fh:
            assert sum(1 for _ in fh) == n + 1, name


@pytest.mark.slow
def test_seed_scale_lands_on_the_case_figures(tmp_path):
    start = time.perf_counter()
    s = generate_case(tmp_path, "seed", seed=7)
    elapsed = time.perf_counter() - start
    assert elapsed < 30
    assert 935_000_000_00 <= s["deposits"] <= 1_265_000_000_00  # 1.1 billion ± 15%
    assert 30_000_000_00 <= s["fees"] <= 50_000_000_00  # 40 million ± 25%
    assert 28_500_000_00 <= s["license_income"] <= 33_000_000_00  # "over 30 million"
    assert 37_500_000_00 <= s["fraud_client_loss"] <= 62_500_000_00  # 50 million ± 25%


# -- variants that break the generator's own habits (casegraph generate --variant) --------------
class PartialCase(Case):
    """A case whose optional tables may be absent: an absent file reads as no rows."""

    def rows(self, name: str) -> list[dict[str, str]]:
        if not (self.path / f"{name}.csv").is_file():
            return []
        return super().rows(name)


@pytest.fixture(scope="module", params=list(VARIANTS))
def variant_case(request, generated_case) -> PartialCase:
    case = PartialCase(generated_case("tiny", 7, (request.param,)).folder)
    case.variant = request.param
    return case


def test_variant_cases_are_valid_and_their_truth_exact(variant_case):
    """Every variant keeps the contract, and truth/ still adds up from the written files."""
    from casegraph.loaders.case import read_case

    _, problems = read_case(variant_case.path)
    assert problems == []
    test_ids_unique_and_every_reference_resolves(variant_case)
    test_balance_never_negative_and_figures_match_truth(variant_case)
    test_platform_and_gang_truth_are_sums_of_clients(variant_case)
    test_rebates_are_differential_and_mismatches_are_recorded(variant_case)
    test_agent_truth_sums_own_and_subtree_clients(variant_case)
    test_vendor_income(variant_case)
    test_truth_covers_every_entity(variant_case)
    if variant_case.variant != "no_trades":
        test_fraud_trades_never_filled_and_routed_trades_are(
            variant_case, every_statement=variant_case.variant != "statement_windows")


def _agent_persons(case: Case) -> set[str]:
    return {a["person_id"] for a in case.rows("agents")}


def _staff(case: Case) -> set[str]:
    """Persons with a known role in a gang (memberships of the seized gangs)."""
    gangs = {g["gang_id"] for g in case.rows("gangs")}
    return {m["person_id"] for m in case.rows("memberships") if m["org_id"] in gangs}


def test_default_case_has_the_habits_the_variants_break(tiny):
    """The properties the variants take away hold by default (so their tests can fail)."""
    agents = _agent_persons(tiny)
    assert agents & {r["actor_id"] for r in tiny.rows("logins")}
    assert agents & _staff(tiny)
    assert any(m["role"] == "agent" for m in tiny.rows("memberships"))
    assert all(r["bank_txn_id"] for r in tiny.rows("ledger") if r["kind"] in ("rebate", "commission"))


@pytest.mark.parametrize("variant", ["agents_offline", "agents_only_in_agents_csv"])
def test_agents_never_log_in(variant, generated_case):
    case = Case(generated_case("tiny", 7, (variant,)).folder)
    agents = _agent_persons(case)
    assert not agents & {r["actor_id"] for r in case.rows("logins")}
    held = {a["account_id"] for a in case.rows("accounts") if a["holder_person_id"] in agents}
    assert not held & {r["account_id"] for r in case.rows("logins")}
    if variant == "agents_offline":  # staff still run agents, they just never log in
        assert agents & _staff(case)
        return
    # only agents.csv ties them: no staff among them, no money reaches them, no memberships
    assert not agents & _staff(case)
    assert not held & {t["to_account"] for t in case.rows("bank_transfers")}
    assert not any(r["bank_txn_id"] for r in case.rows("ledger") if r["kind"] in ("rebate", "commission"))
    assert any(r["kind"] == "rebate" for r in case.rows("ledger"))
    assert not any(m["role"] == "agent" for m in case.rows("memberships"))


def test_role_holders_run_no_agents(generated_case):
    case = Case(generated_case("tiny", 7, ("role_holders_no_agent",)).folder)
    staff = _staff(case)
    assert staff and not _agent_persons(case) & staff
    assert _agent_persons(case) & {r["actor_id"] for r in case.rows("logins")}  # outsiders still log in


@pytest.mark.parametrize("variant, absent", [("no_logins", {"logins"}), ("no_memberships", {"memberships"}),
                                             ("no_trades", {"trades", "broker_fills"})])
def test_variants_that_leave_tables_out(variant, absent, generated_case):
    generated = generated_case("tiny", 7, (variant,))
    present = {p.stem for p in generated.folder.glob("*.csv")}
    assert not present & absent and present | absent == set(FORMAT)
    sources = yaml.safe_load((generated.folder / "case.yaml").read_text(encoding="utf-8"))["sources"]
    assert set(sources) == {f"{name}.csv" for name in present}
    assert generated.summary["dropped"] == sorted(absent)


def test_drop_table_options(tmp_path):
    """--drop-table gangs: the gangs' memberships become memberships of their platforms;
    ledger.bank_txn_id: the column is written empty; anything else is refused."""
    generate_case(tmp_path / "a", "tiny", seed=7, drop_tables=["gangs", "ledger.bank_txn_id"])
    generate_case(tmp_path / "b", "tiny", seed=7)
    a, b = Case(tmp_path / "a"), Case(tmp_path / "b")
    assert not (tmp_path / "a" / "gangs.csv").exists()
    assert {r["org_id"] for r in a.rows("memberships")} <= {p["platform_id"] for p in a.rows("platforms")} | {"V01"}
    platforms_of = {g["gang_id"]: g["platform_ids"].split(";") for g in b.rows("gangs")}
    expected = sorted((m["person_id"], p, m["role"]) for m in b.rows("memberships")
                      for p in platforms_of.get(m["org_id"], [m["org_id"]]))
    assert sorted((m["person_id"], m["org_id"], m["role"]) for m in a.rows("memberships")) == expected
    assert all(r["bank_txn_id"] == "" for r in a.rows("ledger"))
    assert [r["entry_id"] for r in a.rows("ledger")] == [r["entry_id"] for r in b.rows("ledger")]
    with pytest.raises(ValueError, match="cannot drop"):
        generate_case(tmp_path / "c", "tiny", seed=7, drop_tables=["persons"])
    with pytest.raises(ValueError, match="unknown variant"):
        generate_case(tmp_path / "c", "tiny", seed=7, variants=["nonsense"])


def test_sparse_and_dense_logins(tiny, generated_case):
    default = len(tiny.rows("logins"))
    assert len(Case(generated_case("tiny", 7, ("sparse_logins",)).folder).rows("logins")) < default / 4
    assert len(Case(generated_case("tiny", 7, ("dense_logins",)).folder).rows("logins")) > default * 3


def _depth(agents: dict[str, dict[str, str]], agent_id: str) -> int:
    depth, cur = 1, agents[agent_id]
    while cur["parent_agent_id"]:
        depth, cur = depth + 1, agents[cur["parent_agent_id"]]
    return depth


def test_deep_wide_trees(generated_case):
    agents = Case(generated_case("tiny", 7, ("deep_wide_trees",)).folder).by_id("agents")
    per_platform = defaultdict(list)
    for a in agents:
        per_platform[agents[a]["platform_id"]].append(_depth(agents, a))
    deep = [d for d in per_platform.values() if len(d) >= 200]
    assert deep and all(max(d) == 8 for d in deep)


def test_multi_platform_gangs_buy_under_other_names(generated_case):
    case = Case(generated_case("small", 11, ("multi_platform_gangs",)).folder)
    per_gang = defaultdict(list)
    for p in case.rows("truth/expected_platforms"):
        per_gang[p["gang_id"]].append(p["platform_id"])
    multi = [ps for ps in per_gang.values() if len(ps) > 1]
    assert len(multi) == 3 and all(3 <= len(ps) <= 5 for ps in multi)
    buyer = {r["platform_id"]: r["buyer_name"] for r in case.rows("licenses")}
    assert all(len({buyer[p] for p in ps}) == len(ps) for ps in multi)
    assert len({p["domain"] for p in case.rows("platforms")}) == len(case.rows("platforms"))


def _group_evidence(case: Case, members: set[str]) -> set[str]:
    """Which of the three kinds of evidence the accounts of one group leave."""
    kinds = set()
    devices = defaultdict(set)
    for r in case.rows("logins"):
        if r["account_id"] in members:
            devices[r["device_id"]].add(r["account_id"])
    if any(len(v) > 1 for v in devices.values()):
        kinds.add("shared_devices")
    payers = defaultdict(set)
    for t in case.rows("bank_transfers"):
        if t["to_account"] in members:
            payers[t["from_account"]].add(t["to_account"])
    if any(len(v) > 1 for v in payers.values()):
        kinds.add("common_funding")
    times = sorted((datetime.fromisoformat(f["ts"]), f["account_id"]) for f in case.rows("broker_fills")
                   if f["account_id"] in members and not f["counterparty_account_id"])
    close = sum(1 for (t1, a1), (t2, a2) in zip(times, times[1:]) if a1 != a2 and (t2 - t1).total_seconds() <= 0.1)
    if close > 10:
        kinds.add("sync_orders")
    return kinds


def test_groups_one_evidence(small, generated_case):
    case = Case(generated_case("small", 11, ("groups_one_evidence",)).folder)
    groups = defaultdict(set)
    for r in case.rows("truth/account_groups"):
        groups[r["group_id"]].add(r["account_id"])
    kinds = [_group_evidence(case, members) for members in groups.values()]
    assert sorted(k for one in kinds for k in one) == ["common_funding", "shared_devices", "sync_orders"]
    truth = defaultdict(set)
    for r in small.rows("truth/account_groups"):
        truth[r["group_id"]].add(r["account_id"])
    assert all(len(_group_evidence(small, members)) == 3 for members in truth.values())


def _decoys(case: Case) -> int:
    """Broker sub-accounts held by a person outside every account group: the independent traders."""
    grouped = {r["account_id"] for r in case.rows("truth/account_groups")}
    return sum(a["kind"] == "sub" and a["holder_person_id"] != "" and a["account_id"] not in grouped
               for a in case.rows("accounts"))


def test_noisy(tiny, generated_case):
    assert _decoys(Case(generated_case("tiny", 7, ("noisy",)).folder)) >= 80 > 16 >= _decoys(tiny)


def test_generate_command_takes_variants_and_tables_to_drop(tmp_path, capsys):
    from casegraph.cli import main

    def run(*argv) -> int:
        with pytest.raises(SystemExit) as done:
            main([str(a) for a in argv])
        return done.value.code

    assert run("generate", "--out", tmp_path / "a", "--scale", "tiny", "--variant", "no_memberships",
               "--variant", "noisy", "--drop-table", "gangs") == 0
    assert not (tmp_path / "a" / "memberships.csv").exists() and not (tmp_path / "a" / "gangs.csv").exists()
    assert _decoys(Case(tmp_path / "a")) >= 80
    assert run("generate", "--out", tmp_path / "b", "--scale", "tiny", "--variant", "agents_asleep") == 2
    assert "unknown variant 'agents_asleep'" in capsys.readouterr().err
    assert run("generate", "--out", tmp_path / "b", "--scale", "tiny", "--drop-table", "persons") == 2
    assert run("generate", "--help") == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert all(name in help_text for name in VARIANTS)


def test_big_tables_hold_what_the_csv_module_would_write(generated_case):
    """ledger, bank_transfers, trades, broker_fills and logins are written a column at a time
    (generator/write.py write_frames): the bytes are those the csv module writes for the same
    rows, each table's ids count up from 1 in file order, and logins (no ids) are in time order."""
    folder = generated_case("tiny", 3).folder
    for name in sorted(BIG_TABLES):
        data = (folder / f"{name}.csv").read_bytes()
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        again = io.StringIO()
        csv.writer(again, lineterminator="\n").writerows(rows)
        assert again.getvalue().encode("utf-8") == data, name
        if name == "logins":
            times = [row[0] for row in rows[1:]]
            assert rows[0][0] == "ts" and times == sorted(times), name
            continue
        ids = [row[0] for row in rows[1:]]
        prefix = ids[0].rstrip("0123456789")
        assert [int(i.removeprefix(prefix)) for i in ids] == list(range(1, len(ids) + 1)), name
