"""Synthetic case folders modelled on the Shanghai overseas-futures case (domain.md §1).

``generate_case(out_dir, scale, seed)`` writes case.yaml, every table of case-format.md and a
``truth/`` folder (gang membership, account groups, expected figures). The output is a pure
function of (scale, seed, variants, dropped tables): re-running writes byte-identical files.
``variants`` (see :data:`VARIANTS`) break the generator's own habits; ``drop_tables`` leaves
optional evidence out (:data:`DROPPABLE`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from casegraph.progress import SILENT, Progress

from .scales import SCALES, Scale, resolve_scale
from .variants import DROPPABLE, VARIANTS, Options

__all__ = ["DROPPABLE", "SCALES", "VARIANTS", "Scale", "generate_case", "resolve_scale"]


def generate_case(out_dir: Path, scale: str | int = "seed", seed: int = 7, *, variants: Iterable[str] = (),
                  drop_tables: Iterable[str] = (), progress: Progress = SILENT) -> dict:
    """Write a complete synthetic case folder into ``out_dir``; return a summary.

    The summary holds ``rows`` (data rows per written file, truth files included) and totals
    in fen: ``deposits``, ``fees`` (fee + overnight_fee), ``license_income``,
    ``license_income_bank`` and ``fraud_client_loss`` (Σ client_loss of the fraud
    platform's clients), all in CNY after conversion. An unknown variant or table to drop
    raises ValueError.

    >>> generate_case("/tmp/case", "tiny", seed=3, variants=["agents_offline"],
    ...               drop_tables=["memberships"])["rows"]["agents.csv"]   # doctest: +SKIP
    61
    """
    # The simulation's modules (pandas and all) load here: the command line imports this
    # package for VARIANTS, and `casegraph validate` should not pay for them.
    import numpy as np

    from .activity import make_clients, make_fx, make_prices, noise_transfers, pay_agents, simulate_clients, sweep_money
    from .broker import account_groups, decoys
    from .logins import make_logins
    from .network import Tokens, build_network
    from .truth import write_truth
    from .world import World
    from .write import Ids, write_case

    sc = resolve_scale(scale)
    options = Options.of(variants, drop_tables)
    out = Path(out_dir)
    rng = np.random.default_rng(seed)
    world = World(n_clients=sc.n_clients, options=options)
    tokens = Tokens(rng)
    make_fx(world, rng)
    prices = make_prices(rng)
    build_network(world, rng, sc, tokens)
    make_clients(world, rng)
    with progress.step("clients' deposits, trades and fees", total=sc.n_clients) as advance:
        flows = simulate_clients(world, rng, prices, advance)
    with progress.step("agents' pay, money sweeps, account groups, logins"):
        pay_agents(world, rng, flows["outflow"])
        sweep_money(world, rng, flows["inflow"], flows["outflow"])
        noise_transfers(world, rng)
        account_groups(world, rng, prices, tokens)
        decoys(world, rng, prices, tokens)
        make_logins(world, rng, tokens)
    with progress.step("writing the case and its truth/"):
        ids = Ids(world, rng)
        rows = write_case(world, ids, out, case_id=f"SIM-{sc.name}-{seed}")
        totals = write_truth(world, ids, out)
    rows.update(totals.pop("counts"))
    return {"out_dir": str(out), "scale": sc.name, "seed": seed, "n_clients": sc.n_clients,
            "variants": sorted(options.variants), "dropped": sorted(options.dropped), "rows": rows, **totals}
