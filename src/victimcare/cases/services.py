"""Every write to cases, victims and the case event log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from victimcare.cases.constants import EventKind
from victimcare.cases.models import (
    Case,
    CaseEvent,
    ReferenceSequence,
    Victim,
    VictimPersonalDetails,
)
from victimcare.forces.models import Area, CrimeType, Force


class CaseError(ValueError):
    """A case cannot be recorded as asked; the message says why."""


@dataclass(frozen=True)
class OpenedCase:
    """Told to listeners with the event that opens a case: the case's victims, and that
    this event is the case's only one (so a listener need not read either back)."""

    victims: tuple[Victim, ...]


# Services of other apps that react to every new case event (the Victims' Code clock,
# notifications). Registered in their AppConfig.ready(); called inside the same
# transaction as the event, so an event and its consequences land together or not at all.
# A listener is called as ``listener(event, opened)``, ``opened`` being None except for
# the event that opens a case.
EVENT_LISTENERS: list[Callable[[CaseEvent, OpenedCase | None], None]] = []


def case_event_listener_register(
    listener: Callable[[CaseEvent, OpenedCase | None], None],
) -> None:
    if listener not in EVENT_LISTENERS:
        EVENT_LISTENERS.append(listener)


def _event_announce(event: CaseEvent, opened: OpenedCase | None = None) -> None:
    for listener in EVENT_LISTENERS:
        listener(event, opened)


@dataclass(frozen=True)
class VictimDetails:
    """What is known about a victim when a case is recorded."""

    given_name: str
    family_name: str
    date_of_birth: date | None = None
    email: str = ""
    phone: str = ""
    address: str = ""
    postcode: str = ""
    preferred_contact: str = "email"
    times_to_avoid: str = ""
    phone_is_safe: bool | None = None
    most_serious_crime: bool = False
    persistently_targeted: bool = False
    vulnerable: bool = False
    intimidated: bool = False
    equality: dict[str, str] = field(default_factory=dict)


def format_reference(*, force_code: str, year: int, number: int) -> str:
    """A human-friendly crime reference: force, two-digit year, six-digit number."""
    return f"{force_code}-{year % 100:02d}-{number:06d}"


def reference_allocate(*, force: Force, at: datetime) -> str:
    """The next crime reference for a force, safe under concurrent requests.

    One statement (an upsert that returns the new number), so the force's sequence row is
    locked only until the surrounding transaction ends. Callers that record reports under
    load allocate the reference *before* opening their own transaction (see
    ``intake.services.api_report_record``): the row lock then lasts one statement, and a
    report that fails afterwards leaves a gap in the numbers, never a duplicate.
    """
    year = timezone.localtime(at).year
    table = ReferenceSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (force_id, year, last_number) VALUES (%s, %s, 1)
            ON CONFLICT (force_id, year) DO UPDATE SET last_number = {table}.last_number + 1
            RETURNING last_number
            """,  # noqa: S608 (the table name is the model's own)
            [force.pk, year],
        )
        number = cursor.fetchone()[0]
    return format_reference(force_code=force.code, year=year, number=number)


@transaction.atomic
def case_create(
    *,
    force: Force,
    area: Area,
    crime_type: CrimeType,
    channel: str,
    reported_at: datetime,
    victim: VictimDetails,
    summary: str = "",
    occurred_at: datetime | None = None,
    recorded_by=None,
    officer_in_charge=None,
    reference: str | None = None,
) -> Case:
    """Record a reported crime with its victim and a 'report recorded' event.

    ``reference`` is one already allocated with ``reference_allocate`` (outside this
    transaction); without it one is allocated here.
    """
    if area.force_id != force.pk:
        raise CaseError(f"Area {area.name} is not in {force.name}")
    if timezone.is_naive(reported_at):
        raise CaseError("reported_at must carry a time zone")
    now = timezone.now()
    case = Case(
        reference=reference or reference_allocate(force=force, at=reported_at),
        force=force,
        area=area,
        crime_type=crime_type,
        channel=channel,
        reported_at=reported_at,
        occurred_at=occurred_at,
        summary=summary,
        recorded_by=recorded_by,
        officer_in_charge=officer_in_charge,
    )
    # The related rows were passed in as objects, and the database enforces uniqueness:
    # checking those again would cost a query each on every report.
    case.full_clean(exclude=_CASE_RELATIONS, validate_unique=False, validate_constraints=False)
    case.save(force_insert=True)
    victim_row = Victim(
        case=case,
        most_serious_crime=victim.most_serious_crime,
        persistently_targeted=victim.persistently_targeted,
        vulnerable=victim.vulnerable,
        intimidated=victim.intimidated,
        **{k: v for k, v in victim.equality.items() if k in _EQUALITY_FIELDS},
    )
    victim_row.full_clean(exclude=["case"], validate_unique=False)
    victim_row.save(force_insert=True)
    details = VictimPersonalDetails(
        victim=victim_row,
        given_name=victim.given_name,
        family_name=victim.family_name,
        date_of_birth=victim.date_of_birth,
        email=victim.email,
        phone=victim.phone,
        address=victim.address,
        postcode=victim.postcode,
        preferred_contact=victim.preferred_contact,
        times_to_avoid=victim.times_to_avoid,
        phone_is_safe=victim.phone_is_safe,
    )
    details.full_clean(exclude=["victim"], validate_unique=False)
    details.save(force_insert=True)
    event = CaseEvent.objects.create(
        case=case,
        kind=EventKind.REPORT_RECORDED,
        at=reported_at,
        recorded_at=now,
        by=recorded_by,
        detail={"channel": channel},
        victim_text="Your report was recorded.",
    )
    _event_announce(event, OpenedCase(victims=(victim_row,)))
    return case


_EQUALITY_FIELDS = {"age_band", "sex", "ethnicity", "disability"}
_CASE_RELATIONS = ["force", "area", "crime_type", "recorded_by", "officer_in_charge"]


@transaction.atomic
def case_event_record(
    *,
    case: Case,
    kind: str,
    at: datetime,
    by=None,
    detail: dict | None = None,
    victim_text: str = "",
) -> CaseEvent:
    """Append an event to a case's log. Events are never changed afterwards."""
    if kind not in EventKind.values:
        raise CaseError(f"Unknown event type {kind!r}")
    if timezone.is_naive(at):
        raise CaseError("Event time must carry a time zone")
    event = CaseEvent(
        case=case,
        kind=kind,
        at=at,
        recorded_at=timezone.now(),
        by=by,
        detail=detail or {},
        victim_text=victim_text,
    )
    # The case and the recorder were passed in as objects: no query to check they exist.
    event.full_clean(exclude=["case", "by"], validate_unique=False, validate_constraints=False)
    event.save(force_insert=True)
    _event_announce(event)
    return event
