"""Every read of the care app that other code uses, already scoped to the user."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from victimcare.accounts.models import SupportOrganisation
from victimcare.accounts.permissions import Capability, has_capability
from victimcare.care.clock import outcome_normalise
from victimcare.care.constants import (
    OUTSTANDING,
    VRR_DECISIONS,
    VRR_REQUEST_MONTHS,
    DecisionOutcome,
    VisitStatus,
)
from victimcare.care.models import (
    CaseClock,
    NeedsAssessment,
    Obligation,
    Referral,
    ReferralNote,
    RuleSet,
    RuleSetVersion,
    Visit,
    VisitSlot,
)
from victimcare.care.selectors_compliance import BREACH_ROW_FIELDS as BREACH_ROW_FIELDS
from victimcare.care.selectors_compliance import BREACHED as BREACHED
from victimcare.care.selectors_compliance import ENHANCED_VICTIM as ENHANCED_VICTIM
from victimcare.care.selectors_compliance import GROUPS as GROUPS
from victimcare.care.selectors_compliance import Compliance as Compliance

# Compliance reads live in selectors_compliance.py and are re-exported here for the pages
# and services that read them as care.selectors.*.
from victimcare.care.selectors_compliance import ComplianceFilter as ComplianceFilter
from victimcare.care.selectors_compliance import ComplianceRow as ComplianceRow
from victimcare.care.selectors_compliance import ContactsCovering as ContactsCovering
from victimcare.care.selectors_compliance import compliance as compliance
from victimcare.care.selectors_compliance import compliance_allowed as compliance_allowed
from victimcare.care.selectors_compliance import compliance_breach_rows as compliance_breach_rows
from victimcare.care.selectors_compliance import compliance_breaches as compliance_breaches
from victimcare.care.selectors_compliance import (
    compliance_default_filter as compliance_default_filter,
)
from victimcare.care.selectors_compliance import (
    compliance_officer_choices as compliance_officer_choices,
)
from victimcare.care.selectors_compliance import compliance_teams as compliance_teams

# Supervisors' reads (team workload, breach alerts) live in selectors_supervisors.py and
# are re-exported here for the pages that read them as care.selectors.*.
from victimcare.care.selectors_supervisors import (
    BREACH_ALERT_DAYS as BREACH_ALERT_DAYS,
)
from victimcare.care.selectors_supervisors import TEAM_DUE_DAYS as TEAM_DUE_DAYS
from victimcare.care.selectors_supervisors import OfficerLoad as OfficerLoad
from victimcare.care.selectors_supervisors import (
    breach_alerts_recent as breach_alerts_recent,
)
from victimcare.care.selectors_supervisors import team_workload as team_workload
from victimcare.care.visit_state import visit_state
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, CaseEvent, Victim
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Team


def case_obligations(*, case: Case) -> QuerySet[Obligation]:
    """A case's obligations, soonest deadline first (the caller has checked the case)."""
    return (
        Obligation.objects.filter(case=case)
        .select_related("rule__version__rule_set", "victim")
        .order_by("due_at", "id")
    )


def months_later(at: datetime, months: int) -> datetime:
    """The end of the London day ``months`` calendar months after ``at`` (the same day of
    the month, or the month's last day when it has no such day)."""
    local = timezone.localtime(at, LONDON).date()
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return datetime.combine(date(year, month, day), time(23, 59, 59), tzinfo=LONDON)


def vrr_eligibility(*, case: Case, now: datetime | None = None) -> tuple[bool, str]:
    """Whether the victim may ask for a review under the Victims' Right to Review scheme
    (at ``now``), and why, in plain English: only where a suspect was interviewed under
    caution and the police then decided not to charge or gave an out-of-court disposal,
    within 3 months of that decision (the latest such)."""
    now = now or timezone.now()
    interviewed, decision = None, None
    for at, detail in (
        CaseEvent.objects.filter(case=case, kind=EventKind.DECISION)
        .order_by("at", "id")
        .values_list("at", "detail")
    ):
        outcome = outcome_normalise((detail or {}).get("outcome"))
        if outcome == DecisionOutcome.INTERVIEW_UNDER_CAUTION:
            interviewed = at
        elif outcome in VRR_DECISIONS and interviewed is not None:
            decision = (at, outcome)
    if interviewed is None:
        return False, (
            "A review can be asked for only where a suspect was interviewed under caution, "
            "and no interview under caution is recorded on this case."
        )
    if decision is None:
        return False, (
            "A suspect was interviewed under caution, but no decision not to charge, caution "
            "or community resolution has been recorded since."
        )
    at, outcome = decision
    closes = months_later(at, VRR_REQUEST_MONTHS)
    day = f"{timezone.localtime(at, LONDON):%-d %B %Y}"
    last = f"{timezone.localtime(closes, LONDON):%-d %B %Y}"
    label = str(DecisionOutcome(outcome).label).lower()
    if now > closes:
        return False, (
            f"The time to ask for a review has passed: it was 3 months from the decision "
            f"({label}) on {day}, so until {last}."
        )
    return True, (
        f"A suspect was interviewed under caution and the police decided on {day} "
        f"({label}): the victim can ask for a review until {last}."
    )


def case_clock(*, case: Case) -> CaseClock | None:
    return CaseClock.objects.select_related("rule_set_version__rule_set").filter(case=case).first()


def worklist(*, user) -> QuerySet[Obligation]:
    """The officer's outstanding obligations, by deadline (overdue ones come first)."""
    if not has_capability(user, Capability.WORK_CASES):
        return Obligation.objects.none()
    return (
        # Served by the partial index ``obligation_worklist`` (outstanding rows only, by
        # officer and deadline); the case is then looked up by its key. The filter must
        # name both outstanding statuses for the database to use that index.
        Obligation.objects.filter(
            officer=user, status__in=OUTSTANDING, case__force_id=user.force_id
        )
        .select_related("case", "rule")
        .order_by("due_at", "id")
    )


# How far ahead the worklist looks: what is due in the next fortnight, and what is overdue.
WORKLIST_DAYS_AHEAD = 14
# The most obligations a worklist lists (20 pages of 50). Counting every outstanding one
# joined to its case's force made PostgreSQL scan the whole cases table for an officer
# with thousands (``benchmarks/bench_care.py``); counting at most this many follows the
# worklist index and stops, as the page itself does.
WORKLIST_MOST_SHOWN = 1000


@dataclass(frozen=True)
class WorklistFilter:
    status: str = ""  # the case's status
    team_id: int | None = None  # obligations of the officers in this team
    officer_id: int | None = None  # with no team or officer: the user's own
    crime_group: str = ""
    overdue: bool = False
    enhanced: bool = False
    days_ahead: int = WORKLIST_DAYS_AHEAD


def worklist_filtered(*, user, filters: WorklistFilter, now: datetime | None = None):
    """Outstanding obligations of the user's force that are overdue or due within
    ``days_ahead`` days (overdue first), for the user, an officer or a team of that force,
    narrowed by the filters. An officer or team of another force gives nothing."""
    if not has_capability(user, Capability.WORK_CASES) or user.force_id is None:
        return Obligation.objects.none()
    now = now or timezone.now()
    rows = Obligation.objects.filter(status__in=OUTSTANDING, case__force_id=user.force_id)
    if filters.officer_id:
        rows = rows.filter(officer_id=filters.officer_id, officer__force_id=user.force_id)
    if filters.team_id:
        rows = rows.filter(officer__team_id=filters.team_id, officer__team__force_id=user.force_id)
    if not filters.officer_id and not filters.team_id:
        rows = rows.filter(officer=user)
    if filters.overdue:
        rows = rows.filter(due_at__lt=now)
    else:
        rows = rows.filter(due_at__lte=now + timedelta(days=filters.days_ahead))
    if filters.status:
        rows = rows.filter(case__status=filters.status)
    if filters.crime_group:
        rows = rows.filter(case__crime_type__survey_group=filters.crime_group)
    if filters.enhanced:
        rows = rows.filter(
            Q(victim__most_serious_crime=True)
            | Q(victim__persistently_targeted=True)
            | Q(victim__vulnerable=True)
            | Q(victim__intimidated=True)
        )
    return rows.select_related("case", "rule", "officer").order_by("due_at", "id")


def obligation_get(*, user, pk: int) -> Obligation:
    """One outstanding-or-not obligation of the user's force; 404 otherwise."""
    if not has_capability(user, Capability.WORK_CASES) or user.force_id is None:
        raise Http404("No such obligation")
    found = (
        Obligation.objects.select_related("case", "case__crime_type", "rule", "victim")
        .filter(pk=pk, case__force_id=user.force_id)
        .first()
    )
    if found is None:
        raise Http404("No such obligation")
    return found


def case_victims_for_care(*, case: Case) -> QuerySet[Victim]:
    return Victim.objects.filter(case=case).select_related("personal_details").order_by("id")


def needs_assessment_latest(*, victim: Victim) -> NeedsAssessment | None:
    return NeedsAssessment.objects.filter(victim=victim).order_by("-assessed_at", "-id").first()


def case_visit_states(*, case) -> list:
    """(victim, visit state) for each victim of a case: the one visit status."""
    victims = list(Victim.objects.filter(case=case).order_by("id"))
    visits = {v.victim_id: v for v in Visit.objects.select_related("slot").filter(case=case)}
    return [(victim, visit_state(visits.get(victim.pk))) for victim in victims]


def visit_for_victim(*, victim: Victim) -> Visit | None:
    return Visit.objects.select_related("slot").filter(victim=victim).first()


def visit_slots_available(*, victim: Victim, now: datetime | None = None) -> list[VisitSlot]:
    """Future slots in the victim's area with room left (for Track my case and staff)."""
    now = now or timezone.now()
    case = victim.case
    return list(
        VisitSlot.objects.filter(area_id=case.area_id, starts_at__gt=now)
        .annotate(
            taken=Count("visits", filter=Q(visits__status=VisitStatus.ACCEPTED)),
        )
        .filter(taken__lt=F("capacity"))
        .order_by("starts_at")[:20]
    )


def support_organisations_for(*, case: Case):
    return SupportOrganisation.objects.filter(forces=case.force_id).order_by("name")


def referral_inbox(*, user) -> QuerySet[Referral]:
    """Referrals sent to the user's own support organisation, newest first."""
    if (
        not has_capability(user, Capability.RECEIVE_REFERRALS)
        or user.support_organisation_id is None
    ):
        return Referral.objects.none()
    return (
        Referral.objects.filter(organisation_id=user.support_organisation_id)
        .select_related("case__force")
        .order_by("-sent_at", "-id")
    )


def referral_get(*, user, pk: int) -> Referral:
    found = referral_inbox(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such referral")
    return found


def referral_notes(*, referral: Referral) -> QuerySet[ReferralNote]:
    """A referral's notes, oldest first (the caller has checked the referral)."""
    return ReferralNote.objects.filter(referral=referral).select_related("by").order_by("at", "id")


def rule_sets(*, user) -> list[RuleSet]:
    if not has_capability(user, Capability.VIEW_RULE_SETS):
        return []
    return list(RuleSet.objects.prefetch_related("versions").order_by("code"))


def rule_set_version_get(*, user, code: str, version: int) -> RuleSetVersion:
    if not has_capability(user, Capability.VIEW_RULE_SETS):
        raise Http404("No such rule set")
    found = (
        RuleSetVersion.objects.select_related("rule_set")
        .prefetch_related("rules")
        .filter(rule_set__code=code, version=version)
        .first()
    )
    if found is None:
        raise Http404("No such rule set")
    return found


# --- the officer in charge and team queues ------------------------------------------------

CLOSED_STATUSES = ("closed",)


def case_team(*, case: Case) -> Team | None:
    """The team a case belongs to: its officer's team, else the first team (by name) of
    the case's area; None when the area has no team."""
    officer = case.officer_in_charge
    if officer is not None and officer.team_id:
        return officer.team
    return (
        Team.objects.filter(force_id=case.force_id, area_id=case.area_id).order_by("name").first()
    )


def teams_for(*, user) -> QuerySet[Team]:
    """The teams whose queues the user may open: every team of the force for those who
    assign cases, else their own team."""
    teams = Team.objects.filter(force_id=user.force_id).order_by("name")
    if has_capability(user, Capability.ASSIGN_CASES):
        return teams
    return teams.filter(pk=user.team_id)


def team_get(*, user, code: str) -> Team:
    team = teams_for(user=user).filter(code=code).first()
    if team is None:
        raise Http404("No such team in your force")
    return team


def team_queue(*, team: Team) -> QuerySet[Case]:
    """Unassigned, not closed cases in the team's area, oldest first."""
    if team.area_id is None:
        return Case.objects.none()
    return (
        Case.objects.filter(
            force_id=team.force_id, area_id=team.area_id, officer_in_charge__isnull=True
        )
        .exclude(status__in=CLOSED_STATUSES)
        .select_related("crime_type", "area")
        .order_by("reported_at", "id")
    )


def visit_slots_for_area(*, area, now: datetime | None = None) -> QuerySet[VisitSlot]:
    """The area's future visit times with how many are booked, soonest first."""
    now = now or timezone.now()
    return (
        VisitSlot.objects.filter(area=area, starts_at__gt=now)
        .annotate(taken=Count("visits", filter=Q(visits__status=VisitStatus.ACCEPTED)))
        .order_by("starts_at", "id")
    )


def visit_slots_free(*, area, now: datetime | None = None) -> QuerySet[VisitSlot]:
    now = now or timezone.now()
    return (
        VisitSlot.objects.filter(area=area, starts_at__gt=now)
        .annotate(taken=Count("visits", filter=Q(visits__status=VisitStatus.ACCEPTED)))
        .filter(taken__lt=F("capacity"))
        .order_by("starts_at", "id")
    )
