"""The operator registry: each operator's scalar and vectorised test, side by side.

Text matching is defined so that the scalar path (Python's ``re``) and the vectorised path (polars,
whose regex engine is Rust's ``regex`` crate) agree on every input: ``contains`` with ``ignore_case``
and ``words`` fold ASCII letters only, and word characters are ASCII letters, digits and ``_``.
User ``regex`` patterns use Python's ``re`` on both paths, so their ``ignore_case`` folds Unicode as
``re.IGNORECASE`` does. Lone surrogates (which no UTF-8 text can hold) read as U+FFFD on both paths.
"""

from __future__ import annotations

import math
import numbers
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import polars as pl
    import pyarrow as pa

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()

_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_WORD = "0-9A-Za-z_"


def ascii_lower(text: str) -> str:
    """Lower-case ASCII letters only, as Arrow's ``ascii_lower`` does."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def escape(literal: str) -> str:
    """Escape a literal for both Python ``re`` and Rust's ``regex``: ASCII punctuation as ``\\xHH``."""
    return "".join(c if c.isalnum() or c == "_" or ord(c) > 127 else f"\\x{ord(c):02x}" for c in literal)


def _alternation(literals: Sequence[str]) -> str:
    return "(?:" + "|".join(escape(s) for s in literals) + ")"


def polars_texts(texts: pa.ChunkedArray) -> pl.Series:
    """Arrow strings as a polars Series, without copying the text."""
    import polars as pl

    series = pl.from_arrow(texts)
    assert isinstance(series, pl.Series)
    return series


def _matches(texts: pa.ChunkedArray, pattern: str) -> np.ndarray:
    """Rows where ``pattern`` occurs, by polars' regex engine (Rust's ``regex``) on the Arrow strings.

    Measured here 5-9x faster than Arrow's RE2 on the literal alternations rules compile to; the
    patterns use only what Rust's ``regex`` and Python's ``re`` read the same way.
    """
    return polars_texts(texts).str.contains(pattern).fill_null(False).to_numpy()


def _to_numpy(mask: pa.ChunkedArray | pa.Array) -> np.ndarray:
    import numpy as np

    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


# --- text ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contains:
    """Any of the substrings occurs; case-sensitive unless ``ignore_case``."""

    needles: tuple[str, ...]
    ignore_case: bool = False

    def scalar(self, text: str) -> bool:
        hay = ascii_lower(text) if self.ignore_case else text
        return any(n in hay for n in self._needles())

    def vector(self, texts: pa.ChunkedArray) -> np.ndarray:
        import pyarrow.compute as pc

        hay = pc.ascii_lower(texts) if self.ignore_case else texts
        return _matches(hay, _alternation(self._needles()))

    def found(self, text: str) -> str | None:
        hay = ascii_lower(text) if self.ignore_case else text
        return next((n for n, low in zip(self.needles, self._needles(), strict=True) if low in hay), None)

    def _needles(self) -> tuple[str, ...]:
        return tuple(ascii_lower(n) for n in self.needles) if self.ignore_case else self.needles

    def describe(self) -> str:
        case = " (ignoring case)" if self.ignore_case else ""
        return f"contains any of {list(self.needles)}{case}"


@dataclass(frozen=True, slots=True)
class Words:
    """Any of the keywords occurs as a whole word, ignoring case."""

    words: tuple[str, ...]

    def _body(self) -> str:
        return _alternation([ascii_lower(w) for w in self.words])

    def scalar(self, text: str) -> bool:
        return self.found(text) is not None

    def found(self, text: str) -> str | None:
        match = _compiled(f"(?<![{_WORD}]){self._body()}(?![{_WORD}])").search(ascii_lower(text))
        return match.group(0) if match else None

    def vector(self, texts: pa.ChunkedArray) -> np.ndarray:
        import pyarrow.compute as pc

        pattern = f"(?:^|[^{_WORD}]){self._body()}(?:$|[^{_WORD}])"
        return _matches(pc.ascii_lower(texts), pattern)

    def describe(self) -> str:
        return f"has any of the words {list(self.words)}"


@dataclass(frozen=True, slots=True)
class Regex:
    """A Python regular expression matches somewhere in the text."""

    pattern: str
    ignore_case: bool = False

    def scalar(self, text: str) -> bool:
        return self.found(text) is not None

    def found(self, text: str) -> str | None:
        match = _compiled(self.pattern, re.IGNORECASE if self.ignore_case else 0).search(text)
        return match.group(0) if match else None

    def vector(self, texts: pa.ChunkedArray) -> np.ndarray:
        import numpy as np

        search = _compiled(self.pattern, re.IGNORECASE if self.ignore_case else 0).search
        return np.fromiter((search(t) is not None for t in texts.to_pylist()), dtype=bool, count=len(texts))

    def describe(self) -> str:
        case = " (ignoring case)" if self.ignore_case else ""
        return f"matches /{self.pattern}/{case}"


_REGEX_CACHE: dict[tuple[str, int], re.Pattern[str]] = {}


def _compiled(pattern: str, flags: int = 0) -> re.Pattern[str]:
    key = (pattern, flags)
    if key not in _REGEX_CACHE:
        _REGEX_CACHE[key] = re.compile(pattern, flags)
    return _REGEX_CACHE[key]


# --- numbers (sizes) ------------------------------------------------------------------------------

COMPARISONS: dict[str, tuple[str, Callable[[Any, Any], Any]]] = {
    "lt": ("<", operator.lt),
    "lte": ("<=", operator.le),
    "gt": (">", operator.gt),
    "gte": (">=", operator.ge),
    "eq": ("==", operator.eq),
    "ne": ("!=", operator.ne),
}


@dataclass(frozen=True, slots=True)
class Compare:
    """A size compared with a number."""

    op: str
    limit: float

    def scalar(self, value: float) -> bool:
        return bool(COMPARISONS[self.op][1](value, self.limit))

    def vector(self, values: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.asarray(COMPARISONS[self.op][1](values, self.limit), dtype=bool)

    def describe(self) -> str:
        return f"{COMPARISONS[self.op][0]} {_num(self.limit)}"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# --- metadata values ------------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    """A real number (Python or numpy), not a bool, not NaN."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isnan(value)


def clean_text(text: str) -> str:
    """The text with lone surrogates as U+FFFD, so it can be UTF-8 (as Arrow needs)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


def same(value: Any, expected: Any) -> bool:
    """Equality without Python's ``True == 1``: booleans equal booleans, numbers numbers."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return type(value) is type(expected) and value == expected
    if is_number(value) and is_number(expected):
        return bool(value == expected)
    return type(value) is type(expected) and value == expected


@dataclass(frozen=True, slots=True)
class MetaTest:
    """A metadata value tested by eq/ne/in/nin/exists or a numeric comparison."""

    op: str
    arg: Any

    def scalar(self, value: Any) -> bool:
        op, arg = self.op, self.arg
        if op == "exists":
            return (value is not MISSING) == bool(arg)
        if op == "eq":
            return same(value, arg)
        if op == "ne":
            return not same(value, arg)
        if op == "in":
            return any(same(value, a) for a in arg)
        if op == "nin":
            return not any(same(value, a) for a in arg)
        return is_number(value) and bool(COMPARISONS[op][1](value, arg))

    def vector(self, values: Sequence[Any]) -> np.ndarray:
        import numpy as np

        return np.fromiter((self.scalar(v) for v in values), dtype=bool, count=len(values))

    def describe(self) -> str:
        if self.op in COMPARISONS:
            return f"{COMPARISONS[self.op][0]} {self.arg!r}"
        words = {"exists": "exists:", "in": "in", "nin": "not in"}
        return f"{words[self.op]} {self.arg!r}"


Predicate = Contains | Words | Regex | Compare | MetaTest

TEXT_OPS = ("contains", "words", "regex")
TEXT_MODIFIERS = ("ignore_case",)
SIZE_OPS = tuple(k for k in COMPARISONS)
META_OPS = (*COMPARISONS, "in", "nin", "exists")
