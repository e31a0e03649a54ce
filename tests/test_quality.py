"""Routing quality from labels: every metric against arithmetic written out here."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import SHARED, needs_shared

from llmroute_cli.engine.router import Router
from llmroute_cli.errors import LlmrouteError
from llmroute_cli.logs import read_logs
from llmroute_cli.pricing.book import price_book
from llmroute_cli.quality.labels import Outcome, QualitySpec, outcome
from llmroute_cli.quality.metrics import QualityAccumulator, verdict

DATA = SHARED / "data" / "routellm"
GPT4 = "gpt-4-1106-preview"
MIXTRAL = "mistralai/Mixtral-8x7B-Instruct-v0.1"

SPEC = QualitySpec("cheap", "expensive", {"cheap": "gpt-4o-mini", "expensive": "gpt-4o"})

# (routed tier, deciding rule, labels): needed tier and source noted per row.
TEN = [
    ("cheap", "short", {"needed": "cheap"}),  # 1 cheap (needed)
    ("cheap", "short", {"needed": "expensive"}),  # 2 expensive (needed): under-routed
    ("cheap", "short", {"scores": {"gpt-4o-mini": 6, "gpt-4o": 9}}),  # 3 9-6=3 >= 2: expensive, under-routed
    ("cheap", "short", {"scores": {"gpt-4o-mini": 8, "gpt-4o": 9}}),  # 4 9-8=1 < 2: cheap
    ("cheap", None, {"correct": {"gpt-4o-mini": False, "gpt-4o": True}}),  # 5 expensive (correct): under-routed
    ("cheap", None, {"correct": {"gpt-4o-mini": True, "gpt-4o": True}}),  # 6 cheap (correct)
    ("expensive", "code", {"scores": {"gpt-4o-mini": 7, "gpt-4o": 8}}),  # 7 cheap (scores): over-routed
    ("expensive", "code", {"judge": "expensive_better"}),  # 8 expensive (judge)
    ("expensive", "code", None),  # 9 unlabeled
    ("cheap", "short", {"needed": "cheap"}),  # 10 cheap (needed)
]


def run(rows, spec=SPEC, chunk=None):
    acc = QualityAccumulator(spec)
    chunk = chunk or len(rows)
    for i in range(0, len(rows), chunk):
        part = rows[i : i + chunk]
        acc.add([r[0] for r in part], [r[2] for r in part], [r[1] for r in part])
    return acc.result()


def test_ten_requests_counts_and_confusion():
    report = run(TEN)
    assert (report.requests, report.labeled, report.unlabeled) == (10, 9, 1)
    # routed cheap: needed cheap = #1, #4, #6, #10; needed expensive = #2, #3, #5
    # routed expensive: needed cheap = #7; needed expensive = #8
    assert report.confusion == {"cheap": {"cheap": 4, "expensive": 3}, "expensive": {"cheap": 1, "expensive": 1}}
    assert report.needed_from == {"needed": 3, "judge": 1, "correct": 2, "scores": 3}


def test_ten_requests_rates_and_verdict():
    r = run(TEN).rates
    assert (r.cheap_routed, r.under_routed) == (7, 3)
    assert r.under_routing_rate == 3 / 7  # of the 7 labeled cheap-routed requests, 3 needed expensive
    assert r.under_routing_share == 3 / 9  # of all 9 labeled requests
    assert (r.expensive_routed, r.over_routed) == (2, 1)
    assert r.over_routing_rate == 1 / 2
    assert r.over_routing_share == 1 / 9
    assert r.needed_expensive == 4  # #2, #3, #5, #8
    assert r.verdict == "tighten the rules"  # 3/7 = 42.9% > 20%


def test_ten_requests_mean_quality_and_gap_recovered_per_scale():
    report = run(TEN)
    assert list(report.quality) == ["scores", "correct"]
    q = report.quality["scores"]
    # scored on #3, #4, #7
    # routed:    6 + 8 + 8 = 22 -> 22/3   (#7 went expensive: 8)
    # cheap:     6 + 8 + 7 = 21 -> 7
    # expensive: 9 + 9 + 8 = 26 -> 26/3
    assert q.requests == 3
    assert q.routed == pytest.approx(22 / 3)
    assert q.all_cheap == pytest.approx(7.0)
    assert q.all_expensive == pytest.approx(26 / 3)
    assert q.gap_recovered == pytest.approx((22 / 3 - 7) / (26 / 3 - 7))  # = (1/3) / (5/3) = 0.2
    assert q.expensive_share == 1 / 3  # #7 of #3, #4, #7
    a = report.quality["correct"]
    # graded on #5, #6, both sent cheap: routed = cheap = (0 + 1) / 2; expensive (1 + 1) / 2
    assert (a.requests, a.routed, a.all_cheap, a.all_expensive, a.gap_recovered, a.expensive_share) == (
        2,
        0.5,
        0.5,
        1.0,
        0.0,
        0.0,
    )
    assert report.primary == q  # 3 scored requests outnumber 2 graded ones


def test_ten_requests_per_rule():
    rules = {r.rule: r for r in run(TEN).rules}
    assert list(rules) == ["short", None, "code"]
    short, default, code = rules["short"], rules[None], rules["code"]
    assert (short.tier, short.requests, short.rates.labeled) == ("cheap", 5, 5)
    assert short.rates.under_routing_rate == 2 / 5  # #2, #3 of #1, #2, #3, #4, #10
    assert short.rates.verdict == "tighten the rules"
    assert short.quality["scores"].routed == pytest.approx((6 + 8) / 2)
    assert short.quality["scores"].gap_recovered == pytest.approx(0.0)  # routed = all-cheap on #3, #4
    assert default.quality["correct"].routed == 0.5
    assert default.rates.under_routing_rate == 1 / 2  # #5 of #5, #6
    assert (code.tier, code.requests, code.rates.labeled) == ("expensive", 3, 2)
    assert code.rates.under_routing_rate is None  # no cheap-routed request
    assert code.rates.over_routing_rate == 1 / 2  # #7 of #7, #8
    assert code.quality["scores"].gap_recovered == pytest.approx(1.0)  # #7: routed 8 = expensive 8


def test_chunks_add_up_to_one_pass():
    assert run(TEN, chunk=3).to_dict() == run(TEN).to_dict()


def test_to_dict_is_json():
    d = run(TEN).to_dict()
    json.dumps(d)
    assert d["under_routing_rate"] == 3 / 7
    assert d["unlabeled"] == 1
    assert d["rules"][1]["rule"] is None


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (None, None),
        (0.0, "routing works"),
        (0.0999, "routing works"),
        (0.10, "watch it"),
        (0.20, "watch it"),
        (0.2001, "tighten the rules"),
    ],
)
def test_verdict_thresholds(share, expected):
    assert verdict(share) == expected


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (None, Outcome()),
        ({}, Outcome()),
        ({"needed": "expensive"}, Outcome("expensive", "needed")),
        ({"judge": "tie"}, Outcome("cheap", "judge")),
        ({"judge": "cheap_ok"}, Outcome("cheap", "judge")),
        # needed wins over scores; the scores still give quality
        (
            {"needed": "cheap", "scores": {"gpt-4o": 9, "gpt-4o-mini": 1}},
            Outcome("cheap", "needed", {"cheap": 1.0, "expensive": 9.0}, "scores"),
        ),
        # correct decides before scores: both right -> cheap, though 9 - 5 >= 2
        (
            {"correct": {"gpt-4o": True, "gpt-4o-mini": True}, "scores": {"gpt-4o": 9, "gpt-4o-mini": 5}},
            Outcome("cheap", "correct", {"cheap": 5.0, "expensive": 9.0}, "scores"),
        ),
        # exactly the gap: 7 - 5 = 2 >= 2
        (
            {"scores": {"gpt-4o": 7, "gpt-4o-mini": 5}},
            Outcome("expensive", "scores", {"cheap": 5.0, "expensive": 7.0}, "scores"),
        ),
        # models named by tier, or by dated / provider-prefixed variants
        (
            {"scores": {"expensive": 7, "cheap": 6}},
            Outcome("cheap", "scores", {"cheap": 6.0, "expensive": 7.0}, "scores"),
        ),
        (
            {"correct": {"openai/gpt-4o-2024-08-06": True, "gpt-4o-mini-2024-07-18": False}},
            Outcome("expensive", "correct", {"cheap": 0.0, "expensive": 1.0}, "correct"),
        ),
        # only one model scored: no needed tier, and no quality to compare
        ({"scores": {"gpt-4o": 7}}, Outcome()),
        # scored on one model, graded on the other: no common scale
        ({"scores": {"gpt-4o": 7}, "correct": {"gpt-4o-mini": True}}, Outcome()),
        # both wrong: cheap was enough
        (
            {"correct": {"gpt-4o": False, "gpt-4o-mini": False}},
            Outcome("cheap", "correct", {"cheap": 0.0, "expensive": 0.0}, "correct"),
        ),
    ],
)
def test_outcome(labels, expected):
    assert outcome(labels, SPEC) == expected


def test_score_gap_is_configurable():
    spec = QualitySpec("cheap", "expensive", SPEC.models, score_gap=1.0)
    assert outcome({"scores": {"gpt-4o": 9, "gpt-4o-mini": 8}}, spec).needed == "expensive"  # 9 - 8 = 1 >= 1


def test_needed_accepts_the_policy_tier_names():
    spec = QualitySpec("small", "large", {"small": "gpt-4o-mini", "large": "gpt-4o"})
    assert outcome({"needed": "large"}, spec).needed == "expensive"
    assert outcome({"needed": "cheap"}, spec).needed == "cheap"


def test_no_labels_is_an_error_naming_the_fields():
    with pytest.raises(LlmrouteError) as err:
        run([("cheap", None, None), ("cheap", "short", {})])
    assert str(err.value) == (
        "no request has quality labels; give records a top-level field: "
        "needed (cheap|expensive), judge (cheap_ok|expensive_better|tie), "
        "correct ({model: true|false}), scores ({model: number})"
    )


def test_no_labels_names_models_that_match_no_tier():
    with pytest.raises(LlmrouteError) as err:
        run([("cheap", None, {"scores": {"llama-3": 5, "claude-3-opus": 9}})])
    assert str(err.value).endswith(
        "; the labels score models claude-3-opus, llama-3, but the tiers are cheap: gpt-4o-mini and expensive: gpt-4o"
    )


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"needed": "maybe"}, "request #2: label 'needed' is 'maybe'; expected one of: cheap, expensive"),
        ({"judge": "A"}, "request #2: label 'judge' is 'A'; expected one of: expensive_better, cheap_ok, tie"),
        ({"scores": [1, 2]}, "request #2: label 'scores' must map model names to values, got [1, 2]"),
        ({"scores": {"gpt-4o": "9"}}, "request #2: label 'scores' of 'gpt-4o' must be a number, got '9'"),
        ({"correct": {"gpt-4o": 1}}, "request #2: label 'correct' of 'gpt-4o' must be true or false, got 1"),
    ],
)
def test_bad_labels(labels, message):
    acc = QualityAccumulator(SPEC)
    with pytest.raises(LlmrouteError) as err:
        acc.add(["cheap", "cheap"], [None, labels], [None, None])
    assert str(err.value) == message


def test_bad_label_named_by_id_and_counted_across_chunks():
    acc = QualityAccumulator(SPEC)
    acc.add(["cheap"], [None], [None])
    with pytest.raises(LlmrouteError, match=r"^request #2: "):
        acc.add(["cheap"], [{"needed": "?"}], [None])
    with pytest.raises(LlmrouteError, match=r"^request 'req-9': "):
        acc.add(["cheap"], [{"needed": "?"}], [None], ids=["req-9"])


def test_spec_from_policy_picks_tiers_by_price():
    policy = Router.builtin().policy
    spec = QualitySpec.from_policy(policy, price_book(policy))
    assert (spec.cheap_tier, spec.expensive_tier) == ("cheap", "expensive")
    assert spec.models == {"cheap": "gpt-4o-mini", "expensive": "gpt-4o"}
    with pytest.raises(LlmrouteError, match=r"^unknown tier 'medium'; expected one of: cheap, expensive$"):
        QualitySpec.from_policy(policy, price_book(policy), cheap="medium")
    with pytest.raises(LlmrouteError, match=r"^the cheap and the expensive tier are both 'cheap'"):
        QualitySpec.from_policy(policy, price_book(policy), expensive="cheap")


def test_pandas_default_rule_nan_is_the_default():
    acc = QualityAccumulator(SPEC)
    acc.add(["cheap"], [{"needed": "cheap"}], [float("nan")])
    assert acc.result().rules[0].rule is None


# --- real data: gpt-4 vs Mixtral ------------------------------------------------------------------

MT_SPEC = QualitySpec("cheap", "expensive", {"cheap": MIXTRAL, "expensive": GPT4})


def mt_bench_turns():
    """(question, category, turn, {model: score}) for the 160 MT-Bench turns."""
    questions = {}
    for line in (DATA / "mt_bench" / "question.jsonl").read_text("utf-8").splitlines():
        q = json.loads(line)
        questions[q["question_id"]] = q
    scores = defaultdict(dict)
    for line in (DATA / "mt_bench" / "judgements.jsonl").read_text("utf-8").splitlines():
        j = json.loads(line)
        scores[(j["question_id"], j["turn"])][j["model"]] = j["score"]
    return [
        (questions[qid]["turns"][turn - 1], questions[qid]["category"], turn, s)
        for (qid, turn), s in sorted(scores.items())
    ]


@needs_shared
def test_mt_bench_all_cheap_under_routing_is_19_percent():
    turns = mt_bench_turns()
    assert len(turns) == 160
    needed = sum(1 for *_, s in turns if s[GPT4] - s[MIXTRAL] >= 2)
    assert needed == 30
    report = run([("cheap", None, {"scores": s}) for *_, s in turns], spec=MT_SPEC)
    assert report.rates.under_routing_rate == needed / 160 == 0.1875  # the data README's 19%
    assert report.rates.verdict == "watch it"
    q = report.quality["scores"]
    assert q.all_cheap == pytest.approx(sum(s[MIXTRAL] for *_, s in turns) / 160) == pytest.approx(8.340625)
    assert q.all_expensive == pytest.approx(sum(s[GPT4] for *_, s in turns) / 160) == pytest.approx(9.228125)
    assert q.gap_recovered == pytest.approx(0.0)


@needs_shared
def test_mt_bench_routing_by_category_against_direct_counts():
    hard = {"reasoning", "math", "coding", "extraction"}
    turns = mt_bench_turns()
    rows = [("expensive" if c in hard else "cheap", c, {"scores": s}) for _, c, _, s in turns]
    report = run(rows, spec=MT_SPEC)
    needs = [s[GPT4] - s[MIXTRAL] >= 2 for *_, s in turns]
    routed = [r[0] for r in rows]
    under = sum(1 for t, n in zip(routed, needs, strict=True) if t == "cheap" and n)
    over = sum(1 for t, n in zip(routed, needs, strict=True) if t == "expensive" and not n)
    assert report.rates.under_routed == under
    assert report.rates.under_routing_rate == under / routed.count("cheap")
    assert report.rates.over_routing_rate == over / routed.count("expensive")
    routed_mean = (
        sum(s[GPT4] if t == "expensive" else s[MIXTRAL] for t, (*_, s) in zip(routed, turns, strict=True)) / 160
    )
    cheap, expensive = 8.340625, 9.228125
    assert report.quality["scores"].routed == pytest.approx(routed_mean)
    assert report.quality["scores"].gap_recovered == pytest.approx((routed_mean - cheap) / (expensive - cheap))
    # the data README: no writing/roleplay/humanities turn needed gpt-4
    assert {r.rule: r.rates.needed_expensive for r in report.rules}["writing"] == 0


@needs_shared
def test_mt_bench_through_the_builtin_policy():
    import pandas as pd

    turns = mt_bench_turns()
    frame = pd.DataFrame({"query": [t[0] for t in turns], "context": "", "metadata": [{}] * len(turns)})
    decisions = Router.builtin().route_frame(frame)
    acc = QualityAccumulator(MT_SPEC)
    acc.add(list(decisions["tier"]), [{"scores": t[3]} for t in turns], list(decisions["rule"]))
    report = acc.result()
    tiers = list(decisions["tier"])
    under = sum(1 for t, (*_, s) in zip(tiers, turns, strict=True) if t == "cheap" and s[GPT4] - s[MIXTRAL] >= 2)
    assert report.rates.under_routed == under
    assert report.rates.cheap_routed == tiers.count("cheap")
    assert sum(r.requests for r in report.rules) == 160


@needs_shared
def test_mmlu_needed_from_correctness_is_18_percent():
    rows, needed = [], 0
    for path in sorted((DATA / "mmlu").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                correct = {GPT4: row[GPT4] == "True", MIXTRAL: row[MIXTRAL] == "True"}
                needed += correct[GPT4] and not correct[MIXTRAL]
                rows.append(("cheap", path.stem, {"correct": correct}))
    report = run(rows, spec=MT_SPEC)
    assert report.labeled == len(rows) == 9454
    assert report.rates.under_routed == needed == 1706
    assert round(report.rates.under_routing_rate, 2) == 0.18  # the data README: about 18%
    assert report.needed_from["correct"] == 9454
    accuracy = report.quality["correct"]
    assert accuracy.all_cheap == pytest.approx(sum(1 for r in rows if r[2]["correct"][MIXTRAL]) / 9454)
    assert accuracy.all_expensive == pytest.approx(sum(1 for r in rows if r[2]["correct"][GPT4]) / 9454)


def test_mixed_scales_on_the_shipped_sample_log_stay_apart():
    path = Path(__file__).resolve().parent.parent / "sample_data" / "chat_logs_small.jsonl"
    frame = next(iter(read_logs([str(path)])))
    router = Router.builtin()
    decisions = router.route_frame(frame)
    acc = QualityAccumulator(QualitySpec.from_policy(router.policy, price_book(router.policy)))
    acc.add(list(decisions["tier"]), list(frame["labels"]), list(decisions["rule"]))
    report = acc.result()
    labels = [x for x in frame["labels"] if isinstance(x, dict)]
    assert report.labeled == len(labels)
    scored = [x for x in labels if "scores" in x]
    graded = [x for x in labels if "correct" in x and "scores" not in x]
    assert report.quality["scores"].requests == len(scored)
    assert report.quality["correct"].requests == len(graded)
    assert report.quality["scores"].all_cheap == pytest.approx(
        sum(x["scores"]["gpt-4o-mini"] for x in scored) / len(scored)
    )
    assert report.quality["correct"].all_expensive == pytest.approx(
        sum(x["correct"]["gpt-4o"] for x in graded) / len(graded)
    )


def test_the_expensive_tier_is_the_same_for_the_baseline_and_the_quality_figures_when_prices_tie():
    # Two tiers at one price: before, the baseline took the first dearest and quality the last.
    from llmroute_cli.simulate.simulation import SimulateOptions, Simulation

    text = "tiers: {a: gpt-4o, b: gpt-4o-2024-08-06, c: gpt-4o-mini}\ndefault: c\nrules: []\n"
    router = Router.from_text(text, "tie.yaml")
    book = price_book(router.policy)
    spec = QualitySpec.from_policy(router.policy, book)
    sim = Simulation(router, book, SimulateOptions(bootstrap=0))
    assert (spec.cheap_tier, spec.expensive_tier, sim.baseline_tier) == ("c", "b", "b")


def test_with_three_tiers_a_middle_tier_under_routes_too(runner, tmp_path):
    """Requests that needed the expensive tier but went to the middle one are under-routed, like the cheapest."""
    import json

    from llmroute_cli.cli import app

    rules = """\
tiers: {nano: gpt-4.1-nano, mini: gpt-4o-mini, big: gpt-4o}
default: nano
rules:
  - name: long
    when: {query.chars: {gt: 20}}
    route: mini
  - name: code
    when: {query: {contains: "def "}}
    route: big
"""
    (tmp_path / "r.yaml").write_text(rules)
    # (query, needed): 2 short -> nano (1 needed expensive), 3 long -> mini (2 needed expensive), 1 code -> big
    records = [("hi", "cheap"), ("ok?", "expensive"), ("x" * 30, "expensive"), ("y" * 30, "expensive")]
    records += [("z" * 30, "cheap"), ("def f(): pass", "cheap")]
    lines = [
        {"messages": [{"role": "user", "content": q}], "usage": {"prompt_tokens": 10}, "needed": n} for q, n in records
    ]
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    args = [
        "simulate",
        str(tmp_path / "log.jsonl"),
        "--rules",
        str(tmp_path / "r.yaml"),
        "--days",
        "1",
        "--format",
        "json",
    ]
    q = json.loads(runner.invoke(app, args).stdout)["quality"]
    assert (q["cheap_routed"], q["under_routed"]) == (5, 3)  # 2 on nano + 3 on mini; 1 + 2 needed expensive
    assert q["under_routing_rate"] == pytest.approx(3 / 5)
    assert (q["expensive_routed"], q["over_routed"]) == (1, 1)
