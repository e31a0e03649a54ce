"""Running sums of the requests too long for their routed tier's model: how many, where they went, what it cost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmroute_cli.pricing.money import units
from llmroute_cli.pricing.windows import FITS, FITS_NONE

if TYPE_CHECKING:
    import numpy as np

    from llmroute_cli.simulate.totals import Totals

# The sums kept per (slot, tier it went to): the last one is a maximum, the others add up.
FIELDS = ("requests", "input_tokens", "output_tokens", "cost_units", "routed_units", "largest_input")


def count_too_long(
    totals: Totals,
    tiers: tuple[str, ...],
    slot: np.ndarray,
    dest: np.ndarray,
    inp: np.ndarray,
    out: np.ndarray,
    cost: np.ndarray,
    routed: np.ndarray,
) -> None:
    """Add this chunk's too-long requests (``dest`` not FITS) to ``totals.too_long``: ``cost`` is what each one costs
    where it went, ``routed`` what it would have cost on its routed tier."""
    import numpy as np

    too_long = totals.too_long
    rows = np.flatnonzero(dest != FITS)
    pairs = np.unique(np.column_stack([slot[rows], dest[rows]]), axis=0)
    for s, d in pairs.tolist():
        take = rows[(slot[rows] == s) & (dest[rows] == d)]
        entry = [
            len(take),
            int(inp[take].sum()),
            int(out[take].sum()),
            units(cost[take])[0],
            units(routed[take])[0],
            int(inp[take].max()),
        ]
        merge_too_long(too_long, (int(s), None if d == FITS_NONE else tiers[d]), entry)


def merge_too_long(into: dict[tuple[int, str | None], list[int]], key: tuple[int, str | None], sums: list[int]) -> None:
    """Add one group's sums to another's (shards and chunks alike)."""
    have = into.get(key)
    if have is None:
        into[key] = list(sums)
        return
    into[key] = [*(a + b for a, b in zip(have[:-1], sums[:-1], strict=True)), max(have[-1], sums[-1])]
