"""`llmroute sample` and `llmroute judge-report`: the batch written, its cost, the verdicts read back, the errors."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from statistics import NormalDist

import pytest
from conftest import SHARED, needs_shared

from llmroute_cli.cli import app
from llmroute_cli.render.fmt import money
from llmroute_cli.tokens.chat import chat_tokens

RULES = """\
version: 1
tiers: {cheap: gpt-4o-mini, expensive: gpt-4o}
default: expensive
rules:
  - name: short
    when:
      query.chars: {lt: 20}
    route: cheap
  - name: polite
    when:
      query: {contains: [please]}
    route: cheap
"""
# (id, query, routed by RULES): four cheap (two rules), two expensive by default.
REQUESTS = [
    ("a1", "What is 2+2?", "short"),
    ("a2", "Name a red fruit.", "short"),
    ("a3", "Explain quantum tunnelling at length, please, for a bright teenager.", "polite"),
    ("a4", "Tell me about the long history of the Roman aqueducts.", None),
    ("a5", "Could you please write a haiku about autumn rain and old stones?", "polite"),
    ("a6", "Compare three sorting algorithms and their worst cases in detail.", None),
]
Z = NormalDist().inv_cdf(0.975)


def record(rid: str, query: str, **extra: object) -> dict[str, object]:
    rec: dict[str, object] = {
        "id": rid,
        "messages": [{"role": "user", "content": query}],
        "model": "gpt-4o",
        "answers": {"gpt-4o": f"strong answer to {rid}", "gpt-4o-mini": f"weak answer to {rid}"},
    }
    return {**rec, **extra}


def jsonl(records: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


@pytest.fixture
def logs(tmp_path, monkeypatch, write):
    monkeypatch.chdir(tmp_path)
    write("rules.yaml", RULES)
    write("log.jsonl", jsonl([record(rid, q) for rid, q, _ in REQUESTS]))
    return tmp_path


def sample(runner, *args, log="log.jsonl"):
    return runner.invoke(app, ["sample", log, "--rules", "rules.yaml", *args])


def batch(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- sample -----------------------------------------------------------------------------------------


def test_sample_writes_one_judge_request_per_sampled_request_and_prints_its_cost(runner, logs):
    result = sample(runner, "--rate", "1", "-o", "batch.jsonl")
    assert result.exit_code == 0, result.output
    lines = batch(logs / "batch.jsonl")
    ids = sorted(line["custom_id"].split(":")[1] for line in lines)
    assert ids == ["a1", "a2", "a3", "a5"]  # every cheap-routed request at rate 1
    first = [line for line in lines if line["custom_id"].endswith(":A=expensive")]
    assert len(first) == 2  # the expensive answer comes first on half, to cancel position bias
    for line in lines:
        _, rid, tier, rule, position = line["custom_id"].split(":")
        assert (tier, rule) == ("cheap", next(r for i, _, r in REQUESTS if i == rid))
        assert (line["method"], line["url"]) == ("POST", "/v1/chat/completions")
        body = line["body"]
        assert (body["model"], body["max_tokens"], body["temperature"]) == ("gpt-4o", 1024, 0)
        prompt = body["messages"][0]["content"]
        query = next(q for i, q, _ in REQUESTS if i == rid)
        a, b = (f"strong answer to {rid}", f"weak answer to {rid}")
        if position == "A=cheap":
            a, b = b, a
        assert f"[User Question]\n{query}\n" in prompt
        assert f"[The Start of Assistant A's Answer]\n{a}\n" in prompt
        assert f"[The Start of Assistant B's Answer]\n{b}\n" in prompt
    prompt_tokens = sum(chat_tokens(line["body"]["messages"], "o200k_base") for line in lines)
    input_usd, output_usd = prompt_tokens * 1.25 / 1e6, 4 * 1024 * 5.00 / 1e6  # gpt-4o Batch API prices
    assert result.stdout.splitlines() == [
        "Routed 6 requests: cheap 4 (66.7%), expensive 2 (33.3%).",
        "Sampled 4 of 4 requests routed to cheap (rate 100.0%, seed 0, simple random sample).",
        "Per rule: short 2, polite 2.",
        "Wrote 4 judge requests to batch.jsonl (judge gpt-4o; the expensive answer is shown first in 2, "
        "to cancel position bias).",
        f"Judge cost at most {money(input_usd + output_usd)} at Batch API prices: {prompt_tokens} prompt tokens "
        f"({money(input_usd)}) and at most 4,096 output tokens ({money(output_usd)}, every reply at --max-tokens 1024).",
        "Next: run batch.jsonl with the OpenAI Batch API, then: llmroute judge-report RESULTS.jsonl",
    ]
    assert result.stderr == ""


def test_the_sample_is_reproducible_and_follows_the_seed(runner, logs):
    def drawn(seed: str) -> list[str]:
        assert sample(runner, "--rate", "0.5", "--seed", seed, "-o", f"b{seed}.jsonl").exit_code == 0
        return sorted(line["custom_id"] for line in batch(logs / f"b{seed}.jsonl"))

    assert len(drawn("1")) == 2
    assert drawn("1") == drawn("1")
    assert len({tuple(drawn(str(seed))) for seed in range(8)}) > 1


def test_stratified_sample_takes_each_rule_at_the_rate(runner, logs):
    result = sample(runner, "--rate", "0.25", "--stratify", "-o", "b.jsonl")
    assert result.exit_code == 0, result.output
    rules = sorted(line["custom_id"].split(":")[3] for line in batch(logs / "b.jsonl"))
    assert rules == ["polite", "short"]  # round(0.25 * 2) = 1 (halves up) from each rule
    assert "(rate 25.0%, seed 0, stratified by rule)" in result.stdout


def test_sample_another_tier_with_a_custom_template_and_max_tokens(runner, logs, write):
    write("judge.txt", "Q: {question}\nA: {answer_a}\nB: {answer_b}\nVerdict as [[A]], [[B]] or [[C]].")
    result = sample(
        runner, "--tier", "expensive", "--rate", "1", "--template", "judge.txt", "--max-tokens", "8",
        "--judge-model", "gpt-4o-mini", "-o", "b.jsonl",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = batch(logs / "b.jsonl")
    assert sorted(line["custom_id"].split(":")[1] for line in lines) == ["a4", "a6"]
    assert {line["body"]["model"] for line in lines} == {"gpt-4o-mini"}
    assert {line["body"]["max_tokens"] for line in lines} == {8}
    assert all(line["body"]["messages"][0]["content"].startswith("Q: ") for line in lines)
    assert "Per rule: (default) 2." in result.stdout


def test_an_answer_can_come_from_the_logged_response(runner, logs, write):
    rec = record("b1", "Hi there?", model="gpt-4o-mini", answers={"gpt-4o": "strong"})
    rec["response"] = {"choices": [{"message": {"role": "assistant", "content": "weak, as logged"}}]}
    write("resp.jsonl", jsonl([rec]))
    result = sample(runner, "--rate", "1", "-o", "b.jsonl", log="resp.jsonl")
    assert result.exit_code == 0, result.output
    prompt = batch(logs / "b.jsonl")[0]["body"]["messages"][0]["content"]
    assert "weak, as logged" in prompt and "strong" in prompt


def test_a_missing_answer_names_the_file_and_line(runner, logs, write):
    records = [record(rid, q) for rid, q, _ in REQUESTS]
    records[1]["answers"] = {"gpt-4o": "only the strong one"}
    write("log.jsonl", jsonl(records))
    result = sample(runner, "--rate", "1", "-o", "b.jsonl")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: log.jsonl:2: request 'a2': no cheap answer (gpt-4o-mini) in the log: neither answers.gpt-4o-mini "
        "nor answers.cheap, nor a response logged from gpt-4o-mini; the judge compares both answers: get this one with "
        "`llmroute batch answers LOGS --tier cheap --model gpt-4o-mini -o answers.jsonl`, then `llmroute batch join` "
        "(or pass --skip-unanswered)\n"
    )
    assert not (logs / "b.jsonl").exists()

    skipped = sample(runner, "--rate", "1", "--skip-unanswered", "-o", "b.jsonl")
    assert skipped.exit_code == 0, skipped.output
    assert len(batch(logs / "b.jsonl")) == 3
    assert "Sampled 4 of 4 requests routed to cheap (rate 100.0%, seed 0, simple random sample); " in skipped.stdout
    assert "1 left out, missing an answer." in skipped.stdout
    assert skipped.stderr.startswith("skipped: log.jsonl:2: request 'a2': no cheap answer (gpt-4o-mini)")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--rate", "0"], 2, "error: --rate must be above 0 and at most 1, got 0\n"),
        (["--max-tokens", "0"], 2, "error: --max-tokens must be at least 1, got 0\n"),
        (["--tier", "premium"], 2, "error: --tier: unknown tier 'premium'; expected one of: cheap, expensive\n"),
        (
            ["--template", "nope.txt"],
            2,
            "error: nope.txt: cannot read the judge template (No such file or directory)\n",
        ),
        (
            ["--judge-model", "gpt-5-ultra"],
            1,
            "error: no price for model 'gpt-5-ultra' (did you mean gpt-5-nano, gpt-3.5-turbo, gpt-4-turbo?); "
            "add it under 'prices:' in the rule file or pass --prices FILE\n",
        ),
    ],
)
def test_sample_misuse(runner, logs, args, code, message):
    result = sample(runner, *args, "-o", "b.jsonl")
    assert result.exit_code == code
    assert result.stderr == message


def test_a_template_without_the_placeholders_is_an_error(runner, logs, write):
    write("judge.txt", "Compare {answer_a} and {answer_b}.")
    result = sample(runner, "--template", "judge.txt", "-o", "b.jsonl")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: judge.txt: judge template: missing {question}; it must hold {question}, {answer_a} and {answer_b}\n"
    )


def test_sample_needs_jsonl_files(runner, logs, write):
    write("log.csv", "id,query\nc1,hello\n")
    result = sample(runner, "-o", "b.jsonl", log="log.csv")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: log.csv: sample needs JSON Lines logs (it re-reads each sampled record for its answers); "
        "this file reads as CSV\n"
    )
    stdin = runner.invoke(app, ["sample", "-", "--rules", "rules.yaml", "-o", "b.jsonl"], input="{}")
    assert stdin.exit_code == 2
    assert stdin.stderr.startswith("error: sample cannot read stdin")


def test_sample_output_directory_must_exist(runner, logs):
    result = sample(runner, "-o", "missing/b.jsonl")
    assert result.exit_code == 2
    assert result.stderr == "error: missing/b.jsonl: no such directory for --output\n"


# --- judge-report -------------------------------------------------------------------------------------


def output_line(custom_id: str, verdict: str | None = None, **override: object) -> str:
    content = f"Both are fine, but...\n\n{verdict}" if verdict else "I cannot decide."
    line: dict[str, object] = {
        "id": "batch_req_1",
        "custom_id": custom_id,
        "response": {
            "status_code": 200,
            "body": {"choices": [{"message": {"content": content}, "finish_reason": "stop"}]},
        },
        "error": None,
    }
    return json.dumps({**line, **override})


def cid(rid: str, rule: str, first: str) -> str:
    return f"llmroute-judge:{rid}:cheap:{rule}:A={first}"


RESULTS = [
    output_line(cid("r1", "short", "cheap"), "[[B]]"),  # B is the expensive answer: expensive better
    output_line(cid("r2", "short", "expensive"), "[[A]]"),  # expensive better
    output_line(cid("r3", "short", "cheap"), "[[A]]"),  # cheap ok
    output_line(cid("r4", "short", "expensive"), "[[B]]"),  # cheap ok
    output_line(cid("r5", "short", "cheap"), "[[C]]"),  # tie
    "{this is not json",
    output_line(cid("r6", "", "cheap"), "[[A]]"),  # the default tier: cheap ok
    output_line(cid("r7", "", "expensive"), "[[B]]"),  # cheap ok
    output_line(cid("r8", "", "cheap")),  # no verdict
    output_line(cid("r9", "", "cheap"), response=None, error={"code": "server_error", "message": "boom"}),
    output_line(cid("r10", "", "expensive"), "[[A]]"),  # expensive better
]


def wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def report(runner, tmp_path, lines: list[str], *args: str):
    (tmp_path / "results.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return runner.invoke(app, ["judge-report", "results.jsonl", *args])


def test_judge_report_shares_with_wilson_intervals(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = report(runner, tmp_path, RESULTS, "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    overall = out["overall"]
    assert (overall["judged"], overall["expensive_better"], overall["cheap_ok"], overall["tie"]) == (8, 3, 4, 1)
    assert overall["share"] == 3 / 8
    assert (overall["low"], overall["high"]) == pytest.approx(wilson(3, 8))
    assert overall["verdict"] == "tighten the rules"
    rules = {r["rule"]: r for r in out["rules"]}
    assert (rules["short"]["judged"], rules["short"]["expensive_better"]) == (5, 2)
    assert (rules[None]["judged"], rules[None]["expensive_better"]) == (3, 1)
    assert (rules[None]["low"], rules[None]["high"]) == pytest.approx(wilson(1, 3))
    assert out["tiers"]["cheap"]["judged"] == 8
    assert out["first_position_share"] == pytest.approx(4 / 7, rel=1e-14)  # of the 7 non-tie verdicts, [[A]] in r2, r3, r6, r10
    assert out["unparsed"] == 3
    failures = {f["line"]: f for f in out["failures"]}
    assert failures[6]["custom_id"] is None and failures[6]["reason"].startswith("not JSON: ")
    assert failures[9] == {
        "line": 9,
        "custom_id": cid("r8", "", "cheap"),
        "reason": "no verdict [[A]], [[B]] or [[C]] in the judge's answer",
    }
    assert failures[10]["reason"] == "batch error server_error: boom"


def test_judge_report_table_shows_every_unusable_answer(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = report(runner, tmp_path, RESULTS)
    assert result.exit_code == 0, result.output
    low, high = wilson(3, 8)
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "results.jsonl: 8 verdicts, 3 unusable results.",
        f"The judge preferred the expensive answer on 3 of 8: 37.5% (95% interval {low:.1%}-{high:.1%}): "
        "tighten the rules.",
    ]
    text = result.stdout
    assert "The interval crosses the 10% or 20% line" in text
    assert "Unusable results (3)" in text
    assert cid("r8", "", "cheap") in text and "batch error server_error: boom" in text
    assert "rule (default)" in text and "rule short" in text


def test_judge_report_markdown(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = report(runner, tmp_path, RESULTS, "--format", "markdown")
    assert result.exit_code == 0, result.output
    low, high = wilson(3, 8)
    assert f"| all | 8 | 3 | 4 | 1 | 37.5% | {low:.1%}-{high:.1%} | tighten the rules |" in result.stdout
    reason = "no verdict \\[\\[A\\]\\], \\[\\[B\\]\\] or \\[\\[C\\]\\] in the judge's answer"
    assert f"| 9 | {cid('r8', '', 'cheap')} | {reason} |" in result.stdout


def test_judge_report_with_no_usable_verdict_fails(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = report(runner, tmp_path, ["{oops", output_line(cid("r1", "", "cheap"))])
    assert result.exit_code == 1
    assert "Unusable results (2)" in result.stdout
    assert result.stderr == "error: results.jsonl: no result gave a verdict (2 unusable, listed above)\n"


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (
            b"",
            1,
            "error: no judge results in the file; pass the Batch API output file (one JSON object a line)\n",
        ),
        (b'{"custom_id": "x"}\n\xff\n', 1, "error: results.jsonl:2: not UTF-8 text (byte 0xff)\n"),
    ],
)
def test_judge_report_bad_files(runner, tmp_path, monkeypatch, content, code, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results.jsonl").write_bytes(content)
    result = runner.invoke(app, ["judge-report", "results.jsonl"])
    assert result.exit_code == code
    assert result.stderr == message


def test_judge_report_missing_file(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["judge-report", "nope.jsonl"])
    assert result.exit_code == 2
    assert result.stderr == "error: nope.jsonl: cannot read (No such file or directory)\n"


# --- end to end on the shipped MT-Bench judge log -------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
JUDGE_LOG = ROOT / "sample_data" / "mtbench_judge_log.jsonl"
ROUTELLM = SHARED / "data" / "routellm"


def test_sample_then_judge_report_on_the_mt_bench_log(runner, root, tmp_path, monkeypatch):
    """A fake judge that agrees with the MT-Bench labels: the report's share is the labels' share."""
    monkeypatch.chdir(tmp_path)
    rules = str(root / "routes.yaml")
    drawn = runner.invoke(
        app, ["sample", str(JUDGE_LOG), "--rules", rules, "--rate", "0.1", "--seed", "1", "-o", "b.jsonl"]
    )
    assert drawn.exit_code == 0, drawn.output
    assert drawn.stdout.splitlines()[:2] == [
        "Routed 160 requests: cheap 150 (93.8%), expensive 10 (6.2%).",
        "Sampled 15 of 150 requests routed to cheap (rate 10.0%, seed 1, simple random sample).",
    ]
    needed = {r["id"]: r["needed"] for r in map(json.loads, JUDGE_LOG.read_text(encoding="utf-8").splitlines())}
    outputs = []
    for line in batch(tmp_path / "b.jsonl"):
        _, rid, _, _, position = line["custom_id"].split(":")
        expensive_first = position == "A=expensive"
        wins = needed[rid] == "expensive"
        verdict = "[[A]]" if wins == expensive_first else "[[B]]"
        outputs.append(output_line(line["custom_id"], verdict))
    (tmp_path / "out.jsonl").write_text("\n".join(outputs) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["judge-report", "out.jsonl", "--format", "json"])
    assert result.exit_code == 0, result.output
    overall = json.loads(result.stdout)["overall"]
    sampled = [line["custom_id"].split(":")[1] for line in batch(tmp_path / "b.jsonl")]
    assert overall["judged"] == 15
    assert overall["expensive_better"] == sum(needed[rid] == "expensive" for rid in sampled)


def test_the_judge_log_holds_both_real_answers_of_each_mt_bench_turn():
    rows = [json.loads(line) for line in JUDGE_LOG.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 160 and JUDGE_LOG.stat().st_size < 1_500_000
    chat_log = (ROOT / "sample_data" / "chat_logs.jsonl").read_text(encoding="utf-8").splitlines()
    chat = {r["id"]: r for r in map(json.loads, chat_log)}
    for row in rows:
        assert row["source"]["dataset"] == "mt_bench"
        assert {k: v for k, v in row.items() if k != "answers"} == chat[row["id"]]  # the same request as logged
        assert set(row["answers"]) == {"gpt-4o", "gpt-4o-mini"} and all(row["answers"].values())
        if row["source"]["turn"] == 2:  # the logged turn-1 answer is the logged model's
            assert row["messages"][-2]["content"] != row["answers"][row["model"]]


@needs_shared
def test_the_generator_reproduces_the_judge_log(tmp_path):
    script = ROOT / "scripts" / "make_sample_data.py"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's package, not whichever one is installed
    subprocess.run(
        [sys.executable, str(script), str(tmp_path), "--source", str(ROUTELLM)],
        check=True,
        capture_output=True,
        env=env,
    )
    assert (tmp_path / "mtbench_judge_log.jsonl").read_bytes() == JUDGE_LOG.read_bytes()
    text = (ROOT / "sample_data" / "SOURCES.md").read_text(encoding="utf-8")
    assert "mtbench_judge_log.jsonl" in text


@needs_shared
def test_the_judge_log_answers_are_routellms():
    """Each answer is the one the judge saw from that model, in the turn-2 transcript that holds both turns."""
    strong, weak = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"
    lines = (ROUTELLM / "mt_bench" / "judgements.jsonl").read_text(encoding="utf-8").splitlines()
    transcripts = {(j["question_id"], j["model"]): j["user_prompt"] for j in map(json.loads, lines) if j["turn"] == 2}
    for row in map(json.loads, JUDGE_LOG.read_text(encoding="utf-8").splitlines()):
        qid, turn = row["source"]["question_id"], row["source"]["turn"]
        for tier, model in (("gpt-4o", strong), ("gpt-4o-mini", weak)):
            answer = row["answers"][tier]
            assert f"### Assistant A:\n{answer}\n\n" in transcripts[qid, model], (qid, turn, tier)


MARKUP_RESULTS = [
    output_line("llmroute-judge:r1:[bold]t:x[/]y:A=cheap", "[[B]]"),
    output_line("not\x1b[31mours\r", "[[A]]"),
]


MARKUP_RULES = 'version: 1\ntiers: {"[bold]t": gpt-4o-mini, expensive: gpt-4o}\ndefault: "[bold]t"\nrules: []\n'


def test_judge_report_table_shows_markup_names_literally(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "routes.yaml").write_text(MARKUP_RULES, encoding="utf-8")
    result = report(runner, tmp_path, MARKUP_RESULTS)
    assert result.exit_code == 0, result.output
    assert "│ tier [bold]t " in result.stdout and "│ rule x[/]y " in result.stdout
    assert "not\\x1b[31mours" in result.stdout and "\x1b" not in result.stdout


def test_judge_report_markdown_escapes_names(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "routes.yaml").write_text(MARKUP_RULES, encoding="utf-8")
    result = report(runner, tmp_path, MARKUP_RESULTS, "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "| tier \\[bold\\]t | 1 | 1 | 0 | 0 | 100.0% |" in result.stdout
    assert "| rule x\\[/\\]y | 1 | 1 | 0 | 0 | 100.0% |" in result.stdout
    assert "| 2 | not\\\\x1b\\[31mours  |" in result.stdout


def test_a_request_judged_in_both_orders_counts_once_and_a_flip_is_a_tie(runner, tmp_path):
    from urllib.parse import quote

    def line(rid: str, position: str, picked: str) -> str:
        cid = f"llmroute-judge:{quote(rid)}:cheap:short:{position}"
        body = {"choices": [{"message": {"role": "assistant", "content": f"[[{picked}]]"}, "finish_reason": "stop"}]}
        return json.dumps({"id": "b", "custom_id": cid, "response": {"status_code": 200, "body": body}, "error": None})

    # r1: cheap first picks A (cheap ok), expensive first picks B (cheap ok): agree -> one cheap_ok
    # r2: cheap first picks B (expensive better), expensive first picks B (cheap ok): flips -> one tie
    # r3: judged once, expensive better
    lines = [line("r1", "A=cheap", "A"), line("r1", "A=expensive", "B"), line("r2", "A=cheap", "B")]
    lines += [line("r2", "A=expensive", "B"), line("r3", "A=cheap", "B")]
    (tmp_path / "out.jsonl").write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["judge-report", str(tmp_path / "out.jsonl"), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {k: report["overall"][k] for k in ("judged", "cheap_ok", "tie", "expensive_better")} == {
        "judged": 3, "cheap_ok": 1, "tie": 1, "expensive_better": 1
    }  # fmt: skip
    assert (report["both_orders"], report["inconsistent"]) == (2, 1)
    assert report["first_position_share"] == pytest.approx(1 / 5)  # picks A, B, B, B, B: A once in 5
    text = " ".join(runner.invoke(app, ["judge-report", str(tmp_path / "out.jsonl")]).stdout.split())
    assert "2 requests were judged in both orders and count once; 1 of them flipped with the order" in text
