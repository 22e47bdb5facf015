"""Replicate weights made from a design, as R's ``as.svrepdesign`` (survey 4.1) makes them.

Each function takes the design's row structure (0-based stratum and PSU codes) and
returns replicate *multipliers* (rows x replicates, to be multiplied by the sampling
weights, R's ``combined.weights=FALSE``) with R's ``scale`` and ``rscales``:

``jk1``        one replicate per PSU of an unstratified design: the PSU's rows weigh 0, the
               others ``n / (n - 1)``; ``scale = f (n - 1) / n`` with ``f = (N - n) / N``
               (1 without an fpc), ``rscales = 1`` (R's ``jk1weights``).
``jkn``        one replicate per PSU within its stratum: the PSU weighs 0, the others of
               its stratum ``n_h / (n_h - 1)``, other strata 1; ``rscales = f_h (n_h - 1)
               / n_h``, ``scale = 1`` (R's ``jknweights``). A stratum with one PSU follows
               ``lonely_psu`` as R: ``fail`` refuses, ``certainty``/``remove``/``average``
               give it no replicate (``average`` scales by PSUs over replicates), ``adjust``
               one replicate dropping the stratum and weighting the others ``H / (H - 1)``
               with ``rscale (H - 1) / H``. A stratum taken whole (``f_h = 0``) gets none.
``brr``/``fay`` balanced repeated replication for exactly two PSUs per stratum: half-sample
               ``r`` takes, in stratum ``h`` (strata sorted as text), its first PSU (in
               row order) when row ``h + 1`` of a 0/1 Sylvester Hadamard matrix of order
               ``2^k > H`` holds 1 in column ``r`` (R's ``hadamard()`` for fewer than 8
               strata; for more, pass that matrix to R as ``hadamard.matrix``). Weights
               ``2 - rho`` and ``rho``; ``scale = 1 / (R (1 - rho)^2)``. No fpc (R drops it).
``bootstrap``  Rao-Wu: in each stratum, ``n_h`` PSUs drawn with replacement (without an
               fpc) or ``n_h`` drawn without replacement from the PSUs repeated to the
               stratum's population size (with one); the multiplier is the number of
               draws. ``scale = m / ((m - 1) (R - 1))`` with ``m`` the harmonic mean of
               PSUs per stratum (R's ``bootweights``; R's random draws differ from these).

With an fpc, the rows of strata sampled whole (population size equal to the PSUs
sampled) are R's ``selfrep`` (``survey.drop.replicates``, on by default): they have no
jackknife replicate (``f_h = 0``), R's ``svytotal`` leaves them out of the replicate
totals, and a statistic whose rows are all of them has variance 0. BRR and Fay drop the
fpc (R warns), so they have no ``selfrep``; fpcs after the first stage are dropped by
every method (R warns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import DesignError

__all__ = ["REPLICATE_METHODS", "ReplicateSet", "make_replicates", "sylvester_hadamard"]

REPLICATE_METHODS: tuple[str, ...] = ("jk1", "jkn", "brr", "fay", "bootstrap")


@dataclass(frozen=True)
class ReplicateSet:
    """Replicate multipliers (rows x replicates) with R's ``type``, ``scale``, ``rscales``."""

    multipliers: np.ndarray
    type: str
    scale: float
    rscales: np.ndarray
    rho: float | None = None
    selfrep: np.ndarray | None = None
    """Rows of strata sampled whole (R's ``selfrep``), or None without an fpc."""


def sylvester_hadamard(order: int) -> np.ndarray:
    """The 0/1 Sylvester Hadamard matrix of ``order`` (a power of 2), R's convention:
    ``H[i, j] = 1`` when ``i & j`` has an even number of bits (the first row all 1)."""
    idx = np.arange(order)
    bits = np.vectorize(lambda v: bin(v).count("1"))(idx[:, None] & idx[None, :])
    return np.asarray(bits % 2 == 0, dtype=np.int64)


def _codes(stratum: np.ndarray, psu: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """PSU code per row (0..J-1 in order of first appearance), stratum of each PSU."""
    _, first, inv = np.unique(psu, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    code = rank[inv]
    j = order.shape[0]
    psu_stratum = np.zeros(j, dtype=np.int64)
    psu_stratum[code] = stratum
    return code.astype(np.int64), psu_stratum, j


def make_replicates(
    method: str,
    *,
    stratum: np.ndarray,
    psu: np.ndarray,
    strata_labels: tuple[object, ...],
    has_strata: bool,
    popsize: np.ndarray | None,
    lonely_psu: str = "fail",
    replicates: int = 50,
    seed: int | None = None,
    rho: float = 0.5,
) -> ReplicateSet:
    """Replicate multipliers for ``method`` (see the module docstring).

    ``stratum``/``psu``: codes per row (PSU codes unique across strata); ``popsize``: the
    first-stage population size per stratum, or None.
    """
    method = method.lower()
    if method not in REPLICATE_METHODS:
        raise DesignError(
            f"replicates must be one of {', '.join(REPLICATE_METHODS)}, not {method!r}"
        )
    code, psu_stratum, j = _codes(stratum, psu)
    h_count = len(strata_labels)
    n_h = np.bincount(psu_stratum, minlength=h_count)
    selfrep = None
    if popsize is not None and method not in ("brr", "fay"):
        selfrep = np.asarray(popsize == n_h)[stratum]
    if method == "jk1":
        if has_strata:
            raise DesignError("jk1 replicates are for unstratified designs; use jkn (as R)")
        f = 1.0 if popsize is None else float((popsize[0] - j) / popsize[0])
        mult = np.full((j, j), j / (j - 1.0))
        np.fill_diagonal(mult, 0.0)
        if f == 0:
            mult = np.zeros((j, 0))
        return ReplicateSet(
            mult[code], "JK1", f * (j - 1) / j, np.ones(mult.shape[1]), selfrep=selfrep
        )
    if method == "jkn":
        if not has_strata:
            raise DesignError("jkn replicates need strata; use jk1 or bootstrap (as R)")
        cols: list[np.ndarray] = []
        rscales: list[float] = []
        for h in range(h_count):
            mine = psu_stratum == h
            n = int(n_h[h])
            f = 1.0 if popsize is None else float((popsize[h] - n) / popsize[h])
            if n == 1 and f != 0:
                if lonely_psu == "fail":
                    raise DesignError(
                        f"stratum {strata_labels[h]!r} has only one PSU; choose lonely_psu="
                        "'certainty', 'remove', 'adjust' or 'average' (R's survey.lonely.psu)"
                    )
                if lonely_psu == "adjust":
                    cols.append(np.where(mine, 0.0, h_count / (h_count - 1.0)))
                    rscales.append((h_count - 1.0) / h_count)
                continue
            if f == 0:
                continue
            for p in np.flatnonzero(mine):
                c = np.ones(j)
                c[mine] = n / (n - 1.0)
                c[p] = 0.0
                cols.append(c)
                rscales.append(f * (n - 1.0) / n)
        if not cols:
            raise DesignError("every stratum was sampled whole: there is no sampling variance")
        scale = 1.0
        if len(cols) < j and lonely_psu == "average":
            scale = j / len(cols)
        mult = np.column_stack(cols)
        return ReplicateSet(mult[code], "JKn", scale, np.asarray(rscales), selfrep=selfrep)
    if method in ("brr", "fay"):
        if not has_strata:
            raise DesignError(f"{method} replicates need strata of two PSUs each (as R)")
        bad = np.flatnonzero(n_h != 2)
        if bad.size:
            h = int(bad[0])
            raise DesignError(
                f"{method} replicates need exactly two PSUs in every stratum; stratum "
                f"{strata_labels[h]!r} has {int(n_h[h])}"
            )
        r = 0.0 if method == "brr" else float(rho)
        if not 0 <= r < 1:
            raise DesignError(f"rho must be in [0, 1), not {rho}")
        order = 1
        while order < h_count + 1:
            order *= 2
        had = sylvester_hadamard(order)
        mult = np.zeros((j, order))
        # R sorts the strata as text (as.character, then table())
        by_text = sorted(range(h_count), key=lambda k: str(strata_labels[k]))
        for row, h in enumerate(by_text):
            first, second = np.flatnonzero(psu_stratum == h)
            take_first = had[row + 1] == 1
            mult[first] = np.where(take_first, 2.0 - r, r)
            mult[second] = np.where(take_first, r, 2.0 - r)
        kind = "BRR" if r == 0 else "Fay"
        return ReplicateSet(mult[code], kind, 1.0 / (order * (1.0 - r) ** 2), np.ones(order), rho=r)
    # bootstrap
    if replicates < 2:
        raise DesignError("a bootstrap needs at least 2 replicates")
    rng = np.random.default_rng(seed)
    mult = np.zeros((j, replicates))
    for h in range(h_count):
        mine = np.flatnonzero(psu_stratum == h)
        n = mine.shape[0]
        if popsize is None:
            draws = rng.integers(0, n, size=(replicates, n))
        else:
            pool = np.resize(np.arange(n), round(float(popsize[h])))
            draws = np.stack([rng.choice(pool, size=n, replace=False) for _ in range(replicates)])
        for r_i in range(replicates):
            mult[mine, r_i] = np.bincount(draws[r_i], minlength=n)
    m = 1.0 / float(np.mean(1.0 / n_h[n_h > 0]))
    if m <= 1:
        raise DesignError("a bootstrap needs a stratum with two or more PSUs")
    scale = m / ((m - 1.0) * (replicates - 1.0))
    return ReplicateSet(mult[code], "bootstrap", scale, np.ones(replicates), selfrep=selfrep)
