"""A router judged on held-out queries beside random routing, a query-length rule and the oracle.

Each router is a score per query (higher: more likely to go expensive). On the held-out part each
gets RouteLLM's APGR with a bootstrap 95% interval (rows resampled with replacement), CPT(50%) and
CPT(80%); at the threshold chosen on the validation part, the expensive share and the under-routing
(of the queries sent cheap, the share that needed the expensive tier) against the base rate (the
share that needed it at all: what sending everything cheap under-routes). The classifier's APGR is
compared with the length rule's and random's on the same resamples (a paired difference).
Random routing is shown by its expectation (APGR 0.5, CPT(p) = p, under-routing the base rate),
with the interval one random routing spans, its scores drawn afresh on each resample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmroute_cli.quality.curve import oracle_apgr, request_metrics, routing_apgr

if TYPE_CHECKING:
    import numpy as np

    from llmroute_cli.training.examples import Examples

BOOTSTRAP = 1000
ROUTERS = ("classifier", "length rule", "random", "oracle")


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate and its bootstrap 95% interval."""

    value: float | None
    low: float | None
    high: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "low": self.low, "high": self.high}


@dataclass(frozen=True, slots=True)
class RouterScore:
    """One router's held-out figures."""

    name: str
    apgr: Interval
    cpt50: float | None
    cpt80: float | None
    expensive_share: float | None  # at the threshold chosen on validation
    under_routing: float | None
    threshold: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "apgr": self.apgr.to_dict(),
            "cpt50": self.cpt50,
            "cpt80": self.cpt80,
            "expensive_share": self.expensive_share,
            "under_routing": self.under_routing,
            "threshold": self.threshold,
        }


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The held-out report: who was measured, on what, and the comparisons."""

    name: str  # which held-out part: "test" or the --test file
    rows: int
    needed: int
    base_rate: float
    scale: str
    routers: tuple[RouterScore, ...]
    versus_length: Interval  # classifier APGR minus length rule APGR, paired
    versus_random: Interval

    def router(self, name: str) -> RouterScore:
        return next(r for r in self.routers if r.name == name)

    def verdict(self) -> str:
        """Whether the classifier beats the length rule and random, in words, by the paired intervals."""
        return f"{_beats('the length rule', self.versus_length)}; {_beats('random routing', self.versus_random)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": self.rows,
            "needed_expensive": self.needed,
            "base_rate": self.base_rate,
            "quality_scale": self.scale,
            "routers": {r.name: r.to_dict() for r in self.routers},
            "classifier_minus_length_rule": self.versus_length.to_dict(),
            "classifier_minus_random": self.versus_random.to_dict(),
            "verdict": self.verdict(),
        }


def _beats(other: str, diff: Interval) -> str:
    if diff.value is None or diff.low is None or diff.high is None:
        return f"no comparison with {other} (the tiers' quality does not differ here)"
    span = f"APGR {diff.value:+.3f}, 95% CI {diff.low:+.3f} to {diff.high:+.3f}"
    if diff.low > 0:
        return f"beats {other} ({span})"
    if diff.high < 0:
        return f"is worse than {other} ({span})"
    return f"does not beat {other} ({span})"


def length_scores(texts: list[str]) -> np.ndarray:
    """The query-length rule's score: characters (longer goes expensive first)."""
    import numpy as np

    return np.fromiter((len(t) for t in texts), dtype=np.float64, count=len(texts))


def evaluate(
    name: str,
    held: Examples,
    scores: dict[str, np.ndarray],
    thresholds: dict[str, float | None],
    seed: int,
    resamples: int = BOOTSTRAP,
) -> Evaluation:
    """Score the classifier, length rule, random and oracle on ``held``; ``scores`` and ``thresholds``
    give the classifier's and the length rule's (random's and the oracle's are made here)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = len(held)
    draws = rng.integers(0, n, size=(resamples, n)) if n else np.zeros((0, 0), dtype=np.int64)
    samples = {r: _resampled(held, scores.get(r), draws, r, rng) for r in ROUTERS}
    share = _share(scores, thresholds)
    routers = tuple(_router(r, held, scores.get(r), samples[r], thresholds.get(r), share) for r in ROUTERS)
    base = float(held.needed.mean()) if n else 0.0
    return Evaluation(
        name,
        n,
        int(held.needed.sum()),
        base,
        held.scale,
        routers,
        _paired(routers[0].apgr.value, routers[1].apgr.value, samples["classifier"], samples["length rule"]),
        _paired(routers[0].apgr.value, routers[2].apgr.value, samples["classifier"], samples["random"]),
    )


def _share(scores: dict[str, np.ndarray], thresholds: dict[str, float | None]) -> float | None:
    """The classifier's expensive share at its threshold: random routing sends the same share."""
    t, values = thresholds.get("classifier"), scores["classifier"]
    return None if t is None or len(values) == 0 else float((values >= t).mean())


def _resampled(
    held: Examples, scores: np.ndarray | None, draws: np.ndarray, name: str, rng: np.random.Generator
) -> np.ndarray:
    """APGR on each resample; random routing draws fresh random scores on each."""
    import numpy as np

    if name == "oracle":
        values = [oracle_apgr(held.qc[i], held.qe[i]) for i in draws]
    elif name == "random":
        values = [routing_apgr(held.qc[i], held.qe[i], rng.random(len(i))) for i in draws]
    else:
        assert scores is not None
        values = [routing_apgr(held.qc[i], held.qe[i], scores[i]) for i in draws]
    return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)


def _interval(value: float | None, samples: np.ndarray) -> Interval:
    import numpy as np

    kept = samples[~np.isnan(samples)]
    if value is None or len(kept) == 0:
        return Interval(value, None, None)
    low, high = np.percentile(kept, [2.5, 97.5])
    return Interval(value, float(low), float(high))


def _paired(a: float | None, b: float | None, sa: np.ndarray, sb: np.ndarray) -> Interval:
    return _interval(None if a is None or b is None else a - b, sa - sb)


def _router(
    name: str,
    held: Examples,
    scores: np.ndarray | None,
    samples: np.ndarray,
    threshold: float | None,
    share: float | None,
) -> RouterScore:
    sent: np.ndarray | None
    if name == "random":
        return _random(held, samples, share)
    if name == "oracle":
        metrics = _oracle_metrics(held)
        value = oracle_apgr(held.qc, held.qe)
        sent = held.needed  # the oracle sends exactly the queries that needed it
    else:
        assert scores is not None
        metrics = request_metrics(held.qc.tolist(), held.qe.tolist(), scores.tolist())
        value = None if metrics.apgr is None else float(metrics.apgr)
        sent = scores >= threshold if threshold is not None else None
    cheap = None if sent is None else ~sent
    under = None if cheap is None or not cheap.any() else float((held.needed & cheap).sum() / cheap.sum())
    exp_share = None if sent is None or len(sent) == 0 else float(sent.mean())
    shown = None if name == "oracle" else threshold
    return RouterScore(name, _interval(value, samples), metrics.cpt50, metrics.cpt80, exp_share, under, shown)


def _random(held: Examples, samples: np.ndarray, share: float | None) -> RouterScore:
    """Random routing's expected figures: its expected curve is the straight line from all cheap to all
    expensive (APGR 0.5, CPT(p) = p) and, at any share, it under-routes the base rate; the interval is
    the spread of one random routing, drawn afresh on each resample."""
    gap = float(held.qe.sum() - held.qc.sum()) if len(held) else 0.0
    value, c50, c80 = (0.5, 0.5, 0.8) if gap else (None, None, None)
    base = float(held.needed.mean()) if len(held) else None
    return RouterScore("random", _interval(value, samples), c50, c80, share, base if share is not None else None, None)


def _oracle_metrics(held: Examples) -> Any:
    from llmroute_cli.quality.curve import curve_metrics, oracle_curve

    n = len(held)
    cheap = float(held.qc.mean()) if n else 0.0
    expensive = float(held.qe.mean()) if n else 0.0
    return curve_metrics(oracle_curve(held.qc.tolist(), held.qe.tolist()), cheap, expensive)
