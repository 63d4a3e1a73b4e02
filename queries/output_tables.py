"""The output tables (contract.md "What analyze writes") as data, like the input tables of
:mod:`casegraph.loaders.tables`: each file's columns in order, with their kinds.

A column's ``kind``:

========== ===================================================================
kind       meaning
========== ===================================================================
id         an identifier (text)
id_list    ``;``-separated identifiers
text       other text (names, provinces, reasons, evidence)
money      integer fen in CNY, written as yuan with 2 decimals
count      a whole number that counts things, or a label (community ids)
number     a decimal number (lots, points, shares)
date       a date, or empty where a period is open
ts         a date-time in the case timezone, ISO 8601 with its offset
bool       true / false
========== ===================================================================

:func:`conform` holds an engine's table to its declaration: both engines' tables pass
through it, so a column one engine adds or loses is an error, not a silent difference.

>>> OUTPUT_TABLES["fake_trades"].columns
('trade_id', 'platform_id', 'client_id', 'notional', 'reason')
>>> OUTPUT_TABLES["fake_trades"].kind("notional")
'money'
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .rules import (
    CLIENT_FIGURES,
    COUNT_COLUMNS,
    FAKE_COLUMNS,
    FLOAT_COLUMNS,
    GROUP_COLUMNS,
    TEXT_COLUMNS,
    UNVERIFIED_COLUMNS,
)


@dataclass(frozen=True)
class OutputTable:
    """One output file: its columns in order and the kind of each (see the module)."""

    name: str
    kinds: tuple[tuple[str, str], ...]  # (column, kind) in output order

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(column for column, _ in self.kinds)

    def kind(self, column: str) -> str:
        return dict(self.kinds)[column]

    def of_kind(self, kind: str) -> tuple[str, ...]:
        return tuple(column for column, of in self.kinds if of == kind)


def _table(name: str, *groups: tuple[str, tuple[str, ...]]) -> OutputTable:
    """An OutputTable from (kind, columns) groups, in order."""
    return OutputTable(name, tuple((column, kind) for kind, columns in groups for column in columns))


FIGURE_COUNTS = ("n_clients", "n_agents", "agent_depth", "depth")
SCOPED_FIGURES = tuple(f"{scope}_{name}" for scope in ("own", "subtree") for name in ("n_clients", *CLIENT_FIGURES))
NODE_MONEY = ("rebate_received", "commission_received", "rebate_due", "rebate_mismatch", "own_net_withdrawal",
              "license_income", "license_income_bank")

OUTPUT_TABLES: dict[str, OutputTable] = {table.name: table for table in (
    _table("chain", ("id", ("vendor_id", "license_id", "platform_id", "gang_id")), ("text", ("province",)),
           ("count", ("n_agents", "agent_depth", "n_clients")),
           ("money", ("deposits", "withdrawals", "net_deposit", "fees", "rebates_paid"))),
    OutputTable("totals", (("node_id", "id"), ("node_type", "text"), *((c, "count") for c in FIGURE_COUNTS),
                           *((c, "money") for c in CLIENT_FIGURES),
                           *((c, "count" if c.endswith("_n_clients") else "money") for c in SCOPED_FIGURES),
                           *((c, "money") for c in NODE_MONEY))),
    _table("income", ("id", ("subject_id",)), ("text", ("subject_type", "method")), ("money", ("amount",)),
           ("date", ("window_start", "window_end")), ("text", ("severity",))),
    _table("gangs", ("id", ("gang_id", "known_gang_id")), ("text", ("province", "province_evidence")),
           ("id_list", ("platform_ids",)), ("count", ("n_persons", "n_bank_accounts", "n_clients", "n_agents")),
           ("money", CLIENT_FIGURES), ("bool", ("is_fraud",)), ("money", ("fake_trade_losses",))),
    _table("communities", ("id", ("entity_id",)), ("text", ("entity_type",)), ("count", ("community_id",)),
           ("id", ("gang_id",)), ("text", ("basis", "algorithm"))),
    _table("unattached", ("count", ("community_id", "n_entities")), ("text", ("entity_types",)),
           ("id_list", ("entity_ids",))),
    OutputTable("account_groups", tuple(
        (c, "text" if c == "evidence" else "id" if c in TEXT_COLUMNS else "count" if c in COUNT_COLUMNS
         else "number" if c in FLOAT_COLUMNS else "?") for c in GROUP_COLUMNS)),
    OutputTable("fake_trades", tuple((c, {"notional": "money", "reason": "text"}.get(c, "id")) for c in FAKE_COLUMNS)),
    OutputTable("unverified_trades", tuple((c, "money" if c == "notional" else "id") for c in UNVERIFIED_COLUMNS)),
    _table("account_flows", ("id", ("account_id",)), ("id_list", ("aliases",)), ("id", ("holder_person_id",)),
           ("text", ("holder_name", "institution")), ("bool", ("statement_obtained",)), ("count", ("n_in",)),
           ("money", ("amount_in",)), ("count", ("n_out",)), ("money", ("amount_out", "net_in", "cash_in", "cash_out")),
           ("ts", ("first_ts", "last_ts")), ("count", ("n_counterparties",))),
    _table("flow_patterns", ("text", ("pattern",)), ("id_list", ("account_ids", "txn_ids")), ("money", ("amount",)),
           ("ts", ("start", "end")), ("text", ("evidence",))),
    _table("statement_requests", ("count", ("rank",)), ("id", ("account_id",)),
           ("text", ("holder_name", "institution")),
           ("money", ("amount_with_known",)), ("count", ("n_transfers", "n_known_counterparties")),
           ("text", ("reason",))),
    # Which analyses ran on the case, and the case tables the others missed (queries/engine.py).
    _table("coverage", ("text", ("analysis",)), ("bool", ("ran",)), ("id_list", ("missing_tables",))),
)}


def conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as the output table ``name`` declares it: its columns in order. A column
    declared and missing, or present and not declared, raises ``ValueError``."""
    declared = OUTPUT_TABLES[name].columns
    if set(frame.columns) != set(declared):
        missing, extra = sorted(set(declared) - set(frame.columns)), sorted(set(frame.columns) - set(declared))
        raise ValueError(f"{name}.csv: columns differ from its declaration: missing {missing}, undeclared {extra}")
    return frame[list(declared)]
