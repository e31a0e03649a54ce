"""Routing without pricing: requests decided per rule (``check --logs``), each one's decision (``sample``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmroute_cli.engine.router import Router


@dataclass(slots=True)
class RuleHits:
    """Requests decided per rule slot (the policy's rules, then the default): a pipeline accumulator."""

    router: Router
    counts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.counts = self.counts or [0] * (len(self.router.policy.rules) + 1)

    def add(self, chunk: Any) -> None:
        import numpy as np

        idx = self.router.rule_indices(chunk)
        slots = len(self.counts)
        found = np.bincount(np.where(idx < 0, slots - 1, idx), minlength=slots)
        self.counts = [a + int(b) for a, b in zip(self.counts, found, strict=True)]

    def merge(self, other: RuleHits) -> None:
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class RuleHitCounts:
    """Makes the rule-hit count of one policy for each part of the logs."""

    router: Router

    def __call__(self, part: int) -> RuleHits:
        return RuleHits(self.router)


@dataclass(slots=True)
class RoutedRequests:
    """Each request's id, tier and rule, and the file and line it came from: a pipeline accumulator."""

    router: Router
    parts: list[Any] = field(default_factory=list)

    def add(self, chunk: Any) -> None:
        import pandas as pd

        from llmroute_cli.logs.ids import row_ids

        d = self.router.route_frame(chunk)
        columns = {"id": row_ids(chunk), "tier": d["tier"].astype(str), "rule": d["rule"].astype(object)}
        self.parts.append(pd.DataFrame({**columns, "source": chunk["source"], "line": chunk["line"]}))

    def merge(self, other: RoutedRequests) -> None:
        self.parts += other.parts

    def frame(self) -> Any:
        import pandas as pd

        return pd.concat(self.parts, ignore_index=True)


@dataclass(frozen=True, slots=True)
class RoutedRequestLists:
    """Makes the routed-request list of one policy for each part of the logs."""

    router: Router

    def __call__(self, part: int) -> RoutedRequests:
        return RoutedRequests(self.router)
