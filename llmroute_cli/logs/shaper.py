"""Per file: which shape its records have, and whether its blocks are worth reading as columns."""

from __future__ import annotations

from typing import Any

from llmroute_cli.logs.messages import tools_in
from llmroute_cli.logs.metafields import with_metadata
from llmroute_cli.logs.model import BadRecord, ReadOptions, Row
from llmroute_cli.logs.shapes import SHAPES, Extractor, Joins, detect, unknown, unknown_shape, with_fields
from llmroute_cli.tokens.chat import structure


class Shaper:
    """Each record's extractor, from its own shape: files that mix shapes lose nothing.

    ``shape`` is the file's first recognised shape, which decides whether its blocks are worth
    reading as columns; ``last`` names the shape of the record just read.
    """

    def __init__(self, opts: ReadOptions, joins: Joins) -> None:
        self.opts, self.joins = opts, joins
        self.shape: str | None = None
        self.extractors: dict[str | None, Extractor] = {}
        self.last = "custom"

    def _make(self, shape: str | None) -> Extractor:
        fn = SHAPES[shape] if shape else unknown
        fn = with_fields(fn, self.opts) if self.opts.overrides else fn
        return with_metadata(fn, self.opts.metadata_fields) if self.opts.metadata_fields else fn

    def chose(self, shape: str) -> None:
        """Record ``shape`` as the file's, as if its first record had been detected as it."""
        if self.shape is None:
            self.shape = shape

    def row(self, rec: dict[str, Any]) -> Any:
        """The record's row (a list of them for an OTLP export); a record of no known shape is malformed."""
        shape = detect(rec)
        if shape is None and not self.opts.overrides:
            raise BadRecord(unknown_shape(rec))
        extract = self.extractors.get(shape)
        if extract is None:
            extract = self.extractors[shape] = self._make(shape)
        if self.shape is None:
            self.shape = shape
        self.last = shape or "custom"
        row = extract(rec, self.joins)
        if type(row) is list:
            return [with_structure(r, rec) if isinstance(r, Row) else r for r in row]
        return with_structure(row, rec)


def with_structure(row: Row, rec: dict[str, Any]) -> Row:
    """The row with its record's tool definitions and what rules read of its messages' structure."""
    if row.messages is None:
        return row
    tools = tools_in(rec)
    facts = structure(row.messages, tools)
    return row._replace(
        tools=tools or None,
        system=facts.system,
        turns=facts.turns,
        has_tools=facts.has_tools,
        has_images=facts.has_images,
    )


class Tries:
    """Whether reading a file's next block as columns is worth trying, after how earlier tries went.

    A file whose blocks keep needing the record reader (say, every request carries metadata)
    stops paying for the columnar attempt after a few failures.
    """

    def __init__(self) -> None:
        self.won = self.lost = 0

    def worth_it(self) -> bool:
        return self.lost < 3 + self.won

    def record(self, won: bool) -> None:
        if won:
            self.won += 1
        else:
            self.lost += 1
