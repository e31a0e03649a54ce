"""The simulate report as rich tables, Markdown (PR comments) or CSV; all read the same report dict."""

from __future__ import annotations

import csv
import io
from typing import Any

from llmroute_cli.render.fmt import count, money, percent
from llmroute_cli.render.jsonout import tidied
from llmroute_cli.render.tables import Align, Table, markdown_table, md_text, plain, printable, rich_table
from llmroute_cli.reports.context import FITS_NONE

BASELINE_NAMES = {"all_expensive": "everything on {tier} ({model})", "as_logged": "as logged"}


def _headline(report: dict[str, Any]) -> list[str]:
    p = report["period"]
    span = f"{p['start']} to {p['end']}" if p["start"] else "no timestamps"
    days = f"{report['days']:.2f} days ({'from timestamps' if p['source'] == 'timestamps' else 'from --days'})"
    lines = [f"{count(report['queries'])} requests over {days}; {span}", f"rules: {report['rules_file']}"]
    if report.get("prices"):
        lines.append("prices: " + "; ".join(_priced(m, p) for m, p in report["prices"].items()))
    if report["sample_rate"] != 1:
        lines.append(f"scaled up from a {percent(report['sample_rate'])} sample of the traffic")
    tok = report["tokens"]
    lines.append(
        f"input tokens from the logs for {count(tok['input']['logged'])} requests, counted "
        f"({tok['tokenizer']}) for {count(tok['input']['counted'])}; output tokens from the logs for "
        f"{count(tok['output']['logged'])}, estimated for {count(tok['output']['estimated'])} "
        f"at {tok['output']['estimate']}"
    )
    for reason, n in tok["input"].get("approximated", {}).items():
        lines.append(f"input tokens approximated for {count(n)} counted requests: {reason}")
    return lines


def _priced(model: str, entry: dict[str, Any]) -> str:
    """``gpt-4o-mini from LiteLLM map m.json:gpt-4o-mini (openai)``."""
    provider = f" ({entry['provider']})" if entry.get("provider") else ""
    return f"{model} from {entry['source']}{provider}"


def _baseline_label(name: str, base: dict[str, Any]) -> str:
    return BASELINE_NAMES[name].format(tier=base.get("tier"), model=base.get("model"))


def _rows(report: dict[str, Any]) -> dict[str, list[list[str]]]:
    tiers = [
        [
            t,
            v["model"],
            count(v["queries"]),
            percent(v["share"]),
            count(v["input_tokens"]),
            count(v["output_tokens"]),
            money(v["cost_usd"]),
            money(v["daily_cost_usd"]),
            money(v["yearly_cost_usd"]),
        ]
        for t, v in report["tiers"].items()
    ]
    rules = [
        [r, v["tier"], count(v["queries"]), percent(v["share"]), money(v["cost_usd"]), money(v["daily_cost_usd"])]
        for r, v in report["rules"].items()
    ]
    compare = [
        [
            "routed by the rules",
            money(report["routed"]["daily_cost_usd"]),
            money(report["routed"]["yearly_cost_usd"]),
            "",
            "",
        ]
    ]
    for name, base in report["baseline"].items():
        if base is None:
            continue
        s = report["savings"][name]
        pct = "n/a" if s["percent"] is None else f"{s['percent']:.1f}%"
        compare.append(
            [
                _baseline_label(name, base),
                money(base["daily_cost_usd"]),
                money(base["yearly_cost_usd"]),
                money(s["yearly_usd"]),
                pct,
            ]
        )
    return {"tiers": tiers, "rules": rules, "compare": compare}


TIER_HEAD = ["tier", "model", "queries", "share", "input tokens", "output tokens", "cost", "per day", "per year"]
RULE_HEAD = ["rule", "tier", "hits", "share", "cost", "per day"]
TEXT_COLUMNS = ("tier", "model", "rule", "policy", "routed", "routed \\ needed", "verdict")
COMPARE_HEAD = ["policy", "per day", "per year", "saved per year", "saved"]


def _tables(report: dict[str, Any]) -> list[Table]:
    rows = _rows(report)
    return [
        _table("Spend per tier", TIER_HEAD, rows["tiers"]),
        _table("Per rule", RULE_HEAD, rows["rules"]),
        _table("Against the baselines", COMPARE_HEAD, rows["compare"]),
    ]


def _table(title: str, head: list[str], body: list[list[str]]) -> Table:
    """Text columns to the left, figures to the right."""
    align: list[Align] = ["left" if h in TEXT_COLUMNS else "right" for h in head]
    return Table(title=title, headers=head, rows=body, align=align)


def render_table(report: dict[str, Any], console: Any) -> None:
    """Rich tables for a terminal."""
    for line in _headline(report):
        console.print(plain(line))
    for table in _tables(report):
        console.print(rich_table(table))
    q = report.get("quality")
    if q:
        console.print("Routing quality", style="bold")
        for line in quality_lines(q):
            console.print(plain(line))
        console.print(rich_table(_table(CONFUSION_TITLE, CONFUSION_HEAD, confusion_rows(q))))
        console.print(rich_table(_table(QUALITY_TITLE, QUALITY_HEAD, quality_rows(q))))
    for line in [*cascade_lines(report), *latency_lines(report), *context_lines(report)]:
        console.print(plain(line))
    for line in notes(report):
        console.print(plain(line))


def cascade_lines(report: dict[str, Any]) -> list[str]:
    """Each cascade's escalation, and its spend and gap recovered if the escalation were wrong this often."""
    out = []
    for c in report.get("cascades", []):
        out.append(
            f"Cascade '{c['rule']}' ({c['first']} first, {c['then']} when escalated): {c['escalated']:,} escalated, "
            f"{c['kept']:,} kept. If the escalation signal were wrong on a share e of requests:"
        )
        for s in c["scenarios"]:
            gaps = ", ".join(
                f"gap recovered ({k}) {'n/a' if v is None else f'{v:.1%}'}" for k, v in s["gap_recovered"].items()
            )
            out.append(
                f"  e = {s['verifier_error']:.0%}: {money(s['daily_cost_usd'])} per day" + (f", {gaps}" if gaps else "")
            )
    return out


def latency_lines(report: dict[str, Any]) -> list[str]:
    """Latency p50/p95 as logged and as routed, when the logs carry latencies."""
    lat = report.get("latency")
    if not lat:
        return []
    before, after = lat["before_ms"], lat["after_ms"]
    head = f"Latency over the {count(lat['requests'])} requests that logged one"
    if after is None:
        models = ", ".join(lat["missing_models"])
        return [
            f"{head}: p50 {_ms(before['p50'])}, p95 {_ms(before['p95'])} as logged; as routed: n/a, "
            f"no request logged a latency on {models}, where the policy sends some."
        ]
    lines = [
        f"{head}: p50 {_ms(before['p50'])} as logged → {_ms(after['p50'])} as routed, "
        f"p95 {_ms(before['p95'])} → {_ms(after['p95'])} (nearest rank)."
    ]
    how = f"{count(lat['estimated_calls'])} routed calls timed by their model's median logged latency"
    if lat["escalated"]:
        how += f"; {count(lat['escalated'])} escalated requests wait for both calls of their cascade"
    return [*lines, f"  {how}."]


def context_lines(report: dict[str, Any]) -> list[str]:
    """The requests too long for their routed tier's model, per rule, and the tiers not checked; none if neither."""
    c = report.get("context_window")
    if not c:
        return []
    lines = []
    if c["requests"]:
        rule = f"'fallback: {c['fallback']}'" if c["fallback"] else "no 'fallback:'"
        lines.append(
            f"Context windows: {count(c['requests'])} requests too long for their routed tier's model ({rule}; "
            f"else the cheapest tier that fits), {signed(c['difference_usd'])} in all:"
        )
    for name, r in c["rules"].items():
        went = "; ".join(_went(c, r, dest, v) for dest, v in r["to"].items())
        window = f"{count(r['max_input_tokens'])} tokens"
        lines.append(f"  rule '{name}' ({r['tier']}, {c['windows'][r['tier']]['model']}, window {window}): {went}")
    if c.get("cascade_first_calls_too_long"):
        lines.append(
            f"Cascade first calls: {count(c['cascade_first_calls_too_long'])} escalated requests are too long for "
            "their first tier: that call is refused unbilled, so only the second tier's call is priced"
        )
    if c["unchecked_tiers"]:
        unknown = ", ".join(f"{t} ({c['windows'][t]['model']})" for t in c["unchecked_tiers"])
        lines.append(f"context windows not known, so not checked, on: {unknown}; give max_input_tokens under 'prices:'")
    return lines


def _went(c: dict[str, Any], rule: dict[str, Any], dest: str, v: dict[str, Any]) -> str:
    n = count(v["requests"])
    if dest == FITS_NONE:
        return f"{n} fit no tier, priced on {rule['tier']}"
    return f"{n} moved to {dest} ({c['windows'][dest]['model']}), {signed(v['difference_usd'])}"


def signed(x: float) -> str:
    """A cost difference: ``+$0.0034``, ``-$1.20``."""
    return ("-" if x < 0 else "+") + money(abs(x))


def _ms(x: float) -> str:
    return f"{x:,.0f} ms" if x >= 100 else f"{x:,.3g} ms"


CONFUSION_TITLE = "Routed tier (rows) against needed tier (columns)"
CONFUSION_HEAD = ["routed", "needed cheap", "needed expensive"]
QUALITY_TITLE = "Quality per rule"
QUALITY_HEAD = ["rule", "tier", "labeled", "needed expensive", "under-routed", "under-routing", "verdict"]
SCALE_NAMES = {"scores": "judge score", "correct": "accuracy"}


def _pct(x: float | None) -> str:
    return "n/a" if x is None else percent(x)


def quality_lines(q: dict[str, Any]) -> list[str]:
    """The quality verdict in a few lines: the brief's under-routing metric first."""
    c, e = q["cheap_tier"], q["expensive_tier"]
    lines = [
        f"{count(q['labeled'])} of {count(q['requests'])} requests carry outcome labels "
        f"({count(q['needed_expensive'])} needed '{e}').",
        f"under-routing: {_pct(q['under_routing_rate'])} of labeled requests sent to '{c}' needed '{e}' "
        f"({count(q['under_routed'])} of {count(q['cheap_routed'])}) — {q['verdict'] or 'n/a'} "
        "(under 10% the routing works, over 20% tighten the rules)",
        f"over-routing: {_pct(q['over_routing_rate'])} of labeled requests sent to '{e}' did not need it "
        f"({count(q['over_routed'])} of {count(q['expensive_routed'])}): spend with no quality gain",
    ]
    for scale, m in q["quality"].items():
        gap = "n/a" if m["gap_recovered"] is None else percent(m["gap_recovered"])
        lines.append(
            f"mean {SCALE_NAMES.get(scale, scale)} over {count(m['requests'])} requests: routed {m['routed']:.3f}, "
            f"all '{c}' {m['all_cheap']:.3f}, all '{e}' {m['all_expensive']:.3f}; {gap} of the gap recovered "
            f"with {percent(m['expensive_share'])} sent to '{e}'"
        )
    return lines


def quality_rows(q: dict[str, Any]) -> list[list[str]]:
    return [
        [
            r["rule"] or "(default)",
            r["tier"],
            count(r["labeled"]),
            count(r["needed_expensive"]),
            count(r["under_routed"]),
            _pct(r["under_routing_rate"]),
            r["verdict"] or "-",
        ]
        for r in q["rules"]
    ]


def confusion_rows(q: dict[str, Any]) -> list[list[str]]:
    return [[routed, count(n.get("cheap", 0)), count(n.get("expensive", 0))] for routed, n in q["confusion"].items()]


def _notes(report: dict[str, Any]) -> list[str]:
    """Intervals and assumptions, one line each."""
    lines = []
    iv = report.get("intervals")
    if iv:
        lo, hi = iv["routed_daily_usd"]
        slo, shi = iv["savings_daily_usd"]["all_expensive"]
        lines.append(
            f"95% interval ({iv['method']}): spend per day {money(lo)} to {money(hi)}; "
            f"saved per day against everything-expensive {money(slo)} to {money(shi)}"
        )
    if "overhead" in report:
        o = report["overhead"]
        lines.append(
            f"router overhead: {o['model']} classifier, {money(o['daily_cost_usd'])} per day "
            "(included in the routed spend)"
        )
    a = report.get("assumptions")
    if a:
        lines.append(f"assumed: {a['cache']}; {a['output_length']}")
        for pair, m in a["measured_output_ratios"].items():
            model = pair.split("/")[0]
            lines.append(
                f"measured: {pair} output length {m['ratio']:.2f}x over {m['requests']:,} requests in "
                f"{m['rule_groups']} rule groups (use it with --output-ratio {model}={m['ratio']:.2f})"
            )
    return lines


def notes(report: dict[str, Any]) -> list[str]:
    """The lines after the tables: intervals, assumptions, warnings and skipped records."""
    return [*_notes(report), *alerts(report)]


def alerts(report: dict[str, Any]) -> list[str]:
    """The warnings and skipped records: what a CSV report, having no room for them, prints to stderr."""
    lines = [f"warning: {w}" for w in report["warnings"]]
    skipped = report.get("input", {}).get("skipped", 0)
    if skipped:
        lines.append(f"skipped {count(skipped)} malformed records; first: {'; '.join(report['input']['errors'])}")
    return [printable(line) for line in lines]


def render_markdown(report: dict[str, Any]) -> str:
    """A compact GitHub-flavoured Markdown report."""
    parts = ["## llmroute simulate", "", *_md_lines(_headline(report)), ""]
    for table in _tables(report):
        parts += [f"### {md_text(table.title)}", "", markdown_table(table), ""]
    q = report.get("quality")
    if q:
        parts += ["### Routing quality", "", *_md_lines(quality_lines(q)), ""]
        parts += [markdown_table(_table("", ["routed \\ needed", "cheap", "expensive"], confusion_rows(q))), ""]
        parts += [markdown_table(_table("", QUALITY_HEAD, quality_rows(q))), ""]
    sections = (
        ("Cascades", cascade_lines(report)),
        ("Latency", latency_lines(report)),
        ("Context windows", context_lines(report)),
    )
    for title, lines in sections:
        if lines:
            parts += [f"### {title}", "", *_md_lines(lines), ""]
    parts += [f"> {md_text(line)}" for line in notes(report)]
    return "\n".join(parts).rstrip() + "\n"


def _md_lines(lines: list[str]) -> list[str]:
    """Lines of a paragraph, each ending in a hard line break."""
    return [f"{md_text(line)}  " for line in lines]


CSV_HEAD = [
    "section",
    "name",
    "tier",
    "model",
    "queries",
    "share",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "daily_cost_usd",
    "yearly_cost_usd",
]


def render_csv(report: dict[str, Any]) -> str:
    """One row per tier, rule, routed total, baseline and saving against it (floats as ``jsonout.tidy``)."""
    report = tidied(report)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEAD)
    for t, v in report["tiers"].items():
        w.writerow(_csv_row("tier", t, t, v["model"], v))
    for r, v in report["rules"].items():
        w.writerow(_csv_row("rule", r, v["tier"], report["tiers"][v["tier"]]["model"], v))
    routed = report["routed"]
    w.writerow(
        [
            "routed",
            "rules",
            "",
            "",
            report["queries"],
            1.0,
            "",
            "",
            routed["cost_usd"],
            routed["daily_cost_usd"],
            routed["yearly_cost_usd"],
        ]
    )
    for name, base in report["baseline"].items():
        if base is not None:
            w.writerow(
                [
                    "baseline",
                    name,
                    base.get("tier", ""),
                    base.get("model", ""),
                    report["queries"],
                    1.0,
                    "",
                    "",
                    base["cost_usd"],
                    base["daily_cost_usd"],
                    base["yearly_cost_usd"],
                ]
            )
    for name, saved in report["savings"].items():  # share: of the baseline's spend
        share = "" if saved["percent"] is None else saved["percent"] / 100
        w.writerow(["savings", name, "", "", "", share, "", "", "", saved["daily_usd"], saved["yearly_usd"]])
    for name, r in report.get("context_window", {}).get("rules", {}).items():  # cost: the difference the move made
        for dest, v in r["to"].items():
            model = "" if dest == FITS_NONE else report["tiers"][dest]["model"]
            moved = [v["requests"], "", v["input_tokens"], v["output_tokens"], v["difference_usd"], "", ""]
            w.writerow(["context_window", name, dest, model, *moved])
    for c in report.get("cascades", []):  # queries: expected escalated requests at that verifier error
        for sc in c["scenarios"]:
            name = f"{c['rule']} at verifier error {sc['verifier_error']:g}"
            w.writerow(["cascade", name, c["then"], "", sc["escalated"], "", "", "", "", *_yearly(sc)])
    return buf.getvalue()


def _yearly(scenario: dict[str, Any]) -> list[float]:
    return [scenario["daily_cost_usd"], scenario["yearly_cost_usd"]]


def _csv_row(section: str, name: str, tier: str, model: str, v: dict[str, Any]) -> list[Any]:
    numbers = ("queries", "share", "input_tokens", "output_tokens", "cost_usd", "daily_cost_usd", "yearly_cost_usd")
    return [section, name, tier, model, *(v[k] for k in numbers)]
