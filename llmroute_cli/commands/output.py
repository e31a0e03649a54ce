"""Write output files atomically: a temporary file beside the target, renamed over it when complete."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, TextIO

from llmroute_cli.errors import UsageError


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


@contextlib.contextmanager
def atomic_writer(path: str | Path, binary: bool = False) -> Iterator[TextIO]:
    """Yield a stream; the target appears whole on success and is untouched on failure."""
    target = Path(path)
    fd, tmp = _temporary(target)
    try:
        os.chmod(tmp, _mode(target))
        opened: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with opened as out:
            yield out  # type: ignore[misc]
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomic(path: str | Path, text: str) -> None:
    with atomic_writer(path) as stream:
        stream.write(text)


def write_atomic_bytes(path: str | Path, data: bytes) -> None:
    with atomic_writer(path, binary=True) as stream:
        stream.write(data)  # type: ignore[arg-type]
