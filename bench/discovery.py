"""Gang and account-group discovery on cases that break the generator's own habits, and with
each kind of evidence taken away: one markdown row per case, scored against its truth/.

    .venv/bin/python bench/discovery.py                         # every variant and ablation, small scale
    .venv/bin/python bench/discovery.py --scales small,seed --variants default,agents_offline --no-ablations
    .venv/bin/python bench/discovery.py --large                 # and 10x seed (200,000 clients): minutes a case

Columns: the gang ARI (truth/gangs.csv against communities.csv), truth gangs found / found
with their province (queries/quality.py), client persons and accounts put in a gang, anyone
truth/ puts in no gang (clients, the vendor, a payment company, shops) put in one, the
account groups' pairwise F1 and whether every true group's controller is found, the fraud
fronts flagged (gangs.csv ``is_fraud``; "ok" = the true front and no other), and the seconds
of generation and of analysis (reading the case + the memory engine). The targets the tests
hold discovery to (tests/test_discovery_variants.py) are in :data:`TARGETS`.

Ablations take the default case of the same seed with one kind of evidence left out
(``generate_case(drop_tables=...)``): logins, memberships, trades with broker fills, the
police's gangs.csv, and the ledger's links to bank transfers (``bank_txn_id``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd

from casegraph.generator import VARIANTS, generate_case
from casegraph.loaders.case import Case, load_case
from casegraph.queries.communities import entity_nodes, graph_of_edges
from casegraph.queries.memory import gangs
from casegraph.queries.memory.engine import analyze_case
from casegraph.queries.quality import grouping_scores, quality_table

sys.path.insert(0, str(Path(__file__).parent))
from groups import controllers_found  # noqa: E402  (bench/groups.py, beside this file)

# The targets for discovery on every variant.
TARGETS = {"ari": 0.98, "groups_f1": 0.98}
ABLATIONS = {
    "logins": ("logins",), "memberships": ("memberships",), "trades+broker_fills": ("trades", "broker_fills"),
    "gangs.csv": ("gangs",), "ledger bank_txn_id": ("ledger.bank_txn_id",),
}
LARGE_SCALE = 200_000


def fraud_fronts(case_dir: Path, gangs: pd.DataFrame) -> tuple[int, bool]:
    """(gangs flagged is_fraud, whether the platforms of the flagged gangs are those truth/
    marks ``is_fraud``: the fronts' gangs, each flagged, and no other). Without trades.csv no
    trade can be shown fake: then right means no gang flagged."""
    flagged = gangs[gangs["is_fraud"]]
    if not (case_dir / "trades.csv").is_file():
        return len(flagged), flagged.empty
    truth = pd.read_csv(case_dir / "truth" / "gangs.csv", dtype=str, keep_default_na=False)
    true = set(truth.loc[truth["entity_type"].eq("platform") & truth["is_fraud"].eq("true"), "entity_id"])
    found = {platform for platforms in flagged["platform_ids"] for platform in platforms.split(";")}
    return len(flagged), bool(true) and found == true


def reachable_ari(case: Case, communities: pd.DataFrame) -> float:
    """The gang ARI over the truth members that the case's records tie to their gang at all —
    whose node shares a connected component of the gang graph (hard facts and evidence) with one
    of their gang's platforms — and every entity the analysis puts in a gang. A member no record
    reaches (a staff member known only from access logs, in a case without logins.csv) cannot be
    found by any method, nor can two platforms of one gang that no record links be put together:
    such a gang is scored as its linked parts. :func:`discovery_scores` reports the plain ARI
    beside this one."""
    truth = pd.read_csv(case.path / "truth" / "gangs.csv", dtype=str, keep_default_na=False)
    graph = graph_of_edges(gangs.gang_edges(case))
    component = {node: i for i, part in enumerate(nx.connected_components(graph)) for node in part}
    node = entity_nodes(truth["entity_type"], truth["entity_id"])
    truth = truth.assign(component=node.map(component))
    platforms = truth[(truth["entity_type"] == "platform") & (truth["gang_id"] != "")]
    tied = platforms[["gang_id", "component"]].dropna().drop_duplicates()
    reached = truth.merge(tied, on=["gang_id", "component"], how="left", indicator=True)["_merge"].eq("both")
    unreachable = truth[(truth["gang_id"] != "") & ~reached.to_numpy()]
    kept = truth.drop(unreachable.index)
    # A gang whose platforms no record links (no common component) is as many gangs as the
    # records can show: each part is scored as a gang of its own.
    part = kept["component"].astype("Int64").astype("string").fillna("")
    kept = kept.assign(gang_id=kept["gang_id"].where(kept["gang_id"] == "", kept["gang_id"] + "@" + part))
    joined = kept.merge(communities, on=["entity_id", "entity_type"], how="left", suffixes=("", "_found"))
    found = communities.dropna(subset=["gang_id"])
    extra = found.merge(truth[["entity_id", "entity_type"]], how="left", indicator=True)
    extra = extra[extra["_merge"] == "left_only"]
    labels_truth = pd.concat([joined["gang_id"].replace("", None), pd.Series([None] * len(extra))], ignore_index=True)
    labels_found = pd.concat([joined["gang_id_found"], extra["gang_id"]], ignore_index=True)
    return grouping_scores(labels_truth, labels_found)["ari"]


def clients_made_members(case: Case, communities: pd.DataFrame) -> int:
    """Client persons and client accounts (their trading accounts, accounts they hold) that
    communities.csv puts in a gang, leaving out anyone truth/ itself makes a member."""
    truth = pd.read_csv(case.path / "truth" / "gangs.csv", dtype=str, keep_default_na=False)
    members = set(truth.loc[truth["gang_id"] != "", "entity_id"])
    persons = set(case["clients"]["person_id"].dropna()) - members
    accounts = case["accounts"]
    held = accounts["client_id"].notna() | accounts["holder_person_id"].isin(persons)
    clients = (persons | set(accounts.loc[held, "account_id"])) - members
    in_gang = communities.dropna(subset=["gang_id"])
    return int(in_gang["entity_id"].isin(clients).sum())


def outsiders_made_members(case: Case, communities: pd.DataFrame) -> int:
    """Entities truth/ puts in no gang (clients, the vendor, a payment company, shops, anyone
    else) that communities.csv puts in one."""
    truth = pd.read_csv(case.path / "truth" / "gangs.csv", dtype=str, keep_default_na=False)
    found = communities.dropna(subset=["gang_id"])[["entity_id", "entity_type"]]
    outside = truth.loc[truth["gang_id"] == "", ["entity_id", "entity_type"]]
    return len(found.merge(outside, on=["entity_id", "entity_type"]))


# The questions whose answers discovery_scores reads (queries/engine.py QUESTIONS): the gangs
# and their communities, the account groups, the fraud fronts.
DISCOVERY_QUESTIONS = ("gang_evidence", "account_groups", "platform_fraud")


def discovery_scores(case: Case, tables: dict[str, pd.DataFrame]) -> dict[str, object]:
    """Every figure of a row, from the memory engine's tables of ``case`` (all of them, or those
    of :data:`DISCOVERY_QUESTIONS`) and its truth/.

    >>> case = load_case("case"); scores = discovery_scores(case, analyze_case(case))   # doctest: +SKIP
    >>> scores["gangs_found"] == scores["truth_gangs"]                                   # doctest: +SKIP
    True
    """
    gangs = tables["gangs"]
    quality = quality_table(case.path, tables["communities"], gangs.set_index("gang_id"), tables["account_groups"])
    metric = quality.set_index(["subject", "metric"])["value"]
    truth_groups = pd.read_csv(case.path / "truth" / "account_groups.csv", dtype=str)
    n_fraud, fraud_right = fraud_fronts(case.path, gangs)
    return {
        "ari": float(metric["gangs", "ari"]), "truth_gangs": int(metric["gangs", "truth_gangs"]),
        "ari_reachable": reachable_ari(case, tables["communities"]),
        "gangs_found": int(metric["gangs", "gangs_found"]),
        "gangs_found_with_province": int(metric["gangs", "gangs_found_with_province"]),
        "clients_made_members": clients_made_members(case, tables["communities"]),
        "outsiders_made_members": outsiders_made_members(case, tables["communities"]),
        "groups_f1": float(metric["account_groups", "pairwise_f1"]),
        "controllers_right": controllers_found(tables["account_groups"], truth_groups),
        "fraud_flagged": n_fraud, "fraud_right": fraud_right,
    }


@dataclass
class Row:
    label: str
    scale: str
    scores: dict[str, object]
    generate_s: float
    analyse_s: float

    def markdown(self) -> str:
        s = self.scores
        return (f"| {self.label} | {self.scale} | {s['ari']:.4f} | {s['ari_reachable']:.4f} | "
                f"{s['gangs_found']}/{s['truth_gangs']} | "
                f"{s['gangs_found_with_province']}/{s['truth_gangs']} | {s['clients_made_members']} | "
                f"{s['outsiders_made_members']} | "
                f"{s['groups_f1']:.4f} | {'yes' if s['controllers_right'] else 'NO'} | "
                f"{s['fraud_flagged']} {'ok' if s['fraud_right'] else 'WRONG'} | "
                f"{self.generate_s:.1f} | {self.analyse_s:.1f} |")


HEADER = ("| case | scale | gang ARI | ARI reachable | gangs found | with province | clients in gangs | "
          "outsiders in gangs | groups F1 | "
          "controllers | fraud fronts | gen s | analysis s |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: |")


def run(folder: Path, label: str, scale: str | int, seed: int, variants=(), drop_tables=()) -> Row:
    """Generate one case into ``folder``, analyse it with the memory engine, score it."""
    started = time.perf_counter()
    generate_case(folder, scale=scale, seed=seed, variants=variants, drop_tables=drop_tables)
    generated = time.perf_counter()
    case = load_case(folder)
    tables = analyze_case(case)
    analysed = time.perf_counter()
    return Row(label, str(scale), discovery_scores(case, tables), generated - started, analysed - generated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="small", help="comma-separated: small, seed, or numbers of clients; "
                                                          "'' for --large alone")
    parser.add_argument("--large", action="store_true", help=f"also {LARGE_SCALE:,} clients (10x seed)")
    parser.add_argument("--variants", default=",".join(["default", *VARIANTS]),
                        help="comma-separated variants; 'default' = none")
    parser.add_argument("--no-ablations", action="store_true")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--cases", type=Path, help="folder for the generated cases (default: a temporary one)")
    args = parser.parse_args()
    cases = args.cases or Path(tempfile.mkdtemp(prefix="casegraph-discovery-"))
    scales: list[str | int] = [int(s) if s.isdigit() else s for s in args.scales.split(",") if s]
    scales += [LARGE_SCALE] if args.large else []
    variants = args.variants.split(",")
    print(f"seed {args.seed}, cases in {cases}\n\nVariants\n\n{HEADER}", flush=True)
    for scale in scales:
        for variant in variants:
            picked = () if variant == "default" else (variant,)
            print(run(cases / f"{scale}-{variant}", variant, scale, args.seed, variants=picked).markdown(), flush=True)
    if args.no_ablations:
        return
    print(f"\nAblations (the default case without ...)\n\n{HEADER}", flush=True)
    for scale in scales:
        for label, dropped in ABLATIONS.items():
            folder = cases / f"{scale}-drop-{'-'.join(dropped)}"
            print(run(folder, f"no {label}", scale, args.seed, drop_tables=dropped).markdown(), flush=True)


if __name__ == "__main__":
    main()
