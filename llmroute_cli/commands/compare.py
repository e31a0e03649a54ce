"""``llmroute compare``: rule, classifier and other policies side by side with the baselines, to choose one."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from llmroute_cli.commands._common import handle_errors, price_table, progress_bar, refuse_overwrite, stdout_console
from llmroute_cli.commands.options import (
    MAX_LINE_BYTES,
    PARTITION_BYTES,
    SCHEDULER_TIMEOUT,
    DaysOpt,
    Engine,
    EngineOpt,
    JobsOpt,
    LogsArg,
    MaxLineOpt,
    MetadataFieldOpt,
    PartitionOpt,
    PricesOpt,
    ProviderOpt,
    QuietOpt,
    SchedulerOpt,
    SchedulerTimeoutOpt,
    StrictOpt,
    UnknownPriceOpt,
    WorkersOpt,
    reading,
    to_stderr,
    unknown_models,
    warn_models,
    warn_skipped,
)
from llmroute_cli.errors import UsageError
from llmroute_cli.render.jsonout import report_json


class CompareFormat(enum.StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


@handle_errors
def compare(
    logs: LogsArg,
    rules: Annotated[
        list[str], typer.Option("--rules", metavar="FILE", help="A rule file (or REV:PATH) to compare. Repeatable.")
    ],
    days: DaysOpt = None,
    sample_rate: Annotated[float, typer.Option(help="Share of all traffic the logs hold, e.g. 0.1.")] = 1.0,
    prices: PricesOpt = None,
    provider: ProviderOpt = None,
    unknown_model_price: UnknownPriceOpt = None,
    fmt: Annotated[CompareFormat, typer.Option("--format", help="table, markdown or json.")] = CompareFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here (atomically).")] = None,
    chart: Annotated[Path | None, typer.Option(help="Also draw spend against quality as a PNG (needs labels).")] = None,
    metadata_field: MetadataFieldOpt = None,
    strict: StrictOpt = False,
    max_line_bytes: MaxLineOpt = MAX_LINE_BYTES,
    jobs: JobsOpt = 0,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    partition_bytes: PartitionOpt = PARTITION_BYTES,
    scheduler_timeout: SchedulerTimeoutOpt = SCHEDULER_TIMEOUT,
    quiet: QuietOpt = False,
) -> None:
    """Compare policies on the same logs beside all-cheap, all-expensive, random at the same share and the oracle.

    Example: llmroute compare sample_data/chat_logs.jsonl --rules routes.yaml --rules other.yaml
    """
    from llmroute_cli.quality.labels import QualitySpec
    from llmroute_cli.reports.compare import Comparing, compare_report, entries
    from llmroute_cli.reports.simulate import check_scale
    from llmroute_cli.simulate.pipeline import SIMULATION_TEXTS, read_and_route
    from llmroute_cli.simulate.simulation import SimulateOptions

    check_scale(days, sample_rate)
    refuse_overwrite({"--output": output, "--chart": chart}, [*logs, *rules, prices])
    policies = _policies(rules, prices, unknown_models(unknown_model_price), provider)
    spec = QualitySpec.from_policy(policies[0][1].policy, policies[0][2])
    make = Comparing(entries(policies, spec), SimulateOptions(bootstrap=0))
    with progress_bar(quiet) as progress:
        on = Engine(engine, scheduler, workers, partition_bytes, to_stderr, scheduler_timeout)
        read = reading(
            logs,
            strict=strict,
            jobs=jobs,
            max_line_bytes=max_line_bytes,
            metadata_field=metadata_field,
            engine=on,
            texts=SIMULATION_TEXTS,
        )
        compared, stats = read_and_route(read, make, [r for _, r, _ in make.entries], progress)
    report = compare_report(compared, spec, days, sample_rate, stats.summary())
    warn_skipped(stats)
    warn_models(compared.simulations[0].totals)
    _emit(report, fmt, output)
    if chart is not None:
        _chart(report, chart)


def _policies(
    rules: list[str], prices: Path | None, unknown: Any, provider: str | None = None
) -> list[tuple[str, Any, Any]]:
    """Each rule file as (its name, its router, its prices); names must differ."""
    from llmroute_cli.engine.router import Router
    from llmroute_cli.pricing.book import price_book
    from llmroute_cli.rules.files import read_spec

    table = price_table(prices, unknown.prices)
    out = []
    for spec in rules:
        text, name = read_spec(spec)
        router = Router.from_text(text, name)
        out.append((name, router, price_book(router.policy, table, unknown.skip, provider)))
    names = [n for n, _, _ in out]
    if len(set(names)) != len(names):
        raise UsageError(f"--rules names a file twice: {', '.join(names)}")
    return out


def _emit(report: dict[str, Any], fmt: CompareFormat, output: Path | None) -> None:
    from llmroute_cli.commands.output import write_atomic
    from llmroute_cli.render.compare import render_markdown, render_table

    if fmt is CompareFormat.table and output is None:
        render_table(report, stdout_console())
        return
    text = report_json(report) + "\n" if fmt is CompareFormat.json else render_markdown(report)
    if fmt is CompareFormat.table:
        raise UsageError("--output takes --format markdown or json (the table is for the terminal)")
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        print(f"wrote {output}", file=sys.stderr)


def _chart(report: dict[str, Any], path: Path) -> None:
    from llmroute_cli.commands.output import write_atomic_bytes
    from llmroute_cli.render.compare import chart

    if not report["labeled"] or not report["scales"]:
        raise UsageError("--chart needs logs with outcome labels: quality is its other axis")
    write_atomic_bytes(path, chart(report))
    print(f"wrote {path}", file=sys.stderr)
