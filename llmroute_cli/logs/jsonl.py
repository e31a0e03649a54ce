"""JSON Lines, one record per line: orjson on each line, with a reason for every line that is not a record."""

from __future__ import annotations

import itertools
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


def jsonl_records(lines: Iterable[bytes], first: int = 1) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed value or Bad)`` for each non-blank line; CRLF endings are JSON whitespace."""
    loads, error = orjson.loads, orjson.JSONDecodeError
    number = first - 1
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


class RangeLines:
    """The lines of a binary file that start in ``[start, end)``, and where they start in the file."""

    def __init__(self, stream: Any, start: int, end: int) -> None:
        self.stream, self.start, self.end = stream, start, end
        self.consumed = 0

    def first_line(self) -> int:
        """The 1-based number of the line at ``start``: the newlines before it, plus one."""
        self.stream.seek(0)
        left, count = self.start, 0
        while left > 0:
            block = self.stream.read(min(left, 1 << 24))
            if not block:
                break
            count += block.count(b"\n")
            left -= len(block)
        return count + 1

    def __iter__(self) -> Iterator[bytes]:
        self.stream.seek(self.start)
        position = self.start
        for line in self.stream:
            if position >= self.end:
                return
            position += len(line)
            self.consumed = position - self.start
            yield line

    def position(self) -> int:
        return self.consumed


class Block:
    """Whole lines of a JSONL file: ``data[:size]``, with where each line ends (one past its newline)."""

    __slots__ = ("braced", "data", "ends")

    def __init__(self, data: bytes | bytearray, ends: list[int], braced: bool) -> None:
        self.data, self.ends = data, ends
        self.braced = braced  # every line starts with "{" and ends with "}" (before any trailing whitespace)

    @classmethod
    def scan(cls, data: bytes | bytearray, size: int) -> Block:
        """The block of the lines in ``data[:size]``, found with one pass of ``find``."""
        ends, find, pos, braced = [], data.find, 0, data[:1] == b"{"
        while pos < size:
            stop = find(b"\n", pos, size)
            last = stop - 1 if stop >= 0 else size - 1  # the line's last byte before its newline
            if braced and data[last] != 125:  # "}"
                braced = data[pos : last + 1].rstrip(b" \t\r").endswith(b"}")
            pos = stop + 1 if stop >= 0 else size
            ends.append(pos)
            if pos < size and data[pos] != 123:  # "{"
                braced = False
        return cls(data, ends, braced)

    @property
    def lines(self) -> int:
        return len(self.ends)

    @property
    def size(self) -> int:
        return self.ends[-1] if self.ends else 0

    def view(self) -> memoryview:
        return memoryview(self.data)[: self.size]

    def each_line(self) -> list[bytes]:
        """The lines, each with its newline (split at newlines only, like reading the file line by line)."""
        data = self.data
        return [bytes(data[a:b]) for a, b in itertools.pairwise([0, *self.ends])]

    def split(self, most: int) -> Iterator[Block]:
        """This block in pieces of at most ``most`` lines."""
        if self.lines <= most:
            yield self
            return
        for first in range(0, self.lines, most):
            start = self.ends[first - 1] if first else 0
            piece = bytes(self.data[start : self.ends[min(first + most, self.lines) - 1]])
            yield Block.scan(piece, len(piece))


def line_blocks(stream: Any, size: int, max_lines: int, end: int | None = None) -> Iterator[Block]:
    """Blocks of whole lines from the stream's position: about ``size`` bytes and at most ``max_lines`` lines each.

    With ``end`` (bytes after the position), only the lines that start before it. The blocks share
    one buffer (fresh memory for every block cost more than parsing it): each is valid until the next.
    """
    buffer, kept, left = bytearray(size), 0, end  # kept: bytes of an unfinished line at the buffer's start
    while True:
        want = size if left is None else min(size, left)
        if len(buffer) < kept + want:
            buffer.extend(bytes(kept + want - len(buffer)))
        got = stream.readinto(memoryview(buffer)[kept : kept + want]) if want else 0
        if left is not None:
            left -= got
        filled = kept + got
        if not got:
            if kept:
                last = bytes(buffer[:kept])
                if left is not None and not last.endswith(b"\n"):
                    last += stream.readline()  # the last line starts inside the range and ends after it
                yield from Block.scan(last, len(last)).split(max_lines)
            return
        cut = buffer.rfind(b"\n", 0, filled) + 1
        if cut:
            yield from Block.scan(buffer, cut).split(max_lines)
            buffer[: filled - cut] = buffer[cut:filled]
        kept = filled - cut
