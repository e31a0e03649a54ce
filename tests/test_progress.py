"""The progress bar: on a terminal only, never with --quiet or when stderr is piped."""

from __future__ import annotations

import io
import json
import sys

from llmroute_cli.cli import app
from llmroute_cli.commands._common import progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal_and_none_with_quiet_or_a_pipe(monkeypatch):
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    with progress_bar(quiet=True) as update:
        assert update is None
    with progress_bar(quiet=False) as update:
        assert update is not None
        update(512, 1024)
    assert "reading logs" in term.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # a pipe
    with progress_bar(quiet=False) as update:
        assert update is None


def test_simulate_through_a_pipe_writes_nothing_but_the_report(runner, tmp_path):
    log = tmp_path / "l.jsonl"
    log.write_text(json.dumps({"query": "hi", "usage": {"prompt_tokens": 3, "completion_tokens": 1}}) + "\n")
    result = runner.invoke(app, ["simulate", str(log), "--days", "1", "--format", "json"])
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout)["queries"] == 1
