"""When the logged requests were made, by UTC day: enough to tell a period stretched by a few stray timestamps.

A day's entry holds its request count and its first and last timestamp, so shards merge exactly and the
outliers' count and times are exact; only the central span is measured in whole days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

DAY = 86_400.0
MIN_REQUESTS = 10  # fewer timestamps say nothing about which of them are stray
TAIL = 100  # one request in TAIL at each end lies outside the central 98%
STRETCH = 10  # first to last more than this many times the central span: the period is the outliers'


@dataclass(frozen=True, slots=True)
class Outliers:
    """Requests far outside the central 98% of timestamps, which set the period's ends."""

    count: int
    earliest: float  # unix seconds of the first outlier
    latest: float  # and of the last
    central_start: float  # unix seconds of the first central day's midnight
    central_end: float  # and of the midnight after the last central day


@dataclass(slots=True)
class Timeline:
    """Per day (unix seconds // 86,400): requests, first and last timestamp."""

    days: dict[int, tuple[int, float, float]] = field(default_factory=dict)

    def add(self, ts: np.ndarray) -> None:
        """Count timestamps (unix seconds, none NaN) into their days."""
        import numpy as np

        if not len(ts):
            return
        day = np.floor(ts / DAY).astype(np.int64)
        order = np.argsort(day, kind="stable")
        day, ts = day[order], ts[order]
        starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
        counts = np.diff(np.r_[starts, len(day)])
        firsts, lasts = np.minimum.reduceat(ts, starts), np.maximum.reduceat(ts, starts)
        for entry in zip(day[starts].tolist(), counts.tolist(), firsts.tolist(), lasts.tolist(), strict=True):
            self._put(*entry)

    def merge(self, other: Timeline) -> None:
        """Add the days of other requests (a shard of the logs)."""
        for d, entry in other.days.items():
            self._put(d, *entry)

    def _put(self, d: int, n: int, first: float, last: float) -> None:
        old = self.days.get(d)
        self.days[d] = (n, first, last) if old is None else (old[0] + n, min(old[1], first), max(old[2], last))

    def outliers(self) -> Outliers | None:
        """The stray requests when first to last is over STRETCH times the central 98%'s days; else None."""
        days = sorted(self.days)
        total = sum(self.days[d][0] for d in days)
        if total < MIN_REQUESTS:
            return None
        drop = max(1, total // TAIL)
        low, high = _day_at(self.days, days, drop), _day_at(self.days, days, total - 1 - drop)
        width = high - low + 1
        span = (self.days[days[-1]][2] - self.days[days[0]][1]) / DAY
        if span <= STRETCH * width:
            return None
        stray = [d for d in days if d < low - width or d > high + width]
        return Outliers(
            sum(self.days[d][0] for d in stray),
            min(self.days[d][1] for d in stray),
            max(self.days[d][2] for d in stray),
            low * DAY,
            (high + 1) * DAY,
        )


def _day_at(table: dict[int, tuple[int, float, float]], days: list[int], rank: int) -> int:
    """The day of the request at 0-based ``rank`` in time order."""
    seen = 0
    for d in days:
        seen += table[d][0]
        if rank < seen:
            return d
    return days[-1]
