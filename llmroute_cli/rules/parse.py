"""Turn the ``when:`` part of a rule into a compiled condition, reporting every problem found."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Any

from llmroute_cli.errors import LlmrouteError
from llmroute_cli.rules.conditions import (
    ATTRIBUTE_FIELDS,
    CLASSIFIER_FIELD,
    COUNT_FIELDS,
    DAYS,
    FLAG_FIELDS,
    META_OPS,
    PROBABILITY_OPS,
    SIZE_OPS,
    SIZE_UNITS,
    TEXT_FIELDS,
    TEXT_MODIFIERS,
    TEXT_OPS,
    All,
    Any_,
    Compare,
    Condition,
    Contains,
    Flag,
    MetaTest,
    ModelIs,
    Not,
    Probability,
    Regex,
    Split,
    Test,
    TimeOfDay,
    Words,
    is_number,
)
from llmroute_cli.rules.regex import SYNTAX, compiled
from llmroute_cli.rules.yamlpos import Path

COMBINATORS = ("all", "any", "not")
SIZE_FIELDS = tuple(f"{f}.{u}" for f in TEXT_FIELDS for u in SIZE_UNITS)
FIELD_NAMES = (
    *COMBINATORS,
    *TEXT_FIELDS,
    *SIZE_FIELDS,
    CLASSIFIER_FIELD,
    *FLAG_FIELDS,
    *COUNT_FIELDS,
    *ATTRIBUTE_FIELDS,
    "metadata.",
)
TIME_KEYS = ("hours", "days", "tz")
SPLIT_KEYS = ("percent", "seed")
CLASSIFIER_KEYS = ("model", *PROBABILITY_OPS)
MAX_DEPTH = 32

Report = Callable[[Path, str, bool], None]


def suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    """' (did you mean X?)' for the closest valid name, or ''."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class ConditionParser:
    """Parses one rule's condition; problems go to ``report(path, message, at_key)``."""

    def __init__(
        self,
        rule: str,
        report: Report,
        where: Callable[[Path], tuple[int, int]] | None = None,
        base: FilePath | None = None,
        keyword_lists: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.rule = rule
        self.keyword_lists = keyword_lists or {}  # the file's named lists, for {list: NAME} in contains/words
        self.report = report
        self.where = where or (lambda path: (0, 0))
        self.base = base or FilePath(".")  # the rule file's folder: model paths are relative to it

    def fail(self, path: Path, message: str, *, key: bool = False) -> None:
        self.report(path, f"rule '{self.rule}': {message}", key)

    def parse(self, node: Any, path: Path, depth: int = 0) -> Condition | None:
        if depth > MAX_DEPTH:
            self.fail(path, f"conditions nested deeper than {MAX_DEPTH} levels")
            return None
        if not isinstance(node, dict):
            self.fail(path, f"expected a mapping of conditions, got {kind_of(node)}")
            return None
        parts = [self._entry(str(k), v, path + (k,), depth) for k, v in node.items()]
        if any(p is None for p in parts):
            return None
        conds = tuple(p for p in parts if p is not None)
        return conds[0] if len(conds) == 1 else All(conds)

    def _entry(self, key: str, value: Any, path: Path, depth: int) -> Condition | None:
        if key in ("all", "any"):
            return self._combine(key, value, path, depth)
        if key == "not":
            inner = self.parse(value, path, depth + 1)
            return Not(inner) if inner is not None else None
        if key in TEXT_FIELDS:
            return self._ops(key, value, path, TEXT_OPS + TEXT_MODIFIERS, self._text)
        if key in SIZE_FIELDS:
            return self._ops(key, value, path, SIZE_OPS, self._size)
        if key.startswith("metadata.") and len(key) > len("metadata."):
            return self._metadata(key, value, path)
        if key == CLASSIFIER_FIELD:
            return self._classifier(value, path)
        if key in FLAG_FIELDS:
            return self._flag(key, value, path)
        if key in COUNT_FIELDS:
            return self._ops(key, value, path, SIZE_OPS, self._size)
        if key in ATTRIBUTE_FIELDS:
            build = {"model": self._model, "time": self._time, "split": self._split}[key]
            pred = build(value, path)
            return None if pred is None else Test(key, pred, self.where(path))
        self.fail(path, f"unknown field '{key}'{suggest(key, FIELD_NAMES)}", key=True)
        return None

    def _combine(self, key: str, value: Any, path: Path, depth: int) -> Condition | None:
        if not isinstance(value, list):
            self.fail(path, f"'{key}' takes a list of conditions, got {kind_of(value)}")
            return None
        items = [self.parse(v, path + (i,), depth + 1) for i, v in enumerate(value)]
        if any(i is None for i in items):
            return None
        conds = tuple(i for i in items if i is not None)
        return All(conds) if key == "all" else Any_(conds)

    def _ops(self, field: str, value: Any, path: Path, allowed: tuple[str, ...], build: Any) -> Condition | None:
        if not isinstance(value, dict) or not value:
            example = "{contains: [...]}" if field in TEXT_FIELDS else "{lt: 200}"
            self.fail(path, f"'{field}' takes a mapping of operators like {example}, got {kind_of(value)}")
            return None
        bad = [k for k in value if k not in allowed]
        for k in bad:
            self.fail(path + (k,), f"unknown operator '{k}' for '{field}'{suggest(str(k), allowed)}", key=True)
        if bad:
            return None
        return build(field, value, path)

    def _text(self, field: str, ops: dict[str, Any], path: Path) -> Condition | None:
        ignore_case = ops.get("ignore_case", False)
        if not isinstance(ignore_case, bool):
            self.fail(path + ("ignore_case",), f"'ignore_case' must be true or false, got {kind_of(ignore_case)}")
            return None
        if "ignore_case" in ops and not ({"contains", "regex"} & ops.keys()):
            self.fail(
                path + ("ignore_case",),
                "'ignore_case' applies to 'contains' and 'regex' ('words' always ignore case)",
                key=True,
            )
            return None
        tests: list[Condition] = []
        for op in ("contains", "words", "regex"):
            if op in ops:
                pred = self._text_pred(field, op, ops[op], ignore_case, path + (op,))
                if pred is None:
                    return None
                tests.append(Test(field, pred, self.where(path + (op,))))
        return tests[0] if len(tests) == 1 else All(tuple(tests))

    def _text_pred(self, field: str, op: str, arg: Any, ignore_case: bool, path: Path) -> Any:
        if op == "regex":
            if not isinstance(arg, str):
                self.fail(path, f"'regex' takes a string, got {kind_of(arg)}")
                return None
            try:
                compiled(arg, ignore_case)
            except ValueError as exc:
                self.fail(path, f"regex {arg!r} does not compile: {exc} ({SYNTAX})")
                return None
            return Regex(arg, ignore_case)
        items = self._expand_lists([arg] if isinstance(arg, str) else arg, path)
        if items is None:
            return None
        if not isinstance(items, list) or not items or not all(isinstance(s, str) for s in items):
            self.fail(path, f"'{op}' takes a string or a non-empty list of strings, got {kind_of(arg)}")
            return None
        if "" in items:  # an empty keyword matches every request
            self.fail(path, f"empty keyword '' in '{field}' matches every request; remove it")
            return None
        return Contains(tuple(items), ignore_case) if op == "contains" else Words(tuple(items))

    def _expand_lists(self, items: Any, path: Path) -> Any:
        """Keywords with each ``{list: NAME}`` replaced by the file's ``keyword_lists`` entry NAME."""
        if isinstance(items, dict):  # one list: `words: {list: billing}`
            return self._expand_lists([items], path[:-1] + (path[-1], None))
        if not isinstance(items, list):
            return items
        out: list[Any] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                out.append(item)
                continue
            at = path[:-1] if path[-1] is None else path + (i,)
            name = item.get("list") if list(item) == ["list"] else None
            if not isinstance(name, str):
                self.fail(at, "a keyword is a string or {list: NAME} naming one of 'keyword_lists'")
                return None
            if name not in self.keyword_lists:
                known = ", ".join(self.keyword_lists) or "none are declared"
                close = suggest(name, list(self.keyword_lists))
                self.fail(at + ("list",), f"unknown keyword list '{name}'{close}; 'keyword_lists' has: {known}")
                return None
            out += self.keyword_lists[name]
        return out

    def _model(self, value: Any, path: Path) -> ModelIs | None:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
            self.fail(
                path,
                f"'model' takes a model name or a list of names and globs like [gpt-4o, 'ft:*'], got {kind_of(value)}",
            )
            return None
        return ModelIs(tuple(names))

    def _time(self, value: Any, path: Path) -> TimeOfDay | None:
        example = "{hours: [9, 17], days: [mon, tue, wed, thu, fri], tz: Europe/Paris}"
        if not isinstance(value, dict) or not ({"hours", "days"} & value.keys()):
            self.fail(path, f"'time' takes 'hours' and/or 'days' (and 'tz'), like {example}")
            return None
        for k in value:
            if k not in TIME_KEYS:
                self.fail(path + (k,), f"unknown key '{k}' for 'time'{suggest(str(k), TIME_KEYS)}", key=True)
                return None
        hours, days, tz = value.get("hours", [0, 24]), value.get("days", list(DAYS)), value.get("tz", "UTC")
        ok = (
            isinstance(hours, list)
            and len(hours) == 2
            and all(isinstance(h, int) and not isinstance(h, bool) for h in hours)
        )
        if not ok or not (0 <= hours[0] < 24 and 0 < hours[1] <= 24 and hours[0] != hours[1]):
            self.fail(
                path + ("hours",),
                f"'time' hours takes [START, END), two different whole hours 0-24 ([22, 6] wraps past "
                f"midnight), got {kind_of(hours)}",
            )
            return None
        days = [days] if isinstance(days, str) else days
        if (
            not isinstance(days, list)
            or not days
            or not all(isinstance(d, str) and d.lower()[:3] in DAYS for d in days)
        ):
            self.fail(path + ("days",), f"'time' days takes a list of {', '.join(DAYS)}, got {kind_of(days)}")
            return None
        zone = self._zone(tz, path + ("tz",))
        if zone is None:
            return None
        return TimeOfDay(hours[0], hours[1], tuple(sorted({DAYS.index(d.lower()[:3]) for d in days})), zone)

    def _zone(self, tz: Any, path: Path) -> str | None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            if not isinstance(tz, str) or not tz or tz.startswith(("/", ".")) or ".." in tz:
                raise ValueError
            ZoneInfo(tz)
        except (ValueError, ZoneInfoNotFoundError):
            self.fail(path, f"'time' tz takes an IANA time zone like UTC or Europe/Paris, got {kind_of(tz)}")
            return None
        return tz

    def _split(self, value: Any, path: Path) -> Split | None:
        if not isinstance(value, dict) or "percent" not in value or "seed" not in value:
            self.fail(
                path, "'split' takes {percent: 5, seed: canary-1}: a share 0-100 and a seed that fixes which requests"
            )
            return None
        for k in value:
            if k not in SPLIT_KEYS:
                self.fail(path + (k,), f"unknown key '{k}' for 'split'{suggest(str(k), SPLIT_KEYS)}", key=True)
                return None
        percent, seed = value["percent"], value["seed"]
        if not is_number(percent) or not 0 <= percent <= 100:
            self.fail(path + ("percent",), f"'split' percent takes a number from 0 to 100, got {kind_of(percent)}")
            return None
        if not isinstance(seed, str | int) or isinstance(seed, bool):
            self.fail(path + ("seed",), f"'split' seed takes a string or a whole number, got {kind_of(seed)}")
            return None
        return Split(float(percent), str(seed))

    def _size(self, field: str, ops: dict[str, Any], path: Path) -> Condition | None:
        tests: list[Condition] = []
        for op, arg in ops.items():
            problem = _number_problem(arg)
            if problem:
                self.fail(path + (op,), f"'{field}' {op} {problem}")
                return None
            tests.append(Test(field, Compare(op, arg), self.where(path + (op,))))
        return tests[0] if len(tests) == 1 else All(tuple(tests))

    def _flag(self, field: str, value: Any, path: Path) -> Condition | None:
        """``has_tools: true`` / ``has_images: false``."""
        if not isinstance(value, bool):
            self.fail(path, f"'{field}' takes true or false, got {kind_of(value)}")
            return None
        return Test(field, Flag(value), self.where(path))

    def _classifier(self, value: Any, path: Path) -> Condition | None:
        """``classifier: {model: router.json, gt: 0.6}``; without a comparison, ``gte`` the model's threshold."""
        if not isinstance(value, dict) or not isinstance(value.get("model"), str) or not value["model"].strip():
            example = "{model: router.json, gt: 0.6}"
            self.fail(path, f"'classifier' takes a mapping like {example} (a model `llmroute train` wrote)")
            return None
        bad = [k for k in value if k not in CLASSIFIER_KEYS]
        for k in bad:
            self.fail(path + (k,), f"unknown key '{k}' for 'classifier'{suggest(str(k), CLASSIFIER_KEYS)}", key=True)
        written = value["model"]
        resolved = self.base / written
        try:
            from llmroute_cli.classifier.model import load_model

            model = load_model(resolved)
        except LlmrouteError as exc:
            self.fail(path + ("model",), str(exc))
            return None
        if bad:
            return None
        ops = {k: v for k, v in value.items() if k != "model"} or {"gte": model.threshold}
        tests: list[Condition] = []
        for op, limit in ops.items():
            if not is_number(limit) or not 0 <= limit <= 1:
                self.fail(path + (op,), f"'classifier' {op} takes a probability between 0 and 1, got {kind_of(limit)}")
                return None
            pred = Probability(written, str(resolved), op, float(limit))
            tests.append(Test(CLASSIFIER_FIELD, pred, self.where(path + (op,) if op in value else path)))
        return tests[0] if len(tests) == 1 else All(tuple(tests))

    def _metadata(self, field: str, value: Any, path: Path) -> Condition | None:
        if not isinstance(value, dict):
            op = "in" if isinstance(value, list) else "eq"
            value = {op: value}
        elif not value:
            self.fail(path, f"'{field}' takes a value or a mapping of operators like {{in: [a, b]}}")
            return None
        tests: list[Condition] = []
        for op, arg in value.items():
            if op not in META_OPS:
                self.fail(path + (op,), f"unknown operator '{op}' for '{field}'{suggest(str(op), META_OPS)}", key=True)
                return None
            problem = _meta_arg_problem(op, arg)
            if problem:
                self.fail(path + (op,), f"'{field}' {op} {problem}")
                return None
            tests.append(Test(field, MetaTest(op, tuple(arg) if isinstance(arg, list) else arg), self.where(path)))
        return tests[0] if len(tests) == 1 else All(tuple(tests))


def _meta_arg_problem(op: str, arg: Any) -> str | None:
    scalar = (str, int, float, bool, type(None))
    if op in ("in", "nin"):
        ok = isinstance(arg, list) and all(isinstance(a, scalar) for a in arg)
        return None if ok else f"takes a list of values, got {kind_of(arg)}"
    if op == "exists":
        return None if isinstance(arg, bool) else f"takes true or false, got {kind_of(arg)}"
    if op in ("eq", "ne"):
        return None if isinstance(arg, scalar) else f"takes a single value, got {kind_of(arg)}"
    return _number_problem(arg)


def _number_problem(arg: Any) -> str | None:
    if not is_number(arg):
        return f"takes a number, got {kind_of(arg)}"
    try:
        float(arg)  # both engine paths compare as floats can; a 400-digit whole number is past them
    except OverflowError:
        return f"takes a number, got a number too large ({len(str(abs(arg)))} digits; a float holds about 308)"
    return None


def kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, float) and value != value:
        return "NaN"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "a mapping"}
    return (
        f"{names.get(type(value), type(value).__name__)} ({value!r})"
        if not isinstance(value, (list, dict))
        else names[type(value)]
    )
