"""Offline token counting with tiktoken, from BPE files bundled in the package and hash-checked."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmroute_cli.errors import LlmrouteError
from llmroute_cli.models import base_model
from llmroute_cli.tokens import short_text
from llmroute_cli.tokens.rankfile import RankFile

if TYPE_CHECKING:
    import tiktoken

# Patterns and special tokens as tiktoken_ext.openai_public (tiktoken 0.14.0) defines them.
_O200K_PAT = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PAT = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""  # noqa: E501


@dataclass(frozen=True, slots=True)
class _Spec:
    sha256: str  # of the bundled NAME.tiktoken, OpenAI's file as published
    ranks_sha256: str  # of NAME.ranks, the same tokens pre-decoded (scripts/make_rank_files.py)
    pattern: str
    special: Mapping[str, int]


ENCODINGS: dict[str, _Spec] = {
    "o200k_base": _Spec(
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "d84ceb320fba1ef5e013dd79b3db8c3a85aee312eb935b4393d79ff6e0e277ce",
        _O200K_PAT,
        {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    ),
    "cl100k_base": _Spec(
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        "6c80ff322ba6f940b3d2be1c24b02bdfd62860df8236621a43b459002a5aeae4",
        _CL100K_PAT,
        {
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    ),
}

_CL100K_PREFIXES = ("gpt-4", "gpt-3.5", "text-embedding-3", "text-embedding-ada")
_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o")


def encoding_name_for_model(model: str) -> str:
    """gpt-4o family → o200k_base; gpt-4/3.5 → cl100k_base; others (Claude: no public tokenizer) → o200k_base."""
    name = base_model(model)
    if name.startswith(_O200K_PREFIXES):
        return "o200k_base"
    if name.startswith(_CL100K_PREFIXES):
        return "cl100k_base"
    return "o200k_base"


def _spec(name: str) -> _Spec:
    spec = ENCODINGS.get(name)
    if spec is None:
        raise LlmrouteError(f"unknown tokenizer '{name}'; expected one of: {', '.join(ENCODINGS)}")
    return spec


@functools.cache
def rank_file(name: str) -> RankFile:
    """The bundled, hash-checked ranks of encoding ``name``, pre-decoded (``tokens.rankfile``)."""
    from importlib import resources  # 15 ms to import: only when tokens are counted

    spec = _spec(name)
    data = resources.files("llmroute_cli").joinpath("data", f"{name}.ranks").read_bytes()
    if hashlib.sha256(data).hexdigest() != spec.ranks_sha256:
        raise LlmrouteError(f"bundled tokenizer file {name}.ranks is corrupt (SHA-256 mismatch); reinstall llmroute")
    return RankFile(data)


@functools.cache
def encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken encoding ``name``, built from the bundled ranks; never touches the network."""
    import tiktoken

    spec = _spec(name)
    ranks = rank_file(name).as_dict()
    return tiktoken.Encoding(name=name, pat_str=spec.pattern, mergeable_ranks=ranks, special_tokens=dict(spec.special))


def count(text: str, encoding_name: str = "o200k_base") -> int:
    """Tokens in ``text``; special-token strings count as ordinary text, as the API bills them.

    The first few short texts of a process are counted without building tiktoken's encoder
    (``tokens.short_text``: one ``route`` needs a handful); past that budget, or once the encoder
    is built, or for a character the two may class differently, tiktoken counts. Both give the same count.
    """
    short = len(text) <= short_text.MAX_CHARS and encoding.cache_info().currsize == 0
    if short and short_text.splits_alike(text) and _short_budget.spend():
        return short_text.count(text, _spec(encoding_name).pattern, rank_file(encoding_name))
    return len(encoding(encoding_name).encode_ordinary(text))


class _Budget:
    """How many texts may still be counted the slow-per-byte, fast-to-start way."""

    def __init__(self, texts: int) -> None:
        self.left = texts

    def spend(self) -> bool:
        self.left -= 1
        return self.left >= 0


_short_budget = _Budget(short_text.MAX_TEXTS)
