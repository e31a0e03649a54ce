"""`llmroute route`: decision, rule, explanation, tokens and per-tier input cost."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app
from llmroute_cli.tokens.encodings import count

LONG = "Please look at this design and tell me what you think about it in detail. " * 4  # 296 chars


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def run_json(runner, *args, stdin=None):
    result = runner.invoke(app, ["route", *args, "--json"], input=stdin)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_short_query_goes_cheap_with_exact_tokens_and_cost(runner):
    out = run_json(runner, "What is the capital of France?")
    assert (out["tier"], out["model"], out["rule"]) == ("cheap", "gpt-4o-mini", "short-no-code")
    tokens = 3 + 3 + count("user") + count("What is the capital of France?")
    assert out["input_tokens"] == tokens
    assert out["tiers"]["cheap"]["input_cost_usd"] == pytest.approx(tokens * 0.15 / 1e6, rel=1e-12)
    assert out["tiers"]["expensive"]["input_cost_usd"] == pytest.approx(tokens * 2.50 / 1e6, rel=1e-12)
    assert out["rules_file"] == "<built-in reference policy>"
    assert out["explain"]["rules"][0]["matched"] is True
    assert out["explain"]["default"] is False


def test_no_tokens_gives_the_same_decision_without_a_count_or_cost(runner):
    query = LONG + "Classic mistake?"
    full, bare = run_json(runner, query), run_json(runner, query, "--no-tokens")
    assert (bare["tier"], bare["rule"], bare["explain"]) == (full["tier"], full["rule"], full["explain"])
    assert (bare["input_tokens"], bare["input_cost_usd"], bare["tiers"]) == (None, None, {})
    text = runner.invoke(app, ["route", query, "--no-tokens"])
    assert text.exit_code == 0 and "expensive" in text.stdout and "tokens" not in text.stdout


def test_keyword_in_long_query_goes_expensive_and_explains_earlier_rules(runner):
    query = LONG + "Classic mistake?"
    out = run_json(runner, query)
    assert (out["tier"], out["rule"]) == ("expensive", "code")
    first, second = out["explain"]["rules"]
    assert (first["name"], first["matched"]) == ("short-no-code", False)
    assert first["condition"]["children"][0] == {"condition": "query.chars < 200", "result": False, "value": len(query)}
    assert second["condition"]["children"][1]["value"] == "found 'class'"


def test_long_context_and_default(runner):
    assert run_json(runner, LONG, "--context", "x" * 8001)["rule"] == "long-context"
    out = run_json(runner, LONG, "--context", "x" * 8000)
    assert (out["tier"], out["rule"], out["explain"]["default"]) == ("cheap", None, True)
    context_tokens = count("system") + count("x" * 8000)
    assert out["input_tokens"] == 3 + (3 + context_tokens) + (3 + count("user") + count(LONG))


def test_the_system_prompt_is_counted_and_seen_as_a_logs_context_holds_it(runner):
    system = "You are a terse assistant. " * 3
    out = run_json(runner, LONG, "--system", system, "--context", "x" * 40)
    system_tokens, context_tokens = count("system") + count(system), count("system") + count("x" * 40)
    assert out["input_tokens"] == 3 + (3 + system_tokens) + (3 + context_tokens) + (3 + count("user") + count(LONG))
    assert out["tiers"]["expensive"]["input_cost_usd"] == pytest.approx(out["input_tokens"] * 2.50 / 1e6, rel=1e-12)
    # a logged request with this system prompt has it in its context: so has route's, for context rules
    assert run_json(runner, LONG, "--system", "s" * 8001)["rule"] == "long-context"
    assert run_json(runner, LONG, "--system", "s" * 7000)["rule"] is None


def test_context_file_stdin_and_rules_file(runner, tmp_path, root):
    (tmp_path / "ctx.txt").write_text("y" * 9000)
    out = run_json(runner, "-", "--context-file", "ctx.txt", "--rules", str(root / "routes.yaml"), stdin=LONG)
    assert (out["rule"], out["rules_file"]) == ("long-context", str(root / "routes.yaml"))


def test_local_routes_yaml_is_the_default(runner, tmp_path):
    (tmp_path / "routes.yaml").write_text(
        "tiers: {small: claude-3-5-haiku, big: claude-3-5-sonnet}\ndefault: small\nrules:\n"
        "  - name: pro-users\n    when: {metadata.user.plan: {in: [pro, enterprise]}}\n    route: big\n"
    )
    out = run_json(runner, "hi", "--metadata", '{"user": {"plan": "pro"}}')
    assert (out["tier"], out["model"], out["rule"], out["rules_file"]) == (
        "big",
        "claude-3-5-sonnet",
        "pro-users",
        "routes.yaml",
    )
    assert out["input_cost_usd"] == pytest.approx(out["input_tokens"] * 3.00 / 1e6)
    assert run_json(runner, "hi", "--metadata", '{"user": {"plan": "free"}}')["tier"] == "small"


def test_human_output(runner):
    result = runner.invoke(app, ["route", LONG + "please refactor"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "expensive → gpt-4o   rule: code"
    assert "  ✗ rule 'short-no-code' → cheap: did not match" in lines
    assert "  ✓ rule 'code' → expensive: matched" in lines
    assert any("found 'refactor'" in line for line in lines)
    assert any(line.startswith(" * expensive") for line in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["hi", "--metadata", "{bad"],
            "error: --metadata is not valid JSON: Expecting property name enclosed in double quotes at column 2\n",
        ),
        (["hi", "--metadata", "[1]"], 'error: --metadata must be a JSON object, like \'{"user": {"plan": "pro"}}\'\n'),
        (
            ["hi", "--context", "a", "--context-file", "routes.yaml"],
            "error: give --context or --context-file, not both\n",
        ),
        (
            ["hi", "--rules", "missing.yaml"],
            "error: missing.yaml: no such rule file; pass --rules PATH or create routes.yaml\n",
        ),
    ],
)
def test_misuse_exits_2(runner, tmp_path, args, message):
    (tmp_path / "routes.yaml").write_text("tiers: {cheap: gpt-4o-mini}\ndefault: cheap\n")
    result = runner.invoke(app, ["route", *args])
    assert result.exit_code == 2
    assert result.stderr == message
    assert result.stdout == ""


def test_broken_rule_file_exits_1_with_location(runner, tmp_path):
    (tmp_path / "routes.yaml").write_text("tiers: {cheap: gpt-4o-mini}\ndefault: pricey\n")
    result = runner.invoke(app, ["route", "hi"])
    assert result.exit_code == 1
    assert result.stderr == "routes.yaml:2:10: unknown default tier 'pricey'; expected one of: cheap\n"


def test_every_command_has_help(runner):
    from llmroute_cli.cli import app as the_app

    for command in the_app.registered_commands:
        result = runner.invoke(app, [command.name, "--help"])
        assert result.exit_code == 0
        assert "Example: llmroute " in result.stdout


MARKUP_RULES = """tiers: {cheap: gpt-4o-mini, "[bold]t": gpt-4o}
default: cheap
rules:
  - name: "x[/]y"
    when: {query.chars: {gt: 10}}
    route: "[bold]t"
  - name: "r\\x1b[31m\\rz"
    when: {query: {contains: "[/]"}}
    route: cheap
"""


def test_markup_in_names_prints_literally(runner, tmp_path):
    (tmp_path / "r.yaml").write_text(MARKUP_RULES)
    result = runner.invoke(app, ["route", "hello world", "--rules", "r.yaml"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "[bold]t → gpt-4o   rule: x[/]y"
    assert "  ✓ rule 'x[/]y' → [bold]t: matched" in lines
    assert any(line.startswith(" * [bold]t      gpt-4o") for line in lines)


def test_escape_codes_in_names_are_shown_not_sent(runner, tmp_path):
    (tmp_path / "r.yaml").write_text(MARKUP_RULES)
    result = runner.invoke(app, ["route", "[/]", "--rules", "r.yaml"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "cheap → gpt-4o-mini   rule: r\\x1b[31m z"
    assert "  ✓ rule 'r\\x1b[31m z' → cheap: matched" in lines
    assert "\x1b" not in result.stdout
