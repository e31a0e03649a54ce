"""Conditions as the rule file writes them: a tree of tests on request fields, as plain data.

Nothing here evaluates a condition; ``engine`` does, on one request or a frame of many. What the
language means is fixed here, so both engine paths and the lints read it the same way:
``contains`` with ``ignore_case`` and ``words`` fold ASCII letters only, word characters are ASCII
letters, digits and ``_``, ``eq`` never takes ``True`` for ``1``, and a missing metadata value is
``MISSING`` (only ``exists: false`` and ``ne``/``nin`` hold on it).
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()

TEXT_FIELDS = ("query", "context", "request", "system")
SIZE_UNITS = ("chars", "tokens")
COMPARISONS: dict[str, tuple[str, Callable[[Any, Any], Any]]] = {
    "lt": ("<", operator.lt),
    "lte": ("<=", operator.le),
    "gt": (">", operator.gt),
    "gte": (">=", operator.ge),
    "eq": ("==", operator.eq),
    "ne": ("!=", operator.ne),
}
TEXT_OPS = ("contains", "words", "regex")
TEXT_MODIFIERS = ("ignore_case",)
SIZE_OPS = tuple(COMPARISONS)
CLASSIFIER_FIELD = "classifier"
PROBABILITY_OPS = ("lt", "lte", "gt", "gte")
META_OPS = (*COMPARISONS, "in", "nin", "exists")
# The structure of a request's messages: flags (tools defined, called or answered; images) and the
# number of turns (user messages). A request logged without messages has 1 turn and neither flag.
FLAG_FIELDS = ("has_tools", "has_images")
COUNT_FIELDS = ("turns",)
STRUCTURE_FIELDS = (*FLAG_FIELDS, *COUNT_FIELDS)

_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def ascii_lower(text: str) -> str:
    """Lower-case ASCII letters only, as Arrow's ``ascii_lower`` does."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def is_number(value: Any) -> bool:
    """A real number (Python or numpy), not a bool, not NaN (a whole number of any size is one)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return isinstance(value, numbers.Integral) or not math.isnan(value)


def same(value: Any, expected: Any) -> bool:
    """Equality without Python's ``True == 1``: booleans equal booleans, numbers numbers."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return type(value) is type(expected) and value == expected
    if is_number(value) and is_number(expected):
        return bool(value == expected)
    return type(value) is type(expected) and value == expected


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True, slots=True)
class Contains:
    """Any of the substrings occurs; case-sensitive unless ``ignore_case``."""

    needles: tuple[str, ...]
    ignore_case: bool = False

    def compared(self) -> tuple[str, ...]:
        """The needles as they are compared (ASCII-folded when ignoring case)."""
        return tuple(ascii_lower(n) for n in self.needles) if self.ignore_case else self.needles

    def describe(self) -> str:
        case = " (ignoring case)" if self.ignore_case else ""
        return f"contains any of {list(self.needles)}{case}"


@dataclass(frozen=True, slots=True)
class Words:
    """Any of the keywords occurs as a whole word, ignoring case."""

    words: tuple[str, ...]

    def describe(self) -> str:
        return f"has any of the words {list(self.words)}"


@dataclass(frozen=True, slots=True)
class Regex:
    """A Python regular expression matches somewhere in the text."""

    pattern: str
    ignore_case: bool = False

    def describe(self) -> str:
        case = " (ignoring case)" if self.ignore_case else ""
        return f"matches /{self.pattern}/{case}"


@dataclass(frozen=True, slots=True)
class Compare:
    """A size compared with a number."""

    op: str
    limit: float

    def describe(self) -> str:
        return f"{COMPARISONS[self.op][0]} {_num(self.limit)}"


@dataclass(frozen=True, slots=True)
class MetaTest:
    """A metadata value tested by eq/ne/in/nin/exists or a numeric comparison."""

    op: str
    arg: Any

    def describe(self) -> str:
        if self.op in COMPARISONS:
            return f"{COMPARISONS[self.op][0]} {self.arg!r}"
        words = {"exists": "exists:", "in": "in", "nin": "not in"}
        return f"{words[self.op]} {self.arg!r}"


@dataclass(frozen=True, slots=True)
class Probability:
    """A trained router's probability that the query needs the expensive tier, compared with a limit.

    ``model`` is the path as the rule file writes it, ``path`` where it resolves (beside the rule
    file); the model itself is loaded by the engine, on first use."""

    model: str
    path: str
    op: str
    limit: float

    def describe(self) -> str:
        return f"{self.model}: P(expensive) {COMPARISONS[self.op][0]} {_num(self.limit)}"


@dataclass(frozen=True, slots=True)
class Flag:
    """A yes/no fact of the request's messages is as written (``has_tools: true``)."""

    expected: bool

    def describe(self) -> str:
        return "is true" if self.expected else "is false"


# --- attributes of the logged request: its model, its time, a seeded split ----------------------

ATTRIBUTE_FIELDS = ("model", "time", "split")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class ModelIs:
    """The logged model is one of ``names``: exact names or shell-style globs (``gpt-4o*``, ``ft:*``),
    case-sensitive. A request that logged no model matches none."""

    names: tuple[str, ...]

    def describe(self) -> str:
        return f"is one of {list(self.names)}"


@dataclass(frozen=True, slots=True)
class TimeOfDay:
    """The logged time falls in ``[start, end)`` hours (wrapping past midnight when start > end) on one
    of ``days`` (0 = Monday), in time zone ``tz``. A request with no timestamp matches no time."""

    start: int = 0
    end: int = 24
    days: tuple[int, ...] = tuple(range(7))
    tz: str = "UTC"

    def describe(self) -> str:
        days = "" if len(self.days) == 7 else " on " + ", ".join(DAYS[d] for d in self.days)
        return f"{self.start:02d}:00-{self.end:02d}:00{days} ({self.tz})"


@dataclass(frozen=True, slots=True)
class Split:
    """A seeded, deterministic share of requests: those whose hash of ``seed`` and the request key
    (its logged id, else its query text) falls below ``percent``/100 (see ``split_point``)."""

    percent: float
    seed: str

    def describe(self) -> str:
        return f"{_num(self.percent)}% (seed {self.seed!r})"


def split_point(seed: str, key: str) -> float:
    """Where a request falls in [0, 100): the first 8 bytes of sha256(seed NUL key), big-endian, over 2**64."""
    import hashlib

    digest = hashlib.sha256(f"{seed}\0{key}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") * 100 / 2**64


Predicate = Contains | Words | Regex | Compare | MetaTest | Probability | Flag | ModelIs | TimeOfDay | Split


@dataclass(frozen=True, slots=True)
class Test:
    """A predicate applied to one field: ``query`` text, ``context.chars``, ``metadata.user.plan``…"""

    field: str
    pred: Predicate
    at: tuple[int, int] = dc_field(default=(0, 0), compare=False)  # line, column in the rule file

    @property
    def kind(self) -> str:
        if self.field in TEXT_FIELDS:
            return "text"
        if self.field == CLASSIFIER_FIELD:
            return "classifier"
        if self.field in STRUCTURE_FIELDS:
            return "structure"
        if self.field in ATTRIBUTE_FIELDS:
            return "attribute"
        return "meta" if self.field.startswith("metadata.") else "size"

    @property
    def label(self) -> str:
        if self.kind == "classifier":
            return self.pred.describe()
        if self.field == "split":
            return f"split {self.pred.describe()}"
        return f"{self.field} {self.pred.describe()}"

    def always(self) -> bool:
        p = self.pred
        return self.kind == "size" and isinstance(p, Compare) and p.op == "gte" and p.limit <= 0

    def fields(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Condition, ...] = dc_field(default=())

    def always(self) -> bool:
        return all(c.always() for c in self.items)

    def fields(self) -> set[str]:
        return set().union(*(c.fields() for c in self.items))


@dataclass(frozen=True, slots=True)
class Any_:
    items: tuple[Condition, ...] = dc_field(default=())

    def always(self) -> bool:
        return any(c.always() for c in self.items)

    def fields(self) -> set[str]:
        return set().union(*(c.fields() for c in self.items))


@dataclass(frozen=True, slots=True)
class Not:
    item: Condition

    def always(self) -> bool:
        return isinstance(self.item, Any_) and not self.item.items

    def fields(self) -> set[str]:
        return self.item.fields()


Condition = Test | All | Any_ | Not


def tests_in(cond: Condition) -> list[Test]:
    """Every test in a condition tree, in file order."""
    if isinstance(cond, Test):
        return [cond]
    if isinstance(cond, Not):
        return tests_in(cond.item)
    return [t for c in cond.items for t in tests_in(c)]
