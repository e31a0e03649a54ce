"""Fitting a router with scikit-learn: TF-IDF word and character n-grams plus lengths; logistic regression or kNN."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmroute_cli.classifier.model import LENGTH_NAMES, LengthFeatures, Neighbours, RouterModel, TextFeatures
from llmroute_cli.classifier.predict import length_values, require_sklearn, vectorizer
from llmroute_cli.errors import LlmrouteError, OptionError

if TYPE_CHECKING:
    import numpy as np

FEATURE_BLOCKS = ("word", "char", "length")
DEFAULT_FEATURES = ("word", "length")  # char n-grams: twice the time, no better held out on MMLU (README)
WORD_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default, written into the model file


@dataclass(frozen=True, slots=True)
class FitSettings:
    """What to fit: the model kind, the feature blocks, and their sizes."""

    kind: str = "logistic"
    features: tuple[str, ...] = DEFAULT_FEATURES
    c: float = 1.0  # inverse regularisation strength of the logistic regression
    neighbors: int = 50
    max_words: int = 20_000
    max_chars: int = 20_000
    min_df: int = 2

    def check(self) -> None:
        if self.kind not in ("logistic", "knn"):
            raise OptionError("kind", f"{{option}}: expected logistic or knn, got {self.kind!r}")
        unknown = [f for f in self.features if f not in FEATURE_BLOCKS]
        if unknown or not {"word", "char"} & set(self.features):
            raise OptionError(
                "features", f"{{option}}: expected word and/or char, optionally length; got {','.join(self.features)}"
            )
        if not self.c > 0:
            raise OptionError("c", f"{{option}}: must be above 0, got {self.c}")
        if self.neighbors < 1:
            raise OptionError("neighbors", f"{{option}}: must be at least 1, got {self.neighbors}")


def blocks(settings: FitSettings) -> list[TextFeatures]:
    """The unfitted TF-IDF blocks the settings ask for (empty vocabulary and idf until fitted)."""
    import numpy as np

    out = []
    if "word" in settings.features:
        out.append(TextFeatures("word", "word", (1, 2), True, WORD_PATTERN, True, (), np.zeros(0)))
    if "char" in settings.features:
        out.append(TextFeatures("char", "char_wb", (2, 4), True, None, True, (), np.zeros(0)))
    return out


def fit(
    texts: Sequence[str], expensive: Sequence[bool] | np.ndarray, settings: FitSettings, threshold: float = 0.5
) -> RouterModel:
    """A router fitted on ``texts``, each marked whether it needed the expensive tier."""
    import numpy as np
    import scipy.sparse as sp

    settings.check()
    require_sklearn()
    y = np.asarray(expensive, dtype=bool)
    if y.all() or not y.any():
        which = "needed the expensive tier" if y.all() else "needed the cheap tier"
        raise LlmrouteError(f"every one of the {len(y)} training queries {which}; a router needs both kinds")
    text, matrices = _fit_text(list(texts), settings)
    length = _fit_length(list(texts)) if "length" in settings.features else None
    if length is not None:
        matrices.append(sp.csr_matrix((length_values(texts, length.names) - length.mean) / length.scale))
    x = sp.hstack(matrices, format="csr")
    if settings.kind == "knn":
        k = min(settings.neighbors, len(y))
        nb = Neighbours(k, x.data.copy(), x.indices.astype(np.int32), x.indptr.astype(np.int64), y)
        return RouterModel("knn", text, length, threshold, neighbours=nb)
    coef, intercept = _fit_logistic(x, y, settings.c)
    return RouterModel("logistic", text, length, threshold, coef, intercept)


def _fit_text(texts: list[str], settings: FitSettings) -> tuple[tuple[TextFeatures, ...], list[Any]]:
    import dataclasses

    fitted, matrices = [], []
    for block in blocks(settings):
        cap = settings.max_words if block.name == "word" else settings.max_chars
        v = vectorizer(block)
        v.set_params(min_df=min(settings.min_df, len(texts)), max_features=cap)
        matrices.append(v.fit_transform(texts))
        terms = v.get_feature_names_out().tolist()
        fitted.append(dataclasses.replace(block, vocabulary=tuple(terms), idf=v.idf_.copy()))
    return tuple(fitted), matrices


def _fit_length(texts: list[str]) -> LengthFeatures:
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(length_values(texts, LENGTH_NAMES))
    scale = scaler.scale_.copy()
    scale[scale == 0] = 1.0  # StandardScaler's own rule for a constant column
    return LengthFeatures(LENGTH_NAMES, scaler.mean_.copy(), scale)


def _fit_logistic(x: Any, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    estimator = LogisticRegression(C=c, max_iter=5000).fit(x, y)
    return estimator.coef_[0].copy(), float(estimator.intercept_[0])
