"""CSV (a real CSV parser: quoted newlines work) and Parquet (streamed by batches) as JSON-like records."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from llmroute_cli.errors import LlmrouteError
from llmroute_cli.logs.fields import columns_to_read
from llmroute_cli.logs.jsonl import Bad
from llmroute_cli.logs.remote import redact
from llmroute_cli.logs.values import LABEL_KEYS

# Columns whose cells may hold JSON (exports of LiteLLM, chat logs, labels); others stay strings.
JSON_COLUMNS = frozenset({"messages", "metadata", "usage", "request", "response", "body", "attributes",
                          "proxy_server_request", *LABEL_KEYS})  # fmt: skip
_SURROGATE = re.compile("[\udc80-\udcff]")
_CSV_LIMIT = 2**31 - 1


def _cell(column: str, cell: str) -> Any:
    if column in JSON_COLUMNS and cell[:1] in '{[tf0123456789-"n':
        try:
            return orjson.loads(cell)
        except orjson.JSONDecodeError:
            return cell
    return cell


def nest(record: dict[str, Any], dotted: Sequence[str]) -> dict[str, Any] | Bad:
    """Fold ``metadata.user.plan``-style keys into nested dicts (``None`` values are dropped)."""
    for key in dotted:
        value = record.pop(key)
        if value is None:
            continue
        *parents, leaf = key.split(".")
        node = record
        for part in parents:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif type(child) is not dict:
                return Bad(f"column '{key}' conflicts with column '{part}'")
            node = child
        node[leaf] = value
    return record


def _row(header: list[str], dotted: list[str], row: list[str]) -> dict[str, Any] | Bad:
    if len(row) != len(header):
        return Bad(f"has {len(row)} fields, the header has {len(header)}")
    if _SURROGATE.search("".join(row)):
        return Bad("not valid UTF-8")
    record = {col: _cell(col, cell) if cell else None for col, cell in zip(header, row, strict=True)}
    return nest(record, dotted) if dotted else record


def _unique(name: str, columns: list[str], where: str) -> None:
    """Two columns of one name would fill one field twice: refuse the file, naming the column."""
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            raise LlmrouteError(f"{name}{where}: column '{column}' appears twice in the header; rename or drop one")
        seen.add(column)


def csv_records(stream: io.BufferedIOBase, delimiter: str = ",", name: str = "<csv>") -> Iterator[tuple[int, Any]]:
    """``(line where the record starts, record or Bad)``; empty cells are null fields."""
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_LIMIT))
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")  # type: ignore[type-var]
    try:
        yield from _csv_rows(csv.reader(text, delimiter=delimiter), name)
    finally:
        with contextlib.suppress(ValueError):  # the caller may have closed it first (an error mid-file)
            text.detach()  # the stream belongs to the caller


def _csv_rows(reader: Any, name: str) -> Iterator[tuple[int, Any]]:
    header = next((row for row in reader if row), None)
    if header is None:
        return
    _unique(name, header, f":{reader.line_num}")
    dotted = [c for c in header if "." in c]
    end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield end + 1, Bad(f"bad CSV: {exc}")
            end = reader.line_num
            continue
        start, end = end + 1, reader.line_num
        if row:
            yield start, _row(header, dotted, row)


class ParquetRecords:
    """Rows of a Parquet file as dicts (structs become dicts), one batch in memory at a time, of the ``wanted``
    fields' columns only: what a column no read needs holds cannot change or spoil a row."""

    def __init__(self, source: Any, batch_rows: int, wanted: frozenset[str] | None = None) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from llmroute_cli.logs.remote import hive_keys, open_url

        self.path = source.path or ""
        self.name, self.size, self.batch_rows, self.done = source.name, source.size or 0, batch_rows, 0
        self.wanted = wanted  # the fields to read (``logs.fields.needed``), None for every column
        self._errors = (pa.ArrowException, OSError)
        self.partition = hive_keys(source.path or "")  # ``model=gpt-4o/`` directories: columns of every row
        try:
            self.file = pq.ParquetFile(open_url(source.path) if source.url else source.path)
        except self._errors as exc:
            raise LlmrouteError(f"{self.name}: not a readable Parquet file: {redact(str(exc), self.path)}") from None
        self.total = max(self.file.metadata.num_rows, 1)

    def position(self) -> int:
        return int(self.size * self.done // self.total)

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        names = self.file.schema_arrow.names
        _unique(self.name, names, "")
        columns = columns_to_read(names, self.wanted)
        dotted = [c for c in (names if columns is None else columns) if "." in c]
        try:
            for batch in self.file.iter_batches(batch_size=self.batch_rows, columns=columns):
                for record in _pylist(batch):
                    self.done += 1
                    if self.partition and not isinstance(record, Bad):
                        record = {**self.partition, **record}  # a column in the file wins over its directory
                    yield self.done, nest(record, dotted) if dotted and not isinstance(record, Bad) else record
        except self._errors as exc:
            where = f"{self.name}: cannot read Parquet after row {self.done}"
            raise LlmrouteError(f"{where}: {redact(str(exc), self.path)}") from None


def _pylist(batch: Any) -> list[dict[str, Any] | Bad]:
    """A batch's rows as dicts; when one holds a value Python cannot (a time past year 9999), row by row,
    that row a Bad record."""
    try:
        return batch.to_pylist()
    except OverflowError:
        return [_one_row(batch.slice(i, 1)) for i in range(batch.num_rows)]


def _one_row(row: Any) -> dict[str, Any] | Bad:
    record = {}
    for name, column in zip(row.schema.names, row.columns, strict=True):
        try:
            record[name] = column[0].as_py()
        except OverflowError:
            return Bad(f"'{name}' holds a {column.type} value past what Python can read (after year 9999)")
    return record
