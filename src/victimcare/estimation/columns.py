"""In-memory columns: turning user data into named numpy arrays, checking and encoding them.

Accepted inputs: a mapping of column name to sequence or numpy array (masked arrays allowed,
as DuckDB's ``fetchnumpy`` returns them), a list of dicts (one per row), or a pandas
DataFrame if pandas happens to be installed (it is never imported here).
Missing values are ``None``, ``NaN`` or masked entries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .errors import DesignError, describe_rows

__all__ = ["Columns", "factorize", "python_value", "sort_key"]


def python_value(v: Any) -> Any:
    """A numpy scalar as a plain Python value (ints stay ints, integral floats stay floats)."""
    if isinstance(v, np.generic):
        return v.item()
    return v


def _to_array(values: Any) -> np.ndarray:
    if isinstance(values, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(values)
        data = np.asarray(values.data)
        if not mask.any():
            return data
        if data.dtype.kind in "iufb":
            out = data.astype(np.float64)
            out[mask] = np.nan
            return out
        out = data.astype(object)
        out[mask] = None
        return out
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        try:
            arr = values.to_numpy()
        except Exception:  # noqa: BLE001  # pragma: no cover - exotic pandas extension arrays
            arr = np.asarray(list(values), dtype=object)
        if arr.dtype == object:
            # pandas nullable types give pd.NA: turn into None
            arr = np.array([None if _is_missing_scalar(v) else v for v in arr], dtype=object)
        return np.asarray(arr)
    if isinstance(values, np.ndarray):
        return values
    seq = list(values)
    if seq and all(isinstance(v, bool | np.bool_) for v in seq):
        return np.asarray(seq, dtype=bool)
    if all(
        v is None
        or (isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool))
        for v in seq
    ):
        return (
            np.asarray([np.nan if v is None else v for v in seq], dtype=np.float64)
            if any(v is None for v in seq)
            else np.asarray(seq)
        )
    return np.asarray(seq, dtype=object)


def _is_missing_scalar(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float | np.floating):
        return math.isnan(v)
    # pandas.NA / NaT without importing pandas
    return type(v).__name__ in {"NAType", "NaTType"}


class Columns:
    _arrays: dict[str, np.ndarray]
    """Named columns of equal length, held as numpy arrays."""

    def __init__(self, data: Any) -> None:
        arrays: dict[str, np.ndarray] = {}
        if isinstance(data, Columns):
            arrays = dict(data._arrays)
        elif isinstance(data, Mapping):
            for name, values in data.items():
                arrays[str(name)] = _to_array(values)
        elif (
            hasattr(data, "columns")
            and hasattr(data, "__getitem__")
            and not isinstance(data, Sequence)
        ):
            for name in list(data.columns):
                arrays[str(name)] = _to_array(data[name])
        elif isinstance(data, Sequence) and not isinstance(data, str | bytes):
            rows = list(data)
            names: list[str] = []
            seen: set[str] = set()
            for row in rows:
                if not isinstance(row, Mapping):
                    raise DesignError("data given as a list must be a list of dicts, one per row")
                for key in row:
                    if key not in seen:
                        seen.add(key)
                        names.append(str(key))
            for name in names:
                arrays[name] = _to_array([row.get(name) for row in rows])
        else:
            raise DesignError(
                "data must be a dict of columns, a list of dicts or a pandas DataFrame, "
                f"not {type(data).__name__}"
            )
        lengths = {name: len(arr) for name, arr in arrays.items()}
        if len(set(lengths.values())) > 1:
            detail = ", ".join(f"{k}={v}" for k, v in lengths.items())
            raise DesignError(f"columns have different lengths ({detail})")
        self._arrays = arrays
        self.n = next(iter(lengths.values())) if lengths else 0

    @property
    def names(self) -> list[str]:
        """Column names in input order."""
        return list(self._arrays)

    def __contains__(self, name: object) -> bool:
        return name in self._arrays

    def require(self, name: str, role: str) -> np.ndarray:
        """The raw column, or a DesignError naming it when it does not exist."""
        if name not in self._arrays:
            close = ", ".join(self.names[:12])
            raise DesignError(
                f"{role} column {name!r} not found; columns are: {close}"
                + (" ..." if len(self.names) > 12 else ""),
                column=name,
            )
        return self._arrays[name]

    def missing(self, name: str, role: str) -> np.ndarray:
        """Boolean mask of missing values (None, NaN, masked) in a column."""
        arr = self.require(name, role)
        if arr.dtype.kind == "f":
            return np.asarray(np.isnan(arr), dtype=bool)
        if arr.dtype.kind in "iub":
            return np.zeros(arr.shape[0], dtype=bool)
        return np.fromiter((_is_missing_scalar(v) for v in arr), dtype=bool, count=arr.shape[0])

    def numeric(self, name: str, role: str, *, allow_missing: bool = True) -> np.ndarray:
        """The column as float64 with NaN for missing values.

        Raises DesignError naming the column and the first rows that are not numbers
        (booleans count as 0/1), or that are missing when ``allow_missing`` is false.
        """
        arr = self.require(name, role)
        if arr.dtype.kind in "iufb":
            out = arr.astype(np.float64)
        else:
            out = np.empty(arr.shape[0], dtype=np.float64)
            bad = np.zeros(arr.shape[0], dtype=bool)
            for i, v in enumerate(arr):
                if _is_missing_scalar(v):
                    out[i] = np.nan
                elif isinstance(v, bool | np.bool_ | int | float | np.integer | np.floating):
                    out[i] = float(v)
                else:
                    bad[i] = True
                    out[i] = np.nan
            if bad.any():
                phrase, rows = describe_rows(bad)
                example = arr[np.flatnonzero(bad)[0]]
                raise DesignError(
                    f"{role} column {name!r} must be numeric; {phrase} hold text such as "
                    f"{str(example)!r}",
                    column=name,
                    rows=rows,
                )
        if not allow_missing:
            miss = np.isnan(out)
            if miss.any():
                phrase, rows = describe_rows(miss)
                raise DesignError(
                    f"{role} column {name!r} has missing values at {phrase}", column=name, rows=rows
                )
        return out

    def labels(self, name: str, role: str) -> np.ndarray:
        """The raw column for use as a grouping label (strata, PSU, domain)."""
        return self.require(name, role)


def sort_key(v: Any) -> tuple[int, Any]:
    if isinstance(v, bool | np.bool_):
        return (0, int(v))
    if isinstance(v, int | float | np.integer | np.floating):
        return (1, float(v))
    return (2, str(v))


def factorize(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Encode values as int64 codes 0..k-1 in sorted label order; missing values get -1.

    Integer columns with a modest range are encoded in O(n) without sorting;
    anything else goes through ``np.unique(return_inverse=True)`` (or a dict for mixed types).
    Labels are returned as plain Python values.
    """
    arr = np.asarray(values)
    n = arr.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), []
    if arr.dtype.kind in "iub":
        iarr = arr.astype(np.int64)
        lo, hi = int(iarr.min()), int(iarr.max())
        span = hi - lo + 1
        if span <= max(4 * n, 1 << 16):
            present = np.bincount(iarr - lo, minlength=span) > 0
            remap = np.cumsum(present) - 1
            codes = remap[iarr - lo]
            labels = [python_value(v) for v in (np.flatnonzero(present) + lo)]
            if arr.dtype.kind == "b":
                labels = [bool(v) for v in labels]
            return codes.astype(np.int64), labels
        uniq, codes = np.unique(iarr, return_inverse=True)
        return codes.astype(np.int64), [python_value(v) for v in uniq]
    if arr.dtype.kind == "f":
        miss = np.isnan(arr)
        codes = np.full(n, -1, dtype=np.int64)
        ok = ~miss
        if ok.any():
            vals = arr[ok]
            if np.all(vals == np.round(vals)) and np.all(np.abs(vals) < 2**53):
                sub, labels = factorize(vals.astype(np.int64))
                codes[ok] = sub
                return codes, [float(v) if not float(v).is_integer() else int(v) for v in labels]
            uniq, inv = np.unique(vals, return_inverse=True)
            codes[ok] = inv
            return codes, [float(v) for v in uniq]
        return codes, []
    # object / string arrays
    if arr.dtype.kind in "US":
        uniq, inv = np.unique(arr, return_inverse=True)
        return inv.astype(np.int64), [str(v) for v in uniq]
    mapping: dict[Any, int] = {}
    raw = np.empty(n, dtype=np.int64)
    for i, v in enumerate(arr):
        if _is_missing_scalar(v):
            raw[i] = -1
            continue
        key = python_value(v)
        code = mapping.get(key)
        if code is None:
            code = len(mapping)
            mapping[key] = code
        raw[i] = code
    labels = sorted(mapping, key=sort_key)
    order = np.empty(len(labels), dtype=np.int64)
    for new, lab in enumerate(labels):
        order[mapping[lab]] = new
    codes = np.where(raw >= 0, order[np.maximum(raw, 0)], -1)
    return codes.astype(np.int64), labels
