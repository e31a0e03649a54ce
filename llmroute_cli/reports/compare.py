"""Choose a strategy: several policies side by side on the same logs, beside all-cheap, all-expensive,
random routing at each policy's share, and (with labels) the oracle.

Every policy is a ``Simulation`` over the same chunks (rule files, whatever conditions they use; the
two single-tier policies; the oracle, which routes labeled requests by their needed tier). Random
routing at a policy's expensive share ``s`` is its expectation, exact by linearity: spend
``s * all-expensive + (1 - s) * all-cheap``, under-routing the base rate (the share of labeled
requests that needed the expensive tier), and gap recovered ``s``; its latency is not stated
(percentiles do not mix linearly). A cascade policy also carries its verifier-error scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmroute_cli.engine.router import Router
from llmroute_cli.pricing.book import PriceBook
from llmroute_cli.reports.simulate import build_report, period_of
from llmroute_cli.rules.policy import Policy
from llmroute_cli.simulate.simulation import SimulateOptions, Simulation
from llmroute_cli.tokens.counter import TokenCounter

if TYPE_CHECKING:
    import pandas as pd

    from llmroute_cli.quality.labels import QualitySpec

ALL_CHEAP, ALL_EXPENSIVE, ORACLE = "all cheap", "all expensive", "oracle"


@dataclass(slots=True)
class Compared:
    """One simulation per policy over the same chunks (a pipeline accumulator)."""

    names: list[str]
    simulations: list[Simulation]

    def add(self, chunk: pd.DataFrame) -> None:
        for sim in self.simulations:
            sim.add(chunk)

    def merge(self, other: Compared) -> None:
        for mine, theirs in zip(self.simulations, other.simulations, strict=True):
            mine.merge(theirs)


@dataclass(frozen=True, slots=True)
class Comparing:
    """Makes the ``Compared`` of each part of the logs (a pipeline ``make``)."""

    entries: tuple[tuple[str, Router, PriceBook], ...]
    options: SimulateOptions

    def __call__(self, part: int) -> Compared:
        counters: dict[str, TokenCounter] = {}
        sims = []
        for _, router, book in self.entries:
            tokenizer = router.policy.tokenizer
            counter = counters.setdefault(tokenizer, TokenCounter(tokenizer))
            sims.append(Simulation(router, book, self.options, counter))
        return Compared([name for name, _, _ in self.entries], sims)


def entries(
    policies: list[tuple[str, Router, PriceBook]], spec: QualitySpec
) -> tuple[tuple[str, Router, PriceBook], ...]:
    """The policies given, then all cheap, all expensive and the oracle, on the first policy's tiers and prices."""
    from llmroute_cli.simulate.oracle import OracleRouter

    _, first, book = policies[0]
    base = first.policy
    single = [
        (name, Router(Policy(f"({name})", dict(base.tiers), tier, (), dict(base.prices), base.tokenizer)), book)
        for name, tier in ((ALL_CHEAP, spec.cheap_tier), (ALL_EXPENSIVE, spec.expensive_tier))
    ]
    return (*policies, *single, (ORACLE, OracleRouter(base, spec), book))


def compare_report(
    compared: Compared, spec: QualitySpec, days: float | None, sample_rate: float, read: dict[str, Any]
) -> dict[str, Any]:
    """The side-by-side table as plain data: one row per policy, then the baselines."""
    results = [sim.result() for sim in compared.simulations]
    period = period_of(results[0], days)
    reports = {name: build_report(r, period, sample_rate) for name, r in zip(compared.names, results, strict=True)}
    rows = {name: _row(name, rep, spec) for name, rep in reports.items()}
    given = [n for n in compared.names if n not in (ALL_CHEAP, ALL_EXPENSIVE, ORACLE)]
    cheap, dear = rows[ALL_CHEAP], rows[ALL_EXPENSIVE]
    labeled = bool(reports[ALL_CHEAP].get("quality"))
    randoms = [_random(rows[n], cheap, dear, labeled) for n in given]
    out = [rows[n] for n in given] + randoms + [cheap, dear] + ([rows[ORACLE]] if labeled else [])
    for row in out:
        row["saved_vs_all_expensive"] = (
            1 - row["daily_cost_usd"] / dear["daily_cost_usd"] if dear["daily_cost_usd"] else None
        )
    first = reports[given[0]]
    return {
        "queries": first["queries"],
        "days": first["days"],
        "period": first["period"],
        "sample_rate": sample_rate,
        "cheap_tier": spec.cheap_tier,
        "expensive_tier": spec.expensive_tier,
        "cheap_model": spec.models[spec.cheap_tier],
        "expensive_model": spec.models[spec.expensive_tier],
        "labeled": (first.get("quality") or {}).get("labeled", 0),
        "scales": _scales(out),
        "latency": any(row["latency"] for row in out),
        "policies": out,
        "input": read,
        **({"skipped_models": first["skipped_models"]} if "skipped_models" in first else {}),
    }


def _row(name: str, report: dict[str, Any], spec: QualitySpec) -> dict[str, Any]:
    quality = report.get("quality") or {}
    tiers = report["tiers"]
    return {
        "policy": name,
        "kind": "baseline" if name in (ALL_CHEAP, ALL_EXPENSIVE) else ORACLE if name == ORACLE else "rules",
        "rules_file": report["rules_file"],
        "daily_cost_usd": report["routed"]["daily_cost_usd"],
        "yearly_cost_usd": report["routed"]["yearly_cost_usd"],
        "expensive_share": tiers.get(spec.expensive_tier, {}).get("share", 0.0),
        "under_routing": quality.get("under_routing_rate"),
        "gap_recovered": {s: q.get("gap_recovered") for s, q in (quality.get("quality") or {}).items()},
        "latency": report.get("latency"),
        "cascades": report.get("cascades", []),
    }


def _random(policy: dict[str, Any], cheap: dict[str, Any], dear: dict[str, Any], labeled: bool) -> dict[str, Any]:
    s = policy["expensive_share"]
    base = cheap["under_routing"] if labeled else None  # all cheap under-routes exactly the base rate
    return {
        "policy": f"random at {s:.1%}",
        "like": policy["policy"],
        "kind": "random",
        "rules_file": None,
        "daily_cost_usd": s * dear["daily_cost_usd"] + (1 - s) * cheap["daily_cost_usd"],
        "yearly_cost_usd": s * dear["yearly_cost_usd"] + (1 - s) * cheap["yearly_cost_usd"],
        "expensive_share": s,
        "under_routing": base,
        "gap_recovered": {scale: s for scale in cheap["gap_recovered"]},
        "latency": None,  # percentiles do not mix linearly: no expectation to state
        "cascades": [],
    }


def _scales(rows: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(scale for row in rows for scale in row["gap_recovered"]))
