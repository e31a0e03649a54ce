"""Conditions evaluated: one tree tested on one request (``test``, ``trace``) or on a frame (``mask``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from llmroute_cli.engine.operators import found, scalar, vector
from llmroute_cli.rules.conditions import MISSING, All, Any_, Condition, Not, Test, split_point

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa


class ScalarView(Protocol):
    def text(self, name: str) -> tuple[str, ...]: ...
    def size(self, name: str, unit: str) -> int: ...
    def meta(self, path: str) -> Any: ...
    def probability(self, pred: Any) -> float: ...
    def structure(self, name: str) -> Any: ...
    def attribute(self, name: str) -> Any: ...


class FrameView(Protocol):
    def text(self, name: str) -> tuple[pa.ChunkedArray, ...]: ...
    def text_mask(self, name: str, pred: Any) -> np.ndarray: ...
    def size(self, name: str, unit: str) -> np.ndarray: ...
    def meta(self, path: str) -> list[Any]: ...
    def probability(self, pred: Any) -> np.ndarray: ...
    def structure(self, name: str) -> np.ndarray: ...
    def attribute(self, name: str) -> Any: ...
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


def _value(t: Test, view: ScalarView) -> Any:
    if t.kind == "text":
        return view.text(t.field)
    if t.kind == "meta":
        return view.meta(t.field.removeprefix("metadata."))
    if t.kind == "classifier":
        return view.probability(t.pred)
    if t.kind == "structure":
        return view.structure(t.field)
    if t.kind == "attribute":
        return view.attribute(t.field)
    name, unit = t.field.split(".")
    return view.size(name, unit)


def _test_one(t: Test, view: ScalarView) -> bool:
    value = _value(t, view)
    if t.kind == "text":
        return any(scalar(t.pred, text) for text in value)
    return scalar(t.pred, value)


def test(cond: Condition, view: ScalarView) -> bool:
    """Whether ``cond`` holds for one request."""
    if isinstance(cond, Test):
        return _test_one(cond, view)
    if isinstance(cond, All):
        return all(test(c, view) for c in cond.items)
    if isinstance(cond, Any_):
        return any(test(c, view) for c in cond.items)
    return not test(cond.item, view)


def trace(cond: Condition, view: ScalarView) -> Trace:
    """``test``, saying how: each condition with the value it read and its result."""
    if isinstance(cond, Test):
        value, result = _value(cond, view), _test_one(cond, view)
        if cond.kind == "text":
            hits = [h for h in (found(cond.pred, text) for text in value) if h is not None]
            shown: Any = f"found {hits[0]!r}" if hits else "no match"
        elif cond.kind == "classifier":
            shown = f"P(expensive) = {value:.3f}"
        elif cond.kind == "attribute":
            shown = _attribute_shown(cond, value)
        else:
            shown = "<missing>" if value is MISSING else value
        return Trace(cond.label, result, shown)
    if isinstance(cond, Not):
        kid = trace(cond.item, view)
        return Trace("not", not kid.result, None, (kid,))
    kids = tuple(trace(c, view) for c in cond.items)
    if isinstance(cond, All):
        return Trace("all of", all(k.result for k in kids), None, kids)
    return Trace("any of", any(k.result for k in kids), None, kids)


def mask(cond: Condition, view: FrameView) -> np.ndarray:
    """Vectorised ``test``: where ``cond`` holds, row by row of the frame."""
    import numpy as np

    if isinstance(cond, Test):
        if cond.kind == "text":
            return view.text_mask(cond.field, cond.pred)
        if cond.kind == "meta":
            return vector(cond.pred, view.meta(cond.field.removeprefix("metadata.")))
        if cond.kind == "classifier":
            return vector(cond.pred, view.probability(cond.pred))
        if cond.kind == "structure":
            return vector(cond.pred, view.structure(cond.field))
        if cond.kind == "attribute":
            return vector(cond.pred, view.attribute(cond.field))
        name, unit = cond.field.split(".")
        return vector(cond.pred, view.size(name, unit))
    if isinstance(cond, Not):
        return ~mask(cond.item, view)
    keep = isinstance(cond, All)
    out = np.ones(len(view), dtype=bool) if keep else np.zeros(len(view), dtype=bool)
    for c in cond.items:
        out = narrowed(c, view, out, keep=keep)
    return out


def _attribute_shown(t: Test, value: Any) -> Any:
    """The logged model, the logged time where the rule reads it, or where a split put the request."""
    import math

    if t.field == "split":
        return f"{value!r} at {split_point(t.pred.seed, str(value)):.2f}"  # type: ignore[union-attr]
    if t.field == "time":
        if not isinstance(value, float | int) or math.isnan(value):
            return "<no timestamp>"
        from datetime import datetime
        from zoneinfo import ZoneInfo

        local = datetime.fromtimestamp(math.floor(value), ZoneInfo(t.pred.tz))  # type: ignore[union-attr]
        return local.strftime("%a %Y-%m-%d %H:%M:%S")
    return "<missing>" if value is None else value


NARROW_BELOW = 0.5  # evaluate on a subset once fewer than this share of rows is still open


def narrowed(cond: Condition, view: FrameView, current: np.ndarray, *, keep: bool) -> np.ndarray:
    """AND (keep=True) or OR (keep=False) ``cond`` into ``current``, evaluating it only on the rows
    whose outcome is still open when they are few: the rest of an AND is false, of an OR true."""
    open_rows = current.nonzero()[0] if keep else (~current).nonzero()[0]
    if len(open_rows) == 0:
        return current
    if len(open_rows) >= NARROW_BELOW * len(view):
        return current & mask(cond, view) if keep else current | mask(cond, view)
    out = current.copy()
    out[open_rows] = mask(cond, view.take(open_rows))
    return out


def get_path(mapping: Any, path: str) -> Any:
    """The value at a dotted path in nested mappings, or MISSING."""
    value = mapping
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return MISSING
        value = value[part]
    return value
