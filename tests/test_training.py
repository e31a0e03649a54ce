"""Training's arithmetic: APGR as RouteLLM defines it, the held-out splits, the threshold and the evaluation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from routellm_reference import routellm_apgr

from llmroute_cli.quality.curve import curve_metrics, oracle_apgr, oracle_curve, request_metrics, routing_apgr
from llmroute_cli.training.evaluate import evaluate, length_scores
from llmroute_cli.training.examples import Examples
from llmroute_cli.training.split import split
from llmroute_cli.training.threshold import Target, choose


def test_apgr_of_four_queries_by_hand():
    # Sent expensive in score order: q0 (gains 1), q3 (gains 1), q2 (0), q1 (0). Mean quality at shares
    # 0, 1/4, 1/2, 3/4, 1: 0.25, 0.5, 0.75, 0.75, 0.75; all cheap 0.25, all expensive 0.75.
    # AUC = 0.25*(0.25+0.5)/2 + 0.25*(0.5+0.75)/2 + 0.25*0.75 + 0.25*0.75 = 0.625; APGR = (0.625-0.25)/0.5 = 0.75.
    qc, qe, scores = [0, 0, 1, 0], [1, 0, 1, 1], [0.9, 0.1, 0.5, 0.7]
    assert routing_apgr(qc, qe, scores) == pytest.approx(0.75, abs=1e-12)
    assert request_metrics(qc, qe, scores).apgr == pytest.approx(0.75, abs=1e-12)
    assert routellm_apgr(qc, qe, scores) == pytest.approx(0.75, abs=1e-12)
    # The oracle sends q0 and q3 first: PGR 0, 0.5, 1, 1, 1 -> the same 0.75 here.
    assert oracle_apgr(qc, qe) == pytest.approx(0.75, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1), st.integers(0, 5)), min_size=1, max_size=40),
)
def test_array_apgr_is_routellms_and_the_curves(rows):
    qc, qe, scores = ([r[i] for r in rows] for i in range(3))
    fast = routing_apgr(qc, qe, scores)
    if sum(qe) == sum(qc):
        assert fast is None
        return
    assert fast == pytest.approx(routellm_apgr(qc, qe, scores), abs=1e-9)
    assert fast == pytest.approx(request_metrics(qc, qe, scores).apgr, abs=1e-9)
    oracle = curve_metrics(oracle_curve(qc, qe), sum(qc) / len(qc), sum(qe) / len(qe)).apgr
    assert oracle_apgr(qc, qe) == pytest.approx(oracle, abs=1e-9)


def test_random_scores_average_an_apgr_of_one_half():
    rng = np.random.default_rng(1)
    qc, qe = rng.integers(0, 2, 4000), rng.integers(0, 2, 4000)
    assert routing_apgr(qc, qe, rng.random(4000)) == pytest.approx(0.5, abs=0.04)


def test_group_split_keeps_every_group_on_one_side():
    groups = [g for g in "abcdefghij" for _ in range(10)]
    parts = split(groups, "metadata.subject", 0.25, 0.2, seed=3, has_test=False)
    sides = [{groups[i] for i in part} for part in (parts.train, parts.validation, parts.test)]
    assert sides[0].isdisjoint(sides[1]) and sides[0].isdisjoint(sides[2]) and sides[1].isdisjoint(sides[2])
    assert sorted(np.concatenate([parts.train, parts.validation, parts.test]).tolist()) == list(range(100))
    assert len(parts.test) == 30 and set(parts.test_groups) == sides[2]  # whole groups until >= 25 rows
    assert len(parts.validation) == 20  # 20% of the 70 left: 14 rows, so two whole groups


def test_time_split_holds_out_the_latest():
    times = [float(t) for t in [5, 1, 9, 3, 7, 2, 8, 4, 6, 0]]
    parts = split(times, "time", 0.2, 0.25, seed=0, has_test=False)
    assert sorted(times[i] for i in parts.test) == [8.0, 9.0]
    assert sorted(times[i] for i in parts.validation) == [6.0, 7.0]
    assert max(times[i] for i in parts.train) == 5.0


def test_one_group_cannot_be_held_out():
    with pytest.raises(Exception, match="needs at least 2 groups, found 1"):
        split(["a"] * 10, "metadata.subject", 0.25, 0.2, seed=0, has_test=False)


def test_threshold_for_a_target_share_and_for_an_under_routing_ceiling():
    scores = np.array([0.9, 0.8, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1])
    needed = np.array([1, 0, 1, 1, 0, 0, 1, 0], dtype=bool)
    assert (
        choose(scores, needed, Target(expensive_share=0.25)) == 0.8
    )  # 0.9 and the two 0.8s: 3 of 8 (ties move together)
    assert choose(scores, needed, Target(expensive_share=0.5)) == 0.6  # 4 of 8
    # Sending the top 4 leaves 1 needed among the 4 sent cheap (25%); the top 3 leaves 2 of 5 (40%).
    assert choose(scores, needed, Target(max_under_routing=0.25)) == 0.6
    assert choose(scores, needed, Target()) == 0.6  # the base rate: 4 of 8 needed it
    none = choose(scores, needed, Target(expensive_share=0.0), ceiling=1.0)
    assert none > 0.9 and not (scores >= none).any()


def examples(qc, qe, texts=None) -> Examples:
    n = len(qc)
    qc, qe = np.asarray(qc, dtype=float), np.asarray(qe, dtype=float)
    texts = texts or ["x" * (i + 1) for i in range(n)]
    return Examples(texts, list(range(n)), np.zeros(n), (qe > qc), qc, qe, "correct")


def test_evaluation_figures_at_the_threshold():
    held = examples([0, 0, 1, 0, 1, 1, 0, 0], [1, 0, 1, 1, 1, 1, 1, 0])  # 3 needed expensive: rows 0, 3, 6
    scores = np.array([0.9, 0.1, 0.5, 0.7, 0.2, 0.3, 0.05, 0.4])
    result = evaluate(
        "test",
        held,
        {"classifier": scores, "length rule": length_scores(held.texts)},
        {"classifier": 0.5, "length rule": 6.0},
        seed=0,
        resamples=200,
    )
    clf = result.router("classifier")
    assert clf.expensive_share == 3 / 8  # 0.9, 0.7, 0.5
    assert clf.under_routing == pytest.approx(1 / 5)  # row 6 of the five sent cheap
    assert clf.apgr.value == pytest.approx(routellm_apgr(held.qc, held.qe, scores))
    assert clf.apgr.low <= clf.apgr.value <= clf.apgr.high
    assert result.base_rate == 3 / 8 and result.router("oracle").under_routing == 0.0
    length = result.router("length rule")
    assert length.expensive_share == 3 / 8 and length.under_routing == pytest.approx(2 / 5)  # rows 0 and 3 sent cheap
    assert result.versus_length.value == pytest.approx(clf.apgr.value - length.apgr.value)
    rand = result.router("random")  # by its expectation: the straight line from all cheap to all expensive
    assert (rand.apgr.value, rand.cpt50, rand.cpt80) == (0.5, 0.5, 0.8)
    assert rand.expensive_share == 3 / 8 and rand.under_routing == 3 / 8
    assert rand.apgr.low < 0.5 < rand.apgr.high


def test_the_verdict_says_plainly_when_the_classifier_does_not_win():
    rng = np.random.default_rng(0)
    qc = (rng.random(300) < 0.4).astype(int)
    qe = qc | (rng.random(300) < 0.6)  # the expensive model is right at least where the cheap one is
    held = examples(qc, qe)
    noise = rng.random(300)
    result = evaluate(
        "test",
        held,
        {"classifier": noise, "length rule": rng.random(300)},
        {"classifier": 0.5, "length rule": 0.5},
        seed=0,
        resamples=300,
    )
    assert "does not beat the length rule" in result.verdict()
    perfect = evaluate(
        "test",
        held,
        {"classifier": qe - qc + 0.0, "length rule": noise},
        {"classifier": 0.5, "length rule": 0.5},
        seed=0,
        resamples=300,
    )
    assert perfect.verdict().startswith("beats the length rule (APGR +")
