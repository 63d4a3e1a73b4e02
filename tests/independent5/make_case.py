#!/usr/bin/env python3
"""Independent synthetic case generator #5 for casegraph.

make_case.py --out DIR --seed INT [--gangs N] [--clients N]
"""
import argparse
import json
import os
import random
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen import world, licences, agents, sim, money, extra, logins, gaps, write, truth, income  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', type=int, required=True)
    ap.add_argument('--gangs', type=int, default=27)
    ap.add_argument('--clients', type=int, default=12000)
    a = ap.parse_args()
    t0 = time.time()
    w = world.World(random.Random(a.seed), a.gangs, a.clients)
    w.seed = a.seed
    world.build_vendor(w)
    world.plan_gangs(w)
    for g in w.gangs:
        world.staff_gang(w, g)
    world.build_platforms(w)
    licences.build_licenses(w)
    agents.build_agents(w)
    agents.dual_clients(w)
    agents.build_memberships(w)
    sim.build_market(w)
    sim.build_broker(w)
    sim.simulate(w)
    sim.settle(w)
    money.build_third_parties(w)
    money.bank_flows(w)
    extra.build_groups(w)
    extra.independent_traders(w)
    extra.brothers(w)
    extra.noise(w)
    logins.build_logins(w)
    gaps.rolled_over_backend(w)
    write.finalize_ids(w)
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.makedirs(a.out)
    write.write_tables(w, a.out)
    truth.write_truth(w, a.out)
    income.write_income(w, a.out)
    n = dict(w.notes)
    n['platforms_without_admin_logs'] = [p['pid'] for p in w.platforms if not p['logs']]
    n['member_units'] = {g['gid']: g['host'] for g in w.gangs if g['kind'] == 'unit'}
    n['deposit_modes'] = {g['gid']: [g['deposit_mode'], g['agg_share'] if g['deposit_mode'] == 'agg' else None] for g in w.gangs}
    n['family_gangs'] = [g['gid'] for g in w.gangs if g['family']]
    n['ledger_deposit_withdrawal_rows_unlinked'] = w.n_unlinked
    n['transfers_generated'] = len(w.transfers)
    n['transfers_in_hand'] = len(w.bank_rows)
    with open(os.path.join(a.out, 'truth', 'notes.json'), 'w', encoding='utf-8') as f:
        json.dump(n, f, ensure_ascii=False, indent=1, sort_keys=True)
    print(f"{a.out}: {len(w.gangs)} gangs, {len(w.platforms)} platforms, {len(w.clients)} clients, "
          f"{len(w.led_rows)} ledger, {len(w.trade_rows)} trades, {len(w.fill_rows)} fills, "
          f"{len(w.bank_rows)} transfers, {len(w.logins)} logins in {time.time() - t0:.1f} s")


if __name__ == '__main__':
    main()
