"""Survey designs and their estimators (mean, total, proportion, ratio) by domain.

The numbers follow R's ``survey`` package (version 4.1): ``svydesign``, ``svymean``,
``svytotal``, ``svyratio``, ``svyciprop``, ``svyby``, ``degf``, ``postStratify``, ``rake``
and ``calibrate``. Domains are computed as domains of the whole design (R's ``svyby``):
a domain's absent PSUs count as zeros in its stratum, and ``n_h`` stays the stratum's
sample size in the whole design.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast, overload

import numpy as np

from . import estimator
from .design_methods import DesignMethods
from .errors import DesignError
from .estimator import Prepared, as_tuple
from .intervals import PROPORTION_METHODS
from .memory import DesignSpec, MemoryBackend
from .results import Covariance, Estimate, Estimates
from .sums import DesignInfo
from .variance import LONELY_PSU_CHOICES

if TYPE_CHECKING:
    from .calibration import Step

__all__ = ["Design", "Prepared"]

Stat = Literal["mean", "total", "proportion", "ratio"]


class _WaldEstimator(Protocol):
    """``Design.mean`` and ``Design.total``: one estimate, or one per domain of ``by``."""

    @overload
    def __call__(
        self,
        y: str,
        by: None = None,
        *,
        level: float = ...,
        df: str | float = ...,
        na_rm: bool = ...,
        deff: bool | str = ...,
    ) -> Estimate: ...
    @overload
    def __call__(
        self,
        y: str,
        by: str | Sequence[str],
        *,
        level: float = ...,
        df: str | float = ...,
        na_rm: bool = ...,
        deff: bool | str = ...,
    ) -> Estimates: ...


class _WaldMethod(Protocol):
    """A method of ``Design`` that is a ``_WaldEstimator`` once bound to a design."""

    def __get__(self, design: Design, owner: type[Design] | None = None) -> _WaldEstimator: ...


def _wald_method(stat: Literal["mean", "total"], doc: str) -> _WaldMethod:
    """The method of ``Design`` for ``stat``, with a Wald interval: the two share their
    signature, their defaults and their overloads (``_WaldEstimator``)."""

    def method(
        self: Design,
        y: str,
        by: str | Sequence[str] | None = None,
        *,
        level: float = 0.95,
        df: str | float = "design",
        na_rm: bool = True,
        deff: bool | str = True,
    ) -> Estimate | Estimates:
        return self._run(stat, y, None, by, "wald", level, df, na_rm, deff=deff)

    method.__name__, method.__qualname__, method.__doc__ = stat, f"Design.{stat}", doc
    # (a plain function, so a method like any other; typed by its overloads when bound)
    return cast(_WaldMethod, method)


class Design(DesignMethods):
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
            psu=as_tuple(psu),
            fpc=as_tuple(fpc),
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
            psu=as_tuple(psu),
            fpc=as_tuple(fpc),
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
        return np.asarray(rows.weights)

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
    mean = _wald_method(
        "mean",
        """Weighted mean of ``y`` (R's ``svymean``, by domain as ``svyby``); Wald interval.
        ``deff``: design effect against simple random sampling without replacement
        (``True``, R's ``deff=TRUE``) or with it (``"replace"``).""",
    )
    total = _wald_method(
        "total", """Estimated population total of ``y`` (R's ``svytotal``); Wald interval."""
    )

    @overload
    def proportion(
        self,
        y: str,
        by: None = None,
        *,
        ci: str = ...,
        level: float = ...,
        df: str | float = ...,
        na_rm: bool = ...,
        deff: bool | str = ...,
    ) -> Estimate: ...
    @overload
    def proportion(
        self,
        y: str,
        by: str | Sequence[str],
        *,
        ci: str = ...,
        level: float = ...,
        df: str | float = ...,
        na_rm: bool = ...,
        deff: bool | str = ...,
    ) -> Estimates: ...
    def proportion(
        self,
        y: str,
        by: str | Sequence[str] | None = None,
        *,
        ci: str = "logit",
        level: float = 0.95,
        df: str | float = "design",
        na_rm: bool = True,
        deff: bool | str = True,
    ) -> Estimate | Estimates:
        """Proportion of 1s in a 0/1 column ``y`` (R's ``svyciprop``, default logit
        interval with t on the design df)."""
        if ci not in PROPORTION_METHODS:
            raise DesignError(f"ci must be one of {', '.join(PROPORTION_METHODS)}, not {ci!r}")
        return self._run("proportion", y, None, by, ci, level, df, na_rm, deff=deff)

    @overload
    def ratio(
        self,
        y: str,
        x: str,
        by: None = None,
        *,
        level: float = ...,
        df: str | float = ...,
        na_rm: bool = ...,
        deff: bool | str = ...,
    ) -> Estimate: ...
    @overload
    def ratio(
        self,
        y: str,
        x: str,
        by: str | Sequence[str],
        *,
        level: float = ...,
        df: str | float = ...,
        na_rm: bool = ...,
        deff: bool | str = ...,
    ) -> Estimates: ...
    def ratio(
        self,
        y: str,
        x: str,
        by: str | Sequence[str] | None = None,
        *,
        level: float = 0.95,
        df: str | float = "design",
        na_rm: bool = True,
        deff: bool | str = True,
    ) -> Estimate | Estimates:
        """Ratio of totals ``sum(w y) / sum(w x)`` (R's ``svyratio``); Wald interval."""
        return self._run("ratio", y, x, by, "wald", level, df, na_rm, deff=deff)

    # -- machinery (see estimator.py) ---------------------------------------------------
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
        return estimator.prepare(self, stat, y, x, by, na_rm=na_rm, deff=deff)

    def covariance(
        self, prep: Prepared, estimand_domains: Sequence[int] | None = None, *, full: bool = False
    ) -> np.ndarray:
        """Variances (or covariance matrix) of the estimates of the given domains."""
        return estimator.covariance(self, prep, estimand_domains, full=full)

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
        *,
        deff: bool | str = True,
    ) -> Estimate | Estimates:
        return estimator.run(self, stat, y, x, by, method, level, df, na_rm, deff=deff)

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
        """Any estimator as a table (also without ``by``), with notes: the CLI's entry."""
        return estimator.estimates(
            self, stat, y, x=x, by=by, ci=ci, level=level, df=df, na_rm=na_rm, deff=deff
        )

    def vcov(
        self,
        stat: str,
        y: str,
        by: str | Sequence[str],
        *,
        x: str | None = None,
        na_rm: bool = True,
    ) -> Covariance:
        """Covariance matrix of the domain estimates of ``stat`` (mean, total, proportion
        or ratio of ``y`` to ``x``) by ``by``: R's ``vcov(svyby(..., covmat=TRUE))``.
        Domains in sorted order; a domain with no rows of ``y`` has NaN row and column."""
        if stat not in ("mean", "total", "proportion", "ratio"):
            raise DesignError(f"covariance is for mean, total, proportion or ratio, not {stat!r}")
        if stat == "ratio" and x is None:
            raise DesignError("a ratio needs x (the denominator column)")
        prep = self.prepare(stat, y, x, by, na_rm=na_rm, deff=False)
        m = np.array(self.covariance(prep, full=True), dtype=np.float64)
        empty = prep.n == 0
        m[empty, :] = np.nan
        m[:, empty] = np.nan
        return Covariance(
            by=prep.by,
            domains=tuple(prep.cells.domains),
            matrix=m,
            stat=stat,
            variable=y if x is None else f"{y}/{x}",
        )

    # -- in memory --------------------------------------------------------------------
    def _memory_backend(self, what: str) -> MemoryBackend:
        if not isinstance(self._backend, MemoryBackend):
            raise DesignError(f"{what} needs the data in memory (not a database design)")
        return self._backend
