"""Log shapes: how to recognise each one and how to turn one record of it into a row."""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from llmroute_cli.logs import litellm_payload, otel, vendors
from llmroute_cli.logs import messages as chat_messages
from llmroute_cli.logs.model import NO_USAGE, BadRecord, Ignored, ReadOptions, Row, Usage
from llmroute_cli.logs.usage import flat_usage, usage_of
from llmroute_cli.logs.values import (
    NAN,
    field,
    first,
    id_of,
    json_text,
    kind,
    labels_of,
    meta_of,
    model_of,
    span_ms,
    text_of,
    to_ms,
    to_unix,
)
from llmroute_cli.logs.vendors import closest
from llmroute_cli.rules.conditions import MISSING

BatchResult = tuple[Usage, Any, float]  # usage, model, created
Joins = MutableMapping[str, BatchResult]  # custom_id → result, popped as input lines claim them
Extractor = Callable[[dict[str, Any], Joins], Any]

UNKNOWN = (
    "no query: expected 'query', chat 'messages', an OpenAI Batch request, a LiteLLM spend log "
    "or an OpenTelemetry GenAI span (or name the field with --query-field)"
)
_EMPTY = (None, "", "{}", "[]")


def detect(rec: Mapping[str, Any]) -> str | None:
    """The shape of one record, from the keys that tell the shapes apart."""
    if "custom_id" in rec:
        if type(rec.get("body")) is dict:
            return "batch"
        if "response" in rec or "error" in rec:
            return "batch-output"
    if "resourceSpans" in rec:
        return "otlp"
    if "attributes" in rec and ("spanId" in rec or "span_id" in rec or type(rec.get("context")) is dict):
        return "otel"
    if "request_body" in rec or "request_created_at" in rec:
        return "helicone"
    if "request_id" in rec and ("startTime" in rec or "spend" in rec or "call_type" in rec):
        return "litellm"
    if litellm_payload.is_payload(rec):
        return "litellm-payload"
    if "traceId" in rec and "input" in rec and ("startTime" in rec or "type" in rec):
        return "langfuse"
    if "query" in rec:
        return "simple"
    req = rec.get("request")
    if "messages" in rec or type(req) is dict:
        return _chat_kind(rec, req if type(req) is dict else rec)
    if "input" in rec and ("output" in rec or "instructions" in rec or rec.get("object") == "response"):
        return "responses"
    return None


def _chat_kind(rec: Mapping[str, Any], req: Mapping[str, Any]) -> str:
    """Anthropic Messages (a top-level ``system``, Anthropic usage), the Responses API (``input``), or chat."""
    if "messages" not in req and "input" in req:
        return "responses"
    resp = rec.get("response")
    usage = (resp if type(resp) is dict else rec).get("usage")
    if "system" in req or (type(usage) is dict and "input_tokens" in usage and "prompt_tokens" not in usage):
        return "anthropic"
    return "chat"


def unknown_shape(rec: Mapping[str, Any]) -> str:
    """Why a record is no known shape, naming the closest one when it shares any key with one."""
    near = closest(rec)
    return f"not a log record llmroute knows; {near} (or name the query with --query-field)" if near else UNKNOWN


def _fields(rec: Mapping[str, Any], query: str) -> Row:
    """A row from the simple shape's top-level fields, with the query already found."""
    context = rec.get("context")
    if type(context) is not str:
        if context is not None:
            raise BadRecord(f"'context' is not a string (got {kind(context)})")
        context = ""
    usage = usage_of(rec["usage"]) if rec.get("usage") is not None else flat_usage(rec)
    when = to_unix(first(rec, "timestamp", "created_at", "created"), "timestamp")
    ident = id_of(first(rec, "custom_id", "id", "request_id"))
    meta = meta_of(rec.get("metadata"))
    model = model_of(rec.get("model"))
    latency = to_ms(rec.get("latency_ms"), "latency_ms")
    return Row(ident, query, context, when, model, *usage, False, meta, None, labels_of(rec), latency)


def simple(rec: dict[str, Any], joins: Joins) -> Row:
    """``{"query", "context", "timestamp", "model", "metadata"}``, also CSV and Parquet rows."""
    query = rec.get("query")
    if type(query) is not str:
        raise BadRecord(
            "'query' is empty or missing" if query is None else f"'query' is not a string (got {kind(query)})"
        )
    return _fields(rec, query)


def _body_chat(body: Mapping[str, Any], where: str) -> tuple[chat_messages.Messages, str, str]:
    """Messages, query and context of a chat request body (Chat Completions, Anthropic or Responses API)."""
    if body.get("messages") is not None:
        return chat_messages.chat(body["messages"], f"{where}messages", body.get("system"))
    given = body.get("input")
    if given is None:
        raise BadRecord(f"no '{where}messages' field")
    given = [{"role": "user", "content": given}] if type(given) is str else given
    return chat_messages.chat(given, f"{where}input", body.get("instructions"))


def chat(rec: dict[str, Any], joins: Joins) -> Row:
    """An OpenAI/Anthropic request as logged, flat or nested as ``{"request": {...}, "response": {...}}``.

    The hottest path for big logs: common field types are checked inline, the rest go through converters.
    """
    req = rec.get("request")
    if req is not None and type(req) is dict and ("messages" in req or "input" in req):
        return _nested_chat(rec, req)
    given = rec.get("messages")
    if given is None:
        msgs, query, context = _body_chat(rec, "")
    else:
        msgs = chat_messages.normalize(given, "messages", rec.get("system"))
        query, context = chat_messages.split(msgs, "messages")
    stamp = rec.get("timestamp")
    when = to_unix(stamp, "timestamp") if stamp is not None else to_unix(rec.get("created"), "created")
    ident = rec.get("id")
    if type(ident) is not str:
        ident = id_of(ident if ident is not None else first(rec, "custom_id", "request_id"))
    model = rec.get("model")
    if type(model) is not str or not model:
        model = model_of(model)
    meta = rec.get("metadata")
    if meta is not None and type(meta) is not dict:
        meta = meta_of(meta)
    labels = labels_of(rec) if "needed" in rec or "scores" in rec or "correct" in rec or "judge" in rec else None
    latency = rec.get("latency_ms")
    latency = to_ms(latency, "latency_ms") if latency is not None else NAN
    return Row(ident, query, context, when, model, *usage_of(rec.get("usage")), False, meta, msgs, labels, latency)


def _nested_chat(rec: dict[str, Any], req: dict[str, Any]) -> Row:
    resp = rec.get("response")
    resp = resp if type(resp) is dict else {}
    msgs, query, context = _body_chat(req, "request.")
    usage = usage_of(first(resp, "usage") or rec.get("usage"))
    stamp = first(rec, "timestamp", "created")
    if stamp is None:
        stamp = first(resp, "created", "created_at")
    when = to_unix(stamp, "timestamp" if "timestamp" in rec else "created")
    model = model_of(req.get("model") or resp.get("model"))
    ident = id_of(first(rec, "id", "custom_id", "request_id") or resp.get("id"))
    meta = meta_of(first(rec, "metadata") or req.get("metadata"))
    latency = to_ms(rec.get("latency_ms"), "latency_ms")
    return Row(ident, query, context, when, model, *usage, False, meta, msgs, labels_of(rec), latency)


def batch(rec: dict[str, Any], joins: Joins) -> Row:
    """An OpenAI Batch input line, with the usage of its output line joined by ``custom_id``."""
    ident = id_of(rec.get("custom_id"))
    body = rec["body"]
    msgs, query, context = _body_chat(body, "body.")
    usage, model, when = joins.pop(ident, (NO_USAGE, None, NAN))  # type: ignore[arg-type]
    model = model_of(body.get("model")) or model
    meta = meta_of(body.get("metadata"))
    return Row(ident, query, context, when, model, *usage, True, meta, msgs, labels_of(rec))


def batch_result(rec: Mapping[str, Any]) -> BatchResult:
    """Usage, model and time from an OpenAI Batch output line (errors carry none)."""
    resp = rec.get("response")
    body = resp.get("body") if type(resp) is dict else None
    if type(body) is not dict:
        return (NO_USAGE, None, NAN)
    return (usage_of(body.get("usage")), model_of(body.get("model")), to_unix(body.get("created"), "created"))


def batch_output(rec: dict[str, Any], joins: Joins) -> Row:
    raise Ignored("OpenAI Batch output line (give its input file too)")


def litellm(rec: dict[str, Any], joins: Joins) -> Row:
    """A LiteLLM spend-log row; ``messages`` is often a JSON string, and empty unless prompts are stored."""
    given = rec.get("messages")
    if given in _EMPTY or given == {} or given == []:
        proxy = json_text(rec.get("proxy_server_request"), "proxy_server_request")
        given = proxy.get("messages") if type(proxy) is dict else None
        if given is None:
            raise BadRecord("no messages logged (LiteLLM stores them only with store_prompts_in_spend_logs)")
    msgs, query, context = chat_messages.chat(given, "messages")
    meta = meta_of(rec.get("metadata"))
    detail = meta.get("usage_object") if meta else None
    meta = litellm_metadata(rec, meta)
    usage = usage_of(detail) if type(detail) is dict and "prompt_tokens" in detail else flat_usage(rec)
    when = to_unix(rec.get("startTime"), "startTime")
    ident = id_of(rec.get("request_id"))
    latency = span_ms(rec.get("startTime"), rec.get("endTime"), ("startTime", "endTime"))
    model = model_of(rec.get("model"))
    return Row(ident, query, context, when, model, *usage, False, meta, msgs, labels_of(rec), latency)


LITELLM_COLUMNS = ("user", "end_user", "team_id", "session_id", "request_tags")
LITELLM_NESTED = ("user_api_key_metadata", "spend_logs_metadata", "requester_metadata")


def litellm_metadata(rec: Mapping[str, Any], meta: dict[str, Any] | None) -> dict[str, Any] | None:
    """A spend log's metadata, with the key's and the request's own (``user_api_key_metadata``, ``requester_metadata``,
    ``spend_logs_metadata``) and the ``user``, ``end_user``, ``team_id``, ``session_id``, ``request_tags``
    columns lifted beside it; the metadata's own keys win, then the request's, then the key's."""
    out = {k: rec[k] for k in LITELLM_COLUMNS if rec.get(k) not in (None, "", "[]", [])}
    for key in LITELLM_NESTED:
        inner = meta.get(key) if meta else None
        if type(inner) is dict:
            out.update(inner)
    out.update(meta or {})
    return out or None


def unknown(rec: dict[str, Any], joins: Joins) -> Row:
    raise BadRecord(unknown_shape(rec))


def _responses(rec: dict[str, Any], joins: Joins) -> Row:
    return chat(rec, joins) if type(rec.get("request")) is dict else vendors.responses(rec, joins)


SHAPES: dict[str, Extractor] = {
    "simple": simple,
    "chat": chat,
    "batch": batch,
    "batch-output": batch_output,
    "litellm": litellm,
    "anthropic": chat,
    "responses": _responses,
    "langfuse": vendors.langfuse,
    "helicone": vendors.helicone,
    "litellm-payload": litellm_payload.payload,
    "otel": otel.span,
    "otlp": otel.export,
}


def with_fields(extract: Extractor, opts: ReadOptions) -> Extractor:
    """``extract`` with the query, context and time taken from the fields the user named."""
    qf, cf, tf = opts.query_field, opts.context_field, opts.time_field

    def run(rec: dict[str, Any], joins: Joins) -> Any:
        try:
            row = extract(rec, joins)
        except BadRecord:
            if not qf:
                raise
            row = _fields(rec, "")
        if type(row) is list:  # an OTLP export: its spans keep what detection found
            return row
        query, context, when, msgs = row.query, row.context, row.timestamp, row.messages
        if qf:
            value = _named(rec, qf, "--query-field")
            if value is None:
                raise BadRecord(f"'{qf}' is null (from --query-field)")
            if _is_messages(value):  # Langfuse's or the Responses API's input: the query is its last user message
                msgs, query, found = chat_messages.chat(value, qf)
                context = context if cf else found
            else:
                query = _field_text(value, qf)
        if cf:
            value = _named(rec, cf, "--context-field")
            context = _messages_text(value, cf) if _is_messages(value) else _field_text(value, cf)
        if tf:
            when = to_unix(_named(rec, tf, "--time-field"), tf)
        return row._replace(query=query, context=context, timestamp=when, messages=msgs)

    return run


def _is_messages(value: Any) -> bool:
    """A list of chat messages (dicts with a role, or Responses API ``message`` items) rather than of text parts."""
    return type(value) is list and any(
        type(item) is dict and ("role" in item or item.get("type") == "message") for item in value
    )


def _messages_text(value: Any, path: str) -> str:
    """Every message's text, in order, blank-line joined (a named context field holding messages)."""
    return "\n\n".join(filter(None, (m["content"] for m in chat_messages.normalize(value, path))))


def _field_text(value: Any, path: str) -> str:
    """A named field's text; a list that holds no text at all is malformed, never an empty query."""
    text = text_of(value, f"'{path}'")
    if not text and type(value) is list and value:
        raise BadRecord(f"'{path}' is a list without text parts or messages (got {kind(value[0])} items)")
    return text


def _named(rec: dict[str, Any], path: str, option: str) -> Any:
    """The value at a field the user named: every record must have it (null is a value)."""
    value = field(rec, path)
    if value is MISSING:
        raise BadRecord(f"no '{path}' field (from {option})")
    return value
