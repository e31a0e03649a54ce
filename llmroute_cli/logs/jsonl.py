"""JSON Lines, one record per line: orjson on each line, with a reason for every line that is not a record."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson

BOM = b"\xef\xbb\xbf"


class Bad:
    """A line or row that is not a record, and why."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _reason(raw: bytes, exc: orjson.JSONDecodeError) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"not valid UTF-8 (byte 0x{raw[bad.start]:02x} at column {bad.start + 1})"
    if not raw.endswith(b"\n") and exc.msg.startswith("unexpected end"):
        return f"truncated record at end of file ({exc.msg})"
    line = raw.rstrip(b"\r\n").decode()
    if exc.pos >= len(line) and line.rstrip() == line:  # the line stops inside the JSON: a cut-off write
        return f"truncated record: the JSON is incomplete at column {len(line) + 1}"
    return f"invalid JSON at column {exc.colno}: {exc.msg}"


def _retry(raw: bytes, number: int, exc: orjson.JSONDecodeError) -> Any:
    """The slow path for a line orjson refused: blank (None), a leading BOM, or Bad."""
    if not raw.strip():
        return None
    if number == 1 and raw.strip() in (b"[", b"{"):
        return Bad("a multi-line JSON document; expected JSON Lines (one JSON object per line)")
    if number == 1 and raw.startswith(BOM):
        try:
            return orjson.loads(raw[len(BOM) :])
        except orjson.JSONDecodeError as again:
            return Bad(_reason(raw[len(BOM) :], again))
    return Bad(_reason(raw, exc))


def jsonl_records(lines: Iterable[bytes]) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed value or Bad)`` for each non-blank line; CRLF endings are JSON whitespace."""
    loads, error = orjson.loads, orjson.JSONDecodeError
    number = 0
    for raw in lines:
        number += 1
        try:
            record = loads(raw)
        except error as exc:
            record = _retry(raw, number, exc)
            if record is None:
                continue
        yield number, record


def first_record(lines: Iterable[bytes], limit: int = 100) -> dict[str, Any] | None:
    """The first JSON object among the first ``limit`` lines, to classify a file before reading it."""
    for number, record in jsonl_records(lines):
        if type(record) is dict:
            return record
        if number >= limit:
            break
    return None
