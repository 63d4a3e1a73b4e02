"""Account groups and fake trades at seed scale: quality against truth/ and run times.

    .venv/bin/python bench/groups.py                          # seeds 7, 1, 2, 3; memory engine
    .venv/bin/casegraph neo4j start
    .venv/bin/python bench/groups.py --neo4j                   # and the Neo4j engine on the first seed
    .venv/bin/python bench/groups.py --cases /tmp/cases --neo4j --skip-load   # reuse cases and the load
    .venv/bin/python bench/groups.py --scale tiny,small,seed   # several scales, same seeds
    .venv/bin/python bench/groups.py --scale 200000 --seeds 11 --groups-only   # 10x seed: groups alone

Per scale and seed: pairwise precision / recall / F1 of the account groups against
truth/account_groups.csv, whether every true group's controller is found, the evidence links
kept against chance, whether the fraud platform (truth/gangs.csv) is flagged with no other,
and the seconds of each function (``--groups-only``: the account groups alone). With
``--neo4j``: the same functions in Cypher on the first case (loaded first unless
``--skip-load``), and whether both engines return the same frames.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from functools import partial
from pathlib import Path

import pandas as pd

from casegraph.generator import generate_case
from casegraph.loaders.case import Case, load_case
from casegraph.queries.memory.account_groups import account_groups
from casegraph.queries.memory.fake_trades import fake_trades, platform_fraud
from casegraph.queries.quality import grouping_scores


def timed(work):
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def controllers_found(groups: pd.DataFrame, truth: pd.DataFrame) -> bool:
    """Every true group's controller is the controller of the found group holding most of it."""
    joined = truth.merge(groups, on="account_id", how="left", suffixes=("_true", ""))
    for _, rows in joined.groupby("group_id_true"):
        found = rows["group_id"].mode()
        if len(found) != 1:
            return False
        controller = rows.loc[rows["group_id"] == found[0], "controller_id"].iloc[0]
        if pd.isna(controller) or controller != rows["controller_id_true"].iloc[0]:  # unknown is not right
            return False
    return True


def fraud_verdict(folder: Path, fraud: pd.DataFrame) -> str:
    truth = pd.read_csv(folder / "truth" / "gangs.csv", dtype=str)
    true = set(truth.loc[(truth["entity_type"] == "platform") & (truth["is_fraud"] == "true"), "entity_id"])
    flagged = set(fraud.index[fraud["is_fraud"]])
    return f"fraud platform {'found' if true <= flagged else 'MISSED'} ({', '.join(sorted(true))}), " \
           f"{len(flagged - true)} false"


def group_scores(groups: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """quality.csv's pairwise scores over every account the truth or the analysis groups."""
    accounts = pd.Index(sorted(set(truth["account_id"]) | set(groups["account_id"])))
    return grouping_scores(truth.set_index("account_id")["group_id"].reindex(accounts),
                           groups.drop_duplicates("account_id").set_index("account_id")["group_id"].reindex(accounts))


def memory_run(folder: Path, groups_only: bool = False) -> tuple[Case, dict[str, pd.DataFrame]]:
    case, read = timed(lambda: load_case(folder))
    groups, t_groups = timed(lambda: account_groups(case))
    truth = pd.read_csv(folder / "truth" / "account_groups.csv", dtype=str)
    scores = group_scores(groups, truth)
    kinds = groups["evidence"].str.findall(r"(?:^|;)([a-z_]+):").explode().value_counts()
    print(f"  groups: {groups['group_id'].nunique()} found / {truth['group_id'].nunique()} true; "
          f"P {scores['pairwise_precision']:.3f} R {scores['pairwise_recall']:.3f} "
          f"F1 {scores['pairwise_f1']:.3f}; controllers {'all right' if controllers_found(groups, truth) else 'WRONG'}")
    print(f"  evidence items kept: {', '.join(f'{kind} {n}' for kind, n in kinds.items())}")
    if groups_only:
        print(f"  memory: read {read:.1f} s; account_groups {t_groups:.2f} s")
        return case, {"groups": groups}
    fake, t_fake = timed(lambda: fake_trades(case))
    fraud, t_fraud = timed(lambda: platform_fraud(case, fake))
    print(f"  {fraud_verdict(folder, fraud)}; {len(fake):,} fake trades")
    print(f"  memory: read {read:.1f} s; account_groups {t_groups:.2f} s, fake_trades {t_fake:.2f} s, "
          f"platform_fraud {t_fraud:.2f} s")
    return case, {"groups": groups, "fake": fake, "fraud": fraud}


def neo4j_run(case: Case, frames: dict[str, pd.DataFrame], skip_load: bool) -> None:
    import neo4j

    from casegraph.loaders.neo4j import load_into_neo4j
    from casegraph.queries.neo4j import account_groups, fake_trades
    from casegraph.queries.neo4j.runner import CypherRunner
    from casegraph.server import connection_settings

    settings = connection_settings()
    with neo4j.GraphDatabase.driver(settings.uri, auth=settings.auth) as driver:
        if not skip_load:
            _, seconds = timed(lambda: load_into_neo4j(driver, case, replace=True))
            print(f"  neo4j load: {seconds:.1f} s")
        runner = CypherRunner(driver)
        for name, work in (("groups", account_groups.account_groups), ("fake", fake_trades.fake_trades),
                           ("fraud", fake_trades.platform_fraud)):
            if name not in frames:
                continue
            timed(partial(work, runner))  # first run: Cypher planning and a cold page cache
            frame, seconds = timed(partial(work, runner))
            same = frame.equals(frames[name]) and (frame.dtypes == frames[name].dtypes).all()
            print(f"  neo4j {work.__name__}: {seconds:.2f} s (warm); same frame as memory: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="7,1,2,3")
    parser.add_argument("--scale", default="seed", help="scales, comma-separated (names or numbers of clients)")
    parser.add_argument("--groups-only", action="store_true", help="time and score the account groups alone")
    parser.add_argument("--cases", type=Path, help="folder for the generated cases (reused when present)")
    parser.add_argument("--neo4j", action="store_true", help="also time the Neo4j engine on the first seed")
    parser.add_argument("--skip-load", action="store_true", help="the first seed's case is already loaded")
    args = parser.parse_args()
    cases = args.cases or Path(tempfile.mkdtemp(prefix="casegraph-groups-"))
    runs = [(scale, int(seed)) for scale in args.scale.split(",") for seed in args.seeds.split(",")]
    for k, (scale, seed) in enumerate(runs):
        folder = cases / f"{scale}-{seed}"
        if not (folder / "truth" / "account_groups.csv").is_file():
            generate_case(folder, scale=scale, seed=seed)
        print(f"seed {seed} ({scale}, {folder}):")
        case, frames = memory_run(folder, args.groups_only)
        if args.neo4j and k == 0:
            neo4j_run(case, frames, args.skip_load)


if __name__ == "__main__":
    main()
