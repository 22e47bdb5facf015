from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.factories import area_make, case_make, force_make
from victimcare.cases.constants import EventKind
from victimcare.cases.models import CaseEvent
from victimcare.cases.services import CaseError, case_event_record, format_reference

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def test_references_are_unique_and_sequential_within_a_force_and_year():
    first, second = case_make(), case_make()
    assert first.reference == "MPS-26-000001"
    assert second.reference == "MPS-26-000002"
    assert case_make(force=force_make("GMP")).reference == "GMP-26-000001"


def test_the_year_in_a_reference_is_the_year_in_london():
    case = case_make(reported_at=datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC")))
    assert case.reference.startswith("MPS-26-")
    case = case_make(reported_at=datetime(2027, 1, 1, 0, 30, tzinfo=LONDON))
    assert case.reference.startswith("MPS-27-")


@pytest.mark.parametrize(
    ("code", "year", "number", "expected"),
    [("MPS", 2026, 1, "MPS-26-000001"), ("WMP", 2030, 123456, "WMP-30-123456")],
)
def test_format_reference(code, year, number, expected):
    assert format_reference(force_code=code, year=year, number=number) == expected


def test_a_new_case_has_a_victim_with_personal_details_apart_and_a_report_event():
    case = case_make()
    victim = case.victims.get()
    assert victim.personal_details.full_name == "Ada Testperson"
    assert [e.kind for e in case.events.all()] == [EventKind.REPORT_RECORDED]


def test_an_area_of_another_force_is_refused():
    with pytest.raises(CaseError, match="is not in"):
        case_make(force=force_make("MPS"), area=area_make(force_make("GMP"), "Bolton"))


def test_naive_times_are_refused():
    with pytest.raises(CaseError, match="time zone"):
        case_make(reported_at=datetime(2026, 9, 1, 10, 0))  # noqa: DTZ001


def test_case_events_are_append_only():
    case = case_make()
    event = case_event_record(case=case, kind=EventKind.CONTACT_MADE, at=timezone.now())
    event.victim_text = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(case=case).update(victim_text="x")
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(case=case).delete()


def test_unknown_event_kinds_are_refused():
    with pytest.raises(CaseError, match="Unknown event type"):
        case_event_record(case=case_make(), kind="teleported", at=timezone.now())


def test_reference_allocation_is_one_statement_that_starts_and_advances_a_sequence():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from victimcare.cases.models import ReferenceSequence
    from victimcare.cases.services import reference_allocate

    force = force_make("MPS")
    at = datetime(2027, 3, 1, 9, 0, tzinfo=LONDON)
    with CaptureQueriesContext(connection) as queries:
        first = reference_allocate(force=force, at=at)
    assert len(queries) == 1
    assert first == "MPS-27-000001"
    assert reference_allocate(force=force, at=at) == "MPS-27-000002"
    assert ReferenceSequence.objects.get(force=force, year=2027).last_number == 2


def test_a_case_can_take_a_reference_allocated_before_its_transaction():
    from victimcare.cases.services import reference_allocate

    force = force_make("MPS")
    reference = reference_allocate(force=force, at=timezone.now())
    assert case_make(force=force, reference=reference).reference == reference
    assert case_make(force=force).reference != reference
