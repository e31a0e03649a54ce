"""A cascade under assumed verifier error: spend and quality if its escalation signal were wrong this often.

Self-rated confidence is a weak signal, so the measured escalation is a best case. With error rate
``e``, each escalated request stays on the first tier with probability ``e`` and each kept request
escalates with probability ``e``; by linearity the expected spend is

    other rules + first calls of all + (1 - e) * second calls of the escalated + e * second calls of the kept

(the kept requests priced on the second tier as well, by ``Simulation``), and the expected mean quality
moves by ``e`` times the gain lost on the escalated and the gain won on the kept, from the per-rule
qualities of the two tiers.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from llmroute_cli.pricing.money import UNITS_PER_DOLLAR
from llmroute_cli.rules.policy import ESCALATED
from llmroute_cli.simulate.simulation import cascade_pairs

if TYPE_CHECKING:
    from llmroute_cli.simulate.result import SimulationResult

DAYS_PER_YEAR = 365


def cascade_scenarios(sim: SimulationResult, per_day: Fraction, quality: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One entry per cascade rule pair: what it escalates, and spend and quality at each assumed error."""
    t, policy = sim.totals, sim.policy
    routed = sum(t.cost_units) + t.overhead_units
    out = []
    for esc, kept in cascade_pairs(policy):
        rule = policy.rules[esc]
        first_e, then_e = t.first_units[esc], t.cost_units[esc] - t.first_units[esc]
        first_k, then_k = t.cost_units[kept], t.then_units[kept]
        other = routed - t.cost_units[esc] - t.cost_units[kept]
        n_e, n_k = int(t.queries[esc]), int(t.queries[kept])
        scenarios = []
        for e in (0.0, *sim.options.verifier_errors):
            err = Fraction(repr(e))
            units = other + first_e + first_k + (1 - err) * then_e + err * then_k
            daily = units / UNITS_PER_DOLLAR * per_day
            scenarios.append(
                {
                    "verifier_error": e,
                    "escalated": float((1 - err) * n_e + err * n_k),
                    "daily_cost_usd": float(daily),
                    "yearly_cost_usd": float(daily * DAYS_PER_YEAR),
                    "gap_recovered": _gaps(quality, rule.name, rule.name.removesuffix(ESCALATED), e),
                }
            )
        out.append(
            {
                "rule": rule.name.removesuffix(ESCALATED),
                "first": rule.first,
                "then": rule.tier,
                "escalated": n_e,
                "kept": n_k,
                "scenarios": scenarios,
            }
        )
    return out


def _gaps(quality: dict[str, Any] | None, escalated: str, kept: str, e: float) -> dict[str, float | None]:
    """Gap recovered per scale at error ``e``: escalated requests' first-tier quality, kept ones' second-tier."""
    if not quality or quality.get("cheap_tier") is None:
        return {}
    rules = {r["rule"] if r["rule"] is not None else "(default)": r for r in quality.get("rules", [])}
    out: dict[str, float | None] = {}
    for scale, whole in (quality.get("quality") or {}).items():
        n, cheap, dear = whole["requests"], whole["all_cheap"], whole["all_expensive"]
        if not n or dear == cheap:
            out[scale] = None
            continue
        shift = 0.0
        for name, sign in ((escalated, -1), (kept, 1)):
            q = (rules.get(name, {}).get("quality") or {}).get(scale)
            if q and q["requests"]:
                shift += sign * q["requests"] * (q["all_expensive"] - q["all_cheap"])
        out[scale] = (whole["routed"] + e * shift / n - cheap) / (dear - cheap)
    return out
