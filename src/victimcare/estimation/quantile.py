"""Quantiles with Woodruff intervals, as R's ``svyquantile(..., ci=TRUE)`` (survey 4.1).

The estimate is a *quantile rule* applied to the values and weights of the rows used
(rows of weight 0 left out, as R):

``math`` (R's default ``qrule="math"``): sort the values, cumulate the weights
    ``C_k``; with ``k`` the last position where ``C_k <= p W`` (the first if none), the
    value at ``k`` when ``p W`` equals ``C_k`` exactly, else the next value. (R's rule,
    kept as it is for parity: when ``p W`` is below the first weight it gives the second
    smallest value.)
``hf7`` (``qrule="hf7"``): linear interpolation of the sorted values at ``p`` on the
    grid ``(0, C_1, ..., C_{n-1}) / C_{n-1}`` (R's weighted Hyndman-Fan type 7).

The interval (R's ``interval.type="mean"``, Woodruff 1952): the proportion ``p^`` of
rows (weighted) whose value is at most the estimate, with its design-based SE; the
interval ``p^ +/- t se`` on the proportion scale is mapped back through the same rule
(a limit below 0 or above 1 gives NaN). The reported SE is the interval's width over
``2 t`` (R's). ``t`` is on the design df of the rows used (R's ``degf`` after
``na.rm``), or ``df`` when given. Domains are R's ``svyquantile`` on
``subset(design, ...)``: domain rows only, ``n_h`` of the whole design.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .calibration import residualise
from .errors import DesignError
from .intervals import critical_value, reference_df
from .results import Estimate, Estimates
from .variance import design_variance, moments_from_rows

if TYPE_CHECKING:
    from .design import Design

__all__ = ["QRULES", "parse_quantiles", "qrule_hf7", "qrule_math", "quantiles"]

QRULES: tuple[str, ...] = ("math", "hf7")


def parse_quantiles(values: float | str | Sequence[float | str]) -> tuple[float, ...]:
    """Quantiles as floats strictly between 0 and 1 (a DesignError otherwise)."""
    if isinstance(values, str):
        items: list[Any] = [v for v in values.split(",") if v.strip()]
    elif isinstance(values, int | float):
        items = [values]
    else:
        items = list(values)
    if not items:
        raise DesignError("give at least one quantile, e.g. 0.5")
    out = []
    for v in items:
        try:
            q = float(v)
        except (TypeError, ValueError):
            raise DesignError(f"quantile {str(v).strip()!r} is not a number") from None
        if not 0 < q < 1:
            raise DesignError(
                f"quantile {str(v).strip()} is outside (0, 1); give e.g. 0.25,0.5,0.9"
            )
        out.append(q)
    return tuple(out)


def _sorted(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    keep = w != 0
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")  # R's order(): ties keep their row order
    xs = x[order]
    # R's cumsum() and sum() accumulate in long double and round each result to double:
    # with equal weights p W and a cumulative weight tie exactly only when summed so
    cumw = np.cumsum(w[order].astype(np.longdouble)).astype(np.float64)
    total = float(np.cumsum(w.astype(np.longdouble))[-1]) if w.size else 0.0
    return xs, cumw, total


def qrule_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """R's ``qrule_math`` (see the module docstring)."""
    xs, cumw, total = _sorted(x, w)
    below = np.flatnonzero(cumw <= p * total)
    pos = int(below[-1]) if below.size else 0
    nxt = pos if pos == xs.shape[0] - 1 else pos + 1
    return float(xs[pos] if p - cumw[pos] / total == 0 else xs[nxt])


def qrule_hf7(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """R's ``qrule_hf7`` (see the module docstring)."""
    xs, cumw, _ = _sorted(x, w)
    n = xs.shape[0]
    if n < 2:
        return float(xs[0]) if n else math.nan
    pk = np.concatenate([[0.0], cumw[:-1]]) / cumw[n - 2]
    return float(np.interp(p, pk, xs))


RULES = {"math": qrule_math, "hf7": qrule_hf7}


def quantiles(
    design: Design,
    y: str,
    probs: float | str | Sequence[float | str],
    *,
    by: Sequence[str] = (),
    qrule: str = "math",
    level: float = 0.95,
    df: str | float = "design",
) -> Estimates:
    """Quantiles of ``y`` per domain, each with its Woodruff interval and SE."""
    if qrule not in RULES:
        raise DesignError(f"qrule must be one of {', '.join(QRULES)}, not {qrule!r}")
    if not 0 < level < 1:
        raise DesignError(f"level must be between 0 and 1, not {level}")
    try:
        reference_df(df, 1)
    except ValueError as exc:
        raise DesignError(str(exc)) from None
    ps = parse_quantiles(probs)
    rule = RULES[qrule]
    backend = design._memory_backend("a quantile")
    values = backend.values(y, "y", binary=False)
    for name in by:
        backend.cols.require(name, "by")
    dom, labels, n_by_missing = backend.domains(tuple(by))
    w_all = design.weights
    rows = backend.rows
    info = design.info
    missing = np.isnan(values)
    out: list[Estimate] = []
    notes = list(design.notes)
    for d, label in enumerate(labels):
        in_dom = dom == d
        used = in_dom & ~missing & (w_all > 0)
        by_dict = dict(zip(by, label, strict=True))
        where = ", ".join(f"{k}={v}" for k, v in by_dict.items())
        n_used = int(used.sum())
        strata = int(np.unique(rows.stratum[used]).shape[0])
        psus = n_used if rows.psu is None else int(np.unique(rows.psu[used]).shape[0])
        design_df = psus - strata
        ref_df = reference_df(df, design_df)
        x = values[used]
        w = w_all[used]
        n_missing = int((in_dom & missing).sum())
        if n_used == 0:
            for p in ps:
                out.append(
                    _row(
                        by_dict,
                        y,
                        p,
                        math.nan,
                        math.nan,
                        math.nan,
                        math.nan,
                        0,
                        design_df,
                        ref_df,
                        level,
                        qrule,
                        n_missing,
                        "",
                    )
                )
            notes.append(f"{where + ': ' if where else ''}no rows with a value of {y}: no quantile")
            continue
        qhat = [rule(x, w, p) for p in ps]
        # the proportion at or below each estimate, and its design-based variance
        wsum = float(np.sum(w))
        infl = np.zeros((values.shape[0], len(ps)))
        phat = np.zeros(len(ps))
        for j, q in enumerate(qhat):
            z = (x <= q).astype(np.float64)
            phat[j] = float(np.sum(w * z)) / wsum  # exactly 1 when every value is below
            infl[used, j] = w * (z - phat[j]) / wsum
        if design.calibrated:
            infl = residualise(infl, design._steps)
            mom = moments_from_rows(info, rows, infl)
        else:
            mom = moments_from_rows(info, rows, infl, used=used)
        var = np.asarray(design_variance(info, mom, design.spec.lonely_psu))
        crit = critical_value(level, ref_df)
        for j, p in enumerate(ps):
            se_p = math.sqrt(max(float(var[j]), 0.0))
            lo_p, hi_p = phat[j] - crit * se_p, phat[j] + crit * se_p
            lo = rule(x, w, lo_p) if math.isfinite(lo_p) and lo_p >= 0 else math.nan
            hi = rule(x, w, hi_p) if math.isfinite(hi_p) and hi_p <= 1 else math.nan
            se = (hi - lo) / (2 * crit) if math.isfinite(crit) else math.nan
            note = ""
            if not (math.isfinite(lo) and math.isfinite(hi)):
                if not ref_df > 0:
                    note = f"the design has {design_df} degrees of freedom here: no t interval"
                else:
                    note = (
                        "the interval for the proportion below the quantile leaves [0, 1]: "
                        "that limit is undefined (as R)"
                    )
            elif hi <= lo:
                note = (
                    "the interval has zero width (no variation near this quantile): none is shown"
                )
                lo = hi = se = math.nan
            if note:
                prefix = f"{where}, " if where else ""
                note = f"{prefix}quantile {p:g}: {note}"
                notes.append(note)
            out.append(
                _row(
                    by_dict,
                    y,
                    p,
                    qhat[j],
                    se,
                    lo,
                    hi,
                    n_used,
                    design_df,
                    ref_df,
                    level,
                    qrule,
                    n_missing,
                    note,
                )
            )
    total_missing = int(missing[dom >= 0].sum())
    if total_missing:
        notes.append(
            f"{total_missing} row(s) with a missing {y} left out, as R's na.rm=TRUE does "
            "(for quantiles they leave the design: df counts only the rows used)"
        )
    if n_by_missing:
        notes.append(f"{n_by_missing} row(s) with a missing {', '.join(by)} belong to no domain")
    return Estimates(rows=tuple(out), by=tuple(by), notes=tuple(notes))


def _row(
    by: dict[str, Any],
    y: str,
    p: float,
    est: float,
    se: float,
    lo: float,
    hi: float,
    n: int,
    design_df: int,
    ref_df: float,
    level: float,
    qrule: str,
    n_missing: int,
    note: str,
) -> Estimate:
    return Estimate(
        by=by,
        n=n,
        estimate=est,
        se=se,
        ci_low=lo,
        ci_high=hi,
        df=design_df,
        deff=math.nan,
        stat="quantile",
        variable=y,
        method=f"woodruff ({qrule})",
        level=level,
        distribution="normal" if math.isinf(ref_df) else "t",
        n_missing=n_missing,
        reference_df=ref_df,
        note=note,
        quantile=p,
    )
