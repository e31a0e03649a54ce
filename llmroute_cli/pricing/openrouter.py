"""A saved OpenRouter ``/api/v1/models`` response as Price entries, converted exactly.

OpenRouter writes prices as decimal strings in USD per token (``"0.00000015"``); they become USD per 1M tokens
through ``Decimal`` (0.15, not 0.15000000000000002). ``pricing.overrides`` entries with ``min_prompt_tokens``
are long-prompt prices; an id like ``openai/gpt-4o-mini`` also prices the bare ``gpt-4o-mini`` when no other id
in the file ends in that name. ``context_length`` (the whole context, as OpenRouter publishes it) is taken as the
model's window for input. Entries priced ``"-1"`` (routers such as ``openrouter/auto``, whose price is the
routed model's) have no price of their own and are left out.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from llmroute_cli.errors import LlmrouteError
from llmroute_cli.limits import MAX_PRICE
from llmroute_cli.pricing.maps import window_of
from llmroute_cli.pricing.prices import LongContext, Price

PROVIDER = "openrouter"
FIELDS = {"input_cache_read": "cached_input", "input_cache_write": "cache_write"}
_OVERRIDE = {"prompt": "input", "completion": "output", "input_cache_read": "cached_input"}


def openrouter_prices(data: Any, path: str, text: str) -> dict[str, Price]:
    """Each model of the response under its id, and under its bare name where that is unambiguous."""
    models = data["data"] if isinstance(data, dict) else data
    table: dict[str, Price] = {}
    for i, entry in enumerate(models):
        where = _where(entry, i, path, text)
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            raise LlmrouteError(f"{where}: expected a model object with a string 'id'")
        price = _price(entry, where, path)
        if price is not None:
            table[entry["id"]] = price
    return table | _bare_names(table)


def _bare_names(table: dict[str, Price]) -> dict[str, Price]:
    """``gpt-4o-mini`` for ``openai/gpt-4o-mini`` when no other id ends in ``/gpt-4o-mini``; variants
    (``:free``, ``:thinking``) keep their full id only."""
    owners: dict[str, list[str]] = {}
    for model in table:
        if "/" in model and ":" not in model:
            owners.setdefault(model.rsplit("/", 1)[1], []).append(model)
    return {bare: table[ids[0]] for bare, ids in owners.items() if len(ids) == 1 and bare not in table}


def _where(entry: Any, index: int, path: str, text: str) -> str:
    """``FILE:LINE: model 'ID'``, the line where the id is written (else the entry's index)."""
    model = entry.get("id") if isinstance(entry, dict) else None
    if not isinstance(model, str):
        return f"{path}: data[{index}]"
    at = text.find(f'"id": {json.dumps(model)}')
    at = text.find(json.dumps(model)) if at < 0 else at
    return f"{path}:{text.count(chr(10), 0, at) + 1}: model '{model}'" if at >= 0 else f"{path}: model '{model}'"


def _price(entry: dict[str, Any], where: str, path: str) -> Price | None:
    pricing = entry.get("pricing")
    if not isinstance(pricing, dict) or "prompt" not in pricing or "completion" not in pricing:
        raise LlmrouteError(f"{where}: expected 'pricing' with 'prompt' and 'completion' prices in USD per token")
    if str(pricing["prompt"]).strip() == "-1" or str(pricing["completion"]).strip() == "-1":
        return None  # a router: billed at the price of the model it picks
    base_in = per_million(pricing["prompt"], f"{where} pricing.prompt")
    base_out = per_million(pricing["completion"], f"{where} pricing.completion")
    extra = {
        field: per_million(pricing[key], f"{where} pricing.{key}")
        for key, field in FIELDS.items()
        if pricing.get(key) is not None
    }
    reasoning = pricing.get("internal_reasoning")
    if reasoning is not None and (rate := per_million(reasoning, f"{where} pricing.internal_reasoning")) > 0:
        extra["reasoning_output"] = rate  # "0" means reasoning is billed as completion
    tiers = _long_context(pricing.get("overrides"), base_in, base_out, extra.get("cached_input"), where)
    window = window_of(entry.get("context_length"))
    return Price(
        base_in,
        base_out,
        **extra,
        long_context=tiers,
        max_input_tokens=window,
        source=f"OpenRouter {path}",
        provider=PROVIDER,
        entry=entry["id"],
    )


def _long_context(
    overrides: Any, base_in: float, base_out: float, cached: float | None, where: str
) -> tuple[LongContext, ...]:
    """Long-prompt prices from ``overrides``: at each ``min_prompt_tokens`` threshold, the base prices under every
    override that applies there, later entries winning per price (OpenRouter's rule). Overrides with other
    conditions (a UTC time window) cannot be told from a log and are not applied."""
    if overrides is None:
        return ()
    if not isinstance(overrides, list) or not all(isinstance(o, dict) for o in overrides):
        raise LlmrouteError(f"{where} pricing.overrides: expected a list of objects")
    prompt_only = [o for o in overrides if set(o) & {"utc_start", "utc_end"} == set() and "min_prompt_tokens" in o]
    thresholds = sorted({_min_tokens(o["min_prompt_tokens"], where) for o in prompt_only})
    tiers = []
    for at in thresholds:
        rates: dict[str, float | None] = {"input": base_in, "output": base_out, "cached_input": cached}
        for i, o in enumerate(prompt_only):
            if _min_tokens(o["min_prompt_tokens"], where) <= at:
                rates |= {
                    field: per_million(o[key], f"{where} pricing.overrides[{i}].{key}")
                    for key, field in _OVERRIDE.items()
                    if o.get(key) is not None
                }
        tiers.append(LongContext(at - 1, rates["input"], rates["output"], rates["cached_input"]))  # type: ignore[arg-type]
    return tuple(tiers)


def _min_tokens(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise LlmrouteError(f"{where} pricing.overrides min_prompt_tokens: expected a whole number >= 1, got {value!r}")
    return value


def per_million(value: Any, where: str) -> float:
    """A per-token USD price written as a decimal string, as USD per 1M tokens exactly ("0.00000015" → 0.15)."""
    try:
        exact = Decimal(value.strip()) if isinstance(value, str) else None
    except InvalidOperation:
        exact = None
    if exact is None or not exact.is_finite() or exact < 0:
        raise LlmrouteError(f"{where}: expected a price >= 0 in USD per token as a decimal string, got {value!r}")
    million = exact * 1_000_000
    if million > Decimal(MAX_PRICE):
        raise LlmrouteError(f"{where}: {value!r} USD per token is over ${MAX_PRICE:,.0f} per 1M tokens")
    return float(million)
