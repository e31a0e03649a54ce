"""Per-request token counts from a chunk of logs: logged usage normalised, gaps counted or estimated."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmroute_cli.pricing.costing import Tokens
from llmroute_cli.tokens.counter import TokenCounter

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A nullable integer column as float64 with NaN for missing (all NaN when absent)."""
    import numpy as np

    if name not in frame:
        return np.full(len(frame), np.nan)
    return frame[name].to_numpy(dtype=float, na_value=np.nan)


def _zeros_for_nan(values: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.nan_to_num(values, nan=0.0).astype(np.int64)


def token_arrays(frame: pd.DataFrame, counter: TokenCounter, options: Any) -> tuple[Tokens, np.ndarray, np.ndarray]:
    """Tokens per request, plus masks of the rows whose input and output came from the log.

    Input counts every prompt token: OpenAI-style usage already includes cache reads in
    ``prompt_tokens``; Anthropic-style usage reports them beside ``input_tokens``, so they are added.
    """
    import numpy as np

    read = _zeros_for_nan(_column(frame, "cache_read_tokens"))
    write = _zeros_for_nan(_column(frame, "cache_creation_tokens"))
    beside = ~_bools(frame, "cache_inside_input", default=True)
    logged_in = _column(frame, "input_tokens")
    has_in = ~np.isnan(logged_in)
    inp = np.where(has_in, logged_in + np.where(beside, read + write, 0), np.nan)
    if (~has_in).any():
        inp[~has_in] = _counted(frame[~has_in], counter)
        read[~has_in], write[~has_in] = 0, 0
    inp = inp.astype(np.int64)
    logged_out = _column(frame, "output_tokens")
    has_out = ~np.isnan(logged_out)
    out = np.where(has_out, logged_out, _estimate(inp, options)).astype(np.int64)
    reasoning = np.minimum(_zeros_for_nan(_column(frame, "reasoning_tokens")), out)
    batch = _bools(frame, "batch", default=False) | bool(options.batch)
    return Tokens(inp, out, read, write, reasoning, batch), has_in, has_out


def _bools(frame: pd.DataFrame, name: str, *, default: bool) -> np.ndarray:
    import numpy as np

    if name not in frame:
        return np.full(len(frame), default)
    return frame[name].fillna(default).to_numpy(dtype=bool)


def _counted(frame: pd.DataFrame, counter: TokenCounter) -> list[int]:
    queries = frame["query"].fillna("").astype(str).tolist()
    contexts = frame["context"].fillna("").astype(str).tolist() if "context" in frame else [""] * len(frame)
    messages = frame["messages"].tolist() if "messages" in frame else [None] * len(frame)
    tools = frame["tools"].tolist() if "tools" in frame else None
    return counter.requests(queries, contexts, messages, tools)


def _estimate(inputs: np.ndarray, options: Any) -> np.ndarray:
    import numpy as np

    if options.output_tokens is not None:
        return np.full(len(inputs), float(options.output_tokens))
    return np.rint(inputs * options.output_ratio)


def output_stats(
    groups: dict[tuple[int, str], list[float]],
    slot: np.ndarray,
    logged: np.ndarray,
    models: list[str],
    output: np.ndarray,
    has_out: np.ndarray,
) -> None:
    """Sum and count of logged output tokens per (rule slot, logged model), for measured output ratios.

    ``logged`` indexes ``models`` (-1: none logged). New groups enter ``groups`` in the order of their
    first request, as a row-by-row pass would add them; the sums are of whole numbers, so exact."""
    import numpy as np

    ok = has_out & (logged >= 0)
    if not ok.any():
        return
    group = slot[ok].astype(np.int64) * len(models) + logged[ok]
    keys, first, inverse = np.unique(group, return_index=True, return_inverse=True)
    sums = np.bincount(inverse, weights=output[ok].astype(np.float64))
    counts = np.bincount(inverse)
    for i in np.argsort(first).tolist():
        s, m = divmod(int(keys[i]), len(models))
        entry = groups.setdefault((s, models[m]), [0.0, 0])
        entry[0] += float(sums[i])
        entry[1] += int(counts[i])


def measured_ratios(groups: dict[tuple[int, str], list[float]], models: list[str], min_rows: int = 5) -> dict[str, Any]:
    """Output length of each model relative to each other, pooled over rule slots that saw both."""
    out: dict[str, Any] = {}
    for a in models:
        for b in models:
            if a == b:
                continue
            num = den = weight = 0.0
            for (s, m), (total, n) in groups.items():
                other = groups.get((s, a))
                if m != b or other is None or n < min_rows or other[1] < min_rows or other[0] == 0:
                    continue
                w = min(n, other[1])
                num += w * (total / n) / (other[0] / other[1])
                weight += w
                den += 1
            if weight:
                out[f"{b}/{a}"] = {"ratio": num / weight, "requests": int(weight), "rule_groups": int(den)}
    return out
