"""``llmroute simulate``: projected spend per tier and rule from real query logs."""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from llmroute_cli.commands._common import handle_errors, load_router, progress_bar, refuse_overwrite, stdout_console
from llmroute_cli.errors import UsageError


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


@handle_errors
def simulate(
    logs: Annotated[
        list[str], typer.Argument(help="Log files (JSONL, .jsonl.gz, CSV, Parquet), globs, or - for stdin.")
    ],
    rules: Annotated[Path | None, typer.Option(help="Rule file [default: ./routes.yaml, else built-in].")] = None,
    query_field: Annotated[str | None, typer.Option(help="Dotted path of the query in each record.")] = None,
    context_field: Annotated[str | None, typer.Option(help="Dotted path of the context in each record.")] = None,
    time_field: Annotated[str | None, typer.Option(help="Dotted path of the timestamp in each record.")] = None,
    days: Annotated[float | None, typer.Option(help="Days the logs cover [default: first to last timestamp].")] = None,
    sample_rate: Annotated[float, typer.Option(help="Share of all traffic the logs hold, e.g. 0.1.")] = 1.0,
    output_tokens: Annotated[int | None, typer.Option(help="Output tokens per request when not logged.")] = None,
    output_ratio: Annotated[
        list[str] | None,
        typer.Option(
            help="R: output tokens per input token when not logged [default: 0.25]. "
            "MODEL=R: output length of requests moved to MODEL, relative to the logged one. Repeatable."
        ),
    ] = None,
    baseline_tier: Annotated[str | None, typer.Option(help="Tier of the all-expensive baseline.")] = None,
    prices: Annotated[
        Path | None, typer.Option(help="LiteLLM-format price map (model_prices_and_context_window.json).")
    ] = None,
    cold_cache: Annotated[
        bool, typer.Option(help="Price requests moved to another model without cache reads.")
    ] = False,
    batch: Annotated[bool, typer.Option(help="Price every request at Batch API prices.")] = False,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% intervals (0: none).")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    jobs: Annotated[
        int, typer.Option(help="Processes for large plain JSONL logs [default: 0 = one per core; 1 = serial].")
    ] = 0,
    fmt: Annotated[Format, typer.Option("--format", help="Report format.")] = Format.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file (atomically).")
    ] = None,
    decisions: Annotated[Path | None, typer.Option(help="Write one line per request (.jsonl or .csv).")] = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first malformed record (exit 1).")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Simulate a routing policy on logged requests: spend per tier and rule, per day and year, and savings.

    Example: llmroute simulate sample_data/chat_logs.jsonl --rules routes.yaml
    """
    from llmroute_cli.logs import ReadOptions, ReadStats, read_logs
    from llmroute_cli.reports.simulate import build_report, period_of
    from llmroute_cli.simulate.simulation import DEFAULT_OUTPUT_RATIO, SimulateOptions, Simulation

    refuse_overwrite({"--output": output, "--decisions": decisions}, [*logs, rules, prices])
    ratio, per_model = parse_output_ratios(output_ratio or [])
    _check_numbers(output_tokens, ratio, sample_rate, bootstrap, days, seed, jobs)
    router, book = load_router(rules, prices)
    _check_names(router, book, baseline_tier, per_model)
    options = SimulateOptions(
        output_tokens=output_tokens,
        output_ratio=DEFAULT_OUTPUT_RATIO if ratio is None else ratio,
        output_ratio_given=ratio is not None,
        model_output_ratios=per_model,
        baseline_tier=baseline_tier,
        cold_cache=cold_cache,
        batch=batch,
        bootstrap=bootstrap,
        seed=seed,
    )
    read_opts = ReadOptions(query_field=query_field, context_field=context_field, time_field=time_field, strict=strict)
    shared = _sharded(router, book, options, read_opts, logs, jobs, quiet) if decisions is None and not strict else None
    with _decision_sink(decisions) as sink:  # the decisions file appears only with the report
        if shared is not None:
            sim, stats = shared
        else:
            sim, stats = Simulation(router, book, options), ReadStats()
            with progress_bar(quiet) as progress:
                for chunk in read_logs(logs, read_opts, stats, progress=progress):
                    if sink is None:
                        sim.tally(chunk)
                    else:
                        _write_decisions(sim.add(chunk), sink, decisions)
        report = build_report(sim, period_of(sim, days), sample_rate, _read_summary(stats))
        _emit(report, fmt, output)


def _sharded(router: Any, book: Any, options: Any, read: Any, logs: list[str], jobs: int, quiet: bool) -> Any:
    """Large plain JSONL logs run in one process per core; None when they should be read serially."""
    from llmroute_cli.simulate.parallel import default_jobs, plan, simulate_sharded

    jobs = jobs or default_jobs()
    shards = plan(logs, jobs)
    if not shards or len(shards) < 2:
        return None
    with progress_bar(quiet) as progress:
        sim, stats = simulate_sharded(router, book, options, read, shards, jobs, progress)
    return (sim, stats) if stats.rows else None  # nothing read: the serial path says why


def _check_names(router: Any, book: Any, baseline_tier: str | None, per_model: dict[str, float]) -> None:
    """Options that name a tier or a model must name a known one."""
    from llmroute_cli.errors import LlmrouteError

    tiers = router.policy.tiers
    if baseline_tier is not None and baseline_tier not in tiers:
        raise UsageError(f"--baseline-tier '{baseline_tier}' is not a tier; expected one of: {', '.join(tiers)}")
    for model in per_model:
        try:
            book.price(model)
        except LlmrouteError as exc:
            raise UsageError(f"--output-ratio {model}=…: {exc}") from None


def parse_output_ratios(values: list[str]) -> tuple[float | None, dict[str, float]]:
    """``R`` (the estimate for unlogged output) and ``MODEL=R`` entries (moved requests)."""
    plain: float | None = None
    per_model: dict[str, float] = {}
    for value in values:
        model, sep, number = value.rpartition("=")
        try:
            ratio = float(number)
        except ValueError:
            raise UsageError(f"--output-ratio takes R or MODEL=R, got '{value}'") from None
        if not 0 <= ratio < math.inf:
            raise UsageError(f"--output-ratio must be a finite number >= 0, got '{value}'")
        if sep and not model.strip():
            raise UsageError(f"--output-ratio takes R or MODEL=R, got '{value}'")
        if model:
            per_model[model] = ratio
        else:
            plain = ratio
    return plain, per_model


def _check_numbers(
    output_tokens: int | None,
    output_ratio: float | None,
    sample_rate: float,
    bootstrap: int,
    days: float | None,
    seed: int,
    jobs: int = 0,
) -> None:
    if output_tokens is not None and output_ratio is not None:
        raise UsageError("give --output-tokens or --output-ratio, not both")
    if output_tokens is not None and output_tokens < 0:
        raise UsageError(f"--output-tokens must be 0 or more, got {output_tokens}")
    if bootstrap < 0:
        raise UsageError(f"--bootstrap must be 0 or more, got {bootstrap}")
    if days is not None and not 0 < days < math.inf:
        raise UsageError(f"--days must be a finite number more than 0, got {days}")
    if seed < 0:
        raise UsageError(f"--seed must be 0 or more, got {seed}")
    if jobs < 0:
        raise UsageError(f"--jobs must be 0 (one per core) or more, got {jobs}")
    if not 0 < sample_rate <= 1:
        raise UsageError(f"--sample-rate must be more than 0 and at most 1, got {sample_rate}")


def _read_summary(stats: Any) -> dict[str, Any]:
    files = [str(f) for f in stats.files]
    return {"files": files, "skipped": stats.skipped, "errors": list(stats.errors[:5]), "ignored": dict(stats.ignored)}


@contextlib.contextmanager
def _decision_sink(path: Path | None) -> Iterator[TextIO | None]:
    if path is None:
        yield None
        return
    from llmroute_cli.commands.output import atomic_writer

    with atomic_writer(path) as stream:
        yield stream


DECISION_COLUMNS = ["id", "tier", "model", "rule", "input_tokens", "output_tokens", "cost_usd"]


def _write_decisions(rows: Any, sink: TextIO, path: Path | None) -> None:
    rows = rows[DECISION_COLUMNS]
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
        import json

        text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
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
