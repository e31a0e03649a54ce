"""Threshold sweeps: one numeric comparison of one rule, re-run over a range of values, and calibration.

A sweep parameter reads ``RULE.FIELD=START:STOP:STEP`` (``short-no-code.query.chars=100:400:50``),
where FIELD is a size (``query.chars``, ``context.tokens``...) or a ``metadata.KEY`` the rule
compares with a number. When the rule compares the field more than once, name the operator:
``RULE.FIELD.OP=...`` (``long-context.context.chars.gt=4000:12000:2000``).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmroute_cli.engine.router import Router
from llmroute_cli.errors import LlmrouteError, UsageError
from llmroute_cli.quality.curve import CurveMetrics, curve_metrics
from llmroute_cli.rules.conditions import (
    COMPARISONS,
    All,
    Any_,
    Compare,
    Condition,
    MetaTest,
    Not,
    Probability,
    Split,
    Test,
)
from llmroute_cli.rules.parse import suggest
from llmroute_cli.simulate.simulation import Simulation, Simulations

if TYPE_CHECKING:
    from llmroute_cli.pricing.book import PriceBook
    from llmroute_cli.rules.policy import Policy
    from llmroute_cli.simulate.simulation import SimulateOptions

MAX_VALUES = 1000
EXAMPLE = "short-no-code.query.chars=100:400:50"
_LEFT = re.compile(
    r"^(?P<rule>.+?)\.(?P<field>(?:query|context|request)\.(?:chars|tokens)|classifier|split|metadata\.[^=]+?)"
    rf"(?:\.(?P<op>{'|'.join(COMPARISONS)}|percent))?$"
)


@dataclass(frozen=True, slots=True)
class SweepParam:
    """Which comparison to sweep and the values it takes."""

    rule: str
    field: str
    op: str | None
    values: tuple[float, ...]

    @property
    def name(self) -> str:
        return f"{self.rule}.{self.field}" + (f".{self.op}" if self.op else "")


def sweep_values(spec: str, policy: Policy | None = None) -> SweepParam:
    """Parse ``RULE.FIELD[.OP]=START:STOP:STEP``; STOP is included when it lands on the grid.

    With a policy, the rule must exist and compare FIELD with a number exactly once (or once with OP).
    """
    left, eq, right = spec.rpartition("=")
    match = _LEFT.match(left) if eq else None
    if match is None:
        raise UsageError(f"--param {spec!r}: expected RULE.FIELD=START:STOP:STEP, e.g. {EXAMPLE}")
    param = SweepParam(match["rule"], match["field"], match["op"], _grid(spec, right))
    if policy is not None:
        _comparison(policy, param.rule, param.field, param.op)
    return param


def _grid(spec: str, text: str) -> tuple[float, ...]:
    parts = text.split(":")
    if len(parts) != 3:
        raise UsageError(f"--param {spec!r}: the range must be START:STOP:STEP, e.g. {EXAMPLE}")
    numbers = []
    for name, part in zip(("START", "STOP", "STEP"), parts, strict=True):
        try:
            number = float(part)
        except ValueError:
            raise UsageError(f"--param {spec!r}: {name} {part.strip()!r} is not a number") from None
        if not math.isfinite(number):
            raise UsageError(f"--param {spec!r}: {name} must be a finite number, got {part.strip()!r}")
        numbers.append(number)
    start, stop, step = numbers
    if step <= 0:
        raise UsageError(f"--param {spec!r}: STEP must be above 0, got {_show(step)}")
    if start > stop:
        raise UsageError(f"--param {spec!r}: START {_show(start)} is above STOP {_show(stop)}")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_VALUES:
        raise UsageError(f"--param {spec!r}: {count} values; at most {MAX_VALUES}, so take a larger STEP")
    whole = start.is_integer() and step.is_integer()
    return tuple(int(start + i * step) if whole else round(start + i * step, 10) for i in range(count))


def _show(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def numeric_tests(condition: Condition) -> list[Test]:
    """Every comparison of a field with a number in a condition tree, in order."""
    if isinstance(condition, Test):
        pred = condition.pred
        numeric = isinstance(pred, (Compare, Probability, Split)) or (
            isinstance(pred, MetaTest) and pred.op in COMPARISONS
        )
        return [condition] if numeric else []
    if isinstance(condition, Not):
        return numeric_tests(condition.item)
    return [t for c in condition.items for t in numeric_tests(c)]


def _op_of(test: Test) -> str:
    if isinstance(test.pred, Split):
        return "percent"
    return test.pred.op if isinstance(test.pred, (Compare, MetaTest, Probability)) else ""


def _limit_of(test: Test) -> Any:
    pred = test.pred
    if isinstance(pred, (Compare, Probability)):
        return pred.limit
    if isinstance(pred, Split):
        return pred.percent
    return pred.arg if isinstance(pred, MetaTest) else None


def _comparison(policy: Policy, rule: str, field: str, op: str | None) -> Test:
    """The one numeric comparison of ``field`` (with ``op``, if given) in ``rule``, or a usage error saying why not."""
    names = [r.name for r in policy.rules]
    if rule not in names:
        raise UsageError(f"unknown rule '{rule}'{suggest(rule, names)}; rules: {', '.join(names)}")
    tests = numeric_tests(policy.rules[names.index(rule)].when)
    hits = [t for t in tests if t.field == field and (op is None or _op_of(t) == op)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        compared = ", ".join(f"{t.field} {_op_of(t)} {_show(_limit_of(t))}" for t in tests)
        what = f"{field} {op}" if op else field
        has = f"its numeric comparisons: {compared}" if compared else "it compares no field with a number"
        raise UsageError(f"rule '{rule}' does not compare {what} with a number; {has}")
    ops = ", ".join(f"{_op_of(t)} {_show(_limit_of(t))}" for t in hits)
    raise UsageError(
        f"rule '{rule}' compares {field} {len(hits)} times ({ops}); name the one to sweep, "
        f"e.g. {rule}.{field}.{_op_of(hits[0])}=START:STOP:STEP"
    )


def with_threshold(policy: Policy, rule: str, field: str, value: float, op: str | None = None) -> Policy:
    """A copy of ``policy`` where ``rule``'s one numeric comparison on ``field`` uses ``value``."""
    target = _comparison(policy, rule, field, op)
    rules = tuple(
        dataclasses.replace(r, when=_replace(r.when, target, value)) if r.name == rule else r for r in policy.rules
    )
    return dataclasses.replace(policy, rules=rules)


def _replace(condition: Condition, target: Test, value: float) -> Condition:
    if condition is target:
        pred = target.pred
        if isinstance(pred, (Compare, Probability)):
            return dataclasses.replace(target, pred=dataclasses.replace(pred, limit=value))
        if isinstance(pred, Split):
            return dataclasses.replace(target, pred=dataclasses.replace(pred, percent=float(value)))
        return dataclasses.replace(target, pred=MetaTest(_op_of(target), value))
    if isinstance(condition, Test):
        return condition
    if isinstance(condition, Not):
        return Not(_replace(condition.item, target, value))
    items = tuple(_replace(c, target, value) for c in condition.items)
    return All(items) if isinstance(condition, All) else Any_(items)


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """What the policy does with the swept threshold at ``value``."""

    value: float
    expensive_share: float
    daily_cost: float | None = None
    under_routing_rate: float | None = None
    mean_quality: float | None = None
    rule_requests: int | None = None  # requests the swept rule decides at this value; 0: the value switches it off

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "expensive_share": self.expensive_share,
            "daily_cost": self.daily_cost,
            "under_routing_rate": self.under_routing_rate,
            "mean_quality": self.mean_quality,
            "rule_requests": self.rule_requests,
        }


def sweep_metrics(points: Sequence[SweepPoint], cheap_quality: float, expensive_quality: float) -> CurveMetrics:
    """APGR and CPT over the sweep's (expensive share, mean quality) points, with the 0 and 1 endpoints.

    The metrics also carry the span of shares the labeled points cover and APGR over that span alone."""
    pairs = [(p.expensive_share, p.mean_quality) for p in points if p.mean_quality is not None]
    return curve_metrics(pairs, cheap_quality, expensive_quality)


def calibrate(
    points: Sequence[SweepPoint],
    target_expensive_share: float | None = None,
    max_under_routing: float | None = None,
    *,
    param: str = "the parameter",
) -> SweepPoint:
    """The sweep point that meets the target.

    ``target_expensive_share``: among the points at or below that share, the highest mean quality
    (ties: lower daily cost, then lower expensive share); without quality labels, the largest share
    at or below it. ``max_under_routing``: the cheapest point (daily cost, else expensive share)
    whose under-routing rate is at most the limit.
    """
    if (target_expensive_share is None) == (max_under_routing is None):
        raise UsageError("give exactly one of --target-expensive-share and --max-under-routing")
    if not points:
        raise LlmrouteError(f"no sweep points for {param}")
    if target_expensive_share is not None:
        return _by_share(points, target_expensive_share, param)
    return _by_under_routing(points, float(max_under_routing or 0.0), param)


def _by_share(points: Sequence[SweepPoint], target: float, param: str) -> SweepPoint:
    fits = [p for p in points if p.expensive_share <= target + 1e-12]
    if not fits:
        low = min(points, key=lambda p: p.expensive_share)
        raise LlmrouteError(
            f"no value of {param} keeps the expensive share at or below {target:.1%}; "
            f"the lowest is {low.expensive_share:.1%} (at {_show(low.value)})"
        )
    if all(p.mean_quality is None for p in fits):
        return max(fits, key=lambda p: p.expensive_share)
    return min(
        fits,
        key=lambda p: (
            math.inf if p.mean_quality is None else -p.mean_quality,
            math.inf if p.daily_cost is None else p.daily_cost,
            p.expensive_share,
        ),
    )


def _by_under_routing(points: Sequence[SweepPoint], limit: float, param: str) -> SweepPoint:
    measured = [p for p in points if p.under_routing_rate is not None]
    if not measured:
        raise LlmrouteError("--max-under-routing needs quality labels in the logs; no sweep point has an under-routing")
    fits = [p for p in measured if (p.under_routing_rate or 0.0) <= limit + 1e-12]
    if not fits:
        low = min(measured, key=lambda p: p.under_routing_rate or 0.0)
        raise LlmrouteError(
            f"no value of {param} keeps under-routing at or below {limit:.1%}; "
            f"the lowest is {low.under_routing_rate or 0.0:.1%} (at {_show(low.value)})"
        )
    by_cost = all(p.daily_cost is not None for p in fits)
    return min(
        fits, key=lambda p: ((p.daily_cost if by_cost else p.expensive_share), p.under_routing_rate, p.expensive_share)
    )


@dataclass(slots=True)
class SweptRuns:
    """One Simulation per swept value over the same chunks (a pipeline accumulator)."""

    runs: list[tuple[float, Simulation]]

    def add(self, chunk: Any) -> None:
        for _, sim in self.runs:
            sim.add(chunk)

    def merge(self, other: SweptRuns) -> None:
        for (_, mine), (_, theirs) in zip(self.runs, other.runs, strict=True):
            mine.merge(theirs)


@dataclass(frozen=True, slots=True)
class Sweeps:
    """Makes the swept runs for each part of the logs: ``policy`` with the swept comparison at each value."""

    policy: Policy
    param: SweepParam
    values: tuple[float, ...]
    prices: PriceBook
    options: SimulateOptions

    def routers(self) -> list[Router]:
        p = self.param
        return [Router(with_threshold(self.policy, p.rule, p.field, v, p.op)) for v in self.values]

    def __call__(self, part: int) -> SweptRuns:
        from llmroute_cli.tokens.counter import TokenCounter

        counter = TokenCounter(self.policy.tokenizer)  # one token cache for every value
        sims = [Simulations(r, self.prices, self.options)(part, counter) for r in self.routers()]
        return SweptRuns(list(zip(self.values, sims, strict=True)))
