"""The dashboard's figures are the estimation library's, on the surveys app's responses:
they equal `victimcare estimate` run on `victimcare survey microdata` for the same scope
and period; figures are cached until the responses change."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from datetime import date

import numpy as np
import pytest

from tests.oversight.factories import QUARTER, responses_make
from victimcare.demo.synthetic import responses_bulk_create
from victimcare.estimation.cli import main as estimate_main
from victimcare.oversight import figure_services, selectors
from victimcare.oversight.models import FiguresCache
from victimcare.oversight.periods import month_shift
from victimcare.surveys.commands import microdata_write
from victimcare.surveys.selectors import microdata_rows

pytestmark = pytest.mark.django_db


def _estimate(path, *args) -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        code = estimate_main(
            [
                str(path),
                "--stat",
                "proportion",
                "--strata",
                "stratum",
                "--psu",
                "psu",
                "--weight",
                "w",
                "--fpc",
                "N",
                "--lonely-psu",
                "certainty",
                "--format",
                "json",
                *args,
            ]
        )
    assert code == 0
    return json.loads(out.getvalue())


def _microdata(tmp_path, force, first, last):
    path = tmp_path / "microdata.csv"
    with path.open("w", newline="") as file:
        microdata_write(microdata_rows(forces=[force], first_month=first, last_month=last), file)
    return path


def _close(a, b):
    assert a == pytest.approx(b, rel=1e-9, abs=1e-12)


def test_dashboard_figures_equal_victimcare_estimate_on_the_microdata_export(tmp_path):
    mps = responses_make(per_month=40)[0]
    fig = figure_services.dashboard_compute(force=mps, quarter=QUARTER)
    first, last = selectors.dashboard_window(QUARTER)
    path = _microdata(tmp_path, mps, first, last)
    # Headline and stages: the quarter (months of the quarter as domains of the export).
    quarter_path = _microdata(tmp_path, mps, QUARTER.first_month, QUARTER.last_month)
    for stage in fig["stages"]:
        cli = _estimate(quarter_path, "--y", f"sat_{stage['stage']}")["estimates"][0]
        for field in ("estimate", "se", "ci_low", "ci_high"):
            _close(stage["quarter"][field], cli[field])
        assert stage["quarter"]["n"] == cli["n"]
    # Breakdowns: the rolling year, by area and by ethnicity.
    year_path = _microdata(tmp_path, mps, month_shift(QUARTER.last_month, -11), QUARTER.last_month)
    for column in ("area", "ethnicity"):
        cli = _estimate(year_path, "--y", "sat_whole_experience", "--by", column)
        shown = next(b for b in fig["breakdowns"] if b["column"] == column)
        for row in shown["rows"]:
            match = next(e for e in cli["estimates"] if e["by"][column] == row["value"])
            _close(row["estimate"]["estimate"], match["estimate"])
            _close(row["estimate"]["ci_low"], match["ci_low"])
            _close(row["estimate"]["ci_high"], match["ci_high"])
            assert row["estimate"]["n"] == match["n"]
    # The rolling-12-month trend's last point is the year's estimate.
    cli = _estimate(year_path, "--y", "sat_whole_experience")["estimates"][0]
    _close(fig["trend"][-1]["estimate"]["estimate"], cli["estimate"])
    _close(fig["trend"][-1]["estimate"]["ci_high"], cli["ci_high"])
    assert path.exists()


def test_an_area_dashboard_is_a_domain_of_the_force_design(tmp_path):
    mps = responses_make(per_month=40)[0]
    area = mps.areas.order_by("name").first()
    fig = figure_services.dashboard_compute(force=mps, quarter=QUARTER, area=area)
    path = _microdata(tmp_path, mps, QUARTER.first_month, QUARTER.last_month)
    cli = _estimate(path, "--y", "sat_whole_experience", "--by", "area")
    match = next(e for e in cli["estimates"] if e["by"]["area"] == area.name)
    _close(fig["headline"]["quarter"]["estimate"], match["estimate"])
    _close(fig["headline"]["quarter"]["ci_low"], match["ci_low"])


def test_responses_frame_has_the_microdata_weights_and_answers():
    mps = responses_make(per_month=20, months=3)[0]
    first, last = month_shift(QUARTER.last_month, -2), QUARTER.last_month
    rows = microdata_rows(forces=[mps], first_month=first, last_month=last)
    frame = selectors.responses_frame(forces=[mps], period_from=first, period_to=last)
    assert len(frame["w"]) == len(rows)
    assert sorted(frame["w"].round(6)) == pytest.approx(sorted(r["w"] for r in rows))
    sat = [r["sat_whole_experience"] for r in rows]
    assert np.nansum(frame["sat_whole_experience"]) == sum(v for v in sat if v is not None)


def test_figures_are_cached_until_the_responses_change():
    forces = responses_make(per_month=15, months=6, first_month=date(2025, 10, 1))
    mps = forces[0]
    first = figure_services.dashboard_compute(force=mps, quarter=QUARTER)
    cached = FiguresCache.objects.exclude(key__endswith="|published").get(
        key__startswith="dashboard|MPS"
    )
    assert figure_services.dashboard_compute(force=mps, quarter=QUARTER) == first
    assert FiguresCache.objects.get(pk=cached.pk).computed_at == cached.computed_at
    responses_bulk_create(
        forces=[mps], first_month=QUARTER.last_month, months=1, per_month=5, areas=4, seed=9
    )  # new responses arrive
    again = figure_services.dashboard_compute(force=mps, quarter=QUARTER)
    assert FiguresCache.objects.get(pk=cached.pk).stamp != cached.stamp
    assert again["responses"] != first["responses"] or again != first


def test_a_warm_dashboard_is_neither_published_nor_drawn_again(monkeypatch):
    """The published figures and their charts are kept beside the raw ones: a second
    request on the same day, with the same responses, draws no chart."""
    mps = responses_make(per_month=15, months=6, first_month=date(2025, 10, 1))[0]
    first = figure_services.dashboard_compute(force=mps, quarter=QUARTER)

    def redrawn(*args, **kwargs):
        raise AssertionError("published and drawn again")

    monkeypatch.setattr(figure_services.figures, "dashboard_publish", redrawn)
    assert figure_services.dashboard_compute(force=mps, quarter=QUARTER) == first
    with pytest.raises(AssertionError, match="drawn again"):  # another day: published again
        figure_services.dashboard_compute(force=mps, quarter=QUARTER, on=date(2030, 1, 1))


def test_compliance_rates_count_obligations_met_on_time(django_user_model):
    mps = responses_make(per_month=5, months=1)[0]
    rows = selectors.compliance_rates(force=mps, first=QUARTER.first_month, last=QUARTER.last_month)
    assert rows == []


def test_referred_comes_from_a_referral_in_the_case_log_before_the_interview():
    """'Referred' is read from the Victims' Code record: a referral_sent event on the
    respondent's case before the interview; a later referral does not count."""
    from datetime import date, timedelta

    from tests.factories import case_make
    from tests.oversight.factories import responses_make
    from victimcare.cases.constants import EventKind
    from victimcare.cases.models import Victim
    from victimcare.cases.services import case_event_record
    from victimcare.oversight.selectors import responses_frame
    from victimcare.surveys.models import Response

    force = responses_make(per_month=3, months=3, seed=5)[0]
    before, after = Response.objects.filter(force=force).order_by("id")[:2]
    for response, offset in ((before, -timedelta(days=3)), (after, timedelta(days=3))):
        case = case_make(force=force, reported_at=response.completed_at - timedelta(days=60))
        Victim.objects.filter(case=case).update(pseudonym=response.respondent)
        case_event_record(
            case=case, kind=EventKind.REFERRAL_SENT, at=response.completed_at + offset
        )
    frame = responses_frame(
        forces=[force], period_from=date(2000, 1, 1), period_to=date(2100, 12, 1)
    )
    assert frame["referred"].sum() == 1
