"""``llmroute judge-report``: read a judge batch's output, the far end of the offline judge loop."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from llmroute_cli.commands._common import handle_errors, stdout_console
from llmroute_cli.errors import LlmrouteError, UsageError
from llmroute_cli.render.fmt import count, percent

if TYPE_CHECKING:
    from llmroute_cli.quality.judge_results import JudgeReport, JudgeShare

DEFAULT_RULE = "(default)"


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


@handle_errors
def report(
    results: Annotated[Path, typer.Argument(help="The Batch API output file (JSON Lines).")],
    fmt: Annotated[ReportFormat, typer.Option("--format", help="table, json or markdown.")] = ReportFormat.table,
) -> None:
    """Read a judge batch's results: how often the judge preferred the expensive answer, and the verdict.

    Example: llmroute judge-report batch_output.jsonl --format markdown
    """
    import json

    from llmroute_cli.quality.judge_results import judge_report, parse_judge_results

    result = judge_report(parse_judge_results(_result_lines(results)))
    if fmt is ReportFormat.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    elif fmt is ReportFormat.markdown:
        print(render_markdown(result, results.name))
    else:
        _render_table(result, results.name)
    if not result.overall.judged:
        raise LlmrouteError(f"{results}: no result gave a verdict ({len(result.failures)} unusable, listed above)")


def _result_lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    lines = data.splitlines()
    for number, line in enumerate(lines, 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LlmrouteError(f"{path}:{number}: not UTF-8 text (byte 0x{line[exc.start]:02x})") from None
    return [line.decode("utf-8") for line in lines]


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


HEAD = ["scope", "judged", "expensive better", "cheap ok", "tie", "share", "95% interval", "verdict"]
FAIL_HEAD = ["line", "custom_id", "reason"]


def _headline(result: JudgeReport, name: str) -> list[str]:
    s = result.overall
    lines = [f"{name}: {count(s.judged)} verdicts, {count(len(result.failures))} unusable results."]
    if s.share is not None and s.interval is not None:
        low, high = s.interval
        lines.append(
            f"The judge preferred the expensive answer on {count(s.expensive_better)} of {count(s.judged)}: "
            f"{percent(s.share)} (95% interval {percent(low)}-{percent(high)}): {s.verdict}."
        )
        if any(low < edge < high for edge in (0.10, 0.20)):
            lines.append("The interval crosses the 10% or 20% line: judge more requests (a larger --rate) to be sure.")
    lines.append("The brief: under 10% the routing works, over 20% tighten the rules. Ties count as not preferred.")
    if result.first_position_share is not None:
        first = percent(result.first_position_share)
        lines.append(
            f"Position bias: the judge picked the first answer in {first} of its non-tie verdicts (50% is none)."
        )
    return lines


def _failure_rows(result: JudgeReport) -> list[list[str]]:
    return [[str(f.line), f.custom_id or "", f.reason] for f in result.failures]


def _render_table(result: JudgeReport, name: str) -> None:
    from rich.table import Table

    console = stdout_console()
    for line in _headline(result, name):
        console.print(line, markup=False)
    tables = [("Judge verdicts", HEAD, _rows(result))]
    if result.failures:
        tables.append((f"Unusable results ({len(result.failures)})", FAIL_HEAD, _failure_rows(result)))
    for title, head, body in tables:
        table = Table(title=title, title_justify="left")
        for h in head:
            justify = "left" if h in ("scope", "verdict", "custom_id", "reason") else "right"
            table.add_column(h, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for row in body:
            table.add_row(*row)
        console.print(table)


def render_markdown(result: JudgeReport, name: str) -> str:
    """The judge report as GitHub-flavoured Markdown."""
    out = ["## llmroute judge-report", "", *(f"{line}  " for line in _headline(result, name)), ""]
    out += _md_table(HEAD, _rows(result))
    if result.failures:
        out += ["", f"### Unusable results ({len(result.failures)})", "", *_md_table(FAIL_HEAD, _failure_rows(result))]
    return "\n".join(out)


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    align = ["---" if h in ("scope", "verdict", "custom_id", "reason") else "---:" for h in head]
    return ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"] + [
        "| " + " | ".join(cell(c) for c in row) + " |" for row in rows
    ]
