"""A rule change's plan as Markdown (a PR comment) or plain text."""

from __future__ import annotations

import csv
import io
from typing import Any

from llmroute_cli.render.fmt import count, money, percent
from llmroute_cli.render.jsonout import tidied
from llmroute_cli.render.report import alerts
from llmroute_cli.render.tables import Align, Table, markdown_table, md_cell, md_text, printable

__all__ = ["md_cell", "quality_lines", "render_csv", "render_markdown", "render_text", "summary_lines"]
RIGHT: list[Align] = ["right"]


def _signed_money(x: float) -> str:
    return ("+" if x > 0 else "") + money(x)


def _signed_pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+.1f}%"


def summary_lines(report: dict[str, Any], old_name: str, new_name: str) -> list[str]:
    s = report["spend"]
    return [
        f"{count(report['queries'])} logged requests over {report['days']:.2f} days, "
        f"routed by {old_name} and {new_name}.",
        f"Spend per day {money(s['old_daily_usd'])} → {money(s['new_daily_usd'])} "
        f"({_signed_money(s['delta_daily_usd'])}, {_signed_pct(s['delta_percent'])}); "
        f"per year {money(s['old_yearly_usd'])} → {money(s['new_yearly_usd'])} "
        f"({_signed_money(s['delta_yearly_usd'])}).",
        f"{count(report['shifted']['queries'])} requests ({percent(report['shifted']['share'])}) change tier.",
    ]


def quality_lines(q: dict[str, Any] | None) -> list[str]:
    if not q:
        return []
    u = q["under_routing_rate"]
    fmt = lambda x: "n/a" if x is None else percent(x)  # noqa: E731
    lines = [
        f"Under-routing on {count(q['labeled'])} labeled requests: {fmt(u['old'])} → {fmt(u['new'])} "
        f"({q['verdict']['old'] or 'n/a'} → {q['verdict']['new'] or 'n/a'})."
    ]
    names = {"scores": "judge score", "correct": "accuracy"}
    for scale, m in q["mean_quality"].items():
        lines.append(f"Mean {names.get(scale, scale)}: {m['old']:.3f} → {m['new']:.3f} ({m['delta']:+.3f}).")
    return lines


def render_markdown(report: dict[str, Any], old_name: str, new_name: str, failures: list[str]) -> str:
    """Compact GitHub-flavoured Markdown for a pull-request comment."""
    # File names in <code>, not backticks: a code span shows backslash escapes as typed.
    names = (f"<code>{md_text(old_name)}</code>", f"<code>{md_text(new_name)}</code>")
    lines = summary_lines(report, *names)
    out = ["## llmroute diff", "", *(f"{line}  " for line in lines)]
    out += [f"{md_text(line)}  " for line in quality_lines(report.get("quality"))]
    out += ["", markdown_table(_transitions(report)), "", markdown_table(_rule_hits(report))]
    if report["examples"]:
        out += ["", "<details><summary>Requests that change tier</summary>", "", markdown_table(_examples(report))]
        out += ["", "</details>"]
    if failures:
        out += ["", "**Gates failed:**", *(f"- {md_text(f)}" for f in failures)]
    notes = alerts(report)
    if notes:
        out += ["", *(f"> {md_text(note)}  " for note in notes)]
    return "\n".join(out) + "\n"


def _transitions(report: dict[str, Any]) -> Table:
    """Requests from each old tier (rows) to each new tier (columns)."""
    tiers = list(report["tiers"])
    cells = {(t["from"], t["to"]): t for t in report["transitions"]}

    def cell(a: str, b: str) -> str:
        t = cells.get((a, b))
        return f"{count(t['queries'])} ({percent(t['share'])})" if t else "0"

    rows = [[a, *(cell(a, b) for b in tiers)] for a in tiers]
    align: list[Align] = ["left", *RIGHT * len(tiers)]
    return Table(headers=["from \\ to", *tiers], rows=rows, align=align, row_headers=True)


def _rule_hits(report: dict[str, Any]) -> Table:
    rows = [
        [
            name + ("" if r["status"] == "kept" else f" ({r['status']})"),
            count(r["old"]),
            count(r["new"]),
            f"{r['delta']:+,}",
        ]
        for name, r in report["rules"].items()
    ]
    return Table(headers=["rule", "hits before", "hits after", "change"], rows=rows, align=["left", *RIGHT * 3])


def _examples(report: dict[str, Any]) -> Table:
    rows = [[e["id"], e["query"], _decision(e["old"]), _decision(e["new"])] for e in report["examples"]]
    return Table(headers=["request", "query", "before", "after"], rows=rows)


def _decision(d: dict[str, Any]) -> str:
    return f"{d['tier']} ({d['rule'] or 'default'})"


def render_text(report: dict[str, Any], old_name: str, new_name: str, failures: list[str]) -> str:
    lines = summary_lines(report, f"`{old_name}`", f"`{new_name}`") + quality_lines(report.get("quality"))
    lines.append("tier moves:")
    lines += [
        f"  {t['from']} → {t['to']}: {count(t['queries'])} ({percent(t['share'])})" for t in report["transitions"]
    ]
    lines.append("rule hits (before → after):")
    lines += [f"  {n}: {count(r['old'])} → {count(r['new'])} ({r['delta']:+,})" for n, r in report["rules"].items()]
    if report["examples"]:
        lines.append("examples:")
        lines += [
            f"  {e['id']}: {e['old']['tier']} → {e['new']['tier']} ({e['new']['rule'] or 'default'}): {e['query']}"
            for e in report["examples"]
        ]
    lines += [f"gate failed: {f}" for f in failures]
    lines += alerts(report)
    return "\n".join(printable(line) for line in lines) + "\n"


CSV_HEAD = ["section", "name", "before", "after", "change", "share"]


def render_csv(report: dict[str, Any], failures: list[str]) -> str:
    """One row per spend figure, quality figure, tier move, rule and failed gate (floats as ``jsonout.tidy``)."""
    report = tidied(report)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEAD)
    s = report["spend"]
    for period in ("daily", "yearly"):
        w.writerow(
            ["spend", f"{period}_usd", s[f"old_{period}_usd"], s[f"new_{period}_usd"], s[f"delta_{period}_usd"], ""]
        )
    q = report.get("quality")
    if q:
        u = q["under_routing_rate"]
        w.writerow(["quality", "under_routing_rate", u["old"], u["new"], u["delta"], ""])
        for scale, m in q["mean_quality"].items():
            w.writerow(["quality", f"mean_{scale}", m["old"], m["new"], m["delta"], ""])
    for t in report["transitions"]:  # change: the requests that move; share: of all requests
        w.writerow(["tier_move", f"{t['from']} -> {t['to']}", t["from"], t["to"], t["queries"], t["share"]])
    for name, r in report["rules"].items():
        w.writerow(["rule", name, r["old"], r["new"], r["delta"], ""])
    for f in failures:
        w.writerow(["gate_failed", f, "", "", "", ""])
    return buf.getvalue()
