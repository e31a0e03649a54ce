"""A model's probability that each query needs the expensive tier, through scikit-learn (imported here only).

The fitted vocabulary and idf go back into ``TfidfVectorizer``, the coefficients into
``LogisticRegression`` and the training vectors into a brute-force cosine ``KNeighborsClassifier``,
so features and probabilities are computed by the library that trained them, batch or one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llmroute_cli.classifier.model import RouterModel, TextFeatures
from llmroute_cli.errors import LlmrouteError

if TYPE_CHECKING:
    import numpy as np

INSTALL_HINT = "the classifier needs scikit-learn: pip install 'llmroute[classifier]'"


def require_sklearn() -> None:
    """Raise a one-line install hint when scikit-learn is missing."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise LlmrouteError(INSTALL_HINT) from None


def vectorizer(t: TextFeatures, vocabulary: Any = None) -> Any:
    """The ``TfidfVectorizer`` of one feature block (fitted when the block carries its vocabulary)."""
    require_sklearn()
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    options: dict[str, Any] = {"analyzer": t.analyzer, "ngram_range": t.ngram_range, "lowercase": t.lowercase}
    if t.analyzer == "word":
        options["token_pattern"] = t.token_pattern
    return TfidfVectorizer(sublinear_tf=t.sublinear_tf, dtype=np.float64, vocabulary=vocabulary, **options)


def length_values(texts: Sequence[str], names: Sequence[str]) -> np.ndarray:
    """Raw length features, one column per name: log(1 + characters), log(1 + whitespace words)."""
    import numpy as np

    make = {"log_chars": lambda t: len(t), "log_words": lambda t: len(t.split())}
    columns = [np.log1p(np.fromiter((make[n](t) for t in texts), dtype=np.float64, count=len(texts))) for n in names]
    return np.column_stack(columns) if columns else np.empty((len(texts), 0))


def features(model: RouterModel, texts: Sequence[str]) -> Any:
    """The model's feature matrix (CSR) of ``texts``: TF-IDF blocks, then standardised lengths."""
    import scipy.sparse as sp

    blocks = [v.transform(texts) for v in _vectorizers(model)]
    if model.length is not None:
        lengths = (length_values(texts, model.length.names) - model.length.mean) / model.length.scale
        blocks.append(sp.csr_matrix(lengths))
    return sp.hstack(blocks, format="csr")


def probabilities(model: RouterModel, texts: Sequence[str]) -> np.ndarray:
    """P(needs the expensive tier) for each text."""
    import numpy as np

    if len(texts) == 0:
        return np.zeros(0)
    return np.asarray(_estimator(model).predict_proba(features(model, texts))[:, 1], dtype=np.float64)


CACHE_LIMIT = 1_000_000  # remembered probabilities per model, by a 16-byte digest of the text


def remembered_probabilities(model: RouterModel, texts: Sequence[str]) -> np.ndarray:
    """``probabilities``, remembering each text's by its BLAKE2b digest: a sweep that routes the same
    queries once per swept value predicts each query once."""
    import hashlib

    import numpy as np

    memory: dict[bytes, float] = model.built.setdefault("remembered", {})
    keys = [hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest() for t in texts]
    missing = list({k: i for i, k in enumerate(keys) if k not in memory}.items())
    if missing:
        if len(memory) + len(missing) > CACHE_LIMIT:
            memory.clear()
            missing = list({k: i for i, k in enumerate(keys)}.items())
        fresh = probabilities(model, [texts[i] for _, i in missing])
        memory.update(zip((k for k, _ in missing), fresh.tolist(), strict=True))
    return np.fromiter((memory[k] for k in keys), dtype=np.float64, count=len(keys))


def probability(model: RouterModel, text: str) -> float:
    """P(needs the expensive tier) for one text: the batch path on a batch of one."""
    return float(probabilities(model, [text])[0])


def _vectorizers(model: RouterModel) -> list[Any]:
    if "vectorizers" not in model.built:
        made = []
        for t in model.text:
            v = vectorizer(t, {term: i for i, term in enumerate(t.vocabulary)})
            v.idf_ = t.idf
            made.append(v)
        model.built["vectorizers"] = made
    return list(model.built["vectorizers"])


def _estimator(model: RouterModel) -> Any:
    if "estimator" not in model.built:
        model.built["estimator"] = _logistic(model) if model.kind == "logistic" else _neighbours(model)
    return model.built["estimator"]


def _logistic(model: RouterModel) -> Any:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    assert model.coef is not None
    estimator = LogisticRegression()
    estimator.classes_ = np.array([False, True])
    estimator.coef_ = model.coef.reshape(1, -1)
    estimator.intercept_ = np.array([model.intercept])
    estimator.n_features_in_ = model.n_features
    return estimator


def _neighbours(model: RouterModel) -> Any:
    import scipy.sparse as sp
    from sklearn.neighbors import KNeighborsClassifier

    nb = model.neighbours
    assert nb is not None
    matrix = sp.csr_matrix((nb.data, nb.indices, nb.indptr), shape=(len(nb.labels), model.n_features))
    estimator = KNeighborsClassifier(n_neighbors=nb.k, metric="cosine", algorithm="brute")
    return estimator.fit(matrix, nb.labels)
