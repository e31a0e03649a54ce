"""Routing without pricing: requests decided per rule (``check --logs``), each one's decision (``sample``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmroute_cli.engine.router import Router


MAX_PATHS = 1000  # metadata paths gathered at most: enough to name what the logs have


def metadata_paths(meta: dict[str, Any], prefix: str = "metadata", depth: int = 4) -> list[str]:
    """Every dotted path into one request's metadata (``metadata.user``, ``metadata.user.plan``), a few levels deep."""
    out = []
    for key, value in meta.items():
        path = f"{prefix}.{key}"
        out.append(path)
        if isinstance(value, dict) and depth > 1:
            out += metadata_paths(value, path, depth - 1)
    return out


@dataclass(slots=True)
class RuleHits:
    """Requests decided per rule slot (the policy's rules, then the default): a pipeline accumulator."""

    router: Router
    counts: list[int] = field(default_factory=list)
    paths: set[str] | None = None  # the metadata paths the requests have, when asked (``check --logs``)

    def __post_init__(self) -> None:
        self.counts = self.counts or [0] * (len(self.router.policy.rules) + 1)

    def add(self, chunk: Any) -> None:
        self.add_indices(self.router.rule_indices(chunk))
        self.add_paths(chunk)

    def add_indices(self, idx: Any) -> None:
        """Count a chunk already routed: its rule indices (-1 the default)."""
        import numpy as np

        slots = len(self.counts)
        found = np.bincount(np.where(idx < 0, slots - 1, idx), minlength=slots)
        self.counts = [a + int(b) for a, b in zip(self.counts, found, strict=True)]

    def add_paths(self, chunk: Any) -> None:
        """Gather the chunk's metadata paths, when asked to."""
        if self.paths is not None and "metadata" in chunk:
            for meta in chunk["metadata"]:
                if isinstance(meta, dict) and len(self.paths) < MAX_PATHS:
                    self.paths.update(metadata_paths(meta))

    def merge(self, other: RuleHits) -> None:
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        if self.paths is not None and other.paths is not None:
            self.paths |= other.paths

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class RuleHitCounts:
    """Makes the rule-hit count of one policy for each part of the logs."""

    router: Router
    paths: bool = False  # also gather the metadata paths the requests have

    def __call__(self, part: int) -> RuleHits:
        return RuleHits(self.router, paths=set() if self.paths else None)


@dataclass(slots=True)
class TakenRequests:
    """Rule hits, and for each of ``later`` (rule indices) the requests it matches that an earlier rule
    to another tier decided, per deciding rule: ``check --logs``' accumulator."""

    router: Router
    later: tuple[int, ...]
    hits: RuleHits | None = None
    taken: dict[int, dict[int, int]] = field(default_factory=dict)
    paths: bool = False  # also gather the metadata paths the requests have

    def __post_init__(self) -> None:
        self.hits = self.hits or RuleHits(self.router, paths=set() if self.paths else None)
        self.taken = self.taken or {j: {} for j in self.later}

    def add(self, chunk: Any) -> None:
        import numpy as np

        from llmroute_cli.engine.conditions import mask
        from llmroute_cli.engine.views import FrameRequests

        assert self.hits is not None
        idx = self.router.rule_indices(chunk)
        self.hits.add_indices(idx)
        self.hits.add_paths(chunk)
        rules, view = self.router.policy.rules, FrameRequests(chunk, self.router.policy.tokenizer)
        tiers = np.array([r.tier for r in rules] + [""], dtype=object)
        for j in self.later:
            took = mask(rules[j].when, view) & (idx >= 0) & (idx < j) & (tiers[idx] != rules[j].tier)
            for i, n in zip(*np.unique(idx[took], return_counts=True), strict=True):
                self.taken[j][int(i)] = self.taken[j].get(int(i), 0) + int(n)

    def merge(self, other: TakenRequests) -> None:
        assert self.hits is not None and other.hits is not None
        self.hits.merge(other.hits)
        for j, by_rule in other.taken.items():
            for i, n in by_rule.items():
                self.taken[j][i] = self.taken[j].get(i, 0) + n


@dataclass(frozen=True, slots=True)
class TakenCounts:
    """Makes ``TakenRequests`` for each part of the logs."""

    router: Router
    later: tuple[int, ...]
    paths: bool = False

    def __call__(self, part: int) -> TakenRequests:
        return TakenRequests(self.router, self.later, paths=self.paths)


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
