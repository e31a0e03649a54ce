"""Read a price file into Price entries: a LiteLLM-format price map (model_prices_and_context_window.json), or a
saved OpenRouter ``/api/v1/models`` response (told apart by its shape, read by ``pricing.openrouter``)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmroute_cli.errors import LlmrouteError, UsageError
from llmroute_cli.limits import MAX_PRICE, MAX_TOKENS
from llmroute_cli.pricing.prices import LongContext, Price

FIELDS = {
    "cache_read_input_token_cost": "cached_input",
    "cache_creation_input_token_cost": "cache_write",
    "input_cost_per_token_batches": "batch_input",
    "output_cost_per_token_batches": "batch_output",
    "cache_read_input_token_cost_batches": "batch_cached_input",
    "output_cost_per_reasoning_token": "reasoning_output",
}
_ABOVE = re.compile(r"^(input|output|cache_read_input)_(?:cost_per_token|token_cost)_above_(\d+)k_tokens$")


def per_million(value: Any, where: str) -> float:
    """A per-token USD price as USD per 1M tokens, exactly (2.5e-06 → 2.5)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        raise LlmrouteError(f"{where}: expected a finite price >= 0 in USD per token, got {value!r}")
    million = Decimal(repr(value)) * 1_000_000
    if million > Decimal(MAX_PRICE):
        raise LlmrouteError(f"{where}: {value!r} USD per token is over ${MAX_PRICE:,.0f} per 1M tokens")
    return float(million)


def load_price_map(path: str | Path) -> dict[str, Price]:
    """Chat models of a LiteLLM price map or an OpenRouter models list; LiteLLM entries without input and output
    prices are not models we bill."""
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"{path}: is a directory; give the price map file")
    if not p.is_file():
        raise UsageError(f"{path}: no such price map")
    try:
        text = p.read_text("utf-8-sig")
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LlmrouteError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except UnicodeDecodeError:
        raise LlmrouteError(f"{path}: not UTF-8 text") from None
    except RecursionError:
        raise LlmrouteError(f"{path}: JSON nested too deeply to read; a price map is an object of models") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the price map ({exc.strerror or exc})") from None
    if isinstance(data, list) or (isinstance(data, dict) and isinstance(data.get("data"), list)):
        from llmroute_cli.pricing.openrouter import openrouter_prices

        return openrouter_prices(data, str(path), text)
    if not isinstance(data, dict):
        raise LlmrouteError(
            f"{path}: expected a LiteLLM price map (an object of model names to prices) "
            "or an OpenRouter /api/v1/models response (an object with a 'data' list)"
        )
    table = {}
    for model, entry in data.items():
        if model == "sample_spec" or not isinstance(entry, dict):
            continue
        if "input_cost_per_token" in entry and "output_cost_per_token" in entry:
            table[model] = _price(entry, f"{path}: model '{model}'", str(path), model)
    return table


def _price(entry: dict[str, Any], where: str, path: str, name: str) -> Price:
    extra = {
        field: per_million(entry[key], f"{where} {key}") for key, field in FIELDS.items() if entry.get(key) is not None
    }
    above: dict[int, dict[str, float]] = {}
    for key, value in entry.items():
        match = _ABOVE.match(key)
        if match and value is not None:
            above.setdefault(int(match.group(2)) * 1000, {})[match.group(1)] = per_million(value, f"{where} {key}")
    base_in = per_million(entry["input_cost_per_token"], f"{where} input_cost_per_token")
    base_out = per_million(entry["output_cost_per_token"], f"{where} output_cost_per_token")
    tiers = tuple(
        LongContext(n, p.get("input", base_in), p.get("output", base_out), p.get("cache_read_input"))
        for n, p in sorted(above.items())
    )
    provider = entry.get("litellm_provider")
    provider = provider if isinstance(provider, str) and provider else None
    window = window_of(entry.get("max_input_tokens"))
    return Price(
        base_in,
        base_out,
        **extra,
        long_context=tiers,
        max_input_tokens=window,
        source=f"LiteLLM map {path}",
        provider=provider,
        entry=name,
    )


def window_of(value: Any) -> int | None:
    """A context window in tokens; None when the entry gives none, or none that is a whole number 1 to MAX_TOKENS
    (LiteLLM writes 0 for some embedding models): such a model's requests are not checked."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOKENS:
        return None
    return value
