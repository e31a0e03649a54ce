"""The one exception family for user mistakes; the CLI turns it into a message and exit code."""

from __future__ import annotations

from dataclasses import dataclass


class LlmrouteError(Exception):
    """A mistake in the user's input: shown as a message, never as a traceback."""

    exit_code = 1


class UsageError(LlmrouteError):
    """The command itself was misused (missing file, bad option)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in an input file."""

    source: str
    line: int
    column: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        level = "warning: " if self.severity == "warning" else ""
        return f"{self.source}:{self.line}:{self.column}: {level}{self.message}"


class ConfigError(LlmrouteError):
    """A rule file has one or more problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
