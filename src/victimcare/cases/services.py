"""Every write to cases, victims and the case event log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
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


# Services of other apps that react to every new case event (the Victims' Code clock,
# notifications). Registered in their AppConfig.ready(); called inside the same
# transaction as the event, so an event and its consequences land together or not at all.
EVENT_LISTENERS: list[Callable[[CaseEvent], None]] = []


def case_event_listener_register(listener: Callable[[CaseEvent], None]) -> None:
    if listener not in EVENT_LISTENERS:
        EVENT_LISTENERS.append(listener)


def _event_announce(event: CaseEvent) -> None:
    for listener in EVENT_LISTENERS:
        listener(event)


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
    """The next crime reference for a force, safe under concurrent requests."""
    year = timezone.localtime(at).year
    with transaction.atomic():
        sequence, _ = ReferenceSequence.objects.select_for_update().get_or_create(
            force=force, year=year
        )
        sequence.last_number += 1
        sequence.save(update_fields=["last_number"])
    return format_reference(force_code=force.code, year=year, number=sequence.last_number)


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
) -> Case:
    """Record a reported crime with its victim and a 'report recorded' event."""
    if area.force_id != force.pk:
        raise CaseError(f"Area {area.name} is not in {force.name}")
    if timezone.is_naive(reported_at):
        raise CaseError("reported_at must carry a time zone")
    now = timezone.now()
    case = Case(
        reference=reference_allocate(force=force, at=reported_at),
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
    case.full_clean()
    case.save()
    victim_row = Victim(
        case=case,
        most_serious_crime=victim.most_serious_crime,
        persistently_targeted=victim.persistently_targeted,
        vulnerable=victim.vulnerable,
        intimidated=victim.intimidated,
        **{k: v for k, v in victim.equality.items() if k in _EQUALITY_FIELDS},
    )
    victim_row.full_clean(exclude=["case"])
    victim_row.save()
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
    details.full_clean(exclude=["victim"])
    details.save()
    event = CaseEvent.objects.create(
        case=case,
        kind=EventKind.REPORT_RECORDED,
        at=reported_at,
        recorded_at=now,
        by=recorded_by,
        detail={"channel": channel},
        victim_text="Your report was recorded.",
    )
    _event_announce(event)
    return case


_EQUALITY_FIELDS = {"age_band", "sex", "ethnicity", "disability"}


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
    event.full_clean()
    event.save()
    _event_announce(event)
    return event
