"""Route logged requests chunk by chunk and total what each tier and rule would cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .counting import TokenCounter
from .errors import LlmrouteError
from .router import Router

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

DEFAULT_OUTPUT_RATIO = 0.25


@dataclass(frozen=True, slots=True)
class SimulateOptions:
    """How to fill gaps in the logs and which tier is the all-expensive baseline."""

    output_tokens: int | None = None
    output_ratio: float = DEFAULT_OUTPUT_RATIO
    output_ratio_given: bool = False
    baseline_tier: str | None = None


@dataclass(slots=True)
class Totals:
    """Running sums over every chunk; indices follow the policy's rules, the last slot is the default."""

    queries: np.ndarray
    input_tokens: np.ndarray
    output_tokens: np.ndarray
    cost: np.ndarray
    baseline_cost: float = 0.0
    logged_cost: float = 0.0
    rows_with_model: int = 0
    input_logged: int = 0
    output_logged: int = 0
    first_ts: float = float("inf")
    last_ts: float = float("-inf")
    rows_with_time: int = 0
    logged_models: dict[str, int] = field(default_factory=dict)


class Simulation:
    """Feed it chunks of requests (``add``); read the totals when done."""

    def __init__(self, router: Router, options: SimulateOptions, counter: TokenCounter | None = None) -> None:
        import numpy as np

        self.router, self.options = router, options
        self.counter = counter or TokenCounter(router.policy.tokenizer)
        policy = router.policy
        self.baseline_tier = options.baseline_tier or most_expensive_tier(router)
        if self.baseline_tier not in policy.tiers:
            raise LlmrouteError(
                f"unknown baseline tier '{self.baseline_tier}'; expected one of: {', '.join(policy.tiers)}"
            )
        slots = len(policy.rules) + 1
        self.slot_tiers = [r.tier for r in policy.rules] + [policy.default]
        prices = [policy.price(policy.tiers[t]) for t in self.slot_tiers]
        self.in_price = np.array([p.input for p in prices]) / 1e6
        self.out_price = np.array([p.output for p in prices]) / 1e6
        self.totals = Totals(*(np.zeros(slots, dtype=np.int64) for _ in range(3)), np.zeros(slots))

    def add(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """Route one chunk, add it to the totals, return its per-request decisions."""
        import numpy as np

        frame = self._with_tokens(chunk)
        idx = self.router.rule_indices(frame)
        slot = np.where(idx < 0, len(self.slot_tiers) - 1, idx)
        inp = frame["input_tokens"].to_numpy(dtype=np.int64)
        out = frame["output_tokens"].to_numpy(dtype=np.int64)
        cost = inp * self.in_price[slot] + out * self.out_price[slot]
        self._accumulate(slot, inp, out, cost, frame)
        decisions = self.router.decisions_from_indices(idx, frame.index)
        decisions.insert(0, "id", _row_ids(frame))
        decisions["input_tokens"], decisions["output_tokens"], decisions["cost_usd"] = inp, out, cost
        return decisions

    def _with_tokens(self, chunk: pd.DataFrame) -> pd.DataFrame:
        import numpy as np
        import pandas as pd

        frame = chunk.copy(deep=False)
        logged_in = _int_or_missing(frame, "input_tokens")
        missing = np.isnan(logged_in)
        if missing.any():
            sub = frame[missing]
            messages = sub["messages"] if "messages" in sub else pd.Series([None] * len(sub))
            counted = self.counter.requests(sub["query"].tolist(), _texts(sub, "context"), messages.tolist())
            logged_in[missing] = counted
        frame["input_tokens"] = logged_in.astype(np.int64)
        self.totals.input_logged += int((~missing).sum())
        for name in self.router.token_fields - {"request"}:
            frame[f"{name}_tokens"] = self.counter.counts(_texts(frame, name))
        frame["output_tokens"] = self._output_tokens(frame, logged_in)
        return frame

    def _output_tokens(self, frame: pd.DataFrame, inputs: np.ndarray) -> np.ndarray:
        import numpy as np

        logged = _int_or_missing(frame, "output_tokens")
        missing = np.isnan(logged)
        self.totals.output_logged += int((~missing).sum())
        if self.options.output_tokens is not None:
            estimate = np.full(len(frame), float(self.options.output_tokens))
        else:
            estimate = np.rint(inputs * self.options.output_ratio)
        return np.where(missing, estimate, logged).astype(np.int64)

    def _accumulate(
        self, slot: np.ndarray, inp: np.ndarray, out: np.ndarray, cost: np.ndarray, frame: pd.DataFrame
    ) -> None:
        import numpy as np

        t, n = self.totals, len(self.slot_tiers)
        t.queries += np.bincount(slot, minlength=n)
        t.input_tokens += np.bincount(slot, weights=inp, minlength=n).astype(np.int64)
        t.output_tokens += np.bincount(slot, weights=out, minlength=n).astype(np.int64)
        t.cost += np.bincount(slot, weights=cost, minlength=n)
        base = self.router.policy.price(self.router.model(self.baseline_tier))
        t.baseline_cost += float(base.input_cost(inp.sum()) + base.output_cost(out.sum()))
        self._accumulate_logged(frame, inp, out)
        self._accumulate_time(frame)

    def _accumulate_logged(self, frame: pd.DataFrame, inp: np.ndarray, out: np.ndarray) -> None:
        if "model" not in frame:
            return
        t = self.totals
        models = frame["model"]
        for model, rows in models.groupby(models, observed=True).indices.items():
            price = self.router.policy.price(str(model))
            t.logged_cost += float(price.input_cost(inp[rows].sum()) + price.output_cost(out[rows].sum()))
            t.rows_with_model += len(rows)
            t.logged_models[str(model)] = t.logged_models.get(str(model), 0) + len(rows)

    def _accumulate_time(self, frame: pd.DataFrame) -> None:
        import numpy as np

        if "timestamp" not in frame:
            return
        ts = frame["timestamp"].to_numpy(dtype=float, na_value=np.nan)
        ts = ts[~np.isnan(ts)]
        if len(ts):
            t = self.totals
            t.first_ts, t.last_ts = min(t.first_ts, float(ts.min())), max(t.last_ts, float(ts.max()))
            t.rows_with_time += len(ts)


def most_expensive_tier(router: Router) -> str:
    """The tier whose model costs most per input+output token: the 'everything expensive' baseline."""
    policy = router.policy
    return max(policy.tiers, key=lambda t: (lambda p: p.input + p.output)(policy.price(policy.tiers[t])))


def _int_or_missing(frame: pd.DataFrame, column: str) -> np.ndarray:
    import numpy as np

    if column not in frame:
        return np.full(len(frame), np.nan)
    return frame[column].to_numpy(dtype=float, na_value=np.nan)


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame:
        return [""] * len(frame)
    return frame[column].fillna("").astype(str).tolist()


def _row_ids(frame: pd.DataFrame) -> list[Any]:
    ids = frame["id"].tolist() if "id" in frame else [None] * len(frame)
    sources = frame["source"].tolist() if "source" in frame else [""] * len(frame)
    lines = frame["line"].tolist() if "line" in frame else list(range(1, len(frame) + 1))
    return [i if i else f"{s}:{n}" for i, s, n in zip(ids, sources, lines, strict=True)]
