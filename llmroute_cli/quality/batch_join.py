"""The join of the Batch round trip: results read back by ``custom_id`` and merged into log records.

A result line becomes an ``Outcome`` (what it says about one request) or a ``Failure`` (why it
says nothing: a batch error, an HTTP error, a reply cut off or unparseable, a custom_id no llmroute
command wrote). Merged into a record, an outcome adds:

- ``answers.<model>``: the model's answer (``answers`` and ``confidence`` kinds);
- ``metadata.confidence``: the model's self-rated confidence, 1-10 (``confidence``);
- ``metadata.llm_label``: ``SIMPLE`` or ``COMPLEX`` (``classify``);
- ``judge``: ``expensive_better``, ``cheap_ok`` or ``tie`` (the pairwise judge), an outcome label.

Rules test the metadata fields (``metadata.llm_label: COMPLEX``), ``simulate`` and ``train`` read
``judge`` as a label, and ``sample`` reads the answers.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from llmroute_cli.quality.batch_requests import parse_custom_id, parse_reply
from llmroute_cli.quality.judge_batch import PREFIX as JUDGE_PREFIX
from llmroute_cli.quality.judge_results import JudgeVerdict, reply_content


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one result line says about one request."""

    kind: str  # answers, confidence, classify or judge
    request_id: str
    model: str | None
    fields: dict[str, Any]
    where: str  # results file:line


@dataclass(frozen=True, slots=True)
class Failure:
    """A result line that says nothing usable, or one whose request is not in the logs."""

    where: str
    custom_id: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}" + (f" (custom_id {self.custom_id})" if self.custom_id else "")


def read_results(name: str, lines: Iterable[str]) -> tuple[list[Outcome], list[Failure]]:
    """Each non-blank line of one Batch output file as an outcome or a failure (a repeated custom_id: the first)."""
    from llmroute_cli.quality.judge_results import _parse_line as parse_judge

    outcomes: list[Outcome] = []
    failures: list[Failure] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        cid, result = _judge(line, parse_judge) if f'"{JUDGE_PREFIX}:' in line else _generic(line, where)
        if isinstance(result, Outcome | JudgeVerdict) and cid in seen:
            result = "a second result for this custom_id; the first one counts"
        if isinstance(result, JudgeVerdict):
            result = Outcome("judge", result.request_id, None, {"judge": result.verdict}, where)
        if isinstance(result, Outcome):
            seen.add(str(cid))
            outcomes.append(result)
        else:
            failures.append(Failure(where, cid, result))
    return outcomes, failures


def _judge(line: str, parse: Any) -> tuple[str | None, JudgeVerdict | str]:
    found: tuple[str | None, JudgeVerdict | str] = parse(line)
    return found


def _generic(line: str, where: str) -> tuple[str | None, Outcome | str]:
    try:
        record = json.loads(line)
    except ValueError as exc:
        return None, f"not JSON: {exc}"
    cid = record.get("custom_id") if isinstance(record, dict) else None
    if not isinstance(cid, str):
        return None, "no custom_id"
    parsed = parse_custom_id(cid)
    if parsed is None:
        return cid, "custom_id was not written by llmroute batch (expected llmroute-KIND:ID:MODEL)"
    kind, request_id, model = parsed
    content, problem = reply_content(record, verdict=False)
    if problem or content is None:
        return cid, problem or "no reply text"
    if _cut_off(record) and kind != "classify":
        return cid, "the reply was cut off at max_tokens; write the requests again with a larger --max-tokens"
    fields, problem = parse_reply(kind, content)
    if fields is None:
        return cid, problem or "unreadable reply"
    return cid, Outcome(kind, request_id, model, fields, where)


def _cut_off(record: dict[str, Any]) -> bool:
    try:
        return bool(record["response"]["body"]["choices"][0].get("finish_reason") == "length")
    except (KeyError, IndexError, TypeError, AttributeError):
        return False


def enriched(raw: dict[str, Any], outcomes: Iterable[Outcome]) -> dict[str, Any]:
    """A copy of a log record with what the outcomes say merged in (the input is never changed)."""
    out = copy.deepcopy(raw)
    for o in outcomes:
        if "answer" in o.fields and o.model is not None:
            answers = out.get("answers")
            out["answers"] = {**(answers if isinstance(answers, dict) else {}), o.model: o.fields["answer"]}
        extra = {k: v for k, v in o.fields.items() if k in ("confidence", "llm_label")}
        if extra:
            holder = out["body"] if isinstance(out.get("body"), dict) and "custom_id" in out else out
            meta = holder.get("metadata")
            holder["metadata"] = {**(meta if isinstance(meta, dict) else {}), **extra}
        if "judge" in o.fields:
            out["judge"] = o.fields["judge"]
    return out
