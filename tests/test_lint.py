"""`llmroute check` lints: shadowed rules, blank keywords, substring traps, one-tier policies."""

from __future__ import annotations

import pytest

from llmroute_cli.cli import app
from llmroute_cli.rules.implication import implies
from llmroute_cli.rules.lint import inner_matches
from llmroute_cli.rules.policy import load_policy

HEAD = "tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\nrules:\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def rule(name, when, route="expensive"):
    return f"  - name: {name}\n    when: {when}\n    route: {route}\n"


def errors(lines):
    return [line for line in lines if ": warning: " not in line]


def check(runner, write, text, *args):
    write("r.yaml", text)
    result = runner.invoke(app, ["check", "r.yaml", *args])
    return result.exit_code, result.stdout.splitlines()


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("{query.chars: {gt: 100}}", "{query.chars: {gt: 200}}"),
        ("{query.chars: {gte: 100}}", "{query.chars: {eq: 100}}"),
        ("{query: {contains: [debug, fix]}}", "{query: {contains: debugging}}"),
        ("{query: {contains: [Debug], ignore_case: true}}", "{query: {contains: [DEBUG]}}"),
        ("{query: {words: [debug, fix]}}", "{query: {words: [FIX]}}"),
        ("{metadata.plan: {in: [pro, team]}}", "{metadata.plan: pro}"),
        ("{metadata.age: {lt: 30}}", "{metadata.age: {lte: 18}}"),
        ("{context.chars: {gt: 8000}}", "{all: [{context.chars: {gt: 9000}}, {query.chars: {lt: 5}}]}"),
        ("{any: [{query.chars: {lt: 10}}, {context.chars: {gt: 5}}]}", "{query.chars: {lt: 3}}"),
    ],
)
def test_shadowed_rule_is_an_error(runner, write, earlier, later):
    code, lines = check(runner, write, HEAD + rule("broad", earlier) + rule("narrow", later, "cheap"))
    assert code == 1
    assert errors(lines) == ["r.yaml:7:5: rule 'narrow' can never match: rule 'broad' (line 4) matches every request 'narrow' would"]


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("{query.chars: {gt: 200}}", "{query.chars: {gt: 100}}"),
        ("{query.chars: {gt: 100}}", "{query.chars: {gte: 100}}"),
        ("{query: {contains: [debugging]}}", "{query: {contains: debug}}"),
        ("{query: {contains: [debug]}}", "{query: {contains: [DEBUG], ignore_case: true}}"),
        ("{query: {contains: [debug]}}", "{context: {contains: [debug]}}"),
        ("{metadata.plan: pro}", "{metadata.plan: {in: [pro, team]}}"),
        ("{all: [{context.chars: {gt: 8000}}, {query.chars: {lt: 5}}]}", "{context.chars: {gt: 9000}}"),
    ],
)
def test_narrower_earlier_rule_does_not_shadow(earlier, later):
    policy = load_policy(HEAD + rule("a", earlier) + rule("b", later), "r.yaml")
    assert not implies(policy.rules[1].when, policy.rules[0].when)


def test_catch_all_shadows_everything_after(runner, write):
    text = HEAD + "  - name: all\n    route: cheap\n" + rule("code", "{query: {words: [def]}}")
    code, lines = check(runner, write, text)
    assert (code, lines) == (1, ["r.yaml:6:5: rule 'code' can never match: rule 'all' (line 4) always matches"])


def test_blank_keyword(runner, write):
    code, lines = check(runner, write, HEAD + rule("b", "{query: {contains: [fix, '']}}"))
    assert (code, errors(lines)) == (1, ["r.yaml:5:30: rule 'b': empty keyword '' in 'query' matches every request; remove it"])


def test_substring_trap_is_a_warning_with_a_fix(runner, write):
    code, lines = check(runner, write, HEAD + rule("k", "{query: {contains: [api]}}"))
    assert code == 0
    assert lines[0].startswith("r.yaml:5:30: warning: rule 'k': keyword 'api' also matches inside ")
    assert "capital" in inner_matches("api")
    assert lines[0].endswith("; use 'words' for whole-word matching")
    assert check(runner, write, HEAD + rule("k", "{query: {contains: [api]}}"), "--strict")[0] == 1
    # whole words and inflections are not traps
    assert check(runner, write, HEAD + rule("k", "{query: {words: [api]}}"))[1][0].startswith("r.yaml: ok")
    assert "classes" not in inner_matches("class") and "classic" in inner_matches("class")


def test_single_tier_policy_warns(runner, write):
    code, lines = check(runner, write, HEAD + rule("a", "{query.chars: {lt: 5}}", "cheap"))
    assert code == 0
    assert lines[0] == (
        "r.yaml:1:1: warning: every rule and the default route to tier 'cheap': the policy sends everything to one tier"
    )


def test_never_fired_and_one_tier_on_logs(runner, write):
    import json

    write("logs.jsonl", "".join(json.dumps({"query": q}) + "\n" for q in ["hi", "hello there", "yo"]))
    text = HEAD + rule("long", "{query.chars: {gt: 100}}") + rule("short", "{query.chars: {lt: 3}}", "cheap")
    code, lines = check(runner, write, text, "--logs", "logs.jsonl")
    assert code == 0
    assert lines == [
        "r.yaml:1:1: warning: all 3 logged requests route to tier 'cheap'",
        "r.yaml:4:5: warning: rule 'long' never fired on 3 logged requests",
        "r.yaml: ok (2 rules, tiers: cheap, expensive; default: cheap)",
    ]
