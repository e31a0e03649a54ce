"""A rule change's plan as Markdown (a PR comment) or plain text."""

from __future__ import annotations

import html
from typing import Any

from llmroute_cli.render.fmt import count, money, percent


def _signed_money(x: float) -> str:
    return ("+" if x > 0 else "") + money(x)


def _signed_pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+.1f}%"


def summary_lines(report: dict[str, Any], old_name: str, new_name: str) -> list[str]:
    s = report["spend"]
    return [
        f"{count(report['queries'])} logged requests over {report['days']:.2f} days, "
        f"routed by `{old_name}` and `{new_name}`.",
        f"Spend per day {money(s['old_daily_usd'])} → {money(s['new_daily_usd'])} "
        f"({_signed_money(s['delta_daily_usd'])}, {_signed_pct(s['delta_percent'])}); "
        f"per year {money(s['old_yearly_usd'])} → {money(s['new_yearly_usd'])} "
        f"({_signed_money(s['delta_yearly_usd'])}).",
        f"{count(report['shifted']['queries'])} requests ({percent(report['shifted']['share'])}) change tier.",
    ]


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell of a PR comment: no pipes, newlines or raw HTML."""
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ").replace("\r", " ")


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
    out = ["## llmroute diff", ""]
    lines = summary_lines(report, old_name, new_name) + quality_lines(report.get("quality"))
    out += [f"{line}  " for line in lines] + [""]
    out += ["| from \\ to | " + " | ".join(report["tiers"]) + " |", "|---|" + "---:|" * len(report["tiers"])]
    cells = {(t["from"], t["to"]): t for t in report["transitions"]}
    for a in report["tiers"]:
        row = [
            f"{count(cells[(a, b)]['queries'])} ({percent(cells[(a, b)]['share'])})" if (a, b) in cells else "0"
            for b in report["tiers"]
        ]
        out.append(f"| **{a}** | " + " | ".join(row) + " |")
    out += ["", "| rule | hits before | hits after | change |", "|---|---:|---:|---:|"]
    for name, r in report["rules"].items():
        note = "" if r["status"] == "kept" else f" ({r['status']})"
        out.append(f"| {md_cell(name)}{note} | {count(r['old'])} | {count(r['new'])} | {r['delta']:+,} |")
    if report["examples"]:
        out += [
            "",
            "<details><summary>Requests that change tier</summary>",
            "",
            "| request | query | before | after |",
            "|---|---|---|---|",
        ]
        for e in report["examples"]:
            q = e["query"].replace("|", "\\|").replace("\n", " ")
            out.append(
                f"| {e['id']} | {q} | {e['old']['tier']} ({e['old']['rule'] or 'default'}) | "
                f"{e['new']['tier']} ({e['new']['rule'] or 'default'}) |"
            )
        out += ["", "</details>"]
    if failures:
        out += ["", "**Gates failed:**", *(f"- {f}" for f in failures)]
    return "\n".join(out) + "\n"


def render_text(report: dict[str, Any], old_name: str, new_name: str, failures: list[str]) -> str:
    lines = summary_lines(report, old_name, new_name) + quality_lines(report.get("quality"))
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
    return "\n".join(lines) + "\n"
