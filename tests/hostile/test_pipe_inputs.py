"""Logs read through a pipe path (a FIFO, /dev/stdin, ``<(zcat f)``) are read once, serially and completely."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "sample_data" / "chat_logs.jsonl"  # 2,920 requests
ARGS = ["simulate", "--rules", str(ROOT / "routes.yaml"), "--format", "json", "--bootstrap", "0", "--quiet"]


def run(path: str, stdin: bytes | None = None) -> dict:
    cmd = [sys.executable, "-m", "llmroute_cli", ARGS[0], path, *ARGS[1:]]
    done = subprocess.run(cmd, input=stdin, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def feed(fifo: Path, data: bytes) -> threading.Thread:
    def write() -> None:
        with open(fifo, "wb") as f:  # blocks until the reader opens it
            f.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def plain() -> dict:
    return run(str(LOG))


@pytest.mark.parametrize("compress", [False, True], ids=["jsonl", "gzip"])
def test_a_fifo_gives_every_record_and_the_same_totals(tmp_path, plain, compress):
    fifo = tmp_path / "logs.fifo"
    os.mkfifo(fifo)
    data = LOG.read_bytes()
    writer = feed(fifo, gzip.compress(data) if compress else data)
    piped = run(str(fifo))
    writer.join(5)
    assert piped["queries"] == plain["queries"] == 2920
    assert piped["input"]["skipped"] == 0
    assert (piped["routed"], piped["tiers"], piped["rules"]) == (plain["routed"], plain["tiers"], plain["rules"])


def test_dev_stdin_gives_every_record(plain):
    piped = run("/dev/stdin", stdin=LOG.read_bytes())
    assert piped["queries"] == 2920 and piped["routed"] == plain["routed"]


def test_parquet_through_a_pipe_is_a_one_line_error(tmp_path):
    fifo = tmp_path / "logs.fifo"
    os.mkfifo(fifo)
    writer = feed(fifo, b"PAR1" + b"\0" * 64)
    cmd = [sys.executable, "-m", "llmroute_cli", ARGS[0], str(fifo), *ARGS[1:]]
    done = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
    writer.join(5)
    assert done.returncode == 2
    assert done.stderr.decode().strip().splitlines()[-1] == (
        f"error: {fifo}: Parquet cannot be read from a pipe or stdin; save it to a file first"
    )
