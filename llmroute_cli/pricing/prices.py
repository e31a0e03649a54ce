"""Model prices in USD per 1M tokens: the built-in table, and which table key prices a model."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from llmroute_cli.models import FINE_TUNE, base_model, fine_tune_base


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
    source: str = "built-in"

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


# Published list prices (May 2026), USD per 1M tokens; they agree with LiteLLM's price map.
# Claude cache writes are the 5-minute cache price (1.25x input).
BUILTIN_PRICES: dict[str, Price] = {
    "gpt-4o": Price(2.50, 10.00, 1.25, batch_input=1.25, batch_output=5.00),
    "gpt-4o-mini": Price(0.15, 0.60, 0.075, batch_input=0.075, batch_output=0.30),
    "gpt-4.1": Price(2.00, 8.00, 0.50, batch_input=1.00, batch_output=4.00),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10, batch_input=0.20, batch_output=0.80),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.025, batch_input=0.05, batch_output=0.20),
    "o3-mini": Price(1.10, 4.40, 0.55, batch_input=0.55, batch_output=2.20),
    "gpt-4-turbo": Price(10.00, 30.00),
    "gpt-3.5-turbo": Price(0.50, 1.50),
    "claude-3-5-sonnet": Price(3.00, 15.00, 0.30, 3.75, batch_input=1.50, batch_output=7.50, batch_cached_input=0.15),
    "claude-3-5-haiku": Price(0.80, 4.00, 0.08, 1.00, batch_input=0.40, batch_output=2.00, batch_cached_input=0.04),
    # Fine-tunes (``ft:gpt-4o-mini-2024-07-18:org::id``) are billed above their base model, as LiteLLM's map
    # prices them; a fine-tune of a base not listed here is priced as its base model, with a warning.
    "ft:gpt-4o-mini": Price(0.30, 1.20, 0.15, batch_input=0.15, batch_output=0.60, batch_cached_input=0.075),
    "ft:gpt-4.1": Price(3.00, 12.00, 0.75, batch_input=1.50, batch_output=6.00),
    "ft:gpt-4.1-mini": Price(0.80, 3.20, 0.20, batch_input=0.40, batch_output=1.60),
    "ft:gpt-4.1-nano": Price(0.20, 0.80, 0.05, batch_input=0.10, batch_output=0.40),
}


def resolve(model: str, table: Mapping[str, Price]) -> str | None:
    """The table key that prices ``model``: itself, its base model, or a key with the same base; for a
    fine-tune (``ft:BASE:org::id``), the fine-tune price of its base model (``ft:BASE``) when the table has one."""
    key = _same_base(model, table)
    base = fine_tune_base(model)
    if key is None and base is not None:
        key = _same_base(FINE_TUNE + base, table)
    return key


def base_priced(model: str, table: Mapping[str, Price]) -> str | None:
    """The key of a fine-tune's base model, when the table has no fine-tune price for that base (else None)."""
    base = fine_tune_base(model)
    if base is None or resolve(model, table) is not None:
        return None
    return _same_base(base, table)


def _same_base(model: str, table: Mapping[str, Price]) -> str | None:
    if model in table:
        return model
    base = base_model(model)
    if base in table:
        return base
    return next((key for key in table if base_model(key) == base), None)


def unknown_model_message(model: str, table: Mapping[str, Price]) -> str:
    name = base_model(model)
    kind = [key for key in table if key.startswith(FINE_TUNE) == name.startswith(FINE_TUNE)]  # fine-tunes for one
    close = difflib.get_close_matches(name, kind, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"no price for model '{model}'{hint}; add it under 'prices:' in the rule file or pass --prices FILE"
