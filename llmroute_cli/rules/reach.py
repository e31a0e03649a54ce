"""Rules partly unreachable: an earlier rule, to another tier, that ignores what a later one tests.

``long-context`` (``context.chars > 8000``) after ``short-no-code`` (which reads only the query)
never sees a long context under a short query: the earlier rule takes it, whatever its context.
The lint is conservative: it warns only when the two rules read disjoint parts of the request's
text, so both can hold at once (neither is always true, nor contradicts the other on a shared field).
"""

from __future__ import annotations

from dataclasses import dataclass

from llmroute_cli.rules.conditions import Condition, Test, tests_in
from llmroute_cli.rules.policy import Policy

TEXT_PARTS = frozenset({"query", "context"})
_READS = {"query": {"query"}, "context": {"context"}, "request": {"query", "context"}, "classifier": {"query"}}


def reads(field: str) -> frozenset[str]:
    """The parts of a request's text a field reads (``query``, ``context``); any other field reads ``*``."""
    return frozenset(_READS.get(field.split(".")[0], {"*"}))


def reads_of(cond: Condition) -> frozenset[str]:
    return frozenset().union(*(reads(t.field) for t in tests_in(cond)))


@dataclass(frozen=True, slots=True)
class Preempted:
    """Rule ``later`` (an index) can lose requests to ``takers`` earlier rules (the first ``first``)."""

    later: int
    first: int
    takers: int
    test: Test
    parts: tuple[str, ...]  # what the later rule reads and the earlier ones do not


def preempted(policy: Policy) -> list[Preempted]:
    """Each later rule with the earlier rules (to another tier) that can take its requests unseen.

    Only rules that read nothing but the text are compared: a metadata, model, time or split test
    before a text rule is routing by an attribute on purpose, not a blind spot."""
    filed: dict[tuple[frozenset[str], str], list[int]] = {}  # (parts read, tier) -> earlier rules
    found = []
    for j, later in enumerate(policy.rules):
        mine, tests = reads_of(later.when), tests_in(later.when)
        if tests and mine <= TEXT_PARTS:
            takers = [
                i for (theirs, tier), rules in filed.items() if tier != later.tier and not theirs & mine for i in rules
            ]
            if takers:
                found.append(Preempted(j, min(takers), len(takers), tests[0], tuple(sorted(mine))))
            if not later.when.always():
                filed.setdefault((mine, later.tier), []).append(j)
    return found


def message(policy: Policy, p: Preempted) -> str:
    """The located warning's text for one partly unreachable rule."""
    later, first = policy.rules[p.later], policy.rules[p.first]
    more, parts = p.takers - 1, " or ".join(p.parts)
    others = f" (and {more} more earlier rule{'s' * (more != 1)})" if more else ""
    return (
        f"rule '{later.name}' is partly unreachable: rule '{first.name}' (line {first.line}) routes to "
        f"'{first.tier}' without testing {parts}{others}, so it takes the requests with "
        f"{p.test.label} that it also matches; test {parts} there too, or move '{later.name}' above it"
    )
