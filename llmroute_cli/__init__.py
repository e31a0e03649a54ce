"""llmroute: simulate LLM routing policies offline, from your own logs.

The public API: what the commands ``simulate``, ``diff`` and ``sweep`` do, as functions returning
frozen records (``SimulateRun``, ``DiffRun``, ``SweepRun``: ``.report``, ``.to_dict()``,
``.to_pandas()``); a ``Router`` for a rule file (one request or a DataFrame of many), and the prices
a run uses (``price_book``). docs/ARCHITECTURE.md maps the rest.

The run functions are imported on first use, so ``import llmroute_cli`` loads no pandas.
"""

import sys
import types
from typing import Any

import llmroute_cli.simulate as _room  # the room, made callable below
from llmroute_cli.engine.router import Decision, Router
from llmroute_cli.errors import ConfigError, LlmrouteError, OptionError, UsageError
from llmroute_cli.pricing.book import PriceBook, price_book

_API = {"diff", "sweep", "SimulateRun", "DiffRun", "SweepRun"}
__all__ = [
    "ConfigError",
    "Decision",
    "DiffRun",
    "LlmrouteError",
    "OptionError",
    "PriceBook",
    "Router",
    "SimulateRun",
    "SweepRun",
    "UsageError",
    "diff",
    "price_book",
    "simulate",
    "sweep",
]
__version__ = "0.1.0"


def _api(name: str) -> Any:
    import llmroute_cli.api

    return getattr(llmroute_cli.api, name)


def __getattr__(name: str) -> Any:
    if name in _API:
        return _api(name)
    raise AttributeError(f"module 'llmroute_cli' has no attribute {name!r}")


class _SimulateRoom(types.ModuleType):
    """The room ``llmroute_cli.simulate``, callable as the API's ``simulate`` (``lr.simulate(logs, rules)``).

    A package's attribute is its subpackage once that is imported, so the name cannot hold a
    function: the room itself is made callable, and its modules stay importable as ever.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _api("simulate")(*args, **kwargs)


sys.modules[_room.__name__].__class__ = _SimulateRoom
