"""Inputs found by review to break the tool: each now gets one clear line and the right exit code."""

from __future__ import annotations

import json
import os
import stat

import pytest

from llmroute_cli.cli import app

OK = {"query": "hello", "timestamp": 0, "usage": {"prompt_tokens": 10, "completion_tokens": 1}}
LATER = {"query": "hello", "timestamp": 86_400, "usage": {"prompt_tokens": 10, "completion_tokens": 1}}
RULES = "tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "logs.jsonl").write_text(json.dumps(OK) + "\n" + json.dumps(LATER) + "\n")
    (tmp_path / "r.yaml").write_text(RULES)


def run(runner, *args):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "logs.jsonl", "--output", "logs.jsonl"],
        ["simulate", "logs.jsonl", "--decisions", "logs.jsonl"],
        ["simulate", "logs.jsonl", "--rules", "r.yaml", "--output", "r.yaml"],
        ["simulate", "*.jsonl", "--output", "logs.jsonl"],
        ["diff", "r.yaml", "r.yaml", "--logs", "logs.jsonl", "--output", "logs.jsonl"],
        ["sample", "logs.jsonl", "-o", "logs.jsonl"],
    ],
)
def test_outputs_never_overwrite_inputs(runner, tmp_path, args):
    before = (tmp_path / "logs.jsonl").read_bytes(), (tmp_path / "r.yaml").read_bytes()
    result = run(runner, *args)
    assert result.exit_code == 2
    assert result.stderr.endswith("would overwrite an input file; choose another path\n")
    assert ((tmp_path / "logs.jsonl").read_bytes(), (tmp_path / "r.yaml").read_bytes()) == before


@pytest.mark.parametrize(
    ("usage", "reason"),
    [
        ({"prompt_tokens": -5, "completion_tokens": 1}, "input token count -5 is out of range (0 to 1,000,000,000)"),
        (
            {"prompt_tokens": 10, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 50}},
            "cached tokens (50) exceed the prompt tokens (10)",
        ),
        ({"prompt_tokens": 1e20, "completion_tokens": 1}, "input token count 100000000000000000000 is out of range"),
        (
            {"prompt_tokens": 5, "completion_tokens": 3, "completion_tokens_details": {"reasoning_tokens": 9}},
            "reasoning tokens (9) exceed the output tokens (3)",
        ),
    ],
)
def test_implausible_usage_is_skipped_and_named(runner, tmp_path, usage, reason):
    (tmp_path / "bad.jsonl").write_text(json.dumps(OK) + "\n" + json.dumps({"query": "x", "usage": usage}) + "\n")
    result = run(runner, "simulate", "bad.jsonl", "--days", "1", "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["queries"] == 1 and report["input"]["skipped"] == 1
    assert report["input"]["errors"][0].startswith("bad.jsonl:2: ") and reason in report["input"]["errors"][0]


def test_out_of_range_timestamp_is_skipped(runner, tmp_path):
    (tmp_path / "t.jsonl").write_text(json.dumps(OK) + "\n" + json.dumps({"query": "x", "timestamp": 1e300}) + "\n")
    report = json.loads(run(runner, "simulate", "t.jsonl", "--days", "1", "--format", "json").stdout)
    assert report["input"]["errors"] == ["t.jsonl:2: 'timestamp' is out of range for a time (got 1e+300)"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--output-ratio", "nan"], "error: --output-ratio must be a number from 0 to 1000, got nan\n"),
        (["--output-ratio", "inf"], "error: --output-ratio must be a number from 0 to 1000, got inf\n"),
        (["--output-ratio", "=2"], "error: --output-ratio takes R or MODEL=R, got '=2'\n"),
        (["--days", "nan"], "error: --days must be a finite number more than 0, got nan\n"),
        (["--days", "0"], "error: --days must be a finite number more than 0, got 0.0\n"),
        (["--seed", "-1"], "error: --seed must be 0 or more, got -1\n"),
        (
            ["--baseline-tier", "gold"],
            "error: --baseline-tier 'gold' is not a tier; expected one of: cheap, expensive\n",
        ),
        (["--output", "missing/x.json"], "error: missing/x.json: cannot write here (No such file or directory)\n"),
        (["--output", "."], "error: .: is a directory; give a file name to write\n"),
    ],
)
def test_bad_options_are_misuse(runner, args, message):
    result = run(runner, "simulate", "logs.jsonl", "--rules", "r.yaml", *args)
    assert (result.exit_code, result.stderr) == (2, message)


@pytest.mark.parametrize(
    ("gate", "message"),
    [
        ("--max-cost-increase", "must be a finite number, got nan"),
        ("--max-expensive-share", "is a share from 0 to 1 or 0% to 100%, got nan"),
        ("--max-shift", "is a share from 0 to 1 or 0% to 100%, got nan"),
    ],
)
def test_nan_gate_cannot_silently_pass(runner, gate, message):
    result = run(runner, "diff", "r.yaml", "r.yaml", "--logs", "logs.jsonl", gate, "nan")
    assert (result.exit_code, result.stderr) == (2, f"error: {gate} {message}\n")


def test_unwritable_step_summary_warns_but_does_not_fail(runner, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", "missing/summary.md")
    result = run(runner, "diff", "r.yaml", "r.yaml", "--logs", "logs.jsonl", "--format", "markdown")
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: could not append to $GITHUB_STEP_SUMMARY (missing/summary.md)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            RULES + "prices:\n  gpt-4o-mini: {input: 1, output: .inf}\n",
            "r.yaml:4:35: price 'output' of 'gpt-4o-mini' must be a finite number >= 0, got inf",
        ),
        ("a: &x [*x]\n", "r.yaml:1:4: a YAML alias refers to itself; a rule file cannot be recursive"),
        (
            "rules:\n  - when: " + "{not: " * 3000 + "{}" + "}" * 3000 + "\n",
            "r.yaml:1:1: YAML nested too deeply to read; flatten the rule file",
        ),
        (
            RULES + "rules:\n  - name: e\n    when: {query: {contains: ['']}}\n    route: cheap\n",
            "r.yaml:5:30: rule 'e': empty keyword '' in 'query' matches every request; remove it",
        ),
    ],
)
def test_rule_files_that_used_to_traceback(runner, tmp_path, text, expected):
    (tmp_path / "r.yaml").write_text(text)
    result = run(runner, "check", "r.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == expected
    routed = run(runner, "route", "hi", "--rules", "r.yaml")
    assert routed.exit_code == 1 and routed.stderr.splitlines()[0] == expected


def test_csv_error_with_strict_is_one_line(runner, tmp_path):
    (tmp_path / "l.csv").write_text("query,timestamp,input_tokens\nhello,0,5\nworld,1,abc\n")
    result = run(runner, "simulate", "l.csv", "--days", "1", "--strict")
    assert result.exit_code == 1
    assert result.stderr == "error: l.csv:3: 'input_tokens' is not a whole number (got 'abc')\n"


def test_malformed_labels_are_skipped_and_counted(runner, tmp_path):
    rows = [dict(OK, needed="cheap"), dict(OK, needed="middle"), dict(LATER, needed="expensive")]
    (tmp_path / "l.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = json.loads(run(runner, "simulate", "l.jsonl", "--format", "json").stdout)
    assert report["quality"]["labeled"] == 2 and report["quality"]["needed_expensive"] == 1
    assert report["warnings"] == [
        "1 requests have malformed outcome labels, left out of the quality figures; first: request 'l.jsonl:2': "
        "label 'needed' is 'middle'; expected one of: cheap, expensive"
    ]


def test_replaced_output_keeps_its_permissions(runner, tmp_path):
    out = tmp_path / "report.json"
    out.write_text("{}")
    os.chmod(out, 0o644)
    assert run(runner, "simulate", "logs.jsonl", "--format", "json", "--output", "report.json").exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert json.loads(out.read_text())["queries"] == 2


def test_markdown_cells_are_escaped():
    from llmroute_cli.render.diff import md_cell

    assert md_cell("a|b <details>\nx") == "a\\|b &lt;details&gt; x"


def test_empty_tier_name_and_nan_threshold_are_located(runner, tmp_path):
    (tmp_path / "r.yaml").write_text(
        "tiers: {'': gpt-4o-mini, cheap: gpt-4o-mini}\ndefault: cheap\n"
        "rules:\n  - name: n\n    when: {query.chars: {lt: .nan}}\n    route: cheap\n"
    )
    result = run(runner, "check", "r.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "r.yaml:1:9: tier names must be non-empty strings, got ''",
        "r.yaml:5:30: rule 'n': 'query.chars' lt takes a number, got NaN",
    ]
