"""Token counts for many requests: each distinct text counted once, spread over the cores."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from llmroute_cli.tokens.chat import chat_total, guesses, message_texts, request_messages
from llmroute_cli.tokens.encodings import encoding
from llmroute_cli.tokens.tools import tool_texts

CACHE_CHARS = 8_000_000  # forget the distinct-text cache past this many characters (bounds memory)


class TokenCounter:
    """Counts tokens of texts and chat requests with one encoding; remembers distinct texts."""

    def __init__(self, encoding_name: str = "o200k_base", threads: int | None = None) -> None:
        self.encoding_name = encoding_name
        self.threads = threads or min(2, os.cpu_count() or 1)
        self._cache: dict[str, int] = {}
        self._cached_chars = 0
        self.texts_counted = 0
        self.chars_counted = 0
        self.approximated: Counter[str] = Counter()  # requests counted with a guess, per reason

    def counts(self, texts: Iterable[str]) -> list[int]:
        """Token counts of ``texts`` in order; only texts not seen before are encoded."""
        texts = list(texts)
        cache = self._cache
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        if not todo:
            return [cache[t] for t in texts]
        fresh = dict(zip(todo, self._encode_all(todo), strict=True))
        out = [fresh[t] if t in fresh else cache[t] for t in texts]
        self._remember(fresh)  # may forget the older entries used above
        return out

    def _encode_all(self, texts: Sequence[str]) -> list[int]:
        enc = encoding(self.encoding_name)
        self.texts_counted += len(texts)
        self.chars_counted += sum(len(t) for t in texts)
        if self.threads < 2 or len(texts) < 64:
            return [len(enc.encode_ordinary(t)) for t in texts]
        # tiktoken releases the GIL while encoding: threads over interleaved slices balance long texts.
        slices = [texts[i :: self.threads] for i in range(self.threads)]
        with ThreadPoolExecutor(self.threads) as pool:
            parts = list(pool.map(lambda part: [len(enc.encode_ordinary(t)) for t in part], slices))
        out = [0] * len(texts)
        for i, part in enumerate(parts):
            out[i :: self.threads] = part
        return out

    def _remember(self, fresh: dict[str, int]) -> None:
        size = sum(len(t) for t in fresh)
        if self._cached_chars + size > CACHE_CHARS:
            self._cache.clear()
            self._cached_chars = 0
        self._cache.update(fresh)
        self._cached_chars += size

    def chat(self, requests: Sequence[Sequence[dict[str, Any]]], tools: Sequence[Any] | None = None) -> list[int]:
        """Prompt tokens of chat requests (``chat_total``), each distinct text of the batch counted once.

        ``tools`` holds each request's tool definitions (None: none); the requests whose count is
        an approximation are added to ``approximated``, once per reason."""
        defs = [t or () for t in tools] if tools is not None else [()] * len(requests)
        texts = [text for messages in requests for m in messages for text in message_texts(m)]
        texts += [text for t in defs for text in tool_texts(t)]
        known = dict(zip(texts, self.counts(texts), strict=True))
        for messages, t in zip(requests, defs, strict=True):
            self.approximated.update(set(guesses(messages, t)))
        name = self.encoding_name
        return [chat_total(m, known.__getitem__, t, name) for m, t in zip(requests, defs, strict=True)]

    def take_approximated(self) -> dict[str, int]:
        """The requests counted with a guess since the last call, per reason (then forgotten here)."""
        out = dict(self.approximated)
        self.approximated.clear()
        return out

    def requests(
        self,
        queries: Sequence[str],
        contexts: Sequence[str],
        messages: Sequence[Any],
        tools: Sequence[Any] | None = None,
    ) -> list[int]:
        """Prompt tokens per request: from its chat messages (and tools), else from its query and context."""
        built = [m if m else request_messages(q, c) for q, c, m in zip(queries, contexts, messages, strict=True)]
        return self.chat(built, tools)
