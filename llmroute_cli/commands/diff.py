"""``llmroute diff``: what a rule change does to traffic, cost and quality, on the same logs."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from llmroute_cli.commands._common import handle_errors, price_table, progress_bar, refuse_overwrite
from llmroute_cli.commands.options import (
    MAX_LINE_BYTES,
    PARTITION_BYTES,
    SCHEDULER_TIMEOUT,
    Engine,
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
    reading,
    share,
    share_opt,
    unknown_models,
    warn_models,
    warn_skipped,
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
    from llmroute_cli.engine.router import Router
    from llmroute_cli.pricing.book import price_book
    from llmroute_cli.reports.diff import Comparisons, Gates, comparison_report, failed_gates
    from llmroute_cli.reports.simulate import check_scale
    from llmroute_cli.rules.files import read_spec
    from llmroute_cli.simulate.pipeline import read_and_route
    from llmroute_cli.simulate.simulation import SimulateOptions

    logs = [*(log_args or []), *(log_opts or [])]
    if not logs:
        raise UsageError("diff needs logs to route: llmroute diff OLD NEW LOGS... (or --logs LOGS)")
    gates = Gates(
        max_cost_increase,
        _percent(share("--max-expensive-share", max_expensive_share)),
        _percent(share("--max-shift", max_shift)),
    )
    check_scale(days, sample_rate)
    unknown = unknown_models(unknown_model_price)
    on = Engine(engine, scheduler, workers, partition_bytes, scheduler_timeout)
    read = reading(
        logs, strict=strict, jobs=jobs, max_line_bytes=max_line_bytes, metadata_field=metadata_field, engine=on
    )
    refuse_overwrite({"--output": output}, [*logs, old, new, prices])
    table = price_table(prices, unknown.prices)
    (old_text, old_name), (new_text, new_name) = read_spec(old), read_spec(new)
    old_router, new_router = Router.from_text(old_text, old_name), Router.from_text(new_text, new_name)
    make = Comparisons(
        (old_router, price_book(old_router.policy, table, unknown.skip, provider)),
        (new_router, price_book(new_router.policy, table, unknown.skip, provider)),
        SimulateOptions(bootstrap=0),
    )
    with progress_bar(quiet) as progress:
        cmp, stats = read_and_route(read, make, [old_router, new_router], progress)
    report = comparison_report(cmp, days, sample_rate, stats.summary())
    warn_skipped(stats)
    warn_models(cmp.new.totals)
    failures = failed_gates(report, gates)
    _emit(report, fmt, output, old_name, new_name, failures)
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
        text = report_json({**report, "gates_failed": failures}) + "\n"
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


def _percent(fraction: float | None) -> float | None:
    """A share as the gates hold it: percent (a float's own rounding kept off round percents)."""
    return None if fraction is None else round(fraction * 100, 10)
