"""Reads for Track my case and the officer's messages panel."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from victimcare.cases.models import Case, CaseEvent, Victim
from victimcare.portal.constants import MessageDirection
from victimcare.portal.models import VictimMessage


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


def victim_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    """What the victim sees: only events with text written for them, never internal notes."""
    return CaseEvent.objects.filter(case=case).exclude(victim_text="").order_by("-at", "-id")


def case_messages(*, case: Case) -> QuerySet[VictimMessage]:
    return VictimMessage.objects.filter(case=case).select_related("by").order_by("at", "id")


def messages_awaiting_reply(*, force_id: int, limit: int = 10) -> QuerySet[VictimMessage]:
    """Victims' messages in a force with no reply after them, oldest first (for the staff
    home page: references and times only, no message text, which is shown on the audited
    case page)."""
    later_reply = VictimMessage.objects.filter(
        case=OuterRef("case"), direction=MessageDirection.TO_VICTIM, at__gt=OuterRef("at")
    )
    return (
        VictimMessage.objects.filter(
            case__force_id=force_id, direction=MessageDirection.FROM_VICTIM
        )
        .exclude(Exists(later_reply))
        .select_related("case")
        .order_by("at")[:limit]
    )
