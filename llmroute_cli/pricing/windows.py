"""Context windows: whether a request fits its routed tier's model, and which tier takes it when it does not.

A request whose input tokens (the count that is priced) exceed its tier model's window goes to the rule file's
``fallback:`` tier when it fits there, else to the cheapest tier (``book.tiers_by_price``) whose model fits; a
request that fits no tier stays on its routed tier (and is reported). A model whose window is not known is not
checked: every request fits it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmroute_cli.pricing.book import PriceBook, tiers_by_price
from llmroute_cli.rules.policy import Policy

if TYPE_CHECKING:
    import numpy as np

FITS = -1  # fits its routed tier's model (or that model's window is not known)
FITS_NONE = -2  # fits no tier's model: stays on its routed tier


@dataclass(frozen=True, slots=True)
class Windows:
    """Each model tier's window (None: not known) and, per tier, the tiers to try when a request is too long."""

    tiers: tuple[str, ...]  # the policy's model tiers, in file order; destinations index this
    windows: tuple[int | None, ...]
    order: dict[str, tuple[int, ...]]  # routed tier → tiers to try, fallback first, then cheap to dear

    def window(self, tier: str) -> int | None:
        return self.windows[self.tiers.index(tier)]

    def unchecked(self) -> list[str]:
        """Tiers whose model's window is not known: requests on them are not checked."""
        return [t for t, w in zip(self.tiers, self.windows, strict=True) if w is None]

    def destination(self, tier: str, tokens: Callable[[str], int]) -> int:
        """Where one request routed to ``tier`` goes: FITS, FITS_NONE or the index of a tier; ``tokens(tier)`` is
        its input on that tier's model."""
        if _fits(tokens(tier), self.window(tier)):
            return FITS
        return next((i for i in self.order[tier] if _fits(tokens(self.tiers[i]), self.windows[i])), FITS_NONE)

    def destinations(self, routed: list[str], slot: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """Per request (``slot`` indexes ``routed``, the tier of each slot): FITS, FITS_NONE or a tier's index."""
        import numpy as np

        out = np.full(len(slot), FITS, dtype=np.intp)
        for s, tier in enumerate(routed):
            window = self.window(tier)
            if window is None:
                continue
            rows = np.flatnonzero((slot == s) & (tokens > window))
            if len(rows) == 0:
                continue
            out[rows] = FITS_NONE
            for i in reversed(self.order[tier]):  # the first that fits is written last, so it wins
                w = self.windows[i]
                out[rows if w is None else rows[tokens[rows] <= w]] = i
        return out


def _fits(tokens: int, window: int | None) -> bool:
    return window is None or tokens <= window


def windows(policy: Policy, book: PriceBook) -> Windows:
    """The policy's model tiers with their windows, and the order in which each one's too-long requests try others."""
    tiers = tuple(policy.tiers)
    sizes = tuple(book.price(policy.tiers[t]).max_input_tokens for t in tiers)
    ranked = tiers_by_price(policy, book)
    order = {}
    for tier in tiers:
        tries = [policy.fallback] if policy.fallback is not None else []
        tries += [t for t in ranked if t not in tries]
        order[tier] = tuple(tiers.index(t) for t in tries if t != tier)
    return Windows(tiers, sizes, order)
