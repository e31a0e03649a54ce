"""Exact money: each pricing case against dollars worked out by hand, then against LiteLLM."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from llmroute_cli.engine.router import Router
from llmroute_cli.errors import LlmrouteError
from llmroute_cli.models import base_model
from llmroute_cli.pricing.book import PriceBook, price_book
from llmroute_cli.pricing.costing import Tokens, request_costs
from llmroute_cli.pricing.maps import load_price_map
from llmroute_cli.pricing.money import dollars
from llmroute_cli.pricing.prices import BUILTIN_PRICES, LongContext, Price
from llmroute_cli.reports.simulate import build_report, period_of
from llmroute_cli.simulate.simulation import SimulateOptions, Simulation


def toks(inp, out, read=0, write=0, reasoning=0, batch=False):
    a = lambda v: np.array([v], dtype=np.int64)  # noqa: E731
    return Tokens(a(inp), a(out), a(read), a(write), a(reasoning), np.array([batch]))


def cost(model, **kw):
    return float(request_costs(BUILTIN_PRICES[model], toks(**kw))[0])


def test_plain_request():
    # 10,000 in at $2.50/M + 500 out at $10/M = 0.025 + 0.005
    assert cost("gpt-4o", inp=10_000, out=500) == pytest.approx(0.030, abs=1e-12)


def test_openai_cached_tokens_are_inside_prompt_tokens():
    # 6,000 uncached at 2.50 + 4,000 cached at 1.25 + 500 out at 10 = 0.015 + 0.005 + 0.005
    assert cost("gpt-4o", inp=10_000, read=4_000, out=500) == pytest.approx(0.025, abs=1e-12)


def test_anthropic_cache_read_and_write():
    # input total 12,000 = 1,000 fresh + 9,000 read + 2,000 written
    # 1,000*3.00 + 9,000*0.30 + 2,000*3.75 + 300*15.00 = 3000 + 2700 + 7500 + 4500 (per 1M) = 0.0177
    assert cost("claude-3-5-sonnet", inp=12_000, read=9_000, write=2_000, out=300) == pytest.approx(0.0177, abs=1e-12)


def test_batch_halves_uncached_input_and_output_but_not_cache_reads_twice():
    # gpt-4o batch: 8,000 uncached at 1.25 + 2,000 cached at the cache price 1.25 (no extra 50%) + 1,000 out at 5.00
    assert cost("gpt-4o", inp=10_000, read=2_000, out=1_000, batch=True) == pytest.approx(0.0175, abs=1e-12)
    # Claude publishes a batch cache-read price (0.15): 1,000 fresh*1.50 + 1,000 read*0.15 + 100 out*7.50
    assert cost("claude-3-5-sonnet", inp=2_000, read=1_000, out=100, batch=True) == pytest.approx(0.0024, abs=1e-12)


def test_model_without_batch_price_is_billed_at_list_price():
    assert cost("gpt-4-turbo", inp=1_000, out=1_000, batch=True) == pytest.approx(0.010 + 0.030, abs=1e-12)


LONG = Price(
    1.25, 10.0, 0.125, long_context=(LongContext(200_000, 2.5, 15.0, 0.25),)
)


def test_long_context_price_applies_per_request_above_the_threshold():
    # 250,000 > 200k: whole request at 2.50/15.00 → 0.625 + 0.015; 150,000: 0.1875 + 0.010
    c = request_costs(
        LONG,
        Tokens(
            np.array([250_000, 150_000, 200_000]),
            np.array([1_000, 1_000, 0]),
            np.zeros(3, np.int64),
            np.zeros(3, np.int64),
            np.zeros(3, np.int64),
            np.zeros(3, bool),
        ),
    )
    assert c.tolist() == pytest.approx([0.640, 0.1975, 0.25], abs=1e-12)


def test_reasoning_tokens_bill_as_output_or_at_their_own_price():
    # o3-mini: 1,000 output tokens of which 600 reasoning, all at 4.40 → 0.0044
    assert cost("o3-mini", inp=0, out=1_000, reasoning=600) == pytest.approx(0.0044, abs=1e-12)
    priced = Price(1.0, 10.0, reasoning_output=20.0)
    # 400 visible at 10 + 600 reasoning at 20 = 0.004 + 0.012
    assert float(request_costs(priced, toks(0, 1_000, reasoning=600))[0]) == pytest.approx(0.016, abs=1e-12)


@pytest.mark.parametrize("alias", ["gpt-4o", "openai/gpt-4o", "gpt-4o-2024-08-06", "azure/gpt-4o-2024-11-20"])
def test_aliases_resolve_to_the_base_model(alias):
    assert PriceBook(BUILTIN_PRICES).price(alias) is BUILTIN_PRICES["gpt-4o"]
    assert base_model("anthropic/claude-3-5-sonnet-20241022") == "claude-3-5-sonnet"
    assert base_model("claude-3-5-haiku-latest") == "claude-3-5-haiku"


def test_unknown_model_is_an_error_naming_close_ones():
    with pytest.raises(LlmrouteError) as err:
        PriceBook(BUILTIN_PRICES).price("gpt-4o-mni")
    assert str(err.value) == (
        "no price for model 'gpt-4o-mni' (did you mean gpt-4o-mini, gpt-4.1-mini, gpt-5-mini?); "
        "add it under 'prices:' in the rule file or pass --prices FILE"
    )


def test_litellm_map_is_read_exactly(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "sample_spec": {"input_cost_per_token": 0},
                "my-model": {
                    "input_cost_per_token": 2.5e-06,
                    "output_cost_per_token": 1e-05,
                    "cache_read_input_token_cost": 1.25e-06,
                    "cache_creation_input_token_cost": 3.125e-06,
                    "input_cost_per_token_batches": 1.25e-06,
                    "output_cost_per_token_batches": 5e-06,
                    "input_cost_per_token_above_128k_tokens": 5e-06,
                    "output_cost_per_token_above_128k_tokens": 2e-05,
                    "output_cost_per_reasoning_token": 3e-05,
                },
                "an-embedding": {"input_cost_per_token": 1e-07},
            }
        )
    )
    table = load_price_map(path)
    assert list(table) == ["my-model"]
    p = table["my-model"]
    assert (p.input, p.output, p.cached_input, p.cache_write, p.batch_input, p.batch_output, p.reasoning_output) == (
        2.5,
        10.0,
        1.25,
        3.125,
        1.25,
        5.0,
        30.0,
    )
    assert [(t.above, t.input, t.output) for t in p.long_context] == [(128_000, 5.0, 20.0)]
    assert (p.where(), p.provider) == (f"LiteLLM map {path}:my-model", None)


def test_litellm_map_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"m": {"input_cost_per_token": 1e-6,\n "output_cost_per_token": }}')
    with pytest.raises(LlmrouteError, match=r"bad.json:2:27: not valid JSON: Expecting value"):
        load_price_map(bad)
    bad.write_text('{"m": {"input_cost_per_token": "cheap", "output_cost_per_token": 1e-6}}')
    with pytest.raises(
        LlmrouteError, match="model 'm' input_cost_per_token: expected a finite price >= 0 in USD per token, got 'cheap'"
    ):
        load_price_map(bad)


# --- the same cases through a simulation ------------------------------------------------------------

RULES = """
tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}
default: cheap
rules:
  - name: code
    when: {query: {contains: [code]}}
    route: expensive
"""


def frame(rows):
    df = pd.DataFrame(rows)
    for col in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens", "reasoning_tokens"):
        if col in df:
            df[col] = df[col].astype("Int64")
    return df


def report_of(sim: Simulation) -> dict:
    result = sim.result()
    return build_report(result, period_of(result, 1.0))


def simulation(rules: str, options: SimulateOptions) -> Simulation:
    router = Router.from_text(rules, "r.yaml")
    return Simulation(router, price_book(router.policy), options)


def simulate(rows, rules=RULES, **options):
    sim = simulation(rules, SimulateOptions(bootstrap=0, **options))
    sim.add(frame(rows))
    return sim, report_of(sim)


def test_headline_of_the_brief():
    # 10M input tokens a day: $25.00/day on gpt-4o, $1.50/day on gpt-4o-mini, $8,577.50 a year apart.
    rows = [{"query": "hello", "input_tokens": 1_000_000, "output_tokens": 0, "model": "gpt-4o"}] * 10
    _, report = simulate(rows)
    assert report["baseline"]["all_expensive"]["daily_cost_usd"] == pytest.approx(25.00, abs=1e-9)
    assert report["routed"]["daily_cost_usd"] == pytest.approx(1.50, abs=1e-9)
    assert report["savings"]["all_expensive"]["yearly_usd"] == pytest.approx((25.00 - 1.50) * 365, abs=1e-9)
    assert report["savings"]["all_expensive"]["yearly_usd"] == pytest.approx(8577.50, abs=1e-9)


def test_cached_share_kept_or_cold_when_moved():
    row = {
        "query": "hello",
        "input_tokens": 10_000,
        "cache_read_tokens": 4_000,
        "output_tokens": 0,
        "cache_inside_input": True,
        "model": "gpt-4o",
    }
    # moved to gpt-4o-mini keeping 4,000 cached: 6,000*0.15 + 4,000*0.075 = 0.0009 + 0.0003
    assert simulate([row])[1]["routed"]["cost_usd"] == pytest.approx(0.0012, abs=1e-12)
    # --cold-cache: 10,000*0.15 = 0.0015
    _, report = simulate([row], cold_cache=True)
    assert report["routed"]["cost_usd"] == pytest.approx(0.0015, abs=1e-12)
    assert report["assumptions"]["cache"].endswith("(--cold-cache)") and report["assumptions"]["moved_requests"] == 1
    # as logged (not moved): 6,000*2.50 + 4,000*1.25 = 0.015 + 0.005
    assert report["baseline"]["as_logged"]["cost_usd"] == pytest.approx(0.020, abs=1e-12)


def test_anthropic_usage_is_added_beside_input():
    rules = RULES.replace("gpt-4o-mini", "claude-3-5-haiku").replace("gpt-4o}", "claude-3-5-sonnet}")
    row = {
        "query": "hello",
        "input_tokens": 1_000,
        "cache_read_tokens": 9_000,
        "cache_creation_tokens": 2_000,
        "cache_inside_input": False,
        "output_tokens": 300,
        "model": "claude-3-5-sonnet-20241022",
    }
    _, report = simulate([row], rules)
    assert report["baseline"]["as_logged"]["cost_usd"] == pytest.approx(0.0177, abs=1e-12)
    assert report["tiers"]["cheap"]["input_tokens"] == 12_000
    # on haiku, cache kept: 1,000*0.80 + 9,000*0.08 + 2,000*1.00 + 300*4.00 = 800+720+2000+1200 per 1M
    assert report["routed"]["cost_usd"] == pytest.approx(0.00472, abs=1e-12)


def test_output_ratio_for_moved_requests():
    row = {"query": "hello", "input_tokens": 1_000, "output_tokens": 1_000, "model": "gpt-4o"}
    _, report = simulate([row], model_output_ratios={"gpt-4o-mini": 1.5})
    # 1,000*0.15 + 1,500*0.60 = 0.00015 + 0.0009
    assert report["routed"]["cost_usd"] == pytest.approx(0.00105, abs=1e-12)
    assert report["tiers"]["cheap"]["output_tokens"] == 1_500
    assert "gpt-4o-mini=1.5" in report["assumptions"]["output_length"]


def test_measured_output_ratio_is_offered():
    rows = [{"query": "hello", "input_tokens": 100, "output_tokens": 200, "model": "gpt-4o"}] * 5
    rows += [{"query": "hello", "input_tokens": 100, "output_tokens": 300, "model": "gpt-4o-mini"}] * 5
    _, report = simulate(rows)
    assert report["assumptions"]["measured_output_ratios"]["gpt-4o-mini/gpt-4o"] == {
        "ratio": 1.5,
        "requests": 5,
        "rule_groups": 1,
    }


def test_logged_models_aliases_gaps_and_ids():
    base = {"source": "r.jsonl", "query": "hello", "input_tokens": 1_000}
    rows = [
        dict(base, line=1, id="a", output_tokens=100, model="openai/gpt-4o-2024-08-06"),  # moved to gpt-4o-mini
        dict(base, line=2, id="", output_tokens=200, model="gpt-4o", query="code"),  # stays on gpt-4o
        dict(base, line=3, id=None, output_tokens=300, model=None),
        dict(base, line=4, id=7, output_tokens=None, model="gpt-4o-mini"),  # output estimated: 1,000 * 0.25
        dict(base, line=5, id="e", output_tokens=50, model=float("nan")),
    ]
    sim = simulation(RULES, SimulateOptions(bootstrap=0))
    decisions = sim.decide(frame(rows))
    assert decisions["id"].tolist() == ["a", "r.jsonl:2", "r.jsonl:3", "r.jsonl:4", "e"]
    t = sim.totals
    assert (t.logged_models, t.rows_with_model, t.moved) == ({"gpt-4o": 2, "gpt-4o-mini": 1}, 3, 1)
    # 1,000*2.50 + 100*10 + 1,000*2.50 + 200*10 + 1,000*0.15 + 250*0.60 per 1M
    assert dollars(t.logged_units) == pytest.approx((3_500 + 4_500 + 300) / 1e6, abs=1e-15)
    # Slot 0 is the rule 'code', slot 1 the default; groups in the order of their first request.
    assert list(t.output_by_group.items()) == [((1, "gpt-4o"), [100.0, 1]), ((0, "gpt-4o"), [200.0, 1])]
    sim.add(frame([dict(rows[3], output_tokens=40), dict(rows[0], output_tokens=60)]))
    assert list(t.output_by_group.items()) == [
        ((1, "gpt-4o"), [160.0, 2]),
        ((0, "gpt-4o"), [200.0, 1]),
        ((1, "gpt-4o-mini"), [40.0, 1]),
    ]


def test_batch_records_and_flag():
    row = {
        "query": "code",
        "input_tokens": 10_000,
        "cache_read_tokens": 2_000,
        "output_tokens": 1_000,
        "model": "gpt-4o",
        "batch": True,
    }
    _, report = simulate([row])
    assert report["routed"]["cost_usd"] == pytest.approx(0.0175, abs=1e-12)
    plain = dict(row, batch=False)
    assert simulate([plain], batch=True)[1]["routed"]["cost_usd"] == pytest.approx(0.0175, abs=1e-12)


def test_classifier_overhead_is_netted_out_of_savings():
    rules = RULES + "classifier: {model: gpt-4o-mini, prompt_tokens: 100, include_query: false, output_tokens: 1}\n"
    rows = [{"query": "hello", "input_tokens": 1_000_000, "output_tokens": 0, "model": "gpt-4o"}] * 4
    _, report = simulate(rows, rules)
    overhead = 4 * (100 * 0.15 + 1 * 0.60) / 1e6
    assert report["overhead"]["cost_usd"] == pytest.approx(overhead, abs=1e-15)
    assert report["routed"]["cost_usd"] == pytest.approx(4 * 0.15 + overhead, abs=1e-12)
    assert report["savings"]["all_expensive"]["daily_usd"] == pytest.approx(4 * 2.50 - 4 * 0.15 - overhead, abs=1e-12)


def test_bootstrap_interval_brackets_the_point_and_is_reproducible():
    rows = [
        {"query": "code" if i % 3 else "hi", "input_tokens": 1_000 + 37 * i, "output_tokens": 50, "model": "gpt-4o"}
        for i in range(300)
    ]
    sim = simulation(RULES, SimulateOptions(bootstrap=200, seed=7))
    sim.add(frame(rows))
    a = report_of(sim)
    lo, hi = a["intervals"]["routed_daily_usd"]
    assert lo < a["routed"]["daily_cost_usd"] < hi
    sim2 = simulation(RULES, SimulateOptions(bootstrap=200, seed=7))
    sim2.add(frame(rows))
    assert report_of(sim2)["intervals"] == a["intervals"]


# --- LiteLLM as an independent oracle ----------------------------------------------------------------


@pytest.fixture(scope="module")
def litellm():
    return pytest.importorskip("litellm")


CROSS = [
    ("gpt-4o", "gpt-4o", dict(inp=12_345, out=678)),
    ("gpt-4o-mini", "gpt-4o-mini", dict(inp=987_654, out=43_210)),
    (
        "claude-3-5-sonnet",
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        dict(inp=120_000, read=90_000, write=20_000, out=3_000),
    ),
    (
        "claude-3-5-haiku",
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        dict(inp=50_000, read=10_000, write=5_000, out=7_000),
    ),
]


@pytest.mark.parametrize(("ours", "theirs", "kw"), CROSS)
def test_agrees_with_litellm_cost_per_token(litellm, ours, theirs, kw):
    p, c = litellm.cost_per_token(
        model=theirs,
        prompt_tokens=kw["inp"],
        completion_tokens=kw["out"],
        cache_read_input_tokens=kw.get("read", 0),
        cache_creation_input_tokens=kw.get("write", 0),
    )
    assert round(cost(ours, **kw), 2) == round(p + c, 2)
    assert cost(ours, **kw) == pytest.approx(p + c, rel=1e-9)


def test_agrees_with_litellm_on_openai_cached_usage(litellm):
    from litellm.types.utils import PromptTokensDetailsWrapper, Usage

    usage = Usage(
        prompt_tokens=10_000,
        completion_tokens=500,
        total_tokens=10_500,
        prompt_tokens_details=PromptTokensDetailsWrapper(cached_tokens=4_000),
    )
    p, c = litellm.cost_per_token(model="gpt-4o", prompt_tokens=10_000, completion_tokens=500, usage_object=usage)
    assert cost("gpt-4o", inp=10_000, read=4_000, out=500) == pytest.approx(p + c, rel=1e-12)


def test_agrees_with_litellm_on_long_context(litellm, tmp_path):
    import os

    ours = load_price_map(
        os.path.join(os.path.dirname(litellm.__file__), "model_prices_and_context_window_backup.json")
    )
    for n in (150_000, 250_000):
        p, c = litellm.cost_per_token(model="gemini-2.5-pro", prompt_tokens=n, completion_tokens=1_000)
        mine = float(request_costs(ours["gemini-2.5-pro"], toks(n, 1_000))[0])
        assert mine == pytest.approx(p + c, rel=1e-12)


def test_builtin_table_agrees_with_litellm_map(litellm):
    import os

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
        t = theirs[names.get(model, model)]
        assert (ours.input, ours.output) == (t.input, t.output), model
        for field in ("cached_input", "cache_write", "batch_input", "batch_output"):
            if getattr(t, field) is not None:
                assert getattr(ours, field) == getattr(t, field), (model, field)


def test_prices_command_lists_sources(runner, tmp_path, monkeypatch):
    from llmroute_cli.cli import app

    monkeypatch.chdir(tmp_path)
    (tmp_path / "routes.yaml").write_text(
        "tiers: {cheap: my-mini, expensive: gpt-4o}\ndefault: cheap\nprices:\n  my-mini: {input: 0.1, output: 0.4}\n"
    )
    (tmp_path / "map.json").write_text(
        json.dumps({"gpt-4o": {"input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06}})
    )
    result = runner.invoke(app, ["prices", "--json", "--prices", "map.json"])
    assert result.exit_code == 0, result.output
    rows = {r["model"]: r for r in json.loads(result.stdout)}
    assert (rows["my-mini"]["input"], rows["my-mini"]["source"], rows["my-mini"]["tiers"]) == (
        0.1,
        "rule file (routes.yaml)",
        ["cheap"],
    )
    assert (rows["gpt-4o"]["input"], rows["gpt-4o"]["output"], rows["gpt-4o"]["source"]) == (2.0, 8.0, "LiteLLM map map.json:gpt-4o")
    assert rows["claude-3-5-haiku"]["source"] == "built-in"
    alias = json.loads(runner.invoke(app, ["prices", "--json", "openai/gpt-4o-mini-2024-07-18"]).stdout)[0]
    assert (alias["priced_as"], alias["input"]) == ("gpt-4o-mini", 0.15)
    bad = runner.invoke(app, ["prices", "gpt-4o-mni"])
    assert bad.exit_code == 1 and bad.stderr.startswith("error: no price for model 'gpt-4o-mni' (did you mean")
