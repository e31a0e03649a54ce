"""``llmroute compare``: policies beside all-cheap, all-expensive, random at the same share and the oracle."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app

PRICE = {"gpt-4o": (2.50, 10.00), "gpt-4o-mini": (0.15, 0.60)}  # USD per 1M input / output tokens
# (query, prompt tokens, completion tokens, gpt-4o correct, gpt-4o-mini correct)
REQUESTS = [
    ("short one", 100, 50, True, True),
    ("short two", 200, 20, True, False),  # needed expensive
    ("a much longer question that goes on and on about many things", 1000, 300, True, False),  # needed
    ("another long question, asking for a careful multi-step derivation", 800, 400, False, False),
    ("short three", 50, 10, False, True),
    ("a third long question that the cheap model answers perfectly well", 600, 100, True, True),
]
RULES = """\
tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}
default: cheap
rules:
  - name: long
    when:
      query.chars: {gt: 40}
    route: expensive
"""


def cost(model: str, tokens_in: int, tokens_out: int) -> float:
    p_in, p_out = PRICE[model]
    return (tokens_in * p_in + tokens_out * p_out) / 1e6


@pytest.fixture
def report(runner, tmp_path):
    log = tmp_path / "log.jsonl"
    records = [
        {
            "id": f"r{i}",
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": q}],
            "usage": {"prompt_tokens": pin, "completion_tokens": pout},
            "correct": {"gpt-4o": e, "gpt-4o-mini": c},
        }
        for i, (q, pin, pout, e, c) in enumerate(REQUESTS)
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    (tmp_path / "long.yaml").write_text(RULES)
    args = ["compare", str(log), "--rules", str(tmp_path / "long.yaml"), "--days", "1", "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return {p["policy"]: p for p in json.loads(result.stdout)["policies"]}


def test_every_row_is_the_arithmetic_of_its_routing(report, tmp_path):
    long = [len(q) > 40 for q, *_ in REQUESTS]
    needed = [e and not c for *_, e, c in REQUESTS]
    on = lambda picks: sum(  # noqa: E731
        cost("gpt-4o" if pick else "gpt-4o-mini", pin, pout)
        for pick, (_, pin, pout, _, _) in zip(picks, REQUESTS, strict=True)
    )
    cheap, dear, policy, oracle = on([False] * 6), on([True] * 6), on(long), on(needed)
    rows = {
        "all cheap": cheap,
        "all expensive": dear,
        str(tmp_path / "long.yaml"): policy,
        "oracle": oracle,
    }
    for name, daily in rows.items():
        assert report[name]["daily_cost_usd"] == pytest.approx(daily, rel=1e-12)
        assert report[name]["yearly_cost_usd"] == pytest.approx(daily * 365, rel=1e-12)
        assert report[name]["saved_vs_all_expensive"] == pytest.approx(1 - daily / dear, rel=1e-12)
    mine = report[str(tmp_path / "long.yaml")]
    assert mine["expensive_share"] == 3 / 6
    # Sent cheap: requests 0, 1, 4; request 1 needed the expensive tier.
    assert mine["under_routing"] == pytest.approx(1 / 3)
    # Accuracy: all cheap 3/6, all expensive 4/6; routed: 0 right, 1 wrong, 2 right, 3 wrong, 4 right, 5 right = 4/6.
    assert mine["gap_recovered"]["correct"] == pytest.approx((4 / 6 - 3 / 6) / (4 / 6 - 3 / 6))
    oracle_q = sum(e if n else c for n, (*_, e, c) in zip(needed, REQUESTS, strict=True)) / 6  # 5/6
    assert report["oracle"]["gap_recovered"]["correct"] == pytest.approx((oracle_q - 3 / 6) / (4 / 6 - 3 / 6))
    assert report["oracle"]["under_routing"] == 0.0 and report["oracle"]["expensive_share"] == pytest.approx(2 / 6, rel=1e-14)


def test_random_at_the_same_share_is_its_expectation(report, tmp_path):
    rand = report["random at 50.0%"]
    assert rand["like"] == str(tmp_path / "long.yaml")
    s = 0.5
    expected = s * report["all expensive"]["daily_cost_usd"] + (1 - s) * report["all cheap"]["daily_cost_usd"]
    assert rand["daily_cost_usd"] == pytest.approx(expected, rel=1e-12)
    assert rand["gap_recovered"]["correct"] == s
    assert rand["under_routing"] == pytest.approx(2 / 6)  # the base rate: 2 of 6 needed the expensive tier


def test_compare_on_real_mmlu_outcomes_ranks_the_oracle_first(runner, root, tmp_path):
    clf = tmp_path / "length.yaml"
    clf.write_text(RULES.replace("gt: 40", "gt: 600"))
    logs = str(root / "sample_data" / "mmlu_labeled.jsonl.gz")
    args = ["compare", logs, "--rules", str(root / "routes.yaml"), "--rules", str(clf), "--days", "1"]
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    for name in ("routes.yaml", "random at", "all cheap", "all expensive", "oracle"):
        assert name in table.stdout
    result = runner.invoke(app, [*args, "--format", "json"])
    rows = {p["policy"]: p for p in json.loads(result.stdout)["policies"]}
    gap = {name: r["gap_recovered"]["correct"] for name, r in rows.items()}
    assert gap["oracle"] > max(g for n, g in gap.items() if n != "oracle")
    assert rows["all cheap"]["under_routing"] == pytest.approx(1706 / 9454)  # MMLU: gpt-4 right, Mixtral wrong
    markdown = runner.invoke(app, [*args, "--format", "markdown"])
    assert markdown.stdout.startswith("## llmroute compare") and "| oracle |" in markdown.stdout.replace("**", "")


def test_compare_writes_a_chart_only_with_labels(runner, root, tmp_path):
    logs = str(root / "sample_data" / "chat_logs_small.jsonl")
    ok = runner.invoke(app, ["compare", logs, "--rules", str(root / "routes.yaml"), "--chart", str(tmp_path / "c.png")])
    assert ok.exit_code == 0 and (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")
    plain = tmp_path / "plain.jsonl"
    plain.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    no = runner.invoke(
        app,
        [
            "compare",
            str(plain),
            "--rules",
            str(root / "routes.yaml"),
            "--days",
            "1",
            "--chart",
            str(tmp_path / "d.png"),
        ],
    )
    assert no.exit_code == 2 and "--chart needs logs with outcome labels" in no.stderr


def test_the_table_names_each_rule_file_by_its_shortest_unambiguous_path(runner, root, tmp_path):
    deep = tmp_path / ("a-directory-with-a-long-name-" * 4) / "team"
    deep.mkdir(parents=True)
    (deep / "routes.yaml").write_text((root / "routes.yaml").read_text())
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "routes.yaml").write_text(RULES)
    logs = str(root / "sample_data" / "mmlu_labeled.jsonl.gz")
    args = ["compare", logs, "--rules", str(deep / "routes.yaml"), "--rules", str(tmp_path / "mine" / "routes.yaml")]
    table = runner.invoke(app, [*args, "--days", "1"])
    assert table.exit_code == 0, table.output
    rows = [line.split("│")[1].strip() for line in table.stdout.splitlines() if line.startswith("│")]
    assert "team/routes.yaml" in rows
    assert "mine/routes.yaml" in rows


def test_short_names_keep_just_enough_of_each_path():
    from llmroute_cli.render.compare import short_names

    assert short_names(["/a/b/r.yaml", "/c/b/r.yaml", "/c/d/r.yaml"]) == {
        "/a/b/r.yaml": "a/b/r.yaml",
        "/c/b/r.yaml": "c/b/r.yaml",
        "/c/d/r.yaml": "d/r.yaml",
    }
    assert short_names(["r.yaml", "x/r.yaml"]) == {"r.yaml": "r.yaml", "x/r.yaml": "x/r.yaml"}
