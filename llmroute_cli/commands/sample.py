"""``llmroute sample``: the near end of the offline judge loop (``judge_report`` is the far end).

``sample`` routes the logs, draws a reproducible sample of one tier's requests and writes OpenAI
Batch API lines asking a judge model to compare the cheap and the expensive answer. The reader keeps
no answers, so ``sample`` re-reads each sampled record's raw JSON by file and line: the logs must be
JSON Lines files (gzipped or not).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmroute_cli.commands._common import handle_errors, load_router, progress_bar, read_text, refuse_overwrite
from llmroute_cli.commands.options import (
    MAX_LINE_BYTES,
    MaxLineOpt,
    MetadataFieldOpt,
    PricesOpt,
    ProviderOpt,
    StrictOpt,
    reading,
    warn_skipped,
)
from llmroute_cli.errors import LlmrouteError, UsageError
from llmroute_cli.render.fmt import count, money, percent

if TYPE_CHECKING:
    import pandas as pd

    from llmroute_cli.logs.sources import Source
    from llmroute_cli.quality.judge_batch import JudgeCost, JudgeItem
    from llmroute_cli.rules.policy import Policy

DEFAULT_RULE = "(default)"


@handle_errors
def sample(
    logs: Annotated[list[str], typer.Argument(help="JSONL log files (.jsonl, .jsonl.gz) or globs.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the Batch API input lines here.")],
    rules: Annotated[Path | None, typer.Option(help="Rule file [default: ./routes.yaml, else built-in].")] = None,
    prices: PricesOpt = None,
    provider: ProviderOpt = None,
    tier: Annotated[str | None, typer.Option(help="Sample requests routed here [default: the cheapest tier].")] = None,
    rate: Annotated[float, typer.Option(help="Share of that tier's requests to judge.")] = 0.05,
    seed: Annotated[int, typer.Option(help="Seed of the sample and of the answer order.")] = 0,
    stratify: Annotated[bool, typer.Option(help="Sample each rule's requests at the same rate.")] = False,
    judge_model: Annotated[str, typer.Option(help="The model that judges.")] = "gpt-4o",
    template: Annotated[
        Path | None, typer.Option(help="Judge prompt with {question}, {answer_a}, {answer_b} [default: built-in].")
    ] = None,
    max_tokens: Annotated[int, typer.Option(help="max_tokens of each judge reply.")] = 1024,
    skip_unanswered: Annotated[
        bool, typer.Option(help="Leave out sampled requests missing an answer (counted) instead of failing.")
    ] = False,
    metadata_field: MetadataFieldOpt = None,
    strict: StrictOpt = False,
    max_line_bytes: MaxLineOpt = MAX_LINE_BYTES,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Sample routed requests and write Batch API lines asking a judge to compare the two answers.

    Example: llmroute sample sample_data/mtbench_judge_log.jsonl --rate 0.1 --seed 1 -o batch.jsonl
    """
    from llmroute_cli.commands.output import write_atomic
    from llmroute_cli.quality.judge_batch import judge_batch_lines, judge_cost, sample_requests
    from llmroute_cli.quality.labels import QualitySpec

    refuse_overwrite({"--output": output}, [*logs, rules, prices, template])
    _check_options(rate, max_tokens, output)
    sources = _jsonl_sources(logs)
    prompt = _template(template)
    router, book = load_router(rules, prices, provider=provider)
    policy = router.policy
    price = book.price(judge_model)
    spec = QualitySpec.from_policy(policy, book)
    tier = tier or spec.cheap_tier
    if tier not in policy.tiers:
        raise UsageError(f"--tier: unknown tier '{tier}'; expected one of: {', '.join(policy.tiers)}")
    routed = _route(logs, router, strict, quiet, max_line_bytes, metadata_field)
    ids, tiers, rules_hit = routed["id"].tolist(), routed["tier"].tolist(), routed["rule"].tolist()
    picked = sample_requests(tiers, rules_hit, tier=tier, rate=rate, seed=seed, stratify=stratify, keys=ids)
    items, skipped = _items(routed.iloc[picked], sources, policy, spec, (skip_unanswered, max_line_bytes))
    lines = judge_batch_lines(items, judge_model, prompt, seed=seed, max_tokens=max_tokens)
    cost = judge_cost(lines, price)
    write_atomic(output, "".join(line + "\n" for line in lines))
    summary = _summary(routed, tier, len(picked), items, rate, seed, stratify)
    print("\n".join([*summary, *_closing(output, judge_model, lines, cost, max_tokens)]))
    for problem in skipped[:5]:
        print(f"skipped: {problem}", file=sys.stderr)


def _check_options(rate: float, max_tokens: int, output: Path) -> None:
    from llmroute_cli.quality.judge_batch import check_rate

    check_rate(rate)
    if max_tokens < 1:
        raise UsageError(f"--max-tokens must be at least 1, got {max_tokens}")
    if not (output.parent if str(output.parent) else Path(".")).is_dir():
        raise UsageError(f"{output}: no such directory for --output")


def _jsonl_sources(logs: list[str]) -> dict[str, Source]:
    """The log files by name; sampling re-reads records by line, so only JSON Lines files will do."""
    from llmroute_cli.logs.sources import resolve

    sources = resolve(logs)
    for s in sources:
        if s.path is None:
            raise UsageError("sample cannot read stdin: it re-reads the sampled records for their answers; pass files")
        if s.fmt != "jsonl":
            raise UsageError(
                f"{s.name}: sample needs JSON Lines logs (it re-reads each sampled record for its answers); "
                f"this file reads as {s.fmt.upper()}"
            )
    return {s.name: s for s in sources}


def _template(path: Path | None) -> str:
    from llmroute_cli.quality.judge_batch import DEFAULT_TEMPLATE, check_template

    if path is None:
        return DEFAULT_TEMPLATE
    text = read_text(path, "judge template")
    try:
        check_template(text)
    except LlmrouteError as exc:
        raise LlmrouteError(f"{path}: {exc}") from None
    return text


def _route(
    logs: list[str],
    router: Any,
    strict: bool,
    quiet: bool,
    longest: int = MAX_LINE_BYTES,
    fields: list[str] | None = None,
) -> pd.DataFrame:
    """Every request's id, tier and rule, with the file and line it came from."""
    from llmroute_cli.simulate.pipeline import read_and_route
    from llmroute_cli.simulate.routed import RoutedRequestLists

    with progress_bar(quiet) as progress:
        read = reading(logs, strict=strict, max_line_bytes=longest, metadata_field=fields)
        routed, stats = read_and_route(read, RoutedRequestLists(router), [router], progress)
    warn_skipped(stats)
    return routed.frame()


def _items(
    chosen: pd.DataFrame, sources: dict[str, Source], policy: Policy, spec: Any, how: tuple[bool, int]
) -> tuple[list[JudgeItem], list[str]]:
    """Judge items for the chosen requests: each record read again, for its query, context and answers.

    ``how``: whether to skip requests without both answers, and ``--max-line-bytes``.
    """
    from llmroute_cli.logs.answers import logged_answers, records_at
    from llmroute_cli.quality.judge_batch import judge_item

    (skip, longest), where = (
        how,
        [(str(n), int(line)) for n, line in zip(chosen["source"], chosen["line"], strict=True)],
    )
    found = {
        (name, line): (row, raw)
        for name in sorted({n for n, _ in where})
        for line, row, raw in records_at(sources[name], {n for s, n in where if s == name}, longest)
    }
    items, skipped = [], []
    for (name, line), rid, tier, rule in zip(where, chosen["id"], chosen["tier"], chosen["rule"], strict=True):
        row, raw = found[name, line]
        request = {"query": row.query, "context": row.context, "model": row.model} if row is not None else {}
        record = {**request, "id": rid, "tier": tier, "rule": rule, **logged_answers(raw)}
        try:
            items.append(judge_item(record, policy.tiers, spec.cheap_tier, spec.expensive_tier))
        except LlmrouteError as exc:
            if not skip:
                raise LlmrouteError(f"{name}:{line}: {exc} (or pass --skip-unanswered)") from None
            skipped.append(f"{name}:{line}: {exc}")
    if not items:
        raise LlmrouteError(f"none of the {len(where)} sampled requests has both answers; first: {skipped[0]}")
    return items, skipped


def _summary(
    routed: pd.DataFrame, tier: str, picked: int, items: list[JudgeItem], rate: float, seed: int, stratify: bool
) -> list[str]:
    from llmroute_cli.quality.labels import rule_name

    tiers = Counter(routed["tier"])
    shares = ", ".join(f"{t} {count(n)} ({percent(n / len(routed))})" for t, n in tiers.items())
    by_rule = Counter(rule_name(i.rule) or DEFAULT_RULE for i in items)
    how = "stratified by rule" if stratify else "simple random sample"
    left_out = f"; {picked - len(items)} left out, missing an answer" if picked > len(items) else ""
    return [
        f"Routed {count(len(routed))} requests: {shares}.",
        f"Sampled {count(picked)} of {count(tiers[tier])} requests routed to {tier} "
        f"(rate {percent(rate)}, seed {seed}, {how}){left_out}.",
        "Per rule: " + ", ".join(f"{r} {n}" for r, n in by_rule.most_common()) + ".",
    ]


def _closing(output: Path, judge_model: str, lines: list[str], cost: JudgeCost, max_tokens: int) -> list[str]:
    import json

    first = sum(json.loads(line)["custom_id"].endswith(":A=expensive") for line in lines)
    return [
        f"Wrote {count(len(lines))} judge requests to {output} (judge {judge_model}; "
        f"the expensive answer is shown first in {first}, to cancel position bias).",
        f"Judge cost at most {money(cost.total_usd)} at Batch API prices: {count(cost.prompt_tokens)} prompt tokens "
        f"({money(cost.input_usd)}) and at most {count(cost.max_output_tokens)} output tokens "
        f"({money(cost.output_usd)}, every reply at --max-tokens {max_tokens}).",
        f"Next: run {output} with the OpenAI Batch API, then: llmroute judge-report RESULTS.jsonl",
    ]
