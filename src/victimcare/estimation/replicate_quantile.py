"""Quantiles on replicate designs, R's ``svyquantile`` on a ``svyrep.design`` with
``interval.type="mean"`` (Woodruff): see ``ReplicateDesign.quantile``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .errors import DesignError
from .intervals import critical_value, reference_df
from .memory import column_values, domain_codes
from .quantile import QRULES, RULES, parse_quantiles
from .replicate import _rank
from .replicate_columns import as_tuple
from .results import Estimate, Estimates

if TYPE_CHECKING:
    from .replicate import ReplicateDesign

__all__ = ["replicate_quantiles"]


def replicate_quantiles(
    design: ReplicateDesign,
    y: str,
    quantiles: float | str | Sequence[float] = 0.5,
    by: str | Sequence[str] | None = None,
    *,
    qrule: str = "math",
    level: float = 0.95,
    df: str | float = "design",
) -> Estimates:
    """Quantiles with Woodruff intervals (R's ``svyquantile`` on a replicate design,
    ``interval.type="mean"``): the replicate variance of the proportion below the
    estimate, its interval mapped back through the rule."""
    if qrule not in RULES:
        raise DesignError(f"qrule must be one of {', '.join(QRULES)}, not {qrule!r}")
    if not 0 < level < 1:
        raise DesignError(f"level must be between 0 and 1, not {level}")
    try:
        reference_df(df, 1)
    except ValueError as exc:
        raise DesignError(str(exc)) from None
    ps = parse_quantiles(quantiles)
    rule = RULES[qrule]
    values = column_values(design.cols, y, "y", binary=False)
    by_cols = as_tuple(by)
    for c in by_cols:
        design.cols.require(c, "by")
    dom, labels, _ = domain_codes(design.cols, by_cols)
    out: list[Estimate] = []
    notes = [*design.notes, design._describe()]
    for d, label in enumerate(labels):
        used = (dom == d) & ~np.isnan(values)
        by_dict = dict(zip(by_cols, label, strict=True))
        x, w, rw = values[used], design.pweights[used], design.analysis[used]
        design_df = _rank(rw) - 1
        ref_df = reference_df(df, design_df)
        crit = critical_value(level, ref_df)
        for p in ps:
            est = se = lo = hi = math.nan
            note = ""
            if x.size and (w > 0).any():
                est = rule(x, w, p)
                z = (x <= est).astype(np.float64)
                phat = float(w @ z) / float(w.sum())
                with np.errstate(divide="ignore", invalid="ignore"):
                    reps = (rw.T @ z) / rw.sum(axis=0)
                v = (
                    0.0
                    if design.census(used)
                    else float(design._var(reps[:, None], np.array([phat]))[0])
                )
                se_p = math.sqrt(max(v, 0.0))
                lo_p, hi_p = phat - crit * se_p, phat + crit * se_p
                lo = rule(x, w, lo_p) if math.isfinite(lo_p) and lo_p >= 0 else math.nan
                hi = rule(x, w, hi_p) if math.isfinite(hi_p) and hi_p <= 1 else math.nan
                se = (hi - lo) / (2 * crit) if math.isfinite(crit) else math.nan
                if not (math.isfinite(lo) and math.isfinite(hi)):
                    note = "an interval limit is undefined (as R)"
                elif hi <= lo:
                    note = "the interval has zero width: none is shown"
                    lo = hi = se = math.nan
            else:
                note = f"no rows with a value of {y}: no quantile"
            if note:
                where = ", ".join(f"{k}={v}" for k, v in by_dict.items())
                notes.append(f"{where + ', ' if where else ''}quantile {p:g}: {note}")
            out.append(
                Estimate(
                    by=by_dict,
                    n=int(x.size),
                    estimate=est,
                    se=se,
                    ci_low=lo,
                    ci_high=hi,
                    df=int(design_df),
                    deff=math.nan,
                    stat="quantile",
                    variable=y,
                    method=f"woodruff ({qrule})",
                    level=level,
                    distribution="normal" if math.isinf(ref_df) else "t",
                    reference_df=ref_df,
                    note=note,
                    quantile=p,
                )
            )
    return Estimates(rows=tuple(out), by=by_cols, notes=tuple(notes))
