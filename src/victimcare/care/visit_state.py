"""The one visit status: what the case page, the visit page, compliance and the victim's
Track my case all say about a victim's visit."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from victimcare.care.constants import VisitStatus

# Compliance counts: every visit row was offered; these were accepted; DONE were done.
ACCEPTED_STATUSES = (VisitStatus.ACCEPTED, VisitStatus.DONE, VisitStatus.MISSED)


@dataclass(frozen=True)
class VisitState:
    code: str  # not_offered, offered, wanted, booked, declined, done, missed
    label: str  # for staff
    victim_label: str  # for the victim
    starts_at: object = None

    @property
    def booked(self) -> bool:
        return self.code == "booked"

    @property
    def may_book(self) -> bool:
        """The victim may choose (or change) a time."""
        return self.code in ("not_offered", "offered", "wanted", "booked", "declined")


def visit_state(visit) -> VisitState:
    """The status of a victim's visit (``visit`` may be None: not offered yet)."""
    if visit is None:
        return VisitState(
            "not_offered",
            "Not offered yet",
            "An officer can visit you at home. Choose a time if you would like a visit.",
        )
    status = visit.status
    if status == VisitStatus.ACCEPTED and visit.slot_id:
        when = timezone.localtime(visit.slot.starts_at)
        text = f"{when:%A} {when.day} {when:%B %Y} at {when:%H:%M}"
        return VisitState(
            "booked", f"Visit booked: {text}", f"Your visit is booked for {text}.", when
        )
    if status == VisitStatus.ACCEPTED:
        return VisitState(
            "wanted",
            "Visit accepted: no time booked yet",
            "You asked for a visit. Choose a time below.",
        )
    return {
        VisitStatus.OFFERED: VisitState(
            "offered", "Visit offered: no answer yet", "You were offered a visit. Choose a time."
        ),
        VisitStatus.DECLINED: VisitState(
            "declined",
            "Visit declined",
            "You told us you do not want a visit. You can choose a time if you change your mind.",
        ),
        VisitStatus.DONE: VisitState("done", "Visit done", "An officer visited you."),
        VisitStatus.MISSED: VisitState(
            "missed", "Visit missed", "We missed our visit to you. We will be in touch."
        ),
    }[status]
