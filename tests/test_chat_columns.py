"""The columnar chat reader gives exactly what the record-by-record reader gives, or declines the block."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmroute_cli.errors import LlmrouteError
from llmroute_cli.logs import ReadOptions, ReadStats, read_logs
from llmroute_cli.logs import reader as reader_module
from llmroute_cli.logs.chat_columns import chat_columns
from llmroute_cli.logs.jsonl import Block

PLAIN = (
    b'{"id":"chatcmpl-1","created":1714564800,"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},'
    b'{"role":"user","content":"Caf\xc3\xa9 \xf0\x9f\x9a\x80?"}],"usage":{"prompt_tokens":20,"completion_tokens":5}}\n'
)


def read(
    path: str, columnar: bool, monkeypatch: pytest.MonkeyPatch, blocks: list[bool] | None = None, **options: int
) -> tuple[pd.DataFrame, ReadStats]:
    """All rows of ``path`` as one frame, with or without the columnar chat reader.

    With ``blocks``, whether the columnar reader took each block is appended to it."""

    def counted(block: Block, fields: tuple = (), sized_only: frozenset = frozenset()) -> dict | None:
        columns = chat_columns(block, fields, sized_only)
        if blocks is not None:
            blocks.append(columns is not None)
        return columns

    with monkeypatch.context() as patch:
        patch.setattr(reader_module, "chat_columns", counted if columnar else lambda *args: None)
        stats = ReadStats()
        frames = list(read_logs([path], ReadOptions(**options), stats))
    return pd.concat(frames, ignore_index=True), stats


def same_as_record_reader(
    tmp_path, monkeypatch, data: bytes, blocks: list[bool] | None = None, **options: int
) -> pd.DataFrame | None:
    """The frame both readers give (None when both refuse the log with the same error)."""
    path = tmp_path / "log.jsonl"
    path.write_bytes(data)
    try:
        fast, fast_stats = read(str(path), True, monkeypatch, blocks, **options)
    except LlmrouteError as exc:
        with pytest.raises(LlmrouteError) as slow_error:
            read(str(path), False, monkeypatch, **options)
        assert str(exc) == str(slow_error.value)
        return None
    slow, slow_stats = read(str(path), False, monkeypatch, **options)
    pd.testing.assert_frame_equal(fast, slow)
    assert (fast_stats.rows, fast_stats.skipped, fast_stats.errors) == (
        slow_stats.rows,
        slow_stats.skipped,
        slow_stats.errors,
    )
    assert fast_stats.shapes == slow_stats.shapes
    return fast


def block(data: bytes) -> Block:
    return Block.scan(data, len(data))


def test_a_plain_chat_block_is_read_as_columns():
    columns = chat_columns(block(PLAIN * 3))
    assert columns is not None
    assert columns["query"].to_pylist() == ["Café 🚀?"] * 3
    assert columns["context"].to_pylist() == ["Be brief."] * 3
    assert columns["input_tokens"].tolist() == [20.0] * 3 and columns["timestamp"].tolist() == [1714564800.0] * 3


@pytest.mark.parametrize(
    "line",
    [
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1},"metadata":{"team":"a"}}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1},"needed":"cheap"}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1},"timestamp":"2026-01-01T00:00:00"}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1},"system":"Be brief."}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1},"query":"other"}',
        b'{"messages":[{"role":"user","content":"hi"}]}',  # no usage: its messages are kept for counting
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"input_tokens":3,"output_tokens":1}}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1,"completion_tokens":2.0}}',
        b'{"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"usage":{"prompt_tokens":1}}',
        b'{"messages":[{"role":"assistant","content":"hi"}],"usage":{"prompt_tokens":1}}',
        b'{"messages":[],"usage":{"prompt_tokens":1}}',
        b'{"messages":[null],"usage":{"prompt_tokens":1}}',
        b'{"messages":[{"content":"hi"}],"usage":{"prompt_tokens":1}}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":-1}}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1000000001}}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1,"prompt_tokens_details":{"cached_tokens":2}}}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1,"completion_tokens":1,'
        b'"completion_tokens_details":{"reasoning_tokens":2}}}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1},"created":99999999999999999999}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1},"created":40000000000}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1},"id":7}',
        b'{"id":"a","id":"b","messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1}}',
        b'{"messages":[{"role":"user","content":"\xff"}],"usage":{"prompt_tokens":1}}',
        b'{"messages":[{"role":"user","content":"\\ud800"}],"usage":{"prompt_tokens":1}}',
        b"[1, 2]",
        b"",
        b'  {"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1}}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1}}{"messages":[]}',
    ],
)
def test_blocks_the_columns_cannot_read_exactly_are_declined_and_read_record_by_record(tmp_path, monkeypatch, line):
    data = PLAIN + line + b"\n" + PLAIN
    assert chat_columns(block(data)) is None
    same_as_record_reader(tmp_path, monkeypatch, data)


def test_a_blank_line_and_two_objects_on_one_line_do_not_cancel_out(tmp_path, monkeypatch):
    data = PLAIN + b"\n" + PLAIN.rstrip(b"\n") + PLAIN
    assert chat_columns(block(data)) is None
    frame = same_as_record_reader(tmp_path, monkeypatch, data)
    assert frame is not None and frame["line"].tolist() == [1]


HI = b'"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1}'


def nested(levels: int) -> bytes:
    """A line whose extra field nests ``levels`` deep in all (the line's own object is the first level)."""
    return b"{" + HI + b',"x":' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"


@pytest.mark.parametrize(
    "line",
    [
        b"{" + HI + b',"x":NaN}',  # pyarrow reads what orjson refuses: the record reader names the line
        b"{" + HI + b',"x":-NaN}',
        b"{" + HI + b',"x":Infinity}',
        b"{" + HI + b',"x":[1.5,-Infinity]}',
        b"{" + HI + b',"x":2e308}',
        b"{" + HI + b',"x":1' + b"0" * 400 + b"}",
        b'{"messages":[{"role":"user","content":"hi","x":NaN}],"usage":{"prompt_tokens":1}}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1,"x":Infinity}}',
        b'{"messages":[{"role":"user","content":"hi"}],"usage":{"prompt_tokens":1,'
        b'"prompt_tokens_details":{"cached_tokens":0,"x":NaN}}}',
        nested(1025),  # over orjson's limit
        nested(1100),
        nested(4095),  # parsed by pyarrow, then declined
        nested(20_000),  # would crash pyarrow's parser: never given to it
        b"{" + HI + b',"x":' + b"[" * 20_000 + b"}",
    ],
)
def test_values_orjson_refuses_are_declined_however_deep_or_nested(tmp_path, monkeypatch, line):
    data = PLAIN + line + b"\n" + PLAIN
    assert chat_columns(block(data)) is None
    frame = same_as_record_reader(tmp_path, monkeypatch, data)
    assert frame is not None and frame["line"].tolist() == [1, 3]


@pytest.mark.parametrize("levels", [2, 1000])
def test_ordinary_nesting_and_finite_numbers_are_read_as_columns(tmp_path, monkeypatch, levels):
    data = PLAIN + nested(levels)[:-1] + b',"y":[1.5,-0.0,1e-400,1.7976931348623157e308]}\n'
    assert chat_columns(block(data)) is not None
    frame = same_as_record_reader(tmp_path, monkeypatch, data)
    assert frame is not None and frame["query"].tolist() == ["Café 🚀?", "hi"]


def test_a_cut_line_and_two_objects_on_the_next_do_not_cancel_out(tmp_path, monkeypatch):
    """pyarrow would read the cut line and the next as one object, and the second object as another."""
    data = PLAIN + b'{"id":"cut","usage":\n{"prompt_tokens":1},' + HI[: HI.index(b',"usage"')] + b"}" + PLAIN
    assert chat_columns(block(data)) is None
    frame = same_as_record_reader(tmp_path, monkeypatch, data)
    assert frame is not None and frame["line"].tolist() == [1]


@pytest.mark.parametrize(
    ("data", "braced"),
    [
        (PLAIN * 2, True),
        (PLAIN.replace(b"}\n", b"} \t\r\n") * 2, True),
        (PLAIN + PLAIN.rstrip(b"\n"), True),  # the last line of a file need not end with a newline
        (PLAIN + b'{"a":\n' + PLAIN, False),
        (PLAIN + b'{"a":1}x\n', False),
        (PLAIN + b' {"a":1}\n', False),
        (PLAIN + b"\n" + PLAIN, False),
    ],
)
def test_a_block_is_braced_when_every_line_starts_and_ends_an_object(data, braced):
    assert block(data).braced is braced


def test_line_numbers_and_order_survive_a_mix_of_columnar_and_record_blocks(tmp_path, monkeypatch):
    bad = b'{"messages":"not a list"}\n'
    data = PLAIN * 5 + bad + PLAIN * 7 + b"\n" + PLAIN * 3
    frame = same_as_record_reader(tmp_path, monkeypatch, data, block_bytes=3 * len(PLAIN), chunk_rows=4)
    assert frame is not None and frame["line"].tolist() == [*range(1, 6), *range(7, 14), *range(15, 18)]


def test_real_chat_variety_is_read_as_columns_exactly(tmp_path, monkeypatch):
    import json

    records = [
        {"id": "a", "object": "chat.completion", "created": 1714564800123, "model": "gpt-4o-mini",
         "messages": [{"role": "system", "content": ""}, {"role": "user", "content": "Q1", "name": "dana"},
                      {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function"}]},
                      {"role": "tool", "tool_call_id": "c1", "content": "18°C"}, {"role": "user", "content": "Q2"},
                      {"role": "assistant", "content": "after the query"}],
         "usage": {"prompt_tokens": 90, "completion_tokens": 12, "total_tokens": 102,
                   "prompt_tokens_details": {"cached_tokens": 64, "audio_tokens": 0},
                   "completion_tokens_details": {"reasoning_tokens": 4, "audio_tokens": 0}}},
        {"messages": [{"role": "user", "content": "東京 🚀 only"}], "usage": {"prompt_tokens": 5, "completion_tokens": None},
         "model": "", "id": None},
        {"created": 1714564800123456789, "model": None, "messages": [{"role": "user", "content": None}],
         "usage": {"prompt_tokens": 0, "prompt_tokens_details": None}, "choices": [{"index": 0}]},
    ]  # fmt: skip
    data = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)
    assert chat_columns(block(data)) is not None
    frame = same_as_record_reader(tmp_path, monkeypatch, data)
    assert frame is not None
    assert frame["query"].tolist() == ["Q2", "東京 🚀 only", ""]
    assert frame["context"].tolist()[0] == "Q1\n\n18°C\n\nafter the query"
    assert frame["model"].tolist() == ["gpt-4o-mini", None, None]
    assert frame["cache_read_tokens"].tolist()[0] == 64 and frame["reasoning_tokens"].tolist()[0] == 4


@pytest.mark.parametrize(
    "stamp", [1714564800, 1714564800123, 1714564800123456, 1714564800123456789, -5, 0, -1714564800123]
)
def test_unix_times_in_any_unit_convert_exactly_as_the_record_reader_does(tmp_path, monkeypatch, stamp):
    line = PLAIN.replace(b"1714564800", str(stamp).encode())
    frame = same_as_record_reader(tmp_path, monkeypatch, line * 2)
    assert chat_columns(block(line)) is not None and frame is not None and frame["timestamp"].notna().all()


MESSAGE = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["system", "user", "assistant", "tool"]),
        "content": st.one_of(st.none(), st.text(max_size=12)),
    },
    optional={"name": st.sampled_from(["dana", "bot"])},
)
LAST_USER = st.fixed_dictionaries({"role": st.just("user"), "content": st.text(max_size=12)})
MESSAGES = st.tuples(st.lists(MESSAGE, max_size=3), st.lists(LAST_USER, max_size=1), st.lists(MESSAGE, max_size=1)).map(
    lambda parts: parts[0] + parts[1] + parts[2]  # usually a user message, sometimes none, sometimes not last
)
USAGE = st.fixed_dictionaries(
    {"prompt_tokens": st.integers(0, 3000)},
    optional={
        "completion_tokens": st.one_of(st.none(), st.integers(0, 500)),
        "total_tokens": st.integers(0, 4000),
        "prompt_tokens_details": st.one_of(
            st.none(), st.fixed_dictionaries({}, optional={"cached_tokens": st.integers(0, 3000)})
        ),
        "completion_tokens_details": st.fixed_dictionaries({"reasoning_tokens": st.integers(0, 500)}),
    },
)
RECORD = st.fixed_dictionaries(
    {"messages": MESSAGES, "usage": st.one_of(USAGE, USAGE, USAGE, st.none())},
    optional={
        "id": st.one_of(st.none(), st.text(max_size=6)),
        "created": st.one_of(st.none(), st.integers(-(10**19), 10**19 - 1), st.integers(10**9, 2 * 10**18)),
        "model": st.one_of(st.none(), st.sampled_from(["", "gpt-4o", "gpt-4o-mini"])),
        "object": st.just("chat.completion"),
    },
)


def test_any_chat_log_reads_the_same_with_and_without_the_columns(tmp_path, monkeypatch):
    """Random chat logs read alike both ways, and enough of their blocks were read as columns to show it."""
    import json

    blocks: list[bool] = []

    @settings(max_examples=300, deadline=None)
    @given(st.lists(RECORD, min_size=1, max_size=12), st.integers(200, 2000), st.integers(1, 6))
    def reads_the_same(records, block_bytes, chunk_rows):
        data = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)  # ints past 64 bits too
        same_as_record_reader(tmp_path, monkeypatch, data, blocks, block_bytes=block_bytes, chunk_rows=chunk_rows)

    reads_the_same()
    assert len(blocks) >= 300
    assert 0.1 < sum(blocks) / len(blocks) < 0.9, f"{sum(blocks)} of {len(blocks)} blocks read as columns"


def test_records_read_one_at_a_time_are_also_chunked_by_size(tmp_path):
    """Without logged usage each request keeps its messages for counting: chunks stop at about chunk_bytes."""
    line = b'{"messages":[{"role":"user","content":"' + b"x" * 980 + b'"}]}\n'
    (tmp_path / "log.jsonl").write_bytes(line * 100)
    stats = ReadStats()
    options = ReadOptions(chunk_rows=1_000, block_bytes=10 * len(line), chunk_bytes=30 * len(line))
    sizes = [len(f) for f in read_logs([str(tmp_path / "log.jsonl")], options, stats)]
    assert sizes == [30, 30, 30, 10] and stats.rows == 100


def test_simulate_reports_the_same_with_and_without_the_columns(tmp_path, monkeypatch, runner, root):
    import json

    from llmroute_cli.cli import app

    lines = []
    for i in range(600):
        query = ("Please debug this class. " * 12) if i % 3 == 0 else f"What is {i} plus {i}? Café ☕"
        query = ("Tell me about old Rome in detail. " * 9) if i % 3 == 1 else query
        record = {
            "id": f"r{i}",
            "created": 1_767_225_600 + i * 600,
            "model": "gpt-4o" if i % 2 else "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Be brief. " * (i * 2 % 1000)},
                {"role": "user", "content": query},
            ],
            "usage": {"prompt_tokens": 100 + i, "completion_tokens": 10 + i % 7},
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    texts_rules = tmp_path / "texts.yaml"  # rules on the context's and the system prompt's text, and a size
    texts_rules.write_text(
        "version: 1\ntiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\nrules:\n"
        "  - {name: long-system, when: {system.chars: {gt: 1500}}, route: expensive}\n"
        "  - {name: brief, when: {context: {contains: ['Be brief. Be brief. Be brief.']}}, route: expensive}\n"
        "  - {name: twice, when: {system: {regex: '^(Be brief\\. ?){2}$'}}, route: expensive}\n"
    )
    for rules, sized in ((root / "routes.yaml", {"context", "system"}), (texts_rules, set())):
        args = ["simulate", str(log), "--rules", str(rules), "--format", "json", "--bootstrap", "0"]
        used: list[frozenset] = []

        def spied(block, fields=(), sized_only=frozenset(), used=used):
            used.append(sized_only)
            return chat_columns(block, fields, sized_only)

        with monkeypatch.context() as patch:
            patch.setattr(reader_module, "chat_columns", spied)
            fast = runner.invoke(app, [*args, "--jobs", "1"])
        with monkeypatch.context() as patch:
            patch.setattr(reader_module, "chat_columns", lambda *args: None)
            slow = runner.invoke(app, [*args, "--jobs", "1"])
        assert fast.exit_code == slow.exit_code == 0, fast.output + slow.output
        assert used and set(used) == {frozenset(sized)}  # only the lengths of texts no rule reads
        assert json.loads(fast.stdout) == json.loads(slow.stdout)
        report = json.loads(fast.stdout)
        assert report["queries"] == 600
        if sized:
            assert report["rules"]["long-context"]["queries"] > 0
        else:
            hits = {name: report["rules"][name]["queries"] for name in ("long-system", "brief", "twice")}
            assert all(hits.values()), hits


def test_a_text_read_by_its_length_only_has_the_length_of_the_text(tmp_path, monkeypatch):
    """With ``sized_only`` the columnar reader gives each context's and system prompt's characters, not the
    text: every count a rule reads equals the count of the text the record reader joins."""
    import json

    import numpy as np

    from llmroute_cli.engine.views import FrameRequests

    def sizes(frames):
        views = [FrameRequests(f, "o200k_base") for f in frames]
        return {
            name: np.concatenate([v.size(name, "chars") for v in views]) for name in ("context", "system", "request")
        }

    @settings(max_examples=150, deadline=None)
    @given(st.lists(RECORD, min_size=1, max_size=12), st.integers(200, 2000))
    def lengths_match(records, block_bytes):
        data = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)
        path = tmp_path / "log.jsonl"
        path.write_bytes(data)
        sized = ReadOptions(block_bytes=block_bytes, sized_only=frozenset({"context", "system"}))
        try:
            fast = list(read_logs([str(path)], sized, ReadStats()))
        except LlmrouteError:
            return
        with monkeypatch.context() as patch:
            patch.setattr(reader_module, "chat_columns", lambda *args: None)
            slow = list(read_logs([str(path)], ReadOptions(block_bytes=block_bytes), ReadStats()))
        got, want = sizes(fast), sizes(slow)
        for name in want:
            assert got[name].tolist() == want[name].tolist(), name
        for frame in fast:  # a block read as columns holds no text it was told to size only
            if "context_chars" in frame:
                assert frame["context"].isna().all() and frame["system"].isna().all()

    lengths_match()
    records = [{"messages": [{"role": "system", "content": "Sé breve 🚀"}, {"role": "user", "content": "Hi"},
                             {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Q"}],
                "usage": {"prompt_tokens": 9}}]  # fmt: skip
    columns = chat_columns(block(json.dumps(records[0], ensure_ascii=False).encode() + b"\n"), (), frozenset({"context"}))
    assert columns is not None and columns["context_chars"].tolist() == [len("Sé breve 🚀\n\nHi\n\nHello")]  # 11+2+2+2+5
    assert "system_chars" not in columns and columns["system"].to_pylist() == ["Sé breve 🚀"]


CODE_POINT_TEXTS = ["", "plain", "é", "naïve café", "日本語のテキスト", "emoji 🙂 and 🇫🇷", "a" * 500 + "ü", "x" * 40]


@pytest.mark.parametrize(
    "texts",
    [
        CODE_POINT_TEXTS + ["y" * 2000],  # a few non-ASCII bytes among many
        CODE_POINT_TEXTS,
        ["日本語" * 50, "z"],
        ["ascii"] * 5,
    ],
)
def test_code_points_are_python_lengths_for_any_mix_and_slice(texts: list[str]) -> None:
    import pyarrow as pa

    from llmroute_cli.logs.chat_columns import _code_points

    for kind in (pa.string(), pa.large_string()):
        array = pa.array(["pad ü"] + texts + ["tail ß"], kind)
        assert _code_points(array.slice(1, len(texts))).tolist() == [len(t) for t in texts]
        assert _code_points(array).tolist() == [len(t) for t in ["pad ü", *texts, "tail ß"]]
