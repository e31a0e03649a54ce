"""Resource limits on hostile input: overlong lines, floods of blank lines, huge rule files, look-alike names."""

from __future__ import annotations

import gzip
import io
import json
import tracemalloc

import pytest

from llmroute_cli.cli import app
from llmroute_cli.logs.jsonl import Block, line_blocks


def chat(text: str = "hi") -> bytes:
    record = {
        "messages": [{"role": "user", "content": text}],
        "model": "gpt-4o",
        "usage": {"prompt_tokens": 5, "completion_tokens": 3},
    }
    return json.dumps(record).encode() + b"\n"


SIM = ["--days", "1", "--quiet", "--bootstrap", "0", "--jobs", "1", "--format", "json"]


def simulate(runner, path, *extra):
    return runner.invoke(app, ["simulate", str(path), *SIM, *extra])


@pytest.mark.parametrize("gz", [False, True], ids=["jsonl", "gzip"])
def test_a_line_over_16_mib_is_a_skipped_named_record(runner, tmp_path, gz):
    path = tmp_path / ("logs.jsonl.gz" if gz else "logs.jsonl")
    data = chat() + chat("a" * (16 << 20)) + chat()
    path.write_bytes(gzip.compress(data, 1) if gz else data)
    result = simulate(runner, path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["queries"] == 2
    assert report["input"]["skipped"] == 1
    assert report["input"]["errors"] == [f"{path}:2: line longer than 16,777,216 bytes (--max-line-bytes)"]


@pytest.mark.parametrize("gz", [False, True], ids=["jsonl", "gzip"])
def test_max_line_bytes_with_strict_is_an_error(runner, tmp_path, gz):
    path = tmp_path / ("logs.jsonl.gz" if gz else "logs.jsonl")
    data = chat() * 3 + chat("a" * 2000) + chat()
    path.write_bytes(gzip.compress(data) if gz else data)
    result = simulate(runner, path, "--max-line-bytes", "1000", "--strict")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {path}:4: line longer than 1,000 bytes (--max-line-bytes)"
    )


@pytest.mark.parametrize("extra", [[], ["--query-field", "messages.0.content"]], ids=["columns", "records"])
def test_an_overlong_line_among_short_ones_is_skipped_on_both_paths(runner, tmp_path, extra):
    path = tmp_path / "logs.jsonl"
    path.write_bytes(chat() * 500 + chat("a" * 5000) + chat() * 500)
    result = simulate(runner, path, "--max-line-bytes", "4096", *extra)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["queries"] == 1000
    assert report["input"]["errors"] == [f"{path}:501: line longer than 4,096 bytes (--max-line-bytes)"]


def test_max_line_bytes_must_be_positive(runner, tmp_path):
    path = tmp_path / "logs.jsonl"
    path.write_bytes(chat())
    result = simulate(runner, path, "--max-line-bytes", "0")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == "error: --max-line-bytes must be at least 1, got 0"


class Endless(io.RawIOBase):
    """``size`` bytes of "a", then a newline and one record, made as they are read."""

    def __init__(self, size: int) -> None:
        self.left, self.tail = size, b"\n" + chat()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.left:
            n = min(self.left, len(buffer))
            buffer[:n] = b"a" * n
            self.left -= n
            return n
        n = min(len(self.tail), len(buffer))
        buffer[:n], self.tail = self.tail[:n], self.tail[n:]
        return n


def test_an_overlong_line_is_read_past_without_being_held():
    tracemalloc.start()
    try:
        blocks = [(b.lines, sorted(b.long), b.each_line()) for b in line_blocks(Endless(200 << 20), 1 << 16, 100, None, 1 << 20)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert blocks == [(1, [0], [b"\n"]), (1, [], [chat()])]
    assert peak < 8 << 20  # a 200 MB line, in a buffer of its limit plus a block


def test_a_run_of_blank_lines_is_skipped_whole():
    data = chat() + b"\n" * 1_000_000 + b"  \r\n\t\n" + chat()
    block = Block.scan(data, len(data))
    assert block.lines == 1_000_004
    assert block.ends == [len(chat()), len(data)]  # two lines kept, not a million
    assert [n for n, _ in block.records(1)] == [1, 1_000_004]


def test_blank_lines_keep_the_line_numbers(runner, tmp_path):
    path = tmp_path / "logs.jsonl.gz"
    path.write_bytes(gzip.compress(chat() + b"\n" * 3_000_000 + b"{bad\n" + chat()))
    result = simulate(runner, path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["queries"] == 2
    assert report["input"]["errors"] == [f"{path}:3000002: invalid JSON at column 2: unexpected character, expected a string key"]


def rules_yaml(whens: list[str]) -> str:
    body = "".join(f"  - name: r{i}\n    when: {w}\n    route: {'cheap' if i % 2 else 'expensive'}\n" for i, w in enumerate(whens))
    return "tiers:\n  cheap: gpt-4o-mini\n  expensive: gpt-4o\ndefault: cheap\nrules:\n" + body


def shadowing_pairwise(policy):
    """The shadowing lint as it was: every earlier rule tried against every later one."""
    from llmroute_cli.rules.implication import implies

    found = []
    for i, later in enumerate(policy.rules):
        for earlier in policy.rules[:i]:
            if earlier.when.always() or implies(later.when, earlier.when):
                found.append((later.name, earlier.name))
                break
    return found


WHENS = [
    "{query: {contains: [Debug, trace]}}",
    "{query: {contains: [debugging], ignore_case: true}}",
    "{query: {contains: [debugging]}}",
    "{query: {contains: [xdebugx, tracer]}}",
    "{query: {words: [hello, bye]}}",
    "{query: {words: [HELLO]}}",
    "{query.chars: {gt: 100}}",
    "{query.chars: {gte: 150}}",
    "{query.chars: {eq: 120}}",
    "{query.chars: {lt: 10}}",
    "{context.chars: {lte: 5}}",
    "{metadata.plan: {eq: free}}",
    "{metadata.plan: {in: [free, pro]}}",
    "{all: [{query: {contains: [sql]}}, {context.chars: {lt: 50}}]}",
    "{all: [{query: {contains: [sqlite]}}, {context.chars: {lt: 40}}, {query.chars: {gt: 1}}]}",
    "{any: [{query: {contains: [ab]}}, {metadata.plan: {eq: x}}]}",
    "{query: {contains: [abc]}}",
    "{not: {query: {contains: [zz]}}}",
    "{not: {query: {contains: [zz]}}}",
    "{query: {regex: 'a+b'}}",
    "{query: {regex: 'a+b'}}",
    "{query.chars: {gte: 0}}",
]


@pytest.mark.parametrize("seed", range(30))
def test_shadowing_through_the_index_is_the_pairwise_result(seed):
    import random

    from llmroute_cli.rules.lint import shadowed_rules
    from llmroute_cli.rules.policy import load_policy

    rng = random.Random(seed)
    whens = [rng.choice(WHENS) for _ in range(rng.randint(2, 25))]
    if seed % 3 == 0:
        whens = [w for w in whens if "gte: 0" not in w]  # no catch-all, so later pairs are reached
    policy = load_policy(rules_yaml(whens), "r.yaml")
    got = [p.message for p in shadowed_rules(policy)]
    want = [f"rule '{a}' can never match: rule '{b}'" for a, b in shadowing_pairwise(policy)]
    assert [m.split(" (line")[0] for m in got] == want


def test_shadowing_compares_only_rules_that_can_imply_each_other(monkeypatch):
    from llmroute_cli.rules import lint
    from llmroute_cli.rules.policy import load_policy

    policy = load_policy(rules_yaml([f"{{query: {{contains: [kw{i:04d}x]}}}}" for i in range(2000)]), "r.yaml")
    calls = []
    real = lint.implies
    monkeypatch.setattr(lint, "implies", lambda b, a: calls.append(1) or real(b, a))
    assert lint.shadowed_rules(policy) == []
    assert len(calls) < 20_000  # pairwise: 1,999,000


LOOKALIKE = """\
tiers:
  cheap: gpt-4o-mini
  cheaр: gpt-4o
default: cheap
rules:
  - name: code
    when: {query: {contains: ["def "]}}
    route: cheaр
  - name: " Code"
    when: {query: {contains: ["class "]}}
    route: cheap
"""


def test_look_alike_tier_and_rule_names_are_located_warnings(runner, tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(LOOKALIKE, encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == [
        f"{path}:3:10: warning: tier 'cheaр' looks like tier 'cheap' (line 2) (U+0440 CYRILLIC SMALL LETTER ER): "
        "rename one",
        f"{path}:9:5: warning: rule ' Code' looks like rule 'code' (line 6): rename one",
    ]
    assert runner.invoke(app, ["check", "--strict", str(path)]).exit_code == 1


def test_names_that_only_share_letters_are_not_look_alikes():
    from llmroute_cli.rules.lookalike import skeleton

    assert skeleton("cheaр") == skeleton("CHEAP") == skeleton("che ap") == "cheap"
    assert skeleton("Ｃｈｅａｐ") == "cheap"  # fullwidth, by NFKC
    assert skeleton("cheap") != skeleton("cheapest")
