"""Independent synthetic case generator for casegraph.

usage: python make_case.py --out DIR --seed N [--gangs 20] [--clients 6000]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gen import agents, clients_sim, infra, logins, money, noise, trading, world  # noqa: E402
from gen.market import Market  # noqa: E402
from gen.write import write_case  # noqa: E402


def build(seed, n_gangs, n_clients):
    w = world.World(seed, n_gangs, n_clients)
    world.build_vendor(w)
    world.plan_gangs(w)
    for g in w.gangs:
        world.build_gang(w, g)
    for g in w.gangs:
        agents.build_agents(w, g)
    agents.build_clients(w)
    # one platform keeps client money in USD (whole hundreds), converted with fx_rates
    real = [p for p in w.platforms.values() if p["_kind"] == "real" and not p["_gang"]["tiny"]]
    usd = w.r.choice(real)
    usd["_usd"] = True
    w.notes.append("USD-denominated platform: %s" % usd["platform_id"])
    infra.build_vendor_accounts(w)
    for g in w.gangs:
        infra.build_gang_accounts(w, g)
    infra.build_client_accounts(w)
    infra.build_third_parties(w)
    w.market = Market(w)
    w.money = money.Money(w)
    sim = clients_sim.ClientSim(w, w.market)
    for c in list(w.t["clients"]):
        sim.run(c)
    sim.flush_rewards()
    w.money.layering()
    w.money.licence_payments()
    w.money.reward_payouts()
    w.money.salaries()
    trading.route_platform_trades(w)
    trading.build_independents(w)
    trading.build_groups(w)
    noise.ordinary_transfers(w)
    noise.coincidences(w)
    lg = logins.Logins(w)
    lg.clients()
    lg.gang_side()
    lg.broker_side()
    return w


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--gangs", type=int, default=20)
    ap.add_argument("--clients", type=int, default=6000)
    a = ap.parse_args(argv)
    if a.gangs < 4 or a.clients < a.gangs * 20:
        ap.error("need --gangs >= 4 and --clients >= 20 * gangs")
    w = build(a.seed, a.gangs, a.clients)
    counts = write_case(w, a.out, "INDEP-%d" % a.seed)
    summary = {"counts": counts, "notes": w.notes,
               "groups": [{"group_id": g["group_id"], "gang": g["gang"]["gang_id"], "controller": g["controller"],
                           "n_accounts": len(g["accounts"]), "self_trades": g.get("self_trades", 0),
                           "self_trade_qty": g.get("self_qty", 0), "start": str(g["start"].date()),
                           "end": str(g["end"].date()), "funding_cards": g["funding"]} for g in w.groups],
               "gangs": [{"gang_id": g["gang_id"], "province": g["province"], "platforms": len(g["platforms"]),
                          "clients": g["n_clients"], "fraud": g["is_fraud"], "status": g["status"],
                          "depth": g["depth"]} for g in w.gangs],
               "shared": w.shared_infra, "payco_gangs": sorted(w.payco_gangs),
               "multi_gang_clients": w.multi_gang_clients}
    with open(os.path.normpath(a.out) + ".summary.json", "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=1)
    for k, v in counts.items():
        print("%-24s %8d" % (k, v))


if __name__ == "__main__":
    main()
