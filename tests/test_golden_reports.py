"""The simulate and diff reports on the shipped sample, byte for byte against tests/golden/.

Run from the repository root with relative paths, so the reports name no machine's directories; the
bootstrap is seeded and the sample too small to be sharded, so the output is the same everywhere.
Regenerate with ``python -m pytest tests/test_golden_reports.py --update-golden`` and review the diff.
"""

from __future__ import annotations

import pytest

from llmroute_cli.cli import app

SIMULATE = ["simulate", "sample_data/chat_logs.jsonl", "--rules", "routes.yaml"]
DIFF = ["diff", "routes.yaml", "examples/routes-longer-short.yaml", "--logs", "sample_data/chat_logs.jsonl"]


REPORTS = {
    "simulate.json": [*SIMULATE, "--format", "json"],
    "simulate.csv": [*SIMULATE, "--format", "csv"],
    "simulate.md": [*SIMULATE, "--format", "markdown"],
    "diff.json": [*DIFF, "--format", "json"],
    "diff.md": [*DIFF, "--format", "markdown"],
}


@pytest.mark.parametrize("name", list(REPORTS))
def test_report_matches_its_golden_file(runner, root, monkeypatch, golden, name):
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)  # diff appends its Markdown there when set
    result = runner.invoke(app, REPORTS[name])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    golden(name, result.stdout)
