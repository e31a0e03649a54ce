"""``--engine dask``: each partition read and routed on a worker into an accumulator, merged by a tree reduction.

The workers run the one loop (``logs.read_logs`` into the command's accumulators), so the merged result
is the local run's: parts are merged in log order, and only accumulators, never rows, reach the client.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from llmroute_cli.cluster.partitions import (
    PARTITION_BYTES,
    Partition,
    count_lines,
    numbered,
    plan_partitions,
    to_count,
)
from llmroute_cli.errors import LlmrouteError, UsageError
from llmroute_cli.logs import ReadOptions, ReadStats, read_logs
from llmroute_cli.logs.reader import nothing_read
from llmroute_cli.logs.remote import INSTALL, redact

Progress = Callable[..., None]
SCHEDULER_TIMEOUT = 10.0


@dataclass(slots=True)
class Partial:
    """A partition's accumulator and read statistics, or, when it failed, why (named, in log order)."""

    acc: Any
    stats: ReadStats
    failures: list[str] = field(default_factory=list)


def read_partition(index: int, part: Partition, make: Callable[[int], Any], read: ReadOptions) -> Partial:
    """One partition read and routed on a worker (the task Dask runs, and retries if its worker dies)."""
    stats, acc = ReadStats(), make(index)
    opts = replace(read, byte_range=part.byte_range, first_line=part.first_line, part=True)
    try:
        for chunk in read_logs(list(part.inputs), opts, stats):
            acc.add(chunk)
    except LlmrouteError as exc:
        return Partial(None, stats, [redact(str(exc))])
    except Exception as exc:  # a worker's bug still names the partition it was reading
        return Partial(None, stats, [f"{part.label}: {type(exc).__name__}: {redact(str(exc))}"])
    return Partial(acc, stats)


def merge_partials(first: Partial, second: Partial) -> Partial:
    """Two neighbouring partials as one; the inputs are left as they were (Dask may run a task again)."""
    import cloudpickle  # comes with dask; pickles what the workers were sent, as they were sent

    stats = cloudpickle.loads(cloudpickle.dumps(first.stats))
    stats.merge(second.stats)
    failures = first.failures + second.failures
    if first.acc is None or second.acc is None:
        return Partial(None, stats, failures)
    acc = cloudpickle.loads(cloudpickle.dumps(first.acc))
    acc.merge(second.acc)
    return Partial(acc, stats, failures)


@dataclass(frozen=True, slots=True)
class DaskRunner:
    """Reads and routes on the scheduler at ``scheduler``, or on a LocalCluster of ``workers`` processes."""

    scheduler: str | None = None
    workers: int = 2
    partition_bytes: int = PARTITION_BYTES
    notify: Callable[[str], None] | None = None  # told the dashboard's address
    timeout: float = SCHEDULER_TIMEOUT  # seconds to reach ``scheduler`` before giving up

    def __call__(self, reading: Any, make: Callable[[int], Any], routers: list[Any], progress: Progress | None):
        parts = plan_partitions(list(reading.inputs), self.partition_bytes)
        with self._client() as client:
            if self.notify is not None and client.dashboard_link:
                self.notify(f"Dask dashboard: {client.dashboard_link}")
            parts = _numbered(client, parts)
            partial = _run(client, parts, make, reading.options, progress)
        if partial.failures:
            raise LlmrouteError(_failed(partial.failures, reading.options.strict))
        stats = partial.stats
        stats.bytes_total = sum(p.size for p in parts)
        if not stats.rows:
            raise LlmrouteError(nothing_read(stats.files, stats))
        whole = make(0)
        whole.merge(partial.acc)
        return whole, stats

    @contextlib.contextmanager
    def _client(self) -> Iterator[Any]:
        try:
            import distributed
        except ImportError:
            raise UsageError(f"--engine dask needs dask.distributed: {INSTALL}") from None
        if self.scheduler is not None:
            with _connected(distributed, self.scheduler, self.timeout) as client:
                yield client
            return
        if self.workers < 1:
            raise UsageError(f"--workers must be at least 1, got {self.workers}")
        with _local_cluster(distributed, self.workers) as cluster, distributed.Client(cluster) as client:
            yield client


@contextlib.contextmanager
def _connected(distributed: Any, address: str, timeout: float) -> Iterator[Any]:
    """A client of the scheduler at ``address``; a malformed or unreachable address is one line."""
    shown = redact(address)
    try:
        client = distributed.Client(address, timeout=f"{timeout}s")
    except ValueError as exc:  # no port, an unknown scheme
        raise UsageError(f"--scheduler {shown}: {redact(str(exc), address)}; expected tcp://HOST:PORT") from None
    except (OSError, TimeoutError) as exc:
        raise LlmrouteError(f"cannot reach the Dask scheduler at {shown}: {redact(str(exc), address)}") from None
    with client:
        yield client


def _failed(failures: list[str], strict: bool) -> str:
    """The first failure in log order (all a local run would say under ``--strict``), and what else failed."""
    if strict or len(failures) == 1:
        return failures[0]
    return f"{failures[0]} (also failed: {'; '.join(failures[1:])})"


@contextlib.contextmanager
def _local_cluster(distributed: Any, workers: int) -> Iterator[Any]:
    import logging

    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
    )
    with cluster:
        yield cluster


def _numbered(client: Any, parts: list[Partition]) -> list[Partition]:
    """Ranges of URLs numbered by their first lines, the newlines before each counted on the workers."""
    counting = to_count(parts)
    if not counting:
        return numbered(parts, {})
    futures = [client.submit(count_lines, parts[i], pure=False) for i in counting]
    try:
        counts = client.gather(futures)
    except LlmrouteError:
        raise
    except Exception as exc:  # a lost worker past Dask's retries, a lost scheduler
        raise LlmrouteError(f"the Dask cluster failed: {type(exc).__name__}: {redact(str(exc))}") from None
    return numbered(parts, dict(zip(counting, counts, strict=True)))


def _run(client: Any, parts: list[Partition], make: Any, read: ReadOptions, progress: Progress | None) -> Partial:
    """Every partition submitted, the tree of merges over them, progress as partitions finish; the root."""
    from distributed import as_completed

    shared = client.scatter(make, broadcast=True, hash=False)  # the policy sent once to each worker
    leaves = [client.submit(read_partition, i, p, shared, read, pure=False) for i, p in enumerate(parts)]
    root = _tree(client, leaves)
    sizes = {leaf.key: p.size for leaf, p in zip(leaves, parts, strict=True)}
    done, total = 0, sum(sizes.values())
    try:
        for finished in as_completed(leaves):
            done += sizes[finished.key]
            if progress is not None:
                progress(done, total)
        result: Partial = root.result()
    except Exception as exc:  # KilledWorker past Dask's retries, a lost scheduler
        raise LlmrouteError(f"the Dask cluster failed: {type(exc).__name__}: {redact(str(exc))}") from None
    return result


def _tree(client: Any, level: list[Any]) -> Any:
    """Neighbours merged pairwise, level by level, on the workers, until one partial is left."""
    while len(level) > 1:
        pairs = [client.submit(merge_partials, level[i], level[i + 1], pure=False) for i in range(0, len(level) - 1, 2)]
        level = pairs + level[len(pairs) * 2 :]
    return level[0]
