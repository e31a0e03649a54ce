"""The compiled router: one policy, applied to a single request or to a DataFrame of many."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmroute_cli.engine.conditions import Trace, mask, test, trace
from llmroute_cli.engine.views import FrameRequests, Logged, OneRequest
from llmroute_cli.rules.files import read_rule_text
from llmroute_cli.rules.policy import Policy, load_policy
from llmroute_cli.tokens.chat import Structure

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

BUILTIN_SOURCE = "<built-in reference policy>"


@dataclass(frozen=True, slots=True)
class Decision:
    """Where one request goes and which rule sent it there (``rule`` is None for the default)."""

    tier: str
    model: str
    rule: str | None


@dataclass(frozen=True, slots=True)
class RuleTrace:
    name: str
    tier: str
    matched: bool
    condition: Trace


@dataclass(frozen=True, slots=True)
class Explanation:
    """The decision plus every rule tried up to and including the one that matched."""

    decision: Decision
    tried: tuple[RuleTrace, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules": [
                {"name": t.name, "tier": t.tier, "matched": t.matched, "condition": t.condition.to_dict()}
                for t in self.tried
            ],
            "default": self.decision.rule is None,
        }


class Router:
    """Routes requests with a compiled policy; first matching rule wins, else the default tier."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.fields = set().union(*(r.when.fields() for r in policy.rules)) if policy.rules else set()

    @classmethod
    def from_text(cls, text: str, source: str = "routes.yaml") -> Router:
        return cls(load_policy(text, source))

    @classmethod
    def from_file(cls, path: str | Path) -> Router:
        return cls.from_text(read_rule_text(path), str(path))

    @classmethod
    def builtin(cls) -> Router:
        text = resources.files("llmroute_cli").joinpath("data", "routes.yaml").read_text("utf-8")
        return cls.from_text(text, BUILTIN_SOURCE)

    @property
    def token_fields(self) -> set[str]:
        """Which of query/context/request a rule measures in tokens."""
        return {f.split(".")[0] for f in self.fields if f.endswith(".tokens")}

    def model(self, tier: str) -> str:
        return self.policy.tiers[tier]

    def _decision(self, index: int) -> Decision:
        if index < 0:
            return Decision(self.policy.default, self.model(self.policy.default), None)
        rule = self.policy.rules[index]
        return Decision(rule.tier, self.model(rule.tier), rule.name)

    def route(
        self,
        query: str,
        context: str | None = None,
        metadata: dict[str, Any] | None = None,
        input_tokens: int | None = None,
        shape: Structure | None = None,
        *,
        model: str | None = None,
        timestamp: float | None = None,
        request_id: str | None = None,
    ) -> Decision:
        """Decide one request: ``shape`` is its messages' system prompt, turns, tools and images;
        ``model``, ``timestamp`` (unix seconds) and ``request_id`` are as logged."""
        view = self._view(query, context, metadata, input_tokens, shape, Logged(request_id, model, timestamp))
        for i, rule in enumerate(self.policy.rules):
            if test(rule.when, view):
                return self._decision(i)
        return self._decision(-1)

    def explain(
        self,
        query: str,
        context: str | None = None,
        metadata: dict[str, Any] | None = None,
        input_tokens: int | None = None,
        shape: Structure | None = None,
        *,
        model: str | None = None,
        timestamp: float | None = None,
        request_id: str | None = None,
    ) -> Explanation:
        """Decide one request and say why: each rule tried, each condition with its value."""
        view = self._view(query, context, metadata, input_tokens, shape, Logged(request_id, model, timestamp))
        tried: list[RuleTrace] = []
        for i, rule in enumerate(self.policy.rules):
            how = trace(rule.when, view)
            tried.append(RuleTrace(rule.name, rule.tier, how.result, how))
            if how.result:
                return Explanation(self._decision(i), tuple(tried))
        return Explanation(self._decision(-1), tuple(tried))

    def _view(
        self,
        query: str,
        context: str | None,
        metadata: dict[str, Any] | None,
        tokens: int | None,
        shape: Structure | None,
        logged: Logged,
    ) -> OneRequest:
        return OneRequest(query, context or "", metadata or {}, tokens, self.policy.tokenizer, shape, logged)

    def rule_indices(self, frame: pd.DataFrame) -> np.ndarray:
        """Vectorised: the index of the deciding rule for every row, -1 for the default."""
        import numpy as np

        view = FrameRequests(frame, self.policy.tokenizer)
        out = np.full(len(frame), -1, dtype=np.int32)
        undecided = np.arange(len(frame))
        for i, rule in enumerate(self.policy.rules):
            if len(undecided) == 0:
                break
            # Later rules only see the requests earlier ones left undecided.
            sub = view if len(undecided) == len(frame) else view.take(undecided)
            matched = mask(rule.when, sub)
            out[undecided[matched]] = i
            undecided = undecided[~matched]
        return out

    def route_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Vectorised: categorical ``tier``, ``model`` and ``rule`` columns for every row of ``frame``."""

        idx = self.rule_indices(frame)
        return self.decisions_from_indices(idx, frame.index)

    def decisions_from_indices(self, idx: np.ndarray, index: Any = None) -> pd.DataFrame:
        """Categorical tier/model/rule columns from rule indices (-1 = default)."""
        import pandas as pd

        tier_codes, model_codes, (tiers, models, rules) = self._categories
        return pd.DataFrame(
            {
                "tier": pd.Categorical.from_codes(tier_codes[idx], dtype=tiers),
                "model": pd.Categorical.from_codes(model_codes[idx], dtype=models),
                "rule": pd.Categorical.from_codes(idx, dtype=rules),
            },
            index=index,
        )

    @functools.cached_property
    def _categories(self) -> tuple[np.ndarray, np.ndarray, tuple[pd.CategoricalDtype, ...]]:
        """Tier and model codes by rule index (the default last, so -1 picks it) and the three dtypes,
        built once: validating categories cost more than routing a small chunk."""
        import numpy as np
        import pandas as pd

        policy = self.policy
        by_index = [r.tier for r in policy.rules] + [policy.default]
        tiers = list(dict.fromkeys(by_index))
        models = list(dict.fromkeys(policy.tiers[t] for t in tiers))
        tier_codes = np.array([tiers.index(t) for t in by_index], dtype=np.int32)
        model_codes = np.array([models.index(policy.tiers[t]) for t in by_index], dtype=np.int32)
        dtypes = tuple(pd.CategoricalDtype(c) for c in (tiers, models, [r.name for r in policy.rules]))
        return tier_codes, model_codes, dtypes
