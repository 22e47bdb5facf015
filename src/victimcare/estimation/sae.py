"""Area-level small-area estimates: the Fay-Herriot model and its EBLUP.

For ``m`` areas with a direct estimate ``y_i`` of known sampling variance ``psi_i`` and
covariates ``x_i`` (an intercept first)::

    y_i = x_i' beta + v_i + e_i,   v_i ~ N(0, A),   e_i ~ N(0, psi_i)

``A`` (``sigma2_u``) is estimated by REML or ML (Fisher scoring, from the median of the
``psi_i``, truncated at 0) or by the Fay-Herriot moment equation
``sum (y_i - x_i' beta)^2 / (A + psi_i) = m - p``; ``beta`` by weighted least squares
with weights ``1 / (A + psi_i)``. The EBLUP is ``gamma_i y_i + (1 - gamma_i) x_i' beta``
with ``gamma_i = A / (A + psi_i)``.

MSE (Rao and Molina 2015, section 6.2): ``g1 = gamma psi``, ``g2 = (1 - gamma)^2
x' (X' V^-1 X)^-1 x``, ``g3 = psi^2 / (A + psi)^3 Vbar(A)``:

REML  ``g1 + g2 + 2 g3`` (Prasad-Rao) with ``Vbar = 2 / sum (A + psi)^-2``;
ML    the same minus ``b_ML (1 - gamma)^2``, ``b_ML = -tr[(X'V^-1X)^-1 X'V^-2X] /
      sum (A + psi)^-2`` (Datta and Lahiri 2000);
FH    ``Vbar = 2 m / (sum (A + psi)^-1)^2`` and minus ``b_FH (1 - gamma)^2``,
      ``b_FH = 2 [m sum (A + psi)^-2 - (sum (A + psi)^-1)^2] / (sum (A + psi)^-1)^3``
      (Datta, Rao and Smith 2005).

These are ``samplics``' ``EblupAreaModel`` quantities (checked against it, see
``tests/estimation/test_sae.py``). No Django, no other victimcare package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import Columns, python_value
from .errors import DesignError, NotEnoughDataError, describe_rows

__all__ = ["SAE_METHODS", "AreaEstimate", "FayHerriot", "fay_herriot"]

SAE_METHODS: tuple[str, ...] = ("reml", "ml", "fh")


@dataclass(frozen=True)
class AreaEstimate:
    """One area: its direct estimate and variance, the EBLUP, its MSE and ``gamma``."""

    area: Any
    direct: float
    variance: float
    eblup: float
    mse: float
    gamma: float
    synthetic: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "area": python_value(self.area),
            "direct": self.direct,
            "variance": self.variance,
            "eblup": self.eblup,
            "mse": self.mse,
            "gamma": self.gamma,
            "synthetic": self.synthetic,
        }


@dataclass(frozen=True)
class FayHerriot:
    """The fitted model: ``sigma2_u`` (A), ``beta`` (named), per-area estimates."""

    method: str
    sigma2_u: float
    beta: tuple[tuple[str, float], ...]
    areas: tuple[AreaEstimate, ...]
    iterations: int
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "sigma2_u": self.sigma2_u,
            "beta": dict(self.beta),
            "iterations": self.iterations,
            "areas": [a.as_dict() for a in self.areas],
            "notes": list(self.notes),
        }


def _wls(x: np.ndarray, y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """beta and (X' V^-1 X)^-1 for diagonal V."""
    xtv = x.T / v
    inv = np.linalg.inv(xtv @ x)
    return inv @ (xtv @ y), inv


def _fit(
    y: np.ndarray, x: np.ndarray, psi: np.ndarray, method: str, tol: float, maxiter: int
) -> tuple[float, int, bool]:
    m, p = x.shape
    a = float(np.median(psi))
    for it in range(1, maxiter + 1):
        v = a + psi
        beta, inv = _wls(x, y, v)
        r = y - x @ beta
        if method == "fh":
            h = float(np.sum(r * r / v))
            step = (h - (m - p)) / float(np.sum(r * r / (v * v)))
        elif method == "ml":
            score = -0.5 * float(np.sum(1 / v)) + 0.5 * float(np.sum(r * r / (v * v)))
            step = score / (0.5 * float(np.sum(1 / (v * v))))
        else:
            vinv = np.diag(1 / v)
            proj = vinv - (x / v[:, None]) @ inv @ (x.T / v)
            py = proj @ y
            score = -0.5 * float(np.trace(proj)) + 0.5 * float(py @ py)
            step = score / (0.5 * float(np.sum(proj * proj.T)))
        new = max(a + step, 0.0)
        if abs(new - a) <= tol * abs(a) or new == a:
            return new, it, True
        a = new
    return a, maxiter, False


def fay_herriot(
    data: Any,
    *,
    area: str,
    direct: str,
    variance: str,
    covariates: Sequence[str] | str = (),
    method: str = "reml",
    tol: float = 1e-12,
    maxiter: int = 200,
    sigma2_u: float | None = None,
) -> FayHerriot:
    """Fit the Fay-Herriot model to one row per area (see the module docstring).

    ``data``: columns as for ``Design``; ``area`` names the areas, ``direct`` holds the
    direct estimates, ``variance`` their sampling variances (positive), ``covariates``
    the model's columns (an intercept is added). Raises ``DesignError`` (one line) for
    missing or non-numeric values, a non-positive variance, repeated areas or fewer
    areas than coefficients plus one. ``sigma2_u`` fixes the random-effect variance
    instead of estimating it (the MSE's corrections still follow ``method``).
    """
    method = method.lower()
    if method not in SAE_METHODS:
        raise DesignError(f"method must be one of {', '.join(SAE_METHODS)}, not {method!r}")
    cols = data if isinstance(data, Columns) else Columns(data)
    covs = (
        [c.strip() for c in covariates.split(",")]
        if isinstance(covariates, str)
        else list(covariates)
    )
    covs = [c for c in covs if c]
    names = cols.require(area, "area")
    if cols.missing(area, "area").any():
        phrase, rows = describe_rows(cols.missing(area, "area"))
        raise DesignError(
            f"area column {area!r} has missing values at {phrase}", column=area, rows=rows
        )
    y = cols.numeric(direct, "direct", allow_missing=False)
    psi = cols.numeric(variance, "variance", allow_missing=False)
    bad = ~(psi > 0) | ~np.isfinite(psi)
    if bad.any():
        phrase, rows = describe_rows(bad)
        i = int(np.flatnonzero(bad)[0])
        raise DesignError(
            f"variance column {variance!r} must be positive; area {python_value(names[i])!r} "
            f"({phrase}) has {psi[i]:g}",
            column=variance,
            rows=rows,
        )
    labels = [python_value(v) for v in names]
    if len(set(map(str, labels))) != len(labels):
        raise DesignError(
            f"area column {area!r} repeats an area: give one row per area", column=area
        )
    x = np.column_stack(
        [np.ones(cols.n)] + [cols.numeric(c, "covariate", allow_missing=False) for c in covs]
    )
    m, p = x.shape
    if m < p + 1:
        raise NotEnoughDataError(
            f"{m} area(s) for {p} coefficient(s): the model needs at least {p + 1}"
        )
    if np.linalg.matrix_rank(x) < p:
        raise DesignError("the covariates are collinear (with the intercept or each other)")
    if sigma2_u is None:
        a, iterations, converged = _fit(y, x, psi, method, tol, maxiter)
    else:
        if not sigma2_u >= 0:
            raise DesignError(f"sigma2_u must be zero or positive, not {sigma2_u}")
        a, iterations, converged = float(sigma2_u), 0, True
    notes: list[str] = []
    if not converged:
        notes.append(f"sigma2_u did not converge in {maxiter} iterations")
    if a == 0.0:
        notes.append("sigma2_u is 0: the EBLUPs are the synthetic (regression) estimates")
    v = a + psi
    beta, inv = _wls(x, y, v)
    synthetic = x @ beta
    gamma = a / v
    eblup = gamma * y + (1 - gamma) * synthetic
    g1 = gamma * psi
    g2 = (1 - gamma) ** 2 * np.einsum("ij,jk,ik->i", x, inv, x)
    s1, s2 = float(np.sum(1 / v)), float(np.sum(1 / (v * v)))
    if method == "fh":
        vbar = 2 * m / s1**2
        bias = 2 * (m * s2 - s1**2) / s1**3
    else:
        vbar = 2 / s2
        bias = 0.0
        if method == "ml":
            bias = -float(np.trace(inv @ ((x.T / (v * v)) @ x))) / s2
    g3 = psi**2 / v**3 * vbar
    mse = g1 + g2 + 2 * g3 - bias * (1 - gamma) ** 2
    areas = tuple(
        AreaEstimate(
            area=labels[i],
            direct=float(y[i]),
            variance=float(psi[i]),
            eblup=float(eblup[i]),
            mse=float(mse[i]),
            gamma=float(gamma[i]),
            synthetic=float(synthetic[i]),
        )
        for i in range(m)
    )
    terms = ["(Intercept)", *covs]
    return FayHerriot(
        method=method,
        sigma2_u=float(a),
        beta=tuple((t, float(b)) for t, b in zip(terms, beta, strict=True)),
        areas=areas,
        iterations=iterations,
        notes=tuple(notes),
    )
