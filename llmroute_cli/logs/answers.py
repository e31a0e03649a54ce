"""What a logged record holds beyond the request: the answers, and the records at chosen lines read again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from llmroute_cli.logs.jsonl import BOM, MAX_LINE_BYTES, capped_lines
from llmroute_cli.logs.model import BadRecord, Ignored, ReadOptions, Row
from llmroute_cli.logs.shaper import Shaper
from llmroute_cli.logs.sources import Source, open_source


def records_at(
    source: Source, lines: set[int], longest: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, Row | None, dict[str, Any]]]:
    """The request (as the reader reads it, or None) and the raw record on each of ``lines`` of a JSONL file.

    Lines longer than ``longest`` bytes are read past, never held (the reader skipped them, so none is asked for).
    """
    import orjson

    shaper, left = Shaper(ReadOptions(), {}), set(lines)
    with open_source(source, None) as opened:
        for number, text in enumerate(capped_lines(opened.stream, longest), 1):
            if number not in left or text is None:
                continue
            raw = orjson.loads(text.removeprefix(BOM) if number == 1 else text)
            try:
                row = shaper.row(raw) if isinstance(raw, dict) else None
            except (BadRecord, Ignored):
                row = None
            yield number, row if isinstance(row, Row) else None, raw if isinstance(raw, dict) else {}
            left.discard(number)
            if not left:
                return


def logged_answers(raw: Any) -> dict[str, Any]:
    """What judging reads for answers: ``answers`` as logged and the response text, if any."""
    if not isinstance(raw, dict):
        return {}
    found: dict[str, Any] = {"answers": raw.get("answers")}
    text = response_text(raw)
    if text is not None:
        found["response"] = text
    return found


def response_text(raw: dict[str, Any]) -> str | None:
    """The answer a logged record holds: ``response`` as text, or a Chat Completions, Anthropic or Responses reply."""
    response = raw.get("response")
    if isinstance(response, str):
        return response
    body = response if isinstance(response, dict) else raw
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        message = choices[0].get("message")
        content = message.get("content") if isinstance(message, dict) else None
        return content if isinstance(content, str) else None
    if isinstance(body.get("output_text"), str):
        return str(body["output_text"])
    blocks = body.get("content") if body is response else None
    if isinstance(blocks, list):
        texts = [b["text"] for b in blocks if isinstance(b, dict) and isinstance(b.get("text"), str)]
        return "".join(texts) if texts else None
    return None


def raw_records(
    source: Source, longest: int = MAX_LINE_BYTES
) -> Iterator[tuple[str, dict[str, Any] | None, bytes | None]]:
    """Each line of a JSONL file as (the request id the reader gives it, the record or None, the line's bytes).

    The id is the logged one when it is a non-empty string, else ``source:line``, as ``logs.ids`` names it.
    A line longer than ``longest`` bytes is read past, never held: its bytes are None.
    """
    shaper = Shaper(ReadOptions(), {})
    with open_source(source, None) as opened:
        for number, text in enumerate(capped_lines(opened.stream, longest), 1):
            if text is None:
                yield f"{source.name}:{number}", None, None
                continue
            line = text.rstrip(b"\r\n")
            raw = _record(line.removeprefix(BOM) if number == 1 else line)
            yield (_id(shaper, raw) or f"{source.name}:{number}"), raw, line


def _record(line: bytes) -> dict[str, Any] | None:
    import orjson

    try:
        raw = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return raw if isinstance(raw, dict) else None


def _id(shaper: Shaper, raw: dict[str, Any] | None) -> str | None:
    """The logged request id when the record is a request with a non-empty string id."""
    if raw is None:
        return None
    try:
        row = shaper.row(raw)
    except (BadRecord, Ignored):
        return None
    rid = row.id if isinstance(row, Row) else None
    return rid if isinstance(rid, str) and rid else None
