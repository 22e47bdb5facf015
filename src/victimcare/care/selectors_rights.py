"""Reads for the victim-facing rights beside the clock: where a victim's referral stands,
property held, complaints and review requests on a case, and what a victim is entitled to
at the stage their case has reached (the "What you are entitled to" page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone

from victimcare.care.constants import COMPENSATION_INFORMATION, PropertyStatus
from victimcare.care.models import PropertyHeld, Referral
from victimcare.care.selectors_vrr import vrr_eligibility
from victimcare.cases.constants import CaseStatus, EventKind
from victimcare.cases.models import Case, Victim

SENT, DECLINED, CONSENTED, OPEN = "sent", "declined", "consented", "open"
# The events that can say they met compensation information (the rule's ``met_by``).
COVERING_EVENTS = (
    EventKind.NEEDS_ASSESSED,
    EventKind.CONTACT_MADE,
    EventKind.WRITTEN_INFORMATION_SENT,
    EventKind.MESSAGE_TO_VICTIM,
)


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


def case_property(*, case: Case) -> list[PropertyHeld]:
    """Property held for the case, in the order it was taken: what, when taken, and
    whether it was returned (on which day) or is kept (and why)."""
    return list(PropertyHeld.objects.filter(case=case).order_by("taken_on", "id"))


def property_get(*, case: Case, pk: int) -> PropertyHeld:
    """One item of property held for the case; a 404 when the case has no such item."""
    return get_object_or_404(PropertyHeld, case=case, pk=pk)


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def property_lines(*, case: Case) -> list[str]:
    """Each item of property held, in plain English for the victim."""
    lines = []
    for held in case_property(case=case):
        taken = f"{held.description}: taken on {_day(held.taken_on)}"
        if held.status == PropertyStatus.RETURNED and held.returned_on:
            lines.append(f"{taken}, given back to you on {_day(held.returned_on)}.")
        elif held.status == PropertyStatus.KEPT:
            lines.append(f"{taken}. We need to keep it. Why: {held.kept_reason}")
        else:
            lines.append(f"{taken}. We are holding it and will give it back as soon as we can.")
    return lines


def compensation_information_given(*, case: Case) -> datetime | None:
    """When the victim was first given information about compensation (Right 5): an
    event on the case that says it covered it."""
    # Read in Python: SQLite has no JSON "contains" lookup.
    for at, detail in (
        case.events.filter(kind__in=COVERING_EVENTS)
        .order_by("at", "id")
        .values_list("at", "detail")
    ):
        covers = detail.get("covers") if isinstance(detail, dict) else None
        if isinstance(covers, list) and COMPENSATION_INFORMATION in covers:
            given: datetime = at
            return given
    return None


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
    items.append(Entitlement("5", "Information about compensation", _compensation_lines(case)))
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
    items.append(Entitlement("10", "Your property", _property_entitlement(case)))
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


def _compensation_lines(case: Case) -> list[str]:
    """Right 5, at the stage the case has reached."""
    lines = [
        "If you were injured by a violent crime, you may be able to claim from the Criminal "
        "Injuries Compensation Scheme, whether or not anyone is caught. Claims are usually "
        "made within 2 years of the crime."
    ]
    given = compensation_information_given(case=case)
    if given is not None:
        lines.append(
            f"Your officer told you about compensation on {_day(timezone.localdate(given))}. "
            "Ask them if you need it again."
        )
    else:
        lines.append(
            "Your officer will tell you how to claim when they talk with you about what help "
            "you need."
        )
    if case.status == CaseStatus.CHARGED:
        lines.append(
            "Someone has been charged. If they are convicted, the court can order them to pay "
            "you compensation: tell your officer or the witness care officer what the crime "
            "cost you, such as damage, losses or injury."
        )
    elif case.status in (CaseStatus.NOT_INVESTIGATED, CaseStatus.CLOSED):
        lines.append(
            "Even though nobody has been charged, you can still claim from the Criminal "
            "Injuries Compensation Scheme if you were injured."
        )
    return lines


def _property_entitlement(case: Case) -> list[str]:
    """Right 10: property held, each item as it stands; expenses once someone is charged."""
    lines = [
        "If we hold your property, for example as evidence, we will tell you what we hold and "
        "give it back as soon as we can. If we need to keep it, we will tell you why."
    ]
    held = property_lines(case=case)
    lines.extend(held or ["We are not holding any of your property."])
    if case.status == CaseStatus.CHARGED:
        lines.append(
            "If you go to court as a witness, you can claim back travel costs and lost "
            "earnings. The witness care officer will tell you how."
        )
    return lines
