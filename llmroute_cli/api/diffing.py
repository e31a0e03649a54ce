"""``diff``: two rule files on the same logs, as ``llmroute diff`` runs them, handed back as data."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from llmroute_cli.api.options import (
    MAX_LINE_BYTES,
    PARTITION_BYTES,
    SCHEDULER_TIMEOUT,
    Engine,
    Logs,
    PathLike,
    lit,
    log_inputs,
    reading,
    unknown_models,
)
from llmroute_cli.api.runs import DiffRun, read_notices, tidied_report
from llmroute_cli.errors import OptionError

Progress = Callable[..., None]


def diff(
    old: PathLike,
    new: PathLike,
    logs: Logs,
    *,
    days: float | None = None,
    sample_rate: float = 1.0,
    prices: PathLike | None = None,
    provider: str | None = None,
    unknown_model_price: Any = None,
    max_cost_increase: float | None = None,
    max_expensive_share: float | None = None,
    max_shift: float | None = None,
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
) -> DiffRun:
    """What changing rule file ``old`` (a path, or git's ``REV:PATH``) to ``new`` does on ``logs``: ``llmroute diff``.

    The gates are those of the command: ``max_cost_increase`` in percent, the two shares as fractions (0.4);
    ``gates_failed`` lists the ones crossed.
    """
    from llmroute_cli.api.loading import price_table
    from llmroute_cli.engine.router import Router
    from llmroute_cli.pricing.book import price_book
    from llmroute_cli.reports.diff import Comparisons, Gates, comparison_report, failed_gates
    from llmroute_cli.reports.simulate import check_scale
    from llmroute_cli.rules.files import read_spec
    from llmroute_cli.simulate.pipeline import SIMULATION_TEXTS, read_and_route
    from llmroute_cli.simulate.simulation import SimulateOptions

    inputs = log_inputs(logs)
    shares = _percent("max_expensive_share", max_expensive_share), _percent("max_shift", max_shift)
    gates = Gates(max_cost_increase, *shares)
    check_scale(days, sample_rate)
    unknown = unknown_models(unknown_model_price)
    on = Engine(engine, scheduler, workers, partition_bytes, notify, scheduler_timeout)
    read = reading(
        inputs,
        strict=strict,
        jobs=jobs,
        max_line_bytes=max_line_bytes,
        metadata_field=metadata_field,
        engine=on,
        texts=SIMULATION_TEXTS,
    )
    table = price_table(prices, unknown.prices)
    (old_text, old_name), (new_text, new_name) = read_spec(os.fspath(old)), read_spec(os.fspath(new))
    routers = Router.from_text(old_text, old_name), Router.from_text(new_text, new_name)
    books = [price_book(r.policy, table, unknown.skip, provider) for r in routers]
    make = Comparisons((routers[0], books[0]), (routers[1], books[1]), SimulateOptions(bootstrap=0))
    cmp, stats = read_and_route(read, make, list(routers), progress)
    report = comparison_report(cmp, days, sample_rate, stats.summary())
    failures = failed_gates(report, gates)
    notices = read_notices(stats.summary(), cmp.new.totals)
    return DiffRun(tidied_report({**report, "gates_failed": failures}), old_name, new_name, notices)


def _percent(name: str, fraction: float | None) -> float | None:
    """A share gate as ``Gates`` holds it: percent (a float's own rounding kept off round percents)."""
    if fraction is None:
        return None
    if not 0 <= fraction <= 1:  # also refuses NaN
        raise OptionError(name, f"{{option}} is a share from 0 to 1 or 0% to 100%, got {lit(fraction)}")
    return round(fraction * 100, 10)
