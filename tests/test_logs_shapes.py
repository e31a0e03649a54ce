"""Each log shape, read from realistic records: query/context text, tokens, times, ids and metadata."""

from __future__ import annotations

import math

import orjson
import pandas as pd
import pytest

from llmroute_cli.errors import LlmrouteError
from llmroute_cli.logs import COLUMNS, ReadOptions, ReadStats, read_logs


@pytest.fixture
def read(tmp_path, monkeypatch):
    """Write files into tmp_path, read them all; returns (rows as one frame, stats)."""
    monkeypatch.chdir(tmp_path)

    def run(files: dict[str, object], **options) -> tuple[pd.DataFrame, ReadStats]:
        for name, records in files.items():
            lines = [r if isinstance(r, str) else orjson.dumps(r).decode() for r in records]  # type: ignore[attr-defined]
            (tmp_path / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        stats = ReadStats()
        frames = list(read_logs(list(files), ReadOptions(**options), stats))
        return pd.concat(frames, ignore_index=True), stats

    return run


def test_simple_shape(read):
    record = {
        "query": "Translate 'good morning' into French.",
        "context": "You are a translator.",
        "timestamp": "2024-05-01T12:00:00Z",
        "model": "gpt-4o-mini",
        "metadata": {"user": {"plan": "pro"}, "feature": "translate"},
    }
    df, stats = read({"app.jsonl": [record]})
    assert list(df.columns) == list(COLUMNS)
    row = df.iloc[0].to_dict()
    assert row["source"] == "app.jsonl" and row["line"] == 1 and row["id"] is None
    assert row["query"] == "Translate 'good morning' into French."
    assert row["context"] == "You are a translator."
    assert row["timestamp"] == 1714564800.0
    assert row["model"] == "gpt-4o-mini"
    assert row["metadata"] == {"user": {"plan": "pro"}, "feature": "translate"}
    assert row["messages"] is None and row["labels"] is None and row["batch"] is False
    assert pd.isna(row["input_tokens"]) and pd.isna(row["output_tokens"])
    assert stats.rows == 1 and stats.shapes == {"simple": 1}


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2024-05-01T12:00:00Z", 1714564800.0),
        ("2024-05-01T14:00:00+02:00", 1714564800.0),
        ("2024-05-01 12:00:00.250", 1714564800.25),  # naive means UTC
        (1714564800, 1714564800.0),
        (1714564800123, 1714564800.123),
        ("1714564800", 1714564800.0),
    ],
)
def test_simple_timestamps(read, stamp, expected):
    df, _ = read({"t.jsonl": [{"query": "hi", "timestamp": stamp}]})
    assert df.at[0, "timestamp"] == pytest.approx(expected, abs=1e-6)
    assert df.at[0, "context"] == ""


def test_missing_timestamp_is_nan(read):
    df, _ = read({"t.jsonl": [{"query": "hi"}]})
    assert math.isnan(df.at[0, "timestamp"])


CHAT = {
    "id": "chatcmpl-9Jx2",
    "model": "gpt-4o-2024-08-06",
    "created": 1714564800,
    "messages": [
        {"role": "system", "content": "You are a support agent for Acme."},
        {"role": "user", "content": "My order #1234 has not arrived."},
        {"role": "assistant", "content": "Sorry to hear that! Could you share the email on the order?"},
        {
            "role": "user",
            "name": "dana",
            "content": [
                {"type": "text", "text": "It's dana@example.com."},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                {"type": "text", "text": "Here is the receipt."},
            ],
        },
    ],
    "usage": {
        "prompt_tokens": 1200,
        "completion_tokens": 80,
        "total_tokens": 1280,
        "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 16, "audio_tokens": 0},
    },
    "metadata": {"ticket": "T-77"},
}


def test_openai_chat(read):
    df, stats = read({"chat.jsonl": [CHAT]})
    row = df.iloc[0].to_dict()
    assert row["query"] == "It's dana@example.com.\nHere is the receipt."
    assert row["context"] == (
        "You are a support agent for Acme.\n\nMy order #1234 has not arrived.\n\n"
        "Sorry to hear that! Could you share the email on the order?"
    )
    assert row["id"] == "chatcmpl-9Jx2" and row["model"] == "gpt-4o-2024-08-06"
    assert row["timestamp"] == 1714564800.0
    assert (row["input_tokens"], row["output_tokens"]) == (1200, 80)
    assert (row["cache_read_tokens"], row["reasoning_tokens"]) == (1024, 16)
    assert pd.isna(row["cache_creation_tokens"])
    assert row["cache_inside_input"] is True
    assert row["metadata"] == {"ticket": "T-77"}
    assert row["messages"] is None  # its prompt tokens are logged: nothing to count them from
    assert stats.shapes == {"chat": 1}


def test_chat_messages_are_kept_when_prompt_tokens_are_not_logged(read):
    df, _ = read({"chat.jsonl": [{k: v for k, v in CHAT.items() if k != "usage"}]})
    messages = df.at[0, "messages"]
    assert messages[0] == {"role": "system", "content": "You are a support agent for Acme."}
    text = "It's dana@example.com.\nHere is the receipt."
    # the PNG is cut off before its size: the image counts as 1024x1024 (85 + 4 * 170), said so
    guess = (765, "image format not read: counted as 1024x1024")
    assert messages[3] == {"role": "user", "content": text, "name": "dana", "images": [guess]}


def test_chat_context_skips_empty_messages_and_keeps_order(read):
    record = {
        "messages": [
            {"role": "user", "content": "What's the weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function"}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18°C, cloudy"},
            {"role": "user", "content": "And tomorrow?"},
            {"role": "assistant", "content": "Rain is expected."},
        ]
    }
    df, _ = read({"c.jsonl": [record]})
    assert df.at[0, "query"] == "And tomorrow?"
    assert df.at[0, "context"] == "What's the weather in Paris?\n\n18°C, cloudy\n\nRain is expected."
    assert df.at[0, "model"] is None and pd.isna(df.at[0, "input_tokens"])


def test_request_response_nesting(read):
    record = {
        "request": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Summarise this memo."}]},
        "response": {
            "id": "chatcmpl-AB12",
            "model": "gpt-4o-mini-2024-07-18",
            "created": 1714564800,
            "usage": {"prompt_tokens": 14, "completion_tokens": 42, "total_tokens": 56},
        },
    }
    df, stats = read({"n.jsonl": [record]})
    row = df.iloc[0].to_dict()
    assert (row["query"], row["context"], row["model"], row["id"]) == (
        "Summarise this memo.",
        "",
        "gpt-4o-mini",
        "chatcmpl-AB12",
    )
    assert (row["input_tokens"], row["output_tokens"], row["timestamp"]) == (14, 42, 1714564800.0)
    assert stats.shapes == {"chat": 1}


def test_anthropic_messages_cache_beside_input(read):
    record = {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "model": "claude-sonnet-4-20250514",
        "system": [
            {"type": "text", "text": "You answer questions about the attached contract."},
            {"type": "text", "text": "CONTRACT TEXT ...", "cache_control": {"type": "ephemeral"}},
        ],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "What is the notice period?"}]}],
        "usage": {
            "input_tokens": 21,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 2048,
            "output_tokens": 35,
        },
    }
    df, _ = read({"a.jsonl": [record]})
    row = df.iloc[0].to_dict()
    assert row["query"] == "What is the notice period?"
    assert row["context"] == "You answer questions about the attached contract.\nCONTRACT TEXT ..."
    assert (row["input_tokens"], row["output_tokens"]) == (21, 35)
    assert (row["cache_read_tokens"], row["cache_creation_tokens"]) == (2048, 0)
    assert row["cache_inside_input"] is False
    assert row["messages"] is None


def test_responses_api_input(read):
    request = {"model": "gpt-4.1", "instructions": "Reply in one sentence.", "input": "Why is the sky blue?"}
    response = {
        "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
        "object": "response",
        "created_at": 1741476542,
        "model": "gpt-4.1-2025-04-14",
        "usage": {
            "input_tokens": 30,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 25,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 55,
        },
    }
    df, _ = read({"r.jsonl": [{"request": request, "response": response}]})
    row = df.iloc[0].to_dict()
    assert (row["query"], row["context"]) == ("Why is the sky blue?", "Reply in one sentence.")
    assert (row["input_tokens"], row["cache_read_tokens"], row["cache_inside_input"]) == (30, 0, True)
    assert (row["id"], row["timestamp"], row["model"]) == (response["id"], 1741476542.0, "gpt-4.1")
    unlogged = {k: v for k, v in response.items() if k != "usage"}
    df, _ = read({"r.jsonl": [{"request": request, "response": unlogged}]})
    assert df.at[0, "messages"] == [
        {"role": "system", "content": "Reply in one sentence."},
        {"role": "user", "content": "Why is the sky blue?"},
    ]


BATCH_IN = [
    {
        "custom_id": "req-1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Classify the sentiment."},
                {"role": "user", "content": "I love this phone!"},
            ],
            "max_tokens": 5,
        },
    },
    {
        "custom_id": "req-2",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Battery died in a day."}]},
    },
    {
        "custom_id": "req-3",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Meh."}]},
    },
]
BATCH_OUT = [
    {
        "id": "batch_req_2",
        "custom_id": "req-2",
        "response": {
            "status_code": 200,
            "request_id": "7f3c",
            "body": {
                "id": "chatcmpl-2",
                "object": "chat.completion",
                "created": 1714564900,
                "model": "gpt-4o-mini-2024-07-18",
                "usage": {"prompt_tokens": 13, "completion_tokens": 1, "total_tokens": 14},
            },
        },
        "error": None,
    },
    {
        "id": "batch_req_1",
        "custom_id": "req-1",
        "response": {
            "status_code": 200,
            "request_id": "9a1b",
            "body": {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1714564800,
                "model": "gpt-4o-mini-2024-07-18",
                "usage": {
                    "prompt_tokens": 22,
                    "completion_tokens": 1,
                    "total_tokens": 23,
                    "prompt_tokens_details": {"cached_tokens": 0},
                },
            },
        },
        "error": None,
    },
    {
        "id": "batch_req_3",
        "custom_id": "req-3",
        "response": None,
        "error": {"code": "server_error", "message": "The server had an error."},
    },
    {
        "id": "batch_req_9",
        "custom_id": "req-9",
        "response": {"status_code": 200, "body": {"usage": {"prompt_tokens": 5, "completion_tokens": 1}}},
        "error": None,
    },
]


@pytest.mark.parametrize("order", [("in.jsonl", "out.jsonl"), ("out.jsonl", "in.jsonl")])
def test_batch_output_usage_joins_onto_inputs(read, order):
    files = {"in.jsonl": BATCH_IN, "out.jsonl": BATCH_OUT}
    df, stats = read({name: files[name] for name in order})
    assert list(df["id"]) == ["req-1", "req-2", "req-3"]
    assert list(df["query"]) == ["I love this phone!", "Battery died in a day.", "Meh."]
    assert list(df["context"]) == ["Classify the sentiment.", "", ""]
    assert list(df["input_tokens"].astype(object).where(df["input_tokens"].notna(), None)) == [22, 13, None]
    assert list(df["cache_read_tokens"].astype(object).where(df["cache_read_tokens"].notna(), None)) == [
        0,
        None,
        None,
    ]
    assert df["timestamp"].iloc[:2].tolist() == [1714564800.0, 1714564900.0]
    assert math.isnan(df["timestamp"].iloc[2])
    assert df["batch"].all() and list(df["model"]) == ["gpt-4o-mini"] * 3
    assert stats.shapes == {"batch": 3}
    assert stats.ignored == {"OpenAI Batch output line with no input line": 1}
    assert stats.skipped == 0


def test_batch_output_alone_has_no_requests(read):
    with pytest.raises(Exception) as info:
        read({"out.jsonl": BATCH_OUT})
    assert str(info.value) == "out.jsonl: no requests, only 4 × OpenAI Batch output line with no input line"


LITELLM = {
    "request_id": "chatcmpl-3f2c1e9a-51b4-4d3e-9d0f-0c6e0a1b2c3d",
    "call_type": "acompletion",
    "api_key": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
    "spend": 0.000165,
    "total_tokens": 95,
    "prompt_tokens": 60,
    "completion_tokens": 35,
    "startTime": "2024-05-01T12:00:00.500000",
    "endTime": "2024-05-01T12:00:01.900000",
    "model": "gpt-4o-mini",
    "model_group": "gpt-4o-mini",
    "api_base": "https://api.openai.com/v1",
    "user": "u-42",
    "metadata": {"user_api_key_alias": "web-app", "requester_metadata": {"plan": "free"}},
    "cache_hit": "False",
    "messages": orjson.dumps(
        [
            {"role": "system", "content": "You are a cooking assistant."},
            {"role": "user", "content": "How long do I boil an egg?"},
        ]
    ).decode(),
    "response": "{}",
    "end_user": "",
    "request_tags": "[]",
}


def test_litellm_spend_log(read):
    df, stats = read({"spend.jsonl": [LITELLM]})
    row = df.iloc[0].to_dict()
    assert (row["query"], row["context"]) == ("How long do I boil an egg?", "You are a cooking assistant.")
    assert row["id"] == "chatcmpl-3f2c1e9a-51b4-4d3e-9d0f-0c6e0a1b2c3d"
    assert row["timestamp"] == 1714564800.5
    assert (row["input_tokens"], row["output_tokens"], row["model"]) == (60, 35, "gpt-4o-mini")
    assert row["metadata"]["requester_metadata"] == {"plan": "free"}
    assert stats.shapes == {"litellm": 1}


def test_litellm_without_stored_prompts_is_skipped(read):
    df, stats = read({"spend.jsonl": [LITELLM, {**LITELLM, "messages": "{}"}]})
    assert len(df) == 1
    assert stats.errors == [
        "spend.jsonl:2: no messages logged (LiteLLM stores them only with store_prompts_in_spend_logs)"
    ]


OTEL_SDK_SPAN = {
    "name": "openai.chat",
    "context": {"trace_id": "0x5b8aa5a2d2c872e8321cf37308d69df2", "span_id": "0x051581bf3cb55c13", "trace_state": "[]"},
    "kind": "SpanKind.CLIENT",
    "parent_id": None,
    "start_time": "2024-05-01T12:00:00.000000Z",
    "end_time": "2024-05-01T12:00:02.000000Z",
    "status": {"status_code": "UNSET"},
    "attributes": {
        "llm.request.type": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.prompt.0.role": "system",
        "gen_ai.prompt.0.content": "You write SQL.",
        "gen_ai.prompt.1.role": "user",
        "gen_ai.prompt.1.content": "Count orders per day.",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": "SELECT ...",
        "gen_ai.usage.prompt_tokens": 25,
        "gen_ai.usage.completion_tokens": 40,
        "gen_ai.usage.cache_read_input_tokens": 0,
    },
    "events": [],
    "links": [],
    "resource": {"attributes": {"service.name": "sql-bot"}, "schema_url": ""},
}


def test_otel_sdk_span_with_flat_attributes(read):
    df, stats = read({"spans.jsonl": [OTEL_SDK_SPAN]})
    row = df.iloc[0].to_dict()
    assert (row["query"], row["context"]) == ("Count orders per day.", "You write SQL.")
    assert (row["id"], row["model"], row["timestamp"]) == ("0x051581bf3cb55c13", "gpt-4o", 1714564800.0)
    assert (row["input_tokens"], row["output_tokens"], row["cache_read_tokens"]) == (25, 40, 0)
    assert stats.shapes == {"otel": 1}


def _otlp(key: str, value: object) -> dict[str, object]:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": value}}


OTLP_SPAN = {
    "traceId": "5b8efff798038103d269b633813fc60c",
    "spanId": "eee19b7ec3c1b174",
    "name": "chat gpt-4o-mini",
    "kind": 3,
    "startTimeUnixNano": "1714564800250000000",
    "endTimeUnixNano": "1714564801000000000",
    "attributes": [
        _otlp("gen_ai.operation.name", "chat"),
        _otlp("gen_ai.request.model", "gpt-4o-mini"),
        _otlp(
            "gen_ai.input.messages",
            orjson.dumps(
                [
                    {"role": "user", "parts": [{"type": "text", "content": "Name a prime."}]},
                    {"role": "assistant", "parts": [{"type": "text", "content": "7"}]},
                    {"role": "user", "parts": [{"type": "text", "content": "Another one?"}]},
                ]
            ).decode(),
        ),
        _otlp("gen_ai.system_instructions", '[{"type": "text", "content": "Be terse."}]'),
        _otlp("gen_ai.usage.input_tokens", 31),
        _otlp("gen_ai.usage.output_tokens", 2),
        _otlp("gen_ai.usage.cache_read.input_tokens", 0),
    ],
}


def test_otlp_span_with_key_value_attributes(read):
    df, _ = read({"otlp.jsonl": [OTLP_SPAN]})
    row = df.iloc[0].to_dict()
    assert (row["query"], row["context"]) == ("Another one?", "Be terse.\n\nName a prime.\n\n7")
    assert (row["id"], row["model"], row["timestamp"]) == ("eee19b7ec3c1b174", "gpt-4o-mini", 1714564800.25)
    assert (row["input_tokens"], row["output_tokens"], row["cache_read_tokens"]) == (31, 2, 0)


def test_otlp_export_line_with_many_spans(read):
    http_span = {
        "traceId": "5b8e",
        "spanId": "aaaa",
        "name": "GET /health",
        "attributes": [_otlp("http.method", "GET")],
    }
    export = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_otlp("service.name", "bot")]},
                "scopeSpans": [{"scope": {"name": "openllmetry"}, "spans": [OTLP_SPAN, http_span]}],
            }
        ]
    }
    df, stats = read({"export.jsonl": [export]})
    assert list(df["query"]) == ["Another one?"] and list(df["line"]) == [1]
    assert stats.shapes == {"otel": 1}
    assert stats.ignored == {"span without gen_ai attributes": 1}


def test_non_genai_span_is_ignored_not_an_error(read):
    http_span = {**OTEL_SDK_SPAN, "attributes": {"http.method": "GET", "http.route": "/health"}}
    df, stats = read({"spans.jsonl": [OTEL_SDK_SPAN, http_span]})
    assert len(df) == 1 and stats.skipped == 0
    assert stats.ignored == {"span without gen_ai attributes": 1}


def test_labels_are_collected(read):
    record = {"query": "2+2?", "needed": "cheap", "scores": {"cheap": 0.9, "expensive": 1.0}, "correct": True}
    df, _ = read({"l.jsonl": [record, {"query": "hi"}]})
    assert df.at[0, "labels"] == {"needed": "cheap", "scores": {"cheap": 0.9, "expensive": 1.0}, "correct": True}
    assert df.at[1, "labels"] is None


def test_mixed_shapes_in_one_file(read):
    df, stats = read({"mixed.jsonl": [{"query": "first"}, CHAT, LITELLM, {"query": "last"}]})
    assert list(df["query"]) == [
        "first",
        "It's dana@example.com.\nHere is the receipt.",
        "How long do I boil an egg?",
        "last",
    ]
    assert stats.shapes == {"simple": 2, "chat": 1, "litellm": 1}


def test_field_overrides_nested_and_literal_dotted_keys(read):
    records = [
        {"payload": {"question": "Where is my parcel?", "history": "Earlier: ordered on Monday."}, "ts": 1714564800},
        {"payload.question": "Literal dotted key", "payload": {"history": "h"}, "ts": "2024-05-01T12:00:00Z"},
    ]
    df, stats = read(
        {"custom.jsonl": records}, query_field="payload.question", context_field="payload.history", time_field="ts"
    )
    assert stats.shapes == {"custom": 2}
    assert list(df["query"]) == ["Where is my parcel?", "Literal dotted key"]
    assert list(df["context"]) == ["Earlier: ordered on Monday.", "h"]
    assert list(df["timestamp"]) == [1714564800.0, 1714564800.0]


def test_query_field_overrides_a_detected_shape(read):
    record = {**CHAT, "question_summary": "Missing order"}
    df, stats = read({"c.jsonl": [record]}, query_field="question_summary")
    assert df.at[0, "query"] == "Missing order"
    assert df.at[0, "input_tokens"] == 1200 and df.at[0, "context"].startswith("You are a support agent")
    assert stats.shapes == {"chat": 1}


def test_missing_query_field_is_reported(read):
    df, stats = read({"c.jsonl": [{"q": "a"}, {"other": 1}]}, query_field="q")
    assert list(df["query"]) == ["a"]
    assert stats.errors == ["c.jsonl:2: no 'q' field (from --query-field)"]


def test_field_paths_pick_list_items_and_attribute_keys_with_dots(read):
    chat = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}]}
    span = {"attributes": {"gen_ai.prompt.0.content": "Span prompt", "app.ts": 1714564800}}
    df = read({"c.jsonl": [chat]}, query_field="messages.0.content", context_field="messages.-1.content")[0]
    assert (df.at[0, "query"], df.at[0, "context"]) == ("Be brief.", "Hi there")
    df = read({"s.jsonl": [span]}, query_field="attributes.gen_ai.prompt.0.content", time_field="attributes.app.ts")[0]
    assert (df.at[0, "query"], df.at[0, "timestamp"]) == ("Span prompt", 1714564800.0)
    with pytest.raises(LlmrouteError, match=r"c\.jsonl:1: no 'messages\.2\.content' field \(from --query-field\)"):
        read({"c.jsonl": [chat]}, query_field="messages.2.content")


def test_a_named_context_or_time_field_must_be_in_every_record(read):
    records = [
        {"q": "a", "ctx": "kept", "t": 1714564800},
        {"q": "b", "ctx": None, "t": None},  # null: empty context, no timestamp
        {"q": "c", "t": 1714564800},
        {"q": "d", "ctx": "x"},
        {"q": None, "ctx": "x", "t": 1},
    ]
    df, stats = read({"c.jsonl": records}, query_field="q", context_field="ctx", time_field="t")
    assert list(df["query"]) == ["a", "b"] and list(df["context"]) == ["kept", ""]
    assert df["timestamp"].isna().tolist() == [False, True]
    assert stats.errors == [
        "c.jsonl:3: no 'ctx' field (from --context-field)",
        "c.jsonl:4: no 't' field (from --time-field)",
        "c.jsonl:5: 'q' is null (from --query-field)",
    ]


def test_latency_is_read_from_each_shape_that_logs_it(read):
    """latency_ms as logged; LiteLLM endTime - startTime; an OTel span's end - start; NaN when absent."""
    chat = {"messages": [{"role": "user", "content": "hi"}], "latency_ms": 812.5}
    simple = {"query": "hey", "latency_ms": "40"}
    files = {"a.jsonl": [chat], "b.jsonl": [simple], "c.jsonl": [LITELLM], "d.jsonl": [OTLP_SPAN]}
    df, stats = read({**files, "e.jsonl": [{"query": "no latency"}]})
    assert stats.skipped == 0
    assert df["latency_ms"].tolist()[:4] == pytest.approx([812.5, 40.0, 1400.0, 750.0])  # 1.9 s - 0.5 s; 1.0 - 0.25
    assert math.isnan(df["latency_ms"].iloc[4])


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"query": "q", "latency_ms": -1}, "'latency_ms' must be 0 to 86,400,000 ms (got -1)"),
        ({"query": "q", "latency_ms": True}, "'latency_ms' is not a number of milliseconds (got boolean)"),
        ({"query": "q", "latency_ms": "fast"}, "'latency_ms' is not a number of milliseconds (got 'fast')"),
        ({**LITELLM, "endTime": "2024-05-01T11:00:00"}, "'endTime' is -3,600,500 ms after 'startTime'"),
    ],
)
def test_a_bad_latency_is_a_named_malformed_record(read, record, message):
    with pytest.raises(LlmrouteError) as info:
        read({"bad.jsonl": [record]}, strict=True)
    assert str(info.value).startswith(f"bad.jsonl:1: {message}")


LANGFUSE_INPUT = [
    {"role": "system", "content": "You answer questions about invoices."},
    {"role": "user", "content": "What is VAT?"},
    {"role": "assistant", "content": "A tax on sales."},
    {"role": "user", "content": "implement a function to compute it"},
]


def test_a_query_field_holding_messages_is_read_as_messages(read):
    """Langfuse's and the Responses API's ``input``: the last user message, the rest as context, messages kept."""
    rec = {"id": "obs-1", "input": LANGFUSE_INPUT, "model": "gpt-4o"}
    df, _ = read({"lf.jsonl": [rec]}, query_field="input")
    row = df.iloc[0]
    assert row["query"] == "implement a function to compute it"
    assert row["context"] == "You answer questions about invoices.\n\nWhat is VAT?\n\nA tax on sales."
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant", "user"]
    responses = {
        "id": "resp-1",
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]}],
    }
    df, _ = read({"resp.jsonl": [responses]}, query_field="input", context_field="id")
    assert (df.iloc[0]["query"], df.iloc[0]["context"]) == ("Hi", "resp-1")


def test_a_context_field_holding_messages_joins_their_text(read):
    rec = {"q": "and now?", "history": LANGFUSE_INPUT[:3]}
    df, _ = read({"h.jsonl": [rec]}, query_field="q", context_field="history")
    assert df.iloc[0]["context"] == "You answer questions about invoices.\n\nWhat is VAT?\n\nA tax on sales."


def test_a_named_list_without_text_is_a_named_malformed_record(read):
    with pytest.raises(LlmrouteError) as info:
        read({"n.jsonl": [{"input": [1, 2, 3]}]}, query_field="input", strict=True)
    assert str(info.value) == "n.jsonl:1: 'input' is a list without text parts or messages (got number items)"
