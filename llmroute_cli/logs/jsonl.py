"""JSON Lines, one record per line: orjson on each line, with a reason for every line that is not a record."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

BOM = b"\xef\xbb\xbf"
MAX_LINE_BYTES = 16 << 20  # a longer line is not a record: read past, never held whole
# A run of blank lines (whitespace only, as ``bytes.strip`` sees it) up to its last newline, matched in one
# call; one character class, which ``re`` repeats 40x faster than a group of a line (measured)
_BLANKS = re.compile(rb"[ \t\r\n\x0b\x0c]*\n")
_SPACE = frozenset(b" \t\r\n\x0b\x0c")
_NEWLINES = b"\n" * (1 << 16)  # compared whole first: memcmp outruns the regex 25x on a long run (measured)


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


def capped_lines(stream: Any, longest: int = MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """Each line of a binary stream (its newline kept), or None for a line longer than ``longest`` bytes.

    An overlong line is read past a piece at a time, never held whole.
    """
    while raw := stream.readline(longest + 1):
        if len(raw) > longest and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(1 << 16)
            yield None
        else:
            yield raw


def first_record(stream: Any, limit: int = 100, longest: int = MAX_LINE_BYTES) -> dict[str, Any] | None:
    """The first JSON object among the first ``limit`` lines of a stream, to classify a file before reading it.

    Read a line at a time (a read ahead could reach a broken end the reader should name by line);
    a line longer than ``longest`` is read past.
    """
    for number, raw in enumerate(capped_lines(stream, longest), 1):
        if number > limit:
            break
        if raw is None:
            continue
        for _, record in jsonl_records((raw,), number):
            if type(record) is dict:
                return record
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


def too_long(longest: int) -> str:
    """The reason a line longer than ``longest`` bytes is not read."""
    return f"line longer than {longest:,} bytes (--max-line-bytes)"


class Block:
    """Whole lines of a JSONL file: ``data[:size]``, with where each line ends (one past its newline).

    Runs of blank lines are skipped when the block is scanned: ``numbers`` then holds each kept
    line's offset among the block's ``lines`` (all lines, blank ones too), and ``starts`` where it
    starts; both are None when the kept lines follow one another. ``long`` holds the offsets of the
    kept lines longer than the limit, which are reasons, not records.
    """

    __slots__ = ("braced", "data", "ends", "lines", "long", "longest", "numbers", "starts")

    def __init__(self, data: bytes | bytearray, ends: list[int], braced: bool) -> None:
        self.data, self.ends = data, ends
        self.braced = braced  # every line starts with "{" and ends with "}" (before any trailing whitespace)
        self.lines = len(ends)
        self.starts: list[int] | None = None
        self.numbers: list[int] | None = None
        self.long: set[int] = set()
        self.longest = MAX_LINE_BYTES

    @classmethod
    def scan(cls, data: bytes | bytearray, size: int, longest: int = MAX_LINE_BYTES) -> Block:
        """The block of the lines in ``data[:size]``, one pass of ``find`` (a run of blank lines: one match)."""
        ends, starts, numbers, long = [], [], [], set()
        find, count, blank, space = data.find, data.count, _BLANKS.match, _SPACE
        pos, number, braced, gapped = 0, 0, data[:1] == b"{", False
        while pos < size:
            if data[pos] in space:
                start = pos
                while data.startswith(_NEWLINES, pos, size):
                    pos += len(_NEWLINES)
                number += pos - start
                run = blank(data, pos, size)
                if run is not None:
                    number += count(b"\n", pos, run.end())
                    pos = run.end()
                if pos > start:
                    braced, gapped = False, True
                    continue
            stop = find(b"\n", pos, size)
            last = stop - 1 if stop >= 0 else size - 1  # the line's last byte before its newline
            if last - pos + 1 > longest:
                long.add(number)
                braced = False
            if braced and data[last] != 125:  # "}"
                braced = data[pos : last + 1].rstrip(b" \t\r").endswith(b"}")
            starts.append(pos)
            numbers.append(number)
            pos = stop + 1 if stop >= 0 else size
            number += 1
            ends.append(pos)
            if pos < size and data[pos] != 123:  # "{"
                braced = False
        block = cls(data, ends, braced)
        block.lines, block.long, block.longest = number, long, longest
        if gapped:
            block.starts, block.numbers = starts, numbers
        return block

    @classmethod
    def overlong(cls, longest: int) -> Block:
        """One line longer than ``longest`` bytes, read past: a reason, not a record."""
        block = cls(b"\n", [1], False)
        block.long, block.longest = {0}, longest
        return block

    @property
    def size(self) -> int:
        return self.ends[-1] if self.ends else 0

    def view(self) -> memoryview:
        return memoryview(self.data)[: self.size]

    def each_line(self) -> list[bytes]:
        """The kept lines, each with its newline (split at newlines only, like reading the file line by line)."""
        data = self.data
        starts = self.starts if self.starts is not None else [0, *self.ends[:-1]]
        return [bytes(data[a:b]) for a, b in zip(starts, self.ends, strict=True)]

    def records(self, first: int) -> Iterator[tuple[int, Any]]:
        """``(line number, parsed value or Bad)`` for each non-blank line, the first line being number ``first``."""
        if self.numbers is None and not self.long:
            yield from jsonl_records(self.each_line(), first)
            return
        numbers = self.numbers if self.numbers is not None else range(len(self.ends))
        for offset, raw in zip(numbers, self.each_line(), strict=True):
            if offset in self.long:
                yield first + offset, Bad(too_long(self.longest))
            else:
                yield from jsonl_records((raw,), first + offset)

    def split(self, most: int) -> Iterator[Block]:
        """This block in pieces of at most ``most`` lines (a block with blank or long lines: whole)."""
        if self.lines <= most or self.numbers is not None or self.long:
            yield self
            return
        for first in range(0, self.lines, most):
            start = self.ends[first - 1] if first else 0
            piece = bytes(self.data[start : self.ends[min(first + most, self.lines) - 1]])
            yield Block.scan(piece, len(piece), self.longest)


def block_records(blocks: Iterable[Block], first: int = 1) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed value or Bad)`` for each non-blank line of consecutive blocks."""
    for block in blocks:
        yield from block.records(first)
        first += block.lines


def _past_line(stream: Any, buffer: bytearray, size: int, left: int | None) -> tuple[int, int | None]:
    """Read past the rest of a line; the bytes after its newline moved to the buffer's start: (their count, left).

    In a byte range the reads stop at its end; past it, the bytes after the newline start no line of the range.
    """
    view = memoryview(buffer)
    while True:
        want = size if left is None or left <= 0 else min(size, left)
        got = stream.readinto(view[:want])
        if not got:
            return 0, 0 if left is not None else None
        at = buffer.find(b"\n", 0, got)
        past = left is not None and left <= 0
        if left is not None:
            left -= got
        if at >= 0:
            if past:
                return 0, 0
            buffer[: got - at - 1] = buffer[at + 1 : got]
            return got - at - 1, left


def _rest_of_line(stream: Any, last: bytes, longest: int, size: int) -> Iterator[Block]:
    """The last line of a byte range, which starts inside it and may end after it."""
    more = stream.readline(max(0, longest + 1 - len(last)) + 1)
    last += more
    if last.endswith(b"\n") or not more or len(last) <= longest:
        yield Block.scan(last, len(last), longest)
        return
    while more and not more.endswith(b"\n"):
        more = stream.readline(size)
    yield Block.overlong(longest)


def line_blocks(
    stream: Any, size: int, max_lines: int, end: int | None = None, longest: int = MAX_LINE_BYTES
) -> Iterator[Block]:
    """Blocks of whole lines from the stream's position: about ``size`` bytes and at most ``max_lines`` lines each.

    With ``end`` (bytes after the position), only the lines that start before it. A line longer than
    ``longest`` bytes is read past (never held whole) and given as a block of that one line, a reason.
    The blocks share one buffer (fresh memory for every block cost more than parsing it): each is
    valid until the next.
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
                    yield from _rest_of_line(stream, last, longest, size)
                else:
                    yield from Block.scan(last, len(last), longest).split(max_lines)
            return
        cut = buffer.rfind(b"\n", 0, filled) + 1
        if cut:
            yield from Block.scan(buffer, cut, longest).split(max_lines)
            buffer[: filled - cut] = buffer[cut:filled]
        kept = filled - cut
        if kept > longest:  # an unfinished line already too long
            yield Block.overlong(longest)
            kept, left = _past_line(stream, buffer, size, left)
