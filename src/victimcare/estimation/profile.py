"""R's profile-likelihood interval for a proportion (``svyciprop(method="likelihood")``).

R fits the intercept-only quasi-binomial ``svyglm`` and profiles it (``MASS``'s
``profile.glm`` as copied into survey): the intercept is moved in steps of
``zmax / 5`` design SEs, ``zmax = sqrt(qf(1 - a, 1, n - 1))`` with ``a`` the scaled
level, and at each step ``z = sign * sqrt((D(b) - D(b^)) / phi)`` where ``D`` is the
binomial deviance with the scaled weights and ``phi`` the design-weighted variance of
the Pearson residuals (``svyvar``, with its ``n / (n - 1)``). The profile ``(b, z)`` is interpolated by R's ``spline``
(Forsythe-Malcolm-Moler, on ``3 k`` points) and inverted linearly at ``z = -/+ c`` with
``c = |qt(a/2, df)| sqrt(V_design / V_model)``; the limits are ``expit`` of those.
This module reproduces those steps, grid and spline included.
"""

from __future__ import annotations

import math

import numpy as np

from .intervals import _special, t_quantile

__all__ = ["likelihood_interval"]


def _fmm(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R's ``fmm_spline`` coefficients (splines.c)."""
    n = x.shape[0]
    b = np.zeros(n)
    c = np.zeros(n)
    d = np.zeros(n)
    if n < 3:
        t = (y[1] - y[0]) / (x[1] - x[0])
        return np.full(n, t), c, d
    nm1 = n - 1
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, nm1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0] = -d[0]
    b[nm1] = -d[n - 2]
    c[0] = c[nm1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[nm1] = c[n - 2] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[nm1] = -c[nm1] * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[nm1] = c[nm1] / b[nm1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[nm1] = (y[nm1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1])
    for i in range(nm1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[nm1] = 3.0 * c[nm1]
    d[nm1] = d[n - 2]
    return b, c, d


def _spline(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``spline(x, y)`` (method "fmm", ``n = 3 length(x)``)."""
    n = 3 * x.shape[0]
    b, c, d = _fmm(x, y)
    xout = np.linspace(x[0], x[-1], n)
    i = np.clip(np.searchsorted(x, xout, side="right") - 1, 0, x.shape[0] - 1)
    dx = xout - x[i]
    return xout, y[i] + dx * (b[i] + dx * (c[i] + dx * d[i]))


def _approx(x: np.ndarray, y: np.ndarray, at: float) -> float:
    """R's ``approx(x, y, xout)`` with rule 1 (NaN outside), ties averaged."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    ux, inv = np.unique(xs, return_inverse=True)
    uy = np.bincount(inv, weights=ys) / np.bincount(inv)
    if at < ux[0] or at > ux[-1]:
        return math.nan
    return float(np.interp(at, ux, uy))


def _deviance(y: np.ndarray, w: np.ndarray, mu: float) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(y > 0, y * np.log(y / mu), 0.0)
        b = np.where(y < 1, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
    return float(np.sum(2 * w * (a + b)))


def likelihood_interval(
    y: np.ndarray, w: np.ndarray, se: float, level: float, df: float
) -> tuple[float, float]:
    """The interval for the proportion ``sum(w y) / sum(w)`` of 0/1 values ``y`` with
    design weights ``w`` and design-based SE ``se`` (of the proportion), t on ``df``."""
    from .regression import _irls, _logit_inv

    n = y.shape[0]
    ws = w / w.mean()
    p_mean = float(np.sum(ws * y) / np.sum(ws))
    if not (0 < p_mean < 1) or not se > 0 or not df > 0 or n < 2:
        return math.nan, math.nan
    beta, working, _ = _irls(np.ones((n, 1)), y.astype(np.float64), ws, "quasibinomial")
    b0 = float(beta[0])
    p = float(_logit_inv(np.array([b0]))[0])
    v_design = (se / (p_mean * (1 - p_mean))) ** 2  # the intercept's design variance
    v_model = 1.0 / float(np.sum(working))  # summary.glm's cov.unscaled (R's last weights)
    se_b = math.sqrt(v_design)
    lam = v_design / v_model
    sp = _special()
    q = t_quantile((1 - level) / 2, df)
    alpha = float(sp.ndtr(q * math.sqrt(lam))) / 2
    zmax = math.sqrt(float(sp.fdtri(1, n - 1, 1 - alpha)))
    if not (math.isfinite(zmax) and math.isfinite(se_b) and lam > 0):
        return math.nan, math.nan
    # summary.svyglm's dispersion: svyvar of the Pearson residuals (n / (n - 1)); svyglm's
    # Pearson residuals divide the prior weights by the sampling weights: no weight here
    presid = (y - p) / math.sqrt(p * (1 - p))
    centre = float(np.sum(w * presid) / np.sum(w))
    phi = float(np.sum(w * (presid - centre) ** 2) / np.sum(w)) * n / (n - 1)
    dev0 = _deviance(y, ws, p)
    del_ = zmax / 5
    zs = [0.0]
    bs = [b0]
    for sgn in (-1, 1):
        step = 0
        z = 0.0
        while True:
            step += 1
            if not (step < 10 and abs(z) < zmax):
                break
            bi = b0 + sgn * step * del_ * se_b
            mu = float(_logit_inv(np.array([bi]))[0])  # R's clamped inverse link
            zz = (_deviance(y, ws, mu) - dev0) / phi
            zz = max(zz, 0.0)
            z = sgn * math.sqrt(zz)
            zs.append(z)
            bs.append(bi)
    order = np.argsort(np.asarray(zs), kind="stable")
    zarr = np.asarray(zs)[order]
    barr = np.asarray(bs)[order]
    if not (np.isfinite(zarr).all() and np.isfinite(barr).all()):
        return math.nan, math.nan  # a profile R could not draw either
    sx, sy = _spline(barr, zarr)
    cut = -q * math.sqrt(lam)  # qnorm(unscaled level) = qt(a/2) sqrt(lambda), negated
    lo = _approx(sy, sx, -cut)
    hi = _approx(sy, sx, cut)

    def expit(v: float) -> float:
        if not math.isfinite(v):
            return math.nan
        return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))

    return expit(lo), expit(hi)
