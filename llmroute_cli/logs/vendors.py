"""Exports of tracing tools and provider-native logs: Langfuse, Helicone, Anthropic Messages, OpenAI Responses.

Each extractor returns a ``logs.model.Row``; usage is mapped to llmroute's fields exactly as the
tool counts it (cache tokens *beside* the input tokens unless said otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmroute_cli.logs import messages as chat_messages
from llmroute_cli.logs.model import BadRecord, Ignored, Row, Usage
from llmroute_cli.logs.usage import checked, usage_of
from llmroute_cli.logs.values import (
    first,
    id_of,
    json_text,
    kind,
    labels_of,
    meta_of,
    model_of,
    span_ms,
    to_int,
    to_ms,
    to_unix,
)


def _input_messages(value: Any, name: str) -> tuple[chat_messages.Messages, str, str]:
    """A logged prompt: a message list, ``{"messages": [...]}``, or a string (one user message)."""
    value = json_text(value, name) if type(value) is str and value[:1] in "[{" else value
    if type(value) is dict and "messages" in value:
        return chat_messages.chat(value["messages"], f"{name}.messages", value.get("system"))
    if type(value) is str:
        value = [{"role": "user", "content": value}]
    if value is None:
        raise BadRecord(f"no '{name}' logged")
    return chat_messages.chat(value, name)


def _count(usage: Mapping[str, Any], key: str, where: str) -> int | None:
    return to_int(usage.get(key), f"{where}.{key}")


def langfuse_usage(rec: Mapping[str, Any]) -> Usage:
    """Langfuse's ``usageDetails``: its SDKs split cached and reasoning counts off ``input``/``output``.

    So cache reads (``input_cached_tokens``, ``cache_read_input_tokens``) and writes
    (``cache_creation_input_tokens``) are beside the input, and reasoning (``output_reasoning_tokens``)
    is added back to the output. Without ``usageDetails``: ``usage.input``/``usage.output``, then
    ``promptTokens``/``completionTokens``.
    """
    details = rec.get("usageDetails")
    if type(details) is dict and details:
        where = "usageDetails"
        inp, out = _count(details, "input", where), _count(details, "output", where)
        read = first(details, "input_cached_tokens", "cache_read_input_tokens", "input_cache_read")
        made = first(details, "cache_creation_input_tokens", "input_cache_creation")
        reasoning = _count(details, "output_reasoning_tokens", where)
        if reasoning is not None and out is not None:
            out += reasoning
        read, made = to_int(read, f"{where} cache read"), to_int(made, f"{where} cache creation")
        return checked((inp, out, read, made, reasoning, False))
    usage = rec.get("usage")
    if type(usage) is dict and ("input" in usage or "output" in usage):
        return checked((_count(usage, "input", "usage"), _count(usage, "output", "usage"), None, None, None, True))
    inp = to_int(rec.get("promptTokens"), "promptTokens")
    out = to_int(rec.get("completionTokens"), "completionTokens")
    return checked((inp, out, None, None, None, True))


def langfuse_labels(rec: Mapping[str, Any], model: str | None) -> dict[str, Any] | None:
    """Langfuse ``scores`` (``[{"name", "value"}]``) as llmroute labels.

    A score named ``needed`` or ``judge`` is that label (its string value); one named ``correct`` is
    the observation's model's correctness; any other numeric score names the model or tier it
    scores (``{"name": "gpt-4o", "value": 8}`` is ``scores: {"gpt-4o": 8}``).
    """
    given = rec.get("scores")
    if given is None or type(given) is dict:
        return labels_of(rec)
    if type(given) is not list:
        raise BadRecord(f"'scores' is not a list of Langfuse scores (got {kind(given)})")
    labels: dict[str, Any] = {}
    for i, score in enumerate(given):
        if type(score) is not dict or type(score.get("name")) is not str:
            raise BadRecord(f"scores[{i}] is not a Langfuse score with a name")
        name = score["name"]
        value = first(score, "stringValue", "value")
        if name in ("needed", "judge"):
            labels[name] = value
        elif name == "correct" and model is not None:
            labels.setdefault("correct", {})[model] = value in (True, 1, 1.0, "true", "True")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            labels.setdefault("scores", {})[name] = value
    return labels or None


def langfuse(rec: dict[str, Any], joins: Any) -> Row:
    """A Langfuse observation (``GENERATION``) as the UI or the public API exports it; other types are not calls."""
    kind_of = rec.get("type")
    if kind_of is not None and kind_of != "GENERATION":
        raise Ignored(f"Langfuse {kind_of} observation (not a model call)")
    msgs, query, context = _input_messages(rec.get("input"), "input")
    model = model_of(rec.get("model"))
    meta = meta_of(rec.get("metadata"))
    extra = {k: rec[k] for k in ("userId", "sessionId", "traceId", "name") if rec.get(k) is not None}
    meta = {**extra, **(meta or {})} or None
    when = to_unix(rec.get("startTime"), "startTime")
    latency = span_ms(rec.get("startTime"), rec.get("endTime"), ("startTime", "endTime"))
    usage = langfuse_usage(rec)
    return Row(id_of(rec.get("id")), query, context, when, model, *usage, False, meta, msgs,
               langfuse_labels(rec, model), latency)  # fmt: skip


def helicone_usage(rec: Mapping[str, Any]) -> Usage:
    """Helicone's columns: ``prompt_tokens`` beside ``prompt_cache_read_tokens``/``prompt_cache_write_tokens``,
    as Helicone bills them."""
    counts = [to_int(rec.get(k), k) for k in ("prompt_tokens", "completion_tokens")]
    read = to_int(rec.get("prompt_cache_read_tokens"), "prompt_cache_read_tokens")
    made = to_int(rec.get("prompt_cache_write_tokens"), "prompt_cache_write_tokens")
    return checked((counts[0], counts[1], read, made, None, False))


def helicone(rec: dict[str, Any], joins: Any) -> Row:
    """A Helicone request export row (``@helicone/export`` JSONL or the request query API)."""
    body = json_text(rec.get("request_body"), "request_body")
    if type(body) is not dict:
        raise BadRecord("no 'request_body' logged (export with --include-body)")
    if body.get("messages") is not None:
        msgs, query, context = chat_messages.chat(body["messages"], "request_body.messages", body.get("system"))
    else:
        msgs, query, context = _input_messages(body.get("input"), "request_body.input")
    model = model_of(first(rec, "model", "request_model", "response_model") or body.get("model"))
    props = meta_of(first(rec, "request_properties", "properties"), "request_properties")
    extra = {k: rec[k] for k in ("request_user_id", "user_id", "provider") if rec.get(k) is not None}
    meta = {**extra, **(props or {})} or None
    when = to_unix(rec.get("request_created_at"), "request_created_at")
    latency = to_ms(first(rec, "latency", "delay_ms"), "latency")
    return Row(id_of(rec.get("request_id")), query, context, when, model, *helicone_usage(rec), False, meta, msgs,
               _helicone_labels(rec), latency)  # fmt: skip


def _helicone_labels(rec: Mapping[str, Any]) -> dict[str, Any] | None:
    """Labels logged beside the request; Helicone's own ``scores`` (feedback per score name) are not model scores."""
    return labels_of({k: v for k, v in rec.items() if k != "scores"})


def responses(rec: dict[str, Any], joins: Any) -> Row:
    """An OpenAI Responses API call logged flat: ``input`` items (+ ``instructions``), ``output``, ``usage``."""
    given = rec.get("input")
    given = [{"role": "user", "content": given}] if type(given) is str else given
    msgs, query, context = chat_messages.chat(given, "input", rec.get("instructions"))
    when = to_unix(first(rec, "timestamp", "created_at"), "timestamp" if "timestamp" in rec else "created_at")
    latency = to_ms(rec.get("latency_ms"), "latency_ms")
    return Row(id_of(rec.get("id")), query, context, when, model_of(rec.get("model")), *usage_of(rec.get("usage")),
               False, meta_of(rec.get("metadata")), msgs, labels_of(rec), latency)  # fmt: skip


# What each known shape is recognised by: (label, keys a record of it has), for naming the closest one.
SIGNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "simple": ("simple", ("query",)),
    "chat": ("OpenAI chat", ("messages", "model", "usage")),
    "anthropic": ("Anthropic Messages", ("messages", "system", "model", "usage")),
    "responses": ("OpenAI Responses", ("input", "output", "model", "usage")),
    "batch": ("OpenAI Batch input", ("custom_id", "body")),
    "litellm": ("LiteLLM spend log", ("request_id", "startTime", "spend", "messages")),
    "otel": ("OpenTelemetry span", ("attributes", "spanId")),
    "langfuse": ("Langfuse observation", ("traceId", "startTime", "input", "type")),
    "helicone": ("Helicone export", ("request_id", "request_created_at", "request_body")),
}


def closest(rec: Mapping[str, Any]) -> str | None:
    """``closest: OpenAI chat (missing 'messages')`` for the known shape sharing most keys with the record."""
    best, label, missing = 0, "", ""
    for name, keys in SIGNS.values():
        have = [k for k in keys if k in rec]
        if len(have) > best:
            best, label = len(have), name
            missing = ", ".join(f"'{k}'" for k in keys if k not in rec)
    if not best:
        return None
    return f"closest: {label} (missing {missing})" if missing else f"closest: {label}"
