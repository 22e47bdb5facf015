"""Referrals to support organisations: the checks (an objection, consent where the crime
type needs it, safe contact, duplicates), sending what the victim agreed to share, and the
organisation's status changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from victimcare.accounts.models import SupportOrganisation, User
from victimcare.audit.services import audit_record_create
from victimcare.care.constants import ReferralConsent, ReferralStatus, SafeRoute
from victimcare.care.models import NeedsAssessment, Referral, ReferralNote
from victimcare.care.selectors import needs_assessment_latest
from victimcare.care.services.errors import CareError
from victimcare.care.services.events import care_event_record
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, CaseEvent, Victim, VictimPersonalDetails


def _referral_shared(
    *, case: Case, victim: Victim, assessment: NeedsAssessment | None
) -> dict[str, Any]:
    """Only what the victim agreed to share, and only by the route that is safe. Without a
    needs assessment (an opt-out referral): the name and the one contact route the victim
    gave as safe (a phone confirmed safe, else the email address), nothing else."""
    details = getattr(victim, "personal_details", None)
    shared: dict[str, Any] = {"reference": case.reference, "crime_type": case.crime_type.name}
    if assessment is None:
        route = _opt_out_route(details) if details is not None else ""
        if route and details is not None:  # (a route only with details)
            shared["name"] = details.full_name
            shared["contact_route"] = route
            shared[route] = details.phone if route == SafeRoute.PHONE else details.email
        return shared
    if assessment.share_contact_details and details is not None:
        shared["name"] = details.full_name
        route = assessment.safe_route
        shared["contact_route"] = route
        if route == SafeRoute.PHONE:
            shared["phone"] = details.phone
        elif route == SafeRoute.EMAIL:
            shared["email"] = details.email
        elif route == SafeRoute.LETTER:
            shared["address"] = f"{details.address} {details.postcode}".strip()
        if details.times_to_avoid:
            shared["times_to_avoid"] = details.times_to_avoid
        if assessment.language:
            shared["language"] = assessment.language
    if assessment.share_needs:
        shared["needs"] = assessment.need_labels()
    if assessment.share_summary and case.summary:
        shared["summary"] = case.summary
    return shared


def _opt_out_route(details: VictimPersonalDetails) -> str:
    if details.phone and details.phone_is_safe is True:
        return SafeRoute.PHONE
    if details.email:
        return SafeRoute.EMAIL
    return ""


def referral_objected(
    *, case: Case, victim: Victim, assessment: NeedsAssessment | None = None
) -> bool:
    """Whether the victim objects to a referral: a ``referral_declined`` event for them (or
    for the whole case) not followed by a needs assessment where they agreed to one."""
    objected = [
        at
        for at, detail in CaseEvent.objects.filter(
            case=case, kind=EventKind.REFERRAL_DECLINED
        ).values_list("at", "detail")
        if (detail or {}).get("victim_id") in (None, victim.pk)
    ]
    if not objected:
        return False
    return not (
        assessment is not None
        and assessment.referral_consent == ReferralConsent.YES
        and assessment.assessed_at > max(objected)
    )


def referral_check(
    *, case: Case, victim: Victim, organisation: SupportOrganisation
) -> NeedsAssessment | None:
    """Why a referral may not go out, as a CareError; else the assessment it rests on
    (``None``: an opt-out referral sent before any needs assessment).

    The Victims' Code: details go to support services automatically unless the victim
    objects; explicit consent (a "yes" at the needs assessment) only for the crime types
    that need it (``CrimeType.referral_needs_consent``: sexual offences, domestic abuse,
    bereaved relatives). The safe-contact and duplicate checks apply to every referral."""
    existing = Referral.objects.filter(victim=victim).select_related("organisation").first()
    if existing is not None:
        raise CareError(
            f"This victim was already referred to {existing.organisation.name} on "
            f"{timezone.localtime(existing.sent_at):%d %B %Y}: do not refer them twice",
            field="organisation",
        )
    assessment = NeedsAssessment.objects.filter(victim=victim).order_by("-assessed_at").first()
    if referral_objected(case=case, victim=victim, assessment=assessment) or (
        assessment is not None and assessment.referral_consent == ReferralConsent.NO
    ):
        raise CareError("The victim objected to a referral", field="organisation")
    if case.crime_type.referral_needs_consent and (
        assessment is None or assessment.referral_consent != ReferralConsent.YES
    ):
        raise CareError(
            f"{case.crime_type.name}: the victim must agree to a referral first. Record their "
            "consent in a needs assessment",
            field="organisation",
        )
    if not organisation.forces.filter(pk=case.force_id).exists():
        raise CareError(
            "Choose a support organisation that works with your force", field="organisation"
        )
    details = getattr(victim, "personal_details", None)
    if assessment is None:
        if details is not None and not _opt_out_route(details):
            raise CareError(
                "No contact route is known to be safe: record a needs assessment with a safe "
                "way for the service to contact the victim",
                field="organisation",
            )
        _duplicate_elsewhere_check(case=case, victim=victim, details=details)
        return None
    route = assessment.safe_route
    if assessment.share_contact_details:
        if not route:
            raise CareError(
                "Record a safe way for the service to contact the victim", field="organisation"
            )
        if route == SafeRoute.PHONE and details is not None and details.phone_is_safe is False:
            raise CareError(
                "The victim's phone is marked not safe to contact: choose another route in a "
                "new needs assessment",
                field="organisation",
            )
        if case.crime_type.is_domestic_abuse:
            if not assessment.safe_route_confirmed:
                raise CareError(
                    "Domestic abuse: confirm with the victim that the contact route is safe "
                    "before referring",
                    field="organisation",
                )
            if (
                route == SafeRoute.PHONE
                and details is not None
                and details.phone_is_safe is not True
            ):
                raise CareError(
                    "Domestic abuse: the phone number has not been confirmed safe to contact",
                    field="organisation",
                )
        _duplicate_elsewhere_check(case=case, victim=victim, details=details)
    return assessment


def _duplicate_elsewhere_check(
    *, case: Case, victim: Victim, details: VictimPersonalDetails | None
) -> None:
    """The same person and crime recorded twice (two references) is referred once."""
    if details is None:
        return
    matches = Referral.objects.filter(
        case__force_id=case.force_id, case__crime_type=case.crime_type
    )
    contact: dict[str, str] = {}
    if details.phone:
        contact["victim__personal_details__phone"] = details.phone
    elif details.email:
        contact["victim__personal_details__email__iexact"] = details.email
    else:
        return
    window = timedelta(days=30)
    other = (
        matches.filter(
            **contact,
            victim__personal_details__family_name__iexact=details.family_name,
            case__reported_at__range=(case.reported_at - window, case.reported_at + window),
        )
        .exclude(victim=victim)
        .select_related("case")
        .first()
    )
    if other is not None:
        raise CareError(
            f"This looks like the same victim and crime as {other.case.reference}, which was "
            "already referred: do not refer them twice",
            field="organisation",
        )


@transaction.atomic
def referral_send(
    *,
    case: Case,
    victim: Victim,
    organisation: SupportOrganisation,
    by: User | None,
    at: datetime | None = None,
    event: CaseEvent | None = None,
) -> Referral:
    """Send a referral carrying only what the victim consented to share (safe-contact and
    duplicate checks first). ``event``: the ``referral_sent`` event already on the case's
    log (the synthetic demo's timeline), which the referral rests on instead of a new one."""
    victim = (
        Victim.objects.select_for_update(of=("self",))
        .select_related("personal_details")
        .get(pk=victim.pk)
    )
    if victim.case_id != case.pk:
        raise CareError("Choose a victim on this case", field="victim")
    if event is not None and (event.case_id != case.pk or event.kind != EventKind.REFERRAL_SENT):
        raise CareError("Choose a referral_sent event on this case", field="event")
    assessment = referral_check(case=case, victim=victim, organisation=organisation)
    if event is not None:
        at = event.at
    else:
        at = at or timezone.now()
        event, _ = care_event_record(
            case=case,
            kind=EventKind.REFERRAL_SENT,
            at=at,
            by=by,
            detail={"victim_id": victim.pk, "organisation_id": organisation.pk},
            victim_text=f"We passed your details to {organisation.name}, who will contact you.",
        )
    referral = Referral(
        case=case,
        victim=victim,
        organisation=organisation,
        assessment=assessment,
        sent_at=at,
        sent_by=by,
        shared=_referral_shared(case=case, victim=victim, assessment=assessment),
        status=ReferralStatus.SENT,
        status_changed_at=at,
        event=event,
    )
    referral.full_clean()
    referral.save()
    return referral


REFERRAL_NEXT: dict[str, set[str]] = {
    ReferralStatus.SENT: {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.CLOSED},
    ReferralStatus.ACCEPTED: {ReferralStatus.CONTACT_MADE, ReferralStatus.CLOSED},
    ReferralStatus.CONTACT_MADE: {ReferralStatus.CLOSED},
    ReferralStatus.CLOSED: set(),
    ReferralStatus.DECLINED: set(),
}


@transaction.atomic
def referral_status_change(*, referral: Referral, status: str, reason: str = "") -> Referral:
    """A support organisation records what it did with a referral; declining one needs
    a reason (the force reads it to find the victim other support)."""
    reason = reason.strip()
    if status == ReferralStatus.DECLINED and not reason:
        raise CareError("Say why your organisation is declining the referral", field="reason")
    if status not in REFERRAL_NEXT.get(referral.status, set()):
        raise CareError(
            f"A referral that is {referral.get_status_display().lower()} cannot be marked "
            f"{ReferralStatus(status).label.lower() if status in ReferralStatus.values else status}",
            field="status",
        )
    referral.status = status
    referral.status_changed_at = timezone.now()
    if status == ReferralStatus.DECLINED:
        referral.decline_reason = reason
    referral.save(update_fields=["status", "status_changed_at", "decline_reason"])
    return referral


REFERRAL_OBJECTION_SOURCES = {
    "online_form": "the online report form",
    "confirmation_page": "the page confirming the report",
    "track_my_case": "Track my case",
    "staff": "a member of staff",
}


@transaction.atomic
def referral_objection_record(
    *,
    case: Case,
    victim: Victim,
    by: User | None = None,
    source: str,
    at: datetime | None = None,
) -> CaseEvent:
    """The victim objects to their details being passed to a support service (the Code's
    opt-out), from ``source`` (one of REFERRAL_OBJECTION_SOURCES): records
    ``referral_declined``, which cancels the referral obligation. Once a referral was sent
    it is too late: CareError, nothing recorded. Objecting twice records it once."""
    if source not in REFERRAL_OBJECTION_SOURCES:
        raise CareError("Say where the objection came from", field="source")
    victim = Victim.objects.select_for_update(of=("self",)).get(pk=victim.pk)
    if victim.case_id != case.pk:
        raise CareError("Choose a victim on this case", field="victim")
    if Referral.objects.filter(victim=victim).exists():
        raise CareError(
            "The referral was already sent, so it cannot be stopped here: the support "
            "service can be asked to close it",
            field="victim",
        )
    earlier = case.events.filter(
        kind=EventKind.REFERRAL_DECLINED, detail__victim_id=victim.pk
    ).first()
    if earlier is not None:
        return earlier
    event, _ = care_event_record(
        case=case,
        kind=EventKind.REFERRAL_DECLINED,
        at=at or timezone.now(),
        by=by,
        detail={"victim_id": victim.pk, "source": source},
        victim_text="You told us you do not want your details passed to a support service. "
        "We will not pass them on.",
    )
    return event


@transaction.atomic
def referral_note_add(*, referral: Referral, by: User | None, text: str) -> ReferralNote:
    """A support organisation's note on a referral; an empty note is refused."""
    text = text.strip()
    if not text:
        raise CareError("Enter the note", field="text")
    note = ReferralNote(referral=referral, at=timezone.now(), by=by, text=text)
    note.full_clean()
    note.save()
    return note


# --- showing what a referral shares (each showing of personal data audited) ---------------


@transaction.atomic
def referral_previews_disclose(
    *, user: User, victims: Iterable[Victim], page: str
) -> list[dict[str, Any]]:
    """What a referral would share for each victim (their latest needs assessment), read
    for ``user`` on ``page``: a victim whose contact details the assessment shares is
    written to the audit log in the same transaction."""
    previews: list[dict[str, Any]] = []
    for victim in victims:
        assessment = needs_assessment_latest(victim=victim)
        if assessment is not None and assessment.share_contact_details:
            audit_record_create(user=user, victim=victim, page=page)
        previews.append({"victim": victim, "assessment": assessment})
    return previews


@transaction.atomic
def referral_disclose(*, user: User, referral: Referral, page: str) -> Referral:
    """A referral as its support organisation sees it: when it shares the victim's name,
    the reading is written to the audit log in the same transaction."""
    if "name" in referral.shared:
        audit_record_create(user=user, victim=referral.victim, page=page)
    return referral
