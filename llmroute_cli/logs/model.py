"""The reader's vocabulary: options, running statistics, the row layout and the frame built from rows."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from llmroute_cli.errors import LlmrouteError, UsageError

if TYPE_CHECKING:
    import pandas as pd

MAX_ERRORS = 10


class Row(NamedTuple):
    """What an extractor returns for one request; ``source`` and ``line`` are added by the reader."""

    id: str | None
    query: str
    context: str
    timestamp: float  # unix seconds, NaN when not logged
    model: str | None
    input_tokens: int | None
    output_tokens: int | None
    cache_read_tokens: int | None
    cache_creation_tokens: int | None
    reasoning_tokens: int | None
    cache_inside_input: bool
    batch: bool
    metadata: dict[str, Any] | None
    messages: list[dict[str, str]] | None
    labels: dict[str, Any] | None
    latency_ms: float = math.nan  # the logged call's latency, NaN when not logged
    tools: tuple[Any, ...] | None = None  # tool definitions as ``tokens.tools`` reads them, kept like messages
    system: str = ""  # the system (and developer) messages, blank-line joined
    turns: int = 1  # user messages
    has_tools: bool = False  # tools defined, called or answered
    has_images: bool = False


ROW_FIELDS = Row._fields
COLUMNS = ("source", "line", *ROW_FIELDS)
# input, output, cache read, cache creation, reasoning, cache inside input
Usage = tuple[Any, Any, Any, Any, Any, bool]
NO_USAGE: Usage = (None, None, None, None, None, True)

_INT_COLUMNS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens", "reasoning_tokens")
_TEXT_COLUMNS = ("query", "context", "system")
SIZABLE_TEXTS = frozenset({"context", "system"})  # texts the columnar reader can give by length only
_OBJECT_COLUMNS = ("id", "model", "metadata", "messages", "labels", "tools")


class BadRecord(Exception):
    """A record that cannot become a request; the message says what is wrong with it."""


class Ignored(Exception):
    """A well-formed record that is not a request (a batch output line, a non-GenAI span)."""


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read logs: dotted-path overrides for detection, strictness and chunk size."""

    query_field: str | None = None
    context_field: str | None = None
    time_field: str | None = None
    metadata_fields: tuple[tuple[str, str], ...] = ()  # (name in metadata, dotted path in the record)
    strict: bool = False
    chunk_rows: int = 10_000
    block_bytes: int = 4 << 20  # JSONL is read in blocks of whole lines of about this size
    chunk_bytes: int = 8 << 20  # and records read one by one are also chunked after about this much JSONL
    byte_range: tuple[int, int] | None = None  # read only the lines starting in [start, end) of one JSONL file
    first_line: int | None = None  # the number of the line at the range's start, when already counted
    max_line_bytes: int = 16 << 20  # a longer JSONL line is a malformed record, read past without being held
    part: bool = False  # a part of the inputs (a cluster's partition): no error when it holds no request
    # text columns (context, system) a run reads by length only: blocks read as columns give their
    # characters (``context_chars``) and leave the texts null, which saves building them
    sized_only: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.chunk_rows < 1:
            raise UsageError(f"chunk_rows must be at least 1, not {self.chunk_rows}")
        for name in ("block_bytes", "chunk_bytes", "max_line_bytes"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be at least 1, not {getattr(self, name)}")

    @property
    def overrides(self) -> bool:
        return bool(self.query_field or self.context_field or self.time_field)


@dataclass(slots=True)
class ReadStats:
    """What one read saw: filled in while the chunks are consumed."""

    rows: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    bytes_read: int = 0
    bytes_total: int | None = None
    shapes: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)

    def merge(self, other: ReadStats) -> None:
        """Add what a read of another part of the same inputs saw (a shard)."""
        self.rows += other.rows
        self.skipped += other.skipped
        self.errors += other.errors[: max(0, MAX_ERRORS - len(self.errors))]
        self.bytes_read += other.bytes_read
        self.shapes.update(other.shapes)
        self.ignored.update(other.ignored)
        self.files += [f for f in other.files if f not in self.files]

    def summary(self) -> dict[str, Any]:
        """What a report says of its input: the files, the records skipped (the first few named), the ignored."""
        errors, ignored = self.errors[:5], dict(self.ignored)
        return {"files": list(self.files), "skipped": self.skipped, "errors": errors, "ignored": ignored}

    def skip(self, source: str, line: int, reason: str, strict: bool) -> None:
        """Count a malformed record, or raise at the first one when ``strict``."""
        message = f"{source}:{line}: {reason}"
        if strict:
            raise LlmrouteError(message)
        self.skipped += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message)


def to_frame(sources: list[str], lines: list[int], rows: list[Row]) -> pd.DataFrame:
    """One DataFrame from a chunk of rows, with the reader's column types."""
    columns: dict[str, Any] = dict(zip(ROW_FIELDS, zip(*rows, strict=True), strict=True)) if rows else {}
    return columns_frame(sources, lines, {name: columns.get(name, ()) for name in ROW_FIELDS})


def columns_frame(sources: list[str], lines: Any, columns: dict[str, Any]) -> pd.DataFrame:
    """One DataFrame from a chunk's columns (``ROW_FIELDS``, as sequences or Arrow arrays).

    Query and context become Arrow strings, which rules scan without a copy; messages are kept
    only for requests without logged prompt tokens, the ones whose tokens may be counted.
    """
    import numpy as np
    import pandas as pd

    out: dict[str, Any] = {
        "source": pd.array(sources, dtype="str"),
        "line": np.asarray(lines, dtype=np.int64),
    }
    for name in ROW_FIELDS:
        values = columns[name]
        if name in _INT_COLUMNS:
            out[name] = pd.array(values, dtype="Int64")
        elif name in _TEXT_COLUMNS:
            out[name] = pd.Series(pd.arrays.ArrowExtensionArray(_arrow_text(values)))
        elif name in _OBJECT_COLUMNS:
            out[name] = pd.Series(values, dtype=object)
        elif name in ("timestamp", "latency_ms"):
            out[name] = np.asarray(values, dtype=np.float64)
        elif name == "turns":
            out[name] = np.asarray(values, dtype=np.int64)
        else:
            out[name] = np.asarray(values, dtype=bool)
    for name in _TEXT_COLUMNS:
        if f"{name}_chars" in columns:
            out[f"{name}_chars"] = np.asarray(columns[f"{name}_chars"], dtype=np.int64)
    counted = np.asarray(out["input_tokens"].isna())
    out["messages"] = out["messages"].where(counted, None)
    out["tools"] = out["tools"].where(counted, None)
    return pd.DataFrame(out)


def _arrow_text(values: Any) -> Any:
    """Texts as Arrow large strings (chunked arrays kept); text UTF-8 cannot hold (lone surrogates) is cleaned."""
    import pyarrow as pa

    from llmroute_cli.engine.operators import clean_text

    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values.cast(pa.large_string())
    try:
        return pa.array(values, pa.large_string())
    except UnicodeEncodeError:
        return pa.array([clean_text(v) for v in values], pa.large_string())
