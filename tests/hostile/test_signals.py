"""SIGTERM is unwound like Ctrl-C: exit 143, worker processes ended, no temporary file left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = (
    "import sys, llmroute_cli.simulate.parallel as p; p.MIN_SHARD_BYTES = 1000; "
    "from llmroute_cli.cli import app; app(sys.argv[1:], prog_name='llmroute')"
)
# Hold the run still at a known point, so the signal always lands mid-run however fast the machine:
# a worker sleeps after its shard; the command sleeps after writing (and flushing) its first decisions.
HOLD_WORKERS = (
    "import time, llmroute_cli.simulate.parallel as p; real = p._run\n"
    "def _run(*args):\n    out = real(*args); time.sleep(120); return out\n"
    "_run.__module__ = p.__name__; p._run = _run\n"
)
HOLD_DECISIONS = (
    "import time, llmroute_cli.commands.simulate as s; real = s._write_decisions\n"
    "def hold(rows, sink, path):\n    real(rows, sink, path); sink.flush(); time.sleep(120)\n"
    "s._write_decisions = hold\n"
)


@pytest.fixture(scope="module")
def big_log(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    data = (ROOT / "sample_data" / "chat_logs.jsonl").read_bytes()
    path.write_bytes(data * 20)  # 58,400 requests, 77 MB: seconds of work
    return path


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def written(paths) -> bool:
    return any(path.stat().st_size > 0 for path in paths)


def start(args: list[str], cwd: Path, hold: str) -> subprocess.Popen:
    cmd = [sys.executable, "-c", hold + RUN, "simulate", *args, "--rules", str(ROOT / "routes.yaml"), "--quiet"]
    return subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_sigterm_ends_the_workers_and_exits_143(big_log, tmp_path):
    out = ["--format", "json", "-o", str(tmp_path / "r.json")]
    proc = start([str(big_log), "--jobs", "2", *out], tmp_path, HOLD_WORKERS)
    deadline = time.monotonic() + 30
    while len(children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = children(proc.pid)
    assert len(workers) >= 2, "the sharded run started no workers"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert err.decode().strip().splitlines()[-1] == "terminated"
    time.sleep(0.2)
    assert not [w for w in workers if alive(w)]
    assert os.listdir(tmp_path) == []


def test_sigterm_removes_a_partial_decisions_file(big_log, tmp_path):
    proc = start([str(big_log), "--decisions", str(tmp_path / "out.csv")], tmp_path, HOLD_DECISIONS)
    deadline = time.monotonic() + 30
    while not written(tmp_path.glob(".out.csv.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert written(tmp_path.glob(".out.csv.*.tmp")), "the run wrote no decisions to a temporary file"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err.decode()
    assert os.listdir(tmp_path) == []
