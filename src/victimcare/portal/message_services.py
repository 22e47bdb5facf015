"""Messages between a victim and the officer on their case, through Track my case."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from victimcare.care.selectors import case_team
from victimcare.care.services.officers import officer_title
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, Victim
from victimcare.cases.services import case_event_record
from victimcare.notifications.constants import Purpose
from victimcare.notifications.services import victim_notify
from victimcare.portal import constants as c
from victimcare.portal.models import (
    VictimMessage,
)
from victimcare.portal.services import (
    PortalError,
    track_link_text,
)


def _body_check(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise PortalError(_("Enter your message"))
    if len(body) > c.MESSAGE_MAX_LENGTH:
        raise PortalError(_("Your message must be 2,000 characters or fewer"))
    if "\x00" in body:
        raise PortalError(_("Your message contains characters we cannot accept"))
    return body


@transaction.atomic
def victim_message_send(*, victim: Victim, body: str) -> VictimMessage:
    """A message from the victim to the officer on their case."""
    body = _body_check(body)
    now = timezone.now()
    message = VictimMessage(
        case=victim.case, victim=victim, direction=c.MessageDirection.FROM_VICTIM, body=body, at=now
    )
    message.full_clean()
    message.save()
    recipient = message_recipient(case=victim.case)
    case_event_record(
        case=victim.case,
        kind=EventKind.MESSAGE_FROM_VICTIM,
        at=now,
        detail={"message": message.pk, "victim": victim.pk, **recipient.detail},
        victim_text=_("You sent a message to %(to)s.") % {"to": recipient.name},
    )
    return message


@dataclass(frozen=True)
class Recipient:
    """Where a victim's message goes: the officer in charge or, if none, the team queue."""

    name: str  # "PC Jones", "the Hackney investigation team", "the police"
    detail: dict
    officer: bool

    def sent_text(self) -> str:
        if self.officer:
            return _("Your message was sent to %(to)s.") % {"to": self.name}
        return _("Your message was sent to %(to)s; an officer will be named soon.") % {
            "to": self.name
        }


def message_recipient(*, case: Case) -> Recipient:
    officer = case.officer_in_charge
    if officer is not None:
        return Recipient(officer_title(officer), {"to_officer": officer.username}, True)
    team = case_team(case=case)
    if team is not None:
        name = team.name if team.name.lower().endswith("team") else f"{team.name} team"
        return Recipient(_("the %(team)s") % {"team": name}, {"to_team": team.code}, False)
    return Recipient(_("the %(force)s") % {"force": case.force.name}, {"to_team": ""}, False)


def reply_victim_default(*, case: Case) -> Victim | None:
    """Whom a reply goes to unless the officer says: the case's only victim, else the victim
    who wrote last; None when that cannot be told."""
    victims = list(Victim.objects.filter(case=case).order_by("pk")[:2])
    if len(victims) == 1:
        return victims[0]
    last = (
        VictimMessage.objects.filter(
            case=case, direction=c.MessageDirection.FROM_VICTIM, victim__isnull=False
        )
        .order_by("-at", "-id")
        .first()
    )
    return last.victim if last is not None else None


@transaction.atomic
def officer_reply_send(
    *, case: Case, user, body: str, victim: Victim | None = None
) -> VictimMessage:
    """The officer's reply to one victim of the case: in that victim's timeline only and sent
    by their preferred channel.

    ``victim`` is whom it is for; without it, the case's only victim or the one who wrote
    last (see ``reply_victim_default``). A case with several victims and no message from
    any of them needs the officer to choose.
    """
    body = _body_check(body)
    if victim is None:
        victim = reply_victim_default(case=case)
        if victim is None:
            raise PortalError(_("Choose which victim to reply to"))
    elif victim.case_id != case.pk:
        raise PortalError(_("Choose a victim on this case"))
    victim = Victim.objects.select_related("personal_details", "case").get(pk=victim.pk)
    now = timezone.now()
    message = VictimMessage(
        case=case, victim=victim, direction=c.MessageDirection.TO_VICTIM, body=body, at=now, by=user
    )
    message.full_clean()
    message.save()
    case_event_record(
        case=case,
        kind=EventKind.MESSAGE_TO_VICTIM,
        at=now,
        by=user,
        detail={"message": message.pk, "victim": victim.pk},
        victim_text=_("Message from %(name)s: %(body)s") % {"name": user, "body": body},
    )
    if hasattr(victim, "personal_details"):
        victim_notify(
            victim=victim,
            subject=_("A message about crime reference %(ref)s") % {"ref": case.reference},
            body=_("%(name)s wrote about crime reference %(ref)s:\n\n%(body)s\n\n%(track)s")
            % {
                "name": user,
                "ref": case.reference,
                "body": body,
                "track": track_link_text(victim=victim),
            },
            idempotency_key=f"reply:{message.pk}",
            purpose=Purpose.REPLY,
            sensitive=True,  # the body carries a sign-in link; the text stays on the case
        )
    return message
