"""truth/: who belongs to which gang, the account groups, and the expected figures of
contract.md "Figures", computed here from the generator's own records with plain Python
integers (nothing from casegraph.loaders, graphs or queries), for tests and scoring."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from casegraph.money import format_fen

from . import names as nm
from .clock import day_text, month_start_day
from .world import ADJUSTMENT, COMMISSION, DEPOSIT, ENTITY_TYPE_OF_KIND, FEE, OVERNIGHT, PNL, REBATE, WITHDRAWAL, World
from .write import VENDOR_ID, Ids, write_csv

CLIENT_FIGURES = ("deposits", "withdrawals", "fees", "overnight_fees", "rebates_paid", "commissions_paid",
                  "trading_pnl", "net_deposit", "client_loss", "fresh_money", "turnover")
SUMMED = ("deposits", "withdrawals", "fees", "overnight_fees", "net_deposit", "client_loss", "fresh_money",
          "turnover", "rebates_paid", "commissions_paid")


def client_figures(world: World, ids: Ids) -> dict[str, list[int]]:
    """Per client, in CNY fen after conversion (figure -> list indexed by client). The figures
    are those the written case supports: without trades.csv the turnover is 0."""
    n = world.n_clients
    led = world.ledger
    by_kind = {k: [0] * n for k in range(8)}
    for c, k, v in zip(led.client, led.kind, led.cny):
        by_kind[k][c] += v
    turnover = [0] * n
    if "trades" not in world.options.dropped:
        for c, v in zip(world.trades.client, world.trades.notional):
            turnover[c] += v
    # fresh money: running deposits - withdrawals in entry order (ts, then entry_id)
    running, peak = [0] * n, [0] * n
    kinds = led.np("kind")
    moves = np.flatnonzero((kinds == DEPOSIT) | (kinds == WITHDRAWAL))
    clients, cny = led.client, led.cny
    for i in moves[np.argsort(ids.ledger_rank[moves], kind="stable")].tolist():
        c = clients[i]
        running[c] += cny[i] if kinds[i] == DEPOSIT else -cny[i]
        if running[c] > peak[c]:
            peak[c] = running[c]
    f = {
        "deposits": by_kind[DEPOSIT], "withdrawals": by_kind[WITHDRAWAL], "fees": by_kind[FEE],
        "overnight_fees": by_kind[OVERNIGHT], "rebates_paid": by_kind[REBATE],
        "commissions_paid": by_kind[COMMISSION],
        "trading_pnl": [a + b for a, b in zip(by_kind[PNL], by_kind[ADJUSTMENT])],
        "fresh_money": peak, "turnover": turnover,
    }
    f["net_deposit"] = [d - w for d, w in zip(f["deposits"], f["withdrawals"])]
    f["client_loss"] = [a + b - p for a, b, p in zip(f["fees"], f["overnight_fees"], f["trading_pnl"])]
    return f


def _path(world: World, c: int) -> list[int]:
    out, a = [], int(world.c_agent[c])
    while a >= 0:
        out.append(a)
        a = world.agents[a].parent
    return out


def _group_sums(members: list[list[int]], f: dict[str, list[int]]) -> list[dict[str, int]]:
    rows = []
    for clients in members:
        row = {k: sum(f[k][c] for c in clients) for k in SUMMED}
        row["client_losses"] = sum(max(f["client_loss"][c], 0) for c in clients)
        row["n_clients"] = len(clients)
        rows.append(row)
    return rows


def write_truth(world: World, ids: Ids, out: Path) -> dict[str, object]:
    """Write truth/*.csv; returns totals for the summary (fen)."""
    t = out / "truth"
    W = world
    n = W.n_clients
    f = client_figures(W, ids)
    counts: dict[str, int] = {}
    counts["truth/expected_clients.csv"] = write_csv(
        t / "expected_clients.csv", ("client_id",) + CLIENT_FIGURES,
        ((ids.client[c],) + tuple(format_fen(f[k][c]) for k in CLIENT_FIGURES) for c in range(n)))
    # agents: own (direct clients) and subtree (every client below), received and due
    n_agents = len(W.agents)
    own: list[list[int]] = [[] for _ in range(n_agents)]
    subtree: list[list[int]] = [[] for _ in range(n_agents)]
    due = [0] * n_agents
    for c in range(n):
        path = _path(W, c)
        if path:
            own[path[0]].append(c)
        child_rate = 0
        for a in path:
            subtree[a].append(c)
            rate = W.agents[a].rate_e4
            due[a] += (f["fees"][c] * (rate - child_rate) + 5_000) // 10_000
            child_rate = rate
    received = {REBATE: [0] * n_agents, COMMISSION: [0] * n_agents}
    for k, a, v in zip(W.ledger.kind, W.ledger.agent, W.ledger.cny):
        if a >= 0:
            received[k][a] += v
    own_sums, sub_sums = _group_sums(own, f), _group_sums(subtree, f)
    header = (("agent_id",) + tuple(f"own_{k}" for k in SUMMED) + tuple(f"subtree_{k}" for k in SUMMED)
              + ("rebate_received", "commission_received", "rebate_due", "rebate_mismatch", "own_n_clients",
                 "subtree_n_clients"))
    counts["truth/expected_agents.csv"] = write_csv(t / "expected_agents.csv", header, (
        (ids.agent[a],) + tuple(format_fen(own_sums[a][k]) for k in SUMMED)
        + tuple(format_fen(sub_sums[a][k]) for k in SUMMED)
        + (format_fen(received[REBATE][a]), format_fen(received[COMMISSION][a]), format_fen(due[a]),
           format_fen(received[REBATE][a] - due[a]), own_sums[a]["n_clients"], sub_sums[a]["n_clients"])
        for a in range(n_agents)))
    # platforms and gangs
    tail = SUMMED + ("client_losses", "n_clients", "n_agents")
    per_platform: list[list[int]] = [[] for _ in W.platforms]
    for c in range(n):
        per_platform[int(W.c_platform[c])].append(c)
    psums = _group_sums(per_platform, f)
    for p, row in zip(W.platforms, psums):
        row["n_agents"] = len(p.agents)
    counts["truth/expected_platforms.csv"] = write_csv(
        t / "expected_platforms.csv", ("platform_id", "gang_id") + tail,
        ((p.platform_id, ids.gang[p.gang]) + _figures(row, tail) for p, row in zip(W.platforms, psums)))
    gsums = _group_sums([[c for pi in g.platforms for c in per_platform[pi]] for g in W.gangs], f)
    for g, row in zip(W.gangs, gsums):
        row["n_agents"] = sum(len(W.platforms[pi].agents) for pi in g.platforms)
    counts["truth/expected_gangs.csv"] = write_csv(
        t / "expected_gangs.csv", ("gang_id", "province", "is_fraud", "platform_ids") + tail,
        ((g.gang_id, nm.PROVINCES[g.province][0], _bool(g.fraud), ";".join(ids.platform[p] for p in g.platforms))
         + _figures(row, tail) for g, row in zip(W.gangs, gsums)))
    # the vendor
    license_income = sum(lic.price_fen for lic in W.licenses)
    vendor = set(W.vendor_accounts)
    tr = W.transfers
    bank_income = sum(v for s, d, v in zip(tr.src, tr.dst, tr.amount)
                      if d in vendor and W.a_gang[s] >= 0)
    counts["truth/expected_vendors.csv"] = write_csv(
        t / "expected_vendors.csv", ("vendor_id", "license_income", "license_income_bank"),
        [(VENDOR_ID, format_fen(license_income), format_fen(bank_income))])
    counts["truth/gangs.csv"] = write_csv(
        t / "gangs.csv", ("entity_id", "entity_type", "gang_id", "province", "is_fraud"), _membership_rows(W, ids))
    counts["truth/account_groups.csv"] = write_csv(
        t / "account_groups.csv", ("account_id", "group_id", "controller_id"),
        ((ids.account[acc], f"AG{g + 1:02d}", ids.person[controller])
         for g, (controller, accounts) in enumerate(W.groups) for acc in accounts))
    counts["truth/rebate_anomalies.csv"] = write_csv(
        t / "rebate_anomalies.csv", ("agent_id", "client_id", "month", "kind", "amount"),
        ((ids.agent[a], ids.client[c], day_text(month_start_day(m))[:7], kind, format_fen(amount))
         for a, c, m, kind, amount in W.rebate_anomalies))
    refs = {"person": ids.person, "account": ids.account, "agent": ids.agent}
    counts["truth/hard_cases.csv"] = write_csv(
        t / "hard_cases.csv", ("kind", "entity_ids", "gang_ids"),
        ((kind, ";".join(refs[e][i] for e, i in entities), ";".join(ids.gang[g] for g in gangs))
         for kind, entities, gangs in W.hard_cases))
    fraud_clients = [c for p in W.platforms if p.fraud for c in per_platform[p.idx]]
    return {
        "counts": counts,
        "deposits": sum(f["deposits"]),
        "fees": sum(f["fees"]) + sum(f["overnight_fees"]),
        "license_income": license_income,
        "license_income_bank": bank_income,
        "fraud_client_loss": sum(f["client_loss"][c] for c in fraud_clients),
    }


def _bool(v: bool) -> str:
    return "true" if v else "false"


def _figures(row: dict[str, int], keys: tuple[str, ...]) -> tuple:
    return tuple(row[k] if k.startswith("n_") else format_fen(row[k]) for k in keys)


def _membership_rows(W: World, ids: Ids):
    """Every person, account, platform and agent; gang_id empty for clients, the vendor, noise."""
    def gang_cols(g: int) -> tuple[str, str, str]:
        if g < 0:
            return "", "", "false"
        gang = W.gangs[g]
        return gang.gang_id, nm.PROVINCES[gang.province][0], _bool(gang.fraud)

    rows = [(ids.person[i], "person") + gang_cols(g) for i, g in enumerate(W.p_gang)]
    rows += [(ids.account[i], ENTITY_TYPE_OF_KIND[k]) + gang_cols(W.a_gang[i]) for i, k in enumerate(W.a_kind)]
    rows += [(p.platform_id, "platform") + gang_cols(p.gang) for p in W.platforms]
    rows += [(a.agent_id, "agent") + gang_cols(W.platforms[a.platform].gang) for a in W.agents]
    rows.sort(key=lambda r: (r[1], r[0]))
    return rows
