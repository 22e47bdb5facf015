"""The demo's domestic abuse survey fieldwork (synthetic), for the forces in ``DA_FORCES``:
safe routes recorded at needs assessments, contacts proposed and approved by an officer,
invitations sent and answers collected, as ``demo.fieldwork`` does for the main survey."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from random import Random

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.care.constants import ReferralConsent, SafeRoute
from victimcare.care.services.events import needs_assessment_record
from victimcare.cases.models import Victim
from victimcare.core.timezones import LONDON
from victimcare.demo.fieldwork import _months, _scale_answer
from victimcare.forces.models import Force
from victimcare.surveys.constants import (
    Mode,
)
from victimcare.surveys.models import (
    DaSurveyContact,
)
from victimcare.surveys.sampling import (
    default_fieldwork_on,
    london_midnight,
    month_add,
)
from victimcare.surveys.services.domestic_abuse import (
    DaContactRefused,
    da_contact_decide,
    da_contacts_propose,
    da_invitation_send,
    da_response_record,
)

# The forces whose demo runs the domestic abuse survey, and its shape: per month, how many
# domestic abuse victims have a safe route confirmed at a needs assessment, and the
# shares approved, answering and satisfied. The latest month is left awaiting approval.
DA_FORCES = ("MPS",)
DA_ASSESSED_PER_MONTH = 24
DA_APPROVED, DA_ANSWERED, DA_SATISFIED = 0.9, 0.6, 0.66
# Marks the demo's contacts, so that rebuilding the fieldwork replaces them.
DA_DEMO_NOTE = "Synthetic demo fieldwork"


def da_fieldwork(*, force: Force, seed: int, first_day: date, last_day: date) -> Counter[str]:
    """The domestic abuse survey in the demo, through its services: for each month whose
    fieldwork falls in the demo year, some victims record a confirmed safe route (email,
    else a safe phone) at a needs assessment, are proposed on the fieldwork day, approved
    by the force's officer (a few not), invited by that route (emails go through the
    notifications, so the file backends show them) and some answer. The latest month's
    contacts await approval on the officers' page; a few earlier ones are invited and
    not yet answered (a link to follow, a call for the interviewers)."""
    rng = Random(f"victimcare-demo-da:{seed}:{force.code}")  # noqa: S311 (synthetic data, reproducible from the seed)
    officer = User.objects.filter(force=force, role=Role.OFFICER).order_by("username").first()
    counts: Counter[str] = Counter()
    if officer is None:
        return counts
    months = _months(first_day, last_day)
    for index, month in enumerate(months):
        fieldwork_on = default_fieldwork_on(month)
        _da_safe_routes(force=force, month=month, rng=rng)
        proposal = da_contacts_propose(
            force=force,
            month=month,
            at=datetime.combine(fieldwork_on, time(9, 0), LONDON),
            fieldwork_on=fieldwork_on,
        )
        counts["da_proposed"] += len(proposal.proposed)
        DaSurveyContact.objects.filter(pk__in=[c.pk for c in proposal.proposed]).update(
            note=DA_DEMO_NOTE
        )
        if index == len(months) - 1:
            continue  # the latest month: awaiting an officer's approval
        latest_invited = index == len(months) - 2
        for contact in proposal.proposed:
            counts["da_responses"] += _da_contact_simulate(
                contact=contact,
                officer=officer,
                rng=rng,
                at=datetime.combine(fieldwork_on, time(10, 0), LONDON),
                answer=not latest_invited or rng.random() < 0.5,
            )
    return counts


def _da_safe_routes(*, force: Force, month: date, rng: Random) -> None:
    """A needs assessment confirming a safe route for some of the month's domestic
    abuse victims (the rest have none confirmed, so are never proposed)."""
    start, end = london_midnight(month), london_midnight(month_add(month, 1))
    victims = list(
        Victim.objects.filter(
            case__force=force,
            case__reported_at__gte=start,
            case__reported_at__lt=end,
            case__crime_type__is_domestic_abuse=True,
        )
        .exclude(pk__in=DaSurveyContact.objects.values("victim"))
        .select_related("case", "personal_details")
        .order_by("pk")
    )
    rng.shuffle(victims)
    chosen = 0
    for victim in victims:
        if chosen >= DA_ASSESSED_PER_MONTH:
            break
        details = getattr(victim, "personal_details", None)
        if details is None:
            continue
        if details.email:
            route = SafeRoute.EMAIL
        elif details.phone and details.phone_is_safe:
            route = SafeRoute.PHONE
        else:
            continue
        if details.phone and details.phone_is_safe and rng.random() < 0.3:
            route = SafeRoute.PHONE
        needs_assessment_record(
            case=victim.case,
            victim=victim,
            by=None,
            needs=[],
            referral_consent=ReferralConsent.YES,
            safe_route=route,
            safe_route_confirmed=True,
            at=victim.case.reported_at + timedelta(days=2),
        )
        chosen += 1


def _da_contact_simulate(
    *, contact: DaSurveyContact, officer: User, rng: Random, at: datetime, answer: bool
) -> int:
    """Approve (or not), invite and perhaps answer one proposed contact; 1 if answered."""
    approve = rng.random() < DA_APPROVED
    try:
        da_contact_decide(contact=contact, by=officer, approve=approve, note=DA_DEMO_NOTE)
        if not approve:
            return 0
        contact = da_invitation_send(contact=contact, at=at)
    except DaContactRefused:
        return 0
    if not answer or rng.random() >= DA_ANSWERED:
        return 0
    satisfied = rng.random() < DA_SATISFIED
    answers = {
        stage: _scale_answer(rng, satisfied if rng.random() < 0.85 else not satisfied)
        for stage in ("ease_of_contact", "actions_taken", "kept_informed", "treatment")
    }
    answers["whole_experience"] = _scale_answer(rng, satisfied)
    answers["felt_safer"] = "yes" if rng.random() < (0.75 if satisfied else 0.3) else "no"
    da_response_record(
        contact=contact,
        answers=answers,
        mode=Mode.WEB if contact.route == "email" else Mode.TELEPHONE,
        completed_at=at + timedelta(days=rng.randint(1, 10)),
        synthetic=True,
    )
    return 1
