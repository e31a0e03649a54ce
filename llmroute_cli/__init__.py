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

from llmroute_cli.engine.router import Decision, Router
from llmroute_cli.errors import ConfigError, LlmrouteError, OptionError, UsageError
from llmroute_cli.pricing.book import PriceBook, price_book

_API = {"simulate", "diff", "sweep", "SimulateRun", "DiffRun", "SweepRun"}
__all__ = sorted({"ConfigError", "Decision", "LlmrouteError", "OptionError", "PriceBook", "Router", "UsageError",
                  "price_book", *_API})  # fmt: skip
__version__ = "0.1.0"


def _api(name: str) -> Any:
    import llmroute_cli.api

    return getattr(llmroute_cli.api, name)


def __getattr__(name: str) -> Any:
    if name in _API:
        return _api(name)
    raise AttributeError(f"module 'llmroute_cli' has no attribute {name!r}")


class _Package(types.ModuleType):
    """``llmroute_cli.simulate`` is the API's function, though a room of the package has that name too.

    Importing the room ``llmroute_cli.simulate`` binds it as this package's attribute; the setter
    keeps the function in its place (the room stays reachable by import, as every room is).
    """

    @property
    def simulate(self) -> Any:
        return _api("simulate")

    @simulate.setter
    def simulate(self, value: Any) -> None:
        if not isinstance(value, types.ModuleType):
            raise AttributeError("llmroute_cli.simulate is the API's simulate function; it cannot be replaced")


sys.modules[__name__].__class__ = _Package
