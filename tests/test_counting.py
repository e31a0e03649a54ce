"""Token counts for many requests: distinct texts counted once, exact after the cache is forgotten."""

from __future__ import annotations

from llmroute_cli.tokens import counter as counting
from llmroute_cli.tokens.chat import chat_tokens
from llmroute_cli.tokens.counter import TokenCounter
from llmroute_cli.tokens.encodings import count


def test_counts_equal_single_counts_and_each_distinct_text_is_encoded_once():
    texts = ["hello world", "bonjour 🌍", "hello world", "", "def f(x):\n    return x"] * 50
    counter = TokenCounter(threads=2)
    assert counter.counts(texts) == [count(t) for t in texts]
    assert counter.texts_counted == 4


def test_chat_counts_match_the_formula():
    reqs = [
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"q{i}", "name": "al"}]
        for i in range(100)
    ]
    assert TokenCounter().chat(reqs) == [chat_tokens(r) for r in reqs]


def test_forgetting_the_cache_mid_call_keeps_counts_exact(monkeypatch):
    # Regression: a text cached by an earlier call ("system") was looked up after the cache was cleared.
    monkeypatch.setattr(counting, "CACHE_CHARS", 50)
    counter = TokenCounter()
    first = [[{"role": "system", "content": "short"}, {"role": "user", "content": "hi"}]]
    second = [[{"role": "system", "content": "x" * 60}, {"role": "user", "content": "there"}]]
    assert counter.chat(first) == [chat_tokens(first[0])]
    assert counter.chat(second) == [chat_tokens(second[0])]
    assert counter.chat(first + second) == [chat_tokens(first[0]), chat_tokens(second[0])]
