"""The in-memory backend: checks a design's columns and builds its structure with numpy."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .columns import Columns, factorize
from .errors import DesignError, NotEnoughDataError, describe_rows
from .sums import CellSums, DesignInfo, RowDesign, Term, aggregate_rows

__all__ = [
    "DesignSpec",
    "MemoryBackend",
    "check_fpc_convention",
    "column_values",
    "domain_codes",
]


@dataclass(frozen=True)
class DesignSpec:
    """Column names and options of a design (see ``Design``)."""

    weight: str | None = None
    strata: str | None = None
    psu: tuple[str, ...] = ()
    fpc: tuple[str, ...] = ()
    nest: bool = False
    lonely_psu: str = "fail"
    with_replacement: bool = False

    def columns(self) -> list[tuple[str, str]]:
        """(column, role) pairs the design refers to."""
        out: list[tuple[str, str]] = []
        if self.weight:
            out.append((self.weight, "weight"))
        if self.strata:
            out.append((self.strata, "strata"))
        for i, p in enumerate(self.psu):
            out.append((p, "psu" if i == 0 else "second-stage cluster"))
        for f in self.fpc:
            out.append((f, "fpc"))
        return out


def check_fpc_convention(minimum: float, maximum: float, column: str) -> bool:
    """R's rule: fpc values are all population sizes (>= 1, some > 1) or all sampling
    fractions (<= 1). Returns True for population sizes."""
    is_popsize = maximum > 1
    if is_popsize != (minimum >= 1):
        raise DesignError(
            f"fpc column {column!r} mixes population sizes (>1) and sampling fractions (<1), "
            "or is 1 everywhere; give all population sizes or all sampling fractions",
            column=column,
        )
    if minimum <= 0:
        raise DesignError(f"fpc column {column!r} must be positive", column=column)
    return is_popsize


class MemoryBackend:
    """Design structure and per-cell sums for data held as numpy arrays."""

    engine = "numpy"

    def __init__(self, data: Any, spec: DesignSpec) -> None:
        self.cols = data if isinstance(data, Columns) else Columns(data)
        self.spec = spec
        self.notes: list[str] = []
        self.info, self.rows = self._build()

    def column_names(self) -> list[str]:
        return self.cols.names

    # -- structure -------------------------------------------------------------------
    def _labels(self, name: str, role: str) -> tuple[np.ndarray, list[Any]]:
        codes, labels = factorize(self.cols.labels(name, role))
        miss = codes < 0
        if miss.any():
            phrase, rows = describe_rows(miss)
            raise DesignError(
                f"{role} column {name!r} has missing values at {phrase}", column=name, rows=rows
            )
        return codes, labels

    def _build(self) -> tuple[DesignInfo, RowDesign]:
        spec = self.spec
        cols = self.cols
        n = cols.n
        for name, role in spec.columns():
            cols.require(name, role)
        if n == 0:
            raise NotEnoughDataError("the data have no rows")
        if len(spec.psu) > 2:
            raise DesignError("at most two stages of clusters are supported (psu, ssu)")
        if spec.fpc and spec.psu and len(spec.fpc) not in (1, len(spec.psu)):
            raise DesignError("give one fpc column per stage of clusters")
        if spec.fpc and len(spec.psu) == 2 and len(spec.fpc) == 1:
            raise DesignError(
                "a two-stage design needs an fpc column for each stage (or none at all)"
            )
        if not spec.psu and len(spec.fpc) > 1:
            raise DesignError("only one fpc column is possible without clusters")

        # weights
        weights: np.ndarray | None = None
        if spec.weight:
            w = cols.numeric(spec.weight, "weight", allow_missing=False)
            bad = ~(w >= 0) | ~np.isfinite(w)
            if bad.any():
                phrase, rows = describe_rows(bad)
                raise DesignError(
                    f"weight column {spec.weight!r} must be zero or positive and finite; "
                    f"{phrase} are not (e.g. {w[np.flatnonzero(bad)[0]]:g})",
                    column=spec.weight,
                    rows=rows,
                )
            weights = w
            if not (w > 0).any():
                raise DesignError(
                    f"weight column {spec.weight!r} is zero in every row", column=spec.weight
                )
            zero = int((w == 0).sum())
            if zero:
                self.notes.append(
                    f"{zero} row(s) with weight 0 count towards their stratum's PSUs (n_h) "
                    "but not towards estimates or degrees of freedom, as in R"
                )

        # strata
        if spec.strata:
            stratum, strata_labels = self._labels(spec.strata, "strata")
        else:
            stratum = np.zeros(n, dtype=np.int64)
            strata_labels = [1]
        h_count = len(strata_labels)

        psus: tuple[Any, ...] | None = None
        psu_stratum = None
        psu = None
        ssu = None
        ssu_psu = None
        n_ssus = 0
        n_ssu = None
        if spec.psu:
            p1, p1_labels = self._labels(spec.psu[0], "psu")
            if spec.nest:
                key = stratum * len(p1_labels) + p1
                uniq, psu = np.unique(key, return_inverse=True)
                psu = psu.astype(np.int64)
                psus = tuple(
                    (strata_labels[k // len(p1_labels)], p1_labels[k % len(p1_labels)])
                    for k in uniq
                )
                psu_stratum = (uniq // len(p1_labels)).astype(np.int64)
            else:
                pairs = np.unique(p1 * h_count + stratum)
                owner_count = np.bincount(pairs // h_count, minlength=len(p1_labels))
                if (owner_count > 1).any():
                    bad_psu = np.flatnonzero(owner_count > 1)
                    mask = np.isin(p1, bad_psu)
                    phrase, rows = describe_rows(mask)
                    names = ", ".join(repr(p1_labels[i]) for i in bad_psu[:3])
                    raise DesignError(
                        f"psu column {spec.psu[0]!r}: PSU {names} appear(s) in more than one "
                        f"stratum ({phrase}); PSU ids must be nested in strata, or pass "
                        "nest=True if ids are reused across strata",
                        column=spec.psu[0],
                        rows=rows,
                    )
                psu = p1
                psus = tuple(p1_labels)
                psu_stratum = np.zeros(len(p1_labels), dtype=np.int64)
                psu_stratum[p1] = stratum
            if len(psus) == 1 and not (spec.nest and spec.strata):
                raise DesignError(
                    f"psu column {spec.psu[0]!r} has only one PSU; the variance cannot be "
                    "estimated",
                    column=spec.psu[0],
                )
            n_psu = np.bincount(psu_stratum, minlength=h_count)
            if len(spec.psu) == 2:
                p2, p2_labels = self._labels(spec.psu[1], "second-stage cluster")
                key = psu * len(p2_labels) + p2
                _, ssu = np.unique(key, return_inverse=True)
                ssu = ssu.astype(np.int64)
                n_ssus = int(ssu.max()) + 1
                ssu_psu = np.zeros(n_ssus, dtype=np.int64)
                ssu_psu[ssu] = psu
                n_ssu = np.bincount(ssu_psu, minlength=len(psus))
        else:
            if n == 1:
                raise NotEnoughDataError(
                    "the design has only one row; the variance cannot be estimated"
                )
            n_psu = np.bincount(stratum, minlength=h_count)

        # finite population corrections, R's convention
        popsize = None
        popsize2 = None
        if spec.fpc:
            vals = [cols.numeric(f, "fpc", allow_missing=False) for f in spec.fpc]
            lo = min(float(v.min()) for v in vals)
            hi = max(float(v.max()) for v in vals)
            is_pop = check_fpc_convention(lo, hi, spec.fpc[0])
            # stage 1
            samp1 = n_psu[stratum].astype(np.float64)
            pop1_rows = vals[0] if is_pop else samp1 / vals[0]
            popsize = self._per_group(pop1_rows, stratum, h_count, spec.fpc[0], "stratum")
            self._check_not_below(pop1_rows, samp1, spec.fpc[0])
            if len(spec.psu) == 2:
                if not (ssu_psu is not None and n_ssu is not None and psu is not None):
                    raise RuntimeError("internal error: inconsistent design structure")
                samp2 = n_ssu[psu].astype(np.float64)
                pop2_rows = vals[1] if is_pop else samp2 / vals[1]
                popsize2 = self._per_group(pop2_rows, psu, len(psus or ()), spec.fpc[1], "PSU")
                self._check_not_below(pop2_rows, samp2, spec.fpc[1])

        weight_source = "column"
        if weights is None:
            if popsize is not None:
                weight_source = "fpc"
                weights = (popsize / n_psu)[stratum]
                if popsize2 is not None and n_ssu is not None and psu is not None:
                    weights = weights * (popsize2 / n_ssu)[psu]
            else:
                weight_source = "equal"
                weights = np.ones(n)
                self.notes.append("no weights or fpc given: equal weights assumed (as R does)")

        stage2 = bool(len(spec.psu) == 2 and popsize2 is not None and not spec.with_replacement)
        info = DesignInfo(
            strata=tuple(strata_labels),
            n_psu=n_psu.astype(np.int64),
            popsize=None if spec.with_replacement else popsize,
            n_rows=n,
            psus=psus,
            psu_stratum=psu_stratum,
            n_ssu=n_ssu if stage2 else None,
            popsize2=popsize2 if stage2 else None,
            weight_source=weight_source,  # type: ignore[arg-type]
            has_strata=bool(spec.strata),
            stage2_variance=stage2,
        )
        row_design = RowDesign(
            stratum=stratum,
            weights=weights,
            psu=psu,
            ssu=ssu if stage2 else None,
            ssu_psu=ssu_psu if stage2 else None,
            n_ssus=n_ssus if stage2 else 0,
        )
        return info, row_design

    def _per_group(
        self, values: np.ndarray, group: np.ndarray, k: int, column: str, what: str
    ) -> np.ndarray:
        lo = np.full(k, np.inf)
        hi = np.full(k, -np.inf)
        np.minimum.at(lo, group, values)
        np.maximum.at(hi, group, values)
        varies = hi - lo > 1e-9 * np.maximum(1.0, np.abs(hi))
        if varies.any():
            g = int(np.flatnonzero(varies)[0])
            mask = group == g
            phrase, rows = describe_rows(mask)
            raise DesignError(
                f"fpc column {column!r} varies within a {what} ({phrase}); it must be constant "
                f"within each {what}",
                column=column,
                rows=rows,
            )
        return lo

    def _check_not_below(self, pop: np.ndarray, samp: np.ndarray, column: str) -> None:
        bad = pop < samp - 1e-9
        if bad.any():
            phrase, rows = describe_rows(bad)
            i = int(np.flatnonzero(bad)[0])
            raise DesignError(
                f"fpc column {column!r} is smaller than the sample ({phrase}: population "
                f"{pop[i]:g} but {samp[i]:g} sampled)",
                column=column,
                rows=rows,
            )

    # -- per-estimate data ------------------------------------------------------------
    def values(self, name: str, role: str, *, binary: bool) -> np.ndarray:
        """A variable as float with NaN for missing; 0/1 check for proportions."""
        return column_values(self.cols, name, role, binary=binary)

    def domains(self, by: tuple[str, ...]) -> tuple[np.ndarray, list[tuple[Any, ...]], int]:
        """Domain code per row (-1 when a ``by`` value is missing), labels, missing count."""
        return domain_codes(self.cols, by)

    def aggregate(
        self,
        *,
        a: str | None,
        b: str | None,
        by: tuple[str, ...],
        binary: bool,
        terms: list[Term],
        weights: np.ndarray | None = None,
    ) -> tuple[CellSums, int]:
        """Per-cell sums (see ``sums``) and the number of rows with a missing ``by`` value."""
        av = np.ones(self.cols.n) if a is None else self.values(a, "y", binary=binary)
        bv = None if b is None else self.values(b, "x", binary=False)
        dom, labels, n_by_missing = self.domains(by)
        rows = self.rows if weights is None else replace(self.rows, weights=weights)
        cells = aggregate_rows(
            self.info,
            rows,
            a=av,
            b=bv,
            domain=dom,
            domains=labels,
            terms=terms,
            a_binary=binary or a is None,
        )
        return cells, n_by_missing


def column_values(cols: Columns, name: str, role: str, *, binary: bool) -> np.ndarray:
    """A variable as float with NaN for missing; 0/1 check for proportions."""
    v = cols.numeric(name, role)
    if binary:
        bad = ~np.isnan(v) & (v != 0) & (v != 1)
        if bad.any():
            phrase, rows = describe_rows(bad)
            raise DesignError(
                f"{role} column {name!r} must be 0/1 for a proportion; {phrase} hold "
                f"other values (e.g. {v[np.flatnonzero(bad)[0]]:g})",
                column=name,
                rows=rows,
            )
    return v


def domain_codes(
    cols: Columns, by: tuple[str, ...]
) -> tuple[np.ndarray, list[tuple[Any, ...]], int]:
    """Domain code per row (-1 when a ``by`` value is missing), labels, missing count."""
    n = cols.n
    if not by:
        return np.zeros(n, dtype=np.int64), [()], 0
    key = np.zeros(n, dtype=np.int64)
    miss = np.zeros(n, dtype=bool)
    labels_per: list[list[Any]] = []
    for name in by:
        codes, levels = factorize(cols.labels(name, "by"))
        miss |= codes < 0
        key = key * max(len(levels), 1) + np.maximum(codes, 0)
        labels_per.append(levels)
    sizes = [max(len(lab), 1) for lab in labels_per]
    space = int(np.prod(sizes))
    key = np.where(miss, space, key)
    present = np.bincount(key, minlength=space + 1)[:space] > 0
    remap = np.cumsum(present) - 1
    dom = np.where(miss, -1, remap[np.minimum(key, space - 1)])
    labels: list[tuple[Any, ...]] = []
    for k in np.flatnonzero(present):
        parts = []
        rem = int(k)
        for lab, size in zip(reversed(labels_per), reversed(sizes), strict=True):
            parts.append(lab[rem % size])
            rem //= size
        labels.append(tuple(reversed(parts)))
    return dom.astype(np.int64), labels, int(miss.sum())
