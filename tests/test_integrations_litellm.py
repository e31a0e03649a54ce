"""LiteLLM's real Router dispatches each request to the deployment of the tier `llmroute route` gives."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import warnings

import pytest

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # before any litellm import: no price-map fetch
import litellm

from llmroute_cli.cli import app
from llmroute_cli.errors import LlmrouteError
from llmroute_cli.integrations.litellm import Plugin, use_llmroute

# LiteLLM's own models warn about themselves under pydantic; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:.*ReadOnly. qualifier:UserWarning")

RULES = """\
version: 1
tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}
default: cheap
rules:
  - name: pro-users
    when: {metadata.user.plan: pro}
    route: expensive
  - name: short-no-code
    when:
      query.chars: {lt: 200}
      not: {query: {contains: ["```", "def "]}}
    route: cheap
  - name: code
    when: {query: {contains: [refactor, "def "], ignore_case: true}}
    route: expensive
  - name: long-context
    when: {context.chars: {gt: 8000}}
    route: expensive
"""
LONG = "Tell me about the history of the printing press and how it changed Europe. " * 4  # 300 chars
# (query, system message or None, metadata)
CASES = [
    ("What is the capital of France?", None, {}),
    ("```def f(): pass``` why does this fail?", None, {}),
    (LONG + " Then REFACTOR my essay.", None, {}),
    (LONG, None, {}),
    (LONG, "x" * 9000, {}),
    ("What is the capital of France?", None, {"user": {"plan": "pro"}}),
]


@pytest.fixture
def rules(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "routes.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


def route_cli(runner, rules, query, system, metadata):
    """The decision `llmroute route --json` prints for the same request."""
    args = ["route", query, "--rules", str(rules), "--json", "--metadata", json.dumps(metadata)]
    result = runner.invoke(app, args + (["--context", system] if system else []))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["tier"]


def messages(query, system):
    return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": query}]


def deployment(tier, model, group=None, info=None):
    params = {"model": f"openai/{model}", "mock_response": f"answer from {tier}", "api_key": "sk-test"}
    return {"model_name": group or tier, "litellm_params": params, "model_info": {"id": tier, **(info or {})}}


def complexity_router(plugin):
    config = {
        "classifier_type": "custom",
        "classifier_plugin": plugin,
        "tier_definitions": [{"name": "cheap", "description": "c"}, {"name": "expensive", "description": "e"}],
        "fallback_tier": "cheap",
        "tiers": {"cheap": "cheap", "expensive": "expensive"},
    }
    marker = {"model_name": "llmroute", "litellm_params": {"model": "auto_router/complexity_router"}}
    marker["litellm_params"]["complexity_router_config"] = config
    return litellm.Router(model_list=[marker, deployment("cheap", "gpt-4o-mini"), deployment("expensive", "gpt-4o")])


def dispatched(router, query, system, metadata, group="llmroute"):
    async def call():
        return await router.acompletion(model=group, messages=messages(query, system), metadata=copy.deepcopy(metadata))

    response = asyncio.run(call())
    return response._hidden_params["model_id"], response.choices[0].message.content


def test_the_complexity_router_plugin_dispatches_to_the_tier_route_gives(runner, rules):
    router = complexity_router(Plugin(rules))
    tiers = []
    for query, system, metadata in CASES:
        expected = route_cli(runner, rules, query, system, metadata)
        assert dispatched(router, query, system, metadata) == (expected, f"answer from {expected}")
        tiers.append(expected)
    assert tiers == ["cheap", "expensive", "expensive", "cheap", "expensive", "expensive"]


def test_the_plugin_reads_its_rule_file_once(rules):
    plugin = Plugin(rules)
    first = plugin.router
    rules.write_text(RULES.replace("default: cheap", "default: expensive"), encoding="utf-8")
    assert plugin.router is first
    assert plugin.decide(messages(LONG, None)).tier == "cheap"


def test_a_request_without_a_user_message_gets_litellms_fallback_tier(rules):
    plugin = Plugin(rules)

    class Context:
        raw_messages = ({"role": "system", "content": "be brief"},)
        metadata = None

    assert asyncio.run(plugin.classify(Context())) is None  # LiteLLM then routes to fallback_tier


def test_the_plugin_reads_llmroute_rules_from_the_environment(rules, monkeypatch):
    other = rules.with_name("other.yaml")
    other.write_text(RULES.replace("default: cheap", "default: expensive"), encoding="utf-8")
    monkeypatch.setenv("LLMROUTE_RULES", str(other))
    assert Plugin().decide(messages(LONG, None)).tier == "expensive"


def test_the_older_custom_strategy_api_dispatches_to_the_tier_route_gives(runner, rules):
    router = litellm.Router(
        model_list=[
            deployment("cheap", "gpt-4o-mini", "g", {"llmroute_tier": "cheap"}),
            deployment("expensive", "gpt-4o", "g", {"llmroute_tier": "expensive"}),
        ]
    )
    use_llmroute(router, rules)
    for query, system, metadata in CASES:
        expected = route_cli(runner, rules, query, system, metadata)
        assert dispatched(router, query, system, metadata, "g")[0] == expected
        sync = router.completion(model="g", messages=messages(query, system), metadata=copy.deepcopy(metadata))
        assert sync.choices[0].message.content == f"answer from {expected}"


def test_the_custom_strategy_finds_a_tier_by_its_model_and_names_a_missing_one(rules):
    router = litellm.Router(model_list=[deployment("only-cheap", "gpt-4o-mini", "g")])
    use_llmroute(router, rules)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LiteLLM may log the failed pick
        assert dispatched(router, "hi", None, {}, "g")[0] == "only-cheap"
        with pytest.raises(Exception) as caught:
            dispatched(router, "```def f(): pass```", None, {}, "g")
    error = caught.value if isinstance(caught.value, LlmrouteError) else caught.value.__cause__ or caught.value
    assert (
        "model group 'g' has no deployment for tier 'expensive' (gpt-4o); add one with model_info: "
        "{llmroute_tier: expensive}" in str(error)
    )
