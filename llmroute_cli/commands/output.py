"""Write outputs: regular files atomically (a temporary file beside the target, renamed over it when
complete); devices, FIFOs and ``-`` (stdout) in place, since renaming over them would replace them."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, TextIO

from llmroute_cli.errors import LlmrouteError, UsageError


def _mode(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _temporary(target: Path) -> tuple[int, str]:
    if target.is_dir():
        raise UsageError(f"{target}: is a directory; give a file name to write")
    try:
        return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise UsageError(f"{target}: cannot write here ({exc.strerror})") from None


_STREAMS = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/")


def _in_place(target: Path) -> bool:
    """Whether ``target`` is written where it stands: stdout (``-``), a standard stream's path (even
    when it leads to a regular file: renaming over it would replace the link), or a non-regular file."""
    if str(target) == "-" or str(target).startswith(_STREAMS):
        return True
    if any(hop.startswith(_STREAMS) for hop in _hops(target)):
        return True
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _hops(target: Path) -> list[str]:
    """The paths a chain of symbolic links passes through (a link to /proc/self/fd/1 is stdout)."""
    hops, path = [], str(target)
    for _ in range(40):
        if not os.path.islink(path):
            break
        path = os.path.join(os.path.dirname(path), os.readlink(path))
        hops.append(os.path.normpath(path))
    return hops


def _write_error(target: Path, exc: OSError) -> LlmrouteError:
    return LlmrouteError(f"{target}: cannot write ({exc.strerror or exc})")


@contextlib.contextmanager
def _stream(target: Path, binary: bool) -> Iterator[IO[Any]]:
    """Stdout, or a device or FIFO opened for writing (a FIFO waits for its reader)."""
    if str(target) == "-":
        out: IO[Any] = sys.stdout.buffer if binary else sys.stdout
        yield out
        out.flush()
        return
    with open(target, "wb" if binary else "w", encoding=None if binary else "utf-8") as out:
        yield out


@contextlib.contextmanager
def atomic_writer(path: str | Path, binary: bool = False) -> Iterator[TextIO]:
    """Yield a stream; a regular target appears whole on success and is untouched on failure."""
    target = Path(path)
    if _in_place(target):
        try:
            with _stream(target, binary) as out:
                yield out  # type: ignore[misc]
        except OSError as exc:
            raise _write_error(target, exc) from None
        return
    if target.is_symlink():  # replace the file the link leads to, keep the link
        target = Path(os.path.realpath(target))
    fd, tmp = _temporary(target)
    try:
        os.chmod(tmp, _mode(target))
        opened: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with opened as out:
            yield out  # type: ignore[misc]
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _write_error(target, exc) from None
        raise


def write_atomic(path: str | Path, text: str) -> None:
    with atomic_writer(path) as stream:
        stream.write(text)


def write_atomic_bytes(path: str | Path, data: bytes) -> None:
    with atomic_writer(path, binary=True) as stream:
        stream.write(data)  # type: ignore[arg-type]
