"""The rest of ``Design``'s methods: weighting (R's ``postStratify``, ``rake``,
``calibrate``), quantiles, replicate weights, regression and comparisons. A mixin, so
that ``design.py`` stays the core; each method forwards to its own module.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast, overload

import numpy as np

from .calibration import (
    Step,
    generalised_calibration,
    model_matrix,
    poststratify_weights,
    rake_weights,
    trim_weights,
)
from .errors import DesignError
from .estimator import as_tuple
from .results import Estimates

if TYPE_CHECKING:
    from .design import Design
    from .memory import DesignSpec, MemoryBackend
    from .regression import Regression
    from .replicate import ReplicateDesign
    from .sums import DesignInfo

__all__ = ["DesignMethods"]


class DesignMethods:
    """Weighting, quantiles, replicates, regression and comparisons of a ``Design``."""

    _steps: tuple[Step, ...]
    _weights: np.ndarray | None
    spec: DesignSpec

    if TYPE_CHECKING:  # provided by Design

        @property
        def weights(self) -> np.ndarray: ...
        @property
        def info(self) -> DesignInfo: ...
        @property
        def notes(self) -> tuple[str, ...]: ...
        def _copy(self) -> Design: ...
        def _memory_backend(self, what: str) -> MemoryBackend: ...

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
        names = as_tuple(variables)
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
        calfun: str = "linear",
        bounds: tuple[float, float] = (-math.inf, math.inf),
        maxit: int = 50,
        epsilon: float = 1e-7,
    ) -> Design:
        """Calibration, R's ``calibrate(..., calfun=, bounds=)``: linear (GREG; in one
        step without bounds), ``"raking"`` or ``"logit"`` (which needs finite bounds),
        with the g-weights kept within ``bounds`` (lower < 1 < upper) where the function
        allows (see ``calibration.generalised_calibration``).

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
        new_w, step = generalised_calibration(
            self.weights,
            mm,
            np.asarray(totals),
            calfun=calfun,
            bounds=bounds,
            maxit=maxit,
            epsilon=epsilon,
        )
        out = self._copy()
        out._weights = new_w
        out._steps = (*self._steps, step)
        return out

    def trim_weights(
        self, *, lower: float = -math.inf, upper: float = math.inf, strict: bool = False
    ) -> Design:
        """R's ``trimWeights``: weights outside ``[lower, upper]`` set to the bound, the
        amount trimmed shared equally by the other rows (``strict``: until none is
        outside). The variance is that of the design with the new weights (as R: no
        residuals are added)."""
        self._memory_backend("trimming weights")
        out = self._copy()
        out._weights = trim_weights(self.weights, lower=lower, upper=upper, strict=strict)
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

        return run(
            cast("Design", self),
            y,
            quantiles,
            by=as_tuple(by),
            qrule=qrule,
            level=level,
            df=df,
        )

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
        Uses the first stage only (PSUs, strata and their fpc; BRR and Fay drop the fpc),
        as R, with a note where R warns. See ``replicate_weights``."""
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
        notes = list(self.notes)
        if self.info.popsize is not None and reps.type in ("BRR", "Fay"):
            notes.append(
                f"the finite population correction is dropped for {reps.type} replicates "
                "(as R's as.svrepdesign, which warns)"
            )
        elif self.info.popsize2 is not None:
            notes.append(
                "the second-stage finite population correction is dropped in the "
                "conversion (as R's as.svrepdesign, which warns)"
            )
        return ReplicateDesign.from_replicates(
            backend.cols, self.weights, reps, mse=mse, notes=notes
        )

    # -- regression (see regression.py) ----------------------------------------------
    @overload
    def glm(
        self,
        formula: str,
        family: str = ...,
        *,
        by: None = None,
        domain: Mapping[str, Any] | None = ...,
        level: float = ...,
        df: str | float = ...,
    ) -> Regression: ...
    @overload
    def glm(
        self,
        formula: str,
        family: str = ...,
        *,
        by: str | Sequence[str],
        domain: Mapping[str, Any] | None = ...,
        level: float = ...,
        df: str | float = ...,
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

        by_cols = as_tuple(by)
        if by_cols and domain:
            raise DesignError("give by= (every domain) or domain= (one), not both")
        try:
            fits = fit_glm(
                cast("Design", self),
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

        return compare(cast("Design", self), y, by, a, b, **kw)

    def chisq(self, row: str, col: str, *, statistic: str = "F") -> Any:
        """Rao-Scott test of independence of two columns; see ``compare.chisq``."""
        from .compare import chisq

        return chisq(cast("Design", self), row, col, statistic=statistic)
