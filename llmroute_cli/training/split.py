"""Held-out splits: whole groups (a subject, a file, a task) or the latest stretch of time, never only random rows.

Groups are shuffled with the seed and taken whole until the held-out part has its share of the
rows, so no group's queries sit on both sides; a time split holds out the latest requests. The
validation part (where the threshold is chosen) is carved from what is left the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmroute_cli.errors import LlmrouteError

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True, slots=True)
class Split:
    """Row positions of the train, validation and test parts, and which groups each holds."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    how: str
    test_groups: tuple[str, ...] = ()
    validation_groups: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "by": self.how,
            "rows": {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)},
        }
        if self.test_groups:
            out["test_groups"] = list(self.test_groups)
            out["validation_groups"] = list(self.validation_groups)
        return out


def split(groups: list[Any], how: str, test_share: float, validation_share: float, seed: int, has_test: bool) -> Split:
    """Split rows by ``how`` (``time``, or groups); with ``has_test`` the test rows come from elsewhere."""
    import numpy as np

    rows = np.arange(len(groups))
    if how == "time":
        rest, test = (rows, rows[:0]) if has_test else _latest(groups, rows, test_share)
        train, validation = _latest(groups, rest, validation_share)
        return Split(train, validation, test, how)
    rng = np.random.default_rng(seed)
    rest, test, test_names = (rows, rows[:0], ()) if has_test else _by_groups(groups, rows, test_share, rng, "test")
    train, validation, validation_names = _by_groups(groups, rest, validation_share, rng, "validation")
    return Split(train, validation, test, how, test_names, validation_names)


def _latest(times: list[Any], rows: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """(earlier rows, the latest ``share`` of rows), each in time order."""
    import numpy as np

    ordered = rows[np.argsort(np.asarray(times, dtype=np.float64)[rows], kind="stable")]
    cut = len(ordered) - max(1, round(share * len(ordered)))
    if cut < 1:
        raise LlmrouteError(f"{len(rows)} labeled queries are too few to hold some out by time")
    return ordered[:cut], ordered[cut:]


def _by_groups(
    groups: list[Any], rows: np.ndarray, share: float, rng: np.random.Generator, part: str
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """(kept rows, held-out rows, held-out group names): shuffled whole groups until ``share`` of the rows."""
    import numpy as np

    keys = np.asarray([str(groups[i]) for i in rows], dtype=object)
    names, counts = np.unique(keys, return_counts=True)
    if len(names) < 2:
        raise LlmrouteError(
            f"the {part} split needs at least 2 groups, found {len(names)}: "
            "group by a field with more values (--group-by metadata.KEY, file, time)"
        )
    order = rng.permutation(len(names))
    target, taken, held = share * len(rows), 0, []
    for i in order[:-1]:  # at least one group stays on the kept side
        if taken >= target:
            break
        held.append(names[i])
        taken += counts[i]
    out = np.isin(keys, held)
    return rows[~out], rows[out], tuple(sorted(str(h) for h in held))
