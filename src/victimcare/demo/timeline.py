"""A synthetic case's event log, as the real services would have written it.

``CaseTimeline.events`` gives a case's events up to the world's end: the report, the
officer's assignment and first contact, the care given in the first days (some of it
late, some never), the status or decision, and the officer's updates during the
investigation. It draws from the force's random stream (the one ``generator.ForceCases``
passes in), in the same order as before the split, so the same seed gives the same log.

``random`` is used on purpose (not ``secrets``): this is reproducible synthetic data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from operator import attrgetter
from random import Random
from typing import TYPE_CHECKING

from victimcare.cases.constants import CaseStatus, EventKind
from victimcare.cases.models import Case, CaseEvent, VictimPersonalDetails
from victimcare.demo.calibration import Calibration

if TYPE_CHECKING:
    from victimcare.demo.generator import Officer

# What a victim reads about each event in Track my case.
DECISION_TEXT: dict[str, str] = {
    CaseStatus.CHARGED: "Someone has been charged. Your officer will explain what happens next.",
    CaseStatus.NOT_INVESTIGATED: (
        "We have looked at everything available and will not investigate further for now. "
        "Your officer can tell you why, and we will contact you if anything new comes to light."
    ),
    CaseStatus.CLOSED: "The investigation has ended. Your officer can tell you the outcome.",
}
STATUS_TEXT: dict[str, str] = {
    CaseStatus.UNDER_INVESTIGATION: "Your case is being investigated.",
    CaseStatus.SUSPECT_IDENTIFIED: "A suspect has been identified.",
}
# The decision each final status records, in the Victims' Code clock's terms.
DECISION_OUTCOME: dict[str, str] = {
    CaseStatus.CHARGED: "charge",
    CaseStatus.NOT_INVESTIGATED: "not_investigated",
    CaseStatus.CLOSED: "no_further_action",
}
# How long after the report a decision is made (days, uniformly spread).
DECISION_DAYS: dict[str, tuple[int, int]] = {
    CaseStatus.NOT_INVESTIGATED: (1, 10),
    CaseStatus.CHARGED: (7, 90),
    CaseStatus.CLOSED: (14, 120),
}
# What the status was before an event that has not happened by the world's end.
STATUS_BEFORE: dict[str, str] = {
    CaseStatus.UNDER_INVESTIGATION: CaseStatus.REPORTED,
    CaseStatus.SUSPECT_IDENTIFIED: CaseStatus.REPORTED,
    CaseStatus.CHARGED: CaseStatus.UNDER_INVESTIGATION,
    CaseStatus.NOT_INVESTIGATED: CaseStatus.REPORTED,
    CaseStatus.CLOSED: CaseStatus.UNDER_INVESTIGATION,
}

WRITTEN_INFORMATION_TEXT = (
    "We sent you written information about your rights and what happens next."
)
REFERRAL_TEXT = "We passed your details to a support organisation, as you agreed."
VISIT_OFFERED_TEXT = "You were offered a visit from an officer."


def needs_assessed_detail() -> dict:
    """A demo needs assessment also tells the victim how they may claim compensation
    (Right 5: the assessment form's box ticked), as ``care_needs_assess`` records it."""
    return {"covers": ["compensation_information"]}


class CaseTimeline:
    """The event logs of one force's cases, drawn from that force's random stream."""

    def __init__(self, *, rng: Random, calibration: Calibration, end: datetime) -> None:
        self.rng = rng
        self.calibration = calibration
        self.end = end  # the world's last instant: nothing is done after it

    def _care_events(self, case: Case, officer: Officer, add, late) -> None:
        """What the officer does for the victim in the first days: written information,
        a needs assessment, a referral to support (or the victim declines one); what is
        missed then is mostly done late (``late``), the rest never."""
        rng, follow_up, reported = self.rng, self.calibration.follow_up, case.reported_at
        if rng.random() < follow_up["written_information"]:
            add(
                EventKind.WRITTEN_INFORMATION_SENT,
                reported + timedelta(minutes=rng.randrange(120, 8 * 24 * 60)),
                by=officer.user_id,
                victim_text=WRITTEN_INFORMATION_TEXT,
            )
        else:
            late(EventKind.WRITTEN_INFORMATION_SENT, victim_text=WRITTEN_INFORMATION_TEXT)
        if rng.random() < follow_up["needs_assessed"]:
            add(
                EventKind.NEEDS_ASSESSED,
                reported + timedelta(minutes=rng.randrange(240, 9 * 24 * 60)),
                by=officer.user_id,
                detail=needs_assessed_detail(),
            )
        else:
            late(EventKind.NEEDS_ASSESSED, detail=needs_assessed_detail())
        draw = rng.random()
        if draw < follow_up["referral_sent"]:
            add(
                EventKind.REFERRAL_SENT,
                reported + timedelta(minutes=rng.randrange(120, 4 * 24 * 60)),
                by=officer.user_id,
                victim_text=REFERRAL_TEXT,
            )
        elif draw < follow_up["referral_sent"] + follow_up["referral_declined"]:
            add(
                EventKind.REFERRAL_DECLINED,
                reported + timedelta(minutes=rng.randrange(120, 4 * 24 * 60)),
                by=officer.user_id,
            )
        else:
            late(EventKind.REFERRAL_SENT, victim_text=REFERRAL_TEXT)

    def events(
        self, case: Case, officer: Officer | None, details: VictimPersonalDetails
    ) -> list[CaseEvent]:
        """The case's events in log order, up to the world's end."""
        rng, end = self.rng, self.end
        late_events: list[CaseEvent] = []
        spec = self.calibration.follow_up["late"]

        def late(kind: str, *, victim_text: str = "", detail: dict | None = None) -> None:
            """A follow-up missed on time, done late (or, sometimes, never)."""
            if officer is None or rng.random() >= spec["share"]:
                return
            at = case.reported_at + timedelta(
                minutes=rng.randrange(spec["days"][0] * 24 * 60, spec["days"][1] * 24 * 60)
            )
            late_events.append(
                CaseEvent(
                    case=case,
                    kind=kind,
                    at=at,
                    recorded_at=min(at + timedelta(minutes=rng.randrange(2, 90)), end),
                    by_id=officer.user_id,
                    detail=detail or {},
                    victim_text=victim_text,
                )
            )

        events = self._timeline(case, officer, details, late)
        if late_events:
            closed = next((e.at for e in events if e.kind == EventKind.CASE_CLOSED), None)
            stop = min(closed, end) if closed is not None else end
            assigned = next((e.at for e in events if e.kind == EventKind.OFFICER_ASSIGNED), end)
            events.extend(e for e in late_events if assigned < e.at <= stop)
            events.sort(key=attrgetter("at"))  # stable: the log keeps its order at equal times
        if officer is not None:
            self._updates(case, officer, events)
        return events

    def _updates(self, case: Case, officer: Officer, events: list[CaseEvent]) -> None:
        """The officer's updates during the investigation, one each 28 days (the Code's
        default frequency) until the case is closed or the world ends: most a few days
        before they are due, some missed (a later update then meets the missed one
        late, so only recent misses stay overdue)."""
        rng, end = self.rng, self.end
        share = self.calibration.follow_up["investigation_update"]
        assigned = next((e.at for e in events if e.kind == EventKind.OFFICER_ASSIGNED), None)
        if assigned is None:
            return
        closed = next((e.at for e in events if e.kind == EventKind.CASE_CLOSED), None)
        stop = min(closed, end) if closed is not None else end
        period = timedelta(days=28)
        due = case.reported_at + period
        while due - period < stop:
            if rng.random() < share:
                at = due - timedelta(minutes=rng.randrange(0, 10 * 24 * 60))
                if assigned < at <= stop:
                    events.append(
                        CaseEvent(
                            case=case,
                            kind=EventKind.CONTACT_MADE,
                            at=at,
                            recorded_at=min(at + timedelta(minutes=rng.randrange(2, 90)), end),
                            by_id=officer.user_id,
                            detail={"covers": ["investigation_update"]},
                            victim_text=f"{officer.display_name} updated you on the investigation.",
                        )
                    )
            due += period
        events.sort(key=attrgetter("at"))  # stable: the log keeps its order at equal times

    def _timeline(
        self, case: Case, officer: Officer | None, details: VictimPersonalDetails, late
    ) -> list[CaseEvent]:
        """The case's log up to the world's end: what would happen after it has not
        happened yet (so recent cases have care still to give), and a status whose event
        is still to come falls back to the one before it."""
        rng, end = self.rng, self.end
        events: list[CaseEvent] = []
        last = case.reported_at

        def add(kind: str, at: datetime, *, by=None, detail=None, victim_text="") -> bool:
            nonlocal last
            at = max(at, last)  # in order
            if at > end:
                return False
            last = at
            events.append(
                CaseEvent(
                    case=case,
                    kind=kind,
                    at=at,
                    recorded_at=min(at + timedelta(minutes=rng.randrange(2, 90)), end),
                    by_id=by,
                    detail=detail or {},
                    victim_text=victim_text,
                )
            )
            return True

        add(
            EventKind.REPORT_RECORDED,
            case.reported_at,
            by=case.recorded_by_id,
            detail={"channel": case.channel},
            victim_text=f"Your report was recorded. Your crime reference is {case.reference}.",
        )
        follow_up = self.calibration.follow_up
        if officer is not None and add(
            EventKind.OFFICER_ASSIGNED,
            last + timedelta(minutes=rng.randrange(30, 48 * 60)),
            detail={"officer_id": officer.user_id},
            victim_text=f"{officer.display_name} is the officer in charge of your case.",
        ):
            if (
                rng.random() < follow_up["contact_made"]
                and add(
                    EventKind.CONTACT_MADE,
                    last + timedelta(minutes=rng.randrange(60, 5 * 24 * 60)),
                    by=officer.user_id,
                    detail={"method": details.preferred_contact},
                    victim_text=f"{officer.display_name} contacted you about your report.",
                )
                and rng.random() < follow_up["visit_offered"]
            ):
                add(
                    EventKind.VISIT_OFFERED,
                    last,
                    by=officer.user_id,
                    victim_text=VISIT_OFFERED_TEXT,
                )
                if rng.random() < follow_up["visit_done_of_offered"]:
                    add(
                        EventKind.VISIT_DONE,
                        last + timedelta(hours=rng.randrange(24, 240)),
                        by=officer.user_id,
                        victim_text=f"{officer.display_name} visited you.",
                    )
            if not any(e.kind == EventKind.VISIT_OFFERED for e in events):
                late(EventKind.VISIT_OFFERED, victim_text=VISIT_OFFERED_TEXT)
            self._care_events(case, officer, add, late)
        status = case.status
        by = officer.user_id if officer else None
        if status in STATUS_TEXT:
            if not add(
                EventKind.SUSPECT_IDENTIFIED
                if status == CaseStatus.SUSPECT_IDENTIFIED
                else EventKind.STATUS_CHANGED,
                last + timedelta(hours=rng.randrange(1, 72)),
                by=by,
                detail={"status": status},
                victim_text=STATUS_TEXT[status],
            ):
                case.status = STATUS_BEFORE[status]
        elif status in DECISION_TEXT:
            low, high = DECISION_DAYS[status]
            decided = max(
                case.reported_at + timedelta(hours=rng.randrange(24 * low, 24 * high)),
                last + timedelta(minutes=rng.randrange(30, 48 * 60)),
            )
            if not add(
                EventKind.DECISION,
                decided,
                by=by,
                detail={"outcome": DECISION_OUTCOME[status]},
                victim_text=DECISION_TEXT[status],
            ):
                case.status = STATUS_BEFORE[status]
                return events
            decided = last
            if officer is not None and rng.random() < follow_up["decision_contact"]:
                covers = {"charge": ["vps_offer"], "no_further_action": ["vrr_information"]}
                add(
                    EventKind.CONTACT_MADE,
                    decided + timedelta(minutes=rng.randrange(60, 7 * 24 * 60)),
                    by=officer.user_id,
                    detail={"covers": covers.get(DECISION_OUTCOME[status], [])},
                    victim_text=f"{officer.display_name} explained the decision to you.",
                )
            if status == CaseStatus.CLOSED:
                # Closed with its decision (a case whose decision has come is closed by
                # the world's end at the latest).
                add(
                    EventKind.CASE_CLOSED,
                    min(decided + timedelta(minutes=rng.randrange(5, 120)), end),
                    by=by,
                )
        return events
