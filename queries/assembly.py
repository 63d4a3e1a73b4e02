"""From per-node figures and communities to the output tables, the same for both engines.

Each engine computes the figures its own way (pandas or Cypher) and hands them over with
the few facts of the case this step needs (:class:`CaseFacts`); what the tables say is
decided here once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from casegraph.thresholds import ThresholdRules

from . import communities
from .income import income_table
from .output_tables import OUTPUT_TABLES
from .rules import ALGORITHM, CLIENT_FIGURES
from .units import no_unit_agents

NODE_TYPES = ("vendor", "gang", "platform", "agent", "client", "person")
INCOME_SUBJECTS = ("gang", "platform", "agent", "person", "vendor")
CHAIN_FIGURES = ["n_agents", "agent_depth", "n_clients", "deposits", "withdrawals", "net_deposit", "fees",
                 "rebates_paid"]
# The questions (engine.py QUESTIONS) chain.csv is made of: the gangs (gang discovery) and
# their provinces, and the platforms' figures.
CHAIN_QUESTIONS = ("gang_evidence", "platform_totals")
# ... and gangs.csv and communities.csv: the gangs, their money (their platforms', less and for
# their member units: their top agents' subtrees') and the fraud fronts.
GANG_QUESTIONS = ("gang_evidence", "platform_totals", "agent_totals", "platform_fraud")
# ... and income.csv: the figures of each kind of subject (a gang's are its platforms', a
# vendor's come through the gangs' accounts) and of the persons' membership periods.
INCOME_QUESTIONS = ("gang_evidence", "platform_totals", "agent_totals", "person_totals", "person_window_totals")


@dataclass
class CaseFacts:
    """What assembling the outputs needs to know of the case, whichever engine read it."""

    licenses: pd.DataFrame  # vendor_id, license_id, platform_id
    agent_platform: pd.Series  # agent_id -> platform_id
    person_province: pd.Series
    vendor_province: pd.Series
    suspects: pd.Index  # persons who act as agents or hold a known role
    known_gangs: pd.DataFrame  # gang_id, platform_id, province (gangs.csv)
    province_votes: pd.DataFrame  # entity_id, province, source
    entities: pd.DataFrame  # node, entity_id, entity_type
    vendor_totals: Callable[[pd.Index], pd.DataFrame]  # gang accounts -> license_income(_bank)


def totals_table(parts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """totals.csv: one row per node, ``node_id``, ``node_type`` and the figures that apply
    to it (missing where a figure does not apply to that type)."""
    frames = []
    for node_type in NODE_TYPES:
        frame = parts[node_type].drop(columns=["platform_id", "agent_id"], errors="ignore")
        frame = frame.astype({c: "Int64" for c in frame.columns if pd.api.types.is_integer_dtype(frame[c])})
        frame = frame.sort_index().rename_axis("node_id").reset_index()
        frame.insert(1, "node_type", node_type)
        frames.append(frame)
    totals = pd.concat(frames, ignore_index=True)
    return totals[[c for c in OUTPUT_TABLES["totals"].columns if c in totals.columns]]


PART_FIGURES = ["n_clients", "n_agents", *CLIENT_FIGURES]


def part_figures(platforms: pd.DataFrame, agents: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Per part of a platform that a gang runs (part_id): each member unit (``units``: its
    agents, as :func:`.units.unit_agents` gives them) with the clients of its top-level agent's
    subtree and their figures (``agents``: the subtree figures), and each platform with the rest
    of its clients (``platforms``: per-platform figures). Client figures are sums over clients,
    so the parts of a platform add up to it, to the fen.

    >>> platforms = pd.DataFrame({"n_clients": [5], "n_agents": [3], **{c: [50] for c in CLIENT_FIGURES}},
    ...                          index=pd.Index(["P"], name="platform_id"))
    >>> agents = pd.DataFrame({"subtree_n_clients": [2], **{f"subtree_{c}": [20] for c in CLIENT_FIGURES}},
    ...                       index=pd.Index(["U"], name="agent_id"))
    >>> units = pd.DataFrame({"agent_id": ["U"], "person_id": [None], "platform_id": ["P"], "unit_id": ["U"]})
    >>> part_figures(platforms, agents, units)[["n_clients", "n_agents", "deposits"]].to_dict("index")
    {'P': {'n_clients': 3, 'n_agents': 2, 'deposits': 30}, 'U': {'n_clients': 2, 'n_agents': 1, 'deposits': 20}}
    """
    if units.empty:
        return platforms[PART_FIGURES]
    of_unit = units.groupby("unit_id").agg(platform_id=("platform_id", "first"), n_agents=("agent_id", "size"))
    subtree = agents.loc[of_unit.index, ["subtree_n_clients", *(f"subtree_{c}" for c in CLIENT_FIGURES)]]
    subtree.columns = ["n_clients", *CLIENT_FIGURES]
    unit_rows = subtree.assign(n_agents=of_unit["n_agents"])[PART_FIGURES]
    taken = unit_rows.groupby(of_unit["platform_id"]).sum().reindex(platforms.index, fill_value=0)
    return pd.concat([platforms[PART_FIGURES] - taken, unit_rows]).astype("int64").rename_axis("part_id")


def gang_parts(members: pd.DataFrame, resolved: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """(gang_id, part_id, platform_id): the platforms each gang runs (``members``, as
    :func:`.communities.assign_gangs` gives them) and the member units it is (``resolved``: the
    unit's node, ``Platform:`` + its unit_id; ``units`` as :func:`part_figures` takes them), each
    with the platform it is part of."""
    platforms = members[members["entity_type"] == "platform"].dropna(subset=["gang_id"])
    of_unit = units.drop_duplicates("unit_id").set_index("unit_id")["platform_id"]
    nodes = resolved.dropna(subset=["gang_id"]).set_index("node")["gang_id"]
    unit_gang = nodes.reindex("Platform:" + of_unit.index).dropna()
    unit_ids = unit_gang.index.str.slice(len("Platform:"))
    platform_ids = platforms["entity_id"].to_numpy()
    return pd.concat([pd.DataFrame({"gang_id": platforms["gang_id"].to_numpy(), "part_id": platform_ids,
                                    "platform_id": platform_ids}),
                      pd.DataFrame({"gang_id": unit_gang.to_numpy(), "part_id": unit_ids,
                                    "platform_id": of_unit.reindex(unit_ids).to_numpy()})], ignore_index=True)


def gang_sums(parts: pd.DataFrame, gang_parts: pd.DataFrame) -> pd.DataFrame:
    """Per gang: the sums over the clients of the parts it runs (``parts``: :func:`part_figures`)."""
    joined = gang_parts.merge(parts, left_on="part_id", right_index=True)
    return joined.groupby("gang_id")[PART_FIGURES].sum().astype("int64")


def fraud_of_gangs(gang_parts: pd.DataFrame, fraud: pd.DataFrame) -> pd.DataFrame:
    """Per gang: ``is_fraud`` when any of its parts is of a fake-trading front, and the
    ``fake_trade_losses`` of its platforms summed (``fraud``: per platform). A member unit on a
    front is a front's; the front's losses stay with the gang that runs the platform (they are
    counted per platform, not per client)."""
    joined = gang_parts.merge(fraud[["is_fraud", "fake_trade_losses"]], left_on="platform_id", right_index=True)
    joined["fake_trade_losses"] = joined["fake_trade_losses"].where(joined["part_id"] == joined["platform_id"], 0)
    return joined.groupby("gang_id").agg(is_fraud=("is_fraud", "any"), fake_trade_losses=("fake_trade_losses", "sum"))


@dataclass
class NodeFigures:
    """The figures an engine computed, per node (see :mod:`casegraph.queries.memory.figures`)."""

    clients: pd.DataFrame  # client_id -> platform_id, agent_id, CLIENT_FIGURES
    agents: pd.DataFrame  # agent_id -> depth, own_*, subtree_*, rebates received and due
    platforms: pd.DataFrame  # platform_id -> n_clients, n_agents, agent_depth, CLIENT_FIGURES
    persons: pd.DataFrame  # person_id -> subtree_* figures, rebates received, own_net_withdrawal
    windows: pd.DataFrame  # person_id, window_start, window_end and the figures during that tenure


@dataclass
class TradingFindings:
    """What an engine found in the trading records."""

    account_groups: pd.DataFrame  # account_groups.csv
    fake_trades: pd.DataFrame  # fake_trades.csv
    unverified_trades: pd.DataFrame  # unverified_trades.csv
    platform_fraud: pd.DataFrame  # platform_id -> n_trades, n_fake, fake_share, is_fraud, fake_trade_losses


def assemble(facts: CaseFacts, figures: NodeFigures, resolved: pd.DataFrame, *, rules: ThresholdRules,
             trading: TradingFindings, units: pd.DataFrame | None = None, listed_gangs: pd.DataFrame | None = None,
             skipped: frozenset[str] = frozenset()) -> dict[str, pd.DataFrame]:
    """Every output table from the figures, the communities (:func:`.communities.resolve_gangs`)
    and the trading findings; ``units``: the member units' agents (:func:`.units.unit_agents`),
    none if None, and ``listed_gangs`` the gangs gangs.csv lists beyond ``facts.known_gangs``
    (:attr:`.engine.GangEvidence.listed_gangs`). ``skipped``
    names the questions a partial case could not answer (:data:`.engine.QUESTIONS`): their
    figures are unknown, never zero."""
    clients, agents, platforms, persons, windows = (
        figures.clients, figures.agents, figures.platforms, figures.persons, figures.windows)
    account_groups, fake_trades, platform_fraud = trading.account_groups, trading.fake_trades, trading.platform_fraud
    units = no_unit_agents() if units is None else units
    members = communities.assign_gangs(facts.entities, resolved, ALGORITHM)
    parts = gang_parts(members, resolved, units)
    # A gang's clients and their money are unknown without a ledger, and so are a member unit's
    # and its master's without the unit's subtree figures.
    unknown = "platform_totals" in skipped or ("agent_totals" in skipped and not units.empty)
    figures_of_parts = part_figures(platforms, agents, no_unit_agents() if unknown else units)
    known = facts.known_gangs if listed_gangs is None else pd.concat([facts.known_gangs, listed_gangs],
                                                                      ignore_index=True)
    found = communities.gang_table(members, parts, figures_of_parts, known, facts.province_votes,
                                   voters=communities.province_voters(members, resolved))
    if unknown:
        for column in (c for c in platforms.columns if c in found.columns):
            found[column] = pd.Series(pd.NA, index=found.index, dtype="Int64")
    found = found.join(fraud_of_gangs(parts, platform_fraud))
    if "platform_fraud" in skipped:  # without the trades (and the ledger) nothing says either way
        found["is_fraud"] = found["is_fraud"].astype("boolean")
        found["fake_trade_losses"] = found["fake_trade_losses"].astype("Int64")
    else:
        found["is_fraud"] = found["is_fraud"].fillna(False).astype(bool)
        found["fake_trade_losses"] = found["fake_trade_losses"].fillna(0).astype("int64")
    accounts = members[members["entity_type"].isin(["bank_account", "trading_account"])].dropna(subset=["gang_id"])
    vendors = facts.vendor_totals(pd.Index(accounts["entity_id"]))
    gangs_money = gang_sums(figures_of_parts.iloc[:0] if unknown else figures_of_parts, parts)
    node_figures = {"vendor": vendors, "gang": gangs_money, "platform": platforms, "agent": agents, "client": clients,
                    "person": persons}

    gang_of = parts[parts["part_id"] == parts["platform_id"]].sort_values("gang_id").drop_duplicates(
        "platform_id").set_index("platform_id")["gang_id"]
    chain = facts.licenses.assign(gang_id=facts.licenses["platform_id"].map(gang_of))
    chain["province"] = chain["gang_id"].map(found["province"])
    chain = chain.join(platforms[CHAIN_FIGURES], on="platform_id").sort_values(
        ["vendor_id", "license_id"], kind="stable", ignore_index=True)

    platform_province = gang_of.map(found["province"])
    # A member unit's agents are of its province, the others of their platform's gang's.
    unit_province = units.set_index("agent_id")["unit_id"].map(
        parts.drop_duplicates("part_id").set_index("part_id")["gang_id"]).map(found["province"])
    agent_province = facts.agent_platform.map(platform_province)
    unit_province = unit_province.reindex(agent_province.index)
    agent_province = unit_province.where(unit_province.notna(), agent_province)
    provinces = {"gang": found["province"], "platform": platform_province, "agent": agent_province,
                 "person": facts.person_province, "vendor": facts.vendor_province}
    subjects = {kind: node_figures[kind] for kind in INCOME_SUBJECTS}
    # A suspect who answers for no client answers for 0 — when the figures were computed at all.
    subjects["person"] = persons if "person_totals" in skipped else persons.reindex(facts.suspects, fill_value=0)
    return {
        "chain": chain,
        "totals": totals_table(node_figures),
        "income": income_table(subjects, windows, provinces, rules),
        "gangs": found.reset_index(),
        "communities": members,
        "unattached": communities.unattached_table(members),
        "account_groups": account_groups,
        "fake_trades": fake_trades,
        "unverified_trades": trading.unverified_trades,
    }
