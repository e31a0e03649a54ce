"""Numbers past any real traffic (token counts, thresholds, prices) are located errors; money never wraps."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}], "usage": {"prompt_tokens": 7}}
TIERS = "tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\n"


def simulate(runner, tmp_path, rules: str, *extra: str):
    log, path = tmp_path / "logs.jsonl", tmp_path / "routes.yaml"
    log.write_text(json.dumps(CHAT) + "\n")
    path.write_text(TIERS + rules)
    args = ["simulate", str(log), "--rules", str(path), "--days", "1", "--format", "json", "--bootstrap", "0"]
    return runner.invoke(app, [*args, "--quiet", *extra]), path


def error_line(result, code: int) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("key", "count"),
    [("prompt_tokens", 2**63 - 1), ("prompt_tokens", 2**63), ("output_tokens", 10**9 + 1)],
    ids=["int64-max", "past-int64", "a-billion-and-one"],
)
def test_classifier_token_counts_past_a_billion_are_located_errors(runner, tmp_path, key, count):
    result, rules = simulate(runner, tmp_path, f"classifier: {{model: gpt-4o-mini, {key}: {count}}}\nrules: []\n")
    assert error_line(result, 1) == (
        f"{rules}:3:49: classifier '{key}' must be a whole number 0 to 1,000,000,000, got {count}"
    )


def test_a_billion_classifier_tokens_cost_what_the_arithmetic_says(runner, tmp_path):
    clf = "classifier: {model: gpt-4o-mini, prompt_tokens: 1000000000, include_query: false}\nrules: []\n"
    result, _ = simulate(runner, tmp_path, clf)
    assert result.exit_code == 0, result.output
    # 1e9 tokens x $0.15 per 1M (gpt-4o-mini input) = $150 for the one request
    assert json.loads(result.stdout)["overhead"]["cost_usd"] == 150.0


def test_a_400_digit_threshold_is_a_located_error(runner, tmp_path):
    rule = "rules:\n  - name: big\n    when:\n      query.chars: {gt: 1" + "0" * 400 + "}\n    route: expensive\n"
    result, rules = simulate(runner, tmp_path, rule)
    assert error_line(result, 1) == (
        f"{rules}:6:25: rule 'big': 'query.chars' gt takes a number, "
        "got a number too large (401 digits; a float holds about 308)"
    )


def test_a_5000_digit_number_is_a_located_error(runner, tmp_path):
    rule = "rules:\n  - name: big\n    when:\n      query.chars: {gt: 1" + "0" * 5000 + "}\n    route: expensive\n"
    result, rules = simulate(runner, tmp_path, rule)
    assert error_line(result, 1) == f"{rules}:6:25: a number too large (5001 digits)"


def test_a_400_digit_metadata_threshold_is_a_located_error(runner, tmp_path):
    rule = "rules:\n  - name: big\n    when:\n      metadata.n: {lt: -1" + "0" * 400 + "}\n    route: expensive\n"
    result, rules = simulate(runner, tmp_path, rule)
    assert error_line(result, 1) == (
        f"{rules}:6:24: rule 'big': 'metadata.n' lt takes a number, "
        "got a number too large (401 digits; a float holds about 308)"
    )


def test_a_rule_file_price_past_a_million_per_1m_tokens_is_a_located_error(runner, tmp_path):
    prices = "prices:\n  gpt-4o: {input: 1.0e+303, output: 10}\nrules: []\n"
    result, rules = simulate(runner, tmp_path, prices)
    assert error_line(result, 1) == (
        f"{rules}:4:19: price 'input' of 'gpt-4o' is over $1,000,000 per 1M tokens, got 1e+303; "
        "prices are USD per 1M tokens"
    )


def test_a_price_of_a_million_per_1m_tokens_is_still_read(runner, tmp_path):
    result, _ = simulate(runner, tmp_path, "prices:\n  gpt-4o: {input: 1000000, output: 0}\nrules: []\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["baseline"]["as_logged"]["cost_usd"] == 7.0  # 7 tokens x $1 each


@pytest.mark.parametrize("field", ["input_cost_per_token", "cache_read_input_token_cost"])
def test_a_price_map_price_past_a_million_per_1m_tokens_is_a_one_line_error(runner, tmp_path, field):
    entry = {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, field: 1e303}
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"gpt-4o": entry}))
    result, _ = simulate(runner, tmp_path, "rules: []\n", "--prices", str(prices))
    assert error_line(result, 1) == (
        f"error: {prices}: model 'gpt-4o' {field}: 1e+303 USD per token is over $1,000,000 per 1M tokens"
    )
