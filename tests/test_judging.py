"""The offline judge loop: sampling, Batch API lines, their cost, reading verdicts, the report."""

from __future__ import annotations

import json
import math
from statistics import NormalDist

import numpy as np
import pytest

from llmroute_cli.errors import LlmrouteError, UsageError
from llmroute_cli.pricing.prices import Price
from llmroute_cli.quality.judge_batch import (
    DEFAULT_TEMPLATE,
    JudgeItem,
    check_template,
    judge_batch_lines,
    judge_cost,
    judge_item,
    sample_requests,
    sample_size,
)
from llmroute_cli.quality.judge_results import Z95, JudgeFailure, JudgeShare, judge_report, parse_judge_results, wilson
from llmroute_cli.tokens.chat import chat_tokens

# --- sampling -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "n", "k"),
    [
        (0.05, 100, 5),
        (0.05, 10, 1),  # 0.5 rounds up
        (0.05, 9, 1),  # 0.45 rounds to 0, but a non-empty group gives at least 1
        (0.15, 10, 2),  # 1.5 rounds up (0.15 * 10 is 1.4999999999999998 in floating point)
        (0.05, 29, 1),  # 1.45
        (1.0, 7, 7),
        (0.05, 0, 0),
    ],
)
def test_sample_size(rate, n, k):
    assert sample_size(rate, n) == k


TIERS = ["cheap"] * 30 + ["expensive"] * 10 + ["cheap"] * 9 + ["cheap"]
RULES = ["short"] * 30 + ["code"] * 10 + ["faq"] * 9 + [None]


def test_sample_takes_only_the_tier_and_is_reproducible():
    picked = sample_requests(TIERS, RULES, rate=0.1, seed=7)
    assert len(picked) == 4  # 40 cheap-routed requests * 0.1
    assert all(TIERS[i] == "cheap" for i in picked)
    assert picked == sorted(picked)
    assert sample_requests(TIERS, RULES, rate=0.1, seed=7) == picked
    assert sample_requests(TIERS, RULES, rate=0.1, seed=8) != picked


def test_sample_stratified_by_rule():
    picked = sample_requests(TIERS, RULES, rate=0.1, seed=7, stratify=True)
    by_rule = {r: sum(1 for i in picked if RULES[i] == r) for r in ("short", "faq", None, "code")}
    # short: 30 * 0.1 = 3; faq: 9 * 0.1 = 0.9 -> 1; default: 1 * 0.1 -> at least 1; code is expensive-routed
    assert by_rule == {"short": 3, "faq": 1, None: 1, "code": 0}


def test_sample_of_another_tier():
    picked = sample_requests(TIERS, RULES, tier="expensive", rate=0.5, seed=0)
    assert len(picked) == 5 and all(30 <= i < 40 for i in picked)


def test_a_larger_rate_draws_a_superset():
    small = set(sample_requests(TIERS, RULES, rate=0.1, seed=3))
    large = set(sample_requests(TIERS, RULES, rate=0.3, seed=3))
    assert small < large and len(large) == 12


def test_keyed_sample_does_not_depend_on_log_order():
    ids = [f"req-{i}" for i in range(len(TIERS))]
    forward = {ids[i] for i in sample_requests(TIERS, RULES, rate=0.2, seed=1, keys=ids)}
    backward_ids = ids[::-1]
    backward = {backward_ids[i] for i in sample_requests(TIERS[::-1], RULES[::-1], rate=0.2, seed=1, keys=backward_ids)}
    assert forward == backward


@pytest.mark.parametrize("rate", [0, -0.1, 1.5])
def test_sample_rate_must_be_a_share(rate):
    with pytest.raises(UsageError) as err:
        sample_requests(TIERS, RULES, rate=rate)
    assert str(err.value) == f"rate must be above 0 and at most 1, got {rate:g}"  # the API's spelling
    assert err.value.for_cli() == f"--rate must be above 0 and at most 1, got {rate:g}"


def test_sample_of_an_empty_tier_is_an_error():
    with pytest.raises(LlmrouteError) as err:
        sample_requests(["expensive", "expensive"], [None, None], tier="cheap")
    assert str(err.value) == "no request was routed to tier 'cheap', so there is nothing to sample (tiers: expensive)"


# --- batch lines --------------------------------------------------------------------------------

ITEMS = [
    JudgeItem("r1", "What is 2+2?", "4", "Four.", "cheap", "short"),
    JudgeItem("r:2", "Capital of France?", "Paris", "Paris, France.", "cheap", None),
    JudgeItem("r3", "Sum 1..10?", "55", "It is 55.", "cheap", "short"),
    JudgeItem("r4", "Define a prime.", "A number.", "A number >1 with no divisors but 1 and itself.", "cheap", "faq"),
]


def test_batch_line_shape():
    line = json.loads(judge_batch_lines(ITEMS[:1], "gpt-4o", "Q: {question}\nA: {answer_a}\nB: {answer_b}")[0])
    # one item: half of 1 rounds down to 0 swapped, so the cheap answer is A
    assert line == {
        "custom_id": "llmroute-judge:r1:cheap:short:A=cheap",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": "Q: What is 2+2?\nA: 4\nB: Four."}],
            "temperature": 0,
            "max_tokens": 1024,
        },
    }


def test_half_the_lines_put_the_expensive_answer_first():
    lines = [json.loads(x) for x in judge_batch_lines(ITEMS, "gpt-4o", seed=5, max_tokens=300)]
    ids = [x["custom_id"] for x in lines]
    assert sum(i.endswith("A=expensive") for i in ids) == 2
    for item, line in zip(ITEMS, lines, strict=True):
        prompt = line["body"]["messages"][0]["content"]
        first, second = (
            (item.expensive_answer, item.cheap_answer)
            if line["custom_id"].endswith("A=expensive")
            else (item.cheap_answer, item.expensive_answer)
        )
        assert f"[The Start of Assistant A's Answer]\n{first}\n" in prompt
        assert f"[The Start of Assistant B's Answer]\n{second}\n" in prompt
        assert line["body"]["max_tokens"] == 300
    # ids with ':' are percent-encoded; the default tier's rule is empty
    assert ids[1].startswith("llmroute-judge:r%3A2:cheap::A=")


def test_swaps_follow_the_seed_not_the_order():
    forward = judge_batch_lines(ITEMS, "gpt-4o", seed=5)
    assert judge_batch_lines(ITEMS, "gpt-4o", seed=5) == forward
    assert sorted(judge_batch_lines(ITEMS[::-1], "gpt-4o", seed=5)) == sorted(forward)
    swapped = {json.loads(x)["custom_id"] for x in forward}
    others = [{json.loads(x)["custom_id"] for x in judge_batch_lines(ITEMS, "gpt-4o", seed=s)} for s in range(6)]
    assert any(o != swapped for o in others)


def test_default_template_asks_for_the_mt_bench_verdict():
    check_template(DEFAULT_TEMPLATE)
    assert "[[A]] if assistant A's answer is" in DEFAULT_TEMPLATE
    assert "[[C]] for a tie" in DEFAULT_TEMPLATE


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{question} {answer_a}",
            "judge template: missing {answer_b}; it must hold {question}, {answer_a} and {answer_b}",
        ),
        (
            "{question} {answer_a} {answer_b} {context}",
            "judge template: unknown placeholder {context}; use only {question}, {answer_a} and {answer_b}"
            " (write literal braces as {{ and }})",
        ),
        (
            "{question} {answer_a} {answer_b} {}",
            "judge template: unknown placeholder {}; use only {question}, {answer_a} and {answer_b}"
            " (write literal braces as {{ and }})",
        ),
        (
            '{question} {answer_a} {answer_b} reply as {"verdict": "A"}',
            'judge template: unknown placeholder {"verdict"}; use only {question}, {answer_a} and {answer_b}'
            " (write literal braces as {{ and }})",
        ),
        (
            "{question} {answer_a} {answer_b} }",
            "judge template: Single '}' encountered in format string; write literal braces as {{ and }}",
        ),
    ],
)
def test_bad_templates(template, message):
    with pytest.raises(LlmrouteError) as err:
        judge_batch_lines(ITEMS, "gpt-4o", template)
    assert str(err.value) == message


def test_literal_braces_in_a_template():
    line = json.loads(judge_batch_lines(ITEMS[:1], "gpt-4o", "{{json}} {question}|{answer_a}|{answer_b}")[0])
    assert line["body"]["messages"][0]["content"] == "{json} What is 2+2?|4|Four."


def test_duplicate_ids_are_an_error():
    with pytest.raises(LlmrouteError) as err:
        judge_batch_lines([ITEMS[0], ITEMS[0]], "gpt-4o")
    assert str(err.value) == "request id 'r1' appears twice; Batch API custom_ids must be unique"


MODELS = {"cheap": "gpt-4o-mini", "expensive": "gpt-4o"}


@pytest.mark.parametrize(
    "record",
    [
        {"answers": {"gpt-4o-mini": "small", "gpt-4o": "big"}},
        {"answers": {"cheap": "small", "expensive": "big"}},
        {"answers": {"gpt-4o-mini-2024-07-18": "small", "openai/gpt-4o": "big"}},
        {"model": "gpt-4o-mini", "response": "small", "answers": {"gpt-4o": "big"}},
    ],
)
def test_judge_item_reads_both_answers(record):
    record = {"id": "r9", "query": "Why?", "tier": "cheap", "rule": "short", **record}
    assert judge_item(record, MODELS, "cheap", "expensive") == JudgeItem("r9", "Why?", "small", "big", "cheap", "short")


def test_judge_item_puts_the_context_before_the_question():
    record = {"id": 3, "query": "Summarise.", "context": "Doc text.", "answers": {"cheap": "a", "expensive": "b"}}
    item = judge_item(record, MODELS, "cheap", "expensive")
    assert (item.id, item.question, item.rule) == ("3", "Doc text.\n\nSummarise.", None)


def test_judge_item_without_the_expensive_answer():
    record = {"id": "r9", "query": "Why?", "model": "gpt-4o-mini", "response": "small"}
    with pytest.raises(LlmrouteError) as err:
        judge_item(record, MODELS, "cheap", "expensive")
    assert str(err.value) == (
        "request 'r9': no expensive answer (gpt-4o) in the log: neither answers.gpt-4o nor answers.expensive, "
        "nor a response logged from gpt-4o; the judge compares both answers: get this one with "
        "`llmroute batch answers LOGS --tier expensive --model gpt-4o -o answers.jsonl`, then `llmroute batch join`"
    )


# --- cost ---------------------------------------------------------------------------------------


def _line(content: str, model: str = "gpt-4o", max_tokens: int = 100) -> str:
    body = {"model": model, "messages": [{"role": "user", "content": content}], "max_tokens": max_tokens}
    return json.dumps({"custom_id": "x", "method": "POST", "url": "/v1/chat/completions", "body": body})


def test_judge_cost_by_hand():
    # "hello world" is 2 tokens; "user" 1; 3 per message; 3 prime the reply: 9 prompt tokens a line
    assert chat_tokens([{"role": "user", "content": "hello world"}]) == 9
    lines = [_line("hello world"), _line("hello world", max_tokens=50)]
    price = Price(2.50, 10.00, batch_input=1.25, batch_output=5.00)
    cost = judge_cost(lines, price)
    assert (cost.requests, cost.prompt_tokens, cost.max_output_tokens) == (2, 18, 150)
    assert cost.input_usd == pytest.approx(18 * 1.25 / 1_000_000)
    assert cost.output_usd == pytest.approx(150 * 5.00 / 1_000_000)
    assert cost.total_usd == pytest.approx((18 * 1.25 + 150 * 5.00) / 1_000_000)
    assert cost.to_dict()["batch"] is True


def test_judge_cost_takes_list_prices_without_batch_prices():
    # One rule for a model that publishes no batch price, here and in simulate: its list price.
    cost = judge_cost([_line("hello world")], Price(3.00, 15.00))
    assert cost.total_usd == pytest.approx((9 * 3.00 + 100 * 15.00) / 1_000_000)
    sync = judge_cost([_line("hello world")], Price(3.00, 15.00), batch=False)
    assert sync.total_usd == cost.total_usd


def test_batch_without_a_published_batch_price_costs_the_same_in_simulate_and_the_judge():
    from llmroute_cli.pricing.costing import Tokens, request_costs

    price = Price(3.00, 15.00)
    one = lambda n: np.array([n], dtype=np.int64)  # noqa: E731
    tokens = Tokens(one(9), one(100), one(0), one(0), one(0), np.array([True]))
    simulated = float(request_costs(price, tokens)[0])
    assert simulated == pytest.approx((9 * 3.00 + 100 * 15.00) / 1_000_000)
    assert judge_cost([_line("hello world")], price).total_usd == pytest.approx(simulated)


def test_judge_cost_of_generated_lines_counts_every_prompt():
    lines = judge_batch_lines(ITEMS, "gpt-4o-mini", max_tokens=200)
    prompts = [json.loads(x)["body"]["messages"] for x in lines]
    cost = judge_cost(lines, Price(0.15, 0.60, batch_input=0.075, batch_output=0.30))
    assert cost.prompt_tokens == sum(chat_tokens(m, "o200k_base") for m in prompts)
    assert cost.max_output_tokens == 4 * 200


# --- reading results ----------------------------------------------------------------------------


def result(custom_id, content, finish="stop"):
    choice = {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
    response = {"status_code": 200, "request_id": "req_1", "body": {"id": "chatcmpl-1", "choices": [choice]}}
    return json.dumps({"id": "batch_req_1", "custom_id": custom_id, "response": response, "error": None})


@pytest.mark.parametrize(
    ("position", "answer", "verdict"),
    [
        ("A=cheap", "A is better.\n[[A]]", "cheap_ok"),
        ("A=cheap", "[[B]]", "expensive_better"),
        ("A=expensive", "[[A]]", "expensive_better"),
        ("A=expensive", "[[B]]", "cheap_ok"),
        ("A=expensive", "Equal.\n[[C]]", "tie"),
        ("A=cheap", 'I answer "[[A]]" if A wins...\nFinal verdict:\n[[B]]', "expensive_better"),  # the last one counts
    ],
)
def test_verdicts_map_back_through_the_swap(position, answer, verdict):
    parsed = parse_judge_results([result(f"llmroute-judge:r%3A1:cheap:short:{position}", answer)])
    assert parsed.failures == ()
    (v,) = parsed.verdicts
    assert (v.request_id, v.tier, v.rule, v.verdict) == ("r:1", "cheap", "short", verdict)


def test_unusable_answers_are_counted_with_reasons():
    cid = "llmroute-judge:r{}:cheap::A=cheap"
    error = {
        "id": "b",
        "custom_id": cid.format(3),
        "response": None,
        "error": {"code": "rate_limit", "message": "slow down"},
    }
    http = {
        "id": "b",
        "custom_id": cid.format(4),
        "response": {"status_code": 500, "body": {"error": {"message": "server error"}}},
        "error": None,
    }
    empty = {"id": "b", "custom_id": cid.format(7), "response": {"status_code": 200, "body": {"choices": []}}}
    lines = [
        result(cid.format(1), "[[A]]"),
        "not json",
        json.dumps(error),
        json.dumps(http),
        result(cid.format(5), "Both are fine."),
        result(cid.format(6), "Let me think about this at leng", finish="length"),
        json.dumps(empty),
        result("request-8", "[[A]]"),
        "",
        result(cid.format(1), "[[B]]"),
        result(cid.format(10), None),
    ]
    parsed = parse_judge_results(lines)
    assert [v.request_id for v in parsed.verdicts] == ["r1"]
    assert parsed.failures == (
        JudgeFailure(2, None, "not JSON: Expecting value: line 1 column 1 (char 0)"),
        JudgeFailure(3, cid.format(3), "batch error rate_limit: slow down"),
        JudgeFailure(4, cid.format(4), "HTTP 500: server error"),
        JudgeFailure(5, cid.format(5), "no verdict [[A]], [[B]] or [[C]] in the judge's answer"),
        JudgeFailure(6, cid.format(6), "no verdict: the answer was cut off at max_tokens"),
        JudgeFailure(7, cid.format(7), "no choices[0].message.content in the response"),
        JudgeFailure(
            8, "request-8", "custom_id was not written by llmroute sample (expected llmroute-judge:ID:TIER:RULE:A=...)"
        ),
        JudgeFailure(10, cid.format(1), "a second result for this custom_id; the first one counts"),
        JudgeFailure(11, cid.format(10), "the judge's message has no text content"),
    )


def test_round_trip_from_batch_lines():
    lines = [json.loads(x) for x in judge_batch_lines(ITEMS, "gpt-4o", seed=5)]
    # the judge always prefers the expensive answer, wherever it sits
    outputs = [result(x["custom_id"], "[[A]]" if x["custom_id"].endswith("A=expensive") else "[[B]]") for x in lines]
    report = judge_report(parse_judge_results(outputs))
    assert report.overall == JudgeShare(4, 4, 0, 0)
    assert report.first_position_share == 0.5  # half swapped: A chosen on the 2 swapped lines


# --- Wilson interval and the report ----------------------------------------------------------------


def test_z_is_the_normal_quantile():
    assert NormalDist().inv_cdf(0.975) == pytest.approx(Z95, abs=1e-15)


def test_wilson_3_of_20_by_hand():
    # p = 3/20 = 0.15, n = 20, z^2 = 1.959964^2 = 3.841459
    # centre = (0.15 + 3.841459/40) / (1 + 3.841459/20) = 0.246036 / 1.192073 = 0.206394
    # half   = 1.959964 * sqrt(0.15*0.85/20 + 3.841459/1600) / 1.192073
    #        = 1.959964 * sqrt(0.006375 + 0.002400912) / 1.192073 = 1.959964 * 0.093680 / 1.192073 = 0.154025
    z2 = 1.959963984540054**2
    centre = (0.15 + z2 / 40) / (1 + z2 / 20)
    half = 1.959963984540054 * math.sqrt(0.15 * 0.85 / 20 + z2 / 1600) / (1 + z2 / 20)
    low, high = wilson(3, 20)
    assert (low, high) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3604)  # the textbook Wilson interval for 3/20


def test_wilson_edges():
    # 0/10: centre = half = (z^2/20) / (1 + z^2/10): from 0 to (z^2/10) / (1 + z^2/10) = 0.384146 / 1.384146
    assert wilson(0, 10) == pytest.approx((0.0, 0.384145882 / 1.384145882))
    assert wilson(10, 10) == pytest.approx((1 - 0.384145882 / 1.384145882, 1.0))
    assert wilson(0, 0) is None


def test_judge_report_overall_per_tier_and_rule():
    rows = (
        [("short", "A=cheap", "[[B]]")] * 2  # expensive_better
        + [("faq", "A=expensive", "[[A]]")]  # expensive_better
        + [("short", "A=cheap", "[[A]]")] * 10  # cheap_ok
        + [("faq", "A=expensive", "[[B]]")] * 5  # cheap_ok
        + [("", "A=cheap", "[[C]]")] * 2  # tie, default tier
    )
    lines = [result(f"llmroute-judge:r{i}:cheap:{rule}:{pos}", ans) for i, (rule, pos, ans) in enumerate(rows)]
    lines.append("garbage")
    report = judge_report(parse_judge_results(lines))
    assert report.overall == JudgeShare(20, 3, 15, 2)
    assert report.overall.share == 3 / 20
    assert report.overall.interval == wilson(3, 20)
    assert report.overall.verdict == "watch it"  # 15% is between 10% and 20%
    assert report.tiers == {"cheap": JudgeShare(20, 3, 15, 2)}
    assert dict(report.rules) == {
        "short": JudgeShare(12, 2, 10, 0),
        "faq": JudgeShare(6, 1, 5, 0),
        None: JudgeShare(2, 0, 0, 2),
    }
    assert dict(report.rules)["short"].verdict == "watch it"  # 2/12 = 16.7%
    assert dict(report.rules)[None].verdict == "routing works"  # 0/2
    # picks of position A among the 18 non-ties: 1 (faq A=expensive [[A]]) + 10 (short [[A]]) = 11
    assert report.first_position_share == 11 / 18
    d = report.to_dict()
    assert d["unparsed"] == 1 and d["failures"][0]["line"] == 21
    assert d["overall"]["low"] == pytest.approx(0.0524, abs=1e-4)
    json.dumps(d)


def test_judge_report_on_an_empty_file():
    with pytest.raises(LlmrouteError) as err:
        judge_report(parse_judge_results(["", "  "]))
    assert str(err.value) == "no judge results in the file; pass the Batch API output file (one JSON object a line)"


def test_stratified_sample_treats_pandas_missing_rules_as_one_default():
    import pandas as pd

    rules = list(pd.Categorical(["a", None, None, None], categories=["a"]))
    picked = sample_requests(["cheap"] * 4, rules, rate=0.5, stratify=True)
    assert len(picked) == 3  # a: 1 (0.5 rounds up), default: 1.5 rounds up to 2
