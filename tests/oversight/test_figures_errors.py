"""A figure is left blank only when the data are too few for it (the estimation
library's NotEnoughDataError); any other error is a bug and must be seen, not turned
into a blank figure."""

from __future__ import annotations

import numpy as np
import pytest

from victimcare.estimation import DesignError, ModelDataError, NotEnoughDataError
from victimcare.oversight import figures


def _raise(exc: Exception):
    def fn(*args, **kwargs):
        raise exc

    return fn


@pytest.mark.parametrize(
    "exc",
    [
        NotEnoughDataError("no responses"),
        ModelDataError("the model matrix is singular"),
    ],
)
def test_not_enough_data_gives_a_blank_figure(exc):
    assert figures._safe(_raise(exc)) is None


@pytest.mark.parametrize(
    "exc",
    [
        KeyError("sat_whole_experience"),
        ValueError("could not convert string to float"),
        ZeroDivisionError("division by zero"),
        DesignError("column 'w' not found"),
        TypeError("unsupported operand"),
    ],
)
def test_a_bug_is_not_turned_into_a_blank_figure(exc):
    with pytest.raises(type(exc)):
        figures._safe(_raise(exc))


def _frame(n_per_force: int = 40) -> figures.Frame:
    rng = np.random.default_rng(7)
    n = 2 * n_per_force
    cols = {
        "force": np.array(["AAA"] * n_per_force + ["BBB"] * n_per_force),
        "month": np.array(["2025-01", "2025-02"] * (n // 2)),
        "w": np.full(n, 10.0),
        "N": np.full(n, 400.0),
    }
    cols["stratum"] = np.char.add(np.char.add(cols["force"], "|"), cols["month"])
    for stage in figures.STAGES:
        cols[figures.sat(stage)] = (rng.random(n) < 0.7).astype(float)
    return figures.Frame(cols)


def _drivers(frame: figures.Frame) -> dict:
    return figures.drivers_figures(
        frame,
        force="AAA",
        months=["2025-01", "2025-02"],
        period_label="Jan to Feb 2025",
        force_name="Force A",
    )


def test_drivers_of_a_force_without_responses_are_blank():
    out = figures.drivers_figures(
        _frame(),
        force="ZZZ",
        months=["2025-01", "2025-02"],
        period_label="Jan to Feb 2025",
        force_name="Force Z",
    )
    assert out["fitted"] is False
    assert all(row["effect"] is None for row in out["rows"])


def test_drivers_are_fitted_on_enough_responses():
    out = _drivers(_frame())
    assert out["fitted"] is True
    assert all(row["effect"] is not None for row in out["rows"])


def test_a_missing_column_is_an_error_not_a_blank_drivers_page():
    frame = _frame()
    del frame.columns[figures.sat("treatment")]
    with pytest.raises(DesignError, match="sat_treatment"):
        _drivers(frame)
