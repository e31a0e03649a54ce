"""`llmroute check`: every problem is FILE:LINE:COL: message; exit 0 ok, 1 problems, 2 misuse."""

from __future__ import annotations

import pytest

from llmroute_cli.cli import app

HEAD = "tiers:\n  cheap: gpt-4o-mini\n  expensive: gpt-4o\ndefault: cheap\nrules:\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def check(runner, path):
    result = runner.invoke(app, ["check", path.name if path.parent.samefile(".") else str(path)])
    return result.exit_code, result.stdout


def test_shipped_rules_are_ok(runner, root):
    code, out = check(runner, root / "routes.yaml")
    assert code == 0
    assert out.endswith(": ok (3 rules, tiers: cheap, expensive; default: cheap)\n")


CASES = [
    (  # unknown key, closest suggested
        "tiers: {cheap: gpt-4o-mini}\ndefault: cheap\nrulez: []\n",
        "r.yaml:3:1: unknown top-level key 'rulez' (did you mean 'rules'?)",
    ),
    (  # wrong type
        HEAD + "  - name: short\n    when:\n      query.chars: {lt: '200'}\n    route: cheap\n",
        "r.yaml:8:25: rule 'short': 'query.chars' lt takes a number, got a string ('200')",
    ),
    (  # unknown tier
        HEAD + "  - name: long-context\n    when: {context.chars: {gt: 8000}}\n    route: premum\n",
        "r.yaml:8:12: rule 'long-context': unknown tier 'premum'; expected one of: cheap, expensive",
    ),
    (  # duplicate names
        HEAD + "  - name: a\n    route: cheap\n  - name: a\n    when: {query.chars: {gt: 1}}\n    route: cheap\n",
        "r.yaml:8:11: duplicate rule name 'a' (first at line 6)",
    ),
    (  # regex that does not compile
        HEAD + "  - name: rx\n    when: {query: {regex: '(unclosed'}}\n    route: expensive\n",
        "r.yaml:7:27: rule 'rx': regex '(unclosed' does not compile: missing ): (unclosed "
        "(rule regexes use RE2 syntax: no backreferences or lookaround, linear time)",
    ),
    (  # a tier whose model has no price
        "tiers:\n  cheap: gpt-4o-mini\n  big: gpt-4o-2099\ndefault: cheap\n",
        "r.yaml:3:8: tier 'big': no price for model 'gpt-4o-2099' (did you mean gpt-4o, gpt-4o-mini, gpt-4.1?); "
        "add it under 'prices:' in the rule file or pass --prices FILE",
    ),
    (  # unreachable after a catch-all
        HEAD + "  - name: everything\n    route: cheap\n  - name: code\n    when: {query: {contains: def}}\n"
        "    route: expensive\n",
        "r.yaml:8:5: rule 'code' can never match: rule 'everything' (line 6) always matches",
    ),
    (  # unknown field, suggestion
        HEAD + "  - name: q\n    when: {qeury.chars: {lt: 5}}\n    route: cheap\n",
        "r.yaml:7:12: rule 'q': unknown field 'qeury.chars' (did you mean 'query.chars'?)",
    ),
    (  # unknown operator, suggestion
        HEAD + "  - name: q\n    when: {query: {contain: [x]}}\n    route: cheap\n",
        "r.yaml:7:20: rule 'q': unknown operator 'contain' for 'query' (did you mean 'contains'?)",
    ),
    (  # YAML syntax error
        HEAD + "  - name: x\n    when: {query.chars: {lt: 3}\n",
        "r.yaml:8:1: YAML syntax error: expected ',' or '}', but got '<stream end>'",
    ),
    (  # unsafe tag
        "tiers: !!python/object:os.system {}\n",
        "r.yaml:1:8: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed: a rule file is plain data",
    ),
    ("", "r.yaml:1:1: expected a mapping with 'tiers', 'default' and 'rules', got an empty file"),
    ("- a\n", "r.yaml:1:1: expected a mapping with 'tiers', 'default' and 'rules', got a list"),
    (  # missing default
        "tiers: {cheap: gpt-4o-mini}\n",
        "r.yaml:1:1: missing 'default': the tier for requests no rule matches",
    ),
    (  # bad default
        "tiers: {cheap: gpt-4o-mini}\ndefault: free\n",
        "r.yaml:2:10: unknown default tier 'free'; expected one of: cheap",
    ),
    (  # metadata operator argument
        HEAD + "  - name: plan\n    when: {metadata.user.plan: {in: pro}}\n    route: cheap\n",
        "r.yaml:7:37: rule 'plan': 'metadata.user.plan' in takes a list of values, got a string ('pro')",
    ),
    (  # ignore_case on words
        HEAD + "  - name: w\n    when: {query: {words: [x], ignore_case: true}}\n    route: cheap\n",
        "r.yaml:7:32: rule 'w': 'ignore_case' applies to 'contains' and 'regex' ('words' always ignore case)",
    ),
    (  # empty list of keywords
        HEAD + "  - name: w\n    when: {query: {contains: []}}\n    route: cheap\n",
        "r.yaml:7:30: rule 'w': 'contains' takes a string or a non-empty list of strings, got a list",
    ),
    (  # price table entry
        "tiers: {cheap: mine}\ndefault: cheap\nprices:\n  mine: {input: -1, output: 2}\n",
        "r.yaml:4:17: price 'input' of 'mine' must be a finite number >= 0, got -1",
    ),
    (  # duplicate YAML key
        "tiers: {cheap: gpt-4o-mini}\ndefault: cheap\ndefault: cheap\n",
        "r.yaml:3:1: duplicate key 'default'",
    ),
    (  # combinator needs a list
        HEAD + "  - name: c\n    when: {any: {query.chars: {lt: 3}}}\n    route: cheap\n",
        "r.yaml:7:17: rule 'c': 'any' takes a list of conditions, got a mapping",
    ),
    (  # rule without route
        HEAD + "  - name: c\n    when: {query.chars: {lt: 3}}\n",
        "r.yaml:6:5: rule 'c' needs 'route': the tier it sends requests to",
    ),
    (  # YAML's true is not version 1
        "version: true\ntiers: {cheap: gpt-4o-mini}\ndefault: cheap\n",
        "r.yaml:1:10: unsupported version True; this llmroute reads version 1",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_problem_is_reported_exactly(runner, write, text, expected):
    code, out = check(runner, write("r.yaml", text))
    assert code == 1
    assert expected in out.splitlines(), out


def test_all_problems_reported_in_file_order(runner, write):
    text = HEAD + "  - name: a\n    when: {qeury: {contains: x}}\n    route: premum\n"
    code, out = check(runner, write("r.yaml", text))
    assert code == 1
    assert out.splitlines() == [
        "r.yaml:7:12: rule 'a': unknown field 'qeury' (did you mean 'query'?)",
        "r.yaml:8:12: rule 'a': unknown tier 'premum'; expected one of: cheap, expensive",
    ]


def test_not_utf8(runner, tmp_path):
    path = tmp_path / "r.yaml"
    path.write_bytes(b"tiers:\n  cheap: caf\xe9\n")
    code, out = check(runner, path)
    assert (code, out) == (1, "r.yaml:2:13: not UTF-8 text; save the rule file as UTF-8\n")


def test_alias_bomb_is_refused_quickly(runner, write):
    lines = ["a: &a [1, 2]"] + [
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefg", "bcdefgh", strict=False)
    ]
    code, out = check(runner, write("r.yaml", "\n".join(lines) + "\n"))
    assert code == 1
    assert "file too large: over 100000 values" in out


def test_missing_file_is_misuse(runner, tmp_path):
    result = runner.invoke(app, ["check", "nope.yaml"])
    assert result.exit_code == 2
    assert result.stderr == "error: nope.yaml: no such file\n"


def test_bad_option_is_misuse(runner):
    assert runner.invoke(app, ["check", "--frobnicate"]).exit_code == 2


def test_never_a_traceback_on_garbage(runner, write):
    for text in ["{", "]]]", "tiers: [1, 2]\ndefault: [x]\nrules: 7\n", "rules:\n  - 5\n  - [when]\n", "\t\x00"]:
        result = runner.invoke(app, ["check", str(write("g.yaml", text))])
        assert result.exit_code == 1, text
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
