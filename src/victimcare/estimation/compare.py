"""Comparisons between domains or periods, and the design-based chi-square test.

``compare`` gives the difference between two domains' estimates with an SE that includes
their covariance (they may share PSUs, and always share the stratum centring), a t test
on the design df of the two domains together minus one (R's ``svyttest``), and a
plain-English verdict. ``chisq`` is R's ``svychisq`` (Rao-Scott second-order "F", the
default, or first-order "Chisq").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import DesignError, NotEnoughDataError
from .intervals import chi2_sf, critical_value, f_sf, reference_df, t_p_value
from .results import ChiSquareTest, Comparison
from .variance import design_variance, moments_from_cells, moments_from_rows

if TYPE_CHECKING:
    from .design import Design

__all__ = ["chisq", "compare", "verdict_text"]


def _find_domain(domains: Sequence[tuple[Any, ...]], want: Any, by: tuple[str, ...]) -> int:
    key = want if isinstance(want, tuple) else (want,)
    if len(key) != len(by):
        raise DesignError(f"domain {want!r} must give one value for each of {', '.join(by)}")
    for i, lab in enumerate(domains):
        if all(a == b or str(a) == str(b) for a, b in zip(lab, key, strict=True)):
            return i
    raise NotEnoughDataError(f"no rows in domain {dict(zip(by, key, strict=True))!r}")


def _fmt(v: float) -> str:
    return f"{v:.1f}"


def verdict_text(
    diff: float,
    lo: float,
    hi: float,
    level: float,
    significant: bool,
    p_value: float,
    *,
    kind: str,
    scale: float,
    unit: str,
    a_label: str,
    b_label: str,
) -> str:
    """One plain-English sentence, e.g. "a rise of 3.1 points, 95% CI 0.4 to 5.8:
    significant (p = 0.021)"."""
    d, lo_s, hi_s = diff * scale, lo * scale, hi * scale
    pct = f"{level * 100:g}%"
    ci = f"{pct} CI {_fmt(lo_s)} to {_fmt(hi_s)}"
    if math.isnan(p_value):
        tail = "no test possible (too few PSUs or no variation)"
    elif significant:
        tail = f"significant (p = {p_value:.3g})"
    else:
        tail = f"not significant (p = {p_value:.3g}): the difference could be chance"
    size = _fmt(abs(d))
    if kind == "change":
        if round(d, 1) == 0:
            head = f"no change (0.0 {unit})"
        else:
            head = f"a {'rise' if d > 0 else 'fall'} of {size} {unit}"
        return f"{head} from {b_label} to {a_label}, {ci}: {tail}"
    if round(d, 1) == 0:
        head = f"{a_label} and {b_label} are level (gap 0.0 {unit})"
    else:
        head = f"{a_label} is {size} {unit} {'higher' if d > 0 else 'lower'} than {b_label}"
    return f"{head}, {ci}: {tail}"


def compare(
    design: Design,
    y: str,
    by: str | Sequence[str],
    a: Any,
    b: Any,
    *,
    stat: str = "proportion",
    x: str | None = None,
    kind: str = "gap",
    level: float = 0.95,
    df: str | float = "design",
    na_rm: bool = True,
) -> Comparison:
    """Estimate ``a - b`` for two domains of ``by`` (labels, or tuples for several
    columns). ``df``: "design" (the two domains' design df minus one, R's
    ``svyttest``), "inf" or "normal" (the normal), or a number. ``kind="change"`` words the verdict as a rise or fall (b earlier, a later);
    ``kind="gap"`` as a difference between groups."""
    if kind not in ("change", "gap"):
        raise DesignError("kind must be 'change' or 'gap'")
    prep = design.prepare(stat, y, x, by, na_rm=na_rm)
    by_cols = prep.by
    ia = _find_domain(prep.cells.domains, a, by_cols)
    ib = _find_domain(prep.cells.domains, b, by_cols)
    if ia == ib:
        raise DesignError("compare needs two different domains")
    cov = design.covariance(prep, [ia, ib], full=True)
    diff = float(prep.theta[ia] - prep.theta[ib])
    var = float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    se = math.sqrt(var) if var >= 0 else math.nan
    # df: PSUs minus strata holding either domain, minus one (R's svyttest)
    cells = prep.cells
    sel = np.isin(cells.domain, [ia, ib]) & (cells.n_rows > 0)
    if cells.level == "element":
        psus = int(cells.n_rows[sel].sum())
    else:
        psus = int(np.unique(cells.psu[sel]).shape[0])  # type: ignore[index]
    strata = int(np.unique(cells.stratum[sel]).shape[0])
    design_df = psus - strata - 1
    try:
        ref_df = reference_df(df, design_df)
    except ValueError as exc:
        raise DesignError(str(exc)) from None
    q = critical_value(level, ref_df)
    lo, hi = diff - q * se, diff + q * se
    t = diff / se if se > 0 else math.nan
    p = t_p_value(t, ref_df)
    significant = bool(p < 1 - level) if not math.isnan(p) else False
    scale = 100.0 if stat == "proportion" else 1.0
    unit = "points" if stat == "proportion" else ""
    lab_a = dict(zip(by_cols, cells.domains[ia], strict=True))
    lab_b = dict(zip(by_cols, cells.domains[ib], strict=True))
    verdict = verdict_text(
        diff,
        lo,
        hi,
        level,
        significant,
        p,
        kind=kind,
        scale=scale,
        unit=unit.strip() or "",
        a_label=", ".join(str(v) for v in cells.domains[ia]),
        b_label=", ".join(str(v) for v in cells.domains[ib]),
    ).replace("  ", " ")
    return Comparison(
        a=lab_a,
        b=lab_b,
        estimate_a=float(prep.theta[ia]),
        estimate_b=float(prep.theta[ib]),
        difference=diff,
        se=se,
        ci_low=lo,
        ci_high=hi,
        df=design_df,
        t=t,
        p_value=p,
        level=level,
        significant=significant,
        verdict=verdict,
        stat=stat,
        scale=scale,
    )


def chisq(design: Design, row: str, col: str, *, statistic: str = "F") -> ChiSquareTest:
    """R's ``svychisq(~row+col, design)``: Pearson's X^2 on the weighted table scaled to
    the number of rows, with the Rao-Scott design correction ("F": second order, R's
    default; "Chisq": first order). Rows with a missing value in either column are left
    out of the table (R's ``na.rm=TRUE``) but, as in R, the table is scaled to all rows."""
    if statistic not in ("F", "Chisq"):
        raise DesignError("statistic must be 'F' or 'Chisq'")
    prep = design.prepare("mean", None, None, (row, col), deff=False)
    cells = prep.cells
    labels = cells.domains
    # the levels of each column among ALL its non-missing values, as R's factor(): a
    # level seen only where the other column is missing is a zero row (or column)
    rows_l = sorted(
        {lab[0] for lab in design.prepare("mean", None, None, (row,), deff=False).cells.domains},
        key=_key,
    )
    cols_l = sorted(
        {lab[0] for lab in design.prepare("mean", None, None, (col,), deff=False).cells.domains},
        key=_key,
    )
    nr, nc = len(rows_l), len(cols_l)
    if nr < 2 or nc < 2:
        raise NotEnoughDataError("chisq needs at least two values in each of the two columns")
    k = cells.n_domains
    counts = cells.per_domain(cells.term(1, 0, 0))  # weighted count per observed cell
    wall = float(counts.sum())
    p_obs = counts / wall
    # covariance of the cell proportions: U_c = A_c / W, then p = (I - p 1') U
    if design.calibrated:
        backend = design._backend
        dom, _, _ = backend.domains(prep.by)
        w = design.weights
        x = np.zeros((w.shape[0], k))
        inset = dom >= 0
        for c in range(k):
            x[:, c] = np.where(inset, w * ((dom == c) - p_obs[c]) / wall, 0.0)
        from .calibration import residualise

        x = residualise(x, design._steps)
        mom = moments_from_rows(design.info, backend.rows, x, full=True)
        v_obs = design_variance(design.info, mom, design.spec.lonely_psu)
    else:
        alpha = np.full(k, 1.0 / wall)
        beta = np.zeros(k)
        mom = moments_from_cells(design.info, cells, np.arange(k), alpha, beta, full=True)
        v_u = design_variance(design.info, mom, design.spec.lonely_psu)
        lmat = np.eye(k) - np.outer(p_obs, np.ones(k))
        v_obs = lmat @ v_u @ lmat.T
    # expand to the full nr x nc grid, rows varying fastest (R's interaction order)
    cell_index = {(r, c): i for i, (r, c) in enumerate(labels)}
    grid = [(r, c) for c in cols_l for r in rows_l]
    idx = np.array([cell_index.get(g, -1) for g in grid])
    m = nr * nc
    mean2 = np.zeros(m)
    vmat = np.zeros((m, m))
    obs = idx >= 0
    mean2[obs] = p_obs[idx[obs]]
    oi = np.flatnonzero(obs)
    vmat[np.ix_(oi, oi)] = v_obs[np.ix_(idx[obs], idx[obs])]
    n_total = design.info.n_rows
    rr = np.array([i % nr for i in range(m)])
    cc = np.array([i // nr for i in range(m)])
    x1 = np.column_stack(
        [np.ones(m)]
        + [(rr == i).astype(float) for i in range(1, nr)]
        + [(cc == j).astype(float) for j in range(1, nc)]
    )
    inter = np.column_stack(
        [((rr == i) & (cc == j)).astype(float) for j in range(1, nc) for i in range(1, nr)]
    )
    coef, *_ = np.linalg.lstsq(x1, inter, rcond=None)
    cmat = inter - x1 @ coef
    with np.errstate(divide="ignore"):
        inv = np.where(mean2 == 0, 0.0, 1.0 / np.where(mean2 == 0, 1.0, mean2))
    idm = np.diag(inv)
    denom = cmat.T @ (idm / n_total) @ cmat
    numr = cmat.T @ idm @ vmat @ idm @ cmat
    delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(delta))
    if not np.isfinite(delta).all() or tr <= 1e-10:
        nan = math.nan
        return ChiSquareTest(
            statistic=nan,
            ndf=nan,
            ddf=nan,
            p_value=nan,
            pearson=nan,
            method="no design variance: test not possible",
            rows=tuple(rows_l),
            cols=tuple(cols_l),
        )
    d0 = tr * tr / float(np.trace(delta @ delta))
    table = mean2.reshape(nc, nr).T * n_total
    # Pearson's X^2 on the table of the observed levels (R's svytable drops empty ones)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    rs = table.sum(axis=1, keepdims=True)
    cs = table.sum(axis=0, keepdims=True)
    expected = rs @ cs / table.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(np.sum((table - expected) ** 2 / expected))
    nu = design.degf()
    if statistic == "F":
        fstat = pearson / tr
        pval = f_sf(fstat, d0, d0 * nu)
        return ChiSquareTest(
            statistic=fstat,
            ndf=d0,
            ddf=d0 * nu,
            p_value=pval,
            pearson=pearson,
            method="Pearson's X^2: Rao & Scott adjustment (F)",
            rows=tuple(rows_l),
            cols=tuple(cols_l),
            table=tuple(tuple(float(v) for v in r) for r in table),
        )
    df1 = delta.shape[1]
    pval = chi2_sf(pearson / float(np.mean(np.diag(delta))), df1)
    return ChiSquareTest(
        statistic=pearson,
        ndf=float(df1),
        ddf=math.inf,
        p_value=pval,
        pearson=pearson,
        method="Pearson's X^2: Rao & Scott adjustment (first order)",
        rows=tuple(rows_l),
        cols=tuple(cols_l),
        table=tuple(tuple(float(v) for v in r) for r in table),
    )


def _key(v: Any) -> tuple[int, Any]:
    if isinstance(v, bool | int | float):
        return (1, float(v))
    return (2, str(v))
