"""Referral packets (线索移送): per province, the gangs to hand to its police, what they need
to act on them, and what ties each gang to the vendor — and nothing of other provinces' gangs.

A packet is six sections, one DataFrame each; every row names the gang it is about:

========== =====================================================================================
section    rows
========== =====================================================================================
gangs      one per gang, ranked (below): ``rank``, ids, name (gangs.csv of the case), province
           and its evidence, platforms, ``severity_level`` (the highest level over the gang's
           income.csv rows) with the ``severity_method``, ``severity_amount`` and full
           ``severity`` label of the row that reached it, the business amount by
           ``net_deposit``, deposits, withdrawals, fees, member counts, ``is_fraud``,
           ``fake_trade_losses``
persons    the gang's members (communities.csv) with name, ID number and phone (masked), home
           province and city, and ``roles``: their memberships of the gang or its platforms
           and the agents they are on its platforms, each with its period
accounts   the accounts to freeze: every bank, payment and broker account found to be the
           gang's, its holder, and the money that moved through it on the bank statements
           (CNY): ``money_in``, ``money_out``, ``net`` (in − out), ``n_transfers``, first and
           last transfer; most money moved first
platforms  its platforms: name, domain, kind, creation date, the licences that created them,
           the vendor, agents, clients and the clients' money
figures    the income.csv rows of the gang, its platforms and its members: method, ``basis``
           (business amount / illegal income), amount, period, severity
evidence   what ties the gang to the vendor: the licences of its platforms (``evidence`` =
           ``licence``: sale date, price in CNY, buyer, the account it was paid from) and every
           transfer from its accounts into the vendor's accounts (``payment_to_vendor``)
========== =====================================================================================

Money is integer fen in the DataFrames, dates and times are text in the case timezone.

**Ranking.** Gangs are ranked within their packet by severity level (especially serious,
prosecution, below), then by the business amount by ``net_deposit`` — the same basis for
every gang, so that amounts compare — then by gang id. The ``severity_method`` is the first
method, in income.csv's order, whose row reached the gang's level
(:func:`~casegraph.queries.income.highest_severity`).

**Isolation.** A packet holds its own gangs and the vendor, the chain link they share. A
gang's members and accounts are those communities.csv gives it; roles are only those in the
gang's own organisations and on its own platforms; an account holder or a licence payer who
belongs to a gang referred to another province is not named (``referred elsewhere``).
Gangs without a province go to the packet ``unassigned``.

**Masking.** ID numbers and phones (of persons and licence buyers) are masked unless asked
otherwise, also those the source masked in part: see :func:`mask_identifiers`.

**Files** (:func:`write_referrals`): per packet ``<province>.csv`` — one long referral list for
batch jobs: a ``section`` column and the fixed :data:`CSV_COLUMNS`, the union of the
sections' columns, each row filling its section's, text that would start a spreadsheet
formula behind a ``'`` — ``<province>.xlsx`` (one sheet per section, money as numbers) and
``<province>.html`` (a readable summary with the chain diagram); and ``index.csv``, one row
per packet with its file names. ``<province>`` is the province made a safe file name that
no other packet's can clash with (:func:`packet_file_stems`).

>>> tables = analyze_case(case)                                    # doctest: +SKIP
>>> packets = referral_packets(case, tables)                       # doctest: +SKIP
>>> packets["上海市"]["gangs"][["rank", "gang_id", "severity"]]    # doctest: +SKIP
>>> write_referrals(case, tables, Path("out/referrals"))           # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.loaders.case import Case
from casegraph.loaders.columnar import arrow_text, first_positions
from casegraph.loaders.fx import licenses_in_cny
from casegraph.loaders.read import split_ids
from casegraph.loaders.tables import ROLES
from casegraph.money import format_fen, format_fen_arrow
from casegraph.outputs import (
    csv_cells,
    csv_header,
    csv_line_texts,
    is_fen_column,
    join_text,
    text_array,
    text_buffer,
    text_bytes,
    write_csv,
    write_csv_cells,
)
from casegraph.thresholds import BASIS_NAMES
from casegraph.xlsx import Sheet, sheet_columns, write_sheet_columns, write_xlsx

from .columnar import join_runs, lookup, run_starts
from .income import METHODS, SEVERITY_LEVELS, highest_severity, severity_level
from .memory.figures import vendor_of_account, vendor_payments

UNASSIGNED = "unassigned"
REFERRED_ELSEWHERE = "referred elsewhere"

SECTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "gangs": ("rank", "gang_id", "known_gang_id", "name", "province", "province_evidence", "platform_ids",
              "severity_level", "severity_method", "severity_amount", "severity", "net_deposit", "deposits",
              "withdrawals", "fees", "n_persons", "n_bank_accounts", "n_agents", "n_clients", "is_fraud",
              "fake_trade_losses"),
    "persons": ("gang_id", "person_id", "name", "id_number", "phone", "province", "city", "roles"),
    "accounts": ("gang_id", "account_id", "kind", "institution", "holder_person_id", "holder_name", "opened_on",
                 "money_in", "money_out", "net", "n_transfers", "first_transfer", "last_transfer"),
    "platforms": ("gang_id", "platform_id", "name", "domain", "kind", "created_on", "license_ids", "vendor_id",
                  "n_agents", "agent_depth", "n_clients", "deposits", "net_deposit", "fees"),
    "figures": ("gang_id", "subject_type", "subject_id", "method", "basis", "amount", "window_start", "window_end",
                "severity"),
    "evidence": ("gang_id", "evidence", "vendor_id", "vendor_name", "license_id", "platform_id", "txn_id", "date",
                 "amount", "from_account", "to_account", "buyer_name", "buyer_phone", "memo"),
}
SECTIONS = tuple(SECTION_COLUMNS)
# The long CSV: every section's columns once, in section order.
CSV_COLUMNS = ("section", "gang_id", *dict.fromkeys(c for columns in SECTION_COLUMNS.values() for c in columns
                                                    if c != "gang_id"))
INDEX_COLUMNS = ("province", "n_gangs", "gang_ids", "top_severity", "n_persons", "n_accounts", "csv", "xlsx", "html")

# File names a packet must not take: index.csv's, and the device names Windows reserves
# (with any extension: ``con.csv`` is the console there), compared case-insensitively.
RESERVED_STEMS = frozenset({"index", "con", "prn", "aux", "nul",
                            *(f"{device}{n}" for device in ("com", "lpt") for n in "123456789¹²³")})
# A packet's file name stem at most this long in UTF-8: file systems allow 255 bytes a name,
# and Windows paths 260 characters in all.
MAX_STEM_BYTES = 100
# A stem made unique: ``_`` and the first hex digits of the SHA-256 of the province's name.
SUFFIX_HEX_DIGITS = 8

DATE = "%Y-%m-%d"
TIME = "%Y-%m-%d %H:%M:%S"


class UnknownProvince(ValueError):
    """A province asked for that no gang of the case is referred to."""


# -- helpers -----------------------------------------------------------------------------------

def mask_identifiers(values: pd.Series) -> pd.Series:
    """ID numbers and phones with their middle hidden: of 11 characters or more (an ID number,
    a mobile number) the first 3 and last 4 stay, of shorter ones the first and last. The rule
    holds for every value, also one the source masked in part (holding ``*``): a partial mask
    may show what this one hides.

    >>> mask_identifiers(pd.Series(["110101199003071234", "13812345678", "62345678", "374***6633"])).tolist()
    ['110***********1234', '138****5678', '6******8', '3********3']
    """
    text = values.astype("string")
    arrow = text_array(text)
    length = pc.utf8_length(arrow)

    def masked(head: int, tail: int) -> pa.Array:  # the first ``head`` and last ``tail`` characters kept
        stars = pc.binary_repeat(pa.scalar("*", pa.large_string()), pc.max_element_wise(
            pc.subtract(length, head + tail), 0))
        return join_text(pc.utf8_slice_codeunits(arrow, 0, head), stars, pc.utf8_slice_codeunits(arrow, -tail))

    shown = pc.if_else(pc.greater_equal(length, 11), masked(3, 4),
                       pc.if_else(pc.greater_equal(length, 3), masked(1, 1), arrow))
    return pd.Series(shown.to_pandas(types_mapper=lambda _: text.dtype), index=values.index, name=values.name)


def _mapped(values: pd.Series, mapping) -> pd.Series:
    """``values.map(mapping)`` (a dict or a Series with a unique index) by Arrow's hash lookup
    (:func:`~casegraph.queries.columnar.lookup`): ``map`` on Arrow-backed text goes value by
    value in Python, and factorising the values first still hashed them in pandas.

    >>> _mapped(pd.Series(["a", "b", "a", None]), {"a": 1, "b": 2}).tolist()
    [1.0, 2.0, 1.0, nan]
    """
    return lookup(values, mapping if isinstance(mapping, pd.Series) else pd.Series(mapping)).rename(values.name)


def packet_names(gangs: pd.DataFrame) -> pd.Series:
    """gang_id -> the packet it is referred in: its province, else ``unassigned``.

    >>> packet_names(pd.DataFrame({"gang_id": ["G1", "G2"], "province": ["浙江省", None]})).to_dict()
    {'G1': '浙江省', 'G2': 'unassigned'}
    """
    return gangs.set_index("gang_id")["province"].fillna(UNASSIGNED).astype(str)


def referral_counts(gangs: pd.DataFrame) -> pd.Series:
    """Gangs per packet, most first (then by name): what ``casegraph demo`` prints."""
    counts = packet_names(gangs).value_counts()
    return counts.sort_index().sort_values(ascending=False, kind="stable")


def file_stem(packet: str) -> str:
    """A packet's name made safe as a file name on any system (Chinese kept): no path
    separators, characters Windows forbids, control or invisible formatting characters
    (which could disguise a name), leading or trailing dots and blanks, or leading ``-``.
    Names may still clash or be reserved: :func:`packet_file_stems` makes them unique.

    >>> file_stem("广西壮族自治区"), file_stem("a/b: c?"), file_stem("..")
    ('广西壮族自治区', 'a_b_ c_', '')
    """
    visible = "".join("_" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in packet)
    return re.sub(r'[\\/:*?"<>|]', "_", visible).strip(" .").lstrip("-")


def _stem_key(stem: str) -> str:
    """What a file system may take for the same name: case and Unicode normalisation ignored."""
    return unicodedata.normalize("NFC", stem).casefold()


def _is_reserved(stem: str) -> bool:
    return not stem or _stem_key(stem) == "index" or _stem_key(stem.split(".")[0].rstrip(" ")) in RESERVED_STEMS


def _with_suffix(packet: str, digits: int = SUFFIX_HEX_DIGITS) -> str:
    """The packet's safe name, dots made ``_`` (Windows reads ``con.x.csv`` as ``con``), cut
    to fit :data:`MAX_STEM_BYTES` with the suffix, + ``_`` + ``digits`` hex digits of the
    SHA-256 of the packet's name."""
    suffix = hashlib.sha256(packet.encode("utf-8")).hexdigest()[:digits]
    room = MAX_STEM_BYTES - len(suffix) - 1
    readable = file_stem(packet).replace(".", "_").encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return f"{readable.rstrip(' ')}_{suffix}"


def _clashes(stems: dict[str, str]) -> list[str]:
    """The packets whose stem another packet's equals, as a file system may compare them."""
    holders: dict[str, list[str]] = {}
    for packet, stem in stems.items():
        holders.setdefault(_stem_key(stem), []).append(packet)
    return [packet for group in holders.values() if len(group) > 1 for packet in group]


def packet_file_stems(packets) -> dict[str, str]:
    """packet name -> the stem of its file names, unique among ``packets`` on any file system.

    The stem is the name made safe (:func:`file_stem`), as it is when that changed nothing;
    otherwise — characters replaced, a name reserved (``index``, ``con``, ``nul.txt``, …),
    longer than :data:`MAX_STEM_BYTES` in UTF-8, or taken (ignoring case) by another
    packet's — it gets ``_`` and a short hash of the packet's name. The same names give the
    same stems on every run.

    >>> packet_file_stems(["湖北/湖南", "湖北_湖南", "上海市", "index", "lpt1.txt"])  # doctest: +NORMALIZE_WHITESPACE
    {'湖北/湖南': '湖北_湖南_94b095b6', '湖北_湖南': '湖北_湖南', '上海市': '上海市', 'index': 'index_1bc04b52',
     'lpt1.txt': 'lpt1_txt_ae88a4c0'}
    """
    stems = {}
    for packet in packets:
        stem = file_stem(packet)
        plain = stem == packet and not _is_reserved(stem) and len(stem.encode("utf-8")) <= MAX_STEM_BYTES
        stems[packet] = stem if plain else _with_suffix(packet)
    # A clash left (a name that hostile input chose to equal another's suffixed one, or two
    # short hashes alike): longer hashes, up to all 64 digits, which distinct names never share.
    for digits in (16, 32, 64):
        clashes = _clashes(stems)
        if not clashes:
            break
        for packet in clashes:
            stems[packet] = _with_suffix(packet, digits)
    return stems


def gang_platforms(gangs: pd.DataFrame) -> pd.DataFrame:
    """(gang_id, platform_id) from gangs.csv's ``platform_ids``."""
    platforms = split_ids(gangs.set_index("gang_id")["platform_ids"])
    return pd.DataFrame({"gang_id": platforms.index, "platform_id": platforms.to_numpy()})


def gang_members(communities: pd.DataFrame, entity_types: tuple[str, ...], key: str) -> pd.DataFrame:
    """(gang_id, ``key``): the entities of the given types communities.csv places in a gang."""
    members = communities.dropna(subset=["gang_id"])
    members = members[members["entity_type"].isin(entity_types)]
    return members[["gang_id", "entity_id"]].rename(columns={"entity_id": key}).reset_index(drop=True)


def _referred_elsewhere(ids: pd.Series, gang_ids: pd.Series, communities: pd.DataFrame,
                        gangs: pd.DataFrame) -> pd.Series:
    """True where an id is of an entity communities.csv places in a gang referred in another
    packet than the row's gang (``gang_ids``)."""
    packet_of_gang = packet_names(gangs)
    members = communities.dropna(subset=["gang_id"]).drop_duplicates("entity_id")
    owner = _mapped(ids, members.set_index("entity_id")["gang_id"].map(packet_of_gang))
    return owner.notna() & (owner != _mapped(gang_ids, packet_of_gang)).fillna(True)


def _period(start: pd.Series, end: pd.Series) -> pd.Series:
    """`` (2019-01-01 – 2020-12-31)``, open ends left blank; empty when neither is known."""
    since, until = start.dt.strftime(DATE).fillna(""), end.dt.strftime(DATE).fillna("")
    return (" (" + since + " – " + until + ")").where((since != "") | (until != ""), "")


def _local_times(ts: pd.Series, timezone: str) -> pd.Series:
    return ts.dt.tz_convert(timezone).dt.strftime(TIME)


# -- sections ------------------------------------------------------------------------------------

def gang_section(gangs: pd.DataFrame, income: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """The gangs (gangs.csv of the analysis), ranked within their packet (module docstring,
    "Ranking"), named as ``known`` (gangs.csv of the case) names them.

    >>> gang_section(tables["gangs"], tables["income"], case["gangs"])[["rank", "gang_id"]]   # doctest: +SKIP
    """
    severity = highest_severity(income, "gang").rename(columns={"method": "severity_method",
                                                                "amount": "severity_amount"})
    table = gangs.join(severity, on="gang_id")
    table["name"] = table["known_gang_id"].map(known.set_index("gang_id")["name"])
    table["_packet"] = table["gang_id"].map(packet_names(gangs))
    table["_level"] = table["severity_level"].map({level: i for i, level in enumerate(SEVERITY_LEVELS)})
    table = table.sort_values(["_packet", "_level", "net_deposit", "gang_id"],
                              ascending=[True, False, False, True], na_position="last", kind="stable")
    table["rank"] = table.groupby("_packet").cumcount() + 1
    return table[list(SECTION_COLUMNS["gangs"])].reset_index(drop=True)


def person_roles(case: Case, members: pd.DataFrame, gangs: pd.DataFrame) -> pd.DataFrame:
    """Per (gang_id, person_id): ``roles``, their memberships of the gang or its platforms and
    the agents they are on its platforms, each with its period, the most senior first, and
    ``role_order`` (the most senior role's place in the contract's list; leader = 0).

    >>> person_roles(case, members, tables["gangs"]).iloc[0]["roles"]   # doctest: +SKIP
    'manager G01 (2019-05-13 – ); agent A00576 on P012 (2020-02-04 – )'
    """
    platforms = gang_platforms(gangs)
    known = gangs.dropna(subset=["known_gang_id"])
    organisations = pd.concat([platforms.rename(columns={"platform_id": "org_id"}),
                               pd.DataFrame({"gang_id": known["gang_id"], "org_id": known["known_gang_id"]})])
    held = case["memberships"].merge(members, on="person_id").merge(organisations, on=["gang_id", "org_id"])
    acting = case["agents"].merge(members, on="person_id").merge(platforms, on=["gang_id", "platform_id"])
    roles = pd.concat([
        pd.DataFrame({"gang_id": held["gang_id"], "person_id": held["person_id"], "role": held["role"],
                      "start": held["start"],
                      "text": held["role"] + " " + held["org_id"] + _period(held["start"], held["end"])}),
        pd.DataFrame({"gang_id": acting["gang_id"], "person_id": acting["person_id"], "role": "agent",
                      "start": acting["joined_on"],
                      "text": "agent " + acting["agent_id"] + " on " + acting["platform_id"]
                      + _period(acting["joined_on"], acting["left_on"])}),
    ], ignore_index=True)
    roles["role_order"] = roles["role"].map({role: i for i, role in enumerate(ROLES)})
    roles = roles.sort_values(["gang_id", "person_id", "role_order", "start", "text"], kind="stable")
    # Each (gang, person)'s rows are one run now: join each run's texts in one Arrow pass.
    keys = roles[["gang_id", "person_id"]]
    starts = run_starts(keys)
    first = keys.iloc[starts].reset_index(drop=True)
    return first.assign(roles=join_runs(roles["text"], starts, "; ").to_pandas().astype(roles["text"].dtype),
                        role_order=np.fmin.reduceat(roles["role_order"].to_numpy(), starts) if len(roles) else [])


def person_section(case: Case, communities: pd.DataFrame, gangs: pd.DataFrame,
                   unmask: bool = False) -> pd.DataFrame:
    """The gangs' members with their roles; leaders and other known roles first.

    >>> person_section(case, tables["communities"], tables["gangs"])[["person_id", "roles"]]   # doctest: +SKIP
    """
    members = gang_members(communities, ("person",), "person_id")
    details = case["persons"][["person_id", "name", "id_number", "phone", "province", "city"]]
    table = members.merge(details, on="person_id", how="left").merge(
        person_roles(case, members, gangs), on=["gang_id", "person_id"], how="left")
    if not unmask:
        table["id_number"] = mask_identifiers(table["id_number"])
        table["phone"] = mask_identifiers(table["phone"])
    table = table.sort_values(["gang_id", "role_order", "person_id"], na_position="last", kind="stable")
    return table[list(SECTION_COLUMNS["persons"])].reset_index(drop=True)


def account_section(case: Case, communities: pd.DataFrame, gangs: pd.DataFrame,
                    flows: pd.DataFrame | None) -> pd.DataFrame:
    """The accounts to freeze, most money moved first within each gang, with their money in and
    out on the bank statements as account_flows.csv of the analysis gives it (``flows``; None
    when the case had no transfers to sum: no money moved).

    >>> account_section(case, tables["communities"], tables["gangs"], tables["account_flows"])   # doctest: +SKIP
    """
    members = gang_members(communities, ("bank_account", "trading_account"), "account_id")
    details = case["accounts"]
    ids = arrow_text(members["account_id"])
    at = first_positions(ids, arrow_text(details["account_id"]))
    table = members.assign(**{column: details[column].array.take(at, allow_fill=True)
                              for column in ("kind", "institution", "holder_person_id", "opened_on")})
    table["holder_name"] = lookup(table["holder_person_id"], case["persons"].set_index("person_id")["name"])
    hidden = _referred_elsewhere(table["holder_person_id"], table["gang_id"], communities, gangs)
    table.loc[hidden, "holder_person_id"] = pd.NA
    table.loc[hidden, "holder_name"] = REFERRED_ELSEWHERE
    table["opened_on"] = table["opened_on"].dt.strftime(DATE)
    table = pd.concat([table, _member_flows(ids, flows).set_axis(table.index)], axis=1)
    moved = table["money_in"] + table["money_out"]
    table = table.assign(_moved=moved).sort_values(["gang_id", "_moved", "account_id"],
                                                   ascending=[True, False, True], kind="stable")
    return table[list(SECTION_COLUMNS["accounts"])].reset_index(drop=True)


def _member_flows(ids: pa.ChunkedArray, flows: pd.DataFrame | None) -> pd.DataFrame:
    """The section's money columns of each account of ``ids``, from its row of account_flows.csv
    (``flows``): none where it has none (no transfer), times as the packets write them."""
    columns = ["amount_in", "amount_out", "net_in", "n_in", "n_out", "first_ts", "last_ts"]
    if flows is None:
        flows = pd.DataFrame(columns=["account_id", *columns])
    # Position -1 (no row) is no label of the flows' positions: a row of missing values.
    rows = flows[columns].reset_index(drop=True).reindex(first_positions(ids, arrow_text(flows["account_id"])))
    money = rows[columns[:5]].fillna(0).astype("int64")
    # account_flows.csv's ISO 8601 with the offset as the packets' local time: 2020-01-01 09:00:00.
    times = {column: rows[column].astype("string").str.slice(0, 19).str.replace("T", " ").astype(object)
             for column in ("first_ts", "last_ts")}
    return pd.DataFrame({"money_in": money["amount_in"], "money_out": money["amount_out"], "net": money["net_in"],
                         "n_transfers": money["n_in"] + money["n_out"], "first_transfer": times["first_ts"],
                         "last_transfer": times["last_ts"]})


def platform_section(case: Case, gangs: pd.DataFrame, chain: pd.DataFrame) -> pd.DataFrame:
    """The gangs' platforms, the licences that created them and their clients' money.

    >>> platform_section(case, tables["gangs"], tables["chain"])[["platform_id", "domain"]]   # doctest: +SKIP
    """
    licences = case["licenses"].sort_values("license_id").groupby("platform_id")["license_id"].agg(";".join)
    figures = chain.drop_duplicates("platform_id").set_index("platform_id")[
        ["n_agents", "agent_depth", "n_clients", "deposits", "net_deposit", "fees"]]
    table = gang_platforms(gangs).merge(case["platforms"].drop(columns="_line"), on="platform_id", how="left")
    table["created_on"] = table["created_on"].dt.strftime(DATE)
    table["license_ids"] = table["platform_id"].map(licences)
    table = table.join(figures, on="platform_id")
    return table.sort_values(["gang_id", "platform_id"], kind="stable")[
        list(SECTION_COLUMNS["platforms"])].reset_index(drop=True)


def figure_section(communities: pd.DataFrame, gangs: pd.DataFrame, income: pd.DataFrame) -> pd.DataFrame:
    """income.csv's rows of each gang, its platforms and its members, in income.csv's order.

    >>> figure_section(tables["communities"], tables["gangs"], tables["income"])   # doctest: +SKIP
    """
    persons = gang_members(communities, ("person",), "subject_id")
    subjects = pd.concat([
        pd.DataFrame({"gang_id": gangs["gang_id"], "subject_type": "gang", "subject_id": gangs["gang_id"]}),
        gang_platforms(gangs).rename(columns={"platform_id": "subject_id"}).assign(subject_type="platform"),
        persons.assign(subject_type="person"),
    ], ignore_index=True)
    table = income.merge(subjects, on=["subject_type", "subject_id"])  # keeps income.csv's row order
    table["basis"] = _mapped(table["method"], {m.name: BASIS_NAMES[m.basis] for m in METHODS})
    return table.sort_values("gang_id", kind="stable")[list(SECTION_COLUMNS["figures"])].reset_index(drop=True)


def evidence_section(case: Case, communities: pd.DataFrame, gangs: pd.DataFrame, payments: pd.DataFrame,
                     unmask: bool = False) -> pd.DataFrame:
    """What ties each gang to the vendor: its platforms' licences, and the transfers from its
    accounts into the vendor's accounts (``payments``: :func:`.memory.figures.vendor_payments`,
    amounts in CNY).

    >>> evidence_section(case, tables["communities"], tables["gangs"], vendor_payments(case))   # doctest: +SKIP
    """
    vendors = case["vendors"].set_index("vendor_id")
    licences = licenses_in_cny(case).merge(gang_platforms(gangs), on="platform_id")
    hidden = _referred_elsewhere(licences["paid_from_account"], licences["gang_id"], communities, gangs)
    sold = pd.DataFrame({
        "gang_id": licences["gang_id"], "evidence": "licence", "vendor_id": licences["vendor_id"],
        "license_id": licences["license_id"], "platform_id": licences["platform_id"],
        "date": licences["sold_on"].dt.strftime(DATE), "amount": licences["price_cny"],
        "from_account": licences["paid_from_account"].mask(hidden, REFERRED_ELSEWHERE),
        "buyer_name": licences["buyer_name"],
        "buyer_phone": licences["buyer_phone"] if unmask else mask_identifiers(licences["buyer_phone"])})
    gang_of_account = gang_members(communities, ("bank_account", "trading_account"), "account_id").set_index(
        "account_id")["gang_id"]
    payment = payments.assign(vendor_id=_mapped(payments["to_account"], vendor_of_account(case["vendors"])),
                              gang_id=_mapped(payments["from_account"], gang_of_account)).dropna(
        subset=["vendor_id", "gang_id"])
    paid = pd.DataFrame({
        "gang_id": payment["gang_id"], "evidence": "payment_to_vendor", "vendor_id": payment["vendor_id"],
        "txn_id": payment["txn_id"], "date": _local_times(payment["ts"], case.config.timezone),
        "amount": payment["amount_cny"], "from_account": payment["from_account"],
        "to_account": payment["to_account"], "memo": payment["memo"]})
    table = pd.concat([sold, paid], ignore_index=True)
    table["vendor_name"] = table["vendor_id"].map(vendors["name"])
    table["amount"] = table["amount"].astype("int64")
    table = table.sort_values(["gang_id", "evidence", "date", "license_id", "txn_id"], kind="stable")
    return table.reindex(columns=list(SECTION_COLUMNS["evidence"])).reset_index(drop=True)


def referral_sections(case: Case, tables: dict[str, pd.DataFrame],
                      unmask: bool = False) -> dict[str, pd.DataFrame]:
    """Every section for every gang of the analysis (``tables``: :func:`analyze_case`'s)."""
    gangs, communities, income = tables["gangs"], tables["communities"], tables["income"]
    return {
        "gangs": gang_section(gangs, income, case["gangs"]),
        "persons": person_section(case, communities, gangs, unmask),
        "accounts": account_section(case, communities, gangs, tables.get("account_flows")),
        "platforms": platform_section(case, gangs, tables["chain"]),
        "figures": figure_section(communities, gangs, income),
        "evidence": evidence_section(case, communities, gangs, vendor_payments(case), unmask),
    }


def _packet_rows(case: Case, tables: dict[str, pd.DataFrame], unmask: bool = False,
                 province: str | None = None) -> tuple[list[str], dict[str, pd.DataFrame], dict[str, pd.Series]]:
    """(the packets' names, every section over all of them, per section the packet of each
    row): what :func:`referral_packets` splits, and what :func:`write_referrals` turns into
    file contents once for every packet."""
    packet_of = packet_names(tables["gangs"])
    names = sorted(set(packet_of))
    if province is not None:
        if province not in names:
            raise UnknownProvince(f"no gang is referred to {province!r}; packets: {', '.join(names)}")
        names = [province]
    if not names:  # no gangs (a bank-only case): no sections to build from the whole transfer table
        return [], {}, {}
    sections = referral_sections(case, tables, unmask)
    return names, sections, {section: _mapped(frame["gang_id"], packet_of) for section, frame in sections.items()}


def referral_packets(case: Case, tables: dict[str, pd.DataFrame], unmask: bool = False,
                     province: str | None = None) -> dict[str, dict[str, pd.DataFrame]]:
    """packet name -> section -> rows: one packet per province that holds gangs (and
    ``unassigned``), gangs ranked; only ``province``'s when given (:class:`UnknownProvince`
    when no gang is referred to it)."""
    names, sections, packet_of_rows = _packet_rows(case, tables, unmask, province)
    return {name: {section: frame[packet_of_rows[section] == name].reset_index(drop=True)
                   for section, frame in sections.items()} for name in names}


# -- files ------------------------------------------------------------------------------------

def write_packet_csv(sections: dict[str, pd.DataFrame], path: Path) -> Path:
    """One long CSV: a ``section`` column, then :data:`CSV_COLUMNS` (empty where a section has
    no such column); money with two decimals, formulas neutralised (:func:`~casegraph.outputs.csv_cells`)."""
    frames = [csv_cells(frame).assign(section=name) for name, frame in sections.items()]
    lines = [csv_line_texts(frame, list(CSV_COLUMNS)) for frame in frames]  # each section's own, not one wide frame
    if any(part is None for part in lines):
        return write_csv_cells(pd.concat(frames, ignore_index=True).reindex(columns=list(CSV_COLUMNS)), path)
    return write_csv_lines(list(CSV_COLUMNS), lines, path)


def write_csv_lines(columns: list[str], lines: list[pa.Array], path: Path) -> Path:
    """A CSV file of the header of ``columns`` and the lines (:func:`~casegraph.outputs.csv_line_texts`)
    of each part in turn."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(csv_header(columns))
        handle.writelines(text_buffer(part) for part in lines)
    return path


def _text_widths(text: pa.Array) -> pa.Array:
    """Roughly how many Latin characters wide each text is (CJK counts two), null where missing.

    >>> _text_widths(pa.array(["abc", "上海市", None])).to_pylist()
    [3, 6, None]
    """
    return pc.add(pc.utf8_length(text), pc.count_substring_regex(text, r"[\x{2e80}-\x{9fff}\x{ff00}-\x{ffef}]"))


def _widest(widths: pa.Array) -> int:
    """The largest of :func:`_text_widths`, 0 for none."""
    return int(pc.max(widths).as_py() or 0)


def _display_width(text: pa.Array) -> int:
    """Roughly how many Latin characters wide the longest text is (CJK counts two).

    >>> _display_width(pa.array(["abc", "上海市", None]))
    6
    """
    if text.null_count == len(text):
        return 0
    return _widest(_text_widths(text))


def _shown_text(column: str, values: pd.Series) -> pa.Array:
    """A column's cells as the CSV shows them (:func:`~casegraph.outputs.money_as_text`, formulas
    not neutralised), in Arrow: what the XLSX column's width is fitted to."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return pc.if_else(pa.array(values.astype("boolean"), from_pandas=True), "true", "false")
    if is_fen_column(column, values):
        return format_fen_arrow(pa.array(values, pa.int64(), from_pandas=True))
    return text_array(values)


def _column_width(column: str, widest: int) -> int:
    """A sheet column's width for its header and its widest cell (:func:`_display_width`):
    + 3 for the thousands separators of money and the filter button, at most 60."""
    return min(max(len(column), widest) + 3, 60)


def write_packet_xlsx(sections: dict[str, pd.DataFrame], path: Path, *,
                      widths: dict[str, list[int]] | None = None) -> Path:
    """One sheet per section: a header row, money as numbers shown with two decimals, text as
    text (never as a formula, whatever it starts with). ``widths``: per section its columns'
    widths (:func:`_column_width`) when the caller has them, else fitted here."""
    sheets = []
    for name, frame in sections.items():
        widths_of = widths[name] if widths is not None else [
            _column_width(column, _display_width(_shown_text(column, values))) for column, values in frame.items()]
        sheets.append(_section_sheet(name, frame, widths=widths_of))
    return write_xlsx(path, sheets)


def _section_sheet(name: str, frame: pd.DataFrame, *, widths: list[int]) -> Sheet:
    """A section's sheet: money (fen) as CNY numbers, other integers as numbers."""
    money = [column for column, values in frame.items() if is_fen_column(column, values)]
    integers = [column for column, values in frame.items() if pd.api.types.is_integer_dtype(values.dtype)
                and not pd.api.types.is_bool_dtype(values.dtype)]
    cells = frame.assign(**{column: frame[column].astype("float64") / 100 for column in money})
    return Sheet(name, cells, widths=widths, numbers=frozenset(integers), money=frozenset(money))


# -- the readable summary ----------------------------------------------------------------------------

STYLE = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222;max-width:80em}
h1{font-size:1.6em}h2{border-bottom:2px solid #345;padding-bottom:.2em;margin-top:2em}h3{margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}th,td{border:1px solid #bbb;padding:.25em .5em;
text-align:left;vertical-align:top}th{background:#dde7f0}td.n,td.id{white-space:nowrap}td.n{text-align:right}
td.especially_serious{background:#f6c6c6}td.prosecution{background:#fbe3b4}.note{color:#555;font-size:.9em}
svg text{font-size:12px}svg .id{font-weight:bold}
"""
LEVEL_FILLS = {"especially_serious": "#f6c6c6", "prosecution": "#fbe3b4"}
# The rows of a gang's accounts the summary shows; the XLSX and CSV hold them all.
ACCOUNTS_SHOWN = 10


def _text(value) -> str:
    """A cell as text, missing values empty."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _esc(value) -> str:
    return html.escape(_text(value))


def _fit(value, width: int) -> str:
    """Text cut to ``width`` columns for a diagram box, a Chinese (wide) character taking two:
    a box holds about half as many Chinese characters as Latin ones.

    >>> _fit("P025 · www.dongfangtrade.com", 20), _fit("谭志团伙", 8), _fit("东方财富贵金属交易中心", 12)
    ('P025 · www.dongfang…', '谭志团伙', '东方财富贵…')
    """
    text = _text(value)
    columns = np.cumsum([2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text])
    if not len(text) or columns[-1] <= width:
        return text
    return text[:int(np.searchsorted(columns, width - 1, side="right"))] + "…"


def _money(fen) -> str:
    """Fen as CNY with thousands separators: 123456789 -> '1,234,567.89'."""
    return f"{Decimal(format_fen(fen)):,}"


def _money_texts(fen: pd.Series) -> pa.Array:
    """:func:`_money` of a column (missing: null), in Arrow: the whole CNY in groups of three."""
    values = pa.array(pd.array(fen, dtype="Int64"), pa.int64(), from_pandas=True)
    absolute = pc.abs(values)
    whole = pc.utf8_lpad(pc.cast(pc.divide(absolute, 100), pa.large_string()), 18, "0")  # int64 fen: ≤ 17 digits
    grouped = pc.utf8_ltrim(join_text(*(pc.utf8_slice_codeunits(whole, i, i + 3) for i in range(0, 18, 3)),
                                      separator=","), "0,")
    grouped = pc.if_else(pc.equal(grouped, ""), "0", grouped)
    cents = pc.utf8_lpad(pc.cast(pc.subtract(absolute, pc.multiply(pc.divide(absolute, 100), 100)),
                                 pa.large_string()), 2, "0")
    return join_text(pc.if_else(pc.less(values, 0), "-", ""), grouped, ".", cents)


def _html_escaped(values: pd.Series) -> pa.Array:
    """:func:`_esc` of a column, in Arrow: missing values empty, ``&<>"'`` as entities."""
    text = text_array(values).fill_null("")
    if not pc.any(pc.match_substring_regex(text, "[&<>\"']")).as_py():
        return text
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;")):
        text = pc.replace_substring(text, char, entity)
    return text


def _breakable(escaped: str, after: str) -> str:
    """HTML text that may break after each ``after`` (``<wbr>``: a break that is not copied
    with the text), so that a header such as ``n_bank_accounts`` need not widen its column."""
    return escaped.replace(after, after + "<wbr>")


# Entities of _html_escaped end in ";": a list's ";" is only one that follows no entity.
_ENTITY_BREAK = r"(&(?:amp|lt|gt|quot|#x27);)<wbr>"


def _breakable_texts(escaped: pa.Array) -> pa.Array:
    """:func:`_breakable` after ``;`` for a column of escaped cells: lists such as
    ``P001;P002;P003`` wrap between their items instead of widening the table."""
    if not pc.any(pc.match_substring(escaped, ";")).as_py():
        return escaped
    return pc.replace_substring_regex(pc.replace_substring(escaped, ";", ";<wbr>"), _ENTITY_BREAK, r"\1")


def _html_rows(frame: pd.DataFrame, columns: list[str]) -> pa.Array:
    """Each row's ``<tr>`` of :func:`_html_table`: a row's depends on that row alone, so the rows
    of a part of ``frame`` are these rows taken."""
    cells = []
    for column in columns:
        opening = '<td class="id">' if column.endswith("_id") else "<td>"  # an id is never split ("G?P010")
        plain = join_text(opening, _breakable_texts(_html_escaped(frame[column])), "</td>")
        if is_fen_column(column, frame[column]):
            money = _money_texts(frame[column])
            plain = pc.if_else(money.is_valid(), join_text('<td class="n">', money, "</td>"), plain)
        cells.append(plain)
    return join_text("<tr>", *cells, "</tr>") if len(frame) else pa.array([], pa.large_string())


def _table_of_rows(columns: list[str], rows: pa.Array) -> str:
    """An HTML table of the header of ``columns`` and ``rows`` (:func:`_html_rows`)."""
    header = "<tr>" + "".join(f"<th>{_breakable(_esc(c), '_')}</th>" for c in columns) + "</tr>"
    return "<table>" + header + text_bytes(rows).decode("utf-8") + "</table>"


def _html_table(frame: pd.DataFrame, columns: list[str]) -> str:
    """Some columns of a section as an HTML table; money right-aligned with separators, ids on one line."""
    return _table_of_rows(columns, _html_rows(frame, columns))


# The columns of each gang's tables in the summary, by section.
# The columns of the summary's table of the packet's gangs, most serious first.
RANKED_GANG_COLUMNS = ["rank", "gang_id", "name", "platform_ids", "severity_level", "severity_method",
                       "severity_amount", "severity", "net_deposit", "n_persons", "n_bank_accounts", "n_clients",
                       "is_fraud", "fake_trade_losses"]
GANG_TABLE_COLUMNS = {
    "persons": ["person_id", "name", "id_number", "phone", "city", "roles"],
    "accounts": ["account_id", "kind", "institution", "holder_name", "money_in", "money_out", "net", "n_transfers",
                 "first_transfer", "last_transfer"],
    "platforms": ["platform_id", "name", "domain", "kind", "created_on", "license_ids", "n_clients", "deposits",
                  "net_deposit"],
    "evidence": ["evidence", "vendor_name", "license_id", "platform_id", "txn_id", "date", "amount", "from_account",
                 "to_account", "buyer_name", "buyer_phone"],
}


def gang_table_rows(sections: dict[str, pd.DataFrame]) -> dict[str, pa.Array]:
    """Per section of :data:`GANG_TABLE_COLUMNS`, the ``<tr>`` of each of its rows (:func:`_html_rows`),
    and those of the ranked gangs' table (:data:`RANKED_GANG_COLUMNS`) as ``gangs``."""
    return {"gangs": _html_rows(sections["gangs"], RANKED_GANG_COLUMNS),
            **{name: _html_rows(sections[name], columns) for name, columns in GANG_TABLE_COLUMNS.items()}}


def chain_svg(sections: dict[str, pd.DataFrame]) -> str:
    """The packet's chain vendor → licence → platform → gang as inline SVG: one row per
    licence, gangs in rank order, each vendor and gang box level with the rows it joins."""
    # A packet has a few licences: plain Python over its rows, not a frame operation per box.
    gangs = {gang["gang_id"]: gang
             for gang in _records(sections["gangs"], ["gang_id", "rank", "name", "severity_level"])}
    platforms = {platform["platform_id"]: platform for platform in _records(
        sections["platforms"].drop_duplicates("platform_id"), ["platform_id", "name", "domain"])}
    evidence = sections["evidence"]
    licences = _records(evidence[(evidence["evidence"] == "licence").to_numpy(dtype=bool)],
                        ["vendor_id", "vendor_name", "license_id", "gang_id", "platform_id", "date", "amount"])
    licences = sorted(licences,
                      key=lambda licence: (_sort_key(licence["vendor_id"]),
                                           _sort_key(gangs[licence["gang_id"]]["rank"]),
                                           _sort_key(licence["license_id"])))
    box_w, box_h, row_h, top = 230, 44, 56, 28
    x = {"vendor": 10, "licence": 280, "platform": 550, "gang": 820}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{x["gang"] + box_w + 10}" '
             f'height="{top + max(len(licences), 1) * row_h}" role="img" aria-label="chain">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
             'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#567"/></marker></defs>']
    titles = {"vendor": "软件开发方 vendor", "licence": "授权 licence", "platform": "平台 platform",
              "gang": "团伙 gang"}
    for column, title in titles.items():
        parts.append(f'<text x="{x[column]}" y="16" class="id">{_esc(title)}</text>')

    def box(column: str, y: float, first: str, second: str, fill: str = "#fff") -> None:
        parts.append(f'<rect x="{x[column]}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="5" '
                     f'fill="{fill}" stroke="#567"/>'
                     f'<text x="{x[column] + 6}" y="{y + 18:.0f}" class="id">{_esc(_fit(first, 29))}</text>'
                     f'<text x="{x[column] + 6}" y="{y + 36:.0f}">{_esc(_fit(second, 32))}</text>')

    def arrow(start: str, y1: float, end: str, y2: float) -> None:
        parts.append(f'<line x1="{x[start] + box_w}" y1="{y1 + box_h / 2:.0f}" x2="{x[end]}" '
                     f'y2="{y2 + box_h / 2:.0f}" stroke="#567" marker-end="url(#arrow)"/>')

    row_y = [top + i * row_h for i in range(len(licences))]
    vendor_y = _mean_by([licence["vendor_id"] for licence in licences], row_y)
    gang_y = _mean_by([licence["gang_id"] for licence in licences], row_y)
    for vendor, y in vendor_y.items():
        name = next(licence["vendor_name"] for licence in licences if licence["vendor_id"] == vendor)
        box("vendor", y, vendor, name, "#e8eef5")
    for i, licence in enumerate(licences):
        platform = platforms[licence["platform_id"]]
        box("licence", row_y[i], f"{licence['license_id']} · {licence['date']}", _money(licence["amount"]))
        box("platform", row_y[i], f"{licence['platform_id']} · {_text(platform['domain'])}", platform["name"])
        arrow("vendor", vendor_y[licence["vendor_id"]], "licence", row_y[i])
        arrow("licence", row_y[i], "platform", row_y[i])
        arrow("platform", row_y[i], "gang", gang_y[licence["gang_id"]])
    for gang, y in gang_y.items():
        row = gangs[gang]
        level = _text(row["severity_level"])
        box("gang", y, f"#{row['rank']} {gang} {_text(row['name'])}", level, LEVEL_FILLS.get(level, "#eee"))
    parts.append("</svg>")
    return "".join(parts)


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Some columns' rows as dicts, as ``to_dict("records")`` gives them (a missing text None),
    made from each column's list: ``to_dict`` costs milliseconds a call, and a packet has few rows.

    >>> _records(pd.DataFrame({"a": ["x", None], "n": [1, 2]}).astype({"a": "string"}), ["a", "n"])
    [{'a': 'x', 'n': 1}, {'a': None, 'n': 2}]
    """
    values = [[None if value is pd.NA else value for value in frame[column].tolist()] for column in columns]
    return [dict(zip(columns, row)) for row in zip(*values)]


def _sort_key(value) -> tuple:
    """A value's place when sorted as pandas sorts a column: missing values last."""
    missing = value is None or (not isinstance(value, str) and pd.isna(value))
    return (True, "") if missing else (False, value)


def _mean_by(keys: list, values: list) -> dict:
    """The mean of ``values`` per key (missing keys left out), keys in sorted order: pandas'
    ``groupby(keys).mean()`` of a few values.

    >>> _mean_by(["b", "a", "b"], [1, 2, 4])
    {'a': 2.0, 'b': 2.5}
    """
    groups: dict = {}
    for key, value in zip(keys, values):
        if _sort_key(key)[0]:
            continue
        groups.setdefault(key, []).append(value)
    return {key: sum(group) / len(group) for key, group in sorted(groups.items())}


def _key_figures(sections: dict[str, pd.DataFrame]) -> str:
    """Each gang's amount by every method, coloured by the severity it reaches."""
    gangs = sections["gangs"]
    figures = sections["figures"]
    own = _records(figures[((figures["subject_type"] == "gang") & figures["window_start"].isna()).to_numpy(bool)],
                   ["gang_id", "method", "severity", "amount"])
    # (gang, method) -> (severity, amount): one row each, looked up in a dict, not by .loc
    found = {(row["gang_id"], row["method"]): (row["severity"], row["amount"]) for row in own}
    methods = [m.name for m in METHODS if m.name in {row["method"] for row in own}]
    rows = ["<tr><th>rank</th><th>gang_id</th>" + "".join(f"<th>{_esc(m)}</th>" for m in methods) + "</tr>"]
    for gang in _records(gangs, ["gang_id", "rank"]):
        cells = []
        for method in methods:
            if (gang["gang_id"], method) in found:
                severity, amount = found[(gang["gang_id"], method)]
                level = _esc(severity_level(_text(severity)))
                cells.append(f'<td class="n {level}" title="{_esc(severity)}">{_money(amount)}</td>')
            else:
                cells.append("<td></td>")
        rows.append(f"<tr><td>{gang['rank']}</td><td>{_esc(gang['gang_id'])}</td>{''.join(cells)}</tr>")
    return "<table>" + "".join(rows) + "</table>"


def packet_html(packet: str, sections: dict[str, pd.DataFrame], case: Case, masked: bool, *, stem: str,
                table_rows: dict[str, pa.Array] | None = None) -> str:
    """The readable summary of a packet: ranked gangs, key figures, the chain diagram, and per
    gang its persons with known roles, its top accounts, platforms and the evidence; ``stem``:
    the packet's file names without suffix; ``table_rows``: :func:`gang_table_rows` of
    ``sections`` when the caller has them."""
    table_rows = gang_table_rows(sections) if table_rows is None else table_rows
    gangs = sections["gangs"]
    title = f"线索移送 Referral packet: {packet}"
    body = [
        f"<h1>{_esc(title)}</h1>",
        f'<p>{_esc(case.config.case_id)} {_esc(case.config.title)} · {len(gangs)} gang(s), '
        f'{len(sections["persons"])} person(s), {len(sections["accounts"])} account(s) to freeze · money in CNY · '
        + ("ID numbers and phones masked (身份证号、电话已脱敏)" if masked
           else "ID numbers and phones NOT masked") + "</p>",
        '<p class="note">Severity is a label against the thresholds of case.yaml, not a verdict. The full '
        f"lists are in {_esc(stem)}.xlsx and .csv.</p>",
        "<h2>团伙排序 Gangs, most serious first</h2>",
        _table_of_rows(RANKED_GANG_COLUMNS, table_rows["gangs"]),
        "<h2>金额 Key figures by method</h2>", _key_figures(sections),
        "<h2>链条 Chain: vendor → licence → platform → gang</h2>", chain_svg(sections),
    ]
    # Each gang's rows of each section, found once per section rather than once per gang.
    rows_of = {name: sections[name].groupby("gang_id", sort=False).indices for name in GANG_TABLE_COLUMNS}
    has_roles = sections["persons"]["roles"].notna().to_numpy(dtype=bool)
    no_rows = np.zeros(0, dtype=np.intp)

    def table(name: str, rows: np.ndarray) -> str:
        return _table_of_rows(GANG_TABLE_COLUMNS[name], table_rows[name].take(pa.array(rows, pa.int64())))

    for gang in gangs[["gang_id", "rank", "name", "province", "province_evidence"]].itertuples(index=False):
        of_gang = {name: rows_of[name].get(gang.gang_id, no_rows) for name in GANG_TABLE_COLUMNS}
        person_rows, account_rows = of_gang["persons"], of_gang["accounts"]
        with_roles = person_rows[has_roles[person_rows]]
        body += [
            f"<h2>#{gang.rank} {_esc(gang.gang_id)} {_esc(gang.name)} · {_esc(gang.province)}</h2>",
            f'<p class="note">province evidence: {_esc(gang.province_evidence)}</p>',
            f"<h3>人员 Persons with a known role ({len(with_roles)} of {len(person_rows)} members)</h3>",
            table("persons", with_roles),
            f"<h3>待冻结账户 Accounts to freeze (top {min(ACCOUNTS_SHOWN, len(account_rows))} of {len(account_rows)} "
            "by money moved)</h3>",
            table("accounts", account_rows[:ACCOUNTS_SHOWN]),
            "<h3>平台 Platforms</h3>",
            table("platforms", of_gang["platforms"]),
            "<h3>与软件开发方的关联 Evidence of the tie to the vendor</h3>",
            table("evidence", of_gang["evidence"]),
        ]
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_referrals(case: Case, tables: dict[str, pd.DataFrame], out: Path, unmask: bool = False,
                    province: str | None = None) -> pd.DataFrame:
    """Write every packet (or ``province``'s) into ``out`` as CSV, XLSX and HTML, and
    ``index.csv``; returns the index. File names are :func:`packet_file_stems`' over every
    packet of the case, so that a packet has the same names whether written alone or not."""
    rows = []
    stems = packet_file_stems(sorted(set(packet_names(tables["gangs"]))))
    names, everyone, packet_of_rows = _packet_rows(case, tables, unmask, province)
    # Each row's packet as its number in ``names``; each section's rows put in packet order (a
    # packet's own rows keep theirs), so that a packet's rows are one slice of everything below.
    packet_numbers = {section: first_positions(arrow_text(packets),
                                               pa.array(names, pa.large_string()))
                      for section, packets in packet_of_rows.items()}
    order = {section: np.argsort(numbers, kind="stable") for section, numbers in packet_numbers.items()}
    everyone = {section: frame.take(order[section]).reset_index(drop=True) for section, frame in everyone.items()}
    bounds = {section: np.searchsorted(numbers[order[section]], np.arange(len(names) + 1))
              for section, numbers in packet_numbers.items()}
    # What each file holds is made once over every packet's rows, then split: a CSV line and a
    # cell's width depend on their row alone (packets are many, and mostly small).
    lines = {section: csv_line_texts(csv_cells(frame).assign(section=section), list(CSV_COLUMNS))
             for section, frame in everyone.items()}
    cell_widths = {section: {column: _text_widths(_shown_text(column, frame[column])) for column in frame.columns}
                   for section, frame in everyone.items()}
    everyone_rows = gang_table_rows(everyone) if everyone else {}
    everyone_sheets = {section: sheet_columns(_section_sheet(section, frame, widths=[]))
                       for section, frame in everyone.items()}
    for number, packet in enumerate(names):
        stem = stems[packet]
        start = {section: int(bounds[section][number]) for section in everyone}
        size = {section: int(bounds[section][number + 1]) - start[section] for section in everyone}
        sections = {section: frame.iloc[start[section]:start[section] + size[section]].reset_index(drop=True)
                    for section, frame in everyone.items()}
        if any(section_lines is None for section_lines in lines.values()):
            write_packet_csv(sections, out / f"{stem}.csv")
        else:
            write_csv_lines(list(CSV_COLUMNS), [lines[section].slice(start[section], size[section])
                                                for section in everyone], out / f"{stem}.csv")
        table_rows = {section: rows.slice(start[section], size[section]) for section, rows in everyone_rows.items()}
        widths = {section: [_column_width(column, _widest(cell_widths[section][column].slice(start[section],
                                                                                              size[section])))
                            for column in frame.columns] for section, frame in everyone.items()}
        write_sheet_columns(out / f"{stem}.xlsx", [sheet.part(start[section], size[section], widths=widths[section])
                                                   for section, sheet in everyone_sheets.items()])
        (out / f"{stem}.html").write_text(packet_html(packet, sections, case, masked=not unmask, stem=stem,
                                                      table_rows=table_rows),
                                          encoding="utf-8")
        gangs = sections["gangs"]
        rows.append({"province": packet, "n_gangs": len(gangs), "gang_ids": ";".join(gangs["gang_id"]),
                     "top_severity": gangs["severity_level"].iloc[0], "n_persons": len(sections["persons"]),
                     "n_accounts": len(sections["accounts"]), "csv": f"{stem}.csv", "xlsx": f"{stem}.xlsx",
                     "html": f"{stem}.html"})
    accounts = account_packet(tables)
    if rows == [] and province is None and len(accounts["accounts"]):
        rows.append(write_account_packet(accounts, out, case))
    index = pd.DataFrame(rows, columns=list(INDEX_COLUMNS))
    write_csv(index, out / "index.csv")
    return index


# -- a case of bank statements only: the accounts to freeze ------------------------------------------
ACCOUNT_PACKET = "accounts"
FREEZE_COLUMNS = ("account_id", "aliases", "holder_name", "institution", "statement_obtained", "patterns",
                  "amount_in", "amount_out", "net_in", "n_counterparties", "first_ts", "last_ts")


def account_packet(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The packet of a case without gangs found (bank statements only, contract.md "Bank
    evidence"): ``accounts``, those to freeze — every account a flow pattern names, and those
    whose statements are in hand — with their flows and the patterns they are in, most money in
    first; ``patterns``, the flow_patterns rows that name them, with their evidence."""
    flows, patterns = tables.get("account_flows"), tables.get("flow_patterns")
    if flows is None or patterns is None or not len(flows) or len(tables.get("gangs", ())):
        return {"accounts": pd.DataFrame(columns=list(FREEZE_COLUMNS)), "patterns": patterns}
    named = patterns.assign(account_id=patterns["account_ids"].str.split(";")).explode("account_id")
    kinds = named[["account_id", "pattern"]].drop_duplicates().sort_values(["account_id", "pattern"])
    in_patterns = kinds.groupby("account_id")["pattern"].agg(";".join)
    in_hand = flows["statement_obtained"].fillna(False).astype(bool)
    chosen = flows[flows["account_id"].isin(in_patterns.index) | in_hand.to_numpy()]
    chosen = chosen.assign(patterns=chosen["account_id"].map(in_patterns)).sort_values(
        ["amount_in", "account_id"], ascending=[False, True], kind="stable")
    return {"accounts": chosen[list(FREEZE_COLUMNS)].reset_index(drop=True),
            "patterns": patterns[named["account_id"].isin(chosen["account_id"]).groupby(level=0).any()]
            .reset_index(drop=True)}


def write_account_packet(sections: dict[str, pd.DataFrame], out: Path, case: Case) -> dict:
    """Write :func:`account_packet`'s sections as accounts.csv (a ``section`` column, then each
    section's columns), .xlsx (a sheet each) and .html; returns its index.csv row."""
    frames = [csv_cells(frame).assign(section=name) for name, frame in sections.items()]
    columns = ["section", *dict.fromkeys(c for frame in sections.values() for c in frame.columns)]
    write_csv_cells(pd.concat(frames, ignore_index=True).reindex(columns=columns), out / f"{ACCOUNT_PACKET}.csv")
    write_packet_xlsx(sections, out / f"{ACCOUNT_PACKET}.xlsx")
    body = "".join(f"<h2>{html.escape(name)} ({len(frame)})</h2>"
                   + csv_cells(frame).to_html(index=False, escape=True, na_rep="", classes="packet")
                   for name, frame in sections.items())
    (out / f"{ACCOUNT_PACKET}.html").write_text(
        f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{html.escape(case.config.case_id)}"
        f": accounts to freeze</title><style>{STYLE}</style></head><body><h1>{html.escape(case.config.case_id)}: "
        f"accounts to freeze</h1>{body}</body></html>", encoding="utf-8")
    return {"province": "", "n_gangs": 0, "gang_ids": "", "top_severity": "", "n_persons": 0,
            "n_accounts": len(sections["accounts"]), "csv": f"{ACCOUNT_PACKET}.csv",
            "xlsx": f"{ACCOUNT_PACKET}.xlsx", "html": f"{ACCOUNT_PACKET}.html"}
