"""The one chat-token formula: what a chat request's prompt costs in tokens, given each text's count.

OpenAI's chat format: every message costs 3 tokens plus the tokens of its role and content (a
``name`` costs its tokens plus 1), and 3 more prime the reply. An assistant message's tool calls
cost the tokens of each call's function name and arguments (no per-call overhead: OpenAI publishes
none); its images cost what ``tokens.vision`` says; tool definitions what ``tokens.tools`` says.
Every count of prompt tokens in llmroute goes through ``chat_total``; only how each text is counted
differs (one at a time, or each distinct text once over a whole chunk).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llmroute_cli.tokens.encodings import count
from llmroute_cli.tokens.tools import Tool, tool_tokens, tools_present

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
SYSTEM_ROLES = ("system", "developer")
IMAGE_RATES = "images at gpt-4o's rates (85 + 170 per tile); gpt-4o-mini bills 2833 + 5667 per tile"

# role, content (text) and name; optional "tool_calls": [[name, arguments], ...] and
# "images": [[tokens, reason the count is a guess or None], ...]
Message = Mapping[str, Any]


def message_texts(message: Message) -> list[str]:
    """The texts of a message that are billed: role, content, name and each tool call's name and arguments."""
    texts = [message["role"], message["content"]]
    if "name" in message:
        texts.append(message["name"])
    for name, arguments in message.get("tool_calls", ()):
        texts += (name, arguments)
    return texts


def chat_total(
    messages: Iterable[Message],
    tokens: Callable[[str], int],
    tools: Sequence[Tool] = (),
    encoding_name: str = "o200k_base",
) -> int:
    """Prompt tokens of a chat request, each text counted by ``tokens``."""
    total = REPLY_PRIMING + tool_tokens(tools, tokens, encoding_name)
    for message in messages:
        total += TOKENS_PER_MESSAGE + sum(tokens(text) for text in message_texts(message))
        total += TOKENS_PER_NAME if "name" in message else 0
        total += sum(n for n, _ in message.get("images", ()))
    return total


def chat_tokens(messages: Iterable[Message], encoding_name: str = "o200k_base", tools: Sequence[Tool] = ()) -> int:
    """Prompt tokens of one chat request, counted with ``encoding_name``."""
    return chat_total(messages, lambda text: count(text, encoding_name), tools, encoding_name)


def request_messages(query: str, context: str | None, system: str | None = None) -> list[dict[str, str]]:
    """A query with its context and system prompt as chat messages: system prompt, then context, as system messages."""
    before = [{"role": "system", "content": text} for text in (system, context) if text]
    return [*before, {"role": "user", "content": query}]


def guesses(messages: Iterable[Message], tools: Sequence[Tool] = ()) -> list[str]:
    """Why a request's count is an approximation, one reason per guessed part (none: exact)."""
    out = [reason for m in messages for _, reason in m.get("images", ()) if reason]
    if any("images" in m for m in messages):
        out.append(IMAGE_RATES)
    if tools:
        out.append("tool definitions: the OpenAI cookbook's approximation")
    return out


@dataclass(frozen=True, slots=True)
class Structure:
    """What rules can test of a request's messages: its system prompt, turns, tools and images."""

    system: str = ""
    turns: int = 1
    has_tools: bool = False
    has_images: bool = False


def structure(messages: Sequence[Message], tools: Sequence[Tool] = ()) -> Structure:
    """The system (and developer) messages blank-line joined, the user messages counted as turns."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] in SYSTEM_ROLES and m["content"])
    turns = sum(1 for m in messages if m["role"] == "user")
    images = any("images" in m for m in messages)
    return Structure(system, turns, tools_present(tools, messages), images)
