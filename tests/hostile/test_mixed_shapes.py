"""A file that mixes log shapes: every record is read by its own shape, and one of no shape is named."""

from __future__ import annotations

import json

import orjson
import pytest

from llmroute_cli.cli import app

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}], "usage": {"prompt_tokens": 7}}
SPAN = {
    "spanId": "aa01",
    "startTimeUnixNano": "1714564800000000000",
    "attributes": {
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.prompt.0.content": "a span",
        "gen_ai.usage.input_tokens": 11,
    },
}
HTTP_SPAN = {"spanId": "bb02", "attributes": {"http.method": "GET"}}
OTLP = {"resourceSpans": [{"scopeSpans": [{"spans": [{**SPAN, "attributes": [
    {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
    {"key": "gen_ai.prompt.0.content", "value": {"stringValue": "an exported span"}},
    {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "13"}},
]}]}]}]}  # fmt: skip


def simulate(runner, tmp_path, records, *extra):
    log = tmp_path / "mixed.jsonl"
    log.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    args = ["simulate", str(log), "--days", "1", "--format", "json", "--bootstrap", "0", *extra]
    return runner.invoke(app, args)


@pytest.mark.parametrize("first", [OTLP, SPAN], ids=["otlp-export", "flat-span"])
def test_records_after_a_span_are_read_as_their_own_shape(runner, tmp_path, first):
    result = simulate(runner, tmp_path, [first, *[CHAT] * 1000], "--strict")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["queries"] == 1001
    assert report["input"]["skipped"] == 0
    tiers = report["tiers"]
    assert sum(t["input_tokens"] for t in tiers.values()) == 1000 * 7 + (13 if first is OTLP else 11)


def test_a_non_genai_span_among_chat_records_is_ignored_and_counted(runner, tmp_path):
    result = simulate(runner, tmp_path, [CHAT, HTTP_SPAN, CHAT])
    report = json.loads(result.stdout)
    assert report["queries"] == 2
    assert report["input"]["ignored"] == {"span without gen_ai attributes": 1}


def test_a_record_of_no_shape_is_named_among_good_ones(runner, tmp_path):
    result = simulate(runner, tmp_path, [CHAT, {"prompt": "what shape am I?"}, CHAT])
    report = json.loads(result.stdout)
    assert report["queries"] == 2 and report["input"]["skipped"] == 1
    assert report["input"]["errors"][0].endswith("mixed.jsonl:2: " + "no query: expected 'query', chat 'messages', an "
        "OpenAI Batch request, a LiteLLM spend log or an OpenTelemetry GenAI span (or name the field with --query-field)")  # fmt: skip
    strict = simulate(runner, tmp_path, [CHAT, {"prompt": "what shape am I?"}, CHAT], "--strict")
    assert strict.exit_code == 1 and "mixed.jsonl:2: no query" in strict.output


def test_a_litellm_row_after_chat_rows_keeps_its_own_fields(runner, tmp_path):
    litellm = {
        "request_id": "r-1",
        "call_type": "acompletion",
        "startTime": "2024-05-01T12:00:00",
        "endTime": "2024-05-01T12:00:02",
        "model": "gpt-4o",
        "prompt_tokens": 40,
        "completion_tokens": 4,
        "messages": json.dumps([{"role": "user", "content": "from the proxy"}]),
    }
    result = simulate(runner, tmp_path, [CHAT, litellm])
    report = json.loads(result.stdout)
    assert report["queries"] == 2
    assert report["period"]["start"] == "2024-05-01T12:00:00Z"  # LiteLLM's startTime, not lost as chat
    assert report["latency"]["before_ms"] == {"p50": 2000.0, "p95": 2000.0}
