"""Which texts a policy reads whole, and which only by length (the reader skips building those)."""

from __future__ import annotations

from llmroute_cli.rules.policy import load_policy
from llmroute_cli.rules.reads import texts_read

HEAD = "version: 1\ntiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\nrules:\n"


def reads(*whens: str) -> frozenset[str]:
    rules = "".join(f"  - {{name: r{i}, when: {w}, route: expensive}}\n" for i, w in enumerate(whens))
    return texts_read([load_policy(HEAD + rules, "t.yaml")])


def test_character_counts_need_no_text_and_text_tests_and_token_counts_do():
    assert reads("{context.chars: {gt: 8000}}", "{system.chars: {lt: 10}}", "{request.chars: {gt: 5}}") == set()
    assert reads("{context: {contains: [Rome]}}") == {"context"}
    assert reads("{system: {regex: 'JSON'}}") == {"system"}
    assert reads("{context.tokens: {gt: 100}}") == {"context"}
    assert reads("{request.tokens: {gt: 100}}") == {"query", "context"}
    assert reads("{request: {contains: [x]}}") == {"query", "context"}
    assert reads("{not: {any: [{query: {contains: [a]}}, {metadata.plan: {eq: pro}}]}}") == {"query"}


def test_the_shipped_policy_reads_the_query_only(root):
    assert texts_read([load_policy((root / "routes.yaml").read_text(), "routes.yaml")]) == {"query"}
