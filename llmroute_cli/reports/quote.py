"""What one request would cost on each tier's model: tokens counted per model, input price applied."""

from __future__ import annotations

from dataclasses import dataclass

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


def quote(
    policy: Policy, prices: PriceBook, query: str, context: str | None, system: str | None = None
) -> list[TierQuote]:
    """Input tokens (chat format, each model's tokenizer) and input cost of the request on every tier."""
    messages = request_messages(query, context, system)
    quotes = []
    for tier, model in policy.tiers.items():
        enc = encoding_name_for_model(model)
        tokens = chat_tokens(messages, enc)
        quotes.append(TierQuote(tier, model, enc, tokens, prices.price(model).input_cost(tokens)))
    return quotes
