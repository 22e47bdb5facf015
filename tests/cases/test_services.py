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
        case_make(reported_at=datetime(2026, 9, 1, 10, 0))


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


def test_a_new_case_keeps_everything_it_was_given():
    from tests.factories import area_make, crime_type_make, staff_make
    from victimcare.cases.models import Case
    from victimcare.cases.services import VictimDetails, case_create

    force = force_make("MPS")
    officer = staff_make(force=force)
    reported = datetime(2026, 9, 1, 10, 0, tzinfo=LONDON)
    case = case_create(
        force=force,
        area=area_make(force, "Hackney"),
        crime_type=crime_type_make(),
        channel="phone",
        reported_at=reported,
        occurred_at=datetime(2026, 8, 31, 22, 15, tzinfo=LONDON),
        summary="Back door forced.",
        recorded_by=officer,
        officer_in_charge=officer,
        victim=VictimDetails(
            given_name="Ada",
            family_name="Testperson",
            date_of_birth=datetime(1980, 3, 31).date(),
            email="ada@example.com",
            phone="07700 900123",
            address="1 High Street",
            postcode="E8 1AA",
            preferred_contact="sms",
            times_to_avoid="mornings",
            phone_is_safe=False,
            vulnerable=True,
            equality={"age_band": "45_54", "sex": "female", "unknown": "dropped"},
        ),
    )
    stored = Case.objects.get()
    assert stored.pk == case.pk
    assert stored.reference == case.reference == "MPS-26-000001"
    assert (stored.channel, stored.status, stored.summary) == ("phone", "reported", case.summary)
    assert stored.reported_at == reported
    assert stored.occurred_at == case.occurred_at
    assert stored.recorded_by_id == stored.officer_in_charge_id == officer.pk
    assert stored.created_at is not None
    victim = stored.victims.get()
    assert victim.pk == case.victims.get().pk
    assert victim.vulnerable
    assert victim.pseudonym
    assert (victim.age_band, victim.sex, victim.ethnicity) == ("45_54", "female", "")
    details = victim.personal_details
    assert (details.given_name, details.family_name, details.email) == (
        "Ada",
        "Testperson",
        "ada@example.com",
    )
    assert details.date_of_birth.isoformat() == "1980-03-31"
    assert (details.phone, details.address, details.postcode) == (
        "07700 900123",
        "1 High Street",
        "E8 1AA",
    )
    assert (details.preferred_contact, details.times_to_avoid, details.phone_is_safe) == (
        "sms",
        "mornings",
        False,
    )
    event = stored.events.get()
    assert (event.kind, event.at, event.by_id) == (EventKind.REPORT_RECORDED, reported, officer.pk)
    assert event.detail == {"channel": "phone"}
    assert event.victim_text == "Your report was recorded."


def test_the_objects_returned_are_saved_rows_with_their_relations_at_hand():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = case_make()
    assert not case._state.adding
    with CaptureQueriesContext(connection) as queries:
        assert case.force.code == "MPS"
        assert case.area.force_id == case.force_id
    assert len(queries) == 0


def test_a_case_is_written_in_one_statement_on_postgresql_and_takes_no_savepoint():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import crime_type_make
    from victimcare.cases.services import reference_allocate

    force = force_make("MPS")
    area, crime_type = area_make(force, "Hackney"), crime_type_make()
    reference = reference_allocate(force=force, at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        case_make(force=force, area=area, crime_type=crime_type, reference=reference)
    cases = [q["sql"] for q in queries if "cases_" in q["sql"]]
    assert not [q for q in queries if "SAVEPOINT" in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(cases) == 1, cases
    else:
        assert len(cases) == 4, cases  # SQLite: one INSERT a table


def test_a_value_the_model_refuses_is_refused_before_anything_is_written():
    from django.core.exceptions import ValidationError

    from victimcare.cases.models import Case, ReferenceSequence

    force = force_make("MPS")
    with pytest.raises(ValidationError):
        case_make(force=force, channel="carrier-pigeon")
    with pytest.raises(ValidationError):
        case_make(force=force, summary="x", victim=_victim(email="not an email"))
    assert not Case.objects.exists()
    assert not ReferenceSequence.objects.filter(force=force).exists()


def _victim(**kwargs):
    from victimcare.cases.services import VictimDetails

    return VictimDetails(given_name="Ada", family_name="Testperson", **kwargs)
