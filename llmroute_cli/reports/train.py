"""The report of ``llmroute train``: what was read, how it was split, the threshold, and the held-out comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmroute_cli.training.examples import LabeledQueries
    from llmroute_cli.training.threshold import Target
    from llmroute_cli.training.train import Trained

NOTES = (
    "APGR: RouteLLM's average performance gap recovered over every expensive share (random ~0.5; "
    "above 1 when the cheap model is sometimes right where the expensive one is wrong); 95% CI by "
    "bootstrap over queries.",
    "CPT(p): the expensive share at which a router first recovers p of the quality gap (lower is better).",
    "expensive share and under-routing at the threshold chosen on validation; under-routing: of the "
    "queries sent cheap, the share that needed the expensive tier (sending all cheap under-routes the base rate).",
)


@dataclass(frozen=True, slots=True)
class TrainReport:
    """Everything ``train`` says: the trained model and its evaluations, and what the read saw."""

    trained: Trained
    target: Target
    group_by: str
    model_path: str
    inputs: dict[str, Any]  # the read's summary (files, skipped records)
    unlabeled: int
    bad_labels: int
    bad_label_example: str | None
    no_group: int
    seconds: float

    def warnings(self) -> list[str]:
        out = []
        if self.bad_labels:
            out.append(f"{self.bad_labels} records with unreadable labels left out, e.g. {self.bad_label_example}")
        if self.no_group:
            out.append(f"{self.no_group} labeled records have no {self.group_by} to hold them out by; left out")
        if self.group_by == "random":
            out.append("held out by random rows: this over-states how well the router does on new kinds of queries")
        return out

    def to_dict(self) -> dict[str, Any]:
        t = self.trained
        return {
            "model": self.model_path,
            "kind": t.model.kind,
            "features": [b.name for b in t.model.text] + (["length"] if t.model.length else []),
            "weights": t.model.n_features,
            "threshold": t.model.threshold,
            "target": {**self.target.to_dict(), "described": self.target.describe()},
            "validation_expensive_share": t.validation_share,
            "length_rule_threshold_chars": t.length_threshold,
            "training": t.model.training,
            "train_rows": t.train_rows,
            "train_needed_expensive": t.train_needed,
            "evaluations": [e.to_dict() for e in t.evaluations],
            "seconds": self.seconds,
            "unlabeled": self.unlabeled,
            "bad_labels": self.bad_labels,
            "no_group": self.no_group,
            "warnings": self.warnings(),
            "input": self.inputs,
        }


def gathered_counts(gathered: LabeledQueries, no_group: int) -> dict[str, Any]:
    """The counts of what training left out, for ``TrainReport``."""
    return {
        "unlabeled": gathered.unlabeled,
        "bad_labels": gathered.bad_labels,
        "bad_label_example": gathered.bad_label_example,
        "no_group": no_group,
    }
