"""The scalar path (``Router.route``) and the vectorised path (``Router.route_frame``) agree, operator by operator."""

from __future__ import annotations

import itertools
import string
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmroute_cli.engine import operators
from llmroute_cli.engine.router import Router


@pytest.fixture(autouse=True, scope="module", params=["columnar", "row by row"])
def column_path(request):
    """Every test twice: short columns through polars as long ones are, and row by row as they run."""
    saved = operators.SMALL_COLUMN
    operators.SMALL_COLUMN = -1 if request.param == "columnar" else 10**9
    yield request.param
    operators.SMALL_COLUMN = saved

TIERS = {"cheap": "gpt-4o-mini", "mid": "claude-3-5-sonnet", "expensive": "gpt-4o"}

Request = tuple[str, str | None, dict[str, Any] | None]


def policy_text(rules: list[dict[str, Any]], default: str = "cheap") -> str:
    doc = {"version": 1, "tiers": TIERS, "default": default, "rules": rules}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def frame_of(requests: list[Request], input_tokens: list[int | None] | None = None) -> pd.DataFrame:
    columns: dict[str, list[Any]] = {
        "query": [q for q, _, _ in requests],
        "context": [c for _, c, _ in requests],
        "metadata": [m for _, _, m in requests],
    }
    if input_tokens is not None:
        columns["input_tokens"] = input_tokens
    return pd.DataFrame(columns)


def scalar_decisions(router: Router, requests: list[Request], tokens: list[int | None] | None = None) -> list[tuple]:
    tokens = tokens or [None] * len(requests)
    out = []
    for (q, c, m), n in zip(requests, tokens, strict=True):
        d = router.route(q, c, m, input_tokens=n)
        out.append((d.tier, d.model, d.rule))
    return out


def frame_decisions(router: Router, requests: list[Request], tokens: list[int | None] | None = None) -> list[tuple]:
    out = router.route_frame(frame_of(requests, tokens))
    assert len(out) == len(requests)
    rules = [None if pd.isna(r) else str(r) for r in out["rule"]]
    return list(zip(map(str, out["tier"]), map(str, out["model"]), rules, strict=True))


def holds(when: Any, query: str = "", context: str | None = None, metadata: dict[str, Any] | None = None) -> bool:
    """Whether ``when`` holds for one request, after checking both paths say the same."""
    router = Router.from_text(policy_text([{"name": "r", "when": when, "route": "expensive"}]))
    request = [(query, context, metadata)]
    scalar, vector = scalar_decisions(router, request)[0], frame_decisions(router, request)[0]
    assert scalar == vector, f"scalar {scalar} != vectorised {vector}"
    return scalar[2] == "r"


# --- strategies -----------------------------------------------------------------------------------

# A small pool shared by rules and requests, so that rules match often enough to be tested both ways.
KEYWORDS = ["debug", "class", "def ", "```", "c++", "café", "σ", "k", "_id"]
CASINGS = [str, str.upper, str.title, str.swapcase]
SEPARATORS = [*string.punctuation, " ", "  ", "\t", "\n", "\r\n", "_", "0", "7"]
UNICODE = ["é", "É", "ß", "ẞ", "İ", "ı", "\u212a", "Σ", "σ", "ς", "ſ", "🙂", "👩\u200d💻", "漢字", "\u0301", "\x00"]

keyword = st.builds(lambda w, case: case(w), st.sampled_from(KEYWORDS), st.sampled_from(CASINGS))
# Pieces of one or more characters: a grapheme like 👩‍💻 or "\r\n" stays whole.
piece = st.one_of(
    keyword,
    keyword,
    st.sampled_from(SEPARATORS),
    st.sampled_from(UNICODE),
    st.sampled_from(string.ascii_letters),
    st.characters(codec="utf-8"),
)
texts = st.lists(piece, max_size=8).map("".join)

needle = st.one_of(keyword, keyword, keyword, st.lists(piece, min_size=1, max_size=3).map("".join))
needles = st.one_of(needle, st.lists(needle, min_size=1, max_size=3))
# Each pattern with a text it matches, which requests embed so that regex rules hold often enough.
PATTERNS = {
    r"\bclass\b": "a class",
    r"debug": "debug",
    r"DEBUG": "DEBUG",
    r"^def ": "def ",
    r"(?m)^\s*def ": "\n def ",
    r"c\+\+$": "c++",
    r"[A-Z]{3,}": "ABC",
    r"\d": "7",
    r"é|ß": "ß",
    r"σ": "Σ",
    r"k": "\u212a",
    r"\w+\s\w+": "a b",
    r"^$": "",
    r"```[\s\S]*```": "```\nx```",
    r"(?s)s.d": "s\nd",
    r"\W": "!",
    r"\x00": "\x00",
    r"^.{0,5}$": "abc",
    r"İ": "İ",
    r"caf[eé]": "CAFÉ",
}

TEXT_FIELDS = ["query", "context", "request"]
SIZE_FIELDS = ["query.chars", "context.chars", "request.chars"]
COMPARISONS = ["lt", "lte", "gt", "gte", "eq", "ne"]
META_PATHS = [
    "metadata.tier",
    "metadata.user.plan",
    "metadata.score",
    "metadata.flag",
    "metadata.user",
    "metadata.a.b.c",
]

limit = st.one_of(st.integers(-1, 25), st.sampled_from([0.0, 2.5, 7.5, 2**70, -(2**70), float("inf")]))
scalar_arg = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 3),
    st.sampled_from([0.5, 1.0, -1.5, 2.0]),
    st.sampled_from(["gold", "Gold", "silver", "1", "true", "yes", "", "é"]),
)
number_arg = st.one_of(st.integers(-2, 3), st.sampled_from([0.5, 1.0, 2.5, -1.5, float("inf"), -float("inf")]))


@st.composite
def text_leaf(draw: st.DrawFn) -> dict[str, Any]:
    field = draw(st.sampled_from(TEXT_FIELDS))
    ops: dict[str, Any] = {}
    kinds = draw(st.sampled_from([["contains"], ["words"], ["regex"], ["contains", "regex"], ["words", "contains"]]))
    if "contains" in kinds:
        ops["contains"] = draw(needles)
    if "words" in kinds:
        ops["words"] = draw(needles)
    if "regex" in kinds:
        ops["regex"] = draw(st.sampled_from(list(PATTERNS)))
    if {"contains", "regex"} & set(kinds) and draw(st.booleans()):
        ops["ignore_case"] = draw(st.booleans())
    return {field: ops}


@st.composite
def size_leaf(draw: st.DrawFn) -> dict[str, Any]:
    ops = draw(st.lists(st.sampled_from(COMPARISONS), min_size=1, max_size=2, unique=True))
    return {draw(st.sampled_from(SIZE_FIELDS)): {op: draw(limit) for op in ops}}


@st.composite
def meta_leaf(draw: st.DrawFn) -> dict[str, Any]:
    path = draw(st.sampled_from(META_PATHS))
    form = draw(st.sampled_from(["scalar", "list", "eq", "ne", "in", "nin", "exists", "number", "range"]))
    if form == "scalar":
        return {path: draw(scalar_arg)}
    if form == "list":
        return {path: draw(st.lists(scalar_arg, max_size=3))}
    if form in ("eq", "ne"):
        return {path: {form: draw(scalar_arg)}}
    if form in ("in", "nin"):
        return {path: {form: draw(st.lists(scalar_arg, max_size=3))}}
    if form == "exists":
        return {path: {"exists": draw(st.booleans())}}
    ops = draw(
        st.lists(st.sampled_from(COMPARISONS[:4]), min_size=1, max_size=1 if form == "number" else 2, unique=True)
    )
    return {path: {op: draw(number_arg) for op in ops}}


def _merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Several conditions in one mapping (an implicit ``all``); a repeated key keeps its last value."""
    return {k: v for part in parts for k, v in part.items()}


conditions = st.recursive(
    st.one_of(text_leaf(), size_leaf(), meta_leaf()),
    lambda kids: st.one_of(
        st.lists(kids, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(kids, max_size=3).map(lambda xs: {"any": xs}),
        kids.map(lambda x: {"not": x}),
        st.lists(kids, min_size=2, max_size=3).map(_merge),
    ),
    max_leaves=6,
)


@st.composite
def rule_lists(draw: st.DrawFn, when: st.SearchStrategy[Any] = conditions) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 4))
    return [{"name": f"r{i}", "when": draw(when), "route": draw(st.sampled_from(list(TIERS)))} for i in range(n)]


meta_leaf_value = st.one_of(
    scalar_arg,
    scalar_arg,
    st.integers(),
    st.floats(),
    st.just(float("nan")),
    st.just(-0.0),
    st.sampled_from([True, 1, 1.0]),
)
meta_value = st.recursive(
    meta_leaf_value,
    lambda kids: st.one_of(
        st.lists(kids, max_size=2), st.dictionaries(st.sampled_from(["plan", "b", "c"]), kids, max_size=2)
    ),
    max_leaves=4,
)
user = st.one_of(st.fixed_dictionaries({}, optional={"plan": meta_value}), meta_value)
nested = st.fixed_dictionaries(
    {}, optional={"b": st.one_of(st.fixed_dictionaries({}, optional={"c": meta_value}), meta_value)}
)
metadata = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "tier": meta_value,
            "user": user,
            "score": meta_value,
            "flag": meta_value,
            "a": nested,
            "x": meta_value,
        },
    ),
)
requests = st.tuples(texts, st.one_of(st.none(), texts), metadata)


def _anchors(node: Any, strings: set[str], values: dict[str, list[Any]]) -> None:
    """Collect the needles, regex samples and, per metadata path, the arguments a condition tree mentions."""
    if isinstance(node, list):
        for item in node:
            _anchors(item, strings, values)
        return
    for key, value in node.items():
        if key in ("all", "any", "not"):
            _anchors(value, strings, values)
        elif key in TEXT_FIELDS:
            for op in ("contains", "words"):
                strings.update([value[op]] if isinstance(value.get(op), str) else value.get(op, []))
            if "regex" in value:
                strings.add(PATTERNS[value["regex"]])
        elif key.startswith("metadata."):
            found = values.setdefault(key.removeprefix("metadata."), [])
            for arg in value.values() if isinstance(value, dict) else [value]:
                found.extend(arg if isinstance(arg, list) else [arg])
                if isinstance(arg, int | float) and not isinstance(arg, bool):
                    found.extend([arg - 1, arg + 0.5, float(arg)])  # either side of a comparison's limit


@st.composite
def metadata_at(draw: st.DrawFn, values: dict[str, list[Any]]) -> dict[str, Any] | None:
    """Metadata with, at each path the rules test, nothing, a value the rules mention, or any value."""
    if draw(st.integers(0, 4)) == 0:
        return draw(metadata)
    everything = [v for vs in values.values() for v in vs]
    meta: dict[str, Any] = {}
    for path, mentioned in values.items():
        choice = st.one_of(*[st.sampled_from(vs) for vs in (mentioned, mentioned, everything) if vs], meta_value)
        if draw(st.integers(0, 3)) == 0:
            continue
        *parents, last = path.split(".")
        node = meta
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[last] = draw(choice)
    return meta


def requests_for(rules: list[dict[str, Any]]) -> st.SearchStrategy[Request]:
    """Requests whose texts embed the rules' needles (in various cases) and whose metadata reuse their values."""
    strings: set[str] = set()
    values: dict[str, list[Any]] = {}
    _anchors([r.get("when", {}) for r in rules], strings, values)
    text = texts
    if strings:
        anchor = st.builds(lambda w, case: case(w), st.sampled_from(sorted(strings)), st.sampled_from(CASINGS))
        text = st.lists(st.one_of(anchor, anchor, piece), max_size=6).map("".join)
    meta = metadata_at(values) if values else metadata
    return st.tuples(text, st.one_of(st.none(), text), meta)


# --- properties -----------------------------------------------------------------------------------


def _check_paths(rules: list[dict[str, Any]], default: str, batch: list[Request]) -> None:
    router = Router.from_text(policy_text(rules, default))
    scalar = scalar_decisions(router, batch)
    assert frame_decisions(router, batch) == scalar
    solo = [Router.from_text(policy_text([r], default)) for r in rules]
    for request, (tier, model, rule) in zip(batch, scalar, strict=True):
        assert tier in TIERS
        assert model == TIERS[tier]
        matched = [r["name"] for r, s in zip(rules, solo, strict=True) if s.route(*request).rule is not None]
        # The first rule that holds on its own decides; the default applies iff none holds.
        assert rule == (matched[0] if matched else None)
        assert tier == (next(r["route"] for r in rules if r["name"] == rule) if rule else default)


BATCH = {"min_size": 1, "max_size": 10}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), rules=rule_lists(), default=st.sampled_from(list(TIERS)))
def test_paths_agree_on_random_rule_files(data: st.DataObject, rules: list[dict[str, Any]], default: str) -> None:
    _check_paths(rules, default, data.draw(st.lists(requests_for(rules), **BATCH)))


@settings(max_examples=200, deadline=None)
@given(rules=rule_lists(), default=st.sampled_from(list(TIERS)), batch=st.lists(requests, **BATCH))
def test_paths_agree_on_unrelated_requests(rules: list[dict[str, Any]], default: str, batch: list[Request]) -> None:
    _check_paths(rules, default, batch)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), rules=rule_lists(text_leaf()))
def test_paths_agree_on_text_operators(data: st.DataObject, rules: list[dict[str, Any]]) -> None:
    _check_paths(rules, "cheap", data.draw(st.lists(requests_for(rules), **BATCH)))


@settings(max_examples=200, deadline=None)
@given(data=st.data(), rules=rule_lists(meta_leaf()))
def test_paths_agree_on_metadata_operators(data: st.DataObject, rules: list[dict[str, Any]]) -> None:
    _check_paths(rules, "cheap", data.draw(st.lists(requests_for(rules), **BATCH)))


@settings(max_examples=100, deadline=None)
@given(data=st.data(), rules=rule_lists())
def test_paths_agree_on_a_frame_with_only_queries(data: st.DataObject, rules: list[dict[str, Any]]) -> None:
    router = Router.from_text(policy_text(rules))
    queries = data.draw(st.lists(requests_for(rules).map(lambda r: r[0]), **BATCH))
    out = router.route_frame(pd.DataFrame({"query": queries}))
    vector = [(str(t), None if pd.isna(r) else str(r)) for t, r in zip(out["tier"], out["rule"], strict=True)]
    assert vector == [(d.tier, d.rule) for d in map(router.route, queries)]


@settings(max_examples=150, deadline=None)
@given(data=st.data(), rules=rule_lists(text_leaf()), cuts=st.lists(st.integers(0, 10), max_size=3))
def test_paths_agree_on_texts_in_arrow_chunks(
    data: st.DataObject, rules: list[dict[str, Any]], cuts: list[int]
) -> None:
    """The reader's texts come in one Arrow chunk per block read: rules see them as one column."""
    import pyarrow as pa

    from llmroute_cli.engine.operators import clean_text

    router = Router.from_text(policy_text(rules))
    batch = [
        (clean_text(q), c if c is None else clean_text(c), m)
        for q, c, m in data.draw(st.lists(requests_for(rules), **BATCH))
    ]
    bounds = [0, *sorted(min(cut, len(batch)) for cut in cuts), len(batch)]

    def chunked(values: list[str | None]) -> pd.Series:
        chunks = [pa.array(values[a:b], pa.large_string()) for a, b in itertools.pairwise(bounds)]
        return pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array(chunks, pa.large_string())))

    frame = pd.DataFrame({"query": chunked([q for q, _, _ in batch]), "context": chunked([c for _, c, _ in batch])})
    frame["metadata"] = [m for _, _, m in batch]
    out = router.route_frame(frame)
    vector = [(str(t), None if pd.isna(r) else str(r)) for t, r in zip(out["tier"], out["rule"], strict=True)]
    assert vector == [(d.tier, d.rule) for d in (router.route(*request) for request in batch)]


token_leaf = st.builds(
    lambda field, op, n: {field: {op: n}},
    st.sampled_from(["request.tokens", "query.tokens", "context.tokens"]),
    st.sampled_from(COMPARISONS),
    st.integers(0, 20),
)


@settings(max_examples=25, deadline=None)
@given(
    rules=rule_lists(token_leaf),
    batch=st.lists(
        st.tuples(texts, st.one_of(st.none(), texts), st.none(), st.one_of(st.none(), st.integers(0, 30))),
        min_size=1,
        max_size=5,
    ),
)
def test_paths_agree_on_token_sizes(rules: list[dict[str, Any]], batch: list[tuple]) -> None:
    router = Router.from_text(policy_text(rules))
    plain = [(q, c, m) for q, c, m, _ in batch]
    tokens = [n for *_, n in batch]
    assert frame_decisions(router, plain, tokens) == scalar_decisions(router, plain, tokens)


def test_empty_frame() -> None:
    router = Router.from_text(policy_text([{"name": "r", "when": {"query": {"words": "x"}}, "route": "mid"}]))
    assert frame_decisions(router, []) == []


def test_frame_index_is_kept() -> None:
    router = Router.from_text(policy_text([{"name": "r", "when": {"metadata.tier": "gold"}, "route": "mid"}]))
    frame = frame_of([("a", None, {"tier": "gold"}), ("b", None, None)]).set_axis([10, 3])
    out = router.route_frame(frame)
    assert list(out.index) == [10, 3]
    assert list(out["tier"]) == ["mid", "cheap"]


# --- operator semantics on hand-picked inputs -----------------------------------------------------

WORDS_CASES = [
    ("class", "class", True),
    ("class", "Classic", False),
    ("class", "class.", True),
    ("class", "sub_class", False),
    ("class", "class2", False),
    ("class", "a CLASS b", True),
    ("class", "(class)", True),
    ("class", "x\nclass\ny", True),
    ("class", "éclass", True),  # word characters are ASCII only
    ("class", "\u212aclass", True),
    ("error", "errors", False),
    ("c++", "I like C++.", True),
    ("c++", "c++x", False),
    ("a.b", "axb", False),
    ("café", "Café au lait", True),
    ("café", "CAFÉ", False),  # only ASCII letters fold
    ("straße", "STRASSE", False),
    ("k", "\u212a", False),
    # ASCII-only folding: RE2's ignore_case folds the Kelvin sign to k and the long s to s, and so does
    # RE2 for an alternation of classes like [kK]|[sS] (it merges them into one Unicode-folded class).
    ("K", "\u212a", False),
    ("s", "\u017f", False),
    (["k", "s"], "\u212a \u017f", False),
    (["kelvin", "s"], "\u212aelvin \u017f", False),
    (["kelvin", "s"], "KELVIN's", True),
    (["debug", "refactor"], "please REFACTOR it", True),
]


@pytest.mark.parametrize(("words", "query", "expected"), WORDS_CASES)
def test_words(words: str | list[str], query: str, expected: bool) -> None:
    assert holds({"query": {"words": words}}, query) is expected


CONTAINS_CASES = [
    ("debug", False, "DEBUG", False),
    ("debug", True, "DEBUG", True),
    ("DeBuG", True, "xdebugx", True),
    (["debug", "error"], True, "An ERROR", True),
    (["debug", "error"], False, "An ERROR", False),
    ("def ", False, "def\n", False),
    (["```", "def "], False, "end```", True),
    ("a.b", False, "axb", False),
    ("(", False, "a(b", True),  # a single needle is searched as an escaped pattern too
    ("\x00", False, "a\x00", True),
    (["a.b", "zz"], False, "axb", False),  # the alternation path must escape '.'
    (["(", "["], False, "[", True),
    (["\n", "q"], False, "a\nb", True),
    ("é", True, "É", False),
    ("É", True, "é", False),
    ("k", True, "\u212a", False),
    ("K", True, "\u212a", False),
    ("s", True, "\u017f", False),
    ("S", True, "\u017f", False),
    (["k", "s"], True, "\u212a \u017f", False),  # the alternation path folds ASCII only too (see WORDS_CASES)
    (["k", "s"], True, "\u212a S", True),
    ("ks", True, "\u212a\u017f", False),
    ("ks", True, "kS", True),
    ("ß", True, "SS", False),
    ("🙂", False, "ok 🙂", True),
]


@pytest.mark.parametrize(("needles", "ignore_case", "query", "expected"), CONTAINS_CASES)
def test_contains(needles: str | list[str], ignore_case: bool, query: str, expected: bool) -> None:
    assert holds({"query": {"contains": needles, "ignore_case": ignore_case}}, query) is expected


REGEX_CASES = [
    (r"\bclass\b", False, "subclass", False),
    (r"\bclass\b", False, "a class", True),
    (r"^def ", False, "x\ndef y", False),
    (r"(?m)^def ", False, "x\ndef y", True),
    ("CLASS", True, "class", True),
    ("CLASS", False, "class", False),
    (r"err(or)?s?$", False, "errors\n", False),  # RE2: $ is the end of the text, not before a final newline
    (r"(?m)err(or)?s?$", False, "errors\n", True),
    (r"\d", False, "\u0663", False),  # RE2: \d is ASCII digits
    # RE2 folds case beyond ASCII, unlike contains/words ignore_case.
    ("k", True, "\u212a", True),
    ("é", True, "É", True),
]


@pytest.mark.parametrize(("pattern", "ignore_case", "query", "expected"), REGEX_CASES)
def test_regex(pattern: str, ignore_case: bool, query: str, expected: bool) -> None:
    assert holds({"query": {"regex": pattern, "ignore_case": ignore_case}}, query) is expected


def test_text_fields() -> None:
    assert holds({"context": {"contains": "x"}}, "x", "y") is False
    assert holds({"context": {"contains": "x"}}, "y", "x") is True
    assert holds({"request": {"contains": "x"}}, "y", "x") is True
    assert holds({"request": {"contains": "x"}}, "x", None) is True
    assert holds({"request": {"contains": "ab"}}, "a", "b") is False  # query and context are not joined
    assert holds({"context": {"regex": "^$"}}, "q", None) is True
    assert holds({"query": {"contains": "debug", "regex": "^x"}}, "x debug") is True
    assert holds({"query": {"contains": "debug", "regex": "^x"}}, "debug") is False


SIZE_CASES = [
    ("query.chars", {"lt": 5}, "abcd", None, True),
    ("query.chars", {"lt": 5}, "abcde", None, False),
    ("query.chars", {"lte": 5}, "abcde", None, True),
    ("query.chars", {"gt": 5}, "abcde", None, False),
    ("query.chars", {"gte": 5}, "abcde", None, True),
    ("query.chars", {"eq": 2}, "é🙂", None, True),  # code points, not bytes
    ("query.chars", {"ne": 2}, "é🙂", None, False),
    ("query.chars", {"eq": 2.0}, "ab", None, True),
    ("query.chars", {"gt": 1, "lt": 3}, "ab", None, True),
    ("query.chars", {"gt": 1, "lt": 3}, "abc", None, False),
    ("query.chars", {"lt": 2**70}, "ab", None, True),
    ("query.chars", {"lt": float("inf")}, "ab", None, True),
    ("context.chars", {"eq": 0}, "ab", None, True),
    ("context.chars", {"eq": 0}, "ab", "", True),
    ("context.chars", {"gt": 2}, "", "abc", True),
    ("request.chars", {"eq": 5}, "ab", "cde", True),
    ("request.chars", {"eq": 5}, "ab", None, False),
]


@pytest.mark.parametrize(("field", "ops", "query", "context", "expected"), SIZE_CASES)
def test_sizes(field: str, ops: dict[str, float], query: str, context: str | None, expected: bool) -> None:
    assert holds({field: ops}, query, context) is expected


def test_token_sizes() -> None:
    assert holds({"query.tokens": {"eq": 0}}, "") is True
    assert holds({"query.tokens": {"gte": 1}}, "hello") is True
    assert holds({"context.tokens": {"eq": 0}}, "hello", None) is True
    assert holds({"request.tokens": {"gt": 6}}, "hello") is True  # chat overhead counts


def test_logged_input_tokens_win() -> None:
    router = Router.from_text(policy_text([{"name": "r", "when": {"request.tokens": {"gt": 100}}, "route": "mid"}]))
    batch: list[Request] = [("hi", None, None), ("hi", None, None)]
    tokens = [500, None]
    expected = [("mid", TIERS["mid"], "r"), ("cheap", TIERS["cheap"], None)]
    assert scalar_decisions(router, batch, tokens) == expected
    assert frame_decisions(router, batch, tokens) == expected


META_CASES = [
    ({"metadata.flag": {"eq": True}}, {"flag": True}, True),
    ({"metadata.flag": {"eq": True}}, {"flag": 1}, False),  # True does not equal 1
    ({"metadata.n": {"eq": 1}}, {"n": True}, False),
    ({"metadata.n": {"eq": 1}}, {"n": 1.0}, True),
    ({"metadata.n": {"eq": "1"}}, {"n": 1}, False),
    ({"metadata.n": {"ne": 1}}, {"n": "1"}, True),
    ({"metadata.n": {"ne": "gold"}}, {}, True),
    ({"metadata.n": {"gt": 1}}, {"n": "5"}, False),  # numeric comparison on a string is False
    ({"metadata.n": {"lt": 3}}, {"n": True}, False),  # booleans are not numbers
    ({"metadata.n": {"lt": 3}}, {"n": float("nan")}, False),
    ({"metadata.n": {"lt": 3}}, {}, False),
    ({"metadata.n": {"lt": 3}}, {"n": None}, False),
    ({"metadata.n": {"lte": 2}}, {"n": 2.0}, True),
    ({"metadata.n": {"gte": 2.5}}, {"n": 2}, False),
    ({"metadata.n": {"gt": 1, "lt": 3}}, {"n": 2}, True),
    ({"metadata.n": {"gt": 1, "lt": 3}}, {"n": 3}, False),
    ({"metadata.n": {"exists": True}}, {}, False),
    ({"metadata.n": {"exists": True}}, {"n": None}, True),
    ({"metadata.n": {"exists": False}}, {}, True),
    ({"metadata.n": {"exists": False}}, None, True),
    ({"metadata.n": None}, {"n": None}, True),
    ({"metadata.n": None}, {}, False),  # a missing key is not null
    ({"metadata.tier": "gold"}, {"tier": "gold"}, True),
    ({"metadata.tier": "gold"}, {"tier": "Gold"}, False),
    ({"metadata.tier": ["gold", "silver"]}, {"tier": "silver"}, True),
    ({"metadata.tier": ["gold", "silver"]}, {}, False),
    ({"metadata.n": {"in": [1, "x"]}}, {"n": 1.0}, True),
    ({"metadata.n": {"in": [1, "x"]}}, {"n": True}, False),
    ({"metadata.tier": {"nin": ["gold"]}}, {}, True),
    ({"metadata.tier": {"nin": ["gold"]}}, {"tier": "gold"}, False),
    ({"metadata.user.plan": "pro"}, {"user": {"plan": "pro"}}, True),
    ({"metadata.user.plan": "pro"}, {"user": "pro"}, False),
    ({"metadata.user.plan": {"exists": True}}, {"user": {"plan": None}}, True),
    ({"metadata.user.plan": {"exists": True}}, {"user": []}, False),
    ({"metadata.a.b.c": {"gte": 0}}, {"a": {"b": {"c": 0}}}, True),
]


@pytest.mark.parametrize(("when", "meta", "expected"), META_CASES)
def test_metadata(when: dict[str, Any], meta: dict[str, Any] | None, expected: bool) -> None:
    assert holds(when, metadata=meta) is expected


def test_metadata_yaml_shorthand() -> None:
    text = (
        "version: 1\ntiers: {cheap: gpt-4o-mini, expensive: gpt-4o}\ndefault: cheap\nrules:\n"
        "  - {name: gold, when: {metadata.tier: gold}, route: expensive}\n"
        "  - {name: listed, when: {metadata.tier: [silver, 3]}, route: expensive}\n"
    )
    router = Router.from_text(text)
    batch: list[Request] = [("q", None, {"tier": "gold"}), ("q", None, {"tier": 3.0}), ("q", None, {"tier": "3"})]
    expected = [("expensive", "gpt-4o", "gold"), ("expensive", "gpt-4o", "listed"), ("cheap", "gpt-4o-mini", None)]
    assert scalar_decisions(router, batch) == expected
    assert frame_decisions(router, batch) == expected


COMBINATOR_CASES = [
    ({"all": []}, "x", True),
    ({"any": []}, "x", False),
    ({"not": {"any": []}}, "x", True),
    ({"all": [{"query": {"contains": "a"}}, {"query": {"contains": "b"}}]}, "ab", True),
    ({"all": [{"query": {"contains": "a"}}, {"query": {"contains": "b"}}]}, "a", False),
    ({"any": [{"query": {"contains": "a"}}, {"query": {"contains": "b"}}]}, "b", True),
    ({"not": {"query": {"contains": "a"}}}, "a", False),
    ({"not": {"not": {"query": {"contains": "a"}}}}, "a", True),
    ({"query.chars": {"lt": 3}, "not": {"query": {"contains": "a"}}}, "bb", True),  # a mapping is an implicit all
    ({"query.chars": {"lt": 3}, "not": {"query": {"contains": "a"}}}, "ba", False),
    (
        {
            "any": [
                {"all": [{"query": {"words": "x"}}, {"not": {"query.chars": {"gt": 3}}}]},
                {"query": {"regex": "^z"}},
            ]
        },
        "x y",
        True,
    ),
    (
        {
            "any": [
                {"all": [{"query": {"words": "x"}}, {"not": {"query.chars": {"gt": 3}}}]},
                {"query": {"regex": "^z"}},
            ]
        },
        "x yy",
        False,
    ),
]


@pytest.mark.parametrize(("when", "query", "expected"), COMBINATOR_CASES)
def test_combinators(when: dict[str, Any], query: str, expected: bool) -> None:
    assert holds(when, query) is expected


def test_rule_without_when_always_matches() -> None:
    router = Router.from_text(
        policy_text([{"name": "always", "route": "mid"}, {"name": "never", "route": "expensive"}])
    )
    batch: list[Request] = [("", None, None), ("x", "y", {"a": 1})]
    assert scalar_decisions(router, batch) == frame_decisions(router, batch) == [("mid", TIERS["mid"], "always")] * 2


# --- discrepancies once found here, now fixed ----------------------------------------------------


def test_lone_surrogate_routes_on_both_paths() -> None:
    # pandas' own str dtype refuses a lone surrogate, so such a frame holds Python objects.
    router = Router.from_text(
        policy_text([{"name": "x", "route": "expensive", "when": {"query": {"contains": "\ufffd"}}}])
    )
    frame = pd.DataFrame({"query": pd.Series(["x\ud800", "x"], dtype=object)})
    assert router.route_frame(frame)["rule"].astype(object).where(lambda r: r.notna(), None).tolist() == ["x", None]
    assert [router.route(q).rule for q in ("x\ud800", "x")] == ["x", None]


def test_metadata_mapping_that_is_not_a_dict() -> None:
    from types import MappingProxyType

    assert holds({"metadata.n": {"gt": 1}}, metadata=MappingProxyType({"n": 5})) is True  # type: ignore[arg-type]


def test_numpy_integer_metadata_is_a_number() -> None:
    import numpy as np

    assert holds({"metadata.n": {"gt": 1}}, metadata={"n": np.int64(5)}) is True


def test_a_backtracking_regex_cannot_hang_route(tmp_path) -> None:
    """``^(\\w+\\s?)*$`` takes Python's re exponential time on 50 letters and a '!'; RE2 answers at once."""
    import subprocess
    import sys

    rules = tmp_path / "r.yaml"
    rules.write_text(policy_text([{"name": "rx", "when": {"query": {"regex": r"^(\w+\s?)*$"}}, "route": "expensive"}]))
    code = (
        "import sys\nfrom llmroute_cli.engine.router import Router\n"
        "r = Router.from_file(sys.argv[1])\nprint(r.route('a' * 50 + '!').tier)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(rules)], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "cheap"


@pytest.mark.parametrize(
    ("pattern", "what"), [(r"(a)\1", "invalid escape sequence: \\1"), (r"(?<=a)b", "invalid perl operator: (?<")]
)
def test_regexes_re2_cannot_run_in_linear_time_are_refused(pattern: str, what: str) -> None:
    from llmroute_cli.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        Router.from_text(policy_text([{"name": "rx", "when": {"query": {"regex": pattern}}, "route": "expensive"}]))
    (problem,) = err.value.problems
    assert what in problem.message and "RE2 syntax: no backreferences or lookaround" in problem.message


# --- message structure: has_tools, has_images, turns, system (self-contained) ----------------------

from llmroute_cli.tokens.chat import Structure  # noqa: E402

structure_leaf = st.one_of(
    st.builds(lambda f, v: {f: v}, st.sampled_from(["has_tools", "has_images"]), st.booleans()),
    st.builds(lambda op, v: {"turns": {op: v}}, st.sampled_from(COMPARISONS), st.integers(0, 5)),
    st.builds(lambda w: {"system": {"contains": w}}, st.sampled_from(["legal", "Be", "σ"])),
    st.builds(lambda v: {"system.chars": {"gt": v}}, st.integers(0, 12)),
)
structure_conditions = st.recursive(
    structure_leaf,
    lambda kids: st.one_of(st.lists(kids, max_size=3).map(lambda xs: {"any": xs}), kids.map(lambda x: {"not": x})),
    max_leaves=4,
)
shapes = st.builds(
    Structure,
    st.sampled_from(["", "legal aide", "Be brief", "Σσ legal"]),
    st.integers(1, 6),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(rules=rule_lists(structure_conditions), batch=st.lists(st.tuples(texts, shapes), min_size=1, max_size=8))
def test_paths_agree_on_message_structure(rules: list[dict[str, Any]], batch: list[tuple[str, Structure]]) -> None:
    router = Router.from_text(policy_text(rules))
    scalar = [router.route(q, None, None, shape=s).rule for q, s in batch]
    frame = frame_of([(q, None, None) for q, _ in batch])
    for name in ("system", "turns", "has_tools", "has_images"):
        frame[name] = [getattr(s, name) for _, s in batch]
    vector = [None if pd.isna(r) else str(r) for r in router.route_frame(frame)["rule"]]
    assert vector == scalar
# --- the logged model, time and a seeded split (attributes of the logged request) ----------------

MODELS = ["gpt-4o", "gpt-4o-mini", "ft:gpt-4o-mini:acme::x1", "GPT-4o", "claude-3-5-haiku", ""]
DAY = 86_400
attribute_leaf = st.one_of(
    st.lists(
        st.sampled_from(["gpt-4o", "gpt-4o*", "ft:*", "*mini*", "claude-?-5-*", "[gG]pt-4o"]), min_size=1, max_size=3
    ).map(lambda names: {"model": names}),
    st.builds(
        lambda hours, days, tz: {"time": {"hours": list(hours), "days": days, "tz": tz}},
        st.tuples(st.integers(0, 23), st.integers(1, 24)).filter(lambda h: h[0] != h[1]),
        st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1, max_size=7),
        st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]),
    ),
    st.builds(
        lambda percent, seed: {"split": {"percent": percent, "seed": seed}},
        st.one_of(st.integers(0, 100), st.floats(0, 100)),
        st.sampled_from(["a", "canary-1", 7]),
    ),
)
attribute_conditions = st.recursive(
    attribute_leaf,
    lambda kids: st.one_of(
        st.lists(kids, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(kids, max_size=3).map(lambda xs: {"any": xs}),
        kids.map(lambda x: {"not": x}),
    ),
    max_leaves=4,
)
logged = st.tuples(
    texts,
    st.one_of(st.none(), st.sampled_from(MODELS)),
    st.one_of(st.none(), st.integers(-3 * DAY, 3 * DAY).map(lambda s: 1_730_000_000 + s), st.floats(0, 2e9)),
    st.one_of(st.none(), st.just(""), st.sampled_from(["req-1", "req-2", "chatcmpl-x"])),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rule_lists(attribute_conditions), batch=st.lists(logged, min_size=1, max_size=12))
def test_attribute_conditions_agree_on_both_paths(rules: list[dict[str, Any]], batch: list[tuple]) -> None:
    router = Router.from_text(policy_text(rules))
    scalar = [router.route(q, model=m, timestamp=t, request_id=i).rule for q, m, t, i in batch]
    frame = pd.DataFrame(
        {
            "query": [q for q, _, _, _ in batch],
            "model": [m for _, m, _, _ in batch],
            "timestamp": [float("nan") if t is None else float(t) for _, _, t, _ in batch],
            "id": [i for _, _, _, i in batch],
        }
    )
    vector = [None if pd.isna(r) else str(r) for r in router.route_frame(frame)["rule"]]
    assert scalar == vector
