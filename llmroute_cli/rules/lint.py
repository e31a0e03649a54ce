"""Checks beyond validity: problems a rule file can have while still loading."""

from __future__ import annotations

import functools
from importlib import resources

from llmroute_cli.errors import Problem
from llmroute_cli.rules.candidates import Candidates
from llmroute_cli.rules.conditions import Contains, Test, tests_in
from llmroute_cli.rules.implication import implies
from llmroute_cli.rules.lookalike import skeleton, unusual
from llmroute_cli.rules.policy import Policy, Rule
from llmroute_cli.rules.reach import message, preempted

INFLECTIONS = ("s", "es", "ed", "d", "ing", "er", "ers")
EXAMPLES = 3


def _at(policy: Policy, rule: Rule, message: str, severity: str = "error", test: Test | None = None) -> Problem:
    line, column = test.at if test is not None and test.at != (0, 0) else (rule.line, rule.column)
    return Problem(policy.source, line, column, message, severity)


def shadowed_rules(policy: Policy) -> list[Problem]:
    """Rules that can never match because an earlier rule matches everything they would."""
    problems, earlier_rules = [], Candidates(r.when for r in policy.rules)
    for later in policy.rules:
        candidates = earlier_rules.of(later.when)
        earlier_rules.add(later.when)
        for earlier in (policy.rules[j] for j in candidates):
            if earlier.when.always():
                why = "always matches"
            elif implies(later.when, earlier.when):
                why = f"matches every request '{later.name}' would"
            else:
                continue
            message = f"rule '{later.name}' can never match: rule '{earlier.name}' (line {earlier.line}) {why}"
            problems.append(_at(policy, later, message))
            break
    return problems


@functools.cache
def common_words() -> tuple[str, ...]:
    text = resources.files("llmroute_cli").joinpath("data", "common_words.txt").read_text("utf-8")
    return tuple(text.split())


def inner_matches(keyword: str) -> list[str]:
    """Common words that contain ``keyword`` without being it or a simple inflection of it."""
    k = keyword.lower()
    own = {k + suffix for suffix in INFLECTIONS}
    return [w for w in common_words() if k in w and w != k and w not in own]


def substring_traps(policy: Policy) -> list[Problem]:
    """Substring keywords that also match inside common words ("class" in "classic")."""
    problems = []
    for rule in policy.rules:
        for test in tests_in(rule.when):
            if not isinstance(test.pred, Contains):
                continue
            for needle in test.pred.needles:
                if not needle.isalpha():
                    continue
                inside = inner_matches(needle)
                if inside:
                    shown = ", ".join(inside[:EXAMPLES]) + (", …" if len(inside) > EXAMPLES else "")
                    message = (
                        f"rule '{rule.name}': keyword '{needle}' also matches inside {len(inside)} common "
                        f"word{'s' * (len(inside) != 1)} "
                        f"({shown}); use 'words' for whole-word matching"
                    )
                    problems.append(_at(policy, rule, message, "warning", test))
    return problems


def single_tier(policy: Policy) -> list[Problem]:
    tiers = {r.tier for r in policy.rules} | {policy.default}
    if len(tiers) > 1:
        return []
    message = f"every rule and the default route to tier '{policy.default}': the policy sends everything to one tier"
    return [Problem(policy.source, 1, 1, message, "warning")]


def never_fired(policy: Policy, hits: tuple[list[int], int]) -> list[Problem]:
    """Rules that decided none of the logged requests (warnings), and a log routed to one tier."""
    counts, total = hits
    problems = [
        _at(policy, rule, f"rule '{rule.name}' never fired on {total:,} logged requests", "warning")
        for rule, n in zip(policy.rules, counts, strict=False)
        if n == 0
    ]
    tiers = {t for t, n in zip([r.tier for r in policy.rules] + [policy.default], counts, strict=True) if n}
    if total and len(tiers) == 1:
        message = f"all {total:,} logged requests route to tier '{tiers.pop()}'"
        problems.append(Problem(policy.source, 1, 1, message, "warning"))
    return problems


def absent_metadata(policy: Policy, paths: set[str], shown: int = 8) -> list[Problem]:
    """Warnings at each condition that tests a metadata path no logged request has, naming the paths they do have."""
    have = sorted(paths)
    if have:
        more = f" and {len(have) - shown} more" if len(have) > shown else ""
        hint = f"the logs have: {', '.join(have[:shown])}{more}"
    else:
        hint = "the logs carry no metadata"
    hint += " (map a field with --metadata-field NAME=PATH)"
    problems, seen = [], set()
    for rule in policy.rules:
        for test in tests_in(rule.when):
            if test.kind == "meta" and test.field not in paths and (test.field, test.at) not in seen:
                seen.add((test.field, test.at))
                message = f"rule '{rule.name}' tests {test.field}, which no logged request has; {hint}"
                problems.append(_at(policy, rule, message, "warning", test))
    return problems


def lookalike_names(policy: Policy) -> list[Problem]:
    """Two tier names, or two rule names, that look the same (a Cyrillic er for a Latin p, case, spaces)."""
    tiers = [(t, policy.tier_at.get(t, (1, 1))) for t in [*policy.tiers, *policy.cascades]]
    rules = [(r.name, (r.line, r.column)) for r in policy.rules]
    problems = []
    for kind, names in (("tier", tiers), ("rule", rules)):
        seen: dict[str, tuple[str, tuple[int, int]]] = {}
        for name, at in names:
            first = seen.setdefault(skeleton(name), (name, at))
            if first[0] == name:
                continue
            odd = unusual(name) or unusual(first[0])
            why = f" ({odd})" if odd else ""
            message = f"{kind} '{name}' looks like {kind} '{first[0]}' (line {first[1][0]}){why}: rename one"
            problems.append(Problem(policy.source, *at, message, "warning"))
    return problems


def partly_unreachable(policy: Policy) -> list[Problem]:
    """Later rules whose requests an earlier rule to another tier can take because it ignores what they test."""
    return [_at(policy, policy.rules[p.later], message(policy, p), "warning", p.test) for p in preempted(policy)]


def taken_by_earlier(policy: Policy, taken: dict[int, dict[int, int]], total: int) -> list[Problem]:
    """With logs: how many requests each partly unreachable rule would have taken, and which rules took them."""
    problems = []
    for p in preempted(policy):
        rule, by_rule = policy.rules[p.later], taken.get(p.later, {})
        who = "".join(
            f", {k:,} by rule '{policy.rules[i].name}' (to {policy.rules[i].tier})" for i, k in sorted(by_rule.items())
        )
        n = sum(by_rule.values())
        text = (
            f"rule '{rule.name}' would have taken {n:,} of {total:,} logged requests that earlier rules sent elsewhere"
        )
        problems.append(_at(policy, rule, text + (":" + who[1:] if who else ""), "warning", p.test))
    return problems


def lint(policy: Policy) -> list[Problem]:
    """Every lint problem of a loaded policy, in file order."""
    found = shadowed_rules(policy) + substring_traps(policy) + single_tier(policy) + lookalike_names(policy)
    found += partly_unreachable(policy)
    return sorted(found, key=lambda p: (p.line, p.column, p.message))
