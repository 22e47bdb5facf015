"""Writes for the victim-facing rights of the Victims' Code that sit beside the clock:
the victim's answer about a referral (opt-out, or consent where the crime needs it),
complaints (Right 12), asking for a review of a decision (the Victims' Right to Review),
and property held (Right 10). Each is a case event recorded through ``care_event_record``
(which checks it and applies it to the clock); property held is also kept as a
``PropertyHeld`` row (what, when taken, returned on which day or kept and why).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.care.constants import (
    PROPERTY_DESCRIPTION_MAX_LENGTH,
    PROPERTY_REASON_MAX_LENGTH,
    VICTIM_TEXT_MAX_LENGTH,
    PropertyStatus,
)
from victimcare.care.models import PropertyHeld, Referral
from victimcare.care.selectors_vrr import vrr_eligibility
from victimcare.care.services.errors import CareError
from victimcare.care.services.events import care_event_record
from victimcare.care.services.referrals import (
    REFERRAL_OBJECTION_SOURCES,
    referral_objection_record,
)
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, CaseEvent, Victim

COMPLAINT_MAX_LENGTH = 2000
PROPERTY_MAX_LENGTH = PROPERTY_DESCRIPTION_MAX_LENGTH
# Property held (Right 10): what a page or a caller is told when it cannot be recorded.
PROPERTY_OTHER_FORCE = "That case is not one of your force's cases: nothing was recorded"
PROPERTY_TAKEN_MISSING = "Enter the day the property was taken"
PROPERTY_TAKEN_FUTURE = "The day the property was taken must be today or in the past"
PROPERTY_TAKEN_BEFORE_CRIME = "The day the property was taken must not be before the crime happened"
PROPERTY_RETURNED_MISSING = "Enter the day the property was given back"
PROPERTY_RETURNED_BEFORE_TAKEN = (
    "The day it was given back must not be before the day it was taken ({taken})"
)
PROPERTY_RETURNED_FUTURE = "The day it was given back must be today or in the past"
PROPERTY_KEPT_REASON_MISSING = "Say why the police are keeping the property"
YES, NO = "yes", "no"

CONSENT_TEXT = (
    "You agreed that we can pass your details to a local victim support service so they "
    "can offer help."
)
COMPLAINT_TEXT = (
    "We received your complaint about our service. A supervisor will look into it and reply to you."
)
COMPLAINT_ACKNOWLEDGED_TEXT = (
    "A supervisor has acknowledged your complaint and is looking into it. They will tell "
    "you what they find."
)
VRR_TEXT = (
    "You asked for a review of the decision (Victims' Right to Review). We will acknowledge "
    "your request within 10 working days and tell you the result within 30 working days."
)


def _victim_on(case: Case, victim: Victim) -> Victim:
    if victim.case_id != case.pk:
        raise CareError("Choose a victim on this case", field="victim")
    return victim


def _text(value: str, *, limit: int, field: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise CareError(missing, field=field)
    if len(value) > limit:
        raise CareError(f"Keep it to {limit:,} characters or fewer", field=field)
    return value


@transaction.atomic
def referral_answer_record(
    *, case: Case, victim: Victim, answer: str, source: str, by=None, at=None
) -> CaseEvent | None:
    """The victim's answer to "may we pass your details to a support service?".

    For most crimes the Code refers automatically unless the victim objects: "no" records
    the objection (``referral_declined``), "yes" records nothing. For crimes whose type
    needs consent (sexual offences, domestic abuse, bereaved relatives) "yes" is recorded
    as consent (an event with ``detail.referral_consent == "yes"``) and "no" as declined.
    Once a referral was sent: CareError, nothing recorded.
    """
    _victim_on(case, victim)
    if answer not in (YES, NO):
        raise CareError("Select yes or no", field="answer")
    if source not in REFERRAL_OBJECTION_SOURCES:
        raise CareError("Say where the answer came from", field="source")
    if answer == NO:
        return referral_objection_record(case=case, victim=victim, by=by, source=source, at=at)
    if not case.crime_type.referral_needs_consent:
        return None
    Victim.objects.select_for_update(of=("self",)).get(pk=victim.pk)
    if Referral.objects.filter(victim=victim).exists():
        raise CareError("The referral was already sent", field="answer")
    earlier = case.events.filter(
        kind=EventKind.NOTE, detail__victim_id=victim.pk, detail__referral_consent=YES
    ).first()
    if earlier is not None:
        return earlier
    event, _ = care_event_record(
        case=case,
        kind=EventKind.NOTE,
        at=at or timezone.now(),
        by=by,
        detail={"victim_id": victim.pk, "referral_consent": YES, "source": source},
        victim_text=CONSENT_TEXT,
    )
    return event


@transaction.atomic
def complaint_make(*, case: Case, victim: Victim, text: str, at=None) -> CaseEvent:
    """A victim's complaint about the service (Right 12), in their words; supervisors see
    it on the case page and acknowledge it."""
    _victim_on(case, victim)
    text = _text(
        text,
        limit=COMPLAINT_MAX_LENGTH,
        field="text",
        missing="Enter what your complaint is about",
    )
    event, _ = care_event_record(
        case=case,
        kind=EventKind.COMPLAINT_MADE,
        at=at or timezone.now(),
        detail={"victim_id": victim.pk, "text": text},
        victim_text=COMPLAINT_TEXT,
    )
    return event


@transaction.atomic
def complaint_acknowledge(*, case: Case, complaint_id: int, by, at=None) -> CaseEvent:
    """A supervisor acknowledges a complaint; the victim sees it on their timeline."""
    complaint = case.events.filter(pk=complaint_id, kind=EventKind.COMPLAINT_MADE).first()
    if complaint is None:
        raise CareError("There is no such complaint on this case", field="complaint")
    if case.events.filter(
        kind=EventKind.COMPLAINT_ACKNOWLEDGED, detail__complaint_id=complaint.pk
    ).exists():
        raise CareError("That complaint was already acknowledged", field="complaint")
    event, _ = care_event_record(
        case=case,
        kind=EventKind.COMPLAINT_ACKNOWLEDGED,
        at=at or timezone.now(),
        by=by,
        detail={"complaint_id": complaint.pk, "victim_id": complaint.detail.get("victim_id")},
        victim_text=COMPLAINT_ACKNOWLEDGED_TEXT,
    )
    return event


@transaction.atomic
def vrr_request(
    *, case: Case, victim: Victim, reason: str = "", source: str = "track_my_case", by=None
) -> CaseEvent:
    """The victim asks for a review of a decision not to charge. Refused (CareError,
    nothing recorded) unless ``vrr_eligibility`` says the case allows it."""
    _victim_on(case, victim)
    Case.objects.select_for_update().filter(pk=case.pk).first()  # one request at a time
    eligible, why = vrr_eligibility(case=case)
    if not eligible:
        raise CareError(why, field="reason")
    reason = (reason or "").strip()
    if len(reason) > VICTIM_TEXT_MAX_LENGTH:
        raise CareError(
            f"Keep it to {VICTIM_TEXT_MAX_LENGTH:,} characters or fewer", field="reason"
        )
    event, _ = care_event_record(
        case=case,
        kind=EventKind.VRR_REQUESTED,
        at=timezone.now(),
        by=by,
        detail={"victim_id": victim.pk, "reason": reason, "source": source},
        victim_text=VRR_TEXT,
    )
    return event


def _day(value: date) -> str:
    """A day as the victim reads it: 3 March 2026."""
    return f"{value.day} {value:%B %Y}"


def _own_force(case: Case, by: User | None) -> None:
    """Staff act on their own force's cases only (views find cases in scope already; this
    holds for any caller)."""
    if by is not None and by.force_id != case.force_id:
        raise CareError(PROPERTY_OTHER_FORCE, field="case")


@transaction.atomic
def property_record(
    *,
    case: Case,
    by: User | None,
    description: str,
    taken_on: date,
    at: datetime | None = None,
) -> PropertyHeld:
    """Property the police hold (Right 10): what it is (described so the victim recognises
    it) and the day it was taken. The victim sees it in Track my case, and the clock owes
    them information about it (``property_information``). Refused, with nothing recorded,
    on another force's case, without a description, or with a day in the future or
    before the crime happened."""
    _own_force(case, by)
    description = _text(
        description,
        limit=PROPERTY_DESCRIPTION_MAX_LENGTH,
        field="description",
        missing="Describe the property held, for example 'black bicycle'",
    )
    at = at or timezone.now()
    if not isinstance(taken_on, date):
        raise CareError(PROPERTY_TAKEN_MISSING, field="taken_on")
    if taken_on > timezone.localdate(at):
        raise CareError(PROPERTY_TAKEN_FUTURE, field="taken_on")
    if case.occurred_at is not None and taken_on < timezone.localdate(case.occurred_at):
        raise CareError(PROPERTY_TAKEN_BEFORE_CRIME, field="taken_on")
    held = PropertyHeld(
        case=case,
        description=description,
        taken_on=taken_on,
        status=PropertyStatus.HELD,
        recorded_by=by,
        recorded_at=at,
        updated_at=at,
    )
    held.full_clean()
    held.save()
    care_event_record(
        case=case,
        kind=EventKind.PROPERTY_RECORDED,
        at=at,
        by=by,
        detail={"property_id": held.pk, "description": description},
        victim_text=f"We are holding your property: {description} (taken on {_day(taken_on)}). "
        "We will give it back as soon as we can, and tell you when you can have it.",
    )
    return held


@transaction.atomic
def property_status_set(
    *,
    case: Case,
    by: User | None,
    property_id: int,
    status: str,
    returned_on: date | None = None,
    kept_reason: str = "",
    at: datetime | None = None,
) -> PropertyHeld:
    """Property held was given back (``returned``, on ``returned_on``) or is kept
    (``kept``, with ``kept_reason`` in words the victim understands); the victim sees
    which in Track my case. Giving it back meets the ``property_information`` obligation.
    Refused, with nothing recorded, on another force's case, for property not on the
    case or already returned, a return day before the day it was taken or in the
    future, or keeping it without a reason."""
    _own_force(case, by)
    held = PropertyHeld.objects.select_for_update().filter(case=case, pk=property_id).first()
    if held is None:
        raise CareError("There is no such property on this case", field="property")
    if held.status == PropertyStatus.RETURNED:
        raise CareError("That property was already returned", field="property")
    at = at or timezone.now()
    if status == PropertyStatus.RETURNED:
        if not isinstance(returned_on, date):
            raise CareError(PROPERTY_RETURNED_MISSING, field="returned_on")
        if returned_on < held.taken_on:
            raise CareError(
                PROPERTY_RETURNED_BEFORE_TAKEN.format(taken=_day(held.taken_on)),
                field="returned_on",
            )
        if returned_on > timezone.localdate(at):
            raise CareError(PROPERTY_RETURNED_FUTURE, field="returned_on")
        held.returned_on, held.kept_reason = returned_on, ""
        kind, victim_text = (
            EventKind.PROPERTY_RETURNED,
            f"Your property was given back on {_day(returned_on)}: {held.description}.",
        )
    elif status == PropertyStatus.KEPT:
        kept_reason = _text(
            kept_reason,
            limit=PROPERTY_REASON_MAX_LENGTH,
            field="kept_reason",
            missing=PROPERTY_KEPT_REASON_MISSING,
        )
        held.returned_on, held.kept_reason = None, kept_reason
        kind, victim_text = (
            EventKind.NOTE,
            f"We need to keep your property: {held.description}. Why: {kept_reason}",
        )
    else:
        raise CareError("Choose whether the property was returned or is kept", field="status")
    held.status, held.updated_at = status, at
    held.full_clean()
    held.save(update_fields=["status", "returned_on", "kept_reason", "updated_at"])
    care_event_record(
        case=case,
        kind=kind,
        at=at,
        by=by,
        detail={"property_id": held.pk, "description": held.description, "status": status},
        victim_text=victim_text,
    )
    return held
