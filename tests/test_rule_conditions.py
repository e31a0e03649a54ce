"""Conditions on the logged model, time and a seeded split, and named keyword lists: meaning, both paths, errors."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import pandas as pd
import pytest
import yaml

from llmroute_cli.cli import app
from llmroute_cli.engine.router import Router
from llmroute_cli.errors import ConfigError
from llmroute_cli.rules.lint import lint
from llmroute_cli.rules.policy import load_policy

TIERS = {"cheap": "gpt-4o-mini", "expensive": "gpt-4o"}


def router(when: Any, extra: dict[str, Any] | None = None) -> Router:
    doc = {
        "tiers": TIERS,
        "default": "cheap",
        **(extra or {}),
        "rules": [{"name": "r", "when": when, "route": "expensive"}],
    }
    return Router.from_text(yaml.safe_dump(doc, sort_keys=False))


def both(r: Router, rows: list[dict[str, Any]]) -> list[bool]:
    """Whether rule 'r' decides each request, after checking the scalar and the vectorised path agree."""
    scalar = [
        r.route(x.get("query", ""), model=x.get("model"), timestamp=x.get("timestamp"), request_id=x.get("id")).rule
        == "r"
        for x in rows
    ]
    frame = pd.DataFrame(
        {
            "query": [x.get("query", "") for x in rows],
            "model": [x.get("model") for x in rows],
            "timestamp": [math.nan if x.get("timestamp") is None else x["timestamp"] for x in rows],
            "id": [x.get("id") for x in rows],
        }
    )
    vector = [str(v) == "r" for v in r.route_frame(frame)["rule"].astype(object)]
    assert scalar == vector
    return scalar


# --- the logged model ------------------------------------------------------------------------------


def test_model_matches_exact_names_and_globs_case_sensitively_and_never_a_request_without_one():
    r = router({"model": ["gpt-4o", "ft:gpt-4o-mini:*"]})
    rows = [
        {"model": "gpt-4o"},
        {"model": "gpt-4o-mini"},  # not gpt-4o: exact, not a prefix
        {"model": "ft:gpt-4o-mini:acme::abc123"},
        {"model": "GPT-4o"},  # case-sensitive
        {},  # no model logged
    ]
    assert both(r, rows) == [True, False, True, False, False]


# --- time of day and day of week --------------------------------------------------------------------

MONDAY_0830_UTC = 1730709000  # 2024-11-04 08:30:00 UTC, a Monday (2024-11-04 is 20,031 days after 1970-01-01)


def test_time_hours_and_days_in_utc_and_without_a_timestamp():
    assert MONDAY_0830_UTC == (20031 * 86400) + 8 * 3600 + 30 * 60
    r = router({"time": {"hours": [9, 17], "days": ["mon", "tue", "wed", "thu", "fri"]}})
    rows = [
        {"timestamp": MONDAY_0830_UTC},  # 08:30: before 9
        {"timestamp": MONDAY_0830_UTC + 1800},  # 09:00 exactly: in
        {"timestamp": MONDAY_0830_UTC + 8.5 * 3600 - 1},  # 16:59:59: in
        {"timestamp": MONDAY_0830_UTC + 8.5 * 3600},  # 17:00: out (END excluded)
        {"timestamp": MONDAY_0830_UTC + 5 * 86400 + 3600},  # Saturday 09:30: out
        {},  # no timestamp: a time condition does not hold
    ]
    assert both(r, rows) == [False, True, True, False, False, False]


def test_time_in_a_time_zone_and_wrapping_past_midnight():
    # Europe/Paris is UTC+1 in November: 08:30 UTC is 09:30 there.
    paris = router({"time": {"hours": [9, 10], "tz": "Europe/Paris"}})
    assert both(paris, [{"timestamp": MONDAY_0830_UTC}, {"timestamp": MONDAY_0830_UTC - 3600}]) == [True, False]
    night = router({"time": {"hours": [22, 6]}})
    hours = [21, 22, 23, 0, 5, 6]
    rows = [{"timestamp": MONDAY_0830_UTC - 30 * 60 - 8 * 3600 + h * 3600} for h in hours]  # Monday h:00 UTC
    assert both(night, rows) == [False, True, True, True, True, False]


# --- the seeded split --------------------------------------------------------------------------------


def point(seed: str, key: str) -> float:
    """Independently of the code: sha256 of 'seed', NUL, 'key'; the first 8 bytes big-endian, over 2**64, times 100."""
    digest = hashlib.sha256(seed.encode() + b"\x00" + key.encode()).hexdigest()
    return int(digest[:16], 16) / 18446744073709551616 * 100


def test_split_membership_is_exactly_the_documented_hash_of_seed_and_id_else_query():
    r = router({"split": {"percent": 30, "seed": "canary-1"}})
    rows = [{"id": f"req-{i}", "query": "same"} for i in range(40)] + [{"query": f"q{i}"} for i in range(40)]
    rows += [{"id": "", "query": "an empty id hashes the query"}]
    expected = [point("canary-1", x["id"] if x.get("id") else x["query"]) < 30 for x in rows]
    assert both(r, rows) == expected
    assert 0 < sum(expected) < len(expected)  # both sides occur in this set


def test_split_share_is_within_a_binomial_bound_and_stable_for_a_request():
    n, p = 20_000, 0.05
    r = router({"split": {"percent": 5, "seed": 7}})
    rows = [{"id": f"chatcmpl-{i}"} for i in range(n)]
    frame = pd.DataFrame({"query": [""] * n, "id": [x["id"] for x in rows]})
    taken = int((r.route_frame(frame)["rule"] == "r").sum())
    sd = math.sqrt(n * p * (1 - p))  # 30.8
    assert abs(taken - n * p) < 5 * sd  # 1,000 ± 154
    # The same request lands the same side whatever else is in the frame, and on one request.
    alone = r.route_frame(frame.iloc[[17]])["rule"].iloc[0] == "r"
    assert (r.route("", request_id="chatcmpl-17").rule == "r") == alone == (point("7", "chatcmpl-17") < 5)


def test_another_seed_draws_another_set():
    a = [point("a", f"k{i}") < 50 for i in range(200)]
    b = both(router({"split": {"percent": 50, "seed": "b"}}), [{"id": f"k{i}"} for i in range(200)])
    assert a != b and b == [point("b", f"k{i}") < 50 for i in range(200)]


# --- named keyword lists -------------------------------------------------------------------------------


def test_keyword_lists_are_expanded_in_contains_and_words():
    extra = {"keyword_lists": {"billing": ["refund", "invoice"], "fences": ["```"]}}
    r = router(
        {"any": [{"query": {"words": {"list": "billing"}}}, {"query": {"contains": [{"list": "fences"}, "def "]}}]},
        extra,
    )
    rows = [
        {"query": "I want a refund"},
        {"query": "refunded?"},
        {"query": "```x```"},
        {"query": "def f"},
        {"query": "hi"},
    ]
    assert both(r, rows) == [True, False, True, True, False]


# --- errors: located, one line, what to do ------------------------------------------------------------

HEAD = "tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "keyword_lists:\n  billing: [refund]\nrules:\n  - name: r\n    when: {query: {words: {list: biling}}}\n    route: cheap\n",
            "r.yaml:7:34: rule 'r': unknown keyword list 'biling' (did you mean 'billing'?); 'keyword_lists' has: billing",
        ),
        (
            "rules:\n  - name: r\n    when: {query: {contains: [a, {list: x}]}}\n    route: cheap\n",
            "r.yaml:5:41: rule 'r': unknown keyword list 'x'; 'keyword_lists' has: none are declared",
        ),
        (
            "keyword_lists:\n  billing: []\nrules: []\n",
            "r.yaml:4:12: keyword list 'billing' must be a non-empty list of non-empty strings",
        ),
        (
            "rules:\n  - name: r\n    when: {model: []}\n    route: cheap\n",
            "r.yaml:5:19: rule 'r': 'model' takes a model name or a list of names and globs like [gpt-4o, 'ft:*'], got a list",
        ),
        (
            "rules:\n  - name: r\n    when: {time: {hours: [9, 9]}}\n    route: cheap\n",
            "r.yaml:5:26: rule 'r': 'time' hours takes [START, END), two different whole hours 0-24 ([22, 6] wraps "
            "past midnight), got a list",
        ),
        (
            "rules:\n  - name: r\n    when: {time: {days: [mon, funday]}}\n    route: cheap\n",
            "r.yaml:5:25: rule 'r': 'time' days takes a list of mon, tue, wed, thu, fri, sat, sun, got a list",
        ),
        (
            "rules:\n  - name: r\n    when: {time: {hours: [9, 17], tz: Mars/Olympus}}\n    route: cheap\n",
            "r.yaml:5:39: rule 'r': 'time' tz takes an IANA time zone like UTC or Europe/Paris, got a string ('Mars/Olympus')",
        ),
        (
            "rules:\n  - name: r\n    when: {split: {percent: 10}}\n    route: cheap\n",
            "r.yaml:5:19: rule 'r': 'split' takes {percent: 5, seed: canary-1}: a share 0-100 and a seed that fixes which requests",
        ),
        (
            "rules:\n  - name: r\n    when: {split: {percent: 110, seed: a}}\n    route: cheap\n",
            "r.yaml:5:29: rule 'r': 'split' percent takes a number from 0 to 100, got a number (110)",
        ),
    ],
    ids=[
        "unknown-list",
        "no-lists",
        "empty-list",
        "empty-model",
        "empty-hours",
        "bad-day",
        "bad-tz",
        "no-seed",
        "percent",
    ],
)
def test_bad_conditions_are_located_errors(body, message):
    with pytest.raises(ConfigError) as err:
        load_policy(HEAD + body, "r.yaml")
    assert [str(p) for p in err.value.problems] == [message]


def test_check_exits_1_naming_the_unknown_list(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.yaml").write_text(
        HEAD + "rules:\n  - name: r\n    when: {query: {words: {list: x}}}\n    route: cheap\n"
    )
    result = runner.invoke(app, ["check", "r.yaml"])
    assert result.exit_code == 1
    assert result.stdout == "r.yaml:5:34: rule 'r': unknown keyword list 'x'; 'keyword_lists' has: none are declared\n"


# --- check: shadowing with the new conditions -----------------------------------------------------------


def shadowed(first: Any, second: Any) -> bool:
    doc = {
        "tiers": TIERS,
        "default": "cheap",
        "rules": [{"name": "a", "when": first, "route": "expensive"}, {"name": "b", "when": second, "route": "cheap"}],
    }
    return any("can never match" in p.message for p in lint(load_policy(yaml.safe_dump(doc), "r.yaml")))


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ({"model": ["gpt-4o*"]}, {"model": "gpt-4o-mini"}, True),
        ({"model": ["gpt-4o"]}, {"model": "gpt-4o*"}, False),  # a glob is implied only by an equal one
        ({"split": {"percent": 20, "seed": "s"}}, {"split": {"percent": 10, "seed": "s"}}, True),
        ({"split": {"percent": 10, "seed": "s"}}, {"split": {"percent": 20, "seed": "s"}}, False),
        ({"split": {"percent": 20, "seed": "s"}}, {"split": {"percent": 10, "seed": "t"}}, False),
        ({"time": {"hours": [20, 8]}}, {"time": {"hours": [22, 6], "days": ["sat"]}}, True),
        ({"time": {"hours": [20, 8]}}, {"time": {"hours": [22, 6], "tz": "Europe/Paris"}}, False),
        ({"time": {"hours": [9, 17]}}, {"time": {"hours": [8, 17]}}, False),
    ],
)
def test_shadowing_knows_the_new_conditions_conservatively(first, second, expected):
    assert shadowed(first, second) is expected


# --- route explains them ---------------------------------------------------------------------------------


def test_route_explains_model_time_and_split(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rules = {
        "tiers": TIERS,
        "default": "cheap",
        "rules": [
            {"name": "canary", "when": {"split": {"percent": 10, "seed": "c1"}}, "route": "expensive"},
            {"name": "was-4o", "when": {"model": ["gpt-4o"]}, "route": "expensive"},
            {"name": "office", "when": {"time": {"hours": [9, 17], "tz": "Europe/Paris"}}, "route": "expensive"},
        ],
    }
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    args = [
        "route",
        "hello",
        "--rules",
        "r.yaml",
        "--model",
        "gpt-4o-mini",
        "--timestamp",
        "2024-11-04T08:30:00",
        "--id",
        "abc",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"✗ split 10% (seed 'c1') ['abc' at {point('c1', 'abc'):.2f}]" in result.stdout
    assert "✗ model is one of ['gpt-4o'] [gpt-4o-mini]" in result.stdout
    assert "✓ time 09:00-17:00 (Europe/Paris) [Mon 2024-11-04 09:30:00]" in result.stdout
    as_json = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert (as_json["tier"], as_json["rule"]) == ("expensive", "office")
    without = runner.invoke(app, ["route", "hello", "--rules", "r.yaml", "--id", "abc"])
    assert "✗ time 09:00-17:00 (Europe/Paris) [<no timestamp>]" in without.stdout


def test_route_refuses_a_bad_timestamp(runner):
    result = runner.invoke(app, ["route", "hello", "--timestamp", "yesterday"])
    assert result.exit_code == 2
    assert result.stderr == "error: --timestamp is not an ISO-8601 time or unix time (got 'yesterday')\n"


# --- golden cases carry what a log would; sweep sweeps a split's share ----------------------------------


def test_the_attributes_example_passes_check_and_its_cases(runner, root):
    example = str(root / "examples" / "routes-attributes.yaml")
    checked = runner.invoke(app, ["check", "--strict", example])
    assert checked.exit_code == 0, checked.stdout
    tested = runner.invoke(app, ["test", example])
    assert tested.exit_code == 0, tested.stdout
    assert tested.stdout.endswith("6 passed, 0 failed\n")
    assert point("canary-2024-11", "req-13") < 5 <= point("canary-2024-11", "req-1")  # what its cases rely on


def test_a_case_timestamp_unquoted_quoted_or_unix_is_the_same_time():
    cases = [
        {"query": "q", "timestamp": t, "tier": "expensive"}
        for t in ("2024-11-04T09:30:00+01:00", "2024-11-04 08:30:00", MONDAY_0830_UTC)
    ]
    text = yaml.safe_dump({"tiers": TIERS, "default": "cheap", "rules": [], "cases": cases}, sort_keys=False)
    text += "- {query: q, timestamp: 2024-11-04 08:30:00, tier: cheap}\n"  # unquoted: YAML's own datetime
    policy = load_policy(text, "r.yaml")
    assert [c.logged["timestamp"] for c in policy.cases] == [float(MONDAY_0830_UTC)] * 4


def test_a_bad_case_timestamp_is_located():
    text = HEAD + "rules: []\ncases:\n  - {name: c, query: q, timestamp: soon, tier: cheap}\n"
    with pytest.raises(ConfigError) as err:
        load_policy(text, "r.yaml")
    assert [str(p) for p in err.value.problems] == [
        "r.yaml:5:36: case c: 'timestamp' must be an ISO 8601 time or unix seconds"
    ]


def test_sweep_param_reaches_a_split_percent():
    from llmroute_cli.reports.sweep import sweep_values, with_threshold

    policy = router({"split": {"percent": 5, "seed": "s"}}).policy
    param = sweep_values("r.split=0:20:10", policy)
    assert param.values == (0, 10, 20)
    swept = Router(with_threshold(policy, "r", "split", 20))
    keys = [f"k{i}" for i in range(300)]
    assert [swept.route("", request_id=k).rule == "r" for k in keys] == [point("s", k) < 20 for k in keys]
