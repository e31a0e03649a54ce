"""Small converters from logged JSON values to the reader's columns; each raises BadRecord on garbage."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from llmroute_cli.limits import LATEST
from llmroute_cli.logs.model import BadRecord
from llmroute_cli.rules.conditions import MISSING

LABEL_KEYS = ("needed", "scores", "correct", "judge")
NAN = math.nan
_TEXT_PARTS = frozenset({"text", "input_text", "output_text"})


def kind(value: Any) -> str:
    """A JSON type name for messages: object, array, string, number, boolean, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    names = {dict: "object", list: "array", str: "string", int: "number", float: "number"}
    return names.get(type(value), type(value).__name__)


def text_of(content: Any, where: str) -> str:
    """Message content as text: a string, or the text parts of a list joined by newlines (images ignored)."""
    if type(content) is str:
        return content
    if content is None:
        return ""
    if type(content) is not list:
        raise BadRecord(f"{where} is not text or a list of parts (got {kind(content)})")
    texts = []
    for part in content:
        if type(part) is str:
            texts.append(part)
        elif type(part) is dict:
            text = part.get("text")
            if text is None and part.get("type") in _TEXT_PARTS:
                text = part.get("content")  # OpenTelemetry GenAI parts carry their text as "content"
            if type(text) is str:
                texts.append(text)
    return "\n".join(texts)


def to_int(value: Any, name: str) -> int | None:
    """A token count: an int, an integral float or digit string; None when absent."""
    if type(value) is int or value is None:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is str:  # CSV cells; pandas writes nullable ints as "12.0"
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if number.is_integer():
            return int(number)
    if type(value) is float and math.isnan(value):
        return None
    raise BadRecord(f"'{name}' is not a whole number (got {value!r})")


def _scaled(stamp: float) -> float:
    """Unix time in s, ms, µs or ns, told apart by magnitude, as seconds."""
    size = abs(stamp)
    for limit, unit in ((1e17, 10**9), (1e14, 10**6), (1e11, 10**3)):
        if size >= limit:
            if type(stamp) is int:  # exact: a float64 cannot hold nanoseconds since 1970
                whole, part = divmod(stamp, unit)
                return whole + part / unit
            return stamp / unit
    return float(stamp)


def _in_range(seconds: float, name: str, given: Any) -> float:
    if not -LATEST < seconds < LATEST:  # also false for NaN and infinities
        raise BadRecord(f"'{name}' is out of range for a time (got {given!r})")
    return seconds


def to_unix(value: Any, name: str) -> float:
    """Unix seconds (UTC) from unix s/ms/µs/ns or an ISO-8601 string (naive means UTC); NaN when absent."""
    if value is None:
        return NAN
    if type(value) is int or type(value) is float:
        return _in_range(_scaled(value), name, value)
    given = value
    if type(value) is str:
        text = value.strip()
        try:
            return _in_range(_scaled(int(text) if text.isdigit() else float(text)), name, value)
        except ValueError:
            pass
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise BadRecord(f"'{name}' is not an ISO-8601 time or unix time (got {value!r})") from None
    if isinstance(value, datetime):  # an ISO string, or a Parquet timestamp
        return _in_range((value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp(), name, given)
    raise BadRecord(f"'{name}' is not a time (got {kind(value)})")


MAX_LATENCY_MS = 86_400_000.0  # a day: a longer call is a logging fault


def to_ms(value: Any, name: str) -> float:
    """A logged latency in milliseconds (a number, or a CSV cell holding one); NaN when absent."""
    if value is None or value == "":
        return NAN
    if type(value) is str:
        try:
            value = float(value.strip())
        except ValueError:
            raise BadRecord(f"'{name}' is not a number of milliseconds (got {value!r})") from None
    if type(value) is not int and type(value) is not float:
        raise BadRecord(f"'{name}' is not a number of milliseconds (got {kind(value)})")
    if not 0 <= value <= MAX_LATENCY_MS:  # also refuses NaN
        raise BadRecord(f"'{name}' must be 0 to {MAX_LATENCY_MS:,.0f} ms (got {value!r})")
    return float(value)


def span_ms(start: Any, end: Any, names: tuple[str, str]) -> float:
    """The milliseconds from a logged start time to a logged end time; NaN unless both are logged."""
    if start is None or end is None:
        return NAN
    ms = (to_unix(end, names[1]) - to_unix(start, names[0])) * 1000.0
    if not 0 <= ms <= MAX_LATENCY_MS:
        raise BadRecord(f"'{names[1]}' is {ms:,.0f} ms after '{names[0]}'; expected 0 to {MAX_LATENCY_MS:,.0f}")
    return ms


def json_text(value: Any, name: str) -> Any:
    """A value some loggers store as a JSON string (LiteLLM's ``messages``, CSV cells): parsed if so."""
    if type(value) is not str:
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise BadRecord(f"'{name}' is a string but not valid JSON") from None


def meta_of(value: Any, name: str = "metadata") -> dict[str, Any] | None:
    """The metadata object (or a JSON string of one); None when absent or empty-string."""
    if value is None or value == "":
        return None
    value = json_text(value, name)
    if type(value) is not dict:
        raise BadRecord(f"'{name}' is not an object (got {kind(value)})")
    return value


def labels_of(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The evaluation labels logged beside the request (``needed``, ``scores``, ``correct``, ``judge``)."""
    if "needed" not in record and "scores" not in record and "correct" not in record and "judge" not in record:
        return None
    found = {k: record[k] for k in LABEL_KEYS if record.get(k) is not None}
    return found or None


def field(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path``, or MISSING when absent (null is a value).

    A key may hold dots itself (``attributes.gen_ai.prompt.0.content`` reaches the attribute
    ``gen_ai.prompt.0.content``; the longest key wins) and a whole number picks a list item
    (``messages.-1.content``).
    """
    return _at(record, path.split("."))


def _at(value: Any, parts: list[str]) -> Any:
    if not parts:
        return value
    if isinstance(value, Mapping):
        for n in range(len(parts), 0, -1):
            key = ".".join(parts[:n])
            if key in value:
                found = _at(value[key], parts[n:])
                if found is not MISSING:
                    return found
        return MISSING
    if type(value) is list and parts[0].lstrip("-").isdigit():
        i = int(parts[0])
        if -len(value) <= i < len(value):
            return _at(value[i], parts[1:])
    return MISSING


def first(record: Mapping[str, Any], *keys: str) -> Any:
    """The first of ``keys`` present with a non-null value."""
    for key in keys:
        value = record.get(key)
        if value is not None:
            return value
    return None


def id_of(value: Any) -> str | None:
    """An id column value: strings as they are, numbers as text."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise BadRecord(f"id is not a string (got {kind(value)})")


def model_of(value: Any) -> str | None:
    """A model name; empty means none."""
    if value is None or type(value) is str:
        return value or None
    raise BadRecord(f"'model' is not a string (got {kind(value)})")
