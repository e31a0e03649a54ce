"""What a run hands back: a frozen record of its report, as the JSON format prints it, and tables of it.

``report`` is the dict ``--format json`` prints (floats at 15 significant digits); ``to_dict()``
a copy of it; ``to_pandas(what)`` one part of it as a DataFrame (pandas imported only then).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmroute_cli.api.options import lit
from llmroute_cli.errors import OptionError

if TYPE_CHECKING:
    import pandas as pd

    from llmroute_cli.reports.sweep_result import Result
    from llmroute_cli.simulate.result import SimulationResult

DECISION_COLUMNS = ("id", "tier", "model", "rule", "input_tokens", "output_tokens", "cost_usd")


def _table(rows: dict[str, dict[str, Any]], index: str) -> pd.DataFrame:
    """One row per key of ``rows`` (a tier, a rule), its figures as columns."""
    import pandas as pd

    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = index
    return frame


def _records(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def _choose(what: str, tables: dict[str, Any]) -> pd.DataFrame:
    if what not in tables:
        raise OptionError("what", f"{{option}} takes {', '.join(tables)}; got {lit(repr(what))}")
    return tables[what]()


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


@dataclass(frozen=True, slots=True, eq=False)
class SimulateRun:
    """A simulation: its report, the frozen totals it was built from, and each request's decision when asked."""

    report: dict[str, Any]
    result: SimulationResult
    decisions: pd.DataFrame | None = None  # with ``decisions=True``: one row per request, in log order

    def to_dict(self) -> dict[str, Any]:
        """The report as ``--format json`` prints it: plain, JSON-ready data (a copy)."""
        return copy.deepcopy(self.report)

    def to_pandas(self, what: str = "tiers") -> pd.DataFrame:
        """``tiers`` (a row per tier), ``rules`` (a row per rule, the default last) or ``requests``."""
        tables = {
            "tiers": lambda: _table(self.report["tiers"], "tier"),
            "rules": lambda: _table(self.report["rules"], "rule"),
            "requests": self._requests,
        }
        return _choose(what, tables)

    def _requests(self) -> pd.DataFrame:
        if self.decisions is None:
            raise OptionError("decisions", "per-request rows are kept only when asked: simulate(..., {option}=True)")
        return self.decisions.copy()

    def __repr__(self) -> str:
        r = self.report
        saved = (r.get("savings") or {}).get("all_expensive", {}).get("percent")
        saving = "" if saved is None else f", {saved:.1f}% below all-expensive"
        return (
            f"<SimulateRun {r['queries']:,} requests over {r['days']:,.2f} days, rules {r['rules_file']}: "
            f"{_money(r['routed']['daily_cost_usd'])}/day routed{saving}>"
        )


@dataclass(frozen=True, slots=True, eq=False)
class DiffRun:
    """Two rule files on the same logs: the report (with ``gates_failed``), and what the command line warns of."""

    report: dict[str, Any]
    old: str  # the old rule file as named (a path, or REV:PATH)
    new: str
    warnings: tuple[str, ...] = ()  # skipped records and left-out models, as the command line prints them

    @property
    def gates_failed(self) -> list[str]:
        """One message per gate the change crosses (empty when it keeps them all)."""
        return list(self.report["gates_failed"])

    def to_dict(self) -> dict[str, Any]:
        """The report as ``--format json`` prints it (a copy)."""
        return copy.deepcopy(self.report)

    def to_pandas(self, what: str = "tiers") -> pd.DataFrame:
        """``tiers`` (old and new share), ``rules`` (hits before and after) or ``transitions`` (tier to tier)."""
        tables = {
            "tiers": lambda: _table(self.report["tiers"], "tier"),
            "rules": lambda: _table(self.report["rules"], "rule"),
            "transitions": lambda: _records(self.report["transitions"], ["from", "to", "queries", "share"]),
        }
        return _choose(what, tables)

    def __repr__(self) -> str:
        r, spend = self.report, self.report["spend"]
        n = len(r["gates_failed"])
        gates = f", {n} gate{'s' if n > 1 else ''} failed" if n else ""
        return (
            f"<DiffRun {self.old} -> {self.new}: {r['shifted']['queries']:,} of {r['queries']:,} requests change "
            f"tier, {_money(spend['old_daily_usd'])}/day -> {_money(spend['new_daily_usd'])}/day{gates}>"
        )


@dataclass(frozen=True, slots=True, eq=False)
class SweepRun:
    """One threshold over a range of values: the report, and the sweep's rows as the renderers read them."""

    report: dict[str, Any]
    result: Result
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The report as ``--format json`` prints it (a copy)."""
        return copy.deepcopy(self.report)

    def to_pandas(self, what: str = "points") -> pd.DataFrame:
        """``points``: a row per swept value (the current one marked), its spend, shares and quality."""
        return _choose(what, {"points": self._points})

    def _points(self) -> pd.DataFrame:
        import pandas as pd

        frame = pd.DataFrame(self.report["points"])
        return frame.set_index("value")

    def __repr__(self) -> str:
        r = self.report
        values = [p["value"] for p in r["points"]]
        return (
            f"<SweepRun {r['param']} over {len(values)} values ({values[0]} to {values[-1]}, now {r['current']}), "
            f"{r['requests']:,} requests>"
        )


def tidied_report(report: dict[str, Any]) -> dict[str, Any]:
    """A report as the JSON format prints it: floats at 15 significant digits, tuples as lists."""
    from llmroute_cli.render.jsonout import tidied

    result: dict[str, Any] = tidied(report)
    return result


def read_notices(read: dict[str, Any], totals: Any) -> tuple[str, ...]:
    """What a run the report of which holds no room for them warns of: records skipped or ignored, models left out."""
    from llmroute_cli.render.report import alerts
    from llmroute_cli.reports.simulate import ignored_warnings, model_warnings

    lines = alerts({"warnings": ignored_warnings(read), "input": read})
    return (*lines, *(f"warning: {line}" for line in model_warnings(totals)))
