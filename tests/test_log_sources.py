"""Langfuse, Helicone, Anthropic Messages and OpenAI Responses logs, from realistic fixtures, through the CLI."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app
from llmroute_cli.logs import ReadStats, read_logs

M = 1e-6  # USD per token = USD per 1M tokens x M


def simulate(runner, root, path, *args):
    result = runner.invoke(
        app, ["simulate", str(path), "--rules", str(root / "routes.yaml"), "--format", "json", "--days", "1", *args]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def rows(path):
    stats = ReadStats()
    frames = list(read_logs([str(path)], stats=stats))
    return [r for f in frames for r in f.to_dict("records")], stats


@pytest.fixture
def logs(root):
    return root / "tests" / "fixtures" / "logs"


def test_langfuse_observations_cost_and_usage(runner, root, logs):
    report = simulate(runner, root, logs / "langfuse_observations.jsonl")
    gpt4o = 1200 * 2.50 * M + 800 * 1.25 * M + 300 * 10.00 * M  # input_cached_tokens beside input
    mini = 50 * 0.15 * M + 20 * 0.60 * M
    sonnet = 100 * 3.00 * M + 2000 * 0.30 * M + 500 * 3.75 * M + 40 * 15.00 * M
    assert report["queries"] == 3
    assert report["baseline"]["as_logged"]["cost_usd"] == pytest.approx(gpt4o + mini + sonnet, abs=1e-12)
    assert report["input"]["ignored"] == {"Langfuse SPAN observation (not a model call)": 1}
    got, stats = rows(logs / "langfuse_observations.jsonl")
    assert stats.shapes == {"langfuse": 3}
    first = got[0]
    assert (
        first["query"].startswith("Refactor this function") and first["context"] == "You are a senior Python reviewer."
    )
    assert (first["input_tokens"], first["cache_read_tokens"], first["cache_inside_input"]) == (1200, 800, False)
    assert first["latency_ms"] == pytest.approx(1706.0)
    assert first["metadata"]["plan"] == "premium" and first["metadata"]["traceId"] == "7f3e1c52b6a94b0f8c3d2e1a0b9c8d7e"
    assert (got[2]["query"], got[2]["context"]) == (
        "How many vacation days do new hires get?",
        "Answer from the attached handbook.",
    )


def test_langfuse_scores_are_quality_labels(runner, root, logs):
    got, _ = rows(logs / "langfuse_observations.jsonl")
    assert [r["labels"] for r in got] == [{"scores": {"gpt-4o": 9, "gpt-4o-mini": 4}}, {"needed": "cheap"}, None]
    quality = simulate(runner, root, logs / "langfuse_observations.jsonl")["quality"]
    assert (quality["labeled"], quality["unlabeled"]) == (2, 1)
    assert quality["needed_from"] == {"needed": 1, "judge": 0, "correct": 0, "scores": 1}
    assert quality["needed_expensive"] == 1  # 9 - 4 is past the score gap of 2


def test_helicone_export_cost_and_properties(runner, root, logs):
    report = simulate(runner, root, logs / "helicone_export.jsonl")
    gpt4o = 900 * 2.50 * M + 120 * 10.00 * M
    haiku = 300 * 0.80 * M + 1500 * 0.08 * M + 80 * 4.00 * M  # prompt_cache_read_tokens beside prompt_tokens
    assert report["baseline"]["as_logged"]["cost_usd"] == pytest.approx(gpt4o + haiku, abs=1e-12)
    got, stats = rows(logs / "helicone_export.jsonl")
    assert stats.shapes == {"helicone": 2}
    assert got[0]["query"].startswith("Write a query for the top 5") and got[0]["model"] == "gpt-4o-2024-08-06"
    assert got[0]["metadata"] == {
        "request_user_id": "user_8812",
        "provider": "OPENAI",
        "plan": "premium",
        "environment": "production",
    }
    assert (got[1]["context"], got[1]["latency_ms"]) == ("You summarise support tickets.", 908.0)
    assert got[1]["labels"] is None  # Helicone's feedback scores are not per-model scores


def test_anthropic_messages_cost_flat_and_nested(runner, root, logs):
    report = simulate(runner, root, logs / "anthropic_messages.jsonl")
    sonnet = 25 * 3.00 * M + 1800 * 3.75 * M + 150 * 15.00 * M  # a cache write, beside input_tokens
    haiku = 40 * 0.80 * M + 1800 * 0.08 * M + 60 * 4.00 * M  # a cache read
    assert report["baseline"]["as_logged"]["cost_usd"] == pytest.approx(sonnet + haiku, abs=1e-12)
    got, stats = rows(logs / "anthropic_messages.jsonl")
    assert stats.shapes == {"anthropic": 2}
    assert got[0]["context"].startswith("You are a contracts assistant.\n<contract>Section 12")
    assert (got[1]["query"], got[1]["context"]) == (
        "And 'good night'?",
        "Translate 'good morning' into Italian.\n\nBuongiorno.",
    )
    assert (got[1]["cache_read_tokens"], got[1]["cache_creation_tokens"], got[1]["cache_inside_input"]) == (
        1800,
        0,
        False,
    )


def test_openai_responses_cost(runner, root, logs):
    report = simulate(runner, root, logs / "openai_responses.jsonl")
    gpt41 = (1500 - 1024) * 2.00 * M + 1024 * 0.50 * M + 300 * 8.00 * M  # cached_tokens inside input_tokens
    o3mini = 20 * 1.10 * M + 500 * 4.40 * M  # reasoning tokens inside output_tokens
    assert report["baseline"]["as_logged"]["cost_usd"] == pytest.approx(gpt41 + o3mini, abs=1e-12)
    got, stats = rows(logs / "openai_responses.jsonl")
    assert stats.shapes == {"responses": 2}
    assert (got[0]["query"], got[0]["context"]) == (
        "Plan a weekend in Lisbon for a food lover.",
        "You are a travel agent. Answer in two sentences.",
    )
    assert (got[0]["timestamp"], got[0]["metadata"]) == (1741476542.0, {"plan": "premium"})
    assert (got[1]["query"], got[1]["reasoning_tokens"]) == ("Prove that the square root of 2 is irrational.", 448)


GOOD = {"query": "hi", "model": "gpt-4o-mini", "usage": {"prompt_tokens": 3, "completion_tokens": 1}}


@pytest.mark.parametrize(
    ("record", "closest"),
    [
        ({"model": "gpt-4o", "usage": {"prompt_tokens": 10}}, "closest: OpenAI chat (missing 'messages')"),
        (
            {"traceId": "t1", "type": "GENERATION", "startTime": "2025-05-12T09:14:03Z"},
            "closest: Langfuse observation (missing 'input')",
        ),
        (
            {"request_id": "r1", "prompt_tokens": 3},
            "closest: LiteLLM spend log (missing 'startTime', 'spend', 'messages')",
        ),
    ],
)
def test_a_record_of_no_known_shape_names_the_closest_shape(runner, root, tmp_path, record, closest):
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (GOOD, GOOD, record, GOOD)))
    report = simulate(runner, root, path)
    assert report["input"]["skipped"] == 1
    assert report["input"]["errors"] == [
        f"{path}:3: not a log record llmroute knows; {closest} (or name the query with --query-field)"
    ]
    strict = runner.invoke(app, ["simulate", str(path), "--rules", str(root / "routes.yaml"), "--strict"])
    assert strict.exit_code == 1
    assert f"{path}:3: not a log record llmroute knows; {closest}" in strict.output
