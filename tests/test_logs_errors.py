"""Bad input: every malformed record is skipped with a file:line reason (or raises when strict); never a traceback."""

from __future__ import annotations

import gzip
import io

import pandas as pd
import pytest

from llmroute_cli.errors import LlmrouteError, UsageError
from llmroute_cli.logs import ReadOptions, ReadStats, read_logs

GOOD = b'{"query": "What is RAG?", "model": "gpt-4o-mini"}\n'


@pytest.fixture
def read(tmp_path, monkeypatch):
    """Write raw bytes to files in tmp_path and read them; returns (frame, stats)."""
    monkeypatch.chdir(tmp_path)

    def run(files: dict[str, bytes], **options) -> tuple[pd.DataFrame, ReadStats]:
        for name, data in files.items():
            (tmp_path / name).write_bytes(data)
        stats = ReadStats()
        frames = list(read_logs(list(files), ReadOptions(**options), stats))
        return pd.concat(frames, ignore_index=True), stats

    return run


BAD_LINES = [
    (b'{"query": "cut off', "truncated record: the JSON is incomplete at column 19"),
    (b'{"query": "hi"} trailing', "invalid JSON at column 17: unexpected content after document"),
    (b"[1, 2]", "not a JSON object (got array)"),
    (b'"just a string"', "not a JSON object (got string)"),
    (
        b'{"model": "gpt-4o"}',
        "not a log record llmroute knows; closest: OpenAI chat (missing 'messages', 'usage') "
        "(or name the query with --query-field)",
    ),
    (b'{"query": 42}', "'query' is not a string (got number)"),
    (b'{"query": "hi", "context": ["a"]}', "'context' is not a string (got array)"),
    (
        b'{"query": "hi", "timestamp": "yesterday"}',
        "'timestamp' is not an ISO-8601 time or unix time (got 'yesterday')",
    ),
    (b'{"query": "hi", "metadata": [1]}', "'metadata' is not an object (got array)"),
    (b'{"query": "hi", "model": 4}', "'model' is not a string (got number)"),
    (b'{"messages": 5}', "'messages' is not a list (got number)"),
    (b'{"messages": "hello"}', "'messages' is a string but not valid JSON"),
    (b'{"messages": []}', "'messages' is empty"),
    (b'{"messages": [{"role": "system", "content": "x"}]}', "no user message in 'messages'"),
    (b'{"messages": ["hi"]}', "messages[0] is not an object (got string)"),
    (b'{"messages": [{"content": "hi"}]}', "messages[0] has no role"),
    (
        b'{"messages": [{"role": "user", "content": {"text": "hi"}}]}',
        "messages[0].content is not text or a list of parts (got object)",
    ),
    (
        b'{"messages": [{"role": "user", "content": "hi"}], "usage": {"prompt_tokens": "many"}}',
        "'usage.prompt_tokens' is not a whole number (got 'many')",
    ),
    (b'{"messages": [{"role": "user", "content": "hi"}], "usage": 7}', "'usage' is not an object (got number)"),
    (b'{"custom_id": "r1", "body": {"model": "gpt-4o"}}', "no 'body.messages' field"),
]


@pytest.mark.parametrize(("line", "reason"), BAD_LINES)
def test_malformed_record_is_skipped_with_reason(read, line, reason):
    df, stats = read({"log.jsonl": GOOD + line + b"\n" + GOOD})
    assert list(df["line"]) == [1, 3]
    assert stats.skipped == 1
    assert stats.errors == [f"log.jsonl:2: {reason}"]


@pytest.mark.parametrize(("line", "reason"), BAD_LINES[:3])
def test_strict_raises_at_first_malformed_record(read, line, reason):
    with pytest.raises(LlmrouteError) as info:
        read({"log.jsonl": GOOD + line + b"\n" + GOOD}, strict=True)
    assert str(info.value) == f"log.jsonl:2: {reason}"


def test_errors_keep_the_first_ten_but_count_all(read):
    df, stats = read({"log.jsonl": GOOD + b"nope\n" * 25})
    assert len(df) == 1 and stats.skipped == 25 and len(stats.errors) == 10
    assert stats.errors[-1] == "log.jsonl:11: invalid JSON at column 1: invalid literal, expected 'null'"


def test_bom_crlf_and_blank_lines(read):
    data = b"\xef\xbb\xbf" + GOOD.replace(b"\n", b"\r\n") + b"\r\n   \n\n" + GOOD.replace(b"\n", b"\r\n")
    df, stats = read({"win.jsonl": data})
    assert list(df["line"]) == [1, 5] and list(df["query"]) == ["What is RAG?"] * 2
    assert stats.skipped == 0


def test_non_utf8_line_is_skipped_naming_file_and_line(read):
    df, stats = read({"latin1.jsonl": GOOD + '{"query": "café"}\n'.encode("latin-1") + GOOD})
    assert len(df) == 2
    assert stats.errors == ["latin1.jsonl:2: not valid UTF-8 (byte 0xe9 at column 15)"]


def test_non_utf8_line_strict(read):
    with pytest.raises(LlmrouteError, match=r"^latin1\.jsonl:1: not valid UTF-8 \(byte 0xe9 at column 15\)$"):
        read({"latin1.jsonl": '{"query": "café"}\n'.encode("latin-1")}, strict=True)


def test_truncated_last_line(read):
    df, stats = read({"cut.jsonl": GOOD + GOOD[:20]})
    assert len(df) == 1
    assert stats.errors == ["cut.jsonl:2: truncated record at end of file (unexpected end of data)"]


def test_one_huge_line(read):
    big = "é" * 25_000_000  # 50 MB of UTF-8 on one line
    data = b'{"query": "summarise", "context": "' + big.encode() + b'"}\n' + GOOD
    df, stats = read({"big.jsonl": data}, max_line_bytes=64 << 20)  # above the 16 MiB default: raised to read it
    assert len(df) == 2 and len(df.at[0, "context"]) == 25_000_000 and stats.skipped == 0


def test_corrupt_gzip_names_the_file(read):
    data = gzip.compress(GOOD * 5000)
    with pytest.raises(LlmrouteError) as info:
        read({"logs.jsonl.gz": data[: len(data) // 2]})
    assert str(info.value).startswith("logs.jsonl.gz: corrupt gzip data after line ")
    assert str(info.value).endswith("Compressed file ended before the end-of-stream marker was reached")


def test_gzip_with_bad_crc(read):
    data = bytearray(gzip.compress(GOOD))
    data[-8] ^= 0xFF  # the CRC32 in the trailer
    with pytest.raises(LlmrouteError, match=r"^bad\.gz: corrupt gzip data after line 1: CRC check failed"):
        read({"bad.gz": bytes(data)})


def test_empty_file_among_others_is_fine(read):
    df, stats = read({"empty.jsonl": b"", "full.jsonl": GOOD})
    assert len(df) == 1 and stats.files == ["empty.jsonl", "full.jsonl"]


def test_no_records_at_all(read):
    with pytest.raises(LlmrouteError) as info:
        read({"a.jsonl": b"", "b.jsonl": b"\n\n"})
    assert str(info.value) == "a.jsonl, b.jsonl: no records"


def test_only_bad_records(read):
    with pytest.raises(LlmrouteError) as info:
        read({"a.jsonl": b"[]\n{}\n"})
    assert str(info.value) == "a.jsonl: no usable records (2 skipped; first: a.jsonl:1: not a JSON object (got array))"


def test_missing_file_and_empty_glob_are_usage_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match=r"^nope\.jsonl: no such file$"):
        read_logs(["nope.jsonl"])
    with pytest.raises(UsageError, match=r"^logs/\*\.jsonl: no files match$"):
        read_logs(["logs/*.jsonl"])
    (tmp_path / "dir").mkdir()
    with pytest.raises(UsageError, match=r"^dir: the directory holds no files$"):
        read_logs(["dir"])
    with pytest.raises(UsageError, match=r"^no log files given$"):
        read_logs([])


def test_inputs_are_not_modified(read, tmp_path):
    data = GOOD + b"bad\n" + gzip.compress(GOOD)
    read({"a.jsonl": data})
    assert (tmp_path / "a.jsonl").read_bytes() == data


def test_pretty_printed_json_gets_a_hint(read):
    with pytest.raises(LlmrouteError) as info:
        read({"logs.json": b'[\n  {\n    "query": "hi"\n  }\n]\n'})
    assert str(info.value) == (
        "logs.json: no usable records (5 skipped; first: logs.json:1: a multi-line JSON document; "
        "expected JSON Lines (one JSON object per line))"
    )


def test_header_only_csv_and_empty_stdin(read, tmp_path):
    with pytest.raises(LlmrouteError, match=r"^h\.csv: no records$"):
        read({"h.csv": b"query,model\n"})
    with pytest.raises(LlmrouteError, match=r"^<stdin>: no records$"):
        list(read_logs(["-"], stdin=io.BytesIO(b"")))


def test_gzip_that_is_not_gzip_beyond_the_magic(read):
    with pytest.raises(LlmrouteError) as info:
        read({"fake.jsonl.gz": b"\x1f\x8b" + b"not really gzip"})
    assert str(info.value).startswith("fake.jsonl.gz: corrupt gzip data: ")
