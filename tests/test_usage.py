"""Token bookkeeping: output statistics grouped by rule slot and logged model."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from llmroute_cli.simulate.usage import output_stats

MODELS = ["gpt-4o", "gpt-4o-mini", "claude-3-5-haiku"]
row = st.tuples(st.integers(0, 3), st.integers(-1, len(MODELS) - 1), st.integers(0, 10**6), st.booleans())


def row_by_row(groups: dict, rows: list[tuple[int, int, int, bool]]) -> None:
    """The definition: one pass over the requests, a group created at its first request."""
    for s, code, out, ok in rows:
        if ok and code >= 0:
            entry = groups.setdefault((s, MODELS[code]), [0.0, 0])
            entry[0] += out
            entry[1] += 1


def columns(rows: list[tuple[int, int, int, bool]]) -> tuple:
    s, code, out, ok = zip(*rows, strict=True) if rows else ((), (), (), ())
    return np.array(s, np.int64), np.array(code, np.intp), MODELS, np.array(out, np.int64), np.array(ok, bool)


@settings(max_examples=200, deadline=None)
@given(chunks=st.lists(st.lists(row, max_size=30), max_size=4))
def test_output_stats_equal_a_row_by_row_pass(chunks: list[list[tuple[int, int, int, bool]]]) -> None:
    expected: dict = {}
    got: dict = {}
    for rows in chunks:
        row_by_row(expected, rows)
        output_stats(got, *columns(rows))
    # Same groups in the same order (measured ratios sum over them in order), same sums and counts.
    assert list(got.items()) == list(expected.items())
    assert all(type(total) is float and type(n) is int for total, n in got.values())
