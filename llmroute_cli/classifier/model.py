"""The model file: plain JSON (and, for kNN, a ``.npz`` of plain arrays), validated on every load.

Nothing in a model file is executed or unpickled: the JSON holds the feature settings, vocabulary,
idf weights, coefficients, threshold, where the training data came from and the held-out metrics;
a kNN model's training vectors sit beside it in a ``.npz`` read with ``allow_pickle=False`` and
checked against the sha256 the JSON records. A tampered or truncated file fails with
``router.json: <what is wrong>``; pickles (``.pkl``, ``.joblib``, ``.pt``...) are refused by name.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmroute_cli.errors import LlmrouteError

if TYPE_CHECKING:
    import numpy as np

FORMAT = "llmroute-classifier"
SCHEMA_VERSION = 1
KINDS = ("logistic", "knn")
ANALYZERS = ("word", "char_wb", "char")
LENGTH_NAMES = ("log_chars", "log_words")
REFUSED_SUFFIXES = (".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt")
MAX_NGRAM = 10


@dataclass(frozen=True, eq=False)
class TextFeatures:
    """One TF-IDF block: how text becomes n-gram counts, and the fitted vocabulary and idf."""

    name: str
    analyzer: str
    ngram_range: tuple[int, int]
    lowercase: bool
    token_pattern: str | None
    sublinear_tf: bool
    vocabulary: tuple[str, ...]
    idf: np.ndarray


@dataclass(frozen=True, eq=False)
class LengthFeatures:
    """Length features (``LENGTH_NAMES``), standardised with the training mean and scale."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray


@dataclass(frozen=True, eq=False)
class Neighbours:
    """A kNN model's training vectors (CSR parts) and whether each needed the expensive tier."""

    k: int
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True, eq=False)
class RouterModel:
    """A trained router: features, weights (logistic) or neighbours (kNN), threshold, provenance."""

    kind: str
    text: tuple[TextFeatures, ...]
    length: LengthFeatures | None
    threshold: float
    coef: np.ndarray | None = None
    intercept: float = 0.0
    neighbours: Neighbours | None = None
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    built: dict[str, Any] = field(default_factory=dict, repr=False)  # sklearn objects, made on first use

    @property
    def n_features(self) -> int:
        return sum(len(t.vocabulary) for t in self.text) + (len(self.length.names) if self.length else 0)


def load_model(path: str | Path) -> RouterModel:
    """Read and validate a model file (cached while the file is unchanged)."""
    path = Path(path)
    if path.suffix.lower() in REFUSED_SUFFIXES:
        raise LlmrouteError(
            f"{path}: refusing to load a {path.suffix} file: pickles can run code; "
            "give the JSON model file that `llmroute train` writes"
        )
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in _LOADED:
            _LOADED[key] = model_from_json(path.read_bytes(), str(path), _companion_reader(path))
    except FileNotFoundError:
        raise LlmrouteError(f"{path}: model file not found; train one with `llmroute train`") from None
    except IsADirectoryError:
        raise LlmrouteError(f"{path}: is a directory, not a model file") from None
    return _LOADED[key]


_LOADED: dict[tuple[str, int, int], RouterModel] = {}


def _companion_reader(path: Path) -> Any:
    def read(name: str) -> bytes:
        target = path.parent / name
        try:
            return target.read_bytes()
        except OSError as exc:
            raise LlmrouteError(f"{path}: cannot read its kNN vectors {target}: {exc.strerror or exc}") from None

    return read


def model_from_json(raw: bytes, source: str, companion: Any = None) -> RouterModel:
    """Validate a model file's bytes; ``companion(name)`` returns a kNN model's ``.npz`` bytes."""
    import orjson

    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        end = " (the file looks truncated)" if "end of" in str(exc).lower() or not raw.strip() else ""
        raise LlmrouteError(
            f"{source}:{exc.lineno}:{exc.colno}: not valid JSON{end}: {exc.msg}; retrain with `llmroute train`"
        ) from None
    return _Checker(source).model(doc, companion)


class _Checker:
    """Validates the parsed JSON; every problem raises ``source: where: what``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> None:
        raise LlmrouteError(f"{self.source}: {where}: {message}; retrain with `llmroute train`")

    def get(self, node: Any, key: str, where: str, kind: type | tuple[type, ...]) -> Any:
        if not isinstance(node, dict) or key not in node:
            self.fail(where, f"missing '{key}'")
        value = node[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.fail(f"{where}.{key}", f"expected {_kind_name(kind)}, got {value!r}")
        if not isinstance(value, kind):
            self.fail(f"{where}.{key}", f"expected {_kind_name(kind)}, got {type(value).__name__}")
        return value

    def numbers(self, values: Any, where: str, count: int | None = None) -> np.ndarray:
        import numpy as np

        if not isinstance(values, list) or not all(_finite(v) for v in values):
            self.fail(where, "expected a list of finite numbers")
        if count is not None and len(values) != count:
            self.fail(where, f"has {len(values)} numbers; expected {count}")
        return np.asarray(values, dtype=np.float64)

    def model(self, doc: Any, companion: Any) -> RouterModel:
        if not isinstance(doc, dict):
            self.fail("top level", "expected a JSON object")
        if doc.get("format") != FORMAT:
            self.fail("format", f"expected {FORMAT!r}, got {doc.get('format')!r}: not an llmroute model file")
        version = doc.get("schema_version")
        if version != SCHEMA_VERSION:
            newer = isinstance(version, int) and version > SCHEMA_VERSION
            hint = "written by a newer llmroute; upgrade llmroute" if newer else f"this llmroute reads {SCHEMA_VERSION}"
            raise LlmrouteError(f"{self.source}: schema_version {version!r}: {hint}")
        kind = self.get(doc, "kind", "top level", str)
        if kind not in KINDS:
            self.fail("kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
        features = self.get(doc, "features", "top level", dict)
        text = tuple(
            self.text(t, f"features.text[{i}]") for i, t in enumerate(self.get(features, "text", "features", list))
        )
        if not text:
            self.fail("features.text", "expected at least one text feature block")
        length = self.length(features.get("length"))
        threshold = self.get(doc, "threshold", "top level", (int, float))
        if not (_finite(threshold) and 0 <= threshold <= 1):
            self.fail("threshold", f"expected a probability between 0 and 1, got {threshold!r}")
        common = {
            "training": self.get(doc, "training", "top level", dict),
            "metrics": self.get(doc, "metrics", "top level", dict),
            "source": self.source,
        }
        n = sum(len(t.vocabulary) for t in text) + (len(length.names) if length else 0)
        if kind == "logistic":
            weights = self.get(doc, "logistic", "top level", dict)
            coef = self.numbers(self.get(weights, "coef", "logistic", list), "logistic.coef", n)
            intercept = self.get(weights, "intercept", "logistic", (int, float))
            if not _finite(intercept):
                self.fail("logistic.intercept", f"expected a finite number, got {intercept!r}")
            return RouterModel(kind, text, length, float(threshold), coef, float(intercept), **common)
        return RouterModel(kind, text, length, float(threshold), neighbours=self.knn(doc, n, companion), **common)

    def text(self, node: Any, where: str) -> TextFeatures:
        name = self.get(node, "name", where, str)
        analyzer = self.get(node, "analyzer", where, str)
        if analyzer not in ANALYZERS:
            self.fail(f"{where}.analyzer", f"expected one of {', '.join(ANALYZERS)}, got {analyzer!r}")
        grams = self.get(node, "ngram_range", where, list)
        if not (len(grams) == 2 and all(type(g) is int for g in grams) and 1 <= grams[0] <= grams[1] <= MAX_NGRAM):
            self.fail(f"{where}.ngram_range", f"expected [low, high] with 1 <= low <= high <= {MAX_NGRAM}, got {grams}")
        pattern = node.get("token_pattern")
        if analyzer == "word":
            pattern = self.get(node, "token_pattern", where, str)
            try:
                re.compile(pattern)
            except re.error as exc:
                self.fail(f"{where}.token_pattern", f"does not compile: {exc}")
        vocabulary = self.get(node, "vocabulary", where, list)
        if not vocabulary or not all(isinstance(v, str) for v in vocabulary):
            self.fail(f"{where}.vocabulary", "expected a non-empty list of strings")
        if len(set(vocabulary)) != len(vocabulary):
            self.fail(f"{where}.vocabulary", "has repeated terms")
        idf = self.numbers(self.get(node, "idf", where, list), f"{where}.idf", len(vocabulary))
        if (idf <= 0).any():
            self.fail(f"{where}.idf", "expected idf weights above 0")
        lowercase = self.get(node, "lowercase", where, bool)
        sublinear = self.get(node, "sublinear_tf", where, bool)
        return TextFeatures(name, analyzer, (grams[0], grams[1]), lowercase, pattern, sublinear, tuple(vocabulary), idf)

    def length(self, node: Any) -> LengthFeatures | None:
        if node is None:
            return None
        names = self.get(node, "names", "features.length", list)
        if not names or len(set(names)) != len(names) or not all(n in LENGTH_NAMES for n in names):
            self.fail("features.length.names", f"expected distinct names among {', '.join(LENGTH_NAMES)}")
        mean = self.numbers(self.get(node, "mean", "features.length", list), "features.length.mean", len(names))
        scale = self.numbers(self.get(node, "scale", "features.length", list), "features.length.scale", len(names))
        if (scale <= 0).any():
            self.fail("features.length.scale", "expected scales above 0")
        return LengthFeatures(tuple(names), mean, scale)

    def knn(self, doc: Any, n_features: int, companion: Any) -> Neighbours:
        node = self.get(doc, "knn", "top level", dict)
        k = self.get(node, "neighbors", "knn", int)
        name = self.get(node, "vectors", "knn", str)
        digest = self.get(node, "sha256", "knn", str)
        if k < 1:
            self.fail("knn.neighbors", f"expected a whole number >= 1, got {k}")
        if Path(name).name != name or Path(name).suffix != ".npz":
            self.fail("knn.vectors", f"expected a .npz file name beside the model, got {name!r}")
        if companion is None:
            self.fail("knn.vectors", "no file to read the vectors from")
        raw = companion(name)
        if hashlib.sha256(raw).hexdigest() != digest:
            raise LlmrouteError(
                f"{self.source}: its kNN vectors {name} do not match the sha256 it records (changed or cut short); "
                "retrain with `llmroute train`"
            )
        return self.vectors(raw, name, n_features, k)

    def vectors(self, raw: bytes, name: str, n_features: int, k: int) -> Neighbours:
        import numpy as np

        try:
            with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
                parts = {key: archive[key] for key in ("data", "indices", "indptr", "labels")}
        except (ValueError, KeyError, OSError) as exc:
            raise LlmrouteError(f"{self.source}: its kNN vectors {name} cannot be read: {exc}") from None
        data, indices, indptr, labels = parts["data"], parts["indices"], parts["indptr"], parts["labels"]
        rows = len(labels)
        ok = (
            data.dtype.kind == "f"
            and indices.dtype.kind in "iu"
            and indptr.dtype.kind in "iu"
            and labels.dtype.kind in "bui"
            and len(indptr) == rows + 1
            and rows >= k
            and indptr[0] == 0
            and indptr[-1] == len(data) == len(indices)
            and bool((np.diff(indptr) >= 0).all())
            and (len(indices) == 0 or 0 <= int(indices.min()) <= int(indices.max()) < n_features)
            and bool(np.isfinite(data).all())
        )
        if not ok:
            raise LlmrouteError(f"{self.source}: its kNN vectors {name} do not fit the model's {n_features} features")
        return Neighbours(k, data, indices, indptr, labels.astype(bool))


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "true or false",
        list: "a list",
        dict: "an object",
    }
    return " or ".join(dict.fromkeys(names[k] for k in kinds))


def model_to_json(model: RouterModel, vectors_name: str | None = None, vectors_sha256: str | None = None) -> bytes:
    """The model file's bytes (a kNN model names its ``.npz`` and records its sha256)."""
    import orjson

    doc: dict[str, Any] = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "kind": model.kind,
        "threshold": model.threshold,
        "training": model.training,
        "metrics": model.metrics,
        "features": {
            "text": [
                {
                    "name": t.name,
                    "analyzer": t.analyzer,
                    "ngram_range": list(t.ngram_range),
                    "lowercase": t.lowercase,
                    "token_pattern": t.token_pattern,
                    "sublinear_tf": t.sublinear_tf,
                    "vocabulary": list(t.vocabulary),
                    "idf": t.idf.tolist(),
                }
                for t in model.text
            ],
            "length": None
            if model.length is None
            else {
                "names": list(model.length.names),
                "mean": model.length.mean.tolist(),
                "scale": model.length.scale.tolist(),
            },
        },
    }
    if model.kind == "logistic":
        assert model.coef is not None
        doc["logistic"] = {"coef": model.coef.tolist(), "intercept": model.intercept}
    else:
        assert model.neighbours is not None and vectors_name and vectors_sha256
        doc["knn"] = {"neighbors": model.neighbours.k, "vectors": vectors_name, "sha256": vectors_sha256}
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY) + b"\n"


def vectors_archive(model: RouterModel) -> bytes:
    """A kNN model's ``.npz`` bytes: plain numeric arrays only."""
    import numpy as np

    assert model.neighbours is not None
    nb = model.neighbours
    buffer = io.BytesIO()
    np.savez_compressed(buffer, data=nb.data, indices=nb.indices, indptr=nb.indptr, labels=nb.labels)
    return buffer.getvalue()
