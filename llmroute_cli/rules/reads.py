"""What a policy reads of a request's texts: the texts themselves, or only their lengths.

``context.chars`` needs the context's length, not its text; ``context: {contains: ...}`` and
``context.tokens`` need the text. The reader uses this to give lengths where a run needs no more.
"""

from __future__ import annotations

from collections.abc import Iterable

from llmroute_cli.rules.conditions import CLASSIFIER_FIELD, TEXT_FIELDS, tests_in
from llmroute_cli.rules.policy import Policy

_PARTS = {"request": ("query", "context")}


def texts_read(policies: Iterable[Policy]) -> frozenset[str]:
    """The text columns whose content any of ``policies`` tests (not only counts the characters of)."""
    found: set[str] = set()
    for policy in policies:
        for rule in policy.rules:
            for test in tests_in(rule.when):
                found.update(_needs(test.field))
    return frozenset(found)


def _needs(field: str) -> tuple[str, ...]:
    name, _, unit = field.partition(".")
    if field == CLASSIFIER_FIELD or field == "split":
        return ("query",)  # the classifier reads the query; a split keys on the id, else the query
    if name not in TEXT_FIELDS or unit == "chars":
        return ()
    return _PARTS.get(name, (name,))
