"""Formats and inputs: JSONL (plain, gzip), CSV, Parquet, stdin, globs; chunking, stats and progress."""

from __future__ import annotations

import gzip
import io

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from llmroute_cli.errors import LlmrouteError
from llmroute_cli.logs import COLUMNS, ReadOptions, ReadStats, read_logs


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def jsonl(*records: dict) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def read(paths: list[str], stdin: bytes | None = None, **options) -> tuple[pd.DataFrame, ReadStats]:
    stats = ReadStats()
    frames = list(read_logs(paths, ReadOptions(**options), stats, stdin=io.BytesIO(stdin or b"")))
    return pd.concat(frames, ignore_index=True), stats


def test_gzip_detected_by_magic_not_extension(tmp_path):
    (tmp_path / "a.log").write_bytes(gzip.compress(jsonl({"query": "zipped"})))
    (tmp_path / "b.jsonl.gz").write_bytes(jsonl({"query": "not zipped"}))
    df, stats = read(["a.log", "b.jsonl.gz"])
    assert list(df["query"]) == ["zipped", "not zipped"]
    sizes = [(tmp_path / name).stat().st_size for name in ("a.log", "b.jsonl.gz")]
    assert stats.bytes_read == stats.bytes_total == sum(sizes)


CSV = (
    "\ufeffquery,context,timestamp,model,prompt_tokens,completion_tokens,metadata.user.plan,metadata.region,id\r\n"
    "What is 2+2?,,2024-05-01T12:00:00Z,gpt-4o-mini,12,3,free,eu,r1\r\n"
    '"Write a haiku\r\nabout ""rain""",Be poetic.,1714564800,gpt-4o,20.0,17,pro,,r2\r\n'
    "\r\n"
    "Last one,,,,,,,us,r3\r\n"
)


def test_csv_with_quoted_newlines_and_metadata_columns(tmp_path):
    (tmp_path / "log.csv").write_bytes(CSV.encode())
    df, stats = read(["log.csv"])
    assert list(df["query"]) == ["What is 2+2?", 'Write a haiku\r\nabout "rain"', "Last one"]
    assert list(df["line"]) == [2, 3, 6]
    assert list(df["context"]) == ["", "Be poetic.", ""]
    assert list(df["id"]) == ["r1", "r2", "r3"]
    assert list(df["model"]) == ["gpt-4o-mini", "gpt-4o", None]
    assert df["input_tokens"].tolist()[:2] == [12, 20] and pd.isna(df["input_tokens"].iloc[2])
    assert df["output_tokens"].tolist()[:2] == [3, 17]
    assert df["timestamp"].tolist()[:2] == [1714564800.0, 1714564800.0]
    assert list(df["metadata"]) == [
        {"user": {"plan": "free"}, "region": "eu"},
        {"user": {"plan": "pro"}},
        {"region": "us"},
    ]
    assert stats.shapes == {"simple": 3}


def test_csv_bad_rows_are_reported_by_line(tmp_path):
    data = b'query,model\nok,gpt-4o\ntoo,many,fields\n"caf\xe9",gpt-4o\n,gpt-4o\nfine,\n'
    (tmp_path / "bad.csv").write_bytes(data)
    df, stats = read(["bad.csv"])
    assert list(df["query"]) == ["ok", "fine"]
    assert stats.errors == [
        "bad.csv:3: has 3 fields, the header has 2",
        "bad.csv:4: not valid UTF-8",
        "bad.csv:5: 'query' is empty or missing",
    ]


def test_csv_litellm_export_with_json_cells(tmp_path):
    messages = orjson.dumps([{"role": "user", "content": "Hola, ¿qué tal?"}]).decode().replace('"', '""')
    data = (
        "request_id,startTime,model,prompt_tokens,completion_tokens,spend,messages,metadata\n"
        f'req-1,2024-05-01 12:00:00,gpt-4o-mini,9,4,0.00001,"{messages}","{{""team"": ""es""}}"\n'
    )
    (tmp_path / "spend.csv.gz").write_bytes(gzip.compress(data.encode()))
    df, stats = read(["spend.csv.gz"])
    row = df.iloc[0].to_dict()
    assert (row["query"], row["input_tokens"], row["metadata"]) == ("Hola, ¿qué tal?", 9, {"team": "es"})
    assert row["timestamp"] == 1714564800.0 and stats.shapes == {"litellm": 1}


def test_tsv(tmp_path):
    (tmp_path / "log.tsv").write_text("query\tmodel\nHello, world\tgpt-4o\n")
    df, _ = read(["log.tsv"])
    assert (df.at[0, "query"], df.at[0, "model"]) == ("Hello, world", "gpt-4o")


def test_parquet_with_struct_columns_and_nulls(tmp_path):
    table = pa.table(
        {
            "query": ["Explain TCP.", "Explain UDP."],
            "timestamp": pa.array([1714564800_000_000, None], pa.timestamp("us", tz="UTC")),
            "model": ["gpt-4o", None],
            "input_tokens": pa.array([40, None], pa.int64()),
            "metadata": [{"user": {"plan": "pro"}}, {"user": {"plan": "free"}}],
            "metadata.source": ["web", "api"],
        }
    )
    pq.write_table(table, tmp_path / "log.parquet", row_group_size=1)
    df, stats = read(["log.parquet"], chunk_rows=1)
    assert list(df["line"]) == [1, 2] and list(df["query"]) == ["Explain TCP.", "Explain UDP."]
    assert df.at[0, "timestamp"] == 1714564800.0 and pd.isna(df.at[1, "timestamp"])
    assert list(df["model"]) == ["gpt-4o", None]
    assert df.at[0, "input_tokens"] == 40 and pd.isna(df.at[1, "input_tokens"])
    assert list(df["metadata"]) == [
        {"user": {"plan": "pro"}, "source": "web"},
        {"user": {"plan": "free"}, "source": "api"},
    ]
    assert stats.bytes_read == stats.bytes_total == (tmp_path / "log.parquet").stat().st_size


def test_broken_parquet_is_a_clear_error(tmp_path):
    (tmp_path / "x.parquet").write_bytes(b"PAR1" + b"\0" * 20)
    with pytest.raises(LlmrouteError, match=r"^x\.parquet: not a readable Parquet file: "):
        read(["x.parquet"])


def test_stdin_plain_and_gzip(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(jsonl({"query": "from file"}))
    df, stats = read(["a.jsonl", "-"], stdin=jsonl({"query": "from stdin"}, {"query": "again"}))
    assert list(df["source"]) == ["a.jsonl", "<stdin>", "<stdin>"]
    assert list(df["line"]) == [1, 1, 2]
    assert stats.files == ["a.jsonl", "<stdin>"] and stats.bytes_total is None
    assert stats.bytes_read == (tmp_path / "a.jsonl").stat().st_size + len(
        jsonl({"query": "from stdin"}, {"query": "again"})
    )
    df, _ = read(["-"], stdin=gzip.compress(jsonl({"query": "zipped stdin"})))
    assert list(df["query"]) == ["zipped stdin"]


def test_globs_are_sorted_and_files_read_once(tmp_path):
    (tmp_path / "logs").mkdir()
    for name in ("b", "a", "c"):
        (tmp_path / "logs" / f"{name}.jsonl").write_bytes(jsonl({"query": name}))
    df, stats = read(["logs/*.jsonl", "logs/a.jsonl"])
    assert list(df["query"]) == ["a", "b", "c"]
    assert stats.files == ["logs/a.jsonl", "logs/b.jsonl", "logs/c.jsonl"]


def test_chunks_span_files_and_progress_reaches_the_total(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(jsonl(*({"query": f"a{i}"} for i in range(3))))
    (tmp_path / "b.jsonl").write_bytes(jsonl(*({"query": f"b{i}"} for i in range(2))))
    seen: list[int] = []

    def progress(done: int, total: int | None) -> None:
        assert total == 75
        seen.append(done)

    stats = ReadStats()
    frames = list(read_logs(["a.jsonl", "b.jsonl"], ReadOptions(chunk_rows=2), stats, progress=progress))
    assert [len(f) for f in frames] == [2, 2, 1]
    assert list(frames[1]["source"]) == ["a.jsonl", "b.jsonl"]
    assert all(list(f.columns) == list(COLUMNS) for f in frames)
    assert seen == sorted(seen) and seen[-1] == stats.bytes_total == stats.bytes_read == 5 * 15  # {"query":"a0"}\n
    assert stats.rows == 5


def test_column_types():
    (df, _) = read(["-"], stdin=jsonl({"query": "q", "usage": {"prompt_tokens": 3}}))
    assert {c: str(t) for c, t in df.dtypes.items()} == {
        "source": "str",
        "line": "int64",
        "id": "object",
        "query": "large_string[pyarrow]",
        "context": "large_string[pyarrow]",
        "timestamp": "float64",
        "model": "object",
        "input_tokens": "Int64",
        "output_tokens": "Int64",
        "cache_read_tokens": "Int64",
        "cache_creation_tokens": "Int64",
        "reasoning_tokens": "Int64",
        "cache_inside_input": "bool",
        "batch": "bool",
        "metadata": "object",
        "messages": "object",
        "labels": "object",
        "latency_ms": "float64",
        "tools": "object",
        "system": "large_string[pyarrow]",
        "turns": "int64",
        "has_tools": "bool",
        "has_images": "bool",
    }


def test_memory_stays_flat_as_the_file_grows(tmp_path):
    import tracemalloc

    record = {"messages": [{"role": "user", "content": "x" * 2000}], "usage": {"prompt_tokens": 1}}
    peaks = []
    for rows in (2_000, 8_000):
        (tmp_path / "m.jsonl").write_bytes(jsonl(*[record] * rows))
        tracemalloc.start()
        for _ in read_logs(["m.jsonl"], ReadOptions(chunk_rows=500, block_bytes=1 << 20)):
            pass
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.5


def test_stopping_early_closes_the_file(tmp_path):
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(jsonl(*({"query": str(i)} for i in range(10)))))
    chunks = read_logs(["a.jsonl.gz"], ReadOptions(chunk_rows=3))
    assert list(next(chunks)["query"]) == ["0", "1", "2"]
    chunks.close()
    with pytest.raises(StopIteration):
        next(chunks)


def test_importing_the_reader_does_not_import_pandas():
    import subprocess
    import sys

    code = "import sys, llmroute_cli.logs; print('pandas' in sys.modules, 'pyarrow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
