"""Golden cases (`llmroute test`) and the rule-file JSON Schema (`llmroute schema`)."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from llmroute_cli.cli import app
from llmroute_cli.rules import cases, policy
from llmroute_cli.rules.schema import rule_file_schema

HEAD = "tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\nrules:\n  - name: code\n    when: {query: {words: [debug]}}\n    route: expensive\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_shipped_cases_pass_and_cover_every_rule(runner, root):
    result = runner.invoke(app, ["test", str(root / "routes.yaml")])
    assert result.exit_code == 0, result.stdout
    assert result.stdout.endswith(" 11 passed, 0 failed\n")
    shipped = yaml.safe_load((root / "routes.yaml").read_text())
    assert {c["rule"] for c in shipped["cases"]} >= {r["name"] for r in shipped["rules"]} | {None}
    names = " ".join(c["name"] for c in shipped["cases"])
    assert "'classic' contains 'class'" in names and "'capital' contains 'api'" in names and "empty query" in names


def test_failure_is_explained_and_exits_1(runner, write):
    write("r.yaml", HEAD + "cases:\n  - name: trap\n    query: please debug\n    tier: cheap\n"
          "  - query: hello\n    tier: cheap\n    rule: null\n")
    result = runner.invoke(app, ["test", "r.yaml"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "r.yaml:8: FAIL case 'trap': expected tier 'cheap', got tier 'expensive' by rule 'code'"
    assert "    ✓ rule 'code' → expensive: matched" in lines
    assert any("has any of the words ['debug'] [found 'debug']" in line for line in lines)
    assert lines[-1] == "r.yaml: 1 passed, 1 failed"


def test_rule_expectation_is_checked(runner, write):
    write("r.yaml", HEAD + "cases:\n  - query: hello\n    tier: cheap\n    rule: code\n")
    result = runner.invoke(app, ["test", "r.yaml"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "r.yaml:8: FAIL case '#1': expected tier 'cheap' by rule 'code', got tier 'cheap' by rule (default)"
    )


def test_cases_from_a_pointed_file_with_repeat(runner, write):
    write("r.yaml", HEAD + "cases: more/cases.yaml\n")
    write("more/cases.yaml", "- query: {repeat: 'debug ', times: 3}\n  tier: expensive\n  rule: code\n")
    result = runner.invoke(app, ["test", "r.yaml"])
    assert (result.exit_code, result.stdout) == (0, "r.yaml: 1 passed, 0 failed\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cases:\n  - query: hi\n    tier: premium\n", "r.yaml:9:11: case #1: 'tier' must be one of: cheap, expensive; got 'premium'"),
        ("cases:\n  - query: hi\n    tier: cheap\n    rule: cod\n", "r.yaml:10:11: case #1: unknown rule 'cod' (did you mean 'code'?)"),
        ("cases:\n  - tier: cheap\n", "r.yaml:8:5: case #1: 'query' is required"),
        ("cases:\n  - query: hi\n    tier: cheap\n    expect: x\n", "r.yaml:10:5: case #1: unknown key 'expect'"),
        ("cases:\n  - query: {repeat: x}\n    tier: cheap\n", "r.yaml:8:12: case #1: 'query' must be a string or {repeat: TEXT, times: N} (at most 10,000,000 characters)"),
        ("cases: nope.yaml\n", "r.yaml:7:8: cases file 'nope.yaml' not found (looked for nope.yaml)"),
        ("cases: 5\n", "r.yaml:7:8: 'cases' must be a list of cases or a path to a YAML file of them, got a number (5)"),
    ],
)
def test_bad_cases_are_located(runner, write, text, expected):
    write("r.yaml", HEAD + text)
    result = runner.invoke(app, ["check", "r.yaml"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [expected]


def test_no_cases_is_misuse(runner, write):
    write("r.yaml", HEAD)
    result = runner.invoke(app, ["test", "r.yaml"])
    assert result.exit_code == 2
    assert result.stderr == "error: r.yaml: no cases to run; add a 'cases:' list (see README, 'Golden cases')\n"


def test_schema_command_prints_a_valid_schema_that_accepts_the_shipped_file(runner, root):
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load((root / "routes.yaml").read_text()), schema)


def test_schema_rejects_what_the_validator_rejects():
    schema = rule_file_schema()
    bad = {"tiers": {"cheap": "gpt-4o-mini"}, "default": "cheap", "rules": [{"name": "x", "route": "cheap", "when": {"qeury": {}}}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_schema_names_every_key_the_validator_knows():
    schema = rule_file_schema()
    assert set(schema["properties"]) == set(policy.TOP_KEYS)
    assert set(schema["properties"]["rules"]["items"]["properties"]) == set(policy.RULE_KEYS)
    assert set(schema["$defs"]["case"]["properties"]) == set(cases.CASE_KEYS)
    from llmroute_cli.rules.conditions import META_OPS

    assert set(schema["$defs"]["meta"]["oneOf"][2]["properties"]) == set(META_OPS)
