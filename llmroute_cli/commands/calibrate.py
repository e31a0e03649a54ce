"""``llmroute calibrate``: the threshold value that meets a target on your logs, and the rule file line to set."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from llmroute_cli.commands._common import handle_errors, stdout_console
from llmroute_cli.commands.options import (
    MAX_LINE_BYTES,
    BatchOpt,
    ColdCacheOpt,
    DaysOpt,
    FieldOpt,
    JobsOpt,
    LogsArg,
    MaxLineOpt,
    MetadataFieldOpt,
    PricesOpt,
    ProviderOpt,
    QuietOpt,
    RatioOpt,
    RulesOpt,
    SampleRateOpt,
    StrictOpt,
    UnknownPriceOpt,
    share,
    share_opt,
)
from llmroute_cli.commands.sweep import ParamOpt, run
from llmroute_cli.errors import UsageError
from llmroute_cli.render.fmt import percent
from llmroute_cli.render.sweep import head, intro, render_table, show, table_rows
from llmroute_cli.reports.sweep_result import row_dict, swept_test

if TYPE_CHECKING:
    from llmroute_cli.reports.sweep import SweepParam, SweepPoint
    from llmroute_cli.reports.sweep_result import Result, Row
    from llmroute_cli.rules.policy import Policy


class CalibrateFormat(StrEnum):
    table = "table"
    json = "json"


@handle_errors
def calibrate(
    logs: LogsArg,
    param: ParamOpt,
    target_expensive_share: Annotated[
        str | None, share_opt("Send at most this share of requests to the expensive tier.")
    ] = None,
    max_under_routing: Annotated[
        str | None, share_opt("The cheapest value whose under-routing is at most this.")
    ] = None,
    rules: RulesOpt = None,
    prices: PricesOpt = None,
    provider: ProviderOpt = None,
    unknown_model_price: UnknownPriceOpt = None,
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
    metadata_field: MetadataFieldOpt = None,
    strict: StrictOpt = False,
    max_line_bytes: MaxLineOpt = MAX_LINE_BYTES,
    jobs: JobsOpt = 0,
) -> None:
    """Find the threshold value that meets a target on your logs, and the line to put in the rule file.

    Example: llmroute calibrate sample_data/chat_logs.jsonl --param short-no-code.query.chars=50:600:50 --target-expensive-share 0.1
    """  # noqa: E501 - the example is one command line
    from llmroute_cli.reports.sweep import calibrate as choose

    cap = share("--target-expensive-share", target_expensive_share)
    ceiling = share("--max-under-routing", max_under_routing)
    _check_target(cap, ceiling)
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
    )
    grid = [r.point for r in result.rows if r.point.value in result.param.values]
    chosen = choose(grid, cap, ceiling, param=result.param.name)
    chosen_row = next(r for r in result.rows if r.point is chosen)
    now_row = next(r for r in result.rows if r.current)
    where, line = snippet(result.policy, result.param, chosen.value)
    by = chosen_by(grid, cap)
    if fmt is CalibrateFormat.json:
        from llmroute_cli.render.jsonout import report_json

        target = {"expensive_share": cap, "under_routing": ceiling}
        out = {k: v for k, v in result.to_dict().items() if k not in ("points", "definitions")}
        out |= {"target": target, "chosen": row_dict(chosen_row), "now": row_dict(now_row), "chosen_by": by}
        out |= {"chosen_switches_rule_off": chosen.rule_requests == 0, "where": where}
        print(report_json({**out, "yaml": line}))
        return
    body = table_rows(_only(result, [chosen_row] if chosen_row.current else [chosen_row, now_row]))
    body[0][0] = f"{show(chosen.value)} (chosen" + (", current)" if chosen_row.current else ")")
    goal = (
        f"an expensive share of at most {percent(cap)}"
        if cap is not None
        else f"under-routing of at most {percent(ceiling or 0.0)}"
    )
    now = "the current value" if chosen_row.current else f"now {show(result.current)}"
    lines = [
        f"For {goal}: set {result.param.name} to {show(chosen.value)} ({now}).",
        *calibrate_notes(result, chosen, by, cap),
    ]
    render_table([*lines, *intro(result)[1:]], head(result), body, [f"{where}:", line], stdout_console())


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


def _check_target(cap: float | None, ceiling: float | None) -> None:
    if (cap is None) == (ceiling is None):
        raise UsageError("give exactly one of --target-expensive-share and --max-under-routing")


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
