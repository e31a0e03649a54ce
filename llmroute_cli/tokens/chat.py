"""The one chat-token formula: what a chat request's prompt costs in tokens, given each text's count.

OpenAI's chat format: every message costs 3 tokens plus the tokens of its role and content (a
``name`` costs its tokens plus 1), and 3 more prime the reply. Every count of prompt tokens in
llmroute goes through ``chat_total``; only how each text is counted differs (one at a time, or
each distinct text once over a whole chunk).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from llmroute_cli.tokens.encodings import count

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3

Message = Mapping[str, str]


def message_texts(message: Message) -> list[str]:
    """The texts of a message that are billed: every value (role, content, name)."""
    return list(message.values())


def chat_total(messages: Iterable[Message], tokens: Callable[[str], int]) -> int:
    """Prompt tokens of a chat request, each text counted by ``tokens``."""
    total = REPLY_PRIMING
    for message in messages:
        total += TOKENS_PER_MESSAGE + sum(tokens(text) for text in message_texts(message))
        total += TOKENS_PER_NAME if "name" in message else 0
    return total


def chat_tokens(messages: Iterable[Message], encoding_name: str = "o200k_base") -> int:
    """Prompt tokens of one chat request, counted with ``encoding_name``."""
    return chat_total(messages, lambda text: count(text, encoding_name))


def request_messages(query: str, context: str | None) -> list[dict[str, str]]:
    """A bare query and its context as chat messages: the context as a system message."""
    if context:
        return [{"role": "system", "content": context}, {"role": "user", "content": query}]
    return [{"role": "user", "content": query}]
