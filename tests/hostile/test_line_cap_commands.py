"""--max-line-bytes on every command that reads logs, and the re-reads of ``sample``, ``batch`` and ``batch join``."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from llmroute_cli.cli import app
from llmroute_cli.logs.answers import raw_records, records_at
from llmroute_cli.logs.sources import resolve

RULES = "version: 1\ntiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\nrules: []\n"
LONG = "1,000 bytes"


def record(rid: str, text: str = "hi") -> bytes:
    rec = {
        "id": rid,
        "messages": [{"role": "user", "content": text}],
        "model": "gpt-4o",
        "usage": {"prompt_tokens": 5, "completion_tokens": 3},
        "answers": {"gpt-4o": f"strong {rid}", "gpt-4o-mini": f"weak {rid}"},
    }
    return json.dumps(rec).encode() + b"\n"


@pytest.fixture
def logs(tmp_path, monkeypatch):
    """Four requests; line 3 is 5,000 bytes long."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "log.jsonl").write_bytes(record("a") + record("b") + record("c", "x" * 5000) + record("d"))
    return tmp_path


def invoke(runner, *args):
    return runner.invoke(app, list(args))


def last_error(result) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_check_logs_skips_and_names_an_overlong_line(runner, logs):
    result = invoke(runner, "check", "rules.yaml", "--logs", "log.jsonl", "--max-line-bytes", "1000")
    assert result.exit_code == 0, result.output
    assert f"log.jsonl:3: line longer than {LONG} (--max-line-bytes)" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["check", "rules.yaml", "--logs", "log.jsonl", "--strict"],
        ["sample", "log.jsonl", "--rules", "rules.yaml", "--rate", "1", "-o", "out.jsonl", "--strict"],
        ["batch", "answers", "log.jsonl", "--rules", "rules.yaml", "--rate", "1", "-o", "out.jsonl", "--strict"],
        ["train", "log.jsonl", "--rules", "rules.yaml", "--group-by", "file", "-o", "router.json", "--strict"],
    ],
    ids=["check", "sample", "batch-answers", "train"],
)
def test_an_overlong_line_under_strict_is_a_located_error(runner, logs, command):
    result = invoke(runner, *command, "--max-line-bytes", "1000", "--quiet" if command[0] != "check" else "--strict")
    assert result.exit_code == 1, result.output
    assert last_error(result) == f"error: log.jsonl:3: line longer than {LONG} (--max-line-bytes)"
    assert not (logs / "out.jsonl").exists() and not (logs / "router.json").exists()


@pytest.mark.parametrize("command", [["sample"], ["batch", "answers"]], ids=["sample", "batch-answers"])
def test_sample_and_batch_leave_out_an_overlong_line_and_name_it(runner, logs, command):
    args = [*command, "log.jsonl", "--rules", "rules.yaml", "--rate", "1", "-o", "out.jsonl", "--quiet"]
    result = invoke(runner, *args, "--max-line-bytes", "1000")
    assert result.exit_code == 0, result.output
    assert f"log.jsonl:3: line longer than {LONG} (--max-line-bytes)" in result.stderr
    written = [json.loads(line) for line in (logs / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["custom_id"].split(":")[1] for r in written) == ["a", "b", "d"]


@pytest.mark.parametrize(
    "command",
    [
        ["check", "rules.yaml", "--logs", "log.jsonl"],
        ["sample", "log.jsonl", "-o", "o.jsonl"],
        ["train", "log.jsonl", "-o", "r.json"],
    ],
    ids=["check", "sample", "train"],
)
def test_max_line_bytes_must_be_positive(runner, logs, command):
    result = invoke(runner, *command, "--max-line-bytes", "0")
    assert result.exit_code == 2
    assert last_error(result) == "error: --max-line-bytes must be at least 1, got 0"


def join(runner, *extra):
    result_line = {
        "custom_id": "llmroute-classify:b:gpt-4o-mini",
        "response": {"status_code": 200, "body": {"choices": [{"message": {"content": "SIMPLE"}}]}},
    }
    (runner.dir / "results.jsonl").write_text(json.dumps(result_line) + "\n", encoding="utf-8")
    return invoke(runner, "batch", "join", "results.jsonl", "--logs", "log.jsonl", "-o", "joined.jsonl", *extra)


def test_join_leaves_out_an_overlong_log_line_and_names_it(runner, logs):
    runner.dir = logs
    result = join(runner, "--max-line-bytes", "1000")
    assert result.exit_code == 0, result.output
    assert "Wrote 3 records to joined.jsonl, 1 of them enriched." in result.stdout
    assert f"skipped: log.jsonl:3: line longer than {LONG} (--max-line-bytes); not written" in result.stderr
    joined = [json.loads(line) for line in (logs / "joined.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in joined] == ["a", "b", "d"]
    assert joined[1]["metadata"]["llm_label"] == "SIMPLE"


def test_join_under_strict_stops_at_an_overlong_log_line_and_writes_nothing(runner, logs):
    runner.dir = logs
    result = join(runner, "--max-line-bytes", "1000", "--strict")
    assert result.exit_code == 1
    assert last_error(result) == f"error: log.jsonl:3: line longer than {LONG} (--max-line-bytes)"
    assert not (logs / "joined.jsonl").exists()


def test_join_reads_a_line_under_the_default_cap_whole(runner, logs):
    runner.dir = logs
    result = join(runner)
    assert result.exit_code == 0, result.output
    assert "Wrote 4 records to joined.jsonl, 1 of them enriched." in result.stdout


@pytest.fixture
def huge(tmp_path):
    """A 32 MiB line between two requests."""
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.write(record("a"))
        out.write(b'{"pad": "' + b"x" * (32 << 20) + b'"}\n')
        out.write(record("c"))
    return resolve([str(path)])[0]


def peak(run):
    tracemalloc.start()
    try:
        got = run()
        return got, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_records_at_reads_past_an_overlong_line_without_holding_it(huge):
    got, most = peak(lambda: [(n, raw["id"]) for n, _, raw in records_at(huge, {1, 3}, 1 << 20)])
    assert got == [(1, "a"), (3, "c")]
    assert most < 8 << 20  # the 32 MiB line never held


def test_raw_records_reads_past_an_overlong_line_without_holding_it(huge):
    got, most = peak(lambda: [(rid, line is None) for rid, _, line in raw_records(huge, 1 << 20)])
    assert got == [("a", False), (f"{huge.name}:2", True), ("c", False)]
    assert most < 8 << 20
