"""Exact cost sums: the same total however the requests are ordered, chunked or sharded."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from llmroute_cli.pricing.money import UNITS_PER_DOLLAR, dollars, units

costs = st.lists(st.floats(min_value=0, max_value=5_000, allow_nan=False), min_size=1, max_size=200)


def femto(cost: float) -> Fraction:
    """One cost in femto-dollars, by exact rational arithmetic (independent of the code under test)."""
    return Fraction(cost) * 10**15


@given(costs, st.randoms(use_true_random=False))
def test_sums_do_not_depend_on_order_or_chunking(values, rnd):
    whole = units(np.array(values))[0]
    assert abs(whole - sum(femto(v) for v in values)) <= len(values)  # each cost to the nearest unit
    shuffled = values[:]
    rnd.shuffle(shuffled)
    cut = rnd.randrange(len(values) + 1)
    assert units(np.array(shuffled[:cut]))[0] + units(np.array(shuffled[cut:]))[0] == whole


def test_decimal_prices_give_decimal_totals():
    # tokens x price per 1M: 1,000 x $2.50, 250 x $10.00, 3 x $0.15, 7 x $0.075 (cached), 1 x $1.25
    values = [1_000 * 2.50e-6, 250 * 10.00e-6, 3 * 0.15e-6, 7 * 0.075e-6, 1 * 1.25e-6]
    expected = sum(
        Decimal(t) * Decimal(p) for t, p in [(1_000, "2.50"), (250, "10"), (3, "0.15"), (7, "0.075"), (1, "1.25")]
    )
    total = units(np.array(values))[0]
    assert total == expected * 10**9  # per 1M tokens, so femto-dollars = tokens x price x 1e9
    assert dollars(total) == float(expected / 10**6) == 0.005002225


def test_groups_are_summed_apart():
    values = np.array([0.1, 0.2, 0.3, 2.5e-6, 1_234.5])
    sums = units(values, np.array([0, 1, 0, 2, 2]), 4)
    assert sums == [4 * 10**14, 2 * 10**14, 1_234_500_002_500_000_000, 0]
    assert sum(sums) == 1_235_100_002_500_000_000 and UNITS_PER_DOLLAR == 10**15


def test_many_small_costs_sum_the_same_either_way_where_floats_drift():
    rng = random.Random(3)
    pairs = [(rng.randint(1, 4_000), rng.randint(0, 800)) for _ in range(100_000)]  # tokens at $2.50 and $10 per 1M
    values = [i * 2.5e-6 + o * 1e-5 for i, o in pairs]
    assert sum(values) != sum(values[::-1])  # a float sum depends on the order
    assert units(np.array(values))[0] == units(np.array(values[::-1]))[0]
    exact = sum(i * Decimal("2.5") + o * Decimal(10) for i, o in pairs) / 10**6
    assert units(np.array(values))[0] == exact * 10**15
