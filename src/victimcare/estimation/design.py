"""Survey designs and their estimators (mean, total, proportion, ratio) by domain.

The numbers follow R's ``survey`` package (version 4.1): ``svydesign``, ``svymean``,
``svytotal``, ``svyratio``, ``svyciprop``, ``svyby``, ``degf``, ``postStratify``, ``rake``
and ``calibrate``. Domains are computed as domains of the whole design (R's ``svyby``):
a domain's absent PSUs count as zeros in its stratum, and ``n_h`` stays the stratum's
sample size in the whole design.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from .calibration import (
    Step,
    linear_calibration,
    model_matrix,
    poststratify_weights,
    rake_weights,
    residualise,
)
from .errors import DesignError, NotEnoughDataError
from .intervals import PROPORTION_METHODS, mean_interval, proportion_interval, reference_df
from .memory import DesignSpec, MemoryBackend
from .results import Estimate, Estimates

if TYPE_CHECKING:
    from .regression import Regression
    from .replicate import ReplicateDesign
from .sums import CellSums, DesignInfo, needed_terms
from .variance import (
    LONELY_PSU_CHOICES,
    Moments,
    design_variance,
    moments_from_cells,
    moments_from_rows,
)

__all__ = ["Design", "Prepared"]

Stat = Literal["mean", "total", "proportion", "ratio"]


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
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


class Design:
    """A survey design over data in memory or in a database.

    ``Design(data, weight="pw", strata="stype", psu="dnum", fpc="fpc")``

    ``data``: a dict of columns (lists or numpy arrays), a list of dicts, or a pandas
    DataFrame. ``weight``: sampling weights (without it, weights come from ``fpc`` as R
    does, or are all 1). ``strata``: stratum column. ``psu``: cluster column, or two
    columns ``("psu", "ssu")`` for a two-stage design (the second stage enters the
    variance, as in R, when an fpc is given for both stages). ``fpc``: population sizes
    (values >= 1) or sampling fractions (<= 1), one column per stage, constant within a
    stratum (stage 1) or PSU (stage 2). ``nest``: PSU ids are only unique within strata.
    ``lonely_psu``: what a stratum with a single PSU does (see ``variance``): "fail"
    (default, as R), "certainty", "remove", "adjust" or "average".
    ``with_replacement``: ignore the fpc in the variance (it may still give weights).

    Use ``Design.from_sql`` for data in DuckDB, SQLite or PostgreSQL.
    """

    def __init__(
        self,
        data: Any,
        *,
        weight: str | None = None,
        strata: str | None = None,
        psu: str | Sequence[str] | None = None,
        fpc: str | Sequence[str] | None = None,
        nest: bool = False,
        lonely_psu: str = "fail",
        with_replacement: bool = False,
        _backend: Any = None,
    ) -> None:
        if lonely_psu not in LONELY_PSU_CHOICES:
            raise DesignError(
                f"lonely_psu must be one of {', '.join(LONELY_PSU_CHOICES)}, not {lonely_psu!r}"
            )
        self.spec = DesignSpec(
            weight=weight,
            strata=strata,
            psu=_as_tuple(psu),
            fpc=_as_tuple(fpc),
            nest=nest,
            lonely_psu=lonely_psu,
            with_replacement=with_replacement,
        )
        self._backend = _backend if _backend is not None else MemoryBackend(data, self.spec)
        self._steps: tuple[Step, ...] = ()
        self._weights: np.ndarray | None = None

    # -- constructors ---------------------------------------------------------------
    @classmethod
    def from_sql(
        cls,
        connection: Any,
        table: str | Sequence[str] | None = None,
        *,
        query: str | None = None,
        params: Sequence[Any] = (),
        weight: str | None = None,
        strata: str | None = None,
        psu: str | Sequence[str] | None = None,
        fpc: str | Sequence[str] | None = None,
        nest: bool = False,
        lonely_psu: str = "fail",
        with_replacement: bool = False,
    ) -> Design:
        """A design whose data stay in a database (DB-API connection: sqlite3, duckdb,
        psycopg). Give a ``table`` name (or ``(schema, table)``) or a ``query`` with
        ``params``. Each estimate runs ONE aggregation query there; only per-cell sums
        come back. Calibration is not available for such designs.
        """
        from .pushdown import SqlBackend, SqlSource

        spec = DesignSpec(
            weight=weight,
            strata=strata,
            psu=_as_tuple(psu),
            fpc=_as_tuple(fpc),
            nest=nest,
            lonely_psu=lonely_psu,
            with_replacement=with_replacement,
        )
        backend = SqlBackend(SqlSource(connection, table=table, query=query, params=params), spec)
        return cls(
            None,
            weight=weight,
            strata=strata,
            psu=psu,
            fpc=fpc,
            nest=nest,
            lonely_psu=lonely_psu,
            with_replacement=with_replacement,
            _backend=backend,
        )

    def _copy(self) -> Design:
        new = object.__new__(Design)
        new.spec = self.spec
        new._backend = self._backend
        new._steps = self._steps
        new._weights = self._weights
        return new

    # -- properties -------------------------------------------------------------------
    @property
    def info(self) -> DesignInfo:
        """The design's structure (strata, PSUs, fpc)."""
        return self._backend.info

    @property
    def engine(self) -> str:
        """Where the sums are computed: "numpy", "duckdb", "sqlite" or "postgresql"."""
        return str(self._backend.engine)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(self._backend.notes)

    @property
    def calibrated(self) -> bool:
        return bool(self._steps)

    @property
    def weights(self) -> np.ndarray:
        """Row weights (after any post-stratification, raking or calibration)."""
        if self._weights is not None:
            return self._weights
        rows = getattr(self._backend, "rows", None)
        if rows is None:
            raise DesignError("row weights are not available for a design held in a database")
        return rows.weights

    def degf(self) -> int:
        """R's ``degf``: number of PSUs minus number of strata (whole sample), counting
        only rows of positive weight (as R)."""
        rows = getattr(self._backend, "rows", None)
        if rows is not None:
            pos = self.weights > 0
            if not pos.all():
                strata = int(np.unique(rows.stratum[pos]).shape[0])
                psus = int(pos.sum()) if rows.psu is None else int(np.unique(rows.psu[pos]).size)
                return psus - strata
        return self.info.degf()

    # -- estimators -------------------------------------------------------------------
    @overload
    def mean(self, y: str, by: None = None, **kw: Any) -> Estimate: ...
    @overload
    def mean(self, y: str, by: str | Sequence[str], **kw: Any) -> Estimates: ...
    def mean(
        self,
        y: str,
        by: str | Sequence[str] | None = None,
        *,
        level: float = 0.95,
        df: str | float = "design",
        na_rm: bool = True,
    ) -> Estimate | Estimates:
        """Weighted mean of ``y`` (R's ``svymean``, by domain as ``svyby``); Wald interval."""
        return self._run("mean", y, None, by, "wald", level, df, na_rm)

    @overload
    def total(self, y: str, by: None = None, **kw: Any) -> Estimate: ...
    @overload
    def total(self, y: str, by: str | Sequence[str], **kw: Any) -> Estimates: ...
    def total(
        self,
        y: str,
        by: str | Sequence[str] | None = None,
        *,
        level: float = 0.95,
        df: str | float = "design",
        na_rm: bool = True,
    ) -> Estimate | Estimates:
        """Estimated population total of ``y`` (R's ``svytotal``); Wald interval."""
        return self._run("total", y, None, by, "wald", level, df, na_rm)

    @overload
    def proportion(self, y: str, by: None = None, **kw: Any) -> Estimate: ...
    @overload
    def proportion(self, y: str, by: str | Sequence[str], **kw: Any) -> Estimates: ...
    def proportion(
        self,
        y: str,
        by: str | Sequence[str] | None = None,
        *,
        ci: str = "logit",
        level: float = 0.95,
        df: str | float = "design",
        na_rm: bool = True,
    ) -> Estimate | Estimates:
        """Proportion of 1s in a 0/1 column ``y`` (R's ``svyciprop``, default logit
        interval with t on the design df)."""
        if ci not in PROPORTION_METHODS:
            raise DesignError(f"ci must be one of {', '.join(PROPORTION_METHODS)}, not {ci!r}")
        return self._run("proportion", y, None, by, ci, level, df, na_rm)

    @overload
    def ratio(self, y: str, x: str, by: None = None, **kw: Any) -> Estimate: ...
    @overload
    def ratio(self, y: str, x: str, by: str | Sequence[str], **kw: Any) -> Estimates: ...
    def ratio(
        self,
        y: str,
        x: str,
        by: str | Sequence[str] | None = None,
        *,
        level: float = 0.95,
        df: str | float = "design",
        na_rm: bool = True,
    ) -> Estimate | Estimates:
        """Ratio of totals ``sum(w y) / sum(w x)`` (R's ``svyratio``); Wald interval."""
        return self._run("ratio", y, x, by, "wald", level, df, na_rm)

    # -- machinery --------------------------------------------------------------------
    def prepare(
        self,
        stat: str,
        y: str | None,
        x: str | None = None,
        by: str | Sequence[str] | None = None,
        *,
        na_rm: bool = True,
        deff: bool = True,
    ) -> Prepared:
        """Run the one aggregation for an estimator and derive point estimates."""
        by_cols = _as_tuple(by)
        names = set(self._backend.column_names())
        for col, role in [(y, "y"), (x, "x")] + [(c, "by") for c in by_cols]:
            if col is not None and col not in names:
                shown = ", ".join(sorted(names)[:12])
                raise DesignError(
                    f"{role} column {col!r} not found; columns are: {shown}", column=col
                )
        binary = stat == "proportion"
        level = self.info.level
        terms = needed_terms(level, deff=deff, b_is_one=x is None, a_binary=binary or y is None)
        cells, n_by_missing = self._backend.aggregate(
            a=y, b=x, by=by_cols, binary=binary, terms=terms, weights=self._weights
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
        degf = self._domain_degf(cells)
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

    def _domain_degf(self, cells: CellSums) -> np.ndarray:
        """R's ``degf`` of each domain: PSUs minus strata holding domain rows."""
        k = cells.n_domains
        has = cells.n_rows > 0
        dom = cells.domain[has]
        if cells.level == "element":
            psus = np.bincount(dom, weights=cells.n_rows[has], minlength=k)
            strata_pairs = np.unique(dom * self.info.n_strata + cells.stratum[has])
        else:
            if not (cells.psu is not None):
                raise RuntimeError("internal error: inconsistent design structure")
            npsu = len(self.info.psus or ())
            pairs = np.unique(dom * npsu + cells.psu[has])
            psus = np.bincount(pairs // npsu, minlength=k)
            strata_pairs = np.unique(dom * self.info.n_strata + cells.stratum[has])
        strata = np.bincount(strata_pairs // self.info.n_strata, minlength=k)
        return (psus - strata).astype(np.int64)

    def covariance(
        self, prep: Prepared, estimand_domains: Sequence[int] | None = None, *, full: bool = False
    ) -> np.ndarray:
        """Variances (or covariance matrix) of the estimates of the given domains."""
        k = prep.cells.n_domains
        doms = np.arange(k) if estimand_domains is None else np.asarray(estimand_domains)
        m = doms.shape[0]
        if self._steps:
            mom = self._row_moments(prep, doms, full=full)
        else:
            e_of_d = np.full(k, -1, dtype=np.int64)
            e_of_d[doms] = np.arange(m)
            mom = moments_from_cells(
                self.info, prep.cells, e_of_d, prep.alpha[doms], prep.beta[doms], full=full
            )
        return design_variance(self.info, mom, self.spec.lonely_psu)

    def _row_moments(self, prep: Prepared, doms: np.ndarray, *, full: bool) -> Moments:
        backend = self._backend
        a = (
            np.ones(backend.cols.n)
            if prep.a is None
            else backend.values(prep.a, "y", binary=prep.stat == "proportion")
        )
        b = np.ones(backend.cols.n) if prep.b is None else backend.values(prep.b, "x", binary=False)
        ok = ~np.isnan(a) & ~np.isnan(b)
        dom, _, _ = backend.domains(prep.by)
        w = self.weights
        a0 = np.where(ok, a, 0.0)
        b0 = np.where(ok, b, 0.0)
        x = np.zeros((a.shape[0], doms.shape[0]))
        for j, d in enumerate(doms):
            sel = ok & (dom == d)
            x[:, j] = np.where(sel, w * (prep.alpha[d] * a0 + prep.beta[d] * b0), 0.0)
        x = residualise(x, self._steps)
        return moments_from_rows(self.info, backend.rows, x, full=full)

    def _deff(self, prep: Prepared) -> np.ndarray:
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
                vsrs = svyvar * wt * wt * (wt - n) / (wt * n)
            else:
                svyvar = corr * (waa - sa * sa / wt) / wt
                # no variation in the domain (e.g. a proportion of 0 or 1): rounding only
                svyvar = np.where(np.abs(svyvar) <= 1e-12 * np.abs(waa / wt), 0.0, svyvar)
                if prep.stat == "total":
                    vsrs = svyvar * wt * wt * (wt - n) / (wt * n)
                else:
                    vsrs = np.where(wt < n, np.nan, svyvar * (wt - n) / (wt * n))
        return np.where((vsrs == 0) | (n <= 1), np.nan, vsrs)

    def _run(
        self,
        stat: str,
        y: str,
        x: str | None,
        by: str | Sequence[str] | None,
        method: str,
        level: float,
        df: str | float,
        na_rm: bool,
    ) -> Estimate | Estimates:
        if not 0 < level < 1:
            raise DesignError(f"level must be between 0 and 1, not {level}")
        prep = self.prepare(stat, y, x, by, na_rm=na_rm)
        var = self.covariance(prep)
        se = np.sqrt(np.maximum(var, 0.0))
        vsrs = self._deff(prep)
        with np.errstate(divide="ignore", invalid="ignore"):
            deff = var / vsrs
        try:
            reference_df(df, 1)
        except ValueError as exc:
            raise DesignError(str(exc)) from None
        rows = []
        interval_notes: list[str] = []
        lik = None
        if stat == "proportion" and method == "likelihood":
            backend = self._memory_backend("the likelihood interval")
            lik = (
                backend.values(y, "y", binary=True),
                backend.domains(prep.by)[0],
                self.weights,
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
                    deff=float(deff[d]) if n_used else math.nan,
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
        notes = list(self.notes)
        missing = int((prep.n_rows - prep.n).sum())
        if missing:
            cols = y if x is None else f"{y} or {x}"
            notes.append(
                f"{missing} row(s) with a missing {cols} left out, as R's na.rm=TRUE does "
                "(they still count towards PSUs and degrees of freedom)"
            )
        if prep.n_by_missing:
            notes.append(
                f"{prep.n_by_missing} row(s) with a missing {', '.join(prep.by)} belong to "
                "no domain"
            )
        notes += interval_notes
        if not prep.by:
            if not rows:
                raise NotEnoughDataError("no rows to estimate from")
            return rows[0]
        return Estimates(rows=tuple(rows), by=prep.by, notes=tuple(notes))

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
        by_cols = _as_tuple(by)
        res = self._run(stat, y, x, by_cols or None, method, level, df, na_rm)
        if isinstance(res, Estimates):
            return res
        notes = list(self.notes)
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

    # -- weighting --------------------------------------------------------------------
    def _memory_backend(self, what: str) -> MemoryBackend:
        if not isinstance(self._backend, MemoryBackend):
            raise DesignError(f"{what} needs the data in memory (not a database design)")
        return self._backend

    def poststratify(
        self,
        variables: str | Sequence[str],
        population: Mapping[Any, float],
        *,
        partial: bool = False,
    ) -> Design:
        """R's ``postStratify``: weights scaled so that each post-stratum (a level of one
        column, or a combination of several; keys are values or tuples) sums to its
        population count. The variance uses R's residuals for post-stratification."""
        backend = self._memory_backend("post-stratification")
        names = _as_tuple(variables)
        vals = [backend.cols.labels(v, "post-stratum") for v in names]
        new_w, step = poststratify_weights(self.weights, vals, names, population, partial=partial)
        out = self._copy()
        out._weights = new_w
        out._steps = (*self._steps, step)
        return out

    def rake(
        self,
        margins: Mapping[str, Mapping[Any, float]],
        *,
        max_iter: int = 10,
        epsilon: float = 1.0,
    ) -> Design:
        """R's ``rake``: iterative proportional fitting to the population counts of each
        margin (column -> {level: count}); same stopping rule as R (joint weighted table
        moving by less than ``epsilon``, at most ``max_iter`` sweeps)."""
        backend = self._memory_backend("raking")
        spec = [
            (name, backend.cols.labels(name, "raking margin"), pop) for name, pop in margins.items()
        ]
        new_w, step, _, _ = rake_weights(self.weights, spec, max_iter=max_iter, epsilon=epsilon)
        out = self._copy()
        out._weights = new_w
        out._steps = (*self._steps, step)
        return out

    def calibrate(
        self,
        *,
        population_size: float | None = None,
        categorical: Mapping[str, Mapping[Any, float]] | None = None,
        numeric: Mapping[str, float] | None = None,
    ) -> Design:
        """Linear (GREG) calibration, R's ``calibrate(..., calfun="linear")``.

        ``categorical``: column -> {level: population count}; ``numeric``: column ->
        population total; ``population_size``: the population count (needed when no
        categorical margin implies it). The variance uses R's regression residuals.
        """
        backend = self._memory_backend("calibration")
        categorical = dict(categorical or {})
        numeric = dict(numeric or {})
        n = backend.cols.n
        cat_vals = {k: backend.cols.labels(k, "calibration") for k in categorical}
        num_vals = {k: backend.cols.numeric(k, "calibration") for k in numeric}
        intercept = population_size is not None
        mm, names = model_matrix(n, cat_vals, num_vals, intercept)
        totals = []
        for name, level in names:
            if name == "(Intercept)":
                totals.append(float(population_size))  # type: ignore[arg-type]
            elif level is None:
                totals.append(float(numeric[name]))
            else:
                pop = categorical[name]
                hit = [v for k, v in pop.items() if k == level or str(k) == str(level)]
                if not hit:
                    raise DesignError(
                        f"calibration: no population count for {name}={level!r}", column=name
                    )
                totals.append(float(hit[0]))
        if mm.shape[1] == 0:
            raise DesignError("calibration needs at least one margin or total")
        new_w, step = linear_calibration(self.weights, mm, np.asarray(totals))
        out = self._copy()
        out._weights = new_w
        out._steps = (*self._steps, step)
        return out

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
        """Quantiles of ``y`` (each strictly between 0 and 1), overall or by domain, with
        Woodruff intervals: R's ``svyquantile(~y, design, quantiles, ci=TRUE)`` with
        ``qrule="math"`` (default) or ``"hf7"``. One row per domain and quantile
        (``Estimate.quantile`` holds the probability). Needs the data in memory; see
        ``quantile.py``."""
        from .quantile import quantiles as run

        return run(self, y, quantiles, by=_as_tuple(by), qrule=qrule, level=level, df=df)

    def replicates(
        self,
        method: str = "jkn",
        *,
        replicates: int = 50,
        seed: int | None = None,
        rho: float = 0.5,
        mse: bool = False,
    ) -> ReplicateDesign:
        """The design with replicate weights, R's ``as.svrepdesign(design, type=...)``:
        ``method`` ``jk1`` (unstratified), ``jkn``, ``brr`` or ``fay`` (two PSUs per
        stratum; ``rho`` for Fay) or ``bootstrap`` (``replicates`` draws from ``seed``).
        Uses the first stage only (PSUs, strata and their fpc), as R. See
        ``replicate_weights``."""
        from .replicate import ReplicateDesign
        from .replicate_weights import make_replicates

        backend = self._memory_backend("replicate weights")
        if self._steps:
            raise DesignError("make replicate weights before calibrating, not after")
        rows = backend.rows
        psu = rows.psu if rows.psu is not None else np.arange(backend.cols.n)
        reps = make_replicates(
            method,
            stratum=rows.stratum,
            psu=psu,
            strata_labels=self.info.strata,
            has_strata=self.info.has_strata,
            popsize=self.info.popsize,
            lonely_psu=self.spec.lonely_psu,
            replicates=replicates,
            seed=seed,
            rho=rho,
        )
        return ReplicateDesign.from_replicates(
            backend.cols, self.weights, reps, mse=mse, notes=self.notes
        )

    # -- regression (see regression.py) ----------------------------------------------
    @overload
    def glm(self, formula: str, family: str = ..., *, by: None = None, **kw: Any) -> Regression: ...
    @overload
    def glm(
        self, formula: str, family: str = ..., *, by: str | Sequence[str], **kw: Any
    ) -> tuple[Regression, ...]: ...
    def glm(
        self,
        formula: str,
        family: str = "gaussian",
        *,
        by: str | Sequence[str] | None = None,
        domain: Mapping[str, Any] | None = None,
        level: float = 0.95,
        df: str | float = "design",
    ) -> Regression | tuple[Regression, ...]:
        """Survey-weighted regression, R's ``svyglm(formula, design, family=...)``.

        ``formula``: ``"y ~ x1 + C(g)"`` (see ``formula``); ``family``: ``"gaussian"`` or
        ``"quasibinomial"`` (logit link, outcome in [0, 1]). Coefficients, design-based
        SEs, t, p and intervals on ``df.residual`` (design df + 1 - coefficients), or on
        ``df`` when given (a number, or ``"inf"`` for the normal). With ``by``, one model
        per domain (R's ``svyglm`` on ``subset(design, ...)``), as a tuple in domain
        order; ``domain={"col": value}`` fits that one domain only. Needs the data in memory. Errors: ``FormulaError`` (bad formula, missing
        column), ``ModelError`` (outcome out of range, singular model matrix, no
        convergence); both are ``DesignError``.
        """
        from .regression import fit_glm

        by_cols = _as_tuple(by)
        if by_cols and domain:
            raise DesignError("give by= (every domain) or domain= (one), not both")
        try:
            fits = fit_glm(
                self,
                formula,
                family,
                by=by_cols,
                domain=dict(domain) if domain else None,
                level=level,
                df=df,
            )
        except ValueError as exc:
            if isinstance(exc, DesignError):
                raise
            raise DesignError(str(exc)) from None
        return fits[0] if not by_cols else tuple(fits)

    # -- comparisons (see compare.py) -------------------------------------------------
    def compare(self, y: str, by: str | Sequence[str], a: Any, b: Any, **kw: Any) -> Any:
        """Difference ``a - b`` between two domains of ``by``; see ``compare.compare``."""
        from .compare import compare

        return compare(self, y, by, a, b, **kw)

    def chisq(self, row: str, col: str, *, statistic: str = "F") -> Any:
        """Rao-Scott test of independence of two columns; see ``compare.chisq``."""
        from .compare import chisq

        return chisq(self, row, col, statistic=statistic)


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
