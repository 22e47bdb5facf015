"""Replicate-weight designs, as R's ``svrepdesign`` and ``as.svrepdesign`` (survey 4.1).

A statistic is computed once with the sampling weights and once with each replicate's
weights; its variance is R's ``svrVar``::

    V = scale * sum_r rscales_r * (theta_r - centre)^2

with ``centre`` the mean of the replicates (of positive ``rscales``), or the full-sample
estimate when ``mse=True``. A replicate whose statistic is undefined (a domain with no
weight in it) is left out, as R's ``na.action`` does.

Replicate columns hold *combined* weights (sampling weight times multiplier, R's
default ``combined_weights=True``) or multipliers (``combined_weights=False``). Types
and their defaults, as R's ``svrepdesign`` (checked in ``replicate_columns``):

``JK1``        ``scale`` (R - 1) / R, ``rscales`` 1;
``JKn``        ``scale`` 1, ``rscales`` required (``(n_h - 1) / n_h`` of each replicate's
               stratum) for combined weights;
``BRR``        ``scale`` 1 / R (no other allowed); the number of replicates is that of a
               Hadamard matrix (2 or a multiple of 4) and the multipliers are 0 or 2;
``Fay``        ``rho`` required, ``scale`` 1 / (R (1 - rho)^2), multipliers rho or 2 - rho;
``bootstrap``  ``scale`` 1 / (R - 1) unless given, ``rscales`` 1.

Degrees of freedom are R's ``degf``: the rank of the analysis weights (rows x
replicates) minus 1, of the rows of the domain for a domain (R's ``svyby`` subsets the
design) and of the rows used for a quantile (after ``na.rm``).

Everything is computed in memory; designs made from a ``Design`` use its sampling
weights and first-stage structure (``Design.replicates``, ``replicate_weights``).

A design converted with an fpc knows the rows of strata sampled whole (R's ``selfrep``):
as R, a statistic whose rows all lie there has variance 0, and a total's replicates
leave those rows out (R's ``svytotal``; it matters where a lonely-PSU ``adjust``
replicate reweights a census stratum). With ``mse=True`` a total is then centred at the
full-sample total of the same rows; R centres it at the total with the census rows,
which adds their squared total to the variance, so there our SE is smaller than R's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .columns import Columns
from .errors import DesignError, NotEnoughDataError
from .intervals import (
    PROPORTION_METHODS,
    critical_value,
    mean_interval,
    proportion_interval,
    reference_df,
)
from .memory import column_values, domain_codes
from .replicate_columns import as_tuple, replicates_from_columns
from .replicate_weights import ReplicateSet
from .results import Covariance, Estimate, Estimates

if TYPE_CHECKING:
    from .regression import Regression

__all__ = ["ReplicateDesign", "replicate_variance"]


def replicate_variance(
    thetas: np.ndarray, coef: np.ndarray, scale: float, rscales: np.ndarray, *, mse: bool
) -> np.ndarray:
    """R's ``svrVar`` for each column of ``thetas`` (replicates x estimands); replicates
    with an undefined value are left out for that estimand."""
    thetas = np.atleast_2d(thetas.T).T if thetas.ndim == 1 else thetas
    out = np.full(thetas.shape[1], math.nan)
    for c in range(thetas.shape[1]):
        t = thetas[:, c]
        ok = np.isfinite(t)
        if not ok.any() or not math.isfinite(float(coef[c])):
            continue
        rs = rscales[ok]
        t = t[ok]
        if mse:
            centre = float(coef[c])
        else:
            pos = rs > 0
            centre = float(np.mean(t[pos])) if pos.any() else float(coef[c])
        out[c] = scale * float(np.sum(rs * (t - centre) ** 2))
    return out


def _rank(a: np.ndarray) -> int:
    """Rank of a rows x replicates matrix, on a relative tolerance like R's qr(tol=1e-5)."""
    if a.size == 0:
        return 0
    # the row space of the distinct rows has the same rank, and is cheaper
    uniq = np.unique(a, axis=0) if a.shape[0] > 4 * a.shape[1] else a
    s = np.linalg.svd(uniq, compute_uv=False)
    if not s.size or s[0] == 0:
        return 0
    return int((s > 1e-7 * s[0]).sum())


class ReplicateDesign:
    """A design whose variance comes from replicate weights (R's ``svrepdesign``).

    ``ReplicateDesign(data, repweights="rw_*", weight="w", type="JK1")``

    ``repweights``: a glob pattern (``"rw_*"``; the matching columns in data order), a
    comma-separated list or a sequence of column names. ``weight``: the sampling weights
    (all 1 without it). ``type``: ``JK1``, ``JKn``, ``BRR``, ``Fay`` or ``bootstrap``;
    ``rho`` (Fay), ``scale``, ``rscales`` (one number or one per replicate) and
    ``mse`` as R's (see the module docstring). ``combined_weights=False`` when the
    columns are multipliers of the sampling weights.
    """

    def __init__(
        self,
        data: Any,
        *,
        repweights: str | Sequence[str],
        weight: str | None = None,
        type: str = "JK1",
        rho: float | None = None,
        scale: float | None = None,
        rscales: float | Sequence[float] | None = None,
        mse: bool = False,
        combined_weights: bool = True,
    ) -> None:
        cols = data if isinstance(data, Columns) else Columns(data)
        pw, analysis, reps, notes = replicates_from_columns(
            cols,
            repweights=repweights,
            weight=weight,
            type=type,
            rho=rho,
            scale=scale,
            rscales=rscales,
            combined_weights=combined_weights,
        )
        self._init(cols, pw, analysis, reps, mse=mse, notes=notes)

    def _init(
        self,
        cols: Columns,
        pw: np.ndarray,
        analysis: np.ndarray,
        reps: ReplicateSet,
        *,
        mse: bool,
        notes: Sequence[str] = (),
    ) -> None:
        if cols.n == 0:
            raise NotEnoughDataError("the data have no rows")
        self.cols = cols
        self.pweights = pw
        self.analysis = analysis
        self.type = reps.type
        self.scale = reps.scale
        self.rscales = np.asarray(reps.rscales, dtype=np.float64)
        self.rho = reps.rho
        self.mse = bool(mse)
        self.selfrep = reps.selfrep
        self.notes: tuple[str, ...] = tuple(notes)
        self._degf = _rank(analysis) - 1

    @classmethod
    def from_replicates(
        cls,
        data: Any,
        weights: np.ndarray,
        reps: ReplicateSet,
        *,
        mse: bool = False,
        notes: Sequence[str] = (),
    ) -> ReplicateDesign:
        """A design from multipliers (``replicate_weights.make_replicates``)."""
        out = object.__new__(cls)
        cols = data if isinstance(data, Columns) else Columns(data)
        out._init(cols, weights, reps.multipliers * weights[:, None], reps, mse=mse, notes=notes)
        return out

    # -- properties ---------------------------------------------------------------------
    @property
    def n_replicates(self) -> int:
        return int(self.analysis.shape[1])

    @property
    def weights(self) -> np.ndarray:
        return self.pweights

    def degf(self) -> int:
        """R's ``degf``: rank of the analysis weights minus 1."""
        return self._degf

    def _var(self, thetas: np.ndarray, coef: np.ndarray) -> np.ndarray:
        return replicate_variance(thetas, coef, self.scale, self.rscales, mse=self.mse)

    def census(self, rows: np.ndarray) -> bool:
        """True when every one of ``rows`` (a mask) lies in a stratum sampled whole (R's
        ``all(design$selfrep)`` on the rows used): the statistic has variance 0."""
        return bool(self.selfrep is not None and rows.any() and self.selfrep[rows].all())

    def _total_var(self, x: np.ndarray, w: np.ndarray, rw: np.ndarray, rows: np.ndarray) -> float:
        """R's ``svytotal`` variance of ``x`` (values of ``rows``, a mask, with their
        weights ``w`` and analysis weights ``rw``): census rows out of the replicates."""
        if self.selfrep is not None:
            keep = ~self.selfrep[rows]
            x, w, rw = x[keep], w[keep], rw[keep]
        return float(self._var((rw.T @ x)[:, None], np.array([float(w @ x)]))[0])

    # -- estimators ---------------------------------------------------------------------
    def mean(self, y: str, by: str | Sequence[str] | None = None, **kw: Any) -> Any:
        """Weighted mean (R's ``svymean`` on a replicate design)."""
        return self._one(self.estimates("mean", y, by=by, **kw), by)

    def total(self, y: str, by: str | Sequence[str] | None = None, **kw: Any) -> Any:
        """Population total (R's ``svytotal``)."""
        return self._one(self.estimates("total", y, by=by, **kw), by)

    def proportion(
        self, y: str, by: str | Sequence[str] | None = None, *, ci: str = "logit", **kw: Any
    ) -> Any:
        """Proportion of a 0/1 column with R's ``svyciprop`` intervals (not likelihood)."""
        return self._one(self.estimates("proportion", y, by=by, ci=ci, **kw), by)

    def ratio(self, y: str, x: str, by: str | Sequence[str] | None = None, **kw: Any) -> Any:
        """Ratio of totals (R's ``svyratio``)."""
        return self._one(self.estimates("ratio", y, x=x, by=by, **kw), by)

    @staticmethod
    def _one(res: Estimates, by: str | Sequence[str] | None) -> Estimate | Estimates:
        return res if as_tuple(by) else res.rows[0]

    def estimates(
        self,
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
        """Any estimator as a table, as ``Design.estimates``; ``deff="replace"`` gives the
        design effect against sampling with replacement (R's ``deff="replace"``)."""
        if stat not in ("mean", "total", "proportion", "ratio"):
            raise DesignError(f"unknown statistic {stat!r}")
        method = ci or ("logit" if stat == "proportion" else "wald")
        if stat != "proportion" and method != "wald":
            raise DesignError(f"interval method {method!r} applies to proportions only")
        if method not in PROPORTION_METHODS:
            raise DesignError(f"ci must be one of {', '.join(PROPORTION_METHODS)}")
        if method == "likelihood":
            raise DesignError("the likelihood interval is not available for replicate designs")
        if stat == "ratio" and x is None:
            raise DesignError("a ratio needs x (the denominator column)")
        if not 0 < level < 1:
            raise DesignError(f"level must be between 0 and 1, not {level}")
        try:
            reference_df(df, 1)
        except ValueError as exc:
            raise DesignError(str(exc)) from None
        by_cols = as_tuple(by)
        a = column_values(self.cols, y, "y", binary=stat == "proportion")
        b = np.ones(self.cols.n) if x is None else column_values(self.cols, x, "x", binary=False)
        if not na_rm and (np.isnan(a) | np.isnan(b)).any():
            raise DesignError(
                f"y column {y!r} has missing values; pass na_rm=True to leave them out", column=y
            )
        for c in by_cols:
            self.cols.require(c, "by")
        dom, labels, n_by_missing = domain_codes(self.cols, by_cols)
        pw = self.pweights
        rows: list[Estimate] = []
        notes = [*self.notes, self._describe()]
        for d, label in enumerate(labels):
            in_dom = dom == d
            ok = in_dom & ~np.isnan(a) & ~np.isnan(b)
            n_used = int(ok.sum())
            n_rows = int(in_dom.sum())
            design_df = _rank(self.analysis[in_dom]) - 1 if by_cols else self._degf
            ref_df = reference_df(df, design_df)
            by_dict = dict(zip(by_cols, label, strict=True))
            est, se, d_eff = math.nan, math.nan, math.nan
            lo, hi = math.nan, math.nan
            if n_used:
                av, bv, aw, rw = a[ok], b[ok], pw[ok], self.analysis[ok]
                sa, sb = float(aw @ av), float(aw @ bv)
                ra, rb = rw.T @ av, rw.T @ bv
                with np.errstate(divide="ignore", invalid="ignore"):
                    est = sa if stat == "total" else sa / sb
                    reps = ra if stat == "total" else ra / rb
                if self.census(ok):
                    var = 0.0
                elif stat == "total":
                    var = self._total_var(av, aw, rw, ok)
                else:
                    var = float(self._var(reps[:, None], np.array([est]))[0])
                se = math.sqrt(max(var, 0.0)) if math.isfinite(var) else math.nan
                d_eff = self._deff(stat, av, bv, aw, rw, ok, est, var, deff)
                if stat == "proportion" and method == "logit":
                    lo, hi = self._logit_interval(est, reps, level, ref_df)
                elif stat == "proportion":
                    lo, hi = proportion_interval(
                        est, se, level, ref_df, method, n_rows=n_rows, design_df=design_df
                    )
                else:
                    lo, hi = mean_interval(est, se, level, ref_df)
            note = ""
            if not n_used:
                note = f"no rows with a value of {y}: no estimate, SE or interval"
            elif not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
                note = "no interval (zero or undefined SE, or no degrees of freedom)"
                lo = hi = math.nan
            if note:
                where = ", ".join(f"{k}={v}" for k, v in by_dict.items())
                notes.append(f"{where}: {note}" if where else note)
            rows.append(
                Estimate(
                    by=by_dict,
                    n=n_used,
                    estimate=est,
                    se=se,
                    ci_low=float(lo),
                    ci_high=float(hi),
                    df=int(design_df),
                    deff=d_eff,
                    stat=stat,
                    variable=y if x is None else f"{y}/{x}",
                    method=method,
                    level=level,
                    distribution="normal" if math.isinf(ref_df) else "t",
                    n_missing=n_rows - n_used,
                    weight_total=float(pw[in_dom].sum()),
                    reference_df=ref_df,
                    note=note,
                )
            )
        missing = sum(r.n_missing for r in rows)
        if missing:
            notes.append(f"{missing} row(s) with a missing value left out, as R's na.rm=TRUE")
        if n_by_missing:
            notes.append(
                f"{n_by_missing} row(s) with a missing {', '.join(by_cols)} belong to no domain"
            )
        return Estimates(rows=tuple(rows), by=by_cols, notes=tuple(notes))

    def vcov(
        self,
        stat: str,
        y: str,
        by: str | Sequence[str],
        *,
        x: str | None = None,
        na_rm: bool = True,  # noqa: ARG002 (as Design.vcov; missing values are always left out)
    ) -> Covariance:
        """Covariance matrix of the domain estimates (R's ``vcov(svyby(..., covmat=TRUE))``
        on a replicate design: ``svrVar`` of the replicates' domain estimates)."""
        if stat not in ("mean", "total", "proportion", "ratio"):
            raise DesignError(f"covariance is for mean, total, proportion or ratio, not {stat!r}")
        if stat == "ratio" and x is None:
            raise DesignError("a ratio needs x (the denominator column)")
        by_cols = as_tuple(by)
        a = column_values(self.cols, y, "y", binary=stat == "proportion")
        b = np.ones(self.cols.n) if x is None else column_values(self.cols, x, "x", binary=False)
        for c in by_cols:
            self.cols.require(c, "by")
        dom, labels, _ = domain_codes(self.cols, by_cols)
        k = len(labels)
        est = np.full(k, math.nan)
        reps = np.full((self.n_replicates, k), math.nan)
        ok_all = ~np.isnan(a) & ~np.isnan(b)
        for d in range(k):
            ok = (dom == d) & ok_all
            if not ok.any():
                continue
            sa, sb = self.pweights[ok] @ a[ok], self.pweights[ok] @ b[ok]
            ra, rb = self.analysis[ok].T @ a[ok], self.analysis[ok].T @ b[ok]
            if self.census(ok):
                ra, rb = np.full_like(ra, sa), np.full_like(rb, sb)
            elif stat == "total" and self.selfrep is not None:
                # as R's svytotal: census rows out of the replicates (and of the centre)
                part = ok & ~self.selfrep
                sa = sa - self.pweights[ok & self.selfrep] @ a[ok & self.selfrep]
                ra = self.analysis[part].T @ a[part]
            with np.errstate(divide="ignore", invalid="ignore"):
                est[d] = sa if stat == "total" else sa / sb
                reps[:, d] = ra if stat == "total" else ra / rb
        present = ~np.isnan(est)
        keep = np.isfinite(reps[:, present]).all(axis=1)  # R's na.omit drops whole replicates
        t, rs = reps[keep], self.rscales[keep]
        centre = est if self.mse else np.mean(t[rs > 0], axis=0)
        dev = (t - centre) * np.sqrt(rs)[:, None]
        m = self.scale * (dev.T @ dev)
        m[~present, :] = math.nan
        m[:, ~present] = math.nan
        return Covariance(
            by=by_cols,
            domains=tuple(labels),
            matrix=m,
            stat=stat,
            variable=y if x is None else f"{y}/{x}",
        )

    def _describe(self) -> str:
        rho = f", rho {self.rho:g}" if self.type == "Fay" else ""
        return (
            f"replicate weights: {self.type}, {self.n_replicates} replicates, scale "
            f"{self.scale:.6g}{rho}; centred at the {'full-sample estimate (mse)' if self.mse else 'replicate mean'}"
        )

    def _logit_interval(
        self, p: float, reps: np.ndarray, level: float, ref_df: float
    ) -> tuple[float, float]:
        """R's svyciprop(method="logit") on a replicate design: the intercept of the
        quasi-binomial svyglm, whose replicates are the replicates' log-odds."""
        if not 0 < p < 1 or ((reps <= 0) | (reps >= 1)).any():
            # a replicate of proportion 0 or 1 has no finite log-odds (R's glm stops at
            # an arbitrary large value there): no logit interval
            return math.nan, math.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            eta_r = np.log(reps / (1.0 - reps))
        eta = math.log(p / (1.0 - p))
        var = float(self._var(eta_r[:, None], np.array([eta]))[0])
        q = critical_value(level, ref_df)
        if not (math.isfinite(var) and math.isfinite(q)):
            return math.nan, math.nan
        half = q * math.sqrt(max(var, 0.0))
        return 1 / (1 + math.exp(-(eta - half))), 1 / (1 + math.exp(-(eta + half)))

    def _deff(
        self,
        stat: str,
        a: np.ndarray,
        b: np.ndarray,
        w: np.ndarray,
        rw: np.ndarray,
        rows: np.ndarray,
        est: float,
        var: float,
        deff: bool | str,
    ) -> float:
        """R's ``deff`` for a replicate design: the variance over that of simple random
        sampling of the same size, without (``True``) or with (``"replace"``)
        replacement; for ratios, that of the total of ``y - ratio x``."""
        if deff is False:
            return math.nan
        n = float(a.shape[0])
        wt = float(w.sum())
        if n <= 1 or wt <= 0:
            return math.nan
        x = a if stat != "ratio" else a - est * b
        svyvar = n / (n - 1.0) * (float(w @ (x * x)) - float(w @ x) ** 2 / wt) / wt
        if stat == "ratio":  # R: deff(svytotal(y - ratio x))
            var = 0.0 if self.census(rows) else self._total_var(x, w, rw, rows)
        vsrs = svyvar / n if stat in ("mean", "proportion") else svyvar * wt * wt / n
        if deff != "replace":
            vsrs *= (wt - n) / wt
        return var / vsrs if vsrs > 0 else math.nan

    def glm(
        self,
        formula: str,
        family: str = "gaussian",
        *,
        level: float = 0.95,
        df: str | float = "design",
    ) -> Regression:
        """Survey regression, R's ``svyglm`` on a replicate design (see
        ``replicate_glm``): gaussian or quasibinomial, no domains."""
        from .replicate_glm import replicate_glm

        return replicate_glm(self, formula, family, level=level, df=df)

    def quantile(
        self,
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
        from .replicate_quantile import replicate_quantiles

        return replicate_quantiles(self, y, quantiles, by, qrule=qrule, level=level, df=df)
