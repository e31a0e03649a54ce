"""Latency as logged and as routed, from the requests whose logs carry one.

A request's latency on a model is its own logged latency when it was logged on that model, and
otherwise that model's median logged latency over the whole log (an estimate, counted). A cascade's
escalated request waits for both calls: its first tier's latency plus its second's. Percentiles are
nearest-rank (the smallest value with at least p% of the requests at or below it), so every figure
is one a reader can find by sorting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

PERCENTILES = (50, 95)


@dataclass(frozen=True, slots=True)
class LatencyChunk:
    """One chunk's requests with a logged latency: milliseconds, logged model (index into ``names``, -1 none), slot."""

    ms: np.ndarray
    logged: np.ndarray
    names: tuple[str, ...]
    slot: np.ndarray


@dataclass(frozen=True, slots=True)
class Latency:
    """Nearest-rank p50 and p95 before (as logged) and after routing, over the same requests."""

    requests: int
    before: tuple[float, ...]
    after: tuple[float, ...] | None  # None when a model the policy routes to never logged a latency
    estimated_calls: int  # calls timed by their model's median latency, not their own
    escalated: int  # requests that also wait for a cascade's first call
    missing_models: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        after = None if self.after is None else dict(zip(_keys(), self.after, strict=True))
        added = None if self.after is None else dict(zip(_keys(), _minus(self.after, self.before), strict=True))
        return {
            "requests": self.requests,
            "before_ms": dict(zip(_keys(), self.before, strict=True)),
            "after_ms": after,
            "added_ms": added,
            "estimated_calls": self.estimated_calls,
            "escalated": self.escalated,
            "missing_models": list(self.missing_models),
        }


def _keys() -> list[str]:
    return [f"p{p}" for p in PERCENTILES]


def _minus(a: tuple[float, ...], b: tuple[float, ...]) -> list[float]:
    return [round(x - y, 6) for x, y in zip(a, b, strict=True)]


def nearest_rank(values: np.ndarray, percent: int) -> float:
    """The smallest value with at least ``percent``% of ``values`` at or below it (integer arithmetic)."""
    import numpy as np

    k = -(-percent * len(values) // 100)  # ceil(percent * n / 100), at least 1 for n >= 1
    return float(np.partition(values, max(k, 1) - 1)[max(k, 1) - 1])


def chunk_of(ms: np.ndarray, logged: np.ndarray, names: list[str], slot: np.ndarray) -> LatencyChunk | None:
    """The requests of one chunk that logged a latency, or None if none did."""
    import numpy as np

    has = ~np.isnan(ms)
    if not has.any():
        return None
    return LatencyChunk(ms[has], logged[has], tuple(names), slot[has])


def summarize(chunks: list[LatencyChunk], slot_models: list[str], first_models: list[str | None]) -> Latency | None:
    """Latency before and after routing; ``first_models`` names each slot's cascade first call (None: no cascade)."""
    import numpy as np

    if not chunks:
        return None
    ms = np.concatenate([c.ms for c in chunks])
    logged = np.concatenate([_as_names(c) for c in chunks])
    slot = np.concatenate([c.slot for c in chunks])
    medians = {m: nearest_rank(ms[logged == m], 50) for m in set(logged.tolist()) if m}
    wanted = set(slot_models) | {m for m in first_models if m}
    missing = tuple(sorted(m for m in wanted if m not in medians and (_routed_to(m, slot, slot_models, first_models))))
    before = tuple(nearest_rank(ms, p) for p in PERCENTILES)
    routed = np.array(slot_models, dtype=object)[slot]
    first = np.array(first_models, dtype=object)[slot]
    escalated = first != None  # noqa: E711  (elementwise)
    if missing:
        return Latency(len(ms), before, None, 0, int(escalated.sum()), missing)
    after, estimated = _on(routed, ms, logged, medians)
    if escalated.any():
        extra, more = _on(first[escalated], ms[escalated], logged[escalated], medians)
        after[escalated] += extra
        estimated += more
    routed_p = tuple(nearest_rank(after, p) for p in PERCENTILES)
    return Latency(len(ms), before, routed_p, estimated, int(escalated.sum()), ())


def _as_names(chunk: LatencyChunk) -> np.ndarray:
    import numpy as np

    names = np.array([*chunk.names, ""], dtype=object)  # code -1 (no logged model) picks ""
    return names[chunk.logged]


def _routed_to(model: str, slot: np.ndarray, slot_models: list[str], first_models: list[str | None]) -> bool:
    """Whether any request with a logged latency goes to ``model``, as its tier or a cascade's first call."""
    import numpy as np

    slots = [i for i, (m, f) in enumerate(zip(slot_models, first_models, strict=True)) if model in (m, f)]
    return bool(np.isin(slot, slots).any())


def _on(models: np.ndarray, ms: np.ndarray, logged: np.ndarray, medians: dict[str, float]) -> tuple[np.ndarray, int]:
    """Each request's latency on ``models`` (its own if logged there, else the model's median); how many estimated."""
    import numpy as np

    own = logged == models
    typical = np.array([medians[m] for m in models.tolist()], dtype=np.float64) if len(models) else np.zeros(0)
    return np.where(own, ms, typical), int((~own).sum())
