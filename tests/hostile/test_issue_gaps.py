"""Issue 18 items that had no case in tests/hostile/: huge repeat counts, huge output options, duplicate custom_ids."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app

RULES = "version: 1\ntiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\nrules:\n"
REGEX_RULE = "  - name: r\n    when: {query: {regex: 'a{%s}'}}\n    route: expensive\n"
LOG = json.dumps({"id": "a", "messages": [{"role": "user", "content": "hi"}], "model": "gpt-4o"}) + "\n"


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "log.jsonl").write_text(LOG, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("count", ["1001", "4294967295", "4294967296", "99999999999", "5,4294967295"])
def test_a_regex_repeat_count_past_re2s_limit_is_a_located_error(runner, here, count):
    (here / "rx.yaml").write_text(RULES + REGEX_RULE % count, encoding="utf-8")
    result = runner.invoke(app, ["check", "rx.yaml"])
    assert result.exit_code == 1
    assert result.stdout.strip() == (
        f"rx.yaml:6:27: rule 'r': regex 'a{{{count}}}' does not compile: invalid repetition size: {{{count}}} "
        f"(at most 1000) (rule regexes use RE2 syntax: no backreferences or lookaround, linear time)"
    )


def test_a_repeat_count_of_1000_still_matches(runner, here):
    (here / "rx.yaml").write_text(RULES + REGEX_RULE % "1000", encoding="utf-8")
    result = runner.invoke(app, ["route", "a" * 1000, "--rules", "rx.yaml"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split() == ["expensive", "→", "gpt-4o", "rule:", "r"]
    below = runner.invoke(app, ["route", "a" * 999, "--rules", "rx.yaml"])
    assert below.stdout.splitlines()[0].split()[0] == "cheap"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--output-ratio", "1e300", "error: --output-ratio must be a number from 0 to 1000, got 1e+300"),
        (
            "--output-tokens",
            "10000000000000000000",
            "error: --output-tokens must be 0 to 1,000,000,000, got 10000000000000000000",
        ),
    ],
)
def test_output_options_past_any_real_traffic_are_usage_errors(runner, here, option, value, message):
    (here / "r.yaml").write_text(RULES + "  []\n", encoding="utf-8")
    result = runner.invoke(app, ["simulate", "log.jsonl", "--rules", "r.yaml", "--days", "1", "--quiet", option, value])
    assert (result.exit_code, result.stderr.strip()) == (2, message)


def test_a_second_batch_result_for_one_custom_id_is_named_not_merged(runner, here):
    def line(label: str) -> str:
        body = {"choices": [{"message": {"content": label}}]}
        return json.dumps(
            {"custom_id": "llmroute-classify:a:gpt-4o-mini", "response": {"status_code": 200, "body": body}}
        )

    (here / "res.jsonl").write_text(line("SIMPLE") + "\n" + line("COMPLEX") + "\n", encoding="utf-8")
    result = runner.invoke(app, ["batch", "join", "res.jsonl", "--logs", "log.jsonl", "-o", "j.jsonl"])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        "unusable: res.jsonl:2: a second result for this custom_id; the first one counts "
        "(custom_id llmroute-classify:a:gpt-4o-mini)"
    )
    joined = json.loads((here / "j.jsonl").read_text(encoding="utf-8"))
    assert joined["metadata"]["llm_label"] == "SIMPLE"
    strict = runner.invoke(app, ["batch", "join", "res.jsonl", "--logs", "log.jsonl", "-o", "k.jsonl", "--strict"])
    assert strict.exit_code == 1
