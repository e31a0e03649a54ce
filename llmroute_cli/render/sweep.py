"""The sweep's results and how they read: the table, CSV, JSON, chart and HTML of ``llmroute sweep``."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmroute_cli.render.fmt import count, money, percent

if TYPE_CHECKING:
    from llmroute_cli.quality.curve import CurveMetrics
    from llmroute_cli.quality.metrics import QualityMeans
    from llmroute_cli.reports.sweep import SweepParam, SweepPoint
    from llmroute_cli.rules.policy import Policy

SCALES = {"scores": "judge score", "correct": "accuracy"}

DEFINITIONS = (
    ("expensive share", "of all requests, the share the policy sends to the expensive tier"),
    ("per day", "the policy's spend per day over the period the logs cover"),
    (
        "under-routing",
        "of the labeled requests sent to the cheap tier, the share that needed the expensive one "
        "(the brief: under 10% the routing works, over 20% tighten the rules)",
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


class SweepFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


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


def show(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def or_na(x: float | None, f: Any = percent) -> str:
    return "n/a" if x is None else f(x)


def head(result: Result) -> list[str]:
    return ["value", "expensive share", "per day", "under-routing", "verdict", result.quality_name, "gap recovered"]


def table_rows(result: Result) -> list[list[str]]:
    from llmroute_cli.quality.metrics import verdict

    def cells(r: Row) -> list[str]:
        p = r.point
        label = show(p.value) + (" (current)" if r.current else "")
        quality = or_na(p.mean_quality, lambda x: f"{x:.3f}")
        under = p.under_routing_rate
        return [
            label,
            percent(p.expensive_share),
            or_na(p.daily_cost, money),
            or_na(under),
            verdict(under) or "",
            quality,
        ]

    return [[*cells(r), or_na(r.gap_recovered)] for r in result.rows]


def intro(result: Result) -> list[str]:
    lines = [
        f"{result.param.name} swept over {len(result.param.values)} values (now {show(result.current)}) "
        f"on {count(result.requests)} requests over {result.days:.2f} days; rules: {result.policy.source}."
    ]
    q, m = result.quality, result.metrics
    if q is None:
        return [*lines, f"No quality figures: {result.note}"]
    lines.append(
        f"{result.quality_name.capitalize()} over {count(q.requests)} labeled requests: all cheap {q.all_cheap:.3f}, "
        f"all expensive {q.all_expensive:.3f}."
    )
    return lines if m is None else [*lines, *curve_lines(m)]


def curve_lines(m: CurveMetrics) -> list[str]:
    """The measured span with APGR over it, then RouteLLM's APGR and CPTs, each marked where extrapolated."""
    lines, span = [], m.share_range
    if span is not None:
        over = "too narrow for an APGR over it"
        if m.apgr_measured is not None:
            over = f"APGR over that span {m.apgr_measured:.3f} (the mean gap recovered there)"
        lines.append(f"Measured expensive share {_span(span)} of the labeled requests; {over}.")
    ends = " (0–100%, including extrapolated ends)" if m.apgr is not None and m.apgr_extrapolated else ""
    cpts = f"CPT(50%) {_cpt(m.cpt50, m.cpt50_extrapolated, span)}, CPT(80%) {_cpt(m.cpt80, m.cpt80_extrapolated, span)}"
    return [*lines, f"APGR {or_na(m.apgr, lambda x: f'{x:.3f}')}{ends}, {cpts}."]


def _span(span: tuple[float, float]) -> str:
    low, high = span
    return percent(low) if low == high else f"{percent(low)}–{percent(high)}"


def _cpt(share: float | None, extrapolated: bool, span: tuple[float, float] | None) -> str:
    if share is None or not extrapolated:
        return or_na(share)
    if span is None:
        return f"{percent(share)} (extrapolated: nothing measured)"
    side = "below" if share < span[0] else "beyond"
    return f"{percent(share)} (extrapolated: {side} the measured {_span(span)})"


def emit(result: Result, fmt: SweepFormat) -> None:
    if fmt is SweepFormat.json:
        import json

        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    elif fmt is SweepFormat.csv:
        _csv(result)
    else:
        print_table(
            intro(result), head(result), table_rows(result), [CURVE_NOTE, *(f"{k}: {v}" for k, v in DEFINITIONS)]
        )


def _csv(result: Result) -> None:
    import csv

    rows = [row_dict(r) for r in result.rows]
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def print_table(lines: list[str], columns: list[str], body: list[list[str]], notes: list[str]) -> None:
    from rich.table import Table

    from llmroute_cli.commands._common import stdout_console

    console = stdout_console()
    for line in lines:
        console.print(line, markup=False, soft_wrap=True)
    table = Table()
    for c in columns:
        table.add_column(c, justify="left" if c in ("value", "verdict") else "right")
    for row in body:
        table.add_row(*row)
    console.print(table)
    for line in notes:
        console.print(line, markup=False, soft_wrap=True)


def png_bytes(result: Result) -> bytes:
    from llmroute_cli.render.chart import ChartPoint, cost_quality_png

    q = result.quality
    assert q is not None
    points = [
        ChartPoint(show(r.point.value), r.point.daily_cost or 0.0, r.point.mean_quality or 0.0, r.current)
        for r in result.rows
    ]
    return cost_quality_png(
        points,
        title=f"{result.param.name}: spend against {result.quality_name}",
        y_label=f"{result.quality_name} ({count(q.requests)} labeled requests)",
        references=[("all cheap", q.all_cheap), ("all expensive", q.all_expensive)],
    )


def write_html(path: Path, result: Result, png: bytes | None) -> None:
    from llmroute_cli.commands.output import write_atomic
    from llmroute_cli.render.chart import html_report

    current = next(i for i, r in enumerate(result.rows) if r.current)
    page = html_report(
        f"llmroute sweep: {result.param.name}",
        [*intro(result), CURVE_NOTE],
        head(result),
        table_rows(result),
        png=png,
        current_row=current,
        definitions=DEFINITIONS,
    )
    write_atomic(path, page)
