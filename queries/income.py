"""income.csv: the courts' methods side by side, one row per subject × method, with severity.

Each method is an amount that some court used as the business amount or the illegal income
(shared/domain.md §2); the engine computes all of them and lets the prosecutor choose.

=================== ================ ================================================== ==============================
method              basis            amount                                             seen in
=================== ================ ================================================== ==============================
net_deposit         business amount  Σ clients' deposits − withdrawals                  (2017)浙10刑终926
own_net_withdrawal  illegal income   withdrawals − deposits on the subject's own        (2020)粤01刑终873
                                     trading accounts
fees                business amount  Σ fees + overnight fees actually charged           (2015)滨功刑初字第50
rebates             illegal income   Σ rebates + commissions actually received          (2021)闽01刑终254
turnover            business amount  Σ notional of the clients' trades                  陈小云 case; (2016)渝05刑初106
gross_deposits      business amount  Σ deposits (counts recycled money again)           (2017)冀08刑初11
client_losses       business amount  Σ over losing clients of client_loss               (2019)赣07刑终1103, (2017)豫08刑终348
client_net_loss     illegal income   Σ client_loss, signed                              黄敏娇 case; (2016)渝05刑初106
fresh_money         business amount  Σ fresh_money (principal put in, counted once)     —
license_income      illegal income   Σ licence prices (vendor)                          —
=================== ================ ================================================== ==============================

Subjects: gang, platform (sums over their clients), agent (its subtree), person (through the
agents they are, all time and within each membership period), vendor (licence income).
The table is built from per-subject figures, so both engines share this code and differ only
in how they computed the figures.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
import pandas as pd

from casegraph.thresholds import ThresholdRules

from .columnar import lookup


@dataclass(frozen=True)
class Method:
    name: str
    basis: str  # "business_amount" or "illegal_income"
    figures: tuple[str, ...]  # the figures summed (with the subject's prefix)


METHODS: tuple[Method, ...] = (
    Method("net_deposit", "business_amount", ("net_deposit",)),
    Method("own_net_withdrawal", "illegal_income", ("own_net_withdrawal",)),
    Method("fees", "business_amount", ("fees", "overnight_fees")),
    Method("rebates", "illegal_income", ("rebate_received", "commission_received")),
    Method("turnover", "business_amount", ("turnover",)),
    Method("gross_deposits", "business_amount", ("deposits",)),
    Method("client_losses", "business_amount", ("client_losses",)),
    Method("client_net_loss", "illegal_income", ("client_loss",)),
    Method("fresh_money", "business_amount", ("fresh_money",)),
    Method("license_income", "illegal_income", ("license_income",)),
)
COLUMNS = ["subject_id", "subject_type", "method", "amount", "window_start", "window_end", "severity"]
# Figures that keep their own name whatever the subject's prefix.
UNPREFIXED = {"own_net_withdrawal", "rebate_received", "commission_received", "license_income"}


def method_rows(frame: pd.DataFrame, subject_type: str, prefix: str = "") -> pd.DataFrame:
    """Long rows (subject_id, subject_type, method, amount) for every method whose figures the
    frame has; ``prefix`` names the figures' scope (``subtree_`` for agents and persons)."""
    names, amounts = [], []
    for method in METHODS:
        columns = [f if f in UNPREFIXED else prefix + f for f in method.figures]
        if all(c in frame.columns for c in columns):
            names.append(method.name)
            # summed as the frame's row sums are: a missing figure counts as 0
            amounts.append(sum(frame[c].to_numpy(dtype="int64", na_value=0) for c in columns))
    # One frame of every method's rows, the subjects over again for each (a frame per method,
    # then joined, cost 40 ms an analysis of a case of a few rows).
    subjects = frame.index.take(np.tile(np.arange(len(frame)), len(names)))
    return pd.DataFrame({"subject_id": subjects, "subject_type": subject_type,
                         "method": np.repeat(names, len(frame)), "amount": np.concatenate(amounts)})


def income_table(subjects: dict[str, pd.DataFrame], windows: pd.DataFrame, provinces: dict[str, pd.Series],
                 rules: ThresholdRules) -> pd.DataFrame:
    """income.csv from per-subject figures.

    ``subjects`` maps a subject type to its figures (indexed by id; agents and persons with
    ``subtree_`` figures); ``windows`` is the persons' figures, one row per membership period (see
    :func:`casegraph.queries.memory.figures.person_window_totals`); ``provinces`` gives each
    subject's province by type, for per-province thresholds.
    """
    prefixes = {"agent": "subtree_", "person": "subtree_"}
    parts = [method_rows(frame, kind, prefixes.get(kind, "")) for kind, frame in subjects.items()]
    table = pd.concat(parts, ignore_index=True)
    table["window_start"] = pd.NaT
    table["window_end"] = pd.NaT
    if len(windows):
        keyed = windows.set_index(["person_id", "window_start", "window_end"])
        long = method_rows(keyed, "person", "subtree_")
        long[["subject_id", "window_start", "window_end"]] = pd.DataFrame(long["subject_id"].tolist(),
                                                                          index=long.index)
        table = pd.concat([table, long[table.columns]], ignore_index=True)
    # Each subject's province ("" where unknown), looked up by Arrow's hash (columnar.lookup):
    # pandas' map and masked assignment of text took a third of this function.
    province = np.full(len(table), "", dtype=object)
    for kind, of_kind in provinces.items():
        rows = (table["subject_type"] == kind).to_numpy(dtype=bool)
        found = lookup(table["subject_id"][rows], of_kind[~of_kind.index.duplicated()])
        province[rows] = found.astype(object).where(found.notna(), "").to_numpy()
    province = pd.Series(province, index=table.index)
    basis = table["method"].map({m.name: m.basis for m in METHODS})
    levels = [severities(rules, amounts, basis_name, province_name or None)
              for (basis_name, province_name), amounts in table["amount"].groupby([basis, province])]
    table["severity"] = pd.concat(levels).astype(object) if levels else ""
    order = {kind: i for i, kind in enumerate(subjects)}
    method_order = {m.name: i for i, m in enumerate(METHODS)}
    table = table.assign(_kind=table["subject_type"].map(order), _method=table["method"].map(method_order))
    table = table.sort_values(["_kind", "subject_id", "window_start", "window_end", "_method"],
                              na_position="first", kind="stable")
    for column in ("window_start", "window_end"):
        table[column] = table[column].dt.strftime("%Y-%m-%d")
    return table[COLUMNS].reset_index(drop=True)


SEVERITY_LEVELS = ("below", "prosecution", "especially_serious")  # from least to most severe


def severities(rules: ThresholdRules, amounts: pd.Series, basis: str, province: str | None) -> pd.Series:
    """``rules.severity`` of every amount, for one basis and province.

    The level only rises with the amount and its text names the threshold, not the amount,
    so the rules are asked about a few amounts only: a binary search finds where each level
    begins among the distinct amounts, and each amount takes the label of its level.

    >>> rules = ThresholdRules.from_config({"profile": "2022"})
    >>> amounts = pd.Series([5, 600_000_000, 99_999_999, 100_000_000])   # fen
    >>> severities(rules, amounts, "business_amount", None).map(severity_level).tolist()
    ['below', 'especially_serious', 'below', 'prosecution']
    >>> severities(rules, pd.Series([7, 600_000_000]), "business_amount", None).map(severity_level).tolist()
    ['below', 'especially_serious']
    """
    distinct = np.unique(amounts.to_numpy(dtype=np.int64))
    rank = [SEVERITY_LEVELS.index(severity_level(rules.severity(int(a), basis, province))) for a in distinct[[0, -1]]]

    def level(i: int) -> int:
        return SEVERITY_LEVELS.index(severity_level(rules.severity(int(distinct[i]), basis, province)))

    # the first distinct amount of each level above the lowest one present
    begins = [bisect.bisect_left(range(len(distinct)), target, key=level) for target in range(rank[0] + 1, rank[1] + 1)]
    firsts = np.array([0, *begins])
    labels = np.array([rules.severity(int(distinct[i]), basis, province) for i in firsts], dtype=object)
    at = np.searchsorted(distinct[firsts], amounts.to_numpy(dtype=np.int64), side="right") - 1
    return pd.Series(labels[at], index=amounts.index)


def severity_level(label: str) -> str:
    """The level a severity label starts with: ``prosecution (2022: …)`` -> ``prosecution``."""
    return label.split(" ", 1)[0]


def highest_severity(income: pd.DataFrame, subject_type: str) -> pd.DataFrame:
    """Per subject of ``subject_type``, over all time: the most severe level any method
    reaches (``severity_level``), with the method, amount and full ``severity`` text of the
    row that reached it — the first such method in :data:`METHODS` order.

    >>> rows = pd.DataFrame({"subject_id": ["G1", "G1"], "subject_type": "gang",
    ...                      "method": ["net_deposit", "fees"], "amount": [150_000_000, 90_000_000],
    ...                      "window_start": None, "severity": ["prosecution (…)", "below (…)"]})
    >>> highest_severity(rows, "gang")[["severity_level", "method"]].to_dict("records")
    [{'severity_level': 'prosecution', 'method': 'net_deposit'}]
    """
    rows = income[(income["subject_type"] == subject_type) & income["window_start"].isna()]
    level = rows["severity"].map(severity_level)
    method_order = {m.name: i for i, m in enumerate(METHODS)}
    rows = rows.assign(severity_level=level, _rank=level.map(SEVERITY_LEVELS.index),
                       _method=rows["method"].map(method_order))
    top = rows.sort_values(["subject_id", "_rank", "_method"], ascending=[True, False, True], kind="stable")
    top = top.drop_duplicates("subject_id").set_index("subject_id")
    return top[["severity_level", "method", "amount", "severity"]]
