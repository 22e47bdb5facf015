"""Post-stratification, raking and linear calibration, with R's variance residuals.

Each adjustment returns new weights and a *step* that knows how to residualise influence
values, the way R's ``svyrecvar`` (survey 4.1) does before the stratified variance:

* post-stratification: ``x - psw * g_mean(x * oldw / psw)`` where ``g_mean`` is the
  post-stratum total divided by the post-stratum's old weight total;
* raking: ten sweeps over the margins of ``x - psw * mean_g(x / psw)`` with the plain
  (unweighted) mean of the margin category and each margin's final weights;
* linear (GREG) calibration: ``x`` is replaced by the residual of the weighted regression
  of ``x / w`` on the calibration variables, times ``w`` (``qr.resid`` in R).

The weights follow R exactly: ``postStratify`` rescales each post-stratum to its
population count; ``rake`` iterates post-stratification over the margins until the joint
weighted table of all margin variables moves by less than ``epsilon`` (1 by default, as
R) or ``max_iter`` (10) sweeps; ``calibrate`` solves the linear (chi-square distance)
calibration equations in one step.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import factorize
from .errors import DesignError

__all__ = [
    "CALFUNS",
    "LinearCalibrationStep",
    "PostStratumStep",
    "RakingStep",
    "Step",
    "generalised_calibration",
    "linear_calibration",
    "poststratify_weights",
    "rake_weights",
    "residualise",
    "trim_weights",
]


@dataclass(frozen=True)
class PostStratumStep:
    index: np.ndarray  # post-stratum code per row
    weights: np.ndarray  # weights after the step (psw)
    oldweights: np.ndarray  # weights before


@dataclass(frozen=True)
class RakingStep:
    margins: tuple[PostStratumStep, ...]
    sweeps: int = 10


@dataclass(frozen=True)
class LinearCalibrationStep:
    basis: np.ndarray  # orthonormal basis of the column space of mm * sqrt(w_before)
    w: np.ndarray  # g * sqrt(w_before)


Step = PostStratumStep | RakingStep | LinearCalibrationStep


def _group_mean(values: np.ndarray, index: np.ndarray, k: int) -> np.ndarray:
    counts = np.bincount(index, minlength=k).astype(np.float64)
    out = np.zeros((k, values.shape[1]))
    for c in range(values.shape[1]):
        out[:, c] = np.bincount(index, weights=values[:, c], minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        return out / counts[:, None]


def residualise(x: np.ndarray, steps: Sequence[Step]) -> np.ndarray:
    """Apply R's residualisation for each calibration step in order to ``x`` (n x m)."""
    x = np.array(x, dtype=np.float64, copy=True)
    for step in steps:
        if isinstance(step, LinearCalibrationStep):
            y = x / step.w[:, None]
            y = y - step.basis @ (step.basis.T @ y)
            x = y * step.w[:, None]
        elif isinstance(step, RakingStep):
            for _ in range(step.sweeps):
                for margin in step.margins:
                    psw = margin.weights
                    k = int(margin.index.max()) + 1
                    means = _group_mean(x / psw[:, None], margin.index, k)
                    x = x - psw[:, None] * means[margin.index]
        else:
            psw = step.weights.copy()
            oldw = step.oldweights
            zero = (psw == 0) & (oldw == 0)
            psw[zero] = 1.0
            k = int(step.index.max()) + 1
            tot = np.zeros((k, x.shape[1]))
            scaled = x * (oldw / psw)[:, None]
            for c in range(x.shape[1]):
                tot[:, c] = np.bincount(step.index, weights=scaled[:, c], minlength=k)
            wsum = np.bincount(step.index, weights=oldw, minlength=k)
            with np.errstate(divide="ignore", invalid="ignore"):
                means = tot / wsum[:, None]
            x = x - means[step.index] * psw[:, None]
    return x


def _codes_for(values: Sequence[np.ndarray]) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    """Joint codes of one or more label columns; labels are tuples."""
    codes_list = []
    labels_list = []
    for v in values:
        c, lab = factorize(v)
        if (c < 0).any():
            raise DesignError("post-stratification variables must not have missing values")
        codes_list.append(c)
        labels_list.append(lab)
    key = np.zeros(codes_list[0].shape[0], dtype=np.int64)
    for c, lab in zip(codes_list, labels_list, strict=True):
        key = key * len(lab) + c
    uniq, inv = np.unique(key, return_inverse=True)
    labels: list[tuple[Any, ...]] = []
    for u in uniq:
        parts = []
        rem = int(u)
        for lab in reversed(labels_list):
            parts.append(lab[rem % len(lab)])
            rem //= len(lab)
        labels.append(tuple(reversed(parts)))
    return inv.astype(np.int64), labels


def _norm_key(key: Any, width: int) -> tuple[Any, ...]:
    out = key if isinstance(key, tuple) else (key,)
    if len(out) != width:
        raise DesignError(f"population key {key!r} must give {width} value(s)")
    return tuple(out)


def _match(a: Any, b: Any) -> bool:
    if a == b:
        return True
    return str(a) == str(b)


def poststratify_weights(
    weights: np.ndarray,
    variables: Sequence[np.ndarray],
    names: Sequence[str],
    population: Mapping[Any, float],
    *,
    partial: bool = False,
) -> tuple[np.ndarray, PostStratumStep]:
    """R's ``postStratify``: scale each post-stratum's weights to its population count."""
    index, labels = _codes_for(variables)
    width = len(variables)
    pop_items = [(_norm_key(k, width), float(v)) for k, v in population.items()]
    k = len(labels)
    freq = np.bincount(index, weights=weights, minlength=k)
    pop = np.full(k, np.nan)
    for key, value in pop_items:
        hit = [i for i, lab in enumerate(labels) if all(map(_match, lab, key))]
        if hit:
            pop[hit[0]] = value
        elif value != 0 and not partial:
            raise DesignError(
                f"post-stratum {key!r} of {', '.join(names)} has population {value:g} "
                "but no sample rows (use partial=True to ignore it)"
            )
    missing = np.isnan(pop) | (pop == 0)
    present = freq != 0
    if (missing & present).any():
        lab = labels[int(np.flatnonzero(missing & present)[0])]
        raise DesignError(
            f"post-stratum {lab!r} of {', '.join(names)} is in the sample but has no "
            "population count"
        )
    reweight = pop / freq
    new = weights * reweight[index]
    return new, PostStratumStep(index=index, weights=new, oldweights=weights.copy())


def rake_weights(
    weights: np.ndarray,
    margins: Sequence[tuple[str, np.ndarray, Mapping[Any, float]]],
    *,
    max_iter: int = 10,
    epsilon: float = 1.0,
) -> tuple[np.ndarray, RakingStep, bool, int]:
    """R's ``rake``: iterate post-stratification over the margins.

    Convergence: the joint weighted table of all margin variables changes by less than
    ``epsilon`` (an absolute count; below 1 it is a fraction of the total weight).
    Returns (weights, step, converged, sweeps).
    """
    eps = epsilon * float(weights.sum()) if epsilon < 1 else epsilon
    joint, _ = _codes_for([m[1] for m in margins])
    kj = int(joint.max()) + 1
    old = np.bincount(joint, weights=weights, minlength=kj)
    w = weights
    steps: list[PostStratumStep] = []
    converged = False
    it = 0
    while it < max_iter:
        steps = []
        for name, values, pop in margins:
            w, step = poststratify_weights(w, [values], [name], pop)
            steps.append(step)
        new = np.bincount(joint, weights=w, minlength=kj)
        delta = float(np.max(np.abs(old - new)))
        if delta < eps:
            converged = True
            break
        old = new
        it += 1
    if not converged:
        warnings.warn(f"raking did not converge after {it} iterations", stacklevel=3)
    return w, RakingStep(margins=tuple(steps)), converged, it


def model_matrix(
    n: int,
    categorical: Mapping[str, np.ndarray],
    numeric: Mapping[str, np.ndarray],
    intercept: bool,
) -> tuple[np.ndarray, list[tuple[str, Any]]]:
    """Columns for calibration: intercept, one indicator per category, numeric columns."""
    cols: list[np.ndarray] = []
    names: list[tuple[str, Any]] = []
    if intercept:
        cols.append(np.ones(n))
        names.append(("(Intercept)", None))
    for name, values in categorical.items():
        codes, labels = factorize(values)
        if (codes < 0).any():
            raise DesignError(f"calibration variable {name!r} has missing values", column=name)
        for j, lab in enumerate(labels):
            cols.append((codes == j).astype(np.float64))
            names.append((name, lab))
    for name, values in numeric.items():
        if np.isnan(values).any():
            raise DesignError(f"calibration variable {name!r} has missing values", column=name)
        cols.append(values.astype(np.float64))
        names.append((name, None))
    return np.column_stack(cols) if cols else np.zeros((n, 0)), names


def linear_calibration(
    weights: np.ndarray, mm: np.ndarray, totals: np.ndarray
) -> tuple[np.ndarray, LinearCalibrationStep]:
    """R's ``calibrate(..., calfun="linear")`` (``regcalibrate``): g-weights and the step."""
    ww = weights
    whalf = np.sqrt(ww)
    sample_total = (mm * ww[:, None]).sum(axis=0)
    keep = ~((sample_total == 0) & (totals == 0) & np.all(mm == 0, axis=0))
    mm = mm[:, keep]
    totals = totals[keep]
    sample_total = sample_total[keep]
    mt = mm * whalf[:, None]
    tmat = mt.T @ mt
    rhs = totals - sample_total
    lam, *_ = np.linalg.lstsq(tmat, rhs, rcond=None)
    resid = tmat @ lam - rhs
    scale = max(1.0, float(np.max(np.abs(totals))))
    if np.max(np.abs(resid)) > 1e-6 * scale:
        raise DesignError(
            "calibration totals are inconsistent (e.g. category counts that do not add up "
            "to the same population size)"
        )
    g = 1.0 + mm @ lam
    u, s, _ = np.linalg.svd(mt, full_matrices=False)
    rank = int((s > s.max() * max(mt.shape) * np.finfo(float).eps).sum()) if s.size else 0
    basis = u[:, :rank]
    return weights * g, LinearCalibrationStep(basis=basis, w=g * whalf)


CALFUNS: tuple[str, ...] = ("linear", "raking", "logit")


def _calfun(name: str, u: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """R's ``cal.linear``, ``cal.raking`` and ``cal.logit``: ``F(u) - 1`` and ``F'(u)``."""
    if name == "linear":
        return np.minimum(np.maximum(u + 1, lo), hi) - 1, ((u < hi - 1) & (u > lo - 1)) * 1.0
    if name == "raking":
        with np.errstate(over="ignore"):
            e = np.exp(u)
        return np.minimum(np.maximum(e, lo), hi) - 1, np.where((u < hi - 1) & (u > lo - 1), e, 0.0)
    a = (hi - lo) / ((hi - 1) * (1 - lo))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(a * u)
        den = hi - 1 + (1 - lo) * e
        num = lo * (hi - 1) + hi * (1 - lo) * e
        fm1 = num / den - 1
        df = hi * (1 - lo) * e * a / den - num * ((1 - lo) * e * a) / den**2
    return fm1, df


def generalised_calibration(
    weights: np.ndarray,
    mm: np.ndarray,
    totals: np.ndarray,
    *,
    calfun: str = "linear",
    bounds: tuple[float, float] = (-np.inf, np.inf),
    maxit: int = 50,
    epsilon: float = 1e-7,
) -> tuple[np.ndarray, LinearCalibrationStep]:
    """R's ``calibrate(..., calfun=, bounds=)`` (``grake``): Newton steps on the
    calibration equations with R's start, step halving, rescaling when the totals are
    over 20 times the sample's, stopping rule (every ``|misfit| / (1 + |total|)`` below
    ``epsilon``) and ``maxit``; the variance uses the same regression residuals as the
    linear calibration (R keeps ``qr(mm * sqrt(w))`` and ``g * sqrt(w)``)."""
    if calfun not in CALFUNS:
        raise DesignError(f"calfun must be one of {', '.join(CALFUNS)}, not {calfun!r}")
    lo, hi = float(bounds[0]), float(bounds[1])
    if not lo < 1 < hi:
        raise DesignError(f"calibration bounds must hold 1 (lower < 1 < upper), not {bounds}")
    if calfun == "logit" and not (np.isfinite(lo) and np.isfinite(hi)):
        raise DesignError("logit calibration needs finite bounds, e.g. bounds=(0.5, 2)")
    if calfun == "linear" and not (np.isfinite(lo) or np.isfinite(hi)):
        return linear_calibration(weights, mm, totals)
    ww = weights.astype(np.float64)
    whalf = np.sqrt(ww)
    sample_total = (mm * ww[:, None]).sum(axis=0)
    keep = ~((sample_total == 0) & (totals == 0) & np.all(mm == 0, axis=0))
    mm, totals, sample_total = mm[:, keep], totals[keep], sample_total[keep]
    mt = mm * whalf[:, None]
    eta = np.zeros(mm.shape[1])
    scales = totals / sample_total
    scale = None
    if np.min(scales) > 20:
        scale = float(np.mean(scales))
        ww = ww * scale
        sample_total = sample_total * scale
    xeta = mm @ eta
    fm1, deriv = _calfun(calfun, xeta, lo, hi)
    it = 1
    while True:
        tmat = (mm * (ww * deriv)[:, None]).T @ mm
        misfit = totals - sample_total - (mm * (ww * fm1)[:, None]).sum(axis=0)
        deta = np.linalg.pinv(tmat, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + deta
        xeta = mm @ eta
        fm1, deriv = _calfun(calfun, xeta, lo, hi)
        while it < maxit and not (np.isfinite(fm1).all() and np.isfinite(deriv).all()):
            it += 1
            deta = deta / 2
            eta = eta - deta
            xeta = mm @ eta
            fm1, deriv = _calfun(calfun, xeta, lo, hi)
        misfit = totals - sample_total - (mm * (ww * fm1)[:, None]).sum(axis=0)
        achieved = float(np.max(np.abs(misfit) / (1 + np.abs(totals))))
        if achieved < epsilon:
            break
        it += 1
        if it > maxit:
            raise DesignError(
                f"{calfun} calibration did not converge in {maxit} iterations (largest "
                f"relative misfit {achieved:.3g}); widen the bounds or check the totals"
            )
    g = 1 + fm1
    if scale is not None:
        g = g * scale
    u, s, _ = np.linalg.svd(mt, full_matrices=False)
    rank = int((s > s.max() * max(mt.shape) * np.finfo(float).eps).sum()) if s.size else 0
    return weights * g, LinearCalibrationStep(basis=u[:, :rank], w=g * whalf)


def trim_weights(
    weights: np.ndarray, *, lower: float = -np.inf, upper: float = np.inf, strict: bool = False
) -> np.ndarray:
    """R's ``trimWeights``: weights outside ``[lower, upper]`` are set to the bound and
    the amount trimmed is shared equally among the other rows (``strict``: repeat until
    none is outside)."""
    w = weights.astype(np.float64)
    while True:
        outside = (w < lower) | (w > upper)
        if not outside.any():
            return w
        if outside.all():
            raise DesignError("every weight is outside the trimming bounds")
        new = np.clip(w, lower, upper)
        trimmed = float((w - new).sum())
        new[~outside] += trimmed / int((~outside).sum())
        w = new
        if not strict:
            return w
