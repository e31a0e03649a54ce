"""Safe YAML loading that remembers where every value and key stands in the file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from llmroute_cli.errors import ConfigError, Problem

Path = tuple[Any, ...]
MAX_NODES = 100_000
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(slots=True)
class Located:
    """A loaded YAML document plus the 1-based (line, column) of each value and mapping key."""

    source: str
    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """The position of the value (or key) at ``path``, else of its nearest located parent."""
        table = self.keys if key else self.values
        while path:
            if path in table:
                return table[path]
            path = path[:-1]
            table = self.values
        return self.values.get((), (1, 1))

    def problem(self, path: Path, message: str, *, key: bool = False) -> Problem:
        line, column = self.where(path, key=key)
        return Problem(self.source, line, column, message)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Walker:
    """Builds plain Python data from a composed node tree, recording positions."""

    def __init__(self, loader: yaml.SafeLoader, doc: Located) -> None:
        self.loader = loader
        self.doc = doc
        self.count = 0
        self.open_nodes: set[int] = set()
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node, path: Path) -> Any:
        if id(node) in self.open_nodes:
            raise ConfigError(
                [self.doc.problem(path, "a YAML alias refers to itself; a rule file cannot be recursive")]
            )
        self.count += 1
        if self.count > MAX_NODES:
            raise ConfigError([self.doc.problem(path, f"file too large: over {MAX_NODES} values")])
        self.doc.values.setdefault(path, _mark(node))
        if node.tag not in _PLAIN_TAGS and not isinstance(node, yaml.ScalarNode):
            line, col = _mark(node)
            raise ConfigError(
                [
                    Problem(
                        self.doc.source, line, col, f"YAML tag '{node.tag}' is not allowed: a rule file is plain data"
                    )
                ]
            )
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        self.open_nodes.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        finally:
            self.open_nodes.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        """A scalar's value; text with a lone surrogate (YAML "\\udc80") is refused: no output could hold it."""
        try:
            value = self.loader.construct_object(node, deep=True)
        except ValueError:  # a whole number of over 4,300 digits, which Python will not read
            line, col = _mark(node)
            digits = sum(c.isdigit() for c in node.value)
            self.problems.append(Problem(self.doc.source, line, col, f"a number too large ({digits} digits)"))
            return None
        if isinstance(value, str) and (bad := _SURROGATE.search(value)):
            line, col = _mark(node)
            what = f"character {bad.group()!r} is a lone surrogate, not text; remove it"
            self.problems.append(Problem(self.doc.source, line, col, what))
            return _SURROGATE.sub("\ufffd", value)
        return value

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        own = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
        self.loader.flatten_mapping(node)  # merged (``<<``) pairs first: the mapping's own keys override them
        out: dict[Any, Any] = {}
        mine: set[Any] = set()
        for key_node, value_node in node.value:
            is_scalar = isinstance(key_node, yaml.ScalarNode)
            key = self._scalar(key_node) if is_scalar else self.loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                line, col = _mark(key_node)
                self.problems.append(Problem(self.doc.source, line, col, "keys must be plain scalars"))
                continue
            if key in mine and id(key_node) in own:
                line, col = _mark(key_node)
                self.problems.append(Problem(self.doc.source, line, col, f"duplicate key '{key}'"))
            if id(key_node) in own:
                mine.add(key)
            self.doc.keys[path + (key,)] = _mark(key_node)
            out[key] = self.build(value_node, path + (key,))
        return out


def load_located(text: str, source: str) -> Located:
    """Parse YAML safely; raise ConfigError with file:line:col on any syntax problem."""
    doc = Located(source, None)
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        raise ConfigError([_reader_problem(exc, text, source)]) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return doc
        walker = _Walker(loader, doc)
        doc.data = walker.build(node, ())
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([_yaml_problem(exc, source)]) from None
    except yaml.reader.ReaderError as exc:
        raise ConfigError([_reader_problem(exc, text, source)]) from None
    except RecursionError:
        raise ConfigError([Problem(source, 1, 1, "YAML nested too deeply to read; flatten the rule file")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(source, 1, 1, f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    if walker.problems:
        raise ConfigError(walker.problems)
    return doc


def _yaml_problem(exc: yaml.MarkedYAMLError, source: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or exc.context or "invalid YAML"
    return Problem(source, line, col, f"YAML syntax error: {what}")


def _reader_problem(exc: yaml.reader.ReaderError, text: str, source: str) -> Problem:
    before = text[: exc.position]
    line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
    return Problem(source, line, col, f"character {exc.character!r} is not allowed in YAML; remove it")
