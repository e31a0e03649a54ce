"""Routing quality counted over the labeled requests: under- and over-routing, mean quality, gap recovered.

Every metric counts labeled requests only; the counts of labeled and unlabeled requests say so.
How a request's labels are read is ``quality.labels``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmroute_cli.errors import LlmrouteError
from llmroute_cli.quality.labels import CHEAP, EXPENSIVE, LABEL_FIELDS, Outcome, QualitySpec, outcome, rule_name

WORKS_BELOW, TIGHTEN_ABOVE = 0.10, 0.20
NO_LABELS = (
    "no request has quality labels; give records a top-level field: "
    "needed (cheap|expensive), judge (cheap_ok|expensive_better|tie), "
    "correct ({model: true|false}), scores ({model: number})"
)


def verdict(share: float | None) -> str | None:
    """The brief's reading of an under-routing share: < 10% works, 10-20% watch it, > 20% tighten."""
    if share is None:
        return None
    if share < WORKS_BELOW:
        return "routing works"
    return "watch it" if share <= TIGHTEN_ABOVE else "tighten the rules"


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True, slots=True)
class QualityMeans:
    """Mean quality over the requests where the routed, cheap and expensive tiers' quality are all known."""

    requests: int
    routed: float
    all_cheap: float
    all_expensive: float
    gap_recovered: float | None
    expensive_share: float = 0.0  # of these requests, the share routed expensive: the x of a cost-quality curve

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "expensive_share": self.expensive_share,
            "routed": self.routed,
            "all_cheap": self.all_cheap,
            "all_expensive": self.all_expensive,
            "gap_recovered": self.gap_recovered,
        }


@dataclass(slots=True)
class _Counts:
    """Running counts for all requests or for one rule's."""

    requests: int = 0
    labeled: int = 0
    needed_expensive: int = 0
    cheap_routed: int = 0
    under_routed: int = 0
    expensive_routed: int = 0
    over_routed: int = 0
    # scale -> [requests, routed, cheap, expensive quality sums, requests sent expensive]
    quality_sums: dict[str, list[float]] = field(default_factory=dict)

    def add(self, routed: str, result: Outcome, spec: QualitySpec) -> None:
        self.requests += 1
        c, e, needed = spec.cheap_tier, spec.expensive_tier, result.needed
        if needed is not None:
            self.labeled += 1
            self.needed_expensive += needed == EXPENSIVE
            below = routed != e  # with 3+ tiers, a middle tier is as short of the expensive one as the cheapest
            self.cheap_routed += below
            self.under_routed += below and needed == EXPENSIVE
            self.expensive_routed += routed == e
            self.over_routed += routed == e and needed == CHEAP
        q = result.quality
        if result.scale is not None and routed in q:
            sums = self.quality_sums.setdefault(result.scale, [0.0] * 5)
            for i, value in enumerate((1.0, q[routed], q[c], q[e], float(routed == e))):
                sums[i] += value

    def merge(self, other: _Counts) -> None:
        """Add another run's counts (one shard of the same logs)."""
        for name in (
            "requests",
            "labeled",
            "needed_expensive",
            "cheap_routed",
            "under_routed",
            "expensive_routed",
            "over_routed",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for scale, sums in other.quality_sums.items():
            mine = self.quality_sums.setdefault(scale, [0.0] * len(sums))
            for i, value in enumerate(sums):
                mine[i] += value

    def means(self) -> dict[str, QualityMeans]:
        out: dict[str, QualityMeans] = {}
        for scale in ("scores", "correct"):
            if scale in self.quality_sums:
                n, *sums = self.quality_sums[scale]
                routed, cheap, expensive, share = (x / n for x in sums)
                out[scale] = QualityMeans(int(n), routed, cheap, expensive, _recovered(routed, cheap, expensive), share)
        return out


def _recovered(routed: float, cheap: float, expensive: float) -> float | None:
    """(routed - cheap) / (expensive - cheap); None when the two tiers score the same."""
    return None if expensive == cheap else (routed - cheap) / (expensive - cheap)


@dataclass(frozen=True, slots=True)
class Rates:
    """Under- and over-routing: counts, the rates among the routed tier's labeled requests, shares of all labeled."""

    labeled: int
    needed_expensive: int
    cheap_routed: int
    under_routed: int
    expensive_routed: int
    over_routed: int

    @property
    def under_routing_rate(self) -> float | None:
        """Of the labeled requests sent below the expensive tier, the share that needed it (the headline metric)."""
        return ratio(self.under_routed, self.cheap_routed)

    @property
    def under_routing_share(self) -> float | None:
        """Of all labeled requests, the share sent cheap that needed the expensive tier."""
        return ratio(self.under_routed, self.labeled)

    @property
    def over_routing_rate(self) -> float | None:
        """Of the labeled requests sent expensive, the share the cheap tier would have served: wasted spend."""
        return ratio(self.over_routed, self.expensive_routed)

    @property
    def over_routing_share(self) -> float | None:
        return ratio(self.over_routed, self.labeled)

    @property
    def verdict(self) -> str | None:
        return verdict(self.under_routing_rate)

    def to_dict(self) -> dict[str, Any]:
        return {
            "labeled": self.labeled,
            "needed_expensive": self.needed_expensive,
            "cheap_routed": self.cheap_routed,
            "under_routed": self.under_routed,
            "under_routing_rate": self.under_routing_rate,
            "under_routing_share": self.under_routing_share,
            "expensive_routed": self.expensive_routed,
            "over_routed": self.over_routed,
            "over_routing_rate": self.over_routing_rate,
            "over_routing_share": self.over_routing_share,
            "verdict": self.verdict,
        }


def _rates(c: _Counts) -> Rates:
    return Rates(c.labeled, c.needed_expensive, c.cheap_routed, c.under_routed, c.expensive_routed, c.over_routed)


@dataclass(frozen=True, slots=True)
class RuleQuality:
    """One rule's share of the quality picture; ``rule`` is None for the default tier."""

    rule: str | None
    tier: str
    requests: int
    rates: Rates
    quality: dict[str, QualityMeans]  # by scale: "scores" and/or "correct"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "tier": self.tier,
            "requests": self.requests,
            **self.rates.to_dict(),
            "quality": {k: q.to_dict() for k, q in self.quality.items()},
        }


@dataclass(frozen=True, slots=True)
class QualityReport:
    """Routed tier against needed tier over the labeled requests, and the quality the routing kept."""

    cheap_tier: str
    expensive_tier: str
    requests: int
    rates: Rates
    needed_from: dict[str, int]
    confusion: dict[str, dict[str, int]]  # routed tier → needed (cheap/expensive) → requests
    quality: dict[str, QualityMeans]  # by scale: "scores" (judge or benchmark scores), "correct" (accuracy)
    rules: tuple[RuleQuality, ...]

    @property
    def labeled(self) -> int:
        return self.rates.labeled

    @property
    def unlabeled(self) -> int:
        return self.requests - self.rates.labeled

    @property
    def primary(self) -> QualityMeans | None:
        """The mean quality on the scale most requests carry (scores on a tie): one number for sweeps and curves."""
        if not self.quality:
            return None
        return max(self.quality.values(), key=lambda q: q.requests)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cheap_tier": self.cheap_tier,
            "expensive_tier": self.expensive_tier,
            "requests": self.requests,
            "unlabeled": self.unlabeled,
            **self.rates.to_dict(),
            "needed_from": dict(self.needed_from),
            "confusion": {r: dict(n) for r, n in self.confusion.items()},
            "quality": {k: q.to_dict() for k, q in self.quality.items()},
            "rules": [r.to_dict() for r in self.rules],
        }


class QualityAccumulator:
    """Feed it chunks of routed requests with their labels (``add``); read the report when done (``result``)."""

    def __init__(self, spec: QualitySpec) -> None:
        self.spec = spec
        self.total = _Counts()
        self.by_rule: dict[str | None, tuple[str, _Counts]] = {}
        self.confusion: dict[str, dict[str, int]] = {}
        self.needed_from = dict.fromkeys(LABEL_FIELDS, 0)
        self.unmatched: set[str] = set()  # model names in labels that no tier uses
        self.seen = 0

    def add(
        self,
        tiers: Sequence[str],
        labels: Sequence[Any],
        rules: Sequence[str | None],
        ids: Sequence[Any] | None = None,
    ) -> None:
        """Count one chunk: each request's routed tier, its labels (dict or None) and deciding rule.

        A bad label is an error naming the request by ``ids`` if given, else by its 1-based position.
        """
        for i, (tier, label, rule) in enumerate(zip(tiers, labels, rules, strict=True)):
            try:
                result = outcome(label, self.spec)
            except LlmrouteError as exc:
                where = f"request {ids[i]!r}" if ids is not None else f"request #{self.seen + i + 1}"
                raise LlmrouteError(f"{where}: {exc}") from None
            routed = str(tier)
            self.total.add(routed, result, self.spec)
            self.by_rule.setdefault(rule_name(rule), (routed, _Counts()))[1].add(routed, result, self.spec)
            if result.needed is not None and result.source is not None:
                self.needed_from[result.source] += 1
                self.confusion.setdefault(routed, {CHEAP: 0, EXPENSIVE: 0})[result.needed] += 1
            elif len(self.unmatched) < 10 and isinstance(label, Mapping):
                self.unmatched.update(
                    str(m) for k in ("scores", "correct") if isinstance(label.get(k), Mapping) for m in label[k]
                )
        self.seen += len(tiers)

    def merge(self, other: QualityAccumulator) -> None:
        """Add the counts of another accumulator over other requests with the same spec."""
        self.total.merge(other.total)
        for rule, (tier, counts) in other.by_rule.items():
            self.by_rule.setdefault(rule, (tier, _Counts()))[1].merge(counts)
        for routed, needed in other.confusion.items():
            mine = self.confusion.setdefault(routed, {CHEAP: 0, EXPENSIVE: 0})
            for key, n in needed.items():
                mine[key] = mine.get(key, 0) + n
        for source, n in other.needed_from.items():
            self.needed_from[source] = self.needed_from.get(source, 0) + n
        self.unmatched |= other.unmatched
        self.seen += other.seen

    def result(self) -> QualityReport:
        """The report; an error when no request carried a usable label."""
        if not self.total.labeled and not self.total.quality_sums:
            raise LlmrouteError(NO_LABELS + self._hint())
        rules = tuple(RuleQuality(r, t, c.requests, _rates(c), c.means()) for r, (t, c) in self.by_rule.items())
        return QualityReport(
            self.spec.cheap_tier,
            self.spec.expensive_tier,
            self.total.requests,
            _rates(self.total),
            dict(self.needed_from),
            {r: dict(n) for r, n in self.confusion.items()},
            self.total.means(),
            rules,
        )

    def _hint(self) -> str:
        if not self.unmatched:
            return ""
        c, e = self.spec.cheap_tier, self.spec.expensive_tier
        named = ", ".join(sorted(self.unmatched))
        return (
            f"; the labels score models {named}, but the tiers are {c}: {self.spec.models[c]}"
            f" and {e}: {self.spec.models[e]}"
        )
