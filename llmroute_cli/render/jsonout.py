"""Reports as JSON and CSV cells: floats to 15 significant digits, so no binary noise shows.

A binary float carries up to 17 significant digits, of which the last one or two are often noise of
the conversion (``113.42609280000003`` for 113.4260928). Fifteen are the most every decimal of that
length survives a round trip through a float with, so a figure that is a short decimal prints as
one, and every other keeps a relative precision of 1e-15 — far below a cent of any real spend.
"""

from __future__ import annotations

import json
import math
from typing import Any


def tidy(value: float) -> float:
    """``value`` at 15 significant digits (NaN and infinities as they are)."""
    return float(f"{value:.15g}") if math.isfinite(value) else value


def tidied(obj: Any) -> Any:
    """``obj`` with every float in it tidied, through dicts, lists and tuples."""
    if isinstance(obj, float):
        return tidy(obj)
    if isinstance(obj, dict):
        return {k: tidied(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [tidied(v) for v in obj]
    return obj


def report_json(obj: Any) -> str:
    """A report as indented JSON, floats tidied, text as it is (not \\u-escaped)."""
    return json.dumps(tidied(obj), indent=2, ensure_ascii=False)
