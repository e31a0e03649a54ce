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


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-c", RUN, "simulate", *args, "--rules", str(ROOT / "routes.yaml"), "--quiet"]
    return subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_sigterm_ends_the_workers_and_exits_143(big_log, tmp_path):
    proc = start([str(big_log), "--jobs", "2", "--format", "json", "-o", str(tmp_path / "r.json")], tmp_path)
    deadline = time.monotonic() + 30
    while len(children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = children(proc.pid)
    assert len(workers) >= 2, "the sharded run started no workers"
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert err.decode().strip().splitlines()[-1] == "terminated"
    time.sleep(0.2)
    assert not [w for w in workers if alive(w)]
    assert os.listdir(tmp_path) == []


def test_sigterm_removes_a_partial_decisions_file(big_log, tmp_path):
    proc = start([str(big_log), "--decisions", str(tmp_path / "out.csv")], tmp_path)
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(".out.csv.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".out.csv.*.tmp")), "the run wrote no temporary decisions file"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err.decode()
    assert os.listdir(tmp_path) == []
