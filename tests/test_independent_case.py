"""Discovery and figures on cases casegraph's authors did not write: tests/independent/ is a
case generator written from shared/ alone (domain.md, case-format.md, contract.md) by someone
who never read casegraph's code, with habits of its own (its NOTES.md): ids in many styles,
GB18030 and BOM files, a cash pseudo-account every gang pays out to, a payment company and
dealers serving several gangs, shops and landlords the staff pay, client cards with no known
holder, platforms recorded as fake, several fronts and gangs of very uneven size.

Targets: every gang found with its province at a reachable ARI of at least
:data:`MIN_ARI`, no client made a member and at most :data:`MAX_OUTSIDER_SHARE` of the
entities other outsiders (shops, landlords, neighbours, the payment company: truth puts them
in no gang), the account
groups at pairwise F1 of at least :data:`MIN_GROUPS_F1`, every front flagged and no other,
and every client figure equal to the generator's own to the fen. Measured when this was
written: reachable ARI 0.970 and 0.987 with 49 and 59 outsiders in gangs; since parts of a gang
held to it by one payment stay out and a payment company's accounts join no gang, 0.9989 and
0.9995 with 3 and 3; groups F1 0.967 and 0.955, the figures all equal. The third case (34
gangs, 60,000 clients): 32 gangs found (a gang of one fake platform inside the largest, so
its front flagged on the wrong gang), reachable ARI 0.930, 199 outsiders, groups F1 0.920; with
the hubs several gangs share taken out of community detection and a payment channel of three
or more gangs a money service, 34 gangs, 0.9985, 21, 0.996.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from casegraph.loaders.case import load_case
from casegraph.queries.memory.engine import analyze_case

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
from discovery import discovery_scores  # noqa: E402

MAKE_CASE = Path(__file__).parent / "independent" / "make_case.py"
MIN_ARI = 0.99
# Outsiders in gangs, per entity truth/gangs.csv lists (24,679 to 234,656 of them).
MAX_OUTSIDER_SHARE = 1 / 4000
MIN_GROUPS_F1 = 0.95
# The generator's cases: its defaults (20 gangs, 6,000 clients), a larger one, and one of 34
# gangs at 60,000 clients (three times our seed scale's clients per gang: at this volume
# modularity merged a small gang with the largest through the cash desk and dealers).
CASES = {"seed-1": ["--seed", "1"], "seed-2": ["--seed", "2", "--gangs", "30", "--clients", "12000"],
         "seed-4": ["--seed", "4", "--gangs", "34", "--clients", "60000"]}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=sorted(CASES))
def analysed(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("independent") / request.param
    subprocess.run([sys.executable, str(MAKE_CASE), "--out", str(folder), *CASES[request.param]], check=True,
                   stdout=subprocess.DEVNULL)
    case = load_case(folder)
    return case, analyze_case(case)


def test_every_gang_found_with_its_province_and_no_client_in_one(analysed):
    scores = discovery_scores(*analysed)
    assert scores["gangs_found"] == scores["gangs_found_with_province"] == scores["truth_gangs"], scores
    assert scores["ari_reachable"] >= MIN_ARI, scores
    assert scores["clients_made_members"] == 0, scores
    entities = len(pd.read_csv(analysed[0].path / "truth" / "gangs.csv", usecols=["entity_id"]))
    assert scores["outsiders_made_members"] <= MAX_OUTSIDER_SHARE * entities, scores


def test_account_groups_and_fronts(analysed):
    scores = discovery_scores(*analysed)
    assert scores["groups_f1"] >= MIN_GROUPS_F1, scores
    assert scores["fraud_right"], scores


def test_every_client_figure_is_the_generator_s_to_the_fen(analysed):
    case, tables = analysed
    expected = pd.read_csv(case.path / "truth" / "expected_clients.csv", dtype=str,
                           keep_default_na=False).set_index("client_id")
    totals = tables["totals"]
    ours = totals[totals["node_type"] == "client"].set_index("node_id").reindex(expected.index)
    columns = [column for column in expected.columns if column in ours.columns]
    assert len(columns) == 11
    for column in columns:
        fen = expected[column].map(lambda text: int(Decimal(text) * 100))
        assert (ours[column].astype("Int64") == fen).all(), column
