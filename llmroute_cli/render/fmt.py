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


def money_column(values: list[float | None], most: int = 8) -> list[str | None]:
    """Money for a column of figures a reader compares: cents, or as many more decimals (up to ``most``)
    as it takes for figures that differ to print differently; None stays None."""
    shown = [None if v is None else money(v) for v in values]
    for places in range(3, most + 1):
        if _distinct(values, shown):
            break
        quantum = Decimal(1).scaleb(-places)
        shown = [None if v is None else _fixed(v, quantum) for v in values]
    return shown


def _distinct(values: list[float | None], shown: list[str | None]) -> bool:
    texts: dict[str, float] = {}
    for v, text in zip(values, shown, strict=True):
        if v is None or text is None:
            continue
        if texts.setdefault(text, v) != v:
            return False
    return True


def _fixed(usd: float, quantum: Decimal) -> str:
    sign, amount = "-" if usd < 0 else "", abs(Decimal(repr(float(usd))))
    return f"{sign}${amount.quantize(quantum, ROUND_HALF_UP, _WIDE):,}"


def count(n: float) -> str:
    return f"{n:,.0f}"


def percent(share: float, digits: int = 1) -> str:
    return f"{share * 100:.{digits}f}%"
