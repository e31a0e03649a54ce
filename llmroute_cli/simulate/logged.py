"""Each request's logged model as a price key; requests on unpriced or skipped models left out, counted.

A logged model with no price does not stop the read: its requests are counted, with the first
``file:line`` that logged it, and the run fails at the end naming every such model (``unpriced_error``).
Requests on a model the price book skips are counted too, and reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmroute_cli.errors import LlmrouteError
from llmroute_cli.pricing.book import PriceBook

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from llmroute_cli.simulate.totals import Totals


@dataclass(frozen=True, slots=True)
class LoggedModels:
    """Each request's logged model as an index into ``names`` (price keys); -1 where none was logged."""

    codes: np.ndarray
    names: list[str]

    def moved(self, rows: np.ndarray, model: str) -> np.ndarray:
        """Which of ``rows`` logged a model other than ``model``; a request with none logged never moves."""
        codes = self.codes[rows]
        own = self.names.index(model) if model in self.names else -1
        return (codes >= 0) & (codes != own)


def logged_models(
    chunk: pd.DataFrame, book: PriceBook, keys: dict[str, str | None], totals: Totals
) -> tuple[pd.DataFrame, LoggedModels]:
    """The chunk's requests that are to be simulated, with their logged models' price keys.

    Requests on skipped or unpriced models are counted in ``totals`` and left out; once any model is
    unpriced the run will fail, so every later request is only looked at for its model. ``keys``
    remembers each model's key (None: left out) across chunks."""
    import numpy as np
    import pandas as pd

    if "model" not in chunk:
        rows = chunk if not totals.unknown_models else chunk.iloc[:0]
        return rows, LoggedModels(np.full(len(rows), -1, dtype=np.intp), [])
    codes, raw = pd.factorize(chunk["model"].to_numpy(dtype=object))  # missing values get -1
    names = [str(m) for m in raw]
    found = [_key(book, keys, name) for name in names]
    left_out = [i for i, key in enumerate(found) if key is None]
    if left_out:
        _count(chunk, codes, names, left_out, book, totals)
    if totals.unknown_models or left_out:
        keep = np.zeros(len(codes), dtype=bool) if totals.unknown_models else ~np.isin(codes, left_out)
        chunk, codes = chunk[keep], codes[keep]
    priced = list(dict.fromkeys(k for k in found if k is not None))  # aliases of one model share its key
    to_name = np.array([-1 if k is None else priced.index(k) for k in found] + [-1], dtype=np.intp)
    return chunk, LoggedModels(to_name[codes], priced)


def _key(book: PriceBook, keys: dict[str, str | None], model: str) -> str | None:
    if model not in keys:
        keys[model] = None if book.skips(model) or not book.knows(model) else book.key(model)
    return keys[model]


def _count(
    chunk: pd.DataFrame, codes: np.ndarray, names: list[str], left_out: list[int], book: PriceBook, totals: Totals
) -> None:
    """Count the requests of each skipped or unpriced model; keep where an unpriced one was first logged."""
    import numpy as np

    counts = np.bincount(codes[codes >= 0], minlength=len(names))
    for i in left_out:
        name, n = names[i], int(counts[i])
        if book.skips(name):
            totals.skipped_models[name] = totals.skipped_models.get(name, 0) + n
        else:
            entry = totals.unknown_models.setdefault(name, [0, _where(chunk, codes, i)])
            entry[0] += n


def _where(chunk: pd.DataFrame, codes: np.ndarray, code: int) -> str:
    """``file:line`` of the first request logging model ``code`` (its place in the chunk if unknown)."""
    row = int((codes == code).argmax())
    if "source" in chunk and "line" in chunk:
        return f"{chunk['source'].iat[row]}:{chunk['line'].iat[row]}"
    return f"request {row + 1}"


def unpriced_error(unknown: dict[str, list[Any]]) -> LlmrouteError:
    """One line naming every logged model without a price, its requests and where it was first logged."""
    ranked = sorted(unknown.items(), key=lambda item: (-item[1][0], item[0]))
    listed = ", ".join(f"'{model}' ({_requests(n)}, first at {where})" for model, (n, where) in ranked)
    total = sum(n for n, _ in unknown.values())
    return LlmrouteError(
        f"no price for {len(unknown)} logged model{'s' if len(unknown) != 1 else ''} ({_requests(total)}): {listed}; "
        "price them with --prices FILE (a LiteLLM price map), 'prices:' in the rule file or "
        "--unknown-model-price MODEL=IN/OUT (USD per 1M input/output tokens), "
        "or leave their requests out with --unknown-model-price MODEL=skip"
    )


def _requests(n: int) -> str:
    return f"{n:,} request{'s' if n != 1 else ''}"
