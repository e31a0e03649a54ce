"""Money as text: cents rounded half up from the decimal a user would write, sub-cent amounts never $0.00."""

from __future__ import annotations

import numpy as np
import pytest

from llmroute_cli.render.fmt import money


@pytest.mark.parametrize(
    ("usd", "text"),
    [
        (0.105, "$0.11"),  # the float is a hair under 0.105; a half cent still rounds up
        (5.105, "$5.11"),
        (2.675, "$2.68"),
        (8577.5, "$8,577.50"),
        (1_234_567.891, "$1,234,567.89"),
        (0.0, "$0.00"),
        (-3.5, "-$3.50"),
        (0.00123456, "$0.00123"),
        (0.0099949, "$0.00999"),
        (0.009995, "$0.01"),  # rounds up into cents
        (-0.004, "-$0.00400"),
        (1e-9, "$0.00000000100"),
        (np.float64(0.105), "$0.11"),
    ],
)
def test_money(usd, text):
    assert money(usd) == text
