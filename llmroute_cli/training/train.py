"""Train a router and measure it honestly: split by group or time, fit on train, threshold on validation, judge on test.

The model is fitted on the training part only, so the held-out figures recorded in the model file
describe exactly the model that routes. The threshold is chosen on the validation part (never on
test); the length rule's threshold is chosen there the same way, for the same target.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmroute_cli.errors import OptionError
from llmroute_cli.training.evaluate import Evaluation, evaluate, length_scores
from llmroute_cli.training.split import Split, split
from llmroute_cli.training.threshold import Target, choose

if TYPE_CHECKING:
    from llmroute_cli.classifier.fit import FitSettings
    from llmroute_cli.classifier.model import RouterModel
    from llmroute_cli.training.examples import Examples


@dataclass(frozen=True, slots=True)
class TrainOptions:
    """How to hold out and what to aim the threshold at."""

    group_by: str
    test_share: float = 0.25
    validation_share: float = 0.2
    seed: int = 0
    target: Target = dataclasses.field(default_factory=Target)

    def check(self) -> None:
        for option, value in (("test_share", self.test_share), ("validation_share", self.validation_share)):
            if not 0 < value < 1:
                raise OptionError(option, f"{{option}}: must be between 0 and 1 (exclusive), got {value}")
        self.target.check()


@dataclass(frozen=True, slots=True)
class Trained:
    """The fitted model (threshold and metrics inside) and the held-out evaluations."""

    model: RouterModel
    split: Split
    evaluations: tuple[Evaluation, ...]
    train_rows: int
    train_needed: int
    validation_share: float  # the classifier's expensive share on validation at its threshold
    length_threshold: float


def train(
    examples: Examples, settings: FitSettings, options: TrainOptions, extra: tuple[tuple[str, Examples], ...] = ()
) -> Trained:
    """Split ``examples``, fit, choose the threshold and evaluate on the held-out part and on ``extra`` test sets."""
    from llmroute_cli.classifier.fit import fit
    from llmroute_cli.classifier.predict import probabilities

    options.check()
    settings.check()
    parts = split(
        examples.groups, options.group_by, options.test_share, options.validation_share, options.seed, bool(extra)
    )
    tr, va = examples.take(parts.train), examples.take(parts.validation)
    model = fit(tr.texts, tr.needed, settings)
    p_val = probabilities(model, va.texts)
    threshold = choose(p_val, va.needed, options.target, ceiling=1.0)
    length_threshold = choose(length_scores(va.texts), va.needed, options.target)
    held = ((("test", examples.take(parts.test)),) if not extra else ()) + extra
    evaluations = tuple(
        evaluate(
            name,
            part,
            {"classifier": probabilities(model, part.texts), "length rule": length_scores(part.texts)},
            {"classifier": threshold, "length rule": length_threshold},
            options.seed,
        )
        for name, part in held
    )
    model = dataclasses.replace(
        model,
        threshold=threshold,
        training=_provenance(examples, parts, settings, options, tr),
        metrics={e.name: e.to_dict() for e in evaluations},
    )
    val_share = float((p_val >= threshold).mean())
    return Trained(model, parts, evaluations, len(tr), int(tr.needed.sum()), val_share, length_threshold)


def _provenance(
    examples: Examples, parts: Split, settings: FitSettings, options: TrainOptions, tr: Examples
) -> dict[str, Any]:
    return {
        "sha256": examples_sha256(examples),
        "rows": len(examples),
        "needed_expensive": int(examples.needed.sum()),
        "quality_scale": examples.scale,
        "split": parts.to_dict(),
        "seed": options.seed,
        "target": {**options.target.to_dict(), "chosen_on": "validation"},
        "fit": {
            "kind": settings.kind,
            "features": list(settings.features),
            "c": settings.c,
            "neighbors": settings.neighbors,
        },
        "train_rows": len(tr),
    }


def examples_sha256(examples: Examples) -> str:
    """A sha256 of the labeled queries as trained on: each text, its group, needed tier and qualities."""
    digest = hashlib.sha256()
    for text, group, needed, qc, qe in zip(
        examples.texts, examples.groups, examples.needed, examples.qc, examples.qe, strict=True
    ):
        digest.update(
            f"{len(text)}:{text}\x00{group}\x00{int(needed)}\x00{qc!r}\x00{qe!r}\n".encode("utf-8", "surrogatepass")
        )
    return digest.hexdigest()
