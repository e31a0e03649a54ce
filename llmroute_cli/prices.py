"""Model prices in USD per 1M tokens: the built-in table, aliases and lookup."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import LlmrouteError


@dataclass(frozen=True, slots=True)
class Price:
    """USD per 1M tokens; ``cached_input`` is the price of a cache read, when the model has one."""

    input: float
    output: float
    cached_input: float | None = None
    source: str = "built-in"

    def input_cost(self, tokens: float) -> float:
        return tokens * self.input / 1_000_000

    def output_cost(self, tokens: float) -> float:
        return tokens * self.output / 1_000_000


# Published list prices (May 2026). Claude "cached_input" is the cache-read price.
BUILTIN_PRICES: dict[str, Price] = {
    "gpt-4o": Price(2.50, 10.00, 1.25),
    "gpt-4o-mini": Price(0.15, 0.60, 0.075),
    "claude-3-5-sonnet": Price(3.00, 15.00, 0.30),
    "claude-3-5-haiku": Price(0.80, 4.00, 0.08),
}

_DATE_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$")


def base_model(name: str) -> str:
    """Strip a provider prefix and a dated or ``-latest`` suffix: ``openai/gpt-4o-2024-08-06`` → ``gpt-4o``."""
    name = name.strip().rsplit("/", 1)[-1]
    return _DATE_SUFFIX.sub("", name)


def lookup(model: str, table: Mapping[str, Price]) -> Price:
    """The price of ``model`` (or its base model); an unknown model is an error, never a default."""
    for candidate in (model, base_model(model)):
        if candidate in table:
            return table[candidate]
    raise LlmrouteError(unknown_model_message(model, table))


def unknown_model_message(model: str, table: Mapping[str, Price]) -> str:
    close = difflib.get_close_matches(base_model(model), list(table), n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"no price for model '{model}'{hint}; add it under 'prices:' in the rule file"
