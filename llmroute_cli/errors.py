"""The one exception family for user mistakes; the CLI turns it into a message and exit code."""

from __future__ import annotations

from dataclasses import dataclass


class LlmrouteError(Exception):
    """A mistake in the user's input: shown as a message, never as a traceback."""

    exit_code = 1


class UsageError(LlmrouteError):
    """The command itself was misused (missing file, bad option)."""

    exit_code = 2


class OptionError(UsageError):
    """A value given to (or missing from) a run: the core names the parameter, each caller spells it.

    ``template`` holds ``{option}`` where the parameter's name stands: the Python API reads
    ``sample_rate``, the command line ``--sample-rate`` (``for_cli``).
    """

    def __init__(self, option: str, template: str, exit_code: int = 2) -> None:
        self.option, self.template, self.exit_code = option, template, exit_code
        super().__init__(template.format(option=option))

    def for_cli(self) -> str:
        return self.template.format(option="--" + self.option.replace("_", "-"))


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
