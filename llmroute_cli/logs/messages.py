"""Chat messages → the last user message as the query and every other message as context."""

from __future__ import annotations

from typing import Any

from llmroute_cli.logs.model import BadRecord
from llmroute_cli.logs.values import json_text, kind, text_of

Messages = list[dict[str, str]]


def _message(item: Any, where: str) -> dict[str, str] | None:
    """One message with its content flattened to text; None for non-message items (Responses API)."""
    if type(item) is not dict:
        raise BadRecord(f"{where} is not an object (got {kind(item)})")
    role = item.get("role")
    if type(role) is not str:
        if role is None and "type" in item and item["type"] != "message":
            return None
        raise BadRecord(f"{where} has no role" if role is None else f"{where}.role is not a string")
    content = item.get("content")
    if content is None and "parts" in item:
        content, where = item["parts"], f"{where}.parts"  # OpenTelemetry gen_ai.input.messages
    else:
        where = f"{where}.content"
    out = {"role": role, "content": text_of(content, where)}
    name = item.get("name")
    if type(name) is str:
        out["name"] = name
    return out


def normalize(messages: Any, name: str, system: Any = None) -> Messages:
    """Validated messages with text content; ``system`` (Anthropic, Responses ``instructions``) goes first."""
    if type(messages) is not list:
        messages = json_text(messages, name)
        if type(messages) is str:
            messages = [{"role": "user", "content": messages}]
        elif type(messages) is not list:
            raise BadRecord(f"'{name}' is not a list (got {kind(messages)})")
    out = [] if system is None else [{"role": "system", "content": text_of(system, "'system'")}]
    for i, item in enumerate(messages):
        if type(item) is dict:  # the common case, kept cheap
            role, content = item.get("role"), item.get("content")
            if type(role) is str and type(content) is str and "name" not in item:
                out.append(item if len(item) == 2 else {"role": role, "content": content})
                continue
        msg = _message(item, f"{name}[{i}]")
        if msg is not None:
            out.append(msg)
    return out


def split(messages: Messages, name: str) -> tuple[str, str]:
    """Query = the last user message; context = every other non-empty message, in order, blank-line joined."""
    for last in range(len(messages) - 1, -1, -1):
        if messages[last]["role"] == "user":
            texts = [m["content"] for m in messages]
            query = texts.pop(last)
            return query, "\n\n".join(filter(None, texts))
    raise BadRecord(f"no user message in '{name}'" if messages else f"'{name}' is empty")


def chat(messages: Any, name: str, system: Any = None) -> tuple[Messages, str, str]:
    """Normalized messages, query and context in one call."""
    msgs = normalize(messages, name, system)
    query, context = split(msgs, name)
    return msgs, query, context
