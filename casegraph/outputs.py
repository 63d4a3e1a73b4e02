"""Output files: CSV (UTF-8, header row), money as text with exactly two decimals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from casegraph.money import format_fen_series

# Integer columns that count things rather than money; every other integer column is fen.
COUNT_COLUMNS = frozenset({
    "n_clients", "n_agents", "agent_depth", "depth", "own_n_clients", "subtree_n_clients", "n_persons",
    "n_bank_accounts", "n_platforms", "self_trade_count", "line", "community_id", "n_trades", "n_fake",
    "sync_order_pairs", "rank", "n_transfers", "n_gangs", "n_accounts", "n_entities",
})


def is_fen_column(name: str, values: pd.Series) -> bool:
    """Whether a column holds money in fen: an integer column that is not a count."""
    return name not in COUNT_COLUMNS and pd.api.types.is_integer_dtype(values.dtype)


def money_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every fen column as 2-decimal text and counts as plain integers."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if column in COUNT_COLUMNS:
            out[column] = series.astype("Int64")
        elif pd.api.types.is_bool_dtype(series.dtype):  # as the truth files write them
            out[column] = series.map({True: "true", False: "false"})
        elif is_fen_column(column, series):
            out[column] = format_fen_series(series)
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    money_as_text(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path
