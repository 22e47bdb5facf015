"""Design-based regression, as R's ``svyglm`` (survey 4.1): gaussian and quasibinomial.

The coefficients solve the survey-weighted estimating equations (weighted least squares
for ``gaussian``; iteratively reweighted least squares with the logit link for
``quasibinomial``). Their covariance is R's sandwich (``svy.varcoef``): the influence of
row ``i`` is ``U_i A^-1`` with ``U_i = w_i x_i (y_i - mu_i)`` (the score; for the logit
link the working residual times the working weight is exactly ``w (y - mu)``) and
``A = X' diag(w mu') X``, and the covariance is the design variance of the totals of
these influence values (``svyrecvar``), with the design's lonely-PSU choice, its
calibration residuals and domain padding.

Degrees of freedom as R: ``df.residual = degf + 1 - p`` where ``degf`` counts the PSUs
minus the strata that hold rows used in the fit (rows with a missing value in any model
column leave the design, as R's ``svyglm`` does with ``design[-nas, ]``) and ``p`` the
number of coefficients. ``t = estimate / se``, two-sided p on t(df.residual), interval
``estimate +/- qt(1 - a/2, df.residual) * se`` (R's ``confint.svyglm``).

Average marginal effects (``Regression.marginal_effects()``): for a numeric term ``x``,
the survey-weighted mean over the rows used of ``d mu / d x = beta_x mu_i (1 - mu_i)``;
for a level ``l`` of a categorical term ``g``, the weighted mean of ``mu_i(g = l) -
mu_i(g = reference)`` with every row's ``g`` set to the level and to the reference.
Their SEs are by the delta method, ``sqrt(G V G')`` with ``G`` the gradient of the
effect in the coefficients and ``V`` the design-based covariance above; the covariates'
distribution is treated as fixed (Stata's ``margins, vce(delta)``, R's marginaleffects
default). For ``gaussian`` the marginal effects are the coefficients themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .calibration import residualise
from .errors import DesignError, NotEnoughDataError, describe_rows
from .formula import (
    Formula,
    FormulaError,
    ModelMatrix,
    build_model_matrix,
    check_columns,
    is_text,
    level_text,
    parse_formula,
    term_missing,
)
from .intervals import critical_value, reference_df, t_p_value
from .variance import design_variance, moments_from_rows

if TYPE_CHECKING:
    from .columns import Columns
    from .design import Design

__all__ = [
    "FAMILIES",
    "Coefficient",
    "ModelDataError",
    "ModelError",
    "Regression",
    "fit_glm",
]

FAMILIES: tuple[str, ...] = ("gaussian", "quasibinomial")


class ModelError(DesignError):
    """A regression that cannot be fitted: an outcome outside what the family allows, a
    singular model matrix (a term that is a combination of others)."""


class ModelDataError(ModelError, NotEnoughDataError):
    """A model its rows cannot carry: no rows to fit (in the domain), or a model matrix
    the rows make singular (a term constant, or a combination of others, among them)."""


@dataclass(frozen=True)
class Coefficient:
    """One coefficient (or average marginal effect) with its design-based inference."""

    term: str
    estimate: float
    se: float
    t: float
    p: float
    ci_low: float
    ci_high: float

    def as_dict(self) -> dict[str, Any]:
        def clean(v: float) -> float | None:
            return v if math.isfinite(v) else None

        return {
            "term": self.term,
            "estimate": clean(self.estimate),
            "se": clean(self.se),
            "t": clean(self.t),
            "p": clean(self.p),
            "ci_low": clean(self.ci_low),
            "ci_high": clean(self.ci_high),
        }


@dataclass(frozen=True)
class _Fit:
    x: np.ndarray
    w: np.ndarray
    beta: np.ndarray
    vcov: np.ndarray
    mm: ModelMatrix
    family: str


@dataclass(frozen=True)
class Regression:
    """A fitted survey regression (R's ``svyglm``) for the whole sample or one domain.

    ``df`` is R's ``df.residual`` (design df + 1 - number of coefficients), the df of
    every t, p and interval (``distribution`` says "normal" when ``df="inf"`` was asked
    for, and ``reference_df`` holds the df actually used). ``vcov`` is the design-based
    covariance matrix of the coefficients, in the order of ``coefficients``.
    """

    formula: str
    family: str
    coefficients: tuple[Coefficient, ...]
    df: int
    design_df: int
    n: int
    level: float
    reference_df: float
    vcov: np.ndarray = field(repr=False, compare=False)
    by: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    _fit: _Fit | None = field(default=None, repr=False, compare=False)

    @property
    def distribution(self) -> str:
        return "normal" if math.isinf(self.reference_df) else "t"

    def coefficient(self, term: str) -> Coefficient:
        for c in self.coefficients:
            if c.term == term:
                return c
        raise KeyError(f"no term {term!r}; terms are {', '.join(self.terms)}")

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(c.term for c in self.coefficients)

    def marginal_effects(self) -> tuple[Coefficient, ...]:
        """Average marginal effects with delta-method SEs (see the module docstring)."""
        if self._fit is None:
            raise ModelError("this regression carries no fit to compute marginal effects from")
        return _marginal_effects(self._fit, self.level, self.reference_df)

    def as_dict(self, *, marginal_effects: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.by:
            out["by"] = dict(self.by)
        out["formula"] = self.formula
        out["family"] = self.family
        out["n"] = self.n
        out["df"] = self.df
        out["coefficients"] = [c.as_dict() for c in self.coefficients]
        if marginal_effects:
            out["marginal_effects"] = [c.as_dict() for c in self.marginal_effects()]
        return out


# -- families ---------------------------------------------------------------------------
def _mu(family: str, eta: np.ndarray) -> np.ndarray:
    if family == "gaussian":
        return eta
    out = np.empty_like(eta)
    pos = eta >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-eta[pos]))
    e = np.exp(eta[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def _dmu(family: str, mu: np.ndarray) -> np.ndarray:
    """d mu / d eta."""
    return np.ones_like(mu) if family == "gaussian" else mu * (1.0 - mu)


def _d2mu(family: str, mu: np.ndarray) -> np.ndarray:
    """d^2 mu / d eta^2."""
    return np.zeros_like(mu) if family == "gaussian" else mu * (1.0 - mu) * (1.0 - 2.0 * mu)


# -- fitting ----------------------------------------------------------------------------
def _outcome(
    cols: Columns, formula: Formula, rows: np.ndarray, family: str
) -> tuple[np.ndarray, str | None]:
    name = formula.outcome
    note = None
    if is_text(cols, name):
        from .columns import factorize

        codes, labs = factorize(cols.labels(name, "outcome")[rows])
        if family == "gaussian":
            raise ModelError(
                f"outcome column {name!r} holds text; the gaussian family needs numbers",
                column=name,
            )
        if len(labs) != 2:
            shown = ", ".join(repr(level_text(v)) for v in labs[:5])
            raise ModelError(
                f"outcome column {name!r} must be 0/1 (or proportions in [0, 1]) or text with "
                f"two values for quasibinomial; it has {len(labs)} value(s): {shown}",
                column=name,
            )
        y = (codes == 1).astype(np.float64)
        note = (
            f"outcome {name!r}: {level_text(labs[1])!r} counted as 1 and "
            f"{level_text(labs[0])!r} as 0 (the second sorted value is the event, as R's "
            "binomial family does with a factor)"
        )
        return y, note
    y = cols.numeric(name, "outcome")[rows]
    if family == "quasibinomial":
        bad = (y < 0) | (y > 1)
        if bad.any():
            phrase, listed = describe_rows(rows[bad])
            raise ModelError(
                f"outcome column {name!r} must lie between 0 and 1 for quasibinomial "
                f"(as R requires); {phrase} do not (e.g. {y[np.flatnonzero(bad)[0]]:g})",
                column=name,
                rows=listed,
            )
    return y, note


def _check_rank(mm: ModelMatrix, w: np.ndarray, formula: Formula) -> None:
    """A ModelError naming the first column that is a combination of earlier ones
    (R's QR with tolerance 1e-7 would give it an NA coefficient)."""
    x = mm.x * np.sqrt(w)[:, None]
    kept: list[int] = []
    for k in range(x.shape[1]):
        col = x[:, k]
        norm = float(np.linalg.norm(col))
        if kept:
            basis = x[:, kept]
            coef, *_ = np.linalg.lstsq(basis, col, rcond=None)
            resid = float(np.linalg.norm(col - basis @ coef))
        else:
            resid = norm
        if norm == 0.0 or resid <= 1e-7 * max(norm, 1e-300):
            name = mm.columns[k]
            if norm == 0.0:
                why = "is zero in every row used"
            elif mm.term_of[k] is not None and mm.categorical.get(mm.term_of[k] or "", False):
                why = "is a combination of earlier columns"
            else:
                why = "is constant or a combination of earlier columns"
            earlier = ", ".join(mm.columns[j] for j in kept[:6]) or "none"
            raise ModelDataError(
                f"formula {formula.text!r}: the model matrix is singular: column {name!r} "
                f"{why} (earlier columns: {earlier}); drop or merge that term"
            )
        kept.append(k)


_EPS = float(np.finfo(float).eps)


def _logit_inv(eta: np.ndarray) -> np.ndarray:
    """R's ``binomial()$linkinv``: exp clamped at |eta| = 30, then ``t / (1 + t)``."""
    t = np.where(eta < -30, _EPS, np.where(eta > 30, 1.0 / _EPS, np.exp(np.clip(eta, -30, 30))))
    return t / (1.0 + t)


def _binomial_deviance(y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(y > 0, y * np.log(y / mu), 0.0)
        b = np.where(y < 1, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
    return float(np.sum(2 * w * (a + b)))


def _irls(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, family: str
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The coefficients as R's ``glm.fit`` computes them: ``w`` are the prior weights
    scaled as ``svyglm`` scales them; for the logit link the same start
    (``(w y + 0.5) / (w + 1)``), iterations and stopping rule (relative change in
    deviance below 1e-8, at most 25 iterations), so that the numbers agree with R's to
    far better than 1e-6 and not only with the exact optimum.

    Returns the coefficients, the working weights of the last iteration (computed, as
    in R, from the fitted values *before* that iteration's update: R's sandwich uses
    those, not weights recomputed at the final fit) and warnings (no convergence,
    fitted probabilities of 0 or 1), which become notes: R fits such models too."""
    if family == "gaussian":
        r = np.sqrt(w)
        beta, *_ = np.linalg.lstsq(x * r[:, None], y * r, rcond=None)
        return beta, w, []
    mu = (w * y + 0.5) / (w + 1.0)
    eta = np.log(mu / (1.0 - mu))
    devold = _binomial_deviance(y, mu, w)
    beta = np.zeros(x.shape[1])
    converged = False
    for _ in range(25):
        mu_eta = np.maximum(np.exp(-np.abs(eta)) / (1.0 + np.exp(-np.abs(eta))) ** 2, _EPS)
        z = eta + (y - mu) / mu_eta
        working = w * mu_eta**2 / (mu * (1.0 - mu))
        r = np.sqrt(working)
        beta, *_ = np.linalg.lstsq(x * r[:, None], z * r, rcond=None)
        eta = x @ beta
        mu = _logit_inv(eta)
        dev = _binomial_deviance(y, mu, w)
        if not math.isfinite(dev):
            break
        if abs(dev - devold) / (abs(dev) + 0.1) < 1e-8:
            converged = True
            break
        devold = dev
    warnings: list[str] = []
    if not converged:
        warnings.append(
            "the quasibinomial fit did not converge in 25 iterations (R's glm.fit limit; R "
            "warns the same): the coefficients are the last iteration's"
        )
    if np.any((mu > 1 - 10 * _EPS) | (mu < 10 * _EPS)):
        warnings.append(
            "fitted probabilities of 0 or 1 occur (perfect separation): the coefficients "
            "and SEs of the terms that separate the outcome are not meaningful"
        )
    return beta, working, warnings


def _degf(design: Design, used: np.ndarray) -> int:
    rows = design._backend.rows
    strata = int(np.unique(rows.stratum[used]).shape[0])
    psus = int(used.sum()) if rows.psu is None else int(np.unique(rows.psu[used]).shape[0])
    return psus - strata


def _inference(term: str, est: float, se: float, level: float, ref_df: float) -> Coefficient:
    t = est / se if se > 0 else math.nan
    p = t_p_value(t, ref_df)
    q = critical_value(level, ref_df)
    lo, hi = (est - q * se, est + q * se) if math.isfinite(q) else (math.nan, math.nan)
    return Coefficient(term=term, estimate=est, se=se, t=t, p=p, ci_low=lo, ci_high=hi)


def fit_glm(
    design: Design,
    formula: str,
    family: str = "gaussian",
    *,
    by: Sequence[str] = (),
    domain: dict[str, Any] | None = None,
    level: float = 0.95,
    df: str | float = "design",
) -> list[Regression]:
    """One fitted model per domain of ``by`` (one model when ``by`` is empty); with
    ``domain`` ({column: value}), the one model of that domain only."""
    if domain:
        by = tuple(domain)
    if family not in FAMILIES:
        raise ModelError(f"family must be one of {', '.join(FAMILIES)}, not {family!r}")
    if not 0 < level < 1:
        raise DesignError(f"level must be between 0 and 1, not {level}")
    backend = design._memory_backend("regression")
    cols = backend.cols
    f = parse_formula(formula)
    check_columns(f, cols)
    for name in by:
        cols.require(name, "by")
    miss = term_missing(f, cols)
    dom, labels, n_by_missing = backend.domains(tuple(by))
    w_all = design.weights
    info = design.info
    calibrated = design.calibrated
    out: list[Regression] = []
    wanted = None
    if domain:
        wanted = [
            d
            for d, label in enumerate(labels)
            if all(
                v == domain[c] or str(v) == str(domain[c]) for c, v in zip(by, label, strict=True)
            )
        ]
        if not wanted:
            raise ModelDataError(f"formula {f.text!r}: no rows in domain {domain}")
    for d, label in enumerate(labels):
        if wanted is not None and d not in wanted:
            continue
        in_dom = dom == d
        # svyglm scales the weights to mean 1 over the rows of its design (the domain,
        # or every row of a calibrated design, where rows outside the domain weigh 0)
        scale = float(w_all[in_dom].sum() / (w_all.shape[0] if calibrated else in_dom.sum()))
        used = in_dom & ~miss & (w_all > 0)
        by_dict = dict(zip(by, label, strict=True))
        where = f" in domain {by_dict}" if by else ""
        if not used.any():
            raise ModelDataError(f"formula {f.text!r}: no rows without missing values{where}")
        rows = np.flatnonzero(used)
        notes: list[str] = list(design.notes)
        y, ynote = _outcome(cols, f, rows, family)
        if ynote:
            notes.append(ynote)
        mm = build_model_matrix(f, cols, rows)
        w = w_all[rows]
        if mm.x.shape[1] == 0:
            raise FormulaError(f"formula {f.text!r} has no terms and no intercept")
        try:
            _check_rank(mm, w, f)
        except ModelError as exc:
            raise type(exc)(f"{exc}{where}") from None
        beta, working, fit_warnings = _irls(mm.x, y, w / scale, family)
        notes += [f"{text}{where}" for text in fit_warnings]
        eta = mm.x @ beta
        mu = _mu(family, eta) if family == "gaussian" else _logit_inv(eta)
        mu_eta = (
            np.ones_like(mu)
            if family == "gaussian"
            else np.maximum(np.exp(-np.abs(eta)) / (1.0 + np.exp(-np.abs(eta))) ** 2, _EPS)
        )
        # R's svy.varcoef: working residuals times working weights, (X' W X)^-1
        ainv = np.linalg.inv(mm.x.T @ (mm.x * working[:, None]))
        score = mm.x * ((y - mu) / mu_eta * working)[:, None]
        infl = np.zeros((cols.n, mm.x.shape[1]))
        infl[rows] = score @ ainv
        if calibrated:
            infl = residualise(infl, design._steps)
            mom = moments_from_rows(info, backend.rows, infl, full=True)
        else:
            mom = moments_from_rows(info, backend.rows, infl, full=True, used=used)
        vcov = np.asarray(design_variance(info, mom, design.spec.lonely_psu))
        p = mm.x.shape[1]
        design_df = _degf(design, used)
        df_resid = design_df + 1 - p
        ref_df = reference_df(df, df_resid)
        n_missing = int((in_dom & miss).sum())
        if n_missing:
            notes.append(
                f"{n_missing} row(s){where} with a missing value in {', '.join(f.columns)} "
                "left out, as R's svyglm does (they leave the design: degrees of freedom "
                "count only the PSUs of the rows used)"
            )
        if n_by_missing:
            notes.append(
                f"{n_by_missing} row(s) with a missing {', '.join(by)} belong to no domain"
            )
        if df_resid <= 0 and not math.isinf(ref_df):
            notes.append(
                f"residual degrees of freedom{where} are {df_resid} (design df {design_df} + 1 "
                f"- {p} coefficients): no t test or interval is possible"
            )
        se = np.sqrt(np.maximum(np.diag(vcov), 0.0))
        coefs = tuple(
            _inference(mm.columns[k], float(beta[k]), float(se[k]), level, ref_df) for k in range(p)
        )
        out.append(
            Regression(
                formula=f.text,
                family=family,
                coefficients=coefs,
                df=int(df_resid),
                design_df=int(design_df),
                n=int(rows.shape[0]),
                level=level,
                reference_df=ref_df,
                vcov=vcov,
                by=by_dict,
                notes=tuple(notes),
                _fit=_Fit(x=mm.x, w=w, beta=beta, vcov=vcov, mm=mm, family=family),
            )
        )
    return out


# -- marginal effects -------------------------------------------------------------------
def marginal_effect_values(fit: _Fit, beta: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The average marginal effects at coefficients ``beta`` (for the delta method and
    for numeric-derivative checks)."""
    names: list[str] = []
    values: list[float] = []
    for name, _grad in _effects(fit, beta, gradient=False):
        names.append(name)
        values.append(_grad)
    return names, np.asarray(values)


def _effects(fit: _Fit, beta: np.ndarray, *, gradient: bool) -> Any:
    mm = fit.mm
    x = fit.x
    wn = fit.w / fit.w.sum()
    fam = fit.family
    mu = _mu(fam, x @ beta)
    dmu = _dmu(fam, mu)
    d2 = _d2mu(fam, mu)
    done: set[str] = set()
    for k, term in enumerate(mm.term_of):
        if term is None:
            continue
        if not mm.categorical[term]:
            val = float(beta[k] * (wn @ dmu))
            if not gradient:
                yield mm.columns[k], val
                continue
            g = beta[k] * ((wn * d2) @ x)
            g[k] += float(wn @ dmu)
            yield mm.columns[k], val, g
            continue
        if term in done:
            continue
        done.add(term)
        ks = [j for j, t in enumerate(mm.term_of) if t == term]
        full = not mm.columns[ks[0]].startswith(f"{term}[T.")
        base = x.copy()
        base[:, ks] = 0.0
        if full:  # no intercept: the first level's own column is the reference
            base[:, ks[0]] = 1.0
            targets = ks[1:]
        else:
            targets = ks
        mu_r = _mu(fam, base @ beta)
        for j in targets:
            xl = base.copy()
            if full:
                xl[:, ks[0]] = 0.0
            xl[:, j] = 1.0
            mu_l = _mu(fam, xl @ beta)
            val = float(wn @ (mu_l - mu_r))
            name = mm.columns[j]
            if full:
                name = f"{term}[T.{name[len(term) + 1 : -1]}]"
            if not gradient:
                yield name, val
                continue
            g = (wn * _dmu(fam, mu_l)) @ xl - (wn * _dmu(fam, mu_r)) @ base
            yield name, val, g


def _marginal_effects(fit: _Fit, level: float, ref_df: float) -> tuple[Coefficient, ...]:
    out = []
    for name, val, g in _effects(fit, fit.beta, gradient=True):
        var = float(g @ fit.vcov @ g)
        out.append(_inference(name, val, math.sqrt(max(var, 0.0)), level, ref_df))
    return tuple(out)
