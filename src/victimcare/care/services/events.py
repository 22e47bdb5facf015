"""Care events recorded on a case: any event from the API or a page (checked first),
contacts, written information and needs assessments."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.care.constants import (
    COMPENSATION_INFORMATION,
    UPDATE_EVERY_DAYS_MAX,
    VICTIM_TEXT_MAX_LENGTH,
    DecisionOutcome,
    Need,
    ReferralConsent,
    SafeRoute,
)
from victimcare.care.models import EventReceipt, NeedsAssessment
from victimcare.care.selectors import vrr_eligibility
from victimcare.care.services.errors import CareError
from victimcare.cases.constants import EventKind
from victimcare.cases.grounds import grounds_unknown
from victimcare.cases.models import Case, CaseEvent, Victim
from victimcare.cases.services import CaseError, case_event_record, victim_enhanced_grounds_record

FUTURE_SKEW = timedelta(minutes=5)


API_EVENT_KINDS = frozenset(EventKind.values) - {EventKind.REPORT_RECORDED}


def care_event_record(
    *,
    case: Case,
    kind: str,
    at: datetime,
    by: User | None = None,
    detail: dict[str, Any] | None = None,
    victim_text: str = "",
    idempotency_key: str = "",
    now: datetime | None = None,
) -> tuple[CaseEvent, bool]:
    """Record an event on a case after checking it makes sense; returns (event, created).

    A repeated ``idempotency_key`` for the same force returns the first event unchanged.
    """
    now = now or timezone.now()
    detail = dict(detail or {})
    if idempotency_key:
        found = (
            EventReceipt.objects.select_related("event")
            .filter(force_id=case.force_id, key=idempotency_key)
            .first()
        )
        if found is not None:
            if found.event.case_id != case.pk:
                raise CareError("That idempotency key was already used for another case")
            return found.event, False
    if kind not in API_EVENT_KINDS:
        raise CareError(
            f"Unknown event type {kind!r}; use one of: {', '.join(sorted(API_EVENT_KINDS))}",
            field="type",
        )
    if len(victim_text or "") > VICTIM_TEXT_MAX_LENGTH:
        raise CareError(
            f"What the victim is told must be {VICTIM_TEXT_MAX_LENGTH:,} characters or fewer",
            field="victim_text",
        )
    if at is None or timezone.is_naive(at):
        raise CareError(
            "Give the event time with its offset, e.g. 2027-03-25T15:00:00+00:00", field="at"
        )
    if at < case.reported_at:
        raise CareError("The event time is before the crime was reported", field="at")
    if at > now + FUTURE_SKEW:
        raise CareError("The event time is in the future", field="at")
    if kind == EventKind.DECISION:
        outcome = detail.get("outcome")
        if outcome not in DecisionOutcome.values:
            raise CareError(
                f"Unknown decision outcome {outcome!r}; use one of: "
                f"{', '.join(DecisionOutcome.values)}",
                field="outcome",
            )
    if kind == EventKind.VRR_REQUESTED:
        eligible, reason = vrr_eligibility(case=case, now=at)
        if not eligible:
            raise CareError(reason, field="type")
    covers = detail.get("covers")
    if covers is not None and not (
        isinstance(covers, list) and all(isinstance(c, str) for c in covers)
    ):
        raise CareError("'covers' must be a list of obligation codes", field="covers")
    victim_id = detail.get("victim_id")
    if victim_id is not None and not Victim.objects.filter(pk=victim_id, case=case).exists():
        raise CareError("That victim is not on this case", field="victim_id")
    try:
        with transaction.atomic():
            event = case_event_record(
                case=case, kind=kind, at=at, by=by, detail=detail, victim_text=victim_text
            )
            if idempotency_key:
                EventReceipt.objects.create(
                    force_id=case.force_id, key=idempotency_key, event=event, created_at=now
                )
    except IntegrityError:
        # The same key raced in from a concurrent retry: return the event that won.
        found = EventReceipt.objects.select_related("event").get(
            force_id=case.force_id, key=idempotency_key
        )
        return found.event, False
    return event, True


@transaction.atomic
def contact_record(
    *,
    case: Case,
    by: User | None,
    victim_text: str,
    covers: list[str] | None = None,
    at: datetime | None = None,
) -> CaseEvent:
    """Log a contact with the victim; ``victim_text`` is what they see in Track my case."""
    victim_text = (victim_text or "").strip()
    if not victim_text:
        raise CareError(
            "Enter the update the victim will see, for example what was decided and why",
            field="victim_text",
        )
    event, _ = care_event_record(
        case=case,
        kind=EventKind.CONTACT_MADE,
        at=at or timezone.now(),
        by=by,
        detail={"covers": list(covers or [])},
        victim_text=victim_text,
    )
    return event


@transaction.atomic
def written_information_record(
    *, case: Case, by: User | None, at: datetime | None = None
) -> CaseEvent:
    event, _ = care_event_record(
        case=case,
        kind=EventKind.WRITTEN_INFORMATION_SENT,
        at=at or timezone.now(),
        by=by,
        victim_text="We sent you written information about your rights and what happens next.",
    )
    return event


def _victim_on_case(case: Case, victim_id: int) -> Victim:
    victim = Victim.objects.filter(pk=victim_id, case=case).first()
    if victim is None:
        raise CareError("Choose a victim on this case", field="victim")
    return victim


@transaction.atomic
def needs_assessment_record(
    *,
    case: Case,
    victim: Victim,
    by: User | None,
    needs: list[str],
    referral_consent: str,
    language: str = "",
    notes: str = "",
    share_contact_details: bool = False,
    share_needs: bool = False,
    share_summary: bool = False,
    safe_route: str = "",
    safe_route_confirmed: bool = False,
    update_every_days: int | None = None,
    enhanced_grounds: list[str] | None = None,
    compensation_information: bool = False,
    at: datetime | None = None,
) -> NeedsAssessment:
    """Record what the victim needs and what they agree to share with a support service;
    how often they want updates (``update_every_days``; blank: the rule set's default),
    which the investigation updates then follow; and, when given, the enhanced grounds the
    officer assessed (``cases.services.victim_enhanced_grounds_record``: the clock re-times
    the victim's obligations when their entitlement changes). ``compensation_information``:
    the officer told the victim how they may claim compensation (Right 5), which meets that
    obligation. An assessment can be repeated: the latest one counts."""
    victim = _victim_on_case(case, victim.pk)
    if update_every_days is not None and (
        isinstance(update_every_days, bool)
        or not isinstance(update_every_days, int)
        or not 1 <= update_every_days <= UPDATE_EVERY_DAYS_MAX
    ):
        raise CareError(
            f"Enter how often the victim wants updates as a number of days from 1 to "
            f"{UPDATE_EVERY_DAYS_MAX}",
            field="update_every_days",
        )
    if enhanced_grounds is not None and grounds_unknown(enhanced_grounds):
        raise CareError("Choose enhanced grounds from the list", field="enhanced_grounds")
    unknown = set(needs) - set(Need.values)
    if unknown:
        raise CareError("Choose needs from the list", field="needs")
    if referral_consent not in ReferralConsent.values:
        raise CareError(
            "Say whether the victim wants to be referred to support", field="referral_consent"
        )
    if Need.LANGUAGE in needs and not language.strip():
        raise CareError("Enter the language the victim needs", field="language")
    if safe_route and safe_route not in SafeRoute.values:
        raise CareError("Choose a safe way to contact the victim", field="safe_route")
    at = at or timezone.now()
    if enhanced_grounds is not None:
        try:
            victim_enhanced_grounds_record(
                victim=victim,
                grounds=enhanced_grounds,
                by=by,
                reason="Assessed at the needs assessment",
                at=at,
            )
        except CaseError as error:
            raise CareError(str(error), field="enhanced_grounds") from None
    detail = {"victim_id": victim.pk, "needs": sorted(needs)}
    if update_every_days is not None:
        detail["update_every_days"] = update_every_days
    if compensation_information:
        detail["covers"] = [COMPENSATION_INFORMATION]
    event, _ = care_event_record(
        case=case,
        kind=EventKind.NEEDS_ASSESSED,
        at=at,
        by=by,
        detail=detail,
        victim_text="We talked with you about what support you need.",
    )
    assessment = NeedsAssessment(
        case=case,
        victim=victim,
        assessed_at=at,
        assessed_by=by,
        needs=sorted(needs),
        language=language.strip(),
        notes=notes.strip(),
        referral_consent=referral_consent,
        share_contact_details=share_contact_details,
        share_needs=share_needs,
        share_summary=share_summary,
        safe_route=safe_route,
        safe_route_confirmed=safe_route_confirmed,
        update_every_days=update_every_days,
        event=event,
    )
    assessment.full_clean()
    assessment.save()
    if referral_consent == ReferralConsent.NO:
        care_event_record(
            case=case,
            kind=EventKind.REFERRAL_DECLINED,
            at=at,
            by=by,
            detail={"victim_id": victim.pk},
            victim_text="You told us you do not want to be referred to a support service.",
        )
    return assessment
