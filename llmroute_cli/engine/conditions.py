"""Compiled conditions: one tree, evaluated on one request or on a whole frame of requests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import TYPE_CHECKING, Any, Protocol

from llmroute_cli.engine.operators import MISSING, Compare, Predicate

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

TEXT_FIELDS = ("query", "context", "request")
SIZE_UNITS = ("chars", "tokens")


class ScalarView(Protocol):
    def text(self, name: str) -> tuple[str, ...]: ...
    def size(self, name: str, unit: str) -> int: ...
    def meta(self, path: str) -> Any: ...


class FrameView(Protocol):
    def text(self, name: str) -> tuple[pa.ChunkedArray, ...]: ...
    def text_mask(self, name: str, pred: Any) -> np.ndarray: ...
    def size(self, name: str, unit: str) -> np.ndarray: ...
    def meta(self, path: str) -> list[Any]: ...
    def take(self, rows: np.ndarray) -> FrameView: ...
    def __len__(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Trace:
    """How one condition evaluated on one request, for ``route``'s explanation."""

    label: str
    result: bool
    value: Any = None
    children: tuple[Trace, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"condition": self.label, "result": self.result}
        if self.value is not None:
            out["value"] = self.value
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out


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
        return "meta" if self.field.startswith("metadata.") else "size"

    def _scalar_value(self, view: ScalarView) -> Any:
        if self.kind == "text":
            return view.text(self.field)
        if self.kind == "meta":
            return view.meta(self.field.removeprefix("metadata."))
        name, unit = self.field.split(".")
        return view.size(name, unit)

    def test(self, view: ScalarView) -> bool:
        value = self._scalar_value(view)
        if self.kind == "text":
            return any(self.pred.scalar(t) for t in value)
        return self.pred.scalar(value)

    def mask(self, view: FrameView) -> np.ndarray:
        if self.kind == "text":
            return view.text_mask(self.field, self.pred)
        if self.kind == "meta":
            return self.pred.vector(view.meta(self.field.removeprefix("metadata.")))  # type: ignore[arg-type]
        name, unit = self.field.split(".")
        return self.pred.vector(view.size(name, unit))  # type: ignore[arg-type]

    def trace(self, view: ScalarView) -> Trace:
        value = self._scalar_value(view)
        result = self.test(view)
        if self.kind == "text":
            hits = [h for h in (self.pred.found(t) for t in value) if h is not None]  # type: ignore[union-attr]
            shown: Any = f"found {hits[0]!r}" if hits else "no match"
        else:
            shown = "<missing>" if value is MISSING else value
        return Trace(f"{self.field} {self.pred.describe()}", result, shown)

    def always(self) -> bool:
        p = self.pred
        return self.kind == "size" and isinstance(p, Compare) and p.op == "gte" and p.limit <= 0

    def fields(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Condition, ...] = dc_field(default=())

    def test(self, view: ScalarView) -> bool:
        return all(c.test(view) for c in self.items)

    def mask(self, view: FrameView) -> np.ndarray:
        import numpy as np

        out = np.ones(len(view), dtype=bool)
        for c in self.items:
            out = narrowed(c, view, out, keep=True)
        return out

    def trace(self, view: ScalarView) -> Trace:
        kids = tuple(c.trace(view) for c in self.items)
        return Trace("all of", all(k.result for k in kids), None, kids)

    def always(self) -> bool:
        return all(c.always() for c in self.items)

    def fields(self) -> set[str]:
        return set().union(*(c.fields() for c in self.items))


@dataclass(frozen=True, slots=True)
class Any_:
    items: tuple[Condition, ...] = dc_field(default=())

    def test(self, view: ScalarView) -> bool:
        return any(c.test(view) for c in self.items)

    def mask(self, view: FrameView) -> np.ndarray:
        import numpy as np

        out = np.zeros(len(view), dtype=bool)
        for c in self.items:
            out = narrowed(c, view, out, keep=False)
        return out

    def trace(self, view: ScalarView) -> Trace:
        kids = tuple(c.trace(view) for c in self.items)
        return Trace("any of", any(k.result for k in kids), None, kids)

    def always(self) -> bool:
        return any(c.always() for c in self.items)

    def fields(self) -> set[str]:
        return set().union(*(c.fields() for c in self.items))


@dataclass(frozen=True, slots=True)
class Not:
    item: Condition

    def test(self, view: ScalarView) -> bool:
        return not self.item.test(view)

    def mask(self, view: FrameView) -> np.ndarray:
        return ~self.item.mask(view)

    def trace(self, view: ScalarView) -> Trace:
        kid = self.item.trace(view)
        return Trace("not", not kid.result, None, (kid,))

    def always(self) -> bool:
        return isinstance(self.item, Any_) and not self.item.items

    def fields(self) -> set[str]:
        return self.item.fields()


Condition = Test | All | Any_ | Not

NARROW_BELOW = 0.5  # evaluate on a subset once fewer than this share of rows is still open


def narrowed(cond: Condition, view: FrameView, current: np.ndarray, *, keep: bool) -> np.ndarray:
    """AND (keep=True) or OR (keep=False) ``cond`` into ``current``, evaluating it only on the rows
    whose outcome is still open when they are few: the rest of an AND is false, of an OR true."""
    open_rows = current.nonzero()[0] if keep else (~current).nonzero()[0]
    if len(open_rows) == 0:
        return current
    if len(open_rows) >= NARROW_BELOW * len(view):
        return current & cond.mask(view) if keep else current | cond.mask(view)
    out = current.copy()
    out[open_rows] = cond.mask(view.take(open_rows))
    return out


def get_path(mapping: Any, path: str) -> Any:
    """The value at a dotted path in nested mappings, or MISSING."""
    value = mapping
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return MISSING
        value = value[part]
    return value
