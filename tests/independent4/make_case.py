#!/usr/bin/env python3
"""Independent synthetic case generator #4 for casegraph. See NOTES.md.
usage: make_case.py --out DIR --seed INT [--gangs N] [--clients N]"""
import argparse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gen import world, agents, infra, groups, extra, noise, indep, truth, figures  # noqa: E402
from gen.io import Out  # noqa: E402
from gen.logins import Logins  # noqa: E402
from gen.market import Market  # noqa: E402
from gen.model import World  # noqa: E402
from gen.money import Money  # noqa: E402
from gen.sim import Sim  # noqa: E402
from gen.util import Rng  # noqa: E402
from gen.write import write_static  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--gangs", type=int, default=27)
    ap.add_argument("--clients", type=int, default=12000)
    a = ap.parse_args(argv)
    if a.gangs < 8:
        ap.error("--gangs must be at least 8 (the special gang shapes need them)")
    t0 = time.time()
    if os.path.isdir(a.out):
        shutil.rmtree(a.out)
    w = World(Rng(a.seed), a.gangs, a.clients)
    w.seed = a.seed
    world.build(w)
    agents.build(w)
    mk = Market(w.rng.child("market"))
    groups.before_sim(w, mk)
    agents.number(w)
    infra.build(w)
    w.plat_gang = {p.pid: p.gang for p in w.platforms}
    w.platform_accounts = {}
    for p in w.platforms:
        for m in p.mothers + p.subs:
            w.platform_accounts[m.aid] = p.gang
    out = Out(a.out)
    money = Money(w, out)
    logins = Logins(w, out)
    sim = Sim(w, mk, out, money, logins)
    sim.run()
    extra.build(w, money, mk)
    money.finish(sim)
    groups.after_sim(w, mk, sim.td, money, logins)
    indep.build(w, mk, sim.td, logins)
    noise.build(w, money)
    logins.finish(w)
    w.money_rows = money.rows_f
    write_static(w, out, mk)
    out.close()
    truth.assign(w)
    truth.write(w, a.out)
    figures.write(w, sim, mk, a.out)
    counts = out.counts()
    w.notes["freelancer"] = dict(person=getattr(w, "freelancer", ""), truth_gang=w.member_of.get(
        getattr(w, "freelancer", ""), ""), platforms=[a.platform for a in w.agents if a.person == getattr(
            w, "freelancer", None)])
    w.notes["agent_traders"] = sum(1 for c in w.clients if c.kind == "agent_trader")
    w.notes["movers"] = sum(1 for c in w.clients if c.kind == "mover")
    w.notes["households"] = len(w.hh_index)
    w.notes["runner_cards"] = len(w.runners)
    w.notes["independent_traders"] = len(w.independents)
    w.notes["fake_trades"] = len(sim.td.fake)
    notes = dict(seed=a.seed, gangs=a.gangs, clients_arg=a.clients, client_records=len(w.clients),
                 rows=counts, total_rows=sum(counts.values()), **w.notes)
    with open(os.path.join(a.out, "truth", "notes.json"), "w", encoding="utf-8") as f:
        json.dump(notes, f, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    print("%s: %d rows in %d tables, %d client records, %.1f s" % (a.out, notes["total_rows"], len(counts),
                                                                   len(w.clients), time.time() - t0))


if __name__ == "__main__":
    main()
