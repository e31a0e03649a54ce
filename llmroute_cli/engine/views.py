"""What conditions read from: one request, or columns of a frame of requests."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmroute_cli.engine import operators
from llmroute_cli.engine.conditions import get_path
from llmroute_cli.engine.operators import clean_text, polars_texts, vector
from llmroute_cli.tokens.chat import Structure, chat_tokens, request_messages
from llmroute_cli.tokens.encodings import count

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa


@dataclass(frozen=True, slots=True)
class Logged:
    """What a log says about one request beyond its text: its id, model and time (unix seconds)."""

    id: str | None = None
    model: str | None = None
    timestamp: float | None = None


def split_key(request_id: Any, query: str) -> str:
    """What a ``split`` hashes: the request's logged id, else (no id, or an empty one) its query text."""
    return request_id if isinstance(request_id, str) and request_id else query


class OneRequest:
    """A single request: query, context, metadata, (when logged) its input tokens, its messages' structure."""

    def __init__(
        self,
        query: str,
        context: str,
        metadata: dict[str, Any],
        input_tokens: int | None,
        tokenizer: str,
        shape: Structure | None = None,
        logged: Logged | None = None,
    ):
        self.query, self.context, self.metadata = clean_text(query), clean_text(context), metadata
        self.input_tokens, self.tokenizer = input_tokens, tokenizer
        self.shape = shape or Structure()
        self.system = clean_text(self.shape.system)
        self.logged = logged or Logged()

    def attribute(self, name: str) -> Any:
        """The logged model (or None), the logged time (unix seconds, NaN when not logged), or the split key."""
        if name == "model":
            return self.logged.model
        if name == "time":
            return math.nan if self.logged.timestamp is None else float(self.logged.timestamp)
        return split_key(self.logged.id, self.query)

    def text(self, name: str) -> tuple[str, ...]:
        texts = {"query": (self.query,), "context": (self.context,), "system": (self.system,)}
        return texts[name] if name != "request" else (self.query, self.context)

    def structure(self, name: str) -> Any:
        """``turns``, ``has_tools`` or ``has_images`` of the request's messages."""
        return getattr(self.shape, name)

    def size(self, name: str, unit: str) -> int:
        if unit == "chars":
            return sum(len(t) for t in self.text(name))
        if name == "request":
            if self.input_tokens is not None:
                return self.input_tokens
            return chat_tokens(request_messages(self.query, self.context), self.tokenizer)
        return count(self.text(name)[0], self.tokenizer)

    def meta(self, path: str) -> Any:
        return get_path(self.metadata, path)

    def probability(self, pred: Any) -> float:
        """The query's P(needs the expensive tier) by the model ``pred`` names."""
        from llmroute_cli.classifier.model import load_model
        from llmroute_cli.classifier.predict import probability

        return probability(load_model(pred.path), self.query)


class FrameRequests:
    """Columns of a DataFrame with ``query`` and optional ``context``, ``metadata``, ``input_tokens``,
    ``query_tokens`` and ``context_tokens``; missing token columns are counted on demand.

    A view of some rows (``take``) reads the whole frame's columns at those rows: texts and
    character counts are made once for the frame and picked from, not copied per view."""

    def __init__(self, frame: pd.DataFrame, tokenizer: str, rows: np.ndarray | None = None, root: Any = None) -> None:
        self.frame, self.tokenizer, self.rows = frame, tokenizer, rows
        self.root: FrameRequests = root if root is not None else self
        self._cache: dict[tuple[Any, ...], Any] = {}

    def __len__(self) -> int:
        return len(self.frame) if self.rows is None else len(self.rows)

    def take(self, rows: np.ndarray) -> FrameRequests:
        """The requests at positions ``rows`` of this view."""
        import numpy as np

        picked = np.asarray(rows, dtype=np.int64) if self.rows is None else self.rows[rows]
        return FrameRequests(self.frame, self.tokenizer, picked, self.root)

    def _memo(self, key: tuple[Any, ...], make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def _column(self, name: str) -> pd.Series:
        """A column of the frame at this view's rows."""
        values = self.frame[name]
        return values if self.rows is None else values.iloc[self.rows]

    def _arrow(self, column: str) -> pa.ChunkedArray:
        import pyarrow as pa

        if self.rows is not None:
            return self._memo(("arrow", column), lambda: self.root._arrow(column).take(pa.array(self.rows)))
        return self._memo(("arrow", column), lambda: _arrow_column(self.frame, column))

    def text(self, name: str) -> tuple[pa.ChunkedArray, ...]:
        if name == "request":
            return (self._arrow("query"), self._arrow("context"))
        return (self._arrow(name),)

    def text_mask(self, name: str, pred: Any) -> np.ndarray:
        """Where ``pred`` holds on any of the texts of ``name``.

        A view of at least half the frame tests the whole frame's texts once and picks its rows:
        at most twice the matching, instead of copying most of the texts (which cost more here).
        """

        if self.rows is not None and 2 * len(self.rows) >= len(self.root):
            return self.root.text_mask(name, pred)[self.rows]
        return self._memo(("mask", name, pred), lambda: _any_text(pred, self.text(name)))

    def size(self, name: str, unit: str) -> np.ndarray:
        if unit == "chars" and self.rows is not None:  # counted once for the frame, picked here
            return self._memo(("size", name, unit), lambda: self.root.size(name, unit)[self.rows])
        return self._memo(("size", name, unit), functools.partial(self._size, name, unit))

    def _size(self, name: str, unit: str) -> np.ndarray:
        import numpy as np

        if unit == "chars":
            columns = ("query", "context") if name == "request" else (name,)
            return np.sum([self._lengths(c) for c in columns], axis=0)
        if name == "request":
            return self._request_tokens()
        column = f"{name}_tokens"
        if column in self.frame:
            return self._column(column).to_numpy(dtype=np.int64)
        texts = self._arrow(name).to_pylist()
        counted = functools.lru_cache(maxsize=None)(lambda t: count(t, self.tokenizer))
        return np.fromiter((counted(t) for t in texts), dtype=np.int64, count=len(texts))

    def _lengths(self, column: str) -> np.ndarray:
        """Characters (code points) per row; Python's len on str columns, polars' on Arrow ones (5x Arrow's)."""
        import numpy as np

        if f"{column}_chars" in self.frame:  # the reader gave the length, not the text
            return self._column(f"{column}_chars").to_numpy(dtype=np.int64)
        if column not in self.frame:
            return np.zeros(len(self), dtype=np.int64)
        values = self._column(column)
        if values.dtype == object or len(values) <= operators.SMALL_COLUMN:
            return np.fromiter((len(v) if isinstance(v, str) else 0 for v in values), np.int64, len(values))
        return np.asarray(polars_texts(self._arrow(column)).str.len_chars().to_numpy(), dtype=np.int64)

    def _request_tokens(self) -> np.ndarray:
        import numpy as np
        import pandas as pd

        logged = self._column("input_tokens") if "input_tokens" in self.frame else None
        queries, contexts = self._arrow("query").to_pylist(), self._arrow("context").to_pylist()
        out = np.empty(len(self), dtype=np.int64)
        for i, (q, c) in enumerate(zip(queries, contexts, strict=True)):
            value = logged.iat[i] if logged is not None else None
            out[i] = (
                int(value)
                if value is not None and not pd.isna(value)
                else chat_tokens(request_messages(q, c), self.tokenizer)
            )
        return out

    def probability(self, pred: Any) -> np.ndarray:
        """Each query's P(needs the expensive tier) by the model ``pred`` names, predicted in one batch
        (for a view of at least half the frame, on the whole frame once, then picked)."""
        if self.rows is not None and 2 * len(self.rows) >= len(self.root):
            return self.root.probability(pred)[self.rows]
        return self._memo(("probability", pred.path), lambda: _probabilities(pred.path, self._arrow("query")))

    def structure(self, name: str) -> np.ndarray:
        """``turns``, ``has_tools`` or ``has_images`` per row; a frame without the column has its default."""
        import numpy as np

        if name not in self.frame:
            return np.full(len(self), getattr(Structure(), name))
        return self._column(name).to_numpy()
    def attribute(self, name: str) -> Any:
        """The logged models (None where not logged), times (NaN where not logged) or split keys, by row."""
        import numpy as np

        if name == "time":
            if "timestamp" not in self.frame:
                return np.full(len(self), np.nan)
            return np.asarray(self._column("timestamp").to_numpy(dtype=np.float64, na_value=np.nan))
        if name == "model":
            return list(self._column("model")) if "model" in self.frame else [None] * len(self)
        ids = list(self._column("id")) if "id" in self.frame else [None] * len(self)
        return [split_key(i, q) for i, q in zip(ids, self._arrow("query").to_pylist(), strict=True)]

    def meta(self, path: str) -> list[Any]:
        if "metadata" not in self.frame:
            return [get_path({}, path)] * len(self)
        return [get_path(m if isinstance(m, Mapping) else {}, path) for m in self._column("metadata")]


def _probabilities(path: str, queries: pa.ChunkedArray) -> np.ndarray:
    from llmroute_cli.classifier.model import load_model
    from llmroute_cli.classifier.predict import remembered_probabilities

    return remembered_probabilities(load_model(path), queries.to_pylist())


def _any_text(pred: Any, texts: tuple[pa.ChunkedArray, ...]) -> np.ndarray:
    import numpy as np

    return np.logical_or.reduce([vector(pred, t) for t in texts])


def _arrow_column(frame: pd.DataFrame, column: str) -> pa.ChunkedArray:
    """A text column as Arrow large strings, missing values as empty text (lone surrogates cleaned)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if column not in frame:
        return pa.chunked_array([pa.array([""] * len(frame), pa.large_string())])
    if isinstance(frame[column].dtype, pd.ArrowDtype):  # the reader's texts: Arrow already, maybe in chunks
        return pc.fill_null(frame[column].array.__arrow_array__().cast(pa.large_string()), "")
    try:
        arr = pa.chunked_array([pa.array(frame[column], from_pandas=True)])
    except UnicodeEncodeError:
        cleaned = [None if v is None or v != v else clean_text(str(v)) for v in frame[column]]
        arr = pa.chunked_array([pa.array(cleaned, pa.large_string())])
    return pc.fill_null(arr.cast(pa.large_string()), "")
