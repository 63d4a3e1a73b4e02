"""Rules across tables (case-format.md "Invariants"): references, agent forests, signs, FX.

Each check adds one :class:`Problem` per broken row; none stops at the first. A case may be
partial: it needs rows in one of :data:`.tables.EVIDENCE_TABLES`, and any table its rows refer
to. A table referred to and absent (or header-only) is one problem for that file, not one per
row that refers to it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .columnar import arrow_text, first_positions, member_of, text_series
from .fx import foreign_amounts
from .problems import LINE, Problem
from .read import RawTable, local_dates, report, side_by_side, split_ids
from .tables import EVIDENCE_TABLES, SIGNED_LEDGER_KINDS, TABLES, TABLES_BY_NAME, Column, Table

# The reference columns whose rows a later rule reads a value of (the platform of a ledger
# entry's client, ...): check_references finds those rows, and the rule looks nothing up again.
LOOKED_UP = frozenset({("ledger", "client_id"), ("clients", "agent_id"), ("agents", "parent_agent_id"),
                       ("accounts", "parent_account_id")})


def check_case(tables: dict[str, pd.DataFrame], raws: dict[str, RawTable], problems: list[Problem],
               timezone: str, *, absent: frozenset[str] = frozenset(), checked: frozenset[str] = frozenset(),
               threaded: bool = True) -> None:
    """Run every cross-table rule on the tables that could be read; ``absent`` names the tables
    whose file the case folder does not have (they read as empty tables). ``checked`` names
    tables checked before, elsewhere: their rows are referred to, their own rules not run again
    (the Spark reader checks a block of a large table against the small ones so,
    :mod:`casegraph.loaders.spark_read`). ``threaded``: whether the references are looked up
    side by side (:func:`check_references`)."""
    check_evidence(tables, raws, problems, absent=absent)
    rows = check_references(tables, raws, problems, absent=absent, checked=checked, threaded=threaded)
    for table in TABLES:
        if table.one_of and table.name in raws:
            check_one_of(tables[table.name], raws[table.name], table.name, problems)
    if "agents" in raws:
        check_agent_forest(tables["agents"], raws["agents"], problems,
                           parent_rows=rows.get(("agents", "parent_agent_id")))
    if {"clients", "agents"} <= raws.keys():
        check_same_platform(tables, raws, "clients", "agent_id", "agents", problems=problems,
                            rows=rows.get(("clients", "agent_id")))
    if "ledger" in raws and ("clients" in raws or "clients" in checked):
        check_ledger_platform(tables, raws, problems, client_rows=rows.get(("ledger", "client_id")))
    if "ledger" in raws:
        check_ledger_signs(tables["ledger"], raws["ledger"], problems)
    if "accounts" in raws:
        check_sub_accounts(tables["accounts"], raws["accounts"], problems,
                           parent_rows=rows.get(("accounts", "parent_account_id")))
        check_aliases(tables["accounts"], raws["accounts"], problems)
    for name, start, end in (("memberships", "start", "end"), ("agents", "joined_on", "left_on"),
                             ("statements", "first_ts", "last_ts")):
        if name in raws:
            frame = tables[name]
            report(problems, f"{name}.csv", raws[name], end, (frame[end] < frame[start]).fillna(False),
                    message=lambda v, s=start: f"{v} is before {s}")
    check_currencies(tables, raws, problems, timezone)


def check_evidence(tables, raws, problems, *, absent: frozenset[str]) -> None:
    """A case needs rows in bank_transfers.csv or ledger.csv (or both): one problem when it has
    none. A file of them that could not be read has its own problem already."""
    if any(len(tables[name]) for name in EVIDENCE_TABLES) or not all(
            name in raws or name in absent for name in EVIDENCE_TABLES):
        return
    files = " or ".join(f"{name}.csv" for name in EVIDENCE_TABLES)
    present = [name for name in EVIDENCE_TABLES if name not in absent]
    if present:
        problems.append(Problem(f"{present[0]}.csv", 1, 1,
                                f"no rows: the file has a header but no data, and a case needs rows in {files}"))
    else:
        problems.append(Problem(f"{EVIDENCE_TABLES[0]}.csv", 1, 1,
                                f"required file is missing: a case needs {files} (or both), and has neither"))


def check_references(tables, raws, problems, *, absent: frozenset[str] = frozenset(),
                     checked: frozenset[str] = frozenset(), threaded: bool = True) -> dict[tuple[str, str], np.ndarray]:
    """Every id a column names (``Column.references``) is a key of the table it refers to. An
    absent table reads as empty; rows that refer to a table with no rows make one problem for
    that table (``required file is missing`` or ``no rows``), naming who needs it. The
    lookups run side by side when ``threaded`` (a small case's take less than a thread's hand-off).

    Returns, for the columns of :data:`LOOKED_UP` that were checked, the row of the referred
    table each id names (-1 where none), as :func:`lookup` takes them."""
    # Key columns as Arrow arrays: membership by pyarrow's hash kernel, no Python object per id.
    keys = {t.name: arrow_text(tables[t.name][t.key].dropna())
            for t in TABLES if t.key and (t.name in raws or t.name in absent or t.name in checked)}
    needed: dict[str, list[str]] = {}  # a table with no rows -> the columns whose rows name it
    known_ids: dict[tuple[str, ...], pa.Array] = {}  # the ids of the tables a column refers to, built once
    checks: list[tuple[Table, Column, pd.Series, pa.Array]] = []  # the ids each column names, and their set
    for table in TABLES:
        if table.name not in raws:
            continue
        frame = tables[table.name]
        for column in table.columns:
            # A reference into a file that could not be read is not checked: that file's own
            # problem is already reported, and a flood of "unknown id" would hide it.
            if not column.references or not all(r in keys for r in column.references):
                continue
            if not any(len(keys[r]) for r in column.references):
                if frame[column.name].notna().any():
                    others = "; or " + ", ".join(f"{r}.csv" for r in column.references[1:]) \
                        if len(column.references) > 1 else ""
                    needed.setdefault(column.references[0], []).append(f"{table.file} ({column.name}{others})")
                continue
            if column.references not in known_ids:
                known_ids[column.references] = pa.chunked_array(
                    [chunk for r in column.references for chunk in keys[r].chunks], type=pa.large_string()
                ).combine_chunks()
            ids = split_ids(frame[column.name]) if column.kind == "id_list" else frame[column.name]
            checks.append((table, column, ids, known_ids[column.references]))
    # The columns that name the same tables are looked up in one pass (the hash table of their
    # keys is built once, not once a column: eleven columns name an account), a column whose
    # rows a rule reads on its own; the groups side by side: Arrow's hash lookups let go of the GIL.
    groups: dict[tuple, list[int]] = {}
    for position, (table, column, _, _) in enumerate(checks):
        alone = (table.name, column.name) if (table.name, column.name) in LOOKED_UP else None
        groups.setdefault((column.references, alone), []).append(position)
    found: list[np.ndarray] = [np.zeros(0, dtype=bool)] * len(checks)
    looked_up = side_by_side(lambda group: _named_rows(tables, [checks[i] for i in group]), groups.values(),
                             threaded=threaded)
    for group, group_found in zip(groups.values(), looked_up):
        for position, known in zip(group, group_found):
            found[position] = known
    rows = {(table.name, column.name): known for (table, column, *_), known in zip(checks, found)
            if (table.name, column.name) in LOOKED_UP}
    found = [known if known.dtype == bool else known >= 0 for known in found]
    for (table, column, ids, _), is_known in zip(checks, found):
        frame, raw = tables[table.name], raws[table.name]
        where = " or ".join(f"{r}.csv" for r in column.references)
        if column.kind == "id_list":
            unknown = ids[~is_known].groupby(level=0).agg(lambda v: ", ".join(map(repr, v)))
            bad = frame.index.to_series().isin(unknown.index)
            # report() calls the message function at once, in this pass of the loop
            report(problems, table.file, raw, column.name, bad,
                   message=lambda _, names: f"unknown {column.name} entry {names} (not in {where})",  # noqa: B023
                   context=unknown.reindex(frame.index))
        else:
            report(problems, table.file, raw, column.name, ids.notna() & ~is_known,
                   message=lambda v: unknown_reference(column, v))  # noqa: B023
    for name, users in needed.items():
        what = "required file is missing" if name in absent else "no rows (the file has a header but no data)"
        problems.append(Problem(f"{name}.csv", 1, 1, f"{what}: needed by {', '.join(users)}"))
    return rows


def unknown_reference(column: Column, value: str) -> str:
    """The problem of an id ``column`` names that no row of the tables it refers to has.

    >>> unknown_reference(TABLES_BY_NAME["ledger"].column("bank_txn_id"), "T9")
    "unknown bank_txn_id 'T9' (not in bank_transfers.csv)"
    """
    return f"unknown {column.name} {value!r} (not in {' or '.join(f'{r}.csv' for r in column.references)})"


def _named_rows(tables, checks: list[tuple[Table, Column, pd.Series, pa.Array]]) -> list[np.ndarray]:
    """For columns that all name the same tables, in one hash lookup: whether each id is one of
    their keys; for the one column of :data:`LOOKED_UP`, the row each id names (-1: none)."""
    ids = [arrow_text(check[2]) for check in checks]
    values = pa.chunked_array([chunk for column in ids for chunk in column.chunks], type=pa.large_string())
    table, column = checks[0][:2]
    if (table.name, column.name) in LOOKED_UP:
        (referred,) = column.references
        found = first_positions(values, arrow_text(tables[referred][TABLES_BY_NAME[referred].key]))
    else:
        found = member_of(values, checks[0][3])
    return np.split(found, np.cumsum([len(column) for column in ids])[:-1])


def check_one_of(frame: pd.DataFrame, raw: RawTable, name: str, problems: list[Problem]) -> None:
    """Each row fills at least one of the table's ``one_of`` columns (both sides of a transfer
    empty, or a login of nobody, is no record at all)."""
    table = TABLES_BY_NAME[name]
    where = next(c for c in table.one_of if c in raw.positions)  # parse_table saw at least one
    report(problems, table.file, raw, where, frame[list(table.one_of)].isna().all(axis=1),
           message=lambda _: f"{table.row} must name {' or '.join(table.one_of)}")


def lookup(values: pd.Series, keys: pd.Series, found: pd.Series, *, rows: np.ndarray | None = None) -> pd.Series:
    """For each value, ``found`` on the first row whose key it is (missing when none): what
    ``values.map(...)`` on keys without duplicates gives; a case being checked may repeat a key.
    ``rows`` are those rows when :func:`check_references` found them already.

    >>> text = lambda *v: pd.Series(v, dtype="string")
    >>> lookup(text("c1", None, "c9", "c2"), text("c1", "c2", "c1"), text("P1", "P2", "P3")).tolist()
    ['P1', <NA>, <NA>, 'P2']
    """
    if rows is None:
        rows = first_positions(arrow_text(values), arrow_text(keys))
    return text_series(pc.take(arrow_text(found), pa.array(rows, mask=rows < 0)), index=values.index,
                       name=values.name)


def check_agent_forest(agents: pd.DataFrame, raw: RawTable, problems: list[Problem], *,
                       parent_rows: np.ndarray | None = None) -> None:
    """Parents inside the same platform, and no cycles: the hierarchy must be a forest."""
    parent_platform = lookup(agents["parent_agent_id"], agents["agent_id"], agents["platform_id"], rows=parent_rows)
    other = agents["parent_agent_id"].notna() & parent_platform.notna() & (parent_platform != agents["platform_id"])
    report(problems, "agents.csv", raw, "parent_agent_id", other.fillna(False),
           message=lambda v, platform: f"parent agent {v!r} is on platform {platform!r}, not on this agent's platform",
           context=parent_platform)

    unique = agents.dropna(subset=["agent_id"]).drop_duplicates("agent_id")
    ids = pd.Index(unique["agent_id"])
    parent = ids.get_indexer(unique["parent_agent_id"])  # -1: no parent, or one not in the file
    on_cycle = _on_cycles(parent)
    # Only the agents on a cycle are walked one by one, each walk ending in a reported problem.
    next_of = dict(zip(ids[on_cycle], ids[parent[on_cycle]]))
    in_cycle: dict[str, list[str]] = {}
    for start in next_of:
        if start in in_cycle:
            continue
        cycle, node = [start], next_of[start]
        while node != start:
            cycle.append(node)
            node = next_of[node]
        for member in cycle:
            in_cycle[member] = cycle
    if in_cycle:
        bad = agents["agent_id"].isin(in_cycle.keys())
        report(problems, "agents.csv", raw, "parent_agent_id", bad,
               message=lambda _, agent_id: f"agent parents form a cycle: {_cycle_text(in_cycle[agent_id], agent_id)}",
               context=agents["agent_id"])


def _on_cycles(parent: np.ndarray) -> np.ndarray:
    """Which nodes lie on a cycle of the parent pointers (-1 = none), without a walk per node:
    pointer jumping moves every node 2, 4, 8 … steps up at once; after n steps a node either
    left the top of its tree or is on the cycle it runs into, and every node of a cycle is
    reached that way from the cycle itself.

    >>> _on_cycles(np.array([-1, 0, 3, 2, 2])).tolist()    # 2 <-> 3 is a cycle; 4 only runs into it
    [False, False, True, True, False]
    """
    up = parent.copy()
    for _ in range(len(parent).bit_length() + 1):
        up = np.where(up >= 0, up[up], -1)
    on_cycle = np.zeros(len(parent), dtype=bool)
    on_cycle[up[up >= 0]] = True
    return on_cycle


def _cycle_text(cycle: list[str], start: str) -> str:
    """The cycle read from ``start`` back to itself, e.g. ``A1 -> A2 -> A1``."""
    shift = cycle.index(start)
    return " -> ".join(cycle[shift:] + cycle[:shift] + [start])


def check_same_platform(tables, raws, name: str, column: str, target: str, *, problems,
                        rows: np.ndarray | None = None) -> None:
    """A client's referring agent must work on the client's platform."""
    frame, target_frame = tables[name], tables[target]
    theirs = lookup(frame[column], target_frame[TABLES_BY_NAME[target].key], target_frame["platform_id"], rows=rows)
    bad = theirs.notna() & (theirs != frame["platform_id"])
    report(problems, f"{name}.csv", raws[name], column, bad.fillna(False),
           message=lambda v, platform: f"{column} {v!r} is on platform {platform!r}, not on this row's platform",
           context=theirs)


def check_ledger_platform(tables, raws, problems, *, client_rows: np.ndarray | None = None) -> None:
    """A ledger entry's platform must be its client's platform."""
    clients, ledger = tables["clients"], tables["ledger"]
    theirs = lookup(ledger["client_id"], clients["client_id"], clients["platform_id"], rows=client_rows)
    bad = theirs.notna() & (theirs != ledger["platform_id"])
    report(problems, "ledger.csv", raws["ledger"], "platform_id", bad.fillna(False),
            message=lambda v: f"platform_id {v!r} is not the platform of the entry's client")


def check_ledger_signs(ledger: pd.DataFrame, raw: RawTable, problems: list[Problem]) -> None:
    """Amounts are positive except pnl and adjustment; rebates and commissions name an agent."""
    unsigned = ledger["kind"].notna() & ~ledger["kind"].isin(SIGNED_LEDGER_KINDS)
    negative = unsigned & (ledger["amount"] < 0).fillna(False)
    report(problems, "ledger.csv", raw, "amount", negative,
           message=lambda text, kind: f"negative amount {text!r} for kind {kind!r}: only pnl and adjustment are signed",
           context=ledger["kind"])
    needs_agent = ledger["kind"].isin(["rebate", "commission"]) & ledger["beneficiary_agent_id"].isna()
    report(problems, "ledger.csv", raw, "beneficiary_agent_id", needs_agent,
            message=lambda _: "a rebate or commission entry must name beneficiary_agent_id")


def check_sub_accounts(accounts: pd.DataFrame, raw: RawTable, problems: list[Problem], *,
                       parent_rows: np.ndarray | None = None) -> None:
    """A sub-account's parent must be a mother account."""
    parent_kind = lookup(accounts["parent_account_id"], accounts["account_id"], accounts["kind"], rows=parent_rows)
    bad = (accounts["kind"] == "sub") & parent_kind.notna() & (parent_kind != "mother")
    report(problems, "accounts.csv", raw, "parent_account_id", bad.fillna(False),
           message=lambda v, kind: f"parent account {v!r} is a {kind} account, not a mother account",
           context=parent_kind)


def check_aliases(accounts: pd.DataFrame, raw: RawTable, problems: list[Problem]) -> None:
    """An alias (another number of the same account) names one account only: it is no other
    row's account_id, and no other account lists it too."""
    aliases = split_ids(accounts["aliases"])
    if aliases.empty:
        return
    pairs = pd.DataFrame({"row": aliases.index, "alias": aliases.astype("string").to_numpy()})
    pairs = pairs.drop_duplicates(ignore_index=True)
    lines = accounts[LINE].astype("string")
    pairs["line"] = lines.loc[pairs["row"]].to_numpy()
    id_line = lookup(pairs["alias"], accounts["account_id"], lines)
    is_other_id = (id_line.notna() & (id_line != pairs["line"])).to_numpy()
    first = pairs.drop_duplicates("alias").set_index("alias")
    repeated = pairs["alias"].duplicated().to_numpy()
    bad = pairs[is_other_id | repeated]
    if bad.empty:
        return
    # Only the rows in trouble are worded one by one.
    first_account = accounts["account_id"].loc[first.loc[bad["alias"], "row"]].tolist()
    texts = [f"alias {alias!r} is the account_id of the account on line {line}" if other_id else
             f"alias {alias!r} is also an alias of account {account!r} (line {first_line})"
             for alias, line, other_id, account, first_line in zip(
                 bad["alias"], id_line[bad.index], is_other_id[bad.index], first_account,
                 first.loc[bad["alias"], "line"])]
    messages = pd.Series(texts, index=bad["row"].to_numpy()).groupby(level=0).agg("; ".join)
    report(problems, "accounts.csv", raw, "aliases", accounts.index.to_series().isin(messages.index),
           message=lambda _, text: text, context=messages.reindex(accounts.index))


def check_currencies(tables, raws, problems, timezone: str) -> None:
    """Every foreign amount needs a rate in fx_rates.csv on or before its date."""
    rates = tables["fx_rates"].dropna(subset=["date", "currency"])
    first_rate = rates.groupby("currency")["date"].min()
    for name, date_column in (("ledger", "ts"), ("bank_transfers", "ts"), ("licenses", "sold_on")):
        if name not in raws:
            continue
        frame = tables[name]
        foreign = np.flatnonzero(foreign_amounts(frame["currency"]))
        if not len(foreign):
            continue
        # Only the foreign rows, by position: the timezone conversion of a whole ledger is its
        # dearest part, and a reindex to all its rows the next.
        dates = frame[date_column].iloc[foreign]
        dates = local_dates(dates, timezone) if date_column == "ts" else dates
        # reindex, not map: pandas maps through an empty Series (no fx_rates.csv) as floats
        earliest = pd.Series(first_rate.reindex(frame["currency"].iloc[foreign]).to_numpy(), index=dates.index)
        bad = np.zeros(len(frame), dtype=bool)
        bad[foreign] = (earliest.isna() | (dates < earliest)).to_numpy()
        report(problems, f"{name}.csv", raws[name], "currency", pd.Series(bad, index=frame.index, copy=False),
                message=lambda v: f"no {v} rate in fx_rates.csv on or before this date")
