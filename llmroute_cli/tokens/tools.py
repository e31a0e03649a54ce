"""Tool definitions as prompt tokens: the OpenAI cookbook's approximation (OpenAI publishes no formula).

From "How to count tokens with tiktoken" (openai-cookbook, section "Counting tokens for chat
completions with tool calls"): each function costs ``FUNC_INIT`` (7 for o200k_base models, 10 for
cl100k_base ones) plus the tokens of ``name:description``; a function with properties adds 3, and
each property 3 plus the tokens of ``key:type:description`` (an ``enum`` adds -3, then 3 plus the
item's tokens per item); the whole list adds 12. Trailing periods of descriptions are dropped.
Nested properties are not counted beyond their own line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

FUNC_INIT = {"o200k_base": 7, "cl100k_base": 10}
PROP_INIT = 3
PROP_KEY = 3
ENUM_INIT = -3
ENUM_ITEM = 3
FUNC_END = 12

# One function as its texts: "name:description", then ("key:type:description", enum items) per property.
Tool = tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]


class BadTool(ValueError):
    """A tool definition that is not one (the message says where)."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if type(value) is list:
        return ",".join(str(v) for v in value)
    return value if type(value) is str else str(value)


def tool_of(item: Any, where: str) -> Tool:
    """One tool as its texts: Chat Completions ``{"type": "function", "function": {...}}``, legacy
    ``functions`` items and flat ``{"name", "parameters"}`` (Responses API) alike."""
    fn = item.get("function", item) if type(item) is dict else None
    if type(fn) is not dict or type(fn.get("name")) is not str:
        raise BadTool(f"{where} is not a function definition with a name")
    params = fn.get("parameters")
    props = params.get("properties") if type(params) is dict else None
    if props is not None and type(props) is not dict:
        raise BadTool(f"{where}.parameters.properties is not an object")
    lines = []
    for key, prop in (props or {}).items():
        prop = prop if type(prop) is dict else {}
        enum = prop.get("enum")
        items = tuple(_text(v) for v in enum) if type(enum) is list else ()
        desc = _text(prop.get("description")).removesuffix(".")
        lines.append((f"{key}:{_text(prop.get('type'))}:{desc}", items))
    return f"{fn['name']}:{_text(fn.get('description')).removesuffix('.')}", tuple(lines)


def tools_of(value: Any, name: str) -> tuple[Tool, ...]:
    """A request's tool definitions (None or [] for none)."""
    if value is None:
        return ()
    if type(value) is not list:
        raise BadTool(f"'{name}' is not a list of tool definitions")
    return tuple(tool_of(item, f"{name}[{i}]") for i, item in enumerate(value))


def tool_texts(tools: Iterable[Tool]) -> list[str]:
    """Every text of the definitions that is counted."""
    out = []
    for line, props in tools:
        out.append(line)
        for prop, items in props:
            out.append(prop)
            out.extend(items)
    return out


def tool_tokens(tools: Sequence[Tool], tokens: Callable[[str], int], encoding_name: str) -> int:
    """Prompt tokens the definitions add, by the cookbook's formula."""
    if not tools:
        return 0
    total = FUNC_END
    for line, props in tools:
        total += FUNC_INIT.get(encoding_name, FUNC_INIT["o200k_base"]) + tokens(line)
        total += PROP_INIT if props else 0
        for prop, items in props:
            total += PROP_KEY + tokens(prop)
            if items:
                total += ENUM_INIT + sum(ENUM_ITEM + tokens(item) for item in items)
    return total


def tools_present(tools: Sequence[Tool] | None, messages: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a request involves tools: it defines some, or a message calls one or answers one."""
    return bool(tools) or any("tool_calls" in m or m.get("role") in ("tool", "function") for m in messages)
