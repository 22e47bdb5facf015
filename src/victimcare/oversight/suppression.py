"""Small-cell suppression for published tables, with secondary suppression.

A published table is a set of cells (counts of responses) tied together by *lines*: a
line says that some member cells add up to a total cell (the areas of a force add up to
the force; the forces of England and Wales to the national figure). A cell with fewer
than ``threshold`` responses (and more than none) is suppressed (*primary*). That is not
enough: when a line has a single suppressed cell, the total minus the published members
gives it back. So further cells are suppressed (*secondary*) until no suppressed cell can
be worked out from the published ones by any combination of the lines.

"Worked out" is tested exactly: the suppressed cells are the unknowns of the linear
equations the lines give; a suppressed cell is recoverable when its unit vector lies in
the row space of those equations (equivalently, every solution of the homogeneous system
is zero in that cell). Secondary cells are chosen smallest first, members before totals,
so that as little as possible is hidden. Zero cells are published: they disclose no
one's answers.

Pure Python and numpy; no Django.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_THRESHOLD = 30
PRIMARY = "primary"
SECONDARY = "secondary"


@dataclass(frozen=True)
class Line:
    """``members`` add up to ``total`` (all are keys of the table's cells)."""

    members: tuple[Hashable, ...]
    total: Hashable


def _null_space(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the null space (columns)."""
    if matrix.shape[0] == 0:
        return np.eye(matrix.shape[1])
    _, s, vt = np.linalg.svd(matrix)
    tol = max(matrix.shape) * np.finfo(float).eps * (s[0] if s.size else 1.0) * 10
    rank = int((s > tol).sum())
    return vt[rank:].T


def recoverable(hidden: set[Hashable], lines: Sequence[Line]) -> set[Hashable]:
    """The hidden cells whose value the published cells and the lines determine."""
    if not hidden:
        return set()
    # Connected components of hidden cells (linked by sharing a line), solved apart.
    parent: dict[Hashable, Hashable] = {key: key for key in hidden}

    def find(key: Hashable) -> Hashable:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    touching: list[list[tuple[Hashable, float]]] = []
    for line in lines:
        terms = [(m, 1.0) for m in line.members if m in hidden]
        if line.total in hidden:
            terms.append((line.total, -1.0))
        if not terms:
            continue
        touching.append(terms)
        for key, _ in terms[1:]:
            a, b = find(terms[0][0]), find(key)
            if a != b:
                parent[a] = b
    groups: dict[Hashable, list[Hashable]] = {}
    for key in hidden:
        groups.setdefault(find(key), []).append(key)
    rows_of: dict[Hashable, list[list[tuple[Hashable, float]]]] = {}
    for terms in touching:
        rows_of.setdefault(find(terms[0][0]), []).append(terms)
    found: set[Hashable] = set()
    for root, keys in groups.items():
        index = {key: i for i, key in enumerate(keys)}
        rows = rows_of.get(root, [])
        matrix = np.zeros((len(rows), len(keys)))
        for r, terms in enumerate(rows):
            for key, sign in terms:
                matrix[r, index[key]] += sign
        null = _null_space(matrix)
        for key, i in index.items():
            if null.shape[1] == 0 or np.all(np.abs(null[i]) < 1e-9):
                found.add(key)
    return found


def suppress(
    counts: Mapping[Hashable, int],
    lines: Sequence[Line],
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> dict[Hashable, str]:
    """Which cells to suppress and why: {key: "primary" | "secondary"}.

    ``counts`` has every cell, totals included; ``lines`` the additive relations among
    them. Cells with ``0 < count < threshold`` are primary; secondary cells are added
    until no suppressed cell is recoverable (see ``recoverable``).
    """
    if threshold < 1:
        raise ValueError("the suppression threshold must be at least 1")
    marks: dict[Hashable, str] = {
        key: PRIMARY for key, count in counts.items() if 0 < count < threshold
    }
    lines_of: dict[Hashable, list[Line]] = {}
    for line in lines:
        for key in (*line.members, line.total):
            lines_of.setdefault(key, []).append(line)

    def size(key: Hashable) -> tuple[int, int, int, str]:
        # Prefer members over totals, non-zero over zero cells, then the smallest.
        is_total = any(line.total == key for line in lines_of.get(key, ()))
        count = counts[key]
        return (int(is_total), 0 if count > 0 else 1, count, str(key))

    # First the cheap, classic rule: no line may have exactly one hidden cell.
    changed = True
    while changed:
        changed = False
        for line in lines:
            entries = (*line.members, line.total)
            hidden = [key for key in entries if key in marks]
            if len(hidden) == 1:
                others = [key for key in entries if key not in marks]
                if others:
                    marks[min(others, key=size)] = SECONDARY
                    changed = True
    # Then the exact test, for the patterns a line-by-line rule cannot see.
    while True:
        exposed = recoverable(set(marks), lines)
        if not exposed:
            return marks
        added = False
        for key in sorted(exposed, key=str):
            if key not in marks or not (exposed & set(marks)):
                continue
            candidates = {
                other
                for line in lines_of.get(key, ())
                for other in (*line.members, line.total)
                if other not in marks
            }
            if not candidates:
                continue
            choice = min(candidates, key=size)
            marks[choice] = SECONDARY
            added = True
            break  # recheck after each addition: one partner often protects several
        if not added:
            # No line of an exposed cell has anything left to hide: widen to any line
            # touching a suppressed cell; if nothing is left at all, stop.
            candidates = {
                other
                for key in marks
                for line in lines_of.get(key, ())
                for other in (*line.members, line.total)
                if other not in marks
            }
            if not candidates:
                return marks
            marks[min(candidates, key=size)] = SECONDARY
