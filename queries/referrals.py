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

**Files**: :mod:`casegraph.outputs.packets` writes the packets (CSV, XLSX, HTML).

>>> tables = analyze_case(case)                                    # doctest: +SKIP
>>> packets = referral_packets(case, tables)                       # doctest: +SKIP
>>> packets["上海市"]["gangs"][["rank", "gang_id", "severity"]]    # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from casegraph.loaders.case import Case
from casegraph.loaders.columnar import arrow_text, first_positions
from casegraph.loaders.fx import licenses_in_cny
from casegraph.loaders.read import split_ids
from casegraph.loaders.tables import ROLES
from casegraph.outputs import join_text, text_array
from casegraph.thresholds import BASIS_NAMES

from .columnar import join_runs, lookup, run_starts
from .income import METHODS, SEVERITY_LEVELS, highest_severity
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


def packet_rows(case: Case, tables: dict[str, pd.DataFrame], unmask: bool = False,
                province: str | None = None) -> tuple[list[str], dict[str, pd.DataFrame], dict[str, pd.Series]]:
    """(the packets' names, every section over all of them, per section the packet of each
    row): what :func:`referral_packets` splits, and what
    :func:`casegraph.outputs.packets.write_referrals` turns into file contents once for every
    packet."""
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
    names, sections, packet_of_rows = packet_rows(case, tables, unmask, province)
    return {name: {section: frame[packet_of_rows[section] == name].reset_index(drop=True)
                   for section, frame in sections.items()} for name in names}


# -- a case of bank statements only: the accounts to freeze ------------------------------------------
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

