"""Logged models without a price: every one listed at once, fine-tunes priced from their base, and
``--unknown-model-price MODEL=IN/OUT`` or ``MODEL=skip`` (counted, reported), through the command line."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app
from llmroute_cli.simulate import parallel

_SWEPT_RULE = "rules:\n  - name: x\n    when:\n      query.chars: {lt: 2}\n    route: cheap\n"
RULES = "version: 1\ntiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\n"  # every request → cheap
IN, OUT = 100_000, 100_000  # tokens of every request (within gpt-4o-mini's 128,000-token window)
CHEAP_USD = IN * 0.15 / 1e6 + OUT * 0.60 / 1e6  # 0.075: a request routed to gpt-4o-mini
FIX = (
    "price them with --prices FILE (a LiteLLM price map), 'prices:' in the rule file or "
    "--unknown-model-price MODEL=IN/OUT (USD per 1M input/output tokens), "
    "or leave their requests out with --unknown-model-price MODEL=skip"
)


def record(i: int, model: str) -> str:
    rec = {"id": f"r{i}", "query": "hi", "timestamp": 1_767_225_600 + i * 3600, "model": model}
    return json.dumps({**rec, "usage": {"prompt_tokens": IN, "completion_tokens": OUT}}) + "\n"


@pytest.fixture
def log(tmp_path, monkeypatch, write):
    """Write a log of one request per model named, in order; return its name (relative to tmp_path)."""
    monkeypatch.chdir(tmp_path)
    write("rules.yaml", RULES)

    def _log(*models: str, name: str = "log.jsonl") -> str:
        write(name, "".join(record(i, m) for i, m in enumerate(models, 1)))
        return name

    return _log


def simulate(runner, *args: str):
    return runner.invoke(app, ["simulate", *args, "--rules", "rules.yaml", "--days", "1", "--bootstrap", "0"])


def report(runner, *args: str) -> dict:
    result = simulate(runner, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_unknown_model_is_listed_at_once_with_its_requests_and_first_line(runner, log):
    path = log(
        "gpt-4o", "o1-pro", "claude-3-7-sonnet", "o1-pro", "ft:gpt-6:org::x1", "o1-pro", "claude-sonnet-4", "gpt-6"
    )
    result = simulate(runner, path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: no price for 5 logged models (7 requests): 'o1-pro' (3 requests, first at log.jsonl:2), "
        "'claude-3-7-sonnet' (1 request, first at log.jsonl:3), 'claude-sonnet-4' (1 request, first at log.jsonl:7), "
        "'ft:gpt-6:org::x1' (1 request, first at log.jsonl:5), 'gpt-6' (1 request, first at log.jsonl:8); " + FIX + "\n"
    )


def test_unknown_models_are_counted_across_files_and_chunks(runner, log, monkeypatch):
    import dataclasses

    from llmroute_cli.api import simulating as command  # the command runs the API's simulate
    from llmroute_cli.simulate.simulation import Simulation

    def small_chunks(*args, **kwargs):
        read = reading(*args, **kwargs)
        return dataclasses.replace(read, options=dataclasses.replace(read.options, chunk_rows=1, block_bytes=1))

    reading, chunks, add = command.reading, [], Simulation.add
    monkeypatch.setattr(command, "reading", small_chunks)
    monkeypatch.setattr(Simulation, "add", lambda self, chunk: (chunks.append(len(chunk)), add(self, chunk)))
    first, second = (
        log("o1-pro", "gpt-4o", "o1-pro", name="a.jsonl"),
        log("gpt-4o", "o1-mini", "o1-pro", name="b.jsonl"),
    )
    result = simulate(runner, first, second)
    assert chunks == [1] * 6  # one request a chunk: the unknown models of every chunk are listed
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no price for 2 logged models (4 requests): 'o1-pro' (3 requests, first at a.jsonl:1), "
        "'o1-mini' (1 request, first at b.jsonl:2); " + FIX + "\n"
    )


def test_sharded_runs_merge_the_unknown_models_of_every_shard(runner, log, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_SHARD_BYTES", 1_000)
    models = ["gpt-4o"] * 40 + ["o1-pro"] * 3 + ["gpt-4o"] * 40 + ["gpt-6"] * 2 + ["o1-pro"]
    path = log(*models)
    shards = []
    real = parallel.run_sharded

    def spy(make, read, cuts, jobs, routers, progress=None):
        shards.append(len(cuts))
        return real(make, read, cuts, jobs, routers, progress)

    monkeypatch.setattr(parallel, "run_sharded", spy)
    result = simulate(runner, path, "--jobs", "2")
    assert shards == [2]  # else this would test a serial read
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no price for 2 logged models (6 requests): 'o1-pro' (4 requests, first at log.jsonl:41), "
        "'gpt-6' (2 requests, first at log.jsonl:84); " + FIX + "\n"
    )


def test_a_fine_tune_is_priced_at_its_base_models_fine_tune_price(runner, log):
    r = report(runner, log("ft:gpt-4o-mini-2024-07-18:my-org::abc123", "ft:gpt-4o-mini:my-org:support:def456"))
    fine_tune = IN * 0.30 / 1e6 + OUT * 1.20 / 1e6  # the built-in ft:gpt-4o-mini price: 0.42
    assert r["baseline"]["as_logged"]["cost_usd"] == pytest.approx(2 * fine_tune, rel=1e-12)
    assert r["baseline"]["as_logged"]["models"] == {"ft:gpt-4o-mini": 2}
    assert r["routed"]["cost_usd"] == pytest.approx(2 * CHEAP_USD, rel=1e-12)
    assert r["assumptions"]["moved_requests"] == 2  # a fine-tune routed to its base model is moved
    assert r["warnings"] == [] and "fine_tunes_at_base_price" not in r["assumptions"]


def test_a_litellm_maps_fine_tune_price_is_used(runner, log, write):
    entry = {"input_cost_per_token": 4e-07, "output_cost_per_token": 1.6e-06, "litellm_provider": "openai"}
    write("map.json", json.dumps({"ft:gpt-4.1-nano-2025-04-14": entry}))
    r = report(runner, log("ft:gpt-4.1-nano-2025-04-14:org::x"), "--prices", "map.json")
    assert r["baseline"]["as_logged"]["cost_usd"] == pytest.approx(IN * 0.40 / 1e6 + OUT * 1.60 / 1e6, rel=1e-12)


def test_a_fine_tune_without_a_fine_tune_price_is_priced_as_its_base_and_said_so(runner, log):
    path = log("ft:gpt-4o-2024-08-06:org:name:id1", "ft:gpt-4o:org::id2", "gpt-4o")
    r = report(runner, path)
    base = IN * 2.50 / 1e6 + OUT * 10.00 / 1e6  # gpt-4o's own price: 3.50
    assert r["baseline"]["as_logged"]["cost_usd"] == pytest.approx(3 * base, rel=1e-12)
    assert r["baseline"]["as_logged"]["models"] == {"ft:gpt-4o": 2, "gpt-4o": 1}
    assert r["assumptions"]["fine_tunes_at_base_price"] == {"gpt-4o": 2}
    assert r["warnings"] == [
        "2 requests on fine-tunes priced at their base model's price, which has no fine-tune price here: gpt-4o (2); "
        "fine-tunes are usually billed higher (OpenAI's cost 1.5x to 6x their base), so these costs are likely "
        "understated: pass --prices with a map that prices ft:BASE, or --unknown-model-price ft:BASE=IN/OUT"
    ]
    priced = report(runner, path, "--unknown-model-price", "ft:gpt-4o=3.75/15")
    fine_tune = IN * 3.75 / 1e6 + OUT * 15.00 / 1e6  # 5.25
    assert priced["baseline"]["as_logged"]["cost_usd"] == pytest.approx(2 * fine_tune + base, rel=1e-12)
    assert priced["warnings"] == []


def test_unknown_model_price_prices_a_model_by_hand(runner, log):
    r = report(
        runner, log("o1-pro", "openai/o1-pro-2024-12-17", "gpt-4o-mini"), "--unknown-model-price", "o1-pro=15/60"
    )
    o1 = IN * 15 / 1e6 + OUT * 60 / 1e6  # 7.50
    assert r["baseline"]["as_logged"]["cost_usd"] == pytest.approx(2 * o1 + CHEAP_USD, rel=1e-12)
    assert r["baseline"]["as_logged"]["models"] == {"gpt-4o-mini": 1, "o1-pro": 2}
    assert r["routed"]["cost_usd"] == pytest.approx(3 * CHEAP_USD, rel=1e-12)
    assert r["savings"]["as_logged"]["daily_usd"] == pytest.approx(2 * o1 - 2 * CHEAP_USD, rel=1e-12)


def test_skip_leaves_the_requests_out_counted_and_reported(runner, log):
    everything = log("gpt-4o", "o1-pro", "gpt-4o-mini", "o1-pro", "claude-sonnet-4", "gpt-4o", name="all.jsonl")
    without = log("gpt-4o", "gpt-4o-mini", "gpt-4o", name="without.jsonl")
    skip = ["--unknown-model-price", "o1-pro=skip", "--unknown-model-price", "claude-sonnet-4=skip"]
    skipped, expected = report(runner, everything, *skip), report(runner, without)
    assert skipped["skipped_models"] == {"requests": 3, "models": {"claude-sonnet-4": 1, "o1-pro": 2}}
    assert "skipped_models" not in expected
    for key in ("queries", "tokens", "tiers", "rules", "routed", "baseline", "savings", "assumptions"):
        assert skipped[key] == expected[key], key
    assert skipped["queries"] == 3
    warning = (
        "left out 3 requests on models skipped by --unknown-model-price MODEL=skip: o1-pro (2), claude-sonnet-4 (1)"
    )
    assert skipped["warnings"] == [warning]
    text = simulate(runner, everything, *skip)
    assert text.exit_code == 0, text.output
    assert f"warning: {warning}\n" in text.stdout


@pytest.mark.parametrize(
    "value",
    [
        "o1-pro",
        "o1-pro=15",
        "o1-pro=15/",
        "o1-pro=a/b",
        "o1-pro=-1/60",
        "o1-pro=15/60/1",
        "o1-pro=nan/60",
        "o1-pro=inf/60",
        "=15/60",
        "o1-pro=skipp",
    ],
)
def test_a_malformed_unknown_model_price_is_a_usage_error(runner, log, value):
    result = simulate(runner, log("o1-pro"), "--unknown-model-price", value)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --unknown-model-price takes MODEL=IN/OUT (USD per 1M input/output tokens, e.g. o1=15/60) "
        f"or MODEL=skip, got '{value}'\n"
    )


def test_a_model_given_twice_is_a_usage_error(runner, log):
    result = simulate(
        runner, log("o1-pro"), "--unknown-model-price", "o1-pro=15/60", "--unknown-model-price", "o1-pro=skip"
    )
    assert (result.exit_code, result.stderr) == (2, "error: --unknown-model-price names 'o1-pro' twice\n")


def test_diff_compare_and_sweep_take_the_option_too(runner, log, write):
    path = log("gpt-4o", "o1-pro", "o1-pro")
    base = ["--days", "1"]
    commands = {
        "diff": ["diff", "rules.yaml", "other.yaml", "--logs", path, "--format", "json", *base],
        "compare": ["compare", path, "--rules", "rules.yaml", "--format", "json", *base],
        "sweep": ["sweep", path, "--rules", "other.yaml", "--param", "x.query.chars=1:3:1", "--format", "json", *base],
    }
    write("other.yaml", RULES.replace("default: cheap", "default: expensive") + _SWEPT_RULE)
    for name, args in commands.items():
        failed = runner.invoke(app, args)
        assert failed.exit_code == 1, (name, failed.output)
        assert failed.stderr.startswith(
            "error: no price for 1 logged model (2 requests): 'o1-pro' (2 requests, first at"
        ), name
        priced = runner.invoke(app, [*args, "--unknown-model-price", "o1-pro=15/60"])
        assert priced.exit_code == 0, (name, priced.output)
        skipped = runner.invoke(app, [*args, "--unknown-model-price", "o1-pro=skip"])
        assert skipped.exit_code == 0, (name, skipped.output)
        warning = "warning: left out 2 requests on models skipped by --unknown-model-price MODEL=skip: o1-pro (2)\n"
        assert warning in skipped.stderr, name
        bad = runner.invoke(app, [*args, "--unknown-model-price", "o1-pro=15"])
        assert bad.exit_code == 2 and "--unknown-model-price takes MODEL=IN/OUT" in bad.stderr, name


def test_skipped_requests_still_count_towards_the_period_the_logs_cover(runner, log):
    path = log("gpt-4o", "gpt-4o-mini", "o1-pro")  # one request an hour: the o1-pro one is the last
    result = runner.invoke(
        app, ["simulate", path, "--rules", "rules.yaml", "--format", "json", "--unknown-model-price", "o1-pro=skip"]
    )
    assert result.exit_code == 0, result.output
    r = json.loads(result.stdout)
    assert r["queries"] == 2 and r["days"] == pytest.approx(
        2 / 24, rel=1e-14
    )  # the period is of the logs, skipped requests too


def test_diff_examples_show_the_right_queries_when_requests_are_left_out(runner, log, write):
    lines = [json.loads(record(i, m)) for i, m in enumerate(["o1-pro", "gpt-4o", "o1-pro", "gpt-4o-mini"], 1)]
    write("log.jsonl", "".join(json.dumps({**rec, "query": f"question {rec['id']}"}) + "\n" for rec in lines))
    write("other.yaml", RULES.replace("default: cheap", "default: expensive"))
    args = ["diff", "rules.yaml", "other.yaml", "--logs", "log.jsonl", "--format", "json", "--days", "1"]
    result = runner.invoke(app, [*args, "--unknown-model-price", "o1-pro=skip"])
    assert result.exit_code == 0, result.output
    examples = json.loads(result.stdout)["examples"]
    assert [(e["id"], e["query"]) for e in examples] == [("r2", "question r2"), ("r4", "question r4")]


def test_a_tier_on_a_fine_tune_without_its_own_price_is_priced_as_its_base_and_said_so(runner, log, write):
    write("rules.yaml", RULES.replace("cheap: gpt-4o-mini", "cheap: ft:gpt-4o:org::tuned"))
    r = report(runner, log("gpt-4o"))
    assert r["routed"]["cost_usd"] == pytest.approx(IN * 2.50 / 1e6 + OUT * 10.00 / 1e6, rel=1e-12)  # gpt-4o's
    assert r["assumptions"]["moved_requests"] == 1  # from gpt-4o to its fine-tune
    assert r["warnings"] == [
        "tier 'cheap' (ft:gpt-4o:org::tuned) is priced at its base model gpt-4o's price, which has no fine-tune "
        "price here: likely understated; price it with 'prices:', --prices or --unknown-model-price"
    ]
