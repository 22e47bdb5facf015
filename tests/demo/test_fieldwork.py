"""The demo world's simulated fieldwork reproduces DOMAIN.md's calibration.

A reduced demo world (a few thousand cases a force) gets a year of fieldwork; its
microdata, fed to the estimation library (victimcare.estimation.Design, as
`victimcare estimate` uses it), must give each force's whole-experience satisfaction
within sampling error of its calibrated level, with the known drivers in place.
"""

from __future__ import annotations

import csv
import io

import pytest

from victimcare.cases.models import Case
from victimcare.demo.fieldwork import demo_fieldwork_build, whole_experience_target
from victimcare.forces.models import Force
from victimcare.surveys.commands import microdata_write
from victimcare.surveys.models import RecoveryTask, Response, Sample
from victimcare.surveys.sampling import default_fieldwork_on
from victimcare.surveys.selectors import microdata_rows

pytestmark = pytest.mark.django_db

CASES_PER_FORCE = 2500


@pytest.fixture
def demo_world():
    from victimcare.demo.services import demo_world_build

    demo_world_build(scale="small", seed=5, cases_per_force=CASES_PER_FORCE)
    summary = demo_fieldwork_build(seed=5)
    return summary


def _estimates(rows: list[dict], by: str) -> dict:
    """Design-based proportions through the estimation library, from the CSV as written."""
    from victimcare.estimation import Design

    buffer = io.StringIO()
    microdata_write(rows, buffer)
    records = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    data = {
        "stratum": [r["stratum"] for r in records],
        "psu": [int(r["psu"]) for r in records],
        "N": [float(r["N"]) for r in records],
        "w": [float(r["w"]) for r in records],
        "y": [
            float(r["sat_whole_experience"]) if r["sat_whole_experience"] else None for r in records
        ],
        by: [r[by] or None for r in records],
    }
    design = Design(data, weight="w", strata="stratum", psu="psu", fpc="N")
    estimates = design.proportion("y", by=by)
    return {row.by[by]: row for row in estimates.rows}


def test_demo_fieldwork_reproduces_the_calibrated_satisfaction_levels(demo_world):
    assert "synthetic" in demo_world
    forces = list(Force.objects.filter(code__in=["MPS", "GMP", "WMP"]))
    assert Sample.objects.filter(synthetic=True).count() >= 3 * 9
    assert not Response.objects.filter(synthetic=False).exists()
    # Every sample's fieldwork date lies within the demo year.
    last_report = Case.objects.latest("reported_at").reported_at.date()
    for sample in Sample.objects.all():
        assert sample.fieldwork_on == default_fieldwork_on(sample.month) <= last_report
    rows = microdata_rows(
        forces=forces,
        first_month=Sample.objects.earliest("month").month,
        last_month=Sample.objects.latest("month").month,
    )
    by_force = _estimates(rows, "force")
    for code in ("MPS", "GMP", "WMP"):
        estimate = by_force[code]
        target = whole_experience_target(code)
        assert abs(estimate.estimate - target) < 3 * estimate.se, (code, estimate, target)
    assert by_force["GMP"].estimate > by_force["MPS"].estimate
    assert by_force["WMP"].estimate > by_force["MPS"].estimate
    informed = _estimates(rows, "kept_informed")
    assert informed["1"].estimate - informed["0"].estimate > 0.1
    visited = _estimates(rows, "visited")
    assert visited["1"].estimate > visited["0"].estimate
    assert RecoveryTask.objects.exists()


def test_demo_fieldwork_answers_the_code_questions_a_little_below_the_record(demo_world):
    """The demo's respondents answer version 2's Victims' Code questions, saying yes a
    little less often than their records say the obligation was met."""
    from victimcare.care.constants import ObligationStatus
    from victimcare.care.models import Obligation
    from victimcare.cases.models import Victim

    answered = Response.objects.exclude(extra_answers={})
    assert answered.count() > 100
    said = [r.extra_answers.get("told_about_code") for r in answered]
    said = [a for a in said if a]
    survey_rate = said.count("yes") / len(said)
    cases = Victim.objects.filter(pseudonym__in=answered.values("respondent")).values("case_id")
    written = Obligation.objects.filter(case_id__in=cases, code="written_information")
    recorded_rate = written.filter(status=ObligationStatus.MET).count() / written.count()
    assert recorded_rate - 0.2 < survey_rate < recorded_rate


def test_demo_fieldwork_runs_the_domestic_abuse_survey_for_the_met(demo_world):
    """The Met's demo has synthetic domestic abuse survey responses (its own table, by the
    safe route only), contacts awaiting approval for its officers, and at least one
    invitation emailed through the notifications with a neutral subject."""
    from victimcare.notifications.models import Notification
    from victimcare.surveys.constants import DaContactStatus
    from victimcare.surveys.models import DaResponse, DaSurveyContact

    assert "domestic abuse survey" in demo_world
    met = Force.objects.get(code="MPS")
    responses = DaResponse.objects.filter(force=met)
    assert responses.exists()
    assert not responses.filter(synthetic=False).exists()
    assert not DaResponse.objects.exclude(force=met).exists()
    contacts = DaSurveyContact.objects.filter(force=met)
    assert contacts.filter(status=DaContactStatus.PROPOSED).exists()
    assert contacts.filter(status=DaContactStatus.COMPLETED).count() == responses.count()
    assert set(contacts.values_list("route", flat=True)) <= {"email", "phone"}
    invitations = Notification.objects.filter(idempotency_key__startswith="feedback:")
    assert invitations.exists()
    assert {n.subject for n in invitations} == {"How did we do?"}
