"""The shipped sample logs: their shape, exact token counts, time span, mix of kinds, labels, and reproducibility."""

from __future__ import annotations

import csv
import functools
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED, needs_shared

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
ROUTELLM = SHARED / "data" / "routellm"
STRONG, WEAK = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"
WEEK_START = 1730678400  # 2024-11-04T00:00:00Z, a Monday
DAY = 86_400
CODE_MARKERS = ("```", "def ", "function ")
CHEAP_KINDS = {"classification", "extraction", "context-qa", "reformat", "summary", "simple-code"}
EXPENSIVE_KINDS = {"reasoning", "complex-code", "long-context", "math"}

needs_routellm = needs_shared


@functools.cache
def rows(name: str = "chat_logs.jsonl") -> tuple[dict[str, Any], ...]:
    with (SAMPLE / name).open(encoding="utf-8") as f:
        return tuple(json.loads(line) for line in f)


def query(row: dict[str, Any]) -> str:
    return row["messages"][-1]["content"]


def context(row: dict[str, Any]) -> str:
    """Every message but the last user one, blank-line joined, as the log reader builds it."""
    return "\n\n".join(m["content"] for m in row["messages"][:-1] if m["content"])


def spread(items: tuple[dict[str, Any], ...], step: int) -> list[dict[str, Any]]:
    return list(items[::step])


@pytest.mark.parametrize("name", ["chat_logs.jsonl", "chat_logs_small.jsonl"])
def test_every_line_is_a_logged_chat_completion(name: str) -> None:
    for row in rows(name):
        assert row["id"].startswith("chatcmpl-") and len(row["id"]) == 38
        assert type(row["created"]) is int
        assert row["model"] in {"gpt-4o", "gpt-4o-mini"}
        assert all(set(m) == {"role", "content"} for m in row["messages"])
        assert {m["role"] for m in row["messages"]} <= {"system", "user", "assistant"}
        assert row["messages"][-1]["role"] == "user"
        usage = row["usage"]
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
        assert usage["completion_tokens"] > 0
        assert row["metadata"]["app"]
        assert row["metadata"]["user"]["plan"] in {"free", "pro", "enterprise"}


def test_ids_are_unique_and_rows_are_in_time_order() -> None:
    log = rows()
    assert len({r["id"] for r in log}) == len(log)
    assert [r["created"] for r in log] == sorted(r["created"] for r in log)


def test_sizes_fit_the_repository() -> None:
    assert 2_500 <= len(rows()) <= 3_500
    assert (SAMPLE / "chat_logs.jsonl").stat().st_size < 4_000_000


def test_the_small_log_is_the_head_of_the_full_one() -> None:
    full = (SAMPLE / "chat_logs.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    small = (SAMPLE / "chat_logs_small.jsonl").read_text(encoding="utf-8")
    assert small == "".join(full[:200])


@pytest.mark.parametrize("name", ["chat_logs.jsonl", "mtbench_judge_log.jsonl"])
def test_prompt_tokens_are_openais_chat_count_by_tiktoken(tiktoken_encodings: dict[str, Any], name: str) -> None:
    """tiktoken's own o200k_base, with OpenAI's chat overhead written out rather than taken from llmroute."""
    enc = tiktoken_encodings["o200k_base"]

    def tokens(text: str) -> int:
        return len(enc.encode_ordinary(text))

    def message(m: dict[str, str]) -> int:
        # 3 tokens per message, plus its role and content; a name costs its tokens plus 1
        return 3 + tokens(m["role"]) + tokens(m["content"]) + (1 + tokens(m["name"]) if "name" in m else 0)

    for row in rows(name):
        expected = sum(message(m) for m in row["messages"]) + 3  # 3 more prime the reply
        assert row["usage"]["prompt_tokens"] == expected, row["id"]


def test_timestamps_cover_one_week_with_a_daily_rhythm() -> None:
    created = [r["created"] for r in rows() if r["metadata"]["app"] != "data-pipeline"]  # the nightly batch job
    assert WEEK_START <= min(created) < WEEK_START + 3_600
    assert WEEK_START + 7 * DAY - 3_600 <= max(created) < WEEK_START + 7 * DAY
    hours = Counter((t - WEEK_START) % DAY // 3_600 for t in created)
    working, night = sum(hours[h] for h in range(9, 18)) / 9, sum(hours[h] for h in range(2, 6)) / 4
    assert working > 5 * night
    days = Counter((t - WEEK_START) // DAY for t in created)
    assert min(days[d] for d in range(5)) > max(days[5], days[6])


def test_kinds_are_mixed() -> None:
    log = rows()
    kinds = Counter(r["kind"] for r in log)
    assert set(kinds) >= CHEAP_KINDS | EXPENSIVE_KINDS
    assert sum(len(query(r)) < 200 for r in log) > len(log) / 3
    assert sum(len(context(r)) > 8_000 for r in log) >= 80
    assert sum(any(m in query(r) for m in CODE_MARKERS) for r in log) >= 100
    long_with_long_query = [r for r in log if len(context(r)) > 8_000 and len(query(r)) >= 200]
    assert 0 < len(long_with_long_query) < sum(len(context(r)) > 8_000 for r in log)
    apps = {r["metadata"]["app"] for r in log}
    assert apps == {"chat", "tutor", "helpdesk", "code-assistant", "research-assistant", "data-pipeline"}


def test_logged_models_are_mostly_the_expensive_one() -> None:
    share = Counter(r["model"] for r in rows())["gpt-4o"] / len(rows())
    assert 0.65 < share < 0.75


def test_labels_follow_their_definitions() -> None:
    labelled = 0
    for row in rows():
        dataset = row["source"]["dataset"]
        if dataset == "mt_bench":
            strong, weak = row["scores"]["gpt-4o"], row["scores"]["gpt-4o-mini"]
            assert row["needed"] == ("expensive" if strong - weak >= 2 else "cheap")
            assert "correct" not in row
        elif dataset == "mmlu":
            right = row["correct"]
            assert row["needed"] == ("expensive" if right["gpt-4o"] and not right["gpt-4o-mini"] else "cheap")
            assert "scores" not in row
        else:
            assert not {"needed", "scores", "correct"} & set(row), "templated rows carry no outcome"
            continue
        labelled += 1
    assert 0.4 < labelled / len(rows()) < 0.7
    expensive = sum(r.get("needed") == "expensive" for r in rows()) / labelled
    assert 0.1 < expensive < 0.3


@needs_routellm
def test_mmlu_rows_are_the_real_prompts_and_outcomes() -> None:
    subjects: dict[str, list[dict[str, str]]] = {}
    for row in (r for r in rows() if r["source"]["dataset"] == "mmlu"):
        subject = row["source"]["subject"]
        if subject not in subjects:
            with (ROUTELLM / "mmlu" / f"mmlu_{subject}.csv").open(newline="", encoding="utf-8") as f:
                subjects[subject] = list(csv.DictReader(f))
        truth = subjects[subject][row["source"]["row"]]
        assert query(row) == truth["prompt"]
        assert row["correct"] == {"gpt-4o": truth[STRONG] == "True", "gpt-4o-mini": truth[WEAK] == "True"}
    shipped = {p.stem.removeprefix("mmlu_") for p in (ROUTELLM / "mmlu").glob("mmlu_*.csv")}
    assert set(subjects) == shipped and "high_school_mathematics" not in shipped  # a grading fault at the source


@needs_routellm
def test_mt_bench_rows_are_the_real_turns_and_scores() -> None:
    with (ROUTELLM / "mt_bench" / "question.jsonl").open(encoding="utf-8") as f:
        turns = {q["question_id"]: q["turns"] for q in map(json.loads, f)}
    with (ROUTELLM / "mt_bench" / "judgements.jsonl").open(encoding="utf-8") as f:
        scores = {(j["question_id"], j["turn"], j["model"]): j["score"] for j in map(json.loads, f)}
    seen = Counter()
    for row in (r for r in rows() if r["source"]["dataset"] == "mt_bench"):
        qid, turn = row["source"]["question_id"], row["source"]["turn"]
        assert query(row) == turns[qid][turn - 1]
        assert row["scores"] == {"gpt-4o": scores[qid, turn, STRONG], "gpt-4o-mini": scores[qid, turn, WEAK]}
        if turn == 2:
            roles = [m["role"] for m in row["messages"] if m["role"] != "system"]
            assert roles == ["user", "assistant", "user"]
            assert row["messages"][-3]["content"] == turns[qid][0]
        seen[turn] += 1
    assert seen == {1: 80, 2: 80}


def test_sources_credit_the_upstream_data() -> None:
    text = (SAMPLE / "SOURCES.md").read_text(encoding="utf-8")
    for needle in ("lm-sys/RouteLLM", "Apache-2.0", "0b64fdafe049e596a3f5657c219329f24af24198", "synthetic"):
        assert needle in text
    assert "python scripts/make_sample_data.py" in text
    assert f"{len(rows()):,} requests" in text


@needs_routellm
def test_the_generator_reproduces_the_shipped_files_byte_for_byte(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "make_sample_data.py"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's package, not whichever one is installed
    subprocess.run(
        [sys.executable, str(script), str(tmp_path), "--source", str(ROUTELLM)],
        check=True,
        capture_output=True,
        env=env,
    )
    for name in ("chat_logs.jsonl", "chat_logs_small.jsonl"):
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


@needs_routellm
def test_the_labeled_mmlu_log_is_every_real_question_byte_for_byte(tmp_path: Path) -> None:
    import gzip

    out = tmp_path / "mmlu_labeled.jsonl.gz"
    script = ROOT / "scripts" / "make_mmlu_labeled.py"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, str(script), str(out), "--source", str(ROUTELLM)], check=True, env=env, capture_output=True
    )
    assert out.read_bytes() == (SAMPLE / "mmlu_labeled.jsonl.gz").read_bytes()
    with gzip.open(out, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    expected = 0
    for path in (ROUTELLM / "mmlu").glob("mmlu_*.csv"):
        with path.open(newline="", encoding="utf-8") as f:
            expected += sum(1 for _ in csv.DictReader(f))
    assert len(records) == expected == 9454
    first = records[0]
    assert first["metadata"] == {"subject": "abstract_algebra"} and set(first["correct"]) == {"gpt-4o", "gpt-4o-mini"}
