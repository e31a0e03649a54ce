"""Does one condition imply another? A sound, incomplete check used to find shadowed rules."""

from __future__ import annotations

import math
from fnmatch import fnmatchcase

from llmroute_cli.rules.conditions import (
    All,
    Any_,
    Compare,
    Condition,
    Contains,
    MetaTest,
    ModelIs,
    Probability,
    Split,
    Test,
    TimeOfDay,
    Words,
    ascii_lower,
    is_number,
    same,
)

Interval = tuple[float, bool, float, bool]  # low, low inclusive, high, high inclusive


def conjuncts(cond: Condition) -> list[Condition]:
    if isinstance(cond, All):
        return [c for item in cond.items for c in conjuncts(item)]
    return [cond]


def implies(b: Condition, a: Condition) -> bool:
    """True only when every request matching ``b`` surely matches ``a``."""
    if a.always() or a == b:
        return True
    if isinstance(a, Any_) and any(implies(b, item) for item in a.items):
        return True
    if isinstance(b, Any_) and b.items and all(implies(item, a) for item in b.items):
        return True
    a_parts, b_parts = conjuncts(a), conjuncts(b)
    if len(a_parts) > 1 or len(b_parts) > 1 or isinstance(a, All):
        return all(any(implies(pb, pa) for pb in b_parts) for pa in a_parts)
    return isinstance(a, Test) and isinstance(b, Test) and _atom(b, a)


def _atom(b: Test, a: Test) -> bool:
    pa, pb = a.pred, b.pred
    if a.field != b.field:
        return False
    if isinstance(pa, Contains) and isinstance(pb, Contains):
        return _contains(pb, pa)
    if isinstance(pa, Words) and isinstance(pb, Words):
        return {ascii_lower(w) for w in pb.words} <= {ascii_lower(w) for w in pa.words}
    if isinstance(pa, Compare) and isinstance(pb, Compare):
        return _inside(_interval(pb.op, pb.limit), _interval(pa.op, pa.limit))
    if isinstance(pa, Probability) and isinstance(pb, Probability):
        return pa.path == pb.path and _inside(_interval(pb.op, pb.limit), _interval(pa.op, pa.limit))
    if isinstance(pa, MetaTest) and isinstance(pb, MetaTest):
        return _meta(pb, pa)
    return _attribute(pb, pa)


def _attribute(b: object, a: object) -> bool:
    """Conservative: a model list holds b's names (globs only when equal), a split the same seed and no
    smaller share, a time window the same zone and every hour and day of b's."""
    if isinstance(a, ModelIs) and isinstance(b, ModelIs):
        return all(n in a.names or (not _GLOB & set(n) and any(fnmatchcase(n, m) for m in a.names)) for n in b.names)
    if isinstance(a, Split) and isinstance(b, Split):
        return a.seed == b.seed and b.percent <= a.percent
    if isinstance(a, TimeOfDay) and isinstance(b, TimeOfDay):
        return a.tz == b.tz and set(b.days) <= set(a.days) and _hours(b) <= _hours(a)
    return False


_GLOB = set("*?[")


def _hours(t: TimeOfDay) -> set[int]:
    return set(range(t.start, t.end)) if t.start < t.end else set(range(t.start, 24)) | set(range(t.end))


def _contains(b: Contains, a: Contains) -> bool:
    """Every needle of b holds a needle of a (compared as a compares)."""
    fold = ascii_lower if a.ignore_case else (lambda s: s)
    if b.ignore_case and not a.ignore_case:
        return False
    return all(any(fold(na) in fold(nb) for na in a.needles) for nb in b.needles)


def _interval(op: str, x: float) -> Interval | None:
    inf = math.inf
    return {
        "lt": (-inf, False, x, False),
        "lte": (-inf, False, x, True),
        "gt": (x, False, inf, False),
        "gte": (x, True, inf, False),
        "eq": (x, True, x, True),
    }.get(op)


def _inside(b: Interval | None, a: Interval | None) -> bool:
    if b is None or a is None:
        return False
    (blo, blo_in, bhi, bhi_in), (alo, alo_in, ahi, ahi_in) = b, a
    low_ok = blo > alo or (blo == alo and (alo_in or not blo_in))
    high_ok = bhi < ahi or (bhi == ahi and (ahi_in or not bhi_in))
    return low_ok and high_ok


def _meta(b: MetaTest, a: MetaTest) -> bool:
    b_values = [b.arg] if b.op == "eq" else list(b.arg) if b.op == "in" else None
    if b_values is not None and a.op in ("eq", "in"):
        a_values = [a.arg] if a.op == "eq" else list(a.arg)
        return all(any(same(v, w) for w in a_values) for v in b_values)
    ordered = ("lt", "lte", "gt", "gte", "eq")
    if b.op in ordered and a.op in ordered and is_number(b.arg) and is_number(a.arg):
        return _inside(_interval(b.op, b.arg), _interval(a.op, a.arg))
    return b == a
