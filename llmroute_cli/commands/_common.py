"""What every command shares: error handling, consoles, choosing the rule file."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import typer

from llmroute_cli.api.loading import DEFAULT_RULES
from llmroute_cli.api.loading import load_router as load_router  # re-exported: the commands load rules here
from llmroute_cli.api.loading import price_table as price_table
from llmroute_cli.api.loading import rules_router as rules_router
from llmroute_cli.errors import ConfigError, LlmrouteError, OptionError, UsageError

F = TypeVar("F", bound=Callable[..., Any])


class Terminated(BaseException):
    """SIGTERM arrived: unwound like Ctrl-C, so temporary files go and worker processes end."""


@contextlib.contextmanager
def _terminate_raises() -> Iterator[None]:
    """While a command runs, SIGTERM raises ``Terminated`` (main thread only; the old handler restored)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def handle_errors(func: F) -> F:
    """Turn user mistakes into a message on stderr and an exit code; Ctrl-C exits 130, SIGTERM 143."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with _terminate_raises():
                return func(*args, **kwargs)
        except Terminated:
            print("terminated", file=sys.stderr)
            raise typer.Exit(143) from None
        except LlmrouteError as exc:
            text = exc.for_cli() if isinstance(exc, OptionError) else str(exc)
            print(text if isinstance(exc, ConfigError) else f"error: {text}", file=sys.stderr)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def read_text(path: Path, what: str) -> str:
    """A text file a command reads (a template, a context, results): an unreadable or non-UTF-8 one is one line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LlmrouteError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the {what} as UTF-8"
        ) from None


def stdout_console() -> Any:
    """A console for report data; piped output gets room for wide tables ($COLUMNS, else 160)."""
    import os

    from rich.console import Console

    console = Console(highlight=False, emoji=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(highlight=False, emoji=False, width=160)
    return console


@contextlib.contextmanager
def progress_bar(quiet: bool) -> Iterator[Any]:
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    columns = (TextColumn("reading logs"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("read", total=None)
        yield lambda done, total=None: bar.update(task, completed=done, total=total)


def refuse_overwrite(outputs: dict[str, Path | None], inputs: list[Any]) -> None:
    """An output that would replace one of the command's inputs is a misuse: inputs are never modified."""
    import glob
    import os

    files = set()
    for given in inputs:
        if given is None or str(given) == "-":
            continue
        for match in glob.glob(str(given)) if glob.has_magic(str(given)) else [str(given)]:
            files.add(os.path.realpath(match))
    if DEFAULT_RULES.is_file():
        files.add(os.path.realpath(DEFAULT_RULES))
    files |= {os.path.realpath(f) for rules in list(files) for f in _referenced(rules)}
    seen: dict[str, str] = {}
    for option, path in outputs.items():
        if path is None or str(path) == "-":
            continue
        real = os.path.realpath(path)
        if real in files:
            raise UsageError(f"{option} {path} would overwrite an input file; choose another path")
        if real in seen and not _special(path):
            raise UsageError(f"{seen[real]} and {option} name the same file {path}; give each its own")
        seen[real] = option


def _special(path: Path) -> bool:
    """A device or FIFO: written in place, so two outputs may share it (/dev/null)."""
    import stat

    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _referenced(path: str) -> list[str]:
    """The files a YAML rule file points to (its cases file, classifier models and their vectors)."""
    import os

    if not path.endswith((".yaml", ".yml")) or not os.path.isfile(path):
        return []
    import yaml

    try:
        with open(path, encoding="utf-8-sig") as f:
            doc = yaml.safe_load(f)
    except (OSError, ValueError, RecursionError, yaml.YAMLError):
        return []  # reading the rule file itself reports what is wrong with it
    home = os.path.dirname(path)
    out = [doc["cases"]] if isinstance(doc, dict) and isinstance(doc.get("cases"), str) else []
    out += _models(doc)
    out += [m.removesuffix(".json") + ".npz" for m in out if m.endswith(".json")]
    return [os.path.join(home, f) for f in out]


def _models(node: Any) -> list[str]:
    """Every ``classifier: {model: PATH}`` path in a YAML tree."""
    if isinstance(node, list):
        return [m for item in node for m in _models(item)]
    if not isinstance(node, dict):
        return []
    found = []
    clf = node.get("classifier")
    if isinstance(clf, dict) and isinstance(clf.get("model"), str) and clf["model"].endswith(".json"):
        found.append(clf["model"])  # a trained model file (an LLM classifier names a model, not a file)
    return found + [m for value in node.values() for m in _models(value)]
