"""Chat messages → the last user message as the query and every other message as context.

A message keeps what its prompt tokens need beside its text: tool calls (function name and
arguments) and images (their tokens by ``tokens.vision``, with the reason when that is a guess).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from llmroute_cli.logs.model import BadRecord
from llmroute_cli.logs.values import json_text, kind, text_of
from llmroute_cli.tokens.tools import BadTool, Tool, tools_of
from llmroute_cli.tokens.vision import OTHER, BadImage, image_tokens, url_image

Messages = list[dict[str, Any]]
_SPECIAL = frozenset({"name", "tool_calls", "function_call"})  # keys a message keeps beside role and content
_IMAGE_PARTS = frozenset({"image_url", "input_image", "image"})


def _message(item: Any, where: str) -> dict[str, Any] | None:
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
    out: dict[str, Any] = {"role": role, "content": text_of(content, where)}
    name = item.get("name")
    if type(name) is str:
        out["name"] = name
    images = _images(content, where) if type(content) is list else []
    if images:
        out["images"] = images
    calls = _calls(item, where.rpartition(".")[0])
    if calls is not None:
        out["tool_calls"] = calls
    return out


def _images(parts: list[Any], where: str) -> list[tuple[int, str | None]]:
    """Each image part's tokens and why they are a guess (None when exact)."""
    out: list[tuple[int, str | None]] = []
    for i, part in enumerate(parts):
        if type(part) is not dict or part.get("type") not in _IMAGE_PARTS:
            continue
        image = part.get("image_url")
        url = image.get("url") if type(image) is dict else image
        detail = (image.get("detail") if type(image) is dict else None) or part.get("detail") or "auto"
        if type(url) is not str or part["type"] == "image":
            out.append((image_tokens(None, "auto"), OTHER))
            continue
        try:
            out.append(url_image(url, str(detail)))
        except BadImage as exc:
            raise BadRecord(f"{where}[{i}] {exc}") from None
    return out


def _calls(item: Mapping[str, Any], where: str) -> list[tuple[str, str]] | None:
    """An assistant message's tool calls (and the legacy ``function_call``) as (name, arguments);
    None when it makes none. A call without a function name has no text to count."""
    calls = item.get("tool_calls")
    if calls is not None and type(calls) is not list:
        raise BadRecord(f"{where}.tool_calls is not a list (got {kind(calls)})")
    given = list(calls or [])
    if type(item.get("function_call")) is dict:
        given.append({"function": item["function_call"]})
    if not given:
        return None
    out = []
    for call in given:
        fn = call.get("function") if type(call) is dict else None
        if type(fn) is dict and type(fn.get("name")) is str:
            args = fn.get("arguments")
            args = args if type(args) is str else "" if args is None else orjson.dumps(args).decode()
            out.append((fn["name"], args))
    return out


def tools_in(rec: Mapping[str, Any]) -> tuple[Tool, ...]:
    """The tool definitions of a logged request: ``tools`` (or legacy ``functions``), top level or in its body."""
    for where, body in (("", rec), ("request.", rec.get("request")), ("body.", rec.get("body"))):
        if type(body) is not dict:
            continue
        for key in ("tools", "functions"):
            if body.get(key) is not None:
                try:
                    return tools_of(json_text(body[key], where + key), where + key)
                except BadTool as exc:
                    raise BadRecord(str(exc)) from None
    return ()


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
            if type(role) is str and type(content) is str and (len(item) == 2 or not _SPECIAL.intersection(item)):
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
