"""Bundled encodings equal tiktoken's own, hash-checked, offline; chat overhead as OpenAI documents."""

from __future__ import annotations

import hashlib

import pytest
from conftest import SHARED, TIKTOKEN_URLS

from llmroute_cli.tokens import encodings as tokens
from llmroute_cli.tokens.chat import chat_tokens

TEXTS = [
    "",
    "Hello, world!",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "Ünïcödé — 東京は日本の首都です。 🚀🚀 <|endoftext|> it's   spaced\r\n\ttabs",
    "1234567890 " * 20,
]


@pytest.mark.parametrize("name", list(TIKTOKEN_URLS))
@pytest.mark.parametrize("text", TEXTS)
def test_counts_equal_tiktoken(tiktoken_encodings, name, text):
    assert tokens.count(text, name) == len(tiktoken_encodings[name].encode_ordinary(text))


@pytest.mark.skipif(not (SHARED / "tiktoken").is_dir(), reason="needs ../shared/tiktoken to compare with")
def test_bundled_files_equal_shared_copies(root):
    for name in TIKTOKEN_URLS:
        bundled = (root / "llmroute_cli" / "data" / f"{name}.tiktoken").read_bytes()
        assert bundled == (SHARED / "tiktoken" / f"{name}.tiktoken").read_bytes()
        assert hashlib.sha256(bundled).hexdigest() == tokens.ENCODINGS[name].sha256


def test_corrupt_file_is_refused(monkeypatch):
    monkeypatch.setitem(tokens.ENCODINGS, "o200k_base", tokens._Spec("0" * 64, "", {}))
    tokens.encoding.cache_clear()
    try:
        with pytest.raises(tokens.LlmrouteError, match="corrupt"):
            tokens.encoding("o200k_base")
    finally:
        tokens.encoding.cache_clear()


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("claude-3-5-sonnet-20241022", "o200k_base"),
    ],
)
def test_model_encoding(model, encoding):
    assert tokens.encoding_name_for_model(model) == encoding


def test_chat_overhead():
    # OpenAI cookbook: 3 per message + role + content (+1 for a name), plus 3 to prime the reply.
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there", "name": "bob"}]
    expected = 3 + (3 + 1 + tokens.count("Be brief.")) + (3 + 1 + tokens.count("Hi there") + 1 + 1)
    assert chat_tokens(msgs) == expected
