"""Bundled encodings equal tiktoken's own, hash-checked, offline; chat overhead as OpenAI documents."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from conftest import SHARED

from llmroute_cli.tokens import encodings as tokens
from llmroute_cli.tokens.chat import chat_tokens

URLS = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}
TEXTS = [
    "",
    "Hello, world!",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "Ünïcödé — 東京は日本の首都です。 🚀🚀 <|endoftext|> it's   spaced\r\n\ttabs",
    "1234567890 " * 20,
]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """tiktoken's own get_encoding, fed from ../shared through its cache so it never downloads."""
    import tiktoken
    import tiktoken.registry

    cache = tmp_path_factory.mktemp("tiktoken-cache")
    for name, url in URLS.items():
        shutil.copy(SHARED / "tiktoken" / f"{name}.tiktoken", cache / hashlib.sha1(url.encode()).hexdigest())
    mp = pytest.MonkeyPatch()
    mp.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    tiktoken.registry.ENCODINGS.clear()
    yield {name: tiktoken.get_encoding(name) for name in URLS}
    tiktoken.registry.ENCODINGS.clear()
    mp.undo()


@pytest.mark.parametrize("name", list(URLS))
@pytest.mark.parametrize("text", TEXTS)
def test_counts_equal_tiktoken(reference, name, text):
    assert tokens.count(text, name) == len(reference[name].encode_ordinary(text))


def test_bundled_files_equal_shared_copies(root):
    for name in URLS:
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
