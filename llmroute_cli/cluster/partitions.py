"""The logs cut into partitions for a cluster: a file each, or byte ranges of a large plain JSONL file."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from llmroute_cli.errors import UsageError
from llmroute_cli.logs.sources import Source, open_source, resolve

PARTITION_BYTES = 64 << 20


@dataclass(frozen=True, slots=True)
class Partition:
    """What one task reads: its inputs (paths or URLs), a name for messages (credentials hidden), its size."""

    inputs: tuple[str, ...]
    label: str
    size: int
    byte_range: tuple[int, int] | None = None
    first_line: int | None = None


def plan_partitions(inputs: Sequence[str], partition_bytes: int = PARTITION_BYTES) -> list[Partition]:
    """Partitions in log order; together they read every input once, as a local run would."""
    if partition_bytes < 1:
        raise UsageError(f"--partition-bytes must be at least 1, got {partition_bytes}")
    if "-" in inputs:
        raise UsageError("--engine dask reads files and URLs, not stdin (-)")
    sources = resolve(inputs)
    if streams := [s.name for s in sources if s.stream]:
        raise UsageError(f"{streams[0]}: --engine dask reads files and URLs, not pipes")
    if any(_batch(s) for s in sources):  # a Batch input joins its output file: one partition reads both
        paths = tuple(s.path or "" for s in sources)
        return [Partition(paths, ", ".join(s.name for s in sources), sum(s.size or 0 for s in sources))]
    parts: list[Partition] = []
    for source in sources:
        parts += _cut(source, partition_bytes)
    return parts


def _batch(source: Source) -> bool:
    from llmroute_cli.logs.jsonl import first_record
    from llmroute_cli.logs.shapes import detect

    if source.fmt != "jsonl":
        return False
    with open_source(source, None) as opened:
        rec = first_record(opened.stream)
    return rec is not None and detect(rec) in ("batch", "batch-output")


def _cut(source: Source, partition_bytes: int) -> list[Partition]:
    """One partition for the source, or byte ranges cut at line starts (local plain JSONL only)."""
    from llmroute_cli.simulate.parallel import cut, numbered

    path, size = source.path or "", source.size or 0
    if source.fmt != "jsonl" or source.gz or source.url or size <= partition_bytes:
        return [Partition((path,), source.name, size)]
    with open(path, "rb") as f:
        shards = numbered(path, cut(f, source.name, size, math.ceil(size / partition_bytes)), 2)
    return [
        Partition((path,), f"{source.name} bytes {s.start}-{s.end}", s.end - s.start, (s.start, s.end), s.first_line)
        for s in shards
    ]
