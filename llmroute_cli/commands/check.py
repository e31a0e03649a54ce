"""``llmroute check``: validate a rule file like a compiler would."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import ConfigError, UsageError
from ._common import DEFAULT_RULES, handle_errors


@handle_errors
def check(
    path: Annotated[Path, typer.Argument(help="Rule file to check.")] = DEFAULT_RULES,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
) -> None:
    """Validate a rule file; exit 1 listing every problem as FILE:LINE:COL: message.

    Example: llmroute check routes.yaml
    """
    from ..lint import lint
    from ..policy import load_policy
    from ..router import read_rule_text

    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        policy = load_policy(read_rule_text(path), str(path))
    except ConfigError as exc:
        _fail(exc.problems)
    problems = lint(policy)
    for p in problems:
        print(p)
    if any(p.severity == "error" or strict for p in problems):
        raise typer.Exit(1)
    rules = len(policy.rules)
    print(f"{path}: ok ({rules} rule{'s' * (rules != 1)}, tiers: {', '.join(policy.tiers)}; default: {policy.default})")


def _fail(problems: list) -> None:  # type: ignore[type-arg]
    for p in problems:
        print(p)
    raise typer.Exit(1)
