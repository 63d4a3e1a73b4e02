"""Which transfers can lie on a fund-flow cycle (资金回路), before the cycle search of
:func:`casegraph.queries.memory.flows.cycles` grows paths through them: the accounts as whole
numbers, the transfers as arrays (payer, payee, bucket), numpy throughout.

Two tests, each leaving out only transfers no cycle can use:

- :func:`peeled`: a transfer on a cycle has, near it in time, a transfer out of its payee and
  one into its payer; round by round the others go (those that went can leave more without).
- :func:`within_strong_parts`: its payer and payee lie in one strongly connected part of the
  accounts' graph (each reaches the other). The largest part is found by two searches from
  one account (the accounts it reaches and those that reach it); networkx finds the parts of
  what is left, usually little: building a networkx graph of millions of transfers took
  longer than all the rest of the cycle search.

>>> payer, payee, bucket = np.array([0, 1, 2, 3]), np.array([1, 2, 0, 0]), np.array([5, 5, 6, 9])
>>> peeled(payer, payee, bucket, rounds=4).tolist()
[True, True, True, False]
>>> within_strong_parts(payer, payee).tolist()
[True, True, True, False]
"""

from __future__ import annotations

import networkx as nx
import numpy as np


def peeled(payer: np.ndarray, payee: np.ndarray, bucket: np.ndarray, *, rounds: int) -> np.ndarray:
    """Per transfer (``payer`` → ``payee``, accounts as numbers ≥ 0, in time ``bucket``):
    whether it is left after ``rounds`` rounds, in each of which a transfer stays while its
    payee sends and its payer receives in its bucket or the two beside it, among the transfers
    left by the round before."""
    payer, payee, bucket = (np.asarray(a, dtype=np.int64) for a in (payer, payee, bucket))
    left = np.ones(len(payer), dtype=bool)
    if not len(payer):
        return left
    # An account's buckets as keys of their own: account × stride + bucket (from 1), with room
    # for one bucket on either side before the next account's keys.
    first, last = int(bucket.min()), int(bucket.max())
    stride = last - first + 3
    sends = payer * stride + (bucket - first + 1)
    receives = payee * stride + (bucket - first + 1)
    # Each side's keys sorted once: the transfers left stay in order, so that each round's
    # look-ups are of sorted keys in sorted keys (several times faster than in random order).
    by_sends, by_receives = np.argsort(sends), np.argsort(receives)
    sends, receives = sends[by_sends], receives[by_receives]
    for _ in range(rounds):
        sending, receiving = left[by_sends], left[by_receives]
        send_keys, receive_keys = sends[sending], receives[receiving]
        # A transfer's payee sends near it (its receive key near a send key), its payer receives near it.
        stays = np.ones(len(left), dtype=bool)
        stays[by_receives[receiving]] = _near(send_keys, receive_keys)
        stays[by_sends[sending]] &= _near(receive_keys, send_keys)
        if stays[left].all():
            break
        left &= stays
    return left


def _near(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Whether each of ``wanted`` is within one of a value of the sorted ``keys``."""
    return np.searchsorted(keys, wanted + 2) > np.searchsorted(keys, wanted - 1)


def within_strong_parts(payer: np.ndarray, payee: np.ndarray) -> np.ndarray:
    """Per edge ``payer`` → ``payee`` (accounts as numbers ≥ 0): whether both lie in one
    strongly connected part of the graph of all the edges."""
    payer, payee = np.asarray(payer, dtype=np.int64), np.asarray(payee, dtype=np.int64)
    within = np.zeros(len(payer), dtype=bool)
    if not len(payer):
        return within
    n = int(max(payer.max(), payee.max())) + 1
    # The part of the account most likely in the largest part (most edges in times out):
    # what it reaches and what reaches it.
    degree = np.bincount(payer, minlength=n).astype(np.float64) * np.bincount(payee, minlength=n)
    start = int(np.argmax(degree))
    forward = _reached(start, payer, payee, n)
    backward = _reached(start, payee, payer, n)
    # Every other part lies wholly among the accounts reached one way only, the other way
    # only, or neither: an edge between two of these sets is on no cycle.
    side = forward.astype(np.int8) + 2 * backward.astype(np.int8)
    within[(side[payer] == 3) & (side[payee] == 3)] = True
    rest = np.flatnonzero((side[payer] == side[payee]) & (side[payer] != 3))
    if len(rest):
        within[rest] = _same_part_by_networkx(payer[rest], payee[rest], n)
    return within


def _reached(start: int, source: np.ndarray, target: np.ndarray, n: int) -> np.ndarray:
    """Per account, whether ``start`` reaches it along the edges ``source`` → ``target``
    (breadth first, one step of all the frontier's edges at a time)."""
    order = np.argsort(source, kind="stable")
    targets = target[order]
    bounds = np.concatenate([[0], np.cumsum(np.bincount(source, minlength=n))])
    seen = np.zeros(n, dtype=bool)
    seen[start] = True
    frontier = np.array([start], dtype=np.int64)
    while len(frontier):
        begin, count = bounds[frontier], bounds[frontier + 1] - bounds[frontier]
        # The frontier's edges: each account's run of ``targets``, end to end.
        offsets = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        found = targets[np.repeat(begin, count) + offsets]
        found = np.sort(found[~seen[found]])
        frontier = found[np.concatenate([[True], found[1:] != found[:-1]])] if len(found) else found
        seen[frontier] = True
    return seen


def _same_part_by_networkx(payer: np.ndarray, payee: np.ndarray, n: int) -> np.ndarray:
    graph = nx.DiGraph()
    graph.add_edges_from(np.unique(np.stack([payer, payee], axis=1), axis=0).tolist())
    part = np.full(n, -1, dtype=np.int64)
    for number, nodes in enumerate(nx.strongly_connected_components(graph)):
        part[list(nodes)] = number
    return part[payer] == part[payee]
