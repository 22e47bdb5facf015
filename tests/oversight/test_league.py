"""League tables: forces against the peer average (as the library's comparison of the
force with the rest of its group), and rank intervals from a seeded simulation."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from victimcare.demo import synthetic
from victimcare.oversight import figures, league
from victimcare.oversight.league import rank_intervals

MONTHS = ["2026-07", "2026-08", "2026-09"]


@pytest.fixture(scope="module")
def frame_columns():
    rows = synthetic.responses_synthesise(
        forces=["MPS", "GMP", "WMP", "AAA"],
        first_month=date(2026, 7, 1),
        months=3,
        per_month=120,
        seed=5,
    )
    return synthetic.frame_from_rows(rows)


def test_each_force_is_compared_with_the_other_forces_by_the_library(frame_columns):
    frame = figures.Frame(frame_columns)
    table = figures.league_figures(
        frame,
        measure="whole_experience",
        months=MONTHS,
        period_label="Q3",
        names={},
        group_label="test",
    )
    for row in table["rows"]:
        design = figures.Frame(frame_columns)
        design.with_column("side", np.where(design.columns["force"] == row["code"], 1, 0))
        comparison = design.design.compare("sat_whole_experience", "side", 1, 0)
        assert row["versus"] == pytest.approx(comparison.difference, rel=1e-9)
        assert row["versus_low"] == pytest.approx(comparison.ci_low, rel=1e-9)
        assert row["p_value"] == pytest.approx(comparison.p_value, rel=1e-6, abs=1e-15)
        expected = (
            league.LEVEL_WITH
            if not comparison.significant
            else league.ABOVE
            if comparison.difference > 0
            else league.BELOW
        )
        assert row["flag"] == expected


def test_the_peer_average_is_the_librarys_pooled_estimate(frame_columns):
    frame = figures.Frame(frame_columns)
    table = figures.league_figures(
        frame,
        measure="whole_experience",
        months=MONTHS,
        period_label="Q3",
        names={},
        group_label="test",
    )
    pooled = figures.Frame(frame_columns).design.proportion("sat_whole_experience")
    assert table["average"]["estimate"] == pytest.approx(pooled.estimate, rel=1e-12)
    assert len(table["rows"]) == 4


def test_the_met_is_flagged_below_its_peers(frame_columns):
    table = figures.league_figures(
        figures.Frame(frame_columns),
        measure="whole_experience",
        months=MONTHS,
        period_label="Q3",
        names={},
        group_label="test",
    )
    met = next(r for r in table["rows"] if r["code"] == "MPS")
    assert met["flag"] == league.BELOW
    assert met["rank"] == 4
    assert met["versus"] < 0
    assert met["versus_high"] < 0


def test_rank_intervals_are_reproducible_and_contain_the_rank():
    est, se = [0.9, 0.85, 0.84, 0.70], [0.01, 0.01, 0.01, 0.01]
    first = rank_intervals(est, se, seed=7)
    assert first == rank_intervals(est, se, seed=7)
    assert [r[0] for r in first] == [1, 2, 3, 4]
    assert first[0] == (1, 1, 1)
    assert first[3] == (4, 4, 4)
    assert first[1][1] <= 2 <= first[1][2]
    assert (first[1][1], first[1][2]) == (2, 3)


def test_precise_estimates_give_narrow_rank_intervals():
    est = [0.80, 0.81, 0.82]
    wide = rank_intervals(est, [0.05] * 3)
    narrow = rank_intervals(est, [0.0001] * 3)
    assert all(lo == hi for _, lo, hi in narrow)
    assert any(hi - lo >= 1 for _, lo, hi in wide)


@pytest.mark.django_db
def test_a_one_month_rolling_year_league_is_labelled_as_one_month(client):
    """A "rolling 12 months" with only September's reports says so on the league table,
    in its chart and in the report pack's peers line."""
    from django.urls import reverse

    from tests.factories import staff_make
    from tests.oversight.factories import QUARTER, responses_make
    from victimcare.accounts.constants import Role
    from victimcare.oversight import figure_services

    mps = responses_make(per_month=40, months=1, seed=5)[0]
    table = figure_services.league_compute(force=mps, quarter=QUARTER, use_cache=False)
    assert table["period_label"] == "reports of Sep 2026 only (one month of reports)"
    assert "12 months" not in table["chart"]
    client.force_login(staff_make(Role.OVERSIGHT, force=mps))
    page = client.get(reverse("oversight:league", kwargs={"code": "MPS"}), {"quarter": "2026Q3"})
    html = page.content.decode()
    assert "reports of Sep 2026 only (one month of reports)" in html


def test_a_partial_year_league_says_how_many_of_its_months_have_responses(frame_columns):
    months = [f"2025-{m:02d}" for m in range(10, 13)] + [f"2026-{m:02d}" for m in range(1, 10)]
    table = figures.league_figures(
        figures.Frame(frame_columns),
        measure="whole_experience",
        months=months,
        names={},
        group_label="test",
    )
    assert (
        table["period_label"] == "reports of Jul 2026 to Sep 2026 (3 of 12 months have responses)"
    )
