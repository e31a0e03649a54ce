"""A threshold sweep's result as plain data: one row per swept value, the curve metrics, the definitions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmroute_cli.quality.metrics import NO_LABELS
from llmroute_cli.reports.simulate import build_report, period_of
from llmroute_cli.reports.sweep import SweepParam, SweepPoint, numeric_tests, sweep_metrics

if TYPE_CHECKING:
    from llmroute_cli.quality.curve import CurveMetrics
    from llmroute_cli.quality.metrics import QualityMeans
    from llmroute_cli.rules.conditions import Test
    from llmroute_cli.rules.policy import Policy
    from llmroute_cli.simulate.result import SimulationResult

SCALES = {"scores": "judge score", "correct": "accuracy"}

DEFINITIONS = (
    ("expensive share", "of all requests, the share the policy sends to the expensive tier"),
    ("per day", "the policy's spend per day over the period the logs cover"),
    (
        "under-routing",
        "of the labeled requests sent to the cheap tier, the share that needed the expensive one "
        "(under 10%: the routing works; 10-20%: watch it; over 20%: tighten the rules)",
    ),
    ("mean quality", "the mean judge score or accuracy of the answers the policy picks, over the labeled requests"),
    ("gap recovered", "(mean quality - all cheap) / (all expensive - all cheap): 0 is all cheap, 1 all expensive"),
    (
        "APGR",
        "average gap recovered: the area under gap recovered against expensive share from 0 to 1 "
        "(RouteLLM), with straight lines to all cheap (0) and all expensive (1) where the sweep measured "
        "nothing; random routing scores about 0.5, higher is better",
    ),
    (
        "APGR over that span",
        "the area under gap recovered between the lowest and highest measured expensive share, divided by "
        "that width: the mean gap recovered where the sweep measured",
    ),
    (
        "CPT(50%), CPT(80%)",
        "the expensive share at which the policy first recovers 50% (80%) of the quality gap; "
        "extrapolated when it falls outside the measured span, on a straight line to an end",
    ),
)

CURVE_NOTE = "APGR and CPT read the expensive share among the labeled requests, where quality is measured."


@dataclass(frozen=True, slots=True)
class Row:
    """One swept value: its sweep point, and what only labels give."""

    point: SweepPoint
    current: bool
    gap_recovered: float | None = None
    labeled_share: float | None = None  # expensive share among the quality-labeled requests: the curve's x


@dataclass(frozen=True, slots=True)
class Result:
    param: SweepParam
    policy: Policy
    current: float
    rows: tuple[Row, ...]
    requests: int
    days: float
    expensive_tier: str
    quality: QualityMeans | None  # of the current policy: all-cheap and all-expensive quality, labeled requests
    scale: str | None  # "scores" or "correct"
    metrics: CurveMetrics | None
    note: str | None  # why there is no quality

    @property
    def quality_name(self) -> str:
        return f"mean {SCALES.get(self.scale or '', self.scale or 'quality')}"

    def to_dict(self) -> dict[str, Any]:
        q = self.quality
        return {
            "param": self.param.name,
            "current": self.current,
            "rules_file": self.policy.source,
            "requests": self.requests,
            "days": self.days,
            "expensive_tier": self.expensive_tier,
            "quality": None if q is None else _quality_dict(q, self.scale),
            "metrics": None if self.metrics is None else self.metrics.to_dict(),
            "points": [row_dict(r) for r in self.rows],
            "definitions": dict(DEFINITIONS),
            "note": self.note,
        }


def _quality_dict(q: QualityMeans, scale: str | None) -> dict[str, Any]:
    return {"scale": scale, "requests": q.requests, "all_cheap": q.all_cheap, "all_expensive": q.all_expensive}


def row_dict(r: Row) -> dict[str, Any]:
    p = r.point
    return {
        "value": p.value,
        "current": r.current,
        "expensive_share": p.expensive_share,
        "daily_cost_usd": p.daily_cost,
        "under_routing_rate": p.under_routing_rate,
        "mean_quality": p.mean_quality,
        "gap_recovered": r.gap_recovered,
        "labeled_expensive_share": r.labeled_share,
        "rule_requests": p.rule_requests,
    }


def sweep_result(
    param: SweepParam,
    policy: Policy,
    current: float,
    runs: list[tuple[float, SimulationResult]],
    expensive: str,
    days: float | None,
    sample_rate: float,
) -> Result:
    """The sweep's rows, one per value's simulation, with the curve metrics when labels allow."""
    rows, means, note = [], [], None
    rule = [r.name for r in policy.rules].index(param.rule)
    for value, done in runs:
        report = build_report(done, period_of(done, days), sample_rate)
        quality = done.quality
        if quality is None:
            note = done.quality_problem or NO_LABELS
        q = quality.primary if quality is not None else None
        under = quality.rates.under_routing_rate if quality is not None else None
        share, daily = report["tiers"][expensive]["share"], report["routed"]["daily_cost_usd"]
        hits = int(done.totals.queries[rule])
        if q is None:
            rows.append(Row(SweepPoint(value, share, daily, under, rule_requests=hits), value == current))
        else:
            point = SweepPoint(value, share, daily, under, q.routed, hits)
            rows.append(Row(point, value == current, q.gap_recovered, q.expensive_share))
        means.append((q, quality))
    base, scales = next(((q, r.quality) for q, r in means if q is not None and r is not None), (None, {}))
    scale = next((k for k, v in scales.items() if v is base), None)
    metrics = None
    if base is not None:
        curve = [SweepPoint(r.point.value, r.labeled_share or 0.0, mean_quality=r.point.mean_quality) for r in rows]
        metrics = sweep_metrics(curve, base.all_cheap, base.all_expensive)
    requests, period = report["queries"], report["days"]
    return Result(param, policy, current, tuple(rows), requests, period, expensive, base, scale, metrics, note)


def swept_test(policy: Policy, param: SweepParam) -> Test:
    """The comparison the sweep rewrites (``sweep_values`` has checked there is exactly one)."""
    rule = next(r for r in policy.rules if r.name == param.rule)
    tests = [t for t in numeric_tests(rule.when) if t.field == param.field]
    return next(t for t in tests if param.op is None or getattr(t.pred, "op", None) == param.op)


def current_value(test: Test) -> float:
    """The number a comparison holds now, as the rule file writes it."""
    pred: Any = test.pred
    limit = float(pred.limit if hasattr(pred, "limit") else pred.arg)
    return int(limit) if limit.is_integer() else limit
