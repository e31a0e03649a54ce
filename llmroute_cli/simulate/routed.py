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
        import numpy as np

        idx = self.router.rule_indices(chunk)
        slots = len(self.counts)
        found = np.bincount(np.where(idx < 0, slots - 1, idx), minlength=slots)
        self.counts = [a + int(b) for a, b in zip(self.counts, found, strict=True)]
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
