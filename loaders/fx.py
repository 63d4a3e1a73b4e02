"""Amounts in other currencies converted to CNY with fx_rates.csv (the rate of the entry's
date, or the latest earlier date), exactly: integer fen times integer millionths."""

from __future__ import annotations

import numpy as np
import pandas as pd

from casegraph.money import convert_fen

from .read import local_dates



def amounts_in_cny(amount: pd.Series, currency: pd.Series, dates: pd.Series, fx_rates: pd.DataFrame) -> pd.Series:
    """CNY fen for each amount; CNY (or empty currency) passes unchanged.

    ``dates`` are naive calendar dates in the case timezone (:func:`~casegraph.loaders.read.local_dates`). Validation guarantees a
    rate exists on or before every foreign entry's date.
    """
    result = amount.astype("int64").to_numpy().copy()
    foreign = (currency.notna() & (currency != "CNY")).to_numpy()
    if foreign.any():
        # merge_asof wants the same dtypes on both sides' keys (and the same datetime unit).
        wanted = pd.DataFrame({"date": dates[foreign].astype("datetime64[ns]").reset_index(drop=True),
                               "currency": currency[foreign].astype("string").reset_index(drop=True),
                               "row": np.flatnonzero(foreign)}).sort_values("date", kind="stable")
        rates = fx_rates[["date", "currency", "cny_per_unit"]].astype(
            {"currency": "string", "date": "datetime64[ns]"}).sort_values(
            "date", kind="stable")
        matched = pd.merge_asof(wanted, rates, on="date", by="currency", direction="backward")
        rows = matched["row"].to_numpy()
        result[rows] = convert_fen(result[rows], matched["cny_per_unit"].astype("int64").to_numpy())
    return pd.Series(result, index=amount.index, dtype="int64")



def ledger_in_cny(case) -> pd.DataFrame:
    """The ledger with ``amount_cny`` (integer fen) and the entry's local ``date``."""
    ledger = case["ledger"].copy()
    ledger["date"] = local_dates(ledger["ts"], case.config.timezone)
    ledger["amount_cny"] = amounts_in_cny(ledger["amount"], ledger["currency"], ledger["date"], case["fx_rates"])
    return ledger


def transfers_in_cny(case) -> pd.DataFrame:
    """Bank transfers with ``amount_cny`` (integer fen)."""
    transfers = case["bank_transfers"].copy()
    dates = local_dates(transfers["ts"], case.config.timezone)
    transfers["amount_cny"] = amounts_in_cny(transfers["amount"], transfers["currency"], dates, case["fx_rates"])
    return transfers


def licenses_in_cny(case) -> pd.DataFrame:
    """Licences with ``price_cny`` (integer fen), converted at the rate of the sale date."""
    licenses = case["licenses"].copy()
    licenses["price_cny"] = amounts_in_cny(licenses["price"], licenses["currency"], licenses["sold_on"],
                                           case["fx_rates"])
    return licenses


def tables_in_cny(case) -> dict[str, pd.DataFrame]:
    """The tables that carry money, each with its CNY column (``amount_cny`` / ``price_cny``):
    what both graphs are built from, so Cypher and pandas sum the same fen."""
    return {"ledger": ledger_in_cny(case), "bank_transfers": transfers_in_cny(case),
            "licenses": licenses_in_cny(case)}
