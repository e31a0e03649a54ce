"""Exact cost of requests on a model: cache reads and writes, batch, long context, reasoning tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmroute_cli.pricing.prices import Price

if TYPE_CHECKING:
    import numpy as np

PER_TOKEN = 1e-6  # prices are per 1M tokens


@dataclass(frozen=True, slots=True)
class Tokens:
    """Per-request token counts. ``input`` is every prompt token, cache reads and writes included;
    ``reasoning`` is the part of ``output`` spent reasoning."""

    input: np.ndarray
    output: np.ndarray
    cache_read: np.ndarray
    cache_write: np.ndarray
    reasoning: np.ndarray
    batch: np.ndarray

    def take(self, rows: np.ndarray) -> Tokens:
        return Tokens(*(getattr(self, f)[rows] for f in self.__slots__))


def _rates(price: Price, tokens: Tokens) -> tuple[np.ndarray, ...]:
    """Per-request input, output and cache-read prices after long-context tiers and batch."""
    import numpy as np

    n = len(tokens.input)
    cached = price.input if price.cached_input is None else price.cached_input
    inp, out, read = np.full(n, price.input), np.full(n, price.output), np.full(n, cached)
    long_rows = np.zeros(n, dtype=bool)
    for tier in sorted(price.long_context, key=lambda t: t.above):
        rows = tokens.input > tier.above
        inp[rows], out[rows] = tier.input, tier.output
        read[rows] = tier.cached_input if tier.cached_input is not None else read[rows]
        long_rows |= rows
    # Batch prices only where the provider publishes them; a cache read is never discounted twice.
    batch = tokens.batch & ~long_rows
    if price.batch_input is not None:
        inp[batch] = price.batch_input
    if price.batch_output is not None:
        out[batch] = price.batch_output
    if price.batch_cached_input is not None:
        read[batch] = price.batch_cached_input
    return inp, out, read


def request_costs(price: Price, tokens: Tokens) -> np.ndarray:
    """USD per request on a model with ``price``."""
    inp, out, read = _rates(price, tokens)
    write = price.input if price.cache_write is None else price.cache_write
    uncached = tokens.input - tokens.cache_read - tokens.cache_write
    input_cost = uncached * inp + tokens.cache_read * read + tokens.cache_write * write
    if price.reasoning_output is None:
        output_cost = tokens.output * out
    else:
        output_cost = (tokens.output - tokens.reasoning) * out + tokens.reasoning * price.reasoning_output
    return (input_cost + output_cost) * PER_TOKEN


def long_context_rows(price: Price, tokens: Tokens) -> int:
    """How many requests a long-context price applies to."""
    if not price.long_context:
        return 0
    return int((tokens.input > min(t.above for t in price.long_context)).sum())
