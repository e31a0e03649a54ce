"""Which earlier rules could shadow a later one: an index so ``lint`` tries ``implies`` on few pairs, not all.

Exact, not a guess: ``implies(b, a)`` (``a`` not always true) holds only through a test of ``a`` and
a test of ``b`` on the same field and of the same kind (``_atom``), or through equal parts, so ``a``
is filed under keys of its tests and ``b`` looks up the keys its tests could meet:

- ``contains``: ``a`` under one substring of three (ASCII-folded) characters of each needle, the
  rarest among the file's needles (the whole needle when shorter); ``b`` looks up every substring of up
  to three characters of its first needle (a needle of ``a`` inside it holds all of its own);
- ``words``: under each folded word (``b``'s words must all be among ``a``'s);
- a size or probability comparison: under its direction (an interval inside ``a``'s is bounded alike);
- any other test: under its field and kind.

A conjunction is filed under one of its conjuncts only (one not always true; a keyword one if it has
one): every conjunct of ``a`` must be implied by a part of ``b``.

A condition with an empty ``any``/``all`` anywhere (met by equality alone, with no test) is compared with
every rule, as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable

from llmroute_cli.rules.conditions import (
    Compare,
    Condition,
    Contains,
    Not,
    Probability,
    Test,
    Words,
    ascii_lower,
    tests_in,
)
from llmroute_cli.rules.implication import conjuncts

Key = Hashable
_GRAM = 3
_DIRECTION = {"lt": "up", "lte": "up", "gt": "low", "gte": "low", "eq": "eq", "ne": "ne"}
_INSIDE = {"up": ["up"], "low": ["low"], "eq": ["up", "low", "eq"], "ne": ["ne"]}  # b's direction: a's that fit


def _empty_inside(cond: Condition) -> bool:
    if isinstance(cond, Test):
        return False
    if isinstance(cond, Not):
        return _empty_inside(cond.item)
    return not cond.items or any(_empty_inside(c) for c in cond.items)


def _grams(text: str, most: int = _GRAM) -> set[str]:
    """Every substring of ``text`` of ``most`` characters (the whole text when shorter)."""
    if len(text) <= most:
        return {text}
    return {text[i : i + most] for i in range(len(text) - most + 1)}


def _filed(test: Test, seen: Counter[str]) -> Iterable[Key]:
    pred, field = test.pred, test.field
    if isinstance(pred, Contains):
        grams = [min(sorted(_grams(ascii_lower(n))), key=seen.__getitem__) for n in pred.needles]
        return [("contains*", field)] + [("contains", field, g) for g in grams]
    if isinstance(pred, Words):
        return [("words*", field)] + [("words", field, ascii_lower(w)) for w in pred.words]
    if isinstance(pred, Compare | Probability):
        return [(type(pred).__name__, field, _DIRECTION.get(pred.op, pred.op))]
    return [(type(pred).__name__, field)]


def _sought(test: Test) -> Iterable[Key]:
    pred, field = test.pred, test.field
    if isinstance(pred, Contains):
        if not pred.needles:
            return [("contains*", field)]
        text = ascii_lower(pred.needles[0])
        grams = {text[i : i + n] for n in range(_GRAM + 1) for i in range(len(text) - n + 1)}
        return [("contains", field, g) for g in grams]
    if isinstance(pred, Words):
        if not pred.words:
            return [("words*", field)]
        return [("words", field, ascii_lower(pred.words[0]))]
    if isinstance(pred, Compare | Probability):
        direction = _DIRECTION.get(pred.op, pred.op)
        return [(type(pred).__name__, field, d) for d in _INSIDE.get(direction, [direction])]
    return [(type(pred).__name__, field)]


def _keyword(cond: Condition) -> bool:
    return all(isinstance(t.pred, Contains | Words) for t in tests_in(cond))


class Candidates:
    """Earlier rules filed by their tests; ``of(cond)`` the ones that may match all ``cond`` matches."""

    def __init__(self, conditions: Iterable[Condition]) -> None:
        self.seen: Counter[str] = Counter(  # how many needles hold each substring: file under the rarest
            g
            for cond in conditions
            for test in tests_in(cond)
            if isinstance(test.pred, Contains)
            for n in test.pred.needles
            for g in _grams(ascii_lower(n))
        )
        self.index: dict[Key, list[int]] = {}
        self.everywhere: list[int] = []  # rules compared with every later rule
        self.count = 0
        self.first_always: int | None = None

    def of(self, cond: Condition) -> list[int]:
        """The earlier rules, in file order, that ``implies(cond, theirs)`` or ``always()`` may hold for."""
        if _empty_inside(cond):
            return list(range(self.count))
        found = set(self.everywhere)
        for test in tests_in(cond):
            for key in _sought(test):
                found.update(self.index.get(key, ()))
        if self.first_always is not None:
            found.add(self.first_always)
        return sorted(found)

    def add(self, cond: Condition) -> None:
        """File the next rule's condition."""
        number, self.count = self.count, self.count + 1
        if self.first_always is None and cond.always():
            self.first_always = number
        if _empty_inside(cond):
            self.everywhere.append(number)
            return
        parts = [part for part in conjuncts(cond) if not part.always()]
        chosen = min(parts, key=lambda part: not _keyword(part)) if parts else cond
        for key in {key for test in tests_in(chosen) for key in _filed(test, self.seen)}:
            self.index.setdefault(key, []).append(number)
