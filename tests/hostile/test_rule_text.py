"""Text in a rule file that no output could hold (a lone surrogate) is refused where it is written."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}], "usage": {"prompt_tokens": 7}}


@pytest.mark.parametrize(
    ("rules", "at"),
    [
        ('rules:\n  - name: "bad\\udc80"\n    when: {query.chars: {gt: 1}}\n    route: expensive\n', "4:11"),
        ('rules:\n  - name: ok\n    when: {query: {contains: "\\ud800"}}\n    route: expensive\n', "5:30"),
        ('"pro\\udcff": 1\nrules: []\n', "3:1"),
    ],
    ids=["rule-name", "keyword", "key"],
)
def test_a_lone_surrogate_is_a_located_error(runner, tmp_path, rules, at):
    log, path = tmp_path / "logs.jsonl", tmp_path / "routes.yaml"
    log.write_text(json.dumps(CHAT) + "\n")
    path.write_text("tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\n" + rules)
    decisions = str(tmp_path / "d.csv")
    result = runner.invoke(app, ["simulate", str(log), "--rules", str(path), "--days", "1", "--decisions", decisions])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    char = "\\" + rules.split("\\")[1][:5]
    assert result.stderr.splitlines()[0] == f"{path}:{at}: character '{char}' is a lone surrogate, not text; remove it"
