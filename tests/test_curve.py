"""RouteLLM's APGR and CPT, checked on curves small enough to work by hand."""

from __future__ import annotations

import json
import random
from collections import defaultdict

import numpy as np
import pytest
from conftest import SHARED, needs_shared

from llmroute_cli.quality.curve import (
    CurveMetrics,
    CurvePoint,
    curve_metrics,
    oracle_curve,
    pgr,
    request_metrics,
    routing_curve,
    with_endpoints,
)

DATA = SHARED / "data" / "routellm"


def test_pgr():
    assert pgr(7.0, 5.0, 9.0) == 0.5  # (7 - 5) / (9 - 5)
    assert pgr(5.0, 5.0, 5.0) is None


def test_three_point_curve_by_hand():
    # all-cheap 5, all-expensive 9; half the requests expensive gives 8
    # PGR: (5-5)/4 = 0, (8-5)/4 = 0.75, (9-5)/4 = 1
    m = curve_metrics([(0.0, 5.0), (0.5, 8.0), (1.0, 9.0)], 5.0, 9.0)
    # APGR = 0.5 * (0 + 0.75) / 2 + 0.5 * (0.75 + 1) / 2 = 0.1875 + 0.4375
    assert m.apgr == pytest.approx(0.625)
    # CPT(50%): on the first segment, 0 + (0.5 - 0) / (0.75 - 0) * 0.5 = 1/3
    assert m.cpt50 == pytest.approx(1 / 3)
    # CPT(80%): on the second, 0.5 + (0.8 - 0.75) / (1 - 0.75) * 0.5 = 0.6
    assert m.cpt80 == pytest.approx(0.6)
    # every point measured: the span is 0-1, the measured APGR is the APGR and nothing is extrapolated
    assert m == CurveMetrics(5.0, 9.0, m.apgr, m.cpt50, m.cpt80, (0.0, 1.0), m.apgr, False, False)


def test_endpoints_are_added_when_missing():
    # only the middle point measured: the same curve as above
    m = curve_metrics([(0.5, 8.0)], 5.0, 9.0)
    assert (m.apgr, m.cpt50, m.cpt80) == pytest.approx((0.625, 1 / 3, 0.6))
    assert with_endpoints([CurvePoint(0.5, 8.0)], 5.0, 9.0) == (
        CurvePoint(0.0, 5.0),
        CurvePoint(0.5, 8.0),
        CurvePoint(1.0, 9.0),
    )
    # a measured endpoint is kept, not replaced
    assert with_endpoints([(1.0, 8.5), (0.0, 5.0)], 5.0, 9.0) == (CurvePoint(0.0, 5.0), CurvePoint(1.0, 8.5))


def test_random_routing_is_the_diagonal():
    m = curve_metrics([], 5.0, 9.0)  # just the two endpoints: a straight line
    assert (m.apgr, m.cpt50, m.cpt80) == pytest.approx((0.5, 0.5, 0.8))


def test_no_gap_gives_no_metrics():
    assert curve_metrics([(0.5, 7.0)], 7.0, 7.0) == CurveMetrics(
        7.0, 7.0, None, None, None, (0.5, 0.5), None, False, False
    )


def test_a_narrow_sweep_reports_its_measured_span():
    # all-cheap 5, all-expensive 9; three points between 2% and 5%: PGR (5.4-5)/4 = 0.1, (5.8-5)/4 = 0.2, (6.6-5)/4 = 0.4
    m = curve_metrics([(0.03, 5.8), (0.02, 5.4), (0.05, 6.6)], 5.0, 9.0)
    assert m.share_range == (0.02, 0.05)
    # over the measured span only: (0.01 * (0.1 + 0.2) / 2 + 0.02 * (0.2 + 0.4) / 2) / (0.05 - 0.02) = 0.0075 / 0.03
    assert m.apgr_measured == pytest.approx(0.25)
    # 0-1 with the straight ends: 0.02 * (0 + 0.1) / 2 + 0.0075 + 0.95 * (0.4 + 1) / 2 = 0.001 + 0.0075 + 0.665
    assert m.apgr == pytest.approx(0.6735)
    # both crossings on the straight line from (0.05, 0.4) to (1, 1): 0.05 + (p - 0.4) / 0.6 * 0.95
    assert m.cpt50 == pytest.approx(0.05 + 0.1 / 0.6 * 0.95)
    assert m.cpt80 == pytest.approx(0.05 + 0.4 / 0.6 * 0.95)
    assert (m.cpt50_extrapolated, m.cpt80_extrapolated) == (True, True)
    assert m.to_dict() == {
        "cheap_quality": 5.0,
        "expensive_quality": 9.0,
        "share_range": [0.02, 0.05],
        "apgr_measured": m.apgr_measured,
        "apgr": m.apgr,
        "apgr_extrapolated": True,
        "cpt50": m.cpt50,
        "cpt50_extrapolated": True,
        "cpt80": m.cpt80,
        "cpt80_extrapolated": True,
    }


def test_a_crossing_below_the_measured_span_is_extrapolated():
    # PGR (7.4-5)/4 = 0.6 at 0.2 and (8.6-5)/4 = 0.9 at 0.6
    m = curve_metrics([(0.2, 7.4), (0.6, 8.6)], 5.0, 9.0)
    assert m.cpt50 == pytest.approx(0.5 / 0.6 * 0.2)  # on the line from the added (0, 0)
    assert m.cpt80 == pytest.approx(0.2 + (0.8 - 0.6) / (0.9 - 0.6) * 0.4)  # between the two measured points
    assert (m.cpt50_extrapolated, m.cpt80_extrapolated) == (True, False)
    assert m.apgr_measured == pytest.approx(0.4 * (0.6 + 0.9) / 2 / 0.4)  # 0.75
    assert m.to_dict()["apgr_extrapolated"] is True


def test_one_measured_share_has_no_measured_apgr():
    m = curve_metrics([(0.5, 8.0)], 5.0, 9.0)
    assert (m.share_range, m.apgr_measured) == ((0.5, 0.5), None)  # a span of width 0 has no mean
    assert (m.cpt50_extrapolated, m.cpt80_extrapolated) == (True, True)
    none = curve_metrics([], 5.0, 9.0)
    assert (none.share_range, none.apgr_measured, none.cpt50_extrapolated) == (None, None, True)
    assert none.to_dict()["share_range"] is None


def test_a_gap_reached_exactly_counts_despite_rounding():
    # 5 requests, cheap 0.1 and expensive 0.2 each: after 4 of 5 go expensive, PGR is exactly 4/5,
    # but (0.18 - 0.1) / (0.2 - 0.1) is 0.7999999999999998 in floating point
    m = request_metrics([0.1] * 5, [0.2] * 5, [5, 4, 3, 2, 1])
    assert m.cpt80 == 0.8
    # PGR 0, 0.8 at 0.8, (0.15 - 0.1) / 0.1 = 0.5 at 0.9, then 1: missing 0.8 would report 0.9 + 0.3 / 0.5 * 0.1 = 0.96
    dip = curve_metrics([(0.8, 0.18), (0.9, 0.15)], 0.1, 0.2)
    assert dip.cpt80 == 0.8
    assert dip.cpt80_extrapolated is False


def test_cpt_is_the_first_crossing_when_quality_is_not_monotone():
    # PGR: 0, (9.5-5)/4 = 1.125, (8-5)/4 = 0.75, 1
    m = curve_metrics([(0.4, 9.5), (0.6, 8.0)], 5.0, 9.0)
    assert m.cpt80 == pytest.approx(0.8 / 1.125 * 0.4)  # crosses 0.8 on the way up to 0.4
    # APGR = 0.4*(0+1.125)/2 + 0.2*(1.125+0.75)/2 + 0.4*(0.75+1)/2 = 0.225 + 0.1875 + 0.35
    assert m.apgr == pytest.approx(0.7625)


def test_agrees_with_routellm_formulas_on_a_monotone_curve():
    shares = [0.0, 0.1, 0.3, 0.5, 0.8, 1.0]
    quality = [60.0, 64.0, 70.0, 73.0, 75.0, 76.0]
    weak, strong = 60.0, 76.0
    m = curve_metrics(list(zip(shares, quality, strict=True)), weak, strong)

    # routellm/evals/evaluate.py: APGR = (AUC - weak AUC) / (strong AUC - weak AUC), trapezoids over the points
    def trapz(ys, xs):
        return sum((x1 - x0) * (y0 + y1) / 2 for x0, x1, y0, y1 in zip(xs, xs[1:], ys, ys[1:], strict=False))

    auc = trapz(quality, shares)
    weak_auc, strong_auc = trapz([weak] * 6, shares), trapz([strong] * 6, shares)
    assert m.apgr == pytest.approx((auc - weak_auc) / (strong_auc - weak_auc))
    # CPT: np.interp(p * (strong - weak) + weak, accuracy, strong share)
    assert m.cpt50 == pytest.approx(np.interp(0.5 * (strong - weak) + weak, quality, shares))
    assert m.cpt80 == pytest.approx(np.interp(0.8 * (strong - weak) + weak, quality, shares))


def test_routing_curve_by_hand():
    cheap = [5, 6, 7, 8]
    expensive = [9, 6, 8, 8]  # gains 4, 0, 1, 0
    scores = [0.9, 0.1, 0.5, 0.5]  # two requests tie at 0.5 and move together
    # all-cheap mean (5+6+7+8)/4 = 6.5; then +4/4; then +(1+0)/4; then +0/4
    assert routing_curve(cheap, expensive, scores) == (
        CurvePoint(0.0, 6.5),
        CurvePoint(0.25, 7.5),
        CurvePoint(0.75, 7.75),
        CurvePoint(1.0, 7.75),
    )
    m = request_metrics(cheap, expensive, scores)
    assert (m.cheap_quality, m.expensive_quality) == (6.5, 7.75)
    # PGR 0, 0.8, 1, 1: APGR = 0.25*0.8/2 + 0.5*(0.8+1)/2 + 0.25*(1+1)/2 = 0.1 + 0.45 + 0.25
    assert m.apgr == pytest.approx(0.8)
    assert m.cpt50 == pytest.approx(0.5 / 0.8 * 0.25)
    assert m.cpt80 == pytest.approx(0.25)


def test_oracle_curve_by_hand():
    # gains sorted: 4, 1, 0, 0; a request that gains nothing never lowers quality
    assert oracle_curve([5, 6, 7, 8], [9, 6, 8, 3]) == (
        CurvePoint(0.0, 6.5),
        CurvePoint(0.25, 7.5),
        CurvePoint(0.5, 7.75),
        CurvePoint(0.75, 7.75),
        CurvePoint(1.0, 7.75),
    )
    assert routing_curve([], [], []) == () == oracle_curve([], [])


@needs_shared
def test_mt_bench_oracle_beats_random_routing():
    gpt4, mixtral = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"
    scores = defaultdict(dict)
    for line in (DATA / "mt_bench" / "judgements.jsonl").read_text("utf-8").splitlines():
        j = json.loads(line)
        scores[(j["question_id"], j["turn"])][j["model"]] = j["score"]
    cheap = [s[mixtral] for s in scores.values()]
    expensive = [s[gpt4] for s in scores.values()]
    # the oracle ends with every positive gain taken and no loss: above all-expensive
    oracle = oracle_curve(cheap, expensive)
    gains = sum(max(e - c, 0) for c, e in zip(cheap, expensive, strict=True))
    assert oracle[-1].quality == pytest.approx((sum(cheap) + gains) / 160)
    best = curve_metrics(oracle, sum(cheap) / 160, sum(expensive) / 160)
    rng = random.Random(0)
    shuffled = request_metrics(cheap, expensive, [rng.random() for _ in cheap])
    assert best.apgr > 0.9 > shuffled.apgr
    assert 0.3 < shuffled.apgr < 0.7  # random routing hovers around the diagonal's 0.5
