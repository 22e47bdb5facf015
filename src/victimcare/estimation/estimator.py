"""Estimators of a ``Design``: the one aggregation, point estimates, Taylor variances,
design effects, intervals and notes (R's ``svymean``, ``svytotal``, ``svyratio``,
``svyciprop``, ``svyby``). ``Design`` calls these; ``compare`` uses ``prepare`` and
``covariance`` through it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .calibration import residualise
from .errors import DesignError, NotEnoughDataError
from .intervals import PROPORTION_METHODS, mean_interval, proportion_interval, reference_df
from .results import Estimate, Estimates
from .sums import CellSums, DesignInfo, needed_terms
from .variance import Moments, design_variance, moments_from_cells, moments_from_rows

if TYPE_CHECKING:
    from .design import Design

__all__ = ["Prepared", "covariance", "estimates", "prepare", "run", "srs_variance"]


def as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """Column names from None, one name, "a,b" or a sequence."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",")) if "," in value else (value,)
    return tuple(value)


@dataclass(frozen=True)
class Prepared:
    """Everything about one estimator call that comparisons and tests need."""

    stat: str
    cells: CellSums
    theta: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    weight_total: np.ndarray
    n: np.ndarray
    n_rows: np.ndarray
    degf: np.ndarray
    n_by_missing: int
    a: str | None
    b: str | None
    by: tuple[str, ...]


def prepare(
    design: Design,
    stat: str,
    y: str | None,
    x: str | None = None,
    by: str | Sequence[str] | None = None,
    *,
    na_rm: bool = True,
    deff: bool = True,
) -> Prepared:
    """Run the one aggregation for an estimator and derive point estimates."""
    by_cols = as_tuple(by)
    names = set(design._backend.column_names())
    for col, role in [(y, "y"), (x, "x")] + [(c, "by") for c in by_cols]:
        if col is not None and col not in names:
            shown = ", ".join(sorted(names)[:12])
            raise DesignError(f"{role} column {col!r} not found; columns are: {shown}", column=col)
    binary = stat == "proportion"
    level = design.info.level
    terms = needed_terms(level, deff=deff, b_is_one=x is None, a_binary=binary or y is None)
    cells, n_by_missing = design._backend.aggregate(
        a=y, b=x, by=by_cols, binary=binary, terms=terms, weights=design._weights
    )
    k = cells.n_domains
    sa = cells.per_domain(cells.term(1, 1, 0))
    sb = cells.per_domain(cells.term(1, 0, 1))
    wt = cells.per_domain(cells.term(1, 0, 0))
    n = np.bincount(cells.domain, weights=cells.n, minlength=k).astype(np.int64)
    n_rows = np.bincount(cells.domain, weights=cells.n_rows, minlength=k).astype(np.int64)
    if not na_rm and (n != n_rows).any():
        raise DesignError(
            f"y column {y!r} has missing values; pass na_rm=True to leave them out "
            "(as R's na.rm=TRUE)",
            column=y,
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        if stat == "total":
            theta = sa
            alpha = np.ones(k)
            beta = np.zeros(k)
        else:
            theta = sa / sb
            alpha = 1.0 / sb
            beta = -theta / sb
    degf = domain_degf(design.info, cells)
    return Prepared(
        stat=stat,
        cells=cells,
        theta=theta,
        alpha=alpha,
        beta=beta,
        weight_total=wt,
        n=n,
        n_rows=n_rows,
        degf=degf,
        n_by_missing=n_by_missing,
        a=y,
        b=x,
        by=by_cols,
    )


def domain_degf(info: DesignInfo, cells: CellSums) -> np.ndarray:
    """R's ``degf`` of each domain: PSUs minus strata holding domain rows."""
    k = cells.n_domains
    has = cells.n_rows > 0
    dom = cells.domain[has]
    if cells.level == "element":
        psus = np.bincount(dom, weights=cells.n_rows[has], minlength=k)
        strata_pairs = np.unique(dom * info.n_strata + cells.stratum[has])
    else:
        if not (cells.psu is not None):
            raise RuntimeError("internal error: inconsistent design structure")
        npsu = len(info.psus or ())
        pairs = np.unique(dom * npsu + cells.psu[has])
        psus = np.bincount(pairs // npsu, minlength=k)
        strata_pairs = np.unique(dom * info.n_strata + cells.stratum[has])
    strata = np.bincount(strata_pairs // info.n_strata, minlength=k)
    return (psus - strata).astype(np.int64)


def covariance(
    design: Design,
    prep: Prepared,
    estimand_domains: Sequence[int] | None = None,
    *,
    full: bool = False,
) -> np.ndarray:
    """Variances (or covariance matrix) of the estimates of the given domains."""
    k = prep.cells.n_domains
    doms = np.arange(k) if estimand_domains is None else np.asarray(estimand_domains)
    m = doms.shape[0]
    if design._steps:
        mom = row_moments(design, prep, doms, full=full)
    else:
        e_of_d = np.full(k, -1, dtype=np.int64)
        e_of_d[doms] = np.arange(m)
        mom = moments_from_cells(
            design.info, prep.cells, e_of_d, prep.alpha[doms], prep.beta[doms], full=full
        )
    return design_variance(design.info, mom, design.spec.lonely_psu)


def row_moments(design: Design, prep: Prepared, doms: np.ndarray, *, full: bool) -> Moments:
    backend = design._backend
    a = (
        np.ones(backend.cols.n)
        if prep.a is None
        else backend.values(prep.a, "y", binary=prep.stat == "proportion")
    )
    b = np.ones(backend.cols.n) if prep.b is None else backend.values(prep.b, "x", binary=False)
    ok = ~np.isnan(a) & ~np.isnan(b)
    dom, _, _ = backend.domains(prep.by)
    w = design.weights
    a0 = np.where(ok, a, 0.0)
    b0 = np.where(ok, b, 0.0)
    x = np.zeros((a.shape[0], doms.shape[0]))
    for j, d in enumerate(doms):
        sel = ok & (dom == d)
        x[:, j] = np.where(sel, w * (prep.alpha[d] * a0 + prep.beta[d] * b0), 0.0)
    x = residualise(x, design._steps)
    return moments_from_rows(design.info, backend.rows, x, full=full)


def srs_variance(prep: Prepared, *, replace: bool = False) -> np.ndarray:
    """Variance under simple random sampling without replacement (R's ``deff=TRUE``),
    or with replacement (``replace``, R's ``deff="replace"``: no ``(N - n) / N``)."""
    cells = prep.cells
    wt = prep.weight_total
    n = prep.n.astype(np.float64)
    waa = cells.per_domain(cells.term(1, 2, 0))
    wab = cells.per_domain(cells.term(1, 1, 1))
    wbb = cells.per_domain(cells.term(1, 0, 2))
    sa = cells.per_domain(cells.term(1, 1, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = n / (n - 1.0)
        if prep.stat == "ratio":
            t = prep.theta
            d = cells.per_domain(cells.term(1, 0, 1))
            svyvar = corr * (waa - 2 * t * wab + t * t * wbb) / (d * d) / wt
            vsrs = svyvar * wt * wt / n if replace else svyvar * wt * wt * (wt - n) / (wt * n)
        else:
            svyvar = corr * (waa - sa * sa / wt) / wt
            # no variation in the domain (e.g. a proportion of 0 or 1): rounding only
            svyvar = np.where(np.abs(svyvar) <= 1e-12 * np.abs(waa / wt), 0.0, svyvar)
            if replace:
                vsrs = svyvar * wt * wt / n if prep.stat == "total" else svyvar / n
            elif prep.stat == "total":
                vsrs = svyvar * wt * wt * (wt - n) / (wt * n)
            else:
                vsrs = np.where(wt < n, np.nan, svyvar * (wt - n) / (wt * n))
    return np.where((vsrs == 0) | (n <= 1), np.nan, vsrs)


def run(
    design: Design,
    stat: str,
    y: str,
    x: str | None,
    by: str | Sequence[str] | None,
    method: str,
    level: float,
    df: str | float,
    na_rm: bool,
    *,
    deff: bool | str = True,
) -> Estimate | Estimates:
    if not 0 < level < 1:
        raise DesignError(f"level must be between 0 and 1, not {level}")
    if deff not in (True, False, "replace"):
        raise DesignError(f"deff must be True, False or 'replace', not {deff!r}")
    prep = prepare(design, stat, y, x, by, na_rm=na_rm)
    var = covariance(design, prep)
    se = np.sqrt(np.maximum(var, 0.0))
    vsrs = srs_variance(prep, replace=deff == "replace")
    if deff is False:
        vsrs = np.full_like(var, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        deffs = var / vsrs
    try:
        reference_df(df, 1)
    except ValueError as exc:
        raise DesignError(str(exc)) from None
    rows = []
    interval_notes: list[str] = []
    lik = None
    if stat == "proportion" and method == "likelihood":
        backend = design._memory_backend("the likelihood interval")
        lik = (
            backend.values(y, "y", binary=True),
            backend.domains(prep.by)[0],
            design.weights,
        )
    for d, label in enumerate(prep.cells.domains):
        design_df = int(prep.degf[d])
        ref_df = reference_df(df, design_df)
        n_used = int(prep.n[d])
        est = float(prep.theta[d]) if n_used else math.nan
        s = float(se[d]) if n_used else math.nan
        if lik is not None:
            from .profile import likelihood_interval

            vals, doms, wts = lik
            use = (doms == d) & ~np.isnan(vals) & (wts > 0)
            lo, hi = likelihood_interval(vals[use], wts[use], s, level, ref_df)
        elif stat == "proportion":
            lo, hi = proportion_interval(
                est, s, level, ref_df, method, n_rows=int(prep.n_rows[d]), design_df=design_df
            )
        else:
            lo, hi = mean_interval(est, s, level, ref_df)
        by_dict = dict(zip(prep.by, label, strict=True))
        note = _interval_note(stat, y, est, s, lo, hi, n_used, ref_df, design_df)
        if note and s == 0.0:
            lo = hi = math.nan  # a zero-width "interval" is not an interval
        if note:
            where = ", ".join(f"{k}={_show(v)}" for k, v in by_dict.items())
            note = f"{where}: {note}" if where else note
            interval_notes.append(note)
        rows.append(
            Estimate(
                by=by_dict,
                n=n_used,
                estimate=est,
                se=s,
                ci_low=float(lo),
                ci_high=float(hi),
                df=design_df,
                deff=float(deffs[d]) if n_used else math.nan,
                stat=stat,
                variable=y if x is None else f"{y}/{x}",
                method=method,
                level=level,
                distribution="normal" if math.isinf(ref_df) else "t",
                n_missing=int(prep.n_rows[d] - prep.n[d]),
                weight_total=float(prep.weight_total[d]),
                reference_df=ref_df,
                note=note or "",
            )
        )
    notes = list(design.notes)
    missing = int((prep.n_rows - prep.n).sum())
    if missing:
        cols = y if x is None else f"{y} or {x}"
        notes.append(
            f"{missing} row(s) with a missing {cols} left out, as R's na.rm=TRUE does "
            "(they still count towards PSUs and degrees of freedom)"
        )
    if prep.n_by_missing:
        notes.append(
            f"{prep.n_by_missing} row(s) with a missing {', '.join(prep.by)} belong to no domain"
        )
    notes += interval_notes
    if not prep.by:
        if not rows:
            raise NotEnoughDataError("no rows to estimate from")
        return rows[0]
    return Estimates(rows=tuple(rows), by=prep.by, notes=tuple(notes))


def estimates(
    design: Design,
    stat: str,
    y: str,
    *,
    x: str | None = None,
    by: str | Sequence[str] | None = None,
    ci: str | None = None,
    level: float = 0.95,
    df: str | float = "design",
    na_rm: bool = True,
    deff: bool | str = True,
) -> Estimates:
    """Any estimator as a table (also without ``by``), with notes: the CLI's entry."""
    method = ci or ("logit" if stat == "proportion" else "wald")
    if stat != "proportion" and method != "wald":
        raise DesignError(f"interval method {method!r} applies to proportions only")
    if stat == "proportion" and method not in PROPORTION_METHODS:
        raise DesignError(f"ci must be one of {', '.join(PROPORTION_METHODS)}")
    if stat == "ratio" and x is None:
        raise DesignError("a ratio needs x (the denominator column)")
    if stat not in ("mean", "total", "proportion", "ratio"):
        raise DesignError(f"unknown statistic {stat!r}")
    by_cols = as_tuple(by)
    res = run(design, stat, y, x, by_cols or None, method, level, df, na_rm, deff=deff)
    if isinstance(res, Estimates):
        return res
    notes = list(design.notes)
    prep_missing = res.n_missing
    if prep_missing:
        cols = y if x is None else f"{y} or {x}"
        notes.append(
            f"{prep_missing} row(s) with a missing {cols} left out, as R's na.rm=TRUE does "
            "(they still count towards PSUs and degrees of freedom)"
        )
    if res.note:
        notes.append(res.note)
    return Estimates(rows=(res,), by=(), notes=tuple(notes))


def _show(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return repr(v) if isinstance(v, str) and v == "" else str(v)


def _interval_note(
    stat: str,
    y: str,
    est: float,
    se: float,
    lo: float,
    hi: float,
    n: int,
    ref_df: float,
    design_df: int,
) -> str | None:
    """Why an estimate has no (or only a degenerate) interval; None when it has one."""
    if n == 0:
        return f"no rows with a value of {y}: no estimate, SE or interval"
    if math.isfinite(lo) and math.isfinite(hi) and hi > lo:
        return None
    if not math.isfinite(se):
        return "the SE is undefined: no interval"
    if se == 0.0:
        return (
            "the SE is 0 (a single row or PSU, no variation, or a census): no interval is "
            "shown, as a zero-width interval would claim certainty"
        )
    if not ref_df > 0:
        return (
            f"the design has {design_df} degrees of freedom here (PSUs minus strata): no t "
            "interval; df='inf' gives a normal one"
        )
    if stat == "proportion" and est in (0.0, 1.0):
        return f"the proportion is {est:g}: this interval method defines no interval there"
    return "no interval could be computed"
