"""OpenTelemetry GenAI spans: flat attribute dicts (SDK JSON) or OTLP key/value lists and exports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from llmroute_cli.logs.messages import chat
from llmroute_cli.logs.model import BadRecord, Ignored, Row
from llmroute_cli.logs.usage import span_usage
from llmroute_cli.logs.values import first, id_of, json_text, kind, labels_of, model_of, span_ms, to_unix


def _value(value: Any) -> Any:
    """An OTLP ``AnyValue`` as a plain value (OTLP JSON writes 64-bit ints as strings)."""
    if type(value) is not dict:
        return value
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        try:
            return int(value["intValue"])
        except (TypeError, ValueError):
            raise BadRecord(f"attribute intValue {value['intValue']!r} is not an integer") from None
    if "doubleValue" in value:
        return value["doubleValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "arrayValue" in value:
        return [_value(v) for v in _listed(_values(value, "arrayValue"), "arrayValue.values")]
    if "kvlistValue" in value:
        return attributes(_values(value, "kvlistValue"))
    return None


def _values(value: dict[str, Any], name: str) -> Any:
    """The ``values`` of an ``arrayValue`` or ``kvlistValue``, which must be an object."""
    held = value[name] or {}
    if type(held) is not dict:
        raise BadRecord(f"attribute {name} is not an object (got {kind(held)})")
    return held.get("values") or []


def _listed(value: Any, name: str) -> list[Any]:
    """A field OTLP defines as an array; anything else is a malformed record, not an empty one."""
    if value is None:
        return []
    if type(value) is not list:
        raise BadRecord(f"'{name}' is not an array (got {kind(value)})")
    return value


def attributes(value: Any) -> dict[str, Any]:
    """Span attributes as a flat dict with dotted keys."""
    if type(value) is dict:
        return value
    if value is None:
        return {}
    if type(value) is not list:
        raise BadRecord(f"'attributes' is not an object or a key/value list (got {kind(value)})")
    for item in value:
        if type(item) is not dict or type(item.get("key")) is not str:
            raise BadRecord(f"an attribute is not an object with a string 'key' (got {kind(item)})")
    return {item["key"]: _value(item.get("value")) for item in value}


def _parts(content: Any) -> Any:
    """OpenLLMetry stores multi-part content as a JSON string of parts."""
    if type(content) is str and content.startswith("[{"):
        try:
            parsed = orjson.loads(content)
        except orjson.JSONDecodeError:
            return content
        if all(type(p) is dict and "type" in p for p in parsed):
            return parsed
    return content


def _prompt(attrs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """OpenLLMetry's ``gen_ai.prompt.N.role`` / ``gen_ai.prompt.N.content`` attributes as messages."""
    items, i = [], 0
    while f"gen_ai.prompt.{i}.content" in attrs or f"gen_ai.prompt.{i}.role" in attrs:
        role = attrs.get(f"gen_ai.prompt.{i}.role") or "user"
        items.append({"role": role, "content": _parts(attrs.get(f"gen_ai.prompt.{i}.content"))})
        i += 1
    return items


def _messages(attrs: Mapping[str, Any]) -> tuple[list[dict[str, str]], str, str]:
    if attrs.get("gen_ai.input.messages") is not None:
        system = _parts(attrs.get("gen_ai.system_instructions"))
        return chat(attrs["gen_ai.input.messages"], "gen_ai.input.messages", system)
    items = _prompt(attrs)
    if not items:
        raise BadRecord("GenAI span without a prompt (no gen_ai.prompt.N.content or gen_ai.input.messages)")
    return chat(items, "gen_ai.prompt")


_CONTENT_KEYS = frozenset({"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions"})
_CONTENT_PREFIXES = ("gen_ai.prompt.", "gen_ai.completion.")


def span_metadata(attrs: Mapping[str, Any]) -> dict[str, Any] | None:
    """The span's attributes but the prompt and completion, nested at their dots (``user.id`` → ``{"user": {"id"}}``).

    An attribute whose dotted name collides with another's (``a`` and ``a.b``) keeps its whole name as one key.
    """
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if key in _CONTENT_KEYS or key.startswith(_CONTENT_PREFIXES):
            continue
        *parents, leaf = key.split(".")
        node: Any = out
        for part in parents:
            node = node.setdefault(part, {}) if type(node) is dict else None
        if type(node) is dict and leaf not in node:
            node[leaf] = value
        else:
            out[key] = value
    return out or None


def span(rec: dict[str, Any], joins: Any = None) -> Row:
    """One span; spans without ``gen_ai.*`` attributes are not requests."""
    attrs = attributes(rec.get("attributes"))
    if not any(key.startswith("gen_ai.") for key in attrs):
        raise Ignored("span without gen_ai attributes")
    msgs, query, context = _messages(attrs)
    model = model_of(first(attrs, "gen_ai.request.model", "gen_ai.response.model"))
    ctx = rec.get("context")
    ident = first(rec, "spanId", "span_id") or (ctx.get("span_id") if type(ctx) is dict else None)
    start = first(rec, "startTimeUnixNano", "start_time")
    when = to_unix(start, "startTimeUnixNano" if "startTimeUnixNano" in rec else "start_time")
    usage = span_usage(attrs)
    nano = "startTimeUnixNano" in rec
    names = ("startTimeUnixNano", "endTimeUnixNano") if nano else ("start_time", "end_time")
    latency = span_ms(rec.get(names[0]), rec.get(names[1]), names)
    meta = span_metadata(attrs)
    return Row(id_of(ident), query, context, when, model, *usage, False, meta, msgs, labels_of(rec), latency)


def _spans(rec: Mapping[str, Any]) -> list[Any]:
    out: list[Any] = []
    for resource in _listed(json_text(rec.get("resourceSpans"), "resourceSpans"), "resourceSpans"):
        if type(resource) is not dict:
            raise BadRecord(f"a resourceSpans item is not an object (got {kind(resource)})")
        for scope in _listed(first(resource, "scopeSpans", "instrumentationLibrarySpans"), "scopeSpans"):
            if type(scope) is not dict:
                raise BadRecord(f"a scopeSpans item is not an object (got {kind(scope)})")
            out.extend(_listed(scope.get("spans"), "spans"))
    return out


def export(rec: dict[str, Any], joins: Any = None) -> list[Any]:
    """An OTLP JSON export line (``resourceSpans``): one row, or the reason it is none, per span."""
    out: list[Any] = []
    for item in _spans(rec):
        try:
            out.append(span(item, joins) if type(item) is dict else BadRecord("span is not an object"))
        except (BadRecord, Ignored) as exc:
            name = item.get("spanId") or item.get("name")
            out.append(type(exc)(f"span {name}: {exc}") if isinstance(exc, BadRecord) else exc)
    return out
