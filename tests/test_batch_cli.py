"""The Batch round trip through the CLI: requests written for what the logs lack, recorded results joined back.

The ``tests/fixtures/batch_*_output.jsonl`` files are Batch API output in the real API's shape
(``response.body`` a chat completion, ``error`` lines, an HTTP 429, a reply cut off at max_tokens)
for the requests in ``batch_*_input.jsonl``, which these commands wrote from the shipped sample.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmroute_cli.cli import app
from llmroute_cli.render.fmt import money
from llmroute_cli.tokens.chat import chat_tokens

FIXTURES = "tests/fixtures"
SMALL = "sample_data/chat_logs_small.jsonl"
JUDGE_LOG = "sample_data/mtbench_judge_log.jsonl"


@pytest.fixture
def here(root, tmp_path, monkeypatch):
    for name in ("sample_data", "routes.yaml", "tests"):
        (tmp_path / name).symlink_to(root / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args):
    return CliRunner().invoke(app, list(args))


def lines(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def test_classify_writes_the_recorded_requests_and_states_their_cost(here):
    result = invoke("batch", "classify", SMALL, "--rate", "0.1", "-o", "cls.jsonl")
    assert result.exit_code == 0, result.output
    assert (here / "cls.jsonl").read_bytes() == (here / FIXTURES / "batch_classify_input.jsonl").read_bytes()
    requests = lines(here / "cls.jsonl")
    assert len(requests) == 20 and all(r["body"]["max_tokens"] == 16 for r in requests)
    assert all("Reply with one word: SIMPLE or COMPLEX" in r["body"]["messages"][0]["content"] for r in requests)
    prompt = sum(chat_tokens(r["body"]["messages"], "o200k_base") for r in requests)
    usd = prompt * 0.075 / 1e6 + 20 * 16 * 0.30 / 1e6  # gpt-4o-mini at Batch prices: $0.075 / $0.30 per 1M
    assert f"{prompt:,} prompt tokens" in result.stdout and "at most 320 output tokens" in result.stdout
    assert f"Cost at most {money(usd)} at Batch API prices" in result.stdout
    assert "sampled 20 of all 200 (rate 10.0%, seed 0)" in result.stdout


def test_answers_sample_the_requests_the_judge_sample_takes(here):
    answers = invoke("batch", "answers", JUDGE_LOG, "--rate", "0.05", "--seed", "3", "-o", "ans.jsonl")
    assert answers.exit_code == 0, answers.output
    judge = lines(here / FIXTURES / "batch_judge_input.jsonl")
    judged = {j["custom_id"].split(":")[1] for j in judge}
    asked = lines(here / "ans.jsonl")
    assert {a["custom_id"].split(":")[1] for a in asked} == judged  # the same --rate and --seed: the same requests
    logged = {r["id"]: r for r in lines(here / JUDGE_LOG)}
    for a in asked:
        rid = a["custom_id"].split(":")[1]
        assert a["body"]["messages"] == logged[rid]["messages"]  # the request as logged
        assert a["body"]["model"] == "gpt-4o-mini" and a["custom_id"].endswith(":gpt-4o-mini")


def test_join_merges_labels_and_confidence_and_names_every_unusable_line(here):
    outputs = [f"{FIXTURES}/batch_classify_output.jsonl", f"{FIXTURES}/batch_confidence_output.jsonl"]
    result = invoke("batch", "join", *outputs, "--logs", SMALL, "-o", "enriched.jsonl")
    assert result.exit_code == 0, result.output
    assert "Read 31 results: joined classify 17, confidence 7; 7 unusable" in result.stdout
    assert "Wrote 200 records to enriched.jsonl, 17 of them enriched." in result.stdout
    problems = result.stderr.splitlines()
    expected = [
        ("batch_classify_output.jsonl:4:", "batch error batch_expired"),
        ("batch_classify_output.jsonl:8:", "HTTP 429: Rate limit reached for gpt-4o-mini"),
        ("batch_classify_output.jsonl:12:", "the reply names neither SIMPLE nor COMPLEX"),
        ("batch_classify_output.jsonl:21:", "request 'chatcmpl-not-in-these-logs' is not in the logs"),
        ("batch_classify_output.jsonl:22:", "custom_id was not written by llmroute batch"),
        ("batch_confidence_output.jsonl:3:", "no 'Confidence: N' line"),
        ("batch_confidence_output.jsonl:6:", "the reply was cut off at max_tokens"),
    ]
    for where, why in expected:
        assert any(where in p and why in p for p in problems), (where, why, problems)
    assert len(problems) == len(expected)

    original = (here / SMALL).read_bytes().splitlines()
    joined = (here / "enriched.jsonl").read_bytes().splitlines()
    assert len(joined) == len(original)
    changed = [i for i, (a, b) in enumerate(zip(original, joined, strict=True)) if a != b]
    labels = {}
    for out in lines(here / outputs[0]):
        content = (out.get("response") or {}).get("body", {}).get("choices", [{}])[0].get("message", {}).get("content")
        word = (content or "").strip("*.").upper()
        if word in ("SIMPLE", "COMPLEX") and out["custom_id"].startswith("llmroute-classify:"):
            labels[out["custom_id"].split(":")[1]] = word
    records = [json.loads(joined[i]) for i in changed]
    got = {r["id"]: r["metadata"]["llm_label"] for r in records if "llm_label" in r.get("metadata", {})}
    assert got == {k: v for k, v in labels.items() if k != "chatcmpl-not-in-these-logs"}
    confident = {r["id"]: r["metadata"]["confidence"] for r in records if "confidence" in r.get("metadata", {})}
    assert sorted(confident.values()) == sorted([9, 4, 10, 6, 3, 9, 5])
    for r in records:
        if "confidence" in r["metadata"]:
            assert r["answers"]["gpt-4o-mini"].startswith("Here is the answer to request")
            assert "Confidence" not in r["answers"]["gpt-4o-mini"]
        before = json.loads(original[joined.index(json.dumps(r, ensure_ascii=False).encode())])
        assert {k: v for k, v in r.items() if k not in ("metadata", "answers")} == {
            k: v for k, v in before.items() if k not in ("metadata", "answers")
        }

    rules = here / "llm.yaml"
    rules.write_text(
        "tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\nrules:\n"
        "  - {name: llm-complex, when: {metadata.llm_label: COMPLEX}, route: expensive}\n"
        "  - {name: unsure, when: {metadata.confidence: {lt: 8}}, route: expensive}\n"
    )
    sim = invoke("simulate", "enriched.jsonl", "--rules", str(rules), "--format", "json", "--days", "1")
    assert sim.exit_code == 0, sim.output
    hits = {name: r["queries"] for name, r in json.loads(sim.stdout)["rules"].items()}
    complex_ids = {k for k, v in got.items() if v == "COMPLEX"}
    unsure = {k for k, v in confident.items() if v < 8} - complex_ids
    assert hits["llm-complex"] == len(complex_ids) and hits["unsure"] == len(unsure)


def test_join_with_strict_exits_1_on_unusable_lines_and_never_touches_its_inputs(here):
    before = (here / SMALL).read_bytes()
    result = invoke(
        "batch", "join", f"{FIXTURES}/batch_classify_output.jsonl", "--logs", SMALL, "-o", "e.jsonl", "--strict"
    )
    assert result.exit_code == 1 and (here / "e.jsonl").is_file()
    assert (here / SMALL).read_bytes() == before
    over = invoke("batch", "join", f"{FIXTURES}/batch_classify_output.jsonl", "--logs", SMALL, "-o", SMALL)
    assert over.exit_code == 2 and "would overwrite an input file" in over.stderr


def test_judge_verdicts_join_as_labels_that_agree_with_judge_report(here):
    output = f"{FIXTURES}/batch_judge_output.jsonl"
    result = invoke("batch", "join", output, "--logs", JUDGE_LOG, "-o", "judged.jsonl")
    assert result.exit_code == 0, result.output
    assert "joined judge 8" in result.stdout
    verdicts = {r["id"]: r["judge"] for r in lines(here / "judged.jsonl") if "judge" in r}
    report = json.loads(invoke("judge-report", output, "--format", "json").stdout)
    assert len(verdicts) == report["overall"]["judged"] == 8
    counted = {k: list(verdicts.values()).count(k) for k in ("expensive_better", "cheap_ok", "tie")}
    assert counted == {k: report["overall"][k] for k in counted}


def test_batch_judge_is_sample(here):
    judge = invoke("batch", "judge", JUDGE_LOG, "--rate", "0.05", "--seed", "3", "-o", "j.jsonl")
    assert judge.exit_code == 0, judge.output
    assert (here / "j.jsonl").read_bytes() == (here / FIXTURES / "batch_judge_input.jsonl").read_bytes()


def test_a_template_without_its_question_is_refused(here):
    (here / "t.txt").write_text("Rate it: {answer}\n")
    result = invoke("batch", "confidence", SMALL, "--template", "t.txt", "-o", "c.jsonl")
    assert result.exit_code == 1
    assert "t.txt: confidence template: unknown placeholder {answer}; it must hold {question} only" in result.stderr
    assert not (here / "c.jsonl").exists()


def test_confidence_replies_are_read_from_their_last_confidence_line():
    from llmroute_cli.quality.batch_requests import parse_reply

    assert parse_reply("confidence", "Paris.\n\nConfidence: 9") == ({"answer": "Paris.", "confidence": 9}, None)
    assert parse_reply("confidence", "x\n**Confidence:** 10/10")[0] == {"answer": "x", "confidence": 10}
    assert parse_reply("confidence", "Confidence: 3\nthen more\nConfidence: 7")[0]["confidence"] == 7
    assert parse_reply("confidence", "Confidence: 11")[0] is None
    assert parse_reply("classify", "simple.")[0] == {"llm_label": "SIMPLE"}
    assert parse_reply("classify", "SIMPLE or COMPLEX?") == (None, "the reply names both SIMPLE and COMPLEX")


def test_fixtures_are_shaped_like_the_real_batch_api(root):
    for path in (root / FIXTURES).glob("batch_*_output.jsonl"):
        for record in lines(path):
            assert set(record) == {"id", "custom_id", "response", "error"}
            assert record["id"].startswith("batch_req_")


def api_reply(custom_id: str, content: str, n: int) -> dict:
    """A Batch API output line, shaped as the API writes it."""
    choice = {
        "index": 0,
        "message": {"role": "assistant", "content": content, "refusal": None},
        "finish_reason": "stop",
    }
    body = {"id": f"chatcmpl-{n}", "object": "chat.completion", "model": "gpt-4o-mini-2024-07-18", "choices": [choice]}
    response = {"status_code": 200, "request_id": f"req_{n}", "body": body}
    return {"id": f"batch_req_{n}", "custom_id": custom_id, "response": response, "error": None}


def test_answers_round_trip_lets_the_judge_sample_a_log_without_cheap_answers(here):
    records = lines(here / JUDGE_LOG)
    for r in records:
        del r["answers"]["gpt-4o-mini"]
    (here / "strong_only.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    args = ["--rate", "0.05", "--seed", "3"]
    refused = invoke("batch", "judge", "strong_only.jsonl", *args, "-o", "j.jsonl")
    assert refused.exit_code == 1 and "llmroute batch answers LOGS --tier cheap --model gpt-4o-mini" in refused.stderr
    asked = invoke("batch", "answers", "strong_only.jsonl", *args, "-o", "ans.jsonl")
    assert asked.exit_code == 0, asked.output
    replies = [api_reply(a["custom_id"], f"cheap answer {i}", i) for i, a in enumerate(lines(here / "ans.jsonl"))]
    (here / "ans_out.jsonl").write_text("".join(json.dumps(r) + "\n" for r in replies))
    joined = invoke("batch", "join", "ans_out.jsonl", "--logs", "strong_only.jsonl", "-o", "both.jsonl")
    assert joined.exit_code == 0 and "joined answers 8" in joined.stdout
    judged = invoke("batch", "judge", "both.jsonl", *args, "-o", "j.jsonl")
    assert judged.exit_code == 0, judged.output
    prompts = [line["body"]["messages"][0]["content"] for line in lines(here / "j.jsonl")]
    assert len(prompts) == 8 and all("cheap answer " in p for p in prompts)


def test_judge_and_answers_joins_feed_simulate(here):
    """The judge's verdicts become outcome labels simulate scores; joined answers leave every cost as it was."""
    records = lines(here / JUDGE_LOG)
    for r in records:
        del r["needed"]  # else the logged needed tier outranks the judge's verdict
    (here / "unjudged.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    output = f"{FIXTURES}/batch_judge_output.jsonl"
    assert invoke("batch", "join", output, "--logs", "unjudged.jsonl", "-o", "judged.jsonl").exit_code == 0
    sim = ["--rules", "routes.yaml", "--days", "1", "--format", "json", "--bootstrap", "0"]
    plain = json.loads(invoke("simulate", JUDGE_LOG, *sim).stdout)
    judged = json.loads(invoke("simulate", "judged.jsonl", *sim).stdout)
    verdicts = [r["judge"] for r in lines(here / "judged.jsonl") if "judge" in r]
    assert judged["quality"]["needed_from"]["judge"] == len(verdicts) == 8
    assert judged["routed"] == plain["routed"]
    for r in records:
        del r["answers"]["gpt-4o-mini"]
    (here / "strong_only.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert invoke("batch", "answers", "strong_only.jsonl", "--rate", "0.05", "-o", "ans.jsonl").exit_code == 0
    replies = [api_reply(a["custom_id"], f"cheap answer {i}", i) for i, a in enumerate(lines(here / "ans.jsonl"))]
    (here / "ans_out.jsonl").write_text("".join(json.dumps(r) + "\n" for r in replies))
    assert invoke("batch", "join", "ans_out.jsonl", "--logs", "strong_only.jsonl", "-o", "both.jsonl").exit_code == 0
    both = json.loads(invoke("simulate", "both.jsonl", *sim).stdout)
    assert (both["queries"], both["routed"], both["tiers"]) == (plain["queries"], plain["routed"], plain["tiers"])
