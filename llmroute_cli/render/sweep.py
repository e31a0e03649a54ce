"""The sweep's results and how they read: the table, CSV, JSON, chart and HTML of ``llmroute sweep``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmroute_cli.render.fmt import count, money_column, percent
from llmroute_cli.render.jsonout import tidied
from llmroute_cli.render.tables import Align, Table, plain, rich_table
from llmroute_cli.reports.sweep_result import CURVE_NOTE, DEFINITIONS, Result, Row, row_dict

if TYPE_CHECKING:
    from llmroute_cli.quality.curve import CurveMetrics


def show(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def or_na(x: float | None, f: Any = percent) -> str:
    return "n/a" if x is None else f(x)


def head(result: Result) -> list[str]:
    return ["value", "expensive share", "per day", "under-routing", "verdict", result.quality_name, "gap recovered"]


def table_rows(result: Result) -> list[list[str]]:
    from llmroute_cli.quality.metrics import verdict

    def cells(r: Row, daily: str | None) -> list[str]:
        p = r.point
        label = show(p.value) + (" (current)" if r.current else "")
        quality = or_na(p.mean_quality, lambda x: f"{x:.3f}")
        under = p.under_routing_rate
        return [label, percent(p.expensive_share), daily or "n/a", or_na(under), verdict(under) or "", quality]

    daily = money_column([r.point.daily_cost for r in result.rows])  # rows that differ in spend print differently
    return [[*cells(r, d), or_na(r.gap_recovered)] for r, d in zip(result.rows, daily, strict=True)]


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


def csv_text(result: Result) -> str:
    """One CSV row per swept value (floats as ``jsonout.tidy``)."""
    import csv
    import io

    rows = [tidied(row_dict(r)) for r in result.rows]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def render_table(lines: list[str], columns: list[str], body: list[list[str]], notes: list[str], console: Any) -> None:
    """Lines, the table of values, then notes, all as plain text."""
    align: list[Align] = ["left" if c in ("value", "verdict") else "right" for c in columns]
    for line in lines:
        console.print(plain(line), soft_wrap=True)
    console.print(rich_table(Table(columns, body, align)))
    for line in notes:
        console.print(plain(line), soft_wrap=True)


def table_notes() -> list[str]:
    return [CURVE_NOTE, *(f"{k}: {v}" for k, v in DEFINITIONS)]


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


def html_page(result: Result, png: bytes | None) -> str:
    """The sweep as one self-contained HTML page: text, chart, table, definitions."""
    from llmroute_cli.render.chart import html_report

    current = next(i for i, r in enumerate(result.rows) if r.current)
    return html_report(
        f"llmroute sweep: {result.param.name}",
        [*intro(result), CURVE_NOTE],
        head(result),
        table_rows(result),
        png=png,
        current_row=current,
        definitions=DEFINITIONS,
    )
