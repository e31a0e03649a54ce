"""The rule file: tiers, prices, a default tier and ordered rules, validated into a Policy.

A policy names models; whether they are priced is for ``pricing`` to say, against the price
sources of the run (the built-in table, a price map, the file's own ``prices``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from llmroute_cli.errors import ConfigError, Problem
from llmroute_cli.limits import MAX_PRICE, MAX_TOKENS
from llmroute_cli.rules.cases import Case, parse_cases
from llmroute_cli.rules.conditions import All, Condition
from llmroute_cli.rules.parse import ConditionParser, kind_of, suggest
from llmroute_cli.rules.yamlpos import Located, Path, load_located
from llmroute_cli.tokens.encodings import ENCODINGS

TOP_KEYS = (
    "version",
    "tokenizer",
    "tiers",
    "default",
    "fallback",
    "prices",
    "classifier",
    "keyword_lists",
    "rules",
    "cases",
)
CLASSIFIER_KEYS = ("model", "prompt_tokens", "include_query", "output_tokens")
RULE_KEYS = ("name", "description", "when", "route")
PRICE_KEYS = ("input", "output", "cached_input", "cache_write", "batch_input", "batch_output", "batch_cached_input")
WINDOW_KEY = "max_input_tokens"  # a model's context window, beside its prices


@dataclass(frozen=True, slots=True)
class Rule:
    """One named rule: when its condition holds, the request goes to ``tier``."""

    name: str
    tier: str
    when: Condition
    line: int = 0
    column: int = 0
    first: str | None = None  # a cascade's escalated requests: the tier whose model answered first (billed too)


@dataclass(frozen=True, slots=True)
class Classifier:
    """An LLM call the router makes before routing: billed on every request."""

    model: str
    prompt_tokens: int
    include_query: bool
    output_tokens: int
    at: tuple[int, int] = (0, 0)  # line, column of its model in the rule file


@dataclass(frozen=True, slots=True)
class Cascade:
    """A tier that tries ``first`` and escalates to ``then`` when ``escalate`` holds on the logged request."""

    first: str
    then: str
    escalate: Condition

    def describe(self) -> str:
        return f"{self.first} first; escalate to {self.then} when {_described(self.escalate)}"


ESCALATED = " (escalated)"


def _described(cond: Condition) -> str:
    from llmroute_cli.rules.conditions import Test

    return cond.label if isinstance(cond, Test) else "its escalate condition holds"


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated rule file."""

    source: str
    tiers: dict[str, str]
    default: str
    rules: tuple[Rule, ...]
    prices: dict[str, dict[str, float]] = field(default_factory=dict)  # model → field → USD per 1M (or its window)
    tokenizer: str = "o200k_base"
    cases: tuple[Case, ...] = ()
    classifier: Classifier | None = None
    tier_at: dict[str, tuple[int, int]] = field(default_factory=dict)  # line, column of each tier's model
    cascades: dict[str, Cascade] = field(default_factory=dict)  # cascade tiers, expanded into the rules
    fallback: str | None = None  # the tier for requests too long for their routed tier (None: cheapest that fits)


def _expanded(rules: list[Rule], default: str, cascades: dict[str, Cascade]) -> tuple[list[Rule], str]:
    """Rules routed to a cascade become two: ``NAME (escalated)`` (its condition and the escalation, to the
    second tier, billed the first tier's call too) then ``NAME`` (to the first tier); a cascade default
    becomes a last ``(default) (escalated)`` rule and the first tier."""
    out: list[Rule] = []
    for rule in rules:
        c = cascades.get(rule.tier)
        if c is None:
            out.append(rule)
            continue
        escalated = Rule(rule.name + ESCALATED, c.then, All((rule.when, c.escalate)), rule.line, rule.column, c.first)
        out += [escalated, Rule(rule.name, c.first, rule.when, rule.line, rule.column)]
    c = cascades.get(default)
    if c is not None:
        out.append(Rule("(default)" + ESCALATED, c.then, c.escalate, first=c.first))
        default = c.first
    return out, default


def load_policy(text: str, source: str) -> Policy:
    """Parse and validate a rule file's text; raise ConfigError listing every problem."""
    return _Builder(load_located(text, source)).build()


class _Builder:
    def __init__(self, doc: Located) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.keyword_lists: dict[str, tuple[str, ...]] = {}

    def fail(self, path: Path, message: str, key: bool = False) -> None:
        self.problems.append(self.doc.problem(path, message, key=key))

    def build(self) -> Policy:
        data = self.doc.data
        if not isinstance(data, dict):
            what = "an empty file" if data is None else kind_of(data)
            raise ConfigError(
                [self.doc.problem((), f"expected a mapping with 'tiers', 'default' and 'rules', got {what}")]
            )
        self._unknown_keys(data, (), TOP_KEYS, "top-level key")
        self._version(data)
        prices = self._prices(data.get("prices", {}))
        self.keyword_lists = self._keyword_lists(data.get("keyword_lists", {}))
        tiers = self._tiers(data.get("tiers"))
        cascades = self._cascades(data.get("tiers"), tiers)
        named = {**tiers, **dict.fromkeys(cascades, "")}
        default = self._default(data.get("default"), named)
        fallback = self._fallback(data["fallback"], tiers) if "fallback" in data else None
        rules = self._rules(data.get("rules", []), named)
        tokenizer = self._tokenizer(data.get("tokenizer", "o200k_base"))
        classifier = self._classifier(data["classifier"]) if "classifier" in data else None
        rules, default = _expanded(rules, default, cascades)
        names = [r.name for r in rules]
        cases = parse_cases(self.doc, data["cases"], tiers, names, self.problems) if "cases" in data else []
        if self.problems:
            raise ConfigError(sorted(self.problems, key=lambda p: (p.source != self.doc.source, p.line, p.column)))
        tier_at = {t: self.doc.where(("tiers", t)) for t in tiers}
        source = self.doc.source
        return Policy(
            source,
            tiers,
            default,
            tuple(rules),
            prices,
            tokenizer,
            tuple(cases),
            classifier,
            tier_at,
            cascades,
            fallback,
        )

    def _unknown_keys(self, mapping: dict[Any, Any], path: Path, allowed: tuple[str, ...], what: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.fail(path + (key,), f"unknown {what} '{key}'{suggest(str(key), allowed)}", key=True)

    def _version(self, data: dict[str, Any]) -> None:
        if "version" in data and (isinstance(data["version"], bool) or data["version"] != 1):
            self.fail(("version",), f"unsupported version {data['version']!r}; this llmroute reads version 1")

    def _tokenizer(self, name: Any) -> str:
        if name not in ENCODINGS:
            self.fail(("tokenizer",), f"unknown tokenizer {name!r}; expected one of: {', '.join(ENCODINGS)}")
            return "o200k_base"
        return str(name)

    def _prices(self, node: Any) -> dict[str, dict[str, float]]:
        table: dict[str, dict[str, float]] = {}
        if not isinstance(node, dict):
            self.fail(("prices",), "'prices' must map model names to {input: ..., output: ...}")
            return table
        for model, entry in node.items():
            price = self._price(str(model), entry, ("prices", model))
            if price is not None:
                table[str(model)] = price
        return table

    def _price(self, model: str, entry: Any, path: Path) -> dict[str, float] | None:
        if not isinstance(entry, dict):
            self.fail(path, f"price of '{model}' must be a mapping like {{input: 2.5, output: 10}} (USD per 1M tokens)")
            return None
        self._unknown_keys(entry, path, (*PRICE_KEYS, WINDOW_KEY), f"price field of '{model}'")
        values: dict[str, float] = {}
        if WINDOW_KEY in entry:
            window = entry[WINDOW_KEY]
            if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= MAX_TOKENS:
                whole = f"a whole number of tokens 1 to {MAX_TOKENS:,}, got {window!r}"
                self.fail(path + (WINDOW_KEY,), f"'{WINDOW_KEY}' of '{model}' must be {whole}")
            else:
                values[WINDOW_KEY] = window
        for key in PRICE_KEYS:
            if key not in entry:
                if key in ("input", "output"):
                    self.fail(path, f"price of '{model}' needs '{key}' (USD per 1M tokens)")
                continue
            value = entry[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
                self.fail(path + (key,), f"price '{key}' of '{model}' must be a finite number >= 0, got {value!r}")
                continue
            if value > MAX_PRICE:
                too_much = f"is over ${MAX_PRICE:,.0f} per 1M tokens, got {value!r}; prices are USD per 1M tokens"
                self.fail(path + (key,), f"price '{key}' of '{model}' {too_much}")
                continue
            values[key] = float(value)
        if "input" not in values or "output" not in values:
            return None
        return values

    def _keyword_lists(self, node: Any) -> dict[str, tuple[str, ...]]:
        """``keyword_lists: {NAME: [keyword, ...]}``, used as ``{list: NAME}`` in ``contains``/``words``."""
        if not isinstance(node, dict):
            self.fail(
                ("keyword_lists",),
                "'keyword_lists' must map names to lists of keywords, like {billing: [refund, invoice]}",
            )
            return {}
        lists: dict[str, tuple[str, ...]] = {}
        for name, words in node.items():
            if not isinstance(words, list) or not words or not all(isinstance(w, str) and w for w in words):
                self.fail(
                    ("keyword_lists", name), f"keyword list '{name}' must be a non-empty list of non-empty strings"
                )
                continue
            lists[str(name)] = tuple(words)
        return lists

    def _classifier(self, node: Any) -> Classifier | None:
        path = ("classifier",)
        if not isinstance(node, dict):
            self.fail(path, "'classifier' must be a mapping like {model: gpt-4o-mini, prompt_tokens: 150}")
            return None
        self._unknown_keys(node, path, CLASSIFIER_KEYS, "classifier key")
        model = node.get("model")
        if not isinstance(model, str):
            self.fail(path, "'classifier' needs 'model': the model the router calls before routing")
            return None
        counts = {}
        for key, default in (("prompt_tokens", 0), ("output_tokens", 0)):
            value = node.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS:
                whole = f"a whole number 0 to {MAX_TOKENS:,}"
                self.fail(path + (key,), f"classifier '{key}' must be {whole}, got {value!r}")
                value = 0
            counts[key] = value
        include = node.get("include_query", True)
        if not isinstance(include, bool):
            self.fail(path + ("include_query",), f"classifier 'include_query' must be true or false, got {include!r}")
        at = self.doc.where(path + ("model",))
        return Classifier(model, counts["prompt_tokens"], bool(include), counts["output_tokens"], at)

    def _tiers(self, node: Any) -> dict[str, str]:
        if not isinstance(node, dict) or not node:
            self.fail(("tiers",), "'tiers' must map tier names to models, like {cheap: gpt-4o-mini, expensive: gpt-4o}")
            return {}
        tiers: dict[str, str] = {}
        for name, model in node.items():
            if not isinstance(name, str) or not name.strip():
                self.fail(("tiers", name), f"tier names must be non-empty strings, got {name!r}", True)
                continue
            if isinstance(model, dict):
                continue  # a cascade: read by _cascades
            if not isinstance(model, str) or not model.strip():
                self.fail(("tiers", name), f"tier '{name}' must name a model, got {model!r}")
                continue
            tiers[str(name)] = model
        return tiers

    def _cascades(self, node: Any, tiers: dict[str, str]) -> dict[str, Cascade]:
        """``name: {cascade: [first, then], escalate: CONDITION}`` entries of ``tiers``."""
        out: dict[str, Cascade] = {}
        for name, entry in node.items() if isinstance(node, dict) else ():
            if isinstance(name, str) and isinstance(entry, dict):
                cascade = self._cascade(name, entry, ("tiers", name), tiers)
                if cascade is not None:
                    out[name] = cascade
        return out

    def _cascade(self, name: str, entry: dict[Any, Any], path: Path, tiers: dict[str, str]) -> Cascade | None:
        self._unknown_keys(entry, path, ("cascade", "escalate"), f"key of cascade tier '{name}'")
        order: Any = entry.get("cascade")
        pair = isinstance(order, list) and len(order) == 2 and all(t in tiers for t in order)
        if not pair or order[0] == order[1]:
            what = f"two different model tiers of: {', '.join(tiers)}"
            self.fail(path, f"cascade tier '{name}' needs 'cascade: [FIRST, THEN]', {what}")
            return None
        if "escalate" not in entry:
            self.fail(path, f"cascade tier '{name}' needs 'escalate': the condition on which {order[1]} answers")
            return None
        parser = ConditionParser(
            f"{name} (escalate)", self.fail, self.doc.where, FilePath(self.doc.source).parent, self.keyword_lists
        )
        when = parser.parse(entry["escalate"], path + ("escalate",))
        return None if when is None else Cascade(str(order[0]), str(order[1]), when)

    def _default(self, node: Any, tiers: dict[str, str]) -> str:
        if node is None:
            self.fail((), "missing 'default': the tier for requests no rule matches")
            return ""
        if tiers and node not in tiers:
            self.fail(("default",), f"unknown default tier {node!r}; expected one of: {', '.join(tiers)}")
        return str(node)

    def _fallback(self, node: Any, tiers: dict[str, str]) -> str | None:
        """``fallback: TIER``: a model tier (not a cascade) for requests that do not fit their routed tier's model."""
        if tiers and node not in tiers:
            self.fail(("fallback",), f"unknown fallback tier {node!r}; expected one of: {', '.join(tiers)}")
            return None
        return str(node)

    def _rules(self, node: Any, tiers: dict[str, str]) -> list[Rule]:
        if not isinstance(node, list):
            self.fail(("rules",), "'rules' must be a list of rules")
            return []
        rules: list[Rule] = []
        seen: dict[str, int] = {}
        for i, entry in enumerate(node):
            rule = self._rule(entry, ("rules", i), tiers, seen)
            if rule is not None:
                rules.append(rule)
        return rules

    def _rule(self, entry: Any, path: Path, tiers: dict[str, str], seen: dict[str, int]) -> Rule | None:
        if not isinstance(entry, dict):
            self.fail(path, "each rule must be a mapping with 'name', 'when' and 'route'")
            return None
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            number = int(path[-1]) + 1
            self.fail(path, f"rule #{number} needs a 'name' (a non-empty string)")
            name = f"#{number}"
        elif name in seen:
            self.fail(path + ("name",), f"duplicate rule name '{name}' (first at line {seen[name]})")
        else:
            seen[name] = self.doc.where(path + ("name",))[0]
        self._unknown_keys(entry, path, RULE_KEYS, f"key in rule '{name}'")
        tier = entry.get("route")
        if tier is None:
            self.fail(path, f"rule '{name}' needs 'route': the tier it sends requests to")
        elif tiers and tier not in tiers:
            self.fail(path + ("route",), f"rule '{name}': unknown tier {tier!r}; expected one of: {', '.join(tiers)}")
        if "description" in entry and not isinstance(entry["description"], str):
            self.fail(path + ("description",), f"rule '{name}': 'description' must be a string")
        when: Condition | None = All(())
        if "when" in entry:
            base = FilePath(self.doc.source).parent
            parser = ConditionParser(name, self.fail, self.doc.where, base, self.keyword_lists)
            when = parser.parse(entry["when"], path + ("when",))
        if when is None:
            return None
        return Rule(name, str(tier), when, *self.doc.where(path))
