"""What a rule file points to: cases stay beside it and are never echoed; outputs never overwrite them."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from llmroute_cli.cli import app

ROOT = Path(__file__).resolve().parents[2]
LOG = str(ROOT / "sample_data" / "chat_logs_small.jsonl")
RULES = "tiers:\n  cheap: gpt-4o-mini\n  expensive: gpt-4o\ndefault: cheap\nrules: []\ncases: CASES\n"
SECRET = "SECRET_TOKEN=hunter2-do-not-print"


@pytest.fixture
def home(tmp_path):
    (tmp_path / "secret.env").write_text(SECRET + "\n")
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "link.yaml").symlink_to("../secret.env")
    return tmp_path / "repo"


@pytest.mark.parametrize("cases", ["/etc/passwd", "../secret.env", "link.yaml"], ids=["absolute", "dotdot", "link"])
def test_a_cases_file_outside_the_rule_files_directory_is_refused_unread(runner, home, cases):
    (home / "rules.yaml").write_text(RULES.replace("CASES", f'"{cases}"'))
    result = runner.invoke(app, ["test", str(home / "rules.yaml")])
    assert result.exit_code == 1
    message = f"{home / 'rules.yaml'}:6:8: cases file '{cases}' is outside the rule file's directory; keep it beside"
    assert message in result.output
    assert "hunter2" not in result.output and "root:" not in result.output


def test_a_cases_file_that_is_not_a_list_is_named_not_echoed(runner, home):
    (home / "cases.yaml").write_text(f'"{SECRET}"\n')
    (home / "rules.yaml").write_text(RULES.replace("CASES", "cases.yaml"))
    result = runner.invoke(app, ["test", str(home / "rules.yaml")])
    assert result.exit_code == 1
    assert (
        f"{home / 'cases.yaml'}:1:1: 'cases' must be a list of cases or a path to a YAML file of them, got a string"
        in result.output
    )
    assert "hunter2" not in result.output


def test_outputs_never_overwrite_the_cases_file_a_rule_file_names(runner, home):
    cases = home / "cases.yaml"
    cases.write_text("- query: hi\n  tier: cheap\n")
    (home / "rules.yaml").write_text(RULES.replace("CASES", "cases.yaml"))
    before = hashlib.sha256(cases.read_bytes()).hexdigest()
    result = runner.invoke(
        app, ["simulate", LOG, "--rules", str(home / "rules.yaml"), "--format", "json", "-o", str(cases)]
    )
    assert result.exit_code == 2
    assert result.stderr == f"error: --output {cases} would overwrite an input file; choose another path\n"
    assert hashlib.sha256(cases.read_bytes()).hexdigest() == before


def test_a_git_spec_that_looks_like_an_option_never_reaches_git(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    (tmp_path / "routes.yaml").write_text((ROOT / "routes.yaml").read_text())
    subprocess.run(["git", "add", "routes.yaml"], check=True)
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "r"], check=True)
    spec = f"--output={tmp_path / 'pwned'}:routes.yaml"
    result = runner.invoke(app, ["diff", "--logs", LOG, "--", spec, "routes.yaml"])
    assert result.exit_code == 2
    assert result.stderr == f"error: {spec}: not a git revision and path (REV:PATH, e.g. origin/main:routes.yaml)\n"
    assert not list(tmp_path.glob("pwned*"))
    ok = runner.invoke(app, ["diff", "HEAD:routes.yaml", "routes.yaml", "--logs", LOG])
    assert ok.exit_code == 0, ok.output
