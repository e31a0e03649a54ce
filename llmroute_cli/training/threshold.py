"""Choosing a threshold on the validation part: for a target expensive share, or a ceiling on under-routing.

A router sends a query expensive when its score is at least the threshold, so queries with equal
scores move together; the threshold is always one of the scores seen (or just above the highest,
to send none), and the share it gives on validation is what the report states.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmroute_cli.errors import LlmrouteError, OptionError

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True, slots=True)
class Target:
    """What the threshold aims at: ``expensive_share`` (0-1), or ``max_under_routing`` (0-1), or the base rate."""

    expensive_share: float | None = None
    max_under_routing: float | None = None

    def check(self) -> None:
        if self.expensive_share is not None and self.max_under_routing is not None:
            raise OptionError("target_expensive_share", "{option}: give it or the under-routing ceiling, not both")
        for option, value in (
            ("target_expensive_share", self.expensive_share),
            ("max_under_routing", self.max_under_routing),
        ):
            if value is not None and not 0 <= value <= 1:
                raise OptionError(option, f"{{option}}: must be between 0 and 1, got {value}")

    def describe(self) -> str:
        if self.max_under_routing is not None:
            return f"under-routing at most {self.max_under_routing:.0%} on validation"
        if self.expensive_share is not None:
            return f"{self.expensive_share:.0%} of validation queries expensive"
        return "as many validation queries expensive as needed it (the base rate)"

    def to_dict(self) -> dict[str, Any]:
        return {"expensive_share": self.expensive_share, "max_under_routing": self.max_under_routing}


def choose(scores: np.ndarray, needed: np.ndarray, target: Target, ceiling: float | None = None) -> float:
    """The threshold meeting ``target`` on these validation scores; ``ceiling`` caps it (1.0 for probabilities)."""
    import numpy as np

    ranked = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    n = len(ranked)
    if n == 0:
        raise LlmrouteError("the validation part is empty; give more labeled queries or more groups")
    counts = np.concatenate(([0], np.flatnonzero(ranked[1:] != ranked[:-1]) + 1, [n]))  # sendable at tie ends
    if target.max_under_routing is not None:
        k = _fewest_within(
            np.asarray(scores, dtype=np.float64), np.asarray(needed, dtype=bool), counts, target.max_under_routing
        )
    else:
        share = target.expensive_share if target.expensive_share is not None else float(np.mean(needed))
        gaps = np.abs(counts - share * n)
        k = int(counts[gaps == gaps.min()].max())  # the closest count; between two, the one sending more
    if k == 0:
        above = float(np.nextafter(ranked[0], np.inf))
        return min(above, ceiling) if ceiling is not None else above
    return float(ranked[k - 1])


def _fewest_within(scores: np.ndarray, needed: np.ndarray, counts: np.ndarray, ceiling: float) -> int:
    """The fewest queries sent expensive (a count at a tie end) keeping under-routing within ``ceiling``."""
    import numpy as np

    order = np.argsort(-scores, kind="stable")
    still_needed = needed.sum() - np.concatenate(([0], np.cumsum(needed[order])))  # needed among the rest, per count
    n = len(scores)
    for k in counts:
        if k == n or still_needed[k] / (n - k) <= ceiling:
            return int(k)
    return n
