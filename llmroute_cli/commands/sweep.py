"""``llmroute sweep`` and ``llmroute calibrate``: one rule's threshold over a range of values, on your own logs.

The logs are read once: each chunk goes through one router per value (``sweep.with_threshold``),
each with its own Simulation (spend) and QualityAccumulator (outcome labels).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmroute_cli.commands._common import handle_errors, load_router, progress_bar, refuse_overwrite
from llmroute_cli.commands.options import JobsOpt, StrictOpt, reading, simulate_options, warn_skipped
from llmroute_cli.errors import LlmrouteError, UsageError
from llmroute_cli.render.fmt import percent
from llmroute_cli.render.sweep import (
    Result,
    Row,
    SweepFormat,
    emit,
    head,
    intro,
    png_bytes,
    print_table,
    row_dict,
    show,
    table_rows,
    write_html,
)

if TYPE_CHECKING:
    from llmroute_cli.reports.sweep import SweepParam, SweepPoint
    from llmroute_cli.rules.conditions import Test
    from llmroute_cli.rules.policy import Policy

PARAM_HELP = "RULE.FIELD=START:STOP:STEP, e.g. short-no-code.query.chars=100:400:50."


class CalibrateFormat(StrEnum):
    table = "table"
    json = "json"


LogsArg = Annotated[
    list[str], typer.Argument(help="Log files (JSONL, .jsonl.gz, CSV, Parquet), globs, or - for stdin.")
]
ParamOpt = Annotated[str, typer.Option("--param", help=f"The threshold to sweep: {PARAM_HELP}")]
RulesOpt = Annotated[Path | None, typer.Option(help="Rule file [default: ./routes.yaml, else built-in].")]
PricesOpt = Annotated[Path | None, typer.Option(help="LiteLLM-format price map.")]
DaysOpt = Annotated[float | None, typer.Option(help="Days the logs cover [default: from timestamps].")]
QuietOpt = Annotated[bool, typer.Option(help="No progress bar.")]
SampleRateOpt = Annotated[float, typer.Option(help="Share of all traffic the logs hold, e.g. 0.1.")]
ColdCacheOpt = Annotated[bool, typer.Option(help="Price requests moved to another model without cache reads.")]
BatchOpt = Annotated[bool, typer.Option(help="Price every request at Batch API prices.")]
RatioOpt = Annotated[list[str] | None, typer.Option(help="R or MODEL=R, as in simulate. Repeatable.")]
FieldOpt = Annotated[str | None, typer.Option(help="Dotted path overriding detection, as in simulate.")]


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

    def simulate_options(self) -> Any:
        from llmroute_cli.reports.simulate import check_scale

        check_scale(None, self.sample_rate)
        return simulate_options(list(self.output_ratio), cold_cache=self.cold_cache, batch=self.batch, bootstrap=0)

    def reading(self, logs: list[str]) -> Any:
        fields = {"query_field": self.query_field, "context_field": self.context_field, "time_field": self.time_field}
        return reading(logs, strict=self.strict, jobs=self.jobs, **fields)


@handle_errors
def sweep(
    logs: LogsArg,
    param: ParamOpt,
    rules: RulesOpt = None,
    prices: PricesOpt = None,
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
    strict: StrictOpt = False,
    jobs: JobsOpt = 0,
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
    opts = RunOptions(sample_rate, cold_cache, batch, ratios, *fields, strict=strict, jobs=jobs)
    result = run(logs, param, rules, prices, days, quiet, opts)
    if chart and result.quality is None:
        raise LlmrouteError(f"--chart plots spend against mean quality, which needs labels: {result.note}")
    png = png_bytes(result) if result.quality is not None and (chart or html) else None
    emit(result, fmt)
    if chart and png is not None:
        from llmroute_cli.commands.output import write_atomic_bytes

        write_atomic_bytes(chart, png)
        print(f"wrote {chart}", file=sys.stderr)
    if html:
        write_html(html, result, png)
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
    from llmroute_cli.simulate.pipeline import read_and_route

    opts = opts or RunOptions()
    options = opts.simulate_options()
    router, book = load_router(rules, prices)
    policy = router.policy
    param = sweep_values(spec, policy)
    current = _limit(swept_test(policy, param))
    quality_spec = QualitySpec.from_policy(policy, book)
    sweeps = Sweeps(policy, param, tuple(sorted({*param.values, current})), book, options)
    with progress_bar(quiet) as progress:
        swept, stats = read_and_route(opts.reading(logs), sweeps, sweeps.routers(), progress)
    warn_skipped(stats)
    runs = swept.runs
    totals = runs[0][1].totals
    if totals.bad_labels:
        print(
            f"skipped the malformed outcome labels of {totals.bad_labels} requests; first: {totals.bad_label_example}",
            file=sys.stderr,
        )
    return _result(param, policy, current, runs, quality_spec.expensive_tier, days, opts.sample_rate)


def _result(
    param: SweepParam, policy: Policy, current: float, runs: list[Any], expensive: str, days: Any, sample_rate: float
) -> Result:
    from llmroute_cli.quality.metrics import NO_LABELS
    from llmroute_cli.reports.simulate import build_report, period_of
    from llmroute_cli.reports.sweep import SweepPoint, sweep_metrics

    rows, means, note = [], [], None
    rule = [r.name for r in policy.rules].index(param.rule)
    for value, sim in runs:
        done = sim.result()
        report = build_report(done, period_of(done, days), sample_rate)
        try:
            quality = sim.quality.result() if sim.quality is not None else None
            note = NO_LABELS if quality is None else note
        except LlmrouteError as exc:
            quality, note = None, str(exc)
        q = quality.primary if quality is not None else None
        under = quality.rates.under_routing_rate if quality is not None else None
        share, daily = report["tiers"][expensive]["share"], report["routed"]["daily_cost_usd"]
        hits = int(sim.totals.queries[rule])
        if q is None:
            rows.append(Row(SweepPoint(value, share, daily, under, rule_requests=hits), value == current))
        else:
            point = SweepPoint(value, share, daily, under, q.routed, hits)
            rows.append(Row(point, value == current, q.gap_recovered, q.expensive_share))
        means.append((q, quality))
    base, scales = next(((q, r.quality) for q, r in means if q is not None and r is not None), (None, {}))
    scale = next((k for k, v in scales.items() if v is base), None)
    metrics = None
    if base is not None:
        curve = [SweepPoint(r.point.value, r.labeled_share or 0.0, mean_quality=r.point.mean_quality) for r in rows]
        metrics = sweep_metrics(curve, base.all_cheap, base.all_expensive)
    requests, period = report["queries"], report["days"]
    return Result(param, policy, current, tuple(rows), requests, period, expensive, base, scale, metrics, note)


def swept_test(policy: Policy, param: SweepParam) -> Test:
    """The comparison the sweep rewrites (``sweep_values`` has checked there is exactly one)."""
    from llmroute_cli.reports.sweep import numeric_tests

    rule = next(r for r in policy.rules if r.name == param.rule)
    tests = [t for t in numeric_tests(rule.when) if t.field == param.field]
    return next(t for t in tests if param.op is None or getattr(t.pred, "op", None) == param.op)


def _limit(test: Test) -> float:
    pred: Any = test.pred
    limit = float(pred.limit if hasattr(pred, "limit") else pred.arg)
    return int(limit) if limit.is_integer() else limit


def _check_dir(path: Path | None) -> None:
    if path is not None and not (path.parent if str(path.parent) else Path(".")).is_dir():
        raise UsageError(f"{path}: no such directory")


# --- rendering -----------------------------------------------------------------------------------------


# --- calibrate -------------------------------------------------------------------------------------------


@handle_errors
def calibrate(
    logs: LogsArg,
    param: ParamOpt,
    target_expensive_share: Annotated[
        float | None, typer.Option(help="Send at most this share of requests to the expensive tier, e.g. 0.3.")
    ] = None,
    max_under_routing: Annotated[
        float | None, typer.Option(help="The cheapest value whose under-routing is at most this, e.g. 0.1.")
    ] = None,
    rules: RulesOpt = None,
    prices: PricesOpt = None,
    days: DaysOpt = None,
    fmt: Annotated[CalibrateFormat, typer.Option("--format", help="table or json.")] = CalibrateFormat.table,
    quiet: QuietOpt = False,
    sample_rate: SampleRateOpt = 1.0,
    cold_cache: ColdCacheOpt = False,
    batch: BatchOpt = False,
    output_ratio: RatioOpt = None,
    query_field: FieldOpt = None,
    context_field: FieldOpt = None,
    time_field: FieldOpt = None,
) -> None:
    """Find the threshold value that meets a target on your logs, and the line to put in the rule file.

    Example: llmroute calibrate sample_data/chat_logs.jsonl --param short-no-code.query.chars=50:600:50 --target-expensive-share 0.1
    """  # noqa: E501 - the example is one command line
    from llmroute_cli.reports.sweep import calibrate as choose

    _check_target(target_expensive_share, max_under_routing)
    opts = RunOptions(sample_rate, cold_cache, batch, tuple(output_ratio or ()), query_field, context_field, time_field)
    result = run(logs, param, rules, prices, days, quiet, opts)
    grid = [r.point for r in result.rows if r.point.value in result.param.values]
    chosen = choose(grid, target_expensive_share, max_under_routing, param=result.param.name)
    chosen_row = next(r for r in result.rows if r.point is chosen)
    now_row = next(r for r in result.rows if r.current)
    where, line = snippet(result.policy, result.param, chosen.value)
    by = chosen_by(grid, target_expensive_share)
    if fmt is CalibrateFormat.json:
        import json

        target = {"expensive_share": target_expensive_share, "under_routing": max_under_routing}
        out = {k: v for k, v in result.to_dict().items() if k not in ("points", "definitions")}
        out |= {"target": target, "chosen": row_dict(chosen_row), "now": row_dict(now_row), "chosen_by": by}
        out |= {"chosen_switches_rule_off": chosen.rule_requests == 0, "where": where}
        print(json.dumps({**out, "yaml": line}, indent=2, ensure_ascii=False))
        return
    body = table_rows(_only(result, [chosen_row] if chosen_row.current else [chosen_row, now_row]))
    body[0][0] = f"{show(chosen.value)} (chosen" + (", current)" if chosen_row.current else ")")
    goal = (
        f"an expensive share of at most {percent(target_expensive_share)}"
        if target_expensive_share is not None
        else f"under-routing of at most {percent(max_under_routing or 0.0)}"
    )
    now = "the current value" if chosen_row.current else f"now {show(result.current)}"
    lines = [
        f"For {goal}: set {result.param.name} to {show(chosen.value)} ({now}).",
        *calibrate_notes(result, chosen, by, target_expensive_share),
    ]
    print_table([*lines, *intro(result)[1:]], head(result), body, [f"{where}:", line])


BY_QUALITY = "the highest mean quality at or under the cap"
BY_SHARE = "the largest expensive share at or under the cap (no quality labels)"
BY_COST = "the lowest daily cost within the under-routing limit"


def chosen_by(grid: list[SweepPoint], target_share: float | None) -> str:
    """How ``reports.sweep.calibrate`` picked among the values that meet the target."""
    if target_share is None:
        return BY_COST
    return BY_SHARE if all(p.mean_quality is None for p in grid) else BY_QUALITY


def calibrate_notes(result: Result, chosen: SweepPoint, by: str, cap: float | None) -> list[str]:
    """Warnings about the chosen value: a choice made without labels, a rule it switches off."""
    lines = []
    if by == BY_SHARE:
        lines.append(
            f"note: no quality labels, so the value with the largest expensive share at or under {percent(cap or 0.0)}"
        )
    if chosen.rule_requests == 0:
        value, rule = show(chosen.value), result.param.rule
        lines.append(f"note: at {value} rule '{rule}' decides no request: the value switches the rule off")
    return lines


def _only(result: Result, rows: list[Row]) -> Result:
    from dataclasses import replace

    return replace(result, rows=tuple(rows))


def _check_target(share: float | None, under: float | None) -> None:
    if (share is None) == (under is None):
        raise UsageError("give exactly one of --target-expensive-share and --max-under-routing")
    for name, value in (("--target-expensive-share", share), ("--max-under-routing", under)):
        if value is not None and not 0 <= value <= 1:
            raise UsageError(f"{name} is a share from 0 to 1 (0.3 for 30%), got {value:g}")


NUMBER = re.compile(r"[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def snippet(policy: Policy, param: SweepParam, value: float) -> tuple[str, str]:
    """Where to edit the rule file, and the edited line (the rule file's own line when it can be read)."""
    test = swept_test(policy, param)
    line, column = test.at
    op = getattr(test.pred, "op", "")
    generic = f"{param.field}: {{{op}: {show(value)}}}"
    try:
        text = Path(policy.source).read_text(encoding="utf-8").splitlines()[line - 1]
    except (OSError, IndexError, UnicodeDecodeError):
        return f"in rule '{param.rule}', set", generic
    found = NUMBER.match(text, column - 1) if column else None
    if found is None:
        return f"in rule '{param.rule}', set", generic
    return f"{policy.source}:{line}: in rule '{param.rule}'", text[: found.start()] + show(value) + text[found.end() :]
