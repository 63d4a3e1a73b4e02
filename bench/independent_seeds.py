"""Discovery on the five case generators written independently of casegraph (tests/independent*/
make_case.py) at seeds of your choosing: each case generated once into --cache, analysed by the
memory engine, scored as bench/discovery.py scores (discovery_scores), and held to the floors
tests/test_independent_case.py holds that generator to. The tests run a few fixed seeds; a rule
tuned to them shows here, on seeds nobody looked at, what it does to cases it was not made on.

    .venv/bin/python bench/independent_seeds.py --seeds 21,22                 # every generator
    .venv/bin/python bench/independent_seeds.py --generators fourth --seeds 3 --arguments "--gangs 34 --clients 40000"

One markdown row per case: the gang ARI (plain and reachable), gangs found / with their
province / in truth, outsiders and clients in gangs, the account groups' F1, controllers and
fronts, and the floors it falls short of ("-" for none).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path

from discovery import discovery_scores

from casegraph.loaders.case import load_case
from casegraph.queries.memory.engine import analyze_case

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))
from test_independent_case import FIFTH, FIRST, FOURTH, SECOND, THIRD, truth_entities  # noqa: E402

GENERATORS = {"first": FIRST, "second": SECOND, "third": THIRD, "fourth": FOURTH, "fifth": FIFTH}


def case_for(generator: str, seed: int, arguments: list[str], cache: Path) -> Path:
    """The generator's case of ``seed`` (and ``arguments``), generated into ``cache`` once."""
    folder = cache / "-".join([generator, str(seed), *(part.lstrip("-") for part in arguments)])
    if not (folder / "truth" / "gangs.csv").is_file():
        GENERATORS[generator].generate(folder, ["--seed", str(seed), *arguments])
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generators", default=",".join(GENERATORS),
                        help=f"comma-separated, of {', '.join(GENERATORS)}")
    parser.add_argument("--seeds", default="21,22", help="comma-separated seeds")
    parser.add_argument("--arguments", default="", help="more arguments for make_case.py, e.g. \"--gangs 34\"")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "casegraph-independent-seeds")
    args = parser.parse_args()
    print("| generator | seed | ARI | reachable | gangs found | with province | outsiders | clients | groups F1 "
          "| controllers | fronts | short of |\n" + "| --- " * 12 + "|", flush=True)
    for generator in args.generators.split(","):
        for seed in (int(seed) for seed in args.seeds.split(",")):
            folder = case_for(generator, seed, shlex.split(args.arguments), args.cache)
            case = load_case(folder)
            s = discovery_scores(case, analyze_case(case))
            short = GENERATORS[generator].shortfalls(s, entities=truth_entities(folder))
            print(f"| {generator} | {seed} | {s['ari']:.4f} | {s['ari_reachable']:.4f} | "
                  f"{s['gangs_found']}/{s['truth_gangs']} | {s['gangs_found_with_province']} | "
                  f"{s['outsiders_made_members']} | {s['clients_made_members']} | {s['groups_f1']:.4f} | "
                  f"{'yes' if s['controllers_right'] else 'no'} | {'ok' if s['fraud_right'] else 'WRONG'} | "
                  f"{'; '.join(short['gangs'] + short['groups']) or '-'} |", flush=True)


if __name__ == "__main__":
    main()
