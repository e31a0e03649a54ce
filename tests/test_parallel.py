"""Sharded simulate (one process per core over byte ranges) equals the serial run."""

from __future__ import annotations

import itertools
import json

from llmroute_cli.cli import app
from llmroute_cli.simulate import parallel


def write_log(path, n=400, bad_at=()):
    lines = []
    for i in range(n):
        if i in bad_at:
            lines.append("{broken")
            continue
        query = ("Please debug this class. " * 12) if i % 3 == 0 else f"What is {i} plus {i}?"
        rec = {
            "id": f"r{i}",
            "created": 1_767_225_600 + i * 600,
            "model": "gpt-4o" if i % 2 else "gpt-4o-mini",
            "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": query}],
            "usage": {"prompt_tokens": 100 + i, "completion_tokens": 10 + i % 7},
        }
        if i % 5 == 0:
            rec["needed"] = "expensive" if i % 10 == 0 else "cheap"
        lines.append(json.dumps(rec))
    path.write_text("\n".join(lines) + "\n")


def report(runner, *args):
    result = runner.invoke(app, ["simulate", *map(str, args), "--format", "json", "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_shards_match_the_serial_run(runner, tmp_path, monkeypatch, root):
    log = tmp_path / "big.jsonl"
    write_log(log, bad_at=(7, 311))
    monkeypatch.setattr(parallel, "MIN_SHARD_BYTES", 1_000)
    runs = []
    real = parallel.run_sharded

    def spy(make, read, shards, jobs, routers, progress=None):
        runs.append((len(shards), jobs))
        return real(make, read, shards, jobs, routers, progress)

    monkeypatch.setattr(parallel, "run_sharded", spy)
    serial = report(runner, log, "--rules", root / "routes.yaml", "--jobs", "1")
    assert runs == []  # one job reads serially
    sharded = report(runner, log, "--rules", root / "routes.yaml", "--jobs", "2")
    assert runs == [(2, 2)]  # else the comparison below would compare two serial runs
    keys = ("queries", "days", "tokens", "period", "tiers", "rules", "routed", "baseline", "savings", "quality")
    for key in (*keys, "assumptions"):
        assert sharded[key] == serial[key], key  # costs too, to the last digit
    assert sharded["input"]["skipped"] == serial["input"]["skipped"] == 2
    assert sharded["input"]["errors"] == serial["input"]["errors"]
    assert serial["input"]["errors"][1].startswith(f"{log}:312: ")


def test_small_gzip_stdin_or_batch_logs_stay_serial(tmp_path, monkeypatch):
    log = tmp_path / "small.jsonl"
    write_log(log, n=10)
    assert parallel.plan([str(log)], 2) is None  # below the size worth sharing out
    monkeypatch.setattr(parallel, "MIN_SHARD_BYTES", 10)
    assert parallel.plan(["-"], 2) is None
    assert parallel.plan([str(log)], 1) is None
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        "".join(
            json.dumps(
                {
                    "custom_id": f"c{i}",
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
                }
            )
            + "\n"
            for i in range(50)
        )
    )
    assert parallel.plan([str(batch)], 2) is None


def test_shards_start_at_line_starts(tmp_path):
    log = tmp_path / "l.jsonl"
    write_log(log, n=100)
    size = log.stat().st_size
    with log.open("rb") as f:
        shards = parallel.cut(f, str(log), size, 3)
    data = log.read_bytes()
    assert shards[0].start == 0 and shards[-1].end == size
    assert all(data[s.start - 1 : s.start] == b"\n" for s in shards[1:])
    assert all(a.end == b.start for a, b in itertools.pairwise(shards))


def test_each_shard_knows_the_number_of_its_first_line(tmp_path, monkeypatch):
    log = tmp_path / "big.jsonl"
    write_log(log, n=997)
    monkeypatch.setattr(parallel, "MIN_SHARD_BYTES", 1_000)
    data = log.read_bytes()
    shards = parallel.plan([str(log)], 3)
    assert len(shards) == 3
    assert [s.first_line for s in shards] == [data[: s.start].count(b"\n") + 1 for s in shards]


def test_the_command_forks_its_workers_before_polars_is_ever_loaded(tmp_path):
    """Forking after polars started its threads deadlocks the workers; the CLI's parent never loads it."""
    import subprocess
    import sys

    log = tmp_path / "big.jsonl"
    write_log(log)
    script = (
        "import sys, multiprocessing\n"
        "from typer.testing import CliRunner\n"
        "from llmroute_cli.simulate import parallel\n"
        "from llmroute_cli.cli import app\n"
        "parallel.MIN_SHARD_BYTES = 1000\n"
        "seen = []\n"
        "real = multiprocessing.get_context\n"
        "multiprocessing.get_context = lambda method=None: seen.append(method) or real(method)\n"
        f"result = CliRunner().invoke(app, ['simulate', {str(log)!r}, '--jobs', '2', '--format', 'json'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(seen, 'polars' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split("\n")[-2] == "['fork'] False"
