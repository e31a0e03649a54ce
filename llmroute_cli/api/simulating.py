"""``simulate``: a rule file over logged requests, as ``llmroute simulate`` runs it, handed back as data."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from llmroute_cli.api.options import (
    MAX_LINE_BYTES,
    PARTITION_BYTES,
    SCHEDULER_TIMEOUT,
    VERIFIER_ERRORS,
    Engine,
    Logs,
    PathLike,
    check_models,
    log_inputs,
    reading,
    simulate_options,
    unknown_models,
    verifier_shares,
)
from llmroute_cli.api.runs import DECISION_COLUMNS, SimulateRun, tidied_report
from llmroute_cli.errors import OptionError

if TYPE_CHECKING:
    import pandas as pd

Progress = Callable[..., None]


def simulate(
    logs: Logs,
    rules: PathLike | None = None,
    *,
    prices: PathLike | None = None,
    provider: str | None = None,
    unknown_model_price: Any = None,
    days: float | None = None,
    sample_rate: float = 1.0,
    output_tokens: int | None = None,
    output_ratio: Any = None,
    baseline_tier: str | None = None,
    cold_cache: bool = False,
    batch: bool = False,
    bootstrap: int = 200,
    seed: int = 0,
    verifier_error: str | Sequence[float] = VERIFIER_ERRORS,
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
    decisions: bool = False,
    on_decisions: Callable[[pd.DataFrame], None] | None = None,
    progress: Progress | None = None,
    notify: Callable[[str], None] | None = None,
) -> SimulateRun:
    """Spend per tier and rule, baselines, savings and quality of ``rules`` on ``logs``: ``llmroute simulate``.

    Options are the command's flags in snake_case, with its defaults. ``decisions=True`` keeps each request's
    decision (``to_pandas("requests")``); ``on_decisions`` is handed each chunk's as it is routed.
    ``progress(done, total)`` gets the bytes read; ``notify`` the Dask dashboard's address.
    """
    from llmroute_cli.api.loading import load_router
    from llmroute_cli.reports.simulate import build_report, check_scale, period_of
    from llmroute_cli.simulate.pipeline import SIMULATION_TEXTS, read_and_route
    from llmroute_cli.simulate.simulation import Simulations

    inputs = log_inputs(logs)
    check_scale(days, sample_rate)
    unknown = unknown_models(unknown_model_price)
    given = {"output_tokens": output_tokens, "baseline_tier": baseline_tier, "cold_cache": cold_cache, "batch": batch}
    options = simulate_options(
        output_ratio, **given, bootstrap=bootstrap, seed=seed, verifier_errors=verifier_shares(verifier_error)
    )
    fields: dict[str, Any] = {"query_field": query_field, "context_field": context_field, "time_field": time_field}
    on = Engine(engine, scheduler, workers, partition_bytes, notify, scheduler_timeout)
    fields |= {"metadata_field": metadata_field, "strict": strict, "max_line_bytes": max_line_bytes}
    read = reading(inputs, jobs=jobs, **fields, engine=on, texts=SIMULATION_TEXTS)
    sinks = [s for s in [on_decisions] if s is not None]
    kept: list[pd.DataFrame] = []
    if decisions:
        sinks.append(kept.append)
    if sinks and read.runner is not None:
        raise OptionError("decisions", "{option} are written here, in log order: leave out --engine dask to write them")
    if sinks:
        read = dataclasses.replace(read, jobs=1)  # decisions come in log order, from one serial read
    router, book = load_router(rules, prices, unknown, provider)
    check_models(book, options, router.policy.tiers)
    make: Any = Simulations(router, book, options)
    if sinks:
        make = _Deciding(make, sinks)
    acc, stats = read_and_route(read, make, [router], progress)
    result = (acc.sim if sinks else acc).result()
    report = build_report(result, period_of(result, days), sample_rate, stats.summary())
    return SimulateRun(tidied_report(report), result, _joined(kept) if decisions else None)


class _Deciding:
    """A serial simulation that hands each chunk's decisions to ``sinks`` as it goes: its own ``make``."""

    def __init__(self, make: Any, sinks: list[Callable[[pd.DataFrame], Any]]) -> None:
        self.make, self.sinks = make, sinks

    def __call__(self, part: int) -> _Deciding:
        self.sim = self.make(part)
        return self

    def add(self, chunk: Any) -> None:
        rows = self.sim.decide(chunk)[list(DECISION_COLUMNS)]
        for sink in self.sinks:
            sink(rows)

    def merge(self, other: Any) -> None:
        raise AssertionError("decisions are made serially")


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    import pandas as pd

    if not frames:
        return pd.DataFrame(columns=list(DECISION_COLUMNS))
    return pd.concat(frames, ignore_index=True)
