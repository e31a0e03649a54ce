"""The one place numbers become text: money, counts, shares."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

_CENT = Decimal("0.01")
_WIDE = Context(prec=400)  # any float's digits


def money(usd: float) -> str:
    """Dollars with cents, halves rounded up from the shortest decimal (0.105 and 5.105 alike up a cent);
    sub-cent amounts keep 3 significant digits so they never show as $0.00."""
    if not math.isfinite(usd):
        return f"${usd}"
    sign, amount = "-" if usd < 0 else "", abs(Decimal(repr(float(usd))))
    if amount and amount < _CENT:
        rounded = amount.quantize(Decimal(1).scaleb(amount.adjusted() - 2), ROUND_HALF_UP, _WIDE)
        if rounded < _CENT:
            return f"{sign}${rounded:f}"
    return f"{sign}${amount.quantize(_CENT, ROUND_HALF_UP, _WIDE):,}"


def count(n: float) -> str:
    return f"{n:,.0f}"


def percent(share: float, digits: int = 1) -> str:
    return f"{share * 100:.{digits}f}%"
