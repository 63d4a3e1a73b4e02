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

NODE_TYPES = ("vendor", "gang", "platform", "agent", "client", "person")
INCOME_SUBJECTS = ("gang", "platform", "agent", "person", "vendor")
CHAIN_FIGURES = ["n_agents", "agent_depth", "n_clients", "deposits", "withdrawals", "net_deposit", "fees",
                 "rebates_paid"]
# The questions (engine.py QUESTIONS) chain.csv is made of: the gangs (gang discovery) and
# their provinces, and the platforms' figures.
CHAIN_QUESTIONS = ("gang_evidence", "platform_totals")
# ... and gangs.csv and communities.csv: the gangs, their money (their platforms') and the fraud fronts.
GANG_QUESTIONS = ("gang_evidence", "platform_totals", "platform_fraud")
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


def gang_sums(platforms: pd.DataFrame, gang_platforms: pd.DataFrame) -> pd.DataFrame:
    """Per gang: the sums over the clients of the platforms it runs."""
    joined = gang_platforms.merge(platforms.reset_index(), on="platform_id")
    columns = ["n_clients", "n_agents", *CLIENT_FIGURES]
    return joined.groupby("gang_id")[columns].sum().astype("int64")


def fraud_of_gangs(gang_platforms: pd.DataFrame, fraud: pd.DataFrame) -> pd.DataFrame:
    """Per gang: ``is_fraud`` when any of its platforms is a fake-trading front, and the
    ``fake_trade_losses`` of its platforms summed (``fraud``: per platform)."""
    joined = gang_platforms.merge(fraud[["is_fraud", "fake_trade_losses"]], left_on="platform_id", right_index=True)
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
             trading: TradingFindings, skipped: frozenset[str] = frozenset()) -> dict[str, pd.DataFrame]:
    """Every output table from the figures, the communities (:func:`.communities.resolve_gangs`)
    and the trading findings. ``skipped`` names the questions a partial case could not answer
    (:data:`.engine.QUESTIONS`): their figures are unknown, never zero."""
    clients, agents, platforms, persons, windows = (
        figures.clients, figures.agents, figures.platforms, figures.persons, figures.windows)
    account_groups, fake_trades, platform_fraud = trading.account_groups, trading.fake_trades, trading.platform_fraud
    members = communities.assign_gangs(facts.entities, resolved, ALGORITHM)
    gang_platforms = members[members["entity_type"] == "platform"].dropna(subset=["gang_id"])[
        ["gang_id", "entity_id"]].rename(columns={"entity_id": "platform_id"})
    found = communities.gang_table(members, platforms, facts.known_gangs, facts.province_votes,
                                   voters=communities.province_voters(members, resolved))
    if "platform_totals" in skipped:  # a gang's clients and their money are unknown without a ledger
        for column in (c for c in platforms.columns if c in found.columns):
            found[column] = pd.Series(pd.NA, index=found.index, dtype="Int64")
    found = found.join(fraud_of_gangs(gang_platforms, platform_fraud))
    if "platform_fraud" in skipped:  # without the trades (and the ledger) nothing says either way
        found["is_fraud"] = found["is_fraud"].astype("boolean")
        found["fake_trade_losses"] = found["fake_trade_losses"].astype("Int64")
    else:
        found["is_fraud"] = found["is_fraud"].fillna(False).astype(bool)
        found["fake_trade_losses"] = found["fake_trade_losses"].fillna(0).astype("int64")
    accounts = members[members["entity_type"].isin(["bank_account", "trading_account"])].dropna(subset=["gang_id"])
    vendors = facts.vendor_totals(pd.Index(accounts["entity_id"]))
    parts = {"vendor": vendors, "gang": gang_sums(platforms, gang_platforms), "platform": platforms,
             "agent": agents, "client": clients, "person": persons}

    gang_of = gang_platforms.sort_values("gang_id").drop_duplicates("platform_id").set_index("platform_id")["gang_id"]
    chain = facts.licenses.assign(gang_id=facts.licenses["platform_id"].map(gang_of))
    chain["province"] = chain["gang_id"].map(found["province"])
    chain = chain.join(platforms[CHAIN_FIGURES], on="platform_id").sort_values(
        ["vendor_id", "license_id"], kind="stable", ignore_index=True)

    platform_province = gang_of.map(found["province"])
    provinces = {"gang": found["province"], "platform": platform_province,
                 "agent": facts.agent_platform.map(platform_province),
                 "person": facts.person_province, "vendor": facts.vendor_province}
    subjects = {kind: parts[kind] for kind in INCOME_SUBJECTS}
    # A suspect who answers for no client answers for 0 — when the figures were computed at all.
    subjects["person"] = persons if "person_totals" in skipped else persons.reindex(facts.suspects, fill_value=0)
    return {
        "chain": chain,
        "totals": totals_table(parts),
        "income": income_table(subjects, windows, provinces, rules),
        "gangs": found.reset_index(),
        "communities": members,
        "unattached": communities.unattached_table(members),
        "account_groups": account_groups,
        "fake_trades": fake_trades,
        "unverified_trades": trading.unverified_trades,
    }
