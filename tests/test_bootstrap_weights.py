"""Bootstrap weights: Poisson(1) draws, each the inverse CDF of its uniform draw."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from llmroute_cli.simulate.weights import poisson_ones


def test_each_weight_is_the_poisson_quantile_of_its_uniform_draw() -> None:
    weights = poisson_ones(np.random.default_rng(7), (300, 2000))
    u = np.random.default_rng(7).random((300, 2000))  # the same stream the weights were drawn from
    np.testing.assert_array_equal(weights, stats.poisson.ppf(u, 1.0))  # scipy's inverse CDF, computed apart


def test_far_tail_draws_are_looked_up_not_capped() -> None:
    class Fixed:
        def random(self, shape: tuple[int, int]) -> np.ndarray:
            return np.array([[0.0, 0.37, 0.999999, 1 - 1e-12]])

    cdf = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(20)])
    expected = [int(np.sum(cdf <= u)) for u in Fixed().random((1, 4))[0]]
    assert expected == [0, 1, 9, 14]
    assert poisson_ones(Fixed(), (1, 4)).tolist() == [[float(e) for e in expected]]  # type: ignore[arg-type]


def test_weights_have_the_poisson_mean_variance_and_frequencies() -> None:
    weights = poisson_ones(np.random.default_rng(0), (1000, 1000))
    assert abs(weights.mean() - 1.0) < 0.005 and abs(weights.var() - 1.0) < 0.01  # 1e6 draws: SE 0.001, 0.0014
    seen = np.bincount(weights.astype(int).ravel(), minlength=8)[:6] / weights.size
    np.testing.assert_allclose(seen, [math.exp(-1) / math.factorial(k) for k in range(6)], atol=0.002)
