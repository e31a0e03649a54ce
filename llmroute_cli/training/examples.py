"""Labeled queries gathered from logs for training: text, group, time, needed tier and each tier's quality.

``LabeledQueries`` is an accumulator for the one read-and-route loop: it keeps, of every request
whose labels say which tier it needed, the query text, the value it is held out by (a metadata
field, its file, or its time), and the per-request quality of the cheap and the expensive tier
that APGR needs. Requests without labels are counted, malformed labels counted and named once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmroute_cli.engine.conditions import get_path
from llmroute_cli.errors import LlmrouteError
from llmroute_cli.quality.labels import EXPENSIVE, QualitySpec, outcome
from llmroute_cli.rules.conditions import MISSING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

SCALES = (
    "scores",
    "correct",
    "needed",
)  # per-request quality read from scores, from correctness, else 1/0 from the needed tier


@dataclass(slots=True)
class LabeledQueries:
    """What training keeps of each labeled request; ``meta_key`` a metadata path to group by, if any."""

    spec: QualitySpec
    meta_key: str | None = None
    texts: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    metas: list[Any] = field(default_factory=list)
    needed: list[bool] = field(default_factory=list)
    quality: list[tuple[float | None, float | None, str | None]] = field(default_factory=list)
    unlabeled: int = 0
    bad_labels: int = 0
    bad_label_example: str | None = None

    def add(self, chunk: pd.DataFrame) -> None:
        n = len(chunk)
        labels = chunk["labels"].tolist() if "labels" in chunk else [None] * n
        metadata = chunk["metadata"].tolist() if "metadata" in chunk else [None] * n
        times = chunk["timestamp"].tolist() if "timestamp" in chunk else [math.nan] * n
        columns = (chunk["query"].tolist(), labels, metadata, chunk["source"].tolist(), chunk["line"].tolist(), times)
        for query, label, meta, source, line, when in zip(*columns, strict=True):
            self._add(query, label, meta, source, line, when)

    def _add(self, query: Any, label: Any, meta: Any, source: str, line: int, when: Any) -> None:
        try:
            result = outcome(label, self.spec)
        except LlmrouteError as exc:
            self.bad_labels += 1
            self.bad_label_example = self.bad_label_example or f"{source}:{line}: {exc}"
            return
        if result.needed is None:
            self.unlabeled += 1
            return
        self.texts.append(query if isinstance(query, str) else "")
        self.sources.append(source)
        self.times.append(math.nan if when is None else float(when))
        self.metas.append(self._meta(meta))
        self.needed.append(result.needed == EXPENSIVE)
        q = result.quality
        self.quality.append((q.get(self.spec.cheap_tier), q.get(self.spec.expensive_tier), result.scale))

    def _meta(self, meta: Any) -> Any:
        if self.meta_key is None:
            return MISSING
        value = get_path(meta if isinstance(meta, dict) else {}, self.meta_key.removeprefix("metadata."))
        return value if value is MISSING else str(value)

    def merge(self, other: LabeledQueries) -> None:
        for name in ("texts", "sources", "times", "metas", "needed", "quality"):
            getattr(self, name).extend(getattr(other, name))
        self.unlabeled += other.unlabeled
        self.bad_labels += other.bad_labels
        self.bad_label_example = self.bad_label_example or other.bad_label_example

    def group_keys(self, how: str) -> list[Any]:
        """Each row's key under ``how`` (``metadata.KEY``, ``file``, ``time``, ``random``); MISSING when it has none."""
        if how == "file":
            return list(self.sources)
        if how == "time":
            return [MISSING if math.isnan(t) else t for t in self.times]
        if how == "random":
            return list(range(len(self.texts)))
        return list(self.metas)

    def examples(self, how: str = "random") -> tuple[Examples, int]:
        """The rows that have a key under ``how``, as arrays with quality on one scale; and how many had none."""
        import numpy as np

        keys = self.group_keys(how)
        rows = np.asarray([i for i, k in enumerate(keys) if k is not MISSING], dtype=np.int64)
        scale = _common_scale([self.quality[i] for i in rows])
        needed = np.asarray(self.needed, dtype=bool)[rows] if len(rows) else np.zeros(0, dtype=bool)
        if scale == "needed":
            qc, qe = (~needed).astype(np.float64), np.ones(len(needed))
        else:
            qc = np.asarray([self.quality[i][0] for i in rows], dtype=np.float64)
            qe = np.asarray([self.quality[i][1] for i in rows], dtype=np.float64)
        times = np.asarray(self.times, dtype=np.float64)[rows] if len(rows) else np.zeros(0)
        texts, groups = [self.texts[i] for i in rows], [keys[i] for i in rows]
        return Examples(texts, groups, times, needed, qc, qe, scale), len(keys) - len(rows)


def _common_scale(quality: list[tuple[float | None, float | None, str | None]]) -> str:
    """``scores`` or ``correct`` when every row has both tiers' quality on it, else ``needed``."""
    scales = {q[2] for q in quality}
    return str(scales.pop()) if len(scales) == 1 and None not in scales else "needed"


@dataclass(frozen=True, slots=True)
class Examples:
    """Labeled queries as arrays: ``needed`` is "needed the expensive tier", ``qc``/``qe`` each tier's quality."""

    texts: list[str]
    groups: list[Any]
    times: np.ndarray
    needed: np.ndarray
    qc: np.ndarray
    qe: np.ndarray
    scale: str

    def __len__(self) -> int:
        return len(self.texts)

    def take(self, rows: np.ndarray) -> Examples:
        texts = [self.texts[i] for i in rows]
        groups = [self.groups[i] for i in rows]
        return Examples(texts, groups, self.times[rows], self.needed[rows], self.qc[rows], self.qe[rows], self.scale)
