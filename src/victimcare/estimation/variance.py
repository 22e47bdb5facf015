"""Taylor-linearised variances from per-cell sums, as R's ``svyrecvar`` computes them.

An *estimand* ``e`` has an influence value per row; the variance only needs, per stratum
``h`` and estimand, the sum ``s1`` of its PSU totals and the sum ``s2`` of their squares
(or cross-products, for a covariance matrix). Then, as in R's ``onestrat``::

    V = sum_h  f_h * n_h / (n_h - 1) * (s2_h - s1_h s1_h' / n_h)

with ``n_h`` the PSUs sampled in the stratum in the *whole* sample (so a domain's absent
PSUs count as zeros, R's domain padding) and ``f_h = (N_h - n_h) / N_h`` (1 without fpc).
A stratum with ``f_h < 1e-7`` is taken with certainty (zero variance). A stratum with one
PSU follows ``lonely_psu``:

``fail``       raise DesignError (R's default);
``certainty``  contributes nothing (the single PSU is treated as taken with certainty);
``remove``     contributes nothing, exactly as in R's Taylor-series code;
``adjust``     the PSU total is centred at the grand mean (zero) instead of the stratum mean;
``average``    the stratum is left out and the variance is scaled up by the ratio of strata
               to strata with two or more PSUs.

For two-stage designs with an fpc at both stages, the second stage adds, for each PSU,
its within-PSU variance (the SSUs as PSUs of a one-stratum design) times the first-stage
sampling fraction ``n_h / N_h``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DesignError
from .sums import CellSums, DesignInfo, RowDesign

__all__ = [
    "LONELY_PSU_CHOICES",
    "Moments",
    "design_variance",
    "moments_from_cells",
    "moments_from_rows",
]

LONELY_PSU_CHOICES = ("fail", "certainty", "remove", "adjust", "average")


@dataclass(frozen=True)
class Moments:
    """``s1``/``s2`` per stratum (stage 1) and per PSU (stage 2) for ``m`` estimands.

    ``s2`` is ``(H, m)`` for variances only, or ``(H, m, m)`` for a covariance matrix.
    ``present`` marks strata (PSUs at stage 2) that hold rows of each estimand's domain.
    """

    s1: np.ndarray
    s2: np.ndarray
    present: np.ndarray
    s1b: np.ndarray | None = None
    s2b: np.ndarray | None = None
    presentb: np.ndarray | None = None

    @property
    def full(self) -> bool:
        return self.s2.ndim == 3


def _bincount2(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(index, weights=values, minlength=size)


def moments_from_cells(
    info: DesignInfo,
    cells: CellSums,
    estimand_of_domain: np.ndarray,
    alpha: np.ndarray,
    beta: np.ndarray,
    *,
    full: bool = False,
) -> Moments:
    """Moments for estimands whose influence in domain ``d`` is ``alpha*w*a + beta*w*b``.

    ``estimand_of_domain[d]`` is the estimand of domain ``d`` (-1: none). Each estimand
    belongs to one domain, so a cell feeds exactly one estimand.
    """
    m = alpha.shape[0]
    h_count = info.n_strata
    e_cell = estimand_of_domain[cells.domain]
    use = (e_cell >= 0) & (cells.n > 0)
    e = e_cell[use]
    strat = cells.stratum[use]
    sa = cells.term(1, 1, 0)[use]
    sb = cells.term(1, 0, 1)[use]
    al = alpha[e]
    be = beta[e]
    z = al * sa + be * sb
    key = strat * m + e
    s1 = _bincount2(key, z, h_count * m).reshape(h_count, m)
    present = (np.bincount(key, minlength=h_count * m) > 0).reshape(h_count, m)

    if cells.level == "element":
        taa = al * al * cells.term(2, 2, 0)[use]
        tab = 2 * al * be * cells.term(2, 1, 1)[use]
        tbb = be * be * cells.term(2, 0, 2)[use]
        q = taa + tab + tbb
        # sum of squares by moments: what cancels to rounding noise is zero
        q = np.where(np.abs(q) <= 1e-12 * (np.abs(taa) + np.abs(tab) + np.abs(tbb)), 0.0, q)
        s2d = _bincount2(key, q, h_count * m).reshape(h_count, m)
        s2: np.ndarray
        if full:
            s2 = np.zeros((h_count, m, m))
            idx = np.arange(m)
            s2[:, idx, idx] = s2d
        else:
            s2 = s2d
        return Moments(s1=s1, s2=s2, present=present)

    if not (cells.psu is not None and info.psu_stratum is not None):
        raise RuntimeError("internal error: inconsistent design structure")
    n_psu_all = len(info.psus or ())
    psu = cells.psu[use]
    # PSU totals per estimand (SSU cells are summed up first)
    pkey = psu * m + e
    if cells.level == "ssu":
        gid_space = n_psu_all * m
        if gid_space <= 4 * pkey.shape[0] + 65536:
            zt = np.bincount(pkey, weights=z, minlength=gid_space)
            pres = np.bincount(pkey, minlength=gid_space) > 0
            keys = np.flatnonzero(pres)
            zp = zt[keys]
        else:
            keys, inv = np.unique(pkey, return_inverse=True)
            zp = np.bincount(inv, weights=z, minlength=keys.shape[0])
        p_psu = keys // m
        p_e = keys % m
    else:
        p_psu, p_e, zp = psu, e, z
    p_strat = info.psu_stratum[p_psu]
    s2 = np.empty(0)
    if not full:
        s2 = _bincount2(p_strat * m + p_e, zp * zp, h_count * m).reshape(h_count, m)
    else:
        upsu, inv = np.unique(p_psu, return_inverse=True)
        dense = np.zeros((upsu.shape[0], m))
        np.add.at(dense, (inv, p_e), zp)
        outer = dense[:, :, None] * dense[:, None, :]
        s2 = np.zeros((h_count, m, m))
        np.add.at(s2, info.psu_stratum[upsu], outer)

    if cells.level != "ssu":
        return Moments(s1=s1, s2=s2, present=present)

    # stage 2: within each PSU, SSU totals
    if not (info.n_ssu is not None):
        raise RuntimeError("internal error: inconsistent design structure")
    skey = psu * m + e
    space = n_psu_all * m
    s1b = _bincount2(skey, z, space).reshape(n_psu_all, m)
    presb = (np.bincount(skey, minlength=space) > 0).reshape(n_psu_all, m)
    if not full:
        s2b = _bincount2(skey, z * z, space).reshape(n_psu_all, m)
    else:
        ussu, sinv = np.unique(cells.ssu[use], return_inverse=True)  # type: ignore[index,call-overload]
        dense = np.zeros((ussu.shape[0], m))
        np.add.at(dense, (sinv, e), z)
        ssu_psu = np.zeros(ussu.shape[0], dtype=np.int64)
        ssu_psu[sinv] = psu
        outer = dense[:, :, None] * dense[:, None, :]
        s2b = np.zeros((n_psu_all, m, m))
        np.add.at(s2b, ssu_psu, outer)
    return Moments(s1=s1, s2=s2, present=present, s1b=s1b, s2b=s2b, presentb=presb)


def moments_from_rows(
    info: DesignInfo,
    rows: RowDesign,
    x: np.ndarray,
    *,
    full: bool = False,
    used: np.ndarray | None = None,
) -> Moments:
    """Moments from row-level influence values ``x`` (n x m), as after calibration.

    Every stratum (and PSU) counts as present, as R keeps all rows of a calibrated design,
    unless ``used`` (a row mask) says which rows remain in the design (R's subset of an
    uncalibrated design): then only strata and PSUs holding such rows are present.
    """
    _n, m = x.shape
    h_count = info.n_strata
    if rows.psu is None:
        unit_stratum = rows.stratum
        zt = x
    else:
        j = len(info.psus or ())
        zt = np.zeros((j, m))
        for c in range(m):
            zt[:, c] = np.bincount(rows.psu, weights=x[:, c], minlength=j)
        if not (info.psu_stratum is not None):
            raise RuntimeError("internal error: inconsistent design structure")
        unit_stratum = info.psu_stratum
    s1 = np.zeros((h_count, m))
    for c in range(m):
        s1[:, c] = np.bincount(unit_stratum, weights=zt[:, c], minlength=h_count)
    if full:
        s2 = np.zeros((h_count, m, m))
        np.add.at(s2, unit_stratum, zt[:, :, None] * zt[:, None, :])
    else:
        s2 = np.zeros((h_count, m))
        for c in range(m):
            s2[:, c] = np.bincount(unit_stratum, weights=zt[:, c] ** 2, minlength=h_count)
    if used is None:
        present = np.ones((h_count, m), dtype=bool)
    else:
        has = np.bincount(rows.stratum[used], minlength=h_count) > 0
        present = np.repeat(has[:, None], m, axis=1)
    if info.level != "ssu":
        return Moments(s1=s1, s2=s2, present=present)
    if not (rows.ssu is not None and rows.ssu_psu is not None):
        raise RuntimeError("internal error: inconsistent design structure")
    j = len(info.psus or ())
    zs = np.zeros((rows.n_ssus, m))
    for c in range(m):
        zs[:, c] = np.bincount(rows.ssu, weights=x[:, c], minlength=rows.n_ssus)
    s1b = zt
    if full:
        s2b = np.zeros((j, m, m))
        np.add.at(s2b, rows.ssu_psu, zs[:, :, None] * zs[:, None, :])
    else:
        s2b = np.zeros((j, m))
        for c in range(m):
            s2b[:, c] = np.bincount(rows.ssu_psu, weights=zs[:, c] ** 2, minlength=j)
    if used is None:
        presentb = np.ones((j, m), dtype=bool)
    else:
        hasb = np.bincount(np.asarray(rows.psu)[used], minlength=j) > 0
        presentb = np.repeat(hasb[:, None], m, axis=1)
    return Moments(s1=s1, s2=s2, present=present, s1b=s1b, s2b=s2b, presentb=presentb)


def _one_stage(
    s1: np.ndarray,
    s2: np.ndarray,
    present: np.ndarray,
    n: np.ndarray,
    popsize: np.ndarray | None,
    lonely_psu: str,
    *,
    stage: int,
    labels: tuple[Any, ...],
    multiplier: np.ndarray | None = None,
    separate_calls: bool = False,
) -> np.ndarray:
    full = s2.ndim == 3
    nf = n.astype(np.float64)
    if popsize is None:
        f = np.ones_like(nf)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(np.isinf(popsize), 1.0, (popsize - nf) / popsize)
    certain = f < 1e-7
    lonely = (n == 1) & ~certain
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(n > 1, f * nf / (nf - 1.0), f)
    if full:
        centred = s2 - s1[:, :, None] * s1[:, None, :] / nf[:, None, None]
        pres_any = present.any(axis=1)
    else:
        centred = s2 - s1 * s1 / nf[:, None]
        pres_any = present.any(axis=1)
    if lonely_psu == "fail":
        bad = lonely & pres_any
        if bad.any():
            h = int(np.flatnonzero(bad)[0])
            what = "stratum" if stage == 1 else "PSU"
            raise DesignError(
                f"{what} {labels[h]!r} has only one PSU at stage {stage}; choose "
                "lonely_psu='certainty', 'remove', 'adjust' or 'average' (R's survey.lonely.psu)"
            )
    # rounding noise from the moment formula when all PSU totals are equal
    centred = np.where(np.abs(centred) <= 1e-12 * np.abs(s2), 0.0, centred)
    shape = (-1,) + (1,) * (centred.ndim - 1)
    contrib = c.reshape(shape) * centred
    if lonely.any():
        lonely_r = lonely.reshape(shape)
        if lonely_psu == "adjust":
            contrib = np.where(lonely_r, f.reshape(shape) * s2, contrib)
        else:
            contrib = np.where(lonely_r, 0.0, contrib)
    contrib = np.where(certain.reshape(shape), 0.0, contrib)
    if multiplier is not None:
        contrib = contrib * multiplier.reshape(shape)
    keep = pres_any.reshape(shape) if full else present
    total = np.where(keep, contrib, 0.0).sum(axis=0)
    if lonely_psu == "average" and lonely.any():
        if separate_calls:
            bad = (lonely.reshape(-1, 1) & present) if not full else (lonely & pres_any)
            if full:
                if bad.any():
                    total = total * np.nan
            else:
                total = np.where(bad.any(axis=0), np.nan, total)
        else:
            if full:
                nstrat = pres_any.sum()
                nok = (pres_any & ~lonely).sum()
                total = total * (nstrat / nok if nok else np.nan)
            else:
                nstrat = present.sum(axis=0)
                nok = (present & ~lonely[:, None]).sum(axis=0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    total = total * np.where(nok > 0, nstrat / np.maximum(nok, 1), np.nan)
    return np.asarray(total)


def design_variance(info: DesignInfo, mom: Moments, lonely_psu: str) -> np.ndarray:
    """Variances ``(m,)`` or covariance matrix ``(m, m)`` from moments."""
    v = _one_stage(
        mom.s1,
        mom.s2,
        mom.present,
        info.n_psu,
        info.popsize,
        lonely_psu,
        stage=1,
        labels=info.strata,
    )
    if mom.s1b is not None and info.stage2_variance:
        if not (info.psu_stratum is not None and info.n_ssu is not None):
            raise RuntimeError("internal error: inconsistent design structure")
        if not (info.popsize is not None and mom.s2b is not None and mom.presentb is not None):
            raise RuntimeError("internal error: inconsistent design structure")
        frac1 = (info.n_psu / info.popsize)[info.psu_stratum]
        v = v + _one_stage(
            mom.s1b,
            mom.s2b,
            mom.presentb,
            info.n_ssu,
            info.popsize2,
            lonely_psu,
            stage=2,
            labels=info.psus or (),
            multiplier=frac1,
            separate_calls=True,
        )
    return v
