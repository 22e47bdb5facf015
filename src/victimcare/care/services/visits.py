"""Visits (Total Victim Care): offered, booked into a slot, declined, done or missed, and
the slots themselves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.care.constants import VisitStatus
from victimcare.care.models import Visit, VisitSlot
from victimcare.care.services.errors import CareError
from victimcare.care.services.events import _victim_on_case, care_event_record
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, Victim
from victimcare.forces.models import Area


@transaction.atomic
def visit_offer(
    *, case: Case, victim: Victim, by: User | None, at: datetime | None = None
) -> Visit:
    """Offer the victim a visit (Total Victim Care)."""
    victim = _victim_on_case(case, victim.pk)
    at = at or timezone.now()
    visit = Visit.objects.filter(victim=victim).first()
    if visit is not None and visit.status != VisitStatus.MISSED:
        raise CareError("A visit was already offered to this victim", field="victim")
    care_event_record(
        case=case,
        kind=EventKind.VISIT_OFFERED,
        at=at,
        by=by,
        detail={"victim_id": victim.pk},
        victim_text="You were offered a visit from an officer. Choose a time in Track my case "
        "or call us.",
    )
    if visit is None:
        visit = Visit(case=case, victim=victim, offered_at=at)
    visit.status = VisitStatus.OFFERED
    visit.slot = None
    visit.status_changed_at = at
    visit.save()
    return visit


def visit_slot_book(
    *, victim: Victim, slot: VisitSlot, by: User | None = None, at: datetime | None = None
) -> Visit:
    """Book a visit slot for a victim: from Track my case (``by`` None) or by staff on the
    phone. Offers the visit first if it had not been offered."""
    with transaction.atomic():
        slot = VisitSlot.objects.select_for_update().get(pk=slot.pk)
        case = victim.case
        if slot.force_id != case.force_id:
            raise CareError("Choose one of the times offered", field="slot")
        now = timezone.now()
        if slot.starts_at <= now:
            raise CareError("That time has passed: choose a later one", field="slot")
        taken = Visit.objects.filter(slot=slot, status=VisitStatus.ACCEPTED).count()
        if taken >= slot.capacity:
            raise CareError("That time has just been taken: choose another", field="slot")
        visit = Visit.objects.filter(victim=victim).first()
        if visit is None or visit.status == VisitStatus.MISSED:
            visit = visit_offer(case=case, victim=victim, by=by, at=at)
        elif visit.status == VisitStatus.DONE:
            raise CareError("The visit has already happened", field="slot")
        at = at or now
        when = timezone.localtime(slot.starts_at)
        care_event_record(
            case=case,
            kind=EventKind.VISIT_ACCEPTED,
            at=at,
            by=by,
            detail={"victim_id": victim.pk, "slot_id": slot.pk},
            victim_text=f"Your visit is booked for {when:%A %d %B at %H:%M}.",
        )
        visit.status = VisitStatus.ACCEPTED
        visit.slot = slot
        visit.status_changed_at = at
        visit.save()
        return visit


@transaction.atomic
def visit_decline(*, victim: Victim, by: User | None = None, at: datetime | None = None) -> Visit:
    case = victim.case
    visit = Visit.objects.filter(victim=victim).first()
    at = at or timezone.now()
    if visit is None:
        visit = Visit(case=case, victim=victim, offered_at=at)
    care_event_record(
        case=case,
        kind=EventKind.VISIT_DECLINED,
        at=at,
        by=by,
        detail={"victim_id": victim.pk},
        victim_text="You told us you do not want a visit. You can change your mind at any time.",
    )
    visit.status = VisitStatus.DECLINED
    visit.status_changed_at = at
    visit.save()
    return visit


@transaction.atomic
def visit_outcome_record(
    *, case: Case, victim: Victim, by: User | None, done: bool, at: datetime | None = None
) -> Visit:
    """An officer records the visit done or missed."""
    victim = _victim_on_case(case, victim.pk)
    visit = Visit.objects.filter(victim=victim).first()
    if visit is None or visit.status not in (VisitStatus.OFFERED, VisitStatus.ACCEPTED):
        raise CareError("Offer or book a visit before recording it", field="outcome")
    at = at or timezone.now()
    care_event_record(
        case=case,
        kind=EventKind.VISIT_DONE if done else EventKind.VISIT_MISSED,
        at=at,
        by=by,
        detail={"victim_id": victim.pk},
        victim_text="An officer visited you."
        if done
        else "We missed our visit to you. We will be in touch to arrange another.",
    )
    visit.status = VisitStatus.DONE if done else VisitStatus.MISSED
    visit.status_changed_at = at
    visit.save()
    return visit


@transaction.atomic
def visit_slot_create(
    *, area: Area, starts_at: datetime, minutes: int = 60, capacity: int = 1
) -> VisitSlot:
    slot = VisitSlot(
        force_id=area.force_id,
        area=area,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        capacity=capacity,
    )
    slot.full_clean()
    slot.save()
    return slot


@transaction.atomic
def visit_booking_cancel(
    *, victim: Victim, by: User | None = None, at: datetime | None = None
) -> Visit:
    """The victim (or staff for them) cancels a booked time: the visit goes back to
    offered and the time is freed for someone else."""
    visit = Visit.objects.select_for_update().filter(victim=victim).first()
    if visit is None or visit.status != VisitStatus.ACCEPTED or visit.slot_id is None:
        raise CareError("There is no visit time booked to cancel", field="slot")
    at = at or timezone.now()
    care_event_record(
        case=victim.case,
        kind=EventKind.VISIT_OFFERED,
        at=at,
        by=by,
        detail={"victim_id": victim.pk, "cancelled_slot_id": visit.slot_id},
        victim_text="Your visit time was cancelled. Choose another time in Track my case "
        "or call us.",
    )
    visit.status = VisitStatus.OFFERED
    visit.slot = None
    visit.status_changed_at = at
    visit.save()
    return visit


def visit_answer_record(*, case: Case, wants_visit: bool, at: datetime) -> None:
    """The answer a victim gave to the visit offer when reporting (the report's own
    events carry what they were told): a visit row per victim, so the case, the visit
    page and compliance read the same status."""
    status = VisitStatus.ACCEPTED if wants_visit else VisitStatus.DECLINED
    for victim in Victim.objects.filter(case=case):
        Visit.objects.get_or_create(
            victim=victim,
            defaults={
                "case": case,
                "status": status,
                "offered_at": at,
                "status_changed_at": at,
            },
        )


WEEKLY_PATTERN_MAX_SLOTS = 400


@transaction.atomic
def visit_slots_weekly_create(
    *,
    area: Area,
    weekday: int,
    start: time,
    minutes: int,
    capacity: int,
    first_day: date,
    last_day: date,
) -> list[VisitSlot]:
    """Visit times repeating each week on ``weekday`` (0 Monday) at ``start`` (local time)
    from ``first_day`` to ``last_day`` inclusive. A time already there is not repeated."""
    if last_day < first_day:
        raise CareError("The last day must be on or after the first day", field="last_day")
    if not 0 <= weekday <= 6:
        raise CareError("Choose a day of the week", field="weekday")
    day = first_day + timedelta(days=(weekday - first_day.weekday()) % 7)
    days: list[date] = []
    while day <= last_day:
        days.append(day)
        day += timedelta(days=7)
    if len(days) > WEEKLY_PATTERN_MAX_SLOTS:
        raise CareError("Choose a shorter period (a year at most)", field="last_day")
    if not days:
        raise CareError("No such weekday falls between those days", field="weekday")
    return visit_slots_create_on(
        area=area, days=days, start=start, minutes=minutes, capacity=capacity
    )


def visit_slots_create_on(
    *, area: Area, days: Iterable[date], start: time, minutes: int, capacity: int
) -> list[VisitSlot]:
    """One visit time at ``start`` (London time) on each of ``days``; times the area
    already has are left as they are."""
    from victimcare.core.timezones import LONDON

    if minutes < 15 or minutes > 8 * 60:
        raise CareError("A visit time lasts between 15 minutes and 8 hours", field="minutes")
    if capacity < 1 or capacity > 50:
        raise CareError("Capacity is between 1 and 50 visits", field="capacity")
    starts = [datetime.combine(day, start, tzinfo=LONDON) for day in days]
    existing = set(
        VisitSlot.objects.filter(area=area, starts_at__in=starts).values_list(
            "starts_at", flat=True
        )
    )
    created: list[VisitSlot] = []
    for starts_at in starts:
        if starts_at in existing:
            continue
        created.append(
            visit_slot_create(area=area, starts_at=starts_at, minutes=minutes, capacity=capacity)
        )
    return created


def visit_slots_demo_create(*, areas: Iterable[Area], today: date, weeks: int = 4) -> int:
    """Synthetic visit times for the demo world: weekdays at 10:00 and 14:00, two visits
    each, for the next ``weeks`` weeks in every area given that has none yet. Returns how
    many were made."""
    from datetime import time

    from victimcare.core.timezones import LONDON

    days = [today + timedelta(days=n) for n in range(1, weeks * 7 + 1)]
    days = [d for d in days if d.weekday() < 5]
    # A build run again (after stopping half-way) leaves the times it already made.
    done = set(
        VisitSlot.objects.filter(starts_at__date__gt=today).values_list("area_id", flat=True)
    )
    areas = [area for area in areas if area.pk not in done]
    rows = [
        VisitSlot(
            force_id=area.force_id,
            area=area,
            starts_at=datetime.combine(day, hour, tzinfo=LONDON),
            ends_at=datetime.combine(day, hour, tzinfo=LONDON) + timedelta(hours=1),
            capacity=2,
        )
        for area in areas
        for day in days
        for hour in (time(10), time(14))
    ]
    VisitSlot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
