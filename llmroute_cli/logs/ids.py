"""Each request's id in the decisions file: its logged id, else where it was logged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def row_ids(frame: pd.DataFrame) -> list[Any]:
    """Each request's logged id where that is a non-empty string, else ``source:line``."""
    import numpy as np

    if "id" not in frame:
        ids: list[Any] = [None] * len(frame)
        missing = np.arange(len(frame))
    else:
        ids, missing = frame["id"].tolist(), np.flatnonzero(~_nonempty_strings(frame["id"]))
    if len(missing):
        sources = frame["source"].tolist() if "source" in frame else [""] * len(frame)
        lines = frame["line"].tolist() if "line" in frame else list(range(1, len(frame) + 1))
        for r in missing.tolist():
            ids[r] = f"{sources[r]}:{lines[r]}"
    return ids


def _nonempty_strings(column: pd.Series) -> np.ndarray:
    """Which values are non-empty strings; vectorised when every present value is a string."""
    import numpy as np
    import pandas as pd

    values = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) != "string":
        return np.fromiter((isinstance(v, str) and v != "" for v in values), dtype=bool, count=len(values))
    keep = pd.notna(values)
    keep[keep] = values[keep] != ""
    return keep
