"""Ids and files: the world turned into a case folder (case-format.md, version 1).

Big tables are numbered in time order (entry, trade, fill, transfer and broker-order ids rise
with their timestamps, ties in the order they were made); persons and accounts get ids in a
shuffled order so that numbering says nothing about who belongs together. Tables dropped by
the options (``--drop-table``, ``no_logins`` ...) are not written, nor named in case.yaml.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from casegraph.loaders.columnar import text_series
from casegraph.money import format_fen, format_fen_arrow
from casegraph.outputs import csv_header, join_text, write_csv_lines

from . import names as nm
from .clock import date_text, day_text, ts_ms_text, ts_text
from .variants import STATEMENT_WINDOW_EVERY
from .world import CHANNELS, CURRENCIES, LEDGER_KINDS, MEMOS, World

HEADERS: dict[str, tuple[str, ...]] = {
    "vendors": ("vendor_id", "name", "province", "city", "bank_account_ids"),
    "licenses": ("license_id", "vendor_id", "platform_id", "sold_on", "price", "currency", "buyer_name",
                 "buyer_phone", "paid_from_account"),
    "platforms": ("platform_id", "vendor_id", "name", "domain", "created_on", "kind"),
    "gangs": ("gang_id", "name", "province", "city", "platform_ids", "leader_person_id", "status"),
    "persons": ("person_id", "name", "id_number", "phone", "province", "city"),
    "memberships": ("person_id", "org_id", "role", "start", "end"),
    "agents": ("agent_id", "platform_id", "person_id", "parent_agent_id", "rebate_rate", "commission_rate",
               "joined_on", "left_on"),
    "clients": ("client_id", "platform_id", "agent_id", "person_id", "registered_on"),
    "accounts": ("account_id", "kind", "holder_person_id", "platform_id", "client_id", "parent_account_id",
                 "institution", "opened_on"),
    "ledger": ("entry_id", "ts", "platform_id", "client_id", "account_id", "kind", "amount", "currency",
               "beneficiary_agent_id", "bank_txn_id"),
    "bank_transfers": ("txn_id", "ts", "from_account", "to_account", "amount", "currency", "channel", "memo"),
    "trades": ("trade_id", "ts", "account_id", "instrument", "side", "qty", "price", "notional", "broker_ref"),
    "broker_fills": ("fill_id", "ts", "account_id", "instrument", "side", "qty", "price", "broker_ref",
                     "counterparty_account_id"),
    "logins": ("ts", "account_id", "actor_id", "ip", "device_id", "ip_province"),
    "fx_rates": ("date", "currency", "cny_per_unit"),
}
VENDOR_ID = "V01"
SOURCES = {
    "vendors.csv": "seized server (vendor)", "licenses.csv": "seized server (vendor)",
    "platforms.csv": "seized server (vendor)", "gangs.csv": "police case files",
    "persons.csv": "police case files", "memberships.csv": "police case files (interviews, payroll, chats)",
    "agents.csv": "seized server (platform back ends)", "clients.csv": "seized server (platform back ends)",
    "accounts.csv": "bank, broker and platform records", "ledger.csv": "seized server (platform back ends)",
    "bank_transfers.csv": "bank and payment-channel statements", "trades.csv": "seized server (platform back ends)",
    "broker_fills.csv": "overseas broker statements", "logins.csv": "telecom / IP records and access logs",
    "fx_rates.csv": "exchange rates (public)",
}


def rank(*keys: np.ndarray) -> np.ndarray:
    """Position of each row when sorted by the keys (first key most significant), ties by index."""
    n = len(keys[0])
    order = np.lexsort((np.arange(n),) + tuple(reversed(keys)))
    out = np.empty(n, dtype=np.int64)
    out[order] = np.arange(n)
    return out


def rate_text(micro: int) -> str:
    whole, frac = divmod(int(micro), 1_000_000)
    return f"{whole}.{frac:06d}".rstrip("0").rstrip(".")


def e4_text(e4: int) -> str:
    return f"{e4 // 10_000}.{e4 % 10_000:04d}"


class Ids:
    """Every entity index -> its id text."""

    def __init__(self, world: World, rng: np.random.Generator) -> None:
        self.world = world
        self.person = [f"PER{v + 1:06d}" for v in rng.permutation(len(world.p_name)).tolist()]
        self.account = [""] * len(world.a_kind)
        broker = [i for i, k in enumerate(world.a_kind) if k in ("trading", "mother", "sub")]
        bank = [i for i, k in enumerate(world.a_kind) if k in ("bank", "payment")]
        for members, prefix in ((broker, "ACC"), (bank, "BK")):
            for i, v in zip(members, rng.permutation(len(members)).tolist()):
                self.account[i] = f"{prefix}{v + 1:07d}"
        self.client = [f"C{c + 1:06d}" for c in range(world.n_clients)]
        self.agent = [a.agent_id for a in world.agents]
        self.platform = [p.platform_id for p in world.platforms]
        self.gang = [g.gang_id for g in world.gangs]
        led, trd, fil, tr = world.ledger, world.trades, world.fills, world.transfers
        self.ledger_rank = rank(led.np("ts"))
        self.trade_rank = rank(trd.np("ts"))
        self.fill_rank = rank(fil.np("ts_ms"))
        self.txn_rank = rank(tr.np("ts"))
        # broker order numbers in time order of their first appearance
        refs = np.concatenate([trd.np("ref"), fil.np("ref")])
        when = np.concatenate([trd.np("ts") * 1000, fil.np("ts_ms")])
        keep = refs >= 0
        refs, when = refs[keep], when[keep]
        order = np.lexsort((refs, when))
        unique, first = np.unique(refs[order], return_index=True)
        self.ref_values = unique
        self.ref_number = np.empty(len(unique), dtype=np.int64)
        self.ref_number[np.argsort(first, kind="stable")] = np.arange(len(unique))

    @functools.cached_property
    def account_texts(self) -> pa.Array:
        """The account ids as Arrow text, made once for the big tables that name accounts."""
        return _texts(self.account)

    @functools.cached_property
    def client_trading_texts(self) -> pa.Array:
        """Each client's trading account id, by client index (the ledger's and the trades')."""
        return self.account_texts.take(self.world.c_trading)

    def refs(self, values: np.ndarray) -> pa.Array:
        """The broker order number of each order (``HF`` and 10 digits), empty where none (-1)."""
        pos = np.searchsorted(self.ref_values, values)
        pos = np.clip(pos, 0, max(len(self.ref_values) - 1, 0))
        numbers = self.ref_number[pos] + 1 if len(self.ref_values) else np.zeros(len(values), dtype=np.int64)
        return _numbered("HF", numbers, 10, missing=values < 0)

    def org(self, org: str) -> str:
        if org == "vendor":
            return VENDOR_ID
        kind, idx = org.split(":")
        return self.gang[int(idx)] if kind == "gang" else self.platform[int(idx)]


def opt(ids: list[str], idx: int) -> str:
    return ids[idx] if idx >= 0 else ""


def opt_date(d: int) -> str:
    return day_text(d) if d >= 0 else ""


def write_frames(path: Path, header: tuple[str, ...], frames) -> int:
    """A big table written a chunk (:func:`_cells`) at a time and a column at a time, as
    :func:`write_csv` writes rows (:func:`casegraph.outputs.write_csv_lines`: Python's csv
    module's quoting); returns the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "wb") as fh:
        fh.write(csv_header(list(header)))
        for cells in frames:
            if not write_csv_lines(fh, cells, list(header)):
                raise TypeError(f"{path.name}: a column of a kind the CSV writer does not cover")
            n += len(cells)
    return n


def write_csv(path: Path, header: tuple[str, ...], rows) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        batch: list = []
        for row in rows:
            batch.append(row)
            if len(batch) == 10_000:
                w.writerows(batch)
                n += len(batch)
                batch = []
        w.writerows(batch)
        n += len(batch)
    return n


def write_case(world: World, ids: Ids, out: Path, case_id: str) -> dict[str, int]:
    """Write case.yaml and every table not dropped; returns row counts per file."""
    out.mkdir(parents=True, exist_ok=True)
    dropped = world.options.dropped
    meta = {
        "case_id": case_id,
        "title": "上海“云端行动”非法经营境外期货系列案（模拟数据）",
        "timezone": "Asia/Shanghai",
        "base_currency": "CNY",
        "sources": {file: source for file, source in SOURCES.items() if file[:-len(".csv")] not in dropped},
        "thresholds": {"profile": "2022"},
    }
    (out / "case.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    counts: dict[str, int] = {}
    for name, rows in _tables(world, ids):
        if name in dropped:
            continue
        write = write_frames if name in BIG_TABLES else write_csv
        counts[f"{name}.csv"] = write(out / f"{name}.csv", HEADERS[name], rows)
    return counts


def _tables(world: World, ids: Ids):
    W = world
    vendor_accounts = ";".join(ids.account[a] for a in W.vendor_accounts)
    yield "vendors", [(VENDOR_ID, W.vendor_name, "上海市", "上海市", vendor_accounts)]
    yield "licenses", [
        (lic.license_id, VENDOR_ID, ids.platform[lic.platform], opt_date(lic.sold_day), format_fen(lic.price_fen),
         "CNY", W.p_name[lic.buyer], W.p_phone[lic.buyer], ids.account[lic.paid_from]) for lic in W.licenses]
    yield "platforms", [(p.platform_id, VENDOR_ID, p.name, p.domain, opt_date(p.created_day), p.kind_text)
                        for p in W.platforms]
    yield "gangs", [
        (g.gang_id, g.name, nm.PROVINCES[g.province][0], g.city, ";".join(ids.platform[p] for p in g.platforms),
         ids.person[g.leader], "seized") for g in W.gangs if g.seized]
    persons = sorted(range(len(W.p_name)), key=lambda i: ids.person[i])
    yield "persons", [(ids.person[i], W.p_name[i], W.p_idno[i], W.p_phone[i], nm.PROVINCES[W.p_prov[i]][0], W.p_city[i])
                      for i in persons]
    yield "memberships", _membership_rows(W, ids)
    yield "agents", [
        (a.agent_id, ids.platform[a.platform], ids.person[a.person], opt(ids.agent, a.parent), e4_text(a.rate_e4),
         e4_text(a.comm_e4) if a.comm_e4 else "", opt_date(a.joined_day), opt_date(a.left_day)) for a in W.agents]
    reg = date_text(W.c_reg_day).to_pylist()
    yield "clients", [(ids.client[c], ids.platform[W.c_platform[c]], opt(ids.agent, int(W.c_agent[c])),
                       ids.person[W.c_person[c]], reg[c]) for c in range(W.n_clients)]
    accounts = sorted(range(len(W.a_kind)), key=lambda i: ids.account[i])
    yield "accounts", [
        (ids.account[i], W.a_kind[i], opt(ids.person, W.a_holder[i]), opt(ids.platform, W.a_platform[i]),
         opt(ids.client, W.a_client[i]), opt(ids.account, W.a_parent[i]), W.a_inst[i], opt_date(W.a_opened[i]))
        for i in accounts]
    yield "ledger", _ledger_rows(W, ids)
    yield "bank_transfers", _transfer_rows(W, ids)
    yield "trades", _trade_rows(W, ids)
    yield "broker_fills", _fill_rows(W, ids)
    yield "logins", _login_rows(W, ids)
    fx_rows = []
    days = date_text(W.fx_days).to_pylist()
    for d, text in zip(W.fx_days.tolist(), days):
        for cur in (1, 2):
            fx_rows.append((text, CURRENCIES[cur], rate_text(W.fx_rate[cur, d - W.fx_first_day])))
    yield "fx_rates", fx_rows


CHUNK = 100_000  # rows of a big table made at a time (keeps memory flat)
BIG_TABLES = frozenset({"ledger", "bank_transfers", "trades", "broker_fills", "logins"})  # by write_frames


def _chunks(rank: np.ndarray, *, kept: np.ndarray | None = None):
    """(first row number, positions) of the rows in ``rank`` order, :data:`CHUNK` at a time;
    ``kept``: the rows written (all when None)."""
    order = np.argsort(rank, kind="stable")
    if kept is not None:
        order = order[kept[order]]
    for start in range(0, len(order), CHUNK):
        yield start, order[start:start + CHUNK]


def _within_statement_windows(W: World) -> np.ndarray:
    """Which fills the statements in hand show under the variant ``statement_windows``: on the
    accounts of every :data:`~.variants.STATEMENT_WINDOW_EVERY`-th real platform, those of the
    middle third of the span of their fills; every other fill."""
    accounts, ts = W.fills.np("account"), W.fills.np("ts_ms")
    kept = np.ones(len(accounts), dtype=bool)
    real = [p for p in W.platforms if not p.fraud and p.subs]
    for platform in real[::STATEMENT_WINDOW_EVERY]:
        on = np.isin(accounts, platform.subs)
        if on.any():
            first, last = int(ts[on].min()), int(ts[on].max())
            third = (last - first) // 3
            kept &= ~on | ((ts >= first + third) & (ts <= last - third))
    return kept


def _membership_rows(W: World, ids: Ids):
    """Without gangs.csv a gang is no org id: its members are members of each of its platforms."""
    gangs_known = "gangs" not in W.options.dropped
    for p, org, role, s, e in W.memberships:
        if org.startswith("gang:") and not gangs_known:
            for pi in W.gangs[int(org.split(":")[1])].platforms:
                yield ids.person[p], ids.platform[pi], role, opt_date(s), opt_date(e)
        else:
            yield ids.person[p], ids.org(org), role, opt_date(s), opt_date(e)


def _login_rows(W: World, ids: Ids):
    """The logins in the order their records sort in (time, account, actor, IP, device,
    province: Arrow compares text by its UTF-8 bytes, which is Python's order of code points)."""
    if not W.logins:
        return
    names = ("ts", "account", "actor", "ip", "device", "province")
    logins = pa.table(dict(zip(names, (list(column) for column in zip(*W.logins)))))
    logins = logins.take(pc.sort_indices(logins, sort_keys=[(name, "ascending") for name in names]))
    yield _cells(HEADERS["logins"], (
        ts_text(logins["ts"].to_numpy()), _taken(ids.account_texts, logins["account"].to_numpy()),
        _taken(_texts(ids.person), logins["actor"].to_numpy()),
        *(logins[name].combine_chunks() for name in ("ip", "device", "province"))))


def _ledger_rows(W: World, ids: Ids):
    led = W.ledger
    columns = {k: led.np(k) for k in led.names}
    if "ledger.bank_txn_id" in W.options.dropped:
        columns["txn"][:] = -1
    platform_of, client, trading_of = (_texts(ids.platform).take(W.c_platform), _texts(ids.client),
                                       ids.client_trading_texts)
    kinds, currencies, agents = _texts(LEDGER_KINDS), _texts(CURRENCIES), _texts(ids.agent)
    for start, idx in _chunks(ids.ledger_rank):
        c, txn = columns["client"][idx], columns["txn"][idx]
        yield _cells(HEADERS["ledger"], (
            _numbered("E", np.arange(start + 1, start + len(idx) + 1), 9), ts_text(columns["ts"][idx]),
            platform_of.take(c), client.take(c), trading_of.take(c), kinds.take(columns["kind"][idx]),
            format_fen_arrow(pa.array(columns["amount"][idx])), currencies.take(columns["currency"][idx]),
            _taken(agents, columns["agent"][idx]),
            _numbered("TX", ids.txn_rank[np.maximum(txn, 0)] + 1, 8, missing=txn < 0)))


def _transfer_rows(W: World, ids: Ids):
    tr = W.transfers
    columns = {k: tr.np(k) for k in tr.names}
    accounts, currencies, channels, memos = ids.account_texts, _texts(CURRENCIES), _texts(CHANNELS), _texts(MEMOS)
    for start, idx in _chunks(ids.txn_rank):
        yield _cells(HEADERS["bank_transfers"], (
            _numbered("TX", np.arange(start + 1, start + len(idx) + 1), 8), ts_text(columns["ts"][idx]),
            accounts.take(columns["src"][idx]), accounts.take(columns["dst"][idx]),
            format_fen_arrow(pa.array(columns["amount"][idx])), currencies.take(columns["currency"][idx]),
            channels.take(columns["channel"][idx]), memos.take(columns["memo"][idx])))


def _trade_rows(W: World, ids: Ids):
    trd = W.trades
    columns = {k: trd.np(k) for k in trd.names}
    for start, idx in _chunks(ids.trade_rank):
        instrument = columns["instrument"][idx]
        yield _cells(HEADERS["trades"], (
            _numbered("T", np.arange(start + 1, start + len(idx) + 1), 8), ts_text(columns["ts"][idx]),
            ids.client_trading_texts.take(columns["client"][idx]), INSTRUMENT_CODES.take(instrument),
            SIDES.take(columns["side"][idx]), columns["qty"][idx], _price_texts(instrument, columns["price"][idx]),
            format_fen_arrow(pa.array(columns["notional"][idx])), ids.refs(columns["ref"][idx])))


def _fill_rows(W: World, ids: Ids):
    fil = W.fills
    columns = {k: fil.np(k) for k in fil.names}
    accounts = ids.account_texts
    kept = _within_statement_windows(W) if "statement_windows" in W.options else None
    for start, idx in _chunks(ids.fill_rank, kept=kept):
        instrument = columns["instrument"][idx]
        yield _cells(HEADERS["broker_fills"], (
            _numbered("F", np.arange(start + 1, start + len(idx) + 1), 8), ts_ms_text(columns["ts_ms"][idx]),
            accounts.take(columns["account"][idx]), INSTRUMENT_CODES.take(instrument),
            SIDES.take(columns["side"][idx]), columns["qty"][idx], _price_texts(instrument, columns["price"][idx]),
            ids.refs(columns["ref"][idx]), _taken(accounts, columns["counterparty"][idx])))


# -- the big tables' cells, a column at a time ------------------------------------------------------
INSTRUMENT_CODES = pa.array([instrument.code for instrument in nm.INSTRUMENTS], pa.large_string())
SIDES = pa.array(["B", "S"], pa.large_string())


def _texts(values) -> pa.Array:
    return pa.array(list(values), pa.large_string())


def _taken(texts: pa.Array, positions: np.ndarray) -> pa.Array:
    """``texts`` at ``positions``, empty where a position is -1 (:func:`opt` of each)."""
    return texts.take(pa.array(positions, mask=positions < 0))


def _numbered(prefix: str, numbers: np.ndarray, width: int, *, missing: np.ndarray | None = None) -> pa.Array:
    """``f"{prefix}{number:0{width}d}"`` of each number, empty where ``missing``.

    >>> _numbered("TX", np.array([7, 12345]), 3, missing=np.array([False, True])).to_pylist()
    ['TX007', None]
    """
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, mask=missing), pa.large_string()), width, "0")
    return join_text(prefix, digits)


def _price_texts(instrument: np.ndarray, units: np.ndarray) -> pa.Array:
    """:meth:`.names.Instrument.price_text` of each price: the integer units shown with the
    instrument's decimals (one decimal cast per number of decimals, as money's fen).

    >>> hsi, cl = [i for i, x in enumerate(nm.INSTRUMENTS) if x.code in ("HSI", "CL")]
    >>> _price_texts(np.array([hsi, cl, cl]), np.array([28000, 7105, 5])).to_pylist()
    ['28000', '71.05', '0.05']
    """
    decimals = np.array([x.decimals for x in nm.INSTRUMENTS])[instrument]
    units = pc.cast(pa.array(units), pa.decimal128(19, 0))
    shown = {places: pc.cast(units.view(pa.decimal128(19, places)), pa.large_string())
             for places in np.unique(decimals).tolist()}
    places = sorted(shown)
    return pc.choose(pa.array(np.searchsorted(places, decimals)), *(shown[p] for p in places))


def _cells(header: tuple[str, ...], columns) -> pd.DataFrame:
    """A chunk of a big table as :func:`write_frames` takes it: text columns as pandas'
    Arrow-backed strings (missing: an empty cell), integer columns as they are."""
    return pd.DataFrame({name: values if isinstance(values, np.ndarray) and values.dtype.kind == "i" else
                         text_series(pa.chunked_array([pa.array(values).cast(pa.large_string())]))
                         for name, values in zip(header, columns)})
