"""Drivers of whole-experience satisfaction: a survey-weighted logistic regression.

The estimation library has no regression, so this module fits one the way R's
``svyglm(y ~ x1 + ..., design, family = quasibinomial)`` does:

- coefficients: the weighted maximum-likelihood fit (iteratively reweighted least
  squares with the sampling weights as prior weights; the weights' scale does not matter);
- variance: the linearisation (sandwich) estimator ``A^-1 B A^-1``, where ``A = X' W X``
  with IRLS working weights and ``B`` is the design variance of the totals of the
  estimating functions ``w_i x_i (y_i - mu_i)`` (R's ``svyrecvar``): between-PSU
  variance within strata, with ``n_h / (n_h - 1)`` and the finite population correction
  ``1 - n_h / N_h``. Rows left out for missing values still count as PSUs of their
  strata (R keeps them in the design with zero weight);
- intervals and p-values: Student t on the design degrees of freedom minus the number of
  coefficients plus one (R's ``df.residual`` for svyglm).

Average marginal effects (points of satisfaction from having a stage go well rather
than not, averaged over the respondents with their weights) come with a delta-method
standard error from the same covariance matrix.

Pure numpy/scipy; no Django.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from victimcare.estimation import DesignError


@dataclass(frozen=True)
class Coefficient:
    name: str
    estimate: float
    se: float
    t: float
    p_value: float
    ci_low: float
    ci_high: float

    @property
    def odds_ratio(self) -> float:
        return math.exp(self.estimate)


@dataclass(frozen=True)
class MarginalEffect:
    name: str
    estimate: float  # proportion scale
    se: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class LogisticFit:
    coefficients: tuple[Coefficient, ...]
    effects: tuple[MarginalEffect, ...]
    covariance: np.ndarray
    n: int
    df: int
    iterations: int

    def coefficient(self, name: str) -> Coefficient:
        return next(c for c in self.coefficients if c.name == name)

    def effect(self, name: str) -> MarginalEffect:
        return next(e for e in self.effects if e.name == name)


def _expit(eta: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-eta))


def _column(data: Mapping[str, Sequence], name: str) -> np.ndarray:
    if name not in data:
        raise DesignError(f"column {name!r} not found", column=name)
    return np.asarray(data[name])


def _numeric(values: np.ndarray) -> np.ndarray:
    out = np.full(values.shape[0], np.nan)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, str) and v.strip() in ("", "NA")):
            continue
        out[i] = float(v)
    return out


def _stratum_psu_totals(
    scores: np.ndarray,
    strata: np.ndarray,
    psus: np.ndarray,
    fpc: np.ndarray | None,
    lonely_psu: str,
) -> np.ndarray:
    """R's svyrecvar for a one-stage design: the covariance of the totals of ``scores``."""
    p = scores.shape[1]
    total = np.zeros((p, p))
    _, s_idx = np.unique(strata, return_inverse=True)
    for h in range(s_idx.max() + 1):
        in_h = s_idx == h
        _, psu_idx = np.unique(psus[in_h], return_inverse=True)
        n_h = int(psu_idx.max()) + 1
        sums = np.zeros((n_h, p))
        np.add.at(sums, psu_idx, scores[in_h])
        if n_h < 2:
            if lonely_psu == "fail":
                raise DesignError("a stratum has a single PSU (lonely PSU): no variance")
            continue  # "certainty"/"remove": contributes nothing
        centred = sums - sums.mean(axis=0)
        factor = n_h / (n_h - 1)
        if fpc is not None:
            pop = float(fpc[in_h][0])
            fraction = pop if pop <= 1 else n_h / pop
            factor *= 1 - fraction
        total += factor * centred.T @ centred
    return total


def logistic_fit(
    data: Mapping[str, Sequence],
    y: str,
    x: Sequence[str],
    *,
    weight: str,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
    lonely_psu: str = "fail",
    level: float = 0.95,
    max_iterations: int = 50,
) -> LogisticFit:
    """Fit ``logit P(y = 1) = b0 + sum b_k x_k`` to a survey design held as columns."""
    yv = _numeric(_column(data, y))
    xs = [_numeric(_column(data, name)) for name in x]
    w_all = _numeric(_column(data, weight))
    n_rows = yv.shape[0]
    strata_v = _column(data, strata) if strata else np.zeros(n_rows)
    psu_v = _column(data, psu) if psu else np.arange(n_rows)
    fpc_v = _numeric(_column(data, fpc)) if fpc else None
    design_x = np.column_stack([np.ones(n_rows), *xs]) if xs else np.ones((n_rows, 1))
    ok = ~np.isnan(yv) & ~np.isnan(design_x).any(axis=1) & ~np.isnan(w_all)
    if ok.sum() <= design_x.shape[1]:
        raise DesignError("too few complete responses to fit the model")
    if not set(np.unique(yv[ok])) <= {0.0, 1.0}:
        raise DesignError(f"y column {y!r} must be 0 or 1")
    xm, yy, ww = design_x[ok], yv[ok], w_all[ok]
    # R's glm.fit, step for step (so that the numbers agree to R's own convergence):
    # prior weights scaled to mean 1 (svyglm), binomial's starting values, and the
    # stopping rule |dev - dev_old| / (|dev| + 0.1) < 1e-8.
    prior = ww / ww.mean()
    mu = (prior * yy + 0.5) / (prior + 1)
    eta = np.log(mu / (1 - mu))
    deviance_old = math.inf
    iterations = 0
    beta = np.zeros(xm.shape[1])
    working = prior * mu * (1 - mu)
    for iterations in range(1, max_iterations + 1):  # noqa: B007
        var = mu * (1 - mu)
        z = eta + (yy - mu) / var
        working = prior * var
        beta = np.linalg.solve(xm.T @ (working[:, None] * xm), xm.T @ (working * z))
        eta = xm @ beta
        mu = np.clip(_expit(eta), 1e-15, 1 - 1e-15)
        deviance = -2 * float(np.sum(prior * (yy * np.log(mu) + (1 - yy) * np.log(1 - mu))))
        if abs(deviance - deviance_old) / (abs(deviance) + 0.1) < 1e-8:
            break
        deviance_old = deviance
    # R's sandwich: working weights of the last iteration, working residuals at the fit.
    info = xm.T @ (working[:, None] * xm)
    info_inv = np.linalg.inv(info)
    scores = np.zeros((n_rows, xm.shape[1]))
    scores[ok] = (working * (yy - mu) / (mu * (1 - mu)))[:, None] * xm
    meat = _stratum_psu_totals(scores, strata_v, psu_v, fpc_v, lonely_psu)
    cov = info_inv @ meat @ info_inv
    # Design df: PSUs minus strata (of the whole design), then R's svyglm df.residual.
    pairs = {(s, p) for s, p in zip(strata_v.tolist(), psu_v.tolist(), strict=True)}
    design_df = len(pairs) - len(set(strata_v.tolist()))
    df = max(design_df + 1 - xm.shape[1], 1)
    q = float(stats.t.ppf(1 - (1 - level) / 2, df))
    names = ["(Intercept)", *x]
    coefficients = []
    for k, name in enumerate(names):
        se = math.sqrt(max(cov[k, k], 0.0))
        t = beta[k] / se if se > 0 else math.nan
        p = float(2 * stats.t.sf(abs(t), df)) if se > 0 else math.nan
        coefficients.append(
            Coefficient(name, float(beta[k]), se, t, p, beta[k] - q * se, beta[k] + q * se)
        )
    effects = []
    wsum = ww.sum()
    for k, name in enumerate(x, start=1):
        on, off = xm.copy(), xm.copy()
        on[:, k], off[:, k] = 1.0, 0.0
        mu1, mu0 = _expit(on @ beta), _expit(off @ beta)
        ame = float(np.sum(ww * (mu1 - mu0)) / wsum)
        grad = ((ww * mu1 * (1 - mu1)) @ on - (ww * mu0 * (1 - mu0)) @ off) / wsum
        se = math.sqrt(max(float(grad @ cov @ grad), 0.0))
        effects.append(MarginalEffect(name, ame, se, ame - q * se, ame + q * se))
    return LogisticFit(
        coefficients=tuple(coefficients),
        effects=tuple(effects),
        covariance=cov,
        n=int(ok.sum()),
        df=df,
        iterations=iterations,
    )
