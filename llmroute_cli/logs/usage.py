"""Token usage as logged by OpenAI (chat and Responses), Anthropic, flat columns and OTel GenAI spans."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmroute_cli.limits import MAX_TOKENS
from llmroute_cli.logs.model import NO_USAGE, BadRecord, Usage
from llmroute_cli.logs.values import kind, to_int


def checked(usage: Usage) -> Usage:
    """The usage if its counts are plausible: 0..1e9 each, cache reads within the prompt, reasoning within output."""
    inp, out, read, made, reasoning, inside = usage
    for name, n in (
        ("input", inp),
        ("output", out),
        ("cache read", read),
        ("cache write", made),
        ("reasoning", reasoning),
    ):
        if n is not None and not 0 <= n <= MAX_TOKENS:
            raise BadRecord(f"{name} token count {n} is out of range (0 to {MAX_TOKENS:,})")
    if inside and inp is not None and (read or 0) + (made or 0) > inp:
        raise BadRecord(f"cached tokens ({(read or 0) + (made or 0)}) exceed the prompt tokens ({inp})")
    if out is not None and reasoning is not None and reasoning > out:
        raise BadRecord(f"reasoning tokens ({reasoning}) exceed the output tokens ({out})")
    return usage


def _detail(usage: Mapping[str, Any], block: str, key: str) -> int | None:
    details = usage.get(block)
    if type(details) is not dict:
        return None
    return to_int(details.get(key), f"usage.{block}.{key}")


def usage_of(usage: Any) -> Usage:
    """A ``usage`` object: OpenAI's cached tokens are inside the prompt tokens, Anthropic's beside them."""
    if usage is None:
        return NO_USAGE
    if type(usage) is not dict:
        raise BadRecord(f"'usage' is not an object (got {kind(usage)})")
    if "prompt_tokens" in usage or "completion_tokens" in usage:
        inp, out = usage.get("prompt_tokens"), usage.get("completion_tokens")
        if type(inp) is not int or (type(out) is not int and out is not None):  # the common case stays cheap
            inp = to_int(inp, "usage.prompt_tokens")
            out = to_int(out, "usage.completion_tokens")
        cached = _detail(usage, "prompt_tokens_details", "cached_tokens")
        return checked((inp, out, cached, None, _detail(usage, "completion_tokens_details", "reasoning_tokens"), True))
    inp = to_int(usage.get("input_tokens"), "usage.input_tokens")
    out = to_int(usage.get("output_tokens"), "usage.output_tokens")
    if "cache_read_input_tokens" in usage or "cache_creation_input_tokens" in usage:
        read = to_int(usage.get("cache_read_input_tokens"), "usage.cache_read_input_tokens")
        made = to_int(usage.get("cache_creation_input_tokens"), "usage.cache_creation_input_tokens")
        return checked((inp, out, read, made, None, False))
    # The Responses API names its fields like Anthropic but counts cached tokens like chat completions.
    cached = _detail(usage, "input_tokens_details", "cached_tokens")
    return checked((inp, out, cached, None, _detail(usage, "output_tokens_details", "reasoning_tokens"), True))


def flat_usage(record: Mapping[str, Any]) -> Usage:
    """Token counts as top-level fields or CSV columns, named like the reader's own columns or OpenAI's."""
    inp = record.get("input_tokens")
    if inp is None:
        inp = record.get("prompt_tokens")
    out = record.get("output_tokens")
    if out is None:
        out = record.get("completion_tokens")
    inside = record.get("cache_inside_input")
    return checked(
        (
            to_int(inp, "input_tokens"),
            to_int(out, "output_tokens"),
            to_int(record.get("cache_read_tokens"), "cache_read_tokens"),
            to_int(record.get("cache_creation_tokens"), "cache_creation_tokens"),
            to_int(record.get("reasoning_tokens"), "reasoning_tokens"),
            inside is None or inside is True or inside in ("true", "True", "1"),
        )
    )


def _attr_int(attrs: Mapping[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = attrs.get(key)
        if value is not None:
            return to_int(value, key)
    return None


def span_usage(attrs: Mapping[str, Any]) -> Usage:
    """GenAI span attributes; by the semantic conventions cached tokens are inside the input tokens."""
    return checked(
        (
            _attr_int(attrs, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
            _attr_int(attrs, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
            _attr_int(attrs, "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens"),
            _attr_int(attrs, "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens"),
            _attr_int(attrs, "gen_ai.usage.reasoning_tokens"),
            True,
        )
    )
