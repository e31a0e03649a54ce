"""Chat messages beyond text: tool calls, tool definitions and images in prompt tokens, the report's
approximations, both readers alike, and the message-structure conditions (``has_tools``,
``has_images``, ``turns``, ``system``) through the CLI."""

from __future__ import annotations

import base64
import json
import struct

import pytest

from llmroute_cli.cli import app
from llmroute_cli.tokens.chat import chat_tokens
from llmroute_cli.tokens.tools import tools_of
from llmroute_cli.tokens.vision import BY_URL, BadImage, data_url_size, image_tokens, url_image


def n(text: str, name: str = "o200k_base") -> int:
    """Tokens of one text, by tiktoken's encoder (built from the bundled BPE file)."""
    from llmroute_cli.tokens.encodings import encoding

    return len(encoding(name).encode_ordinary(text))


def data_url(kind: str, data: bytes) -> str:
    return f"data:image/{kind};base64," + base64.b64encode(data).decode()


def png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">II", width, height) + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0\0\0\0" + b"\0" * 40


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    exif = b"\xff\xe1" + struct.pack(">H", 6002) + b"\0" * 6000  # metadata before the frame header
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + exif + sof + b"\xff\xd9"


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\0" * 40


def webp_vp8x(width: int, height: int) -> bytes:
    body = b"VP8X" + struct.pack("<I", 10) + b"\0\0\0\0" + (width - 1).to_bytes(3, "little")
    body += (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body + b"\0" * 20


# --- the vision formula (platform.openai.com/docs/guides/vision, "Calculating costs") -----------


@pytest.mark.parametrize(
    ("size", "detail", "tokens"),
    [
        ((1024, 1024), "high", 85 + 170 * 4),  # OpenAI's example: scaled to 768x768, 2x2 tiles
        ((2048, 4096), "high", 85 + 170 * 6),  # OpenAI's example: 1024x2048, then 768x1536, 2x3 tiles
        ((4096, 8192), "low", 85),  # low detail: fixed
        ((128, 64), "auto", 85 + 170 * 1),  # never scaled up: one tile
        ((3840, 2160), "high", 85 + 170 * 6),  # 2048x1152, then 1365x768: 3x2 tiles
    ],
)
def test_image_tokens_follow_openais_published_formula(size, detail, tokens):
    assert image_tokens(size, detail) == tokens


def test_gpt_4o_mini_bills_images_at_its_own_rates():
    assert image_tokens((1024, 1024), "high", "gpt-4o-mini") == 2833 + 5667 * 4
    assert image_tokens((1024, 1024), "low", "gpt-4o-mini") == 2833


@pytest.mark.parametrize(
    ("url", "size"),
    [
        (data_url("png", png(2048, 4096)), (2048, 4096)),
        (data_url("jpeg", jpeg(800, 600)), (800, 600)),
        (data_url("gif", gif(300, 200)), (300, 200)),
        (data_url("webp", webp_vp8x(640, 480)), (640, 480)),
        (data_url("bmp", b"BM" + b"\0" * 60), None),  # a format not read: its size is unknown
    ],
)
def test_image_size_is_read_from_the_data_url_header(url, size):
    assert data_url_size(url) == size


def test_an_image_by_url_is_a_guess_said_so_and_low_detail_is_exact():
    assert url_image("https://example.com/cat.jpg", "auto") == (85 + 170 * 4, BY_URL)
    assert url_image("https://example.com/cat.jpg", "low") == (85, None)
    with pytest.raises(BadImage, match="is a data: URL whose base64 does not decode"):
        data_url_size("data:image/png;base64,***")


# --- tool definitions: the cookbook's formula, checked against the API counts it publishes --------

COOKBOOK_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                    "unit": {
                        "type": "string",
                        "description": "The unit of temperature to return",
                        "enum": ["celsius", "fahrenheit"],
                    },
                },
                "required": ["location"],
            },
        },
    }
]
COOKBOOK_MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


def test_tool_definitions_match_the_prompt_tokens_openai_reported_in_the_cookbook():
    tools = tools_of(COOKBOOK_TOOLS, "tools")
    assert chat_tokens(COOKBOOK_MESSAGES, "o200k_base", tools) == 101  # gpt-4o, as the API counted
    assert chat_tokens(COOKBOOK_MESSAGES, "cl100k_base", tools) == 105  # gpt-4 and gpt-3.5-turbo


def test_tool_definitions_by_hand():
    tools = tools_of(COOKBOOK_TOOLS, "tools")
    by_hand = 7 + n("get_current_weather:Get the current weather in a given location") + 3
    by_hand += 3 + n("location:string:The city and state, e.g. San Francisco, CA")
    by_hand += 3 + n("unit:string:The unit of temperature to return") - 3 + (3 + n("celsius")) + (3 + n("fahrenheit"))
    by_hand += 12
    assert chat_tokens([], "o200k_base", tools) == 3 + by_hand


# --- through the reader and simulate --------------------------------------------------------------

RULES = """\
version: 1
tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}
default: cheap
rules:
  - name: agents
    when: {has_tools: true}
    route: expensive
  - name: vision
    when: {has_images: true}
    route: expensive
  - name: long-chats
    when: {turns: {gt: 3}}
    route: expensive
  - name: legal
    when: {system: {words: [legal]}}
    route: expensive
"""
CALL = {
    "id": "c1",
    "type": "function",
    "function": {"name": "get_current_weather", "arguments": '{"location":"Paris"}'},
}
TOOLS_RECORD = {
    "id": "tools",
    "model": "gpt-4o",
    "tools": COOKBOOK_TOOLS,
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "c1", "content": "18C"},
        {"role": "user", "content": "thanks"},
    ],
}
PNG_RECORD = {
    "id": "png",
    "model": "gpt-4o",
    "messages": [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": data_url("png", png(2048, 4096)), "detail": "high"}},
            ],
        }
    ],
}
URL_RECORD = {
    "id": "url",
    "model": "gpt-4o",
    "messages": [
        {"role": "system", "content": "You are a legal aide."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "And this?"},
                {"type": "image_url", "image_url": {"url": "https://x/c.jpg"}},
            ],
        },
    ],
}
CHAT_RECORD = {
    "id": "chat",
    "model": "gpt-4o",
    "messages": [
        {"role": "system", "content": "You are a legal aide."},
        *[{"role": r, "content": f"{r} {i}"} for i in range(4) for r in ("user", "assistant")],
    ],
}


def simulate(runner, tmp_path, *records, extra=()):
    log, rules, dec = tmp_path / "log.jsonl", tmp_path / "r.yaml", tmp_path / "dec.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    rules.write_text(RULES)
    args = ["simulate", str(log), "--rules", str(rules), "--days", "1", "--decisions", str(dec), "--format", "json"]
    result = runner.invoke(app, [*args, *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), {d["id"]: d for d in map(json.loads, dec.read_text().splitlines())}


def test_counted_tokens_include_tool_calls_definitions_and_images(runner, tmp_path):
    report, decisions = simulate(runner, tmp_path, TOOLS_RECORD, PNG_RECORD, URL_RECORD)
    msg = lambda *texts: 3 + sum(n(t) for t in texts)  # noqa: E731
    tools = (
        7
        + n("get_current_weather:Get the current weather in a given location")
        + 3
        + (3 + n("location:string:The city and state, e.g. San Francisco, CA"))
        + (3 + n("unit:string:The unit of temperature to return") - 3 + 3 + n("celsius") + 3 + n("fahrenheit"))
        + 12
    )
    expected_tools = 3 + tools + msg("system", "Be brief.") + msg("user", "Weather in Paris?")
    expected_tools += msg("assistant", "", "get_current_weather", '{"location":"Paris"}')
    expected_tools += msg("tool", "18C") + msg("user", "thanks")
    assert decisions["tools"]["input_tokens"] == expected_tools
    assert decisions["png"]["input_tokens"] == 3 + msg("user", "What is this?") + 85 + 170 * 6
    url = 3 + msg("system", "You are a legal aide.") + msg("user", "And this?") + 85 + 170 * 4
    assert decisions["url"]["input_tokens"] == url
    assert [decisions[i]["rule"] for i in ("tools", "png", "url")] == ["agents", "vision", "vision"]
    assert report["tokens"]["input"] == {
        "logged": 0,
        "counted": 3,
        "approximated": {
            "image by URL, size unknown: counted as 1024x1024": 1,
            "images at gpt-4o's rates (85 + 170 per tile); gpt-4o-mini bills 2833 + 5667 per tile": 2,
            "tool definitions: the OpenAI cookbook's approximation": 1,
        },
    }


def test_the_text_report_says_which_requests_were_approximated(runner, tmp_path):
    log, rules = tmp_path / "log.jsonl", tmp_path / "r.yaml"
    log.write_text(json.dumps(URL_RECORD) + "\n")
    rules.write_text(RULES)
    result = runner.invoke(app, ["simulate", str(log), "--rules", str(rules), "--days", "1"])
    assert result.exit_code == 0, result.output
    assert "input tokens approximated for 1 counted requests: image by URL, size unknown: counted as 1024x1024" in (
        " ".join(result.stdout.split())
    )


def test_logged_usage_wins_over_counting(runner, tmp_path):
    record = {**URL_RECORD, "usage": {"prompt_tokens": 1234, "completion_tokens": 5}}
    report, decisions = simulate(runner, tmp_path, record)
    assert decisions["url"]["input_tokens"] == 1234
    assert report["tokens"]["input"] == {"logged": 1, "counted": 0, "approximated": {}}


def test_structure_conditions_route_logged_requests(runner, tmp_path):
    _, decisions = simulate(
        runner, tmp_path, CHAT_RECORD, {**CHAT_RECORD, "id": "short", "messages": CHAT_RECORD["messages"][:3]}
    )
    assert decisions["chat"]["rule"] == "long-chats"  # 4 user messages
    assert decisions["short"]["rule"] == "legal"  # 1 turn; the system prompt says legal


def test_a_bad_data_url_is_a_named_skipped_record(runner, tmp_path):
    bad = json.loads(json.dumps(PNG_RECORD))
    bad["messages"][0]["content"][1]["image_url"]["url"] = "data:image/png;base64,@@@@"
    report, _ = simulate(runner, tmp_path, bad, CHAT_RECORD)
    assert report["input"]["skipped"] == 1
    assert report["input"]["errors"] == [
        f"{tmp_path / 'log.jsonl'}:1: messages[0].content[1] is a data: URL whose base64 does not decode"
    ]


def test_both_readers_agree_on_tool_calls_system_prompts_and_turns(tmp_path, monkeypatch):
    from test_chat_columns import same_as_record_reader

    usage = {"usage": {"prompt_tokens": 50, "completion_tokens": 5}}
    tool_chat = {k: v for k, v in TOOLS_RECORD.items() if k != "tools"}
    records = [
        {**r, **usage} for r in (tool_chat, CHAT_RECORD, {**CHAT_RECORD, "messages": CHAT_RECORD["messages"][1:2]})
    ]
    data = b"".join(json.dumps(r).encode() + b"\n" for r in records)
    blocks: list[bool] = []
    frame = same_as_record_reader(tmp_path, monkeypatch, data, blocks)
    assert frame is not None and blocks == [True]  # read as columns, and equal to the record reader
    assert frame["turns"].tolist() == [2, 4, 1]
    assert frame["has_tools"].tolist() == [True, False, False]
    assert frame["system"].tolist() == ["Be brief.", "You are a legal aide.", ""]


# --- route and check ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "rule"),
    [
        ([], None),
        (["--has-tools"], "agents"),
        (["--has-images"], "vision"),
        (["--turns", "4"], "long-chats"),
        (["--turns", "3"], None),
        (["--system", "You are a legal aide."], "legal"),
        (["--system", "You are illegal."], None),  # words: whole words only
    ],
)
def test_route_takes_the_message_structure(runner, tmp_path, flags, rule):
    rules = tmp_path / "r.yaml"
    rules.write_text(RULES)
    result = runner.invoke(app, ["route", "hello", "--rules", str(rules), "--json", *flags])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rule"] == rule


def test_check_names_bad_structure_conditions_with_line_and_column(runner, tmp_path):
    rules = tmp_path / "bad.yaml"
    rules.write_text(
        "version: 1\ntiers: {cheap: gpt-4o-mini}\ndefault: cheap\nrules:\n"
        "  - name: x\n    when: {has_tools: yes please}\n    route: cheap\n"
        "  - name: y\n    when: {turns: 3}\n    route: cheap\n"
        "  - name: z\n    when: {has_tool: true}\n    route: cheap\n"
    )
    result = runner.invoke(app, ["check", str(rules)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{rules}:6:23: rule 'x': 'has_tools' takes true or false, got a string ('yes please')",
        f"{rules}:9:19: rule 'y': 'turns' takes a mapping of operators like {{lt: 200}}, got a number (3)",
        f"{rules}:12:12: rule 'z': unknown field 'has_tool' (did you mean 'has_tools'?)",
    ]


def test_check_finds_a_shadowed_structure_rule(runner, tmp_path):
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "version: 1\ntiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\nrules:\n"
        "  - name: chats\n    when: {turns: {gt: 2}}\n    route: expensive\n"
        "  - name: long-chats\n    when: {turns: {gt: 5}}\n    route: cheap\n"
    )
    result = runner.invoke(app, ["check", str(rules)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{rules}:8:5: rule 'long-chats' can never match: rule 'chats' (line 5) matches every request 'long-chats' would"
    ]
