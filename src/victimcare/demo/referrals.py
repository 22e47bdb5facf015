"""The demo support organisation's inbox: referrals to Victim Support (synthetic) for the
Met's recent cases whose log says a referral was sent, made through care's referral
services (so an objection, consent where the crime type needs it, safe contact and
duplicates are checked; a case they refuse is skipped), with some already accepted or
declined, with a reason and notes, by the partner's login, and most waiting.

``referrals_demo_build(seed=..., until=...)`` runs after the demo's trial; the referrals
are deleted with their cases. Everything is synthetic.

``random`` is used on purpose: the demo is reproducible from the seed (S311).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random

from django.db import transaction

from victimcare.accounts.models import SupportOrganisation, User
from victimcare.care.constants import ReferralStatus
from victimcare.care.models import Referral, ReferralNote
from victimcare.care.services.errors import CareError
from victimcare.care.services.referrals import (
    referral_note_add,
    referral_send,
    referral_status_change,
)
from victimcare.cases.constants import EventKind
from victimcare.cases.models import CaseEvent
from victimcare.demo.calibration import calibration

PARTNER_USERNAME = "victimsupport.partner"
RECENT_DAYS = 42  # cases reported in the last six weeks before the world's present
MOST_REFERRALS = 40
ACCEPTED_SHARE = 0.2
DECLINED_SHARE = 0.1
ACCEPTED_NOTES = [
    "Left a voicemail on the safe number; will try again tomorrow afternoon.",
    "Spoke to the victim: a support worker will call on Thursday about practical help.",
    "Allocated to the local team; first call booked within 2 working days.",
]
DECLINED_REASONS = [
    "Outside our area: passed to the local victims' service, who will contact the victim.",
    "The victim already has an independent advocate with another service.",
    "We cannot offer support in the language the victim needs; the force should refer to "
    "a specialist service.",
]


@transaction.atomic
def referrals_demo_build(*, seed: int, until: datetime) -> str:
    """Send the demo's referrals and let the partner act on some; a line for the log."""
    organisation = SupportOrganisation.objects.filter(
        name=calibration().support_organisation
    ).first()
    partner = User.objects.filter(username=PARTNER_USERNAME).first()
    if organisation is None or partner is None:
        return "Demo referrals skipped: the support organisation or its login is missing."
    if Referral.objects.filter(organisation=organisation).exists():
        return "Demo referrals already built."
    events = list(
        CaseEvent.objects.filter(
            kind=EventKind.REFERRAL_SENT,
            case__force__code="MPS",
            case__reported_at__gte=until - timedelta(days=RECENT_DAYS),
            case__reported_at__lte=until,
            at__lte=until,
        )
        .select_related("case__crime_type", "by")
        .order_by("case__reference", "at", "id")
    )
    rng = Random(seed)  # noqa: S311 (reproducible synthetic data)
    rng.shuffle(events)
    sent: list[Referral] = []
    skipped = 0
    seen: set[int] = set()
    for event in events:
        if len(sent) >= MOST_REFERRALS:
            break
        if event.case_id in seen:
            continue
        seen.add(event.case_id)
        victim = event.case.victims.order_by("id").first()
        if victim is None:
            continue
        try:
            with transaction.atomic():
                sent.append(
                    referral_send(
                        case=event.case,
                        victim=victim,
                        organisation=organisation,
                        by=event.by,
                        event=event,
                    )
                )
        except CareError:
            skipped += 1
    accepted = declined = 0
    for referral in sorted(sent, key=lambda r: (r.sent_at, r.pk)):
        draw = rng.random()
        if draw < ACCEPTED_SHARE:
            accepted += 1
            _act(referral, ReferralStatus.ACCEPTED, partner, rng.choice(ACCEPTED_NOTES), rng, until)
        elif draw < ACCEPTED_SHARE + DECLINED_SHARE:
            declined += 1
            reason = rng.choice(DECLINED_REASONS)
            _act(referral, ReferralStatus.DECLINED, partner, reason, rng, until, reason=reason)
    return (
        f"Demo referrals: {len(sent)} sent to {organisation.name} ({accepted} accepted, "
        f"{declined} declined, {len(sent) - accepted - declined} waiting); {skipped} refused "
        "by the referral checks."
    )


def _act(
    referral: Referral,
    status: str,
    partner: User,
    note: str,
    rng: Random,
    until: datetime,
    *,
    reason: str = "",
) -> None:
    """The partner changes the status and writes a note, dated within the world (the
    services stamp the present, which a world with a past as-of day has not reached)."""
    referral_status_change(referral=referral, status=status, reason=reason)
    written = referral_note_add(referral=referral, by=partner, text=note)
    at = min(referral.sent_at + timedelta(hours=rng.randrange(2, 72)), until)
    Referral.objects.filter(pk=referral.pk).update(status_changed_at=at)
    ReferralNote.objects.filter(pk=written.pk).update(at=at)
