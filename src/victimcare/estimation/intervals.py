"""Confidence intervals: Wald for means and totals, five methods for proportions.

``df`` is the reference distribution's degrees of freedom: a design df gives Student t
(R's ``svyciprop`` default, ``df = degf(design)``), ``math.inf`` gives the normal
(R's plain ``confint(svymean(...))``). A df of zero or less gives NaN limits, as R does.

Proportion methods (all with the design-based variance ``var`` of the proportion ``p``):

``logit``   Wald interval on the log-odds scale, back-transformed (R's default; R fits an
            intercept-only quasi-binomial svyglm, whose SE of the log-odds is exactly
            ``se / (p (1 - p))``).
``xlogit``  the same transformation applied to the mean and its SE (SUDAAN, SPSS).
``likelihood``  R's profile-likelihood interval of the intercept-only quasi-binomial
            svyglm; it needs the rows, so ``Design`` computes it (see ``profile``).
``asin``    Wald on the arcsine-square-root scale, ``asin(sqrt(p)) +/- t se / (2 sqrt(p
            (1 - p)))``, back-transformed by ``sin(.)^2`` (R's ``method = "asin"``). An
            angle below 0 (or above pi/2) gives the limit 0 (or 1); R squares the sine
            of the negative angle instead, a positive artefact.
``beta``    Korn and Graubard (1998): Clopper-Pearson with the effective sample size
            ``p (1 - p) / var``, rescaled by ``(t(n-1) / t(df))**2`` as R does, where n is
            the number of rows (R uses ``degf(design)`` here whatever ``df`` is asked for;
            with ``df = inf`` no rescaling is applied).
``wilson``  Wilson's score interval with the same effective sample size and the t (or
            normal) critical value.
``wald``    ``p +/- t * se`` (R's ``method = "mean"``).

At ``p`` = 0 or 1 the design-based SE is 0 and no method defines an interval: the limits
are NaN. With ``0 < p < 1`` and a zero SE (a census) the interval is ``(p, p)``, as R.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Literal

from .student_t import normal_quantile, t_quantile_whole_df

__all__ = [
    "PROPORTION_METHODS",
    "critical_value",
    "mean_interval",
    "proportion_interval",
    "reference_df",
    "t_p_value",
]

ProportionMethod = Literal["logit", "likelihood", "xlogit", "asin", "beta", "wilson", "wald"]
PROPORTION_METHODS: tuple[str, ...] = (
    "logit",
    "likelihood",
    "xlogit",
    "asin",
    "beta",
    "wilson",
    "wald",
)


def _special() -> ModuleType:
    """scipy.special, imported on first use: importing this library, or asking the CLI
    for --help, loads no scipy (and scipy.stats never: its distributions' quantiles and
    tails are these special functions)."""
    from scipy import special

    module: ModuleType = special
    return module


def t_quantile(q: float, df: float) -> float:
    """Quantile of Student t (the normal when ``df`` is infinite). Whole df (every
    design's) and the normal need no scipy (``student_t``); other df use scipy.special."""
    if math.isinf(df):
        return normal_quantile(q)
    if df >= 1 and float(df).is_integer():
        return t_quantile_whole_df(q, int(df))
    return float(_special().stdtrit(df, q))


def beta_quantile(q: float, a: float, b: float) -> float:
    return float(_special().betaincinv(a, b, q))


def f_sf(x: float, d1: float, d2: float) -> float:
    """Upper tail of the F distribution."""
    return float(_special().fdtrc(d1, d2, x))


def chi2_sf(x: float, k: float) -> float:
    """Upper tail of the chi-square distribution."""
    return float(_special().chdtrc(k, x))


def reference_df(df: str | float, design_df: float) -> float:
    """The df of the reference distribution: ``"design"`` gives ``design_df``; ``"inf"``
    or ``"normal"`` the normal (``math.inf``); a number is used as it is (R's ``df=``
    argument of ``confint`` / ``svyciprop``)."""
    if isinstance(df, str):
        key = df.strip().lower()
        if key == "design":
            return float(design_df)
        if key in ("inf", "normal", "infinity"):
            return math.inf
        try:
            value = float(key)
        except ValueError:
            raise ValueError(
                f"df must be 'design', 'inf' (normal) or a positive number, not {df!r}"
            ) from None
    elif isinstance(df, bool):
        raise ValueError(f"df must be 'design', 'inf' (normal) or a positive number, not {df!r}")
    else:
        value = float(df)
    if math.isnan(value) or value <= 0:
        raise ValueError(f"df must be 'design', 'inf' (normal) or a positive number, not {df!r}")
    return value


def critical_value(level: float, df: float) -> float:
    """Upper ``(1 + level) / 2`` quantile of t with ``df`` (normal when df is infinite)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    if math.isinf(df):
        return t_quantile(0.5 + level / 2, math.inf)
    if not df > 0:
        return math.nan
    return t_quantile(0.5 + level / 2, df)


def mean_interval(estimate: float, se: float, level: float, df: float) -> tuple[float, float]:
    """Wald interval ``estimate +/- q * se`` (R's ``confint(..., df=df)``)."""
    q = critical_value(level, df)
    return estimate - q * se, estimate + q * se


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def proportion_interval(
    p: float,
    se: float,
    level: float,
    df: float,
    method: str,
    *,
    n_rows: int | None = None,
    design_df: float | None = None,
) -> tuple[float, float]:
    """Interval for a proportion ``p`` with design-based standard error ``se``.

    ``n_rows`` and ``design_df`` are needed for ``beta`` (R's Korn-Graubard rescaling).
    """
    if method not in PROPORTION_METHODS:
        raise ValueError(f"unknown interval method {method!r}; use one of {PROPORTION_METHODS}")
    if not (math.isfinite(p) and math.isfinite(se)):
        return math.nan, math.nan
    if method == "wald":
        return mean_interval(p, se, level, df)
    if method == "likelihood":
        raise ValueError("the likelihood interval needs the rows: see profile.py")
    if p <= 0.0 or p >= 1.0:
        return math.nan, math.nan
    if se <= 0.0:  # a census (every stratum taken with certainty): no sampling error
        return p, p
    var = se * se
    if method in ("logit", "xlogit"):
        q = critical_value(level, df)
        eta = math.log(p / (1.0 - p))
        se_eta = se / (p * (1.0 - p))
        return _expit(eta - q * se_eta), _expit(eta + q * se_eta)
    if method == "asin":
        q = critical_value(level, df)
        if math.isnan(q):
            return math.nan, math.nan
        theta = math.asin(math.sqrt(p))
        half = q * se / (2.0 * math.sqrt(p * (1.0 - p)))
        lo_a = max(theta - half, 0.0)
        hi_a = min(theta + half, math.pi / 2)
        return math.sin(lo_a) ** 2, math.sin(hi_a) ** 2
    n_eff = p * (1.0 - p) / var
    alpha = 1.0 - level
    if method == "beta":
        if not math.isinf(df):
            if n_rows is None or design_df is None:
                raise ValueError("beta intervals need n_rows and design_df")
            if n_rows - 1 <= 0 or not design_df > 0:
                return math.nan, math.nan
            ratio = t_quantile(alpha / 2, n_rows - 1) / t_quantile(alpha / 2, design_df)
            n_eff = n_eff * ratio * ratio
        lo = beta_quantile(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
        hi = beta_quantile(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
        return float(lo), float(hi)
    # wilson
    q = critical_value(level, df)
    if math.isnan(q):
        return math.nan, math.nan
    q2 = q * q
    denom = 1.0 + q2 / n_eff
    centre = (p + q2 / (2.0 * n_eff)) / denom
    half = q * math.sqrt(p * (1.0 - p) / n_eff + q2 / (4.0 * n_eff * n_eff)) / denom
    return centre - half, centre + half


def t_p_value(t: float, df: float) -> float:
    """Two-sided p-value of a t statistic (normal when df is infinite)."""
    if not math.isfinite(t):
        return math.nan
    if math.isinf(df):
        return float(2 * _special().ndtr(-abs(t)))
    if not df > 0:
        return math.nan
    return float(2 * _special().stdtr(df, -abs(t)))
