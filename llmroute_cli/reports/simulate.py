"""Turn simulation totals into the report: period, per-tier and per-rule spend, baselines, savings."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from llmroute_cli.errors import LlmrouteError, OptionError
from llmroute_cli.pricing.money import UNITS_PER_DOLLAR, dollars
from llmroute_cli.reports.context import context_window, moved_between_tiers, too_long_warnings
from llmroute_cli.simulate.result import SimulationResult
from llmroute_cli.simulate.timeline import Outliers
from llmroute_cli.simulate.totals import Totals

DAYS_PER_YEAR = 365
DEFAULT_RULE = "(default)"


@dataclass(frozen=True, slots=True)
class Period:
    """How many days of traffic the logs stand for, and how that was decided."""

    days: float
    source: str  # "timestamps" or "--days"
    start: float | None = None
    end: float | None = None


def check_scale(days: float | None, sample_rate: float) -> None:
    """The two numbers that turn a log's totals into per-day figures: days it covers (when given), share sampled."""
    if days is not None and not 0 < days < float("inf"):
        raise OptionError("days", f"{{option}} must be a finite number more than 0, got {days}")
    if not 0 < sample_rate <= 1:
        raise OptionError("sample_rate", f"{{option}} must be more than 0 and at most 1, got {sample_rate}")


def period_of(sim: SimulationResult, days: float | None) -> Period:
    """The log period: ``--days`` when given, else first to last timestamp."""
    t = sim.totals
    start, end = (t.first_ts, t.last_ts) if t.rows_with_time else (None, None)
    check_scale(days, 1.0)
    if days is not None:
        return Period(days, "--days", start, end)
    if start is None or end is None:
        raise OptionError("days", "the logs carry no timestamps; pass {option} N to say how many days they cover", 1)
    if end <= start:
        same = "all timestamps are the same instant; pass {option} N to say how many days the logs cover"
        raise OptionError("days", same, 1)
    return Period((end - start) / 86_400, "timestamps", start, end)


def _money(total_units: int, per_day: Fraction) -> dict[str, float]:
    """Cost over the log period, per day and per year, from an exact sum (``per_day``: days⁻¹ / sample rate).

    Worked out in exact fractions and rounded once, so $0.105 a day is 38.325 a year, not 38.324999999999996.
    """
    daily = _daily(total_units, per_day)
    return {
        "cost_usd": dollars(total_units),
        "daily_cost_usd": float(daily),
        "yearly_cost_usd": float(daily * DAYS_PER_YEAR),
    }


def _daily(total_units: int, per_day: Fraction) -> Fraction:
    return Fraction(total_units, UNITS_PER_DOLLAR) * per_day


def _saving(routed_units: int, base_units: int, per_day: Fraction) -> dict[str, float | None]:
    daily = _daily(base_units - routed_units, per_day)
    return {
        "daily_usd": float(daily),
        "yearly_usd": float(daily * DAYS_PER_YEAR),
        "percent": float((base_units - routed_units) * 100 / Fraction(base_units)) if base_units else None,
    }


def build_report(
    sim: SimulationResult, period: Period, sample_rate: float = 1.0, read: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The whole report as plain data: what ``--format json`` prints and every renderer reads."""
    check_scale(None, sample_rate)
    t, policy = sim.totals, sim.policy
    queries = int(t.queries.sum())
    if queries == 0:
        raise LlmrouteError("no requests to simulate: every record was empty or skipped")
    per_day = 1 / (Fraction(repr(period.days)) * Fraction(repr(sample_rate)))  # as typed: 0.1 is 1/10
    routed = sum(t.cost_units) + t.overhead_units
    report: dict[str, Any] = {
        "queries": queries,
        "days": period.days,
        "period": _period_dict(period),
        "sample_rate": sample_rate,
        "rules_file": policy.source,
        "prices": priced_by(sim),
        "tokens": _token_sources(sim, queries),
        "tiers": _tiers(sim, queries, per_day),
        "rules": _rules(sim, queries, per_day),
        "routed": {**_money(routed, per_day), "daily_overhead_usd": float(_daily(t.overhead_units, per_day))},
        "baseline": _baselines(sim, queries, per_day),
    }
    if sim.windows is not None:
        report["context_window"] = context_window(sim, per_day)
    if policy.classifier is not None:
        report["overhead"] = _overhead(sim, per_day)
    bases = {"all_expensive": t.baseline_units, "as_logged": t.logged_units}
    report["savings"] = {
        name: _saving(routed, bases[name], per_day) for name, base in report["baseline"].items() if base is not None
    }
    report["quality"] = _quality(sim, queries)
    if policy.cascades:
        from llmroute_cli.reports.cascade import cascade_scenarios

        report["cascades"] = cascade_scenarios(sim, per_day, report["quality"])
    if sim.latency is not None:
        report["latency"] = sim.latency.to_dict()
    report["intervals"] = intervals(sim, float(per_day))
    report["assumptions"] = assumptions(sim)
    if sim.totals.skipped_models:
        skipped = sim.totals.skipped_models
        report["skipped_models"] = {"requests": sum(skipped.values()), "models": dict(sorted(skipped.items()))}
    report["warnings"] = _warnings(sim, period, queries)
    if sim.quality_problem is not None:
        report["warnings"].append(f"no quality figures: {sim.quality_problem}")
    if read is not None:
        report["input"] = read
        report["warnings"] += ignored_warnings(read)
    return report


def priced_by(sim: SimulationResult) -> dict[str, dict[str, Any]]:
    """Each tier model and logged model → the price entry that priced it (its key, source and provider)."""
    return {p.model: {"key": p.key, "source": p.source, "provider": p.provider} for p in sim.priced_by}


def ignored_warnings(read: dict[str, Any]) -> list[str]:
    """A warning per kind of record the read passed over as not a request."""
    return [f"ignored {n:,} records that are not requests: {reason}" for reason, n in read.get("ignored", {}).items()]


def _iso(ts: float | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC).isoformat().replace("+00:00", "Z")


def _day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).date().isoformat()


def _period_dict(period: Period) -> dict[str, Any]:
    return {"source": period.source, "start": _iso(period.start), "end": _iso(period.end)}


def _token_sources(sim: SimulationResult, queries: int) -> dict[str, Any]:
    t, opts = sim.totals, sim.options
    if opts.output_tokens is not None:
        estimate = f"{opts.output_tokens} tokens per request (--output-tokens)"
    else:
        given = "--output-ratio" if opts.output_ratio_given else "default; set --output-ratio or --output-tokens"
        estimate = f"{opts.output_ratio:g} x input tokens ({given})"
    return {
        "tokenizer": sim.tokenizer,
        "input": {
            "logged": t.input_logged,
            "counted": queries - t.input_logged,
            "approximated": dict(sorted(t.approximated.items())),  # counted requests with a guessed part, per reason
        },
        "output": {"logged": t.output_logged, "estimated": queries - t.output_logged, "estimate": estimate},
    }


def _tiers(sim: SimulationResult, queries: int, per_day: Fraction) -> dict[str, Any]:
    """Per tier, the requests its model answered: those routed to it, less those too long for it, plus those
    too long for their own tier that went to it."""
    t, policy = sim.totals, sim.policy
    shift = moved_between_tiers(sim)
    out: dict[str, Any] = {}
    for tier, model in policy.tiers.items():
        slots = [i for i, s in enumerate(sim.slot_tiers) if s == tier]
        n, inp, output, cost = shift.get(tier, [0, 0, 0, 0])
        n += int(t.queries[slots].sum())
        out[tier] = {
            "model": model,
            "queries": n,
            "share": n / queries,
            "input_tokens": inp + int(t.input_tokens[slots].sum()),
            "output_tokens": output + int(t.output_tokens[slots].sum()),
            **_money(cost + sum(t.cost_units[i] for i in slots), per_day),
        }
    return out


def _rules(sim: SimulationResult, queries: int, per_day: Fraction) -> dict[str, Any]:
    t = sim.totals
    names = [r.name for r in sim.policy.rules] + [DEFAULT_RULE]
    return {
        name: {
            "tier": sim.slot_tiers[i],
            "queries": int(t.queries[i]),
            "share": int(t.queries[i]) / queries,
            "input_tokens": int(t.input_tokens[i]),
            "output_tokens": int(t.output_tokens[i]),
            **_money(t.cost_units[i], per_day),
        }
        for i, name in enumerate(names)
    }


def _baselines(sim: SimulationResult, queries: int, per_day: Fraction) -> dict[str, Any]:
    t = sim.totals
    tier = sim.baseline_tier
    out: dict[str, Any] = {
        "all_expensive": {
            "tier": tier,
            "model": sim.policy.tiers[tier],
            **_money(t.baseline_units, per_day),
        }
    }
    complete = t.rows_with_model == queries
    out["as_logged"] = (
        {"models": dict(sorted(t.logged_models.items())), **_money(t.logged_units, per_day)} if complete else None
    )
    return out


def _warnings(sim: SimulationResult, period: Period, queries: int) -> list[str]:
    t, warnings = sim.totals, []
    if period.source == "timestamps" and period.days < 1:
        assert period.start is not None and period.end is not None
        hours = math.floor((period.end - period.start) / 360) / 10  # rounded down: 23:59:59 is not 24.0 hours
        warnings.append(f"the logs span only {hours:.1f} hours: daily and yearly figures extrapolate from under a day")
    if 0 < t.rows_with_model < queries:
        missing = queries - t.rows_with_model
        warnings.append(f"{missing:,} of {queries:,} requests name no model: no as-logged baseline")
    warnings += model_warnings(t) + price_warnings(sim) + too_long_warnings(sim)
    for tier, base in sim.tiers_at_base:
        warnings.append(
            f"tier '{tier}' ({sim.policy.tiers[tier]}) is priced at its base model {base}'s price, which has no "
            "fine-tune price here: likely understated; price it with 'prices:', --prices or --unknown-model-price"
        )
    if t.bad_labels:
        warnings.append(
            f"{t.bad_labels:,} requests have malformed outcome labels, left out of the quality figures; "
            f"first: {t.bad_label_example}"
        )
    if period.source == "timestamps" and t.rows_with_time < queries:
        warnings.append(f"{queries - t.rows_with_time:,} requests have no timestamp; the period comes from the others")
    if period.source == "timestamps" and (stray := t.timeline.outliers()) is not None:
        warnings.append(_stray(stray, period))
    return warnings


def price_warnings(sim: SimulationResult) -> list[str]:
    """A warning per model priced at another provider's entry than the one it should have (its own, or --provider's)."""
    return [
        f"{p.model} is priced at {p.provider}'s entry {p.source}: the prices have no {p.preferred} entry for it; "
        "pass --provider to choose, or price it with 'prices:' in the rule file"
        for p in sim.priced_by
        if p.preferred is not None
    ]


def model_warnings(t: Totals) -> list[str]:
    """Requests left out by ``--unknown-model-price MODEL=skip``, and fine-tunes priced as their base model."""
    warnings = []
    if t.skipped_models:
        n, listed = sum(t.skipped_models.values()), _counts(t.skipped_models)
        warnings.append(f"left out {n:,} requests on models skipped by --unknown-model-price MODEL=skip: {listed}")
    if t.fine_tunes_at_base:
        n, listed = sum(t.fine_tunes_at_base.values()), _counts(t.fine_tunes_at_base)
        warnings.append(
            f"{n:,} requests on fine-tunes priced at their base model's price, which has no fine-tune price here: "
            f"{listed}; fine-tunes are usually billed higher (OpenAI's cost 1.5x to 6x their base), so these costs are "
            "likely understated: pass --prices with a map that prices ft:BASE, or --unknown-model-price ft:BASE=IN/OUT"
        )
    return warnings


def _counts(by_model: dict[str, int]) -> str:
    return ", ".join(f"{model} ({n:,})" for model, n in sorted(by_model.items(), key=lambda item: (-item[1], item[0])))


def _stray(stray: Outliers, period: Period) -> str:
    """The warning that a few requests far from the rest set the period."""
    central = f"{_day(stray.central_start)} to {_day(stray.central_end - 1)}"
    lie = "1 request lies" if stray.count == 1 else f"{stray.count:,} requests lie"
    when = (
        f"at {_iso(stray.earliest)}"
        if stray.count == 1
        else f"the earliest at {_iso(stray.earliest)}, the latest at {_iso(stray.latest)}"
    )
    return (
        f"the period ({period.days:,.1f} days) was set from the first timestamp to the last, but {lie} far outside "
        f"the days of the central 98% of timestamps ({central}): {when}; pass --days to set the period"
    )


def _quality(sim: SimulationResult, queries: int) -> dict[str, Any] | None:
    """Routing quality over the requests that carry labels; None when none do."""
    if sim.quality is None:
        return None
    result = sim.quality.to_dict()
    result["requests"], result["unlabeled"] = queries, queries - result["labeled"]
    return result


def _overhead(sim: SimulationResult, per_day: Fraction) -> dict[str, Any]:
    clf, t = sim.policy.classifier, sim.totals
    assert clf is not None
    return {"model": clf.model, "tokens": t.overhead_tokens, **_money(t.overhead_units, per_day)}


def intervals(sim: SimulationResult, per_day: float, level: float = 0.95) -> dict[str, Any] | None:
    """Bootstrap (Poisson, over requests) intervals of daily spend and daily savings."""
    import numpy as np

    reps = sim.replicates
    if len(reps) == 0:
        return None
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    daily = reps * per_day

    def band(values: np.ndarray) -> list[float]:
        # to 1e-10 USD: a bootstrap's last float bits differ between numpy versions, its meaning does not
        return [round(float(np.percentile(values, lo)), 10), round(float(np.percentile(values, hi)), 10)]

    out: dict[str, Any] = {
        "method": f"Poisson bootstrap over requests (in blocks when chunks are large), {len(reps)} resamples",
        "level": level,
        "routed_daily_usd": band(daily[:, 0]),
        "savings_daily_usd": {"all_expensive": band(daily[:, 1] - daily[:, 0])},
    }
    if sim.totals.rows_with_model == int(sim.totals.queries.sum()):
        out["savings_daily_usd"]["as_logged"] = band(daily[:, 2] - daily[:, 0])
    return out


def assumptions(sim: SimulationResult) -> dict[str, Any]:
    """What the figures assume, in words, with the counts they apply to."""
    from llmroute_cli.simulate.usage import measured_ratios

    t, opts = sim.totals, sim.options
    models = list(dict.fromkeys(list(sim.slot_models)))
    ratios = measured_ratios(t.output_by_group, models)
    if opts.model_output_ratios:
        used = ", ".join(f"{m}={r:g}" for m, r in opts.model_output_ratios.items())
        output = f"output of moved requests rescaled by --output-ratio {used}"
    else:
        output = "moved requests keep their logged output length (pass --output-ratio MODEL=R to rescale)"
    cache = (
        "moved requests priced without cache (--cold-cache)"
        if opts.cold_cache
        else "moved requests keep their cached share of input (pass --cold-cache to price them uncached)"
    )
    return {
        "cache": cache,
        "cached_requests": t.cached_rows,
        "moved_requests": t.moved,
        "batch_requests": t.batch_rows,
        "batch": "batch prices where the model publishes them; cache reads never discounted twice",
        "long_context_requests": t.long_context_rows,
        "reasoning_tokens": t.reasoning_tokens,
        "output_length": output,
        "measured_output_ratios": ratios,
        **({"fine_tunes_at_base_price": dict(sorted(t.fine_tunes_at_base.items()))} if t.fine_tunes_at_base else {}),
    }
