"""Exact sums of dollar amounts, the same whatever the order, chunking or sharding of the requests.

Each request's cost is rounded once to whole femto-dollars (1e-15) and summed as whole numbers, so a
total does not depend on how the logs were split up, as a floating-point sum would in its last
digits. A decimal unit keeps decimal prices exact: tokens times a price per 1M tokens with up to
nine decimals is a whole number of femto-dollars.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

UNITS_PER_DOLLAR = 10**15
_HALF = 25  # fractions are summed in two 25-bit halves, so no sum of a chunk passes 2**53


def units(costs: np.ndarray, groups: np.ndarray | None = None, size: int = 1) -> list[int]:
    """Sum of ``costs`` (dollars, not negative) per group ``0..size-1`` in whole units; one group if none."""
    import numpy as np

    if groups is None:
        groups = np.zeros(len(costs), dtype=np.intp)
    whole = np.floor(costs)
    fraction = np.rint((costs - whole) * UNITS_PER_DOLLAR).astype(np.int64)
    sums = [
        np.bincount(groups, weights=part.astype(np.float64), minlength=size)
        for part in (whole, fraction >> _HALF, fraction & (2**_HALF - 1))
    ]
    return [int(w) * UNITS_PER_DOLLAR + (int(hi) << _HALF) + int(lo) for w, hi, lo in zip(*sums, strict=True)]


def dollars(total: int) -> float:
    """A sum in units as dollars, correctly rounded."""
    return total / UNITS_PER_DOLLAR
