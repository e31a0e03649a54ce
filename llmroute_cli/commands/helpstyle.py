"""Help in the command line's own words: ``--days FLOAT``, ``LOGS...``, not Python types.

Typer shows each option's type (``<str>``, ``<float>``) and an argument's name in lower case; the
commands use ``Command`` instead, which gives every value a conventional metavar (TEXT, INTEGER,
FLOAT, PATH, ``[a|b]`` for choices) and names arguments in capitals, ``...`` when they take many.
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
                name = param.metavar or (param.name or "value").upper()
                param.metavar = name + "..." if param.nargs != 1 and not name.endswith("...") else name
            elif isinstance(param, TyperOption) and param.metavar is None and not (param.is_flag or param.count):
                param.metavar = metavar(_shown(param))


def _shown(param: TyperOption) -> str:
    """Typer's ``<type>`` label for an option (``<table|json>`` for a choice)."""
    return param.type.get_metavar(param=param, ctx=None) or f"<{param.type.name}>"  # type: ignore[arg-type]


def metavar(shown: str) -> str:
    """The conventional metavar for Typer's ``<type>`` label: ``<float>`` → ``FLOAT``, ``<a|b>`` → ``[a|b]``."""
    label = shown.removeprefix("<").removesuffix(">")
    if label in METAVARS:
        return METAVARS[label]
    return f"[{label}]" if "|" in label else label.upper()

