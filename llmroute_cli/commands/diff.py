"""``llmroute diff``: what a rule change does to traffic, cost and quality, on the same logs."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from llmroute_cli.commands._common import handle_errors, progress_bar, refuse_overwrite
from llmroute_cli.commands.options import (
    MAX_LINE_BYTES,
    PARTITION_BYTES,
    SCHEDULER_TIMEOUT,
    EngineOpt,
    JobsOpt,
    MaxLineOpt,
    MetadataFieldOpt,
    PartitionOpt,
    PricesOpt,
    ProviderOpt,
    SchedulerOpt,
    SchedulerTimeoutOpt,
    StrictOpt,
    UnknownPriceOpt,
    WorkersOpt,
    share,
    share_opt,
    to_stderr,
)
from llmroute_cli.commands.simulate import Format
from llmroute_cli.errors import UsageError
from llmroute_cli.render.jsonout import report_json


@handle_errors
def diff(
    old: Annotated[str, typer.Argument(help="The current rule file, or REV:PATH from git (origin/main:routes.yaml).")],
    new: Annotated[str, typer.Argument(help="The proposed rule file, or REV:PATH.")],
    log_args: Annotated[
        list[str] | None,
        typer.Argument(metavar="LOGS", help="Log files or globs to route with both (or give them with --logs)."),
    ] = None,
    log_opts: Annotated[
        list[str] | None, typer.Option("--logs", metavar="LOGS", help="Log files or globs, as LOGS (repeatable).")
    ] = None,
    days: Annotated[float | None, typer.Option(help="Days the logs cover [default: from timestamps].")] = None,
    sample_rate: Annotated[float, typer.Option(help="Share of all traffic the logs hold.")] = 1.0,
    prices: PricesOpt = None,
    provider: ProviderOpt = None,
    unknown_model_price: UnknownPriceOpt = None,
    fmt: Annotated[Format, typer.Option("--format", help="table (plain text), markdown, json or csv.")] = Format.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file (atomically).")
    ] = None,
    max_cost_increase: Annotated[float | None, typer.Option(help="Fail if daily spend rises more than PCT%.")] = None,
    max_expensive_share: Annotated[
        str | None, share_opt("Fail if the expensive tier gets more than this share of requests.")
    ] = None,
    max_shift: Annotated[str | None, share_opt("Fail if more than this share of requests change tier.")] = None,
    metadata_field: MetadataFieldOpt = None,
    strict: StrictOpt = False,
    max_line_bytes: MaxLineOpt = MAX_LINE_BYTES,
    jobs: JobsOpt = 0,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    partition_bytes: PartitionOpt = PARTITION_BYTES,
    scheduler_timeout: SchedulerTimeoutOpt = SCHEDULER_TIMEOUT,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Compare two rule files on the same logs; exit 1 when a gate fails.

    Example: llmroute diff origin/main:routes.yaml routes.yaml --logs sample_data/chat_logs.jsonl --format markdown
    """
    from llmroute_cli.api.diffing import diff as run

    logs = [*(log_args or []), *(log_opts or [])]
    if not logs:
        raise UsageError("diff needs logs to route: llmroute diff OLD NEW LOGS... (or --logs LOGS)")
    shares = share("--max-expensive-share", max_expensive_share), share("--max-shift", max_shift)
    refuse_overwrite({"--output": output}, [*logs, old, new, prices])
    with progress_bar(quiet) as progress:
        done = run(
            old,
            new,
            logs,
            days=days,
            sample_rate=sample_rate,
            prices=prices,
            provider=provider,
            unknown_model_price=unknown_model_price,
            max_cost_increase=max_cost_increase,
            max_expensive_share=shares[0],
            max_shift=shares[1],
            metadata_field=metadata_field,
            strict=strict,
            max_line_bytes=max_line_bytes,
            jobs=jobs,
            engine=engine,
            scheduler=scheduler,
            workers=workers,
            partition_bytes=partition_bytes,
            scheduler_timeout=scheduler_timeout,
            progress=progress,
            notify=to_stderr,
        )
    for line in done.warnings:
        print(line, file=sys.stderr)
    failures = done.gates_failed
    _emit(done.report, fmt, output, done.old, done.new, failures)
    for failure in failures:
        print(f"gate failed: {failure}", file=sys.stderr)
    if failures:
        raise typer.Exit(1)


def _emit(report: dict[str, Any], fmt: Any, output: Path | None, old: str, new: str, failures: list[str]) -> None:
    from llmroute_cli.commands.output import write_atomic
    from llmroute_cli.render.diff import render_csv, render_markdown, render_text

    if fmt.value == "csv":
        text = render_csv(report, failures)
    elif fmt.value == "json":
        text = report_json(report) + "\n"
    elif fmt.value == "markdown":
        text = render_markdown(report, old, new, failures)
        _step_summary(text)
    else:
        text = render_text(report, old, new, failures)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)


def _step_summary(markdown: str) -> None:
    """Append to the GitHub Actions job summary when running there."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        try:
            with open(path, "a", encoding="utf-8") as f:
                f.write(markdown)
        except OSError as exc:
            print(f"warning: could not append to $GITHUB_STEP_SUMMARY ({path}): {exc.strerror}", file=sys.stderr)
