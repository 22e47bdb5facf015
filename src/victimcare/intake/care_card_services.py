"""After a report: the answer to the visit offer, and the Victim Care Card sent to each
victim (``report_follow_up``, run by a background task, and ``care_card_send``)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from victimcare.care.services.visits import visit_answer_record
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case
from victimcare.cases.services import case_event_record
from victimcare.intake.care_card import care_card_text
from victimcare.notifications.constants import Purpose
from victimcare.notifications.services import victim_notify


@transaction.atomic
def report_follow_up(
    *, case: Case, wants_visit: str, recorded_by=None, send_care_card: bool = True
) -> None:
    """After a report: record the answer to the visit offer, then send the Victim Care Card.

    Safe to run twice (a background task can be): the case row is locked first, so a
    second run waits, then finds what the first did."""
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk").first()
    if (
        wants_visit in ("yes", "no")
        and not case.events.filter(kind=EventKind.VISIT_OFFERED).exists()
    ):
        # Total Victim Care: every victim is offered a visit; the report records the answer.
        at = case.reported_at
        case_event_record(
            case=case,
            kind=EventKind.VISIT_OFFERED,
            at=at,
            by=recorded_by,
            detail={"channel": case.channel},
        )
        if wants_visit == "yes":
            case_event_record(
                case=case,
                kind=EventKind.VISIT_ACCEPTED,
                at=at,
                by=recorded_by,
                victim_text=_(
                    "You asked for a visit from an officer. We will contact you to arrange it."
                ),
            )
        else:
            case_event_record(
                case=case,
                kind=EventKind.VISIT_DECLINED,
                at=at,
                by=recorded_by,
                victim_text=_(
                    "You told us you do not want a visit. You can ask for one at any time."
                ),
            )
        visit_answer_record(case=case, wants_visit=wants_visit == "yes", at=at)
    if send_care_card:
        care_card_send(case=case)


@transaction.atomic
def care_card_send(*, case: Case) -> int:
    """Send each victim their Victim Care Card by their preferred channel (once per victim)."""
    sent = 0
    for victim in case.victims.select_related("personal_details"):
        notification = victim_notify(
            victim=victim,
            subject=_("Your Victim Care Card: crime reference %(ref)s") % {"ref": case.reference},
            body=care_card_text(case=case),
            idempotency_key=f"care-card:{case.pk}:{victim.pk}",
            purpose=Purpose.CARE_CARD,
        )
        if notification is None:
            continue
        sent += 1
        if not case.events.filter(kind=EventKind.CARE_CARD_SENT, detail__victim=victim.pk).exists():
            case_event_record(
                case=case,
                kind=EventKind.CARE_CARD_SENT,
                at=timezone.now(),
                detail={
                    "victim": victim.pk,
                    "channel": notification.channel,
                    "notification": notification.pk,
                },
                victim_text=_(
                    "We sent you your Victim Care Card with your crime reference and what happens next."
                ),
            )
    return sent
