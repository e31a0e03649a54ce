"""Latency before and after routing: logged latencies, per-model medians for calls not logged, cascades wait twice."""

from __future__ import annotations

import json

import pytest

from llmroute_cli.cli import app
from llmroute_cli.simulate.latency import nearest_rank

RULES = """\
tiers:
  cheap: gpt-4o-mini
  expensive: gpt-4o
  try-cheap: {cascade: [cheap, expensive], escalate: {metadata.confidence: {lt: 8}}}
default: try-cheap
rules:
  - name: code
    when: {query: {contains: "def "}}
    route: expensive
"""
# (query, logged model, latency ms, confidence or None)
REQUESTS = [
    ("hello", "gpt-4o-mini", 200, 9),  # kept: its own mini call, 200
    ("a hard one", "gpt-4o-mini", 400, 3),  # escalated: own mini 400 + gpt-4o median 2000
    ("def f(x): ...", "gpt-4o", 3000, None),  # code → gpt-4o, its own 3000
    ("no signal", "gpt-4o", 1000, None),  # kept on mini: mini median 200
    ("unsure but fine", "gpt-4o", 2000, 7),  # escalated: mini median 200 + own gpt-4o 2000
]


def write(tmp_path, requests, rules=RULES):
    (tmp_path / "r.yaml").write_text(rules)
    lines = []
    for i, (q, model, ms, conf) in enumerate(requests):
        r = {"id": f"r{i}", "model": model, "messages": [{"role": "user", "content": q}], "latency_ms": ms}
        r["usage"] = {"prompt_tokens": 100, "completion_tokens": 10}
        if conf is not None:
            r["metadata"] = {"confidence": conf}
        lines.append(json.dumps(r) + "\n")
    (tmp_path / "log.jsonl").write_text("".join(lines))
    return ["simulate", str(tmp_path / "log.jsonl"), "--rules", str(tmp_path / "r.yaml"), "--days", "1"]


def test_nearest_rank_is_the_smallest_value_with_p_percent_at_or_below():
    import numpy as np

    values = np.array([5.0, 1.0, 4.0, 2.0, 3.0])
    assert [nearest_rank(values, p) for p in (1, 20, 21, 50, 95, 100)] == [1.0, 1.0, 2.0, 3.0, 5.0, 5.0]
    assert nearest_rank(np.array([200.0, 400.0]), 50) == 200.0


def test_cascade_latency_adds_the_first_call_on_escalated_requests(runner, tmp_path):
    result = runner.invoke(app, [*write(tmp_path, REQUESTS), "--format", "json"])
    assert result.exit_code == 0, result.output
    lat = json.loads(result.stdout)["latency"]
    # medians (nearest rank): gpt-4o-mini [200, 400] -> 200; gpt-4o [1000, 2000, 3000] -> 2000
    # before: [200, 400, 1000, 2000, 3000]; after: [200, 2400, 3000, 200, 2200] sorted [200, 200, 2200, 2400, 3000]
    assert lat["before_ms"] == {"p50": 1000.0, "p95": 3000.0}
    assert lat["after_ms"] == {"p50": 2200.0, "p95": 3000.0}
    assert lat["added_ms"] == {"p50": 1200.0, "p95": 0.0}
    assert (lat["requests"], lat["escalated"], lat["estimated_calls"]) == (5, 2, 3)


def test_the_table_and_markdown_say_latency_before_and_after(runner, tmp_path):
    args = write(tmp_path, REQUESTS)
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    text = " ".join(table.stdout.split())
    assert "Latency over the 5 requests that logged one: p50 1,000 ms as logged → 2,200 ms as routed" in text
    assert "p95 3,000 ms → 3,000 ms (nearest rank)" in text
    assert "3 routed calls timed by their model's median logged latency; 2 escalated requests wait" in text
    md = runner.invoke(app, [*args, "--format", "markdown"])
    assert "### Latency" in md.stdout and "### Cascades" in md.stdout
    csv = runner.invoke(app, [*args, "--format", "csv"]).stdout.splitlines()
    assert sum(line.startswith("cascade,(default) at verifier error") for line in csv) == 4  # 0, 0.1, 0.2, 0.4


def test_after_is_not_guessed_for_a_model_that_never_logged_a_latency(runner, tmp_path):
    only_4o = [(q, "gpt-4o", ms, conf) for q, _, ms, conf in REQUESTS]
    result = runner.invoke(app, [*write(tmp_path, only_4o), "--format", "json"])
    lat = json.loads(result.stdout)["latency"]
    assert lat["after_ms"] is None and lat["missing_models"] == ["gpt-4o-mini"]
    table = " ".join(runner.invoke(app, write(tmp_path, only_4o)).stdout.split())
    assert "as routed: n/a, no request logged a latency on gpt-4o-mini, where the policy sends some." in table


def test_logs_without_latency_have_no_latency_section(runner, tmp_path):
    args = write(tmp_path, REQUESTS)
    text = (tmp_path / "log.jsonl").read_text().replace(', "latency_ms": ', ', "latency_x": ')
    (tmp_path / "log.jsonl").write_text(text)
    assert "latency" not in json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sharded_runs_give_the_same_latency(runner, tmp_path, jobs):
    requests = [
        (f"q{i} " + "x" * (i % 7), "gpt-4o" if i % 3 else "gpt-4o-mini", 100 + i * 7 % 900, i % 10) for i in range(3000)
    ]
    args = [*write(tmp_path, requests), "--format", "json", "--jobs", jobs, "--bootstrap", "0"]
    lat = json.loads(runner.invoke(app, args).stdout)["latency"]
    ms = sorted(100 + i * 7 % 900 for i in range(3000))
    assert lat["before_ms"] == {"p50": float(ms[1499]), "p95": float(ms[2849])}
    assert lat["requests"] == 3000


def test_compare_shows_added_latency_and_the_cascade_scenarios(runner, tmp_path):
    args = write(tmp_path, REQUESTS)
    base = ["compare", args[1], "--rules", args[3], "--days", "1"]
    result = runner.invoke(app, [*base, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {p["policy"]: p for p in json.loads(result.stdout)["policies"]}
    added = {name: (r["latency"] or {}).get("added_ms") for name, r in rows.items()}
    # before: p50 1000, p95 3000. All cheap: [200, 400, 200, 200, 200] -> p50 200, p95 400;
    # all expensive: [2000, 2000, 3000, 1000, 2000] -> p50 2000, p95 3000.
    assert added[args[3]] == {"p50": 1200.0, "p95": 0.0}
    assert added["all cheap"] == {"p50": -800.0, "p95": -2600.0}
    assert added["all expensive"] == {"p50": 1000.0, "p95": 0.0}
    assert added["random at 60.0%"] is None  # code and the two escalated requests end on gpt-4o
    assert [s["verifier_error"] for s in rows[args[3]]["cascades"][0]["scenarios"]] == [0.0, 0.1, 0.2, 0.4]
    table = " ".join(runner.invoke(app, base).stdout.split())
    assert "+1,200 / +0 ms" in table and "-800 / -2,600 ms" in table
    assert "r.yaml: Cascade '(default)' (cheap first, expensive when escalated): 2 escalated, 2 kept." in table
    assert "e = 40%:" in table
