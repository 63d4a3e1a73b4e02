"""The money at every node (contract.md "Figures"), computed with vectorised pandas.

All amounts are integer fen in CNY. Each function answers one question and returns a
DataFrame indexed by the node's id, so that analysts can join them freely:

>>> from casegraph.loaders.case import load_case          # doctest: +SKIP
>>> case = load_case("mycase")                             # doctest: +SKIP
>>> client_figures(case).loc["C1", "net_deposit"]          # doctest: +SKIP
25706086
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from casegraph.money import convert_fen

from casegraph.loaders.case import Case
from casegraph.loaders.fx import ledger_in_cny, licenses_in_cny
from casegraph.loaders.read import split_ids

# The ledger kinds summed into a client's figures, and the figure each one feeds.
KIND_FIGURES = {
    "deposit": "deposits",
    "withdrawal": "withdrawals",
    "fee": "fees",
    "overnight_fee": "overnight_fees",
    "rebate": "rebates_paid",
    "commission": "commissions_paid",
    "pnl": "pnl",
    "adjustment": "adjustment",
}
# The figures of a client, in output order; agents carry them as own_* and subtree_*.
CLIENT_FIGURES = (
    "deposits", "withdrawals", "fees", "overnight_fees", "rebates_paid", "commissions_paid",
    "trading_pnl", "net_deposit", "client_loss", "client_losses", "fresh_money", "turnover",
)


def fresh_money(ledger: pd.DataFrame) -> pd.Series:
    """Per client, the largest running sum of deposits − withdrawals in time order, floored at 0.

    Entries are ordered by ``ts`` and then ``entry_id``; recycled money (withdrawn and put
    in again) is counted once.

    >>> ts = pd.to_datetime(["2021-01-01", "2021-01-02", "2021-01-03"])
    >>> ledger = pd.DataFrame({"client_id": ["C", "C", "C"], "ts": ts, "entry_id": ["1", "2", "3"],
    ...                        "kind": ["deposit", "withdrawal", "deposit"], "amount_cny": [100, 80, 50]})
    >>> int(fresh_money(ledger)["C"])
    100
    """
    flows = ledger[ledger["kind"].isin(["deposit", "withdrawal"])]
    flows = flows.sort_values(["client_id", "ts", "entry_id"], kind="stable")
    signed = flows["amount_cny"].where(flows["kind"] == "deposit", -flows["amount_cny"])
    running = signed.groupby(flows["client_id"], sort=False).cumsum()
    return running.groupby(flows["client_id"]).max().clip(lower=0)


def client_figures(case: Case, ledger: pd.DataFrame | None = None, trades: pd.DataFrame | None = None,
                   only: pd.Index | None = None) -> pd.DataFrame:
    """Every client's figures (contract.md), zeros for clients without entries.

    ``ledger`` (with ``amount_cny``) and ``trades`` default to the whole case; pass parts of
    them (e.g. one period) to get the figures of those entries only, and ``only`` to limit
    the rows to some clients.
    """
    ledger = ledger_in_cny(case) if ledger is None else ledger
    clients = case["clients"].set_index("client_id")
    if only is not None:
        clients = clients.loc[only]
    sums = (ledger.groupby(["client_id", "kind"])["amount_cny"].sum()
            .unstack(fill_value=0).rename(columns=KIND_FIGURES))
    figures = pd.DataFrame(index=clients.index)
    for column in KIND_FIGURES.values():
        figures[column] = sums[column] if column in sums else 0
    figures = figures.fillna(0).astype("int64")
    figures["trading_pnl"] = figures.pop("pnl") + figures.pop("adjustment")
    figures["net_deposit"] = figures["deposits"] - figures["withdrawals"]
    figures["client_loss"] = figures["fees"] + figures["overnight_fees"] - figures["trading_pnl"]
    # The loss counted only where the client lost: summed over clients it never lets one
    # client's gain offset another's loss.
    figures["client_losses"] = figures["client_loss"].clip(lower=0)
    figures["fresh_money"] = fresh_money(ledger).reindex(figures.index, fill_value=0).astype("int64")
    figures["turnover"] = client_turnover(case, trades).reindex(figures.index, fill_value=0).astype("int64")
    figures = figures[list(CLIENT_FIGURES)]
    figures.insert(0, "platform_id", clients["platform_id"])
    figures.insert(1, "agent_id", clients["agent_id"])
    return figures


def client_turnover(case: Case, trades: pd.DataFrame | None = None) -> pd.Series:
    """Σ notional of each client's trades, through the trading accounts the client owns."""
    owner = case["accounts"].dropna(subset=["client_id"]).set_index("account_id")["client_id"]
    trades = case["trades"] if trades is None else trades
    client = trades["account_id"].map(owner)
    return trades["notional"].astype("int64").groupby(client).sum()


def agent_ancestors(agents: pd.DataFrame) -> pd.DataFrame:
    """Every (agent_id, ancestor_id, distance) pair of the agent forest, the agent itself at 0.

    >>> agents = pd.DataFrame({"agent_id": ["A", "B", "C"], "parent_agent_id": [None, "A", "B"]})
    >>> agent_ancestors(agents).query("agent_id == 'C'")["ancestor_id"].tolist()
    ['C', 'B', 'A']
    """
    parent = agents.set_index("agent_id")["parent_agent_id"].dropna()
    level = pd.DataFrame({"agent_id": agents["agent_id"].to_numpy(), "ancestor_id": agents["agent_id"].to_numpy(),
                          "distance": 0})
    pairs = [level]
    # Validation guarantees a forest, so each step up ends within the tree's depth.
    while not level.empty:
        level = level.assign(ancestor_id=level["ancestor_id"].map(parent), distance=level["distance"] + 1)
        level = level.dropna(subset=["ancestor_id"])
        pairs.append(level)
    return pd.concat(pairs, ignore_index=True).sort_values(["agent_id", "distance"], kind="stable",
                                                           ignore_index=True)


def _sum_figures(figures: pd.DataFrame, by: pd.Series | str, prefix: str = "") -> pd.DataFrame:
    grouped = figures.groupby(by)
    sums = grouped[list(CLIENT_FIGURES)].sum()
    sums.insert(0, "n_clients", grouped.size())
    return sums.add_prefix(prefix)


def agent_subtree_totals(case: Case, clients: pd.DataFrame, ledger: pd.DataFrame) -> pd.DataFrame:
    """Per agent: own_* over its direct clients, subtree_* over every client below it, and
    the rebates and commissions it actually received (by ``beneficiary_agent_id``)."""
    agents = case["agents"]
    index = pd.Index(agents["agent_id"], name="agent_id")
    own = _sum_figures(clients.dropna(subset=["agent_id"]), "agent_id", "own_")
    ancestors = agent_ancestors(agents)
    reached = clients.dropna(subset=["agent_id"]).reset_index().merge(ancestors[["agent_id", "ancestor_id"]],
                                                                       on="agent_id")
    subtree = _sum_figures(reached, "ancestor_id", "subtree_")
    totals = pd.concat([own.reindex(index), subtree.reindex(index)], axis=1).fillna(0).astype("int64")
    paid = ledger[ledger["kind"].isin(["rebate", "commission"])]
    received = paid.groupby(["beneficiary_agent_id", "kind"])["amount_cny"].sum().unstack(fill_value=0)
    for kind, column in (("rebate", "rebate_received"), ("commission", "commission_received")):
        totals[column] = (received[kind] if kind in received else pd.Series(dtype="int64")).reindex(
            index, fill_value=0).astype("int64")
    totals["rebate_due"] = rebate_due(case, clients).reindex(index, fill_value=0).astype("int64")
    totals["rebate_mismatch"] = totals["rebate_received"] - totals["rebate_due"]
    totals.insert(0, "platform_id", agents.set_index("agent_id")["platform_id"])
    totals.insert(1, "depth", ancestors.groupby("agent_id")["distance"].max().reindex(index) + 1)
    return totals


def rebate_due(case: Case, clients: pd.DataFrame) -> pd.Series:
    """Per agent, the rebates its rate entitles it to: for every client below it, the client's
    ``fees`` times (its ``rebate_rate`` − the rate of its child on the path to the client; 0
    for the client's own agent), rounded half away from zero per client and agent. A missing
    rate counts as 0.

    >>> agents = pd.DataFrame({"agent_id": ["TOP", "MID"], "parent_agent_id": [None, "TOP"],
    ...                        "rebate_rate": [600_000, 400_000]})   # 0.6 and 0.4
    >>> clients = pd.DataFrame({"agent_id": ["MID"], "fees": [100_000]}, index=["C1"])
    >>> rebate_due_from(agents, clients).to_dict()
    {'MID': 40000, 'TOP': 20000}
    """
    return rebate_due_from(case["agents"], clients)


def rebate_due_from(agents: pd.DataFrame, clients: pd.DataFrame) -> pd.Series:
    """:func:`rebate_due` on plain frames (agents with ``rebate_rate`` in millionths)."""
    rate = agents.set_index("agent_id")["rebate_rate"].astype("Int64").fillna(0).astype("int64")
    path = agent_ancestors(agents)
    # The child of each ancestor on the path up from the client's agent is one step closer.
    below = path.assign(distance=path["distance"] + 1).rename(columns={"ancestor_id": "child_id"})
    path = path.merge(below, on=["agent_id", "distance"], how="left")
    path["differential"] = path["ancestor_id"].map(rate) - path["child_id"].map(rate).fillna(0).astype("int64")
    owed = clients.dropna(subset=["agent_id"])[["agent_id", "fees"]].merge(path, on="agent_id")
    owed["due"] = convert_fen(owed["fees"].to_numpy(), owed["differential"].to_numpy())
    return owed.groupby("ancestor_id")["due"].sum().rename_axis("agent_id").rename("rebate_due")


def platform_totals(case: Case, clients: pd.DataFrame) -> pd.DataFrame:
    """Per platform: the sums over its clients, its number of agents and the tree's depth."""
    index = pd.Index(case["platforms"]["platform_id"], name="platform_id")
    totals = _sum_figures(clients, "platform_id").reindex(index).fillna(0).astype("int64")
    agents = case["agents"]
    depth = agent_ancestors(agents).groupby("agent_id")["distance"].max() + 1
    per_platform = agents.assign(depth=agents["agent_id"].map(depth)).groupby("platform_id")
    totals.insert(1, "n_agents", per_platform.size().reindex(index, fill_value=0).astype("int64"))
    totals.insert(2, "agent_depth", per_platform["depth"].max().reindex(index, fill_value=0).astype("int64"))
    return totals


def known_gang_platforms(case: Case) -> pd.DataFrame:
    """(gang_id, platform_id, province) for the gangs already identified in gangs.csv."""
    gangs = case["gangs"]
    platforms = split_ids(gangs["platform_ids"].set_axis(gangs["gang_id"]))
    province = gangs.set_index("gang_id")["province"]
    return pd.DataFrame({"gang_id": platforms.index, "platform_id": platforms.to_numpy(),
                         "province": platforms.index.map(province)})


def vendor_of_account(vendors: pd.DataFrame) -> pd.Series:
    """account_id -> vendor_id for the vendors' own bank accounts (vendors.csv ``bank_account_ids``)."""
    own_accounts = split_ids(vendors["bank_account_ids"].set_axis(vendors["vendor_id"]))
    return pd.Series(own_accounts.index, index=own_accounts.to_numpy())


def vendor_totals(case: Case, transfers: pd.DataFrame, gang_accounts: pd.Index) -> pd.DataFrame:
    """Per vendor: ``license_income`` = Σ licence prices (in CNY) and ``license_income_bank`` =
    Σ bank transfers into the vendor's own accounts from accounts attributed to gangs."""
    vendors = case["vendors"]
    index = pd.Index(vendors["vendor_id"], name="vendor_id")
    licenses = licenses_in_cny(case)
    income = licenses["price_cny"].groupby(licenses["vendor_id"]).sum().reindex(index, fill_value=0)
    vendor_of = vendor_of_account(vendors)
    into_vendor = transfers[transfers["to_account"].isin(vendor_of.index)
                            & transfers["from_account"].isin(gang_accounts)]
    bank = into_vendor["amount_cny"].groupby(into_vendor["to_account"].map(vendor_of)).sum()
    return pd.DataFrame({"license_income": income.astype("int64"),
                         "license_income_bank": bank.reindex(index, fill_value=0).astype("int64")})


def person_clients(case: Case) -> pd.DataFrame:
    """(person_id, client_id): every client below any agent the person is, once."""
    acting = case["agents"].dropna(subset=["person_id"])[["agent_id", "person_id"]]
    ancestors = agent_ancestors(case["agents"])
    person_of_ancestor = ancestors.merge(acting, left_on="ancestor_id", right_on="agent_id",
                                         suffixes=("", "_of"))[["agent_id", "person_id"]]
    clients = case["clients"].dropna(subset=["agent_id"])[["client_id", "agent_id"]]
    return (clients.merge(person_of_ancestor, on="agent_id")[["person_id", "client_id"]]
            .drop_duplicates(ignore_index=True))


def received_by_person(case: Case, ledger: pd.DataFrame) -> pd.DataFrame:
    """Rebates and commissions paid to the agents each person is (every acting person listed)."""
    acting = case["agents"].dropna(subset=["person_id"]).set_index("agent_id")["person_id"]
    # map, not isin: pandas' Arrow strings make isin slow for many lookup values
    person = ledger["beneficiary_agent_id"].map(acting).rename("person_id")
    paid = ledger["kind"].isin(["rebate", "commission"]) & person.notna()
    sums = ledger[paid].groupby([person[paid], ledger.loc[paid, "kind"]])["amount_cny"].sum()
    sums = sums.unstack(fill_value=0).reindex(columns=["rebate", "commission"], fill_value=0)
    sums = sums.reindex(pd.Index(acting.unique(), name="person_id"), fill_value=0)
    return sums.rename(columns={"rebate": "rebate_received", "commission": "commission_received"})


def own_net_withdrawal(case: Case, ledger: pd.DataFrame) -> pd.Series:
    """Per person, withdrawals − deposits on the trading accounts they hold."""
    accounts = case["accounts"]
    held = accounts[(accounts["kind"] == "trading") & accounts["holder_person_id"].notna()]
    holder = held.set_index("account_id")["holder_person_id"]
    person = ledger["account_id"].map(holder).rename("person_id")
    own = person.notna() & ledger["kind"].isin(["deposit", "withdrawal"])
    signed = ledger.loc[own, "amount_cny"].where(ledger.loc[own, "kind"] == "withdrawal", -ledger.loc[own, "amount_cny"])
    return signed.groupby(person[own]).sum().rename("own_net_withdrawal")


def person_totals(case: Case, clients: pd.DataFrame, ledger: pd.DataFrame) -> pd.DataFrame:
    """Per person: the figures of the agents they are (each client below any of their agents
    counted once), what those agents received, and ``own_net_withdrawal``."""
    reached = person_clients(case).merge(clients, left_on="client_id", right_index=True)
    totals = _sum_figures(reached, "person_id", "subtree_")
    totals = totals.join(received_by_person(case, ledger), how="outer")
    totals = totals.join(own_net_withdrawal(case, ledger), how="outer")
    totals.index.name = "person_id"
    return totals.fillna(0).astype("int64").sort_index()


def suspect_persons(case: Case) -> pd.Index:
    """Persons who act as agents or hold a known role: the persons income.csv reports on
    (clients who are only clients are the victims)."""
    acting = case["agents"]["person_id"].dropna()
    members = case["memberships"]["person_id"].dropna()
    return pd.Index(sorted(set(acting) | set(members)), name="person_id")


def membership_windows(case: Case) -> pd.DataFrame:
    """Memberships with a period, as UTC bounds: from the start date's midnight to the end of
    the end date, in the case timezone (an open end stays open)."""
    memberships = case["memberships"]
    windows = memberships.dropna(subset=["start", "end"], how="all")[["person_id", "org_id", "role", "start", "end"]]
    timezone = case.config.timezone
    windows = windows.assign(
        since=windows["start"].dt.tz_localize(timezone).dt.tz_convert("UTC"),
        until=(windows["end"] + pd.Timedelta(days=1)).dt.tz_localize(timezone).dt.tz_convert("UTC"))
    return windows.reset_index(drop=True)


def person_window_totals(case: Case, ledger: pd.DataFrame) -> pd.DataFrame:
    """:func:`person_totals` per membership period, counting only entries and trades inside it
    ("during tenure"); one row per person_id, org_id, role, window_start, window_end."""
    reached = person_clients(case).groupby("person_id")["client_id"].apply(list)
    owner = case["accounts"].dropna(subset=["client_id"]).set_index("account_id")["client_id"]
    trades = case["trades"]
    # Row positions per client, so each period touches only its person's clients' rows.
    entries_of = ledger.groupby("client_id").indices
    trades_of = trades.groupby(trades["account_id"].map(owner)).indices
    paid_of = ledger.groupby("beneficiary_agent_id").indices
    agents_of = case["agents"].dropna(subset=["person_id"]).groupby("person_id")["agent_id"].apply(list)
    held = case["accounts"][case["accounts"]["kind"] == "trading"].dropna(subset=["holder_person_id"])
    own_accounts = held.groupby("holder_person_id")["account_id"].apply(list)
    entries_on = ledger.groupby("account_id").indices

    def rows_of(index_of: dict, keys) -> np.ndarray:
        parts = [index_of[k] for k in keys if k in index_of]
        return np.concatenate(parts) if parts else np.array([], dtype=np.int64)

    rows = []
    for window in membership_windows(case).itertuples(index=False):
        def inside(frame: pd.DataFrame) -> pd.DataFrame:
            keep = pd.Series(True, index=frame.index)
            if pd.notna(window.since):
                keep &= frame["ts"] >= window.since
            if pd.notna(window.until):
                keep &= frame["ts"] < window.until
            return frame[keep]

        mine = pd.Index(reached.get(window.person_id, []), name="client_id")
        entries = inside(ledger.iloc[rows_of(entries_of, mine)])
        figures = client_figures(case, entries, inside(trades.iloc[rows_of(trades_of, mine)]), only=mine)
        sums = _sum_figures(figures.assign(person_id=window.person_id), "person_id", "subtree_")
        paid = inside(ledger.iloc[rows_of(paid_of, agents_of.get(window.person_id, []))])
        own_rows = ledger.iloc[rows_of(entries_on, own_accounts.get(window.person_id, []))]
        row = pd.concat([sums.reindex([window.person_id], fill_value=0),
                         received_by_person(case, paid).reindex([window.person_id], fill_value=0),
                         own_net_withdrawal(case, inside(own_rows)).reindex([window.person_id], fill_value=0)],
                        axis=1).iloc[0].to_dict()
        rows.append({"person_id": window.person_id, "org_id": window.org_id, "role": window.role,
                     "window_start": window.start, "window_end": window.end, **row})
    keys = ["person_id", "org_id", "role", "window_start", "window_end"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=keys)
