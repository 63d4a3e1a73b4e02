"""The fund-flow patterns against a world they were not tuned on: IBM AMLSim's labelled alerts.

    .venv/bin/python bench/amlsim.py                                  # ../shared/external/amlsim-10k
    .venv/bin/python bench/amlsim.py --source DIR --keep /tmp/amlsim   # keep the case folder

AMLSim (``external/amlsim-10k``, see shared/external/README.md) labels 192 ``cycle`` alerts (one
directed cycle of equal amounts in time order) and 199 ``fan_in`` alerts (k senders converging
on one receiver). The bench ingests the simulation's transactions.csv into a bank-only case folder
(``casegraph ingest --profile amlsim``, :func:`amlsim_case`), runs the memory engine's
flow_patterns and scores:

- cycle recall: the share of cycle alerts whose transfers are exactly one ``cycle`` row;
- fan_in recall: the share of fan_in alerts whose receiver heads a ``fan_in`` row covering
  the alert's transfers;
- precision: the share of ``cycle`` (``fan_in``) rows that touch a laundering account
  (``IS_FRAUD``).

The case's patterns come from the case.yaml written here (AMLSim's amounts are a few yuan;
each simulation step is a day; every fan-in of the simulation is a planned one of 4 senders in 7
steps, so each window is judged alone, ``scan: false``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from casegraph.loaders.case import load_case
from casegraph.loaders.ingest import ingest
from casegraph.queries.memory.flows import flow_patterns

# ../shared/external next to the project's tree (the lead's /work/main, or a helper's /work/wt/NAME).
SOURCE = next((folder / "shared" / "external" / "amlsim-10k" for folder in Path(__file__).resolve().parents[1:4]
               if (folder / "shared" / "external" / "amlsim-10k").is_dir()), Path("../shared/external/amlsim-10k"))

CASE_YAML = """case_id: AMLSIM-10K
title: IBM AMLSim 10k accounts (sample), each step a day
timezone: Asia/Shanghai
flow_patterns:
  pass_through: {min_amount: 1000}
  fan_in: {min_counterparties: 4, within_hours: 168, max_chance: 0.05, scan: false}
  fan_out: {min_counterparties: 4, within_hours: 168, max_chance: 0.05, scan: false}
  cycle: {min_amount: 0.01, within_hours: 360, amount_tolerance: 0.05, time_respecting: false}
  round_amounts: {enabled: false}
  night: {enabled: false}
"""


def amlsim_case(source: Path, out: Path) -> Path:
    """A bank-only case folder made from AMLSim's transactions.csv as any export is:
    ``casegraph ingest --profile amlsim`` (each row as the sender's statement shows it, each
    simulation step a day), into a folder whose case.yaml holds the patterns' parameters."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "case.yaml").write_text(CASE_YAML, encoding="utf-8")
    ingest(out, [source / "transactions.csv"], profile="amlsim")
    return out


def with_amlsim_ids(patterns: pd.DataFrame, transfers: pd.DataFrame, source: Path) -> pd.DataFrame:
    """``patterns`` with AMLSim's TX_ID in ``txn_ids``: the ingested transfer's ``source_row``
    is its line in transactions.csv (the header is line 1)."""
    tx_ids = pd.read_csv(source / "transactions.csv", usecols=["TX_ID"], dtype=str)["TX_ID"]
    tx_id_of = pd.Series(tx_ids.to_numpy()[transfers["source_row"].astype(int).to_numpy() - 2],
                         index=transfers["txn_id"].astype(str).to_numpy())
    txns = patterns["txn_ids"].str.split(";").explode()
    return patterns.assign(txn_ids=txns.map(tx_id_of).groupby(level=0).agg(";".join))


def scores(patterns: pd.DataFrame, source: Path) -> dict[str, float]:
    """Recall of the cycle and fan_in alerts, precision of the cycle and fan_in rows
    (``patterns``' txn_ids: AMLSim's TX_IDs)."""
    alerts = pd.read_csv(source / "alerts.csv", dtype={"TX_ID": str, "SENDER_ACCOUNT_ID": str,
                                                        "RECEIVER_ACCOUNT_ID": str})
    fraud = set(pd.read_csv(source / "accounts.csv", dtype=str).query("IS_FRAUD == 'true' or IS_FRAUD == 'True'")[
        "ACCOUNT_ID"])
    result = {}
    rows = {p: patterns[patterns["pattern"] == p] for p in ("cycle", "fan_in")}
    cycle_sets = {frozenset(t.split(";")) for t in rows["cycle"]["txn_ids"]}
    cycle_alerts = alerts[alerts["ALERT_TYPE"] == "cycle"].groupby("ALERT_ID")["TX_ID"].agg(frozenset)
    result["cycle alerts"] = len(cycle_alerts)
    result["cycle recall"] = float(np.mean([txns in cycle_sets for txns in cycle_alerts]))
    closed = alerts[alerts["ALERT_TYPE"] == "cycle"].groupby("ALERT_ID").apply(
        lambda a: set(a["SENDER_ACCOUNT_ID"]) == set(a["RECEIVER_ACCOUNT_ID"]), include_groups=False)
    result["closed cycle alerts"] = int(closed.sum())
    result["closed cycle recall"] = float(np.mean([txns in cycle_sets for txns in cycle_alerts[closed]]))
    fan = alerts[alerts["ALERT_TYPE"] == "fan_in"]
    receivers = fan.groupby("ALERT_ID").agg(receiver=("RECEIVER_ACCOUNT_ID", "first"), txns=("TX_ID", frozenset))
    fan_rows = [(ids.split(";")[0], frozenset(t.split(";"))) for ids, t in
                zip(rows["fan_in"]["account_ids"], rows["fan_in"]["txn_ids"], strict=True)]
    result["fan_in alerts"] = len(receivers)
    result["fan_in recall"] = float(np.mean([any(r == head and txns <= covered for head, covered in fan_rows)
                                             for r, txns in zip(receivers["receiver"], receivers["txns"],
                                                                strict=True)]))
    for pattern in ("cycle", "fan_in"):
        touched = [bool(set(ids.split(";")) & fraud) for ids in rows[pattern]["account_ids"]]
        result[f"{pattern} rows"] = len(touched)
        result[f"{pattern} precision"] = float(np.mean(touched)) if touched else float("nan")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--keep", type=Path, help="write the case folder here (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = amlsim_case(args.source, args.keep or Path(scratch) / "amlsim")
        case = load_case(folder)
        started = time.perf_counter()
        patterns = flow_patterns(case)
        seconds = time.perf_counter() - started
    print(f"{len(case['bank_transfers']):,} transfers; flow_patterns in {seconds:.1f} s; rows per pattern:")
    print(patterns.groupby("pattern").size().to_string())
    for name, value in scores(with_amlsim_ids(patterns, case["bank_transfers"], args.source), args.source).items():
        print(f"{name:>22}: {value:.3f}" if isinstance(value, float) else f"{name:>22}: {value}")


if __name__ == "__main__":
    main()
