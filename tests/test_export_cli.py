"""`llmroute export`: a LiteLLM proxy config that loads and routes as `llmroute route`, and OpenRouter fields."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
import yaml

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # before any litellm import: no price-map fetch

from llmroute_cli.cli import app

pytestmark = pytest.mark.filterwarnings("ignore:.*ReadOnly. qualifier:UserWarning")

RULES = """\
version: 1
tiers: {cheap: gpt-4o-mini, mid: claude-3-5-haiku, expensive: gpt-4o}
default: mid
rules:
  - name: short
    when: {query.chars: {lt: 40}}
    route: cheap
  - name: code
    when: {query: {contains: ["def "]}}
    route: expensive
"""


@pytest.fixture
def rules(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "routes.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


def test_export_litellm_writes_a_config_litellm_loads_and_routes_like_route(runner, rules, tmp_path, monkeypatch):
    import litellm
    from litellm.proxy.types_utils.utils import get_instance_fn
    from litellm.router_strategy.complexity_router.config import ComplexityRouterConfig

    from llmroute_cli.integrations import litellm as integration

    out = tmp_path / "litellm_config.yaml"
    result = runner.invoke(app, ["export", "litellm", "--rules", str(rules), "-o", str(out)])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", f"wrote {out}\n")
    config = yaml.safe_load(out.read_text("utf-8"))
    assert config["environment_variables"] == {"LLMROUTE_RULES": str(rules.resolve())}
    assert [(m["model_name"], m["litellm_params"]["model"]) for m in config["model_list"]] == [
        ("llmroute", "auto_router/complexity_router"),
        ("cheap", "openai/gpt-4o-mini"),
        ("mid", "anthropic/claude-3-5-haiku"),
        ("expensive", "openai/gpt-4o"),
    ]
    # What the proxy does at start-up: set environment_variables, resolve the plugin's dotted path.
    for key, value in config["environment_variables"].items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(integration.plugin, "_router", None)
    settings = config["model_list"][0]["litellm_params"]["complexity_router_config"]
    settings["classifier_plugin"] = get_instance_fn(value=settings["classifier_plugin"], config_file_path=str(out))
    assert settings["classifier_plugin"] is integration.plugin
    assert ComplexityRouterConfig(**settings).fallback_tier == "mid"
    router = litellm.Router(model_list=config["model_list"])
    for query in ["Hi there", "Explain the French revolution in three paragraphs", "Why does def f(): fail?"]:
        tier = json.loads(runner.invoke(app, ["route", query, "--rules", str(rules), "--json"]).stdout)["tier"]

        async def call(q=query):
            return await router.acompletion(
                model="llmroute", messages=[{"role": "user", "content": q}], mock_response="ok"
            )

        assert (
            asyncio.run(call()).model
            == {"cheap": "gpt-4o-mini", "mid": "claude-3-5-haiku", "expensive": "gpt-4o"}[tier]
        )


def test_export_litellm_prints_to_stdout_and_refuses_to_overwrite_the_rules(runner, rules):
    result = runner.invoke(app, ["export", "litellm"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# LiteLLM proxy config written by `llmroute export litellm`")
    assert yaml.safe_load(result.stdout)["model_list"][0]["model_name"] == "llmroute"
    result = runner.invoke(app, ["export", "litellm", "-o", str(rules)])
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: --output {rules} would overwrite an input file; choose another path\n",
    )


def test_export_needs_a_rule_file(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["export", "openrouter"])
    assert (result.exit_code, result.stderr) == (2, "error: routes.yaml: no such rule file; give --rules routes.yaml\n")


def test_export_openrouter_prints_each_tiers_request_fields(runner, rules):
    result = runner.invoke(app, ["export", "openrouter", "--sort", "latency"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "cheap": {
            "model": "openai/gpt-4o-mini",
            "models": ["openai/gpt-4o-mini", "anthropic/claude-3.5-haiku", "openai/gpt-4o"],
            "provider": {"sort": "latency"},
        },
        "mid": {
            "model": "anthropic/claude-3.5-haiku",
            "models": ["anthropic/claude-3.5-haiku", "openai/gpt-4o-mini", "openai/gpt-4o"],
            "provider": {"sort": "latency"},
        },
        "expensive": {
            "model": "openai/gpt-4o",
            "models": ["openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-3.5-haiku"],
            "provider": {"sort": "latency"},
        },
    }


def test_export_openrouter_names_a_model_without_a_known_provider(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "routes.yaml").write_text(
        "version: 1\ntiers: {cheap: my-tune, expensive: gpt-4o}\ndefault: cheap\nprices:\n"
        "  my-tune: {input: 0.3, output: 1.2}\nrules: []\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["export", "openrouter"])
    assert (result.exit_code, result.stderr) == (
        2,
        "error: tier 'cheap': no OpenRouter provider known for model 'my-tune'; write it as provider/model in tiers:\n",
    )
