"""``llmroute judge-report``: read a judge batch's output, the far end of the offline judge loop."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from llmroute_cli.commands._common import handle_errors, rules_router, stdout_console
from llmroute_cli.commands.options import RulesOpt
from llmroute_cli.errors import LlmrouteError, UsageError


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


@handle_errors
def report(
    results: Annotated[Path, typer.Argument(help="The Batch API output file (JSON Lines).")],
    fmt: Annotated[ReportFormat, typer.Option("--format", help="table, json or markdown.")] = ReportFormat.table,
    rules: RulesOpt = None,
) -> None:
    """Read a judge batch's results: how often the judge preferred the expensive answer, and the verdict.

    A verdict on a tier the rule file lacks is listed as unusable, not counted.

    Example: llmroute judge-report batch_output.jsonl --format markdown
    """
    from llmroute_cli.quality.judge_results import judge_report, parse_judge_results
    from llmroute_cli.render.jsonout import report_json
    from llmroute_cli.render.judge import render_markdown, render_table

    policy = rules_router(rules).policy
    result = judge_report(parse_judge_results(_result_lines(results), (policy.source, tuple(policy.tiers))))
    if fmt is ReportFormat.json:
        print(report_json(result.to_dict()))
    elif fmt is ReportFormat.markdown:
        print(render_markdown(result, results.name))
    else:
        render_table(result, results.name, stdout_console())
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
