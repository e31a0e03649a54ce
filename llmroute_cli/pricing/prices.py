"""Model prices in USD per 1M tokens: the built-in table, and which table key prices a model."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from llmroute_cli.models import FINE_TUNE, base_model, fine_tune_base, name_provider, own_provider

# Sources whose prices the user wrote for a model by name: they price it whichever provider is preferred.
WRITTEN = ("rule file", "--unknown-model-price")
FILE_SOURCES = ("LiteLLM map", "OpenRouter")  # a Price's source is "KIND FILE" for these


@dataclass(frozen=True, slots=True)
class LongContext:
    """Prices that replace the base ones for a request whose input exceeds ``above`` tokens."""

    above: int
    input: float
    output: float
    cached_input: float | None = None


@dataclass(frozen=True, slots=True)
class Price:
    """USD per 1M tokens. ``cached_input`` is a cache read, ``cache_write`` a cache creation."""

    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None
    batch_input: float | None = None
    batch_output: float | None = None
    batch_cached_input: float | None = None
    reasoning_output: float | None = None
    long_context: tuple[LongContext, ...] = ()
    max_input_tokens: int | None = None  # the model's context window for input; None: not known, not checked
    source: str = "built-in"
    provider: str | None = None  # who charges this price (LiteLLM's ``litellm_provider``); None: from the name
    entry: str | None = None  # the entry of the source file that gave it (a map key, an OpenRouter id)

    def where(self) -> str:
        """Where the price came from: ``built-in``, ``LiteLLM map FILE:KEY``, ``OpenRouter FILE:ID``, ..."""
        return self.source if self.entry is None else f"{self.source}:{self.entry}"

    def origin(self) -> tuple[str, str | None]:
        """The kind of source (``built-in``, ``LiteLLM map``, ``OpenRouter``, ...) and its file, if a price file."""
        kind = next((k for k in FILE_SOURCES if self.source.startswith(k + " ")), None)
        return (self.source, None) if kind is None else (kind, self.source.removeprefix(kind + " "))

    def input_cost(self, tokens: float) -> float:
        return tokens * self.input / 1_000_000

    def output_cost(self, tokens: float) -> float:
        return tokens * self.output / 1_000_000

    def batch_rates(self) -> tuple[float, float]:
        """Input and output per 1M tokens at Batch API prices: the published batch price, else the list
        price (no discount is assumed where the provider publishes none)."""
        return (
            self.input if self.batch_input is None else self.batch_input,
            self.output if self.batch_output is None else self.batch_output,
        )


# List prices in USD per 1M tokens and context windows (max input tokens), each from the model's own-provider
# entry (openai, anthropic, gemini) as of LiteLLM 1.110.x bundled map, 2026-12-04
# (model_prices_and_context_window_backup.json). Claude cache writes are the 5-minute cache price (1.25x input).
# claude-3-5-sonnet and claude-3-5-haiku have no anthropic entry there any more: their prices and windows are the
# map's Bedrock entries (anthropic.claude-3-5-*), which bill Anthropic's list price.
K128, K200, K272, M1 = 128_000, 200_000, 272_000, 1_047_576  # OpenAI's gpt-4.1 window is 1,047,576
G1 = 1_048_576  # Gemini 2.5's window
BUILTIN_PRICES: dict[str, Price] = {
    "gpt-4o": Price(2.50, 10.00, 1.25, batch_input=1.25, batch_output=5.00, max_input_tokens=K128),
    "gpt-4o-mini": Price(0.15, 0.60, 0.075, batch_input=0.075, batch_output=0.30, max_input_tokens=K128),
    "gpt-4.1": Price(2.00, 8.00, 0.50, batch_input=1.00, batch_output=4.00, max_input_tokens=M1),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10, batch_input=0.20, batch_output=0.80, max_input_tokens=M1),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.025, batch_input=0.05, batch_output=0.20, max_input_tokens=M1),
    "gpt-5": Price(1.25, 10.00, 0.125, batch_input=0.625, batch_output=5.00, max_input_tokens=K272),
    "gpt-5-mini": Price(0.25, 2.00, 0.025, batch_input=0.125, batch_output=1.00, max_input_tokens=K272),
    "gpt-5-nano": Price(0.05, 0.40, 0.005, batch_input=0.025, batch_output=0.20, max_input_tokens=K272),
    "o1": Price(15.00, 60.00, 7.50, batch_input=7.50, batch_output=30.00, max_input_tokens=K200),
    "o3": Price(2.00, 8.00, 0.50, batch_input=1.00, batch_output=4.00, max_input_tokens=K200),
    "o3-mini": Price(1.10, 4.40, 0.55, batch_input=0.55, batch_output=2.20, max_input_tokens=K200),
    "o4-mini": Price(1.10, 4.40, 0.275, batch_input=0.55, batch_output=2.20, max_input_tokens=K200),
    "gpt-4-turbo": Price(10.00, 30.00, max_input_tokens=K128),
    "gpt-3.5-turbo": Price(0.50, 1.50, max_input_tokens=16_385),
    "claude-3-5-sonnet": Price(
        3.00, 15.00, 0.30, 3.75, batch_input=1.50, batch_output=7.50, batch_cached_input=0.15, max_input_tokens=K200
    ),
    "claude-3-5-haiku": Price(
        0.80, 4.00, 0.08, 1.00, batch_input=0.40, batch_output=2.00, batch_cached_input=0.04, max_input_tokens=K200
    ),
    "claude-haiku-4-5": Price(
        1.00, 5.00, 0.10, 1.25, batch_input=0.50, batch_output=2.50, batch_cached_input=0.05, max_input_tokens=K200
    ),
    "claude-sonnet-4-5": Price(
        3.00, 15.00, 0.30, 3.75, batch_input=1.50, batch_output=7.50, batch_cached_input=0.15, max_input_tokens=K200
    ),
    "claude-opus-4-5": Price(
        5.00, 25.00, 0.50, 6.25, batch_input=2.50, batch_output=12.50, batch_cached_input=0.25, max_input_tokens=K200
    ),
    "gemini-2.5-pro": Price(
        1.25,
        10.00,
        0.125,
        batch_input=0.625,
        batch_output=5.00,
        long_context=(LongContext(200_000, 2.50, 15.00, 0.25),),
        max_input_tokens=G1,
    ),
    "gemini-2.5-flash": Price(0.30, 2.50, 0.03, batch_input=0.15, batch_output=1.25, max_input_tokens=G1),
    "gemini-2.5-flash-lite": Price(0.10, 0.40, 0.01, batch_input=0.05, batch_output=0.20, max_input_tokens=G1),
    # Fine-tunes (``ft:gpt-4o-mini-2024-07-18:org::id``) are billed above their base model, as LiteLLM's map
    # prices them; a fine-tune of a base not listed here is priced as its base model, with a warning.
    "ft:gpt-4o-mini": Price(
        0.30, 1.20, 0.15, batch_input=0.15, batch_output=0.60, batch_cached_input=0.075, max_input_tokens=K128
    ),
    "ft:gpt-4.1": Price(3.00, 12.00, 0.75, batch_input=1.50, batch_output=6.00, max_input_tokens=M1),
    "ft:gpt-4.1-mini": Price(0.80, 3.20, 0.20, batch_input=0.40, batch_output=1.60, max_input_tokens=M1),
    "ft:gpt-4.1-nano": Price(0.20, 0.80, 0.05, batch_input=0.10, batch_output=0.40, max_input_tokens=M1),
}


def resolve(model: str, table: Mapping[str, Price], provider: str | None = None) -> str | None:
    """The table key that prices ``model``: itself, else the entry for the same model (its base model, dates,
    provider prefixes and ``3.5``/``3-5`` aside) from the preferred provider (``provider``, else the one the name
    spells out, else the model's own); for a fine-tune (``ft:BASE:org::id``), the fine-tune price of its base
    model (``ft:BASE``) when the table has one."""
    key = _same_base(model, table, provider)
    base = fine_tune_base(model)
    if key is None and base is not None:
        key = _same_base(FINE_TUNE + base, table, provider)
    return key


def base_priced(model: str, table: Mapping[str, Price], provider: str | None = None) -> str | None:
    """The key of a fine-tune's base model, when the table has no fine-tune price for that base (else None)."""
    base = fine_tune_base(model)
    if base is None or resolve(model, table, provider) is not None:
        return None
    return _same_base(base, table, provider)


def entry_provider(key: str, price: Price) -> str | None:
    """Who charges the price at ``key``: the source's own word, else the key's prefix, else the model's owner."""
    return price.provider or name_provider(key) or own_provider(key)


def serves_model(key: str, price: Price, wanted: str) -> bool:
    """Whether the entry at ``key`` is ``wanted``'s price: its provider is, or it is an OpenRouter entry of a model
    by ``wanted`` (``anthropic/claude-3.5-haiku``, which OpenRouter resells at the author's list price)."""
    if serves(entry_provider(key, price), wanted):
        return True
    author = name_provider(price.entry or "") if price.source.startswith("OpenRouter") else None
    return author is not None and AUTHORS.get(author, author) == wanted


# OpenRouter's model authors under LiteLLM's provider names.
AUTHORS = {"google": "gemini", "mistralai": "mistral", "x-ai": "xai", "cohere": "cohere"}


def serves(provider: str | None, wanted: str) -> bool:
    """Whether an entry's provider is ``wanted`` (``vertex_ai-anthropic_models`` counts as vertex_ai)."""
    return provider is not None and (provider == wanted or provider.partition("-")[0] == wanted)


_AT_DATE = re.compile(r"@\d{8}$")  # Vertex: claude-3-5-haiku@20241022
_VENDOR = re.compile(r"^(?:[a-z]+(?:-[a-z]+)?\.)?[a-z]+\.(?=[a-z])")  # Bedrock: us-gov.anthropic.claude-...
_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")  # OpenRouter writes claude-3.5-haiku for claude-3-5-haiku


@functools.lru_cache(maxsize=65536)
def price_name(name: str) -> str:
    """What every source's name for one model comes to: ``bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0``,
    ``anthropic/claude-3.5-haiku`` and ``claude-3-5-haiku-latest`` → ``claude-3-5-haiku``."""
    bare = _VENDOR.sub("", base_model(_AT_DATE.sub("", name.strip())).lower())
    return _DECIMAL.sub("-", base_model(bare))


def _same_base(model: str, table: Mapping[str, Price], provider: str | None) -> str | None:
    if model in table and _exact(model, table[model], provider):
        return model
    name = price_name(model)
    candidates = [key for key in table if price_name(key) == name]
    if not candidates:
        return None
    own = name_provider(model) or own_provider(model)
    return min(candidates, key=lambda key: _rank(key, table[key], provider, own, name))


def preferred_provider(model: str, provider: str | None = None) -> str | None:
    """The provider whose entry should price ``model``: ``provider``, else the one its name spells out or owns it."""
    return provider or name_provider(model) or own_provider(model)


def _exact(key: str, price: Price, provider: str | None) -> bool:
    """Whether a key spelled exactly is the price: a built-in one yields to a price file's entries for the model
    (ranked below them by ``_rank``), a written one never yields, a file's one unless another provider is asked for."""
    if price.source == "built-in":
        return False
    return provider is None or price.source in WRITTEN or serves_model(key, price, provider)


def _rank(
    key: str, price: Price, provider: str | None, own: str | None, name: str
) -> tuple[bool, bool, bool, bool, int, int, str]:
    """Candidates best first: ``--provider``'s, the model's own provider's, a price file's over the built-in, the
    undated bare name, the fewest path segments (``azure/gpt-4o`` before ``azure/eu/gpt-4o``), the shortest, by name."""
    asked = provider is not None and serves_model(key, price, provider)
    owned = own is not None and serves_model(key, price, own)
    return (not asked, not owned, price.source == "built-in", key.lower() != name, key.count("/"), len(key), key)


def unknown_model_message(model: str, table: Mapping[str, Price]) -> str:
    name = base_model(model)
    kind = [key for key in table if key.startswith(FINE_TUNE) == name.startswith(FINE_TUNE)]  # fine-tunes for one
    close = difflib.get_close_matches(name, kind, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"no price for model '{model}'{hint}; add it under 'prices:' in the rule file or pass --prices FILE"
