"""The oracle as a router: each labeled request goes to the tier its labels say it needed.

It routes a frame like any ``Router`` (one rule, ``needed expensive``, else the default cheap tier),
so a ``Simulation`` prices it exactly; unlabeled requests go cheap. It has no single-request path:
the labels are known only in logs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmroute_cli.engine.router import Router
from llmroute_cli.errors import LlmrouteError
from llmroute_cli.quality.labels import EXPENSIVE, QualitySpec, outcome
from llmroute_cli.rules.conditions import All
from llmroute_cli.rules.policy import Policy, Rule

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

ORACLE_SOURCE = "(oracle)"
RULE = "needed expensive"


class OracleRouter(Router):
    """Routes by the labels: expensive where the request needed it, cheap otherwise."""

    def __init__(self, policy: Policy, spec: QualitySpec) -> None:
        oracle = Policy(
            ORACLE_SOURCE,
            dict(policy.tiers),
            spec.cheap_tier,
            (Rule(RULE, spec.expensive_tier, All(())),),
            dict(policy.prices),
            policy.tokenizer,
        )
        super().__init__(oracle)
        self.spec = spec

    def rule_indices(self, frame: pd.DataFrame) -> np.ndarray:
        import numpy as np

        labels = frame["labels"].tolist() if "labels" in frame else [None] * len(frame)
        return np.fromiter((0 if self._needed(label) else -1 for label in labels), dtype=np.int32, count=len(labels))

    def _needed(self, label: Any) -> bool:
        try:
            return outcome(label, self.spec).needed == EXPENSIVE
        except LlmrouteError:
            return False  # a malformed label: routed cheap here, counted by the quality figures

    def route(self, *args: Any, **kwargs: Any) -> Any:
        raise LlmrouteError("the oracle routes logged requests by their labels; it cannot route a single query")
