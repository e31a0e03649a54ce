"""``llmroute route``: the decision for one query, the rule that made it, and why."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from llmroute_cli.commands._common import handle_errors, load_router, read_text, stdout_console
from llmroute_cli.errors import UsageError
from llmroute_cli.limits import MAX_METADATA_DEPTH
from llmroute_cli.render.jsonout import report_json


@handle_errors
def route(
    query: Annotated[str, typer.Argument(help="The query text, or - to read it from stdin.")],
    context: Annotated[str | None, typer.Option(help="Context sent with the query (documents, history).")] = None,
    context_file: Annotated[
        Path | None, typer.Option(help="Read the context from a file.", exists=True, dir_okay=False, readable=True)
    ] = None,
    metadata: Annotated[
        str | None, typer.Option(help='Request metadata as JSON, e.g. \'{"user": {"plan": "pro"}}\'.')
    ] = None,
    rules: Annotated[
        Path | None, typer.Option(help="Rule file [default: ./routes.yaml, else the built-in policy].", dir_okay=False)
    ] = None,
    system: Annotated[str | None, typer.Option(help="The request's system prompt, for 'system:' conditions.")] = None,
    turns: Annotated[int, typer.Option(help="User messages in the request, for 'turns:' conditions.", min=1)] = 1,
    has_tools: Annotated[bool, typer.Option("--has-tools", help="The request defines or calls tools.")] = False,
    has_images: Annotated[bool, typer.Option("--has-images", help="The request carries images.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_tokens: Annotated[
        bool,
        typer.Option(
            "--no-tokens",
            help="Skip the token count and cost on each tier (faster); tokens are still counted if a rule tests them.",
        ),
    ] = False,
    model: Annotated[str | None, typer.Option(help="The model the request logged, for 'model:' rules.")] = None,
    timestamp: Annotated[
        str | None, typer.Option(help="When it was logged: ISO 8601 (naive is UTC) or unix seconds, for 'time:' rules.")
    ] = None,
    request_id: Annotated[
        str | None, typer.Option("--id", help="Its logged id, which a 'split:' hashes (else the query).")
    ] = None,
) -> None:
    """Route one query and explain the decision.

    Example: llmroute route "Summarise this paragraph in one line" --rules routes.yaml
    """
    from llmroute_cli.tokens.chat import Structure

    text = sys.stdin.read() if query == "-" else query
    ctx = _context(context, context_file)
    meta = _metadata(metadata)
    router, book = load_router(rules)
    shape = Structure(system or "", turns, has_tools, has_images)
    logged = {"model": model, "timestamp": _timestamp(timestamp), "request_id": request_id}
    seen = "\n\n".join(part for part in (system, ctx) if part) or None  # as a log's context holds its system prompt
    explanation = router.explain(text, seen, meta, shape=shape, **logged)
    quotes = [] if no_tokens else _quotes(router, book, text, ctx, system)
    payload = _payload(router, explanation, quotes)
    if quotes:
        from llmroute_cli.reports.quote import fit

        payload["context_window"] = fit(router.policy, book, quotes, explanation.decision.tier)
    if as_json:
        print(report_json(payload))
    else:
        _render(payload, explanation)


def _quotes(router: Any, book: Any, text: str, ctx: str | None, system: str | None) -> list[Any]:
    from llmroute_cli.reports.quote import quote

    return quote(router.policy, book, text, ctx, system)


def _context(context: str | None, context_file: Path | None) -> str | None:
    if context is not None and context_file is not None:
        raise UsageError("give --context or --context-file, not both")
    if context_file is not None:
        return read_text(context_file, "context file")
    return context


def _timestamp(raw: str | None) -> float | None:
    if raw is None:
        return None
    from llmroute_cli.logs.model import BadRecord  # the log reader, loaded only for a --timestamp
    from llmroute_cli.logs.values import to_unix

    try:
        return to_unix(raw, "--timestamp")
    except BadRecord as exc:
        raise UsageError(str(exc).replace("'--timestamp'", "--timestamp")) from None


def _metadata(raw: str | None) -> dict[str, Any]:
    if raw is None:
        return {}
    too_deep = f"--metadata is nested more than {MAX_METADATA_DEPTH} levels deep; flatten it"
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--metadata is not valid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise UsageError(too_deep) from None
    if not isinstance(value, dict):
        raise UsageError('--metadata must be a JSON object, like \'{"user": {"plan": "pro"}}\'')
    if _depth(value) > MAX_METADATA_DEPTH:
        raise UsageError(too_deep)
    return value


def _depth(value: Any) -> int:
    """Levels of objects and arrays, the outermost being 1; walked without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is not None:
            deepest = max(deepest, level)
            stack += [(child, level + 1) for child in children]
    return deepest


def _payload(router: Any, explanation: Any, quotes: list[Any]) -> dict[str, Any]:
    decision = explanation.decision
    chosen = next((q for q in quotes if q.tier == decision.tier), None)
    return {
        "tier": decision.tier,
        "model": decision.model,
        "rule": decision.rule,
        "rules_file": router.policy.source,
        "input_tokens": chosen.input_tokens if chosen else None,
        "input_cost_usd": chosen.input_cost_usd if chosen else None,
        "tiers": {
            q.tier: {
                "model": q.model,
                "tokenizer": q.encoding,
                "input_tokens": q.input_tokens,
                "input_cost_usd": q.input_cost_usd,
            }
            for q in quotes
        },
        "explain": explanation.to_dict(),
        "cascades": _cascades(router.policy),
    }


def _cascades(policy: Any) -> dict[str, str]:
    """Each cascade tier, in words: ``cheap first; escalate to expensive when ...``."""
    return {name: c.describe() for name, c in policy.cascades.items()}


def _render(payload: dict[str, Any], explanation: Any) -> None:
    from rich.text import Text

    from llmroute_cli.render.fmt import money
    from llmroute_cli.render.tables import plain, printable
    from llmroute_cli.render.trace import trace_lines

    out = stdout_console()
    rule = payload["rule"] or "(no rule matched: default tier)"
    tier, model = printable(payload["tier"]), printable(payload["model"])
    out.print(Text.assemble((tier, "bold"), f" → {model}   rule: ", (printable(rule), "bold")))
    out.print(plain(f"rules: {payload['rules_file']}"))
    for name, how in payload["cascades"].items():
        out.print(plain(f"cascade '{name}': {how} (its rules are expanded: NAME (escalated), then NAME)"))
    out.print("why:")
    for line in trace_lines(explanation):
        out.print(plain(line))
    if payload["input_tokens"] is None:
        return
    out.print(f"input tokens: {payload['input_tokens']:,} (chat format)")
    fits = payload["context_window"]
    if not fits["fits"] and fits["max_input_tokens"] is not None:
        window = f"{fits['max_input_tokens']:,}-token window"
        moved = f"goes to {fits['tier']} ({payload['tiers'][fits['tier']]['model']}): {fits['why']}"
        where = moved if fits["tier"] != payload["tier"] else fits["why"]
        out.print(plain(f"too long for {payload['model']}'s {window}: {where}"))
    out.print("input cost on each tier:")
    for name, q in payload["tiers"].items():
        mark = "*" if name == payload["tier"] else " "
        cells = f"{printable(name):<12} {printable(q['model']):<20} {q['input_tokens']:>8,} tokens"
        out.print(plain(f" {mark} {cells}  {money(q['input_cost_usd'])}"))
