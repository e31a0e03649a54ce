"""``llmroute check``: validate rule files like a compiler would."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from llmroute_cli.commands._common import DEFAULT_RULES, handle_errors, price_table
from llmroute_cli.commands.options import MAX_LINE_BYTES, MaxLineOpt, MetadataFieldOpt, reading, warn_skipped
from llmroute_cli.errors import ConfigError, Problem, UsageError


@handle_errors
def check(
    paths: Annotated[list[Path] | None, typer.Argument(help="Rule files to check [default: routes.yaml].")] = None,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
    logs: Annotated[
        list[str] | None,
        typer.Option("--logs", metavar="LOGS", help="Also report rules that never fire on these logs."),
    ] = None,
    prices: Annotated[
        Path | None, typer.Option(help="Price file (LiteLLM map or OpenRouter models) the models may be priced in.")
    ] = None,
    provider: Annotated[
        str | None, typer.Option(metavar="NAME", help="Prefer this provider's price entries (see simulate --help).")
    ] = None,
    max_line_bytes: MaxLineOpt = MAX_LINE_BYTES,
    metadata_field: MetadataFieldOpt = None,
) -> None:
    """Validate rule files; print every problem as FILE:LINE:COL: message; exit 1 on errors.

    Example: llmroute check routes.yaml --logs sample_data/chat_logs_small.jsonl
    """
    failed = False
    for path in paths or [DEFAULT_RULES]:
        problems, summary = _problems(path, logs, (prices, provider), strict, (max_line_bytes, metadata_field))
        for p in problems:
            print(p)
        if summary:
            print(summary)
        failed |= any(p.severity == "error" or strict for p in problems)
    if failed:
        raise typer.Exit(1)


def _problems(
    path: Path,
    logs: list[str] | None,
    prices: tuple[Path | None, str | None],
    strict: bool = False,
    read: tuple[int, list[str] | None] = (MAX_LINE_BYTES, None),
) -> tuple[list[Problem], str | None]:
    """Every problem of one rule file, and the 'ok' summary line when none is an error."""
    from llmroute_cli.pricing.book import price_book
    from llmroute_cli.rules.files import read_rule_text
    from llmroute_cli.rules.lint import absent_metadata, lint, never_fired, taken_by_earlier
    from llmroute_cli.rules.policy import load_policy
    from llmroute_cli.rules.reach import preempted

    price_file, provider = prices
    if path.is_dir():
        raise UsageError(f"{path}: is a directory; give the rule file")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        policy = load_policy(read_rule_text(path), str(path))
        price_book(policy, price_table(price_file), provider=provider)
    except ConfigError as exc:
        return exc.problems, None
    problems = lint(policy)
    if logs:
        later = tuple(p.later for p in preempted(policy))
        hits, taken, paths = _hits(policy, logs, strict, later, read)
        found = never_fired(policy, hits) + taken_by_earlier(policy, taken, hits[1]) + absent_metadata(policy, paths)
        problems = sorted(problems + found, key=lambda p: (p.line, p.column))
    if any(p.severity == "error" for p in problems):
        return problems, None
    if strict and problems:
        k = len(problems)
        return problems, f"{path}: failed under --strict ({k} warning{'s' * (k != 1)})"
    n, tiers = len(policy.rules), ", ".join(policy.tiers)
    return problems, f"{path}: ok ({n} rule{'s' * (n != 1)}, tiers: {tiers}; default: {policy.default})"


def _hits(
    policy: Any, logs: list[str], strict: bool, later: tuple[int, ...], read: tuple[int, list[str] | None]
) -> tuple[tuple[list[int], int], dict[int, dict[int, int]], set[str]]:
    """How many logged requests each rule decides and how many there were; for each of ``later``,
    how many it matches that each earlier rule (to another tier) decided; the metadata paths they have."""
    from llmroute_cli.engine.router import Router
    from llmroute_cli.simulate.pipeline import read_and_route
    from llmroute_cli.simulate.routed import TakenCounts

    router = Router(policy)
    longest, fields = read
    options = reading(logs, strict=strict, max_line_bytes=longest, metadata_field=fields)
    found, stats = read_and_route(options, TakenCounts(router, later, paths=True), [router])
    warn_skipped(stats)  # with --strict the read has already stopped at the first one
    assert found.hits is not None
    return (found.hits.counts, found.hits.total), found.taken, found.hits.paths or set()
