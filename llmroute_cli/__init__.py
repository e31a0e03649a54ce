"""llmroute: simulate LLM routing policies offline, from your own logs.

The public API: a ``Router`` for a rule file (one request or a DataFrame of many), and the prices
a run uses (``price_book``). docs/ARCHITECTURE.md maps the rest.
"""

from llmroute_cli.engine.router import Decision, Router
from llmroute_cli.errors import ConfigError, LlmrouteError
from llmroute_cli.pricing.book import PriceBook, price_book

__all__ = ["ConfigError", "Decision", "LlmrouteError", "PriceBook", "Router", "price_book"]
__version__ = "0.1.0"
