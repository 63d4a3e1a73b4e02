"""Normalised bank exports (:mod:`.exports`) merged into a case folder's tables.

What the merge decides, and why (contract.md "Bank evidence", bank-formats.md §4):

- **One account per real account.** Card and account numbers seen together (a 账户信息 row,
  or a transaction row giving both ``own_card`` and ``own_account``) are one account; so are
  an existing account's ``account_id`` and its ``aliases``. Ids are grouped into connected
  components; each component's ``account_id`` is, in this order: an id that is already an
  ``account_id`` in the case (so ids are stable across batches), an account number (交易账号),
  a card number (交易卡号), a number only seen as a counterparty; ties by the smaller text.
  The other ids of the component are its ``aliases``. A counterparty named by either id
  resolves to the same account.
- **Persons.** ``person_id`` is ``P`` + the id number when one is given (one person, whatever
  the spelling of the name); otherwise ``P:<name>@<account_id>``: two people of one name are
  not merged unless an id number says they are one. An existing person with that id number
  (or the existing holder of that account, for the same name) keeps its ``person_id``.
- **The same transfer from both sides** (an ``out`` in the payer's statement and an ``in`` in
  the payee's, :attr:`MergeSettings.pair_window` apart at most) is one transfer: pairs are
  matched one to one by payer, payee, amount and currency, nearest in time first. The
  payer's row is kept; the payee's goes to the report as ``duplicate_of_other_side`` with the
  kept ``txn_id``. A row of a new batch may pair with a transfer already in the case.
- **Reversals**: a row flagged as a reversal and the nearest earlier row of the same account,
  counterparty and amount in the other direction (at most :attr:`MergeSettings.reversal_window`
  before) both leave the totals. A flagged row with no such original (it lies before the
  statement's period) moved money within the period and is kept.
- **Not taken**: rows the reader could not read (``bad_value``), failed rows, blank directions.
  Every row not taken as it stands has a row in ``ingest_report.csv``.
- **Idempotent**: ``txn_id`` is derived from the source and row (``T<hash of source>-<row>``);
  a source row already in the case (in ``bank_transfers.csv`` or ``ingest_report.csv``) is not
  taken again, existing rows are kept as they are and new rows are appended.

Everything runs on whole columns (pandas, numpy, DuckDB); nothing loops over rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.money import MONEY_PATTERN, fen_series, format_fen_arrow
from casegraph.progress import SILENT, Progress
from casegraph.queries.columnar import duckdb_connection

from ..columnar import arrow_text
from ..read import TIME_TROUBLE, local_time_trouble
from ..tables import TABLES_BY_NAME

# The tables `ingest` writes (besides ingest_report.csv), in the order they are written.
INGESTED_TABLES = ("persons", "accounts", "bank_transfers", "logins", "statements")
REPORT_FILE = "ingest_report.csv"
REPORT_COLUMNS = ("source", "source_row", "action", "reason", "detail")
# Formats of payment institutions: their accounts are of kind `payment`, and their name is
# the institution when the export leaves it empty.
PAYMENT_FORMATS = {"tenpay": "财付通", "alipay": "支付宝"}
# What happened to a source row not taken as it stands.
ACTIONS = {"duplicate_of_other_side": "merged", "reversal": "excluded", "failed": "excluded",
           "blank_direction": "excluded", "bad_value": "excluded"}
# Characters exports mask id numbers with: such a number is no identity.
MASK = r"[*＊xX]{3,}"
SKIPPED_ACTION = "skipped"  # rows the reader did not take: footer, feedback_error, blank_row …
UNNAMED = "(unnamed)"  # persons.csv's name of a person known by an id number alone
KEPT_ACTION = "kept"  # an account row taken without a value it could not read (detail: which)

# Ranks of an id when choosing a component's account_id (lower wins).
EXISTING, EXISTING_ALIAS, ACCOUNT_NUMBER, CARD_NUMBER, COUNTERPARTY = range(5)


class Exports(Protocol):
    """The normalised frames of raw exports (INGEST-INTERFACE.md; ``exports.Exports``)."""

    transactions: pd.DataFrame
    accounts: pd.DataFrame
    persons: pd.DataFrame
    skipped: pd.DataFrame


@dataclass(frozen=True)
class MergeSettings:
    """How far apart two rows may lie in time and still be one event.

    ``pair_window``: the payer's ``out`` and the payee's ``in`` of one transfer (banks book
    them seconds to minutes apart). ``reversal_window``: an entry and its reversal.
    """

    pair_window: pd.Timedelta = pd.Timedelta(minutes=10)
    reversal_window: pd.Timedelta = pd.Timedelta(days=1)
    # The case's timezone (case.yaml), in which banks' times are local: a time its clocks skipped
    # or repeated names no one instant, and is a bad value rather than a case validate refuses.
    timezone: str = "Asia/Shanghai"


@dataclass
class Merged:
    """The case's ingested tables after the merge (text cells, "" when empty) and what it did."""

    tables: dict[str, pd.DataFrame]
    report: pd.DataFrame
    added: dict[str, int] = field(default_factory=dict)  # new rows per table
    reasons: dict[str, int] = field(default_factory=dict)  # new report rows per reason
    rows_read: int = 0  # transaction rows the batch held that were not in the case yet
    rows_in_sources: int = 0  # transaction, account and person rows the batch held


TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' own str: Arrow strings, no Python object per cell


def _text(values, index=None) -> pd.Series:
    """Arrow strings (or anything ``pa.array`` takes) as a text Series, "" for missing."""
    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, type=pa.large_string())
    return pd.Series(pd.array(array.fill_null(""), dtype=TEXT), index=index)


def _row_text(rows: pd.Series) -> pd.Series:
    """Row numbers as text."""
    return _text(pc.cast(pa.array(rows, type=pa.int64()), pa.large_string()), index=rows.index)


def empty_text_table(columns) -> pd.DataFrame:
    """A frame of text columns with no rows."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def merge_exports(exports: Exports, existing: dict[str, pd.DataFrame], *,
                  settings: MergeSettings = MergeSettings(), progress: Progress = SILENT,
                  release: bool = False) -> Merged:
    """Merge one batch of normalised exports into the case's existing tables.

    ``existing`` holds the case's ``persons``, ``accounts``, ``bank_transfers``, ``logins``,
    ``statements`` and ``report`` as text frames ("" for empty cells; missing tables empty).
    With ``release`` the merge takes the batch's transactions over (``exports.transactions``
    becomes None), so that each column leaves memory once the merge is done with it.

    >>> from types import SimpleNamespace
    >>> batch = SimpleNamespace(transactions=example_transactions(), accounts=pd.DataFrame(),
    ...                         persons=pd.DataFrame(), skipped=pd.DataFrame())
    >>> merged = merge_exports(batch, {})
    >>> merged.tables["bank_transfers"][["from_account", "to_account", "amount"]].values.tolist()
    [['6222001', '6222002', '100.00']]
    >>> merged.report[["source", "reason"]].values.tolist()      # the payee's row, merged into the payer's
    [['b.csv', 'duplicate_of_other_side']]
    >>> merged.report["detail"].tolist() == merged.tables["bank_transfers"]["txn_id"].tolist()
    True
    """
    existing = {name: _with_columns(existing.get(name), _columns(name)) for name in (*INGESTED_TABLES, "report")}
    txns = _frame(exports.transactions, TRANSACTION_COLUMNS)
    if release:
        exports.transactions = None
    holder_rows = _frame(exports.accounts, ACCOUNT_COLUMNS)
    person_rows = _frame(exports.persons, PERSON_COLUMNS)
    skipped = _frame(exports.skipped, ("source", "source_row", "reason", "detail"))
    rows_in_sources = len(txns) + len(holder_rows) + len(person_rows)

    with progress.step("leaving out rows already in the case"):
        known = _known_rows(existing)
        txns, skipped = _without(txns, _row_keys_in(txns, known)), _without(skipped, _row_keys_in(skipped, known))
        partly_read = holder_rows[holder_rows["problem"] != ""]
        partly_read = _without(partly_read, _row_keys_in(partly_read, known))
    with progress.step(f"tying the ids of {len(txns):,} rows to accounts"):
        accounts = _resolve_accounts(txns, holder_rows, existing["accounts"])
        # Codes of each column, chosen row by row as _own_id chooses texts (no text column made).
        own_code = np.where((txns["own_account"] != "").to_numpy(), accounts.codes(txns["own_account"]),
                            accounts.codes(txns["own_card"]))
        counterparty_code = np.where(txns["cash"].to_numpy(), -1, accounts.codes(txns["counterparty_id"]))
        # As categories: millions of rows name a few thousand accounts.
        own = accounts.categories(own_code, txns.index)
        counterparty = accounts.categories(counterparty_code, txns.index)
    with progress.step("persons and account holders"):
        persons, holders = _persons(txns, holder_rows, accounts.resolve(_own_id(holder_rows)), person_rows, own,
                                    counterparty=counterparty, existing=existing)
        account_table = accounts.table(txns, holder_rows, own, counterparty, holders)
        txns = txns.drop(columns=NAMING_COLUMNS)
        pa.default_memory_pool().release_unused()  # what the dropped columns held, back to the system
    with progress.step("leaving out failed, unreadable and reversed rows, pairing both sides"):
        txn_ids = _txn_ids(txns)
        reasons, details = _exclusions(txns, own, timezone=settings.timezone)
        taken = reasons == ""
        _pair_reversals(txns, own_code, counterparty_code, taken, reasons, details=details,
                        window=settings.reversal_window)
        statements = _statements(txns, own_code, accounts, reasons, existing["statements"])
        del own, counterparty  # from here on the accounts' codes do
        _pair_other_sides(txns, own_code, counterparty_code, txn_ids, reasons, details=details, existing=existing,
                          accounts=accounts, window=settings.pair_window)
    with progress.step("writing the tables"):
        taken = reasons == ""
        transfers = _transfers(txns, taken.to_numpy(), own_code, counterparty_code, accounts, txn_ids=txn_ids)
        logins = _logins(txns, own_code, accounts, reasons)
        report = pd.concat([_rows_report(skipped, action=SKIPPED_ACTION, reason=skipped["reason"]),
                            _rows_report(partly_read, action=KEPT_ACTION, reason="bad_value"),
                            _transaction_report(txns, reasons, details)], ignore_index=True)
        # A row both skipped by the reader and flagged on its transaction is reported once.
        report = report.drop_duplicates(["source", "source_row", "reason"])
        new = {"persons": persons, "accounts": account_table, "bank_transfers": transfers, "logins": logins,
               "statements": statements}
        tables = {name: _appended(existing[name], new[name]) if name != "accounts" else new[name]
                  for name in INGESTED_TABLES}
    added = {name: len(new[name]) for name in INGESTED_TABLES}
    added["accounts"] = len(account_table) - len(existing["accounts"])
    return Merged(tables, _appended(existing["report"], report), added,
                  report["reason"].value_counts().sort_index().to_dict(), len(txns), rows_in_sources)


# -- the batch's frames --------------------------------------------------------------------------

TRANSACTION_COLUMNS = {
    "source": "", "source_row": 0, "format": "", "own_card": "", "own_account": "", "own_name": "",
    "own_id_number": "", "own_institution": "", "ts": pd.NaT, "direction": "", "amount_fen": pd.NA,
    "currency": "CNY", "counterparty_id": "", "counterparty_name": "", "counterparty_id_number": "",
    "counterparty_institution": "", "cash": False, "succeeded": True, "reversal": False,
    "memo": "", "channel": "", "ip": "", "mac": "", "problem": "", "detail": "",
}
# Columns only the accounts and persons are made of: dropped once they are.
NAMING_COLUMNS = ["own_card", "own_account", "own_name", "own_id_number", "counterparty_id", "counterparty_name",
                  "counterparty_id_number", "counterparty_institution", "format"]
ACCOUNT_COLUMNS = {"source": "", "source_row": 0, "format": "", "own_card": "", "own_account": "", "own_name": "",
                   "own_id_number": "", "own_institution": "", "opened_on": "", "problem": "", "detail": ""}
PERSON_COLUMNS = {"source": "", "source_row": 0, "name": "", "id_number": "", "phone": ""}


def _frame(frame: pd.DataFrame | None, columns) -> pd.DataFrame:
    """The columns the merge reads, with their defaults where the frame lacks them; text
    columns as plain str with "" for missing."""
    frame = pd.DataFrame() if frame is None else frame
    length = len(frame)
    out = {}
    for name in columns:
        default = columns[name] if isinstance(columns, dict) else ""
        if name in frame.columns:
            values = frame[name].reset_index(drop=True)
        else:
            values = pd.Series([default] * length, dtype=object) if length else pd.Series(dtype=object)
        if name == "ts":
            values = pd.to_datetime(values)
        elif name == "amount_fen":
            values = values.astype("Int64")
        elif name == "source_row":
            values = values.astype("int64")
        elif name in ("cash", "succeeded", "reversal"):
            values = values.astype("boolean").fillna(default).astype(bool)
        else:
            values = _as_text(values)
        out[name] = values
    return pd.DataFrame(out, index=pd.RangeIndex(length))


def _as_text(values: pd.Series) -> pd.Series:
    """A text column as pandas' str, "" for missing; Arrow-backed input is not copied cell by cell."""
    if values.dtype == TEXT and not values.hasnans:
        return values
    try:
        return _text(arrow_text(values), index=values.index)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: each value as str() writes it
        return values.astype(object).where(values.notna(), "").astype(str).astype(TEXT)


def _own_id(txns: pd.DataFrame) -> pd.Series:
    """The id that names the statement holder's account on each row (account number first)."""
    return txns["own_account"].where(txns["own_account"] != "", txns["own_card"])


def _columns(name: str) -> tuple[str, ...]:
    return REPORT_COLUMNS if name == "report" else TABLES_BY_NAME[name].column_names


def _with_columns(frame: pd.DataFrame | None, columns) -> pd.DataFrame:
    """An existing table with at least the contract's columns (its extra columns kept)."""
    if frame is None:
        return empty_text_table(columns)
    missing = [c for c in columns if c not in frame.columns]
    return frame.assign(**{c: "" for c in missing})[[*columns, *[c for c in frame.columns if c not in columns]]] \
        if missing else frame


def _without(frame: pd.DataFrame, dropped: np.ndarray) -> pd.DataFrame:
    """The rows not ``dropped``, numbered from 0 (not copied when none is)."""
    return frame[~dropped].reset_index(drop=True) if dropped.any() else frame


def _appended(existing: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Existing rows as they are, then the new ones, with the existing table's columns."""
    if new.empty:
        return existing
    new = new.reindex(columns=existing.columns, fill_value="")
    return pd.concat([existing, new], ignore_index=True) if len(existing) else new.reset_index(drop=True)


# -- rows already in the case --------------------------------------------------------------------

def _known_rows(existing: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``source`` and row of every source row the case already took or reported."""
    return pd.concat([existing[name][["source", "source_row"]] for name in ("bank_transfers", "report")],
                     ignore_index=True)


def _row_keys_in(frame: pd.DataFrame, known: pd.DataFrame) -> np.ndarray:
    """Which rows of ``frame`` are among the ``known`` (source, row) pairs."""
    hit = np.zeros(len(frame), dtype=bool)
    if known.empty or frame.empty:
        return hit
    # Few sources, many rows: the rows of each source are compared as numbers.
    codes, sources = pd.factorize(frame["source"])
    known = known[known["source"].isin(sources)]
    rows = frame["source_row"].to_numpy()
    for code, source in enumerate(sources):
        seen = _row_numbers(known.loc[known["source"] == source, "source_row"])
        if len(seen):
            here = codes == code
            hit[here] = np.isin(rows[here], seen)
    return hit


def _row_numbers(text: pd.Series) -> np.ndarray:
    """Row numbers written as text, as integers (text that is no number left out)."""
    try:
        return pc.cast(pa.array(text, type=pa.large_string()), pa.int64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # a hand-written row number such as "12a"
        return pd.to_numeric(text, errors="coerce").dropna().to_numpy(dtype="int64")


# -- accounts ------------------------------------------------------------------------------------

@dataclass
class AccountIds:
    """Every id seen, the account_id it resolves to, and the existing accounts table."""

    ids: pa.Array  # distinct ids, sorted
    account_of: np.ndarray  # for each id, the position in ``ids`` of its account_id
    rank: np.ndarray  # for each id, its best rank (EXISTING … COUNTERPARTY)
    existing: pd.DataFrame

    def codes(self, values: pd.Series) -> np.ndarray:
        """The position of each id's account_id among ``ids`` (-1 for "" and unknown ids)."""
        positions = pc.index_in(pa.array(values, type=pa.large_string()), value_set=self.ids)
        return pc.take(pa.array(self.account_of, type=pa.int64()), positions).fill_null(-1).to_numpy()

    def categories(self, codes: np.ndarray, index: pd.Index) -> pd.Series:
        """The account_ids of codes ("" for -1) as categories: a table's millions of rows name a
        few thousand accounts."""
        names = pd.Index(pd.array(pa.concat_arrays([self.ids, pa.array([""], type=pa.large_string())]), dtype=TEXT))
        return pd.Series(pd.Categorical.from_codes(np.where(codes < 0, len(self.ids), codes), categories=names),
                         index=index)

    def text(self, codes: np.ndarray, index: pd.Index) -> pd.Series:
        """The account_ids of codes ("" for -1)."""
        return _text(pc.take(self.ids, pa.array(codes, mask=codes < 0, type=pa.int64())), index=index)

    def resolve(self, values: pd.Series) -> pd.Series:
        """The account_id of each id ("" stays "")."""
        return self.text(self.codes(values), values.index)

    def table(self, txns, holder_rows, own, counterparty, holders: pd.Series) -> pd.DataFrame:
        """accounts.csv: the existing rows (aliases grown, empty holders filled) and the new accounts."""
        ids = self.ids.to_numpy(zero_copy_only=False)
        account = ids[self.account_of]
        is_alias = (account != ids) & (self.rank != EXISTING)
        aliases = (pd.Series(ids[is_alias]).groupby(account[is_alias]).agg(lambda v: ";".join(sorted(v)))
                   if is_alias.any() else pd.Series(dtype=object))
        existing = self.existing.copy()
        if len(existing):
            grown = _mapped(existing["account_id"], aliases)
            existing["aliases"] = grown.where(grown != "", existing["aliases"])
            holder = existing["holder_person_id"]
            existing["holder_person_id"] = holder.where(holder != "", _mapped(existing["account_id"], holders))

        # Where each new account was first seen, and what is known of it, best source first:
        # 账户信息 rows, then the statement holder's side of transactions, then counterparties.
        blocks = (
            pd.DataFrame({"account_id": self.resolve(_own_id(holder_rows)),
                          "institution": holder_rows["own_institution"],
                          "opened_on": holder_rows["opened_on"], "format": holder_rows["format"],
                          "source": holder_rows["source"], "source_row": holder_rows["source_row"]}),
            pd.DataFrame({"account_id": own, "institution": txns["own_institution"], "opened_on": "",
                          "format": txns["format"], "source": txns["source"], "source_row": txns["source_row"]}),
            pd.DataFrame({"account_id": counterparty, "institution": txns["counterparty_institution"],
                          "opened_on": "", "format": txns["format"], "source": txns["source"],
                          "source_row": txns["source_row"]}),
        )
        # Per block, only the rows that can matter: each account's first, and its first with an
        # institution or an opening date.
        seen = pd.concat([_firsts(block, ["account_id"], filled=("institution", "opened_on"),
                                  where=(block["account_id"] != "").to_numpy())
                          for block in blocks], ignore_index=True)
        seen = seen[~seen["account_id"].isin(existing["account_id"])]
        first = seen.drop_duplicates("account_id")
        institution = _first_filled(seen, "institution")
        opened = seen["opened_on"].where(seen["opened_on"].str.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"), "").str[:10]
        opened_on = _first_filled(seen.assign(opened_on=opened), "opened_on")
        payment_format = _mapped(first["format"], pd.Series({f: f for f in first["format"].unique()})
                                 .map(_payment_institution).dropna())
        institution = _mapped(first["account_id"], institution)
        new = pd.DataFrame({
            "account_id": first["account_id"].to_numpy(),
            "kind": np.where(payment_format != "", "payment", "bank"),
            "holder_person_id": _mapped(first["account_id"], holders).to_numpy(),
            "institution": institution.where(institution != "", payment_format).to_numpy(),
            "opened_on": _mapped(first["account_id"], opened_on).to_numpy(),
            "aliases": _mapped(first["account_id"], aliases).to_numpy(),
            "source": first["source"].to_numpy(),
            "source_row": first["source_row"].astype(str).to_numpy(),
        })
        return _appended(existing, new)


def _firsts(block: pd.DataFrame, keys: list[str], *, filled: tuple[str, ...] = (),
            where: np.ndarray | None = None) -> pd.DataFrame:
    """Among the rows ``where`` says (all by default), the first of each ``keys``, and the first
    where each column of ``filled`` is not empty. Only the key columns are compared and copied:
    a block is millions of rows, its result a few thousand."""
    where = np.ones(len(block), dtype=bool) if where is None else where
    # One integer per row, equal where the keys are: integers compare cheaply.
    key = np.zeros(len(block), dtype=np.int64)
    for name in keys:
        codes, distinct = pd.factorize(block[name])
        key = pd.factorize(key * len(distinct) + codes)[0]
    keep = np.zeros(len(block), dtype=bool)
    keep[where] = ~pd.Series(key[where]).duplicated().to_numpy()
    for column in filled:
        has = where & (block[column] != "").to_numpy()
        keep[has] |= ~pd.Series(key[has]).duplicated().to_numpy()
    firsts = block[keep]
    return firsts.astype({name: TEXT for name, kind in firsts.dtypes.items() if isinstance(kind, pd.CategoricalDtype)})


def _mapped(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """``keys.map(mapping)`` as text, "" where a key is not in ``mapping``."""
    values = keys.map(mapping) if len(mapping) else pd.Series(None, index=keys.index)
    return values.astype(object).where(values.notna(), "")


def _payment_institution(format_name: str) -> str | None:
    for prefix, institution in PAYMENT_FORMATS.items():
        if format_name.startswith(prefix):
            return institution
    return None


def _first_filled(seen: pd.DataFrame, column: str) -> pd.Series:
    """Per account, the first non-empty value of ``column`` (rows in priority order)."""
    filled = seen[seen[column] != ""]
    return filled.drop_duplicates("account_id").set_index("account_id")[column]


def _resolve_accounts(txns: pd.DataFrame, holder_rows: pd.DataFrame, existing: pd.DataFrame) -> AccountIds:
    """Group card and account numbers into accounts (see the module) and name each account."""
    existing_aliases = existing["aliases"].str.split(";").explode().str.strip()
    existing_aliases = existing_aliases[existing_aliases.notna() & (existing_aliases != "")]
    # Each column's distinct ids only (a few thousand among millions of rows): an id's rank is
    # its best among its occurrences, whichever row they are on.
    occurrences = [
        (_distinct(existing["account_id"]), EXISTING),
        (_distinct(existing_aliases), EXISTING_ALIAS),
        (_distinct(holder_rows["own_account"]), ACCOUNT_NUMBER), (_distinct(txns["own_account"]), ACCOUNT_NUMBER),
        (_distinct(holder_rows["own_card"]), CARD_NUMBER), (_distinct(txns["own_card"]), CARD_NUMBER),
        (_distinct(txns["counterparty_id"], where=~txns["cash"].to_numpy()), COUNTERPARTY),
    ]
    seen = pa.concat_arrays([v for v, _ in occurrences])
    ranks = np.concatenate([np.full(len(v), r, dtype=np.int64) for v, r in occurrences])
    ids = pc.unique(seen)
    ids = ids.take(pc.sort_indices(ids))  # sorted: a position orders like its text
    rank = np.full(len(ids), COUNTERPARTY, dtype=np.int64)
    np.minimum.at(rank, _positions(seen, ids), ranks)

    pairs = pd.concat([
        pd.DataFrame({"a": existing_aliases.index.map(existing["account_id"]), "b": existing_aliases.to_numpy()}),
        _distinct_pairs(holder_rows["own_account"], holder_rows["own_card"]),
        _distinct_pairs(txns["own_account"], txns["own_card"]),
    ], ignore_index=True)
    pairs = pairs[(pairs["a"] != "") & (pairs["b"] != "")].drop_duplicates()
    component = _components(len(ids), _positions(pairs["a"], ids), _positions(pairs["b"], ids))
    # The account_id of a component: the id of lowest (rank, text), i.e. of lowest rank * n + code.
    score = rank * len(ids) + np.arange(len(ids))
    best = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, component, score)
    account_of = best[component] % max(len(ids), 1)
    # An existing account stays itself even when a new tie joins it to another existing account;
    # its aliases stay with it.
    account_of[rank == EXISTING] = np.flatnonzero(rank == EXISTING)
    if len(existing_aliases):
        owners = existing_aliases.index.map(existing["account_id"])
        account_of[_positions(existing_aliases, ids)] = _positions(owners, ids)
    return AccountIds(ids, account_of, rank, existing)


def _distinct(values: pd.Series, *, where: np.ndarray | None = None) -> pa.Array:
    """The distinct ids of a text column (of the rows ``where`` says), "" left out.

    >>> _distinct(pd.Series(["b", "", "a", "b"]), where=np.array([True, True, False, True])).to_pylist()
    ['b']
    """
    text = arrow_text(values)
    if where is not None:
        text = text.filter(pa.array(where))
    distinct = pc.unique(text)
    distinct = distinct.combine_chunks() if isinstance(distinct, pa.ChunkedArray) else distinct
    return distinct.filter(pc.and_kleene(pc.is_valid(distinct), pc.not_equal(distinct, "")).fill_null(False))


def _distinct_pairs(a: pd.Series, b: pd.Series) -> pd.DataFrame:
    """The distinct (a, b) pairs of two text columns, as text, by their codes."""
    a_codes, a_values = pd.factorize(a)
    b_codes, b_values = pd.factorize(b)
    pair = np.unique(a_codes.astype(np.int64) * (len(b_values) + 1) + b_codes)
    return pd.DataFrame({"a": np.asarray(a_values, dtype=object)[pair // (len(b_values) + 1)],
                         "b": np.asarray(b_values, dtype=object)[pair % (len(b_values) + 1)]})


def _positions(values, ids: pa.Array) -> np.ndarray:
    """Where each value is among ``ids`` (every value must be there)."""
    return pc.index_in(pa.array(values, type=pa.large_string()), value_set=ids).to_numpy(zero_copy_only=False)


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of n nodes joined by the edges a-b: each node's smallest member.

    Labels shrink along the edges and jump to their label's label until nothing changes; the
    graphs here are pairs and small stars (card - account), so a few rounds do.

    >>> _components(5, np.array([0, 3, 4]), np.array([1, 4, 2])).tolist()
    [0, 0, 2, 2, 2]
    """
    label = np.arange(n)
    while len(a):
        lower = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, lower)
        np.minimum.at(new, b, lower)
        new = new[new]
        if np.array_equal(new, label):
            break
        label = new
    return label


# -- persons -------------------------------------------------------------------------------------

def _persons(txns, holder_rows, holder_accounts, person_rows, own, *, counterparty,
             existing) -> tuple[pd.DataFrame, pd.Series]:
    """New persons (holders and counterparties) and each account's holder person_id."""
    keys = ["name", "id_number", "account_id"]
    # A person row of an account sheet's row (账户信息 gives the holder's contacts) is that
    # account's holder: without an id number, its name alone would make a second person.
    row_keys = ["source", "source_row"]
    person_accounts = person_rows[row_keys].merge(
        holder_rows[row_keys].assign(account_id=np.asarray(holder_accounts)).drop_duplicates(row_keys),
        on=row_keys, how="left")["account_id"].fillna("").to_numpy()
    # Each block reduced to its distinct (name, id number, account) first: a busy account
    # repeats its counterparties on every row. Blocks in order of trust, rows in the batch's order.
    # (The phone is a key too: the person rows' phones must not give way to the holders' rows.)
    # A row names a person by a name or an id number that is no mask (a masked one names a
    # person only with the name): without either, there is no one to write.
    seen = pd.concat([_firsts(block, [*keys, "phone"],
                              where=((block["name"] != "") | (_identity(block) != "")).to_numpy())
                      for block in (
        pd.DataFrame({"name": holder_rows["own_name"], "id_number": holder_rows["own_id_number"], "phone": "",
                      "account_id": holder_accounts, "source": holder_rows["source"],
                      "source_row": holder_rows["source_row"]}),
        pd.DataFrame({"name": person_rows["name"], "id_number": person_rows["id_number"],
                      "phone": person_rows["phone"], "account_id": person_accounts, "source": person_rows["source"],
                      "source_row": person_rows["source_row"]}),
        pd.DataFrame({"name": txns["own_name"], "id_number": txns["own_id_number"], "phone": "", "account_id": own,
                      "source": txns["source"], "source_row": txns["source_row"]}),
        pd.DataFrame({"name": txns["counterparty_name"], "id_number": txns["counterparty_id_number"], "phone": "",
                      "account_id": counterparty, "source": txns["source"], "source_row": txns["source_row"]}),
    )], ignore_index=True).drop_duplicates([*keys, "phone"])
    person_id = _person_ids(seen, existing)
    seen = seen.assign(person_id=person_id.to_numpy())
    first_named = seen[seen["account_id"] != ""].drop_duplicates("account_id").set_index("account_id")
    # A name without id number on an account whose holder has that name is the holder (a
    # counterparty named as in the holder's own statement), not a second person.
    same_as_holder = (seen["id_number"] == "") & (seen["name"] == _mapped(seen["account_id"], first_named["name"]))
    seen.loc[same_as_holder, "person_id"] = _mapped(seen.loc[same_as_holder, "account_id"],
                                                    first_named["person_id"])
    holders = first_named["person_id"]

    new = seen[~seen["person_id"].isin(existing["persons"]["person_id"])]
    first = new.drop_duplicates("person_id")
    persons = pd.DataFrame({
        "person_id": first["person_id"].to_numpy(),
        # A person no row names (an id number alone) still needs a name in persons.csv.
        "name": _mapped(first["person_id"], _first_of(new, "name")).replace("", UNNAMED).to_numpy(),
        "id_number": first["id_number"].to_numpy(),
        "phone": _mapped(first["person_id"], _first_of(new, "phone")).to_numpy(),
        "source": first["source"].to_numpy(), "source_row": first["source_row"].astype(str).to_numpy(),
    })
    return persons, holders


def _first_of(frame: pd.DataFrame, column: str) -> pd.Series:
    filled = frame[frame[column] != ""]
    return filled.drop_duplicates("person_id").set_index("person_id")[column]


def _identity(persons: pd.DataFrame) -> pd.Series:
    """What names one person: the id number; a masked one (110***********1234, as exports
    print them) names many people, with the name it names one; without either, nothing."""
    masked = persons["id_number"].str.contains(MASK, regex=True)
    with_name = (persons["id_number"] + ":" + persons["name"]).where(persons["name"] != "", "")
    return persons["id_number"].where(~masked, with_name)


def _person_ids(seen: pd.DataFrame, existing: dict[str, pd.DataFrame]) -> pd.Series:
    """``P<id number>`` (``P<masked number>:<name>`` for a masked one), else
    ``P:<name>@<account_id>`` (``P:<name>`` without an account);
    an existing person of that id number, or the existing holder of that account with that
    name, keeps its own id."""
    # A masked id number (110***********1234, as exports print them) names many people: with
    # the name, it names one.
    number = _identity(seen)
    derived = np.where(number != "", "P" + number,
                       np.where(seen["account_id"] != "", "P:" + seen["name"] + "@" + seen["account_id"],
                                "P:" + seen["name"]))
    derived = pd.Series(derived, index=seen.index, dtype=object)
    persons, accounts = existing["persons"], existing["accounts"]
    known = persons.assign(identity=_identity(persons))
    by_number = known[known["identity"] != ""].drop_duplicates("identity").set_index("identity")["person_id"]
    holder_name = accounts[["account_id", "holder_person_id"]].merge(
        persons[["person_id", "name"]], left_on="holder_person_id", right_on="person_id")
    by_holder = holder_name.drop_duplicates(["account_id", "name"]).set_index(["account_id", "name"])["person_id"]
    found = number.map(by_number).astype(object)
    no_number = (number == "") & found.isna()
    if no_number.any() and len(by_holder):
        keys = pd.MultiIndex.from_frame(seen.loc[no_number, ["account_id", "name"]])
        found[no_number] = by_holder.reindex(keys).to_numpy()
    return found.fillna(derived)


# -- transactions --------------------------------------------------------------------------------

def _txn_ids(txns: pd.DataFrame) -> pd.Series:
    """``T<12 hex of the source's hash>-<row>``: the same source row always gets the same id."""
    sources = pa.array(txns["source"], type=pa.large_string())
    # Arrow-backed columns come as chunked arrays: one dictionary for the whole column.
    sources = pc.dictionary_encode(sources.combine_chunks() if isinstance(sources, pa.ChunkedArray) else sources)
    prefixes = pa.array(["T" + hashlib.blake2b(s.encode(), digest_size=6).hexdigest() + "-"
                         for s in sources.dictionary.to_pylist()], type=pa.large_string())
    rows = pc.cast(pa.array(txns["source_row"], type=pa.int64()), pa.large_string())
    joined = pc.binary_join_element_wise(pc.take(prefixes, sources.indices), rows, pa.scalar("", pa.large_string()))
    return _text(joined, index=txns.index)


def _exclusions(txns: pd.DataFrame, own: pd.Series, *, timezone: str) -> tuple[pd.Series, pd.Series]:
    """Each row's reason not to be taken ("" when taken) and its detail (``timezone``: as
    :attr:`MergeSettings.timezone`)."""
    # Categories: comparing a million reasons compares small integers, not texts.
    reasons = pd.Series(pd.Categorical.from_codes(np.zeros(len(txns), dtype=np.int8), categories=["", *ACTIONS]),
                        index=txns.index)
    details = pd.Series("", index=txns.index, dtype=object)
    checks = [  # the first reason that applies wins
        (txns["problem"] != "", "bad_value", txns["detail"]),
        (txns["ts"].isna(), "bad_value", "no readable time"),
        *_unplaced_times(txns["ts"], timezone),
        (txns["amount_fen"].isna() | (txns["amount_fen"] <= 0).fillna(True), "bad_value", "no amount above 0"),
        (own == "", "bad_value", "no card or account number of the statement holder"),
        (~txns["succeeded"], "failed", "the bank marks the transaction as failed"),
        (txns["direction"] == "", "blank_direction", "no direction (in or out) given"),
    ]
    for applies, reason, detail in checks:
        applies = applies.to_numpy() & (reasons == "").to_numpy()
        reasons[applies] = reason
        details[applies] = detail[applies] if isinstance(detail, pd.Series) else detail
    bad_direction = (reasons == "") & ~txns["direction"].isin(["in", "out"])
    reasons[bad_direction] = "bad_value"
    details[bad_direction] = "direction " + txns.loc[bad_direction, "direction"] + " is neither in nor out"
    return reasons, details


def _unplaced_times(ts: pd.Series, timezone: str) -> list[tuple[pd.Series, str, pd.Series]]:
    """The check of :func:`_exclusions` for local times ``timezone``'s clocks skipped or
    repeated (none when there are none), each detail as validate words it."""
    trouble = local_time_trouble(ts, timezone)
    unplaced = trouble.notna()
    if not unplaced.any():
        return []
    shown = ts[unplaced].dt.strftime("%Y-%m-%dT%H:%M:%S")
    details = pd.Series("", index=ts.index, dtype=object)
    details[unplaced] = [TIME_TROUBLE[why].format(v=text, tz=timezone)
                         for why, text in zip(trouble[unplaced].tolist(), shown.tolist())]
    return [(unplaced, "bad_value", details)]


def _match_nearest(left: np.ndarray, right: np.ndarray, gap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one pairs among candidate pairs, nearest first: the result of taking pairs in
    order of ``gap`` (ties by left, then right) and keeping each whose two ends are still
    free, done in rounds: every pair that is the best of both its ends is kept at once.

    >>> _match_nearest(np.array([1, 1, 2]), np.array([7, 8, 7]), np.array([5, 9, 1]))
    (array([2, 1]), array([7, 8]))
    """
    # Codes in sorted order: ties break the same way whatever order the candidates came in.
    left_code, right_code = pd.factorize(left, sort=True)[0], pd.factorize(right, sort=True)[0]
    order = np.lexsort((right_code, left_code, gap))
    left, right, left_code, right_code = left[order], right[order], left_code[order], right_code[order]
    left_used = np.zeros(left_code.max() + 1 if len(left) else 0, dtype=bool)
    right_used = np.zeros(right_code.max() + 1 if len(right) else 0, dtype=bool)
    kept = np.zeros(len(left), dtype=bool)
    live = np.arange(len(left))
    while len(live):
        best_of_left = ~pd.Series(left_code[live]).duplicated().to_numpy()
        best_of_right = ~pd.Series(right_code[live]).duplicated().to_numpy()
        mutual = live[best_of_left & best_of_right]
        kept[mutual] = True
        left_used[left_code[mutual]] = True
        right_used[right_code[mutual]] = True
        live = live[~left_used[left_code[live]] & ~right_used[right_code[live]]]
    return left[kept], right[kept]


def _pair_reversals(txns, own: np.ndarray, counterparty: np.ndarray, taken, reasons, *, details,
                    window: pd.Timedelta) -> None:
    """Flagged reversals and their originals both leave the totals (reason ``reversal``). Accounts
    (``own``, ``counterparty``) and currencies are compared by their codes."""
    flagged = taken & txns["reversal"]
    if not flagged.any():
        return
    rows = pd.DataFrame({"row": txns.index, "own": own, "cp": counterparty, "amount": txns["amount_fen"],
                         "currency": pd.factorize(txns["currency"])[0], "direction": txns["direction"],
                         "ms": _epoch_ms(txns["ts"])})
    reversal, original = rows[flagged], rows[taken & ~txns["reversal"]]
    connection = duckdb_connection(reversal=reversal, original=original)
    candidates = connection.sql(f"""
        SELECT r.row AS r, o.row AS o, r.ms - o.ms AS gap
        FROM reversal r JOIN original o
          ON r.own = o.own AND r.cp = o.cp AND r.amount = o.amount AND r.currency = o.currency
         AND r.direction <> o.direction AND o.ms BETWEEN r.ms - {_ms(window)} AND r.ms""").df()
    connection.close()
    r, o = _match_nearest(candidates["r"].to_numpy(), candidates["o"].to_numpy(), candidates["gap"].to_numpy())
    source, row = txns["source"], txns["source_row"]
    reasons[r] = "reversal"
    reasons[o] = "reversal"
    details[r] = ("reverses " + source[o] + " row " + row[o].astype(str)).to_numpy()
    details[o] = ("reversed by " + source[r] + " row " + row[r].astype(str)).to_numpy()


def _pair_other_sides(txns, own, counterparty, txn_ids, reasons, *, details, existing, accounts: AccountIds,
                      window: pd.Timedelta) -> None:
    """The payee's ``in`` row of a transfer whose payer's ``out`` row is also in hand (in this
    batch, or already in the case) is reported ``duplicate_of_other_side``."""
    taken = (reasons == "").to_numpy() & (counterparty >= 0)
    rows = np.flatnonzero(taken)
    out = (txns["direction"][taken] == "out").to_numpy()
    payer = np.where(out, own[rows], counterparty[rows])
    payee = np.where(out, counterparty[rows], own[rows])
    old = _existing_sides(existing)
    if not len(rows):
        return
    # Sides as integers for the join (accounts by their codes): rows of the batch 0 … n-1,
    # transfers in the case n …
    n, m = len(rows), len(old)
    currencies = pd.factorize(pd.concat([txns["currency"][taken], old["currency"].astype(TEXT)], ignore_index=True))[0]
    sides = pd.DataFrame({
        "key": np.arange(n + m), "out": np.concatenate([out, old["out"].to_numpy(dtype=bool)]),
        "payer": np.concatenate([payer, accounts.codes(old["payer"])]),
        "payee": np.concatenate([payee, accounts.codes(old["payee"])]),
        "amount": np.concatenate([txns["amount_fen"][taken].to_numpy(dtype="int64"),
                                  old["amount"].to_numpy(dtype="int64")]),
        "currency": currencies,
        "ms": np.concatenate([_epoch_ms(txns["ts"][taken]).to_numpy(dtype="int64"), old["ms"].to_numpy(dtype="int64")]),
    })
    connection = duckdb_connection(sides=sides)
    candidates = connection.sql(f"""
        SELECT o.key AS kept, i.key AS other, abs(i.ms - o.ms) AS gap
        FROM sides o JOIN sides i
          ON o.out AND NOT i.out AND o.payer = i.payer AND o.payee = i.payee AND o.amount = i.amount
         AND o.currency = i.currency AND (o.key < {n} OR i.key < {n})
         AND i.ms BETWEEN o.ms - {_ms(window)} AND o.ms + {_ms(window)}""").df()
    connection.close()
    kept, other = _match_nearest(candidates["kept"].to_numpy(), candidates["other"].to_numpy(),
                                 candidates["gap"].to_numpy())
    # The new row of a pair goes: the payee's side of two new rows, the new side of a transfer
    # already in the case.
    other_new = other < n
    dropped = np.where(other_new, other, kept)
    into = np.where(other_new, kept, other)
    # The kept txn_id: of a row of the batch (keys below n) or of a transfer in the case.
    into_new = into < n
    kept_ids = np.empty(len(into), dtype=object)
    kept_ids[into_new] = txn_ids.iloc[rows[into[into_new]]].to_numpy(dtype=object)
    kept_ids[~into_new] = old["txn_id"].astype(TEXT).iloc[into[~into_new] - n].to_numpy(dtype=object)
    reasons.iloc[rows[dropped]] = "duplicate_of_other_side"
    details.iloc[rows[dropped]] = kept_ids


def _existing_sides(existing: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Transfers already in the case that came from one side's statement and have not been
    paired yet: which side they were read from, by the statements of their source."""
    transfers = existing["bank_transfers"]
    paired = existing["report"].loc[existing["report"]["reason"] == "duplicate_of_other_side", "detail"]
    transfers = transfers[(transfers["source"] != "") & (transfers["from_account"] != "")
                          & (transfers["to_account"] != "") & ~transfers["txn_id"].isin(paired)]
    columns = ["txn_id", "out", "payer", "payee", "amount", "currency", "ms"]
    if transfers.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    held = pd.MultiIndex.from_frame(existing["statements"][["account_id", "source"]])
    payer_side = pd.MultiIndex.from_arrays([transfers["from_account"], transfers["source"]]).isin(held)
    payee_side = pd.MultiIndex.from_arrays([transfers["to_account"], transfers["source"]]).isin(held)
    amount = transfers["amount"]
    fen = fen_series(amount.where(amount.str.fullmatch(MONEY_PATTERN).fillna(False).astype(bool)))
    sides = pd.DataFrame({"txn_id": transfers["txn_id"], "out": payer_side, "payer": transfers["from_account"],
                          "payee": transfers["to_account"], "amount": fen,
                          "currency": transfers["currency"].where(transfers["currency"] != "", "CNY"),
                          "ms": _epoch_ms(pd.to_datetime(transfers["ts"], format="ISO8601", errors="coerce"))})
    return sides[(payer_side | payee_side) & fen.notna() & sides["ms"].notna()][columns]


def _epoch_ms(ts: pd.Series) -> pd.Series:
    """Times as integer milliseconds (missing where NaT): DuckDB compares them without casts."""
    ms = ts.to_numpy(dtype="datetime64[ms]").astype("int64")
    return pd.Series(ms, index=ts.index, dtype="Int64").mask(ts.isna().to_numpy())


def _ms(window: pd.Timedelta) -> int:
    return int(window / pd.Timedelta(milliseconds=1))


def _ts_text(ts: pd.Series) -> pd.Series:
    """Naive case-local times as ISO 8601 text (``2021-03-05T10:15:30``), by Arrow."""
    arrow = pa.array(ts, type=pa.timestamp("ns"), from_pandas=True).cast(pa.timestamp("s"), safe=False)
    # A cast writes "2021-03-05 10:15:30" three times faster than strftime.
    return _text(pc.replace_substring(pc.cast(arrow, pa.large_string()), " ", "T"), index=ts.index)


def _repeated(text: pd.Series) -> pd.Series:
    """A text column of few distinct values (source, currency, memo …) as categories: small
    integer codes per row; written, they are the same text."""
    return text.astype("category")


def _transfers(txns, taken: np.ndarray, own: np.ndarray, counterparty: np.ndarray, accounts: AccountIds,
               *, txn_ids: pd.Series) -> pd.DataFrame:
    """bank_transfers.csv rows (of the ``taken`` rows): payer and payee accounts ("" for the cash side)."""
    rows = txns.loc[taken, ["direction", "amount_fen", "ts", "cash", "source_row"]]
    out = (rows["direction"] == "out").to_numpy()
    own, counterparty = own[taken], counterparty[taken]
    amount = format_fen_arrow(pa.array(rows["amount_fen"], type=pa.int64(), from_pandas=True))
    return pd.DataFrame({
        "txn_id": txn_ids[taken], "ts": _ts_text(rows["ts"]),
        "from_account": accounts.categories(np.where(out, own, counterparty), rows.index),
        "to_account": accounts.categories(np.where(out, counterparty, own), rows.index),
        "amount": _text(amount, index=rows.index), "currency": _repeated(txns["currency"])[taken],
        "channel": _repeated(txns.loc[taken, "channel"].mask(rows["cash"], "cash")),
        "memo": _repeated(txns["memo"])[taken],
        "source": _repeated(txns["source"])[taken], "source_row": _row_text(rows["source_row"]),
    }).reset_index(drop=True)


def _logins(txns, own: np.ndarray, accounts: AccountIds, reasons) -> pd.DataFrame:
    """logins.csv rows: the IP and MAC address of each readable transaction, the account as actor."""
    used = (((txns["ip"] != "") | (txns["mac"] != "")) & (reasons != "bad_value")).to_numpy()
    rows = txns.loc[used, ["ts", "ip", "source_row"]]
    return pd.DataFrame({"ts": _ts_text(rows["ts"]), "account_id": accounts.categories(own[used], rows.index),
                         "actor_id": "", "ip": rows["ip"], "device_id": _repeated(txns["mac"])[used],
                         "ip_province": "", "source": _repeated(txns["source"])[used],
                         "source_row": _row_text(rows["source_row"])}).reset_index(drop=True)


def _statements(txns, own: np.ndarray, accounts: AccountIds, reasons, existing: pd.DataFrame) -> pd.DataFrame:
    """statements.csv rows: per account and source, the period its statement covers (every
    readable row counts, failed and reversed ones too: they are in the bank's statement).
    Only the (account, source) pairs the case does not hold yet. Accounts (``own``) and
    sources are grouped by their codes."""
    readable = (reasons != "bad_value").to_numpy() & (own >= 0)
    source_code, sources = pd.factorize(txns["source"])
    rows = pd.DataFrame({"account": own[readable], "source": source_code[readable],
                         "institution": txns.loc[readable, "own_institution"], "ts": txns.loc[readable, "ts"]})
    if rows.empty:
        return empty_text_table(TABLES_BY_NAME["statements"].column_names)
    period = rows.groupby(["account", "source"], sort=False)["ts"].agg(["min", "max"])
    institution = rows[rows["institution"] != ""].groupby(["account", "source"], sort=False)["institution"].first()
    period = period.join(institution).reset_index()
    period["account_id"] = accounts.text(period["account"].to_numpy(), period.index)
    period["source"] = pd.Series(sources.take(period["source"].to_numpy()), index=period.index)
    known = pd.MultiIndex.from_frame(existing[["account_id", "source"]])
    period = period[~pd.MultiIndex.from_frame(period[["account_id", "source"]]).isin(known)]
    return pd.DataFrame({"account_id": period["account_id"],
                         "institution": period["institution"].fillna(""),
                         "first_ts": _ts_text(period["min"]), "last_ts": _ts_text(period["max"]),
                         "source": period["source"]}).reset_index(drop=True)


# -- the report ----------------------------------------------------------------------------------

def _rows_report(rows: pd.DataFrame, *, action: str, reason: str | pd.Series) -> pd.DataFrame:
    """Report rows of source rows that are no transfer: those the reader skipped (their own
    reason) and the account rows kept without a value."""
    return pd.DataFrame({"source": rows["source"], "source_row": rows["source_row"].astype(str),
                         "action": action, "reason": reason, "detail": rows["detail"]})


def _transaction_report(txns: pd.DataFrame, reasons: pd.Series, details: pd.Series) -> pd.DataFrame:
    out = reasons != ""
    return pd.DataFrame({"source": txns.loc[out, "source"], "source_row": _row_text(txns.loc[out, "source_row"]),
                         "action": reasons[out].map(ACTIONS).astype(TEXT), "reason": reasons[out].astype(TEXT),
                         "detail": details[out].astype(TEXT)})


def example_transactions() -> pd.DataFrame:
    """Two rows of one transfer of 100.00 from 6222001 to 6222002, one from each side's statement."""
    return pd.DataFrame({
        "source": ["a.csv", "b.csv"], "source_row": [2, 2], "format": "zjck_transactions",
        "own_card": ["6222001", "6222002"], "counterparty_id": ["6222002", "6222001"],
        "ts": pd.to_datetime(["2021-03-05 10:15:30", "2021-03-05 10:15:42"]),
        "direction": ["out", "in"], "amount_fen": pd.array([10000, 10000], dtype="Int64"),
    })
