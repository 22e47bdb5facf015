"""Typed, immutable results of the estimation library."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ChiSquareTest", "Comparison", "Covariance", "Estimate", "Estimates"]


def _clean(v: Any) -> Any:
    """NaN and infinities become None, so that JSON stays valid."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


@dataclass(frozen=True)
class Estimate:
    """One estimate for the whole sample (``by == {}``) or for one domain.

    ``n`` is the number of rows used (present values in the domain); ``df`` the design
    degrees of freedom of the domain (R's ``degf`` on the domain: PSUs minus strata that
    hold domain members); ``distribution`` says whether the interval used Student t with
    that df or the normal (``reference_df``: the df used, which a numeric ``df=`` sets);
    ``note`` says why there is no interval, if there is none; ``deff`` is Kish's design effect as R's ``deff=TRUE`` gives it
    (variance over the variance under simple random sampling without replacement).
    """

    by: Mapping[str, Any]
    n: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    df: int
    deff: float
    stat: str = "mean"
    variable: str = ""
    method: str = "wald"
    level: float = 0.95
    distribution: str = "t"
    n_missing: int = 0
    weight_total: float = math.nan
    reference_df: float = math.nan
    note: str = ""
    quantile: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict with the JSON field names (NaN and infinities as None); quantiles
        also carry ``quantile`` (the probability)."""
        head: dict[str, Any] = {"by": dict(self.by)}
        if self.quantile is not None:
            head["quantile"] = self.quantile
        return {
            **head,
            "n": self.n,
            "estimate": _clean(self.estimate),
            "se": _clean(self.se),
            "ci_low": _clean(self.ci_low),
            "ci_high": _clean(self.ci_high),
            "df": self.df,
            "deff": _clean(self.deff),
        }

    @property
    def var(self) -> float:
        return self.se * self.se


@dataclass(frozen=True)
class Estimates:
    """Estimates for a set of domains, in sorted domain order, with any notes."""

    rows: tuple[Estimate, ...]
    by: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Estimate]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> Estimate:
        return self.rows[i]

    def get(self, *values: Any, **by: Any) -> Estimate:
        """The estimate of one domain, by position (``get("E")``) or name (``get(stype="E")``)."""
        if values:
            by = dict(zip(self.by, values, strict=True))
        for row in self.rows:
            if all(row.by.get(k) == v for k, v in by.items()):
                return row
        raise KeyError(f"no domain {by!r}")

    def as_dicts(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.rows]


@dataclass(frozen=True)
class Covariance:
    """Covariance matrix of domain estimates (R's ``vcov(svyby(..., covmat=TRUE))``):
    ``matrix[i, j]`` is the covariance of the estimates of ``domains[i]`` and
    ``domains[j]`` (each a tuple of values of the ``by`` columns)."""

    by: tuple[str, ...]
    domains: tuple[tuple[Any, ...], ...]
    matrix: Any
    stat: str = "mean"
    variable: str = ""

    def as_dict(self) -> dict[str, Any]:
        """``domains`` as dicts of the ``by`` columns; NaN as None."""
        return {
            "domains": [dict(zip(self.by, d, strict=True)) for d in self.domains],
            "matrix": [[_clean(float(v)) for v in row] for row in self.matrix],
        }


@dataclass(frozen=True)
class Comparison:
    """A difference ``a - b`` between two domains (or periods) with its inference.

    The SE includes the covariance of the two estimates where they share PSUs (and the
    covariance through a common stratum). ``df`` is the design df of the two domains
    together minus one (as R's ``svyttest``); ``p_value`` is two-sided.
    ``scale`` is 100 for proportions (the difference is then reported in percentage
    points in ``verdict``), 1 otherwise.
    """

    a: Mapping[str, Any]
    b: Mapping[str, Any]
    estimate_a: float
    estimate_b: float
    difference: float
    se: float
    ci_low: float
    ci_high: float
    df: int
    t: float
    p_value: float
    level: float
    significant: bool
    verdict: str
    stat: str = "proportion"
    scale: float = 100.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "a": dict(self.a),
            "b": dict(self.b),
            "estimate_a": _clean(self.estimate_a),
            "estimate_b": _clean(self.estimate_b),
            "difference": _clean(self.difference),
            "se": _clean(self.se),
            "ci_low": _clean(self.ci_low),
            "ci_high": _clean(self.ci_high),
            "df": self.df,
            "t": _clean(self.t),
            "p_value": _clean(self.p_value),
            "level": self.level,
            "significant": self.significant,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class ChiSquareTest:
    """Design-based test of independence in a two-way table (R's ``svychisq``).

    ``statistic`` is the Rao-Scott F (``method="F"``, R's default: Pearson's X^2 divided
    by the mean generalised design effect, referred to F(ndf, ddf)) or Pearson's X^2
    with the first-order correction (``method="Chisq"``, referred to chi-square with
    ``ndf`` df after division by the mean design effect). ``pearson`` is the Pearson X^2
    of the weighted table scaled to the sample size.
    """

    statistic: float
    ndf: float
    ddf: float
    p_value: float
    pearson: float
    method: str
    rows: tuple[Any, ...] = ()
    cols: tuple[Any, ...] = ()
    table: tuple[tuple[float, ...], ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "statistic": _clean(self.statistic),
            "ndf": _clean(self.ndf),
            "ddf": _clean(self.ddf),
            "p_value": _clean(self.p_value),
            "pearson": _clean(self.pearson),
            "method": self.method,
        }
