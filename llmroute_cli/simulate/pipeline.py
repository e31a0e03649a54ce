"""The one loop that reads and routes logs, for every command: chunks of requests into accumulators.

A command says what to keep of each chunk with an accumulator (``add(chunk)``, ``merge(other)``):
one Simulation for ``simulate``, two for ``diff``, one per swept value for ``sweep``, rule hits for
``check --logs``, routed ids for ``sample``. The loop reads every input the same way, so every
command counts and names skipped records alike and honours ``strict``; large plain JSONL logs are
shared out over one process per core, each part read into its own accumulator and merged in order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from llmroute_cli.logs import ReadOptions, ReadStats, read_logs

if TYPE_CHECKING:
    import pandas as pd

    from llmroute_cli.engine.router import Router


class Accumulator(Protocol):
    def add(self, chunk: pd.DataFrame) -> Any: ...
    def merge(self, other: Any) -> None: ...


A = TypeVar("A", bound=Accumulator)
# what simulations read of the texts besides their rules: the query (a cascade's, diff's examples)
SIMULATION_TEXTS = frozenset({"query"})
Progress = Callable[..., None]


class Runner(Protocol):
    """An engine that reads and routes the logs elsewhere and gives back the merged accumulator."""

    def __call__(
        self, reading: Reading, make: Callable[[int], Any], routers: list[Router], progress: Progress | None
    ) -> tuple[Any, ReadStats]: ...


@dataclass(frozen=True, slots=True)
class Reading:
    """Which logs to read and how: the inputs, the reader's options, and processes to share them over."""

    inputs: Sequence[str]
    options: ReadOptions = field(default_factory=ReadOptions)
    jobs: int = 1  # 1 reads serially; more may shard large plain JSONL logs
    runner: Runner | None = None  # another engine (a Dask cluster) that reads and routes instead of this process
    # the texts the accumulators read besides what the routers test; None: every text, as logged
    texts: frozenset[str] | None = None


def read_and_route(
    reading: Reading,
    make: Callable[[int], A],
    routers: Sequence[Router],
    progress: Progress | None = None,
) -> tuple[A, ReadStats]:
    """Every request of the logs added, chunk by chunk, to ``make(0)`` (or to one ``make(part)`` per shard,
    merged in order); with what the read saw. ``routers`` are the policies the accumulators route with."""
    reading = _narrowed(reading, routers)
    if reading.runner is not None:
        whole, stats = reading.runner(reading, make, list(routers), progress)
        return whole, stats
    sharded = _sharded(reading, make, list(routers), progress)
    if sharded is not None:
        return sharded
    whole, stats = make(0), ReadStats()
    for chunk in read_logs(list(reading.inputs), reading.options, stats, progress=progress):
        whole.add(chunk)
    return whole, stats


def _narrowed(reading: Reading, routers: Sequence[Router]) -> Reading:
    """``reading`` told which texts nobody reads but by length (when the accumulators say what they read)."""
    from llmroute_cli.logs.model import SIZABLE_TEXTS
    from llmroute_cli.rules.reads import texts_read

    if reading.texts is None:
        return reading
    sized = SIZABLE_TEXTS - reading.texts - texts_read(r.policy for r in routers)
    return dataclasses.replace(reading, options=dataclasses.replace(reading.options, sized_only=sized))


def _sharded(
    reading: Reading, make: Callable[[int], A], routers: list[Router], progress: Progress | None
) -> tuple[A, ReadStats] | None:
    """Shards run in parallel, or None to read serially (small logs, stdin, gzip, Batch files, ``strict``)."""
    from llmroute_cli.simulate.parallel import plan, run_sharded

    if reading.jobs < 2 or reading.options.strict:
        return None
    shards = plan(list(reading.inputs), reading.jobs)
    if not shards or len(shards) < 2:
        return None
    whole, stats = run_sharded(make, reading.options, shards, reading.jobs, routers, progress)
    return (whole, stats) if stats.rows else None  # nothing read: the serial read says why
