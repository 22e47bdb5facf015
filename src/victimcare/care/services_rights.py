"""Writes for the victim-facing rights of the Victims' Code that sit beside the clock:
the victim's answer about a referral (opt-out, or consent where the crime needs it),
complaints (Right 12), asking for a review of a decision (the Victims' Right to Review),
and property held (Right 10). Each is a case event recorded through ``care_event_record``
(which checks it and applies it to the clock); nothing else is stored.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from victimcare.care.constants import VICTIM_TEXT_MAX_LENGTH
from victimcare.care.models import Referral
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
PROPERTY_MAX_LENGTH = 500
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


@transaction.atomic
def property_record(*, case: Case, by, description: str, at=None) -> CaseEvent:
    """Property the police hold (Right 10), described so the victim recognises it."""
    description = _text(
        description,
        limit=PROPERTY_MAX_LENGTH,
        field="description",
        missing="Describe the property held, for example 'black bicycle'",
    )
    event, _ = care_event_record(
        case=case,
        kind=EventKind.PROPERTY_RECORDED,
        at=at or timezone.now(),
        by=by,
        detail={"description": description},
        victim_text=f"We are holding property for this case: {description}. We will tell "
        "you when you can have it back.",
    )
    return event


@transaction.atomic
def property_return(*, case: Case, by, property_id: int, at=None) -> CaseEvent:
    """The property recorded as event ``property_id`` was given back."""
    held = case.events.filter(pk=property_id, kind=EventKind.PROPERTY_RECORDED).first()
    if held is None:
        raise CareError("There is no such property on this case", field="property")
    if case.events.filter(kind=EventKind.PROPERTY_RETURNED, detail__property_id=held.pk).exists():
        raise CareError("That property was already returned", field="property")
    description = held.detail.get("description", "")
    event, _ = care_event_record(
        case=case,
        kind=EventKind.PROPERTY_RETURNED,
        at=at or timezone.now(),
        by=by,
        detail={"property_id": held.pk, "description": description},
        victim_text=f"Your property was returned: {description}.",
    )
    return event
