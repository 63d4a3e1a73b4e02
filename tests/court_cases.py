"""The courts' worked figures (shared/domain.md §2) as small hand-written cases.

Each function returns the case rows and the income.csv rows they must produce:
``(subject_id, method, window_start, amount)`` with money as text, the way the file has it.
All cases start from :func:`casebuilder.minimal_case` and change only what the court's
figures need; the amounts are the judgments' own.
"""

from __future__ import annotations

from casebuilder import minimal_case

BASE = {"platform_id": "P1"}


def entry(entry_id: str, ts: str, client: str, kind: str, amount: str, **extra) -> dict:
    return {**BASE, "entry_id": entry_id, "ts": ts, "client_id": client, "kind": kind, "amount": amount, **extra}


def add_client(rows, client_id: str, person_id: str, agent_id: str, account_id: str | None = None) -> None:
    """A client of P1 under ``agent_id``; its trading account held by ``person_id``."""
    if not any(p["person_id"] == person_id for p in rows["persons"]):
        rows["persons"].append({"person_id": person_id, "name": f"客户{person_id}", "province": "浙江省"})
    rows["clients"].append({"client_id": client_id, "platform_id": "P1", "agent_id": agent_id, "person_id": person_id})
    rows["accounts"].append({"account_id": account_id or f"T-{client_id}", "kind": "trading",
                             "holder_person_id": person_id, "platform_id": "P1", "client_id": client_id})


def zhejiang_926():
    """(2017)浙10刑终926: deposits − withdrawals = 474,954 − 217,893.14 = 257,060.86 (A2's client C1)."""
    return minimal_case(), [("A2", "net_deposit", "", "257060.86")]


def guangzhou_873():
    """(2020)粤01刑终873: the salesman's own account, withdrawals − deposits = 4,378,985 − 1,285,002
    = 3,093,983; his clients' fees + deferral fees + losses = 3,786,139.6."""
    rows = minimal_case()
    add_client(rows, "C9", "PER2", "A2", "T9")  # the salesman trades on his own account
    rows["ledger"] += [
        entry("E90", "2019-07-01T10:00:00", "C9", "deposit", "1285002", account_id="T9"),
        entry("E91", "2019-09-01T10:00:00", "C9", "withdrawal", "4378985", account_id="T9"),
        entry("E92", "2019-08-01T10:00:00", "C9", "pnl", "3093983", account_id="T9"),
    ]
    # C1 (A2's client) already has fees 1,000 and pnl −5,000.50: add to reach 3,786,139.60.
    rows["ledger"] += [
        entry("E93", "2019-06-01T10:00:00", "C1", "fee", "600000.00"),
        entry("E94", "2019-06-02T10:00:00", "C1", "overnight_fee", "180139.10"),
        entry("E95", "2019-06-03T10:00:00", "C1", "pnl", "-6093983.00"),  # lost; C9's gain is not offset
    ]
    return rows, [
        ("PER2", "own_net_withdrawal", "", "3093983.00"),
        # C1 lost 601,000 + 180,139.10 + 6,098,983.50 = 6,880,122.60; C9 gained 3,093,983, so the
        # signed sum is the court's 3,786,139.60 while the losing clients alone lost 6,880,122.60.
        ("A2", "client_losses", "", "6880122.60"),
        ("A2", "client_net_loss", "", "3786139.60"),
    ]


def binhai_50():
    """(2015)滨功刑初字第50: fees actually received, 3,593,608.19 (fees + overnight fees)."""
    rows = minimal_case()
    rows["ledger"] += [entry("E50", "2019-06-01T10:00:00", "C2", "fee", "3592595.85")]
    # with C1's 1,000.00 fee and C2's 12.34 overnight fee already in the case
    return rows, [("P1", "fees", "", "3593608.19"), ("A1", "fees", "", "3593608.19")]


def fuzhou_254():
    """(2021)闽01刑终254: rebates actually received 34,461,714; a salesman's commission 124,598."""
    rows = minimal_case()
    rows["ledger"] += [
        entry("E60", "2019-06-30T23:50:00", "C2", "rebate", "34461514.00", beneficiary_agent_id="A1"),
        entry("E61", "2019-06-30T23:50:00", "C1", "commission", "124598.00", beneficiary_agent_id="A2"),
    ]
    # A1 had 200.00 of rebates already: 200 + 34,461,514 = 34,461,714. A2: 400 rebate + commission.
    return rows, [("A1", "rebates", "", "34461714.00"), ("PER1", "rebates", "", "34461714.00"),
                  ("A2", "rebates", "", "124998.00")]


def chen_xiaoyun():
    """陈小云 case: turnover 2,273,646,809.16 as the business amount."""
    rows = minimal_case()
    rows["trades"] = [{"trade_id": "TR1", "ts": "2019-04-05T10:00:00", "account_id": "T1", "instrument": "HSI",
                       "side": "B", "qty": "1", "price": "28000", "notional": "2273646809.16", "broker_ref": "BR1"}]
    return rows, [("P1", "turnover", "", "2273646809.16"), ("G1", "turnover", "", "2273646809.16")]


def ganzhou_1103():
    """(2019)赣07刑终1103: deposits ≥ client losses ≥ 4,993,685.5; a winner does not offset."""
    rows = minimal_case()
    rows["ledger"] += [
        entry("E70", "2019-06-01T10:00:00", "C1", "pnl", "-4993185.00"),  # C1 then lost 4,998,185.50 in all
        entry("E71", "2019-06-01T11:00:00", "C2", "pnl", "50000.00"),  # C2 won more than its fees
    ]
    # C1: fees 1,000 + losses 5,000.50 + 4,993,185 = 4,999,185.50; C2 is a winner (−49,987.66).
    return rows, [("P1", "client_losses", "", "4999185.50"), ("P1", "client_net_loss", "", "4949197.84")]


def hebei_11():
    """(2017)冀08刑初11: all deposits paid in count, recycled deposits twice (gross_deposits);
    fresh_money counts the principal once."""
    rows = minimal_case()
    rows["ledger"] += [
        entry("E80", "2019-06-01T10:00:00", "C2", "withdrawal", "10000"),
        entry("E81", "2019-06-02T10:00:00", "C2", "deposit", "10000"),  # the same money again
    ]
    return rows, [("P1", "gross_deposits", "", "494954.00"), ("P1", "fresh_money", "", "484954.00")]


def huang_minjiao():
    """黄敏娇 case: a platform's manager, no agent, answers for the platform's clients during her
    tenure: transfer P&L + fees + storage fees = 46,217,389.5 + 43,439,864.5 + 874,973.6
    = 90,532,227.6. Entries outside the tenure (before it began, after it ended) do not count."""
    rows = minimal_case()
    rows["persons"].append({"person_id": "PER6", "name": "黄某", "province": "上海市"})
    rows["memberships"].append({"person_id": "PER6", "org_id": "P1", "role": "manager",
                                "start": "2020-01-01", "end": "2020-12-31"})
    add_client(rows, "C7", "PER5", "A2")
    add_client(rows, "C8", "PER4", "")  # a direct client: no agent leads to it, only the platform
    inside = "2020-03-01T10:00:00"
    rows["ledger"] += [
        entry("E30", inside, "C7", "pnl", "-46217389.50"),
        entry("E31", inside, "C7", "fee", "43000000.00"),
        entry("E32", inside, "C8", "fee", "439864.50"),
        entry("E33", inside, "C8", "overnight_fee", "874973.60"),
        entry("E34", "2019-12-31T23:59:59", "C8", "fee", "500.00"),  # the evening before she began
        entry("E35", "2021-01-01T00:00:00", "C7", "fee", "999999.00"),  # the midnight after she left
    ]
    # All time she answers for every client of P1: fees 1,000 (C1) + 12.34 (C2) + C7's and
    # C8's 44,314,838.10 inside + 500 + 999,999 outside the tenure, the platform's own sum.
    return rows, [("PER6", "client_net_loss", "2020-01-01", "90532227.60"),
                  ("PER6", "fees", "", "45316349.44"), ("P1", "fees", "", "45316349.44")]


def chongqing_525():
    """(2019)渝05刑终525: the losses of the units a person developed count only during tenure.
    PER2 developed them as agent A2: his role is ``agent``, so he answers for A2's subtree."""
    rows = minimal_case()
    rows["memberships"][1]["role"] = "agent"
    add_client(rows, "C7", "PER5", "A2")
    rows["ledger"] += [
        entry("E30", "2020-03-01T10:00:00", "C7", "fee", "43439864.50"),
        entry("E31", "2020-03-01T10:00:00", "C7", "overnight_fee", "874973.60"),
        entry("E32", "2021-02-01T10:00:00", "C7", "fee", "999999.00"),  # after PER2 left on 2020-12-31
        # The tenure ends the day before the 2021 fee; the boundary day itself still counts.
        entry("E33", "2020-12-31T23:59:59", "C7", "fee", "100.00"),
        entry("E34", "2019-06-01T10:00:00", "C2", "fee", "5000.00"),  # A1's client, not a unit of his
    ]
    # C1's entries fall in April–May 2019, before PER2's period began on 2019-06-01.
    return rows, [("PER2", "fees", "2019-06-01", "44314938.10"), ("PER2", "fees", "", "45315937.10")]


def agent_and_role_holder():
    """Not a court's figure: a person who is an agent (PER2 is A2, over C1 and C7) and holds a
    role in the gang running the platform (salesman of G1 from 2019-06-01 to 2020-12-31: every
    client of P1) answers for each client once, all time and within the period."""
    rows = minimal_case()
    add_client(rows, "C7", "PER5", "A2")
    add_client(rows, "C8", "PER4", "")
    inside = "2020-03-01T10:00:00"
    rows["ledger"] += [entry("E40", inside, "C1", "deposit", "1000.00"),  # reached both ways
                       entry("E41", inside, "C8", "deposit", "500.00"),  # reached through the gang only
                       entry("E42", "2021-01-01T10:00:00", "C7", "deposit", "200.00")]  # after the period
    # All time: C1 474,954 + 1,000, C2 10,000, C7 200, C8 500 — the platform's sum, once.
    return rows, [("PER2", "gross_deposits", "", "486654.00"), ("P1", "gross_deposits", "", "486654.00"),
                  ("PER2", "gross_deposits", "2019-06-01", "1500.00")]


COURT_CASES = [zhejiang_926, guangzhou_873, binhai_50, fuzhou_254, chen_xiaoyun, ganzhou_1103, hebei_11,
               huang_minjiao, chongqing_525]
# Cases of who answers for what, beside the courts' own figures.
PERSON_CASES = [agent_and_role_holder]
