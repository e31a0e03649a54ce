"""What every command shares: error handling, consoles, choosing the rule file."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from ..errors import ConfigError, LlmrouteError

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_RULES = Path("routes.yaml")


def handle_errors(func: F) -> F:
    """Turn user mistakes into a message on stderr and an exit code; Ctrl-C exits 130."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LlmrouteError as exc:
            print(str(exc) if isinstance(exc, ConfigError) else f"error: {exc}", file=sys.stderr)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def load_router(rules: Path | None) -> Any:
    """The router for ``--rules``, else ./routes.yaml when present, else the built-in policy."""
    from ..router import Router

    if rules is not None:
        return Router.from_file(rules)
    if DEFAULT_RULES.is_file():
        return Router.from_file(DEFAULT_RULES)
    return Router.builtin()


def stdout_console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)
