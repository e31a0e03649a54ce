"""Golden cases carried by a rule file: a request and the tier (and rule) it must get."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmroute_cli.errors import ConfigError, Problem
from llmroute_cli.rules.parse import kind_of, suggest
from llmroute_cli.rules.yamlpos import Located, load_located

CASE_KEYS = ("name", "query", "context", "metadata", "input_tokens", "model", "timestamp", "id", "tier", "rule")
UNSET: Any = object()
MAX_REPEAT = 10_000_000


@dataclass(frozen=True, slots=True)
class Case:
    """One expectation: this request goes to ``tier`` (and, when given, is decided by ``rule``)."""

    name: str
    query: str
    tier: str
    context: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    input_tokens: int | None = None
    rule: str | None = UNSET
    source: str = ""
    line: int = 0
    logged: dict[str, Any] = field(default_factory=dict)  # model, timestamp (unix seconds), request_id

    @property
    def checks_rule(self) -> bool:
        return self.rule is not UNSET


Report = Callable[[Located, tuple[Any, ...], str], None]


def parse_cases(
    doc: Located, node: Any, tiers: dict[str, str], rules: list[str], problems: list[Problem]
) -> list[Case]:
    """Cases from a list, or from the YAML file a string points to (relative to the rule file)."""
    path: tuple[Any, ...] = ("cases",)
    source = doc.source
    if isinstance(node, str):
        doc, node, path = _load_pointed(doc, node, problems)
        if doc is None:
            return []

    def fail(where: tuple[Any, ...], message: str, key: bool = False) -> None:
        problems.append(doc.problem(where, message, key=key))

    if not isinstance(node, list):
        got = kind_of(node) if doc.source == source else _kind(node)  # a pointed file's content is never echoed
        fail(path, f"'cases' must be a list of cases or a path to a YAML file of them, got {got}")
        return []
    out = [_case(doc, entry, path + (i,), tiers, rules, fail) for i, entry in enumerate(node)]
    return [c for c in out if c is not None]


def _load_pointed(doc: Located, relpath: str, problems: list[Problem]) -> tuple[Any, Any, tuple[Any, ...]]:
    """The cases file a rule file names: inside the rule file's directory (after links), never echoed."""
    home = Path(doc.source).parent
    target = home / relpath
    if not _inside(target, home):
        problems.append(
            doc.problem(("cases",), f"cases file '{relpath}' is outside the rule file's directory; keep it beside")
        )
        return None, None, ()
    if target.is_dir():
        problems.append(doc.problem(("cases",), f"cases file '{relpath}' is a directory; name a YAML file"))
        return None, None, ()
    if not target.is_file():
        problems.append(doc.problem(("cases",), f"cases file '{relpath}' not found (looked for {target})"))
        return None, None, ()
    try:
        pointed = load_located(target.read_text("utf-8"), str(target))
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None, None, ()
    except UnicodeDecodeError:
        problems.append(Problem(str(target), 1, 1, "not UTF-8 text; save the cases file as UTF-8"))
        return None, None, ()
    except OSError as exc:
        problems.append(doc.problem(("cases",), f"cases file '{relpath}' cannot be read ({exc.strerror or exc})"))
        return None, None, ()
    return pointed, pointed.data, ()


def _inside(target: Path, home: Path) -> bool:
    """Whether ``target``, all links followed, lies under ``home`` (absolute paths and ``..`` escape it)."""
    import os

    real, base = os.path.realpath(target), os.path.realpath(home)
    return os.path.commonpath([real, base]) == base


def _kind(value: Any) -> str:
    """What a value is, without what it holds."""
    return kind_of(value).split(" (", 1)[0]


def _case(
    doc: Located, entry: Any, path: tuple[Any, ...], tiers: dict[str, str], rules: list[str], fail: Any
) -> Case | None:
    number = path[-1] + 1
    if not isinstance(entry, dict):
        fail(path, f"case #{number} must be a mapping with 'query' and 'tier'")
        return None
    label = entry.get("name") if isinstance(entry.get("name"), str) else f"#{number}"
    ok = True
    for key in entry:
        if key not in CASE_KEYS:
            fail(path + (key,), f"case {label}: unknown key '{key}'{suggest(str(key), CASE_KEYS)}", True)
            ok = False
    query = _text(entry.get("query", UNSET), path + ("query",), f"case {label}: 'query'", fail, required=True)
    context = _text(entry.get("context"), path + ("context",), f"case {label}: 'context'", fail, required=False)
    tier = entry.get("tier")
    if tier not in tiers:
        where = path + ("tier",) if "tier" in entry else path
        fail(where, f"case {label}: 'tier' must be one of: {', '.join(tiers)}; got {tier!r}")
        ok = False
    rule = entry.get("rule", UNSET)
    if rule is not UNSET and rule is not None and rule not in rules:
        fail(path + ("rule",), f"case {label}: unknown rule {rule!r}{suggest(str(rule), rules)}")
        ok = False
    metadata = entry.get("metadata", {})
    if not isinstance(metadata, dict):
        fail(path + ("metadata",), f"case {label}: 'metadata' must be a mapping")
        ok = False
    tokens = entry.get("input_tokens")
    if tokens is not None and (isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0):
        fail(path + ("input_tokens",), f"case {label}: 'input_tokens' must be a whole number >= 0")
        ok = False
    logged = _logged(entry, path, label, fail)
    if not ok or query is UNSET or context is UNSET or logged is None:
        return None
    line = doc.where(path)[0]
    return Case(str(label), query, str(tier), context, metadata, tokens, rule, doc.source, line, logged)


def _logged(entry: dict[str, Any], path: tuple[Any, ...], label: Any, fail: Any) -> dict[str, Any] | None:
    """A case's logged model, id and time (ISO 8601, naive is UTC, or unix seconds), for model/time/split rules."""
    out: dict[str, Any] = {}
    for key, name in (("model", "model"), ("id", "request_id")):
        if key in entry:
            if not isinstance(entry[key], str):
                fail(path + (key,), f"case {label}: '{key}' must be a string")
                return None
            out[name] = entry[key]
    if "timestamp" in entry:
        seconds = _seconds(entry["timestamp"])
        if seconds is None:
            fail(path + ("timestamp",), f"case {label}: 'timestamp' must be an ISO 8601 time or unix seconds")
            return None
        out["timestamp"] = seconds
    return out


def _seconds(value: Any) -> float | None:
    from datetime import UTC, datetime

    from llmroute_cli.limits import LATEST

    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):  # YAML reads an unquoted ISO time as one
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, bool) or not isinstance(value, int | float) or not abs(value) <= LATEST:
        return None
    return float(value)


def _text(value: Any, path: tuple[Any, ...], what: str, fail: Any, *, required: bool) -> Any:
    """A string, or ``{repeat: TEXT, times: N}`` for long texts; UNSET when invalid."""
    if value is UNSET or value is None:
        if required:
            fail(path[:-1], f"{what} is required")
            return UNSET
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"repeat", "times"}:
        text, times = value["repeat"], value["times"]
        valid = isinstance(text, str) and isinstance(times, int) and not isinstance(times, bool) and times >= 0
        if valid and len(text) * times <= MAX_REPEAT:
            return text * times
    fail(path, f"{what} must be a string or {{repeat: TEXT, times: N}} (at most {MAX_REPEAT:,} characters)")
    return UNSET
