"""What one request would cost on each tier's model: tokens counted per model, input price applied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmroute_cli.pricing.book import PriceBook
from llmroute_cli.rules.policy import Policy
from llmroute_cli.tokens.chat import chat_tokens, request_messages
from llmroute_cli.tokens.encodings import encoding_name_for_model


@dataclass(frozen=True, slots=True)
class TierQuote:
    tier: str
    model: str
    encoding: str
    input_tokens: int
    input_cost_usd: float
    max_input_tokens: int | None = None  # the model's context window, None when not known


def quote(
    policy: Policy, prices: PriceBook, query: str, context: str | None, system: str | None = None
) -> list[TierQuote]:
    """Input tokens (chat format, each model's tokenizer) and input cost of the request on every tier."""
    messages = request_messages(query, context, system)
    quotes = []
    for tier, model in policy.tiers.items():
        enc = encoding_name_for_model(model)
        tokens = chat_tokens(messages, enc)
        price = prices.price(model)
        quotes.append(TierQuote(tier, model, enc, tokens, price.input_cost(tokens), price.max_input_tokens))
    return quotes


def fit(policy: Policy, prices: PriceBook, quotes: list[TierQuote], tier: str) -> dict[str, Any]:
    """Whether the request fits ``tier``'s model and, when it does not, the tier it goes to and why."""
    from llmroute_cli.pricing.windows import FITS, FITS_NONE, windows

    w = windows(policy, prices)
    on = {q.tier: q for q in quotes}
    dest = w.destination(tier, lambda t: on[t].input_tokens)
    window = on[tier].max_input_tokens
    out: dict[str, Any] = {"max_input_tokens": window, "fits": dest == FITS, "tier": tier, "why": None}
    if window is None:
        out["why"] = f"{on[tier].model}'s context window is not known: not checked"
    elif dest == FITS_NONE:
        out["why"] = "it fits no tier's model: it stays on its routed tier"
    elif dest != FITS:
        out["tier"] = w.tiers[dest]
        first = policy.fallback == out["tier"]
        out["why"] = "the rule file's fallback" if first else "the cheapest tier whose model fits"
    return out
