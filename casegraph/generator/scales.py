"""Named sizes of a generated case.

Per-client behaviour (deposit sizes, trading, fees) is the same at every scale and calibrated
so that ``seed`` (20,000 clients) lands on the figures of the Shanghai case (domain.md §1):
client money grows with the number of clients, the vendor's licence income does not.
"""

from __future__ import annotations

from dataclasses import dataclass

N_GANGS = 34
SEED_CLIENTS = 20_000
MIN_CLIENTS = 300  # below this, 37 platforms no longer get a handful of clients each


@dataclass(frozen=True)
class Scale:
    name: str
    n_clients: int
    n_gangs: int


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 150, 6),
    "small": Scale("small", 2_000, N_GANGS),
    "seed": Scale("seed", SEED_CLIENTS, N_GANGS),
    "large": Scale("large", 100_000, N_GANGS),
}


def resolve_scale(scale: str | int) -> Scale:
    """A scale name, or a number of clients (int or digit text) with all 34 gangs."""
    if isinstance(scale, str) and scale.strip().isdigit():
        scale = int(scale)
    if isinstance(scale, bool):
        raise ValueError(f"bad scale {scale!r}")
    if isinstance(scale, int):
        if scale < MIN_CLIENTS:
            raise ValueError(f"scale {scale}: at least {MIN_CLIENTS} clients are needed for {N_GANGS} gangs")
        return Scale(f"n{scale}", scale, N_GANGS)
    if scale in SCALES:
        return SCALES[scale]
    raise ValueError(f"unknown scale {scale!r}: expected one of {', '.join(SCALES)} or a number of clients")
