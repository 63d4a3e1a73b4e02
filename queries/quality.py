"""quality.csv: how well the gangs and account groups found match a case's truth/.

Scored over every entity that the truth or the analysis puts in a group (an entity in no
group is its own singleton): the adjusted Rand index and pairwise precision,
recall and F1 (pairs of entities put together). For gangs also: how many truth gangs were
found (most of their members in one gang found, which is theirs alone) and with the right
province.

A truth/ folder that cannot be scored against (a file that is not CSV, a column missing, an
id empty or given twice) raises :class:`TruthUnusable`, naming the file, line and column:
``analyze`` then says that quality was skipped and why, and writes everything else.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from casegraph.loaders.columnar import arrow_text
from casegraph.outputs import join_text

from .columnar import positions

# Per truth file: the columns scoring reads, and the ids that must be there once per row.
TRUTH_COLUMNS = {"gangs.csv": ("entity_id", "entity_type", "gang_id", "province"),
                 "account_groups.csv": ("account_id", "group_id")}
TRUTH_KEYS = {"gangs.csv": ("entity_id", "entity_type"), "account_groups.csv": ("account_id",)}


class TruthUnusable(ValueError):
    """A truth file that quality cannot be scored against; the message is ``file:line:column: why``."""


def read_truth(path: Path) -> pd.DataFrame:
    """A truth file (``gangs.csv`` or ``account_groups.csv``) as text, checked:
    :class:`TruthUnusable` when it is not a readable CSV, lacks a column scoring needs, or
    has an id empty or twice.

    >>> read_truth(Path("case/truth/gangs.csv"))   # doctest: +SKIP
    TruthUnusable: truth/gangs.csv:1:1: missing column(s): province
    """
    name = f"truth/{path.name}"
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:  # ValueError: not UTF-8, not CSV, empty
        raise TruthUnusable(f"{name}:1:1: not a readable CSV file ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else ''})") from None
    missing = [column for column in TRUTH_COLUMNS[path.name] if column not in table.columns]
    if missing:
        raise TruthUnusable(f"{name}:1:1: missing column(s): {', '.join(missing)}")
    keys = list(TRUTH_KEYS[path.name])
    for bad, why in ((table[keys].eq("").any(axis=1), "empty id"),
                     (table.duplicated(keys), f"{' + '.join(keys)} given twice")):
        if bad.any():
            row = int(bad.to_numpy().argmax())
            column = next((k for k in keys if table[k].iloc[row] == ""), keys[0])
            raise TruthUnusable(f"{name}:{row + 2}:{table.columns.get_loc(column) + 1}: {why} "
                                f"({column} {table[column].iloc[row]!r})")
    return table


def adjusted_rand(truth: np.ndarray, found: np.ndarray) -> float:
    """The adjusted Rand index of two labellings given as integer codes (``pd.factorize``),
    computed as igraph's ``compare_communities(..., method="adjusted_rand")`` computes it, term
    by term in the same order, so that it gives the same float (igraph itself is not imported:
    its import loads its plotting backends, longer than scoring takes).

    >>> adjusted_rand(np.array([0, 0, 1, 1]), np.array([0, 0, 1, 1]))
    1.0
    >>> round(adjusted_rand(np.array([0, 0, 1]), np.array([0, 1, 1])), 6)
    -0.5
    """
    n = np.float64(len(truth))
    if len(truth) <= 1:
        raise ValueError(f"Rand indices not defined for only zero or one entities, got {len(truth)}")
    # igraph sums the contingency table's cells column by column (found), each column's in the
    # order its pairs first occur, then the row (truth) and column sums in code order.
    cells = pd.DataFrame({"found": found, "truth": truth}).groupby(["found", "truth"], sort=False).size()
    cells = cells.iloc[np.argsort(cells.index.get_level_values("found"), kind="stable")]

    def pair_share(counts) -> np.float64:
        counts = np.asarray(counts, dtype=np.float64)
        terms = (counts / n) * (counts - 1) / (n - 1)
        return np.cumsum(terms)[-1] if len(terms) else np.float64(0.0)  # in order, as a C loop adds

    together = pair_share(cells.to_numpy())
    in_truth = pair_share(np.bincount(truth))
    in_found = pair_share(np.bincount(found))
    rand = 1.0 + 2 * together - in_truth - in_found
    expected = in_truth * in_found + (1 - in_truth) * (1 - in_found)
    with np.errstate(divide="ignore", invalid="ignore"):  # both labellings trivial: NaN, as in igraph
        return float((rand - expected) / (1 - expected))


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def grouping_scores(truth: pd.Series, found: pd.Series) -> dict[str, float]:
    """ARI and pairwise precision / recall / F1 of two labellings of the same entities
    (missing label = in no group).

    >>> t = pd.Series(["a", "a", "b", None]); f = pd.Series(["x", "x", "y", "y"])
    >>> grouping_scores(t, f)["pairwise_recall"]
    1.0
    """
    entities = truth.notna() | found.notna()
    truth, found = truth[entities], found[entities]
    singles_t = pd.Series([f"\0t{i}" for i in range(len(truth))], index=truth.index)
    singles_f = pd.Series([f"\0f{i}" for i in range(len(found))], index=found.index)
    t = truth.fillna(singles_t)
    f = found.fillna(singles_f)
    ari = adjusted_rand(pd.factorize(t)[0], pd.factorize(f)[0])
    together = _pairs(pd.DataFrame({"t": truth, "f": found}).dropna().value_counts())
    truth_pairs, found_pairs = _pairs(truth.value_counts()), _pairs(found.value_counts())
    precision = together / found_pairs if found_pairs else 1.0
    recall = together / truth_pairs if truth_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"ari": ari, "pairwise_precision": precision, "pairwise_recall": recall, "pairwise_f1": f1,
            "n_entities": int(entities.sum())}


def entity_positions(truth: pd.DataFrame, found: pd.DataFrame) -> np.ndarray:
    """Each ``truth`` row's position in ``found`` (communities.csv rows, one per entity_id and
    entity_type), -1 where its entity is not listed: a join on both columns, by Arrow's lookup
    of one key made of both (pandas' two-column merges took 0.8 s at 10x seed scale).

    >>> truth = pd.DataFrame({"entity_id": ["a", "a", "b"], "entity_type": ["person", "account", "person"]})
    >>> found = pd.DataFrame({"entity_id": ["b", "a"], "entity_type": ["person", "person"]})
    >>> entity_positions(truth, found).tolist()
    [1, -1, 0]
    """
    def entity_keys(frame: pd.DataFrame):
        # Split again at the first separator: no entity type (a fixed word) holds one.
        return join_text(arrow_text(frame["entity_type"]), arrow_text(frame["entity_id"]), separator="\x1f")

    return positions(entity_keys(truth), entity_keys(found))


def gangs_found(truth: pd.DataFrame, found: pd.DataFrame, gangs: pd.DataFrame, *,
                where: np.ndarray) -> tuple[int, int, int]:
    """(truth gangs, found, found with the right province). ``truth``: truth/gangs.csv;
    ``found``: communities.csv rows; ``gangs``: gangs.csv (province by gang_id); ``where``:
    :func:`entity_positions` of truth in found (members it does not list are not counted)."""
    in_gang = (truth["gang_id"] != "").to_numpy()
    listed_member = in_gang & (where >= 0)
    members = truth[listed_member].assign(gang_id_found=found["gang_id"].array.take(where[listed_member]))
    best = members.groupby("gang_id")["gang_id_found"].agg(lambda s: s.value_counts().index[0]
                                                         if s.notna().any() else None)
    share = members.groupby("gang_id").apply(lambda m: (m["gang_id_found"] == best[m.name]).mean(),
                                             include_groups=False)
    unique = best.dropna().map(best.dropna().value_counts()) == 1
    found_ok = (share > 0.5) & unique.reindex(share.index, fill_value=False)
    province = truth[in_gang].drop_duplicates("gang_id").set_index("gang_id")["province"]
    right = found_ok & (best.map(gangs["province"]) == province.reindex(best.index))
    return len(best), int(found_ok.sum()), int(right.sum())


def quality_table(case_dir: Path, communities: pd.DataFrame, gangs: pd.DataFrame,
                  account_groups: pd.DataFrame | None) -> pd.DataFrame | None:
    """quality.csv rows (subject, metric, value), or None when the case has no truth/;
    :class:`TruthUnusable` when its truth files cannot be scored against (:func:`read_truth`)."""
    truth_dir = case_dir / "truth"
    if not (truth_dir / "gangs.csv").is_file():
        return None
    rows = []
    truth = read_truth(truth_dir / "gangs.csv")
    where = entity_positions(truth, communities)
    found_gang = pd.Series(communities["gang_id"].array.take(where, allow_fill=True), index=truth.index)
    scores = grouping_scores(truth["gang_id"].replace("", None), found_gang)
    n_truth, n_found, n_province = gangs_found(truth, communities, gangs, where=where)
    scores.update({"truth_gangs": n_truth, "gangs_found": n_found, "gangs_found_with_province": n_province})
    rows += [("gangs", metric, value) for metric, value in scores.items()]
    if account_groups is not None and (truth_dir / "account_groups.csv").is_file():
        groups = read_truth(truth_dir / "account_groups.csv")
        accounts = pd.Index(sorted(set(groups["account_id"]) | set(account_groups["account_id"])))
        scores = grouping_scores(groups.set_index("account_id")["group_id"].reindex(accounts),
                                 account_groups.drop_duplicates("account_id").set_index("account_id")["group_id"]
                                 .reindex(accounts))
        rows += [("account_groups", metric, value) for metric, value in scores.items()]
    table = pd.DataFrame(rows, columns=["subject", "metric", "value"])
    table["value"] = [round(float(v), 6) if isinstance(v, float) else v for v in table["value"]]
    return table
