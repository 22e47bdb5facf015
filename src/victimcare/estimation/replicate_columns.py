"""Replicate weights given as columns, R's ``svrepdesign(repweights=, type=, ...)``:
the checks of the columns against their ``type`` and R's defaults for ``scale`` and
``rscales`` (the table in ``replicate``'s docstring), giving the ``ReplicateSet`` a
``ReplicateDesign`` is built on."""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Sequence

import numpy as np

from .columns import Columns
from .errors import DesignError
from .replicate_weights import ReplicateSet

__all__ = ["REP_TYPES", "as_tuple", "replicates_from_columns"]

REP_TYPES: tuple[str, ...] = ("JK1", "JKn", "BRR", "Fay", "bootstrap")


def as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """Column names from None, one name, "a,b" (blanks dropped) or a sequence."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(value)


def replicates_from_columns(
    cols: Columns,
    *,
    repweights: str | Sequence[str],
    weight: str | None,
    type: str,
    rho: float | None,
    scale: float | None,
    rscales: float | Sequence[float] | None,
    combined_weights: bool,
) -> tuple[np.ndarray, np.ndarray, ReplicateSet, list[str]]:
    """The sampling weights, the analysis weights (rows x replicates), the replicate set
    and notes of ``ReplicateDesign(data, repweights=..., ...)`` (its arguments)."""
    names = _match(cols, repweights)
    kind = _type(type)
    notes: list[str] = []
    rep = np.column_stack([cols.numeric(c, "replicate weight", allow_missing=False) for c in names])
    bad = ~np.isfinite(rep) | (rep < 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DesignError(
            f"replicate weight column {names[j]!r} must be zero or positive and finite "
            f"(row {i + 1} holds {rep[i, j]:g})",
            column=names[j],
            rows=[int(i) + 1],
        )
    if weight:
        pw = cols.numeric(weight, "weight", allow_missing=False)
        if (~np.isfinite(pw) | (pw < 0)).any():
            raise DesignError(
                f"weight column {weight!r} must be zero or positive and finite", column=weight
            )
    else:
        pw = np.ones(cols.n)
        notes.append("no sampling weights given: equal weights assumed (as R does)")
    n_rep = rep.shape[1]
    rs = _rscales(rscales, n_rep)
    mult = rep if not combined_weights else _ratio(rep, pw)
    if kind in ("BRR", "Fay"):
        if scale is not None:
            raise DesignError(f"type {kind} takes no scale: R uses 1/(R (1 - rho)^2)")
        r = 0.0 if kind == "BRR" else rho
        if r is None:
            raise DesignError("type Fay needs rho (R's rho=), e.g. 0.5")
        if not 0 <= r < 1:
            raise DesignError(f"rho must be in [0, 1), not {r:g}")
        if n_rep != 2 and n_rep % 4:
            raise DesignError(
                f"{kind} replicate weights come from a Hadamard matrix: give 2 or a multiple "
                f"of 4 replicate columns, not {n_rep}"
            )
        allowed = np.array([r, 2.0 - r])
        off = (pw > 0)[:, None] & np.all(
            np.abs(mult[:, :, None] - allowed) > 1e-6 * (1 + np.abs(allowed)), axis=2
        )
        if off.any():
            i, j = np.argwhere(off)[0]
            raise DesignError(
                f"{kind} replicate column {names[j]!r} multiplies row {i + 1}'s weight by "
                f"{mult[i, j]:g}; {kind} multipliers are {r:g} or {2 - r:g}",
                column=names[j],
                rows=[int(i) + 1],
            )
        scale = 1.0 / (n_rep * (1.0 - r) ** 2)
        rho = r
    elif rho is not None:
        raise DesignError(f"rho applies to type Fay only, not {kind}")
    if kind == "bootstrap" and scale is None:
        scale = 1.0 / (n_rep - 1) if n_rep > 1 else math.nan
    if kind == "JK1" and scale is None:
        if combined_weights:
            scale = (n_rep - 1.0) / n_rep
            notes.append(f"JK1 scale not given: (R-1)/R with R = {n_rep} replicates, as R")
        else:
            scale = 1.0 / float(np.max(rep[:, 0]))
    if kind == "JKn" and rscales is None:
        if combined_weights:
            raise DesignError(
                "type JKn needs rscales ((n_h - 1)/n_h per replicate) with combined weights"
            )
        rs = 1.0 / np.max(rep, axis=0)
    return (
        pw,
        rep * pw[:, None] if not combined_weights else rep,
        ReplicateSet(mult, kind, 1.0 if scale is None else float(scale), rs, rho),
        notes,
    )


def _match(cols: Columns, spec: str | Sequence[str]) -> list[str]:
    if isinstance(spec, str) and any(ch in spec for ch in "*?["):
        names = [c for c in cols.names if fnmatch.fnmatchcase(c, spec)]
        if not names:
            raise DesignError(f"no column matches the replicate weights pattern {spec!r}")
        return names
    names = list(as_tuple(spec))
    if not names:
        raise DesignError("give the replicate weight columns")
    for c in names:
        cols.require(c, "replicate weight")
    return names


def _type(kind: str) -> str:
    for t in REP_TYPES:
        if kind.lower() == t.lower():
            return t
    raise DesignError(f"replicate type must be one of {', '.join(REP_TYPES)}, not {kind!r}")


def _rscales(rscales: float | Sequence[float] | None, n_rep: int) -> np.ndarray:
    if rscales is None:
        return np.ones(n_rep)
    arr = np.atleast_1d(np.asarray(rscales, dtype=np.float64))
    if arr.shape[0] == 1:
        arr = np.repeat(arr, n_rep)
    if arr.shape[0] != n_rep:
        raise DesignError(
            f"rscales has {arr.shape[0]} values; give one or one per replicate ({n_rep})"
        )
    if (~np.isfinite(arr) | (arr < 0)).any():
        raise DesignError("rscales must be zero or positive numbers")
    return arr


def _ratio(rep: np.ndarray, pw: np.ndarray) -> np.ndarray:
    """Multipliers of combined replicate weights (1 where the sampling weight is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pw[:, None] > 0, rep / pw[:, None], 1.0)
