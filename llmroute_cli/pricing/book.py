"""The prices of one run: the built-in table, under a price map, under the rule file's own ``prices``."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from llmroute_cli.errors import ConfigError, LlmrouteError, OptionError, Problem
from llmroute_cli.models import FINE_TUNE, base_model
from llmroute_cli.pricing.prices import (
    BUILTIN_PRICES,
    Price,
    base_priced,
    entry_provider,
    resolve,
    serves,
    unknown_model_message,
)
from llmroute_cli.rules.policy import Policy


@dataclass(frozen=True, slots=True)
class PriceBook:
    """Model name → price for a run; aliases resolve to their base model, an unknown model is an error.

    A fine-tune with no fine-tune price is known as ``ft:BASE`` and priced as its base model BASE (``at_base``).
    ``skip`` names logged models whose requests a simulation leaves out (counted, reported), priced or not.
    ``provider`` (``--provider``) is whose entry prices a model several entries could price.
    """

    table: Mapping[str, Price]
    skip: frozenset[str] = frozenset()
    provider: str | None = None

    def key(self, model: str) -> str:
        """The run's name for ``model``: the table's key (itself, its base model or an alias), or ``ft:BASE``."""
        key = resolve(model, self.table, self.provider)
        if key is not None:
            return key
        base = base_priced(model, self.table, self.provider)
        if base is None:
            raise LlmrouteError(unknown_model_message(model, self.table))
        return FINE_TUNE + base

    def price(self, model: str) -> Price:
        return self.at(self.key(model))

    def at(self, key: str) -> Price:
        """The price of a name ``key`` returned."""
        return self.table[key] if key in self.table else self.table[key.removeprefix(FINE_TUNE)]

    def at_base(self, key: str) -> str | None:
        """The base model pricing a fine-tune ``key`` (as ``key`` returned it) for want of a fine-tune price."""
        return None if key in self.table else key.removeprefix(FINE_TUNE)

    def knows(self, model: str) -> bool:
        return self.key_or_none(model) is not None

    def key_or_none(self, model: str) -> str | None:
        key = resolve(model, self.table, self.provider)
        if key is None and (base := base_priced(model, self.table, self.provider)) is not None:
            key = FINE_TUNE + base
        return key

    def skips(self, model: str) -> bool:
        """Whether requests logged on ``model`` are left out: it, or its base model, is in ``skip``."""
        return model in self.skip or base_model(model) in {base_model(m) for m in self.skip}


def price_book(
    policy: Policy,
    base: Mapping[str, Price] | None = None,
    skip: frozenset[str] = frozenset(),
    provider: str | None = None,
) -> PriceBook:
    """The prices ``policy`` runs with: ``base`` (default: built-in) overridden by the file's ``prices``;
    requests logged on the models in ``skip`` are to be left out; ``provider``'s entries preferred.

    Every model the policy names must be priced: a ConfigError names each one that is not, at its
    place in the rule file.
    """
    table = dict(BUILTIN_PRICES if base is None else base)
    table |= {model: _written(model, fields, table) for model, fields in policy.prices.items()}
    if provider is not None:
        check_provider(provider, table)
    book = PriceBook(table, skip, provider)
    named = [(f"tier '{t}'", m, policy.tier_at.get(t, (1, 1))) for t, m in policy.tiers.items()]
    if policy.classifier is not None:
        named.append(("classifier", policy.classifier.model, policy.classifier.at))
    problems = [
        Problem(policy.source, line, column, f"{what}: {unknown_model_message(model, table)}")
        for what, model, (line, column) in named
        if not book.knows(model)
    ]
    if problems:
        raise ConfigError(problems)
    return book


def _written(model: str, fields: Mapping[str, float], table: Mapping[str, Price]) -> Price:
    """A rule file's price; with no ``max_input_tokens`` of its own, the model keeps the window other sources know."""
    window = fields.get("max_input_tokens")
    if window is None and (known := resolve(model, table)) is not None:
        window = table[known].max_input_tokens
    rates = {k: v for k, v in fields.items() if k != "max_input_tokens"}
    return Price(**rates, max_input_tokens=None if window is None else int(window), source="rule file")  # type: ignore[arg-type]


def check_provider(provider: str, table: Mapping[str, Price]) -> None:
    """``--provider`` must name a provider some price entry is from."""
    known = sorted({p for key, price in table.items() if (p := entry_provider(key, price)) is not None})
    if not any(serves(p, provider) for p in known):
        close = difflib.get_close_matches(provider, known, n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(close)}?" if close else f"the prices have: {', '.join(known)}"
        raise OptionError("provider", f"{{option}} {provider}: no price entry is from that provider; {hint}")


def list_price(book: PriceBook, model: str) -> float:
    """Input plus output list price per 1M tokens: how tiers are ranked from cheap to dear."""
    price = book.price(model)
    return price.input + price.output


def tiers_by_price(policy: Policy, book: PriceBook) -> list[str]:
    """The policy's tiers from cheapest to dearest list price; tiers priced alike keep their file order.

    The one ranking every report uses: the cheapest is the first, the dearest (the "everything
    expensive" baseline and the quality figures' expensive tier) the last.
    """
    return sorted(policy.tiers, key=lambda tier: list_price(book, policy.tiers[tier]))
