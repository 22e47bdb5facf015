"""Small cells are suppressed, and enough others that no suppressed cell can be worked
out from the published cells and the totals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from victimcare.oversight.suppression import PRIMARY, SECONDARY, Line, recoverable, suppress


def _solvable(counts: dict, lines: list[Line], hidden: set) -> set:
    """An independent check: a hidden cell is recoverable when its unit vector lies in
    the row space of the line equations, i.e. the projection onto that row space
    (pinv(A) A) leaves it whole: its diagonal entry is 1."""
    keys = sorted(hidden, key=str)
    if not keys:
        return set()
    index = {k: i for i, k in enumerate(keys)}
    rows = []
    for line in lines:
        row = np.zeros(len(keys))
        for m in line.members:
            if m in index:
                row[index[m]] += 1
        if line.total in index:
            row[index[line.total]] -= 1
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    a = np.array(rows)
    projection = np.linalg.pinv(a) @ a
    return {k for k, i in index.items() if abs(projection[i, i] - 1) < 1e-8}


def table(groups: dict[str, list[int]]) -> tuple[dict, list[Line]]:
    """One total per group ("force"), cells adding up to it, and a grand total line."""
    counts, lines = {}, []
    for g, cells in groups.items():
        members = tuple((g, i) for i in range(len(cells)))
        counts.update({(g, i): c for i, c in enumerate(cells)})
        counts[(g, "total")] = sum(cells)
        lines.append(Line(members, (g, "total")))
    counts["all"] = sum(counts[(g, "total")] for g in groups)
    lines.append(Line(tuple((g, "total") for g in groups), "all"))
    return counts, lines


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # nothing small: nothing hidden
        ([40, 50, 60], {}),
        # one small cell: the next smallest is hidden too, or the total would give it away
        ([5, 50, 60], {0: PRIMARY, 1: SECONDARY}),
        # two small cells protect each other
        ([5, 7, 60], {0: PRIMARY, 1: PRIMARY}),
        # zeros are published and do not count as protection
        ([0, 12, 45, 60], {1: PRIMARY, 2: SECONDARY}),
    ],
)
def test_rules(cells, expected):
    counts, lines = table({"F": cells})
    marks = suppress(counts, lines, threshold=30)
    assert {k[1]: v for k, v in marks.items() if k[1] != "total"} == expected


def test_a_single_cell_equal_to_its_total_hides_the_total_too():
    counts, lines = table({"F": [12], "G": [100, 200]})
    marks = suppress(counts, lines, threshold=30)
    assert ("F", 0) in marks
    assert ("F", "total") in marks
    assert not recoverable(set(marks), lines)


def test_the_threshold_is_configurable():
    counts, lines = table({"F": [40, 50, 60]})
    assert suppress(counts, lines, threshold=45)[("F", 0)] == PRIMARY


groups = st.dictionaries(
    st.sampled_from(["A", "B", "C", "D"]),
    st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=7),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups=groups, threshold=st.integers(min_value=1, max_value=40))
def test_no_published_cell_is_small_and_no_suppressed_cell_is_recoverable(groups, threshold):
    counts, lines = table(groups)
    marks = suppress(counts, lines, threshold=threshold)
    published = {k: c for k, c in counts.items() if k not in marks}
    assert all(c == 0 or c >= threshold for c in published.values())
    assert not _solvable(counts, lines, set(marks))


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(
        st.lists(st.integers(min_value=0, max_value=80), min_size=2, max_size=5),
        min_size=2,
        max_size=5,
    ),
    threshold=st.integers(min_value=2, max_value=30),
)
def test_two_way_tables_with_row_and_column_totals_are_protected(cells, threshold):
    """Cross-tabulations: every row and every column adds up to its margin."""
    width = min(len(r) for r in cells)
    grid = [r[:width] for r in cells]
    counts, lines = {}, []
    for i, r in enumerate(grid):
        counts.update({(i, j): c for j, c in enumerate(r)})
        counts[(i, "row")] = sum(r)
        lines.append(Line(tuple((i, j) for j in range(width)), (i, "row")))
    for j in range(width):
        counts[("col", j)] = sum(r[j] for r in grid)
        lines.append(Line(tuple((i, j) for i in range(len(grid))), ("col", j)))
    counts["all"] = sum(map(sum, grid))
    lines.append(Line(tuple((i, "row") for i in range(len(grid))), "all"))
    lines.append(Line(tuple(("col", j) for j in range(width)), "all"))
    marks = suppress(counts, lines, threshold=threshold)
    assert all(c == 0 or c >= threshold for k, c in counts.items() if k not in marks)
    assert not _solvable(counts, lines, set(marks))
