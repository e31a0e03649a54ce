"""Checks beyond validity: problems a rule file can have while still loading."""

from __future__ import annotations

from .errors import Problem
from .policy import Policy


def unreachable_rules(policy: Policy) -> list[Problem]:
    """Rules after one that always matches can never match."""
    problems: list[Problem] = []
    catch_all = next((r for r in policy.rules if r.when.always()), None)
    if catch_all is None:
        return problems
    after = policy.rules[policy.rules.index(catch_all) + 1 :]
    for rule in after:
        message = f"rule '{rule.name}' can never match: rule '{catch_all.name}' (line {catch_all.line}) always matches"
        problems.append(Problem(policy.source, rule.line, rule.column, message))
    return problems


def lint(policy: Policy) -> list[Problem]:
    """Every lint problem of a loaded policy, in file order."""
    return sorted(unreachable_rules(policy), key=lambda p: (p.line, p.column))
