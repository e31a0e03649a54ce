"""Batch API requests for what the logs lack: another model's answer, a self-rated confidence, an LLM's label.

Each kind writes one chat-completions line per sampled request; its ``custom_id`` carries
everything the join needs::

    llmroute-<kind>:<request id>:<model>

(parts percent-encoded). ``answers`` asks a model to answer the request as logged; ``confidence``
asks it to answer and end with ``Confidence: N`` (1-10); ``classify`` asks it to label the request
SIMPLE or COMPLEX. The pairwise judge (``quality.judge_batch``) is the fourth kind. Prompts are
``str.format`` templates holding ``{question}``, replaceable by the user.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from llmroute_cli.errors import LlmrouteError

CONFIDENCE_TEMPLATE = """\
Answer the user's request below as well as you can. Then, on a final line of its own, rate how confident you are
that your answer is correct and complete, from 1 (a guess) to 10 (certain), written exactly as: Confidence: N

{question}
"""

CLASSIFY_TEMPLATE = """\
Classify the user request below for a model router. Reply SIMPLE if a small, fast model would answer it well
(facts, short rewrites, extraction, simple questions), or COMPLEX if it needs a strong model (multi-step
reasoning, mathematics, non-trivial code, long or subtle synthesis). Reply with one word: SIMPLE or COMPLEX.

[Request]
{question}
"""

CONFIDENCE_LINE = re.compile(r"^\s*\**confidence\**\s*[:=]\s*\**\s*(10|[1-9])\s*(?:/\s*10)?\s*\**\s*$", re.I | re.M)
LABELS = ("SIMPLE", "COMPLEX")
LABEL_WORD = re.compile(r"\b(SIMPLE|COMPLEX)\b", re.I)


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of request: its custom_id prefix, default prompt (None: the request as logged) and reply size."""

    name: str
    template: str | None
    max_tokens: int

    @property
    def prefix(self) -> str:
        return f"llmroute-{self.name}"


KINDS = {
    "answers": Kind("answers", None, 1024),
    "confidence": Kind("confidence", CONFIDENCE_TEMPLATE, 1024),
    "classify": Kind("classify", CLASSIFY_TEMPLATE, 16),
}


@dataclass(frozen=True, slots=True)
class Item:
    """One sampled request: its id, the messages as logged, and the question as one text."""

    id: str
    messages: tuple[Mapping[str, str], ...]
    question: str


def check_template(template: str, kind: str) -> None:
    """A prompt template holds ``{question}`` and no other placeholder."""
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise LlmrouteError(f"{kind} template: {exc}; write literal braces as {{{{ and }}}}") from None
    if fields != {"question"}:
        extra = ", ".join("{" + f + "}" for f in sorted(fields - {"question"}))
        what = f"unknown placeholder {extra}" if extra else "missing {question}"
        raise LlmrouteError(f"{kind} template: {what}; it must hold {{question}} only (literal braces as {{{{ }}}})")


def custom_id(kind: Kind, request_id: str, model: str) -> str:
    return ":".join([kind.prefix, quote(request_id, safe=""), quote(model, safe="")])


def parse_custom_id(cid: str) -> tuple[str, str, str] | None:
    """(kind, request id, model) of a custom_id this module wrote, else None."""
    parts = cid.split(":")
    if len(parts) != 3 or not parts[0].startswith("llmroute-") or parts[0].removeprefix("llmroute-") not in KINDS:
        return None
    return parts[0].removeprefix("llmroute-"), unquote(parts[1]), unquote(parts[2])


def request_lines(
    kind: Kind, items: Sequence[Item], model: str, template: str | None = None, max_tokens: int | None = None
) -> list[str]:
    """One Batch API chat-completions line per item, asking ``model``; ids must be unique."""
    prompt = template if template is not None else kind.template
    if prompt is not None:
        check_template(prompt, kind.name)
    seen: set[str] = set()
    lines = []
    for item in items:
        if item.id in seen:
            raise LlmrouteError(f"request id '{item.id}' appears twice; Batch API custom_ids must be unique")
        seen.add(item.id)
        messages = (
            [dict(m) for m in item.messages]
            if prompt is None
            else [{"role": "user", "content": prompt.format(question=item.question)}]
        )
        body = {"model": model, "messages": messages, "temperature": 0, "max_tokens": max_tokens or kind.max_tokens}
        line = {"custom_id": custom_id(kind, item.id, model), "method": "POST", "url": "/v1/chat/completions"}
        lines.append(json.dumps({**line, "body": body}, ensure_ascii=False))
    return lines


def parse_reply(kind: str, content: str) -> tuple[dict[str, Any] | None, str | None]:
    """What a reply says (``answer``; ``answer`` and ``confidence``; ``llm_label``), or why it says nothing."""
    if kind == "answers":
        return {"answer": content}, None
    if kind == "confidence":
        found = list(CONFIDENCE_LINE.finditer(content))
        if not found:
            return None, "no 'Confidence: N' line (N from 1 to 10) in the reply"
        last = found[-1]
        answer = (content[: last.start()] + content[last.end() :]).strip()
        return {"answer": answer, "confidence": int(last.group(1))}, None
    labels = {m.upper() for m in LABEL_WORD.findall(content)}
    if len(labels) != 1:
        return (
            None,
            "the reply names neither SIMPLE nor COMPLEX" if not labels else "the reply names both SIMPLE and COMPLEX",
        )
    return {"llm_label": labels.pop()}, None
