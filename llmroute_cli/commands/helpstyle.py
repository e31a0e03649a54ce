"""Help in the command line's own words: ``--days FLOAT``, ``LOGS...``, not Python types.

Typer 0.29 shows each parameter's annotation (``<str>``, ``<list[str]>``); the commands use
``Command`` instead, which gives every value a conventional metavar (TEXT, INTEGER, FLOAT, PATH,
``[a|b]`` for choices) and names arguments in capitals, without their type.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperOption

METAVARS = {
    "str": "TEXT",
    "int": "INTEGER",
    "int range": "INTEGER",
    "float": "FLOAT",
    "path": "PATH",
    "file": "FILE",
    "Path": "PATH",
    "list[str]": "TEXT",
    "list[Path]": "PATH",
}


class Command(TyperCommand):
    """A Typer command whose help shows conventional metavars."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument):
                param.metavar = param.metavar or (param.name or "value").upper()
                param.__class__ = _Argument  # the same argument, shown without its type
            elif isinstance(param, TyperOption) and param.metavar is None and not (param.is_flag or param.count):
                param.metavar = metavar(param.display_type(None))  # type: ignore[arg-type]


def metavar(shown: str) -> str:
    """The conventional metavar for Typer's ``<type>`` label: ``<float>`` → ``FLOAT``, ``<a|b>`` → ``[a|b]``."""
    label = shown.removeprefix("<").removesuffix(">")
    if label in METAVARS:
        return METAVARS[label]
    return f"[{label}]" if "|" in label else label.upper()


class _Argument(TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _rich_display_name(self) -> str:
        return self.display_name_raw + ("..." if self.nargs != 1 else "")
