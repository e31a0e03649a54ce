"""A policy's tiers as other tools' configuration: LiteLLM's proxy config and OpenRouter's request fields."""

from __future__ import annotations

import re
from typing import Any

from llmroute_cli.errors import UsageError
from llmroute_cli.rules.policy import Policy

PLUGIN_PATH = "llmroute_cli.integrations.litellm.plugin"
ROUTER_MARKER = "auto_router/complexity_router"
# Provider of a bare model name, by prefix: (prefixes, OpenRouter's name, LiteLLM's name).
PROVIDERS = (
    (("gpt-", "o1", "o3", "o4", "chatgpt-"), "openai", "openai"),
    (("claude-",), "anthropic", "anthropic"),
    (("gemini-",), "google", "gemini"),
    (("mistral-", "mixtral-", "codestral-"), "mistralai", "mistral"),
    (("deepseek-",), "deepseek", "deepseek"),
)


def litellm_config(policy: Policy, rules_path: str, model_name: str = "llmroute") -> dict[str, Any]:
    """LiteLLM proxy config: one complexity-router model whose classifier is llmroute, plus a model per tier."""
    router = {
        "model_name": model_name,
        "litellm_params": {
            "model": ROUTER_MARKER,
            "complexity_router_config": {
                "classifier_type": "custom",
                "classifier_plugin": PLUGIN_PATH,
                "tier_definitions": [
                    {"name": tier, "description": f"llmroute tier '{tier}' ({model})"}
                    for tier, model in policy.tiers.items()
                ],
                "fallback_tier": policy.default,
                "tiers": {tier: tier for tier in policy.tiers},
            },
        },
    }
    tiers = [
        {"model_name": tier, "litellm_params": {"model": provider_id(model, tier, litellm=True)}}
        for tier, model in policy.tiers.items()
    ]
    return {"model_list": [router, *tiers], "environment_variables": {"LLMROUTE_RULES": rules_path}}


def provider_id(model: str, tier: str, litellm: bool = False) -> str:
    """OpenRouter's ``gpt-4o-mini`` → ``openai/gpt-4o-mini``, ``claude-3-5-haiku`` → ``anthropic/claude-3.5-haiku``;
    LiteLLM's keeps the name (``anthropic/claude-3-5-haiku``). A name with a ``/`` is kept as written."""
    if "/" in model:
        return model
    for prefixes, openrouter, litellm_name in PROVIDERS:
        if model.startswith(prefixes):
            if litellm:
                return f"{litellm_name}/{model}"
            if openrouter == "anthropic":
                model = re.sub(r"-(\d)-(\d)(?=-|$)", r"-\1.\2", model)
            return f"{openrouter}/{model}"
    where = "LiteLLM" if litellm else "OpenRouter"
    fix = "write it as provider/model in tiers:"
    raise UsageError(f"tier '{tier}': no {where} provider known for model '{model}'; {fix}")


def openrouter_fields(policy: Policy, sort: str = "price") -> dict[str, dict[str, Any]]:
    """Each tier's request fields: its model, the other tiers' models as error fallbacks, the provider sort."""
    ids = {tier: provider_id(model, tier) for tier, model in policy.tiers.items()}
    return {
        tier: {
            "model": own,
            "models": [own, *dict.fromkeys(m for t, m in ids.items() if t != tier and m != own)],
            "provider": {"sort": sort},
        }
        for tier, own in ids.items()
    }
