"""Invitations, reminders and expiry: a sample's fieldwork over time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from victimcare.core.timezones import LONDON
from victimcare.forces.models import Force
from victimcare.surveys.constants import (
    ContactRoute,
    InvitationKind,
    Mode,
    Outcome,
)
from victimcare.surveys.models import (
    Invitation,
    Sample,
    SampleMember,
)
from victimcare.surveys.tokens import token_for

try:  # the notifications app is optional: without it invitations are exported instead
    from victimcare.notifications import constants as notification_constants
    from victimcare.notifications.services import victim_notify
except ImportError:
    # Stand-ins the code below checks for; mypy sees the installed app's types.
    notification_constants = None  # type: ignore[assignment]
    victim_notify = None  # type: ignore[assignment]


def survey_link(member: SampleMember) -> str:
    """The path of a member's single-use survey link (tokens are rebuilt, not stored)."""
    return reverse("surveys:web-start", kwargs={"token": token_for(member.token_salt)})


def _invitation_route(member: SampleMember) -> str:
    # A web link cannot be read out on a call: phone-preferring victims get a text.
    return ContactRoute.SMS if member.route == ContactRoute.PHONE else member.route


INVITATION_TEXT: dict[str, tuple[str, str]] = {
    InvitationKind.INVITATION: (
        "How did we do?",
        "You reported a crime to {force} a few weeks ago. Please tell us how well we dealt "
        "with it. It takes about 5 minutes: {link} This link works once, until {until}. "
        "If you would rather not take part, open the link and choose not to be asked again.",
    ),
    InvitationKind.REMINDER: (
        "Reminder: how did we do?",
        "A reminder: {force} would like to know how well we dealt with the crime you "
        "reported. It takes about 5 minutes: {link} This link works until {until}.",
    ),
}


def _invitations_deliver(invitations: list[Invitation]) -> None:
    """Hand invitations to the notifications service (by the victim's preferred, safe
    channel). Those it cannot send stay recorded, unsent, for the invitations export."""
    if victim_notify is None:  # notifications not installed: invitations are exported instead
        return

    purpose = getattr(
        notification_constants.Purpose, "SURVEY", notification_constants.Purpose.UPDATE
    )
    base = getattr(settings, "PUBLIC_URL", "").rstrip("/")
    sent = []
    for invitation in invitations:
        member = invitation.member
        subject, body = INVITATION_TEXT[invitation.kind]
        until = timezone.localtime(member.expires_at, LONDON)
        notification = victim_notify(
            victim=member.victim,
            subject=subject,
            body=body.format(
                force=member.sample.force.name,
                link=base + survey_link(member),
                until=f"{until:%d %B %Y}",
            ),
            idempotency_key=f"survey:{member.serial}:{invitation.kind}",
            purpose=purpose,
            prefer=invitation.route,
            sensitive=True,  # the body carries the single-use link
        )
        if notification is not None:
            invitation.sent = True
            sent.append(invitation)
    Invitation.objects.bulk_update(sent, ["sent"], batch_size=2000)


@transaction.atomic
def invitations_send(*, sample: Sample, now: datetime | None = None) -> int:
    """Invite every web-mode victim of the sample not yet invited; the link expires after
    the sample's expiry days. Returns how many were invited.

    Each invitation is recorded and handed to the notifications service; any it cannot
    send stay in the invitations export."""
    now = now or timezone.now()
    members = list(
        SampleMember.objects.filter(
            sample=sample, mode=Mode.WEB, outcome=Outcome.ISSUED, expires_at__isnull=True
        ).select_related("sample__force", "victim__personal_details", "victim__case")
    )
    expires_at = now + timedelta(days=sample.expires_after_days)
    for member in members:
        member.expires_at = expires_at
    SampleMember.objects.bulk_update(members, ["expires_at"], batch_size=2000)
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                member=member,
                kind=InvitationKind.INVITATION,
                route=_invitation_route(member),
                created_at=now,
            )
            for member in members
        ],
        batch_size=2000,
    )
    _invitations_deliver(invitations)
    return len(members)


@transaction.atomic
def fieldwork_update(*, now: datetime | None = None, force: Force | None = None) -> dict[str, int]:
    """Send reminders that are due and close links that have expired (run daily).

    A reminder goes once, ``reminder_after_days`` after the invitation, to victims who
    have not answered; a link past its expiry closes as a non-contact."""
    now = now or timezone.now()
    members = SampleMember.objects.filter(mode=Mode.WEB, outcome=Outcome.ISSUED)
    if force is not None:
        members = members.filter(sample__force=force)
    expired = members.filter(expires_at__lte=now).update(
        outcome=Outcome.NON_CONTACT, outcome_at=now, draft={}
    )
    reminded = 0
    candidates = (
        members.filter(expires_at__gt=now)
        .exclude(invitations__kind=InvitationKind.REMINDER)
        .select_related("sample__force", "victim__personal_details", "victim__case")
        .prefetch_related("invitations")
    )
    reminders = []
    for member in candidates:
        invited = [
            i.created_at for i in member.invitations.all() if i.kind == InvitationKind.INVITATION
        ]
        if invited and min(invited) + timedelta(days=member.sample.reminder_after_days) <= now:
            reminders.append(
                Invitation(
                    member=member,
                    kind=InvitationKind.REMINDER,
                    route=_invitation_route(member),
                    created_at=now,
                )
            )
    _invitations_deliver(Invitation.objects.bulk_create(reminders, batch_size=2000))
    reminded = len(reminders)
    return {"reminded": reminded, "expired": expired}
