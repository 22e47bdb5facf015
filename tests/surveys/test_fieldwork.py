"""Telephone interviews, agency export and import, tracking and service recovery."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import LONDON, force_make, staff_make
from tests.surveys.factories import answers, sample_make, victim_case_make
from victimcare.accounts.constants import AuditAction, Role
from victimcare.audit.models import AuditRecord
from victimcare.cases.constants import EventKind
from victimcare.cases.services import case_event_record
from victimcare.surveys.constants import CallOutcome, Mode, Outcome, RecoveryStatus
from victimcare.surveys.models import RecoveryTask, Response
from victimcare.surveys.selectors import sample_tracking
from victimcare.surveys.services import (
    FieldworkError,
    agency_import,
    call_attempt_record,
    recovery_task_close,
    response_record,
)
from victimcare.surveys.weighting import ResponseRates

pytestmark = pytest.mark.django_db


@pytest.fixture
def mps():
    return force_make("MPS", "Metropolitan Police Service")


def phone_sample(force, count=1, mode=Mode.TELEPHONE):
    for _ in range(count):
        victim_case_make(force, phone="07700 900555", phone_is_safe=True)
    return sample_make(force, mode=mode)


# --- telephone (CATI) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calls", "outcome"),
    [
        ([CallOutcome.REFUSED], Outcome.REFUSED),
        ([CallOutcome.WRONG_NUMBER], Outcome.UNKNOWN_ELIGIBILITY),
        ([CallOutcome.INELIGIBLE], Outcome.INELIGIBLE),
        ([CallOutcome.NO_ANSWER] * 5, Outcome.ISSUED),
        ([CallOutcome.NO_ANSWER] * 6, Outcome.NON_CONTACT),
        ([CallOutcome.NO_ANSWER, CallOutcome.CALL_BACK], Outcome.ISSUED),
    ],
)
def test_call_outcomes_decide_the_sampled_victims_outcome(mps, calls, outcome):
    member = phone_sample(mps).members.get()
    at = timezone.now()
    for number, call in enumerate(calls):
        call_attempt_record(
            member=member,
            outcome=call,
            at=at + timedelta(minutes=number),
            call_back_at=at + timedelta(days=1) if call == CallOutcome.CALL_BACK else None,
        )
    member.refresh_from_db()
    assert member.outcome == outcome
    assert member.attempts == len(calls)


def test_a_call_back_is_scheduled_in_the_future(mps):
    member = phone_sample(mps).members.get()
    with pytest.raises(FieldworkError, match="future"):
        call_attempt_record(member=member, outcome=CallOutcome.CALL_BACK, call_back_at=None)


def test_an_interviewer_records_a_completed_interview_and_the_view_is_audited(client, mps):
    member = phone_sample(mps).members.get()
    interviewer = staff_make(Role.CALL_HANDLER, force=mps)
    client.force_login(interviewer)
    queue = client.get(reverse("surveys:interviews"))
    assert member.serial.encode() in queue.content
    assert member.victim.personal_details.family_name.encode() not in queue.content
    url = reverse("surveys:interview", kwargs={"serial": member.serial})
    screen = client.get(url)
    assert member.victim.personal_details.phone.encode() in screen.content
    assert b"Taking the whole experience into account" in screen.content
    assert AuditRecord.objects.filter(user=interviewer, victim=member.victim).count() == 1
    incomplete = client.post(url, {"outcome": "completed", "q_ease_of_contact": "neither"})
    assert incomplete.status_code == 400
    assert b"Record an answer" in incomplete.content
    data = {f"q_{code}": value for code, value in answers().items()}
    done = client.post(url, {"outcome": "completed", **data})
    assert done.status_code == 302
    response = Response.objects.get()
    assert response.mode == Mode.TELEPHONE
    assert response.whole_experience == "very_satisfied"
    assert member.calls.get().by == interviewer


def test_a_call_back_time_is_entered_in_london_time(client, mps):
    member = phone_sample(mps).members.get()
    client.force_login(staff_make(Role.CALL_HANDLER, force=mps))
    url = reverse("surveys:interview", kwargs={"serial": member.serial})
    tomorrow = timezone.localtime(timezone.now(), LONDON) + timedelta(days=1)
    client.post(url, {"outcome": "call_back", "call_back_at": f"{tomorrow:%Y-%m-%d} 18:30"})
    member.refresh_from_db()
    assert timezone.localtime(member.call_back_at, LONDON).hour == 18
    bad = client.post(url, {"outcome": "call_back", "call_back_at": "tomorrow"})
    assert bad.status_code == 400


@pytest.mark.parametrize("when", ["9999-12-31 23:59", "0001-01-01 00:00", "2026-13-01 10:00"])
def test_a_call_back_time_out_of_range_is_a_form_error(client, mps, when):
    member = phone_sample(mps).members.get()
    client.force_login(staff_make(Role.CALL_HANDLER, force=mps))
    url = reverse("surveys:interview", kwargs={"serial": member.serial})
    bad = client.post(url, {"outcome": "call_back", "call_back_at": when})
    assert bad.status_code == 400
    assert "govuk-error-summary" in bad.text
    member.refresh_from_db()
    assert member.call_back_at is None


# --- agency ------------------------------------------------------------------------------


def agency_csv(rows: list[dict]) -> str:
    columns = [
        "serial",
        "outcome",
        "interviewed_at",
        "ease_of_contact",
        "actions_taken",
        "kept_informed",
        "treatment",
        "whole_experience",
        "comments",
        "agrees_to_contact",
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue()


def completed(serial, **changes):
    row = {
        "serial": serial,
        "outcome": "completed",
        "interviewed_at": "2026-11-20",
        "ease_of_contact": "1",
        "actions_taken": "2",
        "kept_informed": "3",
        "treatment": "2",
        "whole_experience": "2",
        "agrees_to_contact": "no",
    }
    row.update(changes)
    return row


def test_the_agency_export_holds_only_what_the_agency_needs_and_is_audited(client, mps):
    sample = phone_sample(mps, count=2, mode=Mode.AGENCY)
    supervisor = staff_make(Role.SUPERVISOR, force=mps)
    client.force_login(supervisor)
    response = client.get(reverse("surveys:agency-export", kwargs={"pk": sample.pk}))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2
    assert set(rows[0]) == {
        "serial",
        "given_name",
        "family_name",
        "phone",
        "times_to_avoid",
        "crime_group",
        "reported_on",
    }
    assert AuditRecord.objects.filter(user=supervisor, action=AuditAction.EXPORT).count() == 2


def test_an_agency_file_is_imported_row_by_row_with_reasons_for_rejections(mps):
    sample = phone_sample(mps, count=4, mode=Mode.AGENCY)
    serials = sorted(sample.members.values_list("serial", flat=True))
    text = agency_csv(
        [
            completed(serials[0]),
            {"serial": serials[1], "outcome": "refused"},
            completed(serials[2], whole_experience="12"),  # out of range
            completed("SNOSUCH99"),  # unknown respondent
            completed(serials[3]),
            completed(serials[3], whole_experience="7"),  # duplicate
        ]
    )
    result = agency_import(text=text, forces=[mps])
    assert result.imported == 2
    rejected = {line: reasons for line, _serial, reasons in result.rejected}
    assert set(rejected) == {4, 5, 6, 7}
    assert "whole_experience" in rejected[4][0]
    assert "1 to 9" in rejected[4][0]
    assert "unknown respondent" in rejected[5][0]
    assert "more than once" in rejected[6][0]
    outcomes = dict(sample.members.values_list("serial", "outcome"))
    assert outcomes == {
        serials[0]: Outcome.COMPLETED,
        serials[1]: Outcome.REFUSED,
        serials[2]: Outcome.ISSUED,
        serials[3]: Outcome.ISSUED,
    }
    assert Response.objects.get().mode == Mode.AGENCY
    # Importing the same file again changes nothing more: those rows already have outcomes.
    again = agency_import(text=text, forces=[mps])
    assert again.imported == 0
    assert Response.objects.count() == 1


def test_a_strict_import_changes_nothing_when_any_row_is_rejected(mps):
    sample = phone_sample(mps, count=2, mode=Mode.AGENCY)
    first, second = sorted(sample.members.values_list("serial", flat=True))
    result = agency_import(
        text=agency_csv([completed(first), completed(second, treatment="0")]),
        forces=[mps],
        strict=True,
    )
    assert not result.applied
    assert result.imported == 0
    assert not Response.objects.exists()


def test_another_forces_serials_are_unknown_to_an_import_scoped_to_a_force(mps):
    gmp = force_make("GMP", "Greater Manchester Police")
    sample = phone_sample(gmp, mode=Mode.AGENCY)
    result = agency_import(text=agency_csv([completed(sample.members.get().serial)]), forces=[mps])
    assert result.imported == 0
    assert "unknown respondent" in result.rejected[0][2][0]


def test_a_file_without_the_key_columns_is_refused_whole():
    result = agency_import(text="name,answer\nx,1\n")
    assert not result.applied
    assert "serial" in result.rejected[0][2][0]


def test_the_import_page_lists_rejected_rows(client, mps):
    sample = phone_sample(mps, mode=Mode.AGENCY)
    client.force_login(staff_make(Role.ANALYST, force=mps))
    upload = io.BytesIO(agency_csv([completed("SNOSUCH99")]).encode())
    upload.name = "results.csv"
    page = client.post(reverse("surveys:agency-import", kwargs={"pk": sample.pk}), {"file": upload})
    assert page.status_code == 400
    assert b"1 row was rejected" in page.content
    assert b"unknown respondent" in page.content


# --- responses, design variables, tracking -----------------------------------------------


def test_a_response_carries_design_variables_and_care_markers_but_no_personal_data(mps):
    case = victim_case_make(
        mps, phone="07700 900555", equality={"ethnicity": "black", "sex": "female"}
    )
    at = datetime(2026, 9, 12, 10, 0, tzinfo=LONDON)
    case_event_record(case=case, kind=EventKind.CONTACT_MADE, at=at)
    member = sample_make(mps, mode=Mode.TELEPHONE).members.get()
    response = response_record(member=member, answers=answers(), mode=Mode.TELEPHONE)
    assert (response.kept_informed, response.visited) == (True, False)
    assert (response.ethnicity, response.sex, response.crime_group) == (
        "black",
        "female",
        "burglary",
    )
    assert response.area.name == "Hackney"
    assert response.month.month == 9
    field_names = {f.name for f in Response._meta.get_fields()}
    assert not field_names & {"victim", "member", "given_name", "email", "phone", "case"}


def test_tracking_counts_outcomes_and_response_rates_by_stratum_and_mode(mps):
    for _ in range(4):
        victim_case_make(mps, phone="07700 900555")
    victim_case_make(mps, crime="violence", phone="07700 900555")
    sample = sample_make(mps, mode=Mode.TELEPHONE)
    members = list(sample.members.order_by("id"))
    response_record(member=members[0], answers=answers(), mode=Mode.TELEPHONE)
    call_attempt_record(member=members[1], outcome=CallOutcome.REFUSED)
    call_attempt_record(member=members[2], outcome=CallOutcome.INELIGIBLE)
    tracking = sample_tracking(sample=sample)
    total = tracking["total"].rates
    assert (total.issued, total.completed, total.refused, total.ineligible, total.unknown) == (
        5,
        1,
        1,
        1,
        2,
    )
    assert total.rr1 == pytest.approx(1 / 4)
    # e = (I + R + NC) / (I + R + NC + NE) = 2/3; RR3 = 1 / (2 + 2/3 * 2)
    assert total.rr3 == pytest.approx(1 / (2 + 4 / 3))
    assert [row.label for row in tracking["strata"]] == [
        "MPS|hackney|burglary",
        "MPS|hackney|violence",
    ]
    assert sum(row.rates.issued for row in tracking["strata"]) == 5


@pytest.mark.parametrize(
    ("counts", "rr1", "rr3"),
    [
        ({}, None, None),
        ({"completed": 50, "refused": 20, "non_contact": 30}, 0.5, 0.5),
        # AAPOR: with unknown eligibility, RR3 sits between RR1 and I/(I+R+NC).
        (
            {
                "completed": 40,
                "refused": 10,
                "non_contact": 10,
                "unknown_eligibility": 20,
                "ineligible": 20,
            },
            0.5,
            40 / (60 + 0.75 * 20),
        ),
    ],
)
def test_aapor_response_rates(counts, rr1, rr3):
    rates = ResponseRates.from_counts(counts)
    assert rates.rr1 == (pytest.approx(rr1) if rr1 is not None else None)
    assert rates.rr3 == (pytest.approx(rr3) if rr3 is not None else None)


def test_the_sample_page_shows_response_rates_and_exclusions_per_stratum(client, mps):
    victim_case_make(mps)
    victim_case_make(mps, date_of_birth=datetime(2015, 1, 1).date())
    sample = sample_make(mps)
    client.force_login(staff_make(Role.ANALYST, force=mps))
    page = client.get(reverse("surveys:sample-detail", kwargs={"pk": sample.pk}))
    content = page.content.decode()
    assert "Response tracking by stratum" in content
    assert "RR3" in content
    assert "Exclusions by stratum" in content
    assert "Under the minimum age" in content


# --- service recovery --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("whole", "agrees", "task"),
    [
        ("very_dissatisfied", "yes", True),
        ("fairly_dissatisfied", "yes", True),
        ("very_dissatisfied", "no", False),
        ("neither", "yes", False),
        ("fairly_satisfied", "yes", False),
    ],
)
def test_a_dissatisfied_victim_who_agreed_gets_a_call_back(mps, whole, agrees, task):
    member = phone_sample(mps).members.get()
    at = datetime(2026, 11, 20, 15, 0, tzinfo=LONDON)  # a Friday
    response_record(
        member=member,
        answers=answers(whole_experience=whole, agrees_to_contact=agrees),
        mode=Mode.TELEPHONE,
        completed_at=at,
    )
    tasks = RecoveryTask.objects.all()
    assert tasks.exists() == task
    if task:
        # Three working days after Friday: Wednesday, end of day.
        due = timezone.localtime(tasks.get().due_at, LONDON)
        assert (due.date().isoformat(), due.hour) == ("2026-11-25", 23)
        assert tasks.get().force == mps


def test_a_supervisor_sees_the_comment_redacted_and_records_the_outcome(client, mps):
    member = phone_sample(mps).members.get()
    response_record(
        member=member,
        answers=answers(
            whole_experience="completely_dissatisfied",
            agrees_to_contact="yes",
            comments="Call me on 07700 900123 or jo.bloggs@example.com, PC Smith was rude.",
        ),
        mode=Mode.TELEPHONE,
    )
    task = RecoveryTask.objects.get()
    supervisor = staff_make(Role.SUPERVISOR, force=mps)
    client.force_login(supervisor)
    listing = client.get(reverse("surveys:recovery")).content.decode()
    page = client.get(reverse("surveys:recovery-task", kwargs={"pk": task.pk})).content.decode()
    for content in (listing, page):
        assert "07700 900123" not in content
        assert "jo.bloggs" not in content
        assert "Smith" not in content
        assert "[redacted]" in content
    done = client.post(
        reverse("surveys:recovery-task", kwargs={"pk": task.pk}),
        {"status": "done", "note": "Apologised; officer to call."},
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.status == RecoveryStatus.DONE
    assert task.closed_by == supervisor
    with pytest.raises(FieldworkError):
        recovery_task_close(task=task, status="done", note="again")


def test_another_forces_supervisor_cannot_see_the_call_back(client, mps):
    member = phone_sample(mps).members.get()
    response_record(
        member=member,
        answers=answers(whole_experience="very_dissatisfied", agrees_to_contact="yes"),
        mode=Mode.TELEPHONE,
    )
    gmp = force_make("GMP", "Greater Manchester Police")
    client.force_login(staff_make(Role.SUPERVISOR, force=gmp))
    task = RecoveryTask.objects.get()
    assert client.get(reverse("surveys:recovery-task", kwargs={"pk": task.pk})).status_code == 404
