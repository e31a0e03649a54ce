"""A later rule partly unreachable because an earlier rule ignores what it tests: the lint and `check --logs`."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app
from llmroute_cli.rules.lint import partly_unreachable
from llmroute_cli.rules.policy import load_policy

HEAD = "tiers:\n  cheap: gpt-4o-mini\n  expensive: gpt-4o\ndefault: cheap\nrules:\n"
SHORT = "  - name: short\n    when: {query.chars: {lt: 20}}\n    route: cheap\n"
LONG = "  - name: long\n    when: {context.chars: {gt: 50}}\n    route: expensive\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def warnings(text: str) -> list[str]:
    return [str(p) for p in partly_unreachable(load_policy(text, "r.yaml"))]


def test_a_context_rule_after_a_query_only_rule_to_another_tier_is_warned_at_its_test():
    assert warnings(HEAD + SHORT + LONG) == [
        "r.yaml:10:32: warning: rule 'long' is partly unreachable: rule 'short' (line 6) routes to 'cheap' "
        "without testing context, so it takes the requests with context.chars > 50 that it also matches; "
        "test context there too, or move 'long' above it"
    ]


@pytest.mark.parametrize(
    "rules",
    [
        SHORT.replace("{query.chars: {lt: 20}}", "{query.chars: {lt: 20}, context.chars: {lte: 50}}") + LONG,
        SHORT.replace("cheap", "expensive") + LONG,  # same tier: nothing is lost
        SHORT.replace("query.chars", "request.chars") + LONG,  # request reads the context too
        "  - name: plan\n    when: {metadata.plan: free}\n    route: cheap\n" + LONG,  # an attribute, on purpose
        "  - name: all\n    route: cheap\n" + LONG,  # a catch-all is the shadowing lint's
    ],
    ids=["short-tests-context", "same-tier", "request-field", "metadata", "catch-all"],
)
def test_no_warning_when_the_earlier_rule_sees_the_field_or_cannot_take_the_request(rules):
    assert warnings(HEAD + rules) == []


def test_either_order_is_warned_since_each_rule_hides_requests_from_the_other():
    (only,) = warnings(HEAD + LONG + SHORT)
    assert only.startswith(
        "r.yaml:10:30: warning: rule 'short' is partly unreachable: rule 'long' (line 6) routes to 'expensive' without testing query,"
    )


def test_several_earlier_rules_are_counted_and_the_first_named():
    other = "  - name: hi\n    when: {query: {words: [hi]}}\n    route: cheap\n"
    (only,) = warnings(HEAD + SHORT + other + LONG)
    assert "rule 'short' (line 6) routes to 'cheap' without testing context (and 1 more earlier rule)," in only


def test_the_shipped_policy_is_explained_by_check(runner, root):
    result = runner.invoke(app, ["check", str(root / "routes.yaml")])
    assert result.exit_code == 0
    assert (
        f"{root / 'routes.yaml'}:39:27: warning: rule 'long-context' is partly unreachable: rule 'short-no-code' "
        "(line 18) routes to 'cheap' without testing context, so it takes the requests with context.chars > 8000 "
        "that it also matches; test context there too, or move 'long-context' above it\n"
    ) in result.stdout


def _log(tmp_path, requests):
    path = tmp_path / "logs.jsonl"
    path.write_text("".join(json.dumps({"query": q, "context": c}) + "\n" for q, c in requests))
    return path


def test_check_logs_counts_the_requests_the_later_rule_lost_and_who_took_them(runner, tmp_path):
    other = "  - name: hi\n    when: {query: {words: [hi]}}\n    route: cheap\n"
    (tmp_path / "r.yaml").write_text(HEAD + SHORT + other + LONG)
    long, short = "x" * 51, "x" * 50
    requests = [
        ("hi", long),  # short (query of 2 < 20) takes a long context
        ("hi there", long),  # short again
        ("say hi to the whole team please", long),  # 31 chars: not short; 'hi' takes it
        ("a question well over twenty characters", long),  # long decides it itself
        ("hi", short),  # not a long context: not counted
        ("a question well over twenty characters", ""),  # the default
    ]
    # Independently: long-context matches 4 (context 51 > 50); short took 2, hi took 1, long kept 1.
    result = runner.invoke(app, ["check", "r.yaml", "--logs", str(_log(tmp_path, requests))])
    assert result.exit_code == 0, result.output
    assert (
        "r.yaml:13:32: warning: rule 'long' would have taken 3 of 6 logged requests that earlier rules sent "
        "elsewhere: 2 by rule 'short' (to cheap), 1 by rule 'hi' (to cheap)\n"
    ) in result.stdout


def test_check_logs_says_zero_when_nothing_was_lost(runner, tmp_path):
    (tmp_path / "r.yaml").write_text(HEAD + SHORT + LONG)
    result = runner.invoke(app, ["check", "r.yaml", "--logs", str(_log(tmp_path, [("hi", ""), ("x" * 30, "y" * 60)]))])
    assert (
        "r.yaml:10:32: warning: rule 'long' would have taken 0 of 2 logged requests that earlier rules sent elsewhere\n"
        in result.stdout
    )


def _text(message) -> str:
    content = message["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def _long_and_short(path) -> int:
    """Requests of the sample whose last user message is under 200 characters without a code marker,
    and whose other messages, joined by a blank line, run over 8,000 characters."""
    n = 0
    for line in path.read_text("utf-8").splitlines():
        messages = json.loads(line)["messages"]
        last = max(i for i, m in enumerate(messages) if m["role"] == "user")
        query = _text(messages[last])
        context = "\n\n".join(_text(m) for i, m in enumerate(messages) if i != last)
        code = any(marker in query for marker in ("```", "def ", "function "))
        n += len(query) < 200 and not code and len(context) > 8000
    return n


def test_on_the_sample_check_logs_counts_what_the_context_aware_example_moves(runner, root):
    sample = root / "sample_data" / "chat_logs.jsonl"
    expected = _long_and_short(sample)
    result = runner.invoke(app, ["check", str(root / "routes.yaml"), "--logs", str(sample)])
    assert result.exit_code == 0, result.output
    assert (
        f"rule 'long-context' would have taken {expected:,} of 2,920 logged requests that earlier rules sent "
        f"elsewhere: {expected:,} by rule 'short-no-code' (to cheap)\n"
    ) in result.stdout
    moved = runner.invoke(
        app,
        [
            "diff",
            str(root / "routes.yaml"),
            str(root / "examples" / "routes-context-aware.yaml"),
            "--logs",
            str(sample),
        ],
    )
    assert f"cheap → expensive: {expected:,} " in moved.stdout
    assert f"long-context: 32 → {32 + expected:,} (+{expected:,})" in moved.stdout


def test_the_context_aware_example_passes_check_and_its_cases(runner, root):
    example = str(root / "examples" / "routes-context-aware.yaml")
    checked = runner.invoke(app, ["check", "--strict", example])
    assert "partly unreachable" not in checked.stdout
    tested = runner.invoke(app, ["test", example])
    assert tested.exit_code == 0
    assert tested.stdout.endswith("13 passed, 0 failed\n")
