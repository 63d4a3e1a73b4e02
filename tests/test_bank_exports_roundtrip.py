"""A case's own bank transfers, written back as banks deliver them (a 资金查控 workbook with the
traps of bank-formats.md §4, casegraph/generator/bank_exports.py), come back through
``casegraph ingest`` as exactly those transfers: each once, to the fen, between the right
accounts — whatever ids the rows named them by, whichever statements showed them twice, and
with the reversed and failed entries out."""

from __future__ import annotations

import pandas as pd
import pytest

from casegraph.generator.bank_exports import card_numbers, first_requests, write_bank_exports
from casegraph.loaders.case import load_case
from casegraph.loaders.ingest import ingest


@pytest.fixture(scope="module")
def roundtrip(generated_case, tmp_path_factory):
    """(the case's transfers of the requested accounts, the ingested ones with the case's
    account ids, the ingest report)."""
    case = load_case(generated_case("tiny", 3).folder)
    transfers = case["bank_transfers"]
    first = first_requests(case)
    # The collection accounts and where they sent the money: transfers between two requested
    # accounts are in both statements.
    swept_to = transfers.loc[transfers["from_account"].isin(first), "to_account"]
    requested = sorted(set(first) | set(swept_to.value_counts().index[:10]))
    work = tmp_path_factory.mktemp("roundtrip")
    export = write_bank_exports(case, work / "资金查控反馈.xlsx", account_ids=requested)
    ingest(work / "ingested", [export])
    got = pd.read_csv(work / "ingested" / "bank_transfers.csv", dtype=str, keep_default_na=False)
    accounts = pd.read_csv(work / "ingested" / "accounts.csv", dtype=str, keep_default_na=False)
    # Back to the case's ids: an ingested account is known by its id and its aliases; the
    # case's card numbers are the ones the export gave its accounts.
    case_id_of_card = pd.Series(case["accounts"]["account_id"].to_numpy(),
                                index=card_numbers(case["accounts"]["account_id"]).to_numpy())
    names = accounts.assign(name=accounts["account_id"] + ";" + accounts["aliases"])
    names = names.assign(name=names["name"].str.split(";")).explode("name")
    names = names[names["name"] != ""]
    case_id = names["name"].map(lambda n: case_id_of_card.get(n, n))
    of_account = pd.Series(case_id.to_numpy(), index=names["account_id"].to_numpy())
    of_account = of_account[~of_account.index.duplicated()]
    got = got.assign(from_account=got["from_account"].map(of_account), to_account=got["to_account"].map(of_account))
    expected = transfers[transfers["from_account"].isin(requested) | transfers["to_account"].isin(requested)]
    report = pd.read_csv(work / "ingested" / "ingest_report.csv", dtype=str, keep_default_na=False)
    return expected, got, report, requested


def test_every_transfer_once_to_the_fen(roundtrip):
    expected, got, _, _ = roundtrip
    assert len(got) == len(expected)
    cents = got["amount"].str.replace(".", "", regex=False).astype("int64")
    assert cents.sum() == expected["amount"].sum()


def test_between_the_same_accounts_whatever_ids_the_rows_used(roundtrip):
    expected, got, _, _ = roundtrip
    pairs = lambda frame: sorted(zip(frame["from_account"], frame["to_account"]))  # noqa: E731
    assert pairs(got) == pairs(expected.astype({"from_account": str, "to_account": str}))


def test_both_sides_merged_reversals_and_failures_left_out(roundtrip):
    expected, _, report, requested = roundtrip
    both = expected["from_account"].isin(requested) & expected["to_account"].isin(requested)
    reasons = report["reason"].value_counts()
    assert both.sum() > 0 and reasons.get("duplicate_of_other_side", 0) == both.sum()
    assert reasons.get("reversal", 0) > 0 and reasons["reversal"] % 2 == 0
    assert reasons.get("failed", 0) > 0
