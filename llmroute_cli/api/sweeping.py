"""``sweep``: one rule's threshold over a range of values, as ``llmroute sweep`` runs it, handed back as data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llmroute_cli.api.options import (
    MAX_LINE_BYTES,
    PARTITION_BYTES,
    SCHEDULER_TIMEOUT,
    Engine,
    Logs,
    PathLike,
    log_inputs,
    reading,
    simulate_options,
    unknown_models,
)
from llmroute_cli.api.runs import SweepRun, read_notices, tidied_report

Progress = Callable[..., None]


def sweep(
    logs: Logs,
    rules: PathLike | None = None,
    *,
    param: str,
    prices: PathLike | None = None,
    provider: str | None = None,
    unknown_model_price: Any = None,
    days: float | None = None,
    sample_rate: float = 1.0,
    cold_cache: bool = False,
    batch: bool = False,
    output_ratio: Any = None,
    query_field: str | None = None,
    context_field: str | None = None,
    time_field: str | None = None,
    metadata_field: Any = None,
    strict: bool = False,
    max_line_bytes: int = MAX_LINE_BYTES,
    jobs: int = 0,
    engine: str = "local",
    scheduler: str | None = None,
    workers: int = 2,
    partition_bytes: int = PARTITION_BYTES,
    scheduler_timeout: float = SCHEDULER_TIMEOUT,
    progress: Progress | None = None,
    notify: Callable[[str], None] | None = None,
) -> SweepRun:
    """Re-run ``rules`` over a range of one threshold (``param``: ``RULE.FIELD=START:STOP:STEP``): ``llmroute sweep``.

    The logs are read once, through one router per value (and the current one); each value's row holds its spend,
    expensive share, under-routing and quality.
    """
    from llmroute_cli.api.loading import load_router
    from llmroute_cli.quality.labels import QualitySpec
    from llmroute_cli.reports.simulate import check_scale
    from llmroute_cli.reports.sweep import Sweeps, sweep_values
    from llmroute_cli.reports.sweep_result import current_value, sweep_result, swept_test
    from llmroute_cli.simulate.pipeline import SIMULATION_TEXTS, read_and_route

    inputs = log_inputs(logs)
    check_scale(None, sample_rate)
    options = simulate_options(output_ratio, cold_cache=cold_cache, batch=batch, bootstrap=0)
    router, book = load_router(rules, prices, unknown_models(unknown_model_price), provider)
    policy = router.policy
    swept = sweep_values(param, policy)
    current = current_value(swept_test(policy, swept))
    expensive = QualitySpec.from_policy(policy, book).expensive_tier
    sweeps = Sweeps(policy, swept, tuple(sorted({*swept.values, current})), book, options)
    fields: dict[str, Any] = {"query_field": query_field, "context_field": context_field, "time_field": time_field}
    fields |= {"metadata_field": metadata_field, "strict": strict, "max_line_bytes": max_line_bytes}
    read = reading(
        inputs,
        jobs=jobs,
        **fields,
        engine=Engine(engine, scheduler, workers, partition_bytes, notify, scheduler_timeout),
        texts=SIMULATION_TEXTS,
    )
    runs, stats = read_and_route(read, sweeps, sweeps.routers(), progress)
    totals = runs.runs[0][1].totals
    results = [(value, sim.result()) for value, sim in runs.runs]
    result = sweep_result(swept, policy, current, results, expensive, days, sample_rate)
    return SweepRun(tidied_report(result.to_dict()), result, _notices(stats.summary(), totals))


def _notices(read: dict[str, Any], totals: Any) -> tuple[str, ...]:
    lines = read_notices(read, totals)
    if not totals.bad_labels:
        return lines
    first = totals.bad_label_example
    return (*lines, f"skipped the malformed outcome labels of {totals.bad_labels} requests; first: {first}")
