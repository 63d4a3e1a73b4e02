"""Evidence judged against chance: how likely is it that unrelated accounts show this much
coincidence by accident, at the data's own volume? Engine-neutral (numpy only): the memory and
the Neo4j engines fetch their counts their own way and score them here, so both keep the same
links.

The pattern is the same for every kind of repeated evidence: count what was *observed* for a
pair of accounts, compute what chance alone would give them (*expected*) from their own
activity, and take the Poisson upper tail P(X ≥ observed | expected). A pair is linked only
when that probability is below :func:`significance_level`, the family-wise error rate
``FAMILY_ERROR_RATE`` spread over every pair of candidates (Bonferroni): with N candidate
accounts, the chance that even one of the case's links is chance's doing stays below 1 %, however
many accounts the case has. No threshold depends on the case's size; the level follows it.

- Synchronised orders (:func:`expected_coincidences`): fills of two accounts within a window of
  each other. Two unrelated accounts with n_a and n_b fills of an instrument on a day whose
  fills span S meet by chance n_a × n_b × 2·window / S times (fills placed independently and
  uniformly over the span).
- Shared identifiers (:func:`expected_visits`): an account's login-days on a device or IP used
  by others. A stranger lands on an identifier with U users among the case's N login users on
  at most a share (U − 1) / N of his login-days (the share of people who ever use it, an upper
  bound on the daily share): a public address with thousands of users is weak evidence, a
  device of 2 users used on 10 days is strong.

Fills are not spread evenly over a day, so the synchronised-order test lets chance be
``CLUSTERING_ALLOWANCE`` (10) times the uniform estimate (:func:`beyond_chance`), or what the
two accounts' own hours give where that is more (:func:`.evidence.beyond_habits`: traders who
both trade in the first second of a market's open meet there far beyond ten times the
uniform estimate).

>>> expected = expected_coincidences([3], [4], span_us=[3_600_000_000], window_us=100_000)
>>> round(float(expected[0]), 6)
0.000667
>>> bool(poisson_upper_tail(5, 0.000667) < significance_level(1_000))
True
"""

from __future__ import annotations

import numpy as np

FAMILY_ERROR_RATE = 0.01
# Markets are not uniform over the day: fills bunch at the open, on news, just after whole
# seconds. Between unrelated accounts of our generated cases, coincidences run up to ~8× the
# uniform estimate (measured at 10× seed scale, where expectations reach 5); the test allows
# chance 10× the estimate. Real controllers' pairs run thousands of times above it. A trader
# who reacts to a group's bursts runs above it too, with the group's accounts only
# (evidence.without_bridges).
CLUSTERING_ALLOWANCE = 10.0
_TAIL_PRECISION = 1e-17  # the tails' series stop when a term adds less than this share


def significance_level(n_candidates: int, family_error_rate: float = FAMILY_ERROR_RATE) -> float:
    """The largest chance probability a link may have: ``family_error_rate`` over the number of
    pairs of ``n_candidates`` accounts (Bonferroni; at least one pair).

    >>> f"{significance_level(1_000):.3g}"
    '2e-08'
    """
    pairs = max(n_candidates * (n_candidates - 1) // 2, 1)
    return family_error_rate / pairs


def beyond_chance(observed, expected, *, n_candidates: int, allowance: float = 1.0) -> np.ndarray:
    """Whether chance is an unlikely explanation: P(X ≥ observed) for X ~ Poisson(``allowance``
    × ``expected``) is below :func:`significance_level` of ``n_candidates`` accounts.

    >>> beyond_chance([5, 22], [0.001, 5.6], n_candidates=200, allowance=CLUSTERING_ALLOWANCE).tolist()
    [True, False]
    """
    tail = poisson_upper_tail(observed, allowance * np.asarray(expected, dtype=np.float64))
    return np.asarray(tail < significance_level(n_candidates))


def poisson_upper_tail(observed, expected) -> np.ndarray:
    """P(X ≥ observed) for X ~ Poisson(expected), elementwise (observed: whole counts ≥ 0,
    expected ≥ 0). Exact to double precision, down to tails of 1e-300 (0.0 below).

    >>> [f"{p:.3g}" for p in poisson_upper_tail([0, 1, 2, 5], [0.5, 0.5, 0.5, 0.01])]
    ['1', '0.393', '0.0902', '8.26e-13']
    """
    k = np.asarray(observed, dtype=np.int64)
    lam = np.asarray(expected, dtype=np.float64)
    k, lam = np.broadcast_arrays(k, lam)
    tail = np.ones(k.shape)
    # Far side of the mean: sum the terms from k up (they shrink); near side: 1 - the terms below k.
    upper = (k > 0) & (k >= lam)
    lower = (k > 0) & ~upper
    tail[upper] = _terms_from(k[upper], lam[upper], step=+1)
    tail[lower] = 1.0 - _terms_from(k[lower] - 1, lam[lower], step=-1)
    return tail.reshape(np.shape(k)) if np.ndim(k) else tail[()]


def _log_factorial(n: np.ndarray) -> np.ndarray:
    table = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, int(n.max(initial=0)) + 2)))])
    return table[n]


def _terms_from(k: np.ndarray, lam: np.ndarray, step: int) -> np.ndarray:
    """Σ of the Poisson(lam) probabilities of k, k + step, … (step −1: down to 0), each series
    run until its terms no longer count."""
    with np.errstate(divide="ignore"):
        log_term = np.where(lam > 0, k * np.log(lam), np.where(k == 0, 0.0, -np.inf)) - lam - _log_factorial(k)
    term = np.exp(log_term)
    total = term.copy()
    j = k.astype(np.float64)
    active = term > 0
    while active.any():
        if step > 0:
            term = np.where(active, term * lam / (j + 1), 0.0)
        else:
            term = np.where(active & (j > 0), term * j / np.where(lam > 0, lam, 1.0), 0.0)
        j += step
        total += term
        active = term > total * _TAIL_PRECISION
    return np.minimum(total, 1.0)


def expected_coincidences(n_a, n_b, *, span_us, window_us: int) -> np.ndarray:
    """Chance meetings of two unrelated accounts' fills within ``window_us`` of each other, per
    instrument-day: n_a × n_b × 2·window / span, where span is the time between the day's first
    and last fill of the instrument (all accounts), at least 2·window (a meeting is at most
    certain). Sum the result over a pair's common instrument-days for its expectation.

    >>> expected_coincidences([10, 1], [20, 1], span_us=[36_000_000_000, 0], window_us=100_000).round(6).tolist()
    [0.001111, 1.0]
    """
    n_a = np.asarray(n_a, dtype=np.float64)
    n_b = np.asarray(n_b, dtype=np.float64)
    span = np.maximum(np.asarray(span_us, dtype=np.float64), 2.0 * window_us)
    return n_a * n_b * (2.0 * window_us) / span


def expected_visits(login_days, users, *, n_users: int) -> np.ndarray:
    """Login-days a stranger would spend on an identifier by chance: his ``login_days`` (on any
    identifier) × the identifier's reach, (``users`` − 1) / ``n_users`` — the share of the
    case's other login users who ever used it.

    >>> expected_visits([40, 40], [2, 1001], n_users=100_000).tolist()
    [0.0004, 0.4]
    """
    reach = (np.asarray(users, dtype=np.float64) - 1.0) / max(n_users, 1)
    return np.asarray(login_days, dtype=np.float64) * reach


def address_use_chance(login_days, days, users, *, n_users: int) -> tuple[np.ndarray, np.ndarray]:
    """(expected, p): the days a stranger with ``login_days`` would spend on an address ``users``
    of the ``n_users`` login users used (:func:`expected_visits`), and the chance of ``days`` or
    more (:func:`poisson_upper_tail`) — the one test of a shared address, in the gang graph and
    in the fund-flow patterns alike.

    >>> expected, p = address_use_chance([40], [12], [2], n_users=1000)
    >>> bool(p[0] < 1e-3)
    True
    """
    expected = expected_visits(login_days, users, n_users=n_users)
    return expected, poisson_upper_tail(days, expected)

