"""Hand-written cases for tests: small enough to check every figure by hand.

``minimal_case()`` is one vendor, one licence, one platform with a two-level agent tree and
two clients. Its first client reproduces (2017)浙10刑终926: deposits 474,954 and withdrawals
217,893.14, net deposit 257,060.86. Tests change rows of it to make broken cases.

Two partial cases (case-format.md): ``bank_only_case()`` holds what ``casegraph ingest``
writes from bank statements alone, ``ledger_only_case()`` a platform back end alone.
"""

from __future__ import annotations

import csv
from copy import deepcopy
from pathlib import Path

from casegraph.loaders.tables import TABLES_BY_NAME

CASE_YAML = """case_id: MINI-1
title: 最小案例
timezone: Asia/Shanghai
base_currency: CNY
sources:
  ledger.csv: seized platform back end
thresholds:
  profile: "2022"
"""

MINIMAL = {
    "vendors": [
        {"vendor_id": "V1", "name": "上海某信息技术有限公司", "province": "上海市", "city": "上海",
         "bank_account_ids": "BV1"},
    ],
    "licenses": [
        {"license_id": "L1", "vendor_id": "V1", "platform_id": "P1", "sold_on": "2019-03-01", "price": "800000.00",
         "buyer_name": "王某", "paid_from_account": "BG1"},
    ],
    "platforms": [
        {"platform_id": "P1", "vendor_id": "V1", "name": "环球期货", "domain": "hq-futures.example",
         "created_on": "2019-03-02"},
    ],
    "gangs": [
        {"gang_id": "G1", "name": "王某团伙", "province": "上海市", "platform_ids": "P1", "leader_person_id": "PER1",
         "status": "seized"},
    ],
    "persons": [
        {"person_id": "PER1", "name": "王某", "province": "上海市"},
        {"person_id": "PER2", "name": "李某", "province": "上海市"},
        {"person_id": "PER3", "name": "张某", "province": "浙江省"},
        {"person_id": "PER4", "name": "赵某", "province": "浙江省"},
        {"person_id": "PER5", "name": "钱某", "province": "江苏省"},
    ],
    "memberships": [
        {"person_id": "PER1", "org_id": "G1", "role": "leader", "start": "2019-01-01"},
        {"person_id": "PER2", "org_id": "G1", "role": "salesman", "start": "2019-06-01", "end": "2020-12-31"},
    ],
    "agents": [
        {"agent_id": "A1", "platform_id": "P1", "person_id": "PER1", "rebate_rate": "0.6"},
        {"agent_id": "A2", "platform_id": "P1", "person_id": "PER2", "parent_agent_id": "A1", "rebate_rate": "0.4",
         "commission_rate": "0.01"},
    ],
    "clients": [
        {"client_id": "C1", "platform_id": "P1", "agent_id": "A2", "person_id": "PER3", "registered_on": "2019-04-01"},
        {"client_id": "C2", "platform_id": "P1", "agent_id": "A1", "person_id": "PER4", "registered_on": "2019-05-01"},
    ],
    "accounts": [
        {"account_id": "BV1", "kind": "bank", "institution": "某银行"},
        {"account_id": "BG1", "kind": "bank", "holder_person_id": "PER1"},
        {"account_id": "BK3", "kind": "bank", "holder_person_id": "PER3"},
        {"account_id": "BK4", "kind": "bank", "holder_person_id": "PER4"},
        {"account_id": "T1", "kind": "trading", "holder_person_id": "PER3", "platform_id": "P1", "client_id": "C1"},
        {"account_id": "T2", "kind": "trading", "holder_person_id": "PER4", "platform_id": "P1", "client_id": "C2"},
        {"account_id": "M1", "kind": "mother", "institution": "Harbour Futures (HK)"},
        {"account_id": "S1", "kind": "sub", "parent_account_id": "M1", "holder_person_id": "PER5"},
    ],
    "ledger": [
        {"entry_id": "E1", "ts": "2019-04-02T10:00:00", "platform_id": "P1", "client_id": "C1", "account_id": "T1",
         "kind": "deposit", "amount": "300000", "bank_txn_id": "TX1"},
        {"entry_id": "E2", "ts": "2019-04-03T10:00:00", "platform_id": "P1", "client_id": "C1", "account_id": "T1",
         "kind": "deposit", "amount": "174954"},
        {"entry_id": "E3", "ts": "2019-05-03T10:00:00", "platform_id": "P1", "client_id": "C1", "account_id": "T1",
         "kind": "withdrawal", "amount": "217893.14"},
        {"entry_id": "E4", "ts": "2019-04-05T10:00:00", "platform_id": "P1", "client_id": "C1", "account_id": "T1",
         "kind": "fee", "amount": "1000.00"},
        {"entry_id": "E5", "ts": "2019-04-06T10:00:00", "platform_id": "P1", "client_id": "C1", "account_id": "T1",
         "kind": "pnl", "amount": "-5000.50"},
        {"entry_id": "E6", "ts": "2019-04-30T10:00:00", "platform_id": "P1", "client_id": "C1",
         "kind": "rebate", "amount": "400.00", "beneficiary_agent_id": "A2"},
        {"entry_id": "E7", "ts": "2019-04-30T10:00:00", "platform_id": "P1", "client_id": "C1",
         "kind": "rebate", "amount": "200.00", "beneficiary_agent_id": "A1"},
        {"entry_id": "E8", "ts": "2019-05-02T09:00:00", "platform_id": "P1", "client_id": "C2", "account_id": "T2",
         "kind": "deposit", "amount": "10000"},
        {"entry_id": "E9", "ts": "2019-05-02T09:30:00", "platform_id": "P1", "client_id": "C2", "account_id": "T2",
         "kind": "overnight_fee", "amount": "12.34"},
    ],
    "bank_transfers": [
        {"txn_id": "TX1", "ts": "2019-04-02T09:59:00", "from_account": "BK3", "to_account": "BG1", "amount": "300000"},
        {"txn_id": "TX2", "ts": "2019-03-01T12:00:00", "from_account": "BG1", "to_account": "BV1", "amount": "800000"},
    ],
    "trades": [
        {"trade_id": "TR1", "ts": "2019-04-05T10:00:00", "account_id": "T1", "instrument": "HSI", "side": "B",
         "qty": "1", "price": "28000", "notional": "1400000.00", "broker_ref": "BR1"},
    ],
    "broker_fills": [
        {"fill_id": "F1", "ts": "2019-04-05T10:00:01", "account_id": "S1", "instrument": "HSI", "side": "B",
         "qty": "1", "price": "28000", "broker_ref": "BR1"},
    ],
    "logins": [
        {"ts": "2019-04-05T09:00:00", "actor_id": "PER1", "ip": "10.1.1.1", "device_id": "D1", "ip_province": "上海市"},
    ],
    "fx_rates": [
        {"date": "2019-01-02", "currency": "USD", "cny_per_unit": "6.8482"},
    ],
}


# Written by `casegraph ingest` from raw bank exports, absent from hand-written case folders.
INGEST_ONLY = ("aliases", "source", "source_row")


def minimal_case() -> dict[str, list[dict]]:
    """A fresh copy of the minimal case's rows, to change freely."""
    return deepcopy(MINIMAL)


def minimal_case_with_cash() -> dict[str, list[dict]]:
    """The minimal case with cash paid into the gang's account and taken out of a client's
    (transfers with the cash side empty)."""
    rows = minimal_case()
    rows["bank_transfers"] += [
        {"txn_id": "CASH1", "ts": "2019-04-01T09:00:00", "to_account": "BG1", "amount": "5000", "channel": "cash"},
        {"txn_id": "CASH2", "ts": "2019-05-04T09:00:00", "from_account": "BK3", "amount": "700", "channel": "cash"},
    ]
    return rows


def bought_by_leader_case(*, card_holder: str = "PER1", buyer_name: str | None = "王某") -> dict[str, list[dict]]:
    """The minimal case with a second platform P2 (its agent A9, PER6) whose licence the vendor's
    records say ``buyer_name`` bought (no one when None), without a phone, paid from the card BL
    that ``card_holder`` holds: PER1, 王某, is G1's leader."""
    rows = minimal_case()
    rows["platforms"].append({"platform_id": "P2", "vendor_id": "V1", "name": "另一平台", "created_on": "2019-06-02"})
    rows["licenses"].append({"license_id": "L2", "vendor_id": "V1", "platform_id": "P2", "sold_on": "2019-06-01",
                             "price": "500000.00", "buyer_name": buyer_name, "paid_from_account": "BL"})
    rows["persons"].append({"person_id": "PER6", "name": "孙某", "province": "浙江省"})
    rows["accounts"].append({"account_id": "BL", "kind": "bank", "holder_person_id": card_holder})
    rows["agents"].append({"agent_id": "A9", "platform_id": "P2", "person_id": "PER6", "rebate_rate": "0.5"})
    return rows


def splinter_case(*, left: bool = True, role: str = "manager") -> dict[str, list[dict]]:
    """The minimal case with a platform P2 that no gang lists, led from 2020-02-01 by PERS, in
    ``role`` at G1 until 2020-01-31 (``left``; else still G1's), its top agent AS; three agents of
    G1's P1 (persons PERF1-3, under A1) who left P1 on 2020-02-10 (``left``) are agents of P2
    under AS from 2020-03-01."""
    rows = minimal_case()
    end = "2020-01-31" if left else None
    rows["platforms"].append({"platform_id": "P2", "vendor_id": "V1", "name": "新平台", "created_on": "2020-02-01"})
    rows["persons"].append({"person_id": "PERS", "name": "周某", "province": "上海市"})
    rows["memberships"] += [{"person_id": "PERS", "org_id": "G1", "role": role, "start": "2019-01-01", "end": end},
                            {"person_id": "PERS", "org_id": "P2", "role": "leader", "start": "2020-02-01"}]
    rows["agents"].append({"agent_id": "AS", "platform_id": "P2", "person_id": "PERS", "rebate_rate": "0.6",
                           "joined_on": "2020-02-01"})
    for number in (1, 2, 3):
        person = f"PERF{number}"
        rows["persons"].append({"person_id": person, "name": f"跟随{number}", "province": "上海市"})
        rows["agents"] += [{"agent_id": f"AF{number}", "platform_id": "P1", "person_id": person,
                            "parent_agent_id": "A1", "rebate_rate": "0.3", "joined_on": "2019-05-01",
                            "left_on": "2020-02-10" if left else None},
                           {"agent_id": f"BF{number}", "platform_id": "P2", "person_id": person,
                            "parent_agent_id": "AS", "rebate_rate": "0.3", "joined_on": "2020-03-01"}]
    return rows


def handover_case(*, renewed_by: str = "PER7") -> dict[str, list[dict]]:
    """The minimal case with a second known gang G2 (leader PER7, 吴某, phone 13900000007, its
    platform P2 and agent A2X) and a platform P3 that gangs.csv lists under G1 beside P1: its
    licence L3 bought in 2019 by G1's leader (PER1, paid from his card BG1), renewed in 2020 as
    L4 by ``renewed_by`` (by phone); P3's agents A31 and A32 (PER31, PER32) under A31."""
    rows = minimal_case()
    rows["gangs"][0]["platform_ids"] = "P1;P3"
    rows["gangs"].append({"gang_id": "G2", "name": "吴某团伙", "province": "江苏省", "platform_ids": "P2",
                          "leader_person_id": "PER7", "status": "seized"})
    rows["platforms"] += [{"platform_id": "P2", "vendor_id": "V1", "name": "吴氏期货", "created_on": "2019-02-02"},
                          {"platform_id": "P3", "vendor_id": "V1", "name": "转手平台", "created_on": "2019-06-02"}]
    buyer = {"PER7": ("吴某", "13900000007"), "PER1": ("王某", "13900000001")}[renewed_by]
    rows["licenses"] += [
        {"license_id": "L2", "vendor_id": "V1", "platform_id": "P2", "sold_on": "2019-02-01", "price": "500000.00",
         "buyer_name": "吴某", "buyer_phone": "13900000007"},
        {"license_id": "L3", "vendor_id": "V1", "platform_id": "P3", "sold_on": "2019-06-01", "price": "500000.00",
         "buyer_name": "王某", "paid_from_account": "BG1"},
        {"license_id": "L4", "vendor_id": "V1", "platform_id": "P3", "sold_on": "2020-06-01", "price": "100000.00",
         "buyer_name": buyer[0], "buyer_phone": buyer[1], "contract_note": "续费"},
    ]
    rows["persons"][0]["phone"] = "13900000001"
    rows["persons"] += [{"person_id": "PER7", "name": "吴某", "province": "江苏省", "phone": "13900000007"},
                        {"person_id": "PER31", "name": "代理甲", "province": "江苏省"},
                        {"person_id": "PER32", "name": "代理乙", "province": "江苏省"}]
    rows["memberships"].append({"person_id": "PER7", "org_id": "G2", "role": "leader", "start": "2019-01-01"})
    rows["agents"] += [
        {"agent_id": "A2X", "platform_id": "P2", "person_id": "PER7", "rebate_rate": "0.5"},
        {"agent_id": "A31", "platform_id": "P3", "person_id": "PER31", "rebate_rate": "0.5"},
        {"agent_id": "A32", "platform_id": "P3", "person_id": "PER32", "parent_agent_id": "A31", "rebate_rate": "0.3"},
    ]
    return rows


def turned_front_case(*, renewed_by: str = "PER7") -> dict[str, list[dict]]:
    """:func:`handover_case` with a client C3 of P3 (account T3) whose first three trades
    (2019-07) a statement shows (BR31-BR33, filled on S1) and whose last two (2020-05, before
    the renewal L4 of 2020-06-01, as a buyer turns the platform fake before he renews its
    licence) have no reference: two of five fake, two of two from the first fake one on."""
    rows = handover_case(renewed_by=renewed_by)
    rows["clients"].append({"client_id": "C3", "platform_id": "P3", "agent_id": "A32"})
    rows["accounts"].append({"account_id": "T3", "kind": "trading", "platform_id": "P3", "client_id": "C3"})
    dated = [(f"TR3{n}", f"2019-07-0{n}T10:00:00", f"BR3{n}") for n in (1, 2, 3)]
    dated += [(f"TR3{n}", f"2020-05-0{n}T10:00:00", "") for n in (4, 5)]
    rows["trades"] += [{"trade_id": trade, "ts": ts, "account_id": "T3", "instrument": "HSI", "side": "B",
                        "qty": "1", "price": "28000", "notional": "1400000.00", "broker_ref": ref}
                       for trade, ts, ref in dated]
    rows["broker_fills"] += [{"fill_id": f"F{ref}", "ts": ts.replace(":00:00", ":00:01"), "account_id": "S1",
                              "instrument": "HSI", "side": "B", "qty": "1", "price": "28000", "broker_ref": ref}
                             for _, ts, ref in dated if ref]
    return rows


def front_without_trades_case(*, taken: int = 1) -> dict[str, list[dict]]:
    """:func:`bought_by_leader_case`'s P2 (bought by another, a gang of its own) with five
    clients who deposit, and no trade in trades.csv; a negative adjustment ("risk control")
    takes money from ``taken`` of them."""
    rows = bought_by_leader_case(card_holder="PER6")
    for number in range(5):
        client, person = f"F{number}", f"PERF{number}"
        rows["persons"].append({"person_id": person, "name": f"客户F{number}", "province": "浙江省"})
        rows["clients"].append({"client_id": client, "platform_id": "P2", "agent_id": "A9", "person_id": person,
                                "registered_on": "2019-07-01"})
        rows["ledger"].append({"entry_id": f"EF{number}", "ts": f"2019-07-0{number + 2}T10:00:00",
                               "platform_id": "P2", "client_id": client, "kind": "deposit", "amount": "50000"})
        if number < taken:
            rows["ledger"].append({"entry_id": f"EF{number}A", "ts": f"2019-08-0{number + 2}T10:00:00",
                                   "platform_id": "P2", "client_id": client, "kind": "adjustment",
                                   "amount": "-30000"})
    return rows


def member_unit_case(*, sweeps_to_master: bool = False, unit_clients: int = 10,
                     listed: bool = False, agents_persons: bool = True,
                     aggregator: str | None = None) -> dict[str, list[dict]]:
    """The minimal case with a member unit (会员单位) on its platform P1: a gang of 湖北省 whose
    leader PER7 is the top-level agent U1 (U2 below him, PER8), ``unit_clients`` clients who pay
    into the unit's card BU1 (PER7's) and are paid from its payout card BU2 (PER8's). BU1 is
    emptied into the unit's finance card BUF (PER8's), which pays the master's card BG1 a monthly
    fee. Beside it, the master's own top-level agent A3 (PER6) and its ten clients, who pay into
    BG1 and are paid from it, as C1 is. Each client makes two deposits and one withdrawal.
    ``sweeps_to_master``: BU1 is emptied into the master's card BGF, as BG1 is: a team of the
    master's that collects on a card of its own, no unit. ``listed``: gangs.csv lists the unit,
    G2, with PER7 its leader and no platform, and memberships.csv PER9 its finance officer, who
    holds the card BU3 and is no agent. Without ``agents_persons`` the platform's agents are
    exported without their persons (agents.csv's ``person_id`` empty), and memberships.csv names
    PER8 too, the unit's salesman. ``aggregator``: the unit's clients make their second deposit
    into AGG, a payment company's account, as do those of the master's small second team A4
    (PER10, three clients, who make one deposit each; with "everyone", A3's clients too), and AGG
    settles each side's money to its finance card (BUF, BGF)."""
    rows = minimal_case()
    if listed:
        rows["gangs"].append({"gang_id": "G2", "name": "周某团伙", "province": "湖北省", "leader_person_id": "PER7",
                              "status": "suspected"})
        rows["persons"].append({"person_id": "PER9", "name": "郑某", "province": "湖北省"})
        rows["memberships"].append({"person_id": "PER9", "org_id": "G2", "role": "finance", "start": "2019-01-01"})
        rows["accounts"].append({"account_id": "BU3", "kind": "bank", "holder_person_id": "PER9"})
        if not agents_persons:
            rows["memberships"].append({"person_id": "PER8", "org_id": "G2", "role": "salesman", "start": "2019-01-01"})
    rows["persons"] += [{"person_id": "PER6", "name": "孙某", "province": "上海市"},
                        {"person_id": "PER7", "name": "周某", "province": "湖北省"},
                        {"person_id": "PER8", "name": "吴某", "province": "湖北省"}]
    rows["agents"] += [{"agent_id": "A3", "platform_id": "P1", "person_id": "PER6", "rebate_rate": "0.3"},
                       {"agent_id": "U1", "platform_id": "P1", "person_id": "PER7", "rebate_rate": "0.75"},
                       {"agent_id": "U2", "platform_id": "P1", "person_id": "PER8", "parent_agent_id": "U1",
                        "rebate_rate": "0.5"}]
    if not agents_persons:
        for agent in rows["agents"]:
            agent.pop("person_id", None)
    rows["accounts"] += [{"account_id": card, "kind": "bank", "holder_person_id": holder}
                         for card, holder in (("BU1", "PER7"), ("BU2", "PER8"), ("BUF", "PER8"), ("BGF", "PER1"))]
    sides = [("M", "A3", "BG1", "BG1", 10), ("N", "U2", "BU1", "BU2", unit_clients)]
    aggregated = {"beside": ("N", "S"), "everyone": ("N", "S", "M")}.get(aggregator, ())
    if aggregator:
        rows["persons"] += [{"person_id": "PERA", "name": "某支付科技有限公司", "province": "浙江省"},
                            {"person_id": "PER10", "name": "钱某", "province": "上海市"}]
        rows["agents"].append({"agent_id": "A4", "platform_id": "P1", "person_id": "PER10", "rebate_rate": "0.3"})
        rows["accounts"].append({"account_id": "AGG", "kind": "payment", "holder_person_id": "PERA"})
        sides.append(("S", "A4", "BG1", "BG1", 3))
    for prefix, agent, collecting, paying, count in sides:
        second = "AGG" if prefix in aggregated else collecting
        steps = ((("deposit", "card", second, "15000"),) if prefix == "S" else
                 (("deposit", "card", collecting, "20000"), ("deposit", "card", second, "15000"),
                  ("withdrawal", paying, "card", "9000.50")))
        for number in range(1, count + 1):
            client, person, card = f"{prefix}{number:02d}", f"PER{prefix}{number:02d}", f"BK{prefix}{number:02d}"
            rows["persons"].append({"person_id": person, "name": f"客户{prefix}{number}", "province": "江苏省"})
            rows["clients"].append({"client_id": client, "platform_id": "P1", "agent_id": agent, "person_id": person,
                                    "registered_on": "2019-06-01"})
            rows["accounts"].append({"account_id": card, "kind": "bank", "holder_person_id": person})
            for step, (kind, source, target, amount) in enumerate(steps):
                source, target = (card if end == "card" else end for end in (source, target))
                txn, ts = f"TX{client}{step}", f"2019-{7 + step:02d}-{number:02d}T10:00:00"
                rows["bank_transfers"].append({"txn_id": txn, "ts": ts, "from_account": source,
                                               "to_account": target, "amount": amount})
                rows["ledger"].append({"entry_id": f"E{client}{step}", "ts": ts, "platform_id": "P1",
                                       "client_id": client, "kind": kind, "amount": amount, "bank_txn_id": txn})
            rows["ledger"].append({"entry_id": f"E{client}F", "ts": f"2019-07-{number:02d}T11:00:00",
                                   "platform_id": "P1", "client_id": client, "kind": "fee", "amount": "300.00"})
    for month in (7, 8, 9):
        sweeps = [("BG1", "BGF", "200000")] + ([("BU1", "BGF", "150000")] if sweeps_to_master else
                                              [("BU1", "BUF", "150000"), ("BUF", "BG1", "900.00")])
        if aggregator:
            sweeps += [("AGG", "BUF", "140000"), ("AGG", "BGF", "40000")]
        rows["bank_transfers"] += [{"txn_id": f"SW{month}{number}", "ts": f"2019-{month:02d}-28T18:00:00",
                                    "from_account": source, "to_account": target, "amount": amount}
                                   for number, (source, target, amount) in enumerate(sweeps)]
    rows["logins"] += [{"ts": f"2019-07-{day:02d}T09:00:00", "actor_id": actor, "ip": "27.16.1.8",
                        "device_id": f"DU{actor}", "ip_province": "湖北省"}
                       for day in (1, 2, 3) for actor in ("PER7", "PER8")]
    return rows


def _ingested(source: str, rows: list[dict]) -> list[dict]:
    """Rows as ``casegraph ingest`` writes them: each with its source and row in that source."""
    return [dict(row, source=source, source_row=str(line)) for line, row in enumerate(rows, start=2)]


# Three holders' statements from two banks, and a payment account: 50,000 paid in as cash,
# passed on within hours, partly taken out as cash again. Two accounts of different holders
# are used from one device.
ICBC, CCB = "工商银行反馈.xlsx#交易明细", "建设银行反馈.csv"
BANK_ONLY = {
    "persons": _ingested("工商银行反馈.xlsx#人员信息", [
        {"person_id": "110101199001011234", "name": "孙某", "id_number": "110101199001011234"},
        {"person_id": "310101198505052345", "name": "周某", "id_number": "310101198505052345"},
        {"person_id": "440301197707073456", "name": "吴某", "id_number": "440301197707073456"},
    ]),
    "accounts": _ingested("工商银行反馈.xlsx#账户信息", [
        {"account_id": "6222020200001111", "kind": "bank", "holder_person_id": "110101199001011234",
         "institution": "中国工商银行", "aliases": "0200001119000011111"},
        {"account_id": "6217000010002222", "kind": "bank", "holder_person_id": "310101198505052345",
         "institution": "中国建设银行", "aliases": "31050161360000002222"},
        {"account_id": "6228480030003333", "kind": "bank", "holder_person_id": "440301197707073456",
         "institution": "中国农业银行"},
        {"account_id": "wxid_zhou2222", "kind": "payment", "holder_person_id": "310101198505052345",
         "institution": "财付通"},
    ]),
    "bank_transfers": _ingested(ICBC, [
        {"txn_id": "ICBC-0001", "ts": "2021-06-01T09:00:00", "to_account": "6222020200001111",
         "amount": "50000.00", "channel": "cash", "memo": "现金存入"},
        {"txn_id": "ICBC-0002", "ts": "2021-06-01T13:30:00", "from_account": "6222020200001111",
         "to_account": "6217000010002222", "amount": "49500.00", "channel": "网银转账"},
    ]) + _ingested(CCB, [
        {"txn_id": "CCB-0001", "ts": "2021-06-02T10:00:00", "from_account": "6217000010002222",
         "to_account": "6228480030003333", "amount": "20000.00", "channel": "手机银行"},
        {"txn_id": "CCB-0002", "ts": "2021-06-02T10:05:00", "from_account": "6217000010002222",
         "to_account": "wxid_zhou2222", "amount": "10000.00", "channel": "快捷支付"},
        {"txn_id": "CCB-0003", "ts": "2021-06-03T18:00:00", "from_account": "6228480030003333",
         "amount": "19000.00", "channel": "cash", "memo": "ATM取款"},
    ]),
    "logins": _ingested(ICBC, [
        {"ts": "2021-06-01T13:29:00", "account_id": "6222020200001111", "ip": "113.65.1.20",
         "device_id": "3C-7D-0A-11-22-33"},
        {"ts": "2021-06-02T09:59:00", "account_id": "6217000010002222", "ip": "113.65.1.20",
         "device_id": "3C-7D-0A-11-22-33"},
    ]),
    "statements": [
        {"account_id": "6222020200001111", "institution": "中国工商银行", "first_ts": "2021-06-01T00:00:00",
         "last_ts": "2021-06-30T23:59:59", "source": ICBC},
        {"account_id": "6217000010002222", "institution": "中国建设银行", "first_ts": "2021-06-01T00:00:00",
         "last_ts": "2021-06-30T23:59:59", "source": CCB},
    ],
}


def bank_only_case() -> dict[str, list[dict]]:
    """A fresh copy of the bank-only case's rows: persons, accounts (with aliases), transfers
    (two of them cash), logins and statements, as ``casegraph ingest`` writes them."""
    return deepcopy(BANK_ONLY)


def ledger_only_case() -> dict[str, list[dict]]:
    """The minimal case's platform back end alone: vendors, platforms, agents, clients and the
    ledger, without persons, accounts, licences or bank statements (the columns naming them
    left empty)."""
    rows = minimal_case()
    blank = {"agents": ("person_id",), "clients": ("person_id",), "ledger": ("account_id", "bank_txn_id"),
             "vendors": ("bank_account_ids",)}
    for name, columns in blank.items():
        for row in rows[name]:
            for column in columns:
                row.pop(column, None)
    return {name: rows[name] for name in ("vendors", "platforms", "agents", "clients", "ledger")}


def write_case(folder: Path, rows: dict[str, list[dict]], case_yaml: str = CASE_YAML,
               encoding: str = "utf-8") -> Path:
    """Write rows as a case folder, columns in the contract's order (extra columns after);
    the columns only ``casegraph ingest`` fills (:data:`INGEST_ONLY`) only where rows have them."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "case.yaml").write_text(case_yaml, encoding="utf-8")
    for name, table_rows in rows.items():
        columns = [c for c in TABLES_BY_NAME[name].column_names if c not in INGEST_ONLY]
        for row in table_rows:
            columns += [k for k in row if k not in columns]
        with open(folder / f"{name}.csv", "w", newline="", encoding=encoding) as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(table_rows)
    return folder
