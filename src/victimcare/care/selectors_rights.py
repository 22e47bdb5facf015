"""Reads for the victim-facing rights beside the clock: where a victim's referral stands,
property held, complaints and review requests on a case, and what a victim is entitled to
at the stage their case has reached (the "What you are entitled to" page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from victimcare.care.models import Referral
from victimcare.care.selectors_vrr import vrr_eligibility
from victimcare.cases.constants import CaseStatus, EventKind
from victimcare.cases.models import Case, Victim

SENT, DECLINED, CONSENTED, OPEN = "sent", "declined", "consented", "open"


@dataclass(frozen=True)
class ReferralState:
    state: str  # SENT, DECLINED, CONSENTED or OPEN
    needs_consent: bool
    organisation: str = ""
    sent_at: datetime | None = None

    @property
    def may_answer(self) -> bool:
        """The victim can still say yes or no: nothing has gone, nothing was refused."""
        return self.state in (OPEN, CONSENTED)


def referral_state(*, victim: Victim) -> ReferralState:
    """Where this victim's referral to a support service stands."""
    case = victim.case
    needs_consent = bool(case.crime_type.referral_needs_consent)
    referral = Referral.objects.filter(victim=victim).select_related("organisation").first()
    if referral is not None:
        return ReferralState(
            SENT, needs_consent, organisation=referral.organisation.name, sent_at=referral.sent_at
        )
    events = case.events.filter(detail__victim_id=victim.pk)
    if events.filter(kind=EventKind.REFERRAL_DECLINED).exists():
        return ReferralState(DECLINED, needs_consent)
    if events.filter(kind=EventKind.NOTE, detail__referral_consent="yes").exists():
        return ReferralState(CONSENTED, needs_consent)
    return ReferralState(OPEN, needs_consent)


@dataclass
class Held:
    id: int
    description: str
    recorded_at: datetime
    returned_at: datetime | None = None


def case_property(*, case: Case) -> list[Held]:
    """Property held for the case, in the order recorded, with when each was returned."""
    held: dict[int, Held] = {}
    events = case.events.filter(
        kind__in=(EventKind.PROPERTY_RECORDED, EventKind.PROPERTY_RETURNED)
    ).order_by("at", "id")
    for event in events:
        if event.kind == EventKind.PROPERTY_RECORDED:
            held[event.pk] = Held(event.pk, event.detail.get("description", ""), event.at)
        elif event.detail.get("property_id") in held:
            held[event.detail["property_id"]].returned_at = event.at
    return list(held.values())


@dataclass
class Complaint:
    id: int
    text: str
    at: datetime
    victim_id: int | None
    acknowledged_at: datetime | None = None


def case_complaints(*, case: Case) -> list[Complaint]:
    """Complaints made on the case (for supervisors), with when each was acknowledged."""
    found: dict[int, Complaint] = {}
    events = case.events.filter(
        kind__in=(EventKind.COMPLAINT_MADE, EventKind.COMPLAINT_ACKNOWLEDGED)
    ).order_by("at", "id")
    for event in events:
        if event.kind == EventKind.COMPLAINT_MADE:
            found[event.pk] = Complaint(
                event.pk, event.detail.get("text", ""), event.at, event.detail.get("victim_id")
            )
        elif event.detail.get("complaint_id") in found:
            found[event.detail["complaint_id"]].acknowledged_at = event.at
    return list(found.values())


def case_review_requests(*, case: Case):
    """Requests for a review of a decision (Victims' Right to Review) on the case."""
    return case.events.filter(kind=EventKind.VRR_REQUESTED).order_by("at", "id")


@dataclass
class Entitlement:
    right: str
    title: str
    lines: list[str] = field(default_factory=list)
    link: str = ""  # a Track my case URL name for acting on it


def victim_entitlements(*, victim: Victim) -> list[Entitlement]:
    """What the Victims' Code entitles this victim to, in plain English, from the stage
    the case has reached."""
    case = victim.case
    kinds = set(case.events.values_list("kind", flat=True))
    enhanced = victim.is_enhanced
    days = "1 working day" if enhanced else "5 working days"
    items = []
    if enhanced:
        items.append(
            Entitlement(
                "",
                "You get an enhanced service",
                [
                    "Because of the crime or your circumstances, we will tell you about "
                    "decisions faster (within 1 working day), and we will talk with you about "
                    "help to give evidence, such as giving it from behind a screen or by "
                    "video link.",
                ],
            )
        )
    written = EventKind.WRITTEN_INFORMATION_SENT in kinds or EventKind.CARE_CARD_SENT in kinds
    items.append(
        Entitlement(
            "3",
            "Information when you report",
            [
                "Written confirmation of the crime you reported, with your crime reference "
                "and how to contact the officer in charge.",
                "We have sent you this." if written else "We will send you this soon.",
            ],
        )
    )
    referral = referral_state(victim=victim)
    referral_lines = {
        SENT: f"We passed your details to {referral.organisation}.",
        DECLINED: "You told us not to pass your details on, so we have not.",
        CONSENTED: "You agreed that we can pass your details on. We will do so within 2 "
        "working days.",
        OPEN: (
            "We will ask you whether you want your details passed on."
            if referral.needs_consent
            else "We will pass your details on within 2 working days unless you tell us not to."
        ),
    }
    items.append(
        Entitlement(
            "4",
            "Help from a support service",
            [
                "We can pass your details to a local victim support service so they can "
                "offer help, whether or not anyone is caught.",
                referral_lines[referral.state],
            ],
            link="portal:referral" if referral.may_answer else "",
        )
    )
    items.append(
        Entitlement(
            "4",
            "A talk about what help you need",
            [
                "An officer will talk with you about what help you need, and can do so "
                "again if things change."
            ],
        )
    )
    items.append(
        Entitlement(
            "5",
            "Information about compensation",
            [
                "If you were injured by a violent crime you may be able to claim from the "
                "Criminal Injuries Compensation Scheme. If someone is convicted, the court "
                "can order them to pay you compensation. Ask your officer how."
            ],
        )
    )
    updates = [
        f"We will tell you within {days} if someone is arrested, interviewed, released, "
        "bailed or charged, gets a caution or community resolution, or if we decide to take "
        "no further action, and why.",
        "We will keep you updated as often as you agreed with your officer (at least once a "
        "month if you did not agree how often), until the investigation ends.",
    ]
    if case.status == CaseStatus.NOT_INVESTIGATED:
        updates.append(
            "We decided not to investigate further. You are entitled to know why, and to be "
            "offered help from a support service."
        )
    items.append(Entitlement("6", "Updates about the investigation", updates))
    vps = [
        "When you give a witness statement, we will offer you the chance to make a Victim "
        "Personal Statement: your own words about how the crime affected you, which the "
        "court can hear."
    ]
    if EventKind.STATEMENT_TAKEN in kinds or EventKind.VPS_OFFERED in kinds:
        vps.append("You can make one now or add to it later. Ask your officer.")
    items.append(Entitlement("7", "A Victim Personal Statement", vps))
    if case.status == CaseStatus.CHARGED:
        items.append(
            Entitlement(
                "8",
                "Information about the trial",
                [
                    "Someone has been charged. A witness care officer will tell you about "
                    "court dates and the outcome, and about support to give evidence."
                ],
            )
        )
    eligible, why = vrr_eligibility(case=case)
    review = [
        "If a suspect was interviewed under caution and we decided not to charge them (or to "
        "give a caution or community resolution), you can ask us to review that decision "
        "within 3 months."
    ]
    if eligible:
        review.append("You can ask for a review now.")
    elif EventKind.VRR_REQUESTED in kinds:
        review.append(why)
    items.append(
        Entitlement(
            "VRR",
            "A review of a decision not to charge",
            review,
            link="portal:review" if eligible else "",
        )
    )
    property_lines = [
        "If we hold your property as evidence, we will tell you and give it back as soon as we can."
    ]
    for held in case_property(case=case):
        if held.returned_at:
            property_lines.append(
                f"{held.description}: given back on {timezone.localtime(held.returned_at):%d %B %Y}."
            )
        else:
            property_lines.append(f"{held.description}: we are holding it.")
    items.append(Entitlement("10", "Your property", property_lines))
    items.append(
        Entitlement(
            "12",
            "Making a complaint",
            [
                "If you did not get what you are entitled to, or are unhappy with our "
                "service, you can complain. A supervisor will look into it."
            ],
            link="portal:complaint",
        )
    )
    return items
