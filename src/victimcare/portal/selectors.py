"""Reads for Track my case and the officer's messages panel."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, CaseEvent, Victim
from victimcare.portal.constants import MessageDirection
from victimcare.portal.models import TrackLink, VictimMessage


def victim_for_session(*, victim_id) -> Victim | None:
    if not isinstance(victim_id, int):
        return None
    return (
        Victim.objects.select_related(
            "personal_details", "case", "case__force", "case__crime_type", "case__officer_in_charge"
        )
        .filter(pk=victim_id)
        .first()
    )


def track_links_live(*, token: str) -> QuerySet[TrackLink]:
    """The link from a message with this token, if it is unspent and unexpired."""
    return TrackLink.objects.filter(
        token_hash=TrackLink.hash_of(token), used_at__isnull=True, expires_at__gt=timezone.now()
    )


def track_link_reference(*, token: str) -> str | None:
    """The crime reference a live link from a message is for; None for any other token.
    Opening a link reads only: it is spent by asking for the code."""
    link = track_links_live(token=token).select_related("case").first()
    return link.case.reference if link is not None else None


MESSAGE_EVENTS = (EventKind.MESSAGE_FROM_VICTIM, EventKind.MESSAGE_TO_VICTIM)


def victim_timeline(*, victim: Victim) -> QuerySet[CaseEvent]:
    """What one victim sees: only events with text written for them, never internal notes.

    Updates about the case are seen by each of its victims. An event about one victim (its
    ``detail`` names them as ``victim`` or ``victim_id``) is seen by that victim only, and a
    message event only by the victim who sent or received the message (older message events
    name only the message).
    """
    mine = list(
        VictimMessage.objects.filter(case_id=victim.case_id, victim=victim).values_list(
            "pk", flat=True
        )
    )
    for_this_victim = (Q(detail__victim__isnull=True) | Q(detail__victim=victim.pk)) & (
        Q(detail__victim_id__isnull=True) | Q(detail__victim_id=victim.pk)
    )
    visible = (~Q(kind__in=MESSAGE_EVENTS) & for_this_victim) | Q(
        kind__in=MESSAGE_EVENTS, detail__message__in=mine
    )
    return (
        CaseEvent.objects.filter(case_id=victim.case_id)
        .exclude(victim_text="")
        .filter(visible)
        .order_by("-at", "-id")
    )


def victim_messages(*, victim: Victim) -> QuerySet[VictimMessage]:
    """The messages one victim sent or received; never another victim's of the same case."""
    return (
        VictimMessage.objects.filter(case_id=victim.case_id, victim=victim)
        .select_related("by")
        .order_by("at", "id")
    )


def case_messages(*, case: Case) -> QuerySet[VictimMessage]:
    """Every message of the case, with every victim (the officer's panel)."""
    return (
        VictimMessage.objects.filter(case=case).select_related("by", "victim").order_by("at", "id")
    )


def messages_awaiting_reply(*, force_id: int, limit: int = 10) -> QuerySet[VictimMessage]:
    """Victims' messages in a force with no reply to that victim after them, oldest first (for the staff
    home page: references and times only, no message text, which is shown on the audited
    case page)."""
    later_reply = VictimMessage.objects.filter(
        case=OuterRef("case"),
        victim=OuterRef("victim"),
        direction=MessageDirection.TO_VICTIM,
        at__gt=OuterRef("at"),
    )
    return (
        VictimMessage.objects.filter(
            case__force_id=force_id, direction=MessageDirection.FROM_VICTIM
        )
        .exclude(Exists(later_reply))
        .select_related("case")
        .order_by("at")[:limit]
    )
