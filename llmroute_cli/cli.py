"""The ``llmroute`` command line: parse options, call the core, render.

Each command's module is imported only when that command runs (``run`` looks at the command
name first), so ``llmroute route`` does not pay for importing ``simulate``'s or ``sweep``'s
code. ``app`` — every command, for help, completion and tests — is built on first use.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import typer

from llmroute_cli.commands.helpstyle import Command

# command name → (module in llmroute_cli.commands, function); "" names a Typer sub-app ``app``.
COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("simulate", "simulate"),
    "route": ("route", "route"),
    "check": ("check", "check"),
    "test": ("test", "test"),
    "diff": ("diff", "diff"),
    "prices": ("prices", "prices"),
    "schema": ("schema", "schema"),
    "sample": ("sample", "sample"),
    "judge-report": ("judge_report", "report"),
    "sweep": ("sweep", "sweep"),
    "calibrate": ("calibrate", "calibrate"),
    "train": ("train", "train"),
    "batch": ("batch", ""),
    "compare": ("compare", "compare"),
    "export": ("export", ""),
}


def _version(value: bool) -> None:
    if value:
        from llmroute_cli import __version__

        typer.echo(f"llmroute {__version__}")
        raise typer.Exit()


def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Simulate LLM routing policies offline, from your own logs."""


def build(only: str | None = None) -> typer.Typer:
    """The Typer app with every command, or with only the command ``only``."""
    app = typer.Typer(
        name="llmroute",
        help="Simulate LLM routing policies offline, from your own logs.",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(main)
    for name, (module_name, function) in COMMANDS.items():
        if only is None or name == only:
            module = importlib.import_module(f"llmroute_cli.commands.{module_name}")
            if function:
                app.command(name, cls=Command)(getattr(module, function))
            else:
                app.add_typer(module.app, name=name)
    return app


def _invoked(argv: list[str]) -> str | None:
    """The command a command line runs, when it can be told without the others' options."""
    if "_LLMROUTE_COMPLETE" in os.environ or not argv:
        return None
    return argv[0] if argv[0] in COMMANDS else None


def run() -> None:
    """The ``llmroute`` entry point: build only the command being run, then run it."""
    build(_invoked(sys.argv[1:]))(prog_name="llmroute")


def __getattr__(name: str) -> Any:
    if name == "app":
        app = build()
        globals()["app"] = app
        return app
    raise AttributeError(name)
