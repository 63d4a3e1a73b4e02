"""Variants of a generated case that break the generator's own habits, and evidence left out.

The default case is drawn from one set of assumptions (staff run the top agents and log in
from the gang's devices, agents are paid by bank transfer, every table is present...). A
discovery method tuned on it may lean on those habits; each variant removes or bends one, so
tests and ``bench/discovery.py`` can show whether the method holds without it. ``truth/``
stays exact under every variant: it is computed from the world the variant generated.

>>> Options.of(["no_logins", "sparse_logins"]).dropped
frozenset({'logins'})
>>> Options.of([], drop_tables=["gangs"]).dropped
frozenset({'gangs'})
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where used: the command line imports this module for its help text
    import numpy as np

VARIANTS: dict[str, str] = {
    "agents_offline": "persons who run agents (staff included) never log in: no agent shares a device or IP "
                      "with the platform's staff",
    "agents_only_in_agents_csv": "agent subtrees touch their platform only through agents.csv: outsiders run "
                                 "every agent, agents never log in, are paid in cash (no rebate transfers, no "
                                 "bank_txn_id on rebates) and have no memberships",
    "no_logins": "no logins.csv",
    "no_memberships": "no memberships.csv",
    "no_trades": "no trades.csv and no broker_fills.csv",
    "sparse_logins": "a tenth of the logins (many clients and agents never log in)",
    "dense_logins": "five times the logins",
    "deep_wide_trees": "the first platform of every fourth gang has an agent tree 8 levels deep with 200+ agents",
    "multi_platform_gangs": "the gangs that run several platforms run 3-5, each bought under another buyer name",
    "role_holders_no_agent": "gang staff (managers, salesmen, finance) run no agents: outsiders run them all",
    "groups_one_evidence": "each account group leaves one kind of evidence only: shared devices, common funding "
                           "or synchronised orders",
    "noisy": "ten times the independent traders at the brokers (and their fills)",
    "shared_payment_accounts": "one payment company's collection accounts take deposits for a platform of a "
                               "quarter of the gangs and forward each gang's money to it: accounts of no gang "
                               "that the money of several gangs goes through",
    "statement_windows": "the broker statements in hand of every third real platform's accounts cover the middle "
                         "third of their fills' days only: its orders outside carry the broker's numbers and are "
                         "on no statement",
}

# Optional inputs of case-format.md that can be left out (``--drop-table``), plus one column:
# ``ledger.bank_txn_id``, the ledger's links to bank transfers, written empty.
DROPPABLE = ("logins", "memberships", "trades", "broker_fills", "gangs", "ledger.bank_txn_id")
DROPPED_BY_VARIANT = {"no_logins": ("logins",), "no_memberships": ("memberships",),
                      "no_trades": ("trades", "broker_fills")}

SPARSE_LOGINS, DENSE_LOGINS = 0.1, 5.0
NOISE_FACTOR = 10
DEEP_TREE_DEPTH, DEEP_TREE_AGENTS = 8, 200
GROUP_EVIDENCE = ("shared_devices", "common_funding", "sync_orders")  # groups_one_evidence, by group in turn
SHARED_PAYMENT_ACCOUNTS, SHARED_PAYMENT_GANG_SHARE = 3, 0.25
STATEMENT_WINDOW_EVERY = 3  # statement_windows: every third real platform's statements, a third of their span


@dataclass(frozen=True)
class Options:
    """What the generator does differently from its default (every field at its default = the
    default case, byte for byte)."""

    variants: frozenset[str] = frozenset()
    dropped: frozenset[str] = frozenset()

    @classmethod
    def of(cls, variants: Iterable[str] = (), drop_tables: Iterable[str] = ()) -> Options:
        variants, drop_tables = list(variants), list(drop_tables)
        unknown = [v for v in variants if v not in VARIANTS]
        if unknown:
            raise ValueError(f"unknown variant {unknown[0]!r}: expected one of {', '.join(VARIANTS)}")
        bad = [t for t in drop_tables if t not in DROPPABLE]
        if bad:
            raise ValueError(f"cannot drop {bad[0]!r}: expected one of {', '.join(DROPPABLE)}")
        dropped = set(drop_tables)
        for v in variants:
            dropped.update(DROPPED_BY_VARIANT.get(v, ()))
        return cls(frozenset(variants), frozenset(dropped))

    def __contains__(self, variant: str) -> bool:
        return variant in self.variants

    @property
    def staff_run_agents(self) -> bool:
        return not {"role_holders_no_agent", "agents_only_in_agents_csv"} & self.variants

    @property
    def agents_log_in(self) -> bool:
        return not {"agents_offline", "agents_only_in_agents_csv"} & self.variants

    @property
    def agents_paid_by_bank(self) -> bool:
        return "agents_only_in_agents_csv" not in self.variants

    @property
    def agent_memberships(self) -> bool:
        return "agents_only_in_agents_csv" not in self.variants

    @property
    def shared_payment_accounts(self) -> bool:
        return "shared_payment_accounts" in self.variants

    @property
    def login_factor(self) -> float:
        return SPARSE_LOGINS if "sparse_logins" in self else DENSE_LOGINS if "dense_logins" in self else 1.0

    @property
    def noise_factor(self) -> int:
        return NOISE_FACTOR if "noisy" in self else 1

    def logins(self, count: int | np.ndarray) -> int | np.ndarray:
        """A number of logins (or an array of them) under sparse/dense logins, rounded down;
        unchanged by default."""
        import numpy as np

        factor = self.login_factor
        if factor == 1.0:
            return count
        return (count * factor).astype(np.int64) if isinstance(count, np.ndarray) else int(count * factor)
