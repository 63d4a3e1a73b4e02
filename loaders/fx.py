"""Amounts in other currencies converted to CNY with fx_rates.csv (the rate of the entry's
date, or the latest earlier date), exactly: integer fen times integer millionths.

Reading a case checks that every conversion, and every table's total, stays within what
casegraph holds exactly (:func:`check_cny_amounts`), so the conversions here cannot overflow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from casegraph.money import (
    MAX_FEN,
    MAX_TOTAL_FEN,
    RATE_SCALE,
    convert_fen,
    convert_fen_bounded,
    first_over_total,
    format_fen,
)

from .problems import Problem
from .read import RawTable, local_dates, report

# The tables with money, the column, and the date its rate is taken on (None: CNY by contract).
MONEY_COLUMNS = (("ledger", "amount", "ts"), ("bank_transfers", "amount", "ts"), ("licenses", "price", "sold_on"),
                 ("trades", "notional", None))


def foreign_amounts(currency: pd.Series) -> np.ndarray:
    """Whether each amount is in a currency other than CNY (an empty currency is CNY)."""
    return (currency.notna() & (currency != "CNY")).to_numpy()


def _rates(currency: pd.Series, dates: pd.Series, fx_rates: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the foreign amounts that have a rate, and that rate in millionths (``dates``:
    as :func:`amounts_in_cny` takes them)."""
    foreign = foreign_amounts(currency)
    if not foreign.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # merge_asof wants the same dtypes on both sides' keys (and the same datetime unit).
    wanted = pd.DataFrame({"date": dates.loc[currency.index[foreign]].astype("datetime64[ns]").reset_index(drop=True),
                           "currency": currency[foreign].astype("string").reset_index(drop=True),
                           "row": np.flatnonzero(foreign)}).dropna(subset=["date"]).sort_values("date", kind="stable")
    rates = fx_rates[["date", "currency", "cny_per_unit"]].dropna().astype(
        {"currency": "string", "date": "datetime64[ns]"}).sort_values("date", kind="stable")
    matched = pd.merge_asof(wanted, rates, on="date", by="currency", direction="backward").dropna(
        subset=["cny_per_unit"])
    return matched["row"].to_numpy(), matched["cny_per_unit"].astype("int64").to_numpy()


def amounts_in_cny(amount: pd.Series, currency: pd.Series, dates: pd.Series, fx_rates: pd.DataFrame) -> pd.Series:
    """CNY fen for each amount; CNY (or empty currency) passes unchanged.

    ``dates`` are naive calendar dates in the case timezone
    (:func:`~casegraph.loaders.read.local_dates`), of every amount or of the foreign ones only,
    by the amounts' index. Validation guarantees a rate exists on or before every foreign
    entry's date.
    """
    fen = amount.astype("int64").rename(None)
    rows, rate_micro = _rates(currency, dates, fx_rates)
    if not len(rows):
        return fen
    result = fen.to_numpy().copy()
    result[rows] = convert_fen(result[rows], rate_micro)
    return pd.Series(result, index=amount.index, dtype="int64", copy=False)


def _dated_amounts_in_cny(rows: pd.DataFrame, timezone: str, fx_rates: pd.DataFrame) -> pd.Series:
    """:func:`amounts_in_cny` of rows with ``amount``, ``currency`` and ``ts``, each at the rate of
    its local date: the dates made for the foreign amounts only (a ledger of 5.5 million CNY
    entries needs none)."""
    foreign = foreign_amounts(rows["currency"])
    dates = local_dates(rows["ts"][foreign], timezone)
    return amounts_in_cny(rows["amount"], rows["currency"], dates, fx_rates)


def check_cny_amounts(tables: dict[str, pd.DataFrame], raws: dict[str, RawTable], problems: list[Problem],
                      timezone: str) -> None:
    """Every amount converted to CNY, and every table's total, within what casegraph holds exactly.

    An amount ``20000000000.00 USD`` is fine (140 billion CNY, exactly); one whose CNY value
    passes ``MAX_FEN``, or the row at which a table's amounts add up past ``MAX_TOTAL_FEN``, is
    a problem at its cell, not a wrapped-around figure.
    """
    for name, column, date_column in MONEY_COLUMNS:
        if name not in raws:
            continue
        frame, file = tables[name], f"{name}.csv"
        fen = frame[column].fillna(0).astype("int64").to_numpy()
        if date_column is not None and _may_grow_too_large(fen, frame["currency"], tables["fx_rates"]):
            dates = local_dates(frame[date_column], timezone) if date_column == "ts" else frame[date_column]
            rows, rate_micro = _rates(frame["currency"], dates, tables["fx_rates"])
            fen = fen.copy()
            fen[rows], too_large = convert_fen_bounded(fen[rows], rate_micro)
            at = np.zeros(len(frame), dtype=bool)
            at[rows] = too_large
            report(problems, file, raws[name], column, pd.Series(at, index=frame.index),
                   message=lambda v, currency: f"amount {v!r} {currency} is more than {format_fen(MAX_FEN)} CNY at "
                                               f"the rate of its date: beyond what casegraph holds exactly",
                   context=frame["currency"])
        over = first_over_total(fen)
        if over is not None:
            at = np.zeros(len(frame), dtype=bool)
            at[over] = True
            report(problems, file, raws[name], column, pd.Series(at, index=frame.index),
                   # report() calls the message function at once, in this pass of the loop
                   message=lambda v: f"the amounts of {file} up to this one add up to more than "  # noqa: B023
                                     f"{format_fen(MAX_TOTAL_FEN)} CNY: beyond what casegraph sums exactly")


def _may_grow_too_large(fen: np.ndarray, currency: pd.Series, fx_rates: pd.DataFrame) -> bool:
    """Whether converting could pass a bound: a float estimate, to skip the exact check in
    every ordinary case (the largest amount at the largest rate, their total at that rate)."""
    foreign = foreign_amounts(currency)
    rates = fx_rates["cny_per_unit"].dropna()
    if not foreign.any() or rates.empty:
        return False
    largest_rate = max(float(rates.max()) / RATE_SCALE, 1.0)
    magnitude = np.abs(fen[foreign]).astype(np.float64)
    return (magnitude.max() * largest_rate > MAX_FEN * 0.99
            or (np.abs(fen).sum(dtype=np.float64) * largest_rate) > MAX_TOTAL_FEN * 0.99)


def ledger_in_cny(case, *, rows: np.ndarray | None = None) -> pd.DataFrame:
    """The ledger with ``amount_cny`` (integer fen); only the entries where ``rows`` (a boolean
    array) is true, when given."""
    ledger = case["ledger"] if rows is None else case["ledger"][rows]
    return ledger.assign(amount_cny=_dated_amounts_in_cny(ledger, case.config.timezone, case["fx_rates"]))


def transfers_in_cny(case, *, rows: np.ndarray | None = None) -> pd.DataFrame:
    """Bank transfers with ``amount_cny`` (integer fen); only the transfers where ``rows`` (a
    boolean array) is true, when given."""
    return with_amount_cny(case, case["bank_transfers"] if rows is None else case["bank_transfers"][rows])


def with_amount_cny(case, transfers: pd.DataFrame) -> pd.DataFrame:
    """Rows of the case's bank transfers with ``amount_cny`` (integer fen, at the rate of their
    local date), as a copy."""
    return transfers.assign(amount_cny=_dated_amounts_in_cny(transfers, case.config.timezone, case["fx_rates"]))


def licenses_in_cny(case) -> pd.DataFrame:
    """Licences with ``price_cny`` (integer fen), converted at the rate of the sale date."""
    licenses = case["licenses"].copy()
    licenses["price_cny"] = amounts_in_cny(licenses["price"], licenses["currency"], licenses["sold_on"],
                                           case["fx_rates"])
    return licenses


def tables_in_cny(case) -> dict[str, pd.DataFrame]:
    """The tables that carry money, each with its CNY column (``amount_cny`` / ``price_cny``):
    what both graphs are built from, so Cypher and pandas sum the same fen."""
    transfers = transfers_in_cny(case)
    # A transfer with no account on one side is cash in or out: the graph keeps it as a loop on
    # its one account (CASH), never as a node every cash user would share.
    one_side = (transfers["from_account"].isna() ^ transfers["to_account"].isna()).to_numpy()
    transfers = transfers.assign(
        cash_account=transfers["from_account"].fillna(transfers["to_account"]).where(one_side),
        cash_direction=pd.Series(np.where(transfers["to_account"].isna(), "out", "in"), index=transfers.index,
                                 dtype="string").where(one_side))
    return {"ledger": ledger_in_cny(case), "bank_transfers": transfers, "licenses": licenses_in_cny(case)}
