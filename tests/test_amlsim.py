"""The fund-flow patterns against a world they were not tuned on: IBM AMLSim's labelled alerts
(../shared/external/amlsim-10k), ingested as any export is (``--profile amlsim``) and scored by
bench/amlsim.py — the issue's bar: recall ≥ 0.95 for the cycle and the fan_in alerts, and most
rows (≥ 0.80) touching a laundering account."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from casegraph.loaders.case import load_case
from casegraph.queries.memory.flows import flow_patterns

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
from amlsim import SOURCE, amlsim_case, scores, with_amlsim_ids  # noqa: E402

pytestmark = pytest.mark.skipif(not (SOURCE / "transactions.csv").is_file(),
                                reason=f"AMLSim's sample is not beside the project ({SOURCE})")


def test_amlsim_alerts_are_found_and_the_rows_are_laundering(tmp_path):
    case = load_case(amlsim_case(SOURCE, tmp_path / "amlsim"))
    result = scores(with_amlsim_ids(flow_patterns(case), case["bank_transfers"], SOURCE), SOURCE)
    assert result["cycle recall"] >= 0.95 and result["fan_in recall"] >= 0.95, result
    assert result["cycle precision"] >= 0.80 and result["fan_in precision"] >= 0.80, result
