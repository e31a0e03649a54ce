"""llmroute's engine inside LiteLLM: the complexity router's classifier plugin, and the older custom strategy.

In the proxy's YAML, ``classifier_plugin: llmroute_cli.integrations.litellm.plugin`` (LiteLLM resolves the
dotted path to an instance; this one reads ``$LLMROUTE_RULES``, else ./routes.yaml, else the built-in
policy, once). In the SDK, pass ``Plugin("routes.yaml")``, or ``use_llmroute(router, "routes.yaml")``.
"""

from __future__ import annotations

import os

# Set before LiteLLM is imported, so it reads its bundled price map instead of fetching one.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from litellm.types.router import CustomRoutingStrategyBase

from llmroute_cli.engine.router import Decision, Router
from llmroute_cli.errors import LlmrouteError
from llmroute_cli.logs.messages import chat
from llmroute_cli.logs.model import BadRecord

RULES_ENV = "LLMROUTE_RULES"
TIER_KEY = "llmroute_tier"  # a deployment's model_info key naming its tier (the custom strategy)


def load_rules(rules: str | Path | None = None) -> Router:
    """The router ``llmroute route`` uses: ``rules``, else $LLMROUTE_RULES, else ./routes.yaml, else built-in."""
    path = rules or os.environ.get(RULES_ENV)
    if path:
        return Router.from_file(path)
    return Router.from_file("routes.yaml") if Path("routes.yaml").is_file() else Router.builtin()


class Plugin:
    """A ClassifierPlugin for LiteLLM's complexity router (``classifier_type: custom``): the tier llmroute picks."""

    def __init__(self, rules: str | Path | None = None) -> None:
        self.rules = rules
        self._router: Router | None = None

    @property
    def router(self) -> Router:
        """The rule file, read on first use and kept."""
        if self._router is None:
            self._router = load_rules(self.rules)
        return self._router

    def decide(self, messages: Sequence[Any], metadata: Mapping[str, Any] | None = None) -> Decision | None:
        """llmroute's decision for chat messages (query: the last user message); None without a user message."""
        try:
            _, query, context = chat([dict(m) for m in messages], "messages")
        except BadRecord:
            return None
        return self.router.route(query, context, dict(metadata or {}))

    async def classify(self, context: Any) -> str | None:
        """The tier for LiteLLM's RoutingContext; None (LiteLLM's ``fallback_tier``) when there is no query."""
        decision = self.decide(context.raw_messages, context.metadata)
        return None if decision is None else decision.tier


plugin = Plugin()  # the proxy's dotted path; reads its rules on the first request


class RoutingStrategy(CustomRoutingStrategyBase):
    """The older SDK hook (``Router.set_custom_routing_strategy``): picks the group's deployment for the tier."""

    def __init__(self, router: Any, rules: str | Path | None = None) -> None:
        self.litellm_router, self.plugin = router, Plugin(rules)

    async def async_get_available_deployment(
        self,
        model: str,
        messages: list[dict[str, str]] | None = None,
        input: str | list[object] | None = None,
        specific_deployment: bool | None = False,
        request_kwargs: dict[str, object] | None = None,
    ) -> Any:
        return self.get_available_deployment(model, messages, input, specific_deployment, request_kwargs)

    def get_available_deployment(
        self,
        model: str,
        messages: list[dict[str, str]] | None = None,
        input: str | list[object] | None = None,
        specific_deployment: bool | None = False,
        request_kwargs: dict[str, object] | None = None,
    ) -> Any:
        metadata = (request_kwargs or {}).get("metadata")
        decision = self.plugin.decide(messages or [], metadata if isinstance(metadata, Mapping) else None)
        policy = self.plugin.router.policy
        if decision is None:
            decision = Decision(policy.default, policy.tiers[policy.default], None)
        return deployment_for(_deployments(self.litellm_router, model), model, decision)


def deployment_for(deployments: Sequence[Any], group: str, decision: Decision) -> Any:
    """The deployment marked ``model_info.llmroute_tier: TIER``, else the one serving the tier's model."""
    for d in deployments:
        if (d.get("model_info") or {}).get(TIER_KEY) == decision.tier:
            return d
    for d in deployments:
        model = str((d.get("litellm_params") or {}).get("model", ""))
        if decision.model in (model, model.split("/", 1)[-1]):
            return d
    raise LlmrouteError(
        f"model group '{group}' has no deployment for tier '{decision.tier}' ({decision.model}); "
        f"add one with model_info: {{{TIER_KEY}: {decision.tier}}}"
    )


def _deployments(router: Any, group: str) -> list[Any]:
    if hasattr(router, "registry"):  # LiteLLM >= 1.100; get_model_list warns there
        return list(router.registry().deployments(group))
    return list(router.get_model_list(model_name=group) or [])


def use_llmroute(router: Any, rules: str | Path | None = None) -> RoutingStrategy:
    """Route every request of a LiteLLM ``Router`` with llmroute's rules (the older custom-strategy API)."""
    strategy = RoutingStrategy(router, rules)
    if hasattr(router, "register_plugin"):  # set_custom_routing_strategy is deprecated there
        router.register_plugin(strategy)
    else:
        router.set_custom_routing_strategy(strategy)
    return strategy
