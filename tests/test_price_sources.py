"""Price sources: competing LiteLLM map entries (own provider first, --provider to choose), OpenRouter model lists
read exactly, and reports that say which entry priced each model. Money is checked against hand arithmetic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmroute_cli.cli import app
from llmroute_cli.pricing.maps import load_price_map

FIXTURES = Path(__file__).parent / "fixtures"
LITELLM = FIXTURES / "litellm_competing_prices.json"
OPENROUTER = FIXTURES / "openrouter_models.json"

RULES = """version: 1
tiers:
  cheap: {cheap}
  expensive: {expensive}
default: cheap
rules:
  - name: proofs
    when:
      query: {{contains: ["prove"]}}
    route: expensive
"""
RECORDS = [
    {"query": "hi", "model": "gpt-4o", "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 100_000}},
    {"query": "prove it", "model": "gpt-4o", "usage": {"prompt_tokens": 2_000_000, "completion_tokens": 500_000}},
]


def _setup(tmp_path: Path, cheap: str, expensive: str, records: list[dict] = RECORDS) -> tuple[Path, Path]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.format(cheap=cheap, expensive=expensive))
    logs = tmp_path / "logs.jsonl"
    logs.write_text("".join(json.dumps(r) + "\n" for r in records))
    return rules, logs


def _prices(runner, prices: Path, *args: str) -> dict[str, dict]:
    result = runner.invoke(app, ["prices", "--json", "--prices", str(prices), *args])
    assert result.exit_code == 0, result.output
    return {r["model"]: r for r in json.loads(result.stdout)}


def _simulate(runner, logs: Path, rules: Path, *args: str) -> dict:
    result = runner.invoke(
        app, ["simulate", str(logs), "--rules", str(rules), "--days", "1", "--format", "json", *args]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- LiteLLM maps with competing entries ---------------------------------------------------------------------------


def test_a_model_is_priced_by_its_own_providers_entry_not_the_first_that_matches(runner):
    rows = _prices(runner, LITELLM, "o1-mini", "anthropic/claude-3.5-haiku", "claude-3-5-haiku", "gpt-4o-mini")
    got = {m: (r["priced_as"], r["provider"], r["input"], r["output"]) for m, r in rows.items()}
    assert got == {
        # not azure/eu/o1-mini-2024-09-12 (1.21 / 4.84, Azure EU +10%), which comes first in the file
        "o1-mini": ("o1-mini-2024-09-12", "openai", 1.1, 4.4),
        # not replicate/anthropic/claude-3.5-haiku (1.00 / 5.00, +25%), the only key spelled like the name
        "anthropic/claude-3.5-haiku": ("claude-3-5-haiku-20241022", "anthropic", 0.8, 4.0),
        # the map's own entry, not the built-in table's
        "claude-3-5-haiku": ("claude-3-5-haiku-20241022", "anthropic", 0.8, 4.0),
        "gpt-4o-mini": ("gpt-4o-mini", "openai", 0.15, 0.6),
    }
    assert rows["o1-mini"]["source"] == f"LiteLLM map {LITELLM}:o1-mini-2024-09-12"


@pytest.mark.parametrize(
    ("provider", "model", "key", "rates"),
    [
        ("azure", "o1-mini", "azure/o1-mini", (1.1, 4.4)),  # fewer path segments than azure/eu/...
        ("azure", "gpt-4o-mini", "azure/eu/gpt-4o-mini-2024-07-18", (0.165, 0.66)),
        ("replicate", "anthropic/claude-3.5-haiku", "replicate/anthropic/claude-3.5-haiku", (1.0, 5.0)),
        ("vertex_ai", "claude-3-5-haiku", "vertex_ai/claude-3-5-haiku@20241022", (1.0, 5.0)),
        ("bedrock", "claude-3-5-haiku", "bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0", (0.8, 4.0)),
        ("openrouter", "gpt-4o-mini", "openrouter/openai/gpt-4o-mini", (0.15, 0.6)),
        # no bedrock entry for o1-mini: its own provider's
        ("bedrock", "o1-mini", "o1-mini-2024-09-12", (1.1, 4.4)),
    ],
)
def test_provider_chooses_another_providers_entry(runner, provider, model, key, rates):
    row = _prices(runner, LITELLM, model, "--provider", provider)[model]
    assert (row["priced_as"], (row["input"], row["output"])) == (key, rates)
    assert row["source"] == f"LiteLLM map {LITELLM}:{key}"


def test_simulate_costs_and_names_the_entries_that_priced_each_model(runner, tmp_path):
    rules, logs = _setup(tmp_path, "anthropic/claude-3.5-haiku", "o1-mini")
    r = _simulate(runner, logs, rules, "--prices", str(LITELLM))
    # cheap: 1M x 0.80 + 0.1M x 4.00 = 0.80 + 0.40; expensive: 2M x 1.10 + 0.5M x 4.40 = 2.20 + 2.20
    assert r["tiers"]["cheap"]["cost_usd"] == pytest.approx(1.20, abs=1e-12)
    assert r["tiers"]["expensive"]["cost_usd"] == pytest.approx(4.40, abs=1e-12)
    assert r["routed"]["cost_usd"] == pytest.approx(5.60, abs=1e-12)
    source = f"LiteLLM map {LITELLM}"
    assert r["prices"] == {
        "anthropic/claude-3.5-haiku": {
            "key": "claude-3-5-haiku-20241022",
            "source": f"{source}:claude-3-5-haiku-20241022",
            "provider": "anthropic",
        },
        "o1-mini": {"key": "o1-mini-2024-09-12", "source": f"{source}:o1-mini-2024-09-12", "provider": "openai"},
        "gpt-4o": {"key": "gpt-4o", "source": f"{source}:gpt-4o", "provider": "openai"},  # the logged model
    }


def test_provider_changes_the_simulated_cost(runner, tmp_path):
    rules, logs = _setup(tmp_path, "anthropic/claude-3.5-haiku", "o1-mini")
    r = _simulate(runner, logs, rules, "--prices", str(LITELLM), "--provider", "azure")
    # claude has no Azure entry: Anthropic's, 1M x 0.80 + 0.1M x 4.00; o1-mini at azure/o1-mini 1.10 / 4.40
    assert r["tiers"]["cheap"]["cost_usd"] == pytest.approx(1.20, abs=1e-12)
    assert r["tiers"]["expensive"]["cost_usd"] == pytest.approx(2_000_000 * 1.1e-6 + 500_000 * 4.4e-6, abs=1e-12)
    assert r["prices"]["o1-mini"]["key"] == "azure/o1-mini"
    r = _simulate(runner, logs, rules, "--prices", str(LITELLM), "--provider", "replicate")
    # Replicate's claude-3.5-haiku: 1M x 1.00 + 0.1M x 5.00 = 1.50
    assert r["tiers"]["cheap"]["cost_usd"] == pytest.approx(1.50, abs=1e-12)
    assert r["prices"]["anthropic/claude-3.5-haiku"]["provider"] == "replicate"


def test_the_table_and_markdown_reports_name_the_price_entries(runner, tmp_path):
    rules, logs = _setup(tmp_path, "anthropic/claude-3.5-haiku", "o1-mini")
    base = ["simulate", str(logs), "--rules", str(rules), "--days", "1", "--prices", str(LITELLM)]
    line = (
        f"prices: anthropic/claude-3.5-haiku from LiteLLM map {LITELLM}:claude-3-5-haiku-20241022 (anthropic); "
        f"o1-mini from LiteLLM map {LITELLM}:o1-mini-2024-09-12 (openai); "
        f"gpt-4o from LiteLLM map {LITELLM}:gpt-4o (openai)"
    )
    table = runner.invoke(app, base, env={"COLUMNS": "1000"})
    assert table.exit_code == 0, table.output
    assert line in table.stdout.splitlines()
    md = runner.invoke(app, [*base, "--format", "markdown"])
    assert md.exit_code == 0, md.output
    assert line.replace("_", "\\_") + "  " in md.stdout.splitlines()


def test_an_unknown_provider_is_a_usage_error(runner, tmp_path):
    rules, logs = _setup(tmp_path, "gpt-4o-mini", "gpt-4o")
    result = runner.invoke(
        app, ["simulate", str(logs), "--rules", str(rules), "--prices", str(LITELLM), "--provider", "azur"]
    )
    assert result.exit_code == 2
    assert result.stderr == "error: --provider azur: no price entry is from that provider; did you mean azure?\n"
    result = runner.invoke(app, ["prices", "--provider", "nobody"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --provider nobody: no price entry is from that provider; the prices have: anthropic, gemini, openai\n"
    )


@pytest.mark.parametrize("command", ["simulate", "diff", "compare", "sweep", "calibrate", "check", "prices", "sample"])
def test_every_command_that_takes_prices_takes_provider(runner, command):
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--prices" in result.stdout and "--provider" in result.stdout


# --- OpenRouter /api/v1/models ---------------------------------------------------------------------------------------


def test_openrouter_prices_are_exact_decimals_per_million():
    table = load_price_map(OPENROUTER)
    mini = table["openai/gpt-4o-mini"]
    assert (repr(mini.input), repr(mini.output), repr(mini.cached_input)) == ("0.15", "0.6", "0.075")
    assert (mini.where(), mini.provider) == (f"OpenRouter {OPENROUTER}:openai/gpt-4o-mini", "openrouter")
    haiku = table["anthropic/claude-3.5-haiku"]
    assert float("0.0000008") * 1_000_000 == 0.7999999999999999  # the float noise a naive conversion lets in
    assert repr(haiku.input) == "0.8"
    assert (haiku.input, haiku.output, haiku.cached_input, haiku.cache_write) == (0.8, 4.0, 0.08, 1.0)
    assert table["meta-llama/llama-3.1-8b-instruct"].input == 0.02
    assert (table["meta-llama/llama-3.1-8b-instruct:free"].input, "llama-3.1-8b-instruct:free" in table) == (0, False)
    assert "openrouter/auto" not in table  # priced "-1": a router billed at the price of the model it picks


def test_openrouter_overrides_are_long_prompt_prices():
    pro = load_price_map(OPENROUTER)["google/gemini-2.5-pro"]
    assert (pro.input, pro.output, pro.cached_input, pro.cache_write) == (1.25, 10.0, 0.31, 1.625)
    # min_prompt_tokens 200001: prompts of more than 200,000 tokens
    assert [(t.above, t.input, t.output, t.cached_input) for t in pro.long_context] == [(200_000, 2.5, 15.0, 0.625)]


def test_later_overrides_win_per_price_and_absent_prices_inherit(tmp_path):
    path = tmp_path / "models.json"
    pricing = {
        "prompt": "0.000001",
        "completion": "0.000002",
        "overrides": [
            {"min_prompt_tokens": 100000, "prompt": "0.000003"},
            {"min_prompt_tokens": 50000, "completion": "0.000004"},
            {"utc_start": "2026-01-01T00:00:00Z", "utc_end": "2026-01-02T00:00:00Z", "prompt": "0.0000001"},
        ],
    }
    path.write_text(json.dumps({"data": [{"id": "acme/m1", "pricing": pricing}]}))
    tiers = load_price_map(path)["acme/m1"].long_context
    assert [(t.above, t.input, t.output) for t in tiers] == [(49_999, 1.0, 4.0), (99_999, 3.0, 4.0)]


def test_provider_ids_and_bare_names_resolve_to_the_same_openrouter_prices(runner):
    rows = _prices(runner, OPENROUTER, "gpt-4o-mini", "openai/gpt-4o-mini", "claude-3-5-haiku", "gemini-2.5-pro")
    got = {m: (r["input"], r["output"], r["provider"], r["source"]) for m, r in rows.items()}
    where = f"OpenRouter {OPENROUTER}"
    assert got == {
        "gpt-4o-mini": (0.15, 0.6, "openrouter", f"{where}:openai/gpt-4o-mini"),
        "openai/gpt-4o-mini": (0.15, 0.6, "openrouter", f"{where}:openai/gpt-4o-mini"),
        # the built-in table has claude-3-5-haiku too: the file's entry for the same model wins
        "claude-3-5-haiku": (0.8, 4.0, "openrouter", f"{where}:anthropic/claude-3.5-haiku"),
        "gemini-2.5-pro": (1.25, 10.0, "openrouter", f"{where}:google/gemini-2.5-pro"),
    }


def test_a_bare_name_two_ids_share_is_not_guessed(tmp_path):
    path = tmp_path / "models.json"
    price = {"prompt": "0.000001", "completion": "0.000002"}
    path.write_text(
        json.dumps({"data": [{"id": "acme/chat-1", "pricing": price}, {"id": "other/chat-1", "pricing": price}]})
    )
    assert sorted(load_price_map(path)) == ["acme/chat-1", "other/chat-1"]


def test_simulate_with_openrouter_prices_equals_hand_arithmetic_exactly(runner, tmp_path):
    records = [
        {
            "query": "hi",
            "model": "anthropic/claude-3.5-haiku",
            "usage": {"prompt_tokens": 100_000, "completion_tokens": 1_000_000},  # within its 200,000-token window
        },
        # 200,000 tokens is not more than 200,000: base prices
        {"query": "prove a", "usage": {"prompt_tokens": 200_000, "completion_tokens": 10_000}},
        # 300,000 tokens: long-prompt prices 2.50 / 15.00
        {"query": "prove b", "usage": {"prompt_tokens": 300_000, "completion_tokens": 10_000}},
    ]
    rules, logs = _setup(tmp_path, "claude-3.5-haiku", "google/gemini-2.5-pro", records)
    r = _simulate(runner, logs, rules, "--prices", str(OPENROUTER), "--bootstrap", "0")
    assert r["tiers"]["cheap"]["cost_usd"] == 4.08  # 0.1M x 0.80 + 1M x 4.00, exactly (not 4.079999999999999)
    # 0.2M x 1.25 + 0.01M x 10 = 0.25 + 0.10; 0.3M x 2.50 + 0.01M x 15 = 0.75 + 0.15
    assert r["tiers"]["expensive"]["cost_usd"] == 1.25
    assert r["assumptions"]["long_context_requests"] == 1
    assert r["prices"]["google/gemini-2.5-pro"]["source"] == f"OpenRouter {OPENROUTER}:google/gemini-2.5-pro"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"data": [{"id": "openai/gpt-4o-mini", "pricing": {"prompt": 1.5e-07, "completion": "0.0000006"}}]},
            "{path}:1: model 'openai/gpt-4o-mini' pricing.prompt: expected a price >= 0 in USD per token as a "
            "decimal string, got 1.5e-07",
        ),
        (
            {"data": [{"id": "acme/m", "pricing": {"prompt": "0.000001", "completion": "cheap"}}]},
            "{path}:1: model 'acme/m' pricing.completion: expected a price >= 0 in USD per token as a decimal "
            "string, got 'cheap'",
        ),
        (
            {"data": [{"id": "acme/m", "name": "M"}]},
            "{path}:1: model 'acme/m': expected 'pricing' with 'prompt' and 'completion' prices in USD per token",
        ),
        ({"data": [{"name": "no id"}]}, "{path}: data[0]: expected a model object with a string 'id'"),
        (
            {"data": [{"id": "acme/m", "pricing": {"prompt": "2", "completion": "0.000001"}}]},
            "{path}:1: model 'acme/m' pricing.prompt: '2' USD per token is over $1,000,000 per 1M tokens",
        ),
    ],
)
def test_malformed_openrouter_entries_are_located_errors(runner, tmp_path, data, message):
    path = tmp_path / "models.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["prices", "--prices", str(path)])
    assert result.exit_code == 1
    assert result.stderr == "error: " + message.format(path=path) + "\n"


def test_the_line_of_a_malformed_entry_is_where_its_id_is(runner):
    text = OPENROUTER.read_text().replace('"prompt": "0.0000008"', '"prompt": "-0.0000008"')
    path = OPENROUTER.parent / "never-written.json"
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines, 1) if '"id": "anthropic/claude-3.5-haiku"' in t)
    from llmroute_cli.errors import LlmrouteError
    from llmroute_cli.pricing.openrouter import openrouter_prices

    with pytest.raises(LlmrouteError) as err:
        openrouter_prices(json.loads(text), str(path), text)
    assert str(err.value).startswith(f"{path}:{line}: model 'anthropic/claude-3.5-haiku' pricing.prompt: ")


def test_the_price_file_is_not_modified(runner):
    before = OPENROUTER.read_bytes(), LITELLM.read_bytes()
    _prices(runner, OPENROUTER)
    _prices(runner, LITELLM)
    assert (OPENROUTER.read_bytes(), LITELLM.read_bytes()) == before


def test_a_model_its_own_provider_does_not_price_is_warned_of(runner, tmp_path):
    prices = tmp_path / "map.json"
    entries = json.loads(LITELLM.read_text())
    del entries["o1-mini-2024-09-12"]  # as in LiteLLM's current map: OpenAI's o1-mini entry is gone
    prices.write_text(json.dumps(entries))
    rules, logs = _setup(tmp_path, "claude-3-5-haiku", "o1-mini")
    r = _simulate(runner, logs, rules, "--prices", str(prices))
    # azure/o1-mini (1.10 / 4.40: fewer segments than Azure EU's 1.21 / 4.84): 2M x 1.10 + 0.5M x 4.40
    assert r["tiers"]["expensive"]["cost_usd"] == pytest.approx(4.40, abs=1e-12)
    assert r["prices"]["o1-mini"]["provider"] == "azure"
    assert (
        f"o1-mini is priced at azure's entry LiteLLM map {prices}:azure/o1-mini: the prices have no openai entry"
        " for it; pass --provider to choose, or price it with 'prices:' in the rule file" in r["warnings"]
    )


def test_with_no_entry_from_the_asked_provider_a_model_keeps_its_own(runner, tmp_path):
    rules, logs = _setup(tmp_path, "claude-3-5-haiku", "o1-mini")
    r = _simulate(runner, logs, rules, "--prices", str(LITELLM), "--provider", "azure")
    # no Azure claude: Anthropic's own entry (not Bedrock's or Vertex's), 1M x 0.80 + 0.1M x 4.00
    assert r["prices"]["claude-3-5-haiku"]["key"] == "claude-3-5-haiku-20241022"
    assert r["tiers"]["cheap"]["cost_usd"] == pytest.approx(1.20, abs=1e-12)
    assert any(w.startswith("claude-3-5-haiku is priced at anthropic's entry") for w in r["warnings"])
    assert not any(w.startswith("o1-mini") for w in r["warnings"])


def test_diff_prices_both_policies_with_the_provider_asked(runner, tmp_path):
    old, logs = _setup(tmp_path, "gpt-4o-mini", "o1-mini")
    new = tmp_path / "new.yaml"
    new.write_text(RULES.format(cheap="gpt-4o-mini", expensive="gpt-4o"))
    args = ["diff", str(old), str(new), "--logs", str(logs), "--days", "1", "--format", "json"]
    result = runner.invoke(app, [*args, "--prices", str(LITELLM), "--provider", "azure"])
    assert result.exit_code == 0, result.output
    r = json.loads(result.stdout)
    # "prove it" moves from azure/o1-mini (2M x 1.10 + 0.5M x 4.40 = 4.40) to azure/gpt-4o (2M x 2.50 + 0.5M x 10 = 10)
    # "hi" stays on azure/eu/gpt-4o-mini-2024-07-18: 1M x 0.165 + 0.1M x 0.66 = 0.231
    assert r["old"]["routed"]["cost_usd"] == pytest.approx(4.40 + 0.231, abs=1e-12)
    assert r["new"]["routed"]["cost_usd"] == pytest.approx(10.0 + 0.231, abs=1e-12)
