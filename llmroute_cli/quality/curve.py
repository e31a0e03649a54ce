"""RouteLLM's cost-quality metrics: the curve of quality against expensive share, APGR and CPT.

Definitions follow RouteLLM (Ong et al., 2024, "RouteLLM: Learning to Route LLMs with Preference
Data"; code: lm-sys/RouteLLM ``routellm/evals/evaluate.py``), with the strong model as our expensive
tier and the weak model as our cheap tier:

- *Performance gap recovered* of a routing with mean quality ``q``:
  ``PGR = (q - q_cheap) / (q_expensive - q_cheap)``; all-cheap scores 0, all-expensive 1.
- *APGR* (average PGR): the area under PGR against the expensive share ``x`` for ``x`` from 0 to 1,
  by the trapezoidal rule over the measured points. RouteLLM computes
  ``(AUC(q) - AUC(q_cheap)) / (AUC(q_expensive) - AUC(q_cheap))`` with ``np.trapz`` over its
  threshold points, which is the same number when the points span 0 to 1. Random routing scores
  about 0.5; a router that sends the requests that gain most to the expensive tier first scores more.
- *CPT(p)* (call-performance threshold): the smallest expensive share at which the curve, joined
  point to point by straight lines, first reaches PGR ``p``. RouteLLM reads it with
  ``np.interp(q_cheap + p * (q_expensive - q_cheap), accuracies, shares)``, which agrees when
  quality rises with the expensive share; the first crossing stays defined when it does not.

A sweep that moves the expensive share only a little measures a short stretch of the curve; the
rest of the 0-1 range is the straight lines to the added endpoints. So the metrics also give the
*measured span* (the lowest and highest measured share), APGR over that span (the area under PGR
there divided by its width: the mean gap recovered over the measured points), and whether each CPT
falls outside the span, i.e. on an extrapolated line.

APGR, CPT and PGR are None when the cheap and expensive tiers have the same mean quality.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

TOLERANCE = 1e-9  # PGR computed in floating point: 4/5 of a gap can come out as 0.7999999999999998


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """Mean quality when ``expensive_share`` of the requests go to the expensive tier."""

    expensive_share: float
    quality: float


@dataclass(frozen=True, slots=True)
class CurveMetrics:
    """RouteLLM's summary of a cost-quality curve (see the module docstring for the definitions)."""

    cheap_quality: float
    expensive_quality: float
    apgr: float | None  # over 0-1, with straight lines to the added endpoints
    cpt50: float | None
    cpt80: float | None
    share_range: tuple[float, float] | None  # the lowest and highest measured expensive share
    apgr_measured: float | None  # mean PGR over share_range; None when it has no width
    cpt50_extrapolated: bool  # CPT(50%) falls outside share_range
    cpt80_extrapolated: bool

    @property
    def apgr_extrapolated(self) -> bool:
        """Whether the 0-1 APGR includes ends that were not measured."""
        return self.share_range != (0.0, 1.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cheap_quality": self.cheap_quality,
            "expensive_quality": self.expensive_quality,
            "share_range": None if self.share_range is None else list(self.share_range),
            "apgr_measured": self.apgr_measured,
            "apgr": self.apgr,
            "apgr_extrapolated": self.apgr_extrapolated,
            "cpt50": self.cpt50,
            "cpt50_extrapolated": self.cpt50_extrapolated,
            "cpt80": self.cpt80,
            "cpt80_extrapolated": self.cpt80_extrapolated,
        }


def pgr(quality: float, cheap: float, expensive: float) -> float | None:
    """Performance gap recovered: (quality - cheap) / (expensive - cheap); None when the gap is 0."""
    return None if expensive == cheap else (quality - cheap) / (expensive - cheap)


def routing_curve(
    quality_cheap: Sequence[float], quality_expensive: Sequence[float], scores: Sequence[float]
) -> tuple[CurvePoint, ...]:
    """The curve of a router that sends a request to the expensive tier when its score is at least a threshold.

    One point per distinct threshold, highest score first, plus the all-cheap point: requests with
    equal scores move together, as they do under RouteLLM's ``score >= threshold``.
    """
    import numpy as np

    qc, qe, s = (np.asarray(a, dtype=float) for a in (quality_cheap, quality_expensive, scores))
    n = len(s)
    if n == 0:
        return ()
    order = np.argsort(-s, kind="stable")
    gains = np.cumsum((qe - qc)[order])
    ends = np.flatnonzero(np.append(s[order][1:] != s[order][:-1], True))
    base = float(qc.mean())
    points = [CurvePoint(0.0, base)]
    points += [CurvePoint((i + 1) / n, base + float(gains[i]) / n) for i in ends]
    return tuple(points)


def oracle_curve(quality_cheap: Sequence[float], quality_expensive: Sequence[float]) -> tuple[CurvePoint, ...]:
    """The best any router could do: at each share, the requests that gain most go expensive (RouteLLM's optimal).

    Requests where the expensive tier is no better stay cheap, so quality never falls as the share grows.
    """
    import numpy as np

    qc, qe = np.asarray(quality_cheap, dtype=float), np.asarray(quality_expensive, dtype=float)
    n = len(qc)
    if n == 0:
        return ()
    gains = np.concatenate(([0.0], np.cumsum(np.maximum(np.sort(qe - qc)[::-1], 0.0))))
    base = float(qc.mean())
    return tuple(CurvePoint(k / n, base + float(gains[k]) / n) for k in range(n + 1))


def curve_metrics(
    points: Sequence[CurvePoint] | Sequence[tuple[float, float]], cheap_quality: float, expensive_quality: float
) -> CurveMetrics:
    """APGR, CPT(50%) and CPT(80%) of (expensive share, mean quality) points, e.g. a threshold sweep.

    The all-cheap (0, ``cheap_quality``) and all-expensive (1, ``expensive_quality``) endpoints are
    added when no point sits at share 0 or 1, so the area always spans the whole 0-1 range; the
    measured span, APGR over it and which CPTs fall outside it tell what was measured.
    """
    measured = with_endpoints(points, cheap_quality, expensive_quality, ends=False)
    span = measured_span(measured)
    if expensive_quality == cheap_quality:
        return CurveMetrics(cheap_quality, expensive_quality, None, None, None, span, None, False, False)
    curve = with_endpoints(measured, cheap_quality, expensive_quality)
    gap = expensive_quality - cheap_quality
    xs, gs = [p.expensive_share for p in curve], [(p.quality - cheap_quality) / gap for p in curve]
    c50, c80 = cpt(xs, gs, 0.5), cpt(xs, gs, 0.8)
    mean = mean_pgr([p.expensive_share for p in measured], [(p.quality - cheap_quality) / gap for p in measured])
    return CurveMetrics(
        cheap_quality, expensive_quality, apgr(xs, gs), c50, c80, span, mean, outside(c50, span), outside(c80, span)
    )


def request_metrics(
    quality_cheap: Sequence[float], quality_expensive: Sequence[float], scores: Sequence[float]
) -> CurveMetrics:
    """APGR and CPT of a scoring router over per-request qualities of the two tiers."""
    n = len(quality_cheap)
    cheap = sum(quality_cheap) / n if n else 0.0
    expensive = sum(quality_expensive) / n if n else 0.0
    return curve_metrics(routing_curve(quality_cheap, quality_expensive, scores), cheap, expensive)


def with_endpoints(
    points: Sequence[CurvePoint] | Sequence[tuple[float, float]],
    cheap_quality: float,
    expensive_quality: float,
    *,
    ends: bool = True,
) -> tuple[CurvePoint, ...]:
    """The points sorted by expensive share, with the all-cheap and all-expensive ends added if missing (``ends``)."""
    curve = [p if isinstance(p, CurvePoint) else CurvePoint(float(p[0]), float(p[1])) for p in points]
    for p in curve:
        if not 0.0 <= p.expensive_share <= 1.0:
            raise ValueError(f"expensive share {p.expensive_share} is outside 0..1")
    if not ends:
        return tuple(sorted(curve, key=lambda p: p.expensive_share))
    shares = {p.expensive_share for p in curve}
    if 0.0 not in shares:
        curve.append(CurvePoint(0.0, cheap_quality))
    if 1.0 not in shares:
        curve.append(CurvePoint(1.0, expensive_quality))
    return tuple(sorted(curve, key=lambda p: p.expensive_share))


def apgr(shares: Sequence[float], gaps: Sequence[float]) -> float:
    """Trapezoidal area under PGR against expensive share (shares sorted, spanning 0 to 1)."""
    points = zip(shares, gaps, strict=True)
    return sum((x1 - x0) * (g0 + g1) / 2 for (x0, g0), (x1, g1) in pairwise(points))


def measured_span(points: Sequence[CurvePoint]) -> tuple[float, float] | None:
    """The lowest and highest expensive share among the points; None without points."""
    shares = [p.expensive_share for p in points]
    return (min(shares), max(shares)) if shares else None


def mean_pgr(shares: Sequence[float], gaps: Sequence[float]) -> float | None:
    """Area under PGR over the points' own share range divided by its width; None when the width is 0."""
    width = shares[-1] - shares[0] if shares else 0.0
    return apgr(shares, gaps) / width if width > 0 else None


def outside(share: float | None, span: tuple[float, float] | None) -> bool:
    """Whether a CPT falls outside the measured span, on a straight line to an added endpoint."""
    if share is None:
        return False
    return span is None or not span[0] - TOLERANCE <= share <= span[1] + TOLERANCE


def cpt(shares: Sequence[float], gaps: Sequence[float], target: float) -> float | None:
    """The smallest expensive share where the piecewise-linear PGR curve first reaches ``target``.

    A point within ``TOLERANCE`` of the target reaches it, so rounding does not push the crossing later.
    """
    for i, (x, g) in enumerate(zip(shares, gaps, strict=True)):
        if g < target - TOLERANCE:
            continue
        if i == 0 or g <= target + TOLERANCE:
            return x
        x0, g0 = shares[i - 1], gaps[i - 1]
        return x0 + (target - g0) / (g - g0) * (x - x0)
    return None


def routing_apgr(quality_cheap: Any, quality_expensive: Any, scores: Any) -> float | None:
    """``request_metrics(...).apgr`` in array arithmetic, for bootstrap resamples: the same curve and area."""
    import numpy as np

    qc, qe, s = (np.asarray(a, dtype=np.float64) for a in (quality_cheap, quality_expensive, scores))
    gap = float(qe.sum() - qc.sum())
    if len(s) == 0 or gap == 0:
        return None
    order = np.argsort(-s, kind="stable")
    ranked = s[order]
    ends = np.flatnonzero(np.append(ranked[1:] != ranked[:-1], True))
    gains = np.cumsum((qe - qc)[order])[ends]
    return _area(np.concatenate(([0.0], (ends + 1) / len(s))), np.concatenate(([0.0], gains / gap)))


def oracle_apgr(quality_cheap: Any, quality_expensive: Any) -> float | None:
    """APGR of ``oracle_curve`` in array arithmetic."""
    import numpy as np

    qc, qe = np.asarray(quality_cheap, dtype=np.float64), np.asarray(quality_expensive, dtype=np.float64)
    gap = float(qe.sum() - qc.sum())
    if len(qc) == 0 or gap == 0:
        return None
    gains = np.concatenate(([0.0], np.cumsum(np.maximum(np.sort(qe - qc)[::-1], 0.0))))
    return _area(np.arange(len(qc) + 1) / len(qc), gains / gap)


def _area(xs: Any, gs: Any) -> float:
    import numpy as np

    return float(np.sum(np.diff(xs) * (gs[1:] + gs[:-1]) / 2))
