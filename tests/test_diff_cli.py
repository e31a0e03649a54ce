"""`llmroute diff`: transitions, rule hits, spend deltas, gates, Markdown/JSON, REV:PATH from git."""

from __future__ import annotations

import json
import subprocess

import pytest

from llmroute_cli.cli import app

OLD = """tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}
default: cheap
rules:
  - name: long
    when: {query.chars: {gt: 20}}
    route: expensive
"""
NEW = OLD.replace("gt: 20", "gt: 50")
# Four requests, 100,000 input tokens each (within both models' 128,000-token windows), over one day: lengths 10, 30, 60, 60 characters.
QUERIES = ["q" * 10, "q" * 30, "q" * 60, "q" * 60]


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.yaml").write_text(OLD)
    (tmp_path / "new.yaml").write_text(NEW)
    rows = [
        {"id": f"r{i}", "query": q, "usage": {"prompt_tokens": 100_000, "completion_tokens": 0}}
        for i, q in enumerate(QUERIES)
    ]
    (tmp_path / "logs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return tmp_path


def diff(runner, *args):
    return runner.invoke(app, ["diff", *args, "--logs", "logs.jsonl", "--days", "1"])


def test_json_numbers(runner, setup):
    result = diff(runner, "old.yaml", "new.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    r = json.loads(result.stdout)
    # old: 1 cheap (0.015) + 3 expensive (0.75) = 0.765/day; new: 2 cheap (0.03) + 2 expensive (0.50) = 0.53/day
    assert r["spend"]["old_daily_usd"] == pytest.approx(0.765)
    assert r["spend"]["new_daily_usd"] == pytest.approx(0.53)
    assert r["spend"]["delta_daily_usd"] == pytest.approx(-0.235)
    assert r["spend"]["delta_yearly_usd"] == pytest.approx(-0.235 * 365)
    assert r["spend"]["delta_percent"] == pytest.approx(-0.235 / 0.765 * 100)
    assert r["transitions"] == [
        {"from": "cheap", "to": "cheap", "queries": 1, "share": 0.25},
        {"from": "expensive", "to": "cheap", "queries": 1, "share": 0.25},
        {"from": "expensive", "to": "expensive", "queries": 2, "share": 0.5},
    ]
    assert r["shifted"] == {"queries": 1, "share": 0.25}
    assert r["rules"]["long"] == {"old": 3, "new": 2, "delta": -1, "status": "kept"}
    assert r["examples"] == [
        {
            "id": "r1",
            "query": "q" * 30,
            "old": {"tier": "expensive", "rule": "long"},
            "new": {"tier": "cheap", "rule": None},
        }
    ]
    assert r["gates_failed"] == []


def test_markdown_and_step_summary(runner, setup, monkeypatch):
    summary = setup / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = diff(runner, "old.yaml", "new.yaml", "--format", "markdown")
    assert result.exit_code == 0
    md = result.stdout
    assert md.startswith("## llmroute diff\n")
    assert "Spend per day $0.77 → $0.53 (-$0.24, -30.7%); per year $279.23 → $193.45 (-$85.78)." in md
    assert "| **expensive** | 1 (25.0%) | 2 (50.0%) |" in md
    assert "| long | 3 | 2 | -1 |" in md
    assert summary.read_text() == md


TEXT_REPORT = """\
4 logged requests over 1.00 days, routed by `old.yaml` and `new.yaml`.
Spend per day $0.77 → $0.53 (-$0.24, -30.7%); per year $279.23 → $193.45 (-$85.78).
1 requests (25.0%) change tier.
tier moves:
  cheap → cheap: 1 (25.0%)
  expensive → cheap: 1 (25.0%)
  expensive → expensive: 2 (50.0%)
rule hits (before → after):
  long: 3 → 2 (-1)
  (default): 1 → 2 (+1)
examples:
  r1: expensive → cheap (default): qqqqqqqqqqqqqqqqqqqqqqqqqqqqqq
"""


@pytest.mark.parametrize(
    ("gate", "code", "failure"),
    [
        (["--max-cost-increase", "10"], 0, ""),  # spend falls 30.7%: the gate passes
        (
            ["--max-expensive-share", "40%"],
            1,
            "gate failed: 'expensive' share 50.00% exceeds --max-expensive-share 40% by 10.00 points\n",
        ),
        (
            ["--max-shift", "0.2"],
            1,
            "gate failed: 25.00% of requests change tier, exceeding --max-shift 20% by 5.00 points\n",
        ),
    ],
)
def test_gates(runner, setup, gate, code, failure):
    result = diff(runner, "old.yaml", "new.yaml", *gate)
    assert result.exit_code == code
    assert result.stderr == failure
    assert result.stdout == TEXT_REPORT + failure  # the text report ends with the gates that failed


def test_a_share_gate_reads_a_fraction_and_a_percent_alike_and_refuses_a_bare_percent(runner, setup):
    failure = "gate failed: 'expensive' share 50.00% exceeds --max-expensive-share 40% by 10.00 points\n"
    for value in ("0.4", "40%", " 40.0% "):
        result = diff(runner, "old.yaml", "new.yaml", "--max-expensive-share", value)
        assert (result.exit_code, result.stderr) == (1, failure)
    assert diff(runner, "old.yaml", "new.yaml", "--max-expensive-share", "50%").exit_code == 0  # 50.00% is not over
    result = diff(runner, "old.yaml", "new.yaml", "--max-shift", "25")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: --max-shift is a share from 0 to 1 or 0% to 100%, got 25 (for 25% write 0.25 or 25%)\n",
    )


def test_logs_may_follow_the_rule_files_as_in_every_other_command(runner, setup):
    by_option = diff(runner, "old.yaml", "new.yaml", "--format", "json")
    positional = runner.invoke(app, ["diff", "old.yaml", "new.yaml", "logs.jsonl", "--days", "1", "--format", "json"])
    assert positional.exit_code == 0 and positional.stdout == by_option.stdout
    missing = runner.invoke(app, ["diff", "old.yaml", "new.yaml"])
    assert (missing.exit_code, missing.stderr) == (
        2,
        "error: diff needs logs to route: llmroute diff OLD NEW LOGS... (or --logs LOGS)\n",
    )


def test_cost_increase_gate(runner, setup):
    result = diff(runner, "new.yaml", "old.yaml", "--max-cost-increase", "30")
    # 5.30 → 7.65 is +44.34%
    assert result.exit_code == 1
    assert result.stderr.strip() == "gate failed: cost increase 44.34% exceeds --max-cost-increase 30% by 14.34 points"


def test_rev_path_from_git(runner, setup):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], check=True)
    (setup / "routes.yaml").write_text(OLD)
    subprocess.run([*git, "add", "routes.yaml"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    (setup / "routes.yaml").write_text(NEW)
    result = diff(runner, "HEAD:routes.yaml", "routes.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["shifted"]["queries"] == 1
    bad = diff(runner, "nosuchrev:routes.yaml", "routes.yaml")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: nosuchrev:routes.yaml: git could not read it (")


def test_broken_new_rules_are_located(runner, setup):
    (setup / "new.yaml").write_text(OLD.replace("route: expensive", "route: premium"))
    result = diff(runner, "old.yaml", "new.yaml")
    assert result.exit_code == 1
    assert result.stderr == "new.yaml:6:12: rule 'long': unknown tier 'premium'; expected one of: cheap, expensive\n"


HOSTILE_QUERY = "<img src=x onerror=alert(1)> **bold** a | b\nnext"  # 48 characters: moves to cheap


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = OLD.replace("name: long", 'name: "<b>x</b>"')
    (tmp_path / "old.yaml").write_text(old)
    (tmp_path / "new.yaml").write_text(old.replace("gt: 20", "gt: 50"))
    row = {"id": "<i>r_1</i>", "query": HOSTILE_QUERY, "usage": {"prompt_tokens": 100_000, "completion_tokens": 0}}
    (tmp_path / "logs.jsonl").write_text(json.dumps(row) + "\n")
    return tmp_path


def test_markdown_pr_comment_escapes_log_text_and_rule_names(runner, hostile):
    result = diff(runner, "old.yaml", "new.yaml", "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[2] == "1 logged requests over 1.00 days, routed by <code>old.yaml</code> and <code>new.yaml</code>.  "
    assert "| &lt;b&gt;x&lt;/b&gt; | 1 | 0 | -1 |" in lines
    assert (
        "| &lt;i&gt;r\\_1&lt;/i&gt; | &lt;img src=x onerror=alert(1)&gt; \\*\\*bold\\*\\* a \\| b next "
        "| expensive (&lt;b&gt;x&lt;/b&gt;) | cheap (default) |"
    ) in lines
    assert "<img" not in result.stdout and "<b>" not in result.stdout and "<i>" not in result.stdout


def test_text_report_prints_names_and_queries_on_one_line_without_escape_codes(runner, hostile):
    (hostile / "new.yaml").write_text(OLD.replace("name: long", 'name: "r\\x1b[31m\\rz"').replace("gt: 20", "gt: 50"))
    result = diff(runner, "old.yaml", "new.yaml")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "  r\\x1b[31m z: 0 → 0 (+0)" in lines
    assert "  <i>r_1</i>: expensive → cheap (default): <img src=x onerror=alert(1)> **bold** a | b next" in lines
    assert "\x1b" not in result.stdout
