"""The shipped routes.yaml encodes the reference policy, on both the scalar and the vectorised path."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from llmroute_cli.engine.router import Router

ROUTES = Path(__file__).resolve().parents[1] / "routes.yaml"

CODE_MARKERS = ["```", "def ", "function "]  # case-sensitive substrings
CODE_WORDS = ["debug", "refactor", "implement", "algorithm", "function", "class", "error"]


def reference_route(query: str, context: str | None = None) -> str:
    """The policy routes.yaml must encode, written out independently of the engine."""
    has_code = any(m in query for m in CODE_MARKERS)
    if len(query) < 200 and not has_code:
        return "cheap"
    if has_code or any(w in query.lower() for w in CODE_WORDS):  # substring, not whole word
        return "expensive"
    if context and len(context) > 8000:
        return "expensive"
    return "cheap"


def reference_rule(query: str, context: str | None = None) -> str | None:
    """Which rule of routes.yaml should decide, mirroring the branches of ``reference_route``."""
    has_code = any(m in query for m in CODE_MARKERS)
    if len(query) < 200 and not has_code:
        return "short-no-code"
    if has_code or any(w in query.lower() for w in CODE_WORDS):
        return "code"
    if context and len(context) > 8000:
        return "long-context"
    return None


EXPECTED_TIER = {"short-no-code": "cheap", "code": "expensive", "long-context": "expensive", None: "cheap"}


@pytest.fixture(scope="module")
def router() -> Router:
    return Router.from_file(ROUTES)


def pad(text: str, length: int, filler: str = "x") -> str:
    """``text`` padded with ``filler`` (repeated) to exactly ``length`` characters."""
    return text + (filler * length)[: length - len(text)]


LONG = 250

CASES = [
    # (id, query, context, tier, rule)
    ("short-plain", "What is the capital of France?", None, "cheap", "short-no-code"),
    ("empty-query", "", None, "cheap", "short-no-code"),
    ("199-plain", "a" * 199, None, "cheap", "short-no-code"),
    ("200-plain-default", "a" * 200, None, "cheap", None),
    ("201-plain-default", "a" * 201, "", "cheap", None),
    ("short-fence", "```", None, "expensive", "code"),
    ("short-def-space", "def f(): pass", None, "expensive", "code"),
    ("short-def-no-space", "def", None, "cheap", "short-no-code"),
    ("short-function-space-at-end", "a lambda is an anonymous function ", None, "expensive", "code"),
    ("short-keyword-is-cheap", "DEBUG this please", None, "cheap", "short-no-code"),
    ("short-Function-capital", "Function calls are cheap", None, "cheap", "short-no-code"),
    ("long-Function-capital-keyword", pad("Function ", LONG, "z"), None, "expensive", "code"),
    ("200-keyword", pad("please debug", 200), None, "expensive", "code"),
    ("long-REFACTOR-upper", pad("REFACTOR ", LONG), None, "expensive", "code"),
    ("long-classic-substring", pad("a classic novel ", LONG), None, "expensive", "code"),
    ("long-subclass-at-end", "y" * (LONG - 8) + "subclass", None, "expensive", "code"),
    ("long-errors-plural", pad("no errors here ", LONG), None, "expensive", "code"),
    ("long-dotted-I-not-ascii", pad("İMPLEMENT ", LONG), None, "cheap", None),
    ("long-fullwidth-not-ascii", pad("ＤＥＢＵＧ ", LONG), None, "cheap", None),
    ("long-context-8001", "b" * LONG, "c" * 8001, "expensive", "long-context"),
    ("long-context-8000", "b" * LONG, "c" * 8000, "cheap", None),
    ("short-query-long-context", "hi", "c" * 9000, "cheap", "short-no-code"),
    ("long-context-code-in-context-only", "b" * LONG, "```def function debug", "cheap", None),
    ("200-marker-wins-over-context", pad("```", 200), "c" * 9000, "expensive", "code"),
]


@pytest.mark.parametrize(("query", "context", "tier", "rule"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hand_picked(router: Router, query: str, context: str | None, tier: str, rule: str | None) -> None:
    assert (reference_route(query, context), reference_rule(query, context)) == (tier, rule)
    decision = router.route(query, context)
    assert (decision.tier, decision.rule) == (tier, rule)
    assert decision.model == {"cheap": "gpt-4o-mini", "expensive": "gpt-4o"}[tier]
    frame = router.route_frame(pd.DataFrame({"query": [query], "context": [context]}))
    assert (frame["tier"].iloc[0], _rule(frame["rule"].iloc[0])) == (tier, rule)


# --- generated cases ------------------------------------------------------------------------------

INSERTS = [
    *CODE_MARKERS,
    "def",
    "def\n",
    "def\t",
    "Def ",
    "DEF ",
    "Function ",
    "FUNCTION ",
    "function",
    "function\n",
    "`` `",
    "``",
    "debug",
    "DEBUG",
    "Debug",
    "Refactor",
    "rEfAcToR",
    "implement",
    "ALGORITHM",
    "class",
    "Class",
    "error",
    "classic",
    "errors",
    "functionality",
    "subclass",
    "debugger",
    "reimplemented",
    "ERROR:",
    "İMPLEMENT",
    "clasſ",
    "ＤＥＢＵＧ",
    "débug",
    "erròr",
    "Kelvin K",
    "ΣCLASS",
    "漢字class",
    "🙂debug🙂",
]
WORDS = [
    "the",
    "weather",
    "in",
    "Paris",
    "summary",
    "café",
    "straße",
    "naïve",
    "İstanbul",
    "Σίσυφος",
    "漢字",
    "日本語",
    "🙂",
    "👩\u200d💻",
    "K",
    "ok",
    "deb",
    "ug",
    "clas",
    "s",
    "de",
    "f",
    "err",
    "or",
    "algo",
    "rithm",
    "func",
    "tion",
]
SEPARATORS = [" ", " ", " ", "\n", "\t", ", ", ". ", "? ", "-", "_", "/", "`", "(", ")"]
QUERY_LENGTHS = [0, 1, 5, 50, 150, 197, 198, 199, 200, 201, 202, 203, 250, 600]
CONTEXT_LENGTHS = [1, 100, 7998, 7999, 8000, 8001, 8002, 8003, 12000]


def filler(rng: random.Random, length: int) -> str:
    """Text of exactly ``length`` characters from neutral words, fragments of keywords and separators."""
    parts: list[str] = []
    size = 0
    while size < length:
        part = rng.choice(WORDS) + rng.choice(SEPARATORS)
        parts.append(part)
        size += len(part)
    return "".join(parts)[:length]


def gen_query(rng: random.Random) -> str:
    target = rng.choice(QUERY_LENGTHS)
    inserts = [rng.choice(INSERTS) for _ in range(rng.choice([0, 0, 1, 1, 2]))]
    body = filler(rng, max(0, target - sum(map(len, inserts))))
    for insert in inserts:
        where = rng.choice(["start", "end", "middle"])
        if where == "start":
            body = insert + body
        elif where == "end":
            body = body + insert
        else:
            cut = rng.randint(0, len(body))
            body = body[:cut] + insert + body[cut:]
    return body


def gen_context(rng: random.Random) -> str | None:
    kind = rng.choice(["none", "empty", "sized", "sized"])
    if kind == "none":
        return None
    if kind == "empty":
        return ""
    text = filler(rng, rng.choice(CONTEXT_LENGTHS))
    if rng.random() < 0.3:  # code in the context must not matter
        cut = rng.randint(0, len(text))
        text = text[:cut] + rng.choice(INSERTS) + text[cut:]
    return text


@pytest.fixture(scope="module")
def generated() -> list[tuple[str, str | None]]:
    rng = random.Random(20240611)
    return [(gen_query(rng), gen_context(rng)) for _ in range(6000)]


def test_generator_covers_the_boundaries(generated: list[tuple[str, str | None]]) -> None:
    lengths = {len(q) for q, _ in generated}
    assert {199, 200, 201} <= lengths
    contexts = {None if c is None else len(c) for _, c in generated}
    assert {None, 0, 8000, 8001} <= contexts
    outcomes = [reference_rule(q, c) for q, c in generated]
    for rule in EXPECTED_TIER:
        assert outcomes.count(rule) >= 200, rule
    assert any(not q.isascii() for q, _ in generated)


def test_route_matches_reference(router: Router, generated: list[tuple[str, str | None]]) -> None:
    wrong = [
        (q, c, got, want)
        for q, c in generated
        if (got := _pair(router.route(q, c))) != (want := (reference_route(q, c), reference_rule(q, c)))
    ]
    assert not wrong, _describe(wrong)


def test_route_frame_matches_reference(router: Router, generated: list[tuple[str, str | None]]) -> None:
    frame = pd.DataFrame({"query": [q for q, _ in generated], "context": [c for _, c in generated]})
    out = router.route_frame(frame)
    got = list(zip(out["tier"], map(_rule, out["rule"]), strict=True))
    wrong = [
        (q, c, g, want)
        for (q, c), g in zip(generated, got, strict=True)
        if g != (want := (reference_route(q, c), reference_rule(q, c)))
    ]
    assert not wrong, _describe(wrong)


def test_route_frame_without_context_column(router: Router, generated: list[tuple[str, str | None]]) -> None:
    queries = [q for q, _ in generated[:500]]
    out = router.route_frame(pd.DataFrame({"query": queries}))
    assert list(out["tier"]) == [reference_route(q) for q in queries]


def _pair(decision: object) -> tuple[str, str | None]:
    return decision.tier, decision.rule  # type: ignore[attr-defined]


def _rule(value: object) -> str | None:
    return None if pd.isna(value) else str(value)


def _describe(wrong: list[tuple[str, str | None, object, object]]) -> str:
    q, c, got, want = min(wrong, key=lambda w: len(w[0]) + len(w[1] or ""))
    return (
        f"{len(wrong)} wrong; shortest: query={q!r} context_len={None if c is None else len(c)} got={got} want={want}"
    )
