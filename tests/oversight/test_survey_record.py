"""Survey and record side by side: the recorded rate is the compliance return's own cell,
the survey estimate a design-based proportion under the publication rule, counting only
responses to a questionnaire version that asks the question."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.utils import timezone

from tests.care.factories import london
from tests.factories import area_make, case_make, crime_type_make, force_make
from tests.oversight.factories import QUARTER, responses_make
from victimcare.oversight import figure_services
from victimcare.oversight.compliance_return import compliance_return
from victimcare.oversight.figures import Frame
from victimcare.oversight.figures.survey_record import PAIRS, survey_record_figures
from victimcare.surveys.models import Questionnaire, Response
from victimcare.surveys.questionnaire import CODE_QUESTIONS, CORE_FILES, asks
from victimcare.surveys.services import questionnaire_core_get

AS_AT = london(2026, 12, 1, 12, 0)


def _version_one() -> Questionnaire:
    with CORE_FILES[0].open(encoding="utf-8") as file:
        definition = json.load(file)
    return Questionnaire.objects.create(
        code=definition["code"],
        version=definition["version"],
        title=definition["title"],
        questions=definition["questions"],
        created_at=timezone.now(),
    )


@pytest.mark.django_db
def test_questionnaire_version_two_asks_the_code_questions_and_version_one_is_unchanged():
    current = questionnaire_core_get()
    first = _version_one()
    assert (current.code, current.version) == ("uss", 2)
    assert all(asks(current, q) for q in CODE_QUESTIONS)
    assert not any(asks(first, q) for q in CODE_QUESTIONS)
    assert [q["code"] for q in first.questions] == [
        q["code"] for q in current.questions if q["code"] not in CODE_QUESTIONS
    ]


@pytest.mark.django_db
def test_survey_record_recorded_rate_is_the_compliance_returns_cell(settings):
    """The recorded side reuses the compliance return: same numerator, denominator and
    Wilson interval, by force and by area."""
    settings.OPEN_DATA_THRESHOLD = 1
    force = force_make()
    hackney = area_make(force, "Hackney")
    for day in (1, 2, 3):
        case_make(
            force=force,
            area=hackney,
            crime_type=crime_type_make(),
            reported_at=london(2026, 9, day, 10, 0),
        )
    result = compliance_return(force=force, quarter=QUARTER, as_at=AS_AT, threshold=1)
    out = figure_services.survey_record_compute(force=force, quarter=QUARTER, as_at=AS_AT)
    written = next(m for m in out["measures"] if m["measure"] == "written_information_on_time")
    rows = {r["scope"]: r for r in written["rows"]}
    headline = result.headline("written_information_on_time")
    assert headline.denominator == 3
    assert rows[force.name]["recorded"]["base"] == headline.denominator
    assert rows[force.name]["recorded"]["numerator"] == headline.numerator
    low, high = headline.interval
    assert rows[force.name]["recorded"]["interval"] == f"{low * 100:.1f}% to {high * 100:.1f}%"
    assert rows["Hackney"]["recorded"]["base"] == 3
    # No survey responses: the survey side says so, never a rate.
    assert rows[force.name]["survey"]["published"] is False
    assert rows[force.name]["survey_rate"] == "no responses"


@pytest.mark.django_db
def test_survey_estimate_counts_only_responses_to_the_version_that_asks(settings):
    """Answers held by a version-1 response are "not asked", whatever its extra answers say."""
    settings.OPEN_DATA_THRESHOLD = 10
    (force,) = responses_make([force_make()], per_month=40, months=3)
    first = _version_one()
    ids = list(Response.objects.filter(force=force).order_by("id").values_list("id", flat=True))
    old, new = ids[:30], ids[30:]
    Response.objects.filter(id__in=old).update(
        questionnaire=first, extra_answers={"told_about_code": "no"}
    )
    Response.objects.filter(id__in=new[::2]).update(extra_answers={"told_about_code": "yes"})
    Response.objects.filter(id__in=new[1::2]).update(extra_answers={"told_about_code": "no"})
    out = figure_services.survey_record_compute(force=force, quarter=QUARTER, as_at=AS_AT)
    told = next(m for m in out["measures"] if m["question"] == "told_about_code")
    row = told["rows"][0]
    assert (row["asked"], row["not_asked"]) == (len(new), len(old))
    assert row["survey"]["n"] == len(new)
    assert row["survey"]["published"] is True
    assert 0.3 < row["survey"]["estimate"] < 0.7
    assert row["survey"]["ci_low"] < row["survey"]["estimate"] < row["survey"]["ci_high"]


def _frame(yes: int, no: int, area: str = "Hackney") -> Frame:
    n = yes + no
    columns: dict[str, np.ndarray] = {
        "w": np.full(n, 10.0),
        "stratum": np.ones(n, dtype=np.int64),
        "N": np.full(n, 10.0 * n),
        "month": np.array(["2026-08"] * n),
        "area": np.array([area] * n),
    }
    for question in CODE_QUESTIONS:
        columns[f"code_{question}"] = np.array([1.0] * yes + [0.0] * no)
        columns[f"asked_{question}"] = np.ones(n)
    return Frame(columns)


def test_survey_record_area_below_the_threshold_shows_no_survey_rate():
    out = survey_record_figures(
        _frame(3, 2),
        months=QUARTER.months,
        recorded={},
        scope_label="Metropolitan Police Service",
        areas=["Hackney"],
        threshold=30,
    )
    for measure in out["measures"]:
        for row in measure["rows"]:
            assert row["survey"]["estimate"] is None
            assert row["survey_rate"].startswith("too few responses (5")
    assert [m["measure"] for m in out["measures"]] == [measure for _q, measure, _t in PAIRS]


def test_survey_record_shows_a_design_based_interval_with_its_base():
    out = survey_record_figures(
        _frame(60, 40),
        months=QUARTER.months,
        recorded={"vps_offered": {"Hackney": {"suppressed": "primary"}}},
        scope_label="Hackney",
        area="Hackney",
        threshold=30,
    )
    row = out["measures"][1]["rows"][0]
    assert row["survey"]["n"] == 100
    assert row["survey"]["estimate"] == pytest.approx(0.6)
    assert row["survey_interval"].endswith("%")
    assert row["recorded"]["rate"].startswith("suppressed")
    assert len(out["measures"][1]["rows"]) == 1  # an area's page: the area only


@pytest.mark.django_db
def test_dashboard_sections_are_cached_until_the_responses_change():
    from victimcare.oversight.models import FiguresCache

    force = force_make()
    area_make(force, "Hackney")
    first = figure_services.dashboard_sections(force=force, quarter=QUARTER)
    assert FiguresCache.objects.filter(key__startswith="sections|MPS|").count() == 1
    assert figure_services.dashboard_sections(force=force, quarter=QUARTER) == first
    assert set(first) == {"survey_record", "da_survey"}
