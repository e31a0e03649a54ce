"""One read-and-route loop for every command: skipped records named alike, --strict honoured, shards merged."""

from __future__ import annotations

import json

import pytest
from test_parallel import write_log

from llmroute_cli.cli import app
from llmroute_cli.simulate import parallel

BAD = "{log}:3: invalid JSON at column 2: unexpected character, expected a string key"
SKIPPED = f"skipped 1 malformed records; first: {BAD}\n"


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "logs.jsonl"
    write_log(path, n=12, bad_at=(2,))
    return path


def invoke(runner, *args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_diff_names_the_records_it_skipped(runner, root, log):
    rules = root / "routes.yaml"
    result = invoke(runner, "diff", rules, rules, "--logs", log, "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.stderr == SKIPPED.format(log=log)
    report = json.loads(result.stdout)
    assert report["queries"] == 11
    assert report["input"]["skipped"] == 1
    assert report["input"]["errors"] == [BAD.format(log=log)]


def test_check_logs_names_the_records_it_skipped(runner, root, log):
    result = invoke(runner, "check", root / "routes.yaml", "--logs", log)
    assert result.exit_code == 0, result.output
    assert SKIPPED.format(log=log) in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["simulate", "{log}", "--rules", "{rules}"],
        ["diff", "{rules}", "{rules}", "--logs", "{log}"],
        ["check", "{rules}", "--logs", "{log}"],
        ["sweep", "{log}", "--rules", "{rules}", "--param", "short-no-code.query.chars=100:200:100"],
        ["calibrate", "{log}", "--rules", "{rules}", "--param", "short-no-code.query.chars=100:200:100",
         "--target-expensive-share", "0.5"],
        ["sample", "{log}", "--rules", "{rules}", "-o", "{out}"],
    ],
)
def test_every_command_stops_at_the_first_malformed_record_with_strict(runner, root, log, tmp_path, command):
    args = [a.format(log=log, rules=root / "routes.yaml", out=tmp_path / "batch.jsonl") for a in command]
    result = invoke(runner, *args, "--strict")
    assert result.exit_code == 1, result.output
    assert BAD.format(log=log) in result.stderr
    assert not (tmp_path / "batch.jsonl").exists()


def test_a_sharded_diff_equals_the_serial_one(runner, root, tmp_path, monkeypatch):
    log = tmp_path / "big.jsonl"
    write_log(log, bad_at=(7, 311))
    monkeypatch.setattr(parallel, "MIN_SHARD_BYTES", 1_000)
    used = []
    real = parallel.run_sharded
    spy = lambda make, read, shards, *rest: used.append(len(shards)) or real(make, read, shards, *rest)  # noqa: E731
    monkeypatch.setattr(parallel, "run_sharded", spy)
    old, new = root / "routes.yaml", tmp_path / "new.yaml"
    new.write_text(old.read_text().replace("route: cheap", "route: expensive", 1))
    reports = {}
    for jobs in ("1", "2"):
        result = invoke(runner, "diff", old, new, "--logs", log, "--format", "json", "--jobs", jobs)
        assert result.exit_code == 0, result.output
        reports[jobs] = json.loads(result.stdout)
    assert used == [2]  # the second run was shared out over two processes
    assert reports["2"] == reports["1"]
    assert reports["1"]["shifted"]["queries"] > 0 and reports["1"]["input"]["skipped"] == 2


def test_the_diff_pr_comment_says_what_was_skipped(runner, root, log):
    rules = root / "routes.yaml"
    result = invoke(runner, "diff", rules, rules, "--logs", log, "--format", "markdown")
    assert result.exit_code == 0, result.output
    shown = BAD.format(log=log).replace("_", "\\_")  # Markdown-escaped, as every line of the comment
    assert result.stdout.endswith(f"\n> skipped 1 malformed records; first: {shown}  \n")
