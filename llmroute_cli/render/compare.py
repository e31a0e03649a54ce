"""How ``llmroute compare`` reads: one table of policies and baselines, as text or Markdown, and its chart."""

from __future__ import annotations

from typing import Any

from llmroute_cli.render.fmt import count, money_column, percent
from llmroute_cli.render.report import cascade_lines
from llmroute_cli.render.tables import Align, Table, markdown_table, md_text, plain, printable, rich_table

NOTES = (
    "saved: against sending every request to the expensive tier; under-routing: of the labeled requests sent cheap, "
    "the share that needed the expensive tier; gap recovered: (quality - all cheap) / (all expensive - all cheap).",
    "random at s: the expectation of routing at random with a policy's expensive share s (exact, by linearity); "
    "oracle: each labeled request on the tier its labels say it needed, unlabeled ones cheap.",
)
LATENCY_NOTE = (
    "added latency: nearest-rank p50 / p95 as routed minus as logged, over the requests that logged a latency "
    "(a call not logged on its model timed by that model's median); n/a for random routing and untimed models."
)


def intro(report: dict[str, Any]) -> list[str]:
    labeled = report["labeled"]
    quality = (
        f"{count(labeled)} carry outcome labels" if labeled else "none carries outcome labels (no quality columns)"
    )
    return [
        f"{count(report['queries'])} requests over {report['days']:.2f} days; {quality}. "
        f"Cheap tier {printable(report['cheap_tier'])} ({printable(report['cheap_model'])}), "
        f"expensive tier {printable(report['expensive_tier'])} ({printable(report['expensive_model'])})."
    ]


def table(report: dict[str, Any]) -> Table:
    scales = report["scales"] if report["labeled"] else []
    head = ["policy", "per day", "per year", "saved", "expensive share", "under-routing"]
    head += [f"gap recovered ({s})" for s in scales]
    timed = report.get("latency", False)
    head += ["added latency p50 / p95"] if timed else []
    names = short_names([p["policy"] for p in report["policies"] if p["kind"] == "rules"])
    rows = []
    daily = money_column([p["daily_cost_usd"] for p in report["policies"]])
    yearly = money_column([p["yearly_cost_usd"] for p in report["policies"]])
    for i, p in enumerate(report["policies"]):
        saved = p["saved_vs_all_expensive"]
        cells = [
            printable(names.get(p["policy"], p["policy"])),
            daily[i] or "n/a",
            yearly[i] or "n/a",
            "n/a" if saved is None else percent(saved),
            percent(p["expensive_share"]),
            "n/a" if p["under_routing"] is None or not scales else percent(p["under_routing"]),
        ]
        cells += [_gap(p["gap_recovered"].get(s)) for s in scales]
        cells += [_added(p.get("latency"))] if timed else []
        rows.append(cells)
    right: Align = "right"
    align: list[Align] = ["left", *[right] * (len(head) - 1)]
    return Table(head, rows, align, "Policies side by side", row_headers=True)


def short_names(paths: list[str]) -> dict[str, str]:
    """Each rule file by its shortest trailing path that no other file shares (``routes.yaml``, ``a/x.yaml``)."""
    parts = {p: p.replace("\\", "/").split("/") for p in paths}
    out = {}
    for path, segs in parts.items():
        for n in range(1, len(segs) + 1):
            tail = segs[-n:]
            if all(other[-n:] != tail for q, other in parts.items() if q != path):
                out[path] = "/".join(tail)
                break
        else:
            out[path] = path
    return out


def _added(latency: dict[str, Any] | None) -> str:
    added = (latency or {}).get("added_ms")
    if not added:
        return "n/a"
    return f"{added['p50']:+,.0f} / {added['p95']:+,.0f} ms"


def cascade_notes(report: dict[str, Any]) -> list[str]:
    """Each cascade policy's spend and gap recovered under assumed verifier error, named by its policy."""
    names = short_names([p["policy"] for p in report["policies"] if p["kind"] == "rules"])
    out = []
    for p in report["policies"]:
        for line in cascade_lines({"cascades": p.get("cascades", [])}):
            out.append(f"{names.get(p['policy'], p['policy'])}: {line}" if not line.startswith(" ") else line)
    return out


def _gap(x: float | None) -> str:
    return "n/a" if x is None else percent(x)


def render_table(report: dict[str, Any], console: Any) -> None:
    for line in intro(report):
        console.print(plain(line))
    console.print(rich_table(table(report), fold=True))
    for line in cascade_notes(report):
        console.print(plain(line))
    for note in notes(report):
        console.print(plain(note), style="dim")


def render_markdown(report: dict[str, Any]) -> str:
    lines = ["## llmroute compare", "", *(md_text(line) for line in intro(report)), "", markdown_table(table(report))]
    cascades = cascade_notes(report)
    lines += ["", *(f"{md_text(line)}  " for line in cascades)] if cascades else []
    return "\n".join([*lines, "", *(f"_{md_text(n)}_  " for n in notes(report))]) + "\n"


def notes(report: dict[str, Any]) -> list[str]:
    return [*NOTES, LATENCY_NOTE] if report.get("latency") else list(NOTES)


def chart(report: dict[str, Any]) -> bytes:
    """Daily spend against gap recovered (the first quality scale), one point per policy."""
    from llmroute_cli.render.chart import ChartPoint, cost_quality_png

    scale = report["scales"][0]
    points = [
        ChartPoint(p["policy"], p["daily_cost_usd"], p["gap_recovered"][scale], p["kind"] == "rules")
        for p in report["policies"]
        if p["gap_recovered"].get(scale) is not None
    ]
    title = f"Policies on {count(report['queries'])} requests: spend against quality"
    return cost_quality_png(
        points, title=title, y_label=f"gap recovered ({scale})", joined=False, series="baselines", marked="policy"
    )
