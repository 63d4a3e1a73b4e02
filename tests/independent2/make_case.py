#!/usr/bin/env python3
"""Independent synthetic case generator #2 for casegraph.

    python make_case.py --out DIR --seed N [--gangs G] [--clients C]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gen import agents, groups, infra, logins, money, sim, truth, world, write  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--gangs", type=int, default=24)
    ap.add_argument("--clients", type=int, default=8000)
    a = ap.parse_args(argv)
    if a.gangs < 4 or a.clients < 200:
        ap.error("need at least 4 gangs and 200 clients")
    t0 = time.time()
    w = world.World(a.seed, a.gangs, a.clients)
    world.build_vendor(w)
    world.build_gangs(w)
    world.build_staff(w)
    world.build_licenses_memberships(w)
    agents.build_agents(w)
    agents.build_movers(w)
    agents.build_clients(w)
    infra.build_infra(w)
    sim.build_market(w)
    sim.simulate(w)
    money.build_money(w)
    groups.build_groups(w)
    logins.build_logins(w)
    write.apply_gaps(w)
    n = write.write_tables(w, a.out)
    write.write_yaml(w, a.out)
    n.update(truth.write_truth(w, a.out))
    for k, v in n.items():
        print("%-36s %9d rows" % (k, v))
    print("done in %.1f s -> %s" % (time.time() - t0, a.out))


if __name__ == "__main__":
    main()
