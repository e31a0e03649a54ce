"""Routing quality from outcome labels: which tier each request needed, and what the routing cost in answers.

A request's *needed* tier comes from the first label that says (``needed``, then ``judge``, then
``correct``, then ``scores``):

- ``needed: cheap|expensive`` (the tier names of the policy are accepted too);
- ``judge: expensive_better`` → expensive; ``cheap_ok`` or ``tie`` → cheap;
- ``correct: {model: bool}`` → expensive when the expensive model is right and the cheap one wrong;
- ``scores: {model: number}`` → expensive when score(expensive) - score(cheap) ≥ ``score_gap`` (2).

A tier's *quality* on a request is its model's score when both the cheap and the expensive model
are scored, else 1/0 for its correctness when both are graded. Scores and correctness are on
different scales, so mean quality is kept per scale (``scores``, ``correct``), never mixed.
Labels name models as the tiers do (``gpt-4o``), by tier name (``cheap``), or by a dated or
provider-prefixed variant.
Every metric counts labeled requests only; the counts of labeled and unlabeled requests say so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmroute_cli.errors import LlmrouteError
from llmroute_cli.models import base_model

if TYPE_CHECKING:
    from llmroute_cli.pricing.book import PriceBook
    from llmroute_cli.rules.policy import Policy

CHEAP, EXPENSIVE = "cheap", "expensive"
LABEL_FIELDS = ("needed", "judge", "correct", "scores")
JUDGE_NEEDS = {"expensive_better": EXPENSIVE, "cheap_ok": CHEAP, "tie": CHEAP}
DEFAULT_SCORE_GAP = 2.0
WORKS_BELOW, TIGHTEN_ABOVE = 0.10, 0.20
NO_LABELS = (
    "no request has quality labels; give records a 'labels' field with any of: "
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
class QualitySpec:
    """Which tier is cheap and which expensive, the model each tier's labels are read under, the score gap."""

    cheap_tier: str
    expensive_tier: str
    models: dict[str, str]
    score_gap: float = DEFAULT_SCORE_GAP

    @classmethod
    def from_policy(
        cls,
        policy: Policy,
        prices: PriceBook,
        cheap: str | None = None,
        expensive: str | None = None,
        score_gap: float = DEFAULT_SCORE_GAP,
    ) -> QualitySpec:
        """Cheap and expensive default to the policy's cheapest and dearest tier (``pricing.tiers_by_price``)."""
        from llmroute_cli.pricing.book import tiers_by_price

        by_price = tiers_by_price(policy, prices)
        cheap, expensive = cheap or by_price[0], expensive or by_price[-1]
        for tier in (cheap, expensive):
            if tier not in policy.tiers:
                raise LlmrouteError(f"unknown tier '{tier}'; expected one of: {', '.join(policy.tiers)}")
        if cheap == expensive:
            raise LlmrouteError(f"the cheap and the expensive tier are both '{cheap}'; quality needs two tiers")
        return cls(cheap, expensive, dict(policy.tiers), score_gap)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One request's labels, read: the tier it needed (and from which label), each tier's quality on one scale."""

    needed: str | None = None
    source: str | None = None
    quality: dict[str, float] = field(default_factory=dict)
    scale: str | None = None  # "scores" or "correct"


def outcome(labels: Any, spec: QualitySpec) -> Outcome:
    """Read one request's labels (a dict, or None when unlabeled)."""
    if not isinstance(labels, Mapping) or not labels:
        return Outcome()
    scores = _per_model(labels, "scores", spec, _number)
    correct = _per_model(labels, "correct", spec, _boolean)
    c, e = spec.cheap_tier, spec.expensive_tier
    scale = "scores" if c in scores and e in scores else "correct" if c in correct and e in correct else None
    quality = {t: float(v) for t, v in (scores if scale == "scores" else correct if scale else {}).items()}
    needed, source = _needed(labels, spec), "needed"
    if needed is None:
        needed, source = _judged(labels), "judge"
    if needed is None and c in correct and e in correct:
        needed, source = (EXPENSIVE if correct[e] and not correct[c] else CHEAP), "correct"
    if needed is None and c in scores and e in scores:
        needed, source = (EXPENSIVE if scores[e] - scores[c] >= spec.score_gap else CHEAP), "scores"
    return Outcome(needed, source if needed else None, quality, scale)


def _needed(labels: Mapping[str, Any], spec: QualitySpec) -> str | None:
    value = labels.get("needed")
    if value is None:
        return None
    names = {CHEAP: CHEAP, EXPENSIVE: EXPENSIVE, spec.cheap_tier: CHEAP, spec.expensive_tier: EXPENSIVE}
    if not isinstance(value, str) or value not in names:
        raise LlmrouteError(f"label 'needed' is {value!r}; expected one of: {', '.join(dict.fromkeys(names))}")
    return names[value]


def _judged(labels: Mapping[str, Any]) -> str | None:
    value = labels.get("judge")
    if value is None:
        return None
    if not isinstance(value, str) or value not in JUDGE_NEEDS:
        raise LlmrouteError(f"label 'judge' is {value!r}; expected one of: {', '.join(JUDGE_NEEDS)}")
    return JUDGE_NEEDS[value]


def _per_model(labels: Mapping[str, Any], key: str, spec: QualitySpec, check: Any) -> dict[str, Any]:
    """``labels[key]`` re-keyed by tier: {model or tier name: value} → {tier: value}."""
    table = labels.get(key)
    if table is None:
        return {}
    if not isinstance(table, Mapping):
        raise LlmrouteError(f"label '{key}' must map model names to values, got {table!r}")
    out: dict[str, Any] = {}
    for tier, model in spec.models.items():
        name = model_key(table, model, tier)
        if name is not None and table[name] is not None:
            out[tier] = check(table[name], f"label '{key}' of '{name}'")
    return out


def model_key(table: Mapping[str, Any], model: str, tier: str) -> str | None:
    """The key naming ``model``: itself, its tier's name, or a dated or provider-prefixed variant."""
    if model in table:
        return model
    if tier in table:
        return tier
    base = base_model(model)
    return next((k for k in table if base_model(str(k)) == base), None)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise LlmrouteError(f"{what} must be a number, got {value!r}")
    return float(value)


def _boolean(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise LlmrouteError(f"{what} must be true or false, got {value!r}")
    return value


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
            self.cheap_routed += routed == c
            self.under_routed += routed == c and needed == EXPENSIVE
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
        """Of the labeled requests sent cheap, the share that needed the expensive tier (the brief's metric)."""
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


def rule_name(rule: Any) -> str | None:
    """A rule name from a decision column; None (or pandas' NaN) is the default tier."""
    if rule is None or (isinstance(rule, float) and math.isnan(rule)):
        return None
    return str(rule)
