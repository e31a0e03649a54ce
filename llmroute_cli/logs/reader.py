"""``read_logs``: stream requests from log files as DataFrame chunks, whatever shape and format they come in."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

from llmroute_cli.errors import LlmrouteError
from llmroute_cli.logs.chat_columns import chat_columns, concat_columns
from llmroute_cli.logs.fields import needed
from llmroute_cli.logs.jsonl import Bad, Block, RangeLines, block_records, first_record, line_blocks
from llmroute_cli.logs.model import BadRecord, Ignored, ReadOptions, ReadStats, Row, columns_frame, to_frame
from llmroute_cli.logs.remote import open_url
from llmroute_cli.logs.shaper import Shaper, Tries
from llmroute_cli.logs.shapes import Joins, batch_result, detect
from llmroute_cli.logs.sources import GZIP_ERRORS, Source, corrupt, open_source, resolve
from llmroute_cli.logs.tabular import ParquetRecords, csv_records
from llmroute_cli.logs.values import id_of, kind

if TYPE_CHECKING:
    import pandas as pd

# Files whose first record has one of these shapes try the columnar chat reader (which declines what it cannot read)
COLUMNAR_SHAPES = (None, "chat", "anthropic", "responses")
Progress = Callable[[int, "int | None"], None]  # (bytes read so far, total bytes or None for stdin)
Records = Iterator[tuple[int, Any]]


def read_logs(
    inputs: Sequence[str],
    opts: ReadOptions | None = None,
    stats: ReadStats | None = None,
    progress: Progress | None = None,
    stdin: IO[bytes] | None = None,
) -> Generator[pd.DataFrame, None, None]:
    """Requests from files, globs and ``-`` (stdin), in chunks of about ``opts.chunk_rows`` rows.

    JSON Lines in the plain chat shape are parsed a block at a time straight into columns; other
    records one at a time, chunked also after about ``opts.chunk_bytes`` of log (they cost memory
    by size).

    Missing files and empty globs raise UsageError now; bad records are skipped into ``stats``
    (or raise LlmrouteError when ``opts.strict``); ``progress(done, total)`` gets the bytes read
    so far and the total size (None when reading stdin), after each chunk and file.
    """
    sources = resolve(inputs)
    stats = ReadStats() if stats is None else stats
    stats.files = [s.name for s in sources]
    sizes = [s.size for s in sources if s.size is not None]
    stats.bytes_total = sum(sizes) if len(sizes) == len(sources) else None
    reader = _Reader(opts or ReadOptions(), stats, progress, stdin)
    return _gc_paused(reader.run(sources))


def _gc_paused(chunks: Generator[pd.DataFrame, None, None]) -> Generator[pd.DataFrame, None, None]:
    """Run ``chunks`` with the cyclic GC off while each chunk is built, and as it was in between.

    A chunk is tens of thousands of fresh dicts and lists with no cycles; collections triggered by
    them scan every live object again and again, which halved throughput (measured).
    """
    try:
        while True:
            enabled = gc.isenabled()
            gc.disable()
            try:
                chunk = next(chunks, None)
            finally:
                if enabled:
                    gc.enable()
            if chunk is None:
                return
            yield chunk
    finally:
        chunks.close()  # a consumer that stops early still closes the open file


class _Reader:
    def __init__(self, opts: ReadOptions, stats: ReadStats, progress: Progress | None, stdin: IO[bytes] | None):
        self.opts, self.stats, self.progress = opts, stats, progress
        self.stdin = stdin
        self.joins: Joins = {}
        self.done = 0  # stored bytes of the sources already read
        self.sources: list[str] = []
        self.lines: list[int] = []
        self.rows: list[Row] = []
        self.row_bytes = 0  # bytes of the blocks whose records wait in ``rows``
        self.blocks: list[tuple[str, int, dict[str, Any]]] = []  # (source, first line, columns) read as columns

    def run(self, sources: list[Source]) -> Generator[pd.DataFrame, None, None]:
        outputs = [s for s in sources if self._is_batch_output(s)]
        for source in outputs:
            self._load_outputs(source)
        for source in sources:
            if source not in outputs:
                yield from self._read(source)
        if self.rows:
            yield self._flush()
        if self.joins:
            self.stats.ignored["OpenAI Batch output line with no input line"] += len(self.joins)
        if not self.stats.rows and self.opts.byte_range is None and not self.opts.part:  # a part may hold none
            stdin = any(s.path is None for s in sources)
            raise LlmrouteError(nothing_read([s.name for s in sources], self.stats, stdin))

    @contextmanager
    def _records(self, source: Source) -> Iterator[tuple[Records, Callable[[], int]]]:
        if source.fmt == "parquet":
            parquet = ParquetRecords(source, self.opts.chunk_rows, needed(self.opts))
            yield iter(parquet), parquet.position
            return
        if source.fmt == "jsonl":
            with self._blocks(source) as (blocks, position, first):
                yield block_records(blocks, first), position
            return
        with open_source(source, self._stdin(source)) as opened:
            delimiter = "\t" if source.fmt == "tsv" else ","
            yield csv_records(opened.stream, delimiter, source.name), opened.position

    @contextmanager
    def _blocks(self, source: Source) -> Iterator[tuple[Iterator[Block], Callable[[], int], int]]:
        """Blocks of whole lines of a JSONL source (of its byte range, when reading one)."""
        size, most, longest = self.opts.block_bytes, self.opts.chunk_rows, self.opts.max_line_bytes
        if self.opts.byte_range is not None and source.path is not None:
            start, end = self.opts.byte_range
            with open_url(source.path) if source.url else open(source.path, "rb") as stream:
                first = self.opts.first_line or RangeLines(stream, start, end).first_line()
                stream.seek(start)
                yield (
                    line_blocks(stream, size, most, end - start, longest),
                    lambda: min(stream.tell(), end) - start,
                    first,
                )
            return
        with open_source(source, self._stdin(source)) as opened:
            yield line_blocks(opened.stream, size, most, longest=longest), opened.position, 1

    def _stdin(self, source: Source) -> IO[bytes] | None:
        if source.path is not None:
            return None
        return self.stdin if self.stdin is not None else sys.stdin.buffer

    def _is_batch_output(self, source: Source) -> bool:
        if source.fmt != "jsonl" or source.once:
            return False
        with open_source(source, self._stdin(source)) as opened:
            try:
                rec = first_record(opened.stream, longest=self.opts.max_line_bytes)
            except GZIP_ERRORS as exc:
                raise corrupt(source, 0, exc) from None
        return rec is not None and detect(rec) == "batch-output"

    def _bad(self, source: Source, line: int, rec: Any) -> None:
        reason = rec.reason if type(rec) is Bad else f"not a JSON object (got {kind(rec)})"
        self.stats.skip(source.name, line, reason, self.opts.strict)

    def _load_outputs(self, source: Source) -> None:
        """Read a Batch output file into ``joins`` (custom_id → usage, model, time)."""
        name, strict = source.name, self.opts.strict
        with self._records(source) as (records, position):
            line = 0
            try:
                for line, rec in records:
                    if type(rec) is not dict:
                        self._bad(source, line, rec)
                    elif detect(rec) != "batch-output":
                        self.stats.skip(name, line, "not an OpenAI Batch output line, unlike the first record", strict)
                    else:
                        try:
                            self.joins[id_of(rec["custom_id"])] = batch_result(rec)  # type: ignore[index]
                        except BadRecord as exc:
                            self.stats.skip(name, line, str(exc), strict)
            except GZIP_ERRORS as exc:
                raise corrupt(source, line, exc) from None
            self._advance(source, position)

    def _read(self, source: Source) -> Generator[pd.DataFrame, None, None]:
        shaper = Shaper(self.opts, self.joins)
        if source.fmt != "jsonl" or self.opts.overrides:
            with self._records(source) as (records, position):
                yield from self._take(source, shaper, records, position)
                self._advance(source, position)
            return
        fields = self.opts.metadata_fields
        with self._blocks(source) as (blocks, position, line):
            tries = Tries()
            try:
                for block in blocks:
                    if not block.ends:  # only blank lines
                        line += block.lines
                        continue
                    chat = shaper.shape in COLUMNAR_SHAPES and tries.worth_it()
                    columns = chat_columns(block, fields, self.opts.sized_only) if chat else None
                    tries.record(columns is not None)
                    if columns is None:
                        if self.blocks:
                            yield self._flush_blocks(position())
                        yield from self._take(source, shaper, block.records(line), position)
                        self.row_bytes += block.size
                        if self.rows and self.row_bytes >= self.opts.chunk_bytes:  # records cost memory by size
                            yield self._flush(position())
                    else:
                        shaper.chose("chat")
                        yield from self._add_columns(source, line, columns, position)
                    line += block.lines
            except GZIP_ERRORS as exc:
                raise corrupt(source, self._lines_before_error(source, line - 1), exc) from None
            if self.blocks:
                yield self._flush_blocks(position())
            self._advance(source, position)

    def _lines_before_error(self, source: Source, known: int) -> int:
        """How many whole lines a broken compressed file gives before it breaks (read again, to name the place).

        Stdin cannot be read again: ``known``, the lines of the blocks already read, stands for it."""
        count = 0
        if source.once:
            return known
        with open_source(source, None) as opened:
            try:
                for _ in opened.stream:
                    count += 1
            except GZIP_ERRORS:
                pass
        return count

    def _take(
        self, source: Source, shaper: Shaper, records: Records, position: Callable[[], int]
    ) -> Generator[pd.DataFrame, None, None]:
        """Rows from records one at a time, yielded as a chunk whenever ``chunk_rows`` are waiting."""
        stats, name, size = self.stats, source.name, self.opts.chunk_rows
        rows, lines, names, shapes = self.rows, self.lines, self.sources, stats.shapes
        line = 0
        try:
            for line, rec in records:
                if type(rec) is not dict:
                    self._bad(source, line, rec)
                    continue
                try:
                    row = shaper.row(rec)
                except BadRecord as exc:
                    stats.skip(name, line, str(exc), self.opts.strict)
                    continue
                except Ignored as exc:
                    stats.ignored[str(exc)] += 1
                    continue
                if type(row) is list:
                    self._add_many(source, line, row)
                else:
                    rows.append(row)
                    lines.append(line)
                    names.append(name)
                    shapes[shaper.last] += 1
                if len(rows) >= size:
                    yield self._flush(position())
        except GZIP_ERRORS as exc:
            raise corrupt(source, line, exc) from None

    def _add_columns(
        self, source: Source, first: int, columns: dict[str, Any], position: Callable[[], int]
    ) -> Generator[pd.DataFrame, None, None]:
        """A block read as columns, after the rows read before it (to keep the order of the log)."""
        if self.rows:
            yield self._flush(position())
        self.blocks.append((source.name, first, columns))
        if sum(len(c["timestamp"]) for _, _, c in self.blocks) >= self.opts.chunk_rows:
            yield self._flush_blocks(position())

    def _flush_blocks(self, within: int) -> pd.DataFrame:
        """One frame of the blocks read as columns so far."""
        import numpy as np

        counts = [len(c["timestamp"]) for _, _, c in self.blocks]
        pairs = list(zip(self.blocks, counts, strict=True))
        names = [name for (name, _, _), n in pairs for _ in range(n)]
        lines = np.concatenate([np.arange(first, first + n) for (_, first, _), n in pairs])
        frame = columns_frame(names, lines, concat_columns([c for _, _, c in self.blocks]))
        self.stats.rows += len(names)
        self.stats.shapes["chat"] += len(names)
        self.blocks.clear()
        self._report(within)
        return frame

    def _add_many(self, source: Source, line: int, results: list[Any]) -> None:
        """The spans of one OTLP export line: rows, or reasons they are none."""
        for item in results:
            if isinstance(item, BadRecord):
                self.stats.skip(source.name, line, str(item), self.opts.strict)
            elif isinstance(item, Ignored):
                self.stats.ignored[str(item)] += 1
            else:
                self.rows.append(item)
                self.lines.append(line)
                self.sources.append(source.name)
                self.stats.shapes["otel"] += 1

    def _advance(self, source: Source, position: Callable[[], int]) -> None:
        self.done += source.size if source.size is not None else position()
        self._report(0)

    def _report(self, within: int) -> None:
        self.stats.bytes_read = self.done + within
        if self.progress is not None:
            self.progress(self.stats.bytes_read, self.stats.bytes_total)

    def _flush(self, within: int = 0) -> pd.DataFrame:
        frame = to_frame(self.sources, self.lines, self.rows)
        self.stats.rows += len(self.rows)
        self.row_bytes = 0
        self.sources.clear()
        self.lines.clear()
        self.rows.clear()
        self._report(within)
        return frame


def nothing_read(names: list[str], stats: ReadStats, stdin: bool = False) -> str:
    """Why a read of these inputs gave no request: what was skipped or ignored instead."""
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    if stats.skipped:
        hint = "; stdin is read as JSONL only: give a CSV or Parquet log as a file" if stdin else ""
        return f"{shown}: no usable records ({stats.skipped} skipped; first: {stats.errors[0]}{hint})"
    if stats.ignored:
        found = "; ".join(f"{n} × {reason}" for reason, n in stats.ignored.items())
        return f"{shown}: no requests, only {found}"
    return f"{shown}: no records"
