"""Context windows: a request too long for its routed tier's model moves to ``fallback:`` or the cheapest tier
that fits, with its cost, on both engine paths; ``route`` says so; windows from the map and the built-in table."""

from __future__ import annotations

import json
import os

import pytest

from llmroute_cli.cli import app
from llmroute_cli.engine import operators
from llmroute_cli.pricing.maps import load_price_map
from llmroute_cli.pricing.prices import BUILTIN_PRICES
from llmroute_cli.tokens.encodings import count

CHAT = 7  # tokens the chat format adds to one user message (3 for the message, 3 to prime the reply, 1 for its role)
LONG = 150_000  # words, and so tokens: "word" then " word" repeated, one o200k token each
RULES = """\
version: 1
tiers: {cheap: gpt-4o-mini, mid: gpt-4.1-mini, expensive: gpt-4o}
default: cheap
FALLBACK
prices:
  gpt-4o-mini: {input: 0.15, output: 0.60, max_input_tokens: 1000}
"""


def words(n: int) -> str:
    return "word" + " word" * (n - 1)


def rec(i: int, prompt: int | None, out: int = 0, query: str = "hi") -> dict:
    usage = {} if prompt is None else {"usage": {"prompt_tokens": prompt, "completion_tokens": out}}
    return {"id": f"r{i}", "query": query, "timestamp": 1_767_225_600 + i * 43_200, **usage}


@pytest.fixture
def litellm():
    return pytest.importorskip("litellm")


@pytest.fixture(params=["row-by-row", "columnar"])
def engine(request):
    saved = operators.SMALL_COLUMN
    operators.SMALL_COLUMN = -1 if request.param == "columnar" else 10**9
    yield request.param
    operators.SMALL_COLUMN = saved


@pytest.fixture
def setup(tmp_path, monkeypatch, write):
    monkeypatch.chdir(tmp_path)
    records = [rec(1, 500), rec(2, 1500), rec(3, None, query=words(LONG))]
    write("logs.jsonl", "".join(json.dumps(r) + "\n" for r in records))

    def _rules(fallback: str = "", rules: str = RULES) -> None:
        write("rules.yaml", rules.replace("FALLBACK", fallback))

    return _rules


def simulate(runner, *args: str) -> dict:
    result = runner.invoke(app, ["simulate", "logs.jsonl", "--rules", "rules.yaml", "--bootstrap", "0", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "json" in args else result


def test_the_long_request_is_built_by_counting():
    assert count(words(LONG), "o200k_base") == LONG


def test_a_too_long_request_goes_to_the_fallback_else_the_cheapest_that_fits(runner, setup, engine):
    setup("fallback: expensive")
    r = simulate(runner, "--format", "json", "--output-tokens", "0")
    n = LONG + CHAT  # r3's counted input: over gpt-4o's 128,000 too, so to mid (gpt-4.1-mini, 1,047,576)
    c = r["context_window"]
    assert (c["requests"], c["moved"], c["fits_no_tier"], c["fallback"]) == (2, 2, 0, "expensive")
    to = c["rules"]["(default)"]["to"]
    # r2: 1,500 tokens over the 1,000 window; on gpt-4o 1,500 x 2.50/1M = 0.00375, on gpt-4o-mini 0.000225
    assert to["expensive"]["requests"] == 1
    assert to["expensive"]["cost_usd"] == pytest.approx(0.00375, abs=1e-15)
    assert to["expensive"]["routed_cost_usd"] == pytest.approx(0.000225, abs=1e-15)
    assert to["expensive"]["difference_usd"] == pytest.approx(0.003525, abs=1e-15)
    # r3: n x 0.40/1M on gpt-4.1-mini against n x 0.15/1M on gpt-4o-mini
    assert to["mid"]["input_tokens"] == n
    assert to["mid"]["cost_usd"] == pytest.approx(n * 0.40 / 1e6, abs=1e-15)
    assert c["difference_usd"] == pytest.approx(0.003525 + n * 0.25 / 1e6, abs=1e-15)
    # the tiers count each request where it was answered; the savings include the move
    assert {t: v["queries"] for t, v in r["tiers"].items()} == {"cheap": 1, "mid": 1, "expensive": 1}
    assert r["tiers"]["cheap"]["cost_usd"] == pytest.approx(500 * 0.15 / 1e6, abs=1e-15)
    routed = 500 * 0.15 / 1e6 + 0.00375 + n * 0.40 / 1e6
    assert r["routed"]["cost_usd"] == pytest.approx(routed, abs=1e-15)
    assert r["rules"]["(default)"]["cost_usd"] == pytest.approx(routed, abs=1e-15)
    assert r["warnings"] == []


def test_without_a_fallback_the_cheapest_tier_that_fits_takes_it(runner, setup, engine):
    setup()
    r = simulate(runner, "--format", "json", "--output-tokens", "0")
    to = r["context_window"]["rules"]["(default)"]["to"]
    assert {d: v["requests"] for d, v in to.items()} == {"mid": 2}
    assert to["mid"]["cost_usd"] == pytest.approx((1500 + LONG + CHAT) * 0.40 / 1e6, abs=1e-15)


def test_the_table_names_the_moves(runner, setup):
    setup("fallback: expensive")
    out = " ".join(simulate(runner, "--days", "1", "--output-tokens", "0").stdout.split())  # unwrapped
    # +$0.003525 (r2) + 150,007 x 0.25/1M = 0.03750175 (r3): $0.04102675 in all, shown to the cent
    assert (
        "Context windows: 2 requests too long for their routed tier's model ('fallback: expensive'; else the "
        "cheapest tier that fits), +$0.04 in all: "
        "rule '(default)' (cheap, gpt-4o-mini, window 1,000 tokens): 1 moved to expensive (gpt-4o), +$0.00353; "
        "1 moved to mid (gpt-4.1-mini), +$0.04 "
    ) in out


def test_a_request_that_fits_no_tier_stays_and_is_warned_about(runner, setup):
    small = RULES + "  gpt-4.1-mini: {input: 0.40, output: 1.60, max_input_tokens: 2000}\n"
    setup("", small)
    r = simulate(runner, "--format", "json", "--output-tokens", "0")
    to = r["context_window"]["rules"]["(default)"]["to"]
    assert to["mid"]["requests"] == 1  # r2 fits gpt-4.1-mini's 2,000 here
    assert to["(fits no tier)"]["requests"] == 1
    assert to["(fits no tier)"]["difference_usd"] == 0.0
    assert r["tiers"]["cheap"]["cost_usd"] == pytest.approx((500 + LONG + CHAT) * 0.15 / 1e6, abs=1e-15)
    assert r["warnings"] == [
        f"1 requests fit no tier's context window (the longest has {LONG + CHAT:,} input tokens; the widest window "
        "is 128,000 tokens, tier 'expensive'): priced on their routed tier as if they fit; add a tier with a larger "
        "window, or set 'fallback:' to one"
    ]


def test_an_unknown_fallback_tier_is_a_located_error(runner, setup):
    setup("fallback: premium")
    result = runner.invoke(app, ["check", "rules.yaml"])
    assert result.exit_code == 1
    assert "rules.yaml:4:11: unknown fallback tier 'premium'; expected one of: cheap, mid, expensive" in result.output


def test_a_bad_window_in_the_rule_file_is_a_located_error(runner, setup):
    setup("", RULES.replace("max_input_tokens: 1000", "max_input_tokens: 0"))
    result = runner.invoke(app, ["check", "rules.yaml"])
    assert result.exit_code == 1
    assert (
        "rules.yaml:6:62: 'max_input_tokens' of 'gpt-4o-mini' must be a whole number of tokens 1 to 1,000,000,000, got 0"
    ) in result.output


def test_route_names_the_move(runner, setup):
    setup("fallback: expensive")
    result = runner.invoke(app, ["route", words(2000), "--rules", "rules.yaml"])
    assert result.exit_code == 0, result.output
    assert "input tokens: 2,007 (chat format)\n" in result.stdout
    assert (
        "too long for gpt-4o-mini's 1,000-token window: goes to expensive (gpt-4o): the rule file's fallback\n"
    ) in result.stdout
    fits = json.loads(runner.invoke(app, ["route", words(2000), "--rules", "rules.yaml", "--json"]).stdout)
    assert fits["context_window"] == {
        "max_input_tokens": 1000,
        "fits": False,
        "tier": "expensive",
        "why": "the rule file's fallback",
    }


def test_a_litellm_maps_window_is_used(runner, setup, write):
    setup("", RULES.split("prices:")[0])
    entry = {"input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07, "max_input_tokens": 1000}
    write("map.json", json.dumps({"gpt-4o-mini": {**entry, "litellm_provider": "openai"}}))
    r = simulate(runner, "--format", "json", "--output-tokens", "0", "--prices", "map.json")
    assert r["context_window"]["windows"]["cheap"] == {"model": "gpt-4o-mini", "max_input_tokens": 1000}
    assert r["context_window"]["moved"] == 2


def test_openrouter_context_length_is_the_window(root):
    table = load_price_map(root / "tests" / "fixtures" / "openrouter_models.json")
    assert table["openai/gpt-4o-mini"].max_input_tokens == 128_000
    assert table["google/gemini-2.5-pro"].max_input_tokens == 1_048_576


def test_builtin_windows_agree_with_litellm_map(litellm):
    theirs = load_price_map(
        os.path.join(os.path.dirname(litellm.__file__), "model_prices_and_context_window_backup.json")
    )
    names = {
        "claude-3-5-sonnet": "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "claude-3-5-haiku": "anthropic.claude-3-5-haiku-20241022-v1:0",
        "ft:gpt-4o-mini": "ft:gpt-4o-mini-2024-07-18",
        "ft:gpt-4.1": "ft:gpt-4.1-2025-04-14",
        "ft:gpt-4.1-mini": "ft:gpt-4.1-mini-2025-04-14",
        "ft:gpt-4.1-nano": "ft:gpt-4.1-nano-2025-04-14",
    }
    for model, ours in BUILTIN_PRICES.items():
        key = names.get(model, f"gemini/{model}" if model.startswith("gemini-") else model)
        assert ours.max_input_tokens == theirs[key].max_input_tokens, model
        assert (ours.input, ours.output) == (theirs[key].input, theirs[key].output), model


CASCADE = """\
version: 1
tiers:
  cheap: gpt-4o-mini
  expensive: gpt-4o
  try-cheap: {cascade: [cheap, expensive], escalate: {metadata.confidence: {lt: 8}}}
default: try-cheap
prices:
  gpt-4o-mini: {input: 0.15, output: 0.60, max_input_tokens: 1000}
"""


def test_a_cascade_first_call_too_long_for_its_tier_is_not_billed(runner, setup, write, engine):
    records = [{**rec(i, prompt), "metadata": {"confidence": conf}} for i, prompt, conf in
               [(1, 500, 5), (2, 1500, 5), (3, 500, 9)]]  # fmt: skip
    write("logs.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    setup(rules=CASCADE)
    r = simulate(runner, "--format", "json", "--output-tokens", "0")
    # r1 escalated: 500 on gpt-4o-mini, then 500 on gpt-4o; r2 escalated, 1,500 tokens over the first tier's
    # 1,000: only its gpt-4o call (a provider refuses the other unbilled); r3 kept: 500 on gpt-4o-mini
    routed = (500 * 0.15 + 500 * 2.50 + 1500 * 2.50 + 500 * 0.15) / 1e6
    assert r["routed"]["cost_usd"] == pytest.approx(routed, abs=1e-15)
    c = r["context_window"]
    assert (c["cascade_first_calls_too_long"], c["requests"]) == (1, 0)
    table = simulate(runner, "--output-tokens", "0").stdout
    assert "Cascade first calls: 1 escalated requests are too long for their first tier" in table
