"""LiteLLM's StandardLoggingPayload: one JSON object per request, as its S3 and GCS logging callbacks write it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmroute_cli.logs import messages as chat_messages
from llmroute_cli.logs.model import BadRecord, Ignored, Row
from llmroute_cli.logs.usage import flat_usage, usage_of
from llmroute_cli.logs.values import id_of, json_text, labels_of, meta_of, model_of, span_ms, to_unix


def is_payload(rec: Mapping[str, Any]) -> bool:
    """The keys only the StandardLoggingPayload has together (a spend-log row has ``request_id`` instead)."""
    return "trace_id" in rec and "call_type" in rec and "startTime" in rec and "request_id" not in rec


def payload(rec: dict[str, Any], joins: Any) -> Row:
    """One logged call: ``messages`` (a list or JSON text), usage from ``metadata.usage_object`` or the flat
    ``prompt_tokens``/``completion_tokens``, ``startTime``/``endTime`` in epoch seconds; failed calls skipped."""
    if rec.get("status") == "failure":
        raise Ignored("LiteLLM logged a failed call (status: failure)")
    given = rec.get("messages")
    if given in (None, "", "[]", "{}", [], {}):
        raise BadRecord("no messages logged (LiteLLM leaves them out with turn_off_message_logging)")
    if type(given) is str:
        given = json_text(given, "messages")
    msgs, query, context = chat_messages.chat(given, "messages")
    meta = meta_of(rec.get("metadata"))
    detail = meta.get("usage_object") if meta else None
    usage = usage_of(detail) if type(detail) is dict and "prompt_tokens" in detail else flat_usage(rec)
    when = to_unix(rec.get("startTime"), "startTime")
    latency = span_ms(rec.get("startTime"), rec.get("endTime"), ("startTime", "endTime"))
    model = model_of(rec.get("model"))
    return Row(id_of(rec.get("id")), query, context, when, model, *usage, False, meta, msgs, labels_of(rec), latency)
