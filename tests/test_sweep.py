"""Threshold sweeps: parsing RULE.FIELD=START:STOP:STEP, rewriting one comparison, calibration."""

from __future__ import annotations

import pytest

from llmroute_cli.engine.router import Router
from llmroute_cli.errors import LlmrouteError, UsageError
from llmroute_cli.reports.sweep import (
    SweepParam,
    SweepPoint,
    calibrate,
    numeric_tests,
    sweep_metrics,
    sweep_values,
    with_threshold,
)
from llmroute_cli.rules.conditions import Compare, MetaTest

BUILTIN = Router.builtin().policy

NESTED = """\
version: 1
tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}
default: cheap
rules:
  - name: adults-long
    when:
      any:
        - metadata.user.age: {gte: 18}
        - not:
            query.chars: {lte: 500}
    route: expensive
  - name: band
    when:
      query.chars: {gt: 10, lt: 200}
    route: cheap
"""
POLICY = Router.from_text(NESTED).policy


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "short-no-code.query.chars=100:400:50",
            SweepParam("short-no-code", "query.chars", None, (100, 150, 200, 250, 300, 350, 400)),
        ),
        (
            "short-no-code.query.chars=100:380:50",
            SweepParam("short-no-code", "query.chars", None, (100, 150, 200, 250, 300, 350)),
        ),
        ("short-no-code.query.chars=200:200:1", SweepParam("short-no-code", "query.chars", None, (200,))),
        (
            "long-context.context.chars=4e3:8e3:2e3",
            SweepParam("long-context", "context.chars", None, (4000, 6000, 8000)),
        ),
        ("r.query.tokens=0.1:0.7:0.2", SweepParam("r", "query.tokens", None, (0.1, 0.3, 0.5, 0.7))),
        ("r.query.tokens=0.5:1:0.25", SweepParam("r", "query.tokens", None, (0.5, 0.75, 1.0))),
        ("band.query.chars.lt=100:300:100", SweepParam("band", "query.chars", "lt", (100, 200, 300))),
        (
            "adults-long.metadata.user.age=16:21:1",
            SweepParam("adults-long", "metadata.user.age", None, (16, 17, 18, 19, 20, 21)),
        ),
        ("v1.cheap.request.chars=1:3:1", SweepParam("v1.cheap", "request.chars", None, (1, 2, 3))),
    ],
)
def test_sweep_values(spec, expected):
    assert sweep_values(spec) == expected


def test_param_name():
    assert sweep_values("band.query.chars.lt=1:2:1").name == "band.query.chars.lt"
    assert sweep_values("band.query.chars=1:2:1").name == "band.query.chars"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("short-no-code.query.chars", "expected RULE.FIELD=START:STOP:STEP, e.g. short-no-code.query.chars=100:400:50"),
        ("short-no-code=1:2:1", "expected RULE.FIELD=START:STOP:STEP, e.g. short-no-code.query.chars=100:400:50"),
        (
            "short-no-code.query.words=1:2:1",
            "expected RULE.FIELD=START:STOP:STEP, e.g. short-no-code.query.chars=100:400:50",
        ),
        (
            "short-no-code.query.chars=100:400",
            "the range must be START:STOP:STEP, e.g. short-no-code.query.chars=100:400:50",
        ),
        ("short-no-code.query.chars=a:400:50", "START 'a' is not a number"),
        ("short-no-code.query.chars=100:400:x", "STEP 'x' is not a number"),
        ("short-no-code.query.chars=100:inf:50", "STOP must be a finite number, got 'inf'"),
        ("short-no-code.query.chars=100:400:0", "STEP must be above 0, got 0"),
        ("short-no-code.query.chars=100:400:-50", "STEP must be above 0, got -50"),
        ("short-no-code.query.chars=400:100:50", "START 400 is above STOP 100"),
        ("short-no-code.query.chars=0:10000:1", "10001 values; at most 1000, so take a larger STEP"),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(UsageError) as err:
        sweep_values(spec)
    assert str(err.value) == f"--param {spec!r}: {message}"


@pytest.mark.parametrize(
    ("spec", "policy", "message"),
    [
        (
            "short-no-cod.query.chars=1:2:1",
            BUILTIN,
            "unknown rule 'short-no-cod' (did you mean 'short-no-code'?); rules: short-no-code, code, long-context",
        ),
        (
            "code.query.chars=1:2:1",
            BUILTIN,
            "rule 'code' does not compare query.chars with a number; it compares no field with a number",
        ),
        (
            "long-context.query.chars=1:2:1",
            BUILTIN,
            "rule 'long-context' does not compare query.chars with a number; its numeric comparisons: context.chars gt 8000",
        ),
        (
            "short-no-code.query.chars.gt=1:2:1",
            BUILTIN,
            "rule 'short-no-code' does not compare query.chars gt with a number; its numeric comparisons: query.chars lt 200",
        ),
        (
            "band.query.chars=1:2:1",
            POLICY,
            "rule 'band' compares query.chars 2 times (gt 10, lt 200); name the one to sweep, "
            "e.g. band.query.chars.gt=START:STOP:STEP",
        ),
    ],
)
def test_specs_checked_against_the_policy(spec, policy, message):
    with pytest.raises(UsageError) as err:  # a --param that does not fit the rule file: exit 2
        sweep_values(spec, policy)
    assert str(err.value) == message


def test_numeric_tests_walk_the_whole_tree():
    tests = numeric_tests(POLICY.rules[0].when)
    assert [(t.field, t.pred) for t in tests] == [
        ("metadata.user.age", MetaTest("gte", 18)),
        ("query.chars", Compare("lte", 500)),
    ]


def test_with_threshold_changes_one_comparison():
    policy = with_threshold(BUILTIN, "short-no-code", "query.chars", 300)
    assert [(t.field, t.pred) for t in numeric_tests(policy.rules[0].when)] == [("query.chars", Compare("lt", 300))]
    assert policy.rules[1:] == BUILTIN.rules[1:]
    assert numeric_tests(BUILTIN.rules[0].when)[0].pred == Compare("lt", 200)  # the original is untouched
    query = "x" * 250
    assert Router(BUILTIN).route(query).rule is None
    assert Router(policy).route(query).rule == "short-no-code"
    # the text test inside the same rule still applies
    assert Router(policy).route("def " + query).rule == "code"


def test_with_threshold_inside_any_and_not():
    policy = with_threshold(POLICY, "adults-long", "query.chars", 100)
    assert [t.pred for t in numeric_tests(policy.rules[0].when)] == [MetaTest("gte", 18), Compare("lte", 100)]
    assert Router(POLICY).route("y" * 300).tier == "cheap"  # 300 <= 500
    assert Router(policy).route("y" * 300).tier == "expensive"  # not (300 <= 100)
    policy = with_threshold(POLICY, "adults-long", "metadata.user.age", 21)
    assert Router(policy).route("hi", metadata={"user": {"age": 19}}).rule is None
    assert Router(POLICY).route("hi", metadata={"user": {"age": 19}}).rule == "adults-long"


def test_with_threshold_by_operator():
    policy = with_threshold(POLICY, "band", "query.chars", 50, op="lt")
    assert [t.pred for t in numeric_tests(policy.rules[1].when)] == [Compare("gt", 10), Compare("lt", 50)]
    with pytest.raises(LlmrouteError, match=r"^rule 'band' compares query.chars 2 times"):
        with_threshold(POLICY, "band", "query.chars", 50)


# --- calibration ------------------------------------------------------------------------------------

POINTS = [
    SweepPoint(100, 0.50, daily_cost=50.0, under_routing_rate=0.04, mean_quality=8.9),
    SweepPoint(150, 0.42, daily_cost=44.0, under_routing_rate=0.07, mean_quality=8.8),
    SweepPoint(200, 0.30, daily_cost=35.0, under_routing_rate=0.09, mean_quality=8.7),
    SweepPoint(250, 0.30, daily_cost=35.5, under_routing_rate=0.12, mean_quality=8.6),
    SweepPoint(300, 0.21, daily_cost=28.0, under_routing_rate=0.15, mean_quality=8.5),
]


def test_calibrate_to_an_expensive_share():
    # at or below 35%: 0.30 twice; 200 keeps more quality than 250
    assert calibrate(POINTS, target_expensive_share=0.35).value == 200
    assert calibrate(POINTS, target_expensive_share=0.30).value == 200  # exactly on the target counts
    assert calibrate(POINTS, target_expensive_share=0.45).value == 150
    assert calibrate(POINTS, target_expensive_share=1.0).value == 100


# The share closest to a cap is not the best under it: 100 sits nearest 30% but keeps the least quality.
UNDER_CAP = [
    SweepPoint(100, 0.29, daily_cost=30.0, mean_quality=8.2),
    SweepPoint(150, 0.25, daily_cost=27.0, mean_quality=8.4),
    SweepPoint(200, 0.25, daily_cost=26.0, mean_quality=8.4),
    SweepPoint(250, 0.20, daily_cost=26.0, mean_quality=8.4),
    SweepPoint(300, 0.35, daily_cost=40.0, mean_quality=8.9),
]


@pytest.mark.parametrize(
    ("values", "chosen"),
    [
        ({100, 150}, 150),  # 8.4 beats 8.2 though 25% is further from the cap
        ({100, 150, 200}, 200),  # 150 and 200 tie at 8.4: $26 beats $27
        ({100, 150, 200, 250}, 250),  # 200 and 250 tie at 8.4 and $26: 20% beats 25%
        ({100, 300}, 100),  # 300 has the best quality but 35% is over the cap
    ],
)
def test_calibrate_to_a_share_takes_the_best_quality_under_the_cap(values, chosen):
    points = [p for p in UNDER_CAP if p.value in values]
    assert calibrate(points, target_expensive_share=0.3).value == chosen


def test_calibrate_to_a_share_without_labels_takes_the_largest_share_under_the_cap():
    points = [SweepPoint(p.value, p.expensive_share, p.daily_cost) for p in UNDER_CAP]
    assert calibrate(points, target_expensive_share=0.3).value == 100  # 29%
    assert calibrate(points, target_expensive_share=0.22).value == 250  # 20%


def test_sweep_point_to_dict_counts_the_requests_the_rule_decides():
    point = SweepPoint(0, 0.4, 1.0, rule_requests=0)
    assert point.to_dict()["rule_requests"] == 0
    assert SweepPoint(0, 0.4).rule_requests is None


def test_calibrate_to_an_under_routing_limit():
    # under-routing <= 10%: 100, 150, 200; the cheapest per day is 200 ($35.00)
    assert calibrate(POINTS, max_under_routing=0.10).value == 200
    assert calibrate(POINTS, max_under_routing=0.15).value == 300  # exactly on the limit counts
    # without costs the smallest expensive share decides
    no_cost = [SweepPoint(p.value, p.expensive_share, None, p.under_routing_rate) for p in POINTS]
    assert calibrate(no_cost, max_under_routing=0.10).value == 200


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({}, UsageError, "give exactly one of --target-expensive-share and --max-under-routing"),
        (
            {"target_expensive_share": 0.3, "max_under_routing": 0.1},
            UsageError,
            "give exactly one of --target-expensive-share and --max-under-routing",
        ),
        (
            {"target_expensive_share": 0.2},
            LlmrouteError,
            "no value of short-no-code.query.chars keeps the expensive share at or below 20.0%; the lowest is 21.0% (at 300)",
        ),
        (
            {"max_under_routing": 0.03},
            LlmrouteError,
            "no value of short-no-code.query.chars keeps under-routing at or below 3.0%; the lowest is 4.0% (at 100)",
        ),
    ],
)
def test_calibrate_errors(kwargs, error, message):
    with pytest.raises(error) as err:
        calibrate(POINTS, param="short-no-code.query.chars", **kwargs)
    assert str(err.value) == message


def test_calibrate_under_routing_needs_labels():
    with pytest.raises(LlmrouteError) as err:
        calibrate([SweepPoint(100, 0.5, 10.0)], max_under_routing=0.1)
    assert str(err.value) == (
        "--max-under-routing needs quality labels in the logs; no sweep point has an under-routing"
    )


def test_sweep_metrics_by_hand():
    points = [SweepPoint(100, 0.5, mean_quality=8.0), SweepPoint(200, 0.25, mean_quality=None)]
    # the unlabeled point is left out; with the endpoints: (0, 5), (0.5, 8), (1, 9), the three-point curve
    m = sweep_metrics(points, cheap_quality=5.0, expensive_quality=9.0)
    assert (m.apgr, m.cpt50, m.cpt80) == pytest.approx((0.625, 1 / 3, 0.6))
    # one share measured: no measured APGR, and both crossings lie on the added straight lines
    assert (m.share_range, m.apgr_measured, m.cpt50_extrapolated, m.cpt80_extrapolated) == (
        (0.5, 0.5),
        None,
        True,
        True,
    )
