"""The sums layer: what every estimator needs, reduced to per-cell sums in one aggregation.

A *cell* is one (domain, stratum) pair for designs without clusters (each row is its own
PSU), one (domain, PSU) pair for one-stage cluster designs, and one (domain, PSU, SSU)
triple when the second stage of a two-stage design enters the variance.

For an estimator of the ratio type (mean, proportion, ratio) or a total of ``a`` (and
``b``; ``b`` is 1 for means, proportions and totals) in each domain, a cell carries

* ``n_rows``: rows in the cell (including rows whose ``a``/``b`` are missing),
* ``n``: rows with ``a`` and ``b`` present,
* sums of ``w**p * a**q * b**r`` over the rows with ``a``/``b`` present, for a small set
  of exponent triples ``(p, q, r)`` (a *term*). Element-level cells also carry the
  second moments ``(2,2,0)``, ``(2,1,1)``, ``(2,0,2)`` so that each row can act as its own
  PSU without being sent back.

The sums are computed by an engine: numpy (``np.bincount``) for data in memory, or SQL for
data in DuckDB, SQLite or PostgreSQL (see ``pushdown``). Everything after the sums (the
variance, intervals, comparisons) is the same numpy code whichever engine ran.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

__all__ = [
    "CellSums",
    "DesignInfo",
    "RowDesign",
    "Term",
    "aggregate_rows",
    "canonical_term",
    "needed_terms",
]

Term = tuple[int, int, int]
Level = Literal["element", "psu", "ssu"]

#: terms every estimator needs: total weight, weighted sums of a and of b
BASE_TERMS: tuple[Term, ...] = ((1, 0, 0), (1, 1, 0), (1, 0, 1))
#: per-row second moments, needed when each row is its own PSU
ELEMENT_TERMS: tuple[Term, ...] = ((2, 2, 0), (2, 1, 1), (2, 0, 2))
#: weighted second moments for design effects (svyvar)
DEFF_TERMS: tuple[Term, ...] = ((1, 2, 0), (1, 1, 1), (1, 0, 2))


def canonical_term(term: Term, *, b_is_one: bool, a_binary: bool) -> Term:
    """The simplest equal term: ``b**r`` is 1 when b is 1, ``a**q`` is ``a`` when a is 0/1."""
    p, q, r = term
    if b_is_one:
        r = 0
    if a_binary and q > 1:
        q = 1
    return (p, q, r)


def needed_terms(level: Level, *, deff: bool, b_is_one: bool, a_binary: bool) -> list[Term]:
    """The distinct canonical terms an aggregation must compute."""
    wanted: list[Term] = list(BASE_TERMS)
    if level == "element":
        wanted += ELEMENT_TERMS
    if deff:
        wanted += DEFF_TERMS
    out: list[Term] = []
    for t in wanted:
        c = canonical_term(t, b_is_one=b_is_one, a_binary=a_binary)
        if c not in out:
            out.append(c)
    return out


@dataclass(frozen=True)
class DesignInfo:
    """The structure of a design that the variance needs, whatever engine holds the data.

    ``n_psu[h]`` and ``popsize[h]`` are the number of PSUs sampled in stratum ``h`` and its
    population size (``None`` without a finite population correction). For two-stage
    variances, ``n_ssu[j]`` and ``popsize2[j]`` are the same for the SSUs of PSU ``j``.
    ``cell_weight`` holds the weight per stratum (element and one-stage designs) or per PSU
    (two-stage) when weights are derived from the fpc, so that SQL engines can sum
    unweighted values and scale afterwards.
    """

    strata: tuple[Any, ...]
    n_psu: np.ndarray
    popsize: np.ndarray | None
    n_rows: int
    psus: tuple[Any, ...] | None = None
    psu_stratum: np.ndarray | None = None
    n_ssu: np.ndarray | None = None
    popsize2: np.ndarray | None = None
    weight_source: Literal["column", "fpc", "equal"] = "column"
    cell_weight: np.ndarray | None = None
    cell_weight_level: Literal["stratum", "psu"] | None = None
    has_strata: bool = False
    stage2_variance: bool = False

    @property
    def level(self) -> Level:
        """The cell level an aggregation must reach for this design."""
        if self.psus is None:
            return "element"
        return "ssu" if self.stage2_variance else "psu"

    @property
    def n_strata(self) -> int:
        return len(self.strata)

    @property
    def n_psus_total(self) -> int:
        """Number of PSUs in the whole sample (rows, for designs without clusters)."""
        return int(self.n_psu.sum())

    def degf(self) -> int:
        """R's ``degf``: PSUs minus strata in the whole sample."""
        return self.n_psus_total - self.n_strata


@dataclass(frozen=True)
class RowDesign:
    """Row-level codes of an in-memory design (0-based codes into ``DesignInfo``)."""

    stratum: np.ndarray
    weights: np.ndarray
    psu: np.ndarray | None = None
    ssu: np.ndarray | None = None
    ssu_psu: np.ndarray | None = None
    n_ssus: int = 0


@dataclass(frozen=True)
class CellSums:
    """Per-cell sums for one estimator call (see the module docstring)."""

    level: Level
    domains: tuple[tuple[Any, ...], ...]
    domain: np.ndarray
    stratum: np.ndarray
    psu: np.ndarray | None
    ssu: np.ndarray | None
    n_rows: np.ndarray
    n: np.ndarray
    sums: Mapping[Term, np.ndarray]
    b_is_one: bool
    a_binary: bool
    extra: Mapping[str, Any] = field(default_factory=dict)

    def term(self, p: int, q: int, r: int) -> np.ndarray:
        """The per-cell sum of ``w**p a**q b**r``."""
        key = canonical_term((p, q, r), b_is_one=self.b_is_one, a_binary=self.a_binary)
        if key == (0, 0, 0):
            return self.n.astype(np.float64)
        return self.sums[key]

    @property
    def n_domains(self) -> int:
        return len(self.domains)

    def per_domain(self, values: np.ndarray) -> np.ndarray:
        """Sum a per-cell array to one value per domain."""
        return np.bincount(self.domain, weights=values, minlength=self.n_domains)


def _group(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """Map keys to dense group ids; returns (group id per element, key per group)."""
    n = key.shape[0]
    if space <= 4 * n + 65536:
        present = np.bincount(key, minlength=space) > 0
        ids = np.cumsum(present) - 1
        return ids[key], np.flatnonzero(present)
    uniq, inv = np.unique(key, return_inverse=True)
    return inv.astype(np.int64), uniq


def aggregate_rows(
    info: DesignInfo,
    rows: RowDesign,
    *,
    a: np.ndarray,
    b: np.ndarray | None,
    domain: np.ndarray,
    domains: Iterable[tuple[Any, ...]],
    terms: Iterable[Term],
    a_binary: bool,
) -> CellSums:
    """The numpy engine: per-cell sums from in-memory rows with ``np.bincount``.

    ``a`` and ``b`` are float arrays with NaN for missing values; ``domain`` holds each
    row's domain code (-1 for rows in no domain, e.g. a missing ``by`` value).
    """
    domains = tuple(domains)
    k = len(domains)
    # rows of weight 0 are in the design (their PSUs count in n_h) but in no cell: they
    # add nothing to sums and, as R's degf, nothing to degrees of freedom
    in_dom = (domain >= 0) & (rows.weights > 0)
    level = info.level
    if level == "element":
        unit = rows.stratum
        space_unit = info.n_strata
    elif level == "psu":
        if not (rows.psu is not None):
            raise RuntimeError("internal error: inconsistent design structure")
        unit = rows.psu
        space_unit = len(info.psus or ())
    else:
        if not (rows.ssu is not None):
            raise RuntimeError("internal error: inconsistent design structure")
        unit = rows.ssu
        space_unit = rows.n_ssus
    idx = np.flatnonzero(in_dom) if not in_dom.all() else None
    dom = domain if idx is None else domain[idx]
    un = unit if idx is None else unit[idx]
    key = dom.astype(np.int64) * space_unit + un
    gid, gkey = _group(key, max(k * space_unit, 1))
    ncell = gkey.shape[0]
    cell_dom = gkey // space_unit
    cell_unit = gkey % space_unit

    av = a if idx is None else a[idx]
    ok = ~np.isnan(av)
    bv = None
    if b is not None:
        bv = b if idx is None else b[idx]
        ok &= ~np.isnan(bv)
    w = rows.weights if idx is None else rows.weights[idx]
    n_rows = np.bincount(gid, minlength=ncell)
    all_ok = bool(ok.all())
    n = n_rows.copy() if all_ok else np.bincount(gid, weights=ok, minlength=ncell).astype(np.int64)
    a0 = av if all_ok else np.where(ok, av, 0.0)
    w0 = w if all_ok else np.where(ok, w, 0.0)
    b0 = None if bv is None else (bv if all_ok else np.where(ok, bv, 0.0))

    sums: dict[Term, np.ndarray] = {}
    cache: dict[Term, np.ndarray] = {}

    def product(term: Term) -> np.ndarray:
        if term in cache:
            return cache[term]
        p, q, r = term
        if q > 0:
            prev = product((p, q - 1, r))
            out = prev * a0
        elif r > 0:
            if not (b0 is not None):
                raise RuntimeError("internal error: inconsistent design structure")
            out = product((p, 0, r - 1)) * b0
        elif p > 0:
            out = w0 if p == 1 else product((p - 1, 0, 0)) * w0
        else:
            out = ok.astype(np.float64)
        cache[term] = out
        return np.asarray(out)

    for t in terms:
        sums[t] = np.bincount(gid, weights=product(t), minlength=ncell)

    if level == "element":
        stratum = cell_unit
        psu = None
        ssu = None
    elif level == "psu":
        if not (info.psu_stratum is not None):
            raise RuntimeError("internal error: inconsistent design structure")
        psu = cell_unit
        stratum = info.psu_stratum[psu]
        ssu = None
    else:
        if not (rows.ssu_psu is not None and info.psu_stratum is not None):
            raise RuntimeError("internal error: inconsistent design structure")
        ssu = cell_unit
        psu = rows.ssu_psu[ssu]
        stratum = info.psu_stratum[psu]
    return CellSums(
        level=level,
        domains=domains,
        domain=cell_dom.astype(np.int64),
        stratum=np.asarray(stratum, dtype=np.int64),
        psu=None if psu is None else np.asarray(psu, dtype=np.int64),
        ssu=None if ssu is None else np.asarray(ssu, dtype=np.int64),
        n_rows=n_rows.astype(np.int64),
        n=n.astype(np.int64),
        sums=sums,
        b_is_one=b is None,
        a_binary=a_binary,
    )
