"""Bundled encodings equal tiktoken's own, hash-checked, offline; chat overhead as OpenAI documents."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from conftest import ROOT, SHARED, TIKTOKEN_URLS
from hypothesis import example, given, settings
from hypothesis import strategies as st

from llmroute_cli.tokens import encodings as tokens
from llmroute_cli.tokens import short_text
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
    spec = tokens.ENCODINGS["o200k_base"]
    monkeypatch.setitem(tokens.ENCODINGS, "o200k_base", tokens._Spec(spec.sha256, "0" * 64, spec.pattern, {}))
    tokens.encoding.cache_clear()
    tokens.rank_file.cache_clear()
    try:
        with pytest.raises(tokens.LlmrouteError, match=r"o200k_base\.ranks is corrupt"):
            tokens.encoding("o200k_base")
        with pytest.raises(tokens.LlmrouteError, match=r"o200k_base\.ranks is corrupt"):
            tokens.count("short", "o200k_base")
    finally:
        tokens.encoding.cache_clear()
        tokens.rank_file.cache_clear()


@pytest.mark.parametrize("name", list(TIKTOKEN_URLS))
def test_rank_files_hold_exactly_the_tiktoken_files_tokens(root, name):
    bpe = (root / "llmroute_cli" / "data" / f"{name}.tiktoken").read_bytes()
    assert hashlib.sha256(bpe).hexdigest() == tokens.ENCODINGS[name].sha256  # OpenAI's file, as tiktoken pins it
    decoded = {base64.b64decode(tok): int(rank) for tok, rank in (line.split() for line in bpe.splitlines())}
    ranks = tokens.rank_file(name)
    assert ranks.as_dict() == decoded
    assert ranks.rank(b" the") == decoded[b" the"] and ranks.rank(b"\xff\xfe\xfd\xfc") is None


@pytest.fixture(scope="module")
def sample_queries():
    """Every message text of the shipped sample's first 400 requests: real prompts, code and all."""
    texts = []
    with (ROOT / "sample_data" / "chat_logs.jsonl").open(encoding="utf-8") as lines:
        for _, line in zip(range(400), lines, strict=False):
            texts += [m["content"] for m in json.loads(line)["messages"] if isinstance(m.get("content"), str)]
    return texts


@pytest.mark.parametrize("name", list(TIKTOKEN_URLS))
def test_short_texts_count_as_tiktoken_counts_them_without_its_encoder(tiktoken_encodings, sample_queries, name):
    pattern, ranks = tokens.ENCODINGS[name].pattern, tokens.rank_file(name)
    for text in TEXTS + sample_queries:
        assert short_text.count(text, pattern, ranks) == len(tiktoken_encodings[name].encode_ordinary(text)), text


# Characters whose class tiktoken's tables (Unicode 16.0) and a newer regex module may disagree on:
# U+323B0 (CJK Extension J) and U+10940 (Sidetic) came in Unicode 17.0; U+3D000 is unassigned.
DISPUTED = ["\U0003d000:A", "\U000323b0:A", "x \U00010940, y"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=" \n\r\t'sdmtlvreSLDMT0123456789aZé東ü🚀.,!?-_(){}<>|\u00a0\u0301", max_size=60) | st.text(max_size=40))
@example(text="Garay \U00010d50\U00010d51: A")  # Unicode 16.0 letters: assigned on both sides
def test_short_text_counts_equal_tiktoken_wherever_it_splits_alike(tiktoken_encodings, text):
    if not short_text.splits_alike(text):
        return
    for name in TIKTOKEN_URLS:
        pattern, ranks = tokens.ENCODINGS[name].pattern, tokens.rank_file(name)
        assert short_text.count(text, pattern, ranks) == len(tiktoken_encodings[name].encode_ordinary(text))


def test_characters_assigned_after_the_agreed_unicode_are_left_to_tiktoken():
    assert all(short_text.splits_alike(text) for text in TEXTS)
    version = tuple(int(part) for part in short_text.unicodedata.unidata_version.split("."))
    if version < (16, 0, 0):  # Python 3.13 or older: U+10D50 is unassigned in its tables
        assert not short_text.splits_alike("\U00010d50")
    assert not any(short_text.splits_alike(text) for text in DISPUTED)


def test_newer_unicode_tables_than_agreed_send_every_non_ascii_text_to_tiktoken(monkeypatch):
    monkeypatch.setattr(short_text.unicodedata, "unidata_version", "17.0.0")
    assert short_text.splits_alike("plain ascii") and not short_text.splits_alike("é")


@pytest.mark.parametrize("name", list(TIKTOKEN_URLS))
def test_disputed_characters_count_as_tiktoken_counts_them(tiktoken_encodings, monkeypatch, name):
    monkeypatch.setattr(tokens, "_short_budget", tokens._Budget(short_text.MAX_TEXTS))
    tokens.encoding.cache_clear()  # the short-text way would be taken, were the text not disputed
    try:
        for text in DISPUTED:
            assert tokens.count(text, name) == len(tiktoken_encodings[name].encode_ordinary(text)), text
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
