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
    "LinearCalibrationStep",
    "PostStratumStep",
    "RakingStep",
    "Step",
    "linear_calibration",
    "poststratify_weights",
    "rake_weights",
    "residualise",
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
