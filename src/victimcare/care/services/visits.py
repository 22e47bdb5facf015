"""Visits (Total Victim Care): offered, booked into a slot, declined, done or missed, and
the slots themselves."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from victimcare.care.constants import VisitStatus
from victimcare.care.models import Visit, VisitSlot
from victimcare.care.services.errors import CareError
from victimcare.care.services.events import _victim_on_case, care_event_record
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, Victim


@transaction.atomic
def visit_offer(*, case: Case, victim: Victim, by, at=None) -> Visit:
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


def visit_slot_book(*, victim: Victim, slot: VisitSlot, by=None, at=None) -> Visit:
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
def visit_decline(*, victim: Victim, by=None, at=None) -> Visit:
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
def visit_outcome_record(*, case: Case, victim: Victim, by, done: bool, at=None) -> Visit:
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
def visit_slot_create(*, area, starts_at: datetime, minutes: int = 60, capacity: int = 1):
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
