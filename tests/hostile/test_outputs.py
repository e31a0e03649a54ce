"""Outputs onto devices, FIFOs and stdout are written in place, never replaced by a regular file."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from llmroute_cli.cli import app

ROOT = Path(__file__).resolve().parents[2]
LOG = str(ROOT / "sample_data" / "chat_logs_small.jsonl")
RULES = str(ROOT / "routes.yaml")


def device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device like /dev/null (1, 3) or /dev/full (1, 7), made in the test's own directory:
    a regression replaces this node, never the machine's."""
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path


def simulate(runner, *args):
    return runner.invoke(app, ["simulate", LOG, "--rules", RULES, "--format", "json", "--quiet", *args])


@pytest.mark.parametrize("option", ["-o", "--decisions"])
def test_a_null_device_stays_a_device(runner, tmp_path, option):
    null = device(tmp_path, "null", 3)
    result = simulate(runner, option, str(null))
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_a_full_device_is_a_one_line_error(runner, tmp_path):
    full = device(tmp_path, "full", 7)
    result = simulate(runner, "-o", str(full))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"error: {full}: cannot write (No space left on device)"
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_a_fifo_gets_the_report_and_stays_a_fifo(runner, tmp_path):
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = simulate(runner, "-o", str(fifo))
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and got[0].startswith(b'{\n  "queries": 200,')


def test_dash_writes_the_report_to_stdout(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = simulate(runner, "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('{\n  "queries": 200,')
    assert list(tmp_path.iterdir()) == []  # no file named "-"
