"""Run a rule file's golden cases through the router."""

from __future__ import annotations

from dataclasses import dataclass

from llmroute_cli.engine.router import Explanation, Router
from llmroute_cli.rules.cases import Case


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: Case
    explanation: Explanation

    @property
    def passed(self) -> bool:
        decision = self.explanation.decision
        if decision.tier != self.case.tier:
            return False
        return not self.case.checks_rule or decision.rule == self.case.rule

    def describe_failure(self) -> str:
        d, c = self.explanation.decision, self.case
        want = f"tier '{c.tier}'" + (f" by rule {_rule(c.rule)}" if c.checks_rule else "")
        return f"expected {want}, got tier '{d.tier}' by rule {_rule(d.rule)}"


def _rule(name: str | None) -> str:
    return "(default)" if name is None else f"'{name}'"


def run_cases(router: Router) -> list[CaseResult]:
    """Every case of the router's policy, in file order, with the explanation of its decision."""
    return [
        CaseResult(c, router.explain(c.query, c.context, c.metadata, c.input_tokens, **c.logged))
        for c in router.policy.cases
    ]
