"""Plan a rule change: route the same logs with the old and the new policy and compare."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmroute_cli.engine.router import Router
from llmroute_cli.errors import OptionError
from llmroute_cli.pricing.book import PriceBook
from llmroute_cli.reports.simulate import build_report, period_of
from llmroute_cli.simulate.simulation import SimulateOptions, Simulation
from llmroute_cli.tokens.counter import TokenCounter

if TYPE_CHECKING:
    import pandas as pd

EXAMPLES = 5
SNIPPET = 80


@dataclass(slots=True)
class Comparison:
    """Two simulations over the same chunks, plus the requests that changed tier (a pipeline accumulator)."""

    old: Simulation
    new: Simulation
    transitions: dict[tuple[str, str], int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, old: tuple[Router, PriceBook], new: tuple[Router, PriceBook], options: SimulateOptions) -> Comparison:
        counter = TokenCounter(new[0].policy.tokenizer)
        return cls(Simulation(*old, options, counter), Simulation(*new, options, counter))

    def merge(self, other: Comparison) -> None:
        """Add the comparison of a later part of the logs."""
        self.old.merge(other.old)
        self.new.merge(other.new)
        for pair, n in other.transitions.items():
            self.transitions[pair] = self.transitions.get(pair, 0) + n
        self.examples += other.examples[: EXAMPLES - len(self.examples)]

    def add(self, chunk: pd.DataFrame) -> None:
        before, after = self.old.decide(chunk), self.new.decide(chunk)
        if len(before) != len(after):  # one policy's prices lack a logged model: the run fails at the end
            return
        pairs = list(zip(before["tier"].astype(str), after["tier"].astype(str), strict=True))
        for pair in pairs:
            self.transitions[pair] = self.transitions.get(pair, 0) + 1
        if len(self.examples) < EXAMPLES:
            self._collect(chunk, before, after)

    def _collect(self, chunk: pd.DataFrame, before: pd.DataFrame, after: pd.DataFrame) -> None:
        changed = (before["tier"].astype(str) != after["tier"].astype(str)).to_numpy()
        queries = chunk["query"].loc[before.index]  # requests on skipped models are not in the decisions
        for i in changed.nonzero()[0][: EXAMPLES - len(self.examples)]:
            query = str(queries.iloc[i])
            self.examples.append(
                {
                    "id": before["id"].iloc[i],
                    "query": query if len(query) <= SNIPPET else query[: SNIPPET - 1] + "…",
                    "old": {"tier": str(before["tier"].iloc[i]), "rule": _rule(before["rule"].iloc[i])},
                    "new": {"tier": str(after["tier"].iloc[i]), "rule": _rule(after["rule"].iloc[i])},
                }
            )


@dataclass(frozen=True, slots=True)
class Comparisons:
    """Makes the Comparison of two policies for each part of the logs (a pipeline ``make``)."""

    old: tuple[Router, PriceBook]
    new: tuple[Router, PriceBook]
    options: SimulateOptions

    def __call__(self, part: int) -> Comparison:
        return Comparison.of(self.old, self.new, self.options)


def _rule(value: Any) -> str | None:
    return None if value is None or value != value else str(value)


def comparison_report(
    cmp: Comparison, days: float | None, sample_rate: float = 1.0, read: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The plan of a change as plain data: transitions, rule hits, spend before and after, examples."""
    old_result, new_result = cmp.old.result(), cmp.new.result()
    old = build_report(old_result, period_of(old_result, days), sample_rate)
    new = build_report(new_result, period_of(new_result, days), sample_rate, read)
    total = old["queries"]
    moved = sum(n for (a, b), n in cmp.transitions.items() if a != b)
    before, after = old["routed"]["daily_cost_usd"], new["routed"]["daily_cost_usd"]
    return {
        "queries": total,
        "days": old["days"],
        "transitions": [
            {"from": a, "to": b, "queries": n, "share": n / total} for (a, b), n in sorted(cmp.transitions.items())
        ],
        "shifted": {"queries": moved, "share": moved / total},
        "rules": _rule_changes(old["rules"], new["rules"]),
        "tiers": {
            t: {
                "old_share": old["tiers"].get(t, {}).get("share", 0.0),
                "new_share": new["tiers"].get(t, {}).get("share", 0.0),
            }
            for t in dict.fromkeys([*old["tiers"], *new["tiers"]])
        },
        "spend": {
            "old_daily_usd": before,
            "new_daily_usd": after,
            "delta_daily_usd": after - before,
            "old_yearly_usd": old["routed"]["yearly_cost_usd"],
            "new_yearly_usd": new["routed"]["yearly_cost_usd"],
            "delta_yearly_usd": new["routed"]["yearly_cost_usd"] - old["routed"]["yearly_cost_usd"],
            "delta_percent": (after - before) / before * 100 if before else None,
        },
        "expensive_tier": {"old": cmp.old.baseline_tier, "new": cmp.new.baseline_tier},
        "quality": quality_delta(old.get("quality"), new.get("quality")),
        "examples": cmp.examples,
        "input": new.get("input"),
        "warnings": new["warnings"],
        "old": old,
        "new": new,
    }


def quality_delta(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any] | None:
    """Under-routing and mean quality before and after, when the logs carry labels."""
    if not old or not new:
        return None

    def pair(a: float | None, b: float | None) -> dict[str, float | None]:
        return {"old": a, "new": b, "delta": None if a is None or b is None else b - a}

    return {
        "labeled": new["labeled"],
        "under_routing_rate": pair(old["under_routing_rate"], new["under_routing_rate"]),
        "over_routing_rate": pair(old["over_routing_rate"], new["over_routing_rate"]),
        "verdict": {"old": old["verdict"], "new": new["verdict"]},
        "mean_quality": {
            scale: pair(old["quality"][scale]["routed"], q["routed"])
            for scale, q in new["quality"].items()
            if scale in old["quality"]
        },
    }


def _rule_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name in dict.fromkeys([*old, *new]):
        a, b = old.get(name, {}).get("queries", 0), new.get(name, {}).get("queries", 0)
        out[name] = {
            "old": a,
            "new": b,
            "delta": b - a,
            "status": "added" if name not in old else "removed" if name not in new else "kept",
        }
    return out


@dataclass(frozen=True, slots=True)
class Gates:
    """Limits a rule change must keep, in percent (points of share for the shares)."""

    max_cost_increase: float | None = None
    max_expensive_share: float | None = None
    max_shift: float | None = None

    def __post_init__(self) -> None:
        for name in ("max_cost_increase", "max_expensive_share", "max_shift"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise OptionError(name, f"{{option}} must be a finite number, got {value}")


def failed_gates(report: dict[str, Any], gates: Gates) -> list[str]:
    """One message per gate the change crosses, saying by how much."""
    failures = []
    pct = report["spend"]["delta_percent"]
    if gates.max_cost_increase is not None and pct is not None and pct > gates.max_cost_increase:
        failures.append(
            f"cost increase {pct:.2f}% exceeds --max-cost-increase {gates.max_cost_increase:g}% "
            f"by {pct - gates.max_cost_increase:.2f} points"
        )
    tier = report["expensive_tier"]["new"]
    share = report["tiers"][tier]["new_share"] * 100
    if gates.max_expensive_share is not None and share > gates.max_expensive_share:
        failures.append(
            f"'{tier}' share {share:.2f}% exceeds --max-expensive-share {gates.max_expensive_share:g}% "
            f"by {share - gates.max_expensive_share:.2f} points"
        )
    shift = report["shifted"]["share"] * 100
    if gates.max_shift is not None and shift > gates.max_shift:
        failures.append(
            f"{shift:.2f}% of requests change tier, exceeding --max-shift {gates.max_shift:g}% "
            f"by {shift - gates.max_shift:.2f} points"
        )
    return failures
