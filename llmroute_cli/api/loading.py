"""The rule file and prices of a run: ``rules``, else ./routes.yaml when present, else the built-in policy."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEFAULT_RULES = Path("routes.yaml")


def price_table(prices_file: Any = None, added: dict[str, Any] | None = None) -> Any:
    """The built-in prices, overridden by a price file (LiteLLM map or OpenRouter models) when given, then by
    ``added`` ones."""
    from llmroute_cli.pricing.prices import BUILTIN_PRICES

    table = dict(BUILTIN_PRICES)
    if prices_file is not None:
        from llmroute_cli.pricing.maps import load_price_map

        table |= load_price_map(Path(prices_file))
    return table | (added or {})


def load_router(rules: Any = None, prices_file: Any = None, unknown: Any = None, provider: str | None = None) -> Any:
    """The router for ``rules`` (else ./routes.yaml when present, else the built-in policy) and its prices,
    with ``unknown_model_price``'s (``options.UnknownModels``) when given, ``provider``'s entries preferred."""
    from llmroute_cli.pricing.book import price_book

    router = rules_router(rules)
    if unknown is None:
        return router, price_book(router.policy, price_table(prices_file), provider=provider)
    return router, price_book(router.policy, price_table(prices_file, unknown.prices), unknown.skip, provider)


def rules_router(rules: Any = None) -> Any:
    """The router for ``rules``, else ./routes.yaml when present, else the built-in policy; unpriced."""
    from llmroute_cli.engine.router import Router

    if rules is not None:
        return Router.from_file(Path(os.fspath(rules)))
    if DEFAULT_RULES.is_file():
        return Router.from_file(DEFAULT_RULES)
    return Router.builtin()
