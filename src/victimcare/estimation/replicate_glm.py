"""Survey regression on replicate designs, R's ``svyglm`` on a ``svyrep.design``.

The coefficients are the fit with the sampling weights (R's ``glm.fit``, see
``regression``); each replicate refits the model with its analysis weights from those
coefficients (to the exact optimum: Newton steps until the coefficients stop moving,
where R stops at glm's deviance criterion from the same start) and the covariance is
R's ``svrVar`` of the replicate coefficients. ``df.residual`` is R's: the design's
``degf`` + 1 - the number of coefficients. Rows with a missing model value are left
out (R's ``na.action``). No ``by`` domains and no marginal effects here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .errors import DesignError
from .formula import build_model_matrix, check_columns, parse_formula, term_missing
from .intervals import reference_df
from .regression import (
    FAMILIES,
    ModelDataError,
    ModelError,
    Regression,
    _check_rank,
    _inference,
    _irls,
    _logit_inv,
    _outcome,
)

if TYPE_CHECKING:
    from .replicate import ReplicateDesign

__all__ = ["replicate_glm"]


def _refit(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, start: np.ndarray, family: str
) -> np.ndarray:
    """The weighted (quasi-)likelihood optimum from ``start``."""
    if family == "gaussian":
        xtw = x.T * w
        return np.asarray(np.linalg.solve(xtw @ x, xtw @ y))
    beta = start.copy()
    for _ in range(100):
        eta = x @ beta
        mu = _logit_inv(eta)
        var = np.maximum(mu * (1 - mu), 1e-300)
        z = eta + (y - mu) / var
        xtw = x.T * (w * var)
        new = np.linalg.solve(xtw @ x, xtw @ z)
        if np.max(np.abs(new - beta)) <= 1e-13 * (1 + np.max(np.abs(new))):
            return np.asarray(new)
        beta = new
    return np.asarray(beta)


def replicate_glm(
    design: ReplicateDesign,
    formula: str,
    family: str = "gaussian",
    *,
    level: float = 0.95,
    df: str | float = "design",
) -> Regression:
    """R's ``svyglm(formula, design, family)`` on a replicate design."""
    if family not in FAMILIES:
        raise ModelError(f"family must be one of {', '.join(FAMILIES)}, not {family!r}")
    if not 0 < level < 1:
        raise DesignError(f"level must be between 0 and 1, not {level}")
    cols = design.cols
    f = parse_formula(formula)
    check_columns(f, cols)
    rows = np.flatnonzero(~term_missing(f, cols))
    if rows.size == 0:
        raise ModelDataError(f"formula {f.text!r}: no rows without missing values")
    y, ynote = _outcome(cols, f, rows, family)
    mm = build_model_matrix(f, cols, rows)
    if mm.x.shape[1] == 0:
        raise ModelError(f"formula {f.text!r} has no terms and no intercept")
    pw = design.pweights[rows]
    _check_rank(mm, pw, f)
    beta, _, warnings = _irls(mm.x, y, pw / pw.mean(), family)
    p = mm.x.shape[1]
    if design.census(np.ones(cols.n, dtype=bool)):
        vcov = np.zeros((p, p))  # R: all(design$selfrep) gives a zero covariance
    else:
        analysis = design.analysis[rows]
        betas = np.array(
            [_refit(mm.x, y, analysis[:, r], beta, family) for r in range(design.n_replicates)]
        )
        keep = np.isfinite(betas).all(axis=1)
        t, rs = betas[keep], design.rscales[keep]
        centre = beta if design.mse else np.mean(t[rs > 0], axis=0)
        dev = (t - centre) * np.sqrt(rs)[:, None]
        vcov = design.scale * (dev.T @ dev)
    df_resid = design.degf() + 1 - p
    ref_df = reference_df(df, df_resid)
    se = np.sqrt(np.maximum(np.diag(vcov), 0.0))
    notes = [*design.notes, *warnings]
    if ynote:
        notes.append(ynote)
    missing = design.cols.n - rows.size
    if missing:
        notes.append(f"{missing} row(s) with a missing value in {', '.join(f.columns)} left out")
    if df_resid <= 0 and not math.isinf(ref_df):
        notes.append(f"residual degrees of freedom are {df_resid}: no t test or interval")
    return Regression(
        formula=f.text,
        family=family,
        coefficients=tuple(
            _inference(mm.columns[k], float(beta[k]), float(se[k]), level, ref_df) for k in range(p)
        ),
        df=int(df_resid),
        design_df=design.degf(),
        n=int(rows.size),
        level=level,
        reference_df=ref_df,
        vcov=vcov,
        notes=tuple(notes),
    )
