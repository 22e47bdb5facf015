"""Quantiles of Student's t for whole degrees of freedom, without scipy.

Design degrees of freedom are whole numbers, and importing ``scipy.special`` costs more
than the rest of a one-off ``victimcare estimate`` (see ``benchmarks/bench_estimation.py``),
so the critical values of intervals come from here; other degrees of freedom and the
other distributions still come from ``scipy.special`` (``intervals``).

Below ``CORNISH_FISHER_DF`` the quantile is found by safeguarded Newton steps on the
exact upper tail, Abramowitz and Stegun 26.7.3-4 (finite sums in ``cos^2`` of
``atan(t / sqrt(df))``); from there on by the Cornish-Fisher expansion to ``df^-4``
(A&S 26.7.5) around the normal quantile (``statistics.NormalDist``, Wichura's AS241).
Both agree with ``scipy.special.stdtrit`` to about 1e-13 relative at the usual levels
(``tests/estimation/test_intervals.py`` checks a grid).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

__all__ = ["CORNISH_FISHER_DF", "normal_quantile", "t_quantile_whole_df"]

CORNISH_FISHER_DF = 1000


@cache
def _normal() -> Any:
    # imported on first use: statistics brings random and hashlib, which --help never needs
    from statistics import NormalDist

    return NormalDist()


def normal_quantile(q: float) -> float:
    """Quantile of the standard normal (``-inf``/``inf`` at 0 and 1, NaN outside)."""
    if not 0 < q < 1:
        return -math.inf if q == 0 else math.inf if q == 1 else math.nan
    return float(_normal().inv_cdf(q))


def _cornish_fisher(z: float, df: int) -> float:
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df


def _upper_tail(t: float, df: int) -> float:
    """P(T > t) for ``t >= 0`` (A&S 26.7.3 for odd df, 26.7.4 for even)."""
    c = df / (df + t * t)
    s = t / math.sqrt(df + t * t)
    total, term = 1.0, 1.0
    if df % 2:
        for k in range(1, (df - 1) // 2):
            term *= c * (2 * k) / (2 * k + 1)
            total += term
        theta = math.atan(t / math.sqrt(df))
        inside = theta + s * math.sqrt(c) * total if df > 1 else theta
        return (1.0 - 2.0 / math.pi * inside) / 2.0
    for k in range(1, df // 2):
        term *= c * (2 * k - 1) / (2 * k)
        total += term
    return (1.0 - s * total) / 2.0


def _density(t: float, df: int) -> float:
    log_norm = math.lgamma(df / 2 + 0.5) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))


def t_quantile_whole_df(q: float, df: int) -> float:
    """The ``q`` quantile of Student's t with ``df`` (a whole number >= 1)."""
    if not 0 < q < 1:
        return -math.inf if q == 0 else math.inf if q == 1 else math.nan
    if q == 0.5:
        return 0.0
    p = 1.0 - q if q > 0.5 else q  # the upper tail beyond |t|
    sign = 1.0 if q > 0.5 else -1.0
    if df == 1:
        return sign / math.tan(math.pi * p)
    if df == 2:
        return sign * (1.0 - 2.0 * p) / math.sqrt(2.0 * p * (1.0 - p))
    t = _cornish_fisher(normal_quantile(1.0 - p), df)
    if df >= CORNISH_FISHER_DF:
        return sign * t
    lo, hi = 0.0, math.inf  # the tail falls as t grows: the root stays in (lo, hi)
    for _ in range(200):
        gap = _upper_tail(t, df) - p
        if gap > 0:
            lo = t
        else:
            hi = t
        new = t + gap / _density(t, df)
        if not lo < new < hi:
            new = (lo + hi) / 2 if math.isfinite(hi) else 2 * t
        if abs(new - t) <= 4e-16 * abs(new):
            return sign * new
        t = new
    return sign * t
