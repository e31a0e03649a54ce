"""The judge report as rich tables or GitHub-flavoured Markdown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmroute_cli.render.fmt import count, percent
from llmroute_cli.render.tables import Align, Table, markdown_table, md_text, plain, rich_table

if TYPE_CHECKING:
    from llmroute_cli.quality.judge_results import JudgeReport, JudgeShare

DEFAULT_RULE = "(default)"
HEAD = ["scope", "judged", "expensive better", "cheap ok", "tie", "share", "95% interval", "verdict"]
FAIL_HEAD = ["line", "custom_id", "reason"]
TEXT_COLUMNS = ("scope", "verdict", "custom_id", "reason")


def _rows(result: JudgeReport) -> list[list[str]]:
    scopes = [("all", result.overall)]
    scopes += [(f"tier {t}", s) for t, s in result.tiers.items()]
    scopes += [(f"rule {r or DEFAULT_RULE}", s) for r, s in result.rules]
    return [[name, *_cells(s)] for name, s in scopes]


def _cells(s: JudgeShare) -> list[str]:
    low, high = s.interval or (None, None)
    band = "n/a" if low is None or high is None else f"{percent(low)}-{percent(high)}"
    share = "n/a" if s.share is None else percent(s.share)
    return [count(s.judged), count(s.expensive_better), count(s.cheap_ok), count(s.tie), share, band, s.verdict or ""]


def _headline(result: JudgeReport, name: str) -> list[str]:
    s = result.overall
    lines = [f"{name}: {count(s.judged)} verdicts, {count(len(result.failures))} unusable results."]
    if result.both_orders:
        lines.append(
            f"{count(result.both_orders)} requests were judged in both orders and count once; "
            f"{count(result.inconsistent)} of them flipped with the order and count as ties."
        )
    if s.share is not None and s.interval is not None:
        low, high = s.interval
        lines.append(
            f"The judge preferred the expensive answer on {count(s.expensive_better)} of {count(s.judged)}: "
            f"{percent(s.share)} (95% interval {percent(low)}-{percent(high)}): {s.verdict}."
        )
        if any(low < edge < high for edge in (0.10, 0.20)):
            lines.append("The interval crosses the 10% or 20% line: judge more requests (a larger --rate) to be sure.")
    lines.append("Under 10% the routing works, 10-20% watch it, over 20% tighten. Ties count as not preferred.")
    if result.first_position_share is not None:
        first = percent(result.first_position_share)
        lines.append(
            f"Position bias: the judge picked the first answer in {first} of its non-tie verdicts (50% is none)."
        )
    return lines


def _table(title: str, head: list[str], body: list[list[str]]) -> Table:
    align: list[Align] = ["left" if h in TEXT_COLUMNS else "right" for h in head]
    return Table(title=title, headers=head, rows=body, align=align)


def _verdicts(result: JudgeReport) -> Table:
    return _table("Judge verdicts", HEAD, _rows(result))


def _failures(result: JudgeReport) -> Table:
    rows = [[str(f.line), f.custom_id or "", f.reason] for f in result.failures]
    return _table(f"Unusable results ({len(result.failures)})", FAIL_HEAD, rows)


def render_table(result: JudgeReport, name: str, console: Any) -> None:
    """The headline and the verdicts per scope, then every unusable result, for a terminal."""
    for line in _headline(result, name):
        console.print(plain(line))
    tables = [_verdicts(result), *([_failures(result)] if result.failures else [])]
    for table in tables:
        console.print(rich_table(table, fold=True))


def render_markdown(result: JudgeReport, name: str) -> str:
    """The judge report as GitHub-flavoured Markdown."""
    out = ["## llmroute judge-report", "", *(f"{md_text(line)}  " for line in _headline(result, name)), ""]
    out.append(markdown_table(_verdicts(result)))
    if result.failures:
        failures = _failures(result)
        out += ["", f"### {md_text(failures.title)}", "", markdown_table(failures)]
    return "\n".join(out)
