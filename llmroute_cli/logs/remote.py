"""Logs at URLs (``s3://``, ``gs://``, ``file://``, ...) through fsspec, and their names with credentials hidden.

Local paths never come here, so reading them needs no fsspec. A URL is named in every message and
report by ``redact(url)``: credentials in it (``s3://KEY:SECRET@bucket``, ``?token=...``) are never shown.
"""

from __future__ import annotations

import re
from typing import IO, Any

from llmroute_cli.errors import UsageError

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s?#]*@")
_QUERY_VALUE = re.compile(r"(?P<key>[?&][^=&#\s]+=)[^&#\s]*")
# The filesystem package each common scheme needs (fsspec names it too, less plainly).
PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs",
            "abfss": "adlfs", "http": "aiohttp", "https": "aiohttp", "hf": "huggingface_hub"}  # fmt: skip
INSTALL = "pip install 'llmroute[dask]'"


def is_url(path: str | None) -> bool:
    """Whether a log name is a URL (``scheme://...``) rather than a local path."""
    return path is not None and _SCHEME.match(path) is not None


def redact(text: str, *urls: str) -> str:
    """``text`` with every URL's user info and query values replaced by ``***``, and the user info of ``urls``
    wherever it appears (a library's message may quote it without its scheme)."""
    for secret in sorted({s for url in urls for s in _secrets(url)}, key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _USERINFO.sub(lambda m: m["head"] + "***@", text)
    if "://" not in text:
        return text
    return _QUERY_VALUE.sub(lambda m: m["key"] + "***", text)


def _secrets(url: str) -> list[str]:
    """A URL's user info (``KEY:SECRET``) and its parts long enough not to be ordinary words."""
    match = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/@?#]*)@", url)
    if match is None or not match[1]:
        return []
    return [match[1], *(p for p in match[1].split(":") if len(p) >= 4)]


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of a URL and the path in it; a missing package is a usage error naming it."""
    scheme = _scheme(url)
    try:
        import fsspec
    except ImportError:
        raise UsageError(f"{redact(url)}: reading URLs needs fsspec: {INSTALL}") from None
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError:
        package = PACKAGES.get(scheme, f"the fsspec filesystem for {scheme}://")
        raise UsageError(f"{redact(url)}: reading {scheme}:// needs {package}: pip install {package}") from None
    except ValueError as exc:
        raise UsageError(f"{redact(url)}: {redact(str(exc))}") from None
    return fs, str(path)


def _scheme(url: str) -> str:
    match = _SCHEME.match(url)
    return match[1].lower() if match else ""


def _prefix(url: str) -> str:
    """What a URL has before its path: the scheme and any user info (kept to open the matches of a glob)."""
    match = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/@?#]*@)?", url)
    return match[0] if match else ""


def _rebuilt(url: str, fs: Any, path: str) -> str:
    """A glob's match as a URL like the one given (user info kept, for filesystems that read it)."""
    prefix = _prefix(url)
    if prefix.endswith("@") and not path.lstrip("/").startswith(prefix.split("://", 1)[1]):
        return prefix + path.lstrip("/")
    return str(fs.unstrip_protocol(path))


def expand_url(url: str) -> list[str]:
    """A URL's files: itself, a glob's matches (sorted), or a directory's Parquet files (a hive dataset)."""
    import glob

    fs, path = filesystem(url)
    try:
        if fs.isfile(path):  # first: a query string's "?" is no glob
            return [url]
        if glob.has_magic(path):
            found = sorted(p for p in fs.glob(path) if not fs.isdir(p))
            if not found:
                raise UsageError(f"{redact(url)}: no files match")
            return [_rebuilt(url, fs, p) for p in found]
        if fs.isdir(path):
            found = sorted(p for p in fs.find(path) if p.endswith(".parquet"))
            if not found:
                raise UsageError(f"{redact(url)}: is a directory")
            return [_rebuilt(url, fs, p) for p in found]
        if not fs.exists(path):
            raise UsageError(f"{redact(url)}: no such file")
    except OSError as exc:
        raise UsageError(f"{redact(url)}: cannot read ({redact(str(exc))})") from None
    return [url]


def url_size(url: str) -> tuple[int, bytes]:
    """A URL's size and first four bytes (to sniff its format)."""
    fs, path = filesystem(url)
    try:
        size = int(fs.size(path))
        with fs.open(path, "rb") as f:
            return size, f.read(4)
    except OSError as exc:
        raise UsageError(f"{redact(url)}: cannot read ({redact(str(exc))})") from None


def open_url(url: str) -> IO[bytes]:
    """A URL's bytes, read through fsspec in large blocks."""
    fs, path = filesystem(url)
    try:
        return fs.open(path, "rb", block_size=4 << 20)
    except OSError as exc:
        raise UsageError(f"{redact(url)}: cannot read ({redact(str(exc))})") from None


def hive_keys(path: str) -> dict[str, str]:
    """The ``key=value`` directories a file lies under (hive partitioning), as columns of its records."""
    parts = path.replace("\\", "/").split("?")[0].split("/")[:-1]
    return dict(p.split("=", 1) for p in parts if "=" in p and not p.startswith("=") and "@" not in p)
