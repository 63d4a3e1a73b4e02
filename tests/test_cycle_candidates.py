"""The cycle search's prefilter on whole numbers (casegraph.queries.memory.cycle_candidates)
against the plain definitions: networkx's strongly connected components, and a round of the
peel written out transfer by transfer."""

import networkx as nx
import numpy as np
import pytest

from casegraph.queries.memory.cycle_candidates import peeled, within_strong_parts


def random_edges(seed: int, *, n_accounts: int, n_edges: int, n_buckets: int):
    rng = np.random.default_rng(seed)
    payer = rng.integers(0, n_accounts, n_edges)
    payee = rng.integers(0, n_accounts, n_edges)
    keep = payer != payee
    return payer[keep], payee[keep], rng.integers(-3, n_buckets, n_edges)[keep]


def networkx_within(payer, payee) -> list[bool]:
    graph = nx.DiGraph(list(zip(payer.tolist(), payee.tolist(), strict=True)))
    part = {node: number for number, nodes in enumerate(nx.strongly_connected_components(graph)) for node in nodes}
    return [part[a] == part[b] for a, b in zip(payer.tolist(), payee.tolist(), strict=True)]


def peeled_one_by_one(payer, payee, bucket, rounds: int) -> list[bool]:
    left = [True] * len(payer)
    for _ in range(rounds):
        sends = {(a, b) for a, b, kept in zip(payer.tolist(), bucket.tolist(), left, strict=True) if kept}
        receives = {(a, b) for a, b, kept in zip(payee.tolist(), bucket.tolist(), left, strict=True) if kept}
        left = [kept and any((to, b + k) in sends for k in (-1, 0, 1)) and any((fr, b + k) in receives
                                                                              for k in (-1, 0, 1))
                for fr, to, b, kept in zip(payer.tolist(), payee.tolist(), bucket.tolist(), left, strict=True)]
    return left


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("n_accounts", "n_edges"), [(30, 45), (60, 100), (200, 1500)])
def test_within_strong_parts_is_networkx(seed, n_accounts, n_edges):
    # Sparse graphs have many small parts (what networkx is left with), dense ones one large part.
    payer, payee, _ = random_edges(seed, n_accounts=n_accounts, n_edges=n_edges, n_buckets=5)
    expected = networkx_within(payer, payee)
    assert within_strong_parts(payer, payee).tolist() == expected
    if n_edges < n_accounts * 2:  # the sparse ones: edges on cycles and edges on none
        assert any(expected) and not all(expected)


def test_within_strong_parts_of_two_rings_and_a_bridge():
    # 0→1→2→0 and 3→4→3, joined one way by 2→3: the bridge is on no cycle.
    payer, payee = np.array([0, 1, 2, 3, 4, 2]), np.array([1, 2, 0, 4, 3, 3])
    assert within_strong_parts(payer, payee).tolist() == [True] * 5 + [False]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rounds", [1, 4])
def test_peeled_is_the_rounds_one_by_one(seed, rounds):
    payer, payee, bucket = random_edges(seed, n_accounts=40, n_edges=300, n_buckets=30)
    expected = peeled_one_by_one(payer, payee, bucket, rounds)
    assert peeled(payer, payee, bucket, rounds=rounds).tolist() == expected
    assert any(expected) and not all(expected)


def test_nothing_to_peel_or_part():
    empty = np.array([], dtype=np.int64)
    assert peeled(empty, empty, empty, rounds=4).tolist() == []
    assert within_strong_parts(empty, empty).tolist() == []
