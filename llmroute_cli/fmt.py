"""The one place numbers become text: money, counts, shares."""

from __future__ import annotations

import math


def money(usd: float) -> str:
    """Dollars with cents; sub-cent amounts keep 3 significant digits so they never show as $0.00."""
    if usd != 0 and abs(usd) < 0.01:
        digits = 2 - math.floor(math.log10(abs(usd)))
        return f"{'-' if usd < 0 else ''}${abs(usd):.{digits}f}"
    return f"{'-' if usd < 0 else ''}${abs(usd):,.2f}"


def count(n: float) -> str:
    return f"{n:,.0f}"


def percent(share: float, digits: int = 1) -> str:
    return f"{share * 100:.{digits}f}%"
