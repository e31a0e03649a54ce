"""``judge-report`` counts only verdicts on tiers of the rule file; the others are named, not counted."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app

RULES = "version: 1\ntiers: {small: gpt-4o-mini, large: gpt-4o}\ndefault: small\nrules: []\n"


def line(tier: str, picked: str, rid: str) -> str:
    body = {"choices": [{"message": {"content": f"[[{picked}]]"}, "finish_reason": "stop"}]}
    cid = f"llmroute-judge:{rid}:{tier}::A=cheap"
    return json.dumps({"custom_id": cid, "response": {"status_code": 200, "body": body}, "error": None})


@pytest.fixture
def results(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    # r1, r2 on small (B: the expensive answer better; A: cheap ok); r3 on 'premium', a tier the file lacks
    lines = [line("small", "B", "r1"), line("small", "A", "r2"), line("premium", "B", "r3")]
    (tmp_path / "out.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_a_verdict_on_an_unknown_tier_is_named_and_not_counted(runner, results):
    result = runner.invoke(app, ["judge-report", "out.jsonl", "--rules", "rules.yaml", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["overall"]["judged"], report["overall"]["expensive_better"]) == (2, 1)
    assert list(report["tiers"]) == ["small"]
    assert report["failures"] == [
        {
            "line": 3,
            "custom_id": "llmroute-judge:r3:premium::A=cheap",
            "reason": "tier 'premium' is not in rules.yaml (tiers: small, large); not counted",
        }
    ]


def test_the_default_rule_file_is_the_one_in_the_directory_else_the_built_in(runner, results):
    built_in = runner.invoke(app, ["judge-report", "out.jsonl", "--format", "json"])
    assert built_in.exit_code == 1  # the built-in tiers are cheap and expensive: no verdict counts
    assert built_in.stderr.strip() == "error: out.jsonl: no result gave a verdict (3 unusable, listed above)"
    reasons = [f["reason"] for f in json.loads(built_in.stdout)["failures"]]
    assert reasons[0] == ("tier 'small' is not in <built-in reference policy> (tiers: cheap, expensive); not counted")
    (results / "routes.yaml").write_text(RULES, encoding="utf-8")
    here = runner.invoke(app, ["judge-report", "out.jsonl", "--format", "json"])
    assert here.exit_code == 0, here.output
    assert json.loads(here.stdout)["overall"]["judged"] == 2


def test_the_table_names_the_unknown_tier(runner, results):
    result = runner.invoke(app, ["judge-report", "out.jsonl", "--rules", "rules.yaml"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "out.jsonl: 2 verdicts, 1 unusable results." in text
    assert "tier 'premium' is not in rules.yaml (tiers: small, large); not counted" in text


def test_a_broken_rule_file_is_a_located_error(runner, results):
    (results / "rules.yaml").write_text(RULES.replace("default: small", "default: medium"), encoding="utf-8")
    result = runner.invoke(app, ["judge-report", "out.jsonl", "--rules", "rules.yaml"])
    assert result.exit_code == 1
    assert result.stderr.startswith("rules.yaml:3:10: ")
    assert len(result.stderr.strip().splitlines()) == 1
