"""``llmroute sweep``: one rule's threshold over a range of values, on your own logs (``calibrate`` picks one).

The logs are read once, through the one loop: each chunk goes through one router per value
(``reports.sweep.Sweeps``), each with its own Simulation (spend and outcome labels).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmroute_cli.commands._common import handle_errors, load_router, progress_bar, refuse_overwrite, stdout_console
from llmroute_cli.commands.options import (
    MAX_LINE_BYTES,
    PARTITION_BYTES,
    SCHEDULER_TIMEOUT,
    BatchOpt,
    ColdCacheOpt,
    DaysOpt,
    Engine,
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
    reading,
    simulate_options,
    unknown_models,
    warn_models,
    warn_skipped,
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


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What simulate's pricing and reading options mean for every swept value."""

    sample_rate: float = 1.0
    cold_cache: bool = False
    batch: bool = False
    output_ratio: tuple[str, ...] = ()
    query_field: str | None = None
    context_field: str | None = None
    time_field: str | None = None
    strict: bool = False
    jobs: int = 1
    unknown_model_price: tuple[str, ...] = ()
    max_line_bytes: int = MAX_LINE_BYTES
    metadata_field: tuple[str, ...] = ()
    provider: str | None = None
    engine: Engine = field(default_factory=Engine)

    def simulate_options(self) -> Any:
        from llmroute_cli.reports.simulate import check_scale

        check_scale(None, self.sample_rate)
        return simulate_options(list(self.output_ratio), cold_cache=self.cold_cache, batch=self.batch, bootstrap=0)

    def reading(self, logs: list[str]) -> Any:
        opts: dict[str, Any] = {"jobs": self.jobs, "max_line_bytes": self.max_line_bytes, "strict": self.strict}
        opts |= {"query_field": self.query_field, "context_field": self.context_field, "time_field": self.time_field}
        return reading(logs, metadata_field=self.metadata_field, engine=self.engine, **opts)


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
    ratios, fields = tuple(output_ratio or ()), (query_field, context_field, time_field)
    unknown = tuple(unknown_model_price or ())
    opts = RunOptions(
        sample_rate,
        cold_cache,
        batch,
        ratios,
        *fields,
        strict=strict,
        jobs=jobs,
        engine=Engine(engine, scheduler, workers, partition_bytes, scheduler_timeout),
        unknown_model_price=unknown,
        max_line_bytes=max_line_bytes,
        metadata_field=tuple(metadata_field or ()),
        provider=provider,
    )
    result = run(logs, param, rules, prices, days, quiet, opts)
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


def run(
    logs: list[str],
    spec: str,
    rules: Path | None,
    prices: Path | None,
    days: float | None,
    quiet: bool,
    opts: RunOptions | None = None,
) -> Result:
    """Read the logs once through one router per swept value (and the current policy); collect each value's row.

    Each value's Simulation also scores its routing against the outcome labels, as ``simulate`` does."""
    from llmroute_cli.quality.labels import QualitySpec
    from llmroute_cli.reports.sweep import Sweeps, sweep_values
    from llmroute_cli.reports.sweep_result import current_value, sweep_result, swept_test
    from llmroute_cli.simulate.pipeline import read_and_route

    opts = opts or RunOptions()
    options = opts.simulate_options()
    router, book = load_router(rules, prices, unknown_models(list(opts.unknown_model_price)), opts.provider)
    policy = router.policy
    param = sweep_values(spec, policy)
    current = current_value(swept_test(policy, param))
    quality_spec = QualitySpec.from_policy(policy, book)
    sweeps = Sweeps(policy, param, tuple(sorted({*param.values, current})), book, options)
    with progress_bar(quiet) as progress:
        swept, stats = read_and_route(opts.reading(logs), sweeps, sweeps.routers(), progress)
    warn_skipped(stats)
    runs = swept.runs
    totals = runs[0][1].totals
    warn_models(totals)
    if totals.bad_labels:
        print(
            f"skipped the malformed outcome labels of {totals.bad_labels} requests; first: {totals.bad_label_example}",
            file=sys.stderr,
        )
    results = [(value, sim.result()) for value, sim in runs]
    return sweep_result(param, policy, current, results, quality_spec.expensive_tier, days, opts.sample_rate)


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
