#!/usr/bin/env python3
"""Independent synthetic case generator #3 for casegraph.

usage: make_case.py --out DIR --seed INT [--gangs N] [--clients N]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gen import agents, gaps, groups, infra, logins, market, money, noise, sim, staff, truth, world, write  # noqa


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--gangs", type=int, default=26)
    ap.add_argument("--clients", type=int, default=12000)
    a = ap.parse_args(argv)
    if a.gangs < 6:
        ap.error("--gangs must be at least 6")
    t0 = time.time()
    w = world.World(a.seed, a.gangs, a.clients)
    w.seed_label = "s%d-g%d-c%d" % (a.seed, a.gangs, a.clients)
    world.build_top(w)
    staff.build_staff(w)
    agents.build_agents(w)
    infra.build_infra(w)
    infra.client_accounts(w)
    for c in w.clients.values():                  # some back ends never captured a real name
        c["hide_person"] = w.r.chance(0.05)
    m = market.Market(a.seed + 17)
    sim.simulate(w, m)
    gaps.plan_gaps(w)
    groups.build_groups(w, m)
    sim.flush(w)
    money.client_flows(w)
    money.gang_flows(w)
    noise.build_noise(w, m)
    logins.build_logins(w)
    gaps.apply_gaps(w)
    counts = write.write_case(w, m, a.out, market.fx_rows(m))
    n_truth = truth.write_truth(w, a.out)
    total = sum(counts.values())
    for k in sorted(counts):
        print("%-20s %9d" % (k, counts[k]))
    print("%-20s %9d rows; truth/gangs.csv %d rows; %.1f s" % ("total", total, n_truth, time.time() - t0))


if __name__ == "__main__":
    main()
