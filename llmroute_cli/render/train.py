"""How ``llmroute train`` reads in a terminal: the split, the threshold, and one table per held-out set."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmroute_cli.render.fmt import count, percent
from llmroute_cli.render.tables import Table, plain, printable, rich_table

if TYPE_CHECKING:
    from llmroute_cli.reports.train import TrainReport
    from llmroute_cli.training.evaluate import Evaluation, Interval

HEAD = ["router", "APGR (95% CI)", "CPT(50%)", "CPT(80%)", "expensive share", "under-routing", "threshold"]


def intro(report: TrainReport) -> list[str]:
    t, m = report.trained, report.trained.model
    split = t.split
    files = ", ".join(printable(f) for f in report.inputs.get("files", []))
    features = "+".join([b.name for b in m.text] + (["length"] if m.length else []))
    lines = [
        f"Trained a {m.kind} router ({features} features, {count(m.n_features)} weights) on {count(t.train_rows)} "
        f"queries ({count(t.train_needed)} needed the expensive tier) from {files}.",
        f"Held out by {printable(report.group_by)}: {count(len(split.train))} train, "
        f"{count(len(split.validation))} validation{_groups(split.validation_groups)}, "
        + (f"{count(len(split.test))} test{_groups(split.test_groups)}." if len(split.test) else "test from --test."),
        f"Threshold {m.threshold:.4g}, chosen on validation for {report.target.describe()}: "
        f"{percent(t.validation_share)} of validation queries go expensive.",
        f"Wrote {printable(report.model_path)}; route with `classifier: {{model: {printable(report.model_path)}}}` "
        "(or gt: another probability).",
    ]
    return lines


def _groups(names: tuple[str, ...]) -> str:
    if not names:
        return ""
    shown = ", ".join(printable(n) for n in names[:6]) + (", ..." if len(names) > 6 else "")
    return f" ({len(names)} groups: {shown})"


def table(e: Evaluation) -> Table:
    rows = [
        [
            r.name,
            _interval(r.apgr),
            _share(r.cpt50),
            _share(r.cpt80),
            _share(r.expensive_share),
            _share(r.under_routing),
            _threshold(r.name, r.threshold),
        ]
        for r in e.routers
    ]
    rows.append(["all cheap", "0.000", "", "", "0.0%", percent(e.base_rate), ""])
    title = (
        f"Held out: {printable(e.name)} ({count(e.rows)} queries, {percent(e.base_rate)} needed the expensive tier; "
        f"quality from '{e.scale}')"
    )
    return Table(HEAD, rows, ["left", "right", "right", "right", "right", "right", "right"], title, row_headers=True)


def verdict(e: Evaluation) -> str:
    return f"On {printable(e.name)}, the classifier {e.verdict()}."


def _interval(i: Interval) -> str:
    if i.value is None:
        return "n/a"
    if i.low is None or i.high is None:
        return f"{i.value:.3f}"
    return f"{i.value:.3f} ({i.low:.3f}-{i.high:.3f})"


def _share(x: float | None) -> str:
    return "n/a" if x is None else percent(x)


def _threshold(name: str, t: float | None) -> str:
    if t is None or name == "random":  # random sends the classifier's share: its cut on random scores means nothing
        return "same share" if name == "random" else ""
    return f"{t:.0f} chars" if name == "length rule" else f"{t:.4g}"


def render_table(report: TrainReport, console: Any) -> None:
    """The intro, a table and a verdict per held-out set, the notes and any warnings."""
    from llmroute_cli.reports.train import NOTES

    for line in intro(report):
        console.print(plain(line))
    for e in report.trained.evaluations:
        console.print(rich_table(table(e)))
        console.print(plain(verdict(e)))
    for note in NOTES:
        console.print(plain(note), style="dim")
    for warning in report.warnings():
        console.print(plain(f"warning: {warning}"))
