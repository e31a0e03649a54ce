"""The logs cut into partitions for a cluster: a file each, or byte ranges of a large plain JSONL file or URL."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from llmroute_cli.errors import LlmrouteError, UsageError
from llmroute_cli.logs.remote import is_url, open_url, redact
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
    """One partition for the source, or byte ranges cut at line starts (plain JSONL).

    A local file's ranges are numbered here; a URL's are numbered by ``count_lines`` tasks on the
    workers, so no byte of it is downloaded to this machine but the few read to find line starts.
    """
    from llmroute_cli.simulate.parallel import cut, numbered

    path, size = source.path or "", source.size or 0
    if source.fmt != "jsonl" or source.gz or size <= partition_bytes:
        return [Partition((path,), source.name, size)]
    with open_url(path) if source.url else open(path, "rb") as f:
        shards = cut(f, source.name, size, math.ceil(size / partition_bytes))
    if not source.url:
        shards = numbered(path, shards, 2)
    return [
        Partition(
            (path,), f"{source.name} bytes {s.start}-{s.end}", s.end - s.start, (s.start, s.end),
            None if source.url else s.first_line,
        )
        for s in shards
    ]  # fmt: skip


def to_count(parts: Sequence[Partition]) -> list[int]:
    """The partitions whose newlines number the next one: ranges without a first line, but each file's last."""
    return [
        i
        for i, (part, after) in enumerate(itertools.pairwise(parts))
        if _unnumbered(part) and _unnumbered(after) and after.byte_range[0] == part.byte_range[1]  # type: ignore[index]
    ]


def _unnumbered(part: Partition) -> bool:
    return part.byte_range is not None and part.first_line is None


def count_lines(part: Partition) -> int:
    """The newlines in a partition's byte range (a task on a worker, reading that range once)."""
    start, end = part.byte_range or (0, part.size)
    path = part.inputs[0]
    try:
        with open_url(path) if is_url(path) else open(path, "rb") as f:
            f.seek(start)
            count, left = 0, end - start
            while left > 0 and (block := f.read(min(left, 4 << 20))):
                count += block.count(b"\n")
                left -= len(block)
    except OSError as exc:
        raise LlmrouteError(f"{part.label}: cannot read ({redact(str(exc), path)})") from None
    return count


def numbered(parts: Sequence[Partition], counts: dict[int, int]) -> list[Partition]:
    """The partitions with each range's first line: one past the newlines of the ranges before it in its file."""
    out, line = [], 1
    for i, part in enumerate(parts):
        if _unnumbered(part):
            line = 1 if part.byte_range[0] == 0 else line  # type: ignore[index]
            out.append(replace(part, first_line=line))
            line += counts.get(i, 0)
        else:
            out.append(part)
    return out
