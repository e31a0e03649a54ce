"""The Python API: what ``simulate``, ``diff`` and ``sweep`` do, as functions returning frozen records.

The command line calls these same functions. Each is imported on first use, so ``import llmroute_cli``
stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "simulate": "llmroute_cli.api.simulating",
    "diff": "llmroute_cli.api.diffing",
    "sweep": "llmroute_cli.api.sweeping",
    "SimulateRun": "llmroute_cli.api.runs",
    "DiffRun": "llmroute_cli.api.runs",
    "SweepRun": "llmroute_cli.api.runs",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'llmroute_cli.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
