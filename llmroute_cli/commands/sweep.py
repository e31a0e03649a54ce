"""``llmroute sweep``: one rule's threshold over a range of values, on your own logs (``calibrate`` picks one).

The logs are read once, through the one loop: each chunk goes through one router per value
(``reports.sweep.Sweeps``), each with its own Simulation (spend and outcome labels).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmroute_cli.commands._common import handle_errors, progress_bar, refuse_overwrite, stdout_console
from llmroute_cli.commands.options import (
    MAX_LINE_BYTES,
    PARTITION_BYTES,
    SCHEDULER_TIMEOUT,
    BatchOpt,
    ColdCacheOpt,
    DaysOpt,
    EngineOpt,
    FieldOpt,
    JobsOpt,
    LogsArg,
    MaxLineOpt,
    MetadataFieldOpt,
    PartitionOpt,
    PricesOpt,
    ProviderOpt,
    QuietOpt,
    RatioOpt,
    RulesOpt,
    SampleRateOpt,
    SchedulerOpt,
    SchedulerTimeoutOpt,
    StrictOpt,
    UnknownPriceOpt,
    WorkersOpt,
    to_stderr,
)
from llmroute_cli.errors import LlmrouteError, UsageError

if TYPE_CHECKING:
    from llmroute_cli.reports.sweep_result import Result


class SweepFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


PARAM_HELP = "RULE.FIELD=START:STOP:STEP, e.g. short-no-code.query.chars=100:400:50."


ParamOpt = Annotated[str, typer.Option("--param", help=f"The threshold to sweep: {PARAM_HELP}")]


@handle_errors
def sweep(
    logs: LogsArg,
    param: ParamOpt,
    rules: RulesOpt = None,
    prices: PricesOpt = None,
    provider: ProviderOpt = None,
    unknown_model_price: UnknownPriceOpt = None,
    days: DaysOpt = None,
    chart: Annotated[Path | None, typer.Option(help="Write a PNG of spend against mean quality.")] = None,
    html: Annotated[Path | None, typer.Option(help="Write an HTML report with the chart and the table.")] = None,
    fmt: Annotated[SweepFormat, typer.Option("--format", help="table, json or csv.")] = SweepFormat.table,
    quiet: QuietOpt = False,
    sample_rate: SampleRateOpt = 1.0,
    cold_cache: ColdCacheOpt = False,
    batch: BatchOpt = False,
    output_ratio: RatioOpt = None,
    query_field: FieldOpt = None,
    context_field: FieldOpt = None,
    time_field: FieldOpt = None,
    metadata_field: MetadataFieldOpt = None,
    strict: StrictOpt = False,
    max_line_bytes: MaxLineOpt = MAX_LINE_BYTES,
    jobs: JobsOpt = 0,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    partition_bytes: PartitionOpt = PARTITION_BYTES,
    scheduler_timeout: SchedulerTimeoutOpt = SCHEDULER_TIMEOUT,
) -> None:
    """Re-run the policy over a range of one threshold: spend, expensive share, under-routing and quality per value.

    Example: llmroute sweep sample_data/chat_logs.jsonl --param short-no-code.query.chars=100:400:50 --chart sweep.png
    """
    refuse_overwrite({"--chart": chart, "--html": html}, [*logs, rules, prices])
    if chart is not None and chart.suffix.lower() != ".png":
        raise UsageError(f"--chart writes a PNG; name the file with .png, not '{chart.name}'")
    for path in (chart, html):
        _check_dir(path)
    result = run(
        logs,
        param,
        rules,
        quiet,
        prices=prices,
        provider=provider,
        unknown_model_price=unknown_model_price,
        days=days,
        sample_rate=sample_rate,
        cold_cache=cold_cache,
        batch=batch,
        output_ratio=output_ratio,
        query_field=query_field,
        context_field=context_field,
        time_field=time_field,
        strict=strict,
        metadata_field=metadata_field,
        max_line_bytes=max_line_bytes,
        jobs=jobs,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        partition_bytes=partition_bytes,
        scheduler_timeout=scheduler_timeout,
    )
    if chart and result.quality is None:
        raise LlmrouteError(f"--chart plots spend against mean quality, which needs labels: {result.note}")
    from llmroute_cli.commands.output import write_atomic, write_atomic_bytes
    from llmroute_cli.render.sweep import html_page, png_bytes

    png = png_bytes(result) if result.quality is not None and (chart or html) else None
    emit(result, fmt)
    if chart and png is not None:
        write_atomic_bytes(chart, png)
        print(f"wrote {chart}", file=sys.stderr)
    if html:
        write_atomic(html, html_page(result, png))
        print(f"wrote {html}", file=sys.stderr)


def run(logs: list[str], param: str, rules: Path | None, quiet: bool, **options: Any) -> Result:
    """The API's sweep, with a progress bar, its warnings on stderr: the rows of each value (``calibrate`` too)."""
    from llmroute_cli.api.sweeping import sweep as swept

    with progress_bar(quiet) as progress:
        done = swept(logs, rules, param=param, **options, progress=progress, notify=to_stderr)
    for line in done.warnings:
        print(line, file=sys.stderr)
    return done.result


def _check_dir(path: Path | None) -> None:
    if path is not None and not (path.parent if str(path.parent) else Path(".")).is_dir():
        raise UsageError(f"{path}: no such directory")


def emit(result: Result, fmt: SweepFormat) -> None:
    """The sweep on stdout: a table, JSON or CSV."""
    from llmroute_cli.render.jsonout import report_json
    from llmroute_cli.render.sweep import csv_text, head, intro, render_table, table_notes, table_rows

    if fmt is SweepFormat.json:
        print(report_json(result.to_dict()))
    elif fmt is SweepFormat.csv:
        sys.stdout.write(csv_text(result))
    else:
        render_table(intro(result), head(result), table_rows(result), table_notes(), stdout_console())
