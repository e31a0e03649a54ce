"""Input files: globs and stdin resolved to sources, each sniffed for its format and opened as a byte stream."""

from __future__ import annotations

import glob
import gzip
import io
import os
import stat
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from llmroute_cli.errors import LlmrouteError, UsageError
from llmroute_cli.logs.remote import expand_url, is_url, open_url, redact, url_size

STDIN = "<stdin>"
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
GZIP_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)
_BUFFER = 1 << 20


@dataclass(frozen=True, slots=True)
class Source:
    """One input: its name as shown in messages, its path (None for stdin), size and format."""

    name: str
    path: str | None
    size: int | None
    fmt: str  # "jsonl", "csv", "tsv" or "parquet"
    gz: bool = False
    stream: bool = False  # a pipe, FIFO or device: read once, serially, sniffed as it is read
    url: bool = False  # read through fsspec (``path`` holds the URL, ``name`` the URL with credentials hidden)

    @property
    def once(self) -> bool:
        """Whether the source can be read only once (stdin, a pipe): never sniffed, re-read or shared out."""
        return self.path is None or self.stream


def _sniff(name: str, path: str) -> Source:
    stem = name.lower().split("?")[0].removesuffix(".gz")
    fmt = "csv" if stem.endswith(".csv") else "tsv" if stem.endswith(".tsv") else "jsonl"
    if is_url(path):
        size, magic = url_size(path)
        if magic == PARQUET_MAGIC:
            return Source(name, path, size, "parquet", url=True)
        return Source(name, path, size, fmt, magic.startswith(GZIP_MAGIC), url=True)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # <(zcat f), /dev/stdin, a FIFO: reading it would consume it
            return Source(name, path, None, fmt, stream=True)
        with open(path, "rb") as f:
            magic = f.read(4)
        size = os.path.getsize(path)
    except OSError as exc:
        raise UsageError(f"{name}: cannot read ({exc.strerror})") from None
    if magic == PARQUET_MAGIC:
        return Source(name, path, size, "parquet")
    return Source(name, path, size, fmt, magic.startswith(GZIP_MAGIC))


def _expand(given: str) -> list[str]:
    if is_url(given):
        return expand_url(given)
    if os.path.isdir(given):
        found = sorted(glob.glob(os.path.join(glob.escape(given), "**", "*.parquet"), recursive=True))
        return found or _directory(given)  # Parquet files under it: a (hive-partitioned) dataset
    if given == "-" or os.path.exists(given):
        return [given]
    if glob.has_magic(given):
        matches = sorted(p for p in glob.glob(given, recursive=True) if not os.path.isdir(p))
        if not matches:
            raise UsageError(f"{given}: no files match")
        return matches
    raise UsageError(f"{given}: no such file")


def _directory(path: str) -> list[str]:
    """Every file under a directory (LiteLLM's S3/GCS logs: one JSON file per request in dated folders), sorted;
    hidden files and folders left out."""
    found = []
    for top, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [os.path.join(top, f) for f in files if not f.startswith(".")]
    if not found:
        raise UsageError(f"{path}: the directory holds no files")
    return sorted(found)


def resolve(inputs: Sequence[str]) -> list[Source]:
    """Sources for paths, globs (sorted) and ``-``; each file once, in the order given."""
    if not inputs:
        raise UsageError("no log files given")
    out, seen = [], set()
    for given in inputs:
        for name in _expand(given):
            key = name if name == "-" or is_url(name) else os.path.realpath(name)
            if key in seen:
                continue
            seen.add(key)
            if name == "-":
                out.append(Source(STDIN, None, None, "jsonl"))
            elif os.path.isdir(name):
                raise UsageError(f"{name}: is a directory")
            else:
                out.append(_sniff(redact(name), name))
    return out


class _Counted(io.RawIOBase):
    """Counts the bytes read from a stream whose size is unknown (stdin)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner, self.count = inner, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


@dataclass(slots=True)
class Opened:
    """A decompressed byte stream and a count of the stored bytes read so far."""

    stream: io.BufferedIOBase
    position: Callable[[], int]


@contextmanager
def open_source(source: Source, stdin: IO[bytes] | None) -> Iterator[Opened]:
    """The source's bytes, gunzipped when they start with the gzip magic."""
    buffered: io.BufferedReader
    pipe = io.FileIO(source.path, "rb") if source.stream and source.path is not None else None
    if source.once:
        raw = stdin if pipe is None else pipe
        assert raw is not None
        counted = _Counted(raw)
        buffered = io.BufferedReader(counted, _BUFFER)
        magic = buffered.peek(4)[:4]
        if magic == PARQUET_MAGIC:
            buffered.close()
            if pipe is not None:
                pipe.close()
            raise UsageError(f"{source.name}: Parquet cannot be read from a pipe or stdin; save it to a file first")
        gz, position = magic[:2] == GZIP_MAGIC, lambda: counted.count
    else:
        assert source.path is not None
        raw_file: Any = open_url(source.path) if source.url else io.FileIO(source.path, "rb")
        buffered = io.BufferedReader(raw_file, _BUFFER)
        gz, position = source.gz, buffered.tell
    stream: io.BufferedIOBase = gzip.GzipFile(fileobj=buffered, mode="rb") if gz else buffered
    try:
        yield Opened(stream, position)
    finally:
        stream.close()
        buffered.close()
        if pipe is not None:
            pipe.close()


def corrupt(source: Source, line: int, exc: BaseException) -> LlmrouteError:
    """The error for a gzip stream that breaks off: named by file and the last good line."""
    where = f" after line {line}" if line else ""
    return LlmrouteError(f"{source.name}: corrupt gzip data{where}: {exc}")
