"""Plain-text lines for a routing explanation, shared by ``route`` and ``test``."""

from __future__ import annotations

from typing import Any

from llmroute_cli.engine.conditions import Trace
from llmroute_cli.render.tables import printable


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _condition_lines(trace: Trace, indent: int) -> list[str]:
    pad = "  " * indent
    value = f" [{trace.value}]" if trace.value is not None else ""
    lines = [f"{pad}{_mark(trace.result)} {trace.label}{value}"]
    for child in trace.children:
        lines.extend(_condition_lines(child, indent + 1))
    return lines


def trace_lines(explanation: Any) -> list[str]:
    """One line per rule tried and per condition in it, with values and results; names and values printable."""
    lines: list[str] = []
    for tried in explanation.tried:
        verdict = "matched" if tried.matched else "did not match"
        lines.append(f"  {_mark(tried.matched)} rule '{tried.name}' → {tried.tier}: {verdict}")
        if tried.condition.label == "all of" and not tried.condition.children:
            lines.append("      (no conditions: always matches)")
        lines.extend(_condition_lines(tried.condition, 3))
    if explanation.decision.rule is None:
        lines.append(f"  no rule matched → default tier '{explanation.decision.tier}'")
    return [printable(line) for line in lines]
