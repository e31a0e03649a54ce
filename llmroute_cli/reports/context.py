"""The simulate report's ``context_window`` section: requests too long for their routed tier's model, per rule."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from llmroute_cli.pricing.money import UNITS_PER_DOLLAR, dollars
from llmroute_cli.simulate.result import SimulationResult

DEFAULT_RULE = "(default)"
FITS_NONE = "(fits no tier)"


def context_window(sim: SimulationResult, per_day: Fraction) -> dict[str, Any]:
    """Each tier's window, and per rule how many requests did not fit, where they went and what that cost more."""
    w, t = sim.windows, sim.totals
    assert w is not None
    names = [r.name for r in sim.policy.rules] + [DEFAULT_RULE]
    rules: dict[str, Any] = {}
    for (slot, dest), (n, inp, out, cost, routed, _) in sorted(t.too_long.items(), key=_in_order):
        tier = sim.slot_tiers[slot]
        empty: dict[str, Any] = {"tier": tier, "max_input_tokens": w.window(tier), "requests": 0, "to": {}}
        rule = rules.setdefault(names[slot], empty)
        rule["requests"] += n
        rule["to"][FITS_NONE if dest is None else dest] = {
            "requests": n,
            "input_tokens": inp,
            "output_tokens": out,
            "cost_usd": dollars(cost),
            "routed_cost_usd": dollars(routed),
            "difference_usd": dollars(cost - routed),
        }
    difference = sum(v[3] - v[4] for v in t.too_long.values())
    return {
        "fallback": sim.policy.fallback,
        "windows": {
            tier: {"model": sim.policy.tiers[tier], "max_input_tokens": size}
            for tier, size in zip(w.tiers, w.windows, strict=True)
        },
        "unchecked_tiers": w.unchecked(),
        "requests": sum(v[0] for v in t.too_long.values()),
        "moved": sum(v[0] for (_, d), v in t.too_long.items() if d is not None),
        "fits_no_tier": sum(v[0] for (_, d), v in t.too_long.items() if d is None),
        "difference_usd": dollars(difference),
        "daily_difference_usd": float(Fraction(difference, UNITS_PER_DOLLAR) * per_day),
        "rules": rules,
        # escalated requests too long for their cascade's first tier: that call is refused, unbilled, not priced
        "cascade_first_calls_too_long": t.first_too_long,
    }


def _in_order(item: tuple[tuple[int, str | None], list[int]]) -> tuple[int, str]:
    """Rules in file order, then where the requests went by name (fits no tier last)."""
    (slot, dest), _ = item
    return slot, "\uffff" if dest is None else dest


def moved_between_tiers(sim: SimulationResult) -> dict[str, list[int]]:
    """Per tier, what the moves add (+) and take away (-): [requests, input tokens, output tokens, cost units]."""
    shift: dict[str, list[int]] = {}
    for (slot, dest), (n, inp, out, cost, _, _) in sim.totals.too_long.items():
        if dest is None:
            continue
        for tier, sign in ((sim.slot_tiers[slot], -1), (dest, 1)):
            have = shift.setdefault(tier, [0, 0, 0, 0])
            shift[tier] = [a + sign * b for a, b in zip(have, (n, inp, out, cost), strict=True)]
    return shift


def too_long_warnings(sim: SimulationResult) -> list[str]:
    """A warning for the requests no tier's model can take: they are priced on their routed tier regardless."""
    w, t = sim.windows, sim.totals
    lost = [v for (_, d), v in t.too_long.items() if d is None]
    if w is None or not lost:
        return []
    n, longest = sum(v[0] for v in lost), max(v[5] for v in lost)
    widest = max((size, tier) for tier, size in zip(w.tiers, w.windows, strict=True) if size is not None)
    return [
        f"{n:,} requests fit no tier's context window (the longest has {longest:,} input tokens; the widest window "
        f"is {widest[0]:,} tokens, tier '{widest[1]}'): priced on their routed tier as if they fit; add a tier with "
        "a larger window, or set 'fallback:' to one"
    ]
