"""Pictures of a sweep: cost against quality as a PNG, and a small self-contained HTML report that embeds it.

matplotlib is imported here only, and only when a chart is drawn.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from llmroute_cli.errors import LlmrouteError

CURRENT_COLOUR, LINE_COLOUR, REFERENCE_COLOUR = "#cc3311", "#4477aa", "#888888"


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One policy on the chart: its label (the swept value), daily cost and mean quality."""

    label: str
    cost: float
    quality: float
    current: bool = False


def cost_quality_png(
    points: Sequence[ChartPoint],
    *,
    title: str,
    y_label: str,
    references: Sequence[tuple[str, float]] = (),
    joined: bool = True,
    series: str = "swept values",
    marked: str = "current policy",
) -> bytes:
    """A PNG of daily cost (x) against mean quality (y): points (joined in order unless not ``joined``),
    labelled, the current one marked."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import StrMethodFormatter
    except ImportError:
        raise LlmrouteError("charts need matplotlib; install it with: pip install matplotlib") from None
    fig = Figure(figsize=(8, 5), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    style = "o-" if joined else "o"
    ax.plot([p.cost for p in points], [p.quality for p in points], style, color=LINE_COLOUR, label=series)
    for p in (p for p in points if p.current):
        ax.plot([p.cost], [p.quality], "D", color=CURRENT_COLOUR, markersize=11, label=f"{marked} ({p.label})")
    for name, y in references:
        ax.axhline(y, color=REFERENCE_COLOUR, linestyle="--", linewidth=0.8)
        ax.annotate(
            name, (0.99, y), xycoords=("axes fraction", "data"), xytext=(0, 3), textcoords="offset points", ha="right"
        )
    ax.set(title=title, xlabel="routed spend per day (USD)", ylabel=y_label)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    _label(ax, points)
    ax.xaxis.set_major_formatter(StrMethodFormatter(f"${{x:,.{_decimals(list(ax.get_xticks()))}f}}"))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _label(ax: Any, points: Sequence[ChartPoint]) -> None:
    """Label points with their values: the current one, the ends, then any other with room to spare."""
    ax.autoscale_view()
    order = sorted(range(len(points)), key=lambda i: (not points[i].current, 0 < i < len(points) - 1, i))
    placed: list[tuple[float, float]] = []
    for i in order:
        p = points[i]
        x, y = ax.transData.transform((p.cost, p.quality))
        if any(abs(x - a) < 22 and abs(y - b) < 14 for a, b in placed):
            continue  # too close to a labelled point; the table has every value
        placed.append((x, y))
        ax.annotate(p.label, (p.cost, p.quality), textcoords="offset points", xytext=(5, -13), fontsize=8)


def _decimals(ticks: list[float]) -> int:
    """The fewest decimals that print every tick exactly (a step of 0.025 needs 3)."""
    return next((d for d in range(7) if all(abs(round(t, d) - t) < 1e-9 for t in ticks)), 2)


STYLE = """\
body { font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { padding: 0.25rem 0.7rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.current { font-weight: bold; background: #fdece8; }
img { max-width: 100%; }
dt { font-weight: bold; margin-top: 0.4rem; }
"""


def html_report(
    title: str,
    intro: Sequence[str],
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    png: bytes | None = None,
    current_row: int | None = None,
    definitions: Sequence[tuple[str, str]] = (),
) -> str:
    """One HTML page, no outside files: the text, the chart as a base64 image, the table, the definitions."""
    e = html.escape
    out = [
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
        f"<title>{e(title)}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>",
        f"<h1>{e(title)}</h1>",
        *(f"<p>{e(line)}</p>" for line in intro),
    ]
    if png is not None:
        data = base64.b64encode(png).decode("ascii")
        out.append(f'<img alt="{e(title)}" src="data:image/png;base64,{data}">')
    out.append("<table>\n<tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
    for i, row in enumerate(rows):
        mark = ' class="current"' if i == current_row else ""
        out.append(f"<tr{mark}>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
    out.append("</table>")
    if definitions:
        out.append("<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in definitions) + "</dl>")
    out.append("</body>\n</html>\n")
    return "\n".join(out)
