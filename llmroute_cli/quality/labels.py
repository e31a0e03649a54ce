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
from collections.abc import Mapping
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


def rule_name(rule: Any) -> str | None:
    """A rule name from a decision column; None (or pandas' NaN) is the default tier."""
    if rule is None or (isinstance(rule, float) and math.isnan(rule)):
        return None
    return str(rule)
