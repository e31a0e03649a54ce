"""The offline judge loop: sample cheap-routed requests, write Batch API judge requests, read the verdicts.

A sampled request is judged pairwise, as in MT-Bench's pairwise judge: the judge sees the question
and two answers, A and B, and ends with ``[[A]]``, ``[[B]]`` or ``[[C]]`` (tie). The expensive
answer sits in position A on half the requests to cancel position bias; which half follows from
the seed, and the ``custom_id`` of each line records it::

    llmroute-judge:<request id>:<tier>:<rule>:A=cheap      (or A=expensive)

with each part percent-encoded (the default tier's rule is empty). Reading the results maps the
verdict back through the swap to ``expensive_better``, ``cheap_ok`` or ``tie``.
"""

from __future__ import annotations

import hashlib
import json
import math
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from llmroute_cli.errors import LlmrouteError, OptionError
from llmroute_cli.pricing.prices import Price
from llmroute_cli.quality.labels import model_key, rule_name

PREFIX = "llmroute-judge"
PLACEHOLDERS = ("question", "answer_a", "answer_b")
DEFAULT_MAX_TOKENS = 1024
POSITIONS = {"A=cheap": "cheap", "A=expensive": "expensive"}

DEFAULT_TEMPLATE = """\
Please act as an impartial judge and compare the answers two AI assistants gave to the user question below.
Choose the answer that follows the user's instructions and answers the question better, weighing helpfulness,
relevance, accuracy, depth and level of detail. First compare the two answers in a short explanation. Do not let
the order in which the answers appear, their length or the assistants' names influence you; be as objective as
possible. Then end your reply with a final line holding only your verdict: [[A]] if assistant A's answer is
better, [[B]] if assistant B's answer is better, or [[C]] for a tie.

[User Question]
{question}

[The Start of Assistant A's Answer]
{answer_a}
[The End of Assistant A's Answer]

[The Start of Assistant B's Answer]
{answer_b}
[The End of Assistant B's Answer]
"""
"""The default judge prompt: a ``str.format`` template with {question}, {answer_a} and {answer_b}.

Replace it with any text holding those three placeholders (write literal braces as ``{{`` and ``}}``)
that asks for a final ``[[A]]``, ``[[B]]`` or ``[[C]]``."""


def _rank(seed: int, purpose: str, key: Any) -> bytes:
    """A stable pseudo-random sort key: the same on every machine and Python or NumPy version."""
    return hashlib.blake2b(f"{seed}\x00{purpose}\x00{key}".encode(), digest_size=8).digest()


def sample_size(rate: float, n: int) -> int:
    """round(rate * n), halves up, at least 1 when there is anything to sample."""
    return min(n, max(1, math.floor(rate * n + 0.5 + 1e-9))) if n else 0


def check_rate(rate: float) -> None:
    """A sampling rate is a share: above 0, at most 1."""
    if not 0 < rate <= 1:
        raise OptionError("rate", f"{{option}} must be above 0 and at most 1, got {rate:g}")


def sample_requests(
    tiers: Sequence[str],
    rules: Sequence[str | None],
    *,
    tier: str = "cheap",
    rate: float = 0.05,
    seed: int = 0,
    stratify: bool = False,
    keys: Sequence[Any] | None = None,
) -> list[int]:
    """Positions (ascending) of a reproducible random sample of the requests routed to ``tier``.

    Takes round(rate * n) requests (at least 1); stratified, the same rate within each rule, at
    least 1 per rule with requests. Requests are ranked by a hash of (seed, key): ``keys`` (request
    ids) make the sample independent of log order; by default the key is the position. A larger
    rate with the same seed draws a superset of the smaller rate's sample.
    """
    check_rate(rate)
    groups: dict[Any, list[int]] = {}
    for i, (t, rule) in enumerate(zip(tiers, rules, strict=True)):
        if t == tier:
            groups.setdefault(rule_name(rule) if stratify else None, []).append(i)
    if not groups:
        seen = ", ".join(sorted({str(t) for t in tiers})) or "none"
        raise LlmrouteError(f"no request was routed to tier '{tier}', so there is nothing to sample (tiers: {seen})")
    picked: list[int] = []
    for members in groups.values():
        ranked = sorted(members, key=lambda i: (_rank(seed, "sample", keys[i] if keys is not None else i), i))
        picked += ranked[: sample_size(rate, len(members))]
    return sorted(picked)


@dataclass(frozen=True, slots=True)
class JudgeItem:
    """One sampled request with both answers: what the judge compares."""

    id: str
    question: str
    cheap_answer: str
    expensive_answer: str
    tier: str = "cheap"
    rule: str | None = None


def judge_item(record: Mapping[str, Any], models: Mapping[str, str], cheap: str, expensive: str) -> JudgeItem:
    """A JudgeItem from a log record (``id``, ``query``, ``context``, ``tier``, ``rule`` and answers).

    A tier's answer is ``answers[<its model or tier name>]``, else ``response`` when the record's
    ``model`` is the tier's model. A missing answer is an error that says which.
    """
    rid = str(record.get("id", "?"))
    answers = [_answer(record, models[t], t, rid) for t in (cheap, expensive)]
    query, context = str(record.get("query") or ""), record.get("context")
    question = f"{context}\n\n{query}" if isinstance(context, str) and context else query
    tier = str(record.get("tier", cheap))
    return JudgeItem(rid, question, answers[0], answers[1], tier, rule_name(record.get("rule")))


def _answer(record: Mapping[str, Any], model: str, tier: str, rid: str) -> str:
    answers = record.get("answers")
    if isinstance(answers, Mapping):
        key = model_key(answers, model, tier)
        if key is not None and isinstance(answers[key], str):
            return str(answers[key])
    logged = record.get("model")
    if isinstance(record.get("response"), str) and isinstance(logged, str) and model_key({logged: 1}, model, tier):
        return str(record["response"])
    raise LlmrouteError(
        f"request '{rid}': no {tier} answer ({model}) in the log: neither answers.{model} nor answers.{tier}, "
        f"nor a response logged from {model}; the judge compares both answers: get this one with "
        f"`llmroute batch answers LOGS --tier {tier} --model {model} -o answers.jsonl`, then `llmroute batch join`"
    )


def check_template(template: str) -> None:
    """A judge template must hold {question}, {answer_a} and {answer_b}, and no other placeholder."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise LlmrouteError(f"judge template: {exc}; write literal braces as {{{{ and }}}}") from None
    unknown = sorted({f for f in fields if f not in PLACEHOLDERS})
    if unknown:
        names = ", ".join("{" + f + "}" for f in unknown)
        raise LlmrouteError(
            f"judge template: unknown placeholder {names}; use only {{question}}, {{answer_a}} and {{answer_b}}"
            " (write literal braces as {{ and }})"
        )
    missing = [f for f in PLACEHOLDERS if f not in fields]
    if missing:
        names = ", ".join("{" + f + "}" for f in missing)
        raise LlmrouteError(
            f"judge template: missing {names}; it must hold {{question}}, {{answer_a}} and {{answer_b}}"
        )


def custom_id(item: JudgeItem, expensive_first: bool) -> str:
    parts = (item.id, item.tier, item.rule or "", "A=expensive" if expensive_first else "A=cheap")
    return ":".join([PREFIX, *(quote(p, safe="=") for p in parts)])


def judge_batch_lines(
    items: Sequence[JudgeItem],
    judge_model: str,
    template: str = DEFAULT_TEMPLATE,
    *,
    seed: int = 0,
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> list[str]:
    """OpenAI Batch API input lines (chat completions) asking ``judge_model`` to compare each pair of answers.

    The expensive answer is in position A on half the items (rounded down), chosen by the seed.
    """
    check_template(template)
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise LlmrouteError(f"request id '{item.id}' appears twice; Batch API custom_ids must be unique")
        seen.add(item.id)
    order = sorted(range(len(items)), key=lambda i: (_rank(seed, "swap", items[i].id), i))
    swapped = set(order[: len(items) // 2])
    return [_line(item, i in swapped, judge_model, template, max_tokens) for i, item in enumerate(items)]


def _line(item: JudgeItem, expensive_first: bool, model: str, template: str, max_tokens: int) -> str:
    a, b = (item.expensive_answer, item.cheap_answer) if expensive_first else (item.cheap_answer, item.expensive_answer)
    prompt = template.format(question=item.question, answer_a=a, answer_b=b)
    body = {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "temperature": 0,
        "max_tokens": max_tokens,
    }
    line = {
        "custom_id": custom_id(item, expensive_first),
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": body,
    }
    return json.dumps(line, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class JudgeCost:
    """What a judge batch costs at most: its prompt tokens, and every reply at its max_tokens."""

    requests: int
    prompt_tokens: int
    max_output_tokens: int
    input_usd: float
    output_usd: float
    batch: bool

    @property
    def total_usd(self) -> float:
        return self.input_usd + self.output_usd

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "max_output_tokens": self.max_output_tokens,
            "input_usd": self.input_usd,
            "output_usd": self.output_usd,
            "total_usd": self.total_usd,
            "batch": self.batch,
        }


def judge_cost(lines: Iterable[str], price: Price, *, batch: bool = True) -> JudgeCost:
    """The judge run's own cost before anyone pays: exact prompt tokens, replies assumed at max_tokens.

    Batch prices are the model's published batch prices, else its list prices (``Price.batch_rates``).
    """
    from llmroute_cli.tokens.chat import chat_tokens
    from llmroute_cli.tokens.encodings import encoding_name_for_model

    requests = prompt = output = 0
    for line in lines:
        body = json.loads(line)["body"]
        prompt += chat_tokens(body["messages"], encoding_name_for_model(body["model"]))
        output += int(body.get("max_tokens") or body.get("max_completion_tokens") or 0)
        requests += 1
    in_rate, out_rate = price.batch_rates() if batch else (price.input, price.output)
    return JudgeCost(requests, prompt, output, prompt * in_rate / 1e6, output * out_rate / 1e6, batch)
