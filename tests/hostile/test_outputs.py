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


def test_a_link_to_stdout_stays_a_link_and_the_report_reaches_stdout(tmp_path):
    import subprocess
    import sys

    link = tmp_path / "mystdout"
    link.symlink_to("/proc/self/fd/1")
    cmd = [sys.executable, "-m", "llmroute_cli", "simulate", LOG, "--rules", RULES, "--format", "json", "--quiet"]
    with open(tmp_path / "so.txt", "wb") as out:
        done = subprocess.run([*cmd, "-o", str(link)], stdout=out, stderr=subprocess.PIPE, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert (tmp_path / "so.txt").read_text().startswith('{\n  "queries": 200,')


def test_a_link_to_a_file_replaces_the_file_and_keeps_the_link(runner, tmp_path):
    (tmp_path / "real.json").write_text("old\n")
    (tmp_path / "link.json").symlink_to("real.json")
    result = simulate(runner, "-o", str(tmp_path / "link.json"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "real.json").read_text().startswith('{\n  "queries": 200,')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]  # no temporary left


def test_two_outputs_onto_one_file_are_refused(runner, tmp_path):
    target = tmp_path / "x.out"
    result = simulate(runner, "-o", str(target), "--decisions", str(target))
    assert result.exit_code == 2
    assert result.stderr == f"error: --output and --decisions name the same file {target}; give each its own\n"
    assert not target.exists()
    null = device(tmp_path, "null", 3)
    assert simulate(runner, "-o", str(null), "--decisions", str(null)).exit_code == 0
