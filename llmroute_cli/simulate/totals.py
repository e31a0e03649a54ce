"""Running sums of a simulation, and how the sums of two shards of the logs add up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmroute_cli.simulate.context import merge_too_long
from llmroute_cli.simulate.timeline import Timeline

if TYPE_CHECKING:
    import numpy as np


@dataclass(slots=True)
class Totals:
    """Running sums over every chunk; indices follow the policy's rules, the last slot is the default.

    Costs are exact whole numbers of ``money.UNITS_PER_DOLLAR`` (so shards and chunks sum alike)."""

    queries: np.ndarray
    input_tokens: np.ndarray
    output_tokens: np.ndarray
    cost_units: list[int]
    baseline_units: int = 0
    logged_units: int = 0
    overhead_units: int = 0
    overhead_tokens: int = 0
    rows_with_model: int = 0
    moved: int = 0
    input_logged: int = 0
    output_logged: int = 0
    cached_rows: int = 0
    batch_rows: int = 0
    long_context_rows: int = 0
    reasoning_tokens: int = 0
    first_ts: float = float("inf")
    last_ts: float = float("-inf")
    rows_with_time: int = 0
    timeline: Timeline = field(default_factory=Timeline)  # timestamps by day, to tell stray ones
    logged_models: dict[str, int] = field(default_factory=dict)
    unknown_models: dict[str, list[Any]] = field(default_factory=dict)  # unpriced model → [requests, first file:line]
    skipped_models: dict[str, int] = field(default_factory=dict)  # requests left out by --unknown-model-price M=skip
    fine_tunes_at_base: dict[str, int] = field(default_factory=dict)  # base model → requests on its fine-tunes
    approximated: dict[str, int] = field(default_factory=dict)  # why counted tokens are a guess → requests
    bad_labels: int = 0
    bad_label_example: str | None = None
    output_by_group: dict[tuple[int, str], list[float]] = field(default_factory=dict)
    first_units: list[int] = field(default_factory=list)  # per slot: a cascade's first calls on escalated requests
    then_units: list[int] = field(default_factory=list)  # per slot: a cascade's kept requests on its second tier
    first_too_long: int = 0  # escalated requests too long for their cascade's first tier: that call is not made
    latency: list[Any] = field(default_factory=list)  # latency.LatencyChunk of each chunk that logged latencies
    # (slot, tier it went to or None: fits no tier) → context.TooLong fields, for requests too long for their tier
    too_long: dict[tuple[int, str | None], list[int]] = field(default_factory=dict)

    def add_costs(self, units: list[int]) -> None:
        """Add exact costs per slot."""
        self.cost_units = [a + b for a, b in zip(self.cost_units, units, strict=True)]

    def merge(self, other: Totals) -> None:
        """Add the sums of other requests (a shard of the logs)."""
        for name in self.__slots__:
            a, b = getattr(self, name), getattr(other, name)
            if name == "first_ts":
                setattr(self, name, min(a, b))
            elif name == "last_ts":
                setattr(self, name, max(a, b))
            elif name == "timeline":
                a.merge(b)
            elif name == "bad_label_example":
                setattr(self, name, a or b)
            elif name == "cost_units":
                self.add_costs(b)
            elif name in ("first_units", "then_units"):
                setattr(self, name, [x + y for x, y in zip(a, b, strict=True)])
            elif name in ("logged_models", "skipped_models", "fine_tunes_at_base", "approximated"):
                for model, n in b.items():
                    a[model] = a.get(model, 0) + n
            elif name == "unknown_models":  # shards merge in log order: the first place stays first
                for model, (n, where) in b.items():
                    a.setdefault(model, [0, where])[0] += n
            elif name == "too_long":
                for key, sums in b.items():
                    merge_too_long(a, key, sums)
            elif name == "output_by_group":
                for group, (total, n) in b.items():
                    entry = a.setdefault(group, [0.0, 0])
                    entry[0], entry[1] = entry[0] + total, entry[1] + n
            else:
                setattr(self, name, a + b)
