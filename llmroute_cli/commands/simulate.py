"""``llmroute simulate``: projected spend per tier and rule from real query logs."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

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


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


@handle_errors
def simulate(
    logs: LogsArg,
    rules: RulesOpt = None,
    query_field: Annotated[str | None, typer.Option(help="Dotted path of the query in each record.")] = None,
    context_field: Annotated[str | None, typer.Option(help="Dotted path of the context in each record.")] = None,
    time_field: Annotated[str | None, typer.Option(help="Dotted path of the timestamp in each record.")] = None,
    days: DaysOpt = None,
    sample_rate: SampleRateOpt = 1.0,
    output_tokens: Annotated[int | None, typer.Option(help="Output tokens per request when not logged.")] = None,
    output_ratio: RatioOpt = None,
    baseline_tier: Annotated[str | None, typer.Option(help="Tier of the all-expensive baseline.")] = None,
    prices: PricesOpt = None,
    provider: ProviderOpt = None,
    unknown_model_price: UnknownPriceOpt = None,
    cold_cache: ColdCacheOpt = False,
    batch: BatchOpt = False,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% intervals (0: none).")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    verifier_error: Annotated[
        str, typer.Option(help="A cascade's spend and quality if its escalation were wrong this often (e.g. 0.1,0.2).")
    ] = "0.1,0.2,0.4",
    jobs: JobsOpt = 0,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    partition_bytes: PartitionOpt = PARTITION_BYTES,
    scheduler_timeout: SchedulerTimeoutOpt = SCHEDULER_TIMEOUT,
    fmt: Annotated[Format, typer.Option("--format", help="Report format.")] = Format.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file (atomically).")
    ] = None,
    decisions: Annotated[Path | None, typer.Option(help="Write one line per request (.jsonl or .csv).")] = None,
    metadata_field: MetadataFieldOpt = None,
    strict: StrictOpt = False,
    max_line_bytes: MaxLineOpt = MAX_LINE_BYTES,
    quiet: QuietOpt = False,
) -> None:
    """Simulate a routing policy on logged requests: spend per tier and rule, per day and year, and savings.

    Example: llmroute simulate sample_data/chat_logs.jsonl --rules routes.yaml
    """
    from llmroute_cli.api.simulating import simulate as run

    refuse_overwrite({"--output": output, "--decisions": decisions}, [*logs, rules, prices])
    with _decision_sink(decisions) as sink, progress_bar(quiet) as progress:  # decisions appear with the report
        done = run(
            logs,
            rules,
            prices=prices,
            provider=provider,
            unknown_model_price=unknown_model_price,
            days=days,
            sample_rate=sample_rate,
            output_tokens=output_tokens,
            output_ratio=output_ratio,
            baseline_tier=baseline_tier,
            cold_cache=cold_cache,
            batch=batch,
            bootstrap=bootstrap,
            seed=seed,
            verifier_error=verifier_error,
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
            on_decisions=None if sink is None else functools.partial(_write_decisions, sink=sink, path=decisions),
            progress=progress,
            notify=to_stderr,
        )
        _emit(done.report, fmt, output)


@contextlib.contextmanager
def _decision_sink(path: Path | None) -> Iterator[TextIO | None]:
    if path is None:
        yield None
        return
    from llmroute_cli.commands.output import atomic_writer

    with atomic_writer(path) as stream:
        yield stream


def _write_decisions(rows: Any, sink: TextIO, path: Path | None) -> None:
    if path is not None and path.suffix.lower() == ".csv":
        rows.to_csv(sink, index=False, header=sink.tell() == 0, lineterminator="\n")
    elif len(rows):
        text = rows.to_json(orient="records", lines=True, force_ascii=False, double_precision=15)
        sink.write(text if text.endswith("\n") else text + "\n")


def _emit(report: dict[str, Any], fmt: Format, output: Path | None) -> None:
    from llmroute_cli.commands.output import write_atomic
    from llmroute_cli.render.report import alerts, render_csv, render_markdown, render_table

    if fmt is Format.table and output is None:
        render_table(report, stdout_console())
        return
    if fmt is Format.table:
        text = _table_text(report)
    elif fmt is Format.json:
        from llmroute_cli.render.jsonout import report_json

        text = report_json(report) + "\n"
    elif fmt is Format.csv:
        text = render_csv(report)
        for line in alerts(report):
            print(line, file=sys.stderr)
    else:
        text = render_markdown(report)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)


def _table_text(report: dict[str, Any]) -> str:
    import io

    from rich.console import Console

    from llmroute_cli.render.report import render_table

    buf = io.StringIO()
    render_table(report, Console(file=buf, width=120, highlight=False, color_system=None))
    return buf.getvalue()
