"""What a finished simulation hands to reporting: a frozen record of its totals, not the live Simulation."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from llmroute_cli.pricing.windows import Windows
    from llmroute_cli.quality.metrics import QualityReport
    from llmroute_cli.rules.policy import Policy
    from llmroute_cli.simulate.latency import Latency
    from llmroute_cli.simulate.simulation import SimulateOptions
    from llmroute_cli.simulate.totals import Totals


@dataclass(frozen=True, slots=True)
class PricedBy:
    """Which price entry priced a model: the table key, where it came from (``Price.where``) and its provider;
    ``preferred`` is the provider that should have priced it (``--provider``, else its own) when the entry is not
    that provider's (None when it is, or when the model's provider is not known)."""

    model: str
    key: str
    source: str
    provider: str | None
    preferred: str | None = None


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """The totals of one policy over the logs, with what they were computed under.

    Slots follow the policy's rules, the last one the default; ``slot_models`` are price-table keys.
    ``quality`` is None when no request carried a usable label (``quality_problem`` then says why,
    if labels were there at all).
    """

    policy: Policy
    options: SimulateOptions
    tokenizer: str
    slot_tiers: tuple[str, ...]
    slot_models: tuple[str, ...]
    baseline_tier: str
    totals: Totals  # a copy whose arrays are read-only
    replicates: np.ndarray  # bootstrap resamples by (routed with overhead, baseline, as logged), read-only
    quality: QualityReport | None
    quality_problem: str | None
    latency: Latency | None = None  # p50/p95 before and after, when the logs carry latencies
    tiers_at_base: tuple[tuple[str, str], ...] = ()  # (tier, base model) of tiers on fine-tunes priced as their base
    priced_by: tuple[PricedBy, ...] = ()  # the price entry of each tier model, then of each logged model
    windows: Windows | None = None  # each model tier's context window and where too-long requests go

    @property
    def queries(self) -> int:
        return int(self.totals.queries.sum())

    @property
    def baseline_model(self) -> str:
        """The baseline tier's model as the rule file names it."""
        return self.policy.tiers[self.baseline_tier]


def frozen_totals(totals: Totals) -> Totals:
    """A deep copy of running totals, its arrays read-only: a snapshot no later chunk can change."""
    snapshot = copy.deepcopy(totals)
    for array in (snapshot.queries, snapshot.input_tokens, snapshot.output_tokens):
        array.flags.writeable = False
    return snapshot
