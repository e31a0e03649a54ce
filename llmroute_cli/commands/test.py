"""``llmroute test``: run the golden cases a rule file carries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from llmroute_cli.commands._common import DEFAULT_RULES, handle_errors
from llmroute_cli.errors import UsageError


@handle_errors
def test(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Rule files whose cases to run [default: routes.yaml].")
    ] = None,
) -> None:
    """Run the rule file's golden cases; print each failure with its explanation; exit 1 on any failure.

    Example: llmroute test routes.yaml
    """
    failed = sum(_run(path) for path in paths or [DEFAULT_RULES])
    if failed:
        raise typer.Exit(1)


def _run(path: Path) -> int:
    """Run one file's cases, print failures and a summary; return the number failed."""
    from llmroute_cli.engine.router import Router
    from llmroute_cli.render.trace import trace_lines
    from llmroute_cli.reports.golden import run_cases

    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    router = Router.from_file(path)
    results = run_cases(router)
    if not results:
        raise UsageError(f"{path}: no cases to run; add a 'cases:' list (see README, 'Golden cases')")
    failed = [r for r in results if not r.passed]
    for r in failed:
        print(f"{r.case.source}:{r.case.line}: FAIL case '{r.case.name}': {r.describe_failure()}")
        for line in trace_lines(r.explanation):
            print(f"  {line}")
    passed = len(results) - len(failed)
    print(f"{path}: {passed} passed, {len(failed)} failed")
    return len(failed)
