"""The one exception the estimation library raises for bad designs and bad data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["DesignError", "NotEnoughDataError", "describe_rows"]


class DesignError(ValueError):
    """A survey design or its data cannot be used.

    The message is one line, names the column at fault and, where the data are in memory,
    the first few offending rows (numbered from 1, the first data row after any header).
    ``column`` and ``rows`` carry the same facts for programs.
    """

    def __init__(
        self, message: str, *, column: str | None = None, rows: Sequence[int] = ()
    ) -> None:
        super().__init__(message)
        self.column = column
        self.rows = tuple(int(r) for r in rows)


class NotEnoughDataError(DesignError):
    """The data hold too little for the statistic asked, though nothing is wrong with
    them: no rows (in the data or in the domain asked for), a single row (no variance),
    a single value where two are needed, a model its rows cannot identify.

    A program that shows many figures at once may show "not enough data" for this one
    and carry on; every other ``DesignError`` is bad input or a bug and should be seen.
    """


def describe_rows(where: np.ndarray | Iterable[int], limit: int = 5) -> tuple[str, list[int]]:
    """Describe offending rows as ``"rows 3, 7 and 9"`` (1-based), at most ``limit`` listed.

    ``where`` is a boolean mask over rows or an iterable of 0-based row indices.
    Returns the phrase and the 1-based row numbers it lists.
    """
    arr = np.asarray(where)
    idx = np.flatnonzero(arr) if arr.dtype == bool else np.sort(arr.astype(np.int64).ravel())
    total = int(idx.size)
    shown = [int(i) + 1 for i in idx[:limit]]
    if total == 0:
        return "no rows", []
    if total == 1:
        return f"row {shown[0]}", shown
    listed = ", ".join(str(r) for r in shown)
    more = f" and {total - len(shown)} more" if total > len(shown) else ""
    return f"rows {listed}{more}", shown
